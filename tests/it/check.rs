//! `faultsim check`: verdicts from an exact interval over seeds, the evidence and replay
//! commands, and the exit codes CI relies on (0 pass, 1 fail, 3 inconclusive, 2 bad input).

use std::path::Path;
use std::time::Duration;

use crate::cli::{run, run_in};

/// A copy of the zone-outage scenario beside its model, with `hypotheses` as given.
fn scenario_with(dir: &Path, hypotheses: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model = std::fs::read_to_string(root.join("models/zones.ron")).expect("model");
    let text = std::fs::read_to_string(root.join("scenarios/zone_outage.ron")).expect("scenario");
    let start = text.find("    hypotheses: [").expect("hypotheses");
    let end = text[start..].find("    ],").map(|i| start + i + "    ],".len()).expect("end of hypotheses");
    let text = format!("{}    hypotheses: [{hypotheses}],{}", &text[..start], &text[end..])
        .replace("../models/zones.ron", "zones.ron");
    std::fs::write(dir.join("zones.ron"), model).expect("write");
    std::fs::write(dir.join("s.ron"), text).expect("write");
}

fn check(dir: &Path, extra: &[&str]) -> crate::cli::Output {
    let mut args = vec!["check", "s.ron", "--seeds", "8"];
    args.extend_from_slice(extra);
    run_in(dir, &args, Duration::from_secs(120))
}

#[test]
fn a_fragile_design_fails_with_evidence_and_replay_commands() {
    let o = run(&["check", "scenarios/zone_outage.ron", "--seeds", "8"]);
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("FAIL          single does not"), "{}", o.stdout);
    assert!(o.stdout.contains("held in 0/8 seeds"), "{}", o.stdout);
    assert!(o.stdout.contains("failed on seed 1: faultsim run scenarios/zone_outage.ron --seed 1"), "{}", o.stdout);
}

#[test]
fn verdicts_pass_or_stay_inconclusive_as_the_interval_says() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 8 of 8 seeds passing shows a pass rate ≥ 50% (exact lower bound 0.69), not ≥ 95%.
    scenario_with(
        dir.path(),
        r#"Hypothesis(name: "h", check: Availability(endpoint: "spread", at_least: 0.99), seeds_passing: 0.5)"#,
    );
    let o = check(dir.path(), &[]);
    assert_eq!(o.code, Some(0), "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("PASS"), "{}", o.stdout);

    scenario_with(
        dir.path(),
        r#"Hypothesis(name: "h", check: Availability(endpoint: "spread", at_least: 0.99), seeds_passing: 0.95)"#,
    );
    let o = check(dir.path(), &[]);
    assert_eq!(o.code, Some(3), "{}", o.stdout);
    assert!(o.stdout.contains("run at least 72"), "{}", o.stdout);
    assert_eq!(check(dir.path(), &["--inconclusive", "pass"]).code, Some(0));
    assert_eq!(check(dir.path(), &["--inconclusive", "fail"]).code, Some(1));

    let j = check(dir.path(), &["--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&j.stdout).expect("json");
    assert_eq!(v["scenarios"][0]["verdicts"][0]["judgement"], "inconclusive");
    assert_eq!(v["scenarios"][0]["verdicts"][0]["passed"], 8);
}

#[test]
fn cascade_and_data_loss_checks_are_judged_on_every_seed() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The zone outage crashes zone `a` only; no other service becomes unhealthy, no data is lost.
    for h in [
        r#"Hypothesis(check: NoCascadeBeyond(services: 0), seeds_passing: 0.5)"#,
        r#"Hypothesis(check: NoDataLoss, seeds_passing: 0.5)"#,
    ] {
        scenario_with(dir.path(), h);
        let o = check(dir.path(), &[]);
        assert!(!o.stdout.contains("NOT EVALUATED"), "{}", o.stdout);
        assert!(o.stdout.contains("PASS"), "{}", o.stdout);
    }
}

#[test]
fn bad_input_is_exit_2() {
    let o = run(&["check", "models/zones.ron"]);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
}

#[test]
fn junit_is_xml_with_a_case_per_hypothesis_and_github_gets_annotations() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let junit = dir.path().join("junit.xml");
    let summary = dir.path().join("summary.md");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_faultsim"))
        .args(["check", "scenarios/zone_outage.ron", "--seeds", "8", "--junit"])
        .arg(&junit)
        .current_dir(root)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    let xml = std::fs::read_to_string(&junit).expect("junit written");
    let doc = roxmltree::Document::parse(&xml).expect("JUnit is well-formed XML");
    let cases: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("testcase")).collect();
    assert_eq!(cases.len(), 2, "one test case per hypothesis");
    assert_eq!(doc.descendants().filter(|n| n.has_tag_name("failure")).count(), 1);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("::error file=scenarios/zone_outage.ron,line=29,"), "{stdout}");
    assert!(stdout.contains("::warning file=scenarios/zone_outage.ron,line=28,"), "{stdout}");
    let md = std::fs::read_to_string(&summary).expect("step summary written");
    assert!(md.contains("| `scenarios/zone_outage.ron` | single does not (expected to fail) | ❌ fail |"), "{md}");

    // Without GITHUB_ACTIONS there are no workflow commands.
    let plain = run(&["check", "scenarios/zone_outage.ron", "--seeds", "8"]);
    assert!(!plain.stdout.contains("::error"), "{}", plain.stdout);
}

/// A scenario on the minimal topology (default 20 seeds) with `hypotheses`, written to `dir`.
fn minimal_with(dir: &Path, hypotheses: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = format!(
        "Scenario(name: \"seq\", topology: {:?}, duration: \"20s\", \
         workloads: [Workload(endpoint: \"greet\", arrivals: Poisson(rate: 20.0))], hypotheses: [{hypotheses}])",
        root.join("models/minimal.ron").display().to_string()
    );
    std::fs::write(dir.join("seq.ron"), text).expect("write");
}

#[test]
fn with_default_settings_a_true_hypothesis_passes_and_a_false_one_fails() {
    let dir = tempfile::tempdir().expect("tempdir");
    let limit = Duration::from_secs(120);
    // True by a wide margin at the default 95% of seeds: 20/20 cannot show it (the exact
    // lower bound is 0.83), so looks of 20, 40, 80 and 160 seeds run; 160/160 at 99% can.
    minimal_with(dir.path(), "Hypothesis(check: Availability(endpoint: \"greet\", at_least: 0.5))");
    let o = run_in(dir.path(), &["check", "seq.ron"], limit);
    assert_eq!(o.code, Some(0), "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("(160 seeds; sequential, looks at 20, 40, 80, 160, 320 seeds)"), "{}", o.stdout);
    assert!(o.stdout.contains("PASS") && o.stdout.contains("held in 160/160 seeds"), "{}", o.stdout);
    assert!(o.stdout.contains("(99% exact, look 4 of 5)"), "{}", o.stdout);
    // The verdict does not depend on threads.
    let one = run_in(dir.path(), &["check", "seq.ron", "--threads", "1", "--format", "json"], limit);
    let two = run_in(dir.path(), &["check", "seq.ron", "--threads", "2", "--format", "json"], limit);
    assert_eq!(one.stdout, two.stdout);
    let v: serde_json::Value = serde_json::from_str(&one.stdout).expect("json");
    assert_eq!(v["scenarios"][0]["seeds"], 160);
    assert_eq!(v["scenarios"][0]["verdicts"][0]["sequential"]["look"], 4);
    // With fewer seeds allowed it stays undecided and says what to raise.
    let o = run_in(dir.path(), &["check", "seq.ron", "--max-seeds", "80"], limit);
    assert_eq!(o.code, Some(3), "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("undecided after 80 seeds, the most this check runs: raise --max-seeds"), "{}", o.stdout);
    // --seeds is one look at 95%, as before.
    let o = run_in(dir.path(), &["check", "seq.ron", "--seeds", "20"], limit);
    assert_eq!(o.code, Some(3), "{}", o.stdout);
    assert!(o.stdout.contains("run at least 72"), "{}", o.stdout);

    // A false one fails at the first look: a median below a microsecond cannot hold.
    minimal_with(
        dir.path(),
        "Hypothesis(check: Availability(endpoint: \"greet\", at_least: 0.5)), \
         Hypothesis(name: \"instant\", check: Latency(endpoint: \"greet\", percentile: 50.0, at_most: \"1us\"))",
    );
    let o = run_in(dir.path(), &["check", "seq.ron"], limit);
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("FAIL          instant"), "{}", o.stdout);
    assert!(o.stdout.contains("held in 0/20 seeds"), "{}", o.stdout);
    assert!(o.stdout.contains("(99% exact, look 1 of 5)"), "{}", o.stdout);
}
