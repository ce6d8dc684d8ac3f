//! The engine's invariants: a run is a pure function of (scenario, seed) — same seed, same
//! fingerprint and bytes; requests are conserved; time never goes backwards (asserted
//! inside the engine in debug builds, which `cargo test` uses) — checked over random small
//! topologies and fault schedules; and runs that cannot finish stop at a named limit.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use faultsim::engine::Simulation;
use proptest::prelude::*;

use crate::cli::{run, run_in};

/// A random small system: services in a chain-like DAG over up to three zones.
#[derive(Clone, Debug)]
struct System {
    services: Vec<Svc>,
    faults: Vec<(u8, u32, u32, u8)>,
    rate: u32,
    client_timeout_ms: Option<u32>,
}

#[derive(Clone, Debug)]
struct Svc {
    zones: u8,
    instances: u8,
    workers: u8,
    backlog: u8,
    mean_ms: u8,
    policy: u8,
    parallel: bool,
    calls: Vec<(u8, bool, Option<u16>, u8, u8)>,
    health: bool,
}

fn svc() -> impl Strategy<Value = Svc> {
    (
        1u8..=3,
        1u8..=4,
        1u8..=4,
        0u8..=8,
        1u8..=20,
        0u8..6,
        any::<bool>(),
        prop::collection::vec((1u8..4, any::<bool>(), prop::option::of(5u16..300), 1u8..=3, 0u8..4), 0..3),
        any::<bool>(),
    )
        .prop_map(|(zones, instances, workers, backlog, mean_ms, policy, parallel, calls, health)| Svc {
            zones,
            instances,
            workers,
            backlog,
            mean_ms,
            policy,
            parallel,
            calls,
            health,
        })
}

fn system() -> impl Strategy<Value = System> {
    (
        prop::collection::vec(svc(), 1..5),
        prop::collection::vec((0u8..9, 0u32..8, 0u32..4000, 0u8..4), 0..4),
        10u32..150,
        prop::option::of(50u32..2000),
    )
        .prop_map(|(services, faults, rate, client_timeout_ms)| System {
            services,
            faults,
            rate,
            client_timeout_ms,
        })
}

fn topology_text(s: &System) -> String {
    let zones = ["a", "b", "c"];
    let mut out = String::from(
        "Topology(name: \"p\", regions: [Region(name: \"r\", zones: [Zone(name: \"a\"), Zone(name: \"b\"), Zone(name: \"c\")])], services: [",
    );
    let n = s.services.len();
    for (i, v) in s.services.iter().enumerate() {
        let z: Vec<String> = zones[..v.zones as usize].iter().map(|z| format!("\"{z}\"")).collect();
        let policy = [
            "RoundRobin",
            "Random",
            "LeastOutstanding",
            "PowerOfTwo",
            "ZoneAffinity(spill_over: 0.8)",
            "Pinned(connections: 3)",
        ][v.policy as usize % 6];
        let mut calls = Vec::new();
        for (k, (offset, required, timeout, attempts, jitter)) in v.calls.iter().enumerate() {
            // Calls only go to later services, so synchronous calls never form a cycle.
            let to = i + *offset as usize;
            if to >= n || calls.iter().any(|c: &String| c.contains(&format!("\"s{to}\""))) {
                continue;
            }
            let jitter = ["None", "Full", "Equal", "Decorrelated"][*jitter as usize % 4];
            let timeout = timeout.map(|t| format!(", timeout: \"{t}ms\"")).unwrap_or_default();
            let _ = k;
            calls.push(format!(
                "Call(to: \"s{to}\", required: {required}{timeout}, retry: (max_attempts: {attempts}, backoff: (base: \"5ms\", cap: \"50ms\", jitter: {jitter})))"
            ));
        }
        let health = if v.health { ", health_check: (interval: \"1s\")" } else { "" };
        out.push_str(&format!(
            "Service(name: \"s{i}\", zones: [{}], instances: {}, workers: {}, backlog: {}, service_time: Exp(mean: \"{}ms\"), error_rate: 0.01, fan_out: {}, load_balancer: (policy: {policy}{health}), calls: [{}]),",
            z.join(", "),
            v.instances.max(v.zones),
            v.workers,
            v.backlog,
            v.mean_ms,
            if v.parallel { "Parallel" } else { "Sequential" },
            calls.join(", ")
        ));
    }
    out.push_str("], endpoints: [Endpoint(name: \"e\", service: \"s0\")])");
    out
}

fn scenario_text(s: &System) -> String {
    let n = s.services.len() as u32;
    let mut faults = Vec::new();
    for (kind, target, start_ms, dur) in &s.faults {
        let svc = format!("Service(\"s{}\")", target % n);
        let fault = match kind {
            0 => format!("Crash(Instance(\"s{}\", 0))", target % n),
            1 => format!("Crash({svc})"),
            2 => format!("Crash(Zone(\"{}\"))", ["a", "b", "c"][*target as usize % 3]),
            3 => "Partition(side_a: [Zone(\"a\")], side_b: [Zone(\"b\"), Zone(\"c\")], mode: Refuse)".to_owned(),
            4 => format!("Latency(target: {svc}, add: Exp(mean: \"20ms\"))"),
            5 => format!("PacketLoss(target: {svc}, probability: 0.2)"),
            6 => format!("Errors(target: {svc}, probability: 0.3)"),
            7 => format!("Slowdown(target: {svc}, factor: 3.0)"),
            _ => format!("CapacityCut(target: {svc}, fraction: 0.5)"),
        };
        faults.push(format!("(start: \"{start_ms}ms\", duration: \"{}s\", fault: {fault})", dur + 1));
    }
    let client = s
        .client_timeout_ms
        .map(|t| format!(", client: (timeout: \"{t}ms\", retry: (max_attempts: 2))"))
        .unwrap_or_default();
    format!(
        "Scenario(name: \"p\", topology: \"m.ron\", duration: \"5s\", warmup: \"500ms\", limits: (max_time: \"20s\"), \
         workloads: [Workload(endpoint: \"e\", arrivals: Poisson(rate: {}.0){client})], faults: [{}])",
        s.rate,
        faults.join(", ")
    )
}

fn load(dir: &Path, s: &System) -> Arc<faultsim::scenario::Scenario> {
    std::fs::write(dir.join("m.ron"), topology_text(s)).expect("write model");
    let text = scenario_text(s);
    match faultsim::load::parse_scenario("s.ron", text.into(), dir) {
        Ok(sc) => Arc::new(sc),
        Err(ds) => panic!("generated scenario is invalid:\n{}", faultsim::diagnostic::render(&ds)),
    }
}

fn json(m: &faultsim::metrics::run::RunMetrics) -> String {
    serde_json::to_string(m).expect("metrics serialise")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Same seed, same fingerprint and same bytes; requests conserved (asserted inside the
    /// engine after every event and at the end); time monotone (asserted by the calendar).
    #[test]
    fn runs_are_deterministic_and_conserve_requests(s in system(), seed in 0u64..1000) {
        let dir = tempfile::tempdir().expect("tempdir");
        let scenario = load(dir.path(), &s);
        let a = Simulation::new(Arc::clone(&scenario), seed).run();
        let b = Simulation::new(Arc::clone(&scenario), seed).run();
        let (a, b) = match (a, b) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(a), Err(b)) => (a.1, b.1),
            _ => panic!("one run hit a limit and the other did not"),
        };
        prop_assert_eq!(a.fingerprint.to_string(), b.fingerprint.to_string());
        prop_assert_eq!(json(&a), json(&b));
        let e = &a.endpoints[0];
        prop_assert_eq!(e.requests, e.ok + e.degraded + e.failed.total());
        prop_assert!(a.events > 0);
    }
}

#[test]
fn another_seed_gives_another_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = System {
        services: vec![Svc {
            zones: 2,
            instances: 2,
            workers: 2,
            backlog: 8,
            mean_ms: 5,
            policy: 0,
            parallel: false,
            calls: vec![],
            health: false,
        }],
        faults: vec![],
        rate: 100,
        client_timeout_ms: None,
    };
    let scenario = load(dir.path(), &s);
    let a = Simulation::new(Arc::clone(&scenario), 1).run().map_err(|_| "limit").expect("runs");
    let b = Simulation::new(Arc::clone(&scenario), 2).run().map_err(|_| "limit").expect("runs");
    assert_ne!(a.fingerprint.to_string(), b.fingerprint.to_string());
    assert_ne!(a.endpoints[0].requests, 0);
}

#[test]
fn the_readme_run_is_byte_identical_twice_and_differs_by_seed() {
    let one = run(&["run", "scenarios/ecommerce_peak.ron", "--seed", "1"]);
    assert_eq!(one.code, Some(0), "{}", one.stderr);
    let again = run(&["run", "scenarios/ecommerce_peak.ron", "--seed", "1"]);
    assert_eq!(one.stdout, again.stdout, "same seed, same bytes");
    let other = run(&["run", "scenarios/ecommerce_peak.ron", "--seed", "2"]);
    assert_ne!(one.stdout, other.stdout, "another seed, other numbers");
    for needle in
        ["availability", "samples", "p99", "faults", "replay: faultsim run scenarios/ecommerce_peak.ron --seed 1"]
    {
        assert!(one.stdout.contains(needle), "summary lacks {needle:?}:\n{}", one.stdout);
    }
    let j = run(&["run", "scenarios/ecommerce_peak.ron", "--seed", "1", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&j.stdout).expect("json");
    assert_eq!((v["schema_version"].as_u64(), v["kind"].as_str()), (Some(2), Some("run-seed")));
    assert!(
        v["run"]["endpoints"][0]["latency"]["buckets"].is_array() || v["run"]["endpoints"][0]["latency"].is_object()
    );
}

/// A service that never answers in time and clients without timeouts: requests pile up.
const STUCK_MODEL: &str = r#"Topology(name: "stuck", regions: [Region(name: "r", zones: [Zone(name: "a")])],
    services: [Service(name: "slow", zones: ["a"], workers: 1, backlog: 1000000, service_time: Fixed("1s"))],
    endpoints: [Endpoint(name: "e", service: "slow")])"#;

#[test]
fn runs_that_cannot_finish_stop_at_a_named_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("m.ron"), STUCK_MODEL).expect("write");
    let cases = [("limits: (max_in_flight: 500)", "max_in_flight"), ("limits: (max_events: 1000)", "max_events")];
    for (limits, name) in cases {
        let scenario = format!(
            "Scenario(name: \"s\", topology: \"m.ron\", duration: \"1m\", {limits}, workloads: [Workload(endpoint: \"e\", arrivals: Poisson(rate: 100.0))])"
        );
        std::fs::write(dir.path().join("s.ron"), scenario).expect("write");
        let o = run_in(dir.path(), &["run", "s.ron", "--seed", "7"], Duration::from_secs(60));
        assert_eq!(o.code, Some(3), "{name}: {}", o.stderr);
        assert!(o.stderr.contains(name), "{name} not named in:\n{}", o.stderr);
        assert!(o.stderr.contains("faultsim run s.ron --seed 7"), "no replay command in:\n{}", o.stderr);
        assert!(o.stdout.contains("STOPPED EARLY"), "{}", o.stdout);
    }
}

#[test]
fn replay_writes_every_event_as_a_json_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let trace = dir.path().join("trace.jsonl");
    let trace_arg = trace.to_string_lossy().into_owned();
    let o =
        run_in(root, &["replay", "scenarios/minimal.ron", "--seed", "3", "-o", &trace_arg], Duration::from_secs(60));
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let text = std::fs::read_to_string(&trace).expect("trace written");
    let mut last = 0u64;
    let mut lines = 0u64;
    let (header, events) = text.split_once('\n').expect("a header line");
    let header: serde_json::Value = serde_json::from_str(header).expect("the header is JSON");
    assert_eq!(header["kind"], "events");
    assert_eq!(header["seed"], 3);
    for line in events.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("each line is JSON");
        let t = v["t_ns"].as_u64().expect("t_ns");
        assert!(t >= last, "simulated time goes forward");
        last = t;
        lines += 1;
    }
    let summary = run(&["run", "scenarios/minimal.ron", "--seed", "3", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&summary.stdout).expect("json");
    assert_eq!(v["run"]["events"].as_u64(), Some(lines), "one line per processed event");
    let fp = v["run"]["fingerprint"].as_str().expect("fingerprint");
    assert!(o.stderr.contains(fp), "replay reports the same fingerprint {fp}: {}", o.stderr);
}
