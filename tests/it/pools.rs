//! Datastore connection pools split by caller: on a hand-checkable system the counts are
//! exact (who held how many connections for how long, who waited, who was rejected, whose
//! connection came after its caller had given up); on the shared-pool story the table names
//! the caller that exhausts the pool, and the bulkhead fix bounds what it can hold.

use std::path::Path;
use std::sync::Arc;

use faultsim::engine::Simulation;
use faultsim::metrics::run::RunMetrics;
use faultsim::scenario::Scenario;

const MS: u64 = 1_000_000;

fn load(model: &str, scenario: &str, trace: &str) -> Arc<Scenario> {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("m.ron"), model).expect("write model");
    std::fs::write(dir.path().join("t.csv"), trace).expect("write trace");
    match faultsim::load::parse_scenario("s.ron", scenario.into(), dir.path()) {
        Ok(s) => Arc::new(s),
        Err(ds) => panic!("{}", faultsim::diagnostic::render(&ds)),
    }
}

fn run(s: &Arc<Scenario>, seed: u64) -> RunMetrics {
    Simulation::new(Arc::clone(s), seed).run().map_err(|e| e.0).expect("runs to the end")
}

/// Services `a` and `b` each read `db` (2 connections, at most 3 calls waiting, 10 ms a
/// read) with a 15 ms call timeout; every other time is fixed too.
const TWO_CALLERS: &str = r#"Topology(name: "pool", regions: [Region(name: "r", zones: [Zone(name: "z")])],
    network: (same_zone: Fixed("100us"), cross_zone: Fixed("1ms")),
    services: [
        Service(name: "a", zones: ["z"], workers: 100, service_time: Fixed("1ms"), calls: [Call(to: "db", timeout: "15ms")]),
        Service(name: "b", zones: ["z"], workers: 100, service_time: Fixed("1ms"), calls: [Call(to: "db", timeout: "15ms")]),
    ],
    datastores: [Datastore(name: "db", primary: "z", connections: 2, max_waiting: 3, read_time: Fixed("10ms"))],
    endpoints: [Endpoint(name: "ea", service: "a"), Endpoint(name: "eb", service: "b")])"#;

#[test]
fn a_burst_on_a_bounded_pool_is_split_exactly_by_caller() {
    // Five requests on each endpoint at the same instant: ten reads reach db together.
    // Two take the connections, three wait (two for 10 ms, one for 20 ms, past its caller's
    // 15 ms timeout), five find the waiting room full and are rejected.
    let scenario = r#"Scenario(name: "burst", topology: "m.ron", duration: "2s",
        workloads: [
            Workload(endpoint: "ea", arrivals: Trace(file: "t.csv"), client: Client(timeout: "1s")),
            Workload(endpoint: "eb", arrivals: Trace(file: "t.csv"), client: Client(timeout: "1s")),
        ])"#;
    let m = run(&load(TWO_CALLERS, scenario, &"1s\n".repeat(5)), 1);
    let d = &m.datastores[0];
    assert_eq!(d.pool_size, 2);
    let callers: Vec<&str> = d.pool.iter().map(|u| u.caller.as_str()).collect();
    assert_eq!(callers, ["a", "b"]);
    let sum = |f: fn(&faultsim::metrics::infra::PoolUse) -> u64| d.pool.iter().map(f).sum::<u64>();
    assert_eq!(d.pool.iter().map(|u| u.calls).collect::<Vec<_>>(), [5, 5], "{d:?}");
    assert_eq!(sum(|u| u.waited), 3, "{d:?}");
    assert_eq!(sum(|u| u.rejected), 5, "{d:?}");
    assert_eq!(sum(|u| u.wait_ns), 40 * MS, "10 + 10 + 20 ms: {d:?}");
    assert_eq!(d.pool.iter().map(|u| u.wait_max_ns).max(), Some(20 * MS));
    assert_eq!(sum(|u| u.gave_up), 1, "the 20 ms wait outlived the 15 ms timeout: {d:?}");
    // Five reads of 10 ms each held a connection: 50 connection·ms, never more than 2.
    assert_eq!(d.pool.iter().map(|u| u.held_area).sum::<u128>(), u128::from(50 * MS), "{d:?}");
    assert!(d.pool.iter().all(|u| u.held_max <= 2));
    // The rejected reads failed their requests at once. The waiters' callers time out (a
    // wait of 10 ms plus a 10 ms read is past 15 ms), but only the last one was still
    // waiting when its caller gave up.
    let failed: u64 = m.endpoints.iter().map(|e| e.failed.rejected).sum();
    let timed_out: u64 = m.endpoints.iter().map(|e| e.failed.timeout).sum();
    assert_eq!((failed, timed_out), (5, 3), "{:?}", m.endpoints.iter().map(|e| &e.failed).collect::<Vec<_>>());
}

#[test]
fn without_a_bound_every_call_waits_and_the_held_time_is_the_work_done() {
    // The same burst into an unbounded waiting room: nothing is rejected, the ten reads are
    // served one pair every 10 ms (waits 0, 0, 10, 10, 20, 20, 30, 30, 40, 40 ms).
    let model = TWO_CALLERS.replace(", max_waiting: 3", "");
    let scenario = r#"Scenario(name: "burst", topology: "m.ron", duration: "2s",
        workloads: [
            Workload(endpoint: "ea", arrivals: Trace(file: "t.csv"), client: Client(timeout: "1s")),
            Workload(endpoint: "eb", arrivals: Trace(file: "t.csv"), client: Client(timeout: "1s")),
        ])"#;
    let m = run(&load(&model, scenario, &"1s\n".repeat(5)), 1);
    let d = &m.datastores[0];
    let waited: u64 = d.pool.iter().map(|u| u.waited).sum();
    let wait: u64 = d.pool.iter().map(|u| u.wait_ns).sum();
    let gave_up: u64 = d.pool.iter().map(|u| u.gave_up).sum();
    assert_eq!((waited, wait), (8, 200 * MS), "{d:?}");
    assert_eq!(gave_up, 6, "waits of 20 ms and more outlive the 15 ms timeout: {d:?}");
    assert_eq!(d.pool.iter().map(|u| u.held_area).sum::<u128>(), u128::from(100 * MS));
    assert!(d.pool.iter().all(|u| u.rejected == 0));
}

fn example(file: &str) -> Arc<Scenario> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    Arc::new(faultsim::load::load_scenario(&path).unwrap_or_else(|d| panic!("{}", faultsim::diagnostic::render(&d))))
}

#[test]
fn the_shared_pool_story_names_the_caller_that_holds_the_connections() {
    let seeds = [1, 2, 3];
    let before = faultsim::montecarlo::run_seeds(&example("scenarios/shared_pool.ron"), &seeds, 2, &|| {});
    let after = faultsim::montecarlo::run_seeds(&example("scenarios/shared_pool_fixed.ron"), &seeds, 2, &|| {});
    for r in &before.records {
        let pools = &r.infra.as_ref().expect("a datastore").pools;
        let (checkout, recs) = (&pools[0], &pools[1]);
        assert_eq!((checkout.caller.as_str(), recs.caller.as_str()), ("checkout", "recommendations"));
        assert!(recs.mean_held() > 10.0 * checkout.mean_held(), "{pools:?}");
        assert_eq!(recs.held_max, 8, "the crawler's queries take every connection");
        assert!(checkout.gave_up > 0, "checkout's queries get connections after checkout gave up");
    }
    for r in &after.records {
        let pools = &r.infra.as_ref().expect("a datastore").pools;
        // The bulkhead allows 2 concurrent calls per recommendations instance (2 instances).
        assert!(pools[1].held_max <= 4, "{pools:?}");
        assert_eq!(pools[0].gave_up, 0, "{pools:?}");
    }
    // The same figures per seed, with intervals, in the many-seed summary and the report.
    let o = crate::cli::run(&["run", "scenarios/shared_pool.ron", "--seeds", "3"]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let table = o.stdout.split("connection pools (per caller").nth(1).expect("a pool table");
    assert!(table.contains("recommendations") && table.contains("of 8"), "{table}");
    let o = crate::cli::run(&["run", "scenarios/shared_pool.ron", "--seed", "1", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).expect("json");
    let pool = &v["run"]["datastores"][0]["pool"];
    assert_eq!(pool[1]["caller"], "recommendations", "{pool}");
    assert!(pool[1]["waited"].as_u64().unwrap_or(0) > 0, "{pool}");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("r");
    let out_s = out.to_str().expect("utf-8 path");
    let o = crate::cli::run(&["report", "scenarios/shared_pool.ron", "--seeds", "2", "--out", out_s]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let page = std::fs::read_to_string(out.join("index.html")).expect("index.html");
    let section = page.split("<section id=\"pools\">").nth(1).expect("a pools section");
    let section = section.split("</section>").next().unwrap_or_default();
    assert!(section.contains("<td class=\"l\">recommendations</td>") && section.contains(" of 8"), "{section}");
}
