//! `faultsim import traces`: OpenTelemetry traces in, a topology and a scenario out.
//!
//! The round trip: the shop's steady afternoon (`scenarios/ecommerce_steady.ron`) is
//! exported as traces from one seed, imported, and the imported model is run on the same
//! number of seeds as the original. Its call graph must equal the original's, and per
//! endpoint its request rate, median and p99 latency and error rate must land within the
//! tolerances below. The tolerances come from what one 50-second trace can tell: a rate
//! fitted from n requests has a relative standard error 1/√n (allowed: 4 of them); a median
//! is fitted from hundreds of self times per component (allowed: 10%); a p99 rests on the
//! few slowest of them (allowed: 20%); failures are rare on a healthy afternoon (below 1% in
//! both), so error rates must agree within 0.6 percentage points.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::cli::run;

const STEADY: &str = "scenarios/ecommerce_steady.ron";

fn results(scenario: &str) -> Value {
    let o = run(&["run", scenario, "--format", "json"]);
    assert!(o.code == Some(0) || o.code == Some(1), "{}", o.stderr);
    serde_json::from_str(&o.stdout).expect("json")
}

fn endpoint<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["endpoints"].as_array().expect("endpoints").iter().find(|e| e["name"] == name).expect("endpoint")
}

fn error_rate(e: &Value) -> f64 {
    let failed: u64 = e["failed"].as_object().expect("failed").values().map(|v| v.as_u64().unwrap_or(0)).sum();
    failed as f64 / e["requests"].as_f64().expect("requests").max(1.0)
}

/// Every call as (caller, callee, mode, operation, endpoints it is made for), every cache's
/// backend and every queue's consumer.
fn call_graph(path: &Path) -> BTreeSet<String> {
    let t = faultsim::load::load_topology(path).unwrap_or_else(|e| panic!("{path:?}: {e:?}"));
    let mut edges = BTreeSet::new();
    for c in t.calls() {
        let from = &t.services()[c.from.index()].name;
        let only: Vec<&str> = c
            .only_for
            .iter()
            .flatten()
            .map(|e| t.endpoints()[e.index()].name.as_str())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        edges.insert(format!("{from} -> {} {:?} {:?} {only:?}", t.component_name(c.to), c.mode, c.operation));
    }
    for c in t.caches() {
        edges.insert(format!("{} misses -> {}", c.name, t.component_name(c.backend)));
    }
    for q in t.queues() {
        edges.insert(format!("{} delivers -> {}", q.name, t.services()[q.consumer.index()].name));
    }
    edges
}

#[test]
fn ecommerce_round_trips_through_its_own_traces() {
    let dir = tempfile::tempdir().expect("tempdir");
    let traces = dir.path().join("steady.json");
    let o = run(&[
        "replay",
        STEADY,
        "--seed",
        "1",
        "--otlp",
        "--max-spans",
        "200000",
        "-o",
        traces.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert!(!o.stderr.contains("stopped recording"), "{}", o.stderr);
    let out = dir.path().join("imported");
    let o = run(&["import", "traces", traces.to_str().expect("utf-8"), "--out", out.to_str().expect("utf-8")]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    // It says what it fitted and what it could not see, on stderr and in the files.
    assert!(o.stderr.contains("fitted: catalog-cache hit_ratio"), "{}", o.stderr);
    assert!(o.stderr.contains("not inferred: SLOs"), "{}", o.stderr);
    let topology = std::fs::read_to_string(out.join("topology.ron")).expect("topology");
    assert!(topology.contains("// Fitted:") && topology.contains("// Not inferred"), "{topology}");

    let original = call_graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("models/ecommerce.ron"));
    let imported = call_graph(&out.join("topology.ron"));
    assert_eq!(imported, original, "\n{topology}");

    let a = results(STEADY);
    let mut imported_scenario = std::fs::read_to_string(out.join("scenario.ron")).expect("scenario");
    // The same seeds as the original, so both intervals rest on as many runs.
    imported_scenario = imported_scenario.replacen("    duration:", "    seeds: Seeds(count: 8),\n    duration:", 1);
    std::fs::write(out.join("scenario.ron"), &imported_scenario).expect("write");
    let b = results(out.join("scenario.ron").to_str().expect("utf-8"));
    // Both ran 8 seeds.
    let seeds = 8.0;
    for name in ["browse", "search", "add-to-cart", "checkout", "order-status"] {
        let (ea, eb) = (endpoint(&a, name), endpoint(&b, name));
        // The original measures 45 s per seed (after its 5 s warm-up), the import 50 s.
        let rate_a = ea["requests"].as_f64().expect("n") / (45.0 * seeds);
        let rate_b = eb["requests"].as_f64().expect("n") / (50.0 * seeds);
        let fitted_from = rate_a * 50.0;
        let tolerance = 4.0 / fitted_from.sqrt();
        assert!(
            (rate_b / rate_a - 1.0).abs() < tolerance,
            "{name}: rate {rate_b:.2}/s against {rate_a:.2}/s (±{tolerance:.3})"
        );
        for (key, tol) in [("p50_ns", 0.10), ("p99_ns", 0.20)] {
            let (la, lb) = (ea["latency"][key].as_f64().expect("p"), eb["latency"][key].as_f64().expect("p"));
            assert!((lb / la - 1.0).abs() < tol, "{name}: {key} {lb} against {la} (±{tol})");
        }
        let (fa, fb) = (error_rate(ea), error_rate(eb));
        assert!(fa < 0.01 && fb < 0.01 && (fa - fb).abs() < 0.006, "{name}: error rate {fb:.4} against {fa:.4}");
    }
}

#[test]
fn a_hand_written_otlp_sample_imports_into_a_model_that_runs() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/otlp/shop.json");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("shop");
    let o = run(&["import", "traces", sample.to_str().expect("utf-8"), "--out", out.to_str().expect("utf-8")]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let topology = std::fs::read_to_string(out.join("topology.ron")).expect("topology");
    // A server span at the root is an endpoint; `db.system` makes a datastore; a peer that
    // never has spans of its own is an external; an attempt that ended `timeout` and was
    // tried again gives the timeout and the retry.
    for want in [
        r#"Endpoint(name: "GET /checkout", service: "web")"#,
        r#"Datastore(name: "orders-db", primary: "eu-west-1a")"#,
        r#"External(name: "card-processor""#,
        r#"timeout: "500ms", retry: Retry(max_attempts: 2"#,
        "operation: Write",
    ] {
        assert!(topology.contains(want), "{want}\n{topology}");
    }
    assert!(o.stderr.contains("fewer than 20"), "a small sample says its fits are thin: {}", o.stderr);
    let o = run(&[
        "validate",
        out.join("topology.ron").to_str().expect("utf-8"),
        out.join("scenario.ron").to_str().expect("utf-8"),
    ]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let o = run(&["run", out.join("scenario.ron").to_str().expect("utf-8")]);
    assert!(o.code == Some(0) || o.code == Some(1), "{}", o.stderr);
    assert!(o.stdout.contains("GET /checkout"), "{}", o.stdout);

    // The collector's file exporter writes one document per line: read the same way.
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&sample).expect("read")).expect("json");
    let lines = dir.path().join("shop.jsonl");
    std::fs::write(&lines, format!("{doc}\n{doc}\n")).expect("write");
    let o = run(&[
        "import",
        "traces",
        lines.to_str().expect("utf-8"),
        "--out",
        dir.path().join("lines").to_str().expect("utf-8"),
    ]);
    assert!(o.code == Some(0) && o.stderr.contains("from 28 spans"), "{}", o.stderr);

    // The sample follows the OTLP JSON encoding: OTLP's own protobuf classes decode it.
    if !crate::clients::available(
        "python3",
        &["-c", "import opentelemetry.proto, google.protobuf"],
        "pip install -r tests/requirements.txt",
    ) {
        return;
    }
    let o = Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/otlp_check.py"))
        .arg(&sample)
        .output()
        .expect("python3 runs");
    assert!(o.status.success(), "{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
}

#[test]
fn files_that_are_not_traces_are_refused_with_their_name_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"resourceMetrics": []}"#).expect("write");
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\"resourceSpans\": [\n  {\"resource\": }\n]}").expect("write");
    let out = dir.path().join("out");
    let o = run(&[
        "import",
        "traces",
        bad.to_str().expect("utf-8"),
        broken.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert!(o.stderr.contains("bad.json: not OTLP JSON traces"), "{}", o.stderr);
    assert!(o.stderr.contains("broken.json:2:"), "both files are reported, with a line: {}", o.stderr);
    assert!(!out.exists());
}
