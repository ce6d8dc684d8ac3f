//! `whatif`: a scenario and variants of it (patch files) on the same seeds, with paired
//! differences and a verdict per metric.

#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use faultsim::load;
use faultsim::study::whatif::{self, Candidate};

use super::fmea::{json, usage, write_files};
use super::*;

/// How many seeds a what-if runs, on how many threads.
pub struct Seeding<'a> {
    /// `--seeds`.
    pub seeds: Option<u64>,
    /// `--threads`.
    pub threads: Option<usize>,
    /// `--precision` and `--max-seeds`.
    pub settle: &'a SettleArgs,
}

pub fn whatif(
    path: &Path,
    variants: &[PathBuf],
    seeding: &Seeding<'_>,
    all: bool,
    format: Format,
    out: Option<&PathBuf>,
) -> ExitCode {
    let Seeding { seeds, threads, settle } = *seeding;
    let base = match load_scenario(path) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut candidates = Vec::new();
    let mut problems = Vec::new();
    for v in variants {
        match load::patch::load_patched(path, v) {
            Ok((s, p)) => {
                candidates.push(Candidate { scenario: Arc::new(s), name: p.name, description: p.description })
            }
            Err(ds) => problems.extend(ds),
        }
    }
    if !problems.is_empty() {
        return fail(&problems);
    }
    let plan = settle.plan(base.seed_count);
    let count = Settle::seeds(plan.as_ref(), seeds.unwrap_or(base.seed_count)).max(1);
    let list = match seed_list(base.first_seed, count, None) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let bar = progress_bar((candidates.len() as u64 + 1) * count, "runs");
    let threads = threads_or_default(threads);
    let result = match &plan {
        Some(Settle { target, schedule }) => {
            match whatif::run_settled(&base, &candidates, &list, schedule, target, threads, &|| bar.inc(1)) {
                Ok(r) => r,
                Err(e) => {
                    bar.finish_and_clear();
                    return usage(&format!("--precision {target}: {e}"));
                }
            }
        }
        _ => whatif::run(&base, &candidates, &list, threads, &|| bar.inc(1)),
    };
    bar.finish_and_clear();
    if let Some(dir) = out {
        if let Err(code) =
            write_files(dir, &faultsim::report::study_plots::whatif_files(&result, &json(Kind::Whatif, &result)))
        {
            return code;
        }
    }
    let text = match format {
        Format::Text => faultsim::report::study::whatif_text(&result, all),
        Format::Json => json(Kind::Whatif, &result),
    };
    if let Err(code) = write_stdout(&text) {
        return code;
    }
    if result.variants.iter().any(|v| v.limited > 0) || result.precision.as_ref().is_some_and(|p| !p.settled) {
        return ExitCode::from(EXIT_INCONCLUSIVE);
    }
    ExitCode::SUCCESS
}
