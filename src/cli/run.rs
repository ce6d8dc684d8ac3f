//! `run` (one seed or many), `replay`, and writing many-seed results to a folder.

#![allow(clippy::print_stderr)]

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use super::*;

pub fn run(path: &std::path::Path, variant: Option<&std::path::Path>, seed: Option<u64>, format: Format) -> ExitCode {
    let scenario = match load_scenario_with(path, variant) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let seed = seed.unwrap_or(scenario.first_seed);
    let (metrics, limit) = match faultsim::engine::Simulation::new(std::sync::Arc::clone(&scenario), seed).run() {
        Ok(m) => (m, None),
        Err(b) => {
            let (limit, m) = *b;
            (m, Some(limit))
        }
    };
    let replay = format!("faultsim run {} --seed {seed}", shown(path, variant));
    let limit_text = limit.map(|l| format!("{l}"));
    let text = match format {
        Format::Text => {
            let text = faultsim::report::summary::run_summary(&scenario, &metrics, limit_text.as_deref(), &replay);
            // The hypotheses go just before the closing replay line.
            let checks = faultsim::report::ci::seed_hypotheses(&scenario, &metrics);
            match text.rfind("\nreplay: ") {
                Some(at) if !checks.is_empty() => format!("{}\n{checks}{}", &text[..at], &text[at..]),
                _ => text,
            }
        }
        Format::Json => {
            let report = faultsim::report::summary::RunReport {
                tool_version: env!("CARGO_PKG_VERSION"),
                scenario: &scenario.name,
                topology: scenario.topology.name(),
                limit: limit_text.clone(),
                run: &metrics,
            };
            match serde_json::to_string(&document(Kind::RunSeed, &report)) {
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

pub fn replay(
    path: &std::path::Path,
    variant: Option<&std::path::Path>,
    seed: u64,
    trace: &std::path::Path,
) -> ExitCode {
    let scenario = match load_scenario_with(path, variant) {
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
    // The first line says what the file is; every later line is one event.
    let header = faultsim::schema::EventsHeader { scenario: &scenario.name, seed };
    let mut write_error = serde_json::to_string(&document(Kind::Events, &header))
        .map_err(std::io::Error::other)
        .and_then(|h| file.write_all((h + "\n").as_bytes()))
        .err();
    let result = faultsim::engine::Simulation::new(scenario, seed).run_observed(|t, e| {
        if write_error.is_none() {
            let line = serde_json::to_string(&EventLine { t_ns: t, event: e }).map(|l| l + "\n");
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

/// `faultsim replay SCENARIO --seed S --otlp -o FILE`: the run's requests as OTLP JSON
/// traces, at most `max_spans` spans (a run with more says so and keeps the first ones).
pub fn replay_otlp(
    path: &std::path::Path,
    variant: Option<&std::path::Path>,
    seed: u64,
    out: &std::path::Path,
    max_spans: usize,
) -> ExitCode {
    let scenario = match load_scenario_with(path, variant) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let limits = scenario.limits;
    let mut world = faultsim::model::world::World::new(scenario, seed);
    world.spans = Some(Box::new(faultsim::model::spans::SpanLog::new(max_spans)));
    let (world, stopped) = faultsim::engine::Simulation::with_model(world, limits).run_model(|_, _| {});
    let Some(log) = world.spans.as_deref() else { return ExitCode::from(EXIT_INPUT) };
    let doc = faultsim::bridge::otlp::document(&world, log, seed);
    let text = match serde_json::to_string(&doc) {
        Ok(t) => t + "\n",
        Err(e) => {
            eprintln!("error: cannot write JSON: {e}");
            return ExitCode::from(EXIT_INPUT);
        }
    };
    if let Err(e) = faultsim::output::write_atomic(out, text.as_bytes()) {
        eprintln!("error: {}: cannot write: {e}", out.display());
        return ExitCode::from(EXIT_INPUT);
    }
    let traces = log.spans.iter().filter(|s| s.parent.is_none()).count();
    eprintln!(
        "wrote {} in {} to {} (OTLP JSON; replay: faultsim replay {} --seed {seed} --otlp -o {})",
        count(log.spans.len() as u64, "span"),
        count(traces as u64, "trace"),
        out.display(),
        path.display(),
        out.display()
    );
    if log.truncated {
        eprintln!(
            "note: stopped recording at --max-spans {max_spans}: later requests are not in the file (raise it, or shorten the scenario)"
        );
    }
    if let Some(limit) = stopped {
        eprintln!(
            "error: the run stopped at a limit ({}): {limit}; the spans up to it are in {}",
            limit.limit_name(),
            out.display()
        );
        return ExitCode::from(EXIT_INCONCLUSIVE);
    }
    ExitCode::SUCCESS
}

/// Writes `results.json`, `summary.md`, `metrics.prom` and `metrics.om` (Prometheus text and
/// OpenMetrics, see [`faultsim::report::metrics_export`]), `seeds.csv` (a row per seed), every plot and `index.html` into
/// `dir`, each atomically
/// (the page last, so a page never refers to plots that are not there yet); returns the page's path.
pub fn write_out(
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
    write_atomic(&dir.join("metrics.prom"), faultsim::report::metrics_export::totals(results).as_bytes())?;
    write_atomic(&dir.join("metrics.om"), faultsim::report::metrics_export::series(results).as_bytes())?;
    let csv = faultsim::report::metrics_export::seeds_csv(results).map_err(std::io::Error::other)?;
    write_atomic(&dir.join("seeds.csv"), csv.as_bytes())?;
    let plots = html::results_plots(results, scenario);
    for p in &plots {
        write_atomic(&dir.join(&p.file), p.svg.as_bytes())?;
    }
    let page = dir.join("index.html");
    write_atomic(&page, html::results_page(results, scenario, &plots, replay).as_bytes())?;
    Ok(page)
}

/// The results as JSON, one line.
pub fn results_json(results: &faultsim::montecarlo::summary::Results) -> Result<String, ExitCode> {
    match serde_json::to_string(&document(Kind::Run, results)) {
        Ok(s) => Ok(s + "\n"),
        Err(e) => {
            eprintln!("error: cannot encode the results as JSON: {e}");
            Err(ExitCode::from(EXIT_INPUT))
        }
    }
}

/// 0, or 3 (inconclusive) with the first stopped seed and its replay command when seeds
/// stopped at a limit.
pub fn stopped_exit(results: &faultsim::montecarlo::summary::Results, replay: &str) -> ExitCode {
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
pub fn emit_results(
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
pub fn simulate(
    scenario: &std::sync::Arc<faultsim::scenario::Scenario>,
    seeds: Option<u64>,
    threads: Option<usize>,
    shard: Option<faultsim::montecarlo::Shard>,
) -> Result<(faultsim::montecarlo::summary::Results, usize), ExitCode> {
    use faultsim::montecarlo::{self, summary};
    let count = seeds.unwrap_or(scenario.seed_count);
    let first = scenario.first_seed;
    let list = seed_list(first, count, shard)?;
    let threads = threads_or_default(threads);
    let bar = progress_bar(list.len() as u64, "seeds");
    let data = montecarlo::run_seeds(scenario, &list, threads, &|| bar.inc(1));
    bar.finish_and_clear();
    Ok((summary::Results::build(summary::Meta::of(scenario, first, count, shard), data), list.len()))
}

pub fn run_seeds(
    path: &std::path::Path,
    variant: Option<&std::path::Path>,
    seeds: Option<u64>,
    threads: Option<usize>,
    shard: Option<&str>,
    out: Option<&std::path::Path>,
    format: Format,
) -> ExitCode {
    use faultsim::montecarlo::Shard;
    let scenario = match load_scenario_with(path, variant) {
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
    let replay = format!("faultsim run {}", shown(path, variant));
    if let Some(s) = shard {
        if let Err(code) = write_shard(out, s, &document(Kind::Run, &results), ran) {
            return code;
        }
        return emit_results(&results, Some(&scenario), &replay, None, format);
    }
    emit_results(&results, Some(&scenario), &replay, out, format)
}

/// `run --precision`: seeds in looks until every endpoint's figure meets `target` (see
/// [`faultsim::montecarlo::precision`]), then the usual many-seed output with a line saying
/// where it stopped and why.
pub fn run_until_settled(
    path: &std::path::Path,
    variant: Option<&std::path::Path>,
    target: &faultsim::montecarlo::precision::Target,
    max_seeds: Option<u64>,
    threads: Option<usize>,
    out: Option<&std::path::Path>,
    format: Format,
) -> ExitCode {
    use faultsim::montecarlo::settle::LookResult;
    use faultsim::montecarlo::{self, precision, summary};
    if target.figure == precision::Figure::Fraction {
        eprintln!("error: --precision {target}: `run` has availability and latency targets (fractions of seeds are for cascade)");
        return ExitCode::from(EXIT_INPUT);
    }
    let scenario = match load_scenario_with(path, variant) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let schedule = montecarlo::look_schedule(scenario.seed_count, max_seeds);
    let most = schedule.last().copied().unwrap_or(1);
    let first = scenario.first_seed;
    let list = match seed_list(first, most, None) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let threads = threads_or_default(threads);
    let level = precision::look_level(schedule.len());
    let names: Vec<String> = scenario.topology.endpoints().iter().map(|e| e.name.clone()).collect();
    let bar = progress_bar(most, "seeds");
    let mut looks = Vec::new();
    let data = montecarlo::run_in_looks(&scenario, &list, &schedule, threads, &|| bar.inc(1), &mut |data| {
        let look = precision::judge_look(target, &names, &data.records, level);
        let settled = look.settled();
        looks.push(look);
        settled
    });
    let done = data.records.len();
    bar.finish_and_clear();
    let record = precision::Settled::new(target, format!("{target} on every endpoint"), &schedule, looks);
    let settled = record.settled;
    let mut results = summary::Results::build(summary::Meta::of(&scenario, first, done as u64, None), data);
    results.precision = Some(record);
    let replay = format!("faultsim run {}", shown(path, variant));
    let code = emit_results(&results, Some(&scenario), &replay, out, format);
    if !settled && code == ExitCode::SUCCESS {
        return ExitCode::from(EXIT_INCONCLUSIVE);
    }
    code
}
