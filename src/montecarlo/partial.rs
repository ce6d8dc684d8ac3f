//! What a set of seeds produced, in a form that merges exactly: one small record per seed
//! (kept in seed order) plus latency histograms and time series summed over the seeds.
//!
//! Histograms and series are integer counts, so summing them in any grouping gives the
//! same result; records are sorted by seed. A run split over threads, or over machines as
//! shards, therefore merges into exactly the bytes of a single run.

use serde::{Deserialize, Serialize};

use crate::metrics::health::ServiceBucket;
use crate::metrics::patterns::PatternCounts;
use crate::metrics::run::{Bucket, Failures, RunMetrics};
use crate::metrics::LatencyHistogram;

/// One seed's endpoint figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SeedEndpoint {
    /// Requests after the warm-up.
    pub requests: u64,
    /// Served in full.
    pub ok: u64,
    /// Served degraded.
    pub degraded: u64,
    /// Failed, by cause.
    pub failed: Failures,
    /// Latency samples (served requests).
    pub samples: u64,
    /// Mean latency of this seed (ns; 0 without samples).
    pub mean_ns: u64,
    /// Median latency of this seed (ns; 0 without samples).
    pub p50_ns: u64,
    /// p99 latency of this seed (ns; 0 without samples).
    pub p99_ns: u64,
    /// Latency at the percentile of the endpoint's latency SLO, if it has one (ns).
    pub slo_latency_ns: Option<u64>,
}

impl SeedEndpoint {
    /// Served / finished for this seed (1 without requests).
    pub fn availability(&self) -> f64 {
        let finished = self.ok + self.degraded + self.failed.total();
        if finished == 0 {
            1.0
        } else {
            (self.ok + self.degraded) as f64 / finished as f64
        }
    }
}

/// One seed's service figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SeedService {
    /// Requests delivered.
    pub received: u64,
    /// Downstream calls made.
    pub calls: u64,
    /// Retries sent.
    pub retries: u64,
    /// Requests turned away.
    pub rejected: u64,
    /// Wasted service time (ns).
    pub wasted_ns: u64,
    /// Busy / available worker time of this seed.
    pub utilisation: f64,
    /// Instances OOM-killed.
    #[serde(default)]
    pub oom_kills: u64,
    /// What its resilience patterns did (absent when nothing).
    #[serde(default, skip_serializing_if = "PatternCounts::is_empty")]
    pub patterns: PatternCounts,
}

/// Everything kept of one seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SeedRecord {
    /// The seed.
    pub seed: u64,
    /// The run's trace fingerprint.
    pub fingerprint: String,
    /// Events processed.
    pub events: u64,
    /// The limit that stopped the run early, if one did.
    pub limit: Option<String>,
    /// Per endpoint, in topology order.
    pub endpoints: Vec<SeedEndpoint>,
    /// Per service, in topology order.
    pub services: Vec<SeedService>,
    /// Each hypothesis checked on this seed, in scenario order.
    pub checks: Vec<super::verdict::SeedCheck>,
    /// Infrastructure figures, when the topology has parts to measure.
    #[serde(default)]
    pub infra: Option<super::infra::SeedInfra>,
}

/// The mergeable result of some seeds. See the module docs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Partial {
    /// One record per seed, ascending by seed.
    pub records: Vec<SeedRecord>,
    /// Latency of served requests per endpoint, summed over the seeds.
    pub latency: Vec<LatencyHistogram>,
    /// Completions per time bucket per endpoint, summed over the seeds.
    pub series: Vec<Vec<Bucket>>,
    /// Per service, its answers, retries, busy workers and queue per time bucket from time
    /// 0, summed over the seeds (the load, retry and utilisation charts).
    #[serde(default)]
    pub service_series: Vec<Vec<ServiceBucket>>,
}

impl Partial {
    /// Nothing yet, for `endpoints` endpoints.
    pub fn empty(endpoints: usize) -> Partial {
        Partial {
            records: Vec::new(),
            latency: vec![LatencyHistogram::new(); endpoints],
            series: vec![Vec::new(); endpoints],
            service_series: Vec::new(),
        }
    }

    /// The result of one seed's run; `slo_percentiles` gives, per endpoint, the percentile of
    /// its latency SLO (if any), whose per-seed value decides whether the seed met it.
    pub fn of_run(m: &RunMetrics, limit: Option<String>, slo_percentiles: &[Option<f64>]) -> Partial {
        let endpoints = m
            .endpoints
            .iter()
            .enumerate()
            .map(|(i, e)| SeedEndpoint {
                requests: e.requests,
                ok: e.ok,
                degraded: e.degraded,
                failed: e.failed.clone(),
                samples: e.latency.count(),
                mean_ns: e.latency.mean_ns().round() as u64,
                p50_ns: e.latency.percentile_ns(50.0),
                p99_ns: e.latency.percentile_ns(99.0),
                slo_latency_ns: slo_percentiles.get(i).copied().flatten().map(|p| e.latency.percentile_ns(p)),
            })
            .collect();
        let services = m
            .services
            .iter()
            .map(|s| SeedService {
                received: s.received,
                calls: s.calls,
                retries: s.retries,
                rejected: s.rejected,
                wasted_ns: s.wasted_ns,
                utilisation: s.utilisation(),
                oom_kills: s.oom_kills,
                patterns: s.patterns,
            })
            .collect();
        Partial {
            records: vec![SeedRecord {
                seed: m.seed,
                fingerprint: m.fingerprint.to_string(),
                events: m.events,
                limit,
                endpoints,
                services,
                checks: Vec::new(),
                infra: super::infra::SeedInfra::of(m),
            }],
            latency: m.endpoints.iter().map(|e| e.latency.clone()).collect(),
            series: m.endpoints.iter().map(|e| e.series.clone()).collect(),
            // Allocated with as many buckets as the endpoint series: one time axis for both.
            service_series: m.service_series.clone(),
        }
    }

    /// Adds another partial result: records merged by seed, histograms and series summed.
    pub fn merge(mut self, other: Partial) -> Partial {
        if self.latency.len() < other.latency.len() {
            self.latency.resize(other.latency.len(), LatencyHistogram::new());
            self.series.resize(other.series.len(), Vec::new());
        }
        for (mine, theirs) in self.latency.iter_mut().zip(&other.latency) {
            mine.merge(theirs);
        }
        for (mine, theirs) in self.series.iter_mut().zip(other.series) {
            if mine.len() < theirs.len() {
                mine.resize(theirs.len(), Bucket::default());
            }
            for (m, t) in mine.iter_mut().zip(theirs) {
                m.served += t.served;
                m.failed += t.failed;
                m.served_latency_ns = m.served_latency_ns.saturating_add(t.served_latency_ns);
                m.latency.add(&t.latency);
            }
        }
        if self.service_series.len() < other.service_series.len() {
            self.service_series.resize(other.service_series.len(), Vec::new());
        }
        for (mine, theirs) in self.service_series.iter_mut().zip(&other.service_series) {
            if mine.len() < theirs.len() {
                mine.resize(theirs.len(), ServiceBucket::default());
            }
            for (m, t) in mine.iter_mut().zip(theirs) {
                m.add(t);
            }
        }
        self.records.extend(other.records);
        // Sorting by seed makes the order independent of how the seeds were split.
        self.records.sort_by_key(|r| r.seed);
        self
    }

    /// Every way this data (one results file's, as read) contradicts itself or `meta`: seeds
    /// outside the range, records of the wrong shape, counts that do not add up
    /// (`requests = ok + degraded + failed`, `samples = ok + degraded`, the series and the
    /// histograms against the records) or sums that overflow. Empty when it can be merged.
    pub fn inconsistencies(&self, meta: &super::summary::Meta) -> Vec<String> {
        let mut out = Vec::new();
        if let Err(e) = super::check_seed_range(meta.first_seed, meta.seed_count) {
            out.push(format!("meta: {e}"));
            return out;
        }
        let last = meta.first_seed + (meta.seed_count - 1);
        let n_ep = meta.endpoints.len();
        if self.records.len() as u64 > meta.seed_count {
            out.push(format!("{} records for {} seeds", self.records.len(), meta.seed_count));
        }
        if self.latency.len() != n_ep || self.series.len() != n_ep {
            out.push(format!(
                "{} histograms and {} series for {n_ep} endpoints",
                self.latency.len(),
                self.series.len()
            ));
            return out;
        }
        if !self.service_series.is_empty() && self.service_series.len() != meta.services.len() {
            out.push(format!("{} service series for {} services", self.service_series.len(), meta.services.len()));
        }
        // Totals over the records, `None` once one overflows.
        let mut served = vec![Some(0u64); n_ep];
        let mut failed = vec![Some(0u64); n_ep];
        let mut samples = vec![Some(0u64); n_ep];
        for r in &self.records {
            let at = format!("seed {}", r.seed);
            if r.seed < meta.first_seed || r.seed > last {
                out.push(format!("{at}: outside the seeds {}..={last}", meta.first_seed));
            }
            if r.endpoints.len() != n_ep || r.services.len() != meta.services.len() {
                out.push(format!(
                    "{at}: {} endpoints and {} services, but the run has {n_ep} and {}",
                    r.endpoints.len(),
                    r.services.len(),
                    meta.services.len()
                ));
                continue;
            }
            if r.checks.len() != meta.hypotheses.len() {
                out.push(format!("{at}: {} checks for {} hypotheses", r.checks.len(), meta.hypotheses.len()));
            }
            for (i, e) in r.endpoints.iter().enumerate() {
                let name = &meta.endpoints[i].name;
                let f =
                    crate::metrics::run::Cause::ALL.iter().try_fold(0u64, |acc, &c| acc.checked_add(e.failed.get(c)));
                let ok = e.ok.checked_add(e.degraded);
                match (ok, f, ok.zip(f).and_then(|(a, b)| a.checked_add(b))) {
                    (Some(ok), Some(f), Some(finished)) if finished == e.requests => {
                        if e.samples != ok {
                            out.push(format!("{at}: endpoint `{name}`: {} latency samples for {ok} served", e.samples));
                        }
                        served[i] = served[i].and_then(|t| t.checked_add(ok));
                        failed[i] = failed[i].and_then(|t| t.checked_add(f));
                        samples[i] = samples[i].and_then(|t| t.checked_add(e.samples));
                    }
                    _ => out.push(format!(
                        "{at}: endpoint `{name}`: {} requests but ok + degraded + failed does not equal it",
                        e.requests
                    )),
                }
                if e.p50_ns > e.p99_ns {
                    out.push(format!("{at}: endpoint `{name}`: p50 above p99"));
                }
            }
            for (i, sv) in r.services.iter().enumerate() {
                if sv.calls.checked_add(sv.retries).is_none() || !(sv.utilisation.is_finite() && sv.utilisation >= 0.0)
                {
                    out.push(format!("{at}: service `{}`: counts out of range", meta.services[i]));
                }
            }
            if let Some(x) = &r.infra {
                if x.messages_dropped.checked_add(x.writes_lost).is_none() {
                    out.push(format!("{at}: infrastructure counts out of range"));
                }
            }
        }
        // The sums below only say more when every record was consistent on its own.
        if !out.is_empty() {
            out.dedup();
            return out;
        }
        for i in 0..n_ep {
            let name = &meta.endpoints[i].name;
            let s = self.series[i]
                .iter()
                .try_fold((0u64, 0u64), |(a, b), x| Some((a.checked_add(x.served)?, b.checked_add(x.failed)?)));
            let (Some(served), Some(failed), Some(samples)) = (served[i], failed[i], samples[i]) else {
                out.push(format!("endpoint `{name}`: the totals over the seeds overflow"));
                continue;
            };
            if !self.records.is_empty() && s != Some((served, failed)) {
                out.push(format!("endpoint `{name}`: the time series do not add up to the seeds' counts"));
            }
            if self.latency[i].count() != samples {
                out.push(format!("endpoint `{name}`: the latency histogram does not hold the seeds' samples"));
            }
        }
        out.dedup();
        out
    }

    /// Whether the requests of an endpoint summed over every record of `parts` overflow, so
    /// that merging them would wrap (each part may be consistent on its own).
    pub fn totals_overflow(parts: &[&Partial]) -> bool {
        let endpoints = parts.iter().flat_map(|p| &p.records).map(|r| r.endpoints.len()).max().unwrap_or(0);
        (0..endpoints).any(|i| {
            parts
                .iter()
                .flat_map(|p| &p.records)
                .try_fold(0u64, |t, r| t.checked_add(r.endpoints.get(i).map_or(0, |e| e.requests)))
                .is_none()
        })
    }

    /// Seeds present more than once.
    pub fn duplicate_seeds(&self) -> Vec<u64> {
        let mut d: Vec<u64> = self.records.windows(2).filter(|w| w[0].seed == w[1].seed).map(|w| w[0].seed).collect();
        d.dedup();
        d
    }
}
