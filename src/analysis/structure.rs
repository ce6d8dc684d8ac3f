//! Findings read off the shape of the graph: single-zone placement, non-redundant required
//! components, call-tree depth and worst-case retry amplification, fan-out and cycles.
//!
//! Depth and amplification walk each endpoint's *call tree*: every call its requests make
//! (sync or async, required or optional, but only the calls whose `only_for` allows the
//! endpoint) and every cache's misses to its backend. A queue's deliveries to its consumer
//! are not followed: they happen after the producer's request is answered. Sync calls
//! cannot form cycles (validation rejects them) but async calls can; the walk is depth-first
//! in call order and does not follow an edge back to a component on the current path, so it
//! measures the longest path of the acyclic graph that remains, memoised per component.

use petgraph::algo::tarjan_scc;

use crate::topology::{ComponentId, EndpointId, Topology};

use super::servability::{call_applies, non_redundant_reason};
use super::{component_count, dense, join_path, Depth, FanOut, Kind, NonRedundant, NonRedundantChain};
use super::{RetryAmplification, SingleZone};

/// Components (not externals, which have no zones) with every node in one zone.
pub(super) fn single_zone(t: &Topology) -> Vec<SingleZone> {
    t.components()
        .filter_map(|c| match t.component_zones(c).as_slice() {
            [z] => Some(SingleZone {
                kind: Kind::of(c),
                name: t.component_name(c).to_owned(),
                zone: t.zones()[z.index()].name.clone(),
            }),
            _ => None,
        })
        .collect()
}

/// Per endpoint, the members of its required set that have no redundancy, in the required
/// set's depth-first order.
pub(super) fn non_redundant(t: &Topology, required: &[Vec<ComponentId>]) -> Vec<NonRedundantChain> {
    required
        .iter()
        .zip(t.endpoints())
        .map(|(req, e)| NonRedundantChain {
            endpoint: e.name.clone(),
            components: req
                .iter()
                .filter_map(|c| {
                    non_redundant_reason(t, *c).map(|reason| NonRedundant {
                        kind: Kind::of(*c),
                        name: t.component_name(*c).to_owned(),
                        reason,
                    })
                })
                .collect(),
        })
        .collect()
}

/// Per service, the number of calls it makes.
pub(super) fn fan_out(t: &Topology) -> Vec<FanOut> {
    t.services().iter().map(|s| FanOut { service: s.name.clone(), calls: s.calls.len() }).collect()
}

/// Dependency cycles in the whole graph (calls of any mode, queue deliveries, cache misses),
/// each as member names in file order, the list ordered by first member.
pub(super) fn cycles(t: &Topology) -> Vec<Vec<String>> {
    let g = t.graph();
    let mut sccs: Vec<Vec<ComponentId>> = tarjan_scc(g)
        .into_iter()
        .filter(|scc| scc.len() > 1)
        .map(|scc| {
            let mut members: Vec<ComponentId> = scc.iter().map(|n| g[*n]).collect();
            members.sort();
            members
        })
        .collect();
    sccs.sort();
    sccs.into_iter().map(|m| m.into_iter().map(|c| t.component_name(c).to_owned()).collect()).collect()
}

/// Per endpoint, the deepest path of its call tree and the path with the largest product of
/// attempts, found in one walk.
pub(super) fn call_trees(t: &Topology) -> (Vec<Depth>, Vec<RetryAmplification>) {
    let mut depths = Vec::with_capacity(t.endpoints().len());
    let mut amplifications = Vec::with_capacity(t.endpoints().len());
    for (i, endpoint) in t.endpoints().iter().enumerate() {
        let entry = ComponentId::Service(endpoint.service);
        let walk = Walk::run(t, EndpointId(i as u32), entry);
        let depth_path = walk.path(t, entry, |n| n.depth_next);
        let amp_path = walk.path(t, entry, |n| n.amp_next);
        let at = dense(t, entry);
        depths.push(Depth {
            endpoint: endpoint.name.clone(),
            depth: walk.nodes[at].depth,
            path: join_path(t, &depth_path),
        });
        amplifications.push(RetryAmplification {
            endpoint: endpoint.name.clone(),
            factor: walk.nodes[at].amp,
            path: join_path(t, &amp_path),
        });
    }
    (depths, amplifications)
}

/// The best continuation found from one component of a call tree.
#[derive(Clone, Copy, Default)]
struct Node {
    /// Components on the deepest path from here, this one included.
    depth: u32,
    /// The next component on that path.
    depth_next: Option<ComponentId>,
    /// The largest product of attempts on a path from here.
    amp: u64,
    /// The next component on that path.
    amp_next: Option<ComponentId>,
}

/// One endpoint's depth-first walk, with a [`Node`] per component (dense index).
struct Walk {
    nodes: Vec<Node>,
}

impl Walk {
    fn run(t: &Topology, e: EndpointId, entry: ComponentId) -> Walk {
        const NEW: u8 = 0;
        const ON_PATH: u8 = 1;
        const DONE: u8 = 2;
        let mut nodes = vec![Node::default(); component_count(t)];
        let mut state = vec![NEW; nodes.len()];
        // Frames: a component, its out-edges (target, attempts), and the next edge to look at.
        let mut stack = vec![(entry, out_edges(t, e, entry), 0usize)];
        state[dense(t, entry)] = ON_PATH;
        nodes[dense(t, entry)] = Node { depth: 1, amp: 1, ..Node::default() };
        while let Some((u, edges, next)) = stack.last() {
            let ui = dense(t, *u);
            let Some(&(w, attempts)) = edges.get(*next) else {
                state[ui] = DONE;
                stack.pop();
                continue;
            };
            let wi = dense(t, w);
            match state[wi] {
                NEW => {
                    // Descend; this edge is looked at again once `w` is done.
                    state[wi] = ON_PATH;
                    nodes[wi] = Node { depth: 1, amp: 1, ..Node::default() };
                    stack.push((w, out_edges(t, e, w), 0));
                    continue;
                }
                DONE => {
                    let (child, me) = (nodes[wi], &mut nodes[ui]);
                    if child.depth + 1 > me.depth {
                        me.depth = child.depth + 1;
                        me.depth_next = Some(w);
                    }
                    let amp = u64::from(attempts).saturating_mul(child.amp);
                    if me.amp_next.is_none() || amp > me.amp {
                        me.amp = amp;
                        me.amp_next = Some(w);
                    }
                }
                // An edge back to the current path closes a cycle (async only): not followed.
                _ => {}
            }
            if let Some((_, _, next)) = stack.last_mut() {
                *next += 1;
            }
        }
        Walk { nodes }
    }

    /// The path from `entry` following one of the `next` links.
    fn path(&self, t: &Topology, entry: ComponentId, next: impl Fn(&Node) -> Option<ComponentId>) -> Vec<ComponentId> {
        let mut path = vec![entry];
        let mut at = entry;
        // The links form an acyclic graph, so a path visits each component at most once.
        while let Some(n) = next(&self.nodes[dense(t, at)]) {
            if path.len() > self.nodes.len() {
                break;
            }
            path.push(n);
            at = n;
        }
        path
    }
}

/// The edges of a call tree out of `c` for endpoint `e`: the calls its requests make (with
/// their attempts), or a cache's misses to its backend (one attempt).
fn out_edges(t: &Topology, e: EndpointId, c: ComponentId) -> Vec<(ComponentId, u32)> {
    match c {
        ComponentId::Service(s) => t
            .service(s)
            .calls
            .iter()
            .map(|id| t.call(*id))
            .filter(|call| call_applies(call, e))
            .map(|call| (call.to, call.max_attempts()))
            .collect(),
        ComponentId::Cache(k) => vec![(t.caches()[k.index()].backend, 1)],
        ComponentId::Queue(_) | ComponentId::Datastore(_) | ComponentId::External(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::analyze;
    use super::super::tests::topo;

    /// A chain of `layers + 1` services, each calling the next with 3 attempts.
    fn chain(layers: usize) -> String {
        let mut services = String::new();
        for i in 0..=layers {
            let calls =
                if i < layers { format!("Call(to: \"s{}\", retry: (max_attempts: 3))", i + 1) } else { String::new() };
            services +=
                &format!("Service(name: \"s{i}\", zones: [\"a\"], service_time: Fixed(\"1ms\"), calls: [{calls}]),");
        }
        format!(
            r#"Topology(name: "chain", regions: [Region(name: "r", zones: [Zone(name: "a")])],
            services: [{services}], endpoints: [Endpoint(name: "e", service: "s0")])"#
        )
    }

    #[test]
    fn retries_at_each_of_l_layers_multiply_to_3_to_the_l() {
        for layers in [1usize, 2, 4, 6] {
            let a = analyze(&topo(&chain(layers)));
            assert_eq!(a.retry_amplification[0].factor, 3u64.pow(layers as u32));
            assert_eq!(a.depth[0].depth as usize, layers + 1);
            let expected: Vec<String> = (0..=layers).map(|i| format!("s{i}")).collect();
            assert_eq!(a.retry_amplification[0].path, expected.join(" → "));
        }
    }

    #[test]
    fn async_cycles_are_reported_and_do_not_loop() {
        let t = topo(
            r#"Topology(
            name: "t",
            regions: [Region(name: "r", zones: [Zone(name: "a")])],
            services: [
                Service(name: "orders", zones: ["a"], service_time: Fixed("1ms"), calls: [
                    Call(to: "events", mode: Async, retry: (max_attempts: 2)),
                    Call(to: "audit", mode: Async),
                ]),
                Service(name: "audit", zones: ["a"], service_time: Fixed("1ms"), calls: [
                    Call(to: "orders", mode: Async, retry: (max_attempts: 5)),
                ]),
                Service(name: "shipping", zones: ["a"], service_time: Fixed("1ms"), calls: [Call(to: "orders", mode: Async)]),
            ],
            queues: [Queue(name: "events", zones: ["a"], capacity: 10, consumer: "shipping")],
            endpoints: [Endpoint(name: "e", service: "orders")],
        )"#,
        );
        let a = analyze(&t);
        // orders → events is a leaf (deliveries are not followed); the edge back from audit
        // to orders closes a cycle on the path and is not followed either.
        assert_eq!((a.depth[0].depth, a.depth[0].path.as_str()), (2, "orders → events"));
        assert_eq!((a.retry_amplification[0].factor, a.retry_amplification[0].path.as_str()), (2, "orders → events"));
        // The graph's cycles include queue deliveries: orders → events → shipping → orders.
        assert_eq!(a.cycles, [vec!["orders", "audit", "shipping", "events"]]);
    }
}
