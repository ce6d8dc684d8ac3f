//! `check`: hypotheses judged over seeds, with CI outputs (JUnit, GitHub annotations).

#![allow(clippy::print_stderr)]

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use faultsim::load;
use faultsim::montecarlo::verdict::{judge_all_sequential, HypothesisMeta, Judgement, Verdict};

use super::*;

/// How an inconclusive verdict counts towards the exit code.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Inconclusive {
    /// Exit 3 when a verdict is inconclusive (and none failed).
    #[value(name = "exit3")]
    Exit3,
    /// Count inconclusive verdicts as failures (exit 1).
    Fail,
    /// Count inconclusive verdicts as passes.
    Pass,
}

/// Where `check` writes what the fault-space search finds, and whether it searches.
pub struct ExploreArgs {
    /// Skip the search even when a scenario has an `explore` block.
    pub skip: bool,
    /// Folder for counterexample scenarios.
    pub dir: PathBuf,
}

/// When and where the check ran, for JUnit. With `SOURCE_DATE_EPOCH` set (the reproducible-
/// builds convention) the report is made byte-identical: the timestamp is that instant, the
/// host `localhost` and every time 0; the `bool` says so.
fn junit_stamp() -> (faultsim::report::ci::Stamp, bool) {
    let fixed = std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|s| s.trim().parse::<i64>().ok());
    let at = match fixed {
        Some(secs) => chrono::DateTime::from_timestamp(secs, 0).unwrap_or_default(),
        None => chrono::Utc::now(),
    };
    let hostname = match fixed {
        Some(_) => String::new(),
        None => gethostname::gethostname().to_string_lossy().trim().to_owned(),
    };
    let stamp = faultsim::report::ci::Stamp {
        timestamp: at.format("%Y-%m-%dT%H:%M:%S").to_string(),
        hostname: if hostname.is_empty() { "localhost".to_owned() } else { hostname },
    };
    (stamp, fixed.is_some())
}

#[allow(clippy::too_many_arguments)]
pub fn check(
    paths: &[PathBuf],
    variant: Option<&std::path::Path>,
    seeds: Option<u64>,
    max_seeds: Option<u64>,
    threads: Option<usize>,
    inconclusive: Inconclusive,
    junit: Option<&std::path::Path>,
    format: Format,
    explore: &ExploreArgs,
) -> ExitCode {
    use faultsim::montecarlo::{self, summary};
    let threads = threads_or_default(threads);
    let (mut failed, mut unsure) = (0usize, 0usize);
    let mut text = String::new();
    let mut json = Vec::new();
    let mut checked: Vec<faultsim::report::ci::Checked> = Vec::new();
    let (stamp, reproducible) = junit_stamp();
    for path in paths {
        let scenario = match load_scenario_with(path, variant) {
            Ok(s) => s,
            Err(code) => return code,
        };
        let first = scenario.first_seed;
        let started = std::time::Instant::now();
        // With --seeds: one look at that many. Otherwise looks of the scenario's seeds,
        // doubling up to --max-seeds (default 16 times as many), stopping at the first look
        // that decides every hypothesis.
        let base = scenario.seed_count.max(1);
        let sizes = match seeds {
            Some(n) => vec![n.max(1)],
            None => montecarlo::look_schedule(base, max_seeds),
        };
        let sequential = sizes.len() > 1;
        let most = sizes.last().copied().unwrap_or(base);
        let list = match seed_list(first, most, None) {
            Ok(l) => l,
            Err(code) => return code,
        };
        let bar = progress_bar(most, "seeds");
        let hypotheses: Vec<_> = scenario.hypotheses.iter().map(|h| HypothesisMeta::of(h, &scenario)).collect();
        let data = montecarlo::run_in_looks(&scenario, &list, &sizes, threads, &|| bar.inc(1), &mut |data| {
            judge_all_sequential(&hypotheses, &data.records, &sizes)
                .iter()
                .all(|v| v.judgement != Judgement::Inconclusive)
        });
        let done = data.records.len();
        bar.finish_and_clear();
        let count = done as u64;
        let mut results = summary::Results::build(summary::Meta::of(&scenario, first, count, None), data);
        if sequential {
            results.verdicts = judge_all_sequential(&results.meta.hypotheses, &results.data.records, &sizes);
        }
        let replay = format!("faultsim run {}", shown(path, variant));
        let schedule = if sequential {
            let shown: Vec<String> = sizes.iter().map(u64::to_string).collect();
            format!("; sequential, looks at {} seeds", shown.join(", "))
        } else {
            String::new()
        };
        text.push_str(&format!("{}: {} ({count} seeds{schedule})\n", path.display(), scenario.name));
        if results.verdicts.is_empty() {
            text.push_str("  no hypotheses\n");
        }
        for v in &results.verdicts {
            let (tag, sgr) = match v.judgement {
                Judgement::Pass => ("PASS", "32"),
                Judgement::Fail => ("FAIL", "31"),
                Judgement::Inconclusive => ("INCONCLUSIVE", "33"),
                Judgement::NotEvaluable => ("NOT EVALUATED", "2"),
            };
            let tag = color::paint(&format!("{tag:<13}"), sgr, color::stdout());
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
                "  {tag} {}: {} — held in {}/{} seeds, pass rate {} ({}) vs required {}\n",
                v.name,
                v.claim,
                v.passed,
                v.evaluated,
                faultsim::report::text::pct_ci(&v.pass_rate),
                v.sequential.map_or_else(
                    || "95% exact".to_owned(),
                    |l| format!("{}% exact, look {} of {}", l.level * 100.0, l.look, l.looks)
                ),
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
        let budgets = montecarlo::budget::budgets(&scenario, &results.data);
        text.push_str(&budget_text(&budgets));
        let mut verdicts = results.verdicts.clone();
        let mut explored = None;
        if scenario.explore.is_some() && !explore.skip {
            match search(path, variant, &scenario, seeds.unwrap_or(base), threads, &explore.dir) {
                Err(code) => return code,
                Ok(found) => {
                    text.push_str(&found.text);
                    if found.verdict.judgement == Judgement::Fail {
                        failed += 1;
                    }
                    verdicts.push(found.verdict);
                    explored = Some(found.json);
                }
            }
        }
        json.push(faultsim::report::documents::CheckedScenario {
            scenario: path.display().to_string(),
            seeds: count,
            verdicts: results.verdicts.clone(),
            error_budgets: budgets,
            explore: explored,
        });
        // The line of each hypothesis in the file, for annotations that point at it.
        let source = std::fs::read_to_string(path).unwrap_or_default();
        let line_of = |at: faultsim::problem::Path| {
            load::locate(&source, &at).map(|r| faultsim::diagnostic::line_col(&source, r.start).0)
        };
        let mut lines: Vec<Option<usize>> = (0..results.verdicts.len())
            .map(|i| line_of(faultsim::problem::Path::root().field("hypotheses").index(i)))
            .collect();
        if verdicts.len() > results.verdicts.len() {
            lines.push(line_of(faultsim::problem::Path::root().field("explore")));
        }
        checked.push(faultsim::report::ci::Checked {
            file: path.display().to_string(),
            first_seed: first,
            seeds: count,
            seconds: if reproducible { 0.0 } else { started.elapsed().as_secs_f64() },
            inputs: scenario.inputs.clone(),
            verdicts,
            lines,
        });
    }
    let views = checked;
    if let Some(junit) = junit {
        let xml = match faultsim::report::ci::junit(&views, &stamp) {
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
        // The runner reads workflow commands from stdout and stderr alike: beside JSON they
        // go to stderr, so that stdout stays one JSON document.
        let annotations = faultsim::report::ci::github_annotations(&views);
        match format {
            Format::Text => text.push_str(&annotations),
            Format::Json => eprint!("{annotations}"),
        }
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
        Format::Json => {
            let report = faultsim::report::documents::CheckReport { scenarios: json };
            serde_json::to_string(&document(Kind::Check, &report)).map(|s| s + "\n").unwrap_or_default()
        }
    };
    if let Err(code) = write_stdout(&out) {
        return code;
    }
    if failed > 0 {
        ExitCode::from(EXIT_FAILED)
    } else if unsure > 0 {
        ExitCode::from(EXIT_INCONCLUSIVE)
    } else {
        ExitCode::SUCCESS
    }
}

/// The error-budget table of one scenario.
fn budget_text(budgets: &[faultsim::montecarlo::budget::Budget]) -> String {
    use faultsim::report::text::{num_ci, pct, pct_ci, table};
    if budgets.is_empty() {
        return String::new();
    }
    let mut rows = vec![vec![
        "endpoint".to_owned(),
        "objective".to_owned(),
        "window".to_owned(),
        "burn rate [95% CI]".to_owned(),
        "P(exhausted if sustained)".to_owned(),
        "spent once a window [95% CI]".to_owned(),
        "P(one run exhausts it)".to_owned(),
        "runs a window allows".to_owned(),
    ]];
    for b in budgets {
        let objective = if b.source == "slo" {
            format!("SLO {}", pct(b.target))
        } else {
            format!("{} ({})", pct(b.target), b.source)
        };
        rows.push(vec![
            b.endpoint.clone(),
            objective,
            faultsim::units::Duration(b.window_ns).to_string(),
            num_ci(&b.burn_rate, 2),
            pct_ci(&b.exhausted_if_sustained),
            pct_ci(&b.spent_once),
            pct_ci(&b.exhausted_once),
            match b.occurrences_per_window {
                Some(n) if b.no_failures => format!("≥ {n:.0}"),
                Some(n) => format!("{n:.0}"),
                None => "no limit".to_owned(),
            },
        ]);
    }
    let mut out = String::from("  error budgets (per seed: burn rate = (1 − availability) / (1 − objective); spent once a window = this run's failures against the window's budget)\n");
    for line in table(&rows).lines() {
        out.push_str(&format!("  {line}\n"));
    }
    let clean: Vec<&str> = budgets.iter().filter(|b| b.no_failures).map(|b| b.endpoint.as_str()).collect();
    if !clean.is_empty() {
        out.push_str(&format!(
            "    no request of {} failed: its intervals are one-sided bounds (exact, 95%)\n",
            clean.join(", ")
        ));
    }
    out
}

/// What the fault-space search of one scenario printed and concluded.
struct Searched {
    text: String,
    verdict: Verdict,
    json: faultsim::report::documents::CheckedSearch,
}

/// Runs the scenario's `explore` block; on a counterexample writes the replay scenario
/// into `dir` and checks that it reproduces from the file.
fn search(
    path: &std::path::Path,
    variant: Option<&std::path::Path>,
    scenario: &std::sync::Arc<faultsim::scenario::Scenario>,
    seeds: u64,
    threads: usize,
    dir: &std::path::Path,
) -> Result<Searched, ExitCode> {
    use faultsim::explore::{self, replay, Experiment, FaultSpace};
    let fail_input = |what: String| {
        eprintln!("error: {}: {what}", path.display());
        ExitCode::from(EXIT_INPUT)
    };
    let experiment = Experiment::load_with(path, variant).map_err(|ds| fail(&ds))?;
    let Some(space) = FaultSpace::of_scenario(scenario) else {
        return Err(fail_input("no explore block".to_owned()));
    };
    let cases = scenario.explore.as_ref().map_or(0, |e| u64::from(e.cases));
    let bar = progress_bar(cases, "schedules");
    let found = explore::explore(&experiment, &space, scenario.first_seed, seeds, cases, threads, &|| bar.inc(1))
        .map_err(|e| fail_input(e.to_string()))?;
    bar.finish_and_clear();
    let max_faults = scenario.explore.as_ref().map_or(0, |e| e.max_faults);
    let tried = found.systematic + found.swarm;
    let claim = format!("no schedule of up to {max_faults} faults from the explore block breaks a hypothesis");
    let mut text = format!(
        "  {{tag}} fault-space search: {} ({} timing sweep, {} swarm) of up to {max_faults} faults over {} fault × target pairs, {} runs\n",
        count(tried, "schedule"),
        found.systematic,
        found.swarm,
        found.options,
        found.runs
    );
    if !found.fails_without_faults.is_empty() {
        text.push_str(&format!(
            "                seeds failing a hypothesis without any fault (left to the verdicts above): {:?}\n",
            found.fails_without_faults
        ));
    }
    let mut json =
        faultsim::report::documents::CheckedSearch { search: found.clone(), counterexample_file: None, replay: None };
    let found_on = found.counterexample.as_ref().map(|cx| cx.seed);
    let (judgement, note) = match &found.counterexample {
        None => {
            text = text.replace("{tag}", &color::paint(&format!("{:<13}", "PASS"), "32", color::stdout()));
            text.push_str("                no schedule broke a hypothesis\n");
            (Judgement::Pass, None)
        }
        Some(cx) => {
            text = text.replace("{tag}", &color::paint(&format!("{:<13}", "FAIL"), "31", color::stdout()));
            let stem = path.file_stem().map_or_else(|| "scenario".to_owned(), |s| s.to_string_lossy().into_owned());
            let file = dir.join(format!("{stem}.counterexample.ron"));
            let cwd = std::env::current_dir().unwrap_or_default();
            let scenario_dir = cwd.join(path.parent().unwrap_or(std::path::Path::new("")));
            let out_dir = cwd.join(dir);
            let rewrite = |p: &str| {
                let to = scenario_dir.join(p);
                replay::relative(&out_dir, &to).to_string_lossy().replace('\\', "/")
            };
            let source = std::fs::read_to_string(path).map_err(|e| fail_input(format!("cannot read: {e}")))?;
            let replay_cmd = format!("faultsim run {} --seed {}", shown(&file, variant), cx.seed);
            let header = format!(
                "// Counterexample found by `faultsim check {}`: the fault-space search broke {} on seed {}.\n\
                 // This is that scenario with its faults replaced by the shrunk schedule and its explore\n\
                 // block removed. Replay: {replay_cmd}\n",
                shown(path, variant),
                cx.broken.iter().map(|b| format!("`{}`", b.hypothesis)).collect::<Vec<_>>().join(", "),
                cx.seed
            );
            // Scopes named after the scenario's own faults become the same window in time,
            // since the counterexample's faults replace those.
            let scopes: Vec<(usize, String)> = scenario
                .hypotheses
                .iter()
                .enumerate()
                .filter_map(|(i, h)| match &h.scope {
                    faultsim::scenario::Scope::Window { from, to, fault: Some(_), .. } => {
                        Some((i, format!("Between(from: \"{from}\", to: \"{to}\")")))
                    }
                    _ => None,
                })
                .collect();
            let body = replay::counterexample_text(&source, &cx.shrunk.to_ron(), &scopes, &header, &rewrite)
                .ok_or_else(|| fail_input("cannot rewrite the scenario".to_owned()))?;
            std::fs::create_dir_all(dir)
                .and_then(|()| faultsim::output::write_atomic(&file, body.as_bytes()))
                .map_err(|e| fail_input(format!("cannot write {}: {e}", file.display())))?;
            // The file must replay the violation; say so loudly if it does not (a bug).
            let reloaded = load::patch::load_scenario_with(&file, variant);
            let reproduced =
                reloaded.is_ok_and(|s| !explore::Outcome::of(&std::sync::Arc::new(s), cx.seed).violations().is_empty());
            let phase = match cx.phase {
                explore::Phase::Systematic => "the timing sweep",
                explore::Phase::Swarm => "the swarm search",
            };
            text.push_str(&format!(
                "                {phase} found a schedule of {} (case {}, seed {}); shrunk in {} runs to {}:\n",
                count(cx.found.faults.len() as u64, "fault"),
                cx.case,
                cx.seed,
                cx.shrink_runs,
                count(cx.shrunk.faults.len() as u64, "fault")
            ));
            text.push_str(&format!(
                "                faults: {},\n",
                cx.shrunk.to_ron().replace('\n', "\n                ")
            ));
            for b in &cx.broken {
                let value =
                    b.value.map(|v| format!(" (measured {})", faultsim::report::text::num(v, 4))).unwrap_or_default();
                text.push_str(&format!("                breaks: {}{value} on seed {}\n", b.hypothesis, cx.seed));
            }
            text.push_str(&format!(
                "                the shrunk schedule breaks a hypothesis on {}/{} seeds\n",
                cx.confirmed.0, cx.confirmed.1
            ));
            text.push_str(&format!("                replay: {replay_cmd}\n"));
            if !reproduced {
                text.push_str(&format!(
                    "                warning: {} did not reproduce the violation (please report this bug)\n",
                    file.display()
                ));
            }
            json.counterexample_file = Some(file.display().to_string());
            json.replay = Some(replay_cmd.clone());
            let note =
                format!("shrunk schedule: faults: {} — replay: {replay_cmd}", cx.shrunk.to_ron().replace('\n', " "));
            (Judgement::Fail, Some(note))
        }
    };
    let broke = u64::from(judgement == Judgement::Fail);
    let verdict = Verdict {
        name: "fault-space search".to_owned(),
        claim,
        judgement,
        passed: tried - broke,
        evaluated: tried,
        counts: faultsim::montecarlo::verdict::Counted::Schedules,
        required: 1.0,
        pass_rate: faultsim::stats::clopper_pearson(tried - broke, tried, faultsim::montecarlo::verdict::LEVEL),
        // The seed the shrunk schedule broke a hypothesis on (its replay is in the note).
        failing_seeds: found_on.into_iter().collect(),
        note,
        sequential: None,
    };
    Ok(Searched { text, verdict, json })
}
