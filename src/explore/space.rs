//! The fault space: which faults a search may draw (kind × target pairs, ordered simplest
//! first), within which time window and for how long, and how a fault's *genes* — four small
//! integers that proptest shrinks towards zero — decode into a [`spec::FaultWindow`].
//!
//! Every gene's zero is its simplest value: the first (simplest) kind × target pair, the
//! shortest duration, the mildest severity, the earliest start. So shrinking a gene towards
//! zero makes the fault simpler, and a shrunk schedule reads as the least that still breaks
//! the system.

use std::sync::Arc;

use crate::scenario::{self, Scenario};
use crate::spec::{self, FaultKind, Target};
use crate::topology::{ComponentId, Place, Topology};
use crate::units::{Bytes, Duration};

/// Severity levels of a fault (its fourth gene): level 0 is the mildest.
pub const SEVERITY_LEVELS: u64 = 20;

/// Where and when faults may strike; see the module docs.
#[derive(Clone, Debug)]
pub struct FaultSpace {
    topology: Arc<Topology>,
    kinds: Vec<FaultKind>,
    targets: Vec<Target>,
    max_faults: u32,
    start: Duration,
    end: Duration,
    min_duration: Duration,
    max_duration: Duration,
}

/// One fault as four genes, each shrinking towards 0 = simplest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Genes {
    /// Index of the kind × target pair in [`Compiled::options`] (simplest first).
    pub what: u64,
    /// Time steps above the shortest duration.
    pub duration: u64,
    /// Severity level, below [`SEVERITY_LEVELS`].
    pub severity: u64,
    /// Time steps after the window's start.
    pub start: u64,
}

/// A fault space made concrete: its valid kind × target pairs and the gene ranges.
#[derive(Clone, Debug)]
pub struct Compiled {
    /// The pairs a fault may be, simplest first.
    pub options: Vec<(FaultKind, Target)>,
    /// Most faults in one schedule.
    pub max_faults: usize,
    /// Window start.
    pub start: Duration,
    /// Window end.
    pub end: Duration,
    /// Shortest fault.
    pub min_duration: Duration,
    /// Longest fault (already cut to the window).
    pub max_duration: Duration,
    /// The time resolution of starts and durations.
    pub step: Duration,
    zones: Vec<String>,
    regions: Vec<String>,
}

impl FaultSpace {
    /// Faults on `topology` between `start` and `end`, with the defaults of a scenario's
    /// `explore` block: crashes, partitions and latency on every service, zone, queue,
    /// datastore, cache and external; at most 2 faults of 10 s to 5 min each.
    pub fn new(topology: Arc<Topology>, start: Duration, end: Duration) -> FaultSpace {
        FaultSpace {
            topology,
            kinds: vec![FaultKind::Crash, FaultKind::Partition, FaultKind::Latency],
            targets: Vec::new(),
            max_faults: 2,
            start,
            end,
            min_duration: Duration::from_secs(10),
            max_duration: Duration::from_secs(300),
        }
    }

    /// The space of a scenario's `explore` block, if it has one.
    pub fn of_scenario(s: &Scenario) -> Option<FaultSpace> {
        let e = s.explore.as_ref()?;
        let t = &s.topology;
        Some(FaultSpace {
            topology: Arc::clone(t),
            kinds: e.kinds.clone(),
            targets: e.targets.iter().map(|target| spec_target(t, target)).collect(),
            max_faults: e.max_faults,
            start: e.start,
            end: e.end,
            min_duration: e.min_duration,
            max_duration: e.max_duration,
        })
    }

    /// Draws only these kinds (kinds listed first are preferred when shrinking).
    pub fn kinds(mut self, kinds: &[FaultKind]) -> FaultSpace {
        self.kinds = kinds.to_vec();
        self
    }

    /// Draws only these targets (empty: every service, zone, queue, datastore, cache and
    /// external).
    pub fn targets(mut self, targets: Vec<Target>) -> FaultSpace {
        self.targets = targets;
        self
    }

    /// At most this many faults per schedule (at least 1).
    pub fn max_faults(mut self, n: u32) -> FaultSpace {
        self.max_faults = n.max(1);
        self
    }

    /// Faults last between `min` and `max`.
    pub fn durations(mut self, min: Duration, max: Duration) -> FaultSpace {
        self.min_duration = min;
        self.max_duration = max.max(min);
        self
    }

    /// The topology the faults act on.
    pub fn topology(&self) -> &Arc<Topology> {
        &self.topology
    }

    /// Works out the valid kind × target pairs (each checked by the scenario validator, so a
    /// drawn fault is always one a scenario file may hold) and the gene ranges.
    pub fn compile(&self) -> Compiled {
        let t = &self.topology;
        let targets = if self.targets.is_empty() { default_targets(t) } else { self.targets.clone() };
        let mut ranked: Vec<(u8, usize, Target)> =
            targets.into_iter().enumerate().map(|(i, target)| (rank(&target), i, target)).collect();
        ranked.sort_by_key(|(r, i, _)| (*r, *i));
        let zones: Vec<String> = t.zones().iter().map(|z| z.name.clone()).collect();
        let regions: Vec<String> = t.regions().iter().map(|r| r.name.clone()).collect();
        let window = Duration(self.end.0.saturating_sub(self.start.0));
        let min_duration = self.min_duration.min(window).max(Duration(1));
        let max_duration = self.max_duration.min(window).max(min_duration);
        let step = if min_duration.0 >= 1_000_000_000 { Duration::from_secs(1) } else { Duration(1_000_000) };
        let mut compiled = Compiled {
            options: Vec::new(),
            max_faults: self.max_faults.max(1) as usize,
            start: self.start,
            end: self.end,
            min_duration,
            max_duration,
            step,
            zones,
            regions,
        };
        for (_, _, target) in ranked {
            for &kind in &self.kinds {
                if compiled.valid(t, kind, &target) {
                    compiled.options.push((kind, target.clone()));
                }
            }
        }
        compiled
    }
}

impl Compiled {
    /// Largest value of each gene: (what, duration, severity, start).
    pub fn gene_max(&self) -> Genes {
        let span = |d: u64| d / self.step.0.max(1);
        Genes {
            what: (self.options.len() as u64).saturating_sub(1),
            duration: span(self.max_duration.0 - self.min_duration.0),
            severity: SEVERITY_LEVELS - 1,
            start: span(self.end.0.saturating_sub(self.start.0).saturating_sub(self.min_duration.0)),
        }
    }

    /// The fault that `genes` stand for (genes beyond their range are clamped).
    pub fn decode(&self, g: Genes) -> spec::FaultWindow {
        let max = self.gene_max();
        let what = g.what.min(max.what) as usize;
        let duration =
            Duration((self.min_duration.0 + g.duration.min(max.duration) * self.step.0).min(self.max_duration.0));
        let mut start = self.start.0 + g.start.min(max.start) * self.step.0;
        if start + duration.0 > self.end.0 {
            start = self.end.0.saturating_sub(duration.0).max(self.start.0);
        }
        let (kind, target) = self.options.get(what).cloned().unwrap_or((FaultKind::Crash, Target::Zone(String::new())));
        spec::FaultWindow {
            name: None,
            start: Duration(start),
            duration: Some(duration),
            fault: self.fault(kind, target, g.severity.min(SEVERITY_LEVELS - 1)),
        }
    }

    /// The fault of `kind` on `target` at severity `level` (0 mildest).
    fn fault(&self, kind: FaultKind, target: Target, level: u64) -> spec::Fault {
        let fraction = (level + 1) as f64 / SEVERITY_LEVELS as f64;
        let name = |t: &Target| match t {
            Target::Service(n)
            | Target::Zone(n)
            | Target::Region(n)
            | Target::Queue(n)
            | Target::Datastore(n)
            | Target::Cache(n)
            | Target::External(n)
            | Target::Instance(n, _) => n.clone(),
            Target::Link(a, _) => a.clone(),
        };
        match kind {
            FaultKind::Crash => spec::Fault::Crash(target),
            FaultKind::Partition => {
                let others = |all: &[String], me: &str| -> Vec<String> {
                    all.iter().filter(|n| n.as_str() != me).cloned().collect()
                };
                let side_b = match &target {
                    Target::Region(r) => others(&self.regions, r).into_iter().map(Target::Region).collect(),
                    _ => others(&self.zones, &name(&target)).into_iter().map(Target::Zone).collect(),
                };
                spec::Fault::Partition {
                    side_a: vec![target],
                    side_b,
                    direction: spec::Direction::Both,
                    mode: spec::PartitionMode::Drop,
                }
            }
            // 100 ms to 2 s in steps of 100 ms.
            FaultKind::Latency => {
                spec::Fault::Latency { target, add: spec::Dist::Fixed(Duration::from_millis(100 * (level + 1))) }
            }
            FaultKind::PacketLoss => spec::Fault::PacketLoss { target, probability: fraction },
            FaultKind::Errors => spec::Fault::Errors { target, probability: fraction },
            // 1.5× to 11× in steps of 0.5.
            FaultKind::Slowdown => spec::Fault::Slowdown { target, factor: 1.5 + 0.5 * level as f64 },
            FaultKind::CapacityCut => spec::Fault::CapacityCut { target, fraction, of: spec::Capacity::Workers },
            FaultKind::MemoryLeak => spec::Fault::MemoryLeak { target, per_second: Bytes((level + 1) << 20) },
            FaultKind::BadDeploy => {
                spec::Fault::BadDeploy { service: name(&target), fraction: 1.0, error_rate: fraction }
            }
            FaultKind::CacheFlush => spec::Fault::CacheFlush(name(&target)),
            FaultKind::Outage => spec::Fault::Outage(name(&target)),
        }
    }

    /// Whether a scenario file may hold `kind` on `target`: decided by the scenario
    /// validator itself on a one-fault probe, so the two can never disagree.
    fn valid(&self, t: &Arc<Topology>, kind: FaultKind, target: &Target) -> bool {
        let shape_ok = match kind {
            FaultKind::Partition => match target {
                Target::Zone(_) => self.zones.len() > 1,
                Target::Region(_) => self.regions.len() > 1,
                _ => false,
            },
            FaultKind::BadDeploy => matches!(target, Target::Service(_)),
            FaultKind::CacheFlush => matches!(target, Target::Cache(_)),
            FaultKind::Outage => matches!(target, Target::External(_)),
            _ => true,
        };
        if !shape_ok {
            return false;
        }
        let Some(endpoint) = t.endpoints().first() else { return false };
        let fault = spec::FaultWindow {
            name: None,
            start: Duration::ZERO,
            duration: Some(Duration::from_secs(1)),
            fault: self.fault(kind, target.clone(), 0),
        };
        let probe = spec::Scenario {
            name: "probe".to_owned(),
            description: String::new(),
            topology: String::new(),
            seeds: spec::Seeds::default(),
            duration: Duration::from_secs(2),
            warmup: Duration::ZERO,
            workloads: vec![spec::Workload {
                endpoint: endpoint.name.clone(),
                arrivals: spec::Arrivals::Poisson { rate: 1.0, profile: spec::Profile::Constant },
                client: None,
            }],
            faults: vec![fault],
            processes: Vec::new(),
            component_failures: false,
            limits: spec::Limits::default(),
            metrics: spec::Metrics::default(),
            hypotheses: Vec::new(),
            explore: None,
        };
        Scenario::from_spec(&probe, Arc::clone(t), &|_| Err("no trace in a probe".to_owned())).is_ok()
    }
}

/// How simple a target is, for shrinking: one instance before a service, a service before
/// other components, a component before a zone, a zone before a region, a link last.
fn rank(t: &Target) -> u8 {
    match t {
        Target::Instance(..) => 0,
        Target::Service(_) => 1,
        Target::Queue(_) | Target::Datastore(_) | Target::Cache(_) | Target::External(_) => 2,
        Target::Zone(_) => 3,
        Target::Region(_) => 4,
        Target::Link(..) => 5,
    }
}

/// Every service, zone, queue, datastore, cache and external, in topology order.
fn default_targets(t: &Topology) -> Vec<Target> {
    let mut out: Vec<Target> = t.services().iter().map(|s| Target::Service(s.name.clone())).collect();
    out.extend(t.zones().iter().map(|z| Target::Zone(z.name.clone())));
    out.extend(t.queues().iter().map(|q| Target::Queue(q.name.clone())));
    out.extend(t.datastores().iter().map(|d| Target::Datastore(d.name.clone())));
    out.extend(t.caches().iter().map(|c| Target::Cache(c.name.clone())));
    out.extend(t.externals().iter().map(|e| Target::External(e.name.clone())));
    out
}

/// A resolved target written back with names, as a scenario file says it.
pub fn spec_target(t: &Topology, target: &scenario::Target) -> Target {
    let component = |c: ComponentId| {
        let name = t.component_name(c).to_owned();
        match c {
            ComponentId::Service(_) => Target::Service(name),
            ComponentId::Queue(_) => Target::Queue(name),
            ComponentId::Datastore(_) => Target::Datastore(name),
            ComponentId::Cache(_) => Target::Cache(name),
            ComponentId::External(_) => Target::External(name),
        }
    };
    let place = |p: Place| match p {
        Place::Zone(z) => Target::Zone(t.place_name(Place::Zone(z)).to_owned()),
        Place::Region(r) => Target::Region(t.place_name(Place::Region(r)).to_owned()),
    };
    match target {
        scenario::Target::Instance(i) => {
            let inst = &t.instances()[i.index()];
            Target::Instance(t.services()[inst.service.index()].name.clone(), inst.ordinal)
        }
        scenario::Target::Service(s) => Target::Service(t.services()[s.index()].name.clone()),
        scenario::Target::Zone(z) => place(Place::Zone(*z)),
        scenario::Target::Region(r) => place(Place::Region(*r)),
        scenario::Target::Component(c) => component(*c),
        scenario::Target::PlaceLink(a, b) => Target::Link(t.place_name(*a).to_owned(), t.place_name(*b).to_owned()),
        scenario::Target::ComponentLink(a, b) => {
            Target::Link(t.component_name(*a).to_owned(), t.component_name(*b).to_owned())
        }
    }
}
