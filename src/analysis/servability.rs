//! The servability model in code: which calls an endpoint's requests need, the set of
//! components an endpoint requires, and whether a component is up on its own when some
//! zones are down.
//!
//! The rules are stated in the [module docs](super); this file is their one implementation,
//! shared by the single-point-of-failure check, the redundancy report and the availability
//! estimate so that the three can never disagree about what "required" means.

use crate::spec::CallMode;
use crate::topology::{Call, ComponentId, EndpointId, Topology, ZoneId};

use super::{component_count, dense};

/// Whether requests of endpoint `e` make this call at all (its `only_for` allows them).
pub(super) fn call_applies(call: &Call, e: EndpointId) -> bool {
    call.only_for.as_ref().is_none_or(|only| only.contains(&e))
}

/// Whether a failure of this call fails requests of endpoint `e`.
pub(super) fn call_needed(call: &Call, e: EndpointId) -> bool {
    call.required && call.probability > 0.0 && call_applies(call, e)
}

/// What a call to `c` really depends on: `c` itself, or for a cache the component its misses
/// go to. `None` only if caches front each other in a loop, which validation rules out.
pub(super) fn through_caches(t: &Topology, c: ComponentId) -> Option<ComponentId> {
    let mut c = c;
    // A chain of caches is at most as long as there are caches; the bound keeps a malformed
    // topology from looping forever.
    for _ in 0..=t.caches().len() {
        match c {
            ComponentId::Cache(id) => c = t.caches()[id.index()].backend,
            other => return Some(other),
        }
    }
    None
}

/// The components endpoint `e` requires, each once, in depth-first order from the entry
/// service following calls in the order they are declared.
///
/// The endpoint is servable iff every one of them is up on its own: a service reached
/// through sync calls brings its own needed calls along, one reached only through an async
/// call needs only to accept the message.
pub fn required(t: &Topology, e: EndpointId) -> Vec<ComponentId> {
    let Some(endpoint) = t.endpoints().get(e.index()) else {
        return Vec::new();
    };
    // 0: not seen; 1: needed to accept only; 2: needed to serve (its calls followed).
    let mut seen = vec![0u8; component_count(t)];
    let mut order = Vec::new();
    let mut stack = vec![(ComponentId::Service(endpoint.service), true)];
    // Marking on pop with children pushed in reverse gives the recursive depth-first order.
    // Each service is expanded at most once, so the stack holds at most calls + 1 entries.
    while let Some((c, serve)) = stack.pop() {
        let i = dense(t, c);
        // Only a service can be needed at two levels; anything else is simply needed.
        let level = if serve || !matches!(c, ComponentId::Service(_)) { 2 } else { 1 };
        if seen[i] >= level {
            continue;
        }
        if seen[i] == 0 {
            order.push(c);
        }
        seen[i] = level;
        if let (ComponentId::Service(s), 2) = (c, level) {
            for &id in t.service(s).calls.iter().rev() {
                let call = t.call(id);
                if !call_needed(call, e) {
                    continue;
                }
                if let Some(to) = through_caches(t, call.to) {
                    stack.push((to, call.mode == CallMode::Sync));
                }
            }
        }
    }
    order
}

/// Whether component `c` is up on its own when the zones marked in `zone_down` are down (a
/// region's outage marks all its zones) and its own nodes are all healthy.
pub(super) fn own_up(t: &Topology, c: ComponentId, zone_down: &[bool]) -> bool {
    let up = |z: ZoneId| !zone_down[z.index()];
    match c {
        ComponentId::Service(s) => {
            let s = t.service(s);
            let alive = s.instance_ids().filter(|i| up(t.instances()[i.index()].zone)).count();
            alive >= s.min_healthy as usize
        }
        ComponentId::Queue(q) => t.queues()[q.index()].zones.iter().any(|z| up(*z)),
        ComponentId::Cache(k) => t.caches()[k.index()].zones.iter().any(|z| up(*z)),
        ComponentId::Datastore(d) => {
            let d = &t.datastores()[d.index()];
            up(d.primary) || (d.failover.automatic && d.replicas.iter().any(|z| up(*z)))
        }
        ComponentId::External(_) => true,
    }
}

/// Why a component has no redundancy, or `None` if it has some: a service with no spare
/// instance or all instances in one zone, a datastore without a replica that takes over
/// automatically or with all nodes in one zone, a queue or cache in one zone, any external.
pub(super) fn non_redundant_reason(t: &Topology, c: ComponentId) -> Option<String> {
    let zones = t.component_zones(c);
    let single_zone = match zones.as_slice() {
        [z] => Some(format!("single zone {}", t.zones()[z.index()].name)),
        _ => None,
    };
    let own = match c {
        ComponentId::Service(s) => {
            let s = t.service(s);
            let n = s.instance_count();
            match (n, n > s.min_healthy) {
                (_, true) => None,
                (1, false) => Some("1 instance".to_owned()),
                (n, false) => Some(format!("{n} instances, needs {}", s.min_healthy)),
            }
        }
        ComponentId::Datastore(d) => {
            let d = &t.datastores()[d.index()];
            if d.replicas.is_empty() {
                Some("no replicas".to_owned())
            } else if !d.failover.automatic {
                Some("manual failover".to_owned())
            } else {
                None
            }
        }
        ComponentId::Queue(_) | ComponentId::Cache(_) => None,
        ComponentId::External(_) => Some("third party".to_owned()),
    };
    match (own, single_zone) {
        (None, None) => None,
        (Some(a), Some(b)) => Some(format!("{a}; {b}")),
        (Some(a), None) | (None, Some(a)) => Some(a),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::topo;
    use super::*;

    #[test]
    fn async_targets_are_needed_to_accept_only() {
        let t = topo(
            r#"Topology(
            name: "t",
            regions: [Region(name: "r", zones: [Zone(name: "a")])],
            services: [
                Service(name: "front", zones: ["a"], service_time: Fixed("1ms"), calls: [
                    Call(to: "worker", mode: Async),
                    Call(to: "never", probability: 0.0),
                    Call(to: "sometimes", probability: 0.01),
                ]),
                Service(name: "worker", zones: ["a"], service_time: Fixed("1ms"), calls: [Call(to: "db")]),
                Service(name: "never", zones: ["a"], service_time: Fixed("1ms")),
                Service(name: "sometimes", zones: ["a"], service_time: Fixed("1ms")),
            ],
            datastores: [Datastore(name: "db", primary: "a")],
            endpoints: [Endpoint(name: "e", service: "front")],
        )"#,
        );
        let names: Vec<&str> = required(&t, EndpointId(0)).iter().map(|c| t.component_name(*c)).collect();
        assert_eq!(names, ["front", "worker", "sometimes"]);
    }

    #[test]
    fn a_service_reached_async_then_sync_is_expanded_once() {
        let t = topo(
            r#"Topology(
            name: "t",
            regions: [Region(name: "r", zones: [Zone(name: "a")])],
            services: [
                Service(name: "front", zones: ["a"], service_time: Fixed("1ms"), calls: [
                    Call(to: "worker", mode: Async),
                    Call(to: "mid"),
                ]),
                Service(name: "mid", zones: ["a"], service_time: Fixed("1ms"), calls: [Call(to: "worker")]),
                Service(name: "worker", zones: ["a"], service_time: Fixed("1ms"), calls: [Call(to: "x")]),
            ],
            externals: [External(name: "x", latency: Fixed("1ms"))],
            endpoints: [Endpoint(name: "e", service: "front")],
        )"#,
        );
        let names: Vec<&str> = required(&t, EndpointId(0)).iter().map(|c| t.component_name(*c)).collect();
        assert_eq!(names, ["front", "worker", "mid", "x"]);
    }
}
