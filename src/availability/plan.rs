//! The availability model's plan: a topology (plus a scenario's extra failure processes)
//! compiled once into flat arrays that the per-event code only indexes.
//!
//! - **Leaves** are the smallest things that are up or down: a service instance, a queue
//!   broker, a cache node, a datastore node, an external. Each belongs to one component and
//!   (except externals) sits in one zone.
//! - **Processes** fail and get repaired, each with its own MTBF/MTTR and random stream: a
//!   leaf's own failures, a zone's or a region's outages (common causes covering every leaf
//!   placed there), a link's cuts, and a scenario's `processes`. A process *covers* the
//!   leaves it takes down.
//! - **Classes** are what the importance measures rank: every component, down *on its own
//!   account* while it cannot serve (fewer than `min_healthy` instances up, no broker, no
//!   serving leader during a datastore takeover) and no zone or region outage touches it, so
//!   a region's outage is the region's, not every component's; and every zone, region, link
//!   and scenario process that can fail, down while its process is.
//! - **Endpoints** carry their required set (from [`crate::analysis::required`], so the
//!   simulator and the analytic estimate agree on what "required" means) and, for the
//!   evaluation under link cuts, the needed calls of each service they reach.

use std::ops::Range;
use std::sync::Arc;

use crate::dist::{Dist, FailureModel};
use crate::scenario::{Process, Target};
use crate::spec::CallMode;
use crate::topology::{ComponentId, Place, Topology, ZoneId};

/// No zone: a leaf outside every zone (an external).
pub(crate) const NO_ZONE: u32 = u32::MAX;

/// What kind of thing a component is, for the evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CompKind {
    /// Needs `need` of its instances up.
    Service,
    /// Up while one of its nodes is (queues, caches).
    AnyNode,
    /// Up while its leader node serves; see [`DatastorePlan`].
    Datastore,
    /// Up while its one leaf is.
    External,
}

/// One component.
#[derive(Clone, Debug)]
pub(crate) struct Comp {
    /// Its kind.
    pub kind: CompKind,
    /// Leaves that must be up (services: `min_healthy`; others 1).
    pub need: u32,
    /// Its leaves, a range of leaf indices.
    pub leaves: Range<u32>,
    /// Index into [`Plan::datastores`] for a datastore.
    pub datastore: u32,
}

/// A datastore's failover.
#[derive(Clone, Debug)]
pub(crate) struct DatastorePlan {
    /// Its component index.
    pub comp: u32,
    /// Whether a replica takes over without an operator (and there is one).
    pub fails_over: bool,
    /// Detection plus promotion (ns): from the leader's loss to a replica serving.
    pub takeover_ns: u64,
    /// Promotion alone (ns): when a replica returns after a takeover found none up.
    pub promotion_ns: u64,
}

/// A failure process.
#[derive(Clone, Debug)]
pub struct ProcessPlan {
    /// A readable name (`instance checkout#2`, `zone eu-1a`, `link a~b`).
    pub name: String,
    /// The name of its random stream.
    pub stream: String,
    /// Its failure model.
    pub failure: FailureModel,
    /// Up-time distribution.
    pub(crate) ttf: Dist,
    /// Down-time distribution.
    pub(crate) ttr: Dist,
    /// The leaves it takes down, a range into [`Plan::cover`].
    pub(crate) cover: Range<u32>,
    /// The link it cuts, if it is a link process.
    pub(crate) link: Option<u32>,
    /// Its importance class.
    pub(crate) class: Option<u32>,
    /// Whether it is a failure domain's outage (a zone or region), whose effect on a
    /// component is not counted as that component's own downtime.
    pub(crate) domain: bool,
}

/// A group of processes whose joint state is one component's (or place's) own health.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct ClassMeta {
    /// What it is: `service`, `queue`, `datastore`, `cache`, `external`, `zone`, `region`,
    /// `link` or `process`.
    pub kind: String,
    /// Its name.
    pub name: String,
}

/// A link that can be cut.
#[derive(Clone, Debug)]
pub(crate) struct LinkPlan {
    /// Zones on one side.
    pub a: Vec<u32>,
    /// Zones on the other.
    pub b: Vec<u32>,
}

/// The compiled model. See the module docs.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The topology.
    pub topology: Arc<Topology>,
    /// Zones.
    pub(crate) zones: usize,
    /// Per leaf: its component.
    pub(crate) leaf_comp: Vec<u32>,
    /// Per leaf: its zone, or [`NO_ZONE`].
    pub(crate) leaf_zone: Vec<u32>,
    /// Component ids in dense order: services, queues, datastores, caches, externals.
    pub(crate) comp_ids: Vec<ComponentId>,
    /// Components in dense order.
    pub(crate) comps: Vec<Comp>,
    /// Per component: its importance class.
    pub(crate) comp_class: Vec<u32>,
    /// Datastores.
    pub(crate) datastores: Vec<DatastorePlan>,
    /// Failure processes.
    pub processes: Vec<ProcessPlan>,
    /// Leaves covered by processes (see [`ProcessPlan::cover`]).
    pub(crate) cover: Vec<u32>,
    /// Importance classes.
    pub classes: Vec<ClassMeta>,
    /// Per class: failed processes at which the class is down.
    pub(crate) class_threshold: Vec<u32>,
    /// Links that can be cut.
    pub(crate) links: Vec<LinkPlan>,
    /// Per link: endpoints whose calls may cross it.
    pub(crate) link_endpoints: Vec<Vec<u32>>,
    /// Per endpoint: required components (dense indices).
    pub(crate) required: Vec<Vec<u32>>,
    /// Per component: endpoints requiring it.
    pub(crate) requirers: Vec<Vec<u32>>,
    /// Per endpoint, per component: the needed calls of that service for that endpoint, a
    /// range into [`Plan::need_list`].
    pub(crate) needs: Vec<Vec<Range<u32>>>,
    /// Needed calls: (target component, synchronous).
    pub(crate) need_list: Vec<(u32, bool)>,
    /// Whether the scenario added failure processes of its own.
    pub scenario_processes: usize,
}

/// The dense index of a component: services, queues, datastores, caches, externals.
pub(crate) fn dense(t: &Topology, c: ComponentId) -> usize {
    match c {
        ComponentId::Service(i) => i.index(),
        ComponentId::Queue(i) => t.services().len() + i.index(),
        ComponentId::Datastore(i) => t.services().len() + t.queues().len() + i.index(),
        ComponentId::Cache(i) => t.services().len() + t.queues().len() + t.datastores().len() + i.index(),
        ComponentId::External(i) => {
            t.services().len() + t.queues().len() + t.datastores().len() + t.caches().len() + i.index()
        }
    }
}

/// What a call to `c` depends on: `c`, or a cache's backend (through chains of caches).
fn through_caches(t: &Topology, c: ComponentId) -> Option<ComponentId> {
    let mut c = c;
    for _ in 0..=t.caches().len() {
        match c {
            ComponentId::Cache(id) => c = t.caches()[id.index()].backend,
            other => return Some(other),
        }
    }
    None
}

/// Builder state: processes and classes being collected.
struct Builder {
    processes: Vec<ProcessPlan>,
    cover: Vec<u32>,
    classes: Vec<ClassMeta>,
    class_threshold: Vec<u32>,
}

impl Builder {
    fn class(&mut self, kind: &str, name: &str, threshold: u32) -> u32 {
        self.classes.push(ClassMeta { kind: kind.to_owned(), name: name.to_owned() });
        self.class_threshold.push(threshold.max(1));
        (self.classes.len() - 1) as u32
    }

    /// Marks the last process as a failure domain's outage.
    fn mark_domain(&mut self) {
        if let Some(p) = self.processes.last_mut() {
            p.domain = true;
        }
    }

    fn process(&mut self, name: String, stream: String, failure: FailureModel, leaves: &[u32], class: Option<u32>) {
        let start = self.cover.len() as u32;
        self.cover.extend_from_slice(leaves);
        self.processes.push(ProcessPlan {
            name,
            stream,
            failure,
            ttf: failure.ttf.dist(),
            ttr: failure.ttr.dist(),
            cover: start..self.cover.len() as u32,
            link: None,
            class,
            domain: false,
        });
    }
}

impl Plan {
    /// Compiles `t`, with `extra` failure processes (a scenario's `processes`) on top of the
    /// topology's own `failure` settings.
    pub fn new(t: Arc<Topology>, extra: &[Process]) -> Plan {
        let zones = t.zones().len();
        let mut leaf_comp = Vec::new();
        let mut leaf_zone = Vec::new();
        let mut comps = Vec::new();
        let mut datastores = Vec::new();
        let push_leaf = |leaf_comp: &mut Vec<u32>, leaf_zone: &mut Vec<u32>, comp: usize, zone: Option<ZoneId>| {
            leaf_comp.push(comp as u32);
            leaf_zone.push(zone.map_or(NO_ZONE, |z| z.0));
        };
        for c in t.components() {
            let d = dense(&t, c);
            let first = leaf_comp.len() as u32;
            let (kind, need, ds) = match c {
                ComponentId::Service(s) => {
                    let s = t.service(s);
                    for i in s.instance_ids() {
                        push_leaf(&mut leaf_comp, &mut leaf_zone, d, Some(t.instances()[i.index()].zone));
                    }
                    (CompKind::Service, s.min_healthy, 0)
                }
                ComponentId::Queue(q) => {
                    for z in &t.queues()[q.index()].zones {
                        push_leaf(&mut leaf_comp, &mut leaf_zone, d, Some(*z));
                    }
                    (CompKind::AnyNode, 1, 0)
                }
                ComponentId::Cache(k) => {
                    for z in &t.caches()[k.index()].zones {
                        push_leaf(&mut leaf_comp, &mut leaf_zone, d, Some(*z));
                    }
                    (CompKind::AnyNode, 1, 0)
                }
                ComponentId::Datastore(id) => {
                    let ds = &t.datastores()[id.index()];
                    push_leaf(&mut leaf_comp, &mut leaf_zone, d, Some(ds.primary));
                    for z in &ds.replicas {
                        push_leaf(&mut leaf_comp, &mut leaf_zone, d, Some(*z));
                    }
                    datastores.push(DatastorePlan {
                        comp: d as u32,
                        fails_over: ds.failover.automatic && !ds.replicas.is_empty(),
                        takeover_ns: ds.failover.detection.as_nanos().saturating_add(ds.failover.promotion.as_nanos()),
                        promotion_ns: ds.failover.promotion.as_nanos(),
                    });
                    (CompKind::Datastore, 1, datastores.len() as u32 - 1)
                }
                ComponentId::External(_) => {
                    push_leaf(&mut leaf_comp, &mut leaf_zone, d, None);
                    (CompKind::External, 1, 0)
                }
            };
            comps.push(Comp { kind, need, leaves: first..leaf_comp.len() as u32, datastore: ds });
        }

        let mut b =
            Builder { processes: Vec::new(), cover: Vec::new(), classes: Vec::new(), class_threshold: Vec::new() };
        let leaves_in = |pred: &dyn Fn(u32) -> bool| -> Vec<u32> {
            (0..leaf_zone.len() as u32)
                .filter(|&l| leaf_zone[l as usize] != NO_ZONE && pred(leaf_zone[l as usize]))
                .collect()
        };
        // Regions, then zones, then components, then links, then the scenario's processes:
        // the same order (and stream names) as the request model's component failures.
        for r in t.regions() {
            if let Some(f) = r.failure {
                let class = b.class("region", &r.name, 1);
                let zs: Vec<u32> = r.zones.iter().map(|z| z.0).collect();
                let leaves = leaves_in(&|z| zs.contains(&z));
                b.process(format!("region {}", r.name), format!("failure:region:{}", r.name), f, &leaves, Some(class));
                b.mark_domain();
            }
        }
        for (zi, z) in t.zones().iter().enumerate() {
            if let Some(f) = z.failure {
                let class = b.class("zone", &z.name, 1);
                let leaves = leaves_in(&|lz| lz == zi as u32);
                b.process(format!("zone {}", z.name), format!("failure:zone:{}", z.name), f, &leaves, Some(class));
                b.mark_domain();
            }
        }
        // Every component is a class of its own, down whenever it cannot serve (its own
        // failures, its zones', or a datastore takeover in progress); its leaves' processes
        // belong to no class, the component's state speaks for them.
        let mut comp_class = Vec::with_capacity(comps.len());
        for c in t.components() {
            let d = dense(&t, c);
            let comp = &comps[d];
            let name = t.component_name(c).to_owned();
            let kind = Topology::component_kind(c);
            comp_class.push(b.class(kind, &name, 1));
            let failure = match c {
                ComponentId::Service(s) => t.service(s).failure,
                ComponentId::Queue(q) => t.queues()[q.index()].failure,
                ComponentId::Datastore(x) => t.datastores()[x.index()].failure,
                ComponentId::Cache(x) => t.caches()[x.index()].failure,
                ComponentId::External(x) => t.externals()[x.index()].failure,
            };
            let Some(f) = failure else { continue };
            for (k, leaf) in comp.leaves.clone().enumerate() {
                let (pname, stream) = match c {
                    ComponentId::Service(_) => (format!("instance {name}#{k}"), format!("failure:instance:{name}#{k}")),
                    ComponentId::External(_) => (format!("external {name}"), format!("failure:{name}")),
                    _ if k == 0 => (format!("{kind} {name} node 0"), format!("failure:{name}")),
                    _ => (format!("{kind} {name} node {k}"), format!("failure:{name}#{k}")),
                };
                b.process(pname, stream, f, &[leaf], None);
            }
        }
        let mut links = Vec::new();
        let place_zones = |p: Place| -> Vec<u32> {
            match p {
                Place::Zone(z) => vec![z.0],
                Place::Region(r) => t.regions()[r.index()].zones.iter().map(|z| z.0).collect(),
            }
        };
        for l in t.links() {
            if let Some(f) = l.failure {
                let (a, z) = (t.place_name(l.a).to_owned(), t.place_name(l.b).to_owned());
                let class = b.class("link", &format!("{a}~{z}"), 1);
                b.process(format!("link {a}~{z}"), format!("failure:link:{a}~{z}"), f, &[], Some(class));
                if let Some(p) = b.processes.last_mut() {
                    p.link = Some(links.len() as u32);
                }
                links.push(LinkPlan { a: place_zones(l.a), b: place_zones(l.b) });
            }
        }
        for (i, p) in extra.iter().enumerate() {
            let leaves: Vec<u32> = match p.target {
                Target::Instance(inst) => {
                    let svc = t.instances()[inst.index()].service;
                    let first = comps[svc.index()].leaves.start;
                    vec![first + t.instances()[inst.index()].ordinal]
                }
                Target::Service(s) => comps[s.index()].leaves.clone().collect(),
                Target::Component(c) => comps[dense(&t, c)].leaves.clone().collect(),
                Target::Zone(z) => leaves_in(&|lz| lz == z.0),
                Target::Region(r) => {
                    let zs: Vec<u32> = t.regions()[r.index()].zones.iter().map(|z| z.0).collect();
                    leaves_in(&|lz| zs.contains(&lz))
                }
                // Validation rules out link targets for processes; nothing to take down.
                Target::PlaceLink(..) | Target::ComponentLink(..) => Vec::new(),
            };
            let name = format!("process {i}");
            let class = b.class("process", &name, 1);
            b.process(name, format!("process:{i}"), p.failure, &leaves, Some(class));
            if matches!(p.target, Target::Zone(_) | Target::Region(_)) {
                b.mark_domain();
            }
        }

        // Endpoints: required sets and, per service reached, the calls each one needs.
        let n_comps = comps.len();
        let comp_ids: Vec<ComponentId> = t.components().collect();
        let mut required = Vec::new();
        let mut requirers = vec![Vec::new(); n_comps];
        let mut needs = Vec::new();
        let mut need_list = Vec::new();
        for (ei, _) in t.endpoints().iter().enumerate() {
            let e = crate::topology::EndpointId(ei as u32);
            let req: Vec<u32> = crate::analysis::required(&t, e).iter().map(|c| dense(&t, *c) as u32).collect();
            for &c in &req {
                requirers[c as usize].push(ei as u32);
            }
            let mut per_comp = vec![0..0; n_comps];
            for &c in &req {
                let Some(ComponentId::Service(s)) = comp_ids.get(c as usize).copied() else { continue };
                let start = need_list.len() as u32;
                for &id in &t.service(s).calls {
                    let call = t.call(id);
                    let applies = call.only_for.as_ref().is_none_or(|only| only.contains(&e));
                    if !(call.required && call.probability > 0.0 && applies) {
                        continue;
                    }
                    if let Some(to) = through_caches(&t, call.to) {
                        need_list.push((dense(&t, to) as u32, call.mode == CallMode::Sync));
                    }
                }
                per_comp[c as usize] = start..need_list.len() as u32;
            }
            required.push(req);
            needs.push(per_comp);
        }
        // A link matters to an endpoint when one of its needed calls (or the client's entry,
        // which reaches every zone) goes between zones on opposite sides of it.
        let comp_zones: Vec<Vec<u32>> = comps
            .iter()
            .map(|c| {
                let mut z: Vec<u32> =
                    c.leaves.clone().map(|l| leaf_zone[l as usize]).filter(|z| *z != NO_ZONE).collect();
                z.sort_unstable();
                z.dedup();
                z
            })
            .collect();
        let link_endpoints = links
            .iter()
            .map(|l: &LinkPlan| {
                let splits = |x: &[u32], y: &[u32]| {
                    x.iter().any(|a| {
                        y.iter().any(|b| (l.a.contains(a) && l.b.contains(b)) || (l.b.contains(a) && l.a.contains(b)))
                    })
                };
                (0..t.endpoints().len() as u32)
                    .filter(|&e| {
                        required[e as usize].iter().any(|&c| {
                            let r = needs[e as usize][c as usize].clone();
                            need_list[r.start as usize..r.end as usize]
                                .iter()
                                .any(|&(to, _)| splits(&comp_zones[c as usize], &comp_zones[to as usize]))
                        })
                    })
                    .collect()
            })
            .collect();
        Plan {
            topology: t,
            zones,
            leaf_comp,
            leaf_zone,
            comp_ids,
            comp_class,
            comps,
            datastores,
            processes: b.processes,
            cover: b.cover,
            classes: b.classes,
            class_threshold: b.class_threshold,
            links,
            link_endpoints,
            required,
            requirers,
            needs,
            need_list,
            scenario_processes: extra.len(),
        }
    }

    /// Number of endpoints.
    pub fn endpoints(&self) -> usize {
        self.required.len()
    }

    /// Number of leaves (instances and nodes).
    pub fn leaves(&self) -> usize {
        self.leaf_comp.len()
    }

    /// Whether every process has exponential up and down times (what the rare-event method
    /// needs: then the system is a continuous-time Markov chain).
    pub fn all_exponential(&self) -> Result<(), String> {
        use crate::dist::Family;
        match self.processes.iter().find(|p| {
            !matches!(p.failure.ttf.family, Family::Exponential) || !matches!(p.failure.ttr.family, Family::Exponential)
        }) {
            Some(p) => Err(format!("{} has non-exponential failure or repair times", p.name)),
            None => Ok(()),
        }
    }

    /// Datastores whose failover takes time (detection + promotion > 0): the analytic
    /// formula and the rare-event method both assume a replica takes over at once.
    pub fn delayed_failovers(&self) -> Vec<String> {
        self.datastores
            .iter()
            .filter(|d| d.fails_over && d.takeover_ns > 0)
            .map(|d| self.topology.component_name(self.comp_ids[d.comp as usize]).to_owned())
            .collect()
    }

    /// The longest mean down time of any failure process, and of any failover's takeover
    /// (ns): what a bound on unavailability from zero seen outages assumes an outage lasts.
    pub fn longest_repair_ns(&self) -> u64 {
        let repairs = self.processes.iter().map(|p| p.ttr.mean_ns().round() as u64);
        let takeovers = self.datastores.iter().map(|d| d.takeover_ns.max(d.promotion_ns));
        repairs.chain(takeovers).max().unwrap_or(0)
    }

    /// The endpoints a datastore's failover delay can affect.
    pub(crate) fn requires(&self, e: usize, comp: u32) -> bool {
        self.required[e].contains(&comp)
    }

    /// Whether endpoint `e` can be affected by a link cut.
    pub(crate) fn link_sensitive(&self, e: usize) -> bool {
        self.link_endpoints.iter().any(|l| l.contains(&(e as u32)))
    }
}
