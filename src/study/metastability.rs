//! The metastability map: where a system stays down after its trigger is gone.
//!
//! The trigger is the scenario's first fault (a latency spike, a slowdown, a capacity cut…).
//! The map sweeps load (every open-loop rate, or closed-loop population, times a factor) ×
//! trigger magnitude (the trigger's added latency, slowdown excess, error or loss probability
//! or cut fraction, times a factor) × trigger duration. For every cell and seed it runs the
//! trigger and asks whether goodput returns to baseline — 90% of what the same seed serves at
//! the same load without the trigger, over 5 consecutive buckets — within the deadline after
//! the trigger ends. A cell reports the fraction of seeds that recovered with its Wilson
//! interval; the rest are *stuck* (a metastable failure, or one still draining its backlog).

use std::sync::Arc;

use serde::Serialize;

use super::measure;
use super::{run_grid, scale_dist, Timeline, LEVEL};
use crate::montecarlo::precision::{Figure, Target};
use crate::montecarlo::settle::Judge;
use crate::scenario::{Arrivals, Fault, Scenario};
use crate::stats::{self, Estimate};
use crate::units::Duration;

/// What to sweep.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Settings {
    /// Load factors.
    pub loads: Vec<f64>,
    /// Trigger magnitude factors.
    pub magnitudes: Vec<f64>,
    /// Trigger durations.
    #[serde(rename = "durations_ns", serialize_with = "crate::units::serialize_ns_list")]
    #[schemars(with = "Vec<u64>")]
    pub durations: Vec<Duration>,
    /// Time after the trigger ends within which goodput must be back.
    #[serde(rename = "deadline_ns", serialize_with = "crate::units::serialize_ns")]
    #[schemars(with = "u64")]
    pub deadline: Duration,
    /// Warm-up.
    #[serde(rename = "warmup_ns", serialize_with = "crate::units::serialize_ns")]
    #[schemars(with = "u64")]
    pub warmup: Duration,
    /// Normal operation between warm-up and trigger.
    #[serde(rename = "lead_ns", serialize_with = "crate::units::serialize_ns")]
    #[schemars(with = "u64")]
    pub lead: Duration,
    /// Seeds per cell.
    pub seeds: Vec<u64>,
}

/// One cell of the map.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Cell {
    /// Load factor.
    pub load: f64,
    /// Magnitude factor.
    pub magnitude: f64,
    /// Trigger duration.
    #[serde(rename = "duration_ns", serialize_with = "crate::units::serialize_ns")]
    #[schemars(with = "u64")]
    pub duration: Duration,
    /// Seeds whose goodput came back within the deadline.
    pub recovered: u64,
    /// Seeds.
    pub seeds: u64,
    /// Fraction recovered with its Wilson interval.
    pub fraction: Estimate,
    /// Median seconds to recover over the recovering seeds.
    pub median_recovery_s: Option<f64>,
    /// Seeds stopped by a run limit (counted as stuck).
    pub limited: u64,
}

impl Cell {
    /// Seeds that did not recover within the deadline.
    pub fn stuck(&self) -> u64 {
        self.seeds - self.recovered
    }
}

/// The map.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Map {
    /// Scenario name.
    pub scenario: String,
    /// Topology name.
    pub topology: String,
    /// The trigger, as named in the scenario.
    pub trigger: String,
    /// How it was swept.
    pub settings: Settings,
    /// Cells, load-major, then magnitude, then duration.
    pub cells: Vec<Cell>,
    /// How a run until settled (`--precision`) chose its seeds; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<crate::montecarlo::settle::Settled>,
}

impl Map {
    /// Cells where at least one seed stayed stuck.
    pub fn stuck_cells(&self) -> usize {
        self.cells.iter().filter(|c| c.stuck() > 0).count()
    }
}

/// Why a map cannot be made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    /// The scenario has no fault to use as the trigger.
    #[error("the scenario has no fault to use as the trigger: add a FaultWindow (e.g. a latency spike) to `faults`")]
    NoTrigger,
}

/// The trigger scaled by `m`.
pub fn scaled(f: &Fault, m: f64) -> Fault {
    match f {
        Fault::Latency { target, add } => Fault::Latency { target: target.clone(), add: scale_dist(add, m) },
        Fault::Slowdown { target, factor } => {
            Fault::Slowdown { target: target.clone(), factor: 1.0 + (factor - 1.0) * m }
        }
        Fault::Errors { target, probability } => {
            Fault::Errors { target: target.clone(), probability: (probability * m).clamp(0.0, 1.0) }
        }
        Fault::PacketLoss { target, probability } => {
            Fault::PacketLoss { target: target.clone(), probability: (probability * m).clamp(0.0, 1.0) }
        }
        Fault::CapacityCut { target, fraction, of } => {
            Fault::CapacityCut { target: target.clone(), fraction: (fraction * m).clamp(0.0, 1.0), of: *of }
        }
        Fault::BadDeploy { service, fraction, error_rate } => {
            Fault::BadDeploy { service: *service, fraction: *fraction, error_rate: (error_rate * m).clamp(0.0, 1.0) }
        }
        // Crashes, partitions, flushes and outages have no size: only their duration varies.
        other => other.clone(),
    }
}

/// `base` with its load times `factor`.
pub fn loaded(base: &Scenario, factor: f64) -> Scenario {
    let mut s = base.clone();
    for w in &mut s.workloads {
        match &mut w.arrivals {
            Arrivals::Poisson { rate, .. } => *rate *= factor,
            Arrivals::ClosedLoop { clients, .. } => *clients = ((f64::from(*clients) * factor).round() as u32).max(1),
            // A trace is replayed as recorded; its speed was fixed when it was loaded.
            Arrivals::Trace { .. } => {}
        }
    }
    s
}

/// The map's runs, laid out once: the timeline, per load its baseline, and per cell its
/// scenario (with its load's index) and coordinates.
struct Layout {
    start: u64,
    window: Duration,
    baselines: Vec<Arc<Scenario>>,
    scenarios: Vec<(usize, Arc<Scenario>)>,
    cells: Vec<(f64, f64, Duration)>,
}

/// Per cell, per seed in seed order: seconds to recover within the deadline (if it did) and
/// whether a limit stopped the run.
type Runs = Vec<Vec<(Option<f64>, bool)>>;

fn layout(base: &Scenario, settings: &Settings, trigger: &crate::scenario::FaultWindow) -> Layout {
    let longest = settings.durations.iter().copied().max().unwrap_or(Duration::from_secs(1));
    let window = Duration::from_nanos(5 * base.series_bucket().as_nanos());
    let after =
        Duration::from_nanos(settings.deadline.as_nanos() + window.as_nanos() + base.series_bucket().as_nanos());
    let tl = Timeline::new(settings.warmup, settings.lead, longest, after);
    let start = tl.fault_start.as_nanos();
    let baselines: Vec<Arc<Scenario>> =
        settings.loads.iter().map(|&l| tl.scenario(&loaded(base, l), "baseline", None)).collect();
    let mut cells = Vec::new();
    let mut scenarios = Vec::new();
    for (li, &load) in settings.loads.iter().enumerate() {
        for &magnitude in &settings.magnitudes {
            for &duration in &settings.durations {
                let mut s = retimed_cell(base, load, &tl);
                s.faults.push(crate::scenario::FaultWindow {
                    name: trigger.name.clone(),
                    start: tl.fault_start,
                    end: Some(Duration::from_nanos(start + duration.as_nanos().max(1))),
                    fault: scaled(&trigger.fault, magnitude),
                });
                scenarios.push((li, Arc::new(s)));
                cells.push((load, magnitude, duration));
            }
        }
    }
    Layout { start, window, baselines, scenarios, cells }
}

/// Runs every baseline and cell on `seeds`.
fn collect(l: &Layout, deadline: u64, seeds: &[u64], threads: usize, progress: &(dyn Fn() + Sync)) -> Runs {
    let goodput = run_grid(&l.baselines, seeds, threads, progress, |_, _, m, _| measure::goodput_series(m));
    let only: Vec<Arc<Scenario>> = l.scenarios.iter().map(|(_, s)| Arc::clone(s)).collect();
    run_grid(&only, seeds, threads, progress, |i, k, m, limit| {
        let (li, ref s) = l.scenarios[i];
        let end = s.faults.first().and_then(|f| f.end).map_or(l.start, |e| e.as_nanos());
        let reference = goodput.get(li).and_then(|g| g.get(k)).map_or(&[][..], |g| &g[..]);
        let limit_ns = end + deadline + l.window.as_nanos();
        let r = measure::recovery_s(m, reference, end, limit_ns, 5, 0.9).filter(|&t| t * 1e9 <= deadline as f64);
        (r, limit.is_some())
    })
}

/// Seeds of a cell's runs that recovered (a run stopped by a limit counts as stuck).
fn recovered(seeds: &[(Option<f64>, bool)]) -> u64 {
    seeds.iter().filter(|(r, l)| r.is_some() && !l).count() as u64
}

fn build(base: &Scenario, settings: Settings, trigger: &str, l: Layout, results: Runs) -> Map {
    let cells = l
        .cells
        .into_iter()
        .zip(results)
        .map(|((load, magnitude, duration), seeds)| {
            let n = seeds.len() as u64;
            let mut times: Vec<f64> = seeds.iter().filter_map(|(r, l)| r.filter(|_| !l)).collect();
            times.sort_by(f64::total_cmp);
            let recovered = times.len() as u64;
            Cell {
                load,
                magnitude,
                duration,
                recovered,
                seeds: n,
                fraction: stats::wilson(recovered, n, LEVEL),
                median_recovery_s: (!times.is_empty()).then(|| stats::quantile(&times, 0.5)),
                limited: seeds.iter().filter(|(_, l)| *l).count() as u64,
            }
        })
        .collect();
    Map {
        scenario: base.name.clone(),
        topology: base.topology.name().to_owned(),
        trigger: trigger.to_owned(),
        settings,
        cells,
        precision: None,
    }
}

/// Sweeps the map.
pub fn run(base: &Scenario, settings: Settings, threads: usize, progress: &(dyn Fn() + Sync)) -> Result<Map, MapError> {
    let trigger = base.faults.first().ok_or(MapError::NoTrigger)?;
    let l = layout(base, &settings, trigger);
    let results = collect(&l, settings.deadline.as_nanos(), &settings.seeds, threads, progress);
    Ok(build(base, settings, &trigger.name, l, results))
}

/// [`run`] until settled (see [`crate::montecarlo::settle`]): the seeds of `settings` in the
/// looks of `schedule` until every cell's fraction of recovered seeds has an interval within
/// `target` (a fraction in percentage points).
pub fn run_settled(
    base: &Scenario,
    mut settings: Settings,
    schedule: &[u64],
    target: &Target,
    threads: usize,
    progress: &(dyn Fn() + Sync),
) -> Result<Map, String> {
    crate::montecarlo::settle::accepts(target, &[Figure::Fraction], "metastability")?;
    let trigger = base.faults.first().ok_or(MapError::NoTrigger).map_err(|e| e.to_string())?;
    let l = layout(base, &settings, trigger);
    let deadline = settings.deadline.as_nanos();
    let judge = |runs: &Runs, level: f64| {
        let n = runs.first().map_or(0, Vec::len);
        let mut j = Judge::new(target, n);
        for (&(load, magnitude, duration), seeds) in l.cells.iter().zip(runs) {
            let what = || format!("recovered at load ×{load}, magnitude ×{magnitude}, {duration}");
            j.fraction(what, stats::wilson(recovered(seeds), n as u64, level).half_width());
        }
        j.look()
    };
    let seeds = settings.seeds.clone();
    let (runs, looks) = crate::montecarlo::settle::in_looks(
        &seeds,
        schedule,
        |new, _| collect(&l, deadline, new, threads, progress),
        |runs: &mut Runs, more| {
            crate::montecarlo::settle::extend_rows(runs, more);
        },
        judge,
    )
    .ok_or_else(|| "no seeds to run".to_owned())?;
    settings.seeds.truncate(runs.first().map_or(0, Vec::len));
    let name = trigger.name.clone();
    let mut map = build(base, settings, &name, l, runs);
    map.precision = Some(crate::montecarlo::settle::Settled::new(
        target,
        format!("fraction recovered per cell {}", crate::montecarlo::settle::width_text(target)),
        schedule,
        looks,
    ));
    Ok(map)
}

fn retimed_cell(base: &Scenario, load: f64, tl: &Timeline) -> Scenario {
    super::retimed(&loaded(base, load), tl.warmup, tl.duration)
}
