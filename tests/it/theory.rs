//! `run` prints theory beside the simulation: the M/M/c/K closed form of an endpoint whose
//! path is one station, with "inside" or "OUTSIDE" its interval. The closed forms are checked
//! against the textbook formulas written out here independently (Erlang B and the M/M/c/K
//! chain), the example lands inside, and a station is claimed only where the closed form
//! holds.

use std::path::Path;

use crate::cli::{run, run_in};

/// Erlang B by its own recurrence B(k) = a·B(k−1) / (k + a·B(k−1)).
fn erlang_b(c: u32, a: f64) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (f64::from(k) + a * b))
}

/// The `theory` entries of `run … --format json` in `dir`.
fn theory(dir: &Path, scenario: &str) -> Vec<serde_json::Value> {
    let o = run_in(dir, &["run", scenario, "--format", "json"], std::time::Duration::from_secs(120));
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).expect("json");
    v["theory"].as_array().cloned().unwrap_or_default()
}

fn quantity<'a>(t: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    t["quantities"].as_array().expect("quantities").iter().find(|q| q["quantity"] == name).expect(name)
}

#[test]
fn the_example_station_lands_inside_its_closed_form() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let t = theory(root, "scenarios/mmc_station.ron");
    assert_eq!(t.len(), 1, "{t:?}");
    assert_eq!(t[0]["model"], "M/M/3/5");
    // M/M/3/5 at a = 2.7, from the chain written out: p_n ∝ aⁿ/n! (n ≤ 3), then a³/3!·(a/3)^(n−3).
    let a: f64 = 2.7;
    let p: Vec<f64> = (0..=5)
        .map(|n: i32| {
            if n <= 3 {
                a.powi(n) / [1.0, 1.0, 2.0, 6.0][n as usize]
            } else {
                a.powi(3) / 6.0 * (a / 3.0).powi(n - 3)
            }
        })
        .collect();
    let sum: f64 = p.iter().sum();
    let blocked = p[5] / sum;
    let present: f64 = p.iter().enumerate().map(|(n, x)| n as f64 * x).sum::<f64>() / sum;
    let admitted = 27.0 * (1.0 - blocked);
    for (name, want) in
        [("rejected fraction", blocked), ("mean latency (s)", present / admitted), ("utilisation", admitted / 30.0)]
    {
        let q = quantity(&t[0], name);
        let got = q["theory"].as_f64().expect("theory");
        assert!((got - want).abs() < 1e-12 * want.max(1.0), "{name}: {got} vs {want}");
        assert_eq!(q["inside"], true, "{name}: {q}");
        let (low, high) =
            (q["simulated"]["low"].as_f64().expect("low"), q["simulated"]["high"].as_f64().expect("high"));
        assert!(high - low < 0.05 * want, "{name}: the interval is narrow enough to mean something: {q}");
    }
    let text = run(&["run", "scenarios/mmc_station.ron"]);
    assert!(text.stdout.contains("checkout M/M/3/5 (λ 27/s, μ 10/s)"), "{}", text.stdout);
}

/// A one-file topology and scenario in `dir`: service `s` as given, 20 s of Poisson load.
fn write(dir: &Path, service: &str, extra_services: &str, workload: &str, faults: &str) {
    std::fs::write(
        dir.join("m.ron"),
        format!(
            "Topology(name: \"m\", regions: [Region(name: \"r\", zones: [Zone(name: \"z\")])], \
             services: [{service}{extra_services}], endpoints: [Endpoint(name: \"e\", service: \"s\")])"
        ),
    )
    .expect("write");
    std::fs::write(
        dir.join("s.ron"),
        format!(
            "Scenario(name: \"t\", topology: \"m.ron\", duration: \"20s\", warmup: \"2s\", seeds: Seeds(first: 1, count: 8), \
             workloads: [Workload(endpoint: \"e\", arrivals: Poisson(rate: 200.0){workload})]{faults})"
        ),
    )
    .expect("write");
}

#[test]
fn a_loss_station_is_erlang_b_and_nothing_else_is_claimed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let loss = r#"Service(name: "s", zones: ["z"], workers: 3, backlog: 0, service_time: Exp(mean: "10ms"))"#;
    write(dir.path(), loss, "", "", "");
    let t = theory(dir.path(), "s.ron");
    assert_eq!(t[0]["model"], "M/M/3/3 (Erlang B)");
    let b = quantity(&t[0], "rejected fraction")["theory"].as_f64().expect("theory");
    assert!((b - erlang_b(3, 2.0)).abs() < 1e-12, "{b}");

    // Each of these breaks the closed form, so no theory is printed.
    let calls = r#"Service(name: "s", zones: ["z"], service_time: Exp(mean: "10ms"), calls: [Call(to: "d")])"#;
    let cases: [(&str, &str, &str, &str, &str); 5] = [
        (
            "a log-normal service time",
            r#"Service(name: "s", zones: ["z"], service_time: LogNormal(median: "10ms", p99: "50ms"))"#,
            "",
            "",
            "",
        ),
        (
            "two instances",
            r#"Service(name: "s", zones: ["z"], instances: 2, service_time: Exp(mean: "10ms"))"#,
            "",
            "",
            "",
        ),
        ("a dependency", calls, r#", Service(name: "d", zones: ["z"], service_time: Exp(mean: "1ms"))"#, "", ""),
        ("a client timeout", loss, "", r#", client: Client(timeout: "1s")"#, ""),
        (
            "a fault",
            loss,
            "",
            "",
            r#", faults: [FaultWindow(start: "5s", duration: "1s", fault: Latency(target: Service("s"), add: Fixed("5ms")))]"#,
        ),
    ];
    for (why, service, extra, workload, faults) in cases {
        write(dir.path(), service, extra, workload, faults);
        let v = run_in(dir.path(), &["validate", "s.ron"], std::time::Duration::from_secs(30));
        assert_eq!(v.code, Some(0), "{why}: {}", v.stderr);
        assert!(theory(dir.path(), "s.ron").is_empty(), "{why}: no closed form applies");
    }
}
