//! Hypotheses scoped in time: `During` a named fault window, `After` it (the recovery), or
//! `Between` two instants. A scoped claim is judged on its window alone, with the same
//! figures the run summary shows for that window, and bad scopes are located errors.

use std::path::Path;

use crate::cli::run;

const SCOPED: &str = "scenarios/zone_outage_scoped.ron";

/// A scenario file in `dir` on the repository's model `model`, with `rest` as its fields
/// after the topology.
fn scenario_in(dir: &Path, file: &str, model: &str, rest: &str) -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    let path = dir.join(file);
    std::fs::write(
        &path,
        format!("Scenario(\n    name: \"t\",\n    topology: \"{root}/models/{model}\",\n{rest}\n)\n"),
    )
    .expect("write scenario");
    path.to_str().expect("utf-8").to_owned()
}

/// The value a hypothesis line of `run --seed` reports as measured.
fn measured(stdout: &str, name: &str) -> f64 {
    let line = stdout
        .lines()
        .find(|l| l.contains(name) && l.contains("(measured "))
        .unwrap_or_else(|| panic!("{name}: {stdout}"));
    let v = line.rsplit("(measured ").next().expect("measured").trim_end_matches(')');
    v.parse().unwrap_or_else(|e| panic!("{v}: {e}"))
}

#[test]
fn during_a_zone_loss_is_judged_on_the_fault_tables_in_window_figure() {
    let o = run(&["run", SCOPED, "--seed", "1"]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    // The faults table: availability of each endpoint while the fault was on.
    let row = o.stdout.lines().find(|l| l.trim_start().starts_with("zone a lost")).expect("faults table row");
    let spread_pct: f64 =
        row.split_whitespace().nth(5).expect("spread column").trim_end_matches('%').parse().expect("a percentage");
    let during = measured(&o.stdout, "spread ≥ 99.8% during the zone loss");
    let whole = measured(&o.stdout, "spread ≥ 99.8% over the run");
    assert!((during * 100.0 - spread_pct).abs() < 0.006, "in-window {during} vs fault table {spread_pct}%");
    // The whole run dilutes the outage with the healthy minutes around it.
    assert!(whole > during + 0.001, "whole run {whole} vs during {during}");

    let c = run(&["check", SCOPED, "--no-explore"]);
    assert_eq!(c.code, Some(1), "{}{}", c.stdout, c.stderr);
    let verdict = |name: &str| {
        c.stdout
            .lines()
            .find(|l| l.contains(&format!("{name}:")))
            .unwrap_or_else(|| panic!("{name}: {}", c.stdout))
            .to_owned()
    };
    assert!(verdict("spread ≥ 99.8% over the run").trim_start().starts_with("PASS"), "{}", c.stdout);
    let d = verdict("spread ≥ 99.8% during the zone loss");
    assert!(d.trim_start().starts_with("FAIL") && d.contains("during `zone a lost` (2m to 4m)"), "{d}");
    assert!(
        verdict("single serves again after the zone loss").contains("after `zone a lost` (4m to 5m)"),
        "{}",
        c.stdout
    );
    assert!(verdict("single p99 ≤ 50ms before the zone loss").contains("from 30s to 2m"), "{}", c.stdout);
    // A scoped claim is not an objective over whole runs: no error budget of its own.
    assert!(!c.stdout.contains("(spread ≥ 99.8% during the zone loss)"), "{}", c.stdout);
}

#[test]
fn data_loss_cascades_and_recovery_are_scoped_too() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ledger = scenario_in(
        dir.path(),
        "ledger.ron",
        "ledger_async.ron",
        r#"    duration: "4m",
    warmup: "30s",
    workloads: [Workload(endpoint: "post", arrivals: Poisson(rate: 200.0), client: Client(timeout: "2s"))],
    faults: [FaultWindow(name: "primary lost", start: "2m", fault: Crash(Datastore("ledger-db")))],
    hypotheses: [
        Hypothesis(name: "none lost before", check: NoDataLoss, scope: Between(from: "30s", to: "2m")),
        Hypothesis(name: "none lost during", check: NoDataLoss, scope: During("primary lost")),
        Hypothesis(name: "no cascade before", check: NoCascadeBeyond(services: 0), scope: Between(from: "30s", to: "2m")),
        Hypothesis(name: "no cascade during", check: NoCascadeBeyond(services: 0), scope: During("primary lost")),
    ],"#,
    );
    let o = run(&["run", &ledger, "--seed", "1"]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert_eq!(measured(&o.stdout, "none lost before"), 0.0, "{}", o.stdout);
    assert!(measured(&o.stdout, "none lost during") > 0.0, "the failover loses writes: {}", o.stdout);
    // The ledger service goes unhealthy while its datastore fails over, not before.
    assert_eq!(measured(&o.stdout, "no cascade before"), 0.0, "{}", o.stdout);
    assert!(measured(&o.stdout, "no cascade during") >= 1.0, "{}", o.stdout);

    // Recovery after one named fault of two.
    let spike = scenario_in(
        dir.path(),
        "spike.ron",
        "slow_chain.ron",
        r#"    duration: "2m",
    warmup: "10s",
    workloads: [Workload(endpoint: "shop", arrivals: Poisson(rate: 50.0))],
    faults: [
        FaultWindow(name: "first", start: "30s", duration: "5s", fault: Slowdown(target: Service("inventory"), factor: 5.0)),
        FaultWindow(name: "second", start: "1m", duration: "5s", fault: Slowdown(target: Service("inventory"), factor: 5.0)),
    ],
    hypotheses: [
        Hypothesis(name: "back after first", check: RecoversWithin(endpoint: "shop", within: "30s"), scope: After("first")),
    ],"#,
    );
    let v = run(&["validate", &spike]);
    assert_eq!(v.code, Some(0), "{}{}", v.stdout, v.stderr);
    let o = run(&["run", &spike, "--seed", "1"]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert!(measured(&o.stdout, "back after first") < 30.0, "{}", o.stdout);
}

#[test]
fn bad_scopes_are_located_errors_reported_together() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = scenario_in(
        dir.path(),
        "bad.ron",
        "zones.ron",
        r#"    duration: "5m",
    warmup: "30s",
    workloads: [Workload(endpoint: "spread", arrivals: Poisson(rate: 10.0))],
    faults: [
        FaultWindow(name: "zone a lost", start: "2m", duration: "2m", fault: Crash(Zone("a"))),
        FaultWindow(name: "forever", start: "4m", fault: Crash(Zone("b"))),
    ],
    hypotheses: [
        Hypothesis(check: Availability(endpoint: "spread", at_least: 0.9), scope: During("zone a lsot")),
        Hypothesis(check: Availability(endpoint: "spread", at_least: 0.9), scope: After("forever")),
        Hypothesis(check: Availability(endpoint: "spread", at_least: 0.9), scope: Between(from: "4m", to: "6m")),
        Hypothesis(check: Availability(endpoint: "spread", at_least: 0.9), scope: Between(from: "0s", to: "20s")),
    ],"#,
    );
    let o = run(&["validate", &bad]);
    assert_eq!(o.code, Some(2), "{}{}", o.stdout, o.stderr);
    for (line, what) in [
        (12, "no fault window named `zone a lsot`"),
        (13, "fault `forever` lasts to the end of the run"),
        (14, "the window 4m to 6m is not inside the run"),
        (15, "ends before the warm-up (30s) does"),
    ] {
        assert!(
            o.stderr.contains(&format!("bad.ron:{line}:")) && o.stderr.contains(what),
            "line {line} {what}:\n{}",
            o.stderr
        );
    }
    assert!(o.stderr.contains("did you mean `zone a lost`?"), "{}", o.stderr);
    assert!(o.stderr.contains("4 errors"), "{}", o.stderr);
}

#[test]
fn a_counterexample_keeps_a_fault_scoped_claim_on_the_same_window() {
    // The fragile checkout with a scenario fault and a claim about it: the search replaces
    // the faults, so the counterexample scopes that claim to the same window in time.
    let dir = tempfile::tempdir().expect("temp dir");
    let src =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/checkout_explore_fragile.ron"))
            .expect("example");
    let root = env!("CARGO_MANIFEST_DIR");
    let text = src.replace("\"../models/", &format!("\"{root}/models/")).replace(
        "    hypotheses: [\n",
        "    faults: [FaultWindow(name: \"blip\", start: \"1m\", duration: \"5s\", fault: Crash(Instance(\"payments\", 0)))],\n    hypotheses: [\n        Hypothesis(name: \"served through the blip\", check: Availability(endpoint: \"checkout\", at_least: 0.5), scope: During(\"blip\")),\n",
    );
    let path = dir.path().join("fragile.ron");
    std::fs::write(&path, text).expect("write");
    let out = dir.path().join("cx");
    let o = run(&["check", path.to_str().expect("utf-8"), "--counterexamples", out.to_str().expect("utf-8")]);
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
    let cx = std::fs::read_to_string(out.join("fragile.counterexample.ron")).expect("counterexample written");
    assert!(cx.contains("scope: Between(from: \"1m\", to: \"1m5s\")"), "{cx}");
    assert!(!cx.contains("During(\"blip\")"), "{cx}");
    let v = run(&["validate", out.join("fragile.counterexample.ron").to_str().expect("utf-8")]);
    assert_eq!(v.code, Some(0), "{}{}", v.stdout, v.stderr);
}
