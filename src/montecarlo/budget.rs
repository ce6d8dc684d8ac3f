//! Error budgets: what each availability objective's budget looks like under the simulated
//! per-seed failure distribution.
//!
//! An objective is an endpoint's SLO `availability` (over its `window`, default 30 days) or
//! an `Availability` hypothesis (its `at_least`, over 30 days). The budget is the fraction
//! `1 − target` of the window's requests that may fail. For each seed (an independent
//! replication) with availability `a` over the measured time `m`:
//!
//! - **burn rate** `b = (1 − a) / (1 − target)`: how fast the run spends budget (1 = exactly
//!   on budget). Projected over the window as if the run's conditions lasted all window,
//!   the budget is exhausted when `b > 1`.
//! - **spent once a window** `s = b · m / window`: the share of the window's budget this run's
//!   failures cost if the scenario happens once per window (an incident) and the rest of the
//!   window is clean. Exhausted when `s > 1`. This is what an `ErrorBudgetBurn` hypothesis
//!   bounds.
//!
//! Means come with Student-t intervals over seeds; the probability of exhausting the budget
//! is the fraction of seeds that do, with its exact (Clopper–Pearson) interval — seeds are
//! independent, requests within a seed are not.

use serde::Serialize;

use super::partial::Partial;
use crate::scenario::{Check, Scenario};
use crate::stats::{self, Estimate};
use crate::units::Duration;

/// Confidence level of every interval here.
pub const LEVEL: f64 = 0.95;
/// Window of an objective that gives none (an `Availability` hypothesis): 30 days.
pub const DEFAULT_WINDOW: Duration = Duration(30 * 86_400 * 1_000_000_000);

/// The share of a window's error budget spent by a run with availability `a` measured over
/// `measured`, against `target` over `window` (1 = the whole budget).
pub fn spent(a: f64, target: f64, measured: Duration, window: Duration) -> f64 {
    burn_rate(a, target) * measured.0 as f64 / window.0.max(1) as f64
}

/// How fast a run with availability `a` spends the budget of `target` (1 = on budget).
pub fn burn_rate(a: f64, target: f64) -> f64 {
    if target >= 1.0 {
        return if a >= 1.0 { 0.0 } else { f64::INFINITY };
    }
    (1.0 - a).max(0.0) / (1.0 - target)
}

/// One objective's budget under the simulated failures.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Budget {
    /// The endpoint.
    pub endpoint: String,
    /// Where the objective comes from: `slo`, or the hypothesis's name.
    pub source: String,
    /// The availability target.
    pub target: f64,
    /// The window the budget is counted over (ns).
    pub window_ns: u64,
    /// Measured time per run, after the warm-up (ns).
    pub measured_ns: u64,
    /// Burn rate: mean over seeds with its interval.
    pub burn_rate: Estimate,
    /// Probability that the budget is exhausted if the run's conditions lasted the whole
    /// window (seeds with burn rate > 1), with its exact interval.
    pub exhausted_if_sustained: Estimate,
    /// Share of the window's budget spent if the scenario happens once per window: mean over
    /// seeds with its interval.
    pub spent_once: Estimate,
    /// Probability that one occurrence exhausts the window's budget (seeds spending > 100%),
    /// with its exact interval.
    pub exhausted_once: Estimate,
    /// Largest number of occurrences per window that the mean spend leaves budget for (with
    /// no failure seen, the number the one-sided bound on the spend leaves budget for: at
    /// least that many).
    pub occurrences_per_window: Option<f64>,
    /// Whether no request failed in any seed: then the burn rate and spend are `[0, bound]`,
    /// the bound from the exact one-sided limit on the failure probability per request.
    pub no_failures: bool,
}

/// The budgets of every availability objective of `scenario`, from its seeds' `data`.
pub fn budgets(scenario: &Scenario, data: &Partial) -> Vec<Budget> {
    let t = &scenario.topology;
    let mut objectives: Vec<(usize, String, f64, Duration)> = Vec::new();
    for (i, e) in t.endpoints().iter().enumerate() {
        if let Some(slo) = &e.slo {
            if let Some(a) = slo.availability {
                objectives.push((i, "slo".to_owned(), a, slo.window));
            }
        }
    }
    // A hypothesis scoped to a window is a claim about that window, not an objective that
    // whole runs spend a budget against.
    for h in scenario.hypotheses.iter().filter(|h| h.scope.window().is_none()) {
        if let Check::Availability { endpoint, at_least } = h.check {
            let same = objectives.iter().any(|(i, _, a, _)| *i == endpoint.index() && *a == at_least);
            if !same {
                objectives.push((endpoint.index(), h.name.clone(), at_least, DEFAULT_WINDOW));
            }
        }
    }
    let measured = Duration(scenario.duration.0.saturating_sub(scenario.warmup.0));
    objectives
        .into_iter()
        .map(|(i, source, target, window)| {
            let avail: Vec<f64> =
                data.records.iter().filter_map(|r| r.endpoints.get(i)).map(|e| e.availability()).collect();
            let rates: Vec<f64> = avail.iter().map(|&a| burn_rate(a, target)).collect();
            let once: Vec<f64> = avail.iter().map(|&a| spent(a, target, measured, window)).collect();
            let n = avail.len() as u64;
            let over = |xs: &[f64]| xs.iter().filter(|&&x| x > 1.0).count() as u64;
            let mut spent_once = stats::mean_interval(&once, LEVEL);
            let mut burn = stats::mean_interval(&rates, LEVEL);
            let served: u64 = data.records.iter().filter_map(|r| r.endpoints.get(i)).map(|e| e.ok + e.degraded).sum();
            let failed: u64 = data.records.iter().filter_map(|r| r.endpoints.get(i)).map(|e| e.failed.total()).sum();
            let no_failures = failed == 0 && served > 0 && target < 1.0;
            let mut occurrences =
                (spent_once.value > 0.0 && spent_once.value.is_finite()).then(|| (1.0 / spent_once.value).floor());
            if no_failures {
                // Every seed burnt nothing: the t-intervals are [0, 0]. Bound the failure
                // probability per request instead (fewer than ≈ 3 per requests served).
                let u = stats::zero_count_upper(served as f64, LEVEL);
                burn = Estimate { value: 0.0, low: 0.0, high: burn_rate(1.0 - u, target), n };
                spent_once = Estimate { value: 0.0, low: 0.0, high: spent(1.0 - u, target, measured, window), n };
                occurrences = Some((1.0 / spent_once.high).floor());
            }
            Budget {
                endpoint: t.endpoints()[i].name.clone(),
                source,
                target,
                window_ns: window.0,
                measured_ns: measured.0,
                burn_rate: burn,
                exhausted_if_sustained: stats::clopper_pearson(over(&rates), n, LEVEL),
                exhausted_once: stats::clopper_pearson(over(&once), n, LEVEL),
                occurrences_per_window: occurrences,
                no_failures,
                spent_once,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spend_is_failures_against_the_windows_budget() {
        // 99% against 99.9% burns 10× too fast; 1 day of it spends 10/30 of a 30-day budget.
        assert!((burn_rate(0.99, 0.999) - 10.0).abs() < 1e-9);
        let s = spent(0.99, 0.999, Duration::from_secs(86_400), DEFAULT_WINDOW);
        assert!((s - 1.0 / 3.0).abs() < 1e-9, "{s}");
        assert_eq!(burn_rate(1.0, 0.999), 0.0);
        assert_eq!(burn_rate(0.5, 1.0), f64::INFINITY);
    }
}
