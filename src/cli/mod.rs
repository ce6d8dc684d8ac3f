//! Shared pieces of the command line: exit codes, output format, printing, loading.
//!
//! Each subcommand lives in its own file beside this one; `main.rs` only parses arguments
//! and dispatches.

#![allow(clippy::print_stderr)]

pub mod availability;
pub mod cascade;
pub mod check;
pub mod color;
pub mod export;
pub mod fmea;
pub mod import;
pub mod inspect;
pub mod manual;
pub mod metastability;
pub mod results;
pub mod run;
pub mod schema;
pub mod shell;
pub mod whatif;

use std::io::Write;
use std::process::ExitCode;

use clap::ValueEnum;
use faultsim::diagnostic::Diagnostic;
use faultsim::load;
use faultsim::report::documents::EventLine;
use faultsim::schema::{document, Kind};

/// Exit code: a hypothesis or SLO failed.
pub const EXIT_FAILED: u8 = 1;
/// Exit code: a usage or input error.
pub const EXIT_INPUT: u8 = 2;
/// Exit code: no answer could be reached (a run stopped at one of its limits).
pub const EXIT_INCONCLUSIVE: u8 = 3;

/// How results are printed.
#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    /// A readable report.
    Text,
    /// JSON.
    Json,
}

/// Most worker threads `--threads` accepts: more only adds scheduling and memory cost (each
/// thread has its own stack and seed in flight), and thousands stall the machine.
pub const MAX_THREADS: usize = 1024;

/// Parses `--threads`: a whole number from 1 to [`MAX_THREADS`].
pub fn parse_threads(s: &str) -> Result<usize, String> {
    let n: u64 = s.trim().parse().map_err(|_| format!("expected a whole number of threads, found {s:?}"))?;
    match usize::try_from(n) {
        Ok(n) if (1..=MAX_THREADS).contains(&n) => Ok(n),
        _ => Err(format!(
            "threads must be between 1 and {MAX_THREADS}, found {n} (leave --threads out for one per core)"
        )),
    }
}

/// Parses `--seeds`: a whole number from 1 to [`faultsim::montecarlo::MAX_SEEDS`].
pub fn parse_seeds(s: &str) -> Result<u64, String> {
    let n: u64 = s.trim().parse().map_err(|_| format!("expected a whole number of seeds, found {s:?}"))?;
    faultsim::montecarlo::check_seed_count(n).map_err(|e| e.to_string())?;
    Ok(n)
}

/// The seeds `first`, …, `first + count − 1` (only `shard`'s, if given), or an error (exit 2)
/// when there are none, too many, or the range passes the largest seed.
pub fn seed_list(first: u64, count: u64, shard: Option<faultsim::montecarlo::Shard>) -> Result<Vec<u64>, ExitCode> {
    if let Err(e) = faultsim::montecarlo::check_seed_range(first, count) {
        eprintln!("error: --seeds: {e}");
        return Err(ExitCode::from(EXIT_INPUT));
    }
    Ok(match shard {
        Some(s) => s.seeds(first, count),
        None => (0..count).map(|i| first + i).collect(),
    })
}

/// Worker threads: as asked, else one per core; at least one.
pub fn threads_or_default(threads: Option<usize>) -> usize {
    threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from)).clamp(1, MAX_THREADS)
}

/// Writes to standard output. A closed pipe (`faultsim analyze … | head`) is not an error:
/// the reader has what it wanted, so we stop quietly instead of panicking like `print!`.
pub fn write_stdout(text: &str) -> Result<(), ExitCode> {
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

/// Refuses, before any work is done, output files and folders that cannot be written: an
/// existing target that is not a regular file (a FIFO, a device, a directory) or a folder
/// that is a file. `dirs` pairs each output folder with the file names written into it.
pub fn check_outputs(
    files: &[&std::path::Path],
    dirs: &[(&std::path::Path, &[&str])],
    inputs: &[&std::path::Path],
) -> Result<(), ExitCode> {
    let refused = |p: &std::path::Path, e: std::io::Error| {
        eprintln!("error: {}: cannot write: {e}", p.display());
        ExitCode::from(EXIT_INPUT)
    };
    // Inputs are never modified: an output that is one of them (by path, symlink or hard
    // link) is refused before any work.
    let written =
        files.iter().map(|f| f.to_path_buf()).chain(dirs.iter().flat_map(|(d, names)| names.iter().map(|n| d.join(n))));
    for out in written {
        if let Some(input) = inputs.iter().find(|i| same_file(&out, i)) {
            eprintln!(
                "error: {}: cannot write: it is {}, an input of this command\n  hint: write the output somewhere else; inputs are never modified",
                out.display(),
                input.display()
            );
            return Err(ExitCode::from(EXIT_INPUT));
        }
    }
    for f in files {
        faultsim::output::check_target(f).map_err(|e| refused(f, e))?;
    }
    for (d, names) in dirs {
        faultsim::output::check_dir_target(d, names).map_err(|e| refused(d, e))?;
    }
    Ok(())
}

/// Whether `a` and `b` are the same existing file (same device and inode, so through any
/// symlink or hard link).
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

pub fn fail(diagnostics: &[Diagnostic]) -> ExitCode {
    eprint!("{}", faultsim::diagnostic::render_colored(diagnostics, color::stderr()));
    ExitCode::from(EXIT_INPUT)
}

/// "1 seed", "20 seeds".
pub fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

pub fn load_scenario(path: &std::path::Path) -> Result<std::sync::Arc<faultsim::scenario::Scenario>, ExitCode> {
    match load::load_scenario(path) {
        Ok(s) => Ok(std::sync::Arc::new(s)),
        Err(ds) => Err(fail(&ds)),
    }
}

/// Loads a scenario, with the what-if patch `variant` laid over it and its topology when one
/// is given (`--variant`), so every command can look inside a fix without copying a model.
pub fn load_scenario_with(
    path: &std::path::Path,
    variant: Option<&std::path::Path>,
) -> Result<std::sync::Arc<faultsim::scenario::Scenario>, ExitCode> {
    load::patch::load_scenario_with(path, variant).map(std::sync::Arc::new).map_err(|ds| fail(&ds))
}

/// The scenario as a command line names it: `s.ron`, or `s.ron --variant p.ron`.
pub fn shown(path: &std::path::Path, variant: Option<&std::path::Path>) -> String {
    match variant {
        Some(v) => format!("{} --variant {}", path.display(), v.display()),
        None => path.display().to_string(),
    }
}

/// A progress bar with an ETA on a terminal, counting `len` of what `unit` names ("seeds",
/// "runs", "schedules"); nothing when standard error is not a terminal.
pub fn progress_bar(len: u64, unit: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template(&format!(
        "{{bar:40}} {{pos}}/{{len}} {unit}  {{elapsed}} elapsed, ETA {{eta}}"
    )) {
        bar.set_style(style);
    }
    bar
}

/// What a merge learns of one shard file: its name, the faultsim that wrote it, its inputs'
/// hashes, its shard, and whether the rest of its settings match the first file's.
pub struct ShardFile<'a> {
    /// The file as the user named it.
    pub name: &'a str,
    /// `tool_version` of its results.
    pub tool_version: &'a str,
    /// Its input files' content hashes.
    pub inputs: &'a faultsim::scenario::Inputs,
    /// Which shard of which split it is, if any.
    pub shard: Option<faultsim::montecarlo::Shard>,
    /// Whether everything else about the run (scenario, seeds, settings) equals the first file's.
    pub same_run: bool,
}

/// Every reason a set of shard files cannot be merged into one run: made by another faultsim
/// or from other inputs, a different run (`differs` says what may differ), another split,
/// shards given twice or missing. Shared by `merge` of run and availability results.
pub fn shard_set_problems(files: &[ShardFile], differs: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(first) = files.first() else { return problems };
    for f in files {
        if f.tool_version != first.tool_version {
            problems.push(format!(
                "{}: made by faultsim {}, but {} by {}",
                f.name, f.tool_version, first.name, first.tool_version
            ));
        } else if f.inputs != first.inputs {
            problems.push(format!(
                "{}: made from other input files than {} (their content hashes differ)",
                f.name, first.name
            ));
        } else if !f.same_run {
            problems.push(format!("{}: a different run than {} ({differs} differ)", f.name, first.name));
        }
        if f.shard.map(|x| x.count) != first.shard.map(|x| x.count) {
            problems.push(format!("{}: not a shard of the same split as {}", f.name, first.name));
        }
    }
    if let Some(n) = first.shard.map(|s| s.count) {
        let mut have: Vec<u32> = files.iter().filter_map(|f| f.shard.map(|x| x.index)).collect();
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
    problems
}

/// Writes one shard's results as `shard-K-of-N.json` into `out` (default: .), atomically, and
/// says how to merge the shards; exit 2 when it cannot be written.
pub fn write_shard(
    out: Option<&std::path::Path>,
    shard: faultsim::montecarlo::Shard,
    results: &impl serde::Serialize,
    ran: usize,
) -> Result<(), ExitCode> {
    let dir = out.unwrap_or(std::path::Path::new("."));
    let file = dir.join(format!("shard-{}-of-{}.json", shard.index, shard.count));
    let written = serde_json::to_string(results).map_err(std::io::Error::other).and_then(|json| {
        std::fs::create_dir_all(dir).and_then(|()| faultsim::output::write_atomic(&file, (json + "\n").as_bytes()))
    });
    if let Err(e) = written {
        eprintln!("error: {}: cannot write: {e}", file.display());
        return Err(ExitCode::from(EXIT_INPUT));
    }
    eprintln!(
        "wrote {} ({ran} seeds); merge all shards with: faultsim merge {}/shard-*-of-{}.json",
        file.display(),
        dir.display(),
        shard.count
    );
    Ok(())
}

/// `--precision` and `--max-seeds` of the studies and `availability`: run until settled.
#[derive(Clone, clap::Args)]
pub struct SettleArgs {
    /// Run until every interval the study reports is this precise instead of a fixed seed
    /// count (half-width): `availability=0.5pp`, `latency=2%` (of the baseline) or
    /// `latency=1ms` for fmea and whatif effects, `fraction=10pp` for cascade and
    /// metastability fractions of seeds,
    /// `availability=0.001pp` for `availability`. Seeds run in looks (the default count,
    /// twice as many, … up to `--max-seeds`), each look's intervals at 1 − 5%/looks.
    #[arg(long, conflicts_with = "seeds")]
    pub precision: Option<faultsim::montecarlo::precision::Target>,
    /// Most seeds a `--precision` run takes (default: 16 times the default count).
    #[arg(long, value_parser = crate::cli::parse_seeds, requires = "precision")]
    pub max_seeds: Option<u64>,
}

impl SettleArgs {
    /// The target and the looks' schedule for a command whose default seed count is `base`,
    /// or `None` for a run of a fixed count.
    pub fn plan(&self, base: u64) -> Option<Settle> {
        self.precision
            .map(|target| Settle { target, schedule: faultsim::montecarlo::look_schedule(base, self.max_seeds) })
    }
}

/// A run until settled, planned: its target and its looks (cumulative seed counts).
#[derive(Clone)]
pub struct Settle {
    /// The target.
    pub target: faultsim::montecarlo::precision::Target,
    /// Seeds after each look.
    pub schedule: Vec<u64>,
}

impl Settle {
    /// The seeds to lay out: the last look's count with a plan, else `fixed`.
    pub fn seeds(plan: Option<&Settle>, fixed: u64) -> u64 {
        plan.and_then(|p| p.schedule.last().copied()).unwrap_or(fixed)
    }
}
