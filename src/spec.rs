//! The file formats: serde types that mirror `models/*.ron` (a [`Topology`]) and
//! `scenarios/*.ron` (a [`Scenario`]) one to one.
//!
//! This module is data only. Names are still strings and numbers are unchecked; the
//! [`crate::topology`] and [`crate::scenario`] modules validate these types into typed,
//! frozen ones that the rest of faultsim uses. Every struct and enum denies unknown
//! fields, so a typo is an error with a "did you mean" hint rather than a silently
//! ignored setting. Optional fields have defaults (documented on each field) so that
//! small files stay small, and optional values may be written without `Some(..)`.
//!
//! Units: every duration is a unit string (`"250ms"`, see [`Duration`]); every size a
//! byte string (`"512MiB"`, see [`Bytes`]); rates are per second; probabilities,
//! ratios and fractions are numbers in `[0, 1]`.

use serde::{Deserialize, Serialize};

use crate::units::{Bytes, Duration};

// ---------------------------------------------------------------------------------------
// Shared building blocks
// ---------------------------------------------------------------------------------------

/// A distribution of durations: service times, network latency, think times.
///
/// Give it the way you know it: by its mean (`Exp`), by median and p99 (`LogNormal`,
/// fitted exactly through both), as a constant, a uniform range or a Weibull.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum Dist {
    /// Always this value: `Fixed("5ms")`.
    Fixed(Duration),
    /// Exponential with this mean: `Exp(mean: "20ms")` (memoryless; M/M/c service).
    Exp {
        /// Mean.
        mean: Duration,
    },
    /// Log-normal through a median and a p99: `LogNormal(median: "20ms", p99: "120ms")`.
    /// The p99 must be at least the median.
    LogNormal {
        /// 50th percentile.
        median: Duration,
        /// 99th percentile (≥ median).
        p99: Duration,
    },
    /// Uniform between two values: `Uniform(min: "1ms", max: "3ms")`.
    Uniform {
        /// Lower bound (inclusive).
        min: Duration,
        /// Upper bound (≥ min).
        max: Duration,
    },
    /// Weibull with a shape and a mean: `Weibull(shape: 1.5, mean: "10ms")`.
    Weibull {
        /// Shape k > 0 (k < 1: heavy tail, k = 1: exponential, k > 1: wear-out).
        shape: f64,
        /// Mean.
        mean: Duration,
    },
}

/// The family of a failure or repair time whose mean is given separately.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum Lifetime {
    /// Exponential (memoryless, constant failure rate). The default.
    #[default]
    Exponential,
    /// Weibull with shape k > 0 (k > 1: wear-out, k < 1: infant mortality).
    Weibull {
        /// Shape k.
        shape: f64,
    },
    /// Log-normal with log-space standard deviation sigma > 0 (typical of repair times).
    LogNormal {
        /// Standard deviation of the logarithm.
        sigma: f64,
    },
    /// Exactly the mean every time (for hand-checkable cases).
    Fixed,
}

/// How often a component fails and how long it stays down.
///
/// `(mtbf: "30d", mttr: "10m")`; availability is `mtbf / (mtbf + mttr)`, so `mtbf` is the
/// mean *up* time between repairs.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Failure {
    /// Mean time between failures (mean up time).
    pub mtbf: Duration,
    /// Mean time to repair (mean down time).
    pub mttr: Duration,
    /// Family of the up times. Default `Exponential`.
    #[serde(default)]
    pub ttf: Lifetime,
    /// Family of the down times. Default `Exponential`.
    #[serde(default)]
    pub ttr: Lifetime,
}

// ---------------------------------------------------------------------------------------
// Topology
// ---------------------------------------------------------------------------------------

/// A system: where things run, what they are, and how they call each other.
///
/// Every name (regions, zones, services, queues, datastores, caches, externals) is unique
/// in the file, so a name alone says what it refers to.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Topology {
    /// Name shown in reports.
    pub name: String,
    /// Free text shown in reports. Default empty.
    #[serde(default)]
    pub description: String,
    /// Regions and their zones (the failure domains).
    pub regions: Vec<Region>,
    /// Latency between zones and regions. Default: see [`Network`].
    #[serde(default)]
    pub network: Network,
    /// Services: replicated request handlers. Default none.
    #[serde(default)]
    pub services: Vec<Service>,
    /// Message queues between producers and a consumer service. Default none.
    #[serde(default)]
    pub queues: Vec<Queue>,
    /// Datastores with a primary and replicas. Default none.
    #[serde(default)]
    pub datastores: Vec<Datastore>,
    /// Caches in front of a backend. Default none.
    #[serde(default)]
    pub caches: Vec<Cache>,
    /// Third-party dependencies outside our failure domains. Default none.
    #[serde(default)]
    pub externals: Vec<External>,
    /// What clients call, each entering at a service, with its SLO.
    pub endpoints: Vec<Endpoint>,
}

/// A region: a group of zones that can fail together (a data centre, a cloud region).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    /// Unique name.
    pub name: String,
    /// Its zones, at least one.
    pub zones: Vec<Zone>,
    /// Whole-region outages (common cause for every zone in it). Default: never fails.
    #[serde(default)]
    pub failure: Option<Failure>,
}

/// A zone: a failure domain inside a region (an availability zone, a building, a rack).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Zone {
    /// Unique name.
    pub name: String,
    /// Whole-zone outages. Default: never fails.
    #[serde(default)]
    pub failure: Option<Failure>,
}

/// One-way network latency between placements.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// Within one zone. Default `Fixed("100us")`.
    #[serde(default = "default_same_zone")]
    pub same_zone: Dist,
    /// Between zones of one region. Default `LogNormal(median: "500us", p99: "2ms")`.
    #[serde(default = "default_cross_zone")]
    pub cross_zone: Dist,
    /// Between regions. Default `LogNormal(median: "30ms", p99: "80ms")`.
    #[serde(default = "default_cross_region")]
    pub cross_region: Dist,
    /// Per-pair latency overrides and link failures. Default none.
    #[serde(default)]
    pub links: Vec<Link>,
    /// Probability that a message is lost on any hop (the caller then times out). Default 0.
    #[serde(default)]
    pub loss: f64,
}

impl Default for Network {
    fn default() -> Self {
        Network {
            same_zone: default_same_zone(),
            cross_zone: default_cross_zone(),
            cross_region: default_cross_region(),
            links: Vec::new(),
            loss: 0.0,
        }
    }
}

fn default_same_zone() -> Dist {
    Dist::Fixed(Duration::from_nanos(100_000))
}
fn default_cross_zone() -> Dist {
    Dist::LogNormal { median: Duration::from_nanos(500_000), p99: Duration::from_millis(2) }
}
fn default_cross_region() -> Dist {
    Dist::LogNormal { median: Duration::from_millis(30), p99: Duration::from_millis(80) }
}

/// An override of the latency between two zones or two regions (both ways), and its failures.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    /// The two ends: two zone names or two region names.
    pub between: (String, String),
    /// One-way latency on this link. Default: the [`Network`] default for the pair.
    #[serde(default)]
    pub latency: Option<Dist>,
    /// Link cuts (the two ends cannot talk). Default: never fails.
    #[serde(default)]
    pub failure: Option<Failure>,
}

/// A replicated request handler: instances in zones, each with workers and a backlog.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// Unique name.
    pub name: String,
    /// Zones its instances are spread over, round-robin in this order.
    pub zones: Vec<String>,
    /// Number of instances. Default: one per zone.
    #[serde(default)]
    pub instances: Option<u32>,
    /// Instances that must be up for the service to serve (k of n). Default 1.
    #[serde(default = "one_u32")]
    pub min_healthy: u32,
    /// Requests one instance works on at once (threads, workers). Default 8.
    #[serde(default = "default_workers")]
    pub workers: u32,
    /// Requests one instance holds waiting for a worker; beyond it, a fast reject. Default 64.
    #[serde(default = "default_backlog")]
    pub backlog: u32,
    /// Time a worker spends on one request, excluding downstream calls.
    pub service_time: Dist,
    /// Probability that a request fails by itself (a bug, a bad input). Default 0.
    #[serde(default)]
    pub error_rate: f64,
    /// Memory model; exceeding the limit crashes the instance (OOM). Default: not modelled.
    #[serde(default)]
    pub memory: Option<Memory>,
    /// Time from a crash until the instance serves again. Default `"10s"`.
    #[serde(default = "default_restart_delay")]
    pub restart_delay: Duration,
    /// Failures of each instance (independently). Default: instances never fail by themselves.
    #[serde(default)]
    pub failure: Option<Failure>,
    /// Whether downstream calls go one after another or all at once. Default `Sequential`.
    #[serde(default)]
    pub fan_out: FanOut,
    /// Downstream calls made while handling each request, in order. Default none.
    #[serde(default)]
    pub calls: Vec<Call>,
    /// How callers pick one of its instances. Default round-robin, no health checks.
    #[serde(default)]
    pub load_balancer: LoadBalancer,
    /// Server-side rate limit, per instance. Default none.
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
    /// Load shedding on backlog length or queueing time. Default none.
    #[serde(default)]
    pub shedding: Option<Shedding>,
    /// Horizontal autoscaling. Default none (fixed instance count).
    #[serde(default)]
    pub autoscaler: Option<Autoscaler>,
}

fn one_u32() -> u32 {
    1
}
fn default_workers() -> u32 {
    8
}
fn default_backlog() -> u32 {
    64
}
fn default_restart_delay() -> Duration {
    Duration::from_secs(10)
}

/// Whether a service's downstream calls run one after another or concurrently.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum FanOut {
    /// One after another; the request's time is the sum. The default.
    #[default]
    Sequential,
    /// All at once; the request's time is the slowest.
    Parallel,
}

/// Memory per instance: `base + per_request × in-flight`, crashing (OOM) above `limit`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Memory {
    /// Resident memory of an idle instance.
    pub base: Bytes,
    /// Extra memory per request held (working or waiting). Default 0.
    #[serde(default)]
    pub per_request: Bytes,
    /// The container limit; above it the instance is OOM-killed and restarts.
    pub limit: Bytes,
}

/// A call from a service to a dependency (a service, queue, datastore, cache or external).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Call {
    /// Name of the dependency.
    pub to: String,
    /// Synchronous (wait for the answer) or asynchronous (fire and forget, or enqueue). Default `Sync`.
    #[serde(default)]
    pub mode: CallMode,
    /// Whether the request fails when this call fails. `false` makes it optional: its
    /// failure only degrades the response. Default `true`.
    #[serde(default = "yes")]
    pub required: bool,
    /// Endpoints whose requests make this call. Default: all that reach this service.
    #[serde(default)]
    pub only_for: Vec<String>,
    /// Fraction of requests that make this call. Default 1.
    #[serde(default = "one_f64")]
    pub probability: f64,
    /// Read or write; matters for datastores (writes go to the primary). Default `Read`.
    #[serde(default)]
    pub operation: Operation,
    /// The caller gives up after this long (the callee keeps working). Default: waits forever.
    #[serde(default)]
    pub timeout: Option<Duration>,
    /// Retries of failed attempts. Default: no retries.
    #[serde(default)]
    pub retry: Option<Retry>,
    /// Circuit breaker in front of the dependency. Default none.
    #[serde(default)]
    pub breaker: Option<Breaker>,
    /// A separate concurrency pool for this call. Default none (shares the caller's workers).
    #[serde(default)]
    pub bulkhead: Option<Bulkhead>,
    /// What an optional call answers with when it fails. Only for `required: false`. Default `Default`.
    #[serde(default)]
    pub fallback: Option<Fallback>,
    /// Pass the remaining time budget downstream, so expired work is dropped. Default false.
    #[serde(default)]
    pub propagate_deadline: bool,
    /// Client-side adaptive throttling (Google SRE). Default none.
    #[serde(default)]
    pub throttle: Option<Throttle>,
    /// Time this call's query takes on a datastore, instead of the store's `read_time` or
    /// `write_time` (a report's table scan, a batch job's bulk update). Default: the store's.
    #[serde(default)]
    pub query_time: Option<Dist>,
}

fn yes() -> bool {
    true
}
fn one_f64() -> f64 {
    1.0
}

/// Whether the caller waits for the call's answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum CallMode {
    /// Wait for the answer. The default.
    #[default]
    Sync,
    /// Do not wait: enqueue to a queue, or fire and forget.
    Async,
}

/// Read or write, for datastores.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum Operation {
    /// A read: served by the primary, or a replica when the datastore allows. The default.
    #[default]
    Read,
    /// A write: served by the primary only.
    Write,
}

/// Retries of a call or of a client request.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Retry {
    /// Attempts in all, the first included (3 = one try and two retries). Default 3.
    #[serde(default = "default_attempts")]
    pub max_attempts: u32,
    /// Wait between attempts. Default: none, retry at once.
    #[serde(default)]
    pub backoff: Option<Backoff>,
    /// Limit on retries relative to requests. Default: none.
    #[serde(default)]
    pub budget: Option<RetryBudget>,
}

fn default_attempts() -> u32 {
    3
}

/// Capped exponential backoff: attempt n waits `min(cap, base·2^(n-1))`, then jitter.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Backoff {
    /// First wait. Default `"10ms"`.
    #[serde(default = "default_backoff_base")]
    pub base: Duration,
    /// Longest wait. Default `"1s"`.
    #[serde(default = "default_backoff_cap")]
    pub cap: Duration,
    /// Randomisation of the wait. Default `None`.
    #[serde(default)]
    pub jitter: Jitter,
}

fn default_backoff_base() -> Duration {
    Duration::from_millis(10)
}
fn default_backoff_cap() -> Duration {
    Duration::from_secs(1)
}

/// Jitter on a backoff delay d (Brooker, AWS 2015).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum Jitter {
    /// Wait exactly d. The default.
    #[default]
    None,
    /// Wait U(0, d).
    Full,
    /// Wait d/2 + U(0, d/2).
    Equal,
    /// Wait min(cap, U(base, 3·previous)).
    Decorrelated,
}

/// A limit on retries (Google SRE).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum RetryBudget {
    /// Retry only while retries / requests over the window is below `ratio`.
    Ratio {
        /// Maximum retries per request, e.g. 0.1.
        ratio: f64,
        /// Window the ratio is counted over. Default `"1m"`.
        #[serde(default = "default_budget_window")]
        window: Duration,
    },
    /// A token bucket: each success adds `per_success` tokens (up to `capacity`), each retry takes one.
    TokenBucket {
        /// Tokens added per success, e.g. 0.1.
        per_success: f64,
        /// Most tokens held. Default 10.
        #[serde(default = "default_bucket_capacity")]
        capacity: f64,
    },
}

fn default_budget_window() -> Duration {
    Duration::from_secs(60)
}
fn default_bucket_capacity() -> f64 {
    10.0
}

/// Circuit breaker: closed → open (fail fast for `cool_down`) → half-open (`probes` trial calls).
///
/// Opens when, over `window`, failures reach `failure_threshold` or the failure ratio reaches
/// `failure_ratio` with at least `min_volume` calls. Give at least one of the two.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Breaker {
    /// Failures in the window that open it. Default: not used.
    #[serde(default)]
    pub failure_threshold: Option<u32>,
    /// Failure ratio in the window that opens it. Default: not used.
    #[serde(default)]
    pub failure_ratio: Option<f64>,
    /// Calls in the window before the ratio counts. Default 20.
    #[serde(default = "default_min_volume")]
    pub min_volume: u32,
    /// Window failures are counted over. Default `"10s"`.
    #[serde(default = "default_breaker_window")]
    pub window: Duration,
    /// Time spent open before probing. Default `"5s"`.
    #[serde(default = "default_cool_down")]
    pub cool_down: Duration,
    /// Trial calls let through when half-open; all must succeed to close. Default 1.
    #[serde(default = "one_u32")]
    pub probes: u32,
}

fn default_min_volume() -> u32 {
    20
}
fn default_breaker_window() -> Duration {
    Duration::from_secs(10)
}
fn default_cool_down() -> Duration {
    Duration::from_secs(5)
}

/// A separate concurrency pool for one call, so a slow dependency cannot take every worker.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Bulkhead {
    /// Calls in flight at once, per caller instance.
    pub max_concurrent: u32,
    /// Calls waiting for a slot; beyond it, rejected at once. Default 0 (reject).
    #[serde(default)]
    pub max_waiting: u32,
}

/// What an optional call answers with when it fails; the request then succeeds degraded.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum Fallback {
    /// A default or empty response, always available. The default.
    #[default]
    Default,
    /// A cached (stale) response, available for this fraction of requests; else the call fails.
    Cached {
        /// Fraction of requests for which a cached answer exists.
        hit_ratio: f64,
    },
}

/// Client-side adaptive throttling: reject locally with probability
/// `max(0, (requests − k·accepts) / (requests + 1))` over the window.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Throttle {
    /// Multiplier K. Default 2.
    #[serde(default = "default_throttle_k")]
    pub k: f64,
    /// Window requests and accepts are counted over. Default `"2m"`.
    #[serde(default = "default_throttle_window")]
    pub window: Duration,
}

fn default_throttle_k() -> f64 {
    2.0
}
fn default_throttle_window() -> Duration {
    Duration::from_secs(120)
}

/// How callers choose an instance, and how they learn which are healthy.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancer {
    /// Choice of instance. Default `RoundRobin`.
    #[serde(default)]
    pub policy: Policy,
    /// Active health checks; without them a crashed instance is found only by failed calls.
    /// Default none.
    #[serde(default)]
    pub health_check: Option<HealthCheck>,
}

/// Load-balancing policy.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum Policy {
    /// Each instance in turn. The default.
    #[default]
    RoundRobin,
    /// Uniformly at random.
    Random,
    /// The instance with the fewest requests in flight.
    LeastOutstanding,
    /// The less loaded of two random instances.
    PowerOfTwo,
    /// Prefer the caller's zone; spill to other zones when none is healthy there or the
    /// local utilisation is above `spill_over`.
    ZoneAffinity {
        /// Local utilisation above which requests spill to other zones, in (0, 1].
        spill_over: f64,
    },
    /// Long-lived connections (gRPC): each of `connections` is pinned to one instance when
    /// opened and carries an equal share of traffic, so load is skewed; connections to a
    /// crashed instance reconnect to the survivors.
    Pinned {
        /// Long-lived connections from all callers together.
        connections: u32,
        /// A few connections that carry most of the traffic (a few heavy clients). Default:
        /// every connection carries an equal share.
        #[serde(default)]
        hot: Option<HotConnections>,
    },
}

/// The heavy connections of a `Pinned` policy: the first `connections` of them carry
/// `share` of the requests between them; the others share the rest.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HotConnections {
    /// How many connections are hot, fewer than all.
    pub connections: u32,
    /// Fraction of the requests they carry, in (0, 1].
    pub share: f64,
}

/// Active health checking by the load balancer.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HealthCheck {
    /// Time between checks. Default `"5s"`.
    #[serde(default = "default_hc_interval")]
    pub interval: Duration,
    /// A check not answered within this fails. Default `"1s"`.
    #[serde(default = "default_hc_timeout")]
    pub timeout: Duration,
    /// Consecutive failed checks that take an instance out. Default 3.
    #[serde(default = "default_unhealthy_after")]
    pub unhealthy_after: u32,
    /// Consecutive passed checks that put it back. Default 2.
    #[serde(default = "default_healthy_after")]
    pub healthy_after: u32,
}

fn default_hc_interval() -> Duration {
    Duration::from_secs(5)
}
fn default_hc_timeout() -> Duration {
    Duration::from_secs(1)
}
fn default_unhealthy_after() -> u32 {
    3
}
fn default_healthy_after() -> u32 {
    2
}

/// A token-bucket rate limit; requests beyond it are rejected at once.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Sustained requests per second.
    pub rate: f64,
    /// Requests allowed in a burst above the rate. Default: one second's worth of `rate`.
    #[serde(default)]
    pub burst: Option<u32>,
}

/// Load shedding: reject new work when the backlog is long or old. Give at least one.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Shedding {
    /// Reject when this many requests are waiting. Default: not used.
    #[serde(default)]
    pub max_backlog: Option<u32>,
    /// Drop a request that waited longer than this when a worker takes it. Default: not used.
    #[serde(default)]
    pub max_queue_time: Option<Duration>,
}

/// Horizontal autoscaling on average utilisation and/or average memory; give at least one
/// target. With both, the larger of the two wanted counts wins (as a Kubernetes HPA with
/// two metrics does).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Autoscaler {
    /// Utilisation (busy workers / workers) the scaler aims for, in (0, 1]. Default: not used.
    #[serde(default)]
    pub target_utilisation: Option<f64>,
    /// Memory use (used / limit, averaged over the ready instances) the scaler aims for, in
    /// (0, 1]; needs the service's `memory`. Default: not used.
    #[serde(default)]
    pub target_memory: Option<f64>,
    /// Time between decisions. Default `"1m"`.
    #[serde(default = "default_as_interval")]
    pub interval: Duration,
    /// Time from a scale-up decision to a new instance serving. Default `"2m"`.
    #[serde(default = "default_as_delay")]
    pub provisioning_delay: Duration,
    /// Fewest instances.
    pub min: u32,
    /// Most instances.
    pub max: u32,
}

fn default_as_interval() -> Duration {
    Duration::from_secs(60)
}
fn default_as_delay() -> Duration {
    Duration::from_secs(120)
}

/// A message queue (broker): producers enqueue with async calls, a service consumes.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Queue {
    /// Unique name.
    pub name: String,
    /// Zones of its brokers; it serves while one is up.
    pub zones: Vec<String>,
    /// Messages held; an enqueue beyond it is dropped and counted as data loss.
    pub capacity: u32,
    /// Name of the consuming service.
    pub consumer: String,
    /// Messages the consumer works on at once. Default 1.
    #[serde(default = "one_u32")]
    pub concurrency: u32,
    /// A message not acknowledged within this is delivered again (at-least-once). Default `"30s"`.
    #[serde(default = "default_visibility")]
    pub visibility_timeout: Duration,
    /// Deliveries before a message goes to the dead-letter queue. Default 5.
    #[serde(default = "default_max_deliveries")]
    pub max_deliveries: u32,
    /// Time to accept an enqueue. Default `Fixed("1ms")`.
    #[serde(default = "default_enqueue_time")]
    pub enqueue_time: Dist,
    /// Failures of each broker. Default: never fails.
    #[serde(default)]
    pub failure: Option<Failure>,
}

fn default_visibility() -> Duration {
    Duration::from_secs(30)
}
fn default_max_deliveries() -> u32 {
    5
}
fn default_enqueue_time() -> Dist {
    Dist::Fixed(Duration::from_millis(1))
}

/// A datastore with a primary and replicas in zones.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Datastore {
    /// Unique name.
    pub name: String,
    /// Zone of the primary node.
    pub primary: String,
    /// Zones of the replica nodes. Default none.
    #[serde(default)]
    pub replicas: Vec<String>,
    /// How writes reach replicas. Default `Async(lag: Exp(mean: "100ms"))`.
    #[serde(default)]
    pub replication: Replication,
    /// Promotion of a replica when the primary fails. Default: automatic, 30s + 30s.
    #[serde(default)]
    pub failover: Failover,
    /// Time to serve a read. Default `LogNormal(median: "2ms", p99: "20ms")`.
    #[serde(default = "default_read_time")]
    pub read_time: Dist,
    /// Time to serve a write. Default `LogNormal(median: "5ms", p99: "50ms")`.
    #[serde(default = "default_write_time")]
    pub write_time: Dist,
    /// Connection pool shared by every caller; a call waits for a free connection. Default 100.
    #[serde(default = "default_connections")]
    pub connections: u32,
    /// Most calls waiting for a connection on one node; a call beyond it is rejected at once
    /// (a bounded pool queue). Default: unbounded, so calls wait until their caller gives up.
    #[serde(default)]
    pub max_waiting: Option<u32>,
    /// Processors of each node, shared by the queries it runs: a query that starts while
    /// more than `cpus` run on its node takes `running / cpus` times longer. Default:
    /// unlimited (queries never slow each other; only the pool bounds them).
    #[serde(default)]
    pub cpus: Option<u32>,
    /// Whether reads may be served by replicas. Default false.
    #[serde(default)]
    pub read_from_replicas: bool,
    /// Whether writes are held and replayed while no primary serves (instead of failing). Default false.
    #[serde(default)]
    pub buffer_writes: bool,
    /// Failures of each node. Default: never fails.
    #[serde(default)]
    pub failure: Option<Failure>,
}

fn default_read_time() -> Dist {
    Dist::LogNormal { median: Duration::from_millis(2), p99: Duration::from_millis(20) }
}
fn default_write_time() -> Dist {
    Dist::LogNormal { median: Duration::from_millis(5), p99: Duration::from_millis(50) }
}
fn default_connections() -> u32 {
    100
}

/// How writes reach a datastore's replicas.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum Replication {
    /// A write completes when every up replica has it: nothing is lost, writes wait longer.
    Sync,
    /// A write completes on the primary; replicas trail by `lag`, and a failover loses
    /// the writes inside it (RPO).
    Async {
        /// Replication lag.
        lag: Dist,
    },
    /// Synchronous to the replicas in the primary's region, asynchronous to the others: a
    /// zone loss loses nothing (an in-region replica is promoted), a region loss loses the
    /// writes inside the cross-region `lag`, and writes wait for in-region round trips only.
    SyncInRegion {
        /// Lag of the replicas in other regions.
        lag: Dist,
    },
}

impl Default for Replication {
    fn default() -> Self {
        Replication::Async { lag: Dist::Exp { mean: Duration::from_millis(100) } }
    }
}

/// Promotion of a replica after the primary fails: RTO = detection + promotion.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Failover {
    /// Whether a replica is promoted without an operator. Default true.
    #[serde(default = "yes")]
    pub automatic: bool,
    /// Time to notice the primary is gone. Default `"30s"`.
    #[serde(default = "default_detection")]
    pub detection: Duration,
    /// Time to promote a replica once noticed. Default `"30s"`.
    #[serde(default = "default_promotion")]
    pub promotion: Duration,
}

impl Default for Failover {
    fn default() -> Self {
        Failover { automatic: true, detection: default_detection(), promotion: default_promotion() }
    }
}

fn default_detection() -> Duration {
    Duration::from_secs(30)
}
fn default_promotion() -> Duration {
    Duration::from_secs(30)
}

/// A cache in front of a backend (a service or a datastore).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Cache {
    /// Unique name.
    pub name: String,
    /// Zones of its nodes; it serves while one is up.
    pub zones: Vec<String>,
    /// Fraction of lookups answered from the cache when warm.
    pub hit_ratio: f64,
    /// Name of the service or datastore that misses go to.
    pub backend: String,
    /// Time of a lookup. Default `Fixed("500us")`.
    #[serde(default = "default_lookup_time")]
    pub lookup_time: Dist,
    /// Time for the hit ratio to recover after a flush or outage (linear refill). Default `"5m"`.
    #[serde(default = "default_warmup")]
    pub warmup: Duration,
    /// Failures of each node. Default: never fails.
    #[serde(default)]
    pub failure: Option<Failure>,
}

fn default_lookup_time() -> Dist {
    Dist::Fixed(Duration::from_nanos(500_000))
}
fn default_warmup() -> Duration {
    Duration::from_secs(300)
}

/// A third-party dependency (a payment provider, an email API): outside our zones.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct External {
    /// Unique name.
    pub name: String,
    /// Its response time as seen from our services, network included.
    pub latency: Dist,
    /// Probability that a call fails. Default 0.
    #[serde(default)]
    pub error_rate: f64,
    /// Its outages. Default: never fails.
    #[serde(default)]
    pub failure: Option<Failure>,
    /// Its rate limit on our calls. Default none.
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
}

/// Something clients call: a name, the service where requests enter, and its SLO.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    /// Unique endpoint name.
    pub name: String,
    /// Name of the service where its requests enter.
    pub service: String,
    /// Its objective. Default none.
    #[serde(default)]
    pub slo: Option<Slo>,
}

/// A service level objective.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Slo {
    /// Minimum fraction of successful requests (degraded counts as success), e.g. 0.999.
    #[serde(default)]
    pub availability: Option<f64>,
    /// A latency objective. Default none.
    #[serde(default)]
    pub latency: Option<LatencySlo>,
    /// Period the error budget is counted over. Default `"30d"`.
    #[serde(default = "default_slo_window")]
    pub window: Duration,
}

fn default_slo_window() -> Duration {
    Duration::from_secs(30 * 86_400)
}

/// "p-th percentile of latency at most `max`".
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LatencySlo {
    /// Percentile in (0, 100), e.g. 99.0.
    pub percentile: f64,
    /// Its upper bound.
    pub max: Duration,
}

// ---------------------------------------------------------------------------------------
// Scenario
// ---------------------------------------------------------------------------------------

/// What happens to a topology: load, faults, what to measure and what must hold.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Name shown in reports.
    pub name: String,
    /// Free text. Default empty.
    #[serde(default)]
    pub description: String,
    /// Path of the topology file, relative to this scenario file.
    pub topology: String,
    /// Which seeds to run. Default `(first: 1, count: 20)`.
    #[serde(default)]
    pub seeds: Seeds,
    /// Simulated time of one run, warm-up included.
    pub duration: Duration,
    /// Initial time excluded from measurements. Default `"0"`.
    #[serde(default)]
    pub warmup: Duration,
    /// Client load, one entry per endpoint (or several).
    pub workloads: Vec<Workload>,
    /// Faults on a timeline. Default none.
    #[serde(default)]
    pub faults: Vec<FaultWindow>,
    /// Random failure processes. Default none.
    #[serde(default)]
    pub processes: Vec<Process>,
    /// Whether the topology's own `failure` settings (MTBF/MTTR) run as processes. Default false.
    #[serde(default)]
    pub component_failures: bool,
    /// Bounds on one run. Default: see [`Limits`].
    #[serde(default)]
    pub limits: Limits,
    /// Measurement settings. Default: see [`Metrics`].
    #[serde(default)]
    pub metrics: Metrics,
    /// What must hold, checked by `faultsim check`. Default none.
    #[serde(default)]
    pub hypotheses: Vec<Hypothesis>,
    /// Fault-space search for `faultsim check`. Default none.
    #[serde(default)]
    pub explore: Option<Explore>,
}

/// A range of seeds: `first`, `first + 1`, …, `first + count − 1`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Seeds {
    /// First seed. Default 1.
    #[serde(default = "one_u64")]
    pub first: u64,
    /// Number of seeds. Default 20.
    #[serde(default = "default_seed_count")]
    pub count: u64,
}

impl Default for Seeds {
    fn default() -> Self {
        Seeds { first: 1, count: default_seed_count() }
    }
}

fn one_u64() -> u64 {
    1
}
fn default_seed_count() -> u64 {
    20
}

/// Load on one endpoint.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Workload {
    /// Endpoint name.
    pub endpoint: String,
    /// How requests arrive.
    pub arrivals: Arrivals,
    /// How clients behave: timeout and retries. Default: wait forever, no retries.
    #[serde(default)]
    pub client: Option<Client>,
}

/// How requests arrive.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum Arrivals {
    /// Open loop: a Poisson process at `rate` requests per second, shaped over time.
    Poisson {
        /// Requests per second (before the profile's factor).
        rate: f64,
        /// Variation of the rate over time. Default `Constant`.
        #[serde(default)]
        profile: Profile,
    },
    /// Closed loop: `clients` users each send a request, wait for it, think, repeat.
    ClosedLoop {
        /// Number of users.
        clients: u32,
        /// Time between a response and the next request.
        think_time: Dist,
    },
    /// Arrival times replayed from a CSV file (one time offset per line, e.g. `1.25s`).
    Trace {
        /// Path of the CSV file, relative to the scenario file.
        file: String,
        /// Playback speed (2 = twice as fast). Default 1.
        #[serde(default = "one_f64")]
        speed: f64,
    },
}

/// Variation of an open-loop rate over time.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum Profile {
    /// The same rate throughout. The default.
    #[default]
    Constant,
    /// The rate times `factor` from `at` on.
    Step {
        /// When the step happens.
        at: Duration,
        /// Multiplier after it (> 0).
        factor: f64,
    },
    /// The rate times `factor` from `at` for `duration`.
    Spike {
        /// Start of the spike.
        at: Duration,
        /// Length of the spike.
        duration: Duration,
        /// Multiplier during it (> 0).
        factor: f64,
    },
    /// A sine: `rate × (1 + amplitude·cos(2π(t − peak_at)/period))`.
    Diurnal {
        /// Length of a cycle. Default `"24h"`.
        #[serde(default = "default_period")]
        period: Duration,
        /// Relative swing in [0, 1].
        amplitude: f64,
        /// Time of the peak within the cycle. Default `"0"`.
        #[serde(default)]
        peak_at: Duration,
    },
}

fn default_period() -> Duration {
    Duration::from_secs(86_400)
}

/// Client behaviour of a workload.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Client {
    /// The client gives up after this. Default: waits forever.
    #[serde(default)]
    pub timeout: Option<Duration>,
    /// Client retries. Default none.
    #[serde(default)]
    pub retry: Option<Retry>,
}

/// A fault active from `start` for `duration` (then reverted), or to the end.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FaultWindow {
    /// Label shown in reports. Default: derived from the fault.
    #[serde(default)]
    pub name: Option<String>,
    /// When it starts.
    pub start: Duration,
    /// How long it lasts. Default: to the end of the run.
    #[serde(default)]
    pub duration: Option<Duration>,
    /// What happens.
    pub fault: Fault,
}

/// A component, a place or a link that a fault acts on.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum Target {
    /// One instance of a service: `Instance("checkout", 0)` (index from 0).
    Instance(String, u32),
    /// Every instance of a service.
    Service(String),
    /// Everything placed in a zone.
    Zone(String),
    /// Every zone of a region.
    Region(String),
    /// A queue.
    Queue(String),
    /// A datastore (its primary, for crashes).
    Datastore(String),
    /// A cache.
    Cache(String),
    /// A third-party external.
    External(String),
    /// The network between two zones, two regions or two components (both ways).
    Link(String, String),
}

/// What a fault does. Reverted when its window ends (crash → restart, partition → heal…).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum Fault {
    /// The target crashes (in-flight work is lost) and restarts when the window ends.
    Crash(Target),
    /// Traffic between two sets of zones or components is cut.
    Partition {
        /// One side: zones, regions or components.
        side_a: Vec<Target>,
        /// The other side.
        side_b: Vec<Target>,
        /// `Both` ways, or `OneWay` (only a → b is cut). Default `Both`.
        #[serde(default)]
        direction: Direction,
        /// `Drop` (callers time out) or `Refuse` (callers fail fast). Default `Drop`.
        #[serde(default)]
        mode: PartitionMode,
    },
    /// Extra latency on every response of a component, or on every message on a link.
    Latency {
        /// Component or link.
        target: Target,
        /// The added delay.
        add: Dist,
    },
    /// Messages lost with this probability (the caller times out).
    PacketLoss {
        /// Component or link.
        target: Target,
        /// Loss probability.
        probability: f64,
    },
    /// Requests fail with this probability (injected errors).
    Errors {
        /// Component.
        target: Target,
        /// Error probability.
        probability: f64,
    },
    /// Service time multiplied by `factor` (a gray failure).
    Slowdown {
        /// Component.
        target: Target,
        /// Multiplier (> 1 is slower).
        factor: f64,
    },
    /// A fraction of capacity removed: workers, or speed.
    CapacityCut {
        /// Component.
        target: Target,
        /// Fraction removed, in (0, 1].
        fraction: f64,
        /// `Workers` or `Speed`. Default `Workers`.
        #[serde(default)]
        of: Capacity,
    },
    /// Memory grows by `per_second` on every affected instance until OOM or the window ends.
    MemoryLeak {
        /// Service or instance.
        target: Target,
        /// Growth per second.
        per_second: Bytes,
    },
    /// A new version with an error rate on a fraction of instances (a canary or a full rollout).
    BadDeploy {
        /// Service name.
        service: String,
        /// Fraction of its instances that get the new version, in (0, 1].
        fraction: f64,
        /// Error probability of the new version.
        error_rate: f64,
    },
    /// The cache loses its contents; the hit ratio refills over its warm-up.
    CacheFlush(String),
    /// A third-party external is down.
    Outage(String),
}

/// Direction of a partition.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum Direction {
    /// Both ways. The default.
    #[default]
    Both,
    /// Only from `side_a` to `side_b`.
    OneWay,
}

/// How a partition fails messages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum PartitionMode {
    /// Messages vanish: callers wait for their timeout. The default.
    #[default]
    Drop,
    /// Connections are refused: callers fail fast.
    Refuse,
}

/// Which capacity a capacity cut removes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum Capacity {
    /// Workers (threads); the default.
    #[default]
    Workers,
    /// Speed (CPU): service time divided by `1 − fraction`.
    Speed,
}

/// A random failure process on one target: crashes with MTBF, restarts with MTTR.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Process {
    /// What fails.
    pub target: Target,
    /// How often and for how long.
    pub failure: Failure,
}

/// Bounds on one run; reaching one ends the run with a message naming it.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Events processed. Default 500,000,000.
    #[serde(default = "default_max_events")]
    pub max_events: u64,
    /// Simulated time, draining included. Default: the duration plus one minute.
    #[serde(default)]
    pub max_time: Option<Duration>,
    /// Requests in flight at once (a memory bound). Default 1,000,000.
    #[serde(default = "default_max_in_flight")]
    pub max_in_flight: u64,
    /// Events pending at once in the calendar (a memory bound), at most 16,777,216.
    /// Default 16,777,216.
    #[serde(default = "default_max_pending_events")]
    pub max_pending_events: u64,
    /// Most time-series buckets per series, a memory bound: every endpoint and service keeps
    /// one series. A run needing more at `metrics.bucket` uses a wider bucket. Default 4,096.
    #[serde(default = "default_max_buckets")]
    pub max_buckets: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_events: default_max_events(),
            max_time: None,
            max_in_flight: default_max_in_flight(),
            max_pending_events: default_max_pending_events(),
            max_buckets: default_max_buckets(),
        }
    }
}

fn default_max_events() -> u64 {
    500_000_000
}
fn default_max_in_flight() -> u64 {
    1_000_000
}
fn default_max_pending_events() -> u64 {
    crate::engine::calendar::MAX_PENDING as u64
}
fn default_max_buckets() -> u64 {
    4_096
}

/// Measurement settings.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Metrics {
    /// Width of the time-series buckets. Default `"1s"`.
    #[serde(default = "default_bucket")]
    pub bucket: Duration,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics { bucket: default_bucket() }
    }
}

fn default_bucket() -> Duration {
    Duration::from_secs(1)
}

/// A claim checked on every seed; it holds when enough seeds pass.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Hypothesis {
    /// Label in verdicts. Default: derived from the check.
    #[serde(default)]
    pub name: Option<String>,
    /// What is checked on each seed.
    pub check: Check,
    /// Fraction of seeds that must pass, in (0, 1]. Default 0.95.
    #[serde(default = "default_seeds_passing")]
    pub seeds_passing: f64,
    /// The part of the run it is judged on. Default: the whole measured run.
    #[serde(default)]
    pub scope: Scope,
}

/// The part of a run a hypothesis is judged on.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum Scope {
    /// The whole measured run (after the warm-up).
    #[default]
    Run,
    /// While the named fault window is on: `During("zone a lost")`.
    During(String),
    /// From the named fault window's end to the end of the run (the recovery):
    /// `After("zone a lost")`.
    After(String),
    /// An explicit window of simulated time: `Between(from: "2m", to: "5m")`.
    Between {
        /// Start.
        from: Duration,
        /// End.
        to: Duration,
    },
}

fn default_seeds_passing() -> f64 {
    0.95
}

/// A per-seed check.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum Check {
    /// The endpoint's request availability is at least `at_least`.
    Availability {
        /// Endpoint name.
        endpoint: String,
        /// Minimum availability, in [0, 1].
        at_least: f64,
    },
    /// The endpoint's latency percentile is at most `at_most`.
    Latency {
        /// Endpoint name.
        endpoint: String,
        /// Percentile in (0, 100).
        percentile: f64,
        /// Upper bound.
        at_most: Duration,
    },
    /// No message or write is lost.
    NoDataLoss,
    /// Goodput returns to its pre-fault level within `within` after each fault ends.
    RecoversWithin {
        /// Endpoint name.
        endpoint: String,
        /// Deadline after each fault ends.
        within: Duration,
    },
    /// At most `services` services that were not faulted become unhealthy.
    NoCascadeBeyond {
        /// Number of services.
        services: u32,
    },
    /// The SLO's error budget burned in the run is at most `at_most` (1 = the whole budget).
    ErrorBudgetBurn {
        /// Endpoint name (its SLO must give an availability).
        endpoint: String,
        /// Maximum burn.
        at_most: f64,
    },
}

/// Kinds of fault, for the fault-space search.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum FaultKind {
    /// [`Fault::Crash`].
    Crash,
    /// [`Fault::Partition`].
    Partition,
    /// [`Fault::Latency`].
    Latency,
    /// [`Fault::PacketLoss`].
    PacketLoss,
    /// [`Fault::Errors`].
    Errors,
    /// [`Fault::Slowdown`].
    Slowdown,
    /// [`Fault::CapacityCut`].
    CapacityCut,
    /// [`Fault::MemoryLeak`].
    MemoryLeak,
    /// [`Fault::BadDeploy`].
    BadDeploy,
    /// [`Fault::CacheFlush`].
    CacheFlush,
    /// [`Fault::Outage`].
    Outage,
}

/// Fault-space search: random schedules of up to `max_faults` faults within a window.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Explore {
    /// Fault kinds to draw from. Default: crash, partition, latency.
    #[serde(default = "default_explore_kinds")]
    pub kinds: Vec<FaultKind>,
    /// Targets to draw from. Default: every service, zone, queue, datastore, cache and external.
    #[serde(default)]
    pub targets: Vec<Target>,
    /// Most faults in one schedule. Default 2.
    #[serde(default = "default_max_faults")]
    pub max_faults: u32,
    /// Earliest fault start. Default: the warm-up end.
    #[serde(default)]
    pub start: Option<Duration>,
    /// Latest fault end. Default: the scenario's end.
    #[serde(default)]
    pub end: Option<Duration>,
    /// Shortest fault. Default `"10s"`.
    #[serde(default = "default_min_fault")]
    pub min_duration: Duration,
    /// Longest fault. Default `"5m"`.
    #[serde(default = "default_max_fault")]
    pub max_duration: Duration,
    /// Schedules to try. Default 100.
    #[serde(default = "default_cases")]
    pub cases: u32,
}

fn default_explore_kinds() -> Vec<FaultKind> {
    vec![FaultKind::Crash, FaultKind::Partition, FaultKind::Latency]
}
fn default_max_faults() -> u32 {
    2
}
fn default_min_fault() -> Duration {
    Duration::from_secs(10)
}
fn default_max_fault() -> Duration {
    Duration::from_secs(300)
}
fn default_cases() -> u32 {
    100
}
