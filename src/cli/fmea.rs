//! `fmea`: every failure mode of a scenario's topology injected on the same seeds as a
//! fault-free baseline, ranked by risk. Also the options shared with `cascade`.

#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use faultsim::scenario::Scenario;
use faultsim::study::modes::{ModeKind, ModeSettings};
use faultsim::study::{fmea, Timeline};
use faultsim::units::Duration;

use super::*;

/// How a study's table is printed.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TableFormat {
    /// An aligned table.
    Text,
    /// GitHub markdown.
    Markdown,
    /// Comma-separated values.
    Csv,
    /// Everything, as JSON.
    Json,
}

/// Options shared by `fmea` and `cascade`: seeds, the timeline and the failure modes.
#[derive(Clone, clap::Args)]
pub struct FaultStudyArgs {
    /// A what-if patch (`Patch(…)`) laid over the scenario and its topology first, to study
    /// the fixed system without copying it.
    #[arg(long)]
    pub variant: Option<PathBuf>,
    /// Seeds, from the scenario's first (default: 5; the scenario's own count is usually meant
    /// for a single run and every mode multiplies it).
    #[arg(long, value_parser = crate::cli::parse_seeds)]
    pub seeds: Option<u64>,
    #[command(flatten)]
    pub settle: SettleArgs,
    /// Worker threads (default: one per core). Results never depend on it.
    #[arg(long, value_parser = crate::cli::parse_threads)]
    pub threads: Option<usize>,
    /// Warm-up before measuring (default: the scenario's, at most 30s).
    #[arg(long)]
    pub warmup: Option<String>,
    /// Normal operation between the warm-up and the fault.
    #[arg(long, default_value = "10s")]
    pub lead: String,
    /// How long each failure mode is injected.
    #[arg(long, default_value = "1m")]
    pub fault_duration: String,
    /// Time watched after the fault ends (recovery; arrivals then stop and requests drain).
    #[arg(long, default_value = "1m")]
    pub after: String,
    /// Kinds of failure mode, comma-separated (instance, crash, zone, region, partition,
    /// latency, errors, slowdown, capacity, flush; default: all).
    #[arg(long, value_delimiter = ',')]
    pub modes: Vec<String>,
    /// Only failure modes of these components, zones or regions (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Added latency of latency modes.
    #[arg(long, default_value = "500ms")]
    pub latency: String,
    /// Service-time factor of slowdown modes.
    #[arg(long, default_value_t = 10.0)]
    pub slowdown: f64,
    /// Error probability of error modes.
    #[arg(long, default_value_t = 0.5)]
    pub error_rate: f64,
    /// Fraction of workers removed by capacity modes.
    #[arg(long, default_value_t = 0.5)]
    pub capacity_cut: f64,
    /// MTBF assumed for modes the topology gives no failure rate for.
    #[arg(long, default_value = "90d")]
    pub assumed_mtbf: String,
}

/// Seeds of `fmea` and `cascade` by default (the first look of a `--precision` run).
const DEFAULT_SEEDS: u64 = 5;

/// A duration option, or a usage error naming the flag.
pub fn duration(flag: &str, text: &str) -> Result<Duration, ExitCode> {
    text.parse::<Duration>().map_err(|e| {
        eprintln!("error: --{flag} `{text}`: {e}");
        ExitCode::from(EXIT_INPUT)
    })
}

/// A usage error.
pub fn usage(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(EXIT_INPUT)
}

/// The resolved shared options.
pub struct Resolved {
    /// Modes.
    pub modes: ModeSettings,
    /// Timeline.
    pub timeline: Timeline,
    /// Seeds (with `--precision`, the most the schedule may run).
    pub seeds: Vec<u64>,
    /// A run until settled (`--precision`), planned.
    pub plan: Option<Settle>,
    /// Threads.
    pub threads: usize,
}

/// Checks and resolves the shared options against the scenario.
pub fn resolve(a: &FaultStudyArgs, s: &Scenario) -> Result<Resolved, ExitCode> {
    let mut kinds = Vec::new();
    for m in &a.modes {
        kinds.push(m.parse::<ModeKind>().map_err(|e| usage(&e))?);
    }
    if kinds.is_empty() {
        kinds = ModeKind::ALL.to_vec();
    }
    for name in &a.only {
        if s.topology.lookup(name).is_none() {
            return Err(usage(&format!("--only `{name}`: no component, zone or region of that name in the topology")));
        }
    }
    if !(a.slowdown > 0.0 && a.slowdown.is_finite()) {
        return Err(usage("--slowdown must be a number > 0"));
    }
    if !((0.0..=1.0).contains(&a.error_rate) && a.capacity_cut > 0.0 && a.capacity_cut <= 1.0) {
        return Err(usage("--error-rate must be in [0, 1] and --capacity-cut in (0, 1]"));
    }
    let fault_duration = duration("fault-duration", &a.fault_duration)?;
    let assumed_mtbf = duration("assumed-mtbf", &a.assumed_mtbf)?;
    if fault_duration.as_nanos() == 0 || assumed_mtbf.as_nanos() == 0 {
        return Err(usage("--fault-duration and --assumed-mtbf must be > 0"));
    }
    let warmup = match &a.warmup {
        Some(w) => duration("warmup", w)?,
        None => s.warmup.min(Duration::from_secs(30)),
    };
    let timeline = Timeline::new(warmup, duration("lead", &a.lead)?, fault_duration, duration("after", &a.after)?);
    let plan = a.settle.plan(DEFAULT_SEEDS);
    let count = Settle::seeds(plan.as_ref(), a.seeds.unwrap_or(DEFAULT_SEEDS)).max(1);
    Ok(Resolved {
        modes: ModeSettings {
            latency_add: duration("latency", &a.latency)?,
            slowdown: a.slowdown,
            error_rate: a.error_rate,
            capacity_cut: a.capacity_cut,
            assumed_mtbf,
            fault_duration,
            kinds,
        },
        timeline,
        seeds: seed_list(s.first_seed, count, None)?,
        plan,
        threads: threads_or_default(a.threads),
    })
}

/// Writes `files` into `dir` (created if needed), atomically each.
pub fn write_files(dir: &Path, files: &[(String, String)]) -> Result<(), ExitCode> {
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("error: cannot create {}: {e}", dir.display());
        return Err(ExitCode::from(EXIT_INPUT));
    }
    for (name, text) in files {
        let path = dir.join(name);
        if let Err(e) = faultsim::output::write_atomic(&path, text.as_bytes()) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return Err(ExitCode::from(EXIT_INPUT));
        }
    }
    Ok(())
}

/// JSON of a study result (serde_json cannot fail on these plain data types; if it ever did,
/// the message says so instead of panicking).
pub fn json<T: serde::Serialize>(kind: Kind, v: &T) -> String {
    serde_json::to_string_pretty(&document(kind, v)).map_or_else(|e| format!("{{\"error\": \"{e}\"}}"), |s| s + "\n")
}

pub fn fmea(path: &Path, args: &FaultStudyArgs, format: TableFormat, out: Option<&PathBuf>) -> ExitCode {
    let scenario = match load_scenario_with(path, args.variant.as_deref()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let r = match resolve(args, &scenario) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let settings = fmea::Settings { modes: r.modes, only: args.only.clone(), timeline: r.timeline, seeds: r.seeds };
    let modes = faultsim::study::modes::enumerate(&scenario.topology, &settings.modes)
        .iter()
        .filter(|m| settings.only.is_empty() || settings.only.contains(&m.component))
        .count() as u64;
    let bar = progress_bar((modes + 1) * settings.seeds.len() as u64, "runs");
    let result = match &r.plan {
        Some(Settle { target, schedule }) => {
            match fmea::run_settled(&scenario, settings, schedule, target, r.threads, &|| bar.inc(1)) {
                Ok(f) => f,
                Err(e) => {
                    bar.finish_and_clear();
                    return usage(&format!("--precision {target}: {e}"));
                }
            }
        }
        _ => fmea::run(&scenario, settings, r.threads, &|| bar.inc(1)),
    };
    bar.finish_and_clear();
    let text = match format {
        TableFormat::Text => faultsim::report::study::fmea_text(&result),
        TableFormat::Markdown => faultsim::report::study::fmea_markdown(&result),
        TableFormat::Csv => faultsim::report::study::fmea_csv(&result),
        TableFormat::Json => json(Kind::Fmea, &result),
    };
    if let Some(dir) = out {
        let files = faultsim::report::study_plots::fmea_files(&result, &json(Kind::Fmea, &result));
        if let Err(code) = write_files(dir, &files) {
            return code;
        }
    }
    if let Err(code) = write_stdout(&text) {
        return code;
    }
    if result.rows.iter().any(|r| r.limited > 0) || result.precision.as_ref().is_some_and(|p| !p.settled) {
        return ExitCode::from(EXIT_INCONCLUSIVE);
    }
    ExitCode::SUCCESS
}
