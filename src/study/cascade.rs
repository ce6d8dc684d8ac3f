//! Cascade risk (blast radius): for each initiating fault, which services that the fault did
//! not act on become unhealthy (see [`crate::metrics::health`]: failed answers or saturated
//! workers over a threshold), in what fraction of seeds, how many at once (size) and how far
//! from the fault along the call graph (depth: 1 = a direct caller of a faulted component).
//!
//! A service already unhealthy in the same seed's fault-free baseline, over the same window,
//! does not count: that is overload, not a cascade. A service one of whose instances goes
//! down although nothing faulted it (an OOM kill) is a victim too. Besides the failure modes,
//! the scenario as written — its own faults and load profile, such as the traffic step of
//! the OOM story — is an initiator when it has any. The window runs from the fault's start to
//! the end of the run, so a cascade that outlives its trigger is seen.
//!
//! Each component gets two scores: as an **initiator**, the largest mean cascade size over
//! its failure modes (services pulled in per occurrence); as a **victim**, the largest
//! probability over all initiators that it is pulled in. DOT output colours each service by
//! its victim probability.

use std::sync::Arc;

use serde::Serialize;

use super::modes::{self, FailureMode, ModeSettings};
use super::{run_grid, Timeline, LEVEL};
use crate::metrics::health::{self, Symptom, Thresholds};
use crate::metrics::run::RunMetrics;
use crate::montecarlo::precision::{Figure, Target};
use crate::montecarlo::settle::Judge;
use crate::scenario::Scenario;
use crate::stats::{self, Estimate};
use crate::topology::{ComponentId, Topology};

/// What to study and how.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Settings {
    /// Which initiating faults, how strong.
    pub modes: ModeSettings,
    /// Only initiators on these components (empty: all).
    pub only: Vec<String>,
    /// The timeline every initiator runs on.
    pub timeline: Timeline,
    /// Seeds, the same for the baseline and every initiator.
    pub seeds: Vec<u64>,
    /// What counts as unhealthy.
    pub thresholds: Thresholds,
    /// Also run the scenario as written (its own faults and load profile) as an initiator.
    pub scenario_timeline: bool,
}

/// A service pulled into a cascade.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Victim {
    /// The service.
    pub service: String,
    /// Seeds in which it became unhealthy.
    pub seeds: u64,
    /// Fraction of seeds, with its Wilson interval.
    pub probability: Estimate,
    /// Call-graph distance from the faulted components (1 = a direct caller).
    pub depth: Option<u32>,
    /// Seeds where the first symptom was failed answers.
    pub by_errors: u64,
    /// Seeds where the first symptom was saturation.
    pub by_saturation: u64,
    /// Seeds where an instance of it went down without a fault (an OOM kill).
    pub by_crash: u64,
    /// Median seconds from the fault's start to the first unhealthy window.
    pub onset_s: f64,
}

/// The cascade of one initiating fault.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Initiator {
    /// The initiating failure mode.
    #[serde(flatten)]
    pub mode: FailureMode,
    /// Faulted components (not counted as victims).
    pub faulted: Vec<String>,
    /// Seeds with at least one victim, with its Wilson interval.
    pub probability: Estimate,
    /// Victims per seed: mean with its interval.
    pub size: Estimate,
    /// Seeds by cascade size: `size_histogram[k]` seeds had k victims.
    pub size_histogram: Vec<u64>,
    /// Seeds by cascade depth (deepest victim): `depth_histogram[d]` seeds reached depth d.
    pub depth_histogram: Vec<u64>,
    /// Victims, most probable first.
    pub victims: Vec<Victim>,
    /// Seeds stopped by a run limit.
    pub limited: u64,
}

/// A component's cascade-risk scores.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct ComponentRisk {
    /// The component.
    pub component: String,
    /// Largest mean cascade size over its failure modes.
    pub as_initiator: f64,
    /// Largest probability, over all initiators, that it becomes unhealthy without being faulted.
    pub as_victim: f64,
}

/// The cascade analysis of a scenario.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Cascade {
    /// Scenario name.
    pub scenario: String,
    /// Topology name.
    pub topology: String,
    /// How it was run.
    pub settings: Settings,
    /// Per initiator, largest mean cascade first.
    pub initiators: Vec<Initiator>,
    /// Per component, highest score first.
    pub components: Vec<ComponentRisk>,
    /// How a run until settled (`--precision`) chose its seeds; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<crate::montecarlo::settle::Settled>,
}

/// Call-graph distance from `origins` to every component, following callers (a component's
/// callers are one further away).
pub fn depths(t: &Topology, origins: &[ComponentId]) -> std::collections::BTreeMap<ComponentId, u32> {
    let mut dist = std::collections::BTreeMap::new();
    let mut frontier: Vec<ComponentId> = origins.to_vec();
    for &o in origins {
        dist.insert(o, 0);
    }
    let mut d = 0;
    while !frontier.is_empty() {
        d += 1;
        let mut next = Vec::new();
        for c in frontier {
            for caller in modes::callers(t, c) {
                if let std::collections::btree_map::Entry::Vacant(v) = dist.entry(caller) {
                    v.insert(d);
                    next.push(caller);
                }
            }
        }
        frontier = next;
    }
    dist
}

struct SeedRun {
    unhealthy: Vec<(usize, usize, Symptom)>,
    limited: bool,
}

/// The initiators, their origins and what each seed of each one showed.
type Data = (Vec<FailureMode>, Vec<Vec<ComponentId>>, Vec<Vec<SeedRun>>);

/// Runs the baseline and every selected initiator on `seeds`.
fn collect(base: &Scenario, settings: &Settings, seeds: &[u64], threads: usize, progress: &(dyn Fn() + Sync)) -> Data {
    let t = Arc::clone(&base.topology);
    let tl = settings.timeline;
    let chosen: Vec<FailureMode> = modes::enumerate(&t, &settings.modes)
        .into_iter()
        .filter(|m| settings.only.is_empty() || settings.only.contains(&m.component))
        .collect();
    let th = settings.thresholds;
    let window = |m: &RunMetrics| {
        let b = m.bucket_ns.max(1);
        ((tl.fault_start.as_nanos() / b) as usize, m.end_time_ns.div_ceil(b) as usize)
    };
    let baseline_scenario = vec![tl.scenario(base, "baseline", None)];
    let baseline: Vec<Vec<usize>> = run_grid(&baseline_scenario, seeds, threads, progress, |_, _, m, _| {
        let (from, to) = window(m);
        health::cascaded(m, &[], &[], from, to, &th).into_iter().map(|(s, _, _)| s).collect()
    })
    .into_iter()
    .next()
    .unwrap_or_default();
    let origins: Vec<Vec<ComponentId>> = chosen.iter().map(|m| health::fault_origins(&t, &m.fault)).collect();
    let scenarios: Vec<Arc<Scenario>> = chosen
        .iter()
        .map(|m| tl.scenario(base, &format!("{}: {}", m.component, m.mode), Some(m.fault.clone())))
        .collect();
    let runs = run_grid(&scenarios, seeds, threads, progress, |i, k, m, limit| {
        let (from, to) = window(m);
        let exclude = baseline.get(k).cloned().unwrap_or_default();
        SeedRun { unhealthy: victims(&t, m, &origins[i], &exclude, from, to, &th), limited: limit.is_some() }
    });
    let mut chosen = chosen;
    let mut origins = origins;
    let mut runs = runs;
    if settings.scenario_timeline && !(base.faults.is_empty() && base.processes.is_empty() && constant_load(base)) {
        // The scenario as written (its faults, processes and load profile) is an initiator too:
        // the OOM story's trigger is a traffic step, not a fault.
        let own = health::scenario_origins(base);
        let as_is = vec![Arc::new(base.clone())];
        let seeds_run = run_grid(&as_is, seeds, threads, progress, |_, _, m, limit| {
            let b = m.bucket_ns.max(1);
            let (from, to) = ((base.warmup.as_nanos() / b) as usize, m.end_time_ns.div_ceil(b) as usize);
            SeedRun { unhealthy: victims(&t, m, &own, &[], from, to, &th), limited: limit.is_some() }
        });
        chosen.push(FailureMode {
            component: "(scenario)".to_owned(),
            component_kind: "scenario",
            kind: modes::ModeKind::Scenario,
            mode: "its own timeline and load".to_owned(),
            fault: crate::scenario::Fault::Outage(ComponentId::Service(crate::topology::ServiceId(0))),
            faulted: Vec::new(),
            occurrence: modes::Occurrence {
                per_year: f64::NAN,
                mean_duration_s: f64::NAN,
                source: modes::Source::Assumed,
            },
        });
        origins.push(own);
        runs.extend(seeds_run);
    }
    (chosen, origins, runs)
}

/// The cascade table of what the runs showed.
fn build(base: &Scenario, settings: Settings, (chosen, origins, runs): Data) -> Cascade {
    let t = Arc::clone(&base.topology);
    let tl = settings.timeline;
    let bucket_s = base.series_bucket().as_secs_f64();
    let mut initiators: Vec<Initiator> = chosen
        .into_iter()
        .zip(origins)
        .zip(runs)
        .map(|((mode, origins), seeds)| initiator(&t, mode, &origins, &seeds, bucket_s, tl))
        .collect();
    initiators.sort_by(|a, b| {
        b.size.value.total_cmp(&a.size.value).then(b.probability.value.total_cmp(&a.probability.value))
    });
    let components = component_risks(&t, &initiators);
    Cascade {
        scenario: base.name.clone(),
        topology: t.name().to_owned(),
        settings,
        initiators,
        components,
        precision: None,
    }
}

/// Runs the cascade analysis: the baseline and every selected initiator on every seed.
pub fn run(base: &Scenario, settings: Settings, threads: usize, progress: &(dyn Fn() + Sync)) -> Cascade {
    let data = collect(base, &settings, &settings.seeds, threads, progress);
    build(base, settings, data)
}

/// [`run`] until settled (see [`super::settle`]): the seeds of `settings` in the looks of
/// `schedule` until every initiator's cascade probability, and every victim's, has an
/// interval within `target` (a fraction in percentage points).
pub fn run_settled(
    base: &Scenario,
    mut settings: Settings,
    schedule: &[u64],
    target: &Target,
    threads: usize,
    progress: &(dyn Fn() + Sync),
) -> Result<Cascade, String> {
    crate::montecarlo::settle::accepts(target, &[Figure::Fraction], "cascade")?;
    let services = base.topology.services().len();
    let names: Vec<&str> = base.topology.services().iter().map(|s| s.name.as_str()).collect();
    let judge = |(chosen, _, runs): &Data, level: f64| {
        let n = runs.first().map_or(0, Vec::len);
        let mut j = Judge::new(target, n);
        for (mode, seeds) in chosen.iter().zip(runs) {
            let cascading = seeds.iter().filter(|s| !s.unhealthy.is_empty()).count() as u64;
            let what = || format!("cascade probability under {}: {}", mode.component, mode.mode);
            j.fraction(what, stats::wilson(cascading, n as u64, level).half_width());
            for (v, name) in names.iter().enumerate().take(services) {
                let k = seeds.iter().filter(|s| s.unhealthy.iter().any(|(x, _, _)| *x == v)).count() as u64;
                if k > 0 {
                    let what = || format!("{name} unhealthy under {}: {}", mode.component, mode.mode);
                    j.fraction(what, stats::wilson(k, n as u64, level).half_width());
                }
            }
        }
        j.look()
    };
    let seeds = settings.seeds.clone();
    let (data, looks) = crate::montecarlo::settle::in_looks(
        &seeds,
        schedule,
        |new, _| collect(base, &settings, new, threads, progress),
        |(_, _, runs): &mut Data, (_, _, more)| {
            crate::montecarlo::settle::extend_rows(runs, more);
        },
        judge,
    )
    .ok_or_else(|| "no seeds to run".to_owned())?;
    settings.seeds.truncate(data.2.first().map_or(0, Vec::len));
    let mut out = build(base, settings, data);
    out.precision = Some(crate::montecarlo::settle::Settled::new(
        target,
        format!("cascade probabilities {}", crate::montecarlo::settle::width_text(target)),
        schedule,
        looks,
    ));
    Ok(out)
}

/// Whether every workload's load is constant over time.
fn constant_load(s: &Scenario) -> bool {
    s.workloads.iter().all(|w| {
        matches!(&w.arrivals, crate::scenario::Arrivals::Poisson { profile: crate::spec::Profile::Constant, .. })
            || matches!(&w.arrivals, crate::scenario::Arrivals::ClosedLoop { .. })
    })
}

/// Unhealthy services and crashed (not faulted) services of one run, by service.
fn victims(
    t: &Topology,
    m: &RunMetrics,
    origins: &[ComponentId],
    exclude: &[usize],
    from: usize,
    to: usize,
    th: &Thresholds,
) -> Vec<(usize, usize, Symptom)> {
    let mut out = health::cascaded(m, origins, exclude, from, to, th);
    for (s, b) in health::crashed(m, t, origins, from, to) {
        if !out.iter().any(|(x, _, _)| *x == s) {
            out.push((s, b, Symptom::Crashed));
        }
    }
    out.sort_unstable_by_key(|v| v.0);
    out
}

fn initiator(
    t: &Topology,
    mode: FailureMode,
    origins: &[ComponentId],
    seeds: &[SeedRun],
    bucket_s: f64,
    tl: Timeline,
) -> Initiator {
    let n = seeds.len() as u64;
    let depth_of = depths(t, origins);
    let depth = |s: usize| depth_of.get(&ComponentId::Service(crate::topology::ServiceId(s as u32))).copied();
    let sizes: Vec<f64> = seeds.iter().map(|s| s.unhealthy.len() as f64).collect();
    let mut size_histogram = vec![0u64; seeds.iter().map(|s| s.unhealthy.len()).max().unwrap_or(0) + 1];
    let mut depth_histogram = vec![0u64; 1];
    for s in seeds {
        size_histogram[s.unhealthy.len()] += 1;
        let deepest = s.unhealthy.iter().filter_map(|(v, _, _)| depth(*v)).max().unwrap_or(0) as usize;
        if depth_histogram.len() <= deepest {
            depth_histogram.resize(deepest + 1, 0);
        }
        depth_histogram[deepest] += 1;
    }
    let mut victims: Vec<Victim> = (0..t.services().len())
        .filter_map(|v| {
            let hits: Vec<&(usize, usize, Symptom)> =
                seeds.iter().filter_map(|s| s.unhealthy.iter().find(|(x, _, _)| *x == v)).collect();
            if hits.is_empty() {
                return None;
            }
            let k = hits.len() as u64;
            let onsets: Vec<f64> =
                hits.iter().map(|(_, b, _)| (*b as f64 * bucket_s - tl.fault_start.as_secs_f64()).max(0.0)).collect();
            Some(Victim {
                service: t.services()[v].name.clone(),
                seeds: k,
                probability: stats::wilson(k, n, LEVEL),
                depth: depth(v),
                by_errors: hits.iter().filter(|h| h.2 == Symptom::Errors).count() as u64,
                by_saturation: hits.iter().filter(|h| h.2 == Symptom::Saturation).count() as u64,
                by_crash: hits.iter().filter(|h| h.2 == Symptom::Crashed).count() as u64,
                onset_s: stats::quantile(&onsets, 0.5),
            })
        })
        .collect();
    victims.sort_by(|a, b| b.seeds.cmp(&a.seeds).then(a.depth.cmp(&b.depth)).then(a.service.cmp(&b.service)));
    let cascading = seeds.iter().filter(|s| !s.unhealthy.is_empty()).count() as u64;
    Initiator {
        faulted: origins.iter().map(|&c| t.component_name(c).to_owned()).collect(),
        probability: stats::wilson(cascading, n, LEVEL),
        // No cascade has fewer than no victims.
        size: stats::mean_interval(&sizes, LEVEL).clamped(0.0, f64::INFINITY),
        size_histogram,
        depth_histogram,
        victims,
        limited: seeds.iter().filter(|s| s.limited).count() as u64,
        mode,
    }
}

fn component_risks(t: &Topology, initiators: &[Initiator]) -> Vec<ComponentRisk> {
    let mut names: Vec<String> = t.components().map(|c| t.component_name(c).to_owned()).collect();
    names.extend(t.zones().iter().map(|z| z.name.clone()));
    names.extend(t.regions().iter().map(|r| r.name.clone()));
    let mut out: Vec<ComponentRisk> = names
        .into_iter()
        .map(|name| {
            let as_initiator = initiators
                .iter()
                .filter(|i| i.mode.component == name)
                .map(|i| i.size.value)
                .filter(|v| v.is_finite())
                .fold(0.0, f64::max);
            let as_victim = initiators
                .iter()
                .flat_map(|i| i.victims.iter().filter(|v| v.service == name).map(|v| v.probability.value))
                .fold(0.0, f64::max);
            ComponentRisk { component: name, as_initiator, as_victim }
        })
        .collect();
    out.sort_by(|a, b| {
        (b.as_initiator + b.as_victim).total_cmp(&(a.as_initiator + a.as_victim)).then(a.component.cmp(&b.component))
    });
    out
}
