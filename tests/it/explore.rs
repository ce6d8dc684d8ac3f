//! The fault-space search of `faultsim check`: a fragile checkout fails with a shrunk
//! schedule whose replay command reproduces the violation; its robust variant passes; the
//! search is deterministic and shows up in JSON and JUnit.

use std::path::Path;
use std::time::Duration;

use crate::cli::{run_in, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn check(scenario: &str, out: &Path, extra: &[&str]) -> Output {
    let out = out.to_str().expect("utf-8 temp path");
    let mut args = vec!["check", scenario, "--counterexamples", out];
    args.extend_from_slice(extra);
    run_in(root(), &args, Duration::from_secs(120))
}

/// The printed shrunk schedule: the lines of `faults: [ ... ],`.
fn shrunk_faults(stdout: &str) -> Vec<String> {
    let start = stdout.find("faults: [").expect("a shrunk schedule is printed");
    let end = stdout[start..].find("],").map(|i| start + i).expect("the schedule ends");
    stdout[start..end].lines().filter(|l| l.contains("FaultWindow(")).map(|l| l.trim().to_owned()).collect()
}

#[test]
fn a_fragile_checkout_fails_with_a_shrunk_schedule_whose_replay_reproduces_the_violation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = check("scenarios/checkout_explore_fragile.ron", dir.path(), &[]);
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("FAIL          fault-space search"), "{}", o.stdout);
    let faults = shrunk_faults(&o.stdout);
    assert!((1..=2).contains(&faults.len()), "at most two faults: {faults:?}");
    // Payments lives in zone "a" only: the minimal schedule is that zone's shortest crash.
    assert_eq!(faults, vec![r#"FaultWindow(start: "20s", duration: "10s", fault: Crash(Zone("a"))),"#], "{}", o.stdout);
    assert!(o.stdout.contains("the shrunk schedule breaks a hypothesis on 10/10 seeds"), "{}", o.stdout);
    assert!(!o.stdout.contains("did not reproduce"), "{}", o.stdout);

    // Run the printed replay command as a user would paste it.
    let line = o.stdout.lines().find(|l| l.trim_start().starts_with("replay: faultsim run")).expect("a replay line");
    let words: Vec<&str> = line.trim_start().trim_start_matches("replay: faultsim ").split(' ').collect();
    let replay = run_in(root(), &words, Duration::from_secs(60));
    assert_eq!(replay.code, Some(0), "{}", replay.stderr);
    assert!(replay.stdout.contains("VIOLATED  checkout keeps 99.9% through two crashes"), "{}", replay.stdout);
    assert!(replay.stdout.contains("crash a   20s  30s     0.00%"), "{}", replay.stdout);

    // The file keeps the user's scenario (comments, hypotheses) with the new faults.
    let file = std::fs::read_dir(dir.path()).expect("dir").next().expect("a file").expect("entry").path();
    let text = std::fs::read_to_string(&file).expect("counterexample file");
    assert!(text.contains("// The fault-space search on a fragile checkout"), "{text}");
    assert!(text.contains("faults: [") && !text.contains("explore:"), "{text}");
}

#[test]
fn the_robust_checkout_passes_the_same_search() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = check("scenarios/checkout_explore_robust.ron", dir.path(), &[]);
    assert_eq!(o.code, Some(0), "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout.contains("PASS          fault-space search: 40 schedules (20 timing sweep, 20 swarm)"),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("no schedule broke a hypothesis"), "{}", o.stdout);
    assert_eq!(std::fs::read_dir(dir.path()).map(|d| d.count()).unwrap_or(0), 0, "nothing written when nothing broke");
}

#[test]
fn the_search_does_not_depend_on_threads_and_reports_in_json_and_junit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let one = check("scenarios/checkout_explore_fragile.ron", dir.path(), &["--threads", "1"]);
    let two = check("scenarios/checkout_explore_fragile.ron", dir.path(), &["--threads", "2"]);
    assert_eq!(one.stdout, two.stdout);

    let junit = dir.path().join("junit.xml");
    let j = check(
        "scenarios/checkout_explore_fragile.ron",
        dir.path(),
        &["--format", "json", "--junit", junit.to_str().expect("utf-8")],
    );
    assert_eq!(j.code, Some(1));
    let v: serde_json::Value = serde_json::from_str(&j.stdout).expect("json");
    let cx = &v["scenarios"][0]["explore"]["counterexample"];
    assert_eq!(cx["shrunk"], "[\n    FaultWindow(start: \"20s\", duration: \"10s\", fault: Crash(Zone(\"a\"))),\n]");
    assert_eq!(cx["broken"][0]["hypothesis"], "checkout keeps 99.9% through two crashes");
    assert!(
        v["scenarios"][0]["explore"]["replay"].as_str().is_some_and(|r| r.starts_with("faultsim run ")),
        "{}",
        v["scenarios"][0]["explore"]
    );
    assert_eq!(v["scenarios"][0]["error_budgets"][0]["endpoint"], "checkout");
    let xml = std::fs::read_to_string(&junit).expect("junit");
    let doc = roxmltree::Document::parse(&xml).expect("xml");
    let search = doc
        .descendants()
        .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some("fault-space search"))
        .expect("a test case for the search");
    let failure = search.children().find(|c| c.has_tag_name("failure")).expect("the search failed");
    // It counts schedules, not seeds, and names the failing schedule with its seed.
    let seed = cx["seed"].as_u64().expect("seed");
    let message = failure.attribute("message").expect("a message");
    assert!(message.contains("schedules; pass rate") && !message.contains(" seeds; pass rate"), "{message}");
    assert!(message.contains(&format!("A schedule broke a hypothesis on seed {seed}")), "{message}");
    let description = failure.text().unwrap_or_default();
    assert!(
        description.starts_with(&format!("failing schedule on seed {seed}: shrunk schedule: faults: [")),
        "{description}"
    );

    // On GitHub, JSON on stdout stays one document and the annotations go to stderr, with
    // the step summary counting schedules.
    let summary = dir.path().join("summary.md");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_faultsim"))
        .args(["check", "scenarios/checkout_explore_fragile.ron", "--format", "json", "--counterexamples"])
        .arg(dir.path())
        .current_dir(root())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    let _: serde_json::Value = serde_json::from_slice(&o.stdout).expect("stdout is JSON");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("::error file=scenarios/checkout_explore_fragile.ron,"), "{stderr}");
    assert!(stderr.contains("title=faultsim%3A fault-space search::"), "{stderr}");
    let md = std::fs::read_to_string(&summary).expect("step summary written");
    assert!(md.contains("| fault-space search | ❌ fail | "), "{md}");
    assert!(md.contains(" schedules |"), "{md}");

    assert_eq!(check("scenarios/checkout_explore_fragile.ron", dir.path(), &["--no-explore"]).code, Some(0));
}
