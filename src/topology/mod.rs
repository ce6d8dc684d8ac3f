//! The validated system: typed ids, a frozen dependency graph, and everything the
//! simulator and the analyses need, precomputed.
//!
//! A [`Topology`] can only be made by [`Topology::from_spec`], which checks every name,
//! range and rule of the format and reports all problems at once. After that it never
//! changes: its collections are indexed by typed ids (`ServiceId(3)` is `services()[3]`),
//! so nothing downstream looks names up or handles a dangling reference.
//!
//! Value types that carry no names (a retry policy, a breaker, a health check) are the
//! [`spec`] types themselves, range-checked; everything that names something else, and
//! every distribution, is a type of its own here.

mod build;

use std::collections::BTreeMap;
use std::ops::Range;

use petgraph::graph::{DiGraph, NodeIndex};

pub use crate::dist::{Dist, FailureModel};
use crate::spec;
use crate::units::Duration;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);

        impl $name {
            /// The position in its collection.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id_type!(
    /// A region, index into [`Topology::regions`].
    RegionId
);
id_type!(
    /// A zone, index into [`Topology::zones`].
    ZoneId
);
id_type!(
    /// A service, index into [`Topology::services`].
    ServiceId
);
id_type!(
    /// One instance of a service, index into [`Topology::instances`].
    InstanceId
);
id_type!(
    /// A queue, index into [`Topology::queues`].
    QueueId
);
id_type!(
    /// A datastore, index into [`Topology::datastores`].
    DatastoreId
);
id_type!(
    /// A cache, index into [`Topology::caches`].
    CacheId
);
id_type!(
    /// A third-party external, index into [`Topology::externals`].
    ExternalId
);
id_type!(
    /// An endpoint, index into [`Topology::endpoints`].
    EndpointId
);
id_type!(
    /// A call, index into [`Topology::calls`].
    CallId
);
id_type!(
    /// A link override, index into [`Topology::links`].
    LinkId
);

/// Anything that can be called or fail as a unit: the nodes of the dependency graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ComponentId {
    /// A service.
    Service(ServiceId),
    /// A queue.
    Queue(QueueId),
    /// A datastore.
    Datastore(DatastoreId),
    /// A cache.
    Cache(CacheId),
    /// A third-party external.
    External(ExternalId),
}

/// A failure domain: a zone or a whole region.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Place {
    /// A zone.
    Zone(ZoneId),
    /// A region.
    Region(RegionId),
}

/// What a name in the file refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Named {
    /// A region.
    Region(RegionId),
    /// A zone.
    Zone(ZoneId),
    /// A component.
    Component(ComponentId),
}

/// An edge of the dependency graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edge {
    /// A service calls a component.
    Call(CallId),
    /// A queue delivers to its consumer service.
    Consumes,
    /// A cache sends its misses to its backend.
    Backend,
}

/// A region.
#[derive(Clone, Debug, PartialEq)]
pub struct Region {
    /// Name.
    pub name: String,
    /// Its zones.
    pub zones: Vec<ZoneId>,
    /// Whole-region outages.
    pub failure: Option<FailureModel>,
}

/// A zone.
#[derive(Clone, Debug, PartialEq)]
pub struct Zone {
    /// Name.
    pub name: String,
    /// Its region.
    pub region: RegionId,
    /// Whole-zone outages.
    pub failure: Option<FailureModel>,
}

/// A latency override or failing link between two places.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    /// One end.
    pub a: Place,
    /// The other end.
    pub b: Place,
    /// One-way latency, if overridden.
    pub latency: Option<Dist>,
    /// Link cuts.
    pub failure: Option<FailureModel>,
}

/// A service.
#[derive(Clone, Debug, PartialEq)]
pub struct Service {
    /// Name.
    pub name: String,
    /// Zones in placement order.
    pub zones: Vec<ZoneId>,
    /// Its instances (a contiguous range of instance ids).
    pub instances: Range<u32>,
    /// Instances needed to serve (k of n).
    pub min_healthy: u32,
    /// Concurrent requests per instance.
    pub workers: u32,
    /// Waiting requests per instance.
    pub backlog: u32,
    /// Time per request, excluding downstream calls.
    pub service_time: Dist,
    /// Intrinsic error probability.
    pub error_rate: f64,
    /// Memory model.
    pub memory: Option<spec::Memory>,
    /// Crash to serving again.
    pub restart_delay: Duration,
    /// Per-instance failures.
    pub failure: Option<FailureModel>,
    /// Sequential or parallel downstream calls.
    pub fan_out: spec::FanOut,
    /// Its calls, in order.
    pub calls: Vec<CallId>,
    /// Instance choice and health checks.
    pub load_balancer: spec::LoadBalancer,
    /// Per-instance rate limit.
    pub rate_limit: Option<spec::RateLimit>,
    /// Load shedding.
    pub shedding: Option<spec::Shedding>,
    /// Autoscaling.
    pub autoscaler: Option<spec::Autoscaler>,
}

impl Service {
    /// Number of instances at start.
    pub fn instance_count(&self) -> u32 {
        self.instances.end - self.instances.start
    }

    /// Instance ids of this service.
    pub fn instance_ids(&self) -> impl Iterator<Item = InstanceId> + '_ {
        self.instances.clone().map(InstanceId)
    }
}

/// One instance of a service.
#[derive(Clone, Debug, PartialEq)]
pub struct Instance {
    /// Its service.
    pub service: ServiceId,
    /// Position among the service's instances, from 0.
    pub ordinal: u32,
    /// Where it runs.
    pub zone: ZoneId,
}

/// A call from a service to a component.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// The caller.
    pub from: ServiceId,
    /// The callee.
    pub to: ComponentId,
    /// Sync or async.
    pub mode: spec::CallMode,
    /// Whether its failure fails the request.
    pub required: bool,
    /// Endpoints whose requests make it; `None` for all.
    pub only_for: Option<Vec<EndpointId>>,
    /// Fraction of requests that make it.
    pub probability: f64,
    /// Read or write.
    pub operation: spec::Operation,
    /// Caller's timeout.
    pub timeout: Option<Duration>,
    /// Retries.
    pub retry: Option<spec::Retry>,
    /// Circuit breaker.
    pub breaker: Option<spec::Breaker>,
    /// Bulkhead.
    pub bulkhead: Option<spec::Bulkhead>,
    /// Fallback of an optional call (always `Some` when `required` is false).
    pub fallback: Option<spec::Fallback>,
    /// Deadline propagation.
    pub propagate_deadline: bool,
    /// Adaptive throttling.
    pub throttle: Option<spec::Throttle>,
    /// The query's own time on a datastore, instead of the store's read or write time.
    pub query_time: Option<Dist>,
}

impl Call {
    /// Attempts made at most for one call (1 without retries).
    pub fn max_attempts(&self) -> u32 {
        self.retry.as_ref().map_or(1, |r| r.max_attempts)
    }
}

/// A message queue.
#[derive(Clone, Debug, PartialEq)]
pub struct Queue {
    /// Name.
    pub name: String,
    /// Broker zones.
    pub zones: Vec<ZoneId>,
    /// Messages held.
    pub capacity: u32,
    /// Consuming service.
    pub consumer: ServiceId,
    /// Concurrent deliveries.
    pub concurrency: u32,
    /// Redelivery timeout.
    pub visibility_timeout: Duration,
    /// Deliveries before dead-lettering.
    pub max_deliveries: u32,
    /// Time to accept an enqueue.
    pub enqueue_time: Dist,
    /// Per-broker failures.
    pub failure: Option<FailureModel>,
}

/// How writes reach replicas.
#[derive(Clone, Debug, PartialEq)]
pub enum Replication {
    /// Synchronous.
    Sync,
    /// Asynchronous with a lag.
    Async {
        /// Replication lag.
        lag: Dist,
    },
    /// Synchronous in the primary's region, asynchronous with a lag across regions.
    SyncInRegion {
        /// Lag of the replicas in other regions.
        lag: Dist,
    },
}

impl Replication {
    /// Whether a replica in `replica_region` has every write the primary in
    /// `primary_region` committed (it is replicated synchronously).
    pub fn synchronous(&self, primary_region: RegionId, replica_region: RegionId) -> bool {
        match self {
            Replication::Sync => true,
            Replication::Async { .. } => false,
            Replication::SyncInRegion { .. } => primary_region == replica_region,
        }
    }

    /// The lag of replicas that trail the primary, if any do.
    pub fn lag(&self) -> Option<&Dist> {
        match self {
            Replication::Sync => None,
            Replication::Async { lag } | Replication::SyncInRegion { lag } => Some(lag),
        }
    }
}

/// A datastore.
#[derive(Clone, Debug, PartialEq)]
pub struct Datastore {
    /// Name.
    pub name: String,
    /// Zone of the primary.
    pub primary: ZoneId,
    /// Zones of the replicas.
    pub replicas: Vec<ZoneId>,
    /// Replication.
    pub replication: Replication,
    /// Failover.
    pub failover: spec::Failover,
    /// Read time.
    pub read_time: Dist,
    /// Write time.
    pub write_time: Dist,
    /// Shared connection pool size.
    pub connections: u32,
    /// Most calls waiting for a connection per node ([`u32::MAX`] for unbounded).
    pub max_waiting: u32,
    /// Processors per node ([`u32::MAX`] for unlimited: queries never slow each other).
    pub cpus: u32,
    /// Whether some call brings its own `query_time` (so starting a query looks it up).
    pub custom_queries: bool,
    /// Replica reads.
    pub read_from_replicas: bool,
    /// Write buffering while no primary serves.
    pub buffer_writes: bool,
    /// Per-node failures.
    pub failure: Option<FailureModel>,
}

/// A cache.
#[derive(Clone, Debug, PartialEq)]
pub struct Cache {
    /// Name.
    pub name: String,
    /// Node zones.
    pub zones: Vec<ZoneId>,
    /// Warm hit ratio.
    pub hit_ratio: f64,
    /// Where misses go.
    pub backend: ComponentId,
    /// Lookup time.
    pub lookup_time: Dist,
    /// Refill time after a flush.
    pub warmup: Duration,
    /// Per-node failures.
    pub failure: Option<FailureModel>,
}

/// A third-party external.
#[derive(Clone, Debug, PartialEq)]
pub struct External {
    /// Name.
    pub name: String,
    /// Response time.
    pub latency: Dist,
    /// Error probability.
    pub error_rate: f64,
    /// Outages.
    pub failure: Option<FailureModel>,
    /// Its rate limit.
    pub rate_limit: Option<spec::RateLimit>,
}

/// An endpoint.
#[derive(Clone, Debug, PartialEq)]
pub struct Endpoint {
    /// Name.
    pub name: String,
    /// Entry service.
    pub service: ServiceId,
    /// Objective.
    pub slo: Option<spec::Slo>,
}

/// The validated, frozen system. See the module docs.
#[derive(Clone, Debug)]
pub struct Topology {
    name: String,
    description: String,
    regions: Vec<Region>,
    zones: Vec<Zone>,
    links: Vec<Link>,
    /// One-way latency between zone pairs, `zones × zones`, row-major.
    latency: Vec<Dist>,
    network_loss: f64,
    services: Vec<Service>,
    instances: Vec<Instance>,
    calls: Vec<Call>,
    queues: Vec<Queue>,
    datastores: Vec<Datastore>,
    caches: Vec<Cache>,
    externals: Vec<External>,
    endpoints: Vec<Endpoint>,
    names: BTreeMap<String, Named>,
    endpoint_names: BTreeMap<String, EndpointId>,
    graph: DiGraph<ComponentId, Edge>,
    node_of: BTreeMap<ComponentId, NodeIndex>,
}

impl Topology {
    /// Display name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Free-text description.
    pub fn description(&self) -> &str {
        &self.description
    }
    /// Regions, indexed by [`RegionId`].
    pub fn regions(&self) -> &[Region] {
        &self.regions
    }
    /// Zones, indexed by [`ZoneId`].
    pub fn zones(&self) -> &[Zone] {
        &self.zones
    }
    /// Link overrides, indexed by [`LinkId`].
    pub fn links(&self) -> &[Link] {
        &self.links
    }
    /// Services, indexed by [`ServiceId`].
    pub fn services(&self) -> &[Service] {
        &self.services
    }
    /// Instances of all services, indexed by [`InstanceId`].
    pub fn instances(&self) -> &[Instance] {
        &self.instances
    }
    /// Calls, indexed by [`CallId`].
    pub fn calls(&self) -> &[Call] {
        &self.calls
    }
    /// Queues, indexed by [`QueueId`].
    pub fn queues(&self) -> &[Queue] {
        &self.queues
    }
    /// Datastores, indexed by [`DatastoreId`].
    pub fn datastores(&self) -> &[Datastore] {
        &self.datastores
    }
    /// Caches, indexed by [`CacheId`].
    pub fn caches(&self) -> &[Cache] {
        &self.caches
    }
    /// Externals, indexed by [`ExternalId`].
    pub fn externals(&self) -> &[External] {
        &self.externals
    }
    /// Endpoints, indexed by [`EndpointId`].
    pub fn endpoints(&self) -> &[Endpoint] {
        &self.endpoints
    }
    /// Message loss probability on every hop.
    pub fn network_loss(&self) -> f64 {
        self.network_loss
    }

    /// The service with this id.
    pub fn service(&self, id: ServiceId) -> &Service {
        &self.services[id.index()]
    }
    /// The call with this id.
    pub fn call(&self, id: CallId) -> &Call {
        &self.calls[id.index()]
    }

    /// The services that call datastore `d`, in service order: the callers whose use of its
    /// connection pool is measured.
    pub fn pool_callers(&self, d: DatastoreId) -> Vec<ServiceId> {
        let mut out: Vec<ServiceId> =
            self.calls.iter().filter(|c| c.to == ComponentId::Datastore(d)).map(|c| c.from).collect();
        out.sort_by_key(|s| s.index());
        out.dedup();
        out
    }

    /// One-way latency from zone `a` to zone `b`.
    pub fn latency(&self, a: ZoneId, b: ZoneId) -> &Dist {
        &self.latency[a.index() * self.zones.len() + b.index()]
    }

    /// What a name refers to (regions, zones and components share one namespace).
    pub fn lookup(&self, name: &str) -> Option<Named> {
        self.names.get(name).copied()
    }

    /// Every name of the topology, in sorted order (for "did you mean" hints).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.keys().map(String::as_str)
    }

    /// The endpoint with this name.
    pub fn endpoint_by_name(&self, name: &str) -> Option<EndpointId> {
        self.endpoint_names.get(name).copied()
    }

    /// The name of a component.
    pub fn component_name(&self, c: ComponentId) -> &str {
        match c {
            ComponentId::Service(id) => &self.services[id.index()].name,
            ComponentId::Queue(id) => &self.queues[id.index()].name,
            ComponentId::Datastore(id) => &self.datastores[id.index()].name,
            ComponentId::Cache(id) => &self.caches[id.index()].name,
            ComponentId::External(id) => &self.externals[id.index()].name,
        }
    }

    /// The kind of a component as a word ("service", "queue", …).
    pub fn component_kind(c: ComponentId) -> &'static str {
        match c {
            ComponentId::Service(_) => "service",
            ComponentId::Queue(_) => "queue",
            ComponentId::Datastore(_) => "datastore",
            ComponentId::Cache(_) => "cache",
            ComponentId::External(_) => "external",
        }
    }

    /// The name of a place.
    pub fn place_name(&self, p: Place) -> &str {
        match p {
            Place::Zone(z) => &self.zones[z.index()].name,
            Place::Region(r) => &self.regions[r.index()].name,
        }
    }

    /// Every component, services first, then queues, datastores, caches, externals.
    pub fn components(&self) -> impl Iterator<Item = ComponentId> + '_ {
        let s = (0..self.services.len() as u32).map(|i| ComponentId::Service(ServiceId(i)));
        let q = (0..self.queues.len() as u32).map(|i| ComponentId::Queue(QueueId(i)));
        let d = (0..self.datastores.len() as u32).map(|i| ComponentId::Datastore(DatastoreId(i)));
        let c = (0..self.caches.len() as u32).map(|i| ComponentId::Cache(CacheId(i)));
        let e = (0..self.externals.len() as u32).map(|i| ComponentId::External(ExternalId(i)));
        s.chain(q).chain(d).chain(c).chain(e)
    }

    /// Zones a component is placed in (empty for externals, which live outside).
    pub fn component_zones(&self, c: ComponentId) -> Vec<ZoneId> {
        match c {
            ComponentId::Service(id) => {
                let mut z: Vec<ZoneId> =
                    self.service(id).instance_ids().map(|i| self.instances[i.index()].zone).collect();
                z.sort();
                z.dedup();
                z
            }
            ComponentId::Queue(id) => self.queues[id.index()].zones.clone(),
            ComponentId::Datastore(id) => {
                let d = &self.datastores[id.index()];
                let mut z = vec![d.primary];
                z.extend(&d.replicas);
                z.sort();
                z.dedup();
                z
            }
            ComponentId::Cache(id) => self.caches[id.index()].zones.clone(),
            ComponentId::External(_) => Vec::new(),
        }
    }

    /// The dependency graph: components as nodes; calls, queue deliveries and cache misses
    /// as edges from the one that depends to the one depended on (queue → consumer for
    /// deliveries).
    pub fn graph(&self) -> &DiGraph<ComponentId, Edge> {
        &self.graph
    }

    /// The graph node of a component.
    pub fn node(&self, c: ComponentId) -> NodeIndex {
        self.node_of[&c]
    }
}
