//! `validate`, `analyze` and `graph`: commands that read a topology without simulating it.

#![allow(clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;

use faultsim::load::{self, Loaded};

use super::*;

pub fn validate(files: &[PathBuf], variant: Option<&std::path::Path>, format: Format) -> ExitCode {
    if let Some(v) = variant {
        if let Err(ds) = load::patch::load_patch(v) {
            return match format {
                Format::Text => {
                    eprint!("{}", faultsim::diagnostic::render_colored(&ds, color::stderr()));
                    eprintln!("{}: {}\n", v.display(), count(ds.len() as u64, "error"));
                    ExitCode::from(EXIT_INPUT)
                }
                Format::Json => {
                    let code = write_stdout(&validation_json(&[(v.to_path_buf(), Err(ds))]));
                    code.err().unwrap_or(ExitCode::from(EXIT_INPUT))
                }
            };
        }
    }
    let mut results: Vec<(PathBuf, Result<String, Vec<Diagnostic>>)> = Vec::new();
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
        let line = loaded.map(|checked| match checked {
            Checked::Patch(p) => format!(
                "ok: {} (patch `{}`: {}; its names are checked against a scenario with `faultsim validate SCENARIO --variant {}`)\n",
                f.display(),
                p.name,
                patch_changes(&p),
                f.display()
            ),
            Checked::Patched(s) => scenario_ok(f, &s),
            Checked::Loaded(Loaded::Topology(t)) => format!(
                "ok: {} (topology `{}`: {}, {}, {})\n",
                f.display(),
                t.name(),
                count(t.services().len() as u64, "service"),
                count(t.zones().len() as u64, "zone"),
                count(t.endpoints().len() as u64, "endpoint")
            ),
            Checked::Loaded(Loaded::Scenario(s)) => scenario_ok(f, &s),
        });
        // Text streams as it goes: a long list shows its first errors at once.
        if matches!(format, Format::Text) {
            match &line {
                Ok(text) => {
                    if let Err(code) = write_stdout(text) {
                        return code;
                    }
                }
                Err(ds) => {
                    eprint!("{}", faultsim::diagnostic::render_colored(ds, color::stderr()));
                    eprintln!("{}: {}\n", f.display(), count(ds.len() as u64, "error"));
                }
            }
        }
        results.push((f.clone(), line));
    }
    let failed = results.iter().filter(|(_, r)| r.is_err()).count();
    if matches!(format, Format::Json) {
        if let Err(code) = write_stdout(&validation_json(&results)) {
            return code;
        }
    } else if failed > 0 {
        eprintln!("{failed} of {} failed validation", count(files.len() as u64, "file"));
    }
    if failed > 0 {
        ExitCode::from(EXIT_INPUT)
    } else {
        ExitCode::SUCCESS
    }
}

/// `validate --format json`: per file whether it is valid, and every diagnostic with its
/// start and end (1-based line and column, and byte offsets), for editors and linters.
fn validation_json(results: &[(PathBuf, Result<String, Vec<Diagnostic>>)]) -> String {
    use faultsim::report::documents::{ValidatedFile, Validation};
    let files = results.iter().map(|(f, r)| ValidatedFile::of(f.display().to_string(), r)).collect();
    serde_json::to_string_pretty(&document(Kind::Validation, &Validation { files }))
        .map_or_else(|e| format!("{{\"error\": \"{e}\"}}\n"), |s| s + "\n")
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
        Format::Json => match serde_json::to_string_pretty(&document(Kind::Analysis, &a)) {
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
