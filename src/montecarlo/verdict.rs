//! Hypotheses: each is checked on every seed, then judged over the seeds with an exact
//! (Clopper–Pearson) interval of its pass rate: *pass* when the whole interval is at or above
//! the required fraction of seeds, *fail* when it is wholly below, *inconclusive* when it
//! straddles it — then more seeds are needed, and the verdict says how many.
//!
//! Every check is judged on every seed. `NoDataLoss` is judged on each seed's data lost:
//! messages dropped by full queues plus writes lost at failovers. `NoCascadeBeyond` uses the
//! unhealthy-service detector of [`crate::metrics::health`], the same as `faultsim cascade`.

use serde::{Deserialize, Serialize};

use crate::metrics::run::RunMetrics;
use crate::scenario::{Check, Hypothesis, Scenario, Scope};
use crate::stats::{self, Estimate};

/// Confidence level of verdicts.
pub const LEVEL: f64 = 0.95;

/// One hypothesis on one seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SeedCheck {
    /// Whether it held; `None` when it could not be evaluated on this seed.
    pub passed: Option<bool>,
    /// The measured value it was judged on (its unit depends on the check), if any.
    pub value: Option<f64>,
}

/// A hypothesis as results need it to judge seeds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HypothesisMeta {
    /// Its label.
    pub name: String,
    /// What it claims, in words.
    pub claim: String,
    /// Fraction of seeds that must pass.
    pub seeds_passing: f64,
    /// Why it cannot be evaluated in this version, if so.
    pub not_evaluable: Option<String>,
}

/// The judgement of one hypothesis over all seeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Judgement {
    /// The pass rate is at or above the requirement with 95% confidence.
    Pass,
    /// The pass rate is below the requirement with 95% confidence.
    Fail,
    /// The interval straddles the requirement: run more seeds.
    Inconclusive,
    /// This version cannot evaluate the check.
    NotEvaluable,
}

/// What a verdict's counts count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Counted {
    /// Seeds (a hypothesis over runs).
    #[default]
    Seeds,
    /// Fault schedules tried (the fault-space search).
    Schedules,
}

impl Counted {
    /// The plural noun.
    pub fn name(self) -> &'static str {
        match self {
            Counted::Seeds => "seeds",
            Counted::Schedules => "schedules",
        }
    }

    fn is_seeds(&self) -> bool {
        *self == Counted::Seeds
    }
}

/// A hypothesis's verdict with its evidence.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Verdict {
    /// Its label.
    pub name: String,
    /// What it claims.
    pub claim: String,
    /// The judgement.
    pub judgement: Judgement,
    /// Seeds (or schedules) on which it held.
    pub passed: u64,
    /// Seeds (or schedules) on which it could be evaluated.
    pub evaluated: u64,
    /// What `passed` and `evaluated` count (absent in JSON: seeds).
    #[serde(skip_serializing_if = "Counted::is_seeds")]
    pub counts: Counted,
    /// Required fraction of seeds.
    pub required: f64,
    /// The pass rate with its exact 95% interval.
    pub pass_rate: Estimate,
    /// Seeds on which it failed (for replay).
    pub failing_seeds: Vec<u64>,
    /// Why it could not be judged, or what would settle it.
    pub note: Option<String>,
    /// Where a sequential check decided it, when seeds ran in looks (see [`judge_sequential`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sequential: Option<Look>,
}

/// The look of a sequential check a verdict comes from.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Look {
    /// Which look (1-based): the first whose interval decided it, or the last one run.
    pub look: usize,
    /// Looks in the schedule.
    pub looks: usize,
    /// Seeds the verdict was judged on (the look's size).
    pub seeds: u64,
    /// Confidence level of each look's interval: `1 - (1 - LEVEL) / looks`.
    pub level: f64,
}

/// Every hypothesis of `hypotheses` judged sequentially on `records` (one per seed, in seed
/// order) over the looks `sizes` (see [`judge_sequential`]).
pub fn judge_all_sequential(
    hypotheses: &[HypothesisMeta],
    records: &[super::partial::SeedRecord],
    sizes: &[u64],
) -> Vec<Verdict> {
    hypotheses
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let checks: Vec<(u64, &SeedCheck)> =
                records.iter().filter_map(|r| r.checks.get(i).map(|c| (r.seed, c))).collect();
            judge_sequential(h, &checks, sizes)
        })
        .collect()
}

/// The level of each look's intervals in a schedule of `looks` looks: 1 − (1 − [`LEVEL`]) / looks.
pub fn look_level(looks: usize) -> f64 {
    1.0 - (1.0 - LEVEL) / looks.max(1) as f64
}

/// The sizes (cumulative seed counts) of a sequential check's looks: `first`, then doubling
/// while at most `max`. One look when `first >= max`.
pub fn look_sizes(first: u64, max: u64) -> Vec<u64> {
    let first = first.clamp(1, max.max(1));
    let mut sizes = vec![first];
    while let Some(next) = sizes.last().and_then(|n| n.checked_mul(2)).filter(|&n| n <= max) {
        sizes.push(next);
    }
    sizes
}

/// Judges a hypothesis looked at repeatedly: after each of `sizes` seeds (the schedule,
/// fixed before any seed runs) with the exact interval at level `1 - (1 - LEVEL) / K` for `K`
/// looks. By the union bound the chance that any look wrongly passes (or wrongly fails) a
/// hypothesis is at most what one look at [`LEVEL`] allows, however many looks ran. The
/// verdict is the first look's that decides; later seeds (run for other hypotheses) do not
/// reopen it. Undecided at every look run: inconclusive on the seeds of the last one.
/// `checks` are `(seed, check)` in seed order; looks beyond them are not judged.
pub fn judge_sequential(meta: &HypothesisMeta, checks: &[(u64, &SeedCheck)], sizes: &[u64]) -> Verdict {
    let looks = sizes.len().max(1);
    let level = look_level(looks);
    if meta.seeds_passing >= 1.0 {
        // "Every seed" is judged on every seed run, so a failure seen at any look counts.
        let ran = sizes.iter().rposition(|&n| n as usize <= checks.len()).unwrap_or(0);
        let mut v = judge_at(meta, checks, level);
        v.sequential = Some(Look { look: ran + 1, looks, seeds: checks.len() as u64, level });
        return v;
    }
    let mut last = None;
    for (k, &n) in sizes.iter().enumerate() {
        let Some(prefix) = checks.get(..n as usize) else { break };
        let mut v = judge_at(meta, prefix, level);
        v.sequential = Some(Look { look: k + 1, looks, seeds: n, level });
        if matches!(v.judgement, Judgement::Pass | Judgement::Fail | Judgement::NotEvaluable) {
            return v;
        }
        last = Some(v);
    }
    let mut v = last.unwrap_or_else(|| judge_at(meta, checks, level));
    if v.judgement == Judgement::Inconclusive {
        let seeds = v.sequential.map_or(checks.len() as u64, |l| l.seeds);
        v.note = Some(if seeds < sizes.last().copied().unwrap_or(0) {
            format!("undecided after {seeds} seeds; the schedule's later looks were not run")
        } else {
            format!("undecided after {seeds} seeds, the most this check runs: raise --max-seeds")
        });
    }
    v
}

impl HypothesisMeta {
    /// The metadata of a scenario's hypothesis.
    pub fn of(h: &Hypothesis, s: &Scenario) -> HypothesisMeta {
        let t = &s.topology;
        let ep = |e: crate::topology::EndpointId| t.endpoints()[e.index()].name.clone();
        let (claim, not_evaluable) = match &h.check {
            Check::Availability { endpoint, at_least } => {
                (format!("availability of `{}` ≥ {}%", ep(*endpoint), at_least * 100.0), None)
            }
            Check::Latency { endpoint, percentile, at_most } => {
                (format!("p{percentile} latency of `{}` ≤ {at_most}", ep(*endpoint)), None)
            }
            Check::NoDataLoss => ("no data loss (queue overflow, writes lost at failover)".to_owned(), None),
            Check::RecoversWithin { endpoint, within } => {
                (format!("`{}` recovers within {within} after each fault", ep(*endpoint)), None)
            }
            Check::NoCascadeBeyond { services } => (format!("no cascade beyond {services} services"), None),
            Check::ErrorBudgetBurn { endpoint, at_most } => {
                (format!("error-budget burn of `{}` ≤ {at_most}", ep(*endpoint)), None)
            }
        };
        let claim = match &h.scope {
            Scope::Run => claim,
            Scope::Window { label, .. } => format!("{claim} {label}"),
        };
        HypothesisMeta { name: h.name.clone(), claim, seeds_passing: h.seeds_passing, not_evaluable }
    }
}

/// Checks one hypothesis on one seed's measurements: on the whole measured run, or on the
/// window of its scope (see [`check_in_window`]).
pub fn check_seed(h: &Hypothesis, m: &RunMetrics, s: &Scenario) -> SeedCheck {
    if let Some((from, to)) = h.scope.window() {
        return check_in_window(h, m, s, from.as_nanos(), to.as_nanos());
    }
    let none = SeedCheck { passed: None, value: None };
    match &h.check {
        Check::Availability { endpoint, at_least } => {
            let e = &m.endpoints[endpoint.index()];
            if e.requests == 0 {
                return none;
            }
            let a = e.availability();
            SeedCheck { passed: Some(a >= *at_least), value: Some(a) }
        }
        Check::Latency { endpoint, percentile, at_most } => {
            let e = &m.endpoints[endpoint.index()];
            if e.latency.count() == 0 {
                return none;
            }
            let ns = e.latency.percentile_ns(*percentile);
            SeedCheck { passed: Some(ns <= at_most.as_nanos()), value: Some(ns as f64 / 1e6) }
        }
        Check::RecoversWithin { endpoint, within } => {
            recovers_within(m, s, endpoint.index(), within.as_nanos(), &|_| true)
        }
        Check::ErrorBudgetBurn { endpoint, at_most } => {
            let e = &m.endpoints[endpoint.index()];
            let measured = crate::units::Duration(s.duration.0.saturating_sub(s.warmup.0));
            budget_burn(s, endpoint.index(), e.requests, e.availability(), measured, *at_most)
        }
        Check::NoDataLoss => {
            // Every seed can be judged: messages dropped by full queues and writes lost at
            // failovers are counted whenever they happen after the warm-up.
            let lost = m.data_lost();
            SeedCheck { passed: Some(lost == 0), value: Some(lost as f64) }
        }
        Check::NoCascadeBeyond { services } => {
            let b = m.bucket_ns.max(1);
            no_cascade_beyond(m, s, *services, s.warmup.as_nanos() / b, m.end_time_ns.div_ceil(b), false)
        }
    }
}

/// Checks a hypothesis on the window `[from, to)` (ns) of one seed. Requests count by the
/// time they completed, to the metrics bucket (the window is widened outwards to whole
/// buckets, as the run summary's fault table is); a latency percentile comes from the
/// buckets' binned latencies (about ±12%); data lost counts messages dropped and failovers
/// that began in the window; a cascade counts services unhealthy in it; recovery is judged
/// after the named fault, or after the faults that end inside an explicit window.
fn check_in_window(h: &Hypothesis, m: &RunMetrics, s: &Scenario, from: u64, to: u64) -> SeedCheck {
    let none = SeedCheck { passed: None, value: None };
    let b = m.bucket_ns.max(1);
    match &h.check {
        Check::Availability { endpoint, at_least } => {
            let (served, failed) = m.endpoints[endpoint.index()].window_counts(b, from, to);
            if served + failed == 0 {
                return none;
            }
            let a = served as f64 / (served + failed) as f64;
            SeedCheck { passed: Some(a >= *at_least), value: Some(a) }
        }
        Check::Latency { endpoint, percentile, at_most } => {
            let bins = m.endpoints[endpoint.index()].window_latency(b, from, to);
            match bins.percentile_ns(*percentile) {
                Some(ns) => SeedCheck { passed: Some(ns <= at_most.as_nanos()), value: Some(ns as f64 / 1e6) },
                None => none,
            }
        }
        Check::RecoversWithin { endpoint, within } => {
            let fault = match &h.scope {
                Scope::Window { fault, .. } => fault.clone(),
                Scope::Run => None,
            };
            let judged = |f: &crate::scenario::FaultWindow| match &fault {
                Some(name) => &f.name == name,
                None => f.end.is_some_and(|e| e.as_nanos() >= from && e.as_nanos() <= to),
            };
            recovers_within(m, s, endpoint.index(), within.as_nanos(), &judged)
        }
        Check::ErrorBudgetBurn { endpoint, at_most } => {
            let (served, failed) = m.endpoints[endpoint.index()].window_counts(b, from, to);
            let a = if served + failed == 0 { 1.0 } else { served as f64 / (served + failed) as f64 };
            let measured = crate::units::Duration(to.saturating_sub(from.max(s.warmup.as_nanos())));
            budget_burn(s, endpoint.index(), served + failed, a, measured, *at_most)
        }
        Check::NoDataLoss => {
            let (first, last) = (from / b, to.div_ceil(b));
            let dropped: u64 = m
                .queues
                .iter()
                .flat_map(|q| q.dropped_by_bucket.iter())
                .filter(|(bucket, _)| (first..last).contains(bucket))
                .map(|(_, n)| n)
                .sum();
            let lost_writes: u64 = m
                .datastores
                .iter()
                .flat_map(|d| d.outages.iter())
                .filter(|o| (from..to).contains(&o.lost_at_ns))
                .map(|o| o.writes_lost)
                .sum();
            let lost = dropped + lost_writes;
            SeedCheck { passed: Some(lost == 0), value: Some(lost as f64) }
        }
        Check::NoCascadeBeyond { services } => {
            no_cascade_beyond(m, s, *services, (from / b).max(s.warmup.as_nanos() / b), to.div_ceil(b), true)
        }
    }
}

/// The share of the SLO window's budget that `requests` at availability `a` over `measured`
/// spend, judged against `at_most`; not evaluated without requests or an availability SLO.
fn budget_burn(
    s: &Scenario,
    endpoint: usize,
    requests: u64,
    a: f64,
    measured: crate::units::Duration,
    at_most: f64,
) -> SeedCheck {
    let slo = s.topology.endpoints()[endpoint].slo.as_ref();
    match slo.and_then(|slo| slo.availability.map(|t| (t, slo.window))) {
        Some((t, window)) if t < 1.0 && requests > 0 => {
            let burn = super::budget::spent(a, t, measured, window);
            SeedCheck { passed: Some(burn <= at_most), value: Some(burn) }
        }
        _ => SeedCheck { passed: None, value: None },
    }
}

/// Whether goodput returns to its pre-fault level within `within` after every fault that
/// ends before the run does. Pre-fault level: the mean served per bucket between the warm-up
/// and the first fault; recovered: five consecutive buckets averaging at least 90% of it
/// (a single bucket is too noisy at low rates). The value is the slowest recovery (s).
fn recovers_within(
    m: &RunMetrics,
    s: &Scenario,
    endpoint: usize,
    within: u64,
    judged: &dyn Fn(&crate::scenario::FaultWindow) -> bool,
) -> SeedCheck {
    let series = &m.endpoints[endpoint].series;
    let b = m.bucket_ns.max(1);
    let first_fault = s.faults.iter().map(|f| f.start.as_nanos()).min().unwrap_or(s.duration.as_nanos());
    let (from, to) = ((s.warmup.as_nanos() / b) as usize, (first_fault / b) as usize);
    let before = series.get(from..to.min(series.len())).unwrap_or(&[]);
    if before.is_empty() {
        return SeedCheck { passed: None, value: None };
    }
    let baseline = before.iter().map(|x| x.served as f64).sum::<f64>() / before.len() as f64;
    let end_of_run = (s.duration.as_nanos() / b) as usize;
    let mut slowest = 0.0f64;
    let mut ends = 0;
    for f in s.faults.iter().filter(|f| judged(f)) {
        let Some(end) = f.end.map(|e| e.as_nanos()) else { continue };
        ends += 1;
        let start = end.div_ceil(b) as usize;
        let recovered = (start..end_of_run.saturating_sub(4)).find(|&i| {
            let w = series.get(i..i + 5).unwrap_or(&[]);
            w.len() == 5 && w.iter().map(|x| x.served as f64).sum::<f64>() / 5.0 >= 0.9 * baseline
        });
        let took = match recovered {
            Some(i) => (i as u64 * b).saturating_sub(end) as f64 / 1e9,
            None => f64::INFINITY,
        };
        slowest = slowest.max(took);
    }
    if ends == 0 {
        return SeedCheck { passed: None, value: None };
    }
    SeedCheck { passed: Some(slowest * 1e9 <= within as f64), value: Some(slowest) }
}

/// Counts the services that became unhealthy (see [`crate::metrics::health`], default
/// thresholds) in buckets `from..to` although no fault or failure process acted on them; the
/// value is that count. `within` keeps the detector's windows inside those buckets (a scoped
/// hypothesis) instead of letting the last reach past `to`.
fn no_cascade_beyond(m: &RunMetrics, s: &Scenario, services: u32, from: u64, to: u64, within: bool) -> SeedCheck {
    use crate::metrics::health;
    let (from, to) = (from as usize, to as usize);
    let (origins, th) = (health::scenario_origins(s), health::Thresholds::default());
    let n = if within {
        health::cascaded_within(m, &origins, from, to, &th).len()
    } else {
        health::cascaded(m, &origins, &[], from, to, &th).len()
    };
    SeedCheck { passed: Some(n as u64 <= u64::from(services)), value: Some(n as f64) }
}

/// Seeds needed, all passing, for the exact lower bound at `level` to reach `required` (< 1).
fn seeds_needed(required: f64, level: f64) -> u64 {
    // With k = n, the Clopper–Pearson lower bound is (α/2)^(1/n).
    let alpha_half = (1.0 - level) / 2.0;
    (alpha_half.ln() / required.ln()).ceil() as u64
}

/// Judges a hypothesis from its per-seed checks (`(seed, check)` in seed order).
pub fn judge(meta: &HypothesisMeta, checks: &[(u64, &SeedCheck)]) -> Verdict {
    judge_at(meta, checks, LEVEL)
}

/// [`judge`] with the pass rate's exact interval at `level`.
fn judge_at(meta: &HypothesisMeta, checks: &[(u64, &SeedCheck)], level: f64) -> Verdict {
    let evaluated: Vec<&(u64, &SeedCheck)> = checks.iter().filter(|(_, c)| c.passed.is_some()).collect();
    let passed = evaluated.iter().filter(|(_, c)| c.passed == Some(true)).count() as u64;
    let n = evaluated.len() as u64;
    let failing_seeds: Vec<u64> = evaluated.iter().filter(|(_, c)| c.passed == Some(false)).map(|(s, _)| *s).collect();
    let pass_rate = stats::clopper_pearson(passed, n, level);
    let (judgement, note) = if let Some(why) = &meta.not_evaluable {
        (Judgement::NotEvaluable, Some(why.clone()))
    } else if n == 0 {
        (Judgement::NotEvaluable, Some("no seed could evaluate it (no requests, samples or faults)".to_owned()))
    } else if meta.seeds_passing >= 1.0 {
        // "Every seed" cannot be shown as a rate by sampling; it is judged on the seeds run:
        // any failing seed fails it, and a pass says how rare a failure could still be.
        if passed == n {
            let rare = crate::report::text::pct(1.0 - pass_rate.low);
            (Judgement::Pass, Some(format!("every seed passed; a failure on up to {rare} of seeds is not ruled out")))
        } else {
            (Judgement::Fail, None)
        }
    } else if pass_rate.low >= meta.seeds_passing {
        (Judgement::Pass, None)
    } else if pass_rate.high < meta.seeds_passing {
        (Judgement::Fail, None)
    } else {
        // `seeds_passing` is below 1 here (1 is judged above).
        let need = seeds_needed(meta.seeds_passing, level);
        let hint = if failing_seeds.is_empty() {
            format!(
                "every seed passed, but {n} seeds cannot show a pass rate ≥ {}: run at least {need}",
                meta.seeds_passing
            )
        } else {
            "the interval straddles the requirement: run more seeds".to_owned()
        };
        (Judgement::Inconclusive, Some(hint))
    };
    Verdict {
        name: meta.name.clone(),
        claim: meta.claim.clone(),
        judgement,
        passed,
        evaluated: n,
        counts: Counted::Seeds,
        required: meta.seeds_passing,
        pass_rate,
        failing_seeds,
        note,
        sequential: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(required: f64) -> HypothesisMeta {
        HypothesisMeta { name: "h".into(), claim: "c".into(), seeds_passing: required, not_evaluable: None }
    }

    fn checks(pass: u64, fail: u64) -> Vec<SeedCheck> {
        (0..pass + fail).map(|i| SeedCheck { passed: Some(i < pass), value: None }).collect()
    }

    fn verdict(required: f64, pass: u64, fail: u64) -> Verdict {
        let c = checks(pass, fail);
        let with_seeds: Vec<(u64, &SeedCheck)> = c.iter().enumerate().map(|(i, c)| (i as u64 + 1, c)).collect();
        judge(&meta(required), &with_seeds)
    }

    #[test]
    fn verdicts_follow_the_exact_interval() {
        assert_eq!(verdict(0.5, 10, 0).judgement, Judgement::Pass);
        assert_eq!(verdict(0.5, 0, 10).judgement, Judgement::Fail);
        assert_eq!(verdict(0.5, 0, 10).failing_seeds.len(), 10);
        let v = verdict(0.95, 20, 0);
        assert_eq!(v.judgement, Judgement::Inconclusive, "20/20 cannot show 95%");
        assert!(v.note.as_deref().is_some_and(|n| n.contains("run at least 72")), "{:?}", v.note);
        assert_eq!(verdict(0.95, 72, 0).judgement, Judgement::Pass);
        assert_eq!(verdict(0.9, 5, 5).judgement, Judgement::Fail);
    }

    fn sequential(required: f64, outcomes: &[bool], sizes: &[u64]) -> Verdict {
        let c: Vec<SeedCheck> = outcomes.iter().map(|&p| SeedCheck { passed: Some(p), value: None }).collect();
        let with_seeds: Vec<(u64, &SeedCheck)> = c.iter().enumerate().map(|(i, c)| (i as u64 + 1, c)).collect();
        judge_sequential(&meta(required), &with_seeds, sizes)
    }

    #[test]
    fn every_seed_is_judged_on_every_seed_run() {
        let v = verdict(1.0, 20, 0);
        assert_eq!(v.judgement, Judgement::Pass);
        assert!(v.note.as_deref().is_some_and(|n| n.contains("up to 16.84% of seeds")), "{:?}", v.note);
        assert_eq!(verdict(1.0, 19, 1).judgement, Judgement::Fail);
        // Sequentially: a failure in a later look's seeds is not ignored.
        let mut outcomes = vec![true; 80];
        outcomes[70] = false;
        let v = sequential(1.0, &outcomes, &look_sizes(20, 320));
        assert_eq!(v.judgement, Judgement::Fail);
        assert_eq!(v.failing_seeds, vec![71]);
        assert_eq!(v.sequential.map(|l| (l.look, l.seeds)), Some((3, 80)));
    }

    #[test]
    fn looks_double_up_to_the_maximum() {
        assert_eq!(look_sizes(20, 320), vec![20, 40, 80, 160, 320]);
        assert_eq!(look_sizes(20, 300), vec![20, 40, 80, 160]);
        assert_eq!(look_sizes(50, 10), vec![10]);
        assert_eq!(look_sizes(0, 0), vec![1]);
        assert_eq!(look_sizes(u64::MAX / 2 + 1, u64::MAX), vec![u64::MAX / 2 + 1]);
    }

    #[test]
    fn a_sequential_check_decides_at_the_first_look_that_can() {
        let sizes = look_sizes(20, 320);
        // Every seed passing: each look's lower bound is 0.005^(1/n) at 99%, first ≥ 95% at 160.
        let v = sequential(0.95, &[true; 320], &sizes);
        assert_eq!(v.judgement, Judgement::Pass);
        let look = v.sequential.expect("a look");
        assert_eq!((look.look, look.looks, look.seeds), (4, 5, 160));
        assert!((look.level - 0.99).abs() < 1e-12);
        assert_eq!(v.evaluated, 160, "judged on the look's seeds, not every seed run");
        // Half failing is a fail at the first look.
        let half: Vec<bool> = (0..320).map(|i| i % 2 == 0).collect();
        let v = sequential(0.95, &half, &sizes);
        assert_eq!((v.judgement, v.sequential.map(|l| l.look)), (Judgement::Fail, Some(1)));
        // A pass rate at the requirement stays undecided through the last look.
        let edge: Vec<bool> = (0..320).map(|i| i % 20 != 0).collect();
        let v = sequential(0.95, &edge, &sizes);
        assert_eq!(v.judgement, Judgement::Inconclusive);
        assert!(v.note.as_deref().is_some_and(|n| n.contains("after 320 seeds")), "{:?}", v.note);
        // Fewer seeds than the schedule: judged on what ran, and says so.
        let v = sequential(0.95, &[true; 40], &sizes);
        assert_eq!(v.judgement, Judgement::Inconclusive);
        assert!(v.note.as_deref().is_some_and(|n| n.contains("later looks were not run")), "{:?}", v.note);
    }

    /// The union bound in action: a hypothesis whose true pass rate is just below the
    /// requirement is wrongly passed by the whole sequential procedure at most 2.5% of the time.
    #[test]
    fn repeated_looks_keep_the_wrong_pass_rate_bounded() {
        use rand::{RngExt, SeedableRng};
        let sizes = look_sizes(20, 320);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let trials = 2000;
        let mut wrong = 0;
        for _ in 0..trials {
            let outcomes: Vec<bool> = (0..320).map(|_| rng.random_bool(0.94)).collect();
            wrong += u32::from(sequential(0.95, &outcomes, &sizes).judgement == Judgement::Pass);
        }
        // Bound 2.5%; allow binomial noise of 2000 trials (sd ≈ 0.35%).
        assert!(f64::from(wrong) / f64::from(trials) <= 0.025 + 3.0 * 0.0035, "{wrong} of {trials}");
    }

    #[test]
    fn unevaluable_checks_say_so() {
        let mut m = meta(0.5);
        m.not_evaluable = Some("not yet".into());
        let c = checks(3, 0);
        let with_seeds: Vec<(u64, &SeedCheck)> = c.iter().map(|c| (1, c)).collect();
        assert_eq!(judge(&m, &with_seeds).judgement, Judgement::NotEvaluable);
    }
}
