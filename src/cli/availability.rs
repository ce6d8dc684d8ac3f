//! `availability`: time-based availability over simulated years (or by rare-event
//! sampling), with the same conventions as `run` over many seeds: a table or JSON, `--out`
//! with plots, `--threads`, `--shard` and merging shards with `faultsim merge`.

#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use faultsim::availability::summary::{Meta, Method, Results, Stored, KIND, SCHEMA_VERSION};
use faultsim::availability::{self, Plan};
use faultsim::load::{self, Loaded};
use faultsim::montecarlo::Shard;

use super::*;

/// Most seed-years one command simulates (a bound on a run that would never end).
pub const SEED_YEARS_MAX: u64 = 100_000_000;

/// Most simulated time per seed (ns): 500 years, so that simulated time in integer
/// nanoseconds never overflows; run more seeds for more years.
pub const HORIZON_NS_MAX: u64 = 500 * availability::YEAR_NS;

/// Seeds when a topology (which has no `seeds`) is given.
pub const DEFAULT_SEEDS: u64 = 20;
/// Years per seed by default.
pub const DEFAULT_YEARS: u64 = 100;
/// Regenerative cycles per seed by default (rare-event method).
pub const DEFAULT_CYCLES: u64 = 20_000;

/// The options of `faultsim availability`.
pub struct Options<'a> {
    /// A topology or scenario file.
    pub input: &'a Path,
    /// Years per seed.
    pub years: Option<u64>,
    /// Simulated time per seed as a duration, instead of `years`.
    pub duration: Option<&'a str>,
    /// Seeds.
    pub seeds: Option<u64>,
    /// Threads.
    pub threads: Option<usize>,
    /// `K/N`, `auto/N` or `auto`.
    pub shard: Option<&'a str>,
    /// Output folder.
    pub out: Option<&'a Path>,
    /// Output format.
    pub format: Format,
    /// Use the rare-event method.
    pub rare_events: bool,
    /// Cycles per seed for the rare-event method.
    pub cycles: Option<u64>,
    /// `--precision` and `--max-seeds`.
    pub settle: &'a SettleArgs,
}

/// SHA-256 of a file's text, as lowercase hex.
fn sha256_of(path: &Path) -> String {
    use sha2::Digest;
    let bytes = std::fs::read(path).unwrap_or_default();
    sha2::Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect()
}

pub fn availability(o: &Options<'_>) -> ExitCode {
    let loaded = match load::load_file(o.input) {
        Ok(l) => l,
        Err(ds) => return fail(&ds),
    };
    let (plan, scenario_name, inputs, first_seed, default_seeds) = match loaded {
        Loaded::Topology(t) => {
            let inputs = faultsim::scenario::Inputs {
                scenario: String::new(),
                topology: sha256_of(o.input),
                traces: Vec::new(),
            };
            (Plan::new(t, &[]), String::new(), inputs, 1, DEFAULT_SEEDS)
        }
        Loaded::Scenario(s) => (
            Plan::new(Arc::clone(&s.topology), &s.processes),
            s.name.clone(),
            s.inputs.clone(),
            s.first_seed,
            s.seed_count,
        ),
    };
    let plan = Arc::new(plan);
    let method = if o.rare_events { Method::RareEvents } else { Method::Years };
    let horizon_ns = match (o.years, o.duration) {
        (Some(_), Some(_)) => {
            eprintln!("error: give --years or --duration, not both");
            return ExitCode::from(EXIT_INPUT);
        }
        (_, Some(d)) => match d.parse::<faultsim::units::Duration>() {
            Ok(d) if d.as_nanos() > 0 => d.as_nanos(),
            Ok(_) => {
                eprintln!("error: --duration must be above zero");
                return ExitCode::from(EXIT_INPUT);
            }
            Err(e) => {
                eprintln!("error: --duration {d}: {e}");
                return ExitCode::from(EXIT_INPUT);
            }
        },
        (Some(0), None) => {
            eprintln!("error: --years must be at least 1");
            return ExitCode::from(EXIT_INPUT);
        }
        (y, None) => y.unwrap_or(DEFAULT_YEARS).saturating_mul(availability::YEAR_NS),
    };
    if horizon_ns > HORIZON_NS_MAX {
        eprintln!(
            "error: at most 500 years per seed (time is kept in integer nanoseconds); use more --seeds for more years"
        );
        return ExitCode::from(EXIT_INPUT);
    }
    let settle_plan = o.settle.plan(default_seeds);
    if let Some(target) = &o.settle.precision {
        let refused = if o.rare_events {
            Some("the rare-event method's cycles are not judged in looks; use --years")
        } else if o.shard.is_some() {
            Some("a run until settled decides its seeds as it goes, so it cannot be split into shards")
        } else {
            faultsim::montecarlo::settle::accepts(
                target,
                &[faultsim::montecarlo::precision::Figure::Availability],
                "availability",
            )
            .err()
            .map(|_| "availability takes availability targets in percentage points, e.g. availability=0.001pp")
        };
        if let Some(why) = refused {
            eprintln!("error: --precision {target}: {why}");
            return ExitCode::from(EXIT_INPUT);
        }
    }
    let count = Settle::seeds(settle_plan.as_ref(), o.seeds.unwrap_or(default_seeds));
    if count == 0 {
        eprintln!("error: --seeds must be at least 1");
        return ExitCode::from(EXIT_INPUT);
    }
    let cycles = if o.rare_events { o.cycles.unwrap_or(DEFAULT_CYCLES) } else { 0 };
    if o.cycles.is_some() && !o.rare_events {
        eprintln!("error: --cycles applies to --rare-events only");
        return ExitCode::from(EXIT_INPUT);
    }
    if o.rare_events {
        if o.years.is_some() || o.duration.is_some() {
            eprintln!("error: --rare-events counts regenerative cycles (--cycles), not --years or --duration");
            return ExitCode::from(EXIT_INPUT);
        }
        if cycles == 0 {
            eprintln!("error: --cycles must be at least 1");
            return ExitCode::from(EXIT_INPUT);
        }
        if let Err(why) = plan.all_exponential() {
            eprintln!("error: the rare-event method needs exponential failure and repair times: {why}");
            eprintln!("  (then the system is a Markov chain); use --years for other distributions");
            return ExitCode::from(EXIT_INPUT);
        }
        let slow = plan.delayed_failovers();
        if !slow.is_empty() {
            eprintln!(
                "error: the rare-event method needs instant datastore failover; these take time: {}",
                slow.join(", ")
            );
            eprintln!("  hint: set failover: (detection: \"0\", promotion: \"0\") to study them, or use --years");
            return ExitCode::from(EXIT_INPUT);
        }
    } else {
        let years = horizon_ns as f64 / availability::YEAR_NS as f64;
        if years * count as f64 > SEED_YEARS_MAX as f64 {
            eprintln!("error: {count} seeds × {years} years is more than {SEED_YEARS_MAX} seed-years");
            return ExitCode::from(EXIT_INPUT);
        }
    }
    let shard = match o.shard.map(|s| Shard::parse(s, |v| std::env::var(v).ok())).transpose() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_INPUT);
        }
    };
    let list = match seed_list(first_seed, count, shard) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let threads = threads_or_default(o.threads);
    let bar = progress_bar(list.len() as u64, "seeds");
    let meta_of =
        |count| Meta::of(&plan, &scenario_name, inputs.clone(), method, first_seed, count, shard, horizon_ns, cycles);
    let (data, settled) = match &settle_plan {
        Some(Settle { target, schedule }) => {
            use faultsim::montecarlo::settle;
            let meta = meta_of(count);
            let endpoints = plan.endpoints();
            let looked = settle::in_looks(
                &list,
                schedule,
                |new, _| availability::run_seeds(&plan, method, new, horizon_ns, cycles, threads, &|| bar.inc(1)),
                |all: &mut availability::record::Partial, new| {
                    *all = std::mem::replace(all, availability::record::Partial::empty(endpoints)).merge(new);
                },
                |data, level| availability::summary::judge_look(target, &meta, &data.records, level),
            );
            let Some((data, looks)) = looked else { return fmea::usage("--precision: no seeds to run") };
            let settled = settle::Settled::new(target, format!("{target} on every endpoint"), schedule, looks);
            (data, Some(settled))
        }
        _ => (availability::run_seeds(&plan, method, &list, horizon_ns, cycles, threads, &|| bar.inc(1)), None),
    };
    bar.finish_and_clear();
    // A run until settled ran the seeds of the looks it made; any other, all `count` of them
    // (a shard holds only its own, but belongs to the whole range).
    let ran = if settled.is_some() { data.records.len() as u64 } else { count };
    let mut results = Results::build(meta_of(ran), data);
    let unsettled = settled.as_ref().is_some_and(|s| !s.settled);
    results.precision = settled;
    let replay = replay_command(o.input, &results);
    if let Some(s) = shard {
        if let Err(code) = write_shard(o.out, s, &document(Kind::Availability, &results), list.len()) {
            return code;
        }
        return emit(&results, &replay, None, o.format);
    }
    let code = emit(&results, &replay, o.out, o.format);
    if unsettled && code == ExitCode::SUCCESS {
        return ExitCode::from(EXIT_INCONCLUSIVE);
    }
    code
}

/// The command that reproduces these results.
fn replay_command(input: &Path, r: &Results) -> String {
    let m = &r.meta;
    match m.method {
        Method::Years => {
            let y = m.horizon_ns / availability::YEAR_NS;
            let time = if y * availability::YEAR_NS == m.horizon_ns {
                format!("--years {y}")
            } else {
                format!("--duration {}", faultsim::units::Duration::from_nanos(m.horizon_ns))
            };
            format!("faultsim availability {} {time} --seeds {}", input.display(), m.seed_count)
        }
        Method::RareEvents => format!(
            "faultsim availability {} --rare-events --cycles {} --seeds {}",
            input.display(),
            m.cycles,
            m.seed_count
        ),
    }
}

/// Prints the results and writes them (with plots) into `out` when asked.
fn emit(results: &Results, replay: &str, out: Option<&Path>, format: Format) -> ExitCode {
    let json = match serde_json::to_string(&document(Kind::Availability, results)) {
        Ok(s) => s + "\n",
        Err(e) => {
            eprintln!("error: cannot encode the results as JSON: {e}");
            return ExitCode::from(EXIT_INPUT);
        }
    };
    let text = faultsim::report::availability::availability_summary(results, replay);
    if let Some(dir) = out {
        match write_out(dir, results, &json, &text) {
            Ok(files) => eprintln!("wrote {} into {}", files.join(", "), dir.display()),
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
        ExitCode::from(EXIT_INCONCLUSIVE)
    }
}

/// Writes `results.json`, `summary.md`, the plots and `index.html` into `dir`, atomically.
fn write_out(dir: &Path, results: &Results, json: &str, text: &str) -> std::io::Result<Vec<String>> {
    use faultsim::output::write_atomic;
    std::fs::create_dir_all(dir)?;
    write_atomic(&dir.join("results.json"), json.as_bytes())?;
    write_atomic(&dir.join("summary.md"), format!("```text\n{text}```\n").as_bytes())?;
    let mut files = vec!["results.json".to_owned(), "summary.md".to_owned()];
    let plots = faultsim::report::availability_plots::availability_plots(results);
    for p in &plots {
        write_atomic(&dir.join(&p.file), p.svg.as_bytes())?;
        files.push(p.file.clone());
    }
    // The page last, so that a complete index.html means every file beside it is complete.
    let page = faultsim::report::availability_plots::availability_page(results, &plots, text);
    write_atomic(&dir.join("index.html"), page.as_bytes())?;
    files.push("index.html".to_owned());
    Ok(files)
}

/// Whether a results or shard file holds availability results (`"kind":"availability"`).
pub fn is_availability_file(path: &Path) -> bool {
    #[derive(serde::Deserialize)]
    struct Peek {
        kind: Option<String>,
    }
    faultsim::input::read_input_string(path, faultsim::input::RESULTS_LIMIT)
        .ok()
        .and_then(|t| serde_json::from_str::<Peek>(&t).ok())
        .is_some_and(|p| p.kind.as_deref() == Some(KIND))
}

/// Reads an availability results or shard file.
fn read_stored(f: &Path) -> Result<Stored, String> {
    faultsim::input::read_input_string(f, faultsim::input::RESULTS_LIMIT)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str::<Stored>(&t).map_err(|e| format!("not an availability results file: {e}")))
}

/// `report` of an availability results file: writes its page, plots and summary again into
/// `out`, exactly as `availability --out` did.
pub fn report(input: &Path, out: &Path) -> ExitCode {
    let name = input.display().to_string();
    let stored = match read_stored(input) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {name}: {e}");
            return ExitCode::from(EXIT_INPUT);
        }
    };
    if stored.schema_version != SCHEMA_VERSION || stored.kind != KIND {
        return results::refuse(&[format!("{name}: not availability results of schema {SCHEMA_VERSION}")]);
    }
    let bad: Vec<String> =
        stored.data.inconsistencies(&stored.meta).into_iter().map(|p| format!("{name}: {p}")).collect();
    if !bad.is_empty() {
        return results::refuse(&bad);
    }
    if stored.meta.shard.is_some() {
        return results::refuse(&[format!(
            "{name}: holds one shard of the seeds; merge the shards first (`faultsim merge --out DIR shard-*.json`)"
        )]);
    }
    let results = Results::build(stored.meta, stored.data);
    let replay = format!("faultsim availability <the input of `{}`>", results.meta.topology);
    let json = match serde_json::to_string(&document(Kind::Availability, &results)) {
        Ok(s) => s + "\n",
        Err(e) => {
            eprintln!("error: cannot encode the results as JSON: {e}");
            return ExitCode::from(EXIT_INPUT);
        }
    };
    let text = faultsim::report::availability::availability_summary(&results, &replay);
    match write_out(out, &results, &json, &text) {
        Ok(files) => eprintln!("wrote {} into {}", files.join(", "), out.display()),
        Err(e) => {
            eprintln!("error: {}: cannot write: {e}", out.display());
            return ExitCode::from(EXIT_INPUT);
        }
    }
    if results.stopped.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_INCONCLUSIVE)
    }
}

/// Merges availability shard files into the results of the whole seed range.
pub fn merge(files: &[PathBuf], out: Option<&Path>, format: Format) -> ExitCode {
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
    let first = &stored[0].1;
    let mut problems: Vec<String> = stored
        .iter()
        .filter(|(_, s)| s.schema_version != SCHEMA_VERSION || s.kind != KIND)
        .map(|(name, _)| format!("{name}: not availability results of schema {SCHEMA_VERSION}"))
        .collect();
    let views: Vec<ShardFile> = stored
        .iter()
        .map(|(name, s)| {
            let (mut a, mut b) = (s.meta.clone(), first.meta.clone());
            (a.shard, b.shard) = (None, None);
            ShardFile {
                name,
                tool_version: &s.meta.tool_version,
                inputs: &s.meta.inputs,
                shard: s.meta.shard,
                same_run: a == b,
            }
        })
        .collect();
    problems.extend(shard_set_problems(&views, "method, seeds or horizon"));
    // Counts are checked before anything is summed: a tampered or corrupt file must not
    // wrap a total, nor make the merge walk an absurd seed range.
    let mut bad: Vec<String> = Vec::new();
    for (name, s) in &stored {
        bad.extend(s.data.inconsistencies(&s.meta).into_iter().map(|p| format!("{name}: {p}")));
    }
    if bad.is_empty()
        && availability::Partial::totals_overflow(&stored.iter().map(|(_, s)| &s.data).collect::<Vec<_>>())
    {
        bad.push("the event or outage counts of the files together overflow".to_owned());
    }
    if !bad.is_empty() {
        problems.extend(bad);
        return results::refuse(&problems);
    }
    let mut meta = first.meta.clone();
    meta.shard = None;
    let data =
        stored.iter().fold(availability::Partial::empty(meta.endpoints.len()), |acc, (_, s)| acc.merge(s.data.clone()));
    let dups = data.duplicate_seeds();
    if !dups.is_empty() {
        problems.push(format!("seeds present twice: {dups:?}"));
    }
    let missing = (0..meta.seed_count)
        .map(|i| meta.first_seed + i)
        .filter(|s| data.records.binary_search_by_key(s, |r| r.seed).is_err())
        .count();
    if missing > 0 {
        problems.push(format!("{missing} seeds missing"));
    }
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("error: {p}");
        }
        eprintln!("nothing merged: {} problem{}", problems.len(), if problems.len() == 1 { "" } else { "s" });
        return ExitCode::from(EXIT_INPUT);
    }
    let replay = format!("faultsim availability <the input of `{}`>", meta.topology);
    emit(&Results::build(meta, data), &replay, out, format)
}
