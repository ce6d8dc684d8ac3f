//! The `faultsim` command: arguments → load → run or analyse → print.
//!
//! This is the only place that prints or chooses an exit code: 0 ok, 1 a hypothesis or
//! SLO failed, 2 usage or input error, 3 inconclusive.

#![allow(clippy::print_stderr)]

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use faultsim::diagnostic::{render, Diagnostic};
use faultsim::load::{self, Loaded};

/// Exit code: a usage or input error.
const EXIT_INPUT: u8 = 2;
/// Exit code: no answer could be reached (a run stopped at one of its limits).
const EXIT_INCONCLUSIVE: u8 = 3;

#[derive(Parser)]
#[command(
    name = "faultsim",
    version,
    about = "Deterministic failure simulation: nines, cascades, FMEA and what-ifs from RON models."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check topology and scenario files; report every error with file:line:col.
    Validate {
        /// Files to check (`models/*.ron`, `scenarios/*.ron`).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Static analysis of a topology (or a scenario's topology): SPOFs, single-zone
    /// placement, retry amplification, depth, fan-out and analytic availability.
    Analyze {
        /// A topology or scenario file.
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Simulate one run of a scenario and summarise it.
    Run {
        /// A scenario file.
        scenario: PathBuf,
        /// The seed (default: the scenario's first seed).
        #[arg(long)]
        seed: Option<u64>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Re-run one seed of a scenario and write every event as a JSON line (simulated time only).
    Replay {
        /// A scenario file.
        scenario: PathBuf,
        /// The seed to replay.
        #[arg(long)]
        seed: u64,
        /// Where to write the trace (atomically).
        #[arg(long)]
        trace: PathBuf,
    },
    /// Graphviz DOT of a topology (or a scenario's topology), zones as clusters.
    Graph {
        /// A topology or scenario file.
        file: PathBuf,
        /// Write to this file (atomically) instead of standard output.
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// A readable report.
    Text,
    /// JSON.
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Validate { files } => validate(&files),
        Command::Analyze { file, format } => analyze(&file, format),
        Command::Graph { file, out } => graph(&file, out),
        Command::Run { scenario, seed, format } => run(&scenario, seed, format),
        Command::Replay { scenario, seed, trace } => replay(&scenario, seed, &trace),
    }
}

/// Writes to standard output. A closed pipe (`faultsim analyze … | head`) is not an error:
/// the reader has what it wanted, so we stop quietly instead of panicking like `print!`.
fn write_stdout(text: &str) -> Result<(), ExitCode> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(ExitCode::SUCCESS),
        Err(e) => {
            eprintln!("error: cannot write to standard output: {e}");
            Err(ExitCode::from(EXIT_INPUT))
        }
    }
}

fn fail(diagnostics: &[Diagnostic]) -> ExitCode {
    eprint!("{}", render(diagnostics));
    ExitCode::from(EXIT_INPUT)
}

fn validate(files: &[PathBuf]) -> ExitCode {
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

/// "1 seed", "20 seeds".
fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn analyze(file: &std::path::Path, format: Format) -> ExitCode {
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

fn graph(file: &std::path::Path, out: Option<PathBuf>) -> ExitCode {
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

fn load_scenario(path: &std::path::Path) -> Result<std::sync::Arc<faultsim::scenario::Scenario>, ExitCode> {
    match load::load_scenario(path) {
        Ok(s) => Ok(std::sync::Arc::new(s)),
        Err(ds) => Err(fail(&ds)),
    }
}

fn run(path: &std::path::Path, seed: Option<u64>, format: Format) -> ExitCode {
    let scenario = match load_scenario(path) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let seed = seed.unwrap_or(scenario.first_seed);
    let gaps = faultsim::model::not_simulated(&scenario);
    let (metrics, limit) = match faultsim::engine::Simulation::new(std::sync::Arc::clone(&scenario), seed).run() {
        Ok(m) => (m, None),
        Err(b) => {
            let (limit, m) = *b;
            (m, Some(limit))
        }
    };
    let replay = format!("faultsim run {} --seed {seed}", path.display());
    let limit_text = limit.map(|l| format!("{l}"));
    let text = match format {
        Format::Text => {
            faultsim::report::summary::run_summary(&scenario, &metrics, limit_text.as_deref(), &gaps, &replay)
        }
        Format::Json => {
            let report = faultsim::report::summary::RunReport {
                schema_version: faultsim::report::summary::SCHEMA_VERSION,
                tool_version: env!("CARGO_PKG_VERSION"),
                scenario: &scenario.name,
                topology: scenario.topology.name(),
                limit: limit_text.clone(),
                not_simulated: &gaps,
                run: &metrics,
            };
            match serde_json::to_string(&report) {
                Ok(s) => s + "\n",
                Err(e) => {
                    eprintln!("error: cannot encode the result as JSON: {e}");
                    return ExitCode::from(EXIT_INPUT);
                }
            }
        }
    };
    if let Err(code) = write_stdout(&text) {
        return code;
    }
    match limit {
        None => ExitCode::SUCCESS,
        Some(l) => {
            eprintln!("error: the run stopped at a limit ({}): {l}", l.limit_name());
            eprintln!("  seed {seed}; replay: {replay}");
            ExitCode::from(EXIT_INCONCLUSIVE)
        }
    }
}

fn replay(path: &std::path::Path, seed: u64, trace: &std::path::Path) -> ExitCode {
    let scenario = match load_scenario(path) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut file = match faultsim::output::AtomicFile::create(trace) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {}: cannot write: {e}", trace.display());
            return ExitCode::from(EXIT_INPUT);
        }
    };
    let mut write_error = None;
    let result = faultsim::engine::Simulation::new(scenario, seed).run_observed(|t, e| {
        if write_error.is_none() {
            let line = serde_json::to_string(e).map(|ev| format!("{{\"t_ns\":{t},\"event\":{ev}}}\n"));
            let r = line.map_err(std::io::Error::other).and_then(|l| file.write_all(l.as_bytes()));
            if let Err(err) = r {
                write_error = Some(err);
            }
        }
    });
    if let Some(e) = write_error {
        eprintln!("error: {}: cannot write: {e}", trace.display());
        return ExitCode::from(EXIT_INPUT);
    }
    if let Err(e) = file.commit() {
        eprintln!("error: {}: cannot write: {e}", trace.display());
        return ExitCode::from(EXIT_INPUT);
    }
    match result {
        Ok(m) => {
            eprintln!("wrote {} events to {} (fingerprint {})", m.events, trace.display(), m.fingerprint);
            ExitCode::SUCCESS
        }
        Err(b) => {
            eprintln!(
                "error: the run stopped at a limit ({}): {}; the trace up to it is in {}",
                b.0.limit_name(),
                b.0,
                trace.display()
            );
            ExitCode::from(EXIT_INCONCLUSIVE)
        }
    }
}
