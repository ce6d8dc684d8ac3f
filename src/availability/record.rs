//! What one seed of the availability model measured, in a form that merges exactly: integer
//! nanoseconds and counts per seed, records kept in seed order, outage histograms summed.

use serde::{Deserialize, Serialize};

/// Bins of the outage-duration histogram per decade of seconds.
pub const OUTAGE_BINS_PER_DECADE: u32 = 10;
/// Decades covered, from 1 s: up to 10⁹ s (about 32 years); longer outages land in the last bin.
pub const OUTAGE_DECADES: u32 = 9;
/// Bins of the outage-duration histogram: one below 1 s, then log-spaced.
pub const OUTAGE_BINS: usize = (OUTAGE_BINS_PER_DECADE * OUTAGE_DECADES) as usize + 1;

/// The bin of an outage of `ns` nanoseconds: 0 below 1 s, then 10 per decade.
pub fn outage_bin(ns: u64) -> usize {
    let s = ns as f64 / 1e9;
    if s < 1.0 {
        return 0;
    }
    let b = (s.log10() * f64::from(OUTAGE_BINS_PER_DECADE)).floor() as usize + 1;
    b.min(OUTAGE_BINS - 1)
}

/// The lower edge of bin `b` in seconds (0 for bin 0).
pub fn outage_bin_low_s(b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        10f64.powf((b - 1) as f64 / f64::from(OUTAGE_BINS_PER_DECADE))
    }
}

/// One endpoint in one seed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SeedEndpoint {
    /// Time it could not be served (ns).
    pub down_ns: u64,
    /// Outages that began in the horizon.
    pub outages: u64,
    /// The longest outage (ns).
    pub longest_ns: u64,
    /// Per whole period (year), the downtime in it (ns), in period order.
    pub period_down_ns: Vec<u64>,
    /// Per importance class: time this endpoint was down while the class was down (ns).
    pub down_with_class_ns: Vec<u64>,
}

/// The time-based part of one seed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct YearsSeed {
    /// Simulated time (ns).
    pub horizon_ns: u64,
    /// Per endpoint.
    pub endpoints: Vec<SeedEndpoint>,
    /// Per importance class: time it was down (ns).
    pub class_down_ns: Vec<u64>,
}

/// The rare-event part of one seed, per endpoint: sums over regenerative cycles.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RareSeed {
    /// Cycles simulated with failure biasing, per endpoint (the same count for each).
    pub cycles: u64,
    /// Per endpoint: Σ L·D and Σ (L·D)² over biased cycles (D: expected downtime of a cycle in
    /// hours, L: its likelihood ratio).
    pub biased: Vec<(f64, f64)>,
    /// Per endpoint: Σ D and Σ D² over the plain cycles (for comparison).
    pub plain: Vec<(f64, f64)>,
    /// Per endpoint: Σ D·T over the plain cycles (their covariance enters the plain interval).
    pub plain_cross: Vec<f64>,
    /// Σ T and Σ T² over plain cycles (T: expected cycle length in hours).
    pub cycle_hours: (f64, f64),
    /// Steps taken (transitions simulated), biased and plain.
    pub steps: u64,
}

/// Everything kept of one seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SeedRecord {
    /// The seed.
    pub seed: u64,
    /// The run's trace fingerprint (of the rare-event walk for that method).
    pub fingerprint: String,
    /// Events processed.
    pub events: u64,
    /// The limit that stopped the run early, if one did.
    pub limit: Option<String>,
    /// The time-based measurements (`--years`).
    pub years: Option<YearsSeed>,
    /// The rare-event sums (`--rare-events`).
    pub rare: Option<RareSeed>,
}

/// The mergeable result of some seeds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Partial {
    /// One record per seed, ascending by seed.
    pub records: Vec<SeedRecord>,
    /// Per endpoint: outages by duration bin (see [`outage_bin`]), summed over seeds.
    pub outage_bins: Vec<Vec<u64>>,
}

impl Partial {
    /// Nothing yet, for `endpoints` endpoints.
    pub fn empty(endpoints: usize) -> Partial {
        Partial { records: Vec::new(), outage_bins: vec![vec![0; OUTAGE_BINS]; endpoints] }
    }

    /// Adds another partial result: records merged by seed, histograms summed.
    pub fn merge(mut self, other: Partial) -> Partial {
        if self.outage_bins.len() < other.outage_bins.len() {
            self.outage_bins.resize(other.outage_bins.len(), vec![0; OUTAGE_BINS]);
        }
        for (mine, theirs) in self.outage_bins.iter_mut().zip(&other.outage_bins) {
            if mine.len() < theirs.len() {
                mine.resize(theirs.len(), 0);
            }
            for (m, t) in mine.iter_mut().zip(theirs) {
                *m += t;
            }
        }
        self.records.extend(other.records);
        // Sorting by seed makes the order independent of how the seeds were split.
        self.records.sort_by_key(|r| r.seed);
        self
    }

    /// Every way this data (one results file's, as read) contradicts itself or `meta`: seeds
    /// outside the range, records of the wrong shape, downtimes longer than the horizon,
    /// non-finite sums, counts whose totals overflow. Empty when it can be merged.
    pub fn inconsistencies(&self, meta: &super::summary::Meta) -> Vec<String> {
        let mut out = Vec::new();
        if let Err(e) = crate::montecarlo::check_seed_range(meta.first_seed, meta.seed_count) {
            out.push(format!("meta: {e}"));
            return out;
        }
        let last = meta.first_seed + (meta.seed_count - 1);
        let n_ep = meta.endpoints.len();
        if self.records.len() as u64 > meta.seed_count {
            out.push(format!("{} records for {} seeds", self.records.len(), meta.seed_count));
        }
        if self.outage_bins.len() != n_ep || self.outage_bins.iter().any(|b| b.len() != OUTAGE_BINS) {
            out.push(format!("the outage histograms do not have {n_ep} × {OUTAGE_BINS} bins"));
        }
        for r in &self.records {
            let at = format!("seed {}", r.seed);
            if r.seed < meta.first_seed || r.seed > last {
                out.push(format!("{at}: outside the seeds {}..={last}", meta.first_seed));
            }
            if let Some(y) = &r.years {
                if y.horizon_ns > meta.horizon_ns || y.endpoints.len() != n_ep {
                    out.push(format!("{at}: the horizon or the endpoints differ from the run's"));
                }
                for (i, e) in y.endpoints.iter().enumerate() {
                    let periods = e.period_down_ns.iter().try_fold(0u64, |t, &d| t.checked_add(d));
                    if e.down_ns > y.horizon_ns
                        || e.longest_ns > e.down_ns
                        || e.outages > y.horizon_ns
                        || periods.is_none_or(|p| p > e.down_ns)
                        || e.down_with_class_ns.iter().any(|&d| d > e.down_ns)
                    {
                        let name = meta.endpoints.get(i).map_or("?", String::as_str);
                        out.push(format!("{at}: endpoint `{name}`: downtimes out of range (longer than the horizon or than the total)"));
                    }
                }
                if y.class_down_ns.iter().any(|&d| d > y.horizon_ns) {
                    out.push(format!("{at}: a class is down longer than the horizon"));
                }
            }
            if let Some(x) = &r.rare {
                let finite = x.biased.iter().chain(&x.plain).all(|(a, b)| a.is_finite() && b.is_finite())
                    && x.plain_cross.iter().all(|v| v.is_finite())
                    && x.cycle_hours.0.is_finite()
                    && x.cycle_hours.1.is_finite();
                if !finite || x.biased.len() != n_ep || x.plain.len() != n_ep || x.plain_cross.len() != n_ep {
                    out.push(format!("{at}: the rare-event sums are not finite or not one per endpoint"));
                }
            }
        }
        if Partial::totals_overflow(&[self]) {
            out.push("the event or outage counts over the seeds overflow".to_owned());
        }
        out.dedup();
        out
    }

    /// Whether events, outages or outage bins summed over every record of `parts` overflow,
    /// so that merging them would wrap (each part may be consistent on its own).
    pub fn totals_overflow(parts: &[&Partial]) -> bool {
        let records = || parts.iter().flat_map(|p| &p.records);
        let events = records().try_fold(0u64, |t, r| t.checked_add(r.events)).is_none();
        let steps = records().try_fold(0u64, |t, r| t.checked_add(r.rare.as_ref().map_or(0, |x| x.steps))).is_none();
        let endpoints = records().filter_map(|r| r.years.as_ref()).map(|y| y.endpoints.len()).max().unwrap_or(0);
        let outages = (0..endpoints).any(|i| {
            records()
                .filter_map(|r| r.years.as_ref())
                .try_fold(0u64, |t, y| t.checked_add(y.endpoints.get(i).map_or(0, |e| e.outages)))
                .is_none()
        });
        let bins = parts.iter().flat_map(|p| &p.outage_bins).map(Vec::len).max().unwrap_or(0);
        let endpoints_bins = parts.iter().map(|p| p.outage_bins.len()).max().unwrap_or(0);
        let binned = (0..endpoints_bins).any(|i| {
            (0..bins).any(|b| {
                parts
                    .iter()
                    .try_fold(0u64, |t, p| {
                        t.checked_add(p.outage_bins.get(i).and_then(|v| v.get(b)).copied().unwrap_or(0))
                    })
                    .is_none()
            })
        }) || parts
            .iter()
            .flat_map(|p| &p.outage_bins)
            .any(|v| v.iter().try_fold(0u64, |t, &c| t.checked_add(c)).is_none());
        events || steps || outages || binned
    }

    /// Seeds present more than once.
    pub fn duplicate_seeds(&self) -> Vec<u64> {
        let mut d: Vec<u64> = self.records.windows(2).filter(|w| w[0].seed == w[1].seed).map(|w| w[0].seed).collect();
        d.dedup();
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outage_bins_are_log_spaced() {
        assert_eq!(outage_bin(0), 0);
        assert_eq!(outage_bin(999_999_999), 0);
        assert_eq!(outage_bin(1_000_000_000), 1);
        assert_eq!(outage_bin(10_000_000_000), 11);
        assert_eq!(outage_bin(u64::MAX), OUTAGE_BINS - 1);
        assert!((outage_bin_low_s(11) - 10.0).abs() < 1e-9);
    }
}
