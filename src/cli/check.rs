//! `check`: hypotheses judged over seeds, with CI outputs (JUnit, GitHub annotations).

#![allow(clippy::print_stderr)]

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use faultsim::load;

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

pub fn check(
    paths: &[PathBuf],
    seeds: Option<u64>,
    threads: Option<usize>,
    inconclusive: Inconclusive,
    junit: Option<&std::path::Path>,
    format: Format,
) -> ExitCode {
    use faultsim::montecarlo::verdict::Judgement;
    use faultsim::montecarlo::{self, summary};
    let threads = threads_or_default(threads);
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
        ExitCode::from(EXIT_FAILED)
    } else if unsure > 0 {
        ExitCode::from(EXIT_INCONCLUSIVE)
    } else {
        ExitCode::SUCCESS
    }
}
