//! The model gaps real incidents hit, each shown on a system small enough to check by
//! hand and on its before/after example: health checks that see partitions, …

use std::sync::Arc;

use faultsim::engine::Simulation;
use faultsim::metrics::run::RunMetrics;
use faultsim::scenario::Scenario;

const S: u64 = 1_000_000_000;

fn load(model: &str, scenario: &str) -> Arc<Scenario> {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("m.ron"), model).expect("write model");
    match faultsim::load::parse_scenario("s.ron", scenario.into(), dir.path()) {
        Ok(s) => Arc::new(s),
        Err(ds) => panic!("{}", faultsim::diagnostic::render(&ds)),
    }
}

fn run(s: &Arc<Scenario>, seed: u64) -> RunMetrics {
    Simulation::new(Arc::clone(s), seed).run().map_err(|e| e.0).expect("runs to the end")
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = crate::cli::run(args);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    serde_json::from_str(&out.stdout).expect("JSON")
}

/// `front` (zone x, the entry) calls `back`, one instance in x and one in y, checked every
/// second and taken out after two failed checks.
const TWO_ZONES: &str = r#"Topology(name: "split", regions: [Region(name: "r", zones: [Zone(name: "x"), Zone(name: "y")])],
    network: (same_zone: Fixed("100us"), cross_zone: Fixed("1ms")),
    services: [
        Service(name: "front", zones: ["x"], workers: 100, service_time: Fixed("1ms"),
            calls: [Call(to: "back", timeout: "100ms")]),
        Service(name: "back", zones: ["x", "y"], instances: 2, workers: 100, service_time: Fixed("1ms"),
            load_balancer: LoadBalancer(policy: RoundRobin,
                health_check: HealthCheck(interval: "1s", timeout: "100ms", unhealthy_after: 2, healthy_after: 2))),
    ],
    endpoints: [Endpoint(name: "e", service: "front")])"#;

#[test]
fn a_partition_takes_an_instance_out_for_the_callers_it_cuts_off() {
    // x | y from 10.5 s to 20.5 s. front's checks of back#y fail at 11 s and 12 s, so back#y
    // leaves front's rotation at 12 s; they pass at 21 s and 22 s, so it is back at 22 s.
    // Until 12 s, every other call goes to back#y and times out; after it none does.
    let scenario = r#"Scenario(name: "split", topology: "m.ron", duration: "30s",
        workloads: [Workload(endpoint: "e", arrivals: Poisson(rate: 100.0), client: Client(timeout: "1s"))],
        faults: [FaultWindow(name: "cut", start: "10500ms", duration: "10s",
            fault: Partition(side_a: [Zone("x")], side_b: [Zone("y")], direction: Both, mode: Drop))])"#;
    let m = run(&load(TWO_ZONES, scenario), 1);
    let changes: Vec<(u64, bool)> = m.rotation.iter().map(|c| (c.time_ns, c.up)).collect();
    assert_eq!(changes, [(12 * S, false), (22 * S, true)], "{:?}", m.rotation);
    let e = &m.endpoints[0];
    // Calls in [10.5 s, 12 s) that were sent to back#y: half of ~150, give or take Poisson noise.
    let timeouts = e.failed.timeout;
    assert!((40..=110).contains(&timeouts), "timeouts before detection: {timeouts}");
    assert_eq!(e.failed.total(), timeouts, "nothing fails but the calls sent before detection: {e:?}");
}

#[test]
fn cutting_two_services_apart_takes_every_instance_out_for_the_caller() {
    // back's only caller is front, so its checks run from front's zone alone: cutting the
    // two services apart takes both instances out (once each, at the second failed check),
    // and with none left in rotation front's calls fail fast instead of timing out.
    let scenario = r#"Scenario(name: "split", topology: "m.ron", duration: "30s",
        workloads: [Workload(endpoint: "e", arrivals: Poisson(rate: 100.0), client: Client(timeout: "1s"))],
        faults: [FaultWindow(name: "cut", start: "10500ms", duration: "10s",
            fault: Partition(side_a: [Service("back")], side_b: [Service("front")], direction: Both, mode: Drop))])"#;
    let m = run(&load(TWO_ZONES, scenario), 1);
    let changes: Vec<(u64, bool)> = m.rotation.iter().map(|c| (c.time_ns, c.up)).collect();
    assert_eq!(changes, [(12 * S, false), (12 * S, false), (22 * S, true), (22 * S, true)], "{:?}", m.rotation);
    assert!(m.endpoints[0].failed.unavailable > 700, "{:?}", m.endpoints[0].failed);
}

#[test]
fn fmea_detects_a_zone_partition_and_the_checks_route_around_it() {
    let v = json(&[
        "fmea",
        "scenarios/three_tier_zone_outage.ron",
        "--modes",
        "partition",
        "--seeds",
        "3",
        "--format",
        "json",
    ]);
    let rows = v["rows"].as_array().expect("rows");
    let zones: Vec<&serde_json::Value> = rows.iter().filter(|r| r["component_kind"] == "zone").collect();
    assert_eq!(zones.len(), 3);
    for r in zones {
        assert_eq!(r["detection"]["detected"], 3, "{r}");
        // Reads route around the cut (every zone has web, app and a db node); writes from
        // the cut-off side still fail, as a datastore has no health check to route around.
        let page =
            r["endpoints"].as_array().expect("endpoints").iter().find(|e| e["endpoint"] == "page").expect("page");
        let drop = page["availability_drop"]["value"].as_f64().expect("drop");
        assert!(drop < 0.005, "{}: page drops {drop}", r["component"]);
    }
}

#[test]
fn health_checks_buy_a_partition_what_the_before_lacks() {
    let v = json(&[
        "whatif",
        "scenarios/three_tier_zone_partition.ron",
        "--variant",
        "scenarios/patches/three_tier_no_health_checks.ron",
        "--seeds",
        "4",
        "--format",
        "json",
    ]);
    let text = v.to_string();
    let metric = |name: &str| {
        v["variants"][0]["metrics"]
            .as_array()
            .expect("metrics")
            .iter()
            .find(|m| m["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {text}"))
            .clone()
    };
    let page = metric("page availability");
    assert_eq!(page["change"], "worse", "{page}");
    assert!(page["baseline"].as_f64().expect("baseline") > 0.999, "{page}");
    assert!(page["variant"].as_f64().expect("variant") < 0.9, "{page}");
}
