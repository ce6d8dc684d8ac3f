//! The validated scenario: what happens to a topology, with every reference resolved to a
//! typed id of that topology.
//!
//! Made only by [`Scenario::from_spec`], which needs the already validated [`Topology`]
//! and the contents of any trace files (reading files is the loader's job, not this
//! module's).

mod build;

use std::sync::Arc;

pub use build::{series_bucket, TraceFile, MAX_BUCKETS_CEILING};

use crate::dist::{Dist, FailureModel};
use crate::spec;
use crate::topology::{ComponentId, EndpointId, InstanceId, Place, RegionId, ServiceId, Topology, ZoneId};
use crate::units::{Bytes, Duration};

/// What a fault acts on, resolved.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    /// One instance.
    Instance(InstanceId),
    /// Every instance of a service.
    Service(ServiceId),
    /// Everything in a zone.
    Zone(ZoneId),
    /// Everything in a region.
    Region(RegionId),
    /// A non-service component (queue, datastore, cache, external).
    Component(ComponentId),
    /// The network between two places.
    PlaceLink(Place, Place),
    /// The network between two components.
    ComponentLink(ComponentId, ComponentId),
}

/// One side of a partition.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Side {
    /// A zone or region.
    Place(Place),
    /// A component.
    Component(ComponentId),
}

/// A fault, resolved.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// Crash, restart at the window's end.
    Crash(Target),
    /// Partition between two sets.
    Partition {
        /// One side.
        side_a: Vec<Side>,
        /// The other.
        side_b: Vec<Side>,
        /// Both ways or a → b only.
        direction: spec::Direction,
        /// Drop or refuse.
        mode: spec::PartitionMode,
    },
    /// Added latency.
    Latency {
        /// Component or link.
        target: Target,
        /// Added delay.
        add: Dist,
    },
    /// Message loss.
    PacketLoss {
        /// Component or link.
        target: Target,
        /// Loss probability.
        probability: f64,
    },
    /// Injected errors.
    Errors {
        /// Component.
        target: Target,
        /// Error probability.
        probability: f64,
    },
    /// Service time × factor.
    Slowdown {
        /// Component.
        target: Target,
        /// Multiplier.
        factor: f64,
    },
    /// Capacity removed.
    CapacityCut {
        /// Component.
        target: Target,
        /// Fraction removed.
        fraction: f64,
        /// Workers or speed.
        of: spec::Capacity,
    },
    /// Memory leak.
    MemoryLeak {
        /// Service or instance.
        target: Target,
        /// Growth per second.
        per_second: Bytes,
    },
    /// Bad deploy.
    BadDeploy {
        /// The service.
        service: ServiceId,
        /// Fraction of instances.
        fraction: f64,
        /// New error rate.
        error_rate: f64,
    },
    /// Cache flush.
    CacheFlush(ComponentId),
    /// Third-party outage.
    Outage(ComponentId),
}

/// A fault on the timeline.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultWindow {
    /// Label for reports.
    pub name: String,
    /// Start.
    pub start: Duration,
    /// End, or `None` for the end of the run.
    pub end: Option<Duration>,
    /// What happens.
    pub fault: Fault,
}

/// A random crash/restart process.
#[derive(Clone, Debug, PartialEq)]
pub struct Process {
    /// What fails.
    pub target: Target,
    /// Up and down times.
    pub failure: FailureModel,
}

/// How requests arrive, resolved.
#[derive(Clone, Debug, PartialEq)]
pub enum Arrivals {
    /// Open-loop Poisson.
    Poisson {
        /// Base rate per second.
        rate: f64,
        /// Variation over time.
        profile: spec::Profile,
    },
    /// Closed loop.
    ClosedLoop {
        /// Users.
        clients: u32,
        /// Think time.
        think_time: Dist,
    },
    /// Replayed arrival times, already scaled by the playback speed, sorted.
    Trace {
        /// Arrival offsets from the start of the run.
        times: Arc<[Duration]>,
    },
}

/// Load on an endpoint.
#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    /// The endpoint.
    pub endpoint: EndpointId,
    /// Arrivals.
    pub arrivals: Arrivals,
    /// Client timeout.
    pub timeout: Option<Duration>,
    /// Client retries.
    pub retry: Option<spec::Retry>,
}

/// A per-seed check, resolved.
#[derive(Clone, Debug, PartialEq)]
pub enum Check {
    /// Availability at least.
    Availability {
        /// Endpoint.
        endpoint: EndpointId,
        /// Bound.
        at_least: f64,
    },
    /// Latency percentile at most.
    Latency {
        /// Endpoint.
        endpoint: EndpointId,
        /// Percentile in (0, 100).
        percentile: f64,
        /// Bound.
        at_most: Duration,
    },
    /// No data loss.
    NoDataLoss,
    /// Recovery within a deadline after each fault.
    RecoversWithin {
        /// Endpoint.
        endpoint: EndpointId,
        /// Deadline.
        within: Duration,
    },
    /// Cascade size bound.
    NoCascadeBeyond {
        /// Services.
        services: u32,
    },
    /// Error-budget burn bound.
    ErrorBudgetBurn {
        /// Endpoint (has an availability SLO).
        endpoint: EndpointId,
        /// Maximum burn.
        at_most: f64,
    },
}

/// A hypothesis, resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct Hypothesis {
    /// Label.
    pub name: String,
    /// The per-seed check.
    pub check: Check,
    /// Fraction of seeds that must pass.
    pub seeds_passing: f64,
    /// The part of the run it is judged on.
    pub scope: Scope,
}

/// The part of a run a hypothesis is judged on, resolved to simulated times.
#[derive(Clone, Debug, PartialEq)]
pub enum Scope {
    /// The whole measured run.
    Run,
    /// `[from, to)` of simulated time.
    Window {
        /// Start.
        from: Duration,
        /// End.
        to: Duration,
        /// The fault window it was named after (`During` or `After`), if any.
        fault: Option<String>,
        /// The window in words: "during `zone a lost` (2m to 5m)".
        label: String,
    },
}

impl Scope {
    /// The window `[from, to)`, or `None` for the whole run.
    pub fn window(&self) -> Option<(Duration, Duration)> {
        match self {
            Scope::Run => None,
            Scope::Window { from, to, .. } => Some((*from, *to)),
        }
    }
}

/// Fault-space search settings, resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct Explore {
    /// Fault kinds.
    pub kinds: Vec<spec::FaultKind>,
    /// Targets (empty: all).
    pub targets: Vec<Target>,
    /// Most faults per schedule.
    pub max_faults: u32,
    /// Earliest start.
    pub start: Duration,
    /// Latest end.
    pub end: Duration,
    /// Shortest fault.
    pub min_duration: Duration,
    /// Longest fault.
    pub max_duration: Duration,
    /// Schedules to try.
    pub cases: u32,
}

/// Bounds on one run, resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Events processed.
    pub max_events: u64,
    /// Simulated time.
    pub max_time: Duration,
    /// Requests in flight.
    pub max_in_flight: u64,
    /// Events pending at once, at most [`crate::engine::calendar::MAX_PENDING`].
    pub max_pending_events: u64,
    /// Buckets per time series, at most [`MAX_BUCKETS_CEILING`]; a longer run widens
    /// its bucket (see [`Scenario::series_bucket`]).
    pub max_buckets: u64,
}

/// Content hashes (SHA-256, hex) of the files a scenario was loaded from, so results from
/// different machines can be checked to come from the same inputs before they are merged.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Inputs {
    /// The scenario file.
    pub scenario: String,
    /// The topology file.
    pub topology: String,
    /// Trace files, in workload order.
    pub traces: Vec<String>,
}

/// The validated scenario. See the module docs.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Hashes of the input files (filled in by the loader).
    pub inputs: Inputs,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// The topology it runs on.
    pub topology: Arc<Topology>,
    /// First seed.
    pub first_seed: u64,
    /// Number of seeds.
    pub seed_count: u64,
    /// Run length.
    pub duration: Duration,
    /// Excluded start.
    pub warmup: Duration,
    /// Workloads.
    pub workloads: Vec<Workload>,
    /// Timeline, sorted by start (stable, so file order breaks ties).
    pub faults: Vec<FaultWindow>,
    /// Random crash processes.
    pub processes: Vec<Process>,
    /// Whether the topology's own failure settings run.
    pub component_failures: bool,
    /// Run bounds.
    pub limits: Limits,
    /// Time-series bucket width asked for (`metrics.bucket`): the finest a run's series
    /// use. Runs read [`Scenario::series_bucket`], which widens it for long runs.
    pub bucket: Duration,
    /// Hypotheses.
    pub hypotheses: Vec<Hypothesis>,
    /// Fault-space search.
    pub explore: Option<Explore>,
}

impl Scenario {
    /// The bucket width of this run's time series: [`Scenario::bucket`], widened so a run of
    /// `limits.max_time` keeps at most `limits.max_buckets` buckets per series.
    pub fn series_bucket(&self) -> Duration {
        series_bucket(self.bucket, self.limits.max_time, self.limits.max_buckets)
    }

    /// Whether [`Scenario::series_bucket`] is wider than the bucket asked for.
    pub fn bucket_widened(&self) -> bool {
        self.series_bucket() != self.bucket
    }
}
