//! Studies: questions answered by many simulations of variants of one scenario — what hurts
//! most (FMEA), what spreads (cascades), where the system gets stuck (metastability) and what
//! a change buys (what-if).
//!
//! Every study builds variants of a validated [`Scenario`] (its faults replaced, its load
//! scaled, its timeline shortened, its topology patched), runs each variant on the same seeds
//! through [`crate::montecarlo::parallel::map_ordered`], and compares every variant with a baseline
//! *seed by seed*. Because every random draw comes from a stream derived from (seed,
//! component name, purpose), a variant and its baseline see the same arrivals and service
//! times wherever the change does not reach (common random numbers), so paired per-seed
//! differences have much tighter intervals than two independent estimates.
//!
//! This is simulation; the static analysis of the topology lives in [`crate::analysis`].

pub mod cascade;
pub mod fmea;
pub mod measure;
pub mod metastability;
pub mod modes;
pub mod whatif;

use std::sync::Arc;

use crate::dist::Dist;
use crate::engine::Simulation;
use crate::metrics::run::RunMetrics;
use crate::scenario::Scenario;
use crate::stats::{self, Estimate};
use crate::units::Duration;

/// Confidence level of every interval in studies.
pub const LEVEL: f64 = 0.95;

/// One run of `scenario` with `seed`, and the limit that stopped it early, if one did.
pub fn run_one(scenario: &Arc<Scenario>, seed: u64) -> (RunMetrics, Option<String>) {
    ended(Simulation::new(Arc::clone(scenario), seed).run())
}

/// What a finished run measured, and the limit that stopped it early, if one did.
fn ended(run: Result<RunMetrics, crate::model::Stopped>) -> (RunMetrics, Option<String>) {
    match run {
        Ok(m) => (m, None),
        Err(stopped) => {
            let (limit, m) = *stopped;
            (m, Some(limit.to_string()))
        }
    }
}

/// A copy of `base` on a new timeline: the same load and topology, no scripted faults or
/// failure processes, `warmup` then `duration` in all. The run's time limit keeps the
/// original allowance for draining.
pub fn retimed(base: &Scenario, warmup: Duration, duration: Duration) -> Scenario {
    let mut s = base.clone();
    let drain = base.limits.max_time.as_nanos().saturating_sub(base.duration.as_nanos());
    s.warmup = warmup;
    s.duration = duration;
    s.limits.max_time = Duration::from_nanos(duration.as_nanos().saturating_add(drain));
    s.faults.clear();
    s.processes.clear();
    s.component_failures = false;
    s.hypotheses.clear();
    s.explore = None;
    s
}

/// The timeline of a fault study: warm-up, the fault from `fault_start` to `fault_end`, then
/// observation until `duration` (arrivals stop there and requests drain).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Timeline {
    /// Measurements start here.
    #[serde(rename = "warmup_ns", serialize_with = "crate::units::serialize_ns")]
    #[schemars(with = "u64")]
    pub warmup: Duration,
    /// The fault starts.
    #[serde(rename = "fault_start_ns", serialize_with = "crate::units::serialize_ns")]
    #[schemars(with = "u64")]
    pub fault_start: Duration,
    /// The fault ends.
    #[serde(rename = "fault_end_ns", serialize_with = "crate::units::serialize_ns")]
    #[schemars(with = "u64")]
    pub fault_end: Duration,
    /// Arrivals stop.
    #[serde(rename = "duration_ns", serialize_with = "crate::units::serialize_ns")]
    #[schemars(with = "u64")]
    pub duration: Duration,
}

impl Timeline {
    /// Warm-up, `lead` of normal operation, the fault for `fault`, then `after` to watch recovery.
    pub fn new(warmup: Duration, lead: Duration, fault: Duration, after: Duration) -> Timeline {
        let fault_start = Duration::from_nanos(warmup.as_nanos() + lead.as_nanos());
        let fault_end = Duration::from_nanos(fault_start.as_nanos() + fault.as_nanos().max(1));
        Timeline {
            warmup,
            fault_start,
            fault_end,
            duration: Duration::from_nanos(fault_end.as_nanos() + after.as_nanos()),
        }
    }

    /// `base` on this timeline with `fault` (if any) as its only fault.
    pub fn scenario(&self, base: &Scenario, name: &str, fault: Option<crate::scenario::Fault>) -> Arc<Scenario> {
        let mut s = retimed(base, self.warmup, self.duration);
        if let Some(fault) = fault {
            s.faults.push(crate::scenario::FaultWindow {
                name: name.to_owned(),
                start: self.fault_start,
                end: Some(self.fault_end),
                fault,
            });
        }
        Arc::new(s)
    }
}

/// Variants one job forks from one run of their common prefix. Results never depend on it
/// (a fork gives the bytes of the run from the start); it trades the prefix's cost, paid once
/// per job, against the jobs there are to share between threads.
pub const FORKS_PER_PREFIX: usize = 8;

/// Runs every scenario on every seed (`threads` at a time) and returns, per scenario, what
/// `extract` kept of each seed's run, in seed order. `extract` gets the scenario's index,
/// the seed's position and the run (with the limit that stopped it, if one did).
///
/// Scenarios of one system (the same topology, load and timeline) that differ only by the
/// fault windows they add to a common prefix run as forks (see [`crate::model::fork`]): per
/// seed, the prefix runs once up to each one's first added window, and each continues from a
/// copy. The results are those of runs from the start.
pub fn run_grid<T: Send>(
    scenarios: &[Arc<Scenario>],
    seeds: &[u64],
    threads: usize,
    progress: &(dyn Fn() + Sync),
    extract: impl Fn(usize, usize, &RunMetrics, Option<String>) -> T + Sync,
) -> Vec<Vec<T>> {
    run_grid_with(scenarios, seeds, threads, true, progress, extract)
}

/// What one job of [`run_grid_with`] runs for one seed.
enum Job {
    /// One scenario from the start.
    Alone(usize),
    /// Scenarios forked from one run of a group's prefix, in order of their fork points.
    Forks(usize, Vec<(usize, u64)>),
}

/// [`run_grid`], forking only when `fork` is set (to compare, and to measure what forks save).
pub fn run_grid_with<T: Send>(
    scenarios: &[Arc<Scenario>],
    seeds: &[u64],
    threads: usize,
    fork: bool,
    progress: &(dyn Fn() + Sync),
    extract: impl Fn(usize, usize, &RunMetrics, Option<String>) -> T + Sync,
) -> Vec<Vec<T>> {
    use crate::model::fork::{common_prefix, fork_point, same_system};
    // Scenarios of the same system form a group; each group forks from its own prefix.
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, s) in scenarios.iter().enumerate() {
        match groups.iter_mut().find(|g| same_system(&scenarios[g[0]], s)) {
            Some(g) if fork => g.push(i),
            _ => groups.push(vec![i]),
        }
    }
    let mut alone = Vec::new();
    let mut prefixes = Vec::new();
    let mut forks: Vec<Vec<(usize, u64)>> = Vec::new();
    for g in groups {
        let members: Vec<&Scenario> = g.iter().map(|&i| scenarios[i].as_ref()).collect();
        let prefix = common_prefix(&members).map(Arc::new);
        let (mut these, mut rest) = (Vec::new(), Vec::new());
        for &i in &g {
            match prefix.as_ref().and_then(|p| fork_point(p, &scenarios[i])) {
                Some(at) => these.push((i, at)),
                None => rest.push(i),
            }
        }
        match prefix {
            // One fork saves nothing over its own run from the start.
            Some(p) if these.len() >= 2 => {
                these.sort_by_key(|&(i, at)| (at, i));
                prefixes.push(p);
                forks.push(these);
            }
            _ => rest.extend(these.into_iter().map(|(i, _)| i)),
        }
        alone.extend(rest);
    }
    alone.sort_unstable();
    let mut jobs: Vec<(usize, Job)> = Vec::new();
    for k in 0..seeds.len() {
        jobs.extend(alone.iter().map(|&i| (k, Job::Alone(i))));
        for (g, members) in forks.iter().enumerate() {
            jobs.extend(members.chunks(FORKS_PER_PREFIX).map(|c| (k, Job::Forks(g, c.to_vec()))));
        }
    }
    let flat = crate::montecarlo::parallel::map_ordered(&jobs, threads, &|| {}, |(k, job)| {
        let seed = seeds[*k];
        let mut out = Vec::new();
        match job {
            Job::Alone(i) => {
                let (m, limit) = run_one(&scenarios[*i], seed);
                out.push((*i, extract(*i, *k, &m, limit)));
                progress();
            }
            Job::Forks(g, members) => {
                run_forks(&prefixes[*g], scenarios, members, seed, &mut |i, run| {
                    let (m, limit) = ended(run);
                    out.push((i, extract(i, *k, &m, limit)));
                    progress();
                });
            }
        }
        out
    });
    let mut cells: Vec<Vec<Option<T>>> =
        (0..scenarios.len()).map(|_| (0..seeds.len()).map(|_| None).collect()).collect();
    for ((k, _), results) in jobs.iter().zip(flat) {
        for (i, t) in results {
            cells[i][*k] = Some(t);
        }
    }
    cells.into_iter().map(|row| row.into_iter().map(|t| t.expect("every run ran")).collect()).collect()
}

/// Runs `members` (indices into `scenarios` with their fork points, in order of the fork
/// points) as forks of one run of `prefix` on `seed`, handing each run to `each` in that order.
/// A prefix stopped by a limit before a fork point cannot be continued: the members from there
/// on run from the start.
fn run_forks(
    prefix: &Arc<Scenario>,
    scenarios: &[Arc<Scenario>],
    members: &[(usize, u64)],
    seed: u64,
    each: &mut dyn FnMut(usize, Result<RunMetrics, crate::model::Stopped>),
) {
    let mut shared = Some(Simulation::new(Arc::clone(prefix), seed));
    for &(i, at) in members {
        if shared.as_mut().is_some_and(|sim| sim.run_until(at).is_err()) {
            shared = None;
        }
        let run = match &shared {
            Some(sim) => sim.fork(|world, cal| world.adopt(cal, &scenarios[i])).run(),
            None => Simulation::new(Arc::clone(&scenarios[i]), seed).run(),
        };
        each(i, run);
    }
}

/// A distribution stretched by `factor` (every value multiplied), for trigger magnitudes.
pub fn scale_dist(d: &Dist, factor: f64) -> Dist {
    let f = factor.max(0.0);
    match *d {
        Dist::Fixed(v) => Dist::Fixed((v as f64 * f).round() as u64),
        Dist::Exp { mean } => Dist::Exp { mean: mean * f },
        Dist::LogNormal { mu, sigma } => Dist::LogNormal { mu: mu + f.max(1e-12).ln(), sigma },
        Dist::Uniform { min, max } => {
            Dist::Uniform { min: (min as f64 * f).round() as u64, max: (max as f64 * f).round() as u64 }
        }
        Dist::Weibull { shape, scale } => Dist::Weibull { shape, scale: scale * f },
    }
}

/// A paired comparison of one quantity between a baseline and a variant on the same seeds.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct Paired {
    /// Mean of the baseline's per-seed values.
    pub baseline: f64,
    /// Mean of the variant's per-seed values.
    pub variant: f64,
    /// Mean per-seed difference (variant − baseline) with its paired Student-t interval.
    pub delta: Estimate,
    /// The same difference with the interval of two independent samples (Welch), as if the
    /// runs had not shared seeds: what pairing saves.
    pub unpaired: Estimate,
}

/// Compares per-seed values (`NaN` where a seed has none; such seeds are left out of both).
pub fn paired(baseline: &[f64], variant: &[f64]) -> Paired {
    let pairs: Vec<(f64, f64)> =
        baseline.iter().zip(variant).filter(|(a, b)| a.is_finite() && b.is_finite()).map(|(a, b)| (*a, *b)).collect();
    let a: Vec<f64> = pairs.iter().map(|p| p.0).collect();
    let b: Vec<f64> = pairs.iter().map(|p| p.1).collect();
    let d: Vec<f64> = pairs.iter().map(|p| p.1 - p.0).collect();
    let mean = |xs: &[f64]| if xs.is_empty() { f64::NAN } else { xs.iter().sum::<f64>() / xs.len() as f64 };
    Paired {
        baseline: mean(&a),
        variant: mean(&b),
        delta: stats::mean_interval(&d, LEVEL),
        unpaired: welch(&a, &b, LEVEL),
    }
}

/// Difference of means `mean(b) − mean(a)` of two independent samples with Welch's interval
/// (Student-t with the Welch–Satterthwaite degrees of freedom).
pub fn welch(a: &[f64], b: &[f64], level: f64) -> Estimate {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    let n = a.len().min(b.len()) as u64;
    let stat = |xs: &[f64]| {
        let m = xs.iter().sum::<f64>() / xs.len() as f64;
        let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (xs.len() as f64 - 1.0);
        (m, v / xs.len() as f64)
    };
    if a.len() < 2 || b.len() < 2 || !(level > 0.0 && level < 1.0) {
        return Estimate { value: f64::NAN, low: f64::NAN, high: f64::NAN, n };
    }
    let ((ma, va), (mb, vb)) = (stat(a), stat(b));
    let se2 = va + vb;
    let value = mb - ma;
    if se2 == 0.0 {
        return Estimate { value, low: value, high: value, n };
    }
    let df = se2 * se2 / (va * va / (a.len() as f64 - 1.0) + vb * vb / (b.len() as f64 - 1.0)).max(f64::MIN_POSITIVE);
    let t = StudentsT::new(0.0, 1.0, df).map_or(f64::NAN, |d| d.inverse_cdf(1.0 - (1.0 - level) / 2.0));
    let half = t * se2.sqrt();
    Estimate { value, low: value - half, high: value + half, n }
}

/// Whether an interval lies wholly above (`1`), wholly below (`-1`) zero, or straddles it (`0`).
pub fn sign_beyond_noise(e: &Estimate) -> i8 {
    if e.low > 0.0 {
        1
    } else if e.high < 0.0 {
        -1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairing_removes_the_shared_noise() {
        // Seeds differ a lot from each other, the variant adds 1 ± a little to each.
        let base: Vec<f64> = (0..10).map(|i| 100.0 * f64::from(i)).collect();
        let var: Vec<f64> = base.iter().enumerate().map(|(i, b)| b + 1.0 + 0.01 * (i % 3) as f64).collect();
        let p = paired(&base, &var);
        assert!((p.delta.value - 1.01).abs() < 0.01, "{:?}", p.delta);
        assert!(p.delta.half_width() * 100.0 < p.unpaired.half_width(), "{p:?}");
        assert_eq!(sign_beyond_noise(&p.delta), 1);
        assert_eq!(sign_beyond_noise(&p.unpaired), 0);
    }

    #[test]
    fn scaled_distributions_scale_their_values() {
        let d = Dist::Fixed(10);
        assert_eq!(scale_dist(&d, 2.5), Dist::Fixed(25));
        let ln = Dist::LogNormal { mu: 1.0, sigma: 0.5 };
        let Dist::LogNormal { mu, .. } = scale_dist(&ln, std::f64::consts::E) else { panic!("kind kept") };
        assert!((mu - 2.0).abs() < 1e-12);
    }
}
