//! `report` and `merge`: commands over results files written by earlier runs.

#![allow(clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;

use faultsim::load::{self, Loaded};

use super::run::{emit_results, results_json, simulate, stopped_exit, write_out};
use super::*;

/// Reads a results or shard file (a regular file within the results file limit).
fn read_stored(f: &std::path::Path) -> Result<faultsim::montecarlo::summary::Stored, String> {
    let text = faultsim::input::read_input_string(f, faultsim::input::RESULTS_LIMIT).map_err(|e| e.to_string())?;
    let stored: faultsim::montecarlo::summary::Stored =
        serde_json::from_str(&text).map_err(|e| not_results(&text, &e))?;
    if !stored.kind.is_empty() && stored.kind != faultsim::montecarlo::summary::KIND {
        return Err(format!("not a faultsim results file: holds `{}` output, not run results", stored.kind));
    }
    Ok(stored)
}

/// What a JSON file that is not run results holds, and what would be read instead.
fn not_results(text: &str, e: &serde_json::Error) -> String {
    const ACCEPTS: &str = "expected the results.json that `run --out`, `merge --out` or `report --out` \
                           writes (or `availability --out`, or shard files for `merge`)";
    let value: Option<serde_json::Value> = serde_json::from_str(text).ok();
    let got = match &value {
        None => format!("not valid JSON ({e})"),
        Some(serde_json::Value::Object(map)) => {
            match (map.get("kind").and_then(|k| k.as_str()), map.get("schema_version")) {
                (Some("run"), _) => format!("run results this faultsim cannot read ({e})"),
                (Some(kind), _) => format!("holds `{kind}` output, not run results"),
                (None, None) => {
                    let keys: Vec<&str> = map.keys().take(5).map(String::as_str).collect();
                    format!("a JSON object without `schema_version` (keys: {})", keys.join(", "))
                }
                (None, Some(_)) => format!("run results this faultsim cannot read ({e})"),
            }
        }
        Some(other) => format!("JSON, but not an object ({})", json_kind(other)),
    };
    format!("not a faultsim results file: {got}; {ACCEPTS}")
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
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
    // Only a regular file is opened to look: a FIFO would block here, and the readers
    // after this refuse what is not regular with a clear message.
    if faultsim::input::check_regular(path).is_err() {
        return false;
    }
    let mut head = [0u8; 512];
    let n = std::fs::File::open(path).and_then(|mut f| std::io::Read::read(&mut f, &mut head)).unwrap_or(0);
    head[..n].iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

pub fn report(
    input: &std::path::Path,
    variant: Option<&std::path::Path>,
    out: &std::path::Path,
    seeds: Option<u64>,
    threads: Option<usize>,
) -> ExitCode {
    use faultsim::montecarlo::summary::{Results, SCHEMA_VERSION};
    let (results, scenario, replay) = if is_json(input) {
        if seeds.is_some() || threads.is_some() || variant.is_some() {
            eprintln!(
                "error: {}: --seeds, --threads and --variant apply to a scenario; a results file's seeds have already run",
                input.display()
            );
            return ExitCode::from(EXIT_INPUT);
        }
        if availability::is_availability_file(input) {
            return availability::report(input, out);
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
        let scenario = if variant.is_some() {
            match load_scenario_with(input, variant) {
                Ok(s) => s,
                Err(code) => return code,
            }
        } else {
            match load::load_file(input) {
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
            }
        };
        let results = match simulate(&scenario, seeds, threads, None) {
            Ok((r, _)) => r,
            Err(code) => return code,
        };
        (results, Some(scenario), format!("faultsim run {}", shown(input, variant)))
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

pub fn merge(files: &[PathBuf], out: Option<&std::path::Path>, format: Format) -> ExitCode {
    use faultsim::montecarlo::summary::{Results, Stored, SCHEMA_VERSION};
    use faultsim::montecarlo::Partial;
    if files.first().is_some_and(|f| availability::is_availability_file(f)) {
        return availability::merge(files, out, format);
    }
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
        .filter(|(_, s)| s.schema_version != SCHEMA_VERSION)
        .map(|(name, s)| format!("{name}: schema version {} (this faultsim reads {SCHEMA_VERSION})", s.schema_version))
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
    problems.extend(shard_set_problems(&views, "scenario, seeds or settings"));
    // Counts are checked before anything is summed: a tampered or corrupt file must not
    // wrap a total, nor make the merge walk an absurd seed range.
    let mut bad: Vec<String> = Vec::new();
    for (name, s) in &stored {
        bad.extend(s.data.inconsistencies(&s.meta).into_iter().map(|p| format!("{name}: {p}")));
    }
    if bad.is_empty() && Partial::totals_overflow(&stored.iter().map(|(_, s)| &s.data).collect::<Vec<_>>()) {
        bad.push("the request counts of the files together overflow".to_owned());
    }
    if !bad.is_empty() {
        problems.extend(bad);
        return refuse(&problems);
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
        return refuse(&problems);
    }
    let replay = format!("faultsim run <the scenario `{}`>", meta.scenario);
    emit_results(&Results::build(meta, data), None, &replay, out, format)
}

/// Prints why nothing was merged (at most 20 problems, then how many more); exit 2.
pub fn refuse(problems: &[String]) -> ExitCode {
    for p in problems.iter().take(20) {
        eprintln!("error: {p}");
    }
    if problems.len() > 20 {
        eprintln!("error: and {} more problems", problems.len() - 20);
    }
    eprintln!("nothing merged: {} problem{}", problems.len(), if problems.len() == 1 { "" } else { "s" });
    ExitCode::from(EXIT_INPUT)
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
