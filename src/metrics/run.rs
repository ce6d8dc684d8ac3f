//! What one run measured: per endpoint, per service, the instance timeline, a time
//! series in fixed buckets, and the trace fingerprint.
//!
//! Everything here is an integer count, an integer time or an HDR histogram, so results
//! of many runs merge exactly. Nothing before the warm-up counts: endpoint figures count
//! the client requests that *arrive* after it; service figures (calls, retries, rejects,
//! wasted work, utilisation) count what *happens* after it.

use serde::{Deserialize, Serialize};

use super::{Fingerprint, LatencyHistogram};
use crate::scenario::Scenario;

/// Why a call, or a client request, failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Cause {
    /// The caller gave up waiting (its timeout), or the message was lost.
    Timeout,
    /// The callee was full (backlog) and turned the request away at once.
    Rejected,
    /// Nothing could take the request: no instance in rotation, crashed, partitioned away.
    Unavailable,
    /// The callee answered with an error (its own, injected, or a failed dependency's).
    Error,
    /// Still unanswered when the run ended.
    Unfinished,
    /// The caller's circuit breaker was open (or half-open with its probes out): failed fast.
    BreakerOpen,
    /// The caller's bulkhead for this dependency was full (and its waiting room too).
    BulkheadFull,
    /// The callee's token-bucket rate limit turned the request away.
    RateLimited,
    /// The callee shed the request: its backlog was too long, or the request waited too long.
    Shed,
    /// The caller's adaptive throttle rejected the request locally.
    Throttled,
    /// The request's propagated deadline had passed when a worker would have taken it.
    DeadlineExceeded,
}

impl Cause {
    /// Every cause, in report order.
    pub const ALL: [Cause; 11] = [
        Cause::Timeout,
        Cause::Rejected,
        Cause::Unavailable,
        Cause::Error,
        Cause::Unfinished,
        Cause::BreakerOpen,
        Cause::BulkheadFull,
        Cause::RateLimited,
        Cause::Shed,
        Cause::Throttled,
        Cause::DeadlineExceeded,
    ];

    /// The causes produced by resilience patterns (fast failures by design), in report order.
    pub const PATTERNS: [Cause; 6] = [
        Cause::BreakerOpen,
        Cause::BulkheadFull,
        Cause::RateLimited,
        Cause::Shed,
        Cause::Throttled,
        Cause::DeadlineExceeded,
    ];

    /// Position in [`Cause::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Lowercase name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Cause::Timeout => "timeout",
            Cause::Rejected => "rejected",
            Cause::Unavailable => "unavailable",
            Cause::Error => "error",
            Cause::Unfinished => "unfinished",
            Cause::BreakerOpen => "breaker open",
            Cause::BulkheadFull => "bulkhead full",
            Cause::RateLimited => "rate limited",
            Cause::Shed => "shed",
            Cause::Throttled => "throttled",
            Cause::DeadlineExceeded => "deadline exceeded",
        }
    }

    /// Whether a retry of an attempt that failed this way can help. The caller's own
    /// breaker, bulkhead and throttle reject locally by design (retrying would defeat
    /// them), and an expired deadline stays expired.
    pub fn retryable(self) -> bool {
        !matches!(self, Cause::BreakerOpen | Cause::BulkheadFull | Cause::Throttled | Cause::DeadlineExceeded)
    }
}

/// Failed requests by cause.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Failures {
    /// The client's timeout, or a lost message.
    pub timeout: u64,
    /// Turned away by a full backlog.
    pub rejected: u64,
    /// Nothing could serve it (crashed, partitioned, no instance in rotation).
    pub unavailable: u64,
    /// An error answer.
    pub error: u64,
    /// Unanswered when the run ended.
    pub unfinished: u64,
    /// Failed fast by an open circuit breaker.
    #[serde(default)]
    pub breaker_open: u64,
    /// Turned away by a full bulkhead.
    #[serde(default)]
    pub bulkhead_full: u64,
    /// Turned away by a rate limit.
    #[serde(default)]
    pub rate_limited: u64,
    /// Shed by an overloaded service.
    #[serde(default)]
    pub shed: u64,
    /// Rejected locally by adaptive throttling.
    #[serde(default)]
    pub throttled: u64,
    /// Dropped because its propagated deadline had passed.
    #[serde(default)]
    pub deadline_exceeded: u64,
}

impl Failures {
    /// Adds one failure of `cause`.
    pub fn add(&mut self, cause: Cause) {
        match cause {
            Cause::Timeout => self.timeout += 1,
            Cause::Rejected => self.rejected += 1,
            Cause::Unavailable => self.unavailable += 1,
            Cause::Error => self.error += 1,
            Cause::Unfinished => self.unfinished += 1,
            Cause::BreakerOpen => self.breaker_open += 1,
            Cause::BulkheadFull => self.bulkhead_full += 1,
            Cause::RateLimited => self.rate_limited += 1,
            Cause::Shed => self.shed += 1,
            Cause::Throttled => self.throttled += 1,
            Cause::DeadlineExceeded => self.deadline_exceeded += 1,
        }
    }

    /// Failures of one cause.
    pub fn get(&self, cause: Cause) -> u64 {
        match cause {
            Cause::Timeout => self.timeout,
            Cause::Rejected => self.rejected,
            Cause::Unavailable => self.unavailable,
            Cause::Error => self.error,
            Cause::Unfinished => self.unfinished,
            Cause::BreakerOpen => self.breaker_open,
            Cause::BulkheadFull => self.bulkhead_full,
            Cause::RateLimited => self.rate_limited,
            Cause::Shed => self.shed,
            Cause::Throttled => self.throttled,
            Cause::DeadlineExceeded => self.deadline_exceeded,
        }
    }

    /// Adds another set of counts (exact, for merging seeds).
    pub fn merge(&mut self, other: &Failures) {
        self.timeout += other.timeout;
        self.rejected += other.rejected;
        self.unavailable += other.unavailable;
        self.error += other.error;
        self.unfinished += other.unfinished;
        self.breaker_open += other.breaker_open;
        self.bulkhead_full += other.bulkhead_full;
        self.rate_limited += other.rate_limited;
        self.shed += other.shed;
        self.throttled += other.throttled;
        self.deadline_exceeded += other.deadline_exceeded;
    }

    /// All failures.
    pub fn total(&self) -> u64 {
        Cause::ALL.iter().map(|&c| self.get(c)).sum()
    }
}

/// Bins of [`LatencyBins`].
pub const LATENCY_BINS: usize = 64;
/// The lowest bin's lower bound (ns): everything faster counts in it.
const BIN_FLOOR_NS: f64 = 1e5;
/// Decades the bins span above the floor (100 µs to 100 s); slower counts in the last bin.
const BIN_DECADES: f64 = 6.0;

/// A coarse latency histogram for one time bucket: 64 log-spaced bins from 100 µs to 100 s,
/// each about 24% wide, so percentiles over time cost a few hundred bytes per bucket and
/// still merge exactly (integer counts). Serialised sparsely, as `[bin, count]` pairs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LatencyBins(pub [u32; LATENCY_BINS]);

impl Default for LatencyBins {
    fn default() -> Self {
        LatencyBins([0; LATENCY_BINS])
    }
}

impl LatencyBins {
    /// The bin of a latency: a binary search over the bins' lower bounds (computed once),
    /// because a logarithm per served request showed in the engine benchmark.
    pub fn bin_of(ns: u64) -> usize {
        static BOUNDS: std::sync::OnceLock<[u64; LATENCY_BINS]> = std::sync::OnceLock::new();
        let bounds = BOUNDS.get_or_init(|| std::array::from_fn(|i| Self::lower_ns(i).ceil() as u64));
        // Bounds[0] is the floor; bin i holds [bounds[i], bounds[i + 1]).
        bounds.partition_point(|&b| b <= ns).saturating_sub(1)
    }

    /// The lower bound of bin `i` (ns).
    pub fn lower_ns(i: usize) -> f64 {
        BIN_FLOOR_NS * 10f64.powf(i as f64 * BIN_DECADES / LATENCY_BINS as f64)
    }

    /// Counts one latency.
    pub fn record(&mut self, ns: u64) {
        let b = &mut self.0[Self::bin_of(ns)];
        *b = b.saturating_add(1);
    }

    /// Adds another bucket's counts.
    pub fn add(&mut self, other: &LatencyBins) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a = a.saturating_add(*b);
        }
    }

    /// Latencies counted.
    pub fn count(&self) -> u64 {
        self.0.iter().map(|&c| u64::from(c)).sum()
    }

    /// The `p`-th percentile (0..100) as the geometric middle of the bin holding it (ns), or
    /// `None` when empty. Accurate to about ±12%.
    pub fn percentile_ns(&self, p: f64) -> Option<u64> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let rank = ((p / 100.0) * n as f64).ceil().max(1.0) as u64;
        let mut seen = 0u64;
        for (i, &c) in self.0.iter().enumerate() {
            seen += u64::from(c);
            if seen >= rank {
                return Some((Self::lower_ns(i) * Self::lower_ns(i + 1)).sqrt().round() as u64);
            }
        }
        None
    }
}

impl Serialize for LatencyBins {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let nonzero = self.0.iter().filter(|&&c| c > 0).count();
        let mut seq = s.serialize_seq(Some(nonzero))?;
        for (i, &c) in self.0.iter().enumerate().filter(|(_, &c)| c > 0) {
            seq.serialize_element(&(i as u32, c))?;
        }
        seq.end()
    }
}

impl schemars::JsonSchema for LatencyBins {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "LatencyBins".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "The non-empty latency bins as `[bin, count]` pairs, in bin order.",
            "type": "array",
            "items": {
                "type": "array",
                "prefixItems": [
                    { "type": "integer", "minimum": 0, "maximum": LATENCY_BINS - 1 },
                    { "type": "integer", "minimum": 1 }
                ],
                "minItems": 2,
                "maxItems": 2
            }
        })
    }
}

impl<'de> Deserialize<'de> for LatencyBins {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let pairs: Vec<(u32, u32)> = Vec::deserialize(d)?;
        let mut bins = LatencyBins::default();
        for (i, c) in pairs {
            let slot = bins
                .0
                .get_mut(i as usize)
                .ok_or_else(|| serde::de::Error::custom(format!("latency bin {i} out of range")))?;
            *slot = c;
        }
        Ok(bins)
    }
}

/// Completions in one time bucket (by completion time).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Bucket {
    /// Served (degraded included).
    pub served: u64,
    /// Failed.
    pub failed: u64,
    /// Sum of the latencies of the served requests (ns), for the mean latency over time.
    pub served_latency_ns: u64,
    /// Latencies of the served requests, coarsely binned, for percentiles over time.
    pub latency: LatencyBins,
}

/// One endpoint's measurements.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct EndpointMetrics {
    /// Endpoint name.
    pub name: String,
    /// Requests that arrived after the warm-up.
    pub requests: u64,
    /// Served in full.
    pub ok: u64,
    /// Served degraded (an optional dependency failed).
    pub degraded: u64,
    /// Failed, by cause.
    pub failed: Failures,
    /// Latency of served requests (ns).
    pub latency: LatencyHistogram,
    /// Completions per bucket from time 0 (measured requests only).
    pub series: Vec<Bucket>,
}

impl EndpointMetrics {
    /// Served / requests (1 when there were none).
    pub fn availability(&self) -> f64 {
        let finished = self.ok + self.degraded + self.failed.total();
        if finished == 0 {
            return 1.0;
        }
        (self.ok + self.degraded) as f64 / finished as f64
    }

    /// The buckets `[from, to)` (ns) overlaps, with buckets `bucket_ns` wide: a window is
    /// measured to the bucket, widened outwards (requests by completion time).
    pub fn window_buckets(&self, bucket_ns: u64, from_ns: u64, to_ns: u64) -> &[Bucket] {
        let b = bucket_ns.max(1);
        let first = (from_ns / b) as usize;
        let last = (to_ns.div_ceil(b) as usize).min(self.series.len());
        self.series.get(first..last).unwrap_or(&[])
    }

    /// Served and failed requests completing in the window `[from, to)` (ns).
    pub fn window_counts(&self, bucket_ns: u64, from_ns: u64, to_ns: u64) -> (u64, u64) {
        self.window_buckets(bucket_ns, from_ns, to_ns).iter().fold((0, 0), |(a, f), x| (a + x.served, f + x.failed))
    }

    /// Latencies of the requests served in the window `[from, to)` (ns), binned.
    pub fn window_latency(&self, bucket_ns: u64, from_ns: u64, to_ns: u64) -> LatencyBins {
        let mut bins = LatencyBins::default();
        for x in self.window_buckets(bucket_ns, from_ns, to_ns) {
            bins.add(&x.latency);
        }
        bins
    }
}

/// One service's measurements (all its instances together).
#[derive(Clone, Debug, Default, Serialize, schemars::JsonSchema)]
pub struct ServiceMetrics {
    /// Service name.
    pub name: String,
    /// Requests delivered to its instances (every attempt counts).
    pub received: u64,
    /// Downstream calls it made (first attempts).
    pub calls: u64,
    /// Retries it sent (attempts after the first) on its downstream calls.
    pub retries: u64,
    /// Requests its instances turned away (backlog full).
    pub rejected: u64,
    /// Service time spent on requests whose caller had already given up (ns).
    pub wasted_ns: u64,
    /// Busy worker time over the measured period (worker·ns).
    pub busy_worker_ns: u128,
    /// Available worker time over the measured period (worker·ns).
    pub capacity_worker_ns: u128,
    /// Longest backlog seen on one instance.
    pub backlog_max: u32,
    /// Time integral of the backlog length over all instances (request·ns).
    pub backlog_area: u128,
    /// Measured time (ns), for time averages.
    pub measured_ns: u64,
    /// What its resilience patterns did (its calls' breakers, bulkheads, throttles, budgets
    /// and fallbacks; its own rate limit, shedding and deadline drops).
    pub patterns: super::patterns::PatternCounts,
    /// Instances killed for exceeding their memory limit (OOM).
    pub oom_kills: u64,
    /// Highest memory seen on one instance (bytes; 0 without a memory model).
    pub memory_max_bytes: u64,
}

impl ServiceMetrics {
    /// Busy / available worker time.
    pub fn utilisation(&self) -> f64 {
        if self.capacity_worker_ns == 0 {
            return 0.0;
        }
        self.busy_worker_ns as f64 / self.capacity_worker_ns as f64
    }

    /// Mean backlog length per instance over the measured time.
    pub fn mean_backlog(&self, instances: u32) -> f64 {
        if self.measured_ns == 0 || instances == 0 {
            return 0.0;
        }
        self.backlog_area as f64 / self.measured_ns as f64 / f64::from(instances)
    }

    /// Attempts sent per downstream call (1 without retries).
    pub fn amplification(&self) -> f64 {
        if self.calls == 0 {
            return 1.0;
        }
        (self.calls + self.retries) as f64 / self.calls as f64
    }
}

/// An instance going down or coming up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct InstanceChange {
    /// When (ns).
    pub time_ns: u64,
    /// Global instance index.
    pub instance: u32,
    /// Up after the change.
    pub up: bool,
}

/// Everything one run measured.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct RunMetrics {
    /// The seed.
    pub seed: u64,
    /// Events processed.
    pub events: u64,
    /// Simulated time when the run ended (ns).
    pub end_time_ns: u64,
    /// Width of the series buckets (ns).
    pub bucket_ns: u64,
    /// Per endpoint, in topology order.
    pub endpoints: Vec<EndpointMetrics>,
    /// Per service, in topology order.
    pub services: Vec<ServiceMetrics>,
    /// Retries sent by clients (per workload).
    pub client_retries: Vec<u64>,
    /// Instance down/up changes in time order: the first [`MAX_LOG_RECORDS`].
    pub timeline: Vec<InstanceChange>,
    /// Instance changes after the first [`MAX_LOG_RECORDS`], counted but not kept.
    #[serde(skip_serializing_if = "is_zero")]
    pub timeline_not_shown: u64,
    /// Instance crashes (down changes) over the whole run, kept or not; not serialised.
    #[serde(skip)]
    pub crashes: u64,
    /// Per queue, in topology order.
    pub queues: Vec<super::infra::QueueMetrics>,
    /// Per datastore, in topology order.
    pub datastores: Vec<super::infra::DatastoreMetrics>,
    /// Instance counts of autoscaled services over time (a row per change).
    pub scaling: Vec<super::infra::ScaleChange>,
    /// Per service, per time bucket from time 0: answers, failures and busy time (see
    /// [`super::health`]); not serialised.
    #[serde(skip)]
    pub service_series: Vec<Vec<super::health::ServiceBucket>>,
    /// Instances taken out of (`up: false`) or put back into (`up: true`) their load
    /// balancer's rotation by health checks, in time order: the first [`MAX_LOG_RECORDS`];
    /// not serialised.
    #[serde(skip)]
    pub rotation: Vec<InstanceChange>,
    /// Rotation changes after the first [`MAX_LOG_RECORDS`], counted but not kept.
    #[serde(skip)]
    pub rotation_not_shown: u64,
    /// Hash of every processed event (time, kind, ids): equal for equal runs.
    #[serde(serialize_with = "as_hex")]
    #[schemars(with = "String")]
    pub fingerprint: Fingerprint,
}

/// Most records kept in each per-run log ([`RunMetrics::timeline`], [`RunMetrics::rotation`]):
/// a run that crashes or flaps without end would otherwise grow them by one record per event.
/// Later records are counted, not kept; reports say how many were not shown.
pub const MAX_LOG_RECORDS: usize = 100_000;

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn as_hex<S: serde::Serializer>(f: &Fingerprint, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(f)
}

impl RunMetrics {
    /// Empty measurements for a run of `scenario`.
    pub fn new(scenario: &Scenario, seed: u64) -> RunMetrics {
        let t = &scenario.topology;
        let bucket_ns = scenario.series_bucket().as_nanos().max(1);
        let buckets = (scenario.limits.max_time.as_nanos() / bucket_ns + 1) as usize;
        RunMetrics {
            seed,
            events: 0,
            end_time_ns: 0,
            bucket_ns,
            endpoints: t
                .endpoints()
                .iter()
                .map(|e| EndpointMetrics {
                    name: e.name.clone(),
                    requests: 0,
                    ok: 0,
                    degraded: 0,
                    failed: Failures::default(),
                    latency: LatencyHistogram::new(),
                    series: vec![Bucket::default(); buckets],
                })
                .collect(),
            services: t
                .services()
                .iter()
                .map(|s| ServiceMetrics { name: s.name.clone(), ..ServiceMetrics::default() })
                .collect(),
            client_retries: vec![0; scenario.workloads.len()],
            timeline: Vec::new(),
            timeline_not_shown: 0,
            crashes: 0,
            queues: t
                .queues()
                .iter()
                .map(|q| super::infra::QueueMetrics { name: q.name.clone(), ..Default::default() })
                .collect(),
            datastores: t
                .datastores()
                .iter()
                .enumerate()
                .map(|(i, d)| super::infra::DatastoreMetrics {
                    name: d.name.clone(),
                    pool_size: d.connections,
                    pool: t
                        .pool_callers(crate::topology::DatastoreId(i as u32))
                        .into_iter()
                        .map(|s| super::infra::PoolUse { caller: t.service(s).name.clone(), ..Default::default() })
                        .collect(),
                    ..Default::default()
                })
                .collect(),
            scaling: Vec::new(),
            service_series: vec![vec![super::health::ServiceBucket::default(); buckets]; t.services().len()],
            rotation: Vec::new(),
            rotation_not_shown: 0,
            fingerprint: Fingerprint::new(),
        }
    }

    /// Logs an instance going down or coming back: kept while the timeline is short, counted after.
    pub fn record_instance_change(&mut self, change: InstanceChange) {
        self.crashes += u64::from(!change.up);
        if self.timeline.len() < MAX_LOG_RECORDS {
            self.timeline.push(change);
        } else {
            self.timeline_not_shown += 1;
        }
    }

    /// Logs a health check changing an instance's rotation: kept while the log is short, counted after.
    pub fn record_rotation(&mut self, change: InstanceChange) {
        if self.rotation.len() < MAX_LOG_RECORDS {
            self.rotation.push(change);
        } else {
            self.rotation_not_shown += 1;
        }
    }

    /// Data lost: messages dropped by full queues plus writes lost at failovers.
    pub fn data_lost(&self) -> u64 {
        self.queues.iter().map(|q| q.dropped).sum::<u64>() + self.datastores.iter().map(|d| d.writes_lost).sum::<u64>()
    }

    /// Requests arrived = served + failed + in flight, per endpoint: the conservation law.
    pub fn finished(&self, endpoint: usize) -> u64 {
        let e = &self.endpoints[endpoint];
        e.ok + e.degraded + e.failed.total()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_bins_find_percentiles_within_their_width() {
        let mut b = LatencyBins::default();
        for ms in 1..=100u64 {
            b.record(ms * 1_000_000);
        }
        let p50 = b.percentile_ns(50.0).expect("samples") as f64 / 1e6;
        let p99 = b.percentile_ns(99.0).expect("samples") as f64 / 1e6;
        assert!((p50 / 50.0 - 1.0).abs() < 0.13, "p50 {p50} ms");
        assert!((p99 / 99.0 - 1.0).abs() < 0.13, "p99 {p99} ms");
        assert_eq!(LatencyBins::bin_of(0), 0);
        assert_eq!(LatencyBins::bin_of(u64::MAX), LATENCY_BINS - 1);
        assert_eq!(LatencyBins::default().percentile_ns(50.0), None);
    }

    #[test]
    fn latency_bins_serialise_sparsely_and_exactly() {
        let mut b = LatencyBins::default();
        b.record(2_000_000);
        b.record(2_000_000);
        b.record(900_000_000);
        let json = serde_json::to_string(&b).expect("json");
        assert_eq!(json.matches('[').count(), 3, "two non-empty bins: {json}");
        let back: LatencyBins = serde_json::from_str(&json).expect("reads back");
        assert_eq!(back, b);
        assert!(serde_json::from_str::<LatencyBins>("[[64,1]]").is_err());
    }
}
