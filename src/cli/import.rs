//! `faultsim import chaostoolkit EXPERIMENT --topology MODEL -o SCENARIO`: a Chaos Toolkit
//! experiment as a scenario on the model, to dry-run it with `faultsim check` first.
//! `faultsim import traces FILE... --out DIR`: OpenTelemetry traces as a topology and a
//! scenario.

#![allow(clippy::print_stderr)]

use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use faultsim::bridge::from_chaostoolkit::{self, Mapping};
use faultsim::bridge::from_traces::{self, Traces};
use faultsim::load;
use faultsim::spec;

use super::{fail, EXIT_INPUT};

/// What `import chaostoolkit` was asked for.
pub struct ChaosToolkit<'a> {
    /// The experiment (JSON).
    pub experiment: &'a Path,
    /// The topology the experiment runs against.
    pub topology: &'a Path,
    /// The mapping file, if any.
    pub mapping: Option<&'a Path>,
    /// `ENDPOINT=RATE` Poisson loads, added to the mapping's workloads.
    pub rates: &'a [String],
    /// Pod label naming components in Chaos Mesh selectors.
    pub label_key: &'a str,
    /// The scenario file to write.
    pub out: &'a Path,
}

/// Runs `faultsim import chaostoolkit`.
pub fn chaostoolkit(o: &ChaosToolkit) -> ExitCode {
    let (experiment, source) = match load::load_json(o.experiment) {
        Ok(v) => v,
        Err(d) => return fail(&[*d]),
    };
    let topology = match load::load_topology(o.topology) {
        Ok(t) => t,
        Err(ds) => return fail(&ds),
    };
    let mapping: Mapping = match o.mapping {
        Some(m) => match load::load_ron(m) {
            Ok(m) => m,
            Err(ds) => return fail(&ds),
        },
        None => Mapping::default(),
    };
    let mut workloads = mapping.workloads.clone();
    for r in o.rates {
        match rate(r, &topology) {
            Ok(w) => workloads.push(w),
            Err(e) => {
                eprintln!("error: --rate {r}: {e}");
                return ExitCode::from(EXIT_INPUT);
            }
        }
    }
    if workloads.is_empty() {
        eprintln!(
            "error: {source}: an experiment carries no load, so the scenario would have none\n  hint: give it with --rate ENDPOINT=REQUESTS_PER_SECOND (endpoints: {}) or `workloads` in a --mapping file",
            topology.endpoints().iter().map(|e| e.name.as_str()).collect::<Vec<_>>().join(", ")
        );
        return ExitCode::from(EXIT_INPUT);
    }
    let imported = match from_chaostoolkit::import(&experiment, &topology, &mapping, o.label_key) {
        Ok(i) => i,
        Err(errors) => {
            for e in &errors {
                eprintln!("error: {source}: {e}");
            }
            eprintln!("{} not imported; nothing written", super::count(errors.len() as u64, "problem"));
            return ExitCode::from(EXIT_INPUT);
        }
    };
    let out_dir = o.out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let topology_path = relative(out_dir, o.topology);
    let text = from_chaostoolkit::scenario_text(&imported, &source, &topology_path, &workloads, mapping.seeds.as_ref());
    // The file must load as any scenario does; a bad value from the mapping is reported here.
    let name = o.out.display().to_string();
    let scenario = match load::parse_scenario(&name, text.clone().into(), out_dir) {
        Ok(s) => s,
        Err(ds) => return fail(&ds),
    };
    for n in &imported.notes.not_exported {
        eprintln!("not imported: {n}");
    }
    for n in &imported.notes.approximations {
        eprintln!("approximated: {n}");
    }
    if let Err(e) = faultsim::output::write_atomic(o.out, text.as_bytes()) {
        eprintln!("error: {}: cannot write: {e}", o.out.display());
        return ExitCode::from(EXIT_INPUT);
    }
    eprintln!(
        "wrote {name}: {}, {} hypotheses (run: faultsim check {name})",
        super::count(scenario.faults.len() as u64, "fault"),
        scenario.hypotheses.len()
    );
    ExitCode::SUCCESS
}

/// Runs `faultsim import traces`.
pub fn traces(files: &[PathBuf], out: &Path, name: &str) -> ExitCode {
    let mut traces = Traces::default();
    let mut sources = Vec::new();
    let mut errors = Vec::new();
    for f in files {
        let shown = f.display().to_string();
        match read_otlp(f, &shown, &mut traces) {
            Ok(()) => sources.push(shown),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        for e in &errors {
            eprintln!("error: {e}");
        }
        eprintln!("{} not imported; nothing written", super::count(errors.len() as u64, "file"));
        return ExitCode::from(EXIT_INPUT);
    }
    let imported = match from_traces::import(&traces, name, &sources) {
        Ok(i) => i,
        Err(es) => {
            for e in &es {
                eprintln!("error: {}: {e}", sources.join(", "));
            }
            return ExitCode::from(EXIT_INPUT);
        }
    };
    let topology_path = out.join("topology.ron");
    let scenario_path = out.join("scenario.ron");
    let run_line = format!("Run: faultsim run {}", scenario_path.display());
    let head = from_traces::header(&imported, &sources, traces.len(), &run_line);
    let topology_text = format!("{head}{}", imported.topology);
    let scenario_text = format!("{head}{}", imported.scenario);
    // What is written must load as any file does; a failure here is a bug of the importer,
    // reported with the located errors rather than written.
    if let Err(ds) = load::parse_topology(&topology_path.display().to_string(), topology_text.clone().into()) {
        eprintln!("error: the imported topology does not validate (a bug in the importer; please report it):");
        return fail(&ds);
    }
    if let Err(e) = std::fs::create_dir_all(out) {
        eprintln!("error: {}: cannot create the folder: {e}", out.display());
        return ExitCode::from(EXIT_INPUT);
    }
    let write = |path: &Path, text: &str| -> Result<(), ExitCode> {
        faultsim::output::write_atomic(path, text.as_bytes()).map_err(|e| {
            eprintln!("error: {}: cannot write: {e}", path.display());
            ExitCode::from(EXIT_INPUT)
        })
    };
    if let Err(code) = write(&topology_path, &topology_text) {
        return code;
    }
    // The scenario loads its topology from beside it, so it is checked once that is written,
    // and before it is written itself.
    if let Err(ds) = load::parse_scenario(&scenario_path.display().to_string(), scenario_text.clone().into(), out) {
        eprintln!("error: the imported scenario does not validate (a bug in the importer; please report it):");
        return fail(&ds);
    }
    if let Err(code) = write(&scenario_path, &scenario_text) {
        return code;
    }
    for f in &imported.fits {
        eprintln!("fitted: {f}");
    }
    for n in &imported.not_inferred {
        eprintln!("not inferred: {n}");
    }
    eprintln!(
        "wrote {} and {} from {} spans ({})",
        topology_path.display(),
        scenario_path.display(),
        traces.len(),
        run_line.to_lowercase()
    );
    ExitCode::SUCCESS
}

/// One OTLP JSON file: a document, or one document per line (the collector's file exporter).
fn read_otlp(path: &Path, shown: &str, into: &mut Traces) -> Result<(), String> {
    match load::load_json(path) {
        Ok((doc, _)) => into.add(&doc, shown),
        Err(whole) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: cannot read: {e}"))?;
            let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
            if lines.len() < 2 {
                return Err(whole.to_string());
            }
            // Not JSON Lines either when its first line is not a document: then the whole
            // file's located error is the one to show.
            if serde_json::from_str::<serde_json::Value>(lines[0]).is_err() {
                return Err(whole.to_string());
            }
            for (n, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let doc: serde_json::Value = serde_json::from_str(line)
                    .map_err(|e| format!("{shown}:{}:{}: not JSON: {e}", n + 1, e.column()))?;
                into.add(&doc, &format!("{shown}:{}", n + 1))?;
            }
            Ok(())
        }
    }
}

/// `ENDPOINT=RATE` as a constant Poisson workload.
fn rate(text: &str, topology: &faultsim::topology::Topology) -> Result<spec::Workload, String> {
    let (endpoint, rate) = text.split_once('=').ok_or("expected ENDPOINT=REQUESTS_PER_SECOND, e.g. checkout=50")?;
    if topology.endpoint_by_name(endpoint).is_none() {
        let names = topology.endpoints().iter().map(|e| e.name.as_str());
        let hint = faultsim::problem::did_you_mean(endpoint, names).map(|s| format!(" (did you mean `{s}`?)"));
        return Err(format!("`{endpoint}` is not an endpoint of the topology{}", hint.unwrap_or_default()));
    }
    let rate: f64 =
        rate.trim().parse().map_err(|_| format!("expected a number of requests per second, found {rate:?}"))?;
    if !(rate.is_finite() && rate > 0.0) {
        return Err("the rate must be a positive number of requests per second".into());
    }
    Ok(spec::Workload {
        endpoint: endpoint.to_owned(),
        arrivals: spec::Arrivals::Poisson { rate, profile: spec::Profile::Constant },
        client: None,
    })
}

/// `to` as a path relative to the folder `from` (both taken from the current folder).
fn relative(from: &Path, to: &Path) -> String {
    let abs = |p: &Path| -> PathBuf {
        let p = std::fs::canonicalize(p).unwrap_or_else(|_| std::env::current_dir().unwrap_or_default().join(p));
        p.components().filter(|c| !matches!(c, Component::CurDir)).collect()
    };
    let (from, to) = (abs(from), abs(to));
    let (f, t): (Vec<_>, Vec<_>) = (from.components().collect(), to.components().collect());
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..f.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c);
    }
    out.display().to_string()
}
