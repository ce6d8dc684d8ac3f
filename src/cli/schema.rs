//! `faultsim schema [KIND] [--out DIR]`: the JSON Schema of each kind of JSON output, generated
//! from the types that write it (see `faultsim::schema`).

#![allow(clippy::print_stderr)]

use std::path::Path;
use std::process::ExitCode;

use faultsim::schema::Kind;

use super::*;

/// With a kind, its schema on stdout; with `--out DIR`, every kind's schema as
/// `DIR/KIND.schema.json`; with neither, the list of kinds.
pub fn schema(kind: Option<&str>, out: Option<&Path>) -> ExitCode {
    let pretty = |k: Kind| serde_json::to_string_pretty(&k.schema()).map(|s| s + "\n").unwrap_or_default();
    if let Some(dir) = out {
        let kinds: Vec<Kind> = match kind {
            Some(name) => match lookup(name) {
                Ok(k) => vec![k],
                Err(code) => return code,
            },
            None => Kind::ALL.to_vec(),
        };
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!("error: cannot create {}: {e}", dir.display());
            return ExitCode::from(EXIT_INPUT);
        }
        for k in &kinds {
            let path = dir.join(format!("{}.schema.json", k.name()));
            if let Err(e) = faultsim::output::write_atomic(&path, pretty(*k).as_bytes()) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return ExitCode::from(EXIT_INPUT);
            }
        }
        eprintln!("wrote {} schemas into {}", kinds.len(), dir.display());
        return ExitCode::SUCCESS;
    }
    let text = match kind {
        Some(name) => match lookup(name) {
            Ok(k) => pretty(k),
            Err(code) => return code,
        },
        None => list(),
    };
    write_stdout(&text).err().unwrap_or(ExitCode::SUCCESS)
}

/// The kinds with their current versions and what each holds.
fn list() -> String {
    let mut o = String::from("JSON outputs (`faultsim schema KIND` prints one's JSON Schema):\n");
    for k in Kind::ALL {
        o.push_str(&format!("  {:<14} v{}  {}\n", k.name(), k.version(), k.about()));
    }
    o
}

fn lookup(name: &str) -> Result<Kind, ExitCode> {
    Kind::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
        eprintln!("error: no JSON output kind `{name}`\n  hint: the kinds are {}", names.join(", "));
        ExitCode::from(EXIT_INPUT)
    })
}
