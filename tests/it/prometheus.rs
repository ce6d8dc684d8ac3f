//! `run --out` writes Prometheus formats, judged by the real `promtool`: the totals lint
//! clean with `promtool check metrics`, and the time series backfill into a TSDB with
//! `promtool tsdb create-blocks-from openmetrics`, sample for sample.

use std::process::Command;

use crate::cli::run;

fn promtool_available() -> bool {
    crate::clients::available("promtool", &["--version"], "apt-get install prometheus")
}

#[test]
fn totals_lint_clean_and_the_series_backfill_into_prometheus() {
    if !promtool_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let o = run(&["run", "scenarios/zone_outage.ron", "--seeds", "3", "--out", out.to_str().expect("utf-8")]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);

    let prom = std::fs::read_to_string(out.join("metrics.prom")).expect("metrics.prom written");
    let lint = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::fs::File::open(out.join("metrics.prom")).expect("open"))
        .output()
        .expect("promtool runs");
    let said = format!("{}{}", String::from_utf8_lossy(&lint.stdout), String::from_utf8_lossy(&lint.stderr));
    assert!(lint.status.success() && said.trim().is_empty(), "promtool check metrics: {said}");
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).expect("results")).expect("json");
    let requests = results["endpoints"][0]["requests"].as_u64().expect("requests");
    let name = results["endpoints"][0]["name"].as_str().expect("name");
    assert!(
        prom.contains(&format!("faultsim_requests_total{{scenario=\"zone outage\",endpoint=\"{name}\"}} {requests}\n")),
        "{prom}"
    );

    let blocks = dir.path().join("tsdb");
    let backfill = Command::new("promtool")
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(out.join("metrics.om"))
        .arg(&blocks)
        .output()
        .expect("promtool runs");
    let said = String::from_utf8_lossy(&backfill.stdout).into_owned();
    assert!(backfill.status.success(), "{said}{}", String::from_utf8_lossy(&backfill.stderr));
    // Every sample of the file is in the blocks: served and failed per endpoint per bucket.
    let om = std::fs::read_to_string(out.join("metrics.om")).expect("metrics.om written");
    let samples = om.lines().filter(|l| !l.starts_with('#')).count();
    let buckets = results["data"]["series"][0].as_array().expect("series").len();
    let services = results["meta"]["services"].as_array().expect("services").len();
    let service_buckets = results["data"]["service_series"][0].as_array().expect("service series").len();
    assert_eq!(service_buckets, buckets, "services and endpoints share the time axis");
    assert_eq!(
        samples,
        2 * 2 * buckets + 6 * services * buckets,
        "two counters × two endpoints and six counters × each service, per bucket"
    );
    assert!(om.contains("faultsim_service_busy_worker_seconds_total{scenario=\"zone outage\",service=\"one-zone\"}"));
    let counted: usize = said.lines().skip(1).filter_map(|l| l.split_whitespace().nth(4)?.parse::<usize>().ok()).sum();
    assert_eq!(counted, samples, "{said}");
}
