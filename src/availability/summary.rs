//! The results of the availability model over many seeds: what was run ([`Meta`]), what it
//! produced ([`Partial`]), and every statistic derived from those two alone
//! ([`Results::build`]), so merged shards recompute exactly the bytes of an unsharded run.
//!
//! # Intervals
//!
//! Time-based availability is estimated per *period* — a simulated year, or the whole
//! horizon when it is shorter — and the 95% interval is the Student-t interval over all
//! seed-periods (batch means: consecutive years of one seed are nearly independent, because
//! the system forgets its state within the repair times, hours against a year). Nines and
//! mean downtime per year are the same interval mapped through `−log10(1 − a)` and
//! `525,600 · (1 − a)`. Downtime percentiles (p50, p95, p99) are exact order statistics of
//! the per-period downtimes. Outage lengths come from a log-binned histogram (10 bins per
//! decade of seconds, ±12%), their mean from exact sums.
//!
//! # Importance
//!
//! For each class (a component's own failures, a zone, a region, a link) and endpoint, the
//! simulation measures the time both were down, so that
//! `U(e | c down) = T(e ∧ c down) / T(c down)` and `U(e | c up) = T(e down ∧ c up) / T(c up)`.
//! With independent failures these are exactly the unavailability with the class failed and
//! with it perfect, which gives Birnbaum `I_B = U(e | c down) − U(e | c up)`, the risk
//! achievement worth `RAW = U(e | c down) / U(e)`, the risk reduction worth
//! `RRW = U(e) / U(e | c up)`, and "nines lost to c" `= nines(e | c up) − nines(e)`: what
//! making c perfect would buy.

use serde::{Deserialize, Serialize};

use super::plan::{ClassMeta, Plan};
use super::record::{outage_bin_low_s, Partial, SeedRecord, OUTAGE_BINS};
use super::years::YEAR_NS;
use crate::montecarlo::precision::Target;
use crate::montecarlo::settle::{Judge, Look};
use crate::montecarlo::Shard;
use crate::scenario::Inputs;
use crate::stats::{self, Estimate};

/// Version of the availability results layout (see [`crate::schema`]).
pub const SCHEMA_VERSION: u32 = crate::schema::Kind::Availability.version();
/// The `kind` of an availability results file.
pub const KIND: &str = crate::schema::Kind::Availability.name();
/// Confidence level of every interval.
pub const LEVEL: f64 = 0.95;
/// Minutes in a 365-day year.
pub const MINUTES_PER_YEAR: f64 = 525_600.0;

/// How the seeds were simulated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Failure and repair processes over simulated years on the engine.
    Years,
    /// Regenerative cycles with balanced failure biasing (importance sampling).
    RareEvents,
}

/// The analytic estimate for one endpoint and whether its assumptions hold here.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Analytic {
    /// Steady-state availability from `faultsim analyze` (independent failures, zones and
    /// regions as common causes).
    pub availability: f64,
    /// Its nines (`None` when it is exactly 1).
    pub nines: Option<f64>,
    /// Why the formula does not describe this model, if it does not (then no flag is raised).
    pub not_applicable: Option<String>,
    /// Whether nothing in the model can take this endpoint down: no failure process reaches
    /// anything it needs (its availability is 1 by construction, not by measurement).
    #[serde(default)]
    pub nothing_can_fail: bool,
}

/// What was run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Meta {
    /// faultsim version that produced the data.
    pub tool_version: String,
    /// The scenario's name, or empty when a topology was given.
    pub scenario: String,
    /// Topology name.
    pub topology: String,
    /// Content hashes of the input files.
    pub inputs: Inputs,
    /// How the seeds were simulated.
    pub method: Method,
    /// First seed of the whole range.
    pub first_seed: u64,
    /// Seeds in the whole range.
    pub seed_count: u64,
    /// This file's shard, if it holds one.
    pub shard: Option<Shard>,
    /// Simulated time per seed (ns; time-based method).
    pub horizon_ns: u64,
    /// Period length (ns): a year, or the horizon when shorter.
    pub period_ns: u64,
    /// Regenerative cycles per seed and kind (rare-event method).
    pub cycles: u64,
    /// Endpoint names, in topology order.
    pub endpoints: Vec<String>,
    /// Importance classes.
    pub classes: Vec<ClassMeta>,
    /// Failure processes simulated.
    pub processes: u64,
    /// Per endpoint, the analytic cross-check.
    pub analytic: Vec<Analytic>,
    /// The longest mean down time of any failure process or failover in the model (ns): the
    /// outage length assumed by the bound reported when no outage is seen.
    #[serde(default)]
    pub longest_repair_ns: u64,
}

impl Meta {
    /// The metadata of running `plan` this way.
    #[expect(clippy::too_many_arguments, reason = "each is one field of what was run")]
    pub fn of(
        plan: &Plan,
        scenario: &str,
        inputs: Inputs,
        method: Method,
        first_seed: u64,
        seed_count: u64,
        shard: Option<Shard>,
        horizon_ns: u64,
        cycles: u64,
    ) -> Meta {
        let t = &plan.topology;
        let analysis = crate::analysis::analyze(t);
        let delayed = plan.delayed_failovers();
        let analytic = analysis
            .availability
            .endpoints
            .iter()
            .enumerate()
            .map(|(e, a)| {
                let mut why = Vec::new();
                if analysis.availability.approximate {
                    why.push("the formula enumerates only states with up to two failure domains down".to_owned());
                }
                if plan.link_sensitive(e) {
                    why.push("it ignores link cuts".to_owned());
                }
                let slow: Vec<&String> = delayed
                    .iter()
                    .filter(|d| {
                        t.lookup(d).is_some_and(|n| match n {
                            crate::topology::Named::Component(c) => plan.requires(e, super::plan::dense(t, c) as u32),
                            _ => false,
                        })
                    })
                    .collect();
                if !slow.is_empty() {
                    let names: Vec<&str> = slow.iter().map(|s| s.as_str()).collect();
                    why.push(format!("it assumes instant failover ({} take time)", names.join(", ")));
                }
                if plan.scenario_processes > 0 {
                    why.push("it knows nothing of the scenario's processes".to_owned());
                }
                Analytic {
                    availability: a.availability,
                    nines: a.nines,
                    not_applicable: (!why.is_empty()).then(|| why.join("; ")),
                    nothing_can_fail: a.availability >= 1.0 && !plan.link_sensitive(e) && plan.scenario_processes == 0,
                }
            })
            .collect();
        Meta {
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
            scenario: scenario.to_owned(),
            topology: t.name().to_owned(),
            inputs,
            method,
            first_seed,
            seed_count,
            shard,
            horizon_ns,
            period_ns: super::years::Horizon::new(horizon_ns).period_ns,
            cycles,
            endpoints: t.endpoints().iter().map(|e| e.name.clone()).collect(),
            classes: plan.classes.clone(),
            processes: plan.processes.len() as u64,
            analytic,
            longest_repair_ns: plan.longest_repair_ns(),
        }
    }
}

/// Downtime per year over seed-periods.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Downtime {
    /// Mean minutes per year, with the availability's interval mapped.
    pub mean: Estimate,
    /// Median over seed-periods (minutes per year).
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Seed-periods the percentiles rest on.
    pub periods: u64,
}

/// Outages of an endpoint.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Outages {
    /// Outages in all seeds.
    pub count: u64,
    /// Outages per year.
    pub per_year: f64,
    /// Mean length (minutes); NaN (null) without outages.
    pub mean_minutes: f64,
    /// Median length from the histogram (minutes, ±12%).
    pub p50_minutes: f64,
    /// 99th percentile length from the histogram (minutes, ±12%).
    pub p99_minutes: f64,
    /// The longest (minutes).
    pub longest_minutes: f64,
}

/// What zero outages in the simulated years allow one to say (one-sided, 95%).
///
/// With no outage in `T` years the exact Poisson upper bound on the outage rate is
/// `−ln(0.05) / T` (≈ 3/T, the "rule of three"). An unavailability needs an outage length as
/// well, and none was seen: the bound assumes outages last the longest mean down time of any
/// failure process or failover in the model, which over-states the length of outages that need
/// several failures at once (they end when the first repair does).
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct NoOutage {
    /// Simulated years without an outage.
    pub years: f64,
    /// Upper bound on outages per year.
    pub outages_per_year_upper: f64,
    /// The outage length the unavailability bound assumes (hours).
    pub assumed_outage_hours: f64,
    /// Upper bound on unavailability.
    pub unavailability_upper: f64,
    /// The matching lower bound on nines.
    pub nines_lower: f64,
}

impl NoOutage {
    /// The bounds after `years` simulated years without an outage, assuming outages of
    /// `outage_ns`.
    pub fn of(years: f64, outage_ns: u64) -> NoOutage {
        NoOutage::at(years, outage_ns, LEVEL)
    }

    /// [`NoOutage::of`] with the one-sided bound at `level`.
    pub fn at(years: f64, outage_ns: u64, level: f64) -> NoOutage {
        let rate = -(1.0 - level).ln() / years;
        let hours = outage_ns as f64 / 3.6e12;
        // Expected down fraction of an alternating process with that rate and length.
        let down = rate * hours / (24.0 * 365.0);
        let u = down / (1.0 + down);
        NoOutage {
            years,
            outages_per_year_upper: rate,
            assumed_outage_hours: hours,
            unavailability_upper: u,
            nines_lower: stats::nines(1.0 - u),
        }
    }
}

/// The rare-event estimate of one endpoint.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct RareStats {
    /// Unavailability with failure biasing, with its interval.
    pub unavailability: Estimate,
    /// The same from plain cycles of equal number, for comparison.
    pub plain_unavailability: Estimate,
    /// Variance of the plain estimate over that of the biased one (same number of cycles).
    pub variance_reduction: f64,
    /// Half-width of the nines interval of the biased estimate.
    pub nines_half_width: f64,
    /// Cycles per kind in all seeds.
    pub cycles: u64,
}

/// One endpoint's statistics.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct EndpointStats {
    /// Endpoint name.
    pub endpoint: String,
    /// Time-based availability, 95% interval.
    pub availability: Estimate,
    /// Its nines.
    pub nines: Estimate,
    /// Downtime per year.
    pub downtime_minutes_per_year: Option<Downtime>,
    /// Outages.
    pub outages: Option<Outages>,
    /// Mean time between the endpoint's outages (up time per outage, hours).
    pub mtbf_hours: Option<f64>,
    /// Mean time to recover (down time per outage, hours).
    pub mttr_hours: Option<f64>,
    /// The analytic estimate.
    pub analytic: Analytic,
    /// Whether the analytic estimate lies inside the interval (with no outage seen: at or
    /// below the one-sided bound); `None` when the formula does not apply or there is no
    /// interval.
    pub analytic_inside: Option<bool>,
    /// The one-sided bounds, when no outage was seen in any seed (time-based method).
    pub no_outage: Option<NoOutage>,
    /// The rare-event estimate (rare-event method).
    pub rare: Option<RareStats>,
}

/// One class's importance for one endpoint.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Importance {
    /// Class kind.
    pub kind: String,
    /// Class name.
    pub name: String,
    /// Fraction of time the class was down.
    pub down_fraction: f64,
    /// Birnbaum importance `U(e | c down) − U(e | c up)`.
    pub birnbaum: f64,
    /// Risk achievement worth `U(e | c down) / U(e)`.
    pub raw: f64,
    /// Risk reduction worth `U(e) / U(e | c up)`.
    pub rrw: f64,
    /// Nines the endpoint would gain with this class perfect.
    pub nines_lost: f64,
}

/// Importance of every class that was ever down, for one endpoint, ranked by nines lost.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct EndpointImportance {
    /// Endpoint name.
    pub endpoint: String,
    /// Ranked, most nines lost first.
    pub ranking: Vec<Importance>,
}

/// A seed that stopped at a limit.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct StoppedSeed {
    /// The seed.
    pub seed: u64,
    /// What stopped it.
    pub limit: String,
}

/// The results document.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Results {
    /// What was run.
    pub meta: Meta,
    /// Seeds in the data.
    pub seeds: u64,
    /// Simulated years in all seeds (time-based method).
    pub years: f64,
    /// Events processed in all seeds.
    pub events: u64,
    /// Seeds that stopped at a limit.
    pub stopped: Vec<StoppedSeed>,
    /// Per endpoint.
    pub endpoints: Vec<EndpointStats>,
    /// Per endpoint, importance of each class.
    pub importance: Vec<EndpointImportance>,
    /// The mergeable data.
    pub data: Partial,
    /// How a run until settled (`--precision`) chose its seeds; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<crate::montecarlo::settle::Settled>,
}

/// A results or shard file as read back.
#[derive(Clone, Debug, Deserialize)]
pub struct Stored {
    /// Layout version.
    pub schema_version: u32,
    /// `availability`.
    pub kind: String,
    /// What was run.
    pub meta: Meta,
    /// The data.
    pub data: Partial,
}

/// An interval cut to [lo, hi].
fn within(e: Estimate, lo: f64, hi: f64) -> Estimate {
    Estimate { low: e.low.clamp(lo, hi), high: e.high.clamp(lo, hi), value: e.value.clamp(lo, hi), ..e }
}

/// A ratio estimate `x̄ / ȳ` with a delta-method interval at 95%, given the mean and variance
/// of `x`, of `y` and their covariance over `n` samples.
fn ratio(n: f64, mx: f64, vx: f64, my: f64, vy: f64, cxy: f64) -> Estimate {
    let r = mx / my;
    let var = (vx - 2.0 * r * cxy + r * r * vy) / (n * my * my);
    let z = 1.959_963_984_540_054;
    let half = z * var.max(0.0).sqrt();
    Estimate { value: r, low: (r - half).max(0.0), high: r + half, n: n as u64 }
}

/// Mean and sample variance from Σx, Σx² over n.
fn moments(n: f64, s: f64, s2: f64) -> (f64, f64) {
    let m = s / n;
    let v = if n > 1.0 { ((s2 - n * m * m) / (n - 1.0)).max(0.0) } else { f64::NAN };
    (m, v)
}

/// The `q` quantile of the outage histogram, in minutes (lower bin edge, interpolated).
fn bin_quantile(bins: &[u64], q: f64) -> f64 {
    let total: u64 = bins.iter().sum();
    if total == 0 {
        return f64::NAN;
    }
    let target = (q * total as f64).ceil().max(1.0) as u64;
    let mut seen = 0;
    for (b, &c) in bins.iter().enumerate() {
        seen += c;
        if seen >= target {
            // The geometric middle of the bin, in minutes.
            let lo = outage_bin_low_s(b).max(if b == 0 { 0.0 } else { 1.0 });
            let hi = if b + 1 < OUTAGE_BINS { outage_bin_low_s(b + 1) } else { lo };
            let mid = if b == 0 { 0.5 } else { (lo * hi).sqrt() };
            return mid / 60.0;
        }
    }
    f64::NAN
}

/// An endpoint's availability over the seed-periods of `eps` (endpoint `e` of `meta`, `years`
/// simulated in all) at `level`: the Student-t interval of the per-period availabilities,
/// within [0, 1]. When no period saw any downtime that interval is [1, 1], which claims a
/// certainty the data cannot give; zero outages then bound the rate one-sidedly instead, and
/// the bound is returned too.
fn years_availability(
    eps: &[&super::record::SeedEndpoint],
    meta: &Meta,
    e: usize,
    years: f64,
    level: f64,
) -> (Estimate, Option<NoOutage>) {
    let period = meta.period_ns.max(1) as f64;
    let per_period: Vec<f64> =
        eps.iter().flat_map(|s| s.period_down_ns.iter()).map(|&d| 1.0 - d as f64 / period).collect();
    let mut a = within(stats::mean_interval(&per_period, level), 0.0, 1.0);
    let down = eps.iter().any(|s| s.outages > 0 || s.down_ns > 0);
    let nothing_can_fail = meta.analytic.get(e).is_some_and(|a| a.nothing_can_fail);
    if down || years <= 0.0 || nothing_can_fail {
        return (a, None);
    }
    let bound = NoOutage::at(years, meta.longest_repair_ns, level);
    a.low = 1.0 - bound.unavailability_upper;
    a.high = 1.0;
    (a, Some(bound))
}

/// Judges one look of `availability --precision` (see [`crate::montecarlo::settle`]): every
/// endpoint's availability interval as [`Results::build`] takes it, at `level`, against an
/// absolute target. Endpoints that nothing can take down are certain and not judged.
pub fn judge_look(target: &Target, meta: &Meta, records: &[SeedRecord], level: f64) -> Look {
    let mut j = Judge::new(target, records.len());
    let years: f64 =
        records.iter().filter_map(|r| r.years.as_ref()).map(|y| y.horizon_ns as f64 / YEAR_NS as f64).sum();
    for (e, name) in meta.endpoints.iter().enumerate() {
        if meta.analytic.get(e).is_some_and(|a| a.nothing_can_fail) {
            continue;
        }
        let eps: Vec<&super::record::SeedEndpoint> =
            records.iter().filter_map(|r| r.years.as_ref()).filter_map(|y| y.endpoints.get(e)).collect();
        let (a, _) = years_availability(&eps, meta, e, years, level);
        j.fraction(|| format!("{name} availability"), a.half_width());
    }
    j.look()
}

impl Results {
    /// Derives every statistic from `meta` and `data`.
    pub fn build(meta: Meta, data: Partial) -> Results {
        let records = &data.records;
        let seeds = records.len() as u64;
        let e_count = meta.endpoints.len();
        let stopped = records
            .iter()
            .filter_map(|r| r.limit.as_ref().map(|l| StoppedSeed { seed: r.seed, limit: l.clone() }))
            .collect();
        let events = records.iter().map(|r| r.events).sum();
        // A fold from +0.0: an empty f64 sum is −0.0, which would print as "-0" years.
        let years_total: f64 = records
            .iter()
            .filter_map(|r| r.years.as_ref())
            .map(|y| y.horizon_ns as f64 / YEAR_NS as f64)
            .fold(0.0, |a, b| a + b);
        let period = meta.period_ns.max(1) as f64;
        let mut endpoints = Vec::new();
        let mut importance = Vec::new();
        for e in 0..e_count {
            let analytic = meta.analytic.get(e).cloned().unwrap_or(Analytic {
                availability: f64::NAN,
                nines: None,
                not_applicable: Some("unknown".to_owned()),
                nothing_can_fail: false,
            });
            let mut st = EndpointStats {
                endpoint: meta.endpoints[e].clone(),
                availability: Estimate { value: f64::NAN, low: f64::NAN, high: f64::NAN, n: 0 },
                nines: Estimate { value: f64::NAN, low: f64::NAN, high: f64::NAN, n: 0 },
                downtime_minutes_per_year: None,
                outages: None,
                mtbf_hours: None,
                mttr_hours: None,
                analytic,
                analytic_inside: None,
                no_outage: None,
                rare: None,
            };
            match meta.method {
                Method::Years => {
                    let eps: Vec<&super::record::SeedEndpoint> =
                        records.iter().filter_map(|r| r.years.as_ref()).filter_map(|y| y.endpoints.get(e)).collect();
                    let (a, bound) = years_availability(&eps, &meta, e, years_total, LEVEL);
                    st.no_outage = bound;
                    let count: u64 = eps.iter().map(|s| s.outages).sum();
                    let down_ns: u128 = eps.iter().map(|s| u128::from(s.down_ns)).sum();
                    let per_year = YEAR_NS as f64 / period;
                    let minutes: Vec<f64> =
                        eps.iter().flat_map(|s| s.period_down_ns.iter()).map(|&d| d as f64 * per_year / 6e10).collect();
                    let down_mean = Estimate {
                        value: (1.0 - a.value) * MINUTES_PER_YEAR,
                        low: (1.0 - a.high) * MINUTES_PER_YEAR,
                        high: (1.0 - a.low) * MINUTES_PER_YEAR,
                        n: a.n,
                    };
                    st.downtime_minutes_per_year = Some(Downtime {
                        mean: down_mean,
                        p50: stats::quantile(&minutes, 0.5),
                        p95: stats::quantile(&minutes, 0.95),
                        p99: stats::quantile(&minutes, 0.99),
                        periods: minutes.len() as u64,
                    });
                    let horizon_ns: u128 =
                        records.iter().filter_map(|r| r.years.as_ref()).map(|y| u128::from(y.horizon_ns)).sum();
                    let bins = data.outage_bins.get(e).map_or(&[][..], |b| b.as_slice());
                    st.outages = Some(Outages {
                        count,
                        per_year: if years_total > 0.0 { count as f64 / years_total } else { f64::NAN },
                        mean_minutes: if count > 0 { down_ns as f64 / count as f64 / 6e10 } else { f64::NAN },
                        p50_minutes: bin_quantile(bins, 0.5),
                        p99_minutes: bin_quantile(bins, 0.99),
                        longest_minutes: eps.iter().map(|s| s.longest_ns).max().unwrap_or(0) as f64 / 6e10,
                    });
                    if count > 0 {
                        st.mtbf_hours = Some((horizon_ns - down_ns) as f64 / count as f64 / 3.6e12);
                        st.mttr_hours = Some(down_ns as f64 / count as f64 / 3.6e12);
                    }
                    st.nines = stats::nines_of(&a);
                    st.availability = a;
                    importance.push(EndpointImportance {
                        endpoint: meta.endpoints[e].clone(),
                        ranking: rank(&meta, records, e, down_ns, horizon_ns),
                    });
                }
                Method::RareEvents => {
                    let rs: Vec<&super::record::RareSeed> = records.iter().filter_map(|r| r.rare.as_ref()).collect();
                    let n: f64 = rs.iter().map(|r| r.cycles as f64).sum();
                    let sum = |f: &dyn Fn(&super::record::RareSeed) -> f64| rs.iter().map(|r| f(r)).sum::<f64>();
                    let (mt, vt) = moments(n, sum(&|r| r.cycle_hours.0), sum(&|r| r.cycle_hours.1));
                    let (mb, vb) = moments(n, sum(&|r| r.biased[e].0), sum(&|r| r.biased[e].1));
                    let (mp, vp) = moments(n, sum(&|r| r.plain[e].0), sum(&|r| r.plain[e].1));
                    let cross = if n > 1.0 { (sum(&|r| r.plain_cross[e]) - n * mp * mt) / (n - 1.0) } else { f64::NAN };
                    let u = ratio(n, mb, vb, mt, vt, 0.0);
                    let u_plain = ratio(n, mp, vp, mt, vt, cross);
                    let a = Estimate { value: 1.0 - u.value, low: 1.0 - u.high, high: 1.0 - u.low, n: u.n };
                    let a = within(a, 0.0, 1.0);
                    st.nines = stats::nines_of(&a);
                    st.availability = a;
                    st.downtime_minutes_per_year = Some(Downtime {
                        mean: Estimate {
                            value: u.value * MINUTES_PER_YEAR,
                            low: u.low * MINUTES_PER_YEAR,
                            high: u.high * MINUTES_PER_YEAR,
                            n: u.n,
                        },
                        p50: f64::NAN,
                        p95: f64::NAN,
                        p99: f64::NAN,
                        periods: 0,
                    });
                    let var_b = (u.high - u.value).powi(2);
                    let var_p = (u_plain.high - u_plain.value).powi(2);
                    st.rare = Some(RareStats {
                        unavailability: u,
                        plain_unavailability: u_plain,
                        variance_reduction: if var_b > 0.0 { var_p / var_b } else { f64::NAN },
                        nines_half_width: (st.nines.high - st.nines.low) / 2.0,
                        cycles: n as u64,
                    });
                }
            }
            st.analytic_inside = (st.analytic.not_applicable.is_none() && st.availability.has_interval())
                .then(|| st.availability.contains(st.analytic.availability));
            endpoints.push(st);
        }
        Results { meta, seeds, years: years_total, events, stopped, endpoints, importance, data, precision: None }
    }
}

/// Importance of every class for endpoint `e`, most nines lost first.
fn rank(meta: &Meta, records: &[SeedRecord], e: usize, down_ns: u128, horizon_ns: u128) -> Vec<Importance> {
    let years: Vec<&super::record::YearsSeed> = records.iter().filter_map(|r| r.years.as_ref()).collect();
    let horizon = horizon_ns as f64;
    let u = down_ns as f64 / horizon.max(1.0);
    let mut out: Vec<Importance> = meta
        .classes
        .iter()
        .enumerate()
        .filter_map(|(k, c)| {
            let class_down: u128 = years.iter().filter_map(|y| y.class_down_ns.get(k)).map(|&x| u128::from(x)).sum();
            let both: u128 = years
                .iter()
                .filter_map(|y| y.endpoints.get(e))
                .filter_map(|s| s.down_with_class_ns.get(k))
                .map(|&x| u128::from(x))
                .sum();
            if class_down == 0 || horizon_ns == 0 {
                return None;
            }
            let u_down = both as f64 / class_down as f64;
            let up_time = horizon - class_down as f64;
            let u_up = if up_time > 0.0 { (down_ns - both) as f64 / up_time } else { f64::NAN };
            Some(Importance {
                kind: c.kind.clone(),
                name: c.name.clone(),
                down_fraction: class_down as f64 / horizon,
                birnbaum: u_down - u_up,
                raw: if u > 0.0 { u_down / u } else { f64::NAN },
                rrw: if u_up > 0.0 { u / u_up } else { f64::INFINITY },
                nines_lost: stats::nines(1.0 - u_up) - stats::nines(1.0 - u),
            })
        })
        .collect();
    // Most nines lost first; ties (and infinities) by Birnbaum, then by name for stable bytes.
    out.sort_by(|a, b| {
        b.nines_lost
            .total_cmp(&a.nines_lost)
            .then(b.birnbaum.total_cmp(&a.birnbaum))
            .then(a.kind.cmp(&b.kind))
            .then(a.name.cmp(&b.name))
    });
    out
}
