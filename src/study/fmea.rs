//! Failure mode and effects analysis from simulation: every failure mode of the topology
//! (see [`super::modes`]) injected into the scenario's load on the same seeds as a fault-free
//! baseline, and for each mode:
//!
//! - **effect** per endpoint: the drop in availability and the rise in p99 latency while the
//!   fault is on, each the mean of per-seed paired differences with its 95% interval;
//! - **detection**: in how many seeds a health check took an instance out of rotation while
//!   the fault was on, and how fast (breakers arrive with the resilience patterns);
//! - **recovery**: seconds from the fault's end until goodput is back to 90% of the same
//!   seed's baseline over 5 consecutive buckets, or *stuck* when it is not by the end;
//! - **risk**: severity × occurrence × detection, each rated 1–10 (the classic risk priority
//!   number, 1 to 1000), and the expected impact: worst endpoint drop × hours per year the
//!   mode is present.
//!
//! Ratings, so that a reader can redo them: severity `1 + 9·max(drop, latency)` over the
//! endpoints, where `latency = min(1, (p99 ratio − 1)/9)` (a p99 ten times the baseline
//! rates like a full outage); occurrence `1 + 9·(log10(u) + 6)/5` clamped to [1, 10], where
//! `u` is the fraction of the year the mode is present (10⁻⁶ → 1, 0.1 → 10); detection per
//! seed `1 + 8·t/T` when a health check noticed after `t` of a fault lasting `T`, 10 when
//! nothing noticed, averaged over the seeds.
//!
//! Requests that neither succeeded nor failed inside the fault window (they hang) count as
//! failed: the denominator is the larger of the window's completions and the baseline's.

use std::sync::Arc;

use serde::Serialize;

use super::measure;
use super::modes::{self, FailureMode, ModeSettings};
use super::{run_grid, Timeline, LEVEL};
use crate::metrics::run::RunMetrics;
use crate::montecarlo::precision::{Figure, Target};
use crate::montecarlo::settle::Judge;
use crate::scenario::Scenario;
use crate::stats::{self, Estimate};

/// What to study and how.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Settings {
    /// Which modes, how strong, and the assumed rate of the rest.
    pub modes: ModeSettings,
    /// Only modes of these components (empty: all).
    pub only: Vec<String>,
    /// The timeline every mode runs on.
    pub timeline: Timeline,
    /// Seeds, the same for the baseline and every mode.
    pub seeds: Vec<u64>,
}

/// The effect of a mode on one endpoint.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct EndpointEffect {
    /// The endpoint.
    pub endpoint: String,
    /// Baseline availability in the fault window (mean over seeds).
    pub baseline_availability: f64,
    /// Availability drop (baseline − with the fault), paired over seeds.
    pub availability_drop: Estimate,
    /// Baseline p99 in the fault window (ms, mean over seeds).
    pub baseline_p99_ms: f64,
    /// p99 rise (with the fault − baseline, ms), paired over the seeds that served requests.
    pub p99_rise_ms: Estimate,
}

/// How the mode was noticed.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Detection {
    /// Seeds in which a health check took an instance out while the fault was on.
    pub detected: u64,
    /// Seeds.
    pub seeds: u64,
    /// Fraction detected with its Wilson interval.
    pub fraction: Estimate,
    /// Median time to detection over the detecting seeds (s).
    pub median_s: Option<f64>,
}

/// How the system came back after the fault ended.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Recovery {
    /// Seeds in which goodput came back before the end of the run.
    pub recovered: u64,
    /// Seeds still below baseline at the end of the run (stuck).
    pub stuck: u64,
    /// Time to recover over the recovering seeds (s), with its interval.
    pub time_s: Estimate,
}

/// One row of the FMEA table.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Row {
    /// The failure mode.
    #[serde(flatten)]
    pub mode: FailureMode,
    /// Per endpoint, in topology order.
    pub endpoints: Vec<EndpointEffect>,
    /// The endpoint hurt most.
    pub worst_endpoint: String,
    /// Severity rating, 1–10.
    pub severity: f64,
    /// Occurrence rating, 1–10.
    pub occurrence_rating: f64,
    /// Detection rating, 1 (caught at once) – 10 (not caught).
    pub detection_rating: f64,
    /// Severity × occurrence × detection.
    pub rpn: f64,
    /// Worst endpoint's availability drop × hours per year the mode is present.
    pub expected_impact_h: f64,
    /// Detection.
    pub detection: Detection,
    /// Recovery.
    pub recovery: Recovery,
    /// Seeds stopped by a run limit.
    pub limited: u64,
}

/// The FMEA of a scenario.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Fmea {
    /// Scenario name.
    pub scenario: String,
    /// Topology name.
    pub topology: String,
    /// How it was run.
    pub settings: Settings,
    /// Rows sorted by risk (RPN, then expected impact), highest first.
    pub rows: Vec<Row>,
    /// How a run until settled (`--precision`) chose its seeds; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<crate::montecarlo::settle::Settled>,
}

/// What one seed of one run contributes.
#[derive(Default)]
struct Seed {
    availability: Vec<(u64, u64)>,
    p99_ms: Vec<f64>,
    goodput: Vec<u64>,
    detection_s: Option<f64>,
    limited: bool,
    recovery_s: Option<f64>,
}

fn served_finished(m: &RunMetrics, e: usize, from: u64, to: u64) -> (u64, u64) {
    let b = m.bucket_ns.max(1);
    let series = &m.endpoints[e].series;
    let r = (from / b) as usize..(to.div_ceil(b) as usize).min(series.len());
    series.get(r).unwrap_or(&[]).iter().fold((0, 0), |(s, f), x| (s + x.served, f + x.served + x.failed))
}

fn occurrence_rating(hours_per_year: f64) -> f64 {
    let u = hours_per_year / (365.0 * 24.0);
    if u <= 0.0 {
        return 1.0;
    }
    (1.0 + 9.0 * (u.log10() + 6.0) / 5.0).clamp(1.0, 10.0)
}

/// The selected failure modes of a scenario's topology.
fn chosen(base: &Scenario, settings: &Settings) -> Vec<FailureMode> {
    modes::enumerate(&base.topology, &settings.modes)
        .into_iter()
        .filter(|m| settings.only.is_empty() || settings.only.contains(&m.component))
        .collect()
}

/// What the runs of some seeds measured: the baseline's seeds, and per mode its seeds.
type Data = (Vec<Seed>, Vec<Vec<Seed>>);

/// Runs the baseline and every mode of `chosen` on `seeds`.
fn collect(
    base: &Scenario,
    settings: &Settings,
    chosen: &[FailureMode],
    seeds: &[u64],
    threads: usize,
    progress: &(dyn Fn() + Sync),
) -> Data {
    let tl = settings.timeline;
    let (from, to) = (tl.fault_start.as_nanos(), tl.fault_end.as_nanos());
    let limit_ns = base.limits.max_time.as_nanos().max(tl.duration.as_nanos());
    let endpoints = base.topology.endpoints().len();
    let measure = |m: &RunMetrics, limit: Option<String>| Seed {
        availability: (0..endpoints).map(|e| served_finished(m, e, from, to)).collect(),
        p99_ms: (0..endpoints).map(|e| measure::percentile_ms(m, e, from, to, 99.0)).collect(),
        goodput: measure::goodput_series(m),
        detection_s: measure::detection_s(m, from, to),
        limited: limit.is_some(),
        recovery_s: None,
    };
    let baseline_scenario = vec![tl.scenario(base, "baseline", None)];
    let baseline: Vec<Seed> = run_grid(&baseline_scenario, seeds, threads, progress, |_, _, m, l| measure(m, l))
        .into_iter()
        .next()
        .unwrap_or_default();
    let scenarios: Vec<Arc<Scenario>> = chosen
        .iter()
        .map(|m| tl.scenario(base, &format!("{}: {}", m.component, m.mode), Some(m.fault.clone())))
        .collect();
    let runs = run_grid(&scenarios, seeds, threads, progress, |_, k, m, l| {
        let mut s = measure(m, l);
        let reference = baseline.get(k).map_or(&[][..], |b| &b.goodput[..]);
        s.recovery_s = measure::recovery_s(m, reference, to, limit_ns, 5, 0.9);
        s.goodput = Vec::new();
        s
    });
    (baseline, runs)
}

/// The FMEA table of what the runs measured.
fn build(base: &Scenario, settings: Settings, chosen: Vec<FailureMode>, data: &Data) -> Fmea {
    let (baseline, runs) = data;
    let mut rows: Vec<Row> =
        chosen.into_iter().zip(runs).map(|(mode, seeds)| row(base, &settings, mode, baseline, seeds)).collect();
    rows.sort_by(|a, b| {
        b.rpn
            .total_cmp(&a.rpn)
            .then(b.expected_impact_h.total_cmp(&a.expected_impact_h))
            .then_with(|| (&a.mode.component, &a.mode.mode).cmp(&(&b.mode.component, &b.mode.mode)))
    });
    Fmea { scenario: base.name.clone(), topology: base.topology.name().to_owned(), settings, rows, precision: None }
}

/// Runs the FMEA: the baseline and every selected mode on every seed.
pub fn run(base: &Scenario, settings: Settings, threads: usize, progress: &(dyn Fn() + Sync)) -> Fmea {
    let chosen = chosen(base, &settings);
    let data = collect(base, &settings, &chosen, &settings.seeds, threads, progress);
    build(base, settings, chosen, &data)
}

/// [`run`] until settled (see [`super::settle`]): the seeds of `settings` in the looks of
/// `schedule` until every mode's availability drop (or p99 rise, relative to the baseline's
/// p99) on every endpoint has an interval within `target`.
pub fn run_settled(
    base: &Scenario,
    mut settings: Settings,
    schedule: &[u64],
    target: &Target,
    threads: usize,
    progress: &(dyn Fn() + Sync),
) -> Result<Fmea, String> {
    crate::montecarlo::settle::accepts(target, &[Figure::Availability, Figure::Latency], "fmea")?;
    let chosen = chosen(base, &settings);
    let endpoints: Vec<String> = base.topology.endpoints().iter().map(|e| e.name.clone()).collect();
    let judge = |(baseline, runs): &Data, level: f64| {
        let mut j = Judge::new(target, baseline.len());
        for (mode, seeds) in chosen.iter().zip(runs) {
            for (e, name) in endpoints.iter().enumerate() {
                let p = Pairs::of(baseline, seeds, e);
                let what = || format!("{name} under {}: {}", mode.component, mode.mode);
                match target.figure {
                    Figure::Latency if !p.rises.is_empty() => {
                        let scale = p.base_p.iter().sum::<f64>() / p.base_p.len() as f64;
                        j.latency_ms(what, stats::mean_interval(&p.rises, level).half_width(), scale);
                    }
                    // An endpoint no seed measured cannot get narrower: it does not hold the study back.
                    Figure::Availability if !p.drops.is_empty() => {
                        j.fraction(what, stats::mean_interval(&p.drops, level).half_width());
                    }
                    _ => {}
                }
            }
        }
        j.look()
    };
    let seeds = settings.seeds.clone();
    let (data, looks) = crate::montecarlo::settle::in_looks(
        &seeds,
        schedule,
        |new, _| collect(base, &settings, &chosen, new, threads, progress),
        |(b, r): &mut Data, (nb, nr)| {
            b.extend(nb);
            crate::montecarlo::settle::extend_rows(r, nr);
        },
        judge,
    )
    .ok_or_else(|| "no seeds to run".to_owned())?;
    settings.seeds.truncate(data.0.len());
    let text = match target.figure {
        Figure::Latency => format!("p99 rise {}", crate::montecarlo::settle::width_text(target)),
        _ => format!("availability drop {}", crate::montecarlo::settle::width_text(target)),
    };
    let mut out = build(base, settings, chosen, &data);
    out.precision = Some(crate::montecarlo::settle::Settled::new(target, text, schedule, looks));
    Ok(out)
}

/// One mode's per-seed pairs with the baseline on one endpoint.
struct Pairs {
    /// Baseline availabilities of the seeds that finished requests.
    base_a: Vec<f64>,
    /// Availability drops (baseline − with the fault) of those seeds.
    drops: Vec<f64>,
    /// Baseline p99s of the seeds that served requests (ms).
    base_p: Vec<f64>,
    /// p99 rises (with the fault − baseline, ms) of the seeds where both served requests.
    rises: Vec<f64>,
}

impl Pairs {
    fn of(baseline: &[Seed], seeds: &[Seed], e: usize) -> Pairs {
        let mut p = Pairs { base_a: Vec::new(), drops: Vec::new(), base_p: Vec::new(), rises: Vec::new() };
        for (b, s) in baseline.iter().zip(seeds) {
            let (bs, bf) = b.availability[e];
            let (fs, ff) = s.availability[e];
            let denominator = bf.max(ff);
            if bf > 0 && denominator > 0 {
                let ab = bs as f64 / bf as f64;
                p.base_a.push(ab);
                p.drops.push(ab - fs as f64 / denominator as f64);
            }
            if b.p99_ms[e].is_finite() {
                p.base_p.push(b.p99_ms[e]);
                if s.p99_ms[e].is_finite() {
                    p.rises.push(s.p99_ms[e] - b.p99_ms[e]);
                }
            }
        }
        p
    }
}

fn row(base: &Scenario, settings: &Settings, mode: FailureMode, baseline: &[Seed], seeds: &[Seed]) -> Row {
    let t = &base.topology;
    let mut effects = Vec::new();
    let mut worst = (0.0f64, 0usize);
    for (e, ep) in t.endpoints().iter().enumerate() {
        let Pairs { base_a, drops, base_p, rises } = Pairs::of(baseline, seeds, e);
        let mean = |xs: &[f64]| if xs.is_empty() { f64::NAN } else { xs.iter().sum::<f64>() / xs.len() as f64 };
        // A drop of availability lies in [−1, 1] whatever the t-interval says.
        let drop = stats::mean_interval(&drops, LEVEL).clamped(-1.0, 1.0);
        let rise = stats::mean_interval(&rises, LEVEL);
        let base_p99 = mean(&base_p);
        let latency = if base_p99 > 0.0 && rise.value.is_finite() {
            ((rise.value / base_p99) / 9.0).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let hurt = if drop.value.is_finite() { drop.value.max(latency) } else { latency };
        if hurt > worst.0 || e == 0 {
            worst = (hurt.max(worst.0), if hurt >= worst.0 { e } else { worst.1 });
        }
        effects.push(EndpointEffect {
            endpoint: ep.name.clone(),
            baseline_availability: mean(&base_a),
            availability_drop: drop,
            baseline_p99_ms: base_p99,
            p99_rise_ms: rise,
        });
    }
    let severity = 1.0 + 9.0 * worst.0.clamp(0.0, 1.0);
    let n = seeds.len() as u64;
    let fault_s = settings.timeline.fault_end.as_secs_f64() - settings.timeline.fault_start.as_secs_f64();
    let mut detect_times: Vec<f64> = seeds.iter().filter_map(|s| s.detection_s).collect();
    let detection_rating = if seeds.is_empty() {
        10.0
    } else {
        seeds.iter().map(|s| s.detection_s.map_or(10.0, |t| 1.0 + 8.0 * (t / fault_s.max(1e-9)).min(1.0))).sum::<f64>()
            / seeds.len() as f64
    };
    detect_times.sort_by(f64::total_cmp);
    let detected = detect_times.len() as u64;
    let recovered: Vec<f64> = seeds.iter().filter_map(|s| s.recovery_s).collect();
    let occurrence_rating = occurrence_rating(mode.occurrence.hours_per_year());
    let worst_drop = effects.get(worst.1).map_or(0.0, |e| e.availability_drop.value.max(0.0));
    Row {
        endpoints: effects,
        worst_endpoint: t.endpoints().get(worst.1).map(|e| e.name.clone()).unwrap_or_default(),
        severity,
        occurrence_rating,
        detection_rating,
        rpn: severity * occurrence_rating * detection_rating,
        expected_impact_h: worst_drop * mode.occurrence.hours_per_year(),
        detection: Detection {
            detected,
            seeds: n,
            fraction: stats::wilson(detected, n, LEVEL),
            median_s: (!detect_times.is_empty()).then(|| stats::quantile(&detect_times, 0.5)),
        },
        recovery: Recovery {
            recovered: recovered.len() as u64,
            stuck: n - recovered.len() as u64,
            time_s: stats::mean_interval(&recovered, LEVEL),
        },
        limited: seeds.iter().filter(|s| s.limited).count() as u64,
        mode,
    }
}
