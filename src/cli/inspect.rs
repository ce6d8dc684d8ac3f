//! `validate`, `analyze` and `graph`: commands that read a topology without simulating it.

#![allow(clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;

use faultsim::load::{self, Loaded};

use super::*;

pub fn validate(files: &[PathBuf]) -> ExitCode {
    let mut failed = 0usize;
    for f in files {
        let line = match load::load_file(f) {
            Ok(Loaded::Topology(t)) => format!(
                "ok: {} (topology `{}`: {}, {}, {})\n",
                f.display(),
                t.name(),
                count(t.services().len() as u64, "service"),
                count(t.zones().len() as u64, "zone"),
                count(t.endpoints().len() as u64, "endpoint")
            ),
            Ok(Loaded::Scenario(s)) => format!(
                "ok: {} (scenario `{}` on `{}`: {}, {}, {})\n",
                f.display(),
                s.name,
                s.topology.name(),
                count(s.workloads.len() as u64, "workload"),
                count(s.faults.len() as u64, "fault"),
                count(s.seed_count, "seed")
            ),
            Err(ds) => {
                failed += 1;
                eprint!("{}", render(&ds));
                eprintln!("{}: {}\n", f.display(), count(ds.len() as u64, "error"));
                continue;
            }
        };
        if let Err(code) = write_stdout(&line) {
            return code;
        }
    }
    if failed > 0 {
        eprintln!("{failed} of {} failed validation", count(files.len() as u64, "file"));
        ExitCode::from(EXIT_INPUT)
    } else {
        ExitCode::SUCCESS
    }
}

pub fn analyze(file: &std::path::Path, format: Format) -> ExitCode {
    let loaded = match load::load_file(file) {
        Ok(l) => l,
        Err(ds) => return fail(&ds),
    };
    let a = faultsim::analysis::analyze(loaded.topology());
    let text = match format {
        Format::Text => a.to_text(),
        Format::Json => match serde_json::to_string_pretty(&a) {
            Ok(s) => s + "\n",
            Err(e) => {
                eprintln!("error: cannot encode the analysis as JSON: {e}");
                return ExitCode::from(EXIT_INPUT);
            }
        },
    };
    write_stdout(&text).err().unwrap_or(ExitCode::SUCCESS)
}

pub fn graph(file: &std::path::Path, out: Option<PathBuf>) -> ExitCode {
    let loaded = match load::load_file(file) {
        Ok(l) => l,
        Err(ds) => return fail(&ds),
    };
    let dot = faultsim::report::dot::to_dot(loaded.topology());
    match out {
        None => {
            if let Err(code) = write_stdout(&dot) {
                return code;
            }
        }
        Some(path) => {
            if let Err(e) = faultsim::output::write_atomic(&path, dot.as_bytes()) {
                eprintln!("error: {}: cannot write: {e}", path.display());
                return ExitCode::from(EXIT_INPUT);
            }
            eprintln!("wrote {}", path.display());
        }
    }
    ExitCode::SUCCESS
}
