//! `validate`, `analyze` and `graph`: commands that read a topology without simulating it.

#![allow(clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;

use faultsim::load::{self, Loaded};

use super::*;

pub fn validate(files: &[PathBuf], variant: Option<&std::path::Path>) -> ExitCode {
    let mut failed = 0usize;
    if let Some(v) = variant {
        if let Err(ds) = load::patch::load_patch(v) {
            eprint!("{}", render(&ds));
            eprintln!("{}: {}\n", v.display(), count(ds.len() as u64, "error"));
            return ExitCode::from(EXIT_INPUT);
        }
    }
    for f in files {
        let is_patch = looks_like_patch(f);
        let loaded = if is_patch {
            load::patch::load_patch(f).map(Checked::Patch)
        } else {
            match variant {
                Some(v) if !is_topology(f) => {
                    load::patch::load_patched(f, v).map(|(s, _)| Checked::Patched(Box::new(s)))
                }
                _ => load::load_file(f).map(Checked::Loaded),
            }
        };
        let line = match loaded {
            Ok(Checked::Patch(p)) => format!(
                "ok: {} (patch `{}`: {}; its names are checked against a scenario with `faultsim validate SCENARIO --variant {}`)\n",
                f.display(),
                p.name,
                patch_changes(&p),
                f.display()
            ),
            Ok(Checked::Patched(s)) => scenario_ok(f, &s),
            Ok(Checked::Loaded(l)) => match l {
            Loaded::Topology(t) => format!(
                "ok: {} (topology `{}`: {}, {}, {})\n",
                f.display(),
                t.name(),
                count(t.services().len() as u64, "service"),
                count(t.zones().len() as u64, "zone"),
                count(t.endpoints().len() as u64, "endpoint")
            ),
            Loaded::Scenario(s) => scenario_ok(f, &s),
            },
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

/// What `validate` found a file to be.
enum Checked {
    Loaded(Loaded),
    Patch(faultsim::patch::Patch),
    Patched(Box<faultsim::scenario::Scenario>),
}

/// Whether a file starts with `Patch(`. Only a regular file is opened (a FIFO would block),
/// and only its head is read: the loaders after this apply the size limits.
fn looks_like_patch(f: &std::path::Path) -> bool {
    use std::io::Read;
    if faultsim::input::check_regular(f).is_err() {
        return false;
    }
    let mut head = Vec::new();
    let read = std::fs::File::open(f).and_then(|file| file.take(64 * 1024).read_to_end(&mut head));
    read.is_ok() && load::is_patch_text(&String::from_utf8_lossy(&head))
}

/// Whether a file is a topology (a patch applies to scenarios only).
fn is_topology(f: &std::path::Path) -> bool {
    matches!(load::load_file(f), Ok(Loaded::Topology(_)))
}

/// "2 services, 1 call" — what a patch changes.
fn patch_changes(p: &faultsim::patch::Patch) -> String {
    let parts = [
        (p.services.len(), "service"),
        (p.calls.len(), "call"),
        (p.datastores.len(), "datastore"),
        (p.caches.len(), "cache"),
        (p.externals.len(), "external"),
        (p.clients.len(), "client"),
    ];
    let named: Vec<String> = parts.iter().filter(|(n, _)| *n > 0).map(|(n, w)| count(*n as u64, w)).collect();
    if named.is_empty() {
        "changes nothing".to_owned()
    } else {
        format!("changes {}", named.join(", "))
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

/// The line `validate` prints for a scenario that loaded (with or without a patch).
fn scenario_ok(f: &std::path::Path, s: &faultsim::scenario::Scenario) -> String {
    format!(
        "ok: {} (scenario `{}` on `{}`: {}, {}, {})\n",
        f.display(),
        s.name,
        s.topology.name(),
        count(s.workloads.len() as u64, "workload"),
        count(s.faults.len() as u64, "fault"),
        count(s.seed_count, "seed")
    )
}
