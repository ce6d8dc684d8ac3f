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
    /// Simulate a scenario: one seed (`--seed S`), or many in parallel with 95% intervals.
    Run {
        /// A scenario file.
        scenario: PathBuf,
        /// Run this one seed and show that run in detail.
        #[arg(long, conflicts_with_all = ["seeds", "shard"])]
        seed: Option<u64>,
        /// Run this many seeds, from the scenario's first (default: the scenario's `seeds`).
        #[arg(long)]
        seeds: Option<u64>,
        /// Worker threads (default: one per core). Results never depend on it.
        #[arg(long)]
        threads: Option<usize>,
        /// Run only shard K of N (`K/N`, or `auto` / `auto/N` from JOB_COMPLETION_INDEX or
        /// SLURM_ARRAY_TASK_ID) and write `shard-K-of-N.json` into `--out` (default: .).
        #[arg(long)]
        shard: Option<String>,
        /// Also write `results.json`, `summary.md`, the plots (`*.svg`) and `index.html` into
        /// this folder (atomically).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Check each scenario's hypotheses over its seeds: pass, fail or inconclusive from an
    /// exact binomial interval; exit 0 (all pass), 1 (a failure), 3 (inconclusive), 2 (bad input).
    Check {
        /// Scenario files.
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        /// Seeds per scenario (default: each scenario's `seeds`).
        #[arg(long)]
        seeds: Option<u64>,
        /// Worker threads (default: one per core). Verdicts never depend on it.
        #[arg(long)]
        threads: Option<usize>,
        /// How an inconclusive verdict counts: as a failure, as a pass, or on its own (exit 3).
        #[arg(long, value_enum, default_value_t = Inconclusive::Exit3)]
        inconclusive: Inconclusive,
        /// Also write JUnit XML here (a test case per hypothesis), atomically.
        #[arg(long)]
        junit: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Merge shard files from `run --shard` into the results of the whole seed range.
    Merge {
        /// Shard files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Also write `results.json`, `summary.md`, the plots (`*.svg`) and `index.html` into
        /// this folder (atomically).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Write a self-contained HTML report (`index.html`) with its plots (`*.svg`) into a folder:
    /// from a scenario (its seeds are run first) or from a results file (`results.json`).
    Report {
        /// A scenario file, or a results file written by `run --out`, `merge --out` or `report`.
        input: PathBuf,
        /// The folder to write `index.html`, the plots, `results.json` and `summary.md` into.
        #[arg(long)]
        out: PathBuf,
        /// Run this many seeds of a scenario, from its first (default: the scenario's `seeds`).
        #[arg(long)]
        seeds: Option<u64>,
        /// Worker threads for a scenario (default: one per core). Results never depend on it.
        #[arg(long)]
        threads: Option<usize>,
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

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Inconclusive {
    /// Exit 3 when a verdict is inconclusive (and none failed).
    #[value(name = "exit3")]
    Exit3,
    /// Count inconclusive verdicts as failures (exit 1).
    Fail,
    /// Count inconclusive verdicts as passes.
    Pass,
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
        Command::Run { scenario, seed: Some(seed), format, .. } => run(&scenario, Some(seed), format),
        Command::Run { scenario, seed: None, seeds, threads, shard, out, format } => {
            run_seeds(&scenario, seeds, threads, shard.as_deref(), out.as_deref(), format)
        }
        Command::Merge { files, out, format } => merge(&files, out.as_deref(), format),
        Command::Check { scenarios, seeds, threads, inconclusive, junit, format } => {
            check(&scenarios, seeds, threads, inconclusive, junit.as_deref(), format)
        }
        Command::Replay { scenario, seed, trace } => replay(&scenario, seed, &trace),
        Command::Report { input, out, seeds, threads } => report(&input, &out, seeds, threads),
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

/// Writes `results.json`, `summary.md`, every plot and `index.html` into `dir`, each atomically
/// (the page last, so a page never refers to plots that are not there yet); returns the page's path.
fn write_out(
    dir: &std::path::Path,
    results: &faultsim::montecarlo::summary::Results,
    scenario: Option<&faultsim::scenario::Scenario>,
    json: &str,
    text: &str,
    replay: &str,
) -> std::io::Result<PathBuf> {
    use faultsim::output::write_atomic;
    use faultsim::report::html;
    std::fs::create_dir_all(dir)?;
    write_atomic(&dir.join("results.json"), json.as_bytes())?;
    write_atomic(&dir.join("summary.md"), format!("```text\n{text}```\n").as_bytes())?;
    let plots = html::results_plots(results, scenario);
    for p in &plots {
        write_atomic(&dir.join(&p.file), p.svg.as_bytes())?;
    }
    let page = dir.join("index.html");
    write_atomic(&page, html::results_page(results, scenario, &plots, replay).as_bytes())?;
    Ok(page)
}

/// The results as JSON, one line.
fn results_json(results: &faultsim::montecarlo::summary::Results) -> Result<String, ExitCode> {
    match serde_json::to_string(results) {
        Ok(s) => Ok(s + "\n"),
        Err(e) => {
            eprintln!("error: cannot encode the results as JSON: {e}");
            Err(ExitCode::from(EXIT_INPUT))
        }
    }
}

/// 0, or 3 (inconclusive) with the first stopped seed and its replay command when seeds
/// stopped at a limit.
fn stopped_exit(results: &faultsim::montecarlo::summary::Results, replay: &str) -> ExitCode {
    if results.stopped.is_empty() {
        ExitCode::SUCCESS
    } else {
        let s = &results.stopped[0];
        eprintln!(
            "error: {} of {} seeds stopped at a limit; first: seed {}: {}",
            results.stopped.len(),
            results.seeds,
            s.seed,
            s.limit
        );
        eprintln!("  replay: {replay} --seed {}", s.seed);
        ExitCode::from(EXIT_INCONCLUSIVE)
    }
}

/// Prints many-seed results, and writes them (with plots and a page) into `out` when asked.
fn emit_results(
    results: &faultsim::montecarlo::summary::Results,
    scenario: Option<&faultsim::scenario::Scenario>,
    replay: &str,
    out: Option<&std::path::Path>,
    format: Format,
) -> ExitCode {
    let json = match results_json(results) {
        Ok(j) => j,
        Err(code) => return code,
    };
    let text = faultsim::report::seeds::seeds_summary(results, replay);
    if let Some(dir) = out {
        match write_out(dir, results, scenario, &json, &text, replay) {
            Ok(page) => eprintln!(
                "wrote {}, {}, the plots and {}",
                dir.join("results.json").display(),
                dir.join("summary.md").display(),
                page.display()
            ),
            Err(e) => {
                eprintln!("error: {}: cannot write: {e}", dir.display());
                return ExitCode::from(EXIT_INPUT);
            }
        }
    }
    if let Err(code) = write_stdout(match format {
        Format::Text => &text,
        Format::Json => &json,
    }) {
        return code;
    }
    stopped_exit(results, replay)
}

/// Runs the seeds of `scenario`: `seeds` of them from its first (default: its own count), or
/// only those of `shard`, on `threads` threads (default: one per core).
fn simulate(
    scenario: &std::sync::Arc<faultsim::scenario::Scenario>,
    seeds: Option<u64>,
    threads: Option<usize>,
    shard: Option<faultsim::montecarlo::Shard>,
) -> Result<(faultsim::montecarlo::summary::Results, usize), ExitCode> {
    use faultsim::montecarlo::{self, summary};
    let count = seeds.unwrap_or(scenario.seed_count);
    if count == 0 {
        eprintln!("error: --seeds must be at least 1");
        return Err(ExitCode::from(EXIT_INPUT));
    }
    let first = scenario.first_seed;
    let list: Vec<u64> = match shard {
        Some(s) => s.seeds(first, count),
        None => (0..count).map(|i| first + i).collect(),
    };
    let threads = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from)).max(1);
    let bar = progress_bar(list.len() as u64);
    let data = montecarlo::run_seeds(scenario, &list, threads, &|| bar.inc(1));
    bar.finish_and_clear();
    Ok((summary::Results::build(summary::Meta::of(scenario, first, count, shard), data), list.len()))
}

fn run_seeds(
    path: &std::path::Path,
    seeds: Option<u64>,
    threads: Option<usize>,
    shard: Option<&str>,
    out: Option<&std::path::Path>,
    format: Format,
) -> ExitCode {
    use faultsim::montecarlo::Shard;
    let scenario = match load_scenario(path) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let shard = match shard.map(|s| Shard::parse(s, |v| std::env::var(v).ok())).transpose() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_INPUT);
        }
    };
    let (results, ran) = match simulate(&scenario, seeds, threads, shard) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let replay = format!("faultsim run {}", path.display());
    if let Some(s) = shard {
        let dir = out.unwrap_or(std::path::Path::new("."));
        let file = dir.join(format!("shard-{}-of-{}.json", s.index, s.count));
        let written = serde_json::to_string(&results).map_err(std::io::Error::other).and_then(|json| {
            std::fs::create_dir_all(dir).and_then(|()| faultsim::output::write_atomic(&file, (json + "\n").as_bytes()))
        });
        if let Err(e) = written {
            eprintln!("error: {}: cannot write: {e}", file.display());
            return ExitCode::from(EXIT_INPUT);
        }
        eprintln!(
            "wrote {} ({ran} seeds); merge all shards with: faultsim merge {}/shard-*-of-{}.json",
            file.display(),
            dir.display(),
            s.count
        );
        return emit_results(&results, Some(&scenario), &replay, None, format);
    }
    emit_results(&results, Some(&scenario), &replay, out, format)
}

/// Reads a results or shard file (at most 1 GiB).
fn read_stored(f: &std::path::Path) -> Result<faultsim::montecarlo::summary::Stored, String> {
    let text = match std::fs::metadata(f) {
        Ok(m) if m.is_dir() => Err("is a directory, not a results file".to_owned()),
        Ok(m) if m.len() > 1 << 30 => Err(format!("is {} bytes; the limit is 1 GiB", m.len())),
        Ok(_) => std::fs::read_to_string(f).map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    text.and_then(|t| serde_json::from_str(&t).map_err(|e| format!("not a faultsim results file: {e}")))
}

/// Whether `path` holds JSON (a results file) rather than RON: by its extension, or else by
/// its first non-blank character.
fn is_json(path: &std::path::Path) -> bool {
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
        return true;
    }
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("ron")) {
        return false;
    }
    let mut head = [0u8; 512];
    let n = std::fs::File::open(path).and_then(|mut f| std::io::Read::read(&mut f, &mut head)).unwrap_or(0);
    head[..n].iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

fn report(input: &std::path::Path, out: &std::path::Path, seeds: Option<u64>, threads: Option<usize>) -> ExitCode {
    use faultsim::montecarlo::summary::{Results, SCHEMA_VERSION};
    let (results, scenario, replay) = if is_json(input) {
        if seeds.is_some() || threads.is_some() {
            eprintln!(
                "error: {}: --seeds and --threads apply to a scenario; a results file's seeds have already run",
                input.display()
            );
            return ExitCode::from(EXIT_INPUT);
        }
        let stored = match read_stored(input) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {}: {e}", input.display());
                return ExitCode::from(EXIT_INPUT);
            }
        };
        if stored.schema_version != SCHEMA_VERSION {
            eprintln!(
                "error: {}: schema version {} (this faultsim reads {SCHEMA_VERSION})",
                input.display(),
                stored.schema_version
            );
            return ExitCode::from(EXIT_INPUT);
        }
        let replay = format!("faultsim run <the scenario `{}`>", stored.meta.scenario);
        (Results::build(stored.meta, stored.data), None, replay)
    } else {
        let scenario = match load::load_file(input) {
            Ok(Loaded::Scenario(s)) => std::sync::Arc::new(*s),
            Ok(Loaded::Topology(t)) => {
                eprintln!(
                    "error: {}: is the topology `{}`; report needs a scenario (which runs it) or a results file",
                    input.display(),
                    t.name()
                );
                return ExitCode::from(EXIT_INPUT);
            }
            Err(ds) => return fail(&ds),
        };
        let results = match simulate(&scenario, seeds, threads, None) {
            Ok((r, _)) => r,
            Err(code) => return code,
        };
        (results, Some(scenario), format!("faultsim run {}", input.display()))
    };
    let json = match results_json(&results) {
        Ok(j) => j,
        Err(code) => return code,
    };
    let text = faultsim::report::seeds::seeds_summary(&results, &replay);
    match write_out(out, &results, scenario.as_deref(), &json, &text, &replay) {
        Ok(page) => eprintln!("wrote {} with its plots, results.json and summary.md beside it", page.display()),
        Err(e) => {
            eprintln!("error: {}: cannot write: {e}", out.display());
            return ExitCode::from(EXIT_INPUT);
        }
    }
    stopped_exit(&results, &replay)
}

/// A progress bar with an ETA on a terminal; nothing when standard error is not one.
fn progress_bar(len: u64) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} seeds  {elapsed} elapsed, ETA {eta}")
    {
        bar.set_style(style);
    }
    bar
}

fn merge(files: &[PathBuf], out: Option<&std::path::Path>, format: Format) -> ExitCode {
    use faultsim::montecarlo::summary::{Results, Stored, SCHEMA_VERSION};
    use faultsim::montecarlo::Partial;
    let mut stored: Vec<(String, Stored)> = Vec::new();
    for f in files {
        let name = f.display().to_string();
        match read_stored(f) {
            Ok(s) => stored.push((name, s)),
            Err(e) => {
                eprintln!("error: {name}: {e}");
                return ExitCode::from(EXIT_INPUT);
            }
        }
    }
    let mut problems = Vec::new();
    let (first_name, first) = (&stored[0].0, &stored[0].1);
    for (name, s) in &stored {
        if s.schema_version != SCHEMA_VERSION {
            problems
                .push(format!("{name}: schema version {} (this faultsim reads {SCHEMA_VERSION})", s.schema_version));
        }
        let mut a = s.meta.clone();
        let mut b = first.meta.clone();
        a.shard = None;
        b.shard = None;
        if a.tool_version != b.tool_version {
            problems
                .push(format!("{name}: made by faultsim {}, but {first_name} by {}", a.tool_version, b.tool_version));
        } else if a.inputs != b.inputs {
            problems
                .push(format!("{name}: made from other input files than {first_name} (their content hashes differ)"));
        } else if a != b {
            problems.push(format!("{name}: a different run than {first_name} (scenario, seeds or settings differ)"));
        }
        if s.meta.shard.map(|x| x.count) != first.meta.shard.map(|x| x.count) {
            problems.push(format!("{name}: not a shard of the same split as {first_name}"));
        }
    }
    if let Some(n) = first.meta.shard.map(|s| s.count) {
        let mut have: Vec<u32> = stored.iter().filter_map(|(_, s)| s.meta.shard.map(|x| x.index)).collect();
        have.sort_unstable();
        let dup: Vec<String> = have.windows(2).filter(|w| w[0] == w[1]).map(|w| format!("{}/{n}", w[0])).collect();
        let missing: Vec<String> = (1..=n).filter(|k| !have.contains(k)).map(|k| format!("{k}/{n}")).collect();
        if !dup.is_empty() {
            problems.push(format!("shards given twice: {}", dup.join(", ")));
        }
        if !missing.is_empty() {
            problems.push(format!("missing shards: {}", missing.join(", ")));
        }
    }
    let mut meta = first.meta.clone();
    meta.shard = None;
    let data = stored.iter().fold(Partial::empty(meta.endpoints.len()), |acc, (_, s)| acc.merge(s.data.clone()));
    let dups = data.duplicate_seeds();
    if !dups.is_empty() {
        problems.push(format!("seeds present twice: {}", short_list(&dups)));
    }
    let missing: Vec<u64> = (0..meta.seed_count)
        .map(|i| meta.first_seed + i)
        .filter(|s| data.records.binary_search_by_key(s, |r| r.seed).is_err())
        .collect();
    if !missing.is_empty() {
        problems.push(format!("missing seeds: {}", short_list(&missing)));
    }
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("error: {p}");
        }
        eprintln!("nothing merged: {} problem{}", problems.len(), if problems.len() == 1 { "" } else { "s" });
        return ExitCode::from(EXIT_INPUT);
    }
    let replay = format!("faultsim run <the scenario `{}`>", meta.scenario);
    emit_results(&Results::build(meta, data), None, &replay, out, format)
}

/// Up to ten numbers, then how many more.
fn short_list(xs: &[u64]) -> String {
    let shown: Vec<String> = xs.iter().take(10).map(u64::to_string).collect();
    if xs.len() > 10 {
        format!("{} and {} more", shown.join(", "), xs.len() - 10)
    } else {
        shown.join(", ")
    }
}

fn check(
    paths: &[PathBuf],
    seeds: Option<u64>,
    threads: Option<usize>,
    inconclusive: Inconclusive,
    junit: Option<&std::path::Path>,
    format: Format,
) -> ExitCode {
    use faultsim::montecarlo::verdict::Judgement;
    use faultsim::montecarlo::{self, summary};
    let threads = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from)).max(1);
    let (mut failed, mut unsure) = (0usize, 0usize);
    let mut text = String::new();
    let mut json = Vec::new();
    let mut checked: Vec<faultsim::report::ci::Checked> = Vec::new();
    for path in paths {
        let scenario = match load_scenario(path) {
            Ok(s) => s,
            Err(code) => return code,
        };
        let count = seeds.unwrap_or(scenario.seed_count).max(1);
        let first = scenario.first_seed;
        let list: Vec<u64> = (0..count).map(|i| first + i).collect();
        let bar = progress_bar(list.len() as u64);
        let data = montecarlo::run_seeds(&scenario, &list, threads, &|| bar.inc(1));
        bar.finish_and_clear();
        let results = summary::Results::build(summary::Meta::of(&scenario, first, count, None), data);
        let replay = format!("faultsim run {}", path.display());
        text.push_str(&format!("{}: {} ({count} seeds)\n", path.display(), scenario.name));
        if results.verdicts.is_empty() {
            text.push_str("  no hypotheses\n");
        }
        for v in &results.verdicts {
            let tag = match v.judgement {
                Judgement::Pass => "PASS",
                Judgement::Fail => "FAIL",
                Judgement::Inconclusive => "INCONCLUSIVE",
                Judgement::NotEvaluable => "NOT EVALUATED",
            };
            match v.judgement {
                Judgement::Fail => failed += 1,
                Judgement::Inconclusive => match inconclusive {
                    Inconclusive::Fail => failed += 1,
                    Inconclusive::Exit3 => unsure += 1,
                    Inconclusive::Pass => {}
                },
                Judgement::Pass | Judgement::NotEvaluable => {}
            }
            text.push_str(&format!(
                "  {tag:<13} {}: {} — held in {}/{} seeds, pass rate {} (95% exact) vs required {}\n",
                v.name,
                v.claim,
                v.passed,
                v.evaluated,
                faultsim::report::text::pct_ci(&v.pass_rate),
                faultsim::report::text::pct(v.required)
            ));
            if let Some(note) = &v.note {
                text.push_str(&format!("                {note}\n"));
            }
            for s in v.failing_seeds.iter().take(3) {
                text.push_str(&format!("                failed on seed {s}: {replay} --seed {s}\n"));
            }
            if v.failing_seeds.len() > 3 {
                text.push_str(&format!("                … and {} more failing seeds\n", v.failing_seeds.len() - 3));
            }
        }
        json.push(
            serde_json::json!({ "scenario": path.display().to_string(), "seeds": count, "verdicts": results.verdicts }),
        );
        // The line of each hypothesis in the file, for annotations that point at it.
        let source = std::fs::read_to_string(path).unwrap_or_default();
        let lines = (0..results.verdicts.len())
            .map(|i| {
                let at = faultsim::problem::Path::root().field("hypotheses").index(i);
                load::locate(&source, &at).map(|r| faultsim::diagnostic::line_col(&source, r.start).0)
            })
            .collect();
        checked.push(faultsim::report::ci::Checked {
            file: path.display().to_string(),
            seeds: count,
            verdicts: results.verdicts.clone(),
            lines,
        });
    }
    let views = checked;
    if let Some(junit) = junit {
        let xml = match faultsim::report::ci::junit(&views) {
            Ok(x) => x,
            Err(e) => {
                eprintln!("error: cannot build the JUnit report: {e}");
                return ExitCode::from(EXIT_INPUT);
            }
        };
        if let Err(e) = faultsim::output::write_atomic(junit, xml.as_bytes()) {
            eprintln!("error: {}: cannot write: {e}", junit.display());
            return ExitCode::from(EXIT_INPUT);
        }
    }
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        text.push_str(&faultsim::report::ci::github_annotations(&views));
        if let Ok(summary) = std::env::var("GITHUB_STEP_SUMMARY") {
            // GitHub's protocol is to append to this file, so it is not written atomically.
            let appended = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&summary)
                .and_then(|mut f| f.write_all(faultsim::report::ci::markdown_summary(&views).as_bytes()));
            if let Err(e) = appended {
                eprintln!("warning: cannot append to GITHUB_STEP_SUMMARY ({summary}): {e}");
            }
        }
    }
    let out = match format {
        Format::Text => text,
        Format::Json => serde_json::to_string(&json).map(|s| s + "\n").unwrap_or_default(),
    };
    if let Err(code) = write_stdout(&out) {
        return code;
    }
    if failed > 0 {
        ExitCode::from(1)
    } else if unsure > 0 {
        ExitCode::from(EXIT_INCONCLUSIVE)
    } else {
        ExitCode::SUCCESS
    }
}
