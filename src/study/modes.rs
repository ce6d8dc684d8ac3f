//! The failure modes of a topology, one list for FMEA and cascade analysis: every component
//! × every way it can fail that applies to it, each as a scenario [`Fault`] with how often it
//! happens.
//!
//! | component | modes |
//! |---|---|
//! | service | one instance crashes (≥ 2 instances), the whole service crashes, a partition cuts it off from its callers, latency +X on its answers, errors p, slowdown ×k, capacity −f |
//! | datastore, queue, cache | crash, partition from callers, latency +X; datastores also errors and slowdown; caches also a flush |
//! | external | outage, latency +X, errors p |
//! | zone | lost (crash), partitioned from the other zones of its region |
//! | region | lost (the common cause of everything in it) |
//!
//! **Occurrence.** A crash whose component has a `failure` setting occurs at its rate (a
//! service's "one instance crashes" at `instances / mtbf`) and lasts its `mttr`. Every other
//! mode — gray failures, partitions, a whole replicated service or cache crashing at once —
//! has no rate in the file, so it gets an assumed MTBF (`assumed_mtbf`, default 90 days) and
//! lasts as long as the injected fault. Each mode says which source its occurrence came from.

use serde::Serialize;

use crate::dist::Dist;
use crate::scenario::{Fault, Side, Target};
use crate::spec;
use crate::topology::{ComponentId, Edge, Place, RegionId, ServiceId, Topology, ZoneId};
use crate::units::Duration;

/// Kinds of failure mode, to choose which to study (`--modes`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ModeKind {
    /// One instance of a service crashes.
    Instance,
    /// A whole component crashes (an external's outage).
    Crash,
    /// A zone is lost.
    Zone,
    /// A region is lost.
    Region,
    /// A partition cuts a component (or zone) off.
    Partition,
    /// Added latency on a component's answers.
    Latency,
    /// Injected errors.
    Errors,
    /// Service time × k (a gray failure).
    Slowdown,
    /// Workers removed.
    Capacity,
    /// A cache loses its contents.
    Flush,
    /// Not a failure mode: the scenario's own timeline as an initiator of cascades.
    Scenario,
}

impl ModeKind {
    /// Every kind.
    pub const ALL: [ModeKind; 10] = [
        ModeKind::Instance,
        ModeKind::Crash,
        ModeKind::Zone,
        ModeKind::Region,
        ModeKind::Partition,
        ModeKind::Latency,
        ModeKind::Errors,
        ModeKind::Slowdown,
        ModeKind::Capacity,
        ModeKind::Flush,
    ];

    /// Its name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            ModeKind::Instance => "instance",
            ModeKind::Crash => "crash",
            ModeKind::Zone => "zone",
            ModeKind::Region => "region",
            ModeKind::Partition => "partition",
            ModeKind::Latency => "latency",
            ModeKind::Errors => "errors",
            ModeKind::Slowdown => "slowdown",
            ModeKind::Capacity => "capacity",
            ModeKind::Flush => "flush",
            ModeKind::Scenario => "scenario",
        }
    }
}

impl std::str::FromStr for ModeKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ModeKind::ALL.into_iter().find(|k| k.name() == s.trim()).ok_or_else(|| {
            let all: Vec<&str> = ModeKind::ALL.iter().map(|k| k.name()).collect();
            format!("`{s}` is not a failure-mode kind; use one of {}", all.join(", "))
        })
    }
}

/// How strong the injected modes are, and the assumed rate of modes without one in the file.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ModeSettings {
    /// Added latency of latency modes.
    #[serde(rename = "latency_add_ns", serialize_with = "crate::units::serialize_ns")]
    #[schemars(with = "u64")]
    pub latency_add: Duration,
    /// Service-time factor of slowdowns.
    pub slowdown: f64,
    /// Error probability of error modes.
    pub error_rate: f64,
    /// Fraction of workers removed by capacity modes.
    pub capacity_cut: f64,
    /// MTBF assumed for modes whose component has no `failure` setting for them.
    #[serde(rename = "assumed_mtbf_ns", serialize_with = "crate::units::serialize_ns")]
    #[schemars(with = "u64")]
    pub assumed_mtbf: Duration,
    /// How long each mode is injected (also the assumed duration of modes without an MTTR).
    #[serde(rename = "fault_duration_ns", serialize_with = "crate::units::serialize_ns")]
    #[schemars(with = "u64")]
    pub fault_duration: Duration,
    /// Kinds to enumerate.
    pub kinds: Vec<ModeKind>,
}

impl Default for ModeSettings {
    fn default() -> Self {
        ModeSettings {
            latency_add: Duration::from_millis(500),
            slowdown: 10.0,
            error_rate: 0.5,
            capacity_cut: 0.5,
            assumed_mtbf: Duration::from_secs(90 * 86_400),
            fault_duration: Duration::from_secs(60),
            kinds: ModeKind::ALL.to_vec(),
        }
    }
}

/// Where an occurrence rate came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The component's `failure` (MTBF and MTTR) in the topology.
    Mtbf,
    /// The assumed MTBF (`--assumed-mtbf`) and the injected duration.
    Assumed,
}

/// How often a mode happens and for how long.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Occurrence {
    /// Expected occurrences per year.
    pub per_year: f64,
    /// Mean time it lasts (s).
    pub mean_duration_s: f64,
    /// Where the numbers come from.
    pub source: Source,
}

impl Occurrence {
    /// Expected hours per year the mode is present.
    pub fn hours_per_year(&self) -> f64 {
        self.per_year * self.mean_duration_s / 3600.0
    }
}

/// One failure mode of one component.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct FailureMode {
    /// The component, zone or region that fails.
    pub component: String,
    /// What it is: service, datastore, cache, queue, external, zone, region.
    pub component_kind: &'static str,
    /// The kind of mode.
    pub kind: ModeKind,
    /// The mode in words ("one instance crashes", "latency +500ms").
    pub mode: String,
    /// The fault injected.
    #[serde(skip)]
    pub fault: Fault,
    /// Services the fault acts on directly (the rest of a cascade is not faulted).
    #[serde(skip)]
    pub faulted: Vec<ServiceId>,
    /// How often and how long.
    pub occurrence: Occurrence,
}

const YEAR_S: f64 = 365.0 * 86_400.0;

fn from_failure(f: Option<crate::dist::FailureModel>, units: f64, s: &ModeSettings) -> Occurrence {
    match f {
        Some(f) if f.ttf.mean.as_nanos() > 0 => Occurrence {
            per_year: units * YEAR_S / f.ttf.mean.as_secs_f64(),
            mean_duration_s: f.ttr.mean.as_secs_f64(),
            source: Source::Mtbf,
        },
        _ => assumed(s),
    }
}

fn assumed(s: &ModeSettings) -> Occurrence {
    Occurrence {
        per_year: YEAR_S / s.assumed_mtbf.as_secs_f64().max(1e-9),
        mean_duration_s: s.fault_duration.as_secs_f64(),
        source: Source::Assumed,
    }
}

/// Services with an instance in any of `zones`.
fn services_in(t: &Topology, zones: &[ZoneId]) -> Vec<ServiceId> {
    (0..t.services().len() as u32)
        .map(ServiceId)
        .filter(|&s| t.service(s).instance_ids().any(|i| zones.contains(&t.instances()[i.index()].zone)))
        .collect()
}

/// The components that send requests to `c`: services calling it, caches missing to it.
pub fn callers(t: &Topology, c: ComponentId) -> Vec<ComponentId> {
    use petgraph::visit::EdgeRef;
    let g = t.graph();
    let mut out: Vec<ComponentId> = g
        .edges_directed(t.node(c), petgraph::Direction::Incoming)
        .filter(|e| matches!(e.weight(), Edge::Call(_) | Edge::Backend))
        .map(|e| g[e.source()])
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Every failure mode of the topology of the kinds in `settings`, in a stable order:
/// services, queues, datastores, caches, externals, zones, regions (each in file order).
pub fn enumerate(t: &Topology, settings: &ModeSettings) -> Vec<FailureMode> {
    let want = |k: ModeKind| settings.kinds.contains(&k);
    let mut out = Vec::new();
    let latency = Dist::Fixed(settings.latency_add.as_nanos());
    let pct = |p: f64| format!("{}%", (p * 1000.0).round() / 10.0);
    for c in t.components() {
        let name = t.component_name(c).to_owned();
        let kind_name = Topology::component_kind(c);
        let mut add = |kind: ModeKind, mode: String, fault: Fault, faulted: Vec<ServiceId>, occ: Occurrence| {
            if want(kind) {
                out.push(FailureMode {
                    component: name.clone(),
                    component_kind: kind_name,
                    kind,
                    mode,
                    fault,
                    faulted,
                    occurrence: occ,
                });
            }
        };
        let own: Vec<ServiceId> = match c {
            ComponentId::Service(s) => vec![s],
            _ => Vec::new(),
        };
        let target = match c {
            ComponentId::Service(s) => Target::Service(s),
            other => Target::Component(other),
        };
        // Crashes.
        match c {
            ComponentId::Service(s) => {
                let svc = t.service(s);
                if svc.instance_count() >= 2 {
                    let first = svc.instance_ids().next().map_or(Target::Service(s), Target::Instance);
                    let occ = from_failure(svc.failure, f64::from(svc.instance_count()), settings);
                    add(ModeKind::Instance, "one instance crashes".into(), Fault::Crash(first), own.clone(), occ);
                }
                add(
                    ModeKind::Crash,
                    "whole service crashes".into(),
                    Fault::Crash(target.clone()),
                    own.clone(),
                    assumed(settings),
                );
            }
            ComponentId::Datastore(d) => {
                let occ = from_failure(t.datastores()[d.index()].failure, 1.0, settings);
                add(ModeKind::Crash, "primary crashes".into(), Fault::Crash(target.clone()), Vec::new(), occ);
            }
            ComponentId::Cache(x) => {
                let cache = &t.caches()[x.index()];
                let occ =
                    if cache.zones.len() == 1 { from_failure(cache.failure, 1.0, settings) } else { assumed(settings) };
                add(ModeKind::Crash, "every node crashes".into(), Fault::Crash(target.clone()), Vec::new(), occ);
                add(ModeKind::Flush, "flushed".into(), Fault::CacheFlush(c), Vec::new(), assumed(settings));
            }
            ComponentId::Queue(q) => {
                let queue = &t.queues()[q.index()];
                let occ =
                    if queue.zones.len() == 1 { from_failure(queue.failure, 1.0, settings) } else { assumed(settings) };
                add(ModeKind::Crash, "every broker crashes".into(), Fault::Crash(target.clone()), Vec::new(), occ);
            }
            ComponentId::External(e) => {
                let occ = from_failure(t.externals()[e.index()].failure, 1.0, settings);
                add(ModeKind::Crash, "outage".into(), Fault::Outage(c), Vec::new(), occ);
            }
        }
        // A partition between the component and everything that calls it.
        let from: Vec<Side> = callers(t, c).into_iter().map(Side::Component).collect();
        if !from.is_empty() {
            let fault = Fault::Partition {
                side_a: vec![Side::Component(c)],
                side_b: from,
                direction: spec::Direction::Both,
                mode: spec::PartitionMode::Drop,
            };
            add(ModeKind::Partition, "cut off from its callers".into(), fault, own.clone(), assumed(settings));
        }
        // Gray failures.
        add(
            ModeKind::Latency,
            format!("latency +{}", settings.latency_add),
            Fault::Latency { target: target.clone(), add: latency.clone() },
            own.clone(),
            assumed(settings),
        );
        if matches!(c, ComponentId::Service(_) | ComponentId::Datastore(_) | ComponentId::External(_)) {
            add(
                ModeKind::Errors,
                format!("errors {}", pct(settings.error_rate)),
                Fault::Errors { target: target.clone(), probability: settings.error_rate },
                own.clone(),
                assumed(settings),
            );
        }
        if matches!(c, ComponentId::Service(_) | ComponentId::Datastore(_)) {
            add(
                ModeKind::Slowdown,
                format!("slowdown ×{}", settings.slowdown),
                Fault::Slowdown { target: target.clone(), factor: settings.slowdown },
                own.clone(),
                assumed(settings),
            );
        }
        if matches!(c, ComponentId::Service(_)) {
            add(
                ModeKind::Capacity,
                format!("capacity −{}", pct(settings.capacity_cut)),
                Fault::CapacityCut {
                    target: target.clone(),
                    fraction: settings.capacity_cut,
                    of: spec::Capacity::Workers,
                },
                own.clone(),
                assumed(settings),
            );
        }
    }
    for (i, z) in t.zones().iter().enumerate() {
        let id = ZoneId(i as u32);
        let faulted = services_in(t, &[id]);
        let mut add = |kind: ModeKind, mode: &str, fault: Fault, occ: Occurrence| {
            if want(kind) {
                out.push(FailureMode {
                    component: z.name.clone(),
                    component_kind: "zone",
                    kind,
                    mode: mode.to_owned(),
                    fault,
                    faulted: faulted.clone(),
                    occurrence: occ,
                });
            }
        };
        add(ModeKind::Zone, "zone lost", Fault::Crash(Target::Zone(id)), from_failure(z.failure, 1.0, settings));
        let others: Vec<Side> = t.regions()[z.region.index()]
            .zones
            .iter()
            .filter(|&&o| o != id)
            .map(|&o| Side::Place(Place::Zone(o)))
            .collect();
        if !others.is_empty() {
            let fault = Fault::Partition {
                side_a: vec![Side::Place(Place::Zone(id))],
                side_b: others,
                direction: spec::Direction::Both,
                mode: spec::PartitionMode::Drop,
            };
            add(ModeKind::Partition, "cut off from its region's other zones", fault, assumed(settings));
        }
    }
    for (i, r) in t.regions().iter().enumerate() {
        if want(ModeKind::Region) {
            out.push(FailureMode {
                component: r.name.clone(),
                component_kind: "region",
                kind: ModeKind::Region,
                mode: "region lost".into(),
                fault: Fault::Crash(Target::Region(RegionId(i as u32))),
                faulted: services_in(t, &r.zones),
                occurrence: from_failure(r.failure, 1.0, settings),
            });
        }
    }
    out
}
