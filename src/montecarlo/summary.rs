//! The results of many seeds: what was run ([`Meta`]), what it produced ([`Partial`]), and
//! the statistics derived from those two alone ([`Results::build`]).
//!
//! Because the statistics are a pure function of (meta, data), a merged set of shards
//! recomputes exactly the bytes of an unsharded run. Intervals come from between-seed
//! variation (each seed is one independent replication) or, for the fraction of seeds
//! meeting an SLO, from the Wilson interval; percentiles come from the merged HDR
//! histograms and say how many samples they rest on.

use serde::{Deserialize, Serialize};

use super::partial::{Partial, SeedEndpoint};
use super::Shard;
use crate::metrics::patterns::PatternCounts;
use crate::metrics::run::Failures;
use crate::scenario::{Inputs, Scenario};
use crate::spec;
use crate::stats::{self, Estimate};

/// Version of the results layout; bumped on incompatible changes (see [`crate::schema`]).
pub const SCHEMA_VERSION: u32 = crate::schema::Kind::Run.version();
/// The `kind` of a run results file.
pub const KIND: &str = crate::schema::Kind::Run.name();
/// Confidence level of every interval.
pub const LEVEL: f64 = 0.95;

/// An endpoint as the results need it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EndpointMeta {
    /// Name.
    pub name: String,
    /// Its SLO, if any.
    pub slo: Option<SloMeta>,
}

/// An endpoint's objective as results record it: the topology's `Slo`, with its durations in
/// nanoseconds like every other duration in JSON output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SloMeta {
    /// Minimum fraction of successful requests, if any.
    pub availability: Option<f64>,
    /// The latency objective, if any.
    pub latency: Option<LatencyObjective>,
    /// Period the error budget is counted over (ns).
    pub window_ns: u64,
}

/// "p-th percentile of latency at most `max_ns`".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LatencyObjective {
    /// Percentile in (0, 100).
    pub percentile: f64,
    /// Its upper bound (ns).
    pub max_ns: u64,
}

impl From<&spec::Slo> for SloMeta {
    fn from(s: &spec::Slo) -> SloMeta {
        SloMeta {
            availability: s.availability,
            latency: s
                .latency
                .as_ref()
                .map(|l| LatencyObjective { percentile: l.percentile, max_ns: l.max.as_nanos() }),
            window_ns: s.window.as_nanos(),
        }
    }
}

/// A scripted fault window, for shading plots made from a results file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FaultMeta {
    /// Its label.
    pub name: String,
    /// Start (ns).
    pub start_ns: u64,
    /// End (ns); the scenario's duration for a fault that lasts to the end.
    pub end_ns: u64,
}

/// What was run: enough to check that shards belong together and to derive statistics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Meta {
    /// faultsim version that produced the data.
    pub tool_version: String,
    /// Scenario name.
    pub scenario: String,
    /// Topology name.
    pub topology: String,
    /// Content hashes of the input files.
    pub inputs: Inputs,
    /// First seed of the whole range.
    pub first_seed: u64,
    /// Seeds in the whole range.
    pub seed_count: u64,
    /// This file's shard, if it holds one.
    pub shard: Option<Shard>,
    /// Warm-up (ns).
    pub warmup_ns: u64,
    /// Scenario duration (ns).
    pub duration_ns: u64,
    /// Series bucket width (ns).
    pub bucket_ns: u64,
    /// The bucket the scenario asked for (ns), when a long run widened it to `bucket_ns`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket_widened_from_ns: Option<u64>,
    /// Endpoints, in topology order.
    pub endpoints: Vec<EndpointMeta>,
    /// Service names, in topology order.
    pub services: Vec<String>,
    /// The scripted fault windows.
    pub faults: Vec<FaultMeta>,
    /// The scenario's hypotheses, in order.
    pub hypotheses: Vec<super::verdict::HypothesisMeta>,
    /// Endpoints whose path is one station with a closed form (see [`super::theory`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stations: Vec<super::theory::Station>,
}

impl Meta {
    /// The metadata of running `seed_count` seeds from `first_seed` of `scenario`.
    pub fn of(scenario: &Scenario, first_seed: u64, seed_count: u64, shard: Option<Shard>) -> Meta {
        let t = &scenario.topology;
        Meta {
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
            scenario: scenario.name.clone(),
            topology: t.name().to_owned(),
            inputs: scenario.inputs.clone(),
            first_seed,
            seed_count,
            shard,
            warmup_ns: scenario.warmup.as_nanos(),
            duration_ns: scenario.duration.as_nanos(),
            bucket_ns: scenario.series_bucket().as_nanos(),
            bucket_widened_from_ns: scenario.bucket_widened().then(|| scenario.bucket.as_nanos()),
            endpoints: t
                .endpoints()
                .iter()
                .map(|e| EndpointMeta { name: e.name.clone(), slo: e.slo.as_ref().map(SloMeta::from) })
                .collect(),
            services: t.services().iter().map(|s| s.name.clone()).collect(),
            faults: scenario
                .faults
                .iter()
                .map(|f| FaultMeta {
                    name: f.name.clone(),
                    start_ns: f.start.as_nanos(),
                    end_ns: f.end.unwrap_or(scenario.duration).as_nanos(),
                })
                .collect(),
            hypotheses: scenario.hypotheses.iter().map(|h| super::verdict::HypothesisMeta::of(h, scenario)).collect(),
            stations: super::theory::stations(scenario),
        }
    }
}

/// The fraction of seeds meeting an endpoint's SLO.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct SloStats {
    /// Seeds whose availability and latency met the SLO.
    pub seeds_meeting: u64,
    /// Their fraction with its Wilson interval.
    pub fraction: Estimate,
}

/// Latency of served requests over all seeds.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct LatencyStats {
    /// Samples the percentiles rest on.
    pub samples: u64,
    /// Mean (ns).
    pub mean_ns: u64,
    /// The mean of the per-seed mean latencies (ms), with its interval.
    pub mean_ms_per_seed: Estimate,
    /// Median (ns).
    pub p50_ns: u64,
    /// 90th percentile (ns).
    pub p90_ns: u64,
    /// 99th percentile (ns).
    pub p99_ns: u64,
    /// 99.9th percentile (ns).
    pub p999_ns: u64,
    /// Percentiles resting on too few samples to trust (e.g. "p99.9").
    pub too_few_samples: Vec<String>,
    /// The spread of the per-seed p99: smallest, median, largest (ns).
    pub p99_per_seed: [u64; 3],
}

/// One endpoint's statistics.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct EndpointStats {
    /// Name.
    pub name: String,
    /// Requests over all seeds.
    pub requests: u64,
    /// Served in full.
    pub ok: u64,
    /// Served degraded.
    pub degraded: u64,
    /// Failed, by cause.
    pub failed: Failures,
    /// Request availability: the mean of the per-seed availabilities, with its interval.
    pub availability: Estimate,
    /// Nines of the availability, with the interval mapped through −log10(1 − a).
    pub nines: Estimate,
    /// SLO attainment, when the endpoint has an SLO.
    pub slo: Option<SloStats>,
    /// Latency.
    pub latency: LatencyStats,
}

/// One service's statistics (each a per-seed mean with its interval).
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ServiceStats {
    /// Name.
    pub name: String,
    /// Busy / available worker time.
    pub utilisation: Estimate,
    /// Attempts per downstream call (retry amplification).
    pub attempts_per_call: Estimate,
    /// Retries sent per seed.
    pub retries: Estimate,
    /// Wasted service time per seed (s).
    pub wasted_s: Estimate,
    /// Requests rejected per seed.
    pub rejected: Estimate,
    /// Instances OOM-killed per seed.
    pub oom_kills: Estimate,
    /// Each resilience-pattern action it took in some seed, in report order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub patterns: Vec<PatternStats>,
}

/// One resilience-pattern action of one service over the seeds.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PatternStats {
    /// The action, e.g. `breaker opened` or `fallback used`.
    pub action: String,
    /// Times per seed: mean with its interval.
    pub per_seed: Estimate,
    /// Seeds in which it happened at all.
    pub seeds: u64,
}

/// A seed that stopped at a limit.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct StoppedSeed {
    /// The seed.
    pub seed: u64,
    /// Which limit, and when.
    pub limit: String,
}

/// The results document. See the module docs.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Results {
    /// What was run.
    pub meta: Meta,
    /// Seeds in the data.
    pub seeds: u64,
    /// Seeds that stopped at a limit (their data is included up to the stop).
    pub stopped: Vec<StoppedSeed>,
    /// Per endpoint.
    pub endpoints: Vec<EndpointStats>,
    /// Per service.
    pub services: Vec<ServiceStats>,
    /// The scenario's hypotheses judged over the seeds.
    pub verdicts: Vec<super::verdict::Verdict>,
    /// Data loss, duplicates, OOM kills and failovers, when the topology has such parts.
    pub infra: Option<super::infra::InfraStats>,
    /// How a run until settled (`--precision`) chose its seed count; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<super::precision::Settled>,
    /// Each station with a closed form, theory beside the simulation; absent when none fits.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub theory: Vec<super::theory::TheoryCheck>,
    /// The mergeable data everything above is derived from.
    pub data: Partial,
}

/// A results or shard file as read back: only what cannot be recomputed.
#[derive(Clone, Debug, Deserialize)]
pub struct Stored {
    /// Layout version.
    pub schema_version: u32,
    /// `run` (absent before schema version 2).
    #[serde(default)]
    pub kind: String,
    /// What was run.
    pub meta: Meta,
    /// The data.
    pub data: Partial,
}

/// The percentiles reported, with their names.
const PERCENTILES: [(f64, &str); 4] = [(50.0, "p50"), (90.0, "p90"), (99.0, "p99"), (99.9, "p99.9")];

/// An interval cut to the range its quantity can take (a t-interval of counts near zero can
/// reach below it; an availability cannot exceed 1).
fn within(e: Estimate, low: f64, high: f64) -> Estimate {
    Estimate { low: e.low.clamp(low, high), high: e.high.clamp(low, high), ..e }
}

/// An endpoint's availability over seeds at `level`: the Student-t interval of the per-seed
/// availabilities, cut to [0, 1]. When no request failed in any seed that interval is
/// [1, 1]; then the exact one-sided bound on the failure probability per request is what
/// the requests seen can claim.
pub fn availability_over_seeds(per_seed: &[&SeedEndpoint], level: f64) -> Estimate {
    let avail: Vec<f64> = per_seed.iter().map(|e| e.availability()).collect();
    let mut a = within(stats::mean_interval(&avail, level), 0.0, 1.0);
    let served: u64 = per_seed.iter().map(|e| e.ok + e.degraded).sum();
    if served > 0 && per_seed.iter().all(|e| e.failed.total() == 0) {
        a.low = 1.0 - stats::zero_count_upper(served as f64, level);
        a.high = 1.0;
    }
    a
}

/// An endpoint's mean latency (ms) over the seeds that served requests, with its Student-t
/// interval at `level`.
pub fn mean_latency_ms_over_seeds(per_seed: &[&SeedEndpoint], level: f64) -> Estimate {
    let xs: Vec<f64> = per_seed.iter().filter(|e| e.samples > 0).map(|e| e.mean_ns as f64 / 1e6).collect();
    stats::mean_interval(&xs, level)
}

impl Results {
    /// Derives every statistic from `meta` and `data`.
    pub fn build(meta: Meta, data: Partial) -> Results {
        let records = &data.records;
        let n = records.len() as u64;
        let endpoints = meta
            .endpoints
            .iter()
            .enumerate()
            .map(|(i, em)| {
                let per_seed: Vec<&SeedEndpoint> = records.iter().filter_map(|r| r.endpoints.get(i)).collect();
                let mut failed = Failures::default();
                let (mut requests, mut ok, mut degraded) = (0, 0, 0);
                for e in &per_seed {
                    requests += e.requests;
                    ok += e.ok;
                    degraded += e.degraded;
                    failed.merge(&e.failed);
                }
                let availability = availability_over_seeds(&per_seed, LEVEL);
                let h = data.latency.get(i).cloned().unwrap_or_default();
                let samples = h.count();
                let too_few_samples = PERCENTILES
                    .into_iter()
                    .filter(|(p, _)| samples < stats::samples_needed(*p / 100.0))
                    .map(|(_, name)| name.to_owned())
                    .collect();
                let mut p99s: Vec<f64> = per_seed.iter().filter(|e| e.samples > 0).map(|e| e.p99_ns as f64).collect();
                p99s.sort_by(f64::total_cmp);
                let spread = if p99s.is_empty() {
                    [0, 0, 0]
                } else {
                    [p99s[0] as u64, stats::quantile(&p99s, 0.5).round() as u64, p99s[p99s.len() - 1] as u64]
                };
                let slo = em.slo.as_ref().map(|slo| {
                    let meets = per_seed
                        .iter()
                        .filter(|e| {
                            let a_ok = slo.availability.is_none_or(|t| e.availability() >= t);
                            // A seed without served requests has no latency to meet the SLO with.
                            let l_ok = slo
                                .latency
                                .as_ref()
                                .is_none_or(|l| e.samples > 0 && e.slo_latency_ns.is_some_and(|v| v <= l.max_ns));
                            a_ok && l_ok
                        })
                        .count() as u64;
                    SloStats { seeds_meeting: meets, fraction: stats::wilson(meets, n, LEVEL) }
                });
                EndpointStats {
                    name: em.name.clone(),
                    requests,
                    ok,
                    degraded,
                    failed,
                    nines: stats::nines_of(&availability),
                    availability,
                    slo,
                    latency: LatencyStats {
                        samples,
                        mean_ns: h.mean_ns().round() as u64,
                        mean_ms_per_seed: mean_latency_ms_over_seeds(&per_seed, LEVEL),
                        p50_ns: h.percentile_ns(50.0),
                        p90_ns: h.percentile_ns(90.0),
                        p99_ns: h.percentile_ns(99.0),
                        p999_ns: h.percentile_ns(99.9),
                        too_few_samples,
                        p99_per_seed: spread,
                    },
                }
            })
            .collect();
        let services = meta
            .services
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let per_seed: Vec<&crate::montecarlo::partial::SeedService> =
                    records.iter().filter_map(|r| r.services.get(i)).collect();
                let of = |f: &dyn Fn(&crate::montecarlo::partial::SeedService) -> f64| {
                    let xs: Vec<f64> = per_seed.iter().map(|s| f(s)).collect();
                    within(stats::mean_interval(&xs, LEVEL), 0.0, f64::INFINITY)
                };
                let count = |f: &dyn Fn(&crate::montecarlo::partial::SeedService) -> u64| {
                    let xs: Vec<f64> = per_seed.iter().map(|s| f(s) as f64).collect();
                    within(stats::count_mean_interval(&xs, LEVEL), 0.0, f64::INFINITY)
                };
                ServiceStats {
                    name: name.clone(),
                    utilisation: of(&|s| s.utilisation),
                    attempts_per_call: of(&|s| {
                        if s.calls == 0 {
                            1.0
                        } else {
                            (s.calls + s.retries) as f64 / s.calls as f64
                        }
                    }),
                    retries: count(&|s| s.retries),
                    wasted_s: of(&|s| s.wasted_ns as f64 / 1e9),
                    rejected: count(&|s| s.rejected),
                    oom_kills: count(&|s| s.oom_kills),
                    patterns: PatternCounts::default()
                        .named()
                        .iter()
                        .enumerate()
                        .filter_map(|(k, (action, _))| {
                            let seeds = per_seed.iter().filter(|s| s.patterns.named()[k].1 > 0).count() as u64;
                            (seeds > 0).then(|| PatternStats {
                                action: (*action).to_owned(),
                                per_seed: count(&|s| s.patterns.named()[k].1),
                                seeds,
                            })
                        })
                        .collect(),
                }
            })
            .collect();
        let stopped = records
            .iter()
            .filter_map(|r| r.limit.as_ref().map(|l| StoppedSeed { seed: r.seed, limit: l.clone() }))
            .collect();
        let verdicts = meta
            .hypotheses
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let checks: Vec<(u64, &super::verdict::SeedCheck)> =
                    records.iter().filter_map(|r| r.checks.get(i).map(|c| (r.seed, c))).collect();
                super::verdict::judge(h, &checks)
            })
            .collect();
        let infra = super::infra::InfraStats::build(records, LEVEL);
        let names: Vec<String> = meta.endpoints.iter().map(|e| e.name.clone()).collect();
        let theory = super::theory::compare(&meta.stations, &names, &meta.services, records, LEVEL);
        Results { meta, seeds: n, stopped, endpoints, services, verdicts, infra, precision: None, theory, data }
    }
}
