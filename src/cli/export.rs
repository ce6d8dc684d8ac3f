//! `faultsim export chaos-mesh|chaostoolkit SCENARIO`: a scenario's fault schedule (or a
//! counterexample `check` shrank, which is a scenario too) as a real chaos experiment.
//!
//! What could not be carried over is printed on standard error and kept in the output (a
//! YAML comment header, or the experiment's `faultsim` extension), never dropped.

#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::ValueEnum;
use faultsim::bridge::{chaos_mesh, chaostoolkit, Cluster, Notes};

use super::{load_scenario, write_stdout, EXIT_INPUT};

/// The chaos tools faultsim writes experiments for.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Tool {
    /// Chaos Mesh: a `Workflow` timing one chaos object per fault (YAML).
    ChaosMesh,
    /// Chaos Toolkit: an experiment (JSON) whose method creates the Chaos Mesh objects.
    Chaostoolkit,
}

/// What `export` was asked for.
pub struct Options<'a> {
    /// Which tool.
    pub tool: Tool,
    /// The scenario (or counterexample) file.
    pub scenario: &'a Path,
    /// Output file; standard output when `None`.
    pub out: Option<&'a PathBuf>,
    /// Names of the user's cluster.
    pub cluster: Cluster,
    /// Chaos Mesh only: standalone objects instead of a workflow.
    pub manifests: bool,
}

/// Runs `faultsim export`.
pub fn export(o: &Options) -> ExitCode {
    let scenario = match load_scenario(o.scenario) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let source = o.scenario.display().to_string();
    let (text, notes, objects) = match o.tool {
        Tool::ChaosMesh => {
            let export = chaos_mesh::translate(&scenario, &o.cluster);
            let docs: Vec<_> = if o.manifests {
                export.chaos.iter().map(|c| c.manifest(&o.cluster)).collect()
            } else {
                vec![chaos_mesh::workflow(&scenario, &export, &o.cluster)]
            };
            let header = format!(
                "# Chaos Mesh ({}) objects exported by faultsim from {source}.\n# Pods are selected by the label `{}: <component>` in namespace `{}`; hosts under .invalid are third-party externals to fill in.\n{}",
                chaos_mesh::API_VERSION,
                o.cluster.label_key,
                o.cluster.namespace,
                export.notes.comment_lines()
            );
            let text = match chaos_mesh::to_yaml(&header, &docs) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("error: cannot write YAML: {e}");
                    return ExitCode::from(EXIT_INPUT);
                }
            };
            (text, export.notes, export.chaos.len())
        }
        Tool::Chaostoolkit => {
            let (experiment, notes) = chaostoolkit::experiment(&scenario, &source, &o.cluster);
            // One action per chaos object.
            let objects = experiment["method"].as_array().map_or(0, Vec::len);
            let mut text = serde_json::to_string_pretty(&experiment).unwrap_or_default();
            text.push('\n');
            (text, notes, objects)
        }
    };
    print_notes(&notes);
    if objects == 0 {
        eprintln!(
            "error: {source}: no fault of scenario `{}` has a counterpart in the chaos tool, so there is nothing to export\n  hint: add fault windows (`faults: [...]`) to the scenario; random failure processes are not a schedule",
            scenario.name
        );
        return ExitCode::from(EXIT_INPUT);
    }
    match o.out {
        None => {
            if let Err(code) = write_stdout(&text) {
                return code;
            }
        }
        Some(path) => {
            if let Err(e) = faultsim::output::write_atomic(path, text.as_bytes()) {
                eprintln!("error: {}: cannot write: {e}", path.display());
                return ExitCode::from(EXIT_INPUT);
            }
            eprintln!("wrote {} ({})", path.display(), super::count(objects as u64, "chaos object"));
        }
    }
    ExitCode::SUCCESS
}

fn print_notes(notes: &Notes) {
    for n in &notes.not_exported {
        eprintln!("not exported: {n}");
    }
    for n in &notes.approximations {
        eprintln!("approximated: {n}");
    }
}
