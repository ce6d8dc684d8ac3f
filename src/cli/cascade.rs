//! `cascade`: for each initiating fault, which services that were not faulted become
//! unhealthy, how often, how many and how far; JSON, text and DOT coloured by probability.

#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use faultsim::metrics::health::Thresholds;
use faultsim::study::cascade;

use super::fmea::{json, resolve, usage, write_files, FaultStudyArgs};
use super::*;

/// Thresholds of the unhealthy-service detector.
#[derive(Clone, clap::Args)]
pub struct ThresholdArgs {
    /// Failed fraction of a service's answers that makes it unhealthy.
    #[arg(long, default_value_t = 0.5)]
    pub error_threshold: f64,
    /// Busy fraction of a service's workers that makes it unhealthy (saturated).
    #[arg(long, default_value_t = 0.95)]
    pub saturation_threshold: f64,
    /// Consecutive time buckets a window spans.
    #[arg(long, default_value_t = 5)]
    pub window: usize,
}

pub fn cascade(
    path: &Path,
    args: &FaultStudyArgs,
    th: &ThresholdArgs,
    format: Format,
    dot: Option<&PathBuf>,
    out: Option<&PathBuf>,
) -> ExitCode {
    let scenario = match load_scenario_with(path, args.variant.as_deref()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let r = match resolve(args, &scenario) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let ok = |x: f64| x > 0.0 && x <= 1.0;
    if !ok(th.error_threshold) || !ok(th.saturation_threshold) || th.window == 0 {
        return usage("--error-threshold and --saturation-threshold must be in (0, 1], --window ≥ 1");
    }
    let thresholds = Thresholds {
        error_rate: th.error_threshold,
        saturation: th.saturation_threshold,
        window_buckets: th.window,
        ..Thresholds::default()
    };
    let settings = cascade::Settings {
        modes: r.modes,
        only: args.only.clone(),
        timeline: r.timeline,
        seeds: r.seeds,
        thresholds,
        scenario_timeline: true,
    };
    let modes = faultsim::study::modes::enumerate(&scenario.topology, &settings.modes)
        .iter()
        .filter(|m| settings.only.is_empty() || settings.only.contains(&m.component))
        .count() as u64;
    let bar = progress_bar((modes + 2) * settings.seeds.len() as u64, "runs");
    let result = match &r.plan {
        Some(Settle { target, schedule }) => {
            match cascade::run_settled(&scenario, settings, schedule, target, r.threads, &|| bar.inc(1)) {
                Ok(c) => c,
                Err(e) => {
                    bar.finish_and_clear();
                    return usage(&format!("--precision {target}: {e}"));
                }
            }
        }
        _ => cascade::run(&scenario, settings, r.threads, &|| bar.inc(1)),
    };
    bar.finish_and_clear();
    let graph = faultsim::report::study::cascade_dot(&result, &scenario.topology);
    if let Some(file) = dot {
        if let Err(e) = faultsim::output::write_atomic(file, graph.as_bytes()) {
            eprintln!("error: cannot write {}: {e}", file.display());
            return ExitCode::from(EXIT_INPUT);
        }
    }
    if let Some(dir) = out {
        let mut files =
            faultsim::report::study_plots::cascade_files(&result, &scenario.topology, &json(Kind::Cascade, &result));
        files.push(("cascade.dot".to_owned(), graph));
        if let Err(code) = write_files(dir, &files) {
            return code;
        }
    }
    let text = match format {
        Format::Text => faultsim::report::study::cascade_text(&result),
        Format::Json => json(Kind::Cascade, &result),
    };
    if let Err(code) = write_stdout(&text) {
        return code;
    }
    if result.initiators.iter().any(|i| i.limited > 0) || result.precision.as_ref().is_some_and(|p| !p.settled) {
        return ExitCode::from(EXIT_INCONCLUSIVE);
    }
    ExitCode::SUCCESS
}
