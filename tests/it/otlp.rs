//! `faultsim replay --otlp`: a run's requests as OpenTelemetry traces. The file is decoded by
//! OTLP's own protobuf classes (tests/otlp_check.py: unknown fields, wrong types, id lengths,
//! dangling parents are all refused), the same run gives the same bytes, and the spans say
//! what happened: a trace per request, a server span per handled attempt, failures with
//! their cause, and the fault windows they overlap.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::cli::run;

fn replay(out: &Path, scenario: &str, max_spans: &str) -> crate::cli::Output {
    run(&["replay", scenario, "--seed", "1", "--otlp", "--max-spans", max_spans, "-o", out.to_str().expect("utf-8")])
}

fn attr<'a>(span: &'a Value, key: &str) -> Option<&'a Value> {
    span["attributes"].as_array()?.iter().find(|a| a["key"] == key).map(|a| &a["value"])
}

/// The zone outage, shortened to keep the file small: 20 requests/s per endpoint, zone a lost
/// from 20s to 40s of a minute.
fn short_zone_outage(dir: &Path) -> String {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/zones.ron");
    let text = format!(
        r#"Scenario(
    name: "short zone outage",
    topology: {models:?},
    duration: "1m",
    warmup: "5s",
    workloads: [
        Workload(endpoint: "spread", arrivals: Poisson(rate: 20.0), client: Client(timeout: "1s")),
        Workload(endpoint: "single", arrivals: Poisson(rate: 20.0), client: Client(timeout: "1s")),
    ],
    faults: [FaultWindow(name: "zone a lost", start: "20s", duration: "20s", fault: Crash(Zone("a")))],
)"#
    );
    let path = dir.join("short.ron");
    std::fs::write(&path, text).expect("write");
    path.display().to_string()
}

#[test]
fn a_run_becomes_traces_an_otlp_receiver_decodes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = short_zone_outage(dir.path());
    let file = dir.path().join("zone-outage.json");
    let o = replay(&file, &scenario, "100000");
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert!(!o.stderr.contains("stopped recording"), "{}", o.stderr);
    // A bounded run says where it stopped.
    let cut = dir.path().join("cut.json");
    let o = replay(&cut, &scenario, "500");
    assert!(
        o.stderr.contains("wrote 500 spans") && o.stderr.contains("stopped recording at --max-spans 500"),
        "{}",
        o.stderr
    );

    // The same run, the same bytes.
    let again = dir.path().join("again.json");
    assert_eq!(replay(&again, &scenario, "100000").code, Some(0));
    assert_eq!(std::fs::read(&file).expect("read"), std::fs::read(&again).expect("read"));

    let doc: Value = serde_json::from_slice(&std::fs::read(&file).expect("read")).expect("JSON");
    let resources = doc["resourceSpans"].as_array().expect("resourceSpans");
    let mut services = Vec::new();
    let (mut server, mut failed, mut in_fault) = (0, 0, 0);
    for r in resources {
        let name = r["resource"]["attributes"][0]["value"]["stringValue"].as_str().expect("service.name").to_owned();
        for s in r["scopeSpans"][0]["spans"].as_array().expect("spans") {
            if s["kind"] == 2 {
                server += 1;
                assert_ne!(name, "faultsim-client");
            }
            if s["status"]["code"] == 2 {
                failed += 1;
                assert!(attr(s, "error.type").is_some(), "{s}");
            }
            if let Some(f) = attr(s, "faultsim.faults") {
                assert_eq!(f["arrayValue"]["values"][0]["stringValue"], "zone a lost");
                in_fault += 1;
            }
        }
        services.push(name);
    }
    // The client, and each instance of each service with its zone.
    assert!(
        services.contains(&"faultsim-client".to_owned()) && services.contains(&"one-zone".to_owned()),
        "{services:?}"
    );
    assert!(server > 2_000 && failed > 0 && in_fault > 0, "{server} {failed} {in_fault}");

    if !crate::clients::available(
        "python3",
        &["-c", "import opentelemetry.proto, google.protobuf"],
        "pip install -r tests/requirements.txt",
    ) {
        return;
    }
    let check = |files: &[&Path]| {
        let o = Command::new("python3")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/otlp_check.py"))
            .args(files)
            .output()
            .expect("python3 runs");
        (o.status.success(), format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)))
    };
    let (ok, said) = check(&[&file, &cut]);
    assert!(ok, "{said}");
    // The checker refuses a span with an unknown field and one whose parent is missing.
    let text = std::fs::read_to_string(&file).expect("read");
    let bad_field = dir.path().join("bad-field.json");
    std::fs::write(&bad_field, text.replacen("\"kind\":", "\"knd\":", 1)).expect("write");
    let bad_parent = dir.path().join("bad-parent.json");
    // (Span ids are small counters, so a leading `f` names a span that does not exist.)
    std::fs::write(&bad_parent, text.replacen("\"parentSpanId\":\"0", "\"parentSpanId\":\"f", 1)).expect("write");
    assert!(!check(&[&bad_field]).0);
    let (ok, said) = check(&[&bad_parent]);
    assert!(!ok && said.contains("is not in the file"), "{said}");
}

#[test]
fn each_request_is_a_trace_of_attempts_and_handlings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("minimal.json");
    let o = replay(&file, "scenarios/minimal.ron", "100000");
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let doc: Value = serde_json::from_slice(&std::fs::read(&file).expect("read")).expect("JSON");
    let mut spans: Vec<&Value> = Vec::new();
    for r in doc["resourceSpans"].as_array().expect("resourceSpans") {
        spans.extend(r["scopeSpans"][0]["spans"].as_array().expect("spans"));
    }
    // minimal: a client calls `hello`, which calls nothing: request → attempt → handling,
    // three spans a request, each inside its parent's time.
    let roots: Vec<&&Value> = spans.iter().filter(|s| s.get("parentSpanId").is_none()).collect();
    assert_eq!(spans.len(), roots.len() * 3, "{} spans, {} requests", spans.len(), roots.len());
    let by_id: std::collections::BTreeMap<&str, &Value> =
        spans.iter().map(|s| (s["spanId"].as_str().expect("id"), *s)).collect();
    let ns = |s: &Value, k: &str| s[k].as_str().expect("time").parse::<u64>().expect("number");
    for s in &spans {
        if let Some(p) = s.get("parentSpanId").and_then(Value::as_str) {
            let parent = by_id[p];
            assert_eq!(parent["traceId"], s["traceId"]);
            assert!(ns(parent, "startTimeUnixNano") <= ns(s, "startTimeUnixNano"));
            assert!(ns(s, "endTimeUnixNano") <= ns(parent, "endTimeUnixNano"), "{s} outlives {parent}");
        }
    }
}
