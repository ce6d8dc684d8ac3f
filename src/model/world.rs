//! The state of one run: stations (where work happens), live requests, calls, attempts
//! and jobs, fault state, random streams and measurements.
//!
//! Every component is served by *stations*: one per service instance, one per datastore
//! (its primary), one per cache or queue node (one per zone), one per external. A station
//! has workers, a bounded backlog and a service time; a *job* is one request being handled
//! at a station; an *attempt* is one try of a *call* (a client request or a service's
//! downstream call), which may retry. Objects refer to each other by slab keys, so a
//! reference to something that has gone (a crashed job, an answered attempt) is simply
//! stale.

use std::collections::VecDeque;
use std::ops::Range;
use std::sync::Arc;

use crate::engine::calendar::Nanos;
use crate::engine::event::Outcome;
use crate::engine::slab::{Key, Slab};
use crate::metrics::run::RunMetrics;
use crate::rng::{stream, Purpose, Rng};
use crate::scenario::{Scenario, Target};
use crate::spec;
use crate::topology::{CallId, ComponentId, EndpointId, Topology, ZoneId};

/// Effective capacity of a station with no limit (externals, queue brokers, caches).
pub const UNLIMITED: u32 = u32::MAX;

/// What a station is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StationKind {
    /// A service instance.
    Instance {
        /// Its service.
        service: crate::topology::ServiceId,
        /// Its global instance index (beyond the topology's instances for those an
        /// autoscaler may add).
        instance: u32,
    },
    /// A datastore's primary.
    Datastore(u32),
    /// A cache node.
    Cache(u32),
    /// A queue broker.
    Queue(u32),
    /// A third-party external.
    External(u32),
}

/// A place where work happens. See the module docs.
#[derive(Clone, Debug)]
pub struct Station {
    /// What it is.
    pub kind: StationKind,
    /// The component it serves.
    pub component: ComponentId,
    /// Its zone (`None` for externals, which live outside our zones).
    pub zone: Option<ZoneId>,
    /// Workers when healthy ([`UNLIMITED`] for no limit).
    pub workers: u32,
    /// Waiting room when all workers are busy.
    pub backlog: u32,
    /// Workers busy now.
    pub busy: u32,
    /// Jobs waiting for a worker, oldest first.
    pub waiting: VecDeque<Key>,
    /// Jobs admitted and not yet answered (waiting, working or calling), for crashes.
    pub present: Vec<Key>,
    /// Crashed (by a fault or a failure process).
    pub down: bool,
    /// When down, whether callers are refused at once (process gone, host up) rather than
    /// left to time out (host or zone gone).
    pub refuses: bool,
    /// Service-time multiplier from slowdowns and speed cuts.
    pub slow: f64,
    /// Probability of an injected error (faults, bad deploys).
    pub injected_errors: f64,
    /// Fraction of workers removed by capacity cuts.
    pub workers_cut: f64,
    /// In the load balancer's rotation (always, without health checks).
    pub in_rotation: bool,
    /// Consecutive failed health checks.
    pub checks_failed: u32,
    /// Consecutive passed health checks.
    pub checks_passed: u32,
    /// Round-robin positions of this station's own load balancers: (service, cursor).
    /// Client-side balancing keeps state per caller; a shared cursor would make callers
    /// and callees step in lockstep.
    pub cursors: Vec<(u32, u32)>,
    /// Time of the last change of `busy`, for the utilisation integral.
    pub busy_since: Nanos,
    /// Integral of busy workers over measured time (worker·ns).
    pub busy_area: u128,
    /// Integral of busy workers over the whole run (worker·ns), for autoscalers.
    pub busy_total: u128,
    /// Integral of workers over measured time while up (worker·ns), the utilisation denominator.
    pub capacity_area: u128,
    /// Integral of the backlog length over measured time (request·ns).
    pub backlog_area: u128,
    /// Service-time draws.
    pub rng_work: Rng,
    /// Error and hit-ratio draws.
    pub rng_chance: Rng,
    /// Network-latency draws for messages this station sends.
    pub rng_net: Rng,
}

impl Station {
    /// Workers usable now, after capacity cuts.
    #[inline]
    pub fn effective_workers(&self) -> u32 {
        // Without a cut (the usual case) the count is exact, and the float work is skipped.
        if self.workers == UNLIMITED || self.workers_cut == 0.0 {
            return self.workers;
        }
        let kept = (f64::from(self.workers) * (1.0 - self.workers_cut)).round();
        kept.clamp(0.0, f64::from(self.workers)) as u32
    }
}

/// Where a call comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A client request (the root).
    Root(Key),
    /// A job making a downstream call.
    Job(Key),
    /// A queue delivering a message to its consumer.
    Message(Key),
}

/// Which settings govern a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// A topology call.
    Call(CallId),
    /// A workload's client (timeout and retries from the scenario).
    Client(u32),
    /// A cache miss going to the cache's backend (no timeout, no retries).
    CacheMiss(u32),
    /// A queue's delivery to its consumer (no timeout, no retries: the visibility timeout
    /// redelivers).
    Delivery(u32),
}

/// A call in progress, across its attempts.
#[derive(Clone, Debug)]
pub struct CallExec {
    /// Who waits for it.
    pub origin: Origin,
    /// Its settings.
    pub policy: Policy,
    /// The component called.
    pub target: ComponentId,
    /// Whether its failure fails the origin.
    pub required: bool,
    /// Whether it writes (datastores).
    pub write: bool,
    /// Attempts sent so far.
    pub attempts: u32,
    /// The previous backoff delay (for decorrelated jitter).
    pub previous_backoff: Nanos,
    /// The caller's station (`None` for clients).
    pub from_station: Option<u32>,
    /// The caller's zone (`None` for clients).
    pub from_zone: Option<ZoneId>,
    /// The caller's component (`None` for clients).
    pub from_component: Option<ComponentId>,
    /// The endpoint the request belongs to.
    pub endpoint: EndpointId,
    /// Its caller-side pattern state (breaker, bulkhead, throttle, budget), or
    /// [`super::patterns::NO_SLOT`].
    pub slot: u32,
    /// The deadline inherited from the caller's request when the call propagates deadlines
    /// ([`super::patterns::NO_DEADLINE`] otherwise).
    pub deadline: Nanos,
}

/// One try of a call.
#[derive(Clone, Debug)]
pub struct Attempt {
    /// Its call.
    pub exec: Key,
    /// What the call's patterns did to it.
    pub guards: super::patterns::AttemptGuards,
    /// The deadline its job carries ([`super::patterns::NO_DEADLINE`] for none).
    pub deadline: Nanos,
    /// Its timeout, pending until an answer cancels it (`None` without a timeout).
    pub timer: Option<crate::engine::calendar::TimerId>,
}

/// A request being handled at a station.
#[derive(Clone, Debug)]
pub struct Job {
    /// The attempt to answer.
    pub attempt: Key,
    /// Where.
    pub station: u32,
    /// The endpoint the request belongs to (for `only_for`).
    pub endpoint: EndpointId,
    /// Whether it is a datastore write.
    pub write: bool,
    /// Admitted at the station (not in transit).
    pub admitted: bool,
    /// Position in the station's `present` list while admitted.
    pub present_index: u32,
    /// Holding a worker.
    pub working: bool,
    /// Service time spent on it so far (ns), wasted if nobody waits for the answer.
    pub work_ns: Nanos,
    /// Next call to consider (sequential fan-out).
    pub next_call: u32,
    /// Calls still outstanding (parallel fan-out).
    pub pending: u32,
    /// An optional call failed: the answer is degraded.
    pub degraded: bool,
    /// When it was admitted at its station (for shedding on queueing time).
    pub queued_at: Nanos,
    /// Its propagated deadline ([`super::patterns::NO_DEADLINE`] for none).
    pub deadline: Nanos,
    /// The call it answers ([`NO_CALL`] for clients, queue deliveries and cache misses):
    /// gives a datastore the query's own time and the caller for its pool accounting, even
    /// after the caller gave up.
    pub call: u32,
}

/// [`Job::call`] of a job that answers no call.
pub const NO_CALL: u32 = u32::MAX;

/// A client request: the unit of request availability.
#[derive(Clone, Debug)]
pub struct Root {
    /// Workload index.
    pub workload: u32,
    /// Its endpoint.
    pub endpoint: EndpointId,
    /// Arrival time.
    pub arrived: Nanos,
    /// Closed-loop client number, if any.
    pub client: Option<u32>,
}

/// Per-service state beyond its stations.
#[derive(Clone, Debug)]
pub struct ServiceState {
    /// Its instances' stations.
    pub stations: Range<u32>,
    /// Round-robin position for callers without a station (clients) and for pinned connections.
    pub cursor: u32,
    /// Pinned connections: connection → station (policy `Pinned`).
    pub connections: Vec<u32>,
    /// Load-balancer draws.
    pub rng_route: Rng,
    /// Call-probability draws.
    pub rng_branch: Rng,
    /// Backoff-jitter draws.
    pub rng_retry: Rng,
}

/// A failure process (scenario `processes`, or the topology's own `failure` settings).
#[derive(Clone, Debug)]
pub struct ProcessState {
    /// What fails.
    pub target: Target,
    /// Up and down times.
    pub failure: crate::dist::FailureModel,
    /// Failed now.
    pub failed: bool,
    /// Its draws.
    pub rng: Rng,
}

/// A workload's arrival state.
#[derive(Clone, Debug)]
pub struct WorkloadState {
    /// Arrival draws.
    pub rng: Rng,
    /// Backoff-jitter draws for client retries.
    pub rng_retry: Rng,
    /// Next trace index.
    pub next_trace: usize,
}

/// All the state of one run.
#[derive(Clone, Debug)]
pub struct World {
    /// The scenario (and through it the topology).
    pub scenario: Arc<Scenario>,
    /// The seed of this run.
    pub seed: u64,
    /// Stations.
    pub stations: Vec<Station>,
    /// First station of each kind of component, indexed by component index.
    pub service_states: Vec<ServiceState>,
    /// Stations of each datastore.
    pub datastore_stations: Vec<Range<u32>>,
    /// Stations of each cache.
    pub cache_stations: Vec<Range<u32>>,
    /// Stations of each queue.
    pub queue_stations: Vec<Range<u32>>,
    /// Station of each external.
    pub external_stations: Vec<Range<u32>>,
    /// Time each cache was last flushed (hit ratio refills from it).
    pub cache_flushed_at: Vec<Option<Nanos>>,
    /// Live client requests.
    pub roots: Slab<Root>,
    /// Live calls.
    pub execs: Slab<CallExec>,
    /// Live attempts.
    pub attempts: Slab<Attempt>,
    /// Live jobs.
    pub jobs: Slab<Job>,
    /// Which scripted fault windows are open.
    pub fault_active: Vec<bool>,
    /// Open windows that act on messages (partitions, latency, packet loss), so that sending a
    /// message skips the scan of the fault list when there are none.
    pub message_faults_active: u32,
    /// Failure processes.
    pub processes: Vec<ProcessState>,
    /// Per-workload state.
    pub workloads: Vec<WorkloadState>,
    /// Per-fault-window draws (added latency).
    pub fault_rngs: Vec<Rng>,
    /// The sequence numbers still free of those reserved, right after the scripted fault
    /// windows, for windows forks add (see [`super::fork`]); each added window takes the next.
    pub fork_seqs: Range<u64>,
    /// Draws for the topology's background packet loss.
    pub rng_loss: Rng,
    /// Whether arrivals have stopped (the duration is over).
    pub arrivals_over: bool,
    /// Client requests created so far.
    pub roots_created: u64,
    /// Client requests answered (or given up at the end) so far.
    pub roots_finished: u64,
    /// State of the resilience patterns (breakers, bulkheads, budgets, throttles, rate limits).
    pub patterns: super::patterns::Patterns,
    /// Measurements.
    pub metrics: RunMetrics,
    /// State of memory models, autoscalers, queues and datastores.
    pub infra: super::infra::Infra,
    /// What each caller's health checks see (partitions).
    pub health: super::health::Health,
    /// The run's requests as spans, when asked for (`None`: not recorded, the default).
    pub spans: Option<Box<super::spans::SpanLog>>,
}

impl World {
    /// The topology.
    pub fn topology(&self) -> &Arc<Topology> {
        &self.scenario.topology
    }

    /// Builds the initial state of a run of `scenario` with `seed`.
    pub fn new(scenario: Arc<Scenario>, seed: u64) -> World {
        // The run works on its own copy: the hot path clones these `Arc`s to lend them
        // past `&mut self`, and reference counts shared with runs on other threads would
        // make every core fight over one cache line.
        let private = Scenario { topology: Arc::new((*scenario.topology).clone()), ..(*scenario).clone() };
        let scenario = Arc::new(private);
        let t = Arc::clone(&scenario.topology);
        let mut stations = Vec::new();
        let station = |kind, component, zone, workers, backlog, name: &str| Station {
            kind,
            component,
            zone,
            workers,
            backlog,
            busy: 0,
            waiting: VecDeque::new(),
            present: Vec::new(),
            down: false,
            refuses: false,
            slow: 1.0,
            injected_errors: 0.0,
            workers_cut: 0.0,
            in_rotation: true,
            checks_failed: 0,
            checks_passed: 0,
            cursors: Vec::new(),
            busy_since: 0,
            busy_area: 0,
            busy_total: 0,
            capacity_area: 0,
            backlog_area: 0,
            rng_work: stream(seed, name, Purpose::ServiceTime),
            rng_chance: stream(seed, name, Purpose::Errors),
            rng_net: stream(seed, name, Purpose::Network),
        };
        let mut service_states = Vec::new();
        let mut extra_instance = t.instances().len() as u32;
        for (si, s) in t.services().iter().enumerate() {
            let first = stations.len() as u32;
            let sid = crate::topology::ServiceId(si as u32);
            for inst in s.instance_ids() {
                let i = &t.instances()[inst.index()];
                let name = format!("instance:{}#{}", s.name, i.ordinal);
                stations.push(station(
                    StationKind::Instance { service: sid, instance: inst.0 },
                    ComponentId::Service(sid),
                    Some(i.zone),
                    s.workers,
                    s.backlog,
                    &name,
                ));
            }
            // An autoscaler may add instances up to its maximum, placed round-robin over the
            // zones like the first ones; they exist as stations from the start, down until
            // provisioned (see `infra::autoscale`).
            let most = s.autoscaler.as_ref().map_or(0, |a| a.max);
            for ordinal in s.instance_count()..most {
                let zone = s.zones[ordinal as usize % s.zones.len().max(1)];
                let name = format!("instance:{}#{ordinal}", s.name);
                let mut st = station(
                    StationKind::Instance { service: sid, instance: extra_instance },
                    ComponentId::Service(sid),
                    Some(zone),
                    s.workers,
                    s.backlog,
                    &name,
                );
                st.down = true;
                st.in_rotation = false;
                stations.push(st);
                extra_instance += 1;
            }
            let name = format!("service:{}", s.name);
            let connections = match s.load_balancer.policy {
                spec::Policy::Pinned { connections, .. } => {
                    let n = s.instance_count().max(1);
                    (0..connections).map(|c| first + c % n).collect()
                }
                _ => Vec::new(),
            };
            service_states.push(ServiceState {
                stations: first..stations.len() as u32,
                cursor: 0,
                connections,
                rng_route: stream(seed, &name, Purpose::Routing),
                rng_branch: stream(seed, &name, Purpose::Branching),
                rng_retry: stream(seed, &name, Purpose::Retry),
            });
        }
        let mut datastore_stations = Vec::new();
        for (i, d) in t.datastores().iter().enumerate() {
            let first = stations.len() as u32;
            let c = ComponentId::Datastore(crate::topology::DatastoreId(i as u32));
            // Node 0 is the primary (its stream names are those of the datastore itself),
            // then a node per replica (see `infra::replication`).
            for (node, zone) in std::iter::once(d.primary).chain(d.replicas.iter().copied()).enumerate() {
                let name =
                    if node == 0 { format!("datastore:{}", d.name) } else { format!("datastore:{}#{node}", d.name) };
                stations.push(station(
                    StationKind::Datastore(i as u32),
                    c,
                    Some(zone),
                    d.connections,
                    d.max_waiting,
                    &name,
                ));
            }
            datastore_stations.push(first..stations.len() as u32);
        }
        let mut cache_stations = Vec::new();
        for (i, cache) in t.caches().iter().enumerate() {
            let first = stations.len() as u32;
            let c = ComponentId::Cache(crate::topology::CacheId(i as u32));
            for z in &cache.zones {
                let name = format!("cache:{}@{}", cache.name, t.zones()[z.index()].name);
                stations.push(station(StationKind::Cache(i as u32), c, Some(*z), UNLIMITED, UNLIMITED, &name));
            }
            cache_stations.push(first..stations.len() as u32);
        }
        let mut queue_stations = Vec::new();
        for (i, q) in t.queues().iter().enumerate() {
            let first = stations.len() as u32;
            let c = ComponentId::Queue(crate::topology::QueueId(i as u32));
            for z in &q.zones {
                let name = format!("queue:{}@{}", q.name, t.zones()[z.index()].name);
                stations.push(station(StationKind::Queue(i as u32), c, Some(*z), UNLIMITED, UNLIMITED, &name));
            }
            queue_stations.push(first..stations.len() as u32);
        }
        let mut external_stations = Vec::new();
        for (i, e) in t.externals().iter().enumerate() {
            let first = stations.len() as u32;
            let c = ComponentId::External(crate::topology::ExternalId(i as u32));
            stations.push(station(
                StationKind::External(i as u32),
                c,
                None,
                UNLIMITED,
                UNLIMITED,
                &format!("external:{}", e.name),
            ));
            external_stations.push(first..stations.len() as u32);
        }

        let mut processes: Vec<ProcessState> = scenario
            .processes
            .iter()
            .enumerate()
            .map(|(i, p)| ProcessState {
                target: p.target.clone(),
                failure: p.failure,
                failed: false,
                rng: stream(seed, &format!("process:{i}"), Purpose::Failures),
            })
            .collect();
        if scenario.component_failures {
            processes.extend(component_processes(&t, seed));
        }
        let workloads = (0..scenario.workloads.len())
            .map(|i| WorkloadState {
                rng: stream(seed, &format!("workload:{i}"), Purpose::Arrivals),
                rng_retry: stream(seed, &format!("workload:{i}"), Purpose::Retry),
                next_trace: 0,
            })
            .collect();
        let fault_rngs =
            (0..scenario.faults.len()).map(|i| stream(seed, &format!("fault:{i}"), Purpose::Faults)).collect();
        let metrics = RunMetrics::new(&scenario, seed);
        let patterns = super::patterns::Patterns::new(&scenario, seed, &stations, &service_states);
        let mut world = World {
            patterns,
            seed,
            stations,
            service_states,
            datastore_stations,
            cache_stations,
            queue_stations,
            external_stations,
            cache_flushed_at: vec![None; t.caches().len()],
            roots: Slab::default(),
            execs: Slab::default(),
            attempts: Slab::default(),
            jobs: Slab::default(),
            fault_active: vec![false; scenario.faults.len()],
            message_faults_active: 0,
            processes,
            workloads,
            fault_rngs,
            fork_seqs: 0..0,
            rng_loss: stream(seed, "network", Purpose::Network),
            arrivals_over: false,
            roots_created: 0,
            roots_finished: 0,
            metrics,
            scenario,
            infra: super::infra::Infra::default(),
            health: super::health::Health::default(),
            spans: None,
        };
        world.infra = super::infra::Infra::build(&world);
        world.health = super::health::Health::build(&world);
        world
    }

    /// The stations serving a component.
    pub fn stations_of(&self, c: ComponentId) -> Range<u32> {
        match c {
            ComponentId::Service(s) => self.service_states[s.index()].stations.clone(),
            ComponentId::Datastore(d) => self.datastore_stations[d.index()].clone(),
            ComponentId::Cache(x) => self.cache_stations[x.index()].clone(),
            ComponentId::Queue(q) => self.queue_stations[q.index()].clone(),
            ComponentId::External(e) => self.external_stations[e.index()].clone(),
        }
    }

    /// Adds the busy and capacity integrals of a station up to `now` (measured time only).
    pub fn account_busy(&mut self, station: u32, now: Nanos) {
        let warmup = self.scenario.warmup.as_nanos();
        let st = &mut self.stations[station as usize];
        let since = st.busy_since;
        if now == since {
            // Nothing has elapsed since the last change: every integral is already current.
            return;
        }
        let capacity = if !st.down && st.workers != UNLIMITED { st.effective_workers() } else { 0 };
        st.busy_total += u128::from(st.busy) * u128::from(now.saturating_sub(since));
        let from = since.max(warmup);
        if now > from {
            let dt = u128::from(now - from);
            st.busy_area += u128::from(st.busy) * dt;
            st.backlog_area += st.waiting.len() as u128 * dt;
            st.capacity_area += u128::from(capacity) * dt;
        }
        let (component, busy, waiting) = (st.component, st.busy, st.waiting.len() as u32);
        st.busy_since = now;
        // The per-bucket health series counts from time 0 (see metrics::health).
        if let (ComponentId::Service(s), true) = (component, now > since) {
            self.metrics.service_busy(s.index(), since, now, busy, capacity, waiting);
        }
    }
}

/// The topology's own `failure` settings as failure processes, in a stable order.
fn component_processes(t: &Topology, seed: u64) -> Vec<ProcessState> {
    let mut out = Vec::new();
    let mut add = |target: Target, failure: Option<crate::dist::FailureModel>, name: String| {
        if let Some(failure) = failure {
            out.push(ProcessState { target, failure, failed: false, rng: stream(seed, &name, Purpose::Failures) });
        }
    };
    for (i, r) in t.regions().iter().enumerate() {
        add(Target::Region(crate::topology::RegionId(i as u32)), r.failure, format!("failure:region:{}", r.name));
    }
    for (i, z) in t.zones().iter().enumerate() {
        add(Target::Zone(ZoneId(i as u32)), z.failure, format!("failure:zone:{}", z.name));
    }
    for s in t.services() {
        for inst in s.instance_ids() {
            let ordinal = t.instances()[inst.index()].ordinal;
            add(Target::Instance(inst), s.failure, format!("failure:instance:{}#{ordinal}", s.name));
        }
    }
    for c in t.components().filter(|c| !matches!(c, ComponentId::Service(_))) {
        let failure = match c {
            ComponentId::Queue(q) => t.queues()[q.index()].failure,
            ComponentId::Datastore(d) => t.datastores()[d.index()].failure,
            ComponentId::Cache(x) => t.caches()[x.index()].failure,
            ComponentId::External(e) => t.externals()[e.index()].failure,
            ComponentId::Service(_) => None,
        };
        add(Target::Component(c), failure, format!("failure:{}", t.component_name(c)));
    }
    out
}

/// A uniform draw in [0, 1).
pub fn unit(rng: &mut Rng) -> f64 {
    (rand::Rng::next_u64(rng) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Whether an outcome counts as served.
pub fn served(o: Outcome) -> bool {
    matches!(o, Outcome::Ok | Outcome::Degraded)
}
