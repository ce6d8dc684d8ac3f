//! `faultsim analyze` as a user runs it: the SPOFs a reader sees in the examples, and
//! analytic availability equal to the closed forms of the manual's semantics chapter, read back from `--format json`.

use std::time::Duration;

use serde_json::Value;

use crate::cli::{run, run_in};

fn analysis_of(model: &str) -> Value {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("m.ron"), model).expect("write");
    let o = run_in(dir.path(), &["analyze", "m.ron", "--format", "json"], Duration::from_secs(20));
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    serde_json::from_str(&o.stdout).expect("analyze prints JSON")
}

fn availability(a: &Value, endpoint: &str) -> f64 {
    a["availability"]["endpoints"]
        .as_array()
        .and_then(|es| es.iter().find(|e| e["endpoint"] == endpoint))
        .and_then(|e| e["availability"].as_f64())
        .expect("endpoint availability")
}

fn spofs(a: &Value) -> Vec<String> {
    a["single_points_of_failure"]
        .as_array()
        .map(|v| {
            v.iter()
                .map(|s| format!("{} {}", s["kind"].as_str().unwrap_or(""), s["name"].as_str().unwrap_or("")))
                .collect()
        })
        .unwrap_or_default()
}

/// A(mtbf, mttr) in hours.
fn a(mtbf_h: f64, mttr_h: f64) -> f64 {
    mtbf_h / (mtbf_h + mttr_h)
}

/// A topology of one region with the given zones (each `(name, failure)`) and services.
fn model(zones: &[(&str, &str)], services: &str) -> String {
    let zones: Vec<String> = zones.iter().map(|(n, f)| format!("Zone(name: \"{n}\"{f})")).collect();
    format!(
        "Topology(name: \"m\", regions: [Region(name: \"r\", zones: [{}])], services: [{services}], endpoints: [Endpoint(name: \"e\", service: \"s1\")])",
        zones.join(", ")
    )
}

const TOLERANCE: f64 = 1e-12;

#[test]
fn series_chain_is_the_product() {
    let m = model(
        &[("a", "")],
        r#"Service(name: "s1", zones: ["a"], service_time: Fixed("1ms"), failure: (mtbf: "100h", mttr: "1h"), calls: [Call(to: "s2")]),
           Service(name: "s2", zones: ["a"], service_time: Fixed("1ms"), failure: (mtbf: "200h", mttr: "4h"), calls: [Call(to: "s3")]),
           Service(name: "s3", zones: ["a"], service_time: Fixed("1ms"), failure: (mtbf: "50h", mttr: "30m"))"#,
    );
    let got = availability(&analysis_of(&m), "e");
    let want = a(100.0, 1.0) * a(200.0, 4.0) * a(50.0, 0.5);
    assert!((got - want).abs() < TOLERANCE, "series: {got} vs {want}");
}

#[test]
fn optional_and_async_calls_do_not_enter_the_series() {
    let m = model(
        &[("a", "")],
        r#"Service(name: "s1", zones: ["a"], service_time: Fixed("1ms"), failure: (mtbf: "100h", mttr: "1h"),
             calls: [Call(to: "s2", required: false), Call(to: "s3", mode: Async, required: false)]),
           Service(name: "s2", zones: ["a"], service_time: Fixed("1ms"), failure: (mtbf: "2h", mttr: "4h")),
           Service(name: "s3", zones: ["a"], service_time: Fixed("1ms"), failure: (mtbf: "2h", mttr: "4h"))"#,
    );
    let got = availability(&analysis_of(&m), "e");
    assert!((got - a(100.0, 1.0)).abs() < TOLERANCE, "{got}");
}

#[test]
fn replicated_service_is_parallel_and_k_of_n_is_the_binomial_tail() {
    let ai = a(100.0, 10.0);
    let one_of_three = model(
        &[("a", "")],
        r#"Service(name: "s1", zones: ["a"], instances: 3, service_time: Fixed("1ms"), failure: (mtbf: "100h", mttr: "10h"))"#,
    );
    let got = availability(&analysis_of(&one_of_three), "e");
    let want = 1.0 - (1.0 - ai).powi(3);
    assert!((got - want).abs() < TOLERANCE, "parallel: {got} vs {want}");

    let two_of_three = one_of_three.replace("instances: 3,", "instances: 3, min_healthy: 2,");
    let got = availability(&analysis_of(&two_of_three), "e");
    let want = 3.0 * ai * ai * (1.0 - ai) + ai.powi(3);
    assert!((got - want).abs() < TOLERANCE, "2-of-3: {got} vs {want}");
}

#[test]
fn three_zone_placement_beats_one_zone() {
    let (az, ai) = (a(8760.0, 4.0), a(720.0, 1.0));
    let zone_failure = r#", failure: (mtbf: "8760h", mttr: "4h")"#;
    let zones = [("a", zone_failure), ("b", zone_failure), ("c", zone_failure)];
    let spread = model(
        &zones,
        r#"Service(name: "s1", zones: ["a", "b", "c"], instances: 3, service_time: Fixed("1ms"), failure: (mtbf: "720h", mttr: "1h"))"#,
    );
    let got = availability(&analysis_of(&spread), "e");
    let want = 1.0 - (1.0 - az * ai).powi(3);
    assert!((got - want).abs() < TOLERANCE, "three zones: {got} vs {want}");

    let confined = spread.replace(r#"zones: ["a", "b", "c"], instances: 3"#, r#"zones: ["a"], instances: 3"#);
    let analysis = analysis_of(&confined);
    let got = availability(&analysis, "e");
    let want = az * (1.0 - (1.0 - ai).powi(3));
    assert!((got - want).abs() < TOLERANCE, "one zone: {got} vs {want}");
    assert!(spofs(&analysis).contains(&"zone a".to_owned()), "the one zone is a SPOF: {:?}", spofs(&analysis));
}

#[test]
fn the_examples_spofs_are_the_ones_a_reader_sees() {
    let cases: &[(&str, &[&str], &[&str])] = &[
        // (model, SPOFs that must be named, failure units that must not be)
        (
            "models/ecommerce.ron",
            &["datastore orders-db", "zone us-east-1a"],
            &["zone us-east-1b", "zone us-east-1c", "service checkout"],
        ),
        ("models/payments_two_regions.ron", &["external card-network"], &["region eu-central-1", "region eu-west-1"]),
        ("models/three_tier.ron", &[], &["zone eu-west-1a", "datastore db"]),
        ("models/minimal.ron", &["service hello", "zone local-a"], &[]),
    ];
    for (file, named, not_named) in cases {
        let o = run(&["analyze", file, "--format", "json"]);
        assert_eq!(o.code, Some(0), "{file}: {}", o.stderr);
        let found = spofs(&serde_json::from_str(&o.stdout).expect("json"));
        for n in *named {
            assert!(found.contains(&n.to_string()), "{file}: expected SPOF {n}, found {found:?}");
        }
        for n in *not_named {
            assert!(!found.contains(&n.to_string()), "{file}: {n} is redundant, found {found:?}");
        }
    }
}

#[test]
fn a_scenario_is_analysed_through_its_topology() {
    let o = run(&["analyze", "scenarios/ecommerce_peak.ron"]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert!(o.stdout.contains("topology: ecommerce"), "{}", o.stdout);
    assert!(o.stdout.contains("orders-db"), "{}", o.stdout);
}

#[test]
fn analytic_figures_that_leave_out_detection_and_failover_say_so() {
    // The two-region payments model fails over its datastores and health-checks its
    // services: the static formula misses that time, so its figures are upper bounds.
    let o = run(&["analyze", "models/payments_two_regions.ron"]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let row = o.stdout.lines().find(|l| l.trim_start().starts_with("authorize ")).expect("authorize row");
    assert!(row.contains("≤ 0.9") && row.contains("≥ "), "{row}");
    assert!(o.stdout.contains("≤: an upper bound."), "{}", o.stdout);
    let left = o.stdout.lines().find(|l| l.trim_start().starts_with("authorize: ")).expect("what it leaves out");
    assert!(left.contains("ledger-db (30s + 1m)") && left.contains("health-check detection"), "{left}");
    let j = run(&["analyze", "models/payments_two_regions.ron", "--format", "json"]);
    let a: Value = serde_json::from_str(&j.stdout).expect("JSON");
    let e = &a["availability"]["endpoints"][0];
    assert_eq!(e["upper_bound"], true, "{e}");
    assert!(e["leaves_out"].as_array().is_some_and(|l| !l.is_empty()), "{e}");
    // Without failover or health checks nothing is left out and no bound is claimed.
    let plain = run(&["analyze", "models/five_nines.ron"]);
    assert!(!plain.stdout.contains("upper bound") && !plain.stdout.contains("≤ "), "{}", plain.stdout);
}
