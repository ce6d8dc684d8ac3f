//! `metastability`: the map of load × trigger magnitude × trigger duration, each cell the
//! fraction of seeds whose goodput came back within a deadline after the trigger ended.

#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use faultsim::study::metastability;
use faultsim::units::Duration;

use super::fmea::{duration, json, usage, write_files};
use super::*;

/// Options of `metastability`.
#[derive(Clone, clap::Args)]
pub struct MetaArgs {
    /// A what-if patch (`Patch(…)`) laid over the scenario and its topology first.
    #[arg(long)]
    pub variant: Option<PathBuf>,
    /// Load factors (every workload's rate or population times each), comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "0.5,0.75,1,1.25")]
    pub loads: Vec<f64>,
    /// Trigger magnitude factors, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "0.5,1,2")]
    pub magnitudes: Vec<f64>,
    /// Trigger durations, comma-separated (default: half, once and twice the scenario's).
    #[arg(long, value_delimiter = ',')]
    pub durations: Vec<String>,
    /// Goodput must be back within this after the trigger ends.
    #[arg(long, default_value = "30s")]
    pub deadline: String,
    /// Warm-up (default: the scenario's, at most 30s).
    #[arg(long)]
    pub warmup: Option<String>,
    /// Normal operation between the warm-up and the trigger.
    #[arg(long, default_value = "10s")]
    pub lead: String,
    /// Seeds per cell, from the scenario's first.
    #[arg(long, default_value_t = 5, value_parser = crate::cli::parse_seeds)]
    pub seeds: u64,
    #[command(flatten)]
    pub settle: SettleArgs,
    /// Worker threads (default: one per core). Results never depend on it.
    #[arg(long, value_parser = crate::cli::parse_threads)]
    pub threads: Option<usize>,
}

pub fn metastability(path: &Path, a: &MetaArgs, format: Format, out: Option<&PathBuf>) -> ExitCode {
    let scenario = match load_scenario_with(path, a.variant.as_deref()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let Some(trigger) = scenario.faults.first() else {
        return usage("the scenario has no fault to use as the trigger: add a FaultWindow (e.g. a latency spike)");
    };
    let positive = |xs: &[f64]| !xs.is_empty() && xs.iter().all(|x| x.is_finite() && *x > 0.0);
    if !positive(&a.loads) || !positive(&a.magnitudes) {
        return usage("--loads and --magnitudes must be numbers > 0");
    }
    let mut durations = Vec::new();
    for d in &a.durations {
        match duration("durations", d) {
            Ok(d) if d.as_nanos() > 0 => durations.push(d),
            Ok(_) => return usage("--durations must be > 0"),
            Err(code) => return code,
        }
    }
    if durations.is_empty() {
        let own = trigger
            .end
            .map_or(Duration::from_secs(15), |e| Duration::from_nanos(e.as_nanos() - trigger.start.as_nanos()));
        durations = [own.as_nanos() / 2, own.as_nanos(), own.as_nanos() * 2].map(Duration::from_nanos).to_vec();
    }
    let (deadline, lead) = match (duration("deadline", &a.deadline), duration("lead", &a.lead)) {
        (Ok(d), Ok(l)) => (d, l),
        (Err(code), _) | (_, Err(code)) => return code,
    };
    let warmup = match &a.warmup {
        Some(w) => match duration("warmup", w) {
            Ok(w) => w,
            Err(code) => return code,
        },
        None => scenario.warmup.min(Duration::from_secs(30)),
    };
    let plan = a.settle.plan(a.seeds);
    let settings = metastability::Settings {
        loads: a.loads.clone(),
        magnitudes: a.magnitudes.clone(),
        durations,
        deadline,
        warmup,
        lead,
        seeds: match seed_list(scenario.first_seed, Settle::seeds(plan.as_ref(), a.seeds), None) {
            Ok(l) => l,
            Err(code) => return code,
        },
    };
    let runs = (settings.loads.len() * (1 + settings.magnitudes.len() * settings.durations.len())) as u64;
    let bar = progress_bar(runs * settings.seeds.len() as u64, "runs");
    let threads = threads_or_default(a.threads);
    let map = match &plan {
        Some(Settle { target, schedule }) => {
            match metastability::run_settled(&scenario, settings, schedule, target, threads, &|| bar.inc(1)) {
                Ok(m) => m,
                Err(e) => return usage(&format!("--precision {target}: {e}")),
            }
        }
        _ => match metastability::run(&scenario, settings, threads, &|| bar.inc(1)) {
            Ok(m) => m,
            Err(e) => return usage(&e.to_string()),
        },
    };
    bar.finish_and_clear();
    if let Some(dir) = out {
        if let Err(code) = write_files(
            dir,
            &faultsim::report::study_plots::metastability_files(&map, &json(Kind::Metastability, &map)),
        ) {
            return code;
        }
    }
    let text = match format {
        Format::Text => faultsim::report::study::metastability_text(&map),
        Format::Json => json(Kind::Metastability, &map),
    };
    if let Err(code) = write_stdout(&text) {
        return code;
    }
    if map.precision.as_ref().is_some_and(|p| !p.settled) {
        return ExitCode::from(EXIT_INCONCLUSIVE);
    }
    ExitCode::SUCCESS
}
