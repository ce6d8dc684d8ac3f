//! Static analysis of a topology: what the graph alone says about its resilience, without
//! running a simulation (`faultsim analyze MODEL`).
//!
//! [`analyze`] is pure and deterministic: the same [`Topology`] gives the same [`Analysis`],
//! and every list in it follows the file order of what it lists (regions, zones, then
//! services, queues, datastores, caches and externals; endpoints as declared). The result
//! serialises to JSON with `serde_json` and renders as a plain-text report with
//! [`Analysis::to_text`].
//!
//! # The servability model
//!
//! Every finding below rests on one definition of when an endpoint can be served:
//!
//! - An endpoint is servable iff its entry service is servable.
//! - A service is servable iff at least `min_healthy` of its instances are up (an instance is
//!   up iff it, its zone and its zone's region are up) and every *needed* call is satisfied.
//! - A call is needed by an endpoint's requests iff it is `required`, its `only_for` list is
//!   empty or names that endpoint, and its `probability` is above zero (a call made by only
//!   some requests still fails those requests, so `probability < 1` counts as needed; a call
//!   never made cannot fail anything). Optional calls never make a service unservable.
//! - A needed *sync* call needs its target servable; a needed *async* call only needs the
//!   target up to accept the message (a service's instances, a queue's brokers), not the
//!   target's own dependencies. In particular the consumer of a queue is not needed by the
//!   producer's endpoint.
//! - A cache as a call target is not needed itself (its misses fall through to the backend);
//!   the call needs the cache's backend instead, in the call's mode.
//! - A queue (or cache) is up iff the broker (node) in one of its zones is up.
//! - A datastore is up iff its primary is up, or, when `failover.automatic` is set and it has
//!   replicas, any replica is up.
//! - An external is up unless it has an outage.
//!
//! Because requirements only ever combine with "and" (the alternatives are all *inside* a
//! component: its instances, brokers or replicas), an endpoint is servable iff every member
//! of its *required set* is up on its own. The required set is computed once per endpoint
//! ([`required()`]) and reused by the single-point-of-failure check, the redundancy report and
//! the availability estimate.
//!
//! # What is analysed
//!
//! - **Single points of failure** ([`Spof`]): a region, a zone, or a single failing unit of a
//!   component (one instance of a service, the one broker of a queue, the primary of a
//!   datastore, an external) whose loss alone makes an endpoint unservable. The units are
//!   the same ones the availability estimate lets fail independently, so a component listed
//!   here is exactly one that contributes a first-order term to unavailability. A service is
//!   reported (as the service, not as an instance) when losing any one of its instances
//!   leaves fewer than `min_healthy`; losing a whole service at once (a bad deploy) would take
//!   down every endpoint that requires it and is what [`NonRedundant`] lists instead.
//! - **Single-zone placement** ([`SingleZone`]): components whose every node is in one zone.
//! - **Non-redundant required components** ([`NonRedundantChain`]), per endpoint in
//!   depth-first order from the entry.
//! - **Depth, fan-out and worst-case retry amplification** of the call tree
//!   ([`Depth`], [`FanOut`], [`RetryAmplification`]).
//! - **Dependency cycles** (through async calls or queue deliveries; sync cycles are
//!   rejected when the topology is validated).
//! - **Analytic steady-state availability** per endpoint ([`Availability`]), from MTBF/MTTR,
//!   exact for common-cause zone and region failures by conditioning on their states. Link
//!   failures are ignored by this estimate (a link cut only matters to calls crossing it,
//!   which depends on load balancing); the simulator models them.

mod availability;
mod servability;
mod spof;
mod structure;
mod text;

use serde::Serialize;

use crate::topology::{ComponentId, EndpointId, Topology};

pub use servability::required;

/// Everything `faultsim analyze` reports about one topology. Field order is the JSON order.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Analysis {
    /// The topology's name.
    pub topology: String,
    /// How many of each thing it has.
    pub counts: Counts,
    /// Analytic steady-state availability per endpoint.
    pub availability: Availability,
    /// Single failures that take endpoints down, regions and zones first, then components.
    pub single_points_of_failure: Vec<Spof>,
    /// Components with every node in one zone, in file order.
    pub single_zone: Vec<SingleZone>,
    /// Per endpoint, the non-redundant components it requires.
    pub non_redundant: Vec<NonRedundantChain>,
    /// Per endpoint, the depth of its call tree.
    pub depth: Vec<Depth>,
    /// Per endpoint, the worst-case product of attempts along a call path.
    pub retry_amplification: Vec<RetryAmplification>,
    /// Per service, its number of calls.
    pub fan_out: Vec<FanOut>,
    /// Dependency cycles (each a list of component names in file order); they can only go
    /// through async calls or queue deliveries.
    pub cycles: Vec<Vec<String>>,
}

/// How many of each element a topology has.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Counts {
    /// Regions.
    pub regions: usize,
    /// Zones.
    pub zones: usize,
    /// Services.
    pub services: usize,
    /// Instances of all services together.
    pub instances: usize,
    /// Queues.
    pub queues: usize,
    /// Datastores.
    pub datastores: usize,
    /// Caches.
    pub caches: usize,
    /// Externals.
    pub externals: usize,
    /// Endpoints.
    pub endpoints: usize,
}

/// What kind of thing a finding is about. Serialised in lowercase (`"service"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A region.
    Region,
    /// A zone.
    Zone,
    /// A service.
    Service,
    /// A queue.
    Queue,
    /// A datastore.
    Datastore,
    /// A cache.
    Cache,
    /// A third-party external.
    External,
}

impl Kind {
    /// The kind of a component.
    pub fn of(c: ComponentId) -> Kind {
        match c {
            ComponentId::Service(_) => Kind::Service,
            ComponentId::Queue(_) => Kind::Queue,
            ComponentId::Datastore(_) => Kind::Datastore,
            ComponentId::Cache(_) => Kind::Cache,
            ComponentId::External(_) => Kind::External,
        }
    }

    /// The kind as a lowercase word, as in the JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Region => "region",
            Kind::Zone => "zone",
            Kind::Service => "service",
            Kind::Queue => "queue",
            Kind::Datastore => "datastore",
            Kind::Cache => "cache",
            Kind::External => "external",
        }
    }
}

/// The analytic availability estimate.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Availability {
    /// Zones and regions that can fail (a `failure` model with availability below 1); the
    /// estimate conditions on their joint states.
    pub failure_domains: usize,
    /// Joint states of those domains that were enumerated.
    pub states: u64,
    /// Whether only the states with at most two domains down were enumerated (more than 12
    /// failure domains), which makes every availability a lower bound.
    pub approximate: bool,
    /// Total probability of the enumerated states (1 when exact).
    pub covered_probability: f64,
    /// One entry per endpoint, in endpoint order.
    pub endpoints: Vec<EndpointAvailability>,
}

/// The availability of one endpoint.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct EndpointAvailability {
    /// Endpoint name.
    pub endpoint: String,
    /// Steady-state probability that the endpoint is servable, in [0, 1].
    pub availability: f64,
    /// `−log10(1 − availability)`; `None` (JSON null) when the availability is exactly 1.
    pub nines: Option<f64>,
    /// Expected unservable minutes per 365-day year: `525,600 × (1 − availability)`.
    pub downtime_minutes_per_year: f64,
    /// Whether the figure is an upper bound on the availability the system reaches: the
    /// static formula counts a component down only while it is failed, so the time to notice
    /// and restore listed in `leaves_out` comes on top.
    pub upper_bound: bool,
    /// Downtime the formula leaves out, in words, one entry per mechanism and component of
    /// the endpoint's required set (failover detection and promotion, health-check detection).
    pub leaves_out: Vec<String>,
}

/// A single failure that alone makes endpoints unservable.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Spof {
    /// What fails: a region, a zone or a component.
    pub kind: Kind,
    /// Its name.
    pub name: String,
    /// Which part fails and why that is enough, e.g. "its only instance", or for a zone the
    /// required components it takes with it.
    pub reason: String,
    /// Endpoints it takes down, in endpoint order (never empty).
    pub takes_down: Vec<String>,
}

/// A component whose every node is placed in one zone.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct SingleZone {
    /// Its kind (never a zone, region or external).
    pub kind: Kind,
    /// Its name.
    pub name: String,
    /// The one zone.
    pub zone: String,
}

/// The non-redundant components one endpoint requires.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct NonRedundantChain {
    /// Endpoint name.
    pub endpoint: String,
    /// Its required components that have no redundancy, depth-first from the entry (empty
    /// when every required component is redundant).
    pub components: Vec<NonRedundant>,
}

/// A required component without redundancy.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct NonRedundant {
    /// Its kind.
    pub kind: Kind,
    /// Its name.
    pub name: String,
    /// Why it is not redundant, e.g. "1 instance; single zone a".
    pub reason: String,
}

/// The depth of one endpoint's call tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Depth {
    /// Endpoint name.
    pub endpoint: String,
    /// Levels on the deepest path; the entry service alone is depth 1.
    pub depth: u32,
    /// The deepest path, component names joined by " → ".
    pub path: String,
}

/// The worst-case retry amplification of one endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct RetryAmplification {
    /// Endpoint name.
    pub endpoint: String,
    /// The largest product of `max_attempts` along one call path from the entry (saturating
    /// at `u64::MAX`): how many times one client request can reach the path's last component.
    pub factor: u64,
    /// The path achieving it, component names joined by " → " (the first in call order on ties).
    pub path: String,
}

/// The fan-out of one service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct FanOut {
    /// Service name.
    pub service: String,
    /// Number of calls it makes (each call counted once, whatever its mode or probability).
    pub calls: usize,
}

/// Analyses a topology. Pure and deterministic; see the module docs for what it computes.
pub fn analyze(t: &Topology) -> Analysis {
    let required: Vec<Vec<ComponentId>> = (0..t.endpoints().len() as u32).map(|e| required(t, EndpointId(e))).collect();
    let (depth, retry_amplification) = structure::call_trees(t);
    Analysis {
        topology: t.name().to_owned(),
        counts: Counts {
            regions: t.regions().len(),
            zones: t.zones().len(),
            services: t.services().len(),
            instances: t.instances().len(),
            queues: t.queues().len(),
            datastores: t.datastores().len(),
            caches: t.caches().len(),
            externals: t.externals().len(),
            endpoints: t.endpoints().len(),
        },
        availability: availability::availability(t, &required),
        single_points_of_failure: spof::spofs(t, &required),
        single_zone: structure::single_zone(t),
        non_redundant: structure::non_redundant(t, &required),
        depth,
        retry_amplification,
        fan_out: structure::fan_out(t),
        cycles: structure::cycles(t),
    }
}

impl Analysis {
    /// A plain-text report for people: one section per finding, columns aligned, no colour.
    pub fn to_text(&self) -> String {
        text::render(self)
    }
}

/// The number of components, and the size of every per-component table below.
fn component_count(t: &Topology) -> usize {
    t.services().len() + t.queues().len() + t.datastores().len() + t.caches().len() + t.externals().len()
}

/// A dense index for a component, in [`Topology::components`] order (file order by kind).
fn dense(t: &Topology, c: ComponentId) -> usize {
    let (s, q, d, k) = (t.services().len(), t.queues().len(), t.datastores().len(), t.caches().len());
    match c {
        ComponentId::Service(i) => i.index(),
        ComponentId::Queue(i) => s + i.index(),
        ComponentId::Datastore(i) => s + q + i.index(),
        ComponentId::Cache(i) => s + q + d + i.index(),
        ComponentId::External(i) => s + q + d + k + i.index(),
    }
}

/// Component names joined by " → ", the way paths are shown.
fn join_path(t: &Topology, path: &[ComponentId]) -> String {
    path.iter().map(|c| t.component_name(*c)).collect::<Vec<_>>().join(" → ")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds a topology from RON text, the way model files are read.
    pub(crate) fn topo(text: &str) -> Topology {
        let spec: crate::spec::Topology = ron::Options::default()
            .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
            .from_str(text)
            .expect("test RON parses");
        Topology::from_spec(&spec).expect("test topology is valid")
    }

    const SHOP: &str = r#"Topology(
        name: "shop",
        regions: [Region(name: "eu", zones: [Zone(name: "a"), Zone(name: "b"), Zone(name: "c")])],
        services: [
            Service(name: "web", zones: ["a", "b", "c"], service_time: Fixed("1ms"), calls: [
                Call(to: "checkout", only_for: ["buy"], timeout: "200ms", retry: (max_attempts: 3)),
                Call(to: "recs", required: false),
                Call(to: "catalog-cache"),
            ]),
            Service(name: "checkout", zones: ["a"], instances: 2, service_time: Fixed("1ms"), calls: [
                Call(to: "orders-db", operation: Write, retry: (max_attempts: 2)),
                Call(to: "payments"),
                Call(to: "events", mode: Async),
            ]),
            Service(name: "recs", zones: ["b"], service_time: Fixed("1ms")),
            Service(name: "catalog", zones: ["a", "b"], instances: 4, service_time: Fixed("1ms"), calls: [
                Call(to: "catalog-db"),
            ]),
            Service(name: "mailer", zones: ["c"], service_time: Fixed("1ms")),
        ],
        queues: [Queue(name: "events", zones: ["c"], capacity: 100, consumer: "mailer")],
        datastores: [
            Datastore(name: "orders-db", primary: "a"),
            Datastore(name: "catalog-db", primary: "a", replicas: ["b", "c"]),
        ],
        caches: [Cache(name: "catalog-cache", zones: ["a"], hit_ratio: 0.9, backend: "catalog")],
        externals: [External(name: "payments", latency: Fixed("50ms"))],
        endpoints: [
            Endpoint(name: "buy", service: "web"),
            Endpoint(name: "browse", service: "web"),
        ],
    )"#;

    #[test]
    fn analysis_of_a_shop_is_deterministic_and_serialises() {
        let t = topo(SHOP);
        let a = analyze(&t);
        assert_eq!(a, analyze(&t));
        let json = serde_json::to_string(&a).expect("serialises");
        assert_eq!(json, serde_json::to_string(&analyze(&t)).expect("serialises"));
        assert!(json.starts_with(r#"{"topology":"shop","counts":"#), "{json}");
        let text = a.to_text();
        assert!(text.starts_with("topology: shop (5 services, 3 zones in 1 region, 2 endpoints)\n"), "{text}");
        for section in ["availability", "single points of failure", "single-zone placement", "retry amplification"] {
            assert!(text.contains(section), "missing {section}:\n{text}");
        }
    }

    #[test]
    fn shop_required_sets_follow_the_servability_model() {
        let t = topo(SHOP);
        let names =
            |e: u32| -> Vec<&str> { required(&t, EndpointId(e)).iter().map(|c| t.component_name(*c)).collect() };
        // Optional recs and the cache itself are not needed; the cache's backend is; the
        // queue is needed to accept, its consumer is not.
        assert_eq!(names(0), ["web", "checkout", "orders-db", "payments", "events", "catalog", "catalog-db"]);
        // `checkout` is only called for `buy`.
        assert_eq!(names(1), ["web", "catalog", "catalog-db"]);
    }

    #[test]
    fn shop_findings() {
        let t = topo(SHOP);
        let a = analyze(&t);
        let spofs: Vec<(Kind, &str, Vec<&str>)> = a
            .single_points_of_failure
            .iter()
            .map(|s| (s.kind, s.name.as_str(), s.takes_down.iter().map(String::as_str).collect()))
            .collect();
        assert_eq!(
            spofs,
            [
                (Kind::Region, "eu", vec!["buy", "browse"]),
                (Kind::Zone, "a", vec!["buy"]),
                (Kind::Zone, "c", vec!["buy"]),
                (Kind::Queue, "events", vec!["buy"]),
                (Kind::Datastore, "orders-db", vec!["buy"]),
                (Kind::External, "payments", vec!["buy"]),
            ]
        );
        let single: Vec<&str> = a.single_zone.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(single, ["checkout", "recs", "mailer", "events", "orders-db", "catalog-cache"]);
        let chain: Vec<&str> = a.non_redundant[0].components.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(chain, ["checkout", "orders-db", "payments", "events"]);
        assert!(a.non_redundant[1].components.is_empty());
        assert_eq!(a.depth[0].depth, 4);
        assert_eq!(a.depth[0].path, "web → catalog-cache → catalog → catalog-db");
        assert_eq!(a.depth[1].path, "web → catalog-cache → catalog → catalog-db");
        assert_eq!(
            (a.retry_amplification[0].factor, a.retry_amplification[0].path.as_str()),
            (6, "web → checkout → orders-db")
        );
        assert_eq!((a.retry_amplification[1].factor, a.retry_amplification[1].path.as_str()), (1, "web → recs"));
        let fan: Vec<usize> = a.fan_out.iter().map(|f| f.calls).collect();
        assert_eq!(fan, [3, 3, 0, 1, 0]);
        assert!(a.cycles.is_empty());
        // Nothing can fail, so everything is available and the text says so.
        assert!(a.availability.endpoints.iter().all(|e| e.availability == 1.0 && e.nines.is_none()));
        assert!(a.to_text().contains("∞"));
    }

    #[test]
    fn a_thousand_service_mesh_is_analysed() {
        // 50 layers of 20 services, each calling three of the next layer with 2 attempts.
        let t = topo(&crate::synth::layered_topology(1000, 20));
        let a = analyze(&t);
        assert_eq!(a.depth[0].depth, 50);
        assert_eq!(a.retry_amplification[0].factor, 1 << 49);
        assert_eq!(a.availability.endpoints.len(), 10);
        assert!(a.single_points_of_failure.iter().all(|s| s.kind == Kind::Region));
    }
}
