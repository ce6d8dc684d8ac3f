//! Request semantics that have no closed form but a clear expected direction: load
//! balancers that look at load avoid a slow instance; zone affinity avoids cross-zone
//! latency; an optional call's failure degrades the answer while a required one fails it.
//! Each case compares two variants of one system on the same seeds, with margins far
//! outside seed-to-seed noise.

use std::path::Path;
use std::sync::Arc;

use faultsim::engine::Simulation;
use faultsim::metrics::run::RunMetrics;

/// Runs `scenario` (which names `m.ron`) on `model` for seeds 1..=3.
fn runs(model: &str, scenario: &str) -> Vec<RunMetrics> {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("m.ron"), model).expect("write model");
    let s = match faultsim::load::parse_scenario("s.ron", scenario.into(), Path::new(dir.path())) {
        Ok(s) => Arc::new(s),
        Err(ds) => panic!("{}", faultsim::diagnostic::render(&ds)),
    };
    (1..=3).map(|seed| Simulation::new(Arc::clone(&s), seed).run().map_err(|e| e.0).expect("runs to the end")).collect()
}

fn mean(xs: impl Iterator<Item = f64>) -> f64 {
    let v: Vec<f64> = xs.collect();
    v.iter().sum::<f64>() / v.len() as f64
}

const SLOW_INSTANCE: &str = r#"Topology(name: "lb", regions: [Region(name: "r", zones: [Zone(name: "a")])],
    network: (same_zone: Fixed("0")),
    services: [
        Service(name: "front", zones: ["a"], workers: 1000, service_time: Fixed("1ms"), calls: [Call(to: "back")]),
        Service(name: "back", zones: ["a"], instances: 3, workers: 1, backlog: 1000, service_time: Exp(mean: "5ms"),
            load_balancer: (policy: POLICY)),
    ],
    endpoints: [Endpoint(name: "e", service: "front")])"#;

/// Instance 0 of `back` is eight times slower (25 requests/s instead of 200); a third of
/// 150 requests/s is more than it can take.
const SLOW_SCENARIO: &str = r#"Scenario(name: "lb", topology: "m.ron", duration: "60s", warmup: "5s",
    workloads: [Workload(endpoint: "e", arrivals: Poisson(rate: 150.0), client: (timeout: "1s"))],
    faults: [(start: "0", fault: Slowdown(target: Instance("back", 0), factor: 8.0))])"#;

#[test]
fn load_aware_balancers_avoid_a_slow_instance() {
    let availability = |policy: &str| {
        let r = runs(&SLOW_INSTANCE.replace("POLICY", policy), SLOW_SCENARIO);
        mean(r.iter().map(|m| m.endpoints[0].availability()))
    };
    let (rr, random) = (availability("RoundRobin"), availability("Random"));
    let (least, p2c) = (availability("LeastOutstanding"), availability("PowerOfTwo"));
    assert!(rr < 0.9 && random < 0.9, "blind policies overload the slow instance: round-robin {rr}, random {random}");
    assert!(least > 0.99 && p2c > 0.99, "load-aware policies avoid it: least-outstanding {least}, power of two {p2c}");
}

const ZONES: &str = r#"Topology(name: "za", regions: [Region(name: "r", zones: [Zone(name: "a"), Zone(name: "b"), Zone(name: "c")])],
    network: (same_zone: Fixed("0"), cross_zone: Fixed("20ms")),
    services: [
        Service(name: "front", zones: ["a", "b", "c"], workers: 100, service_time: Fixed("1ms"), calls: [Call(to: "back")]),
        Service(name: "back", zones: ["a", "b", "c"], workers: 100, service_time: Fixed("2ms"), load_balancer: (policy: POLICY)),
    ],
    endpoints: [Endpoint(name: "e", service: "front")])"#;

const ZONES_SCENARIO: &str = r#"Scenario(name: "za", topology: "m.ron", duration: "30s", warmup: "2s",
    workloads: [Workload(endpoint: "e", arrivals: Poisson(rate: 100.0))])"#;

#[test]
fn zone_affinity_keeps_calls_in_the_callers_zone() {
    let mean_ms = |policy: &str| {
        let r = runs(&ZONES.replace("POLICY", policy), ZONES_SCENARIO);
        mean(r.iter().map(|m| m.endpoints[0].latency.mean_ns() / 1e6))
    };
    let (affine, rr) = (mean_ms("ZoneAffinity(spill_over: 0.9)"), mean_ms("RoundRobin"));
    // Zone-local calls cost 1 + 2 ms; round-robin sends two thirds across zones (+40 ms round trip).
    assert!((affine - 3.0).abs() < 0.2, "zone affinity stays local: {affine} ms");
    assert!((rr - (3.0 + 40.0 * 2.0 / 3.0)).abs() < 2.0, "round-robin crosses zones two times in three: {rr} ms");
}

const OPTIONAL: &str = r#"Topology(name: "opt", regions: [Region(name: "r", zones: [Zone(name: "a")])],
    services: [
        Service(name: "front", zones: ["a"], service_time: Fixed("1ms"), calls: [Call(to: "recs", REQUIRED)]),
        Service(name: "recs", zones: ["a"], service_time: Fixed("1ms")),
    ],
    endpoints: [Endpoint(name: "e", service: "front")])"#;

const OPTIONAL_SCENARIO: &str = r#"Scenario(name: "opt", topology: "m.ron", duration: "20s",
    workloads: [Workload(endpoint: "e", arrivals: Poisson(rate: 50.0))],
    faults: [(start: "0", fault: Errors(target: Service("recs"), probability: 1.0))])"#;

#[test]
fn an_optional_dependency_degrades_and_a_required_one_fails() {
    for m in runs(&OPTIONAL.replace("REQUIRED", "required: false"), OPTIONAL_SCENARIO) {
        let e = &m.endpoints[0];
        assert!(e.requests > 0);
        assert_eq!((e.ok, e.degraded, e.failed.total()), (0, e.requests, 0), "every answer is degraded, none fails");
    }
    for m in runs(&OPTIONAL.replace("REQUIRED", "required: true"), OPTIONAL_SCENARIO) {
        let e = &m.endpoints[0];
        assert_eq!(
            (e.ok + e.degraded, e.failed.error),
            (0, e.requests),
            "every request fails with the dependency's error"
        );
    }
}
