//! What-if comparisons: a baseline scenario and variants of it (each a patch, see
//! [`crate::patch`]) run on the same seeds; for every metric the per-seed paired difference
//! (variant − baseline) with its 95% interval, beside the interval the same seeds would give
//! unpaired, and a verdict: *better* or *worse* when the paired interval excludes zero in
//! that direction, *no change beyond noise* otherwise.
//!
//! Metrics: per endpoint the request availability, mean, median and p99 latency; per service
//! the utilisation, retries, rejects and wasted work; and, where some run saw them, failures
//! per cause, OOM kills, breaker opens, fallbacks, writes lost with the longest RTO and RPO,
//! duplicate deliveries, dead letters and queue drops. All are whole-run figures after the
//! warm-up, with the scenario's own faults and load.

use std::sync::Arc;

use serde::Serialize;

use super::{paired, run_grid, sign_beyond_noise, Paired};
use crate::metrics::run::{Cause, RunMetrics};
use crate::montecarlo::precision::{Figure, Target};
use crate::montecarlo::settle::Judge;
use crate::scenario::Scenario;
use crate::stats;

/// Which direction is an improvement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    /// Higher is better (availability).
    Higher,
    /// Lower is better (latency, rejects, wasted work).
    Lower,
    /// Neither (utilisation): changes are reported, not judged.
    Neither,
}

/// What a variant did to one metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Better beyond noise.
    Better,
    /// Worse beyond noise.
    Worse,
    /// Changed beyond noise, in a metric that is neither better nor worse by itself.
    Changed,
    /// The interval contains zero.
    NoChange,
}

/// One metric compared.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Metric {
    /// What is measured ("checkout availability").
    pub name: String,
    /// Its unit ("" for shares, "ms", "s", or what is counted: "requests", "kills", "writes"…).
    pub unit: &'static str,
    /// Which direction is better.
    pub better: Better,
    /// The paired comparison.
    #[serde(flatten)]
    pub comparison: Paired,
    /// The smallest difference the measurement can tell apart, in the metric's unit: 0.1%
    /// of the larger value for latencies (the histogram keeps three significant digits), 0
    /// for counts, shares and seconds of work, which are exact.
    pub resolution: f64,
    /// The verdict.
    pub change: Change,
}

/// One variant against the baseline.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Variant {
    /// The patch's name.
    pub name: String,
    /// The patch's description.
    pub description: String,
    /// Every metric, endpoints first.
    pub metrics: Vec<Metric>,
    /// Seeds stopped by a run limit (baseline or variant).
    pub limited: u64,
}

/// A what-if comparison.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct WhatIf {
    /// Scenario name.
    pub scenario: String,
    /// Seeds shared by every run.
    pub seeds: Vec<u64>,
    /// The variants.
    pub variants: Vec<Variant>,
    /// How a run until settled (`--precision`) chose its seeds; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<crate::montecarlo::settle::Settled>,
}

/// One metric a what-if can compare, before the runs.
struct Row {
    name: String,
    unit: &'static str,
    better: Better,
    /// Shown only when some run measured a non-zero value: a model without queues, OOM
    /// kills or data loss would otherwise list dozens of rows of zeros.
    optional: bool,
}

impl Row {
    fn core(name: String, unit: &'static str, better: Better) -> Row {
        Row { name, unit, better, optional: false }
    }

    fn optional(name: String, unit: &'static str, better: Better) -> Row {
        Row { name, unit, better, optional: true }
    }
}

/// Names, units and directions of the metrics of a scenario, in order.
///
/// Always: per endpoint the availability and latencies, per service the utilisation,
/// retries, rejects and wasted work. Where some run saw them: failures per cause, OOM
/// kills, breaker opens and fallbacks, writes lost with the longest RTO and RPO per
/// datastore, and duplicate deliveries, dead letters and drops per queue. Breaker opens
/// and fallbacks are reported, not judged: they are the pattern at work, and what it bought
/// shows in availability and the failure causes.
fn metric_names(s: &Scenario) -> Vec<Row> {
    let t = &s.topology;
    let mut out = Vec::new();
    for e in t.endpoints() {
        out.push(Row::core(format!("{} availability", e.name), "", Better::Higher));
        out.push(Row::core(format!("{} mean latency", e.name), "ms", Better::Lower));
        out.push(Row::core(format!("{} p50 latency", e.name), "ms", Better::Lower));
        out.push(Row::core(format!("{} p99 latency", e.name), "ms", Better::Lower));
        for cause in Cause::ALL {
            out.push(Row::optional(format!("{} failed: {}", e.name, cause.name()), "requests", Better::Lower));
        }
    }
    for svc in t.services() {
        out.push(Row::core(format!("{} utilisation", svc.name), "", Better::Neither));
        out.push(Row::core(format!("{} retries", svc.name), "requests", Better::Lower));
        out.push(Row::core(format!("{} rejected", svc.name), "requests", Better::Lower));
        out.push(Row::core(format!("{} wasted work", svc.name), "s", Better::Lower));
        out.push(Row::optional(format!("{} OOM kills", svc.name), "kills", Better::Lower));
        out.push(Row::optional(format!("{} breaker opens", svc.name), "opens", Better::Neither));
        out.push(Row::optional(format!("{} fallbacks", svc.name), "requests", Better::Neither));
    }
    for d in t.datastores() {
        out.push(Row::optional(format!("{} writes lost", d.name), "writes", Better::Lower));
        out.push(Row::optional(format!("{} longest RTO", d.name), "s", Better::Lower));
        out.push(Row::optional(format!("{} longest RPO", d.name), "s", Better::Lower));
    }
    for q in t.queues() {
        out.push(Row::optional(format!("{} duplicate deliveries", q.name), "messages", Better::Lower));
        out.push(Row::optional(format!("{} dead-lettered", q.name), "messages", Better::Lower));
        out.push(Row::optional(format!("{} dropped", q.name), "messages", Better::Lower));
    }
    out
}

/// Relative resolution of a latency from the histogram (three significant digits).
const LATENCY_RESOLUTION: f64 = 1e-3;

/// The resolution of a metric's difference (see [`Metric::resolution`]).
fn resolution(comparison: &Paired, unit: &str) -> f64 {
    if unit == "ms" {
        LATENCY_RESOLUTION * comparison.baseline.abs().max(comparison.variant.abs())
    } else {
        0.0
    }
}

/// Whether the paired interval lies above `res` (`1`), below `−res` (`−1`), or within
/// reach of zero (`0`): a difference inside the measurement's resolution is not a change,
/// even when every seed shows it (a histogram bucket edge does that).
fn sign_beyond_resolution(comparison: &Paired, res: f64) -> i8 {
    match sign_beyond_noise(&comparison.delta) {
        1 if comparison.delta.low > res => 1,
        -1 if comparison.delta.high < -res => -1,
        _ => 0,
    }
}

/// The metrics of one run, in [`metric_names`] order (NaN where there is no value).
fn values(m: &RunMetrics) -> Vec<f64> {
    let mut out = Vec::new();
    for e in &m.endpoints {
        let has = e.latency.count() > 0;
        let ms = |ns: f64| if has { ns / 1e6 } else { f64::NAN };
        out.push(if e.requests > 0 { e.availability() } else { f64::NAN });
        out.push(ms(e.latency.mean_ns()));
        out.push(ms(e.latency.percentile_ns(50.0) as f64));
        out.push(ms(e.latency.percentile_ns(99.0) as f64));
        for cause in Cause::ALL {
            out.push(e.failed.get(cause) as f64);
        }
    }
    for s in &m.services {
        out.push(s.utilisation());
        out.push(s.retries as f64);
        out.push(s.rejected as f64);
        out.push(s.wasted_ns as f64 / 1e9);
        out.push(s.oom_kills as f64);
        out.push(s.patterns.breaker_opened as f64);
        out.push(s.patterns.fallback_used as f64);
    }
    for d in &m.datastores {
        // A seed without an outage recovered in no time and lost nothing: 0, not missing,
        // so that the pair with a seed that had one still counts.
        let longest = |f: fn(&crate::metrics::infra::FailoverRecord) -> u64| {
            d.outages.iter().map(f).max().unwrap_or(0) as f64 / 1e9
        };
        out.push(d.writes_lost as f64);
        out.push(longest(|o| o.rto_ns));
        out.push(longest(|o| o.rpo_ns));
    }
    for q in &m.queues {
        out.push(q.duplicates as f64);
        out.push(q.dead_lettered as f64);
        out.push(q.dropped as f64);
    }
    out
}

/// A variant to compare: its patched scenario and the patch's name and description.
pub struct Candidate {
    /// The patched scenario.
    pub scenario: Arc<Scenario>,
    /// Name for reports.
    pub name: String,
    /// Description.
    pub description: String,
}

/// What every run of a what-if measured: per scenario (the baseline first, then the
/// variants), per seed in seed order, the metrics and whether a limit stopped the run.
type Runs = Vec<Vec<(Vec<f64>, bool)>>;

/// Runs the baseline and every variant on `seeds`.
fn collect(
    base: &Arc<Scenario>,
    variants: &[Candidate],
    seeds: &[u64],
    threads: usize,
    progress: &(dyn Fn() + Sync),
) -> Runs {
    let mut scenarios = vec![Arc::clone(base)];
    scenarios.extend(variants.iter().map(|v| Arc::clone(&v.scenario)));
    run_grid(&scenarios, seeds, threads, progress, |_, _, m, limit| (values(m), limit.is_some()))
}

/// One metric's per-seed values in one scenario's runs (NaN where a seed has none).
fn column(run: &[(Vec<f64>, bool)], i: usize) -> Vec<f64> {
    run.iter().map(|(v, _)| v.get(i).copied().unwrap_or(f64::NAN)).collect()
}

/// Runs the baseline and every variant on `seeds` and compares them.
pub fn run(
    base: &Arc<Scenario>,
    variants: &[Candidate],
    seeds: &[u64],
    threads: usize,
    progress: &(dyn Fn() + Sync),
) -> WhatIf {
    compare(base, variants, seeds, &collect(base, variants, seeds, threads, progress))
}

/// [`run`] until settled (see [`super::settle`]): seeds of `seeds` in the looks of `schedule`
/// until every variant's paired effect on every endpoint's availability (or mean latency,
/// relative to the baseline's) has an interval within `target`.
pub fn run_settled(
    base: &Arc<Scenario>,
    variants: &[Candidate],
    seeds: &[u64],
    schedule: &[u64],
    target: &Target,
    threads: usize,
    progress: &(dyn Fn() + Sync),
) -> Result<WhatIf, String> {
    crate::montecarlo::settle::accepts(target, &[Figure::Availability, Figure::Latency], "whatif")?;
    let endpoints: Vec<String> = base.topology.endpoints().iter().map(|e| e.name.clone()).collect();
    let per_endpoint = 4 + Cause::ALL.len();
    let judge = |runs: &Runs, level: f64| {
        let mut j = Judge::new(target, runs.first().map_or(0, Vec::len));
        for (v, run) in variants.iter().zip(runs.iter().skip(1)) {
            for (e, name) in endpoints.iter().enumerate() {
                let i = e * per_endpoint + usize::from(target.figure == Figure::Latency);
                let (a, b) = (column(&runs[0], i), column(run, i));
                let pairs: Vec<(f64, f64)> =
                    a.iter().zip(&b).filter(|(x, y)| x.is_finite() && y.is_finite()).map(|(x, y)| (*x, *y)).collect();
                // An endpoint no seed measured cannot get narrower: it does not hold the study back.
                if pairs.is_empty() {
                    continue;
                }
                let d: Vec<f64> = pairs.iter().map(|(x, y)| y - x).collect();
                let half = stats::mean_interval(&d, level).half_width();
                let what = || format!("{name} {} under {}", target.figure.name(), v.name);
                match target.figure {
                    Figure::Latency => {
                        let scale = pairs.iter().map(|p| p.0).sum::<f64>() / pairs.len() as f64;
                        j.latency_ms(what, half, scale);
                    }
                    _ => j.fraction(what, half),
                }
            }
        }
        j.look()
    };
    let (runs, looks) = crate::montecarlo::settle::in_looks(
        seeds,
        schedule,
        |new, _| collect(base, variants, new, threads, progress),
        |runs: &mut Runs, more| {
            crate::montecarlo::settle::extend_rows(runs, more);
        },
        judge,
    )
    .ok_or_else(|| "no seeds to run".to_owned())?;
    let ran = runs.first().map_or(0, Vec::len);
    let mut out = compare(base, variants, &seeds[..ran], &runs);
    let text = match target.figure {
        Figure::Latency => format!("paired mean latency effect {}", crate::montecarlo::settle::width_text(target)),
        _ => format!("paired availability effect {}", crate::montecarlo::settle::width_text(target)),
    };
    out.precision = Some(crate::montecarlo::settle::Settled::new(target, text, schedule, looks));
    Ok(out)
}

/// Compares the variants' runs with the baseline's.
fn compare(base: &Arc<Scenario>, variants: &[Candidate], seeds: &[u64], runs: &Runs) -> WhatIf {
    let names = metric_names(base);
    // An optional metric is listed for every variant when any run of any variant saw it,
    // so that the variants' tables have the same rows.
    let seen = |i: usize| runs.iter().flatten().any(|(v, _)| v.get(i).is_some_and(|x| *x != 0.0 && !x.is_nan()));
    let out = variants
        .iter()
        .zip(runs.iter().skip(1))
        .map(|(v, run)| {
            let metrics = names
                .iter()
                .enumerate()
                .filter(|(i, row)| !row.optional || seen(*i))
                .map(|(i, row)| {
                    // Intervals are the t intervals as they are, not cut at what a metric
                    // can reach: a cut end would equal the estimate and read as certainty.
                    let comparison = paired(&column(&runs[0], i), &column(run, i));
                    let resolution = resolution(&comparison, row.unit);
                    let sign = sign_beyond_resolution(&comparison, resolution);
                    let change = match (sign, row.better) {
                        (0, _) => Change::NoChange,
                        (_, Better::Neither) => Change::Changed,
                        (1, Better::Higher) | (-1, Better::Lower) => Change::Better,
                        _ => Change::Worse,
                    };
                    Metric {
                        name: row.name.clone(),
                        unit: row.unit,
                        better: row.better,
                        comparison,
                        resolution,
                        change,
                    }
                })
                .collect();
            let limited = run.iter().zip(&runs[0]).filter(|((_, a), (_, b))| *a || *b).count() as u64;
            Variant { name: v.name.clone(), description: v.description.clone(), metrics, limited }
        })
        .collect();
    WhatIf { scenario: base.name.clone(), seeds: seeds.to_vec(), variants: out, precision: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_are_not_cut_at_the_estimate() {
        // Retries fall from a few to none: the change's interval runs below −baseline as the
        // t interval says, rather than being cut to end at the estimate.
        let c = paired(&[1.0, 9.0, 2.0], &[0.0, 0.0, 0.0]);
        assert!(c.delta.low < c.delta.value && c.delta.high > c.delta.value, "{:?}", c.delta);
    }

    #[test]
    fn a_difference_inside_the_resolution_is_no_change() {
        // p50 12.200 ms on every baseline seed and 12.205 on every variant seed: the paired
        // interval excludes zero (zero spread) but lies inside 0.1% of the value.
        let c = paired(&[12.2, 12.2, 12.2], &[12.205, 12.205, 12.205]);
        assert_eq!(sign_beyond_noise(&c.delta), 1);
        assert_eq!(sign_beyond_resolution(&c, resolution(&c, "ms")), 0);
        // Counts are exact: one more rejection on every seed is a change.
        let c = paired(&[3.0, 4.0, 5.0], &[4.0, 5.0, 6.0]);
        assert_eq!(sign_beyond_resolution(&c, resolution(&c, "requests")), 1);
    }
}
