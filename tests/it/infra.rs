//! The infrastructure parts against the reference semantics, on small systems whose numbers can be worked
//! out by hand: with fixed service times, fixed network latencies and arrivals replayed from
//! a trace, the RPO, RTO, OOM and leak times and queue counts are exact, so the tests assert
//! equality; where arrivals are Poisson, the mean over seeds must hold the closed form inside
//! its 99.9% interval.
//!
//! - Failover: RTO = detection + promotion; asynchronous replication loses exactly the writes
//!   committed inside the lag window before the loss (RPO); synchronous replication loses
//!   none and adds a round trip to every write; buffered writes survive the outage.
//! - Memory: the OOM killer fires when memory goes above the limit, drops the requests held
//!   and restarts the instance after its `restart_delay`; a leak kills at the predicted time.
//! - Queues: redelivery after the visibility timeout produces duplicates; overflow is data
//!   lost, and `NoDataLoss` fails on it.
//! - Autoscaler: after a load step it reaches the instance count for its target within one
//!   evaluation interval plus the provisioning delay.

use std::path::Path;
use std::sync::Arc;

use faultsim::engine::Simulation;
use faultsim::metrics::run::RunMetrics;
use faultsim::scenario::Scenario;

const SECOND: u64 = 1_000_000_000;
const MS: u64 = 1_000_000;

/// Loads `scenario` (naming `m.ron`) with `model` and an optional trace `t.csv`.
fn load(model: &str, scenario: &str, trace: Option<&str>) -> Arc<Scenario> {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("m.ron"), model).expect("write model");
    if let Some(t) = trace {
        std::fs::write(dir.path().join("t.csv"), t).expect("write trace");
    }
    match faultsim::load::parse_scenario("s.ron", scenario.into(), Path::new(dir.path())) {
        Ok(s) => Arc::new(s),
        Err(ds) => panic!("{}", faultsim::diagnostic::render(&ds)),
    }
}

fn run(s: &Arc<Scenario>, seed: u64) -> RunMetrics {
    Simulation::new(Arc::clone(s), seed).run().map_err(|e| e.0).expect("runs to the end")
}

/// Arrival times every `step_ms` from 0 up to (not including) `until_s`, as a trace.
fn every(step_ms: u64, until_s: u64) -> String {
    (0..until_s * 1000 / step_ms).map(|k| format!("{}ms\n", k * step_ms)).collect()
}

/// A writer in zone `a` and a datastore with its primary in `a` and a replica in `b`; every
/// time is fixed: a write commits 1 ms (service) + 100 µs (network) + 2 ms (write) = 3.1 ms
/// after its request arrives.
fn db_model(replication: &str, buffer: bool) -> String {
    format!(
        r#"Topology(name: "db", regions: [Region(name: "r", zones: [Zone(name: "a"), Zone(name: "b")])],
    network: (same_zone: Fixed("100us"), cross_zone: Fixed("1ms")),
    services: [Service(name: "api", zones: ["a"], workers: 2000, service_time: Fixed("1ms"),
        calls: [Call(to: "db", operation: Write)])],
    datastores: [Datastore(name: "db", primary: "a", replicas: ["b"], replication: {replication},
        failover: (detection: "5s", promotion: "10s"), write_time: Fixed("2ms"), buffer_writes: {buffer})],
    endpoints: [Endpoint(name: "write", service: "api")])"#
    )
}

/// Writes every 10 ms for 60 s from a trace; the primary crashes at 30 s for a minute.
const DB_SCENARIO: &str = r#"Scenario(name: "failover", topology: "m.ron", duration: "60s",
    workloads: [Workload(endpoint: "write", arrivals: Trace(file: "t.csv"), client: Client(timeout: "40s"))],
    faults: [FaultWindow(start: "30s", duration: "1m", fault: Crash(Datastore("db")))],
    hypotheses: [Hypothesis(check: NoDataLoss)])"#;

#[test]
fn async_failover_loses_exactly_the_writes_inside_the_lag_and_rto_is_detection_plus_promotion() {
    let s = load(&db_model(r#"Async(lag: Fixed("500ms"))"#, false), DB_SCENARIO, Some(&every(10, 60)));
    let m = run(&s, 1);
    let d = &m.datastores[0];
    assert_eq!(d.outages.len(), 1, "{:?}", d.outages);
    let o = &d.outages[0];
    assert_eq!(o.lost_at_ns, 30 * SECOND);
    assert_eq!(o.rto_ns, 15 * SECOND, "RTO = detection 5 s + promotion 10 s");
    assert_eq!(o.promoted.as_deref(), Some("b"));
    // A write arriving at t commits at t + 3.1 ms and reaches the replica 500 ms later: the
    // replica misses those committed in (29.5 s, 30 s], the arrivals 29.50 s … 29.99 s.
    let arrivals: Vec<u64> = (0..6000u64).map(|k| k * 10 * MS).collect();
    let lost = arrivals.iter().filter(|&&t| t + 3_100_000 > 29_500 * MS && t + 3_100_000 <= 30 * SECOND).count();
    assert_eq!(lost, 50);
    assert_eq!(o.writes_lost, lost as u64, "RPO in writes");
    assert_eq!(o.rpo_ns, 30 * SECOND - (29_500 * MS + 3_100_000), "RPO window: from the oldest lost commit");
    assert_eq!(m.data_lost(), 50);
    // Writes are served again only from 45 s, by the promoted replica in zone b.
    let series = &m.endpoints[0].series;
    assert!(series[31..45].iter().all(|b| b.served == 0), "no write served during the RTO");
    assert!(series[46..59].iter().all(|b| b.served == 100), "every write served after it");
    let check = faultsim::montecarlo::verdict::check_seed(&s.hypotheses[0], &m, &s);
    assert_eq!((check.passed, check.value), (Some(false), Some(50.0)), "NoDataLoss is evaluated and fails");
}

#[test]
fn async_rpo_is_the_write_rate_times_the_lag_over_seeds() {
    let model = db_model(r#"Async(lag: Fixed("250ms"))"#, false);
    let scenario = r#"Scenario(name: "rpo", topology: "m.ron", duration: "40s",
        workloads: [Workload(endpoint: "write", arrivals: Poisson(rate: 200.0))],
        faults: [FaultWindow(start: "20s", fault: Crash(Datastore("db")))])"#;
    let s = load(&model, scenario, None);
    let lost: Vec<f64> = (1..=30).map(|seed| run(&s, seed).datastores[0].writes_lost as f64).collect();
    let est = faultsim::stats::mean_interval(&lost, 0.999);
    // Commits form a Poisson stream (every delay is fixed), so the writes inside the
    // 250 ms lag are Poisson with mean 200/s × 0.25 s = 50.
    assert!(est.low <= 50.0 && 50.0 <= est.high, "writes lost {est:?}, expected 50");
    assert!(est.high - est.low < 10.0, "interval tight enough to fail: {est:?}");
}

#[test]
fn sync_replication_loses_nothing_and_adds_a_round_trip_to_every_write() {
    let trace = every(10, 60);
    let sync = run(&load(&db_model("Sync", false), DB_SCENARIO, Some(&trace)), 1);
    let asy = run(&load(&db_model(r#"Async(lag: Fixed("500ms"))"#, false), DB_SCENARIO, Some(&trace)), 1);
    assert_eq!(sync.datastores[0].writes_lost, 0);
    assert_eq!(sync.data_lost(), 0);
    assert_eq!(sync.datastores[0].outages[0].rto_ns, 15 * SECOND);
    // Before the crash every write is fixed: 1 ms + 2 × 100 µs + 2 ms, plus for sync a 2 ms
    // round trip to the replica in zone b.
    let p50 = |m: &RunMetrics| m.endpoints[0].latency.percentile_ns(50.0) as f64 / 1e6;
    assert!((p50(&asy) - 3.2).abs() < 0.01, "async p50 {}", p50(&asy));
    assert!((p50(&sync) - 5.2).abs() < 0.01, "sync p50 {}", p50(&sync));
}

#[test]
fn buffered_writes_wait_out_the_failover_instead_of_failing() {
    let trace = every(10, 60);
    let plain = run(&load(&db_model(r#"Async(lag: Fixed("500ms"))"#, false), DB_SCENARIO, Some(&trace)), 1);
    let buffered = run(&load(&db_model(r#"Async(lag: Fixed("500ms"))"#, true), DB_SCENARIO, Some(&trace)), 1);
    let e = &buffered.endpoints[0];
    assert_eq!(e.failed.total(), 0, "no write fails: {:?}", e.failed);
    assert!(plain.endpoints[0].failed.total() > 1400, "{:?}", plain.endpoints[0].failed);
    // Held writes wait up to the 15 s RTO.
    assert!(e.latency.max_ns() >= 14 * SECOND, "max latency {}", e.latency.max_ns());
}

/// One service with a memory model: 100 MiB + 10 MiB per request held, limit 200 MiB, so
/// the 11th request held kills it.
const OOM_MODEL: &str = r#"Topology(name: "oom", regions: [Region(name: "r", zones: [Zone(name: "a")])],
    services: [Service(name: "api", zones: ["a"], workers: 1, backlog: 100, service_time: Fixed("100ms"),
        memory: (base: "100MiB", per_request: "10MiB", limit: "200MiB"), restart_delay: "5s")],
    endpoints: [Endpoint(name: "e", service: "api")])"#;

#[test]
fn memory_above_the_limit_kills_the_instance_with_its_requests_and_it_restarts() {
    // Two arrivals per 100 ms of service: one more request held every 100 ms.
    let scenario = r#"Scenario(name: "oom", topology: "m.ron", duration: "10s",
        workloads: [Workload(endpoint: "e", arrivals: Trace(file: "t.csv"))])"#;
    let s = load(OOM_MODEL, scenario, Some(&every(50, 3)));
    let m = run(&s, 1);
    let api = &m.services[0];
    assert!(api.oom_kills >= 1, "{api:?}");
    assert_eq!(api.memory_max_bytes, 210 << 20, "the peak is the 11th request's admission: 100 + 11 × 10 MiB");
    let first = m.timeline.iter().find(|c| !c.up).expect("an OOM kill");
    let back = m.timeline.iter().find(|c| c.up).expect("a restart");
    assert_eq!(back.time_ns - first.time_ns, 5 * SECOND, "back after restart_delay");
    // The 11 requests held at the kill are lost (refused: the process died, the host is up),
    // and so is everything sent while it restarts.
    assert!(m.endpoints[0].failed.unavailable >= 11, "{:?}", m.endpoints[0].failed);
    // Below the limit nothing happens.
    let calm = r#"Scenario(name: "calm", topology: "m.ron", duration: "3s",
        workloads: [Workload(endpoint: "e", arrivals: Trace(file: "t.csv"))])"#;
    let m = run(&load(OOM_MODEL, calm, Some(&every(200, 3))), 1);
    assert_eq!(m.services[0].oom_kills, 0);
    assert_eq!(m.services[0].memory_max_bytes, 110 << 20);
}

#[test]
fn a_leak_kills_at_the_predicted_time_and_again_after_each_restart() {
    let model = r#"Topology(name: "leak", regions: [Region(name: "r", zones: [Zone(name: "a")])],
        services: [Service(name: "api", zones: ["a"], instances: 2, service_time: Fixed("1ms"),
            memory: (base: "256MiB", limit: "512MiB"), restart_delay: "10s")],
        endpoints: [Endpoint(name: "e", service: "api")])"#;
    let scenario = r#"Scenario(name: "leak", topology: "m.ron", duration: "10m",
        workloads: [Workload(endpoint: "e", arrivals: Poisson(rate: 5.0))],
        faults: [FaultWindow(start: "10s", fault: MemoryLeak(target: Instance("api", 0), per_second: "1MiB"))])"#;
    let m = run(&load(model, scenario, None), 1);
    // 256 MiB of headroom at 1 MiB/s: above the limit 256 s (and 1 ns) after the leak starts,
    // then again 256 s after the restart.
    let first_kill = 10 * SECOND + 256 * SECOND + 1;
    let restart = first_kill + 10 * SECOND;
    let second_kill = restart + 256 * SECOND + 1;
    let changes: Vec<(u64, u32, bool)> = m.timeline.iter().map(|c| (c.time_ns, c.instance, c.up)).collect();
    assert_eq!(
        changes,
        vec![(first_kill, 0, false), (restart, 0, true), (second_kill, 0, false), (second_kill + 10 * SECOND, 0, true)]
    );
    assert_eq!(m.services[0].oom_kills, 2);
}

/// `api` enqueues every request into `jobs`; `worker` consumes with a fixed service time.
fn queue_model(capacity: u32, concurrency: u32, work: &str) -> String {
    format!(
        r#"Topology(name: "q", regions: [Region(name: "r", zones: [Zone(name: "a")])],
    services: [
        Service(name: "api", zones: ["a"], workers: 100, service_time: Fixed("1ms"), calls: [Call(to: "jobs", mode: Async)]),
        Service(name: "worker", zones: ["a"], workers: 100, service_time: Fixed("{work}")),
    ],
    queues: [Queue(name: "jobs", zones: ["a"], capacity: {capacity}, consumer: "worker", concurrency: {concurrency},
        visibility_timeout: "1s", max_deliveries: 5)],
    endpoints: [Endpoint(name: "e", service: "api")])"#
    )
}

#[test]
fn a_consumer_slower_than_the_visibility_timeout_gets_every_message_twice() {
    // 300 messages in the first 30 s; the run lasts a minute, so all are through.
    let scenario = r#"Scenario(name: "dup", topology: "m.ron", duration: "60s",
        workloads: [Workload(endpoint: "e", arrivals: Trace(file: "t.csv"))])"#;
    let trace = every(100, 30);
    let m = run(&load(&queue_model(10_000, 100, "1500ms"), scenario, Some(&trace)), 1);
    let q = &m.queues[0];
    // Delivery 1 at t; invisible until t + 1 s, then delivered again while the first is
    // still working (1.5 s); both succeed: one duplicate per message.
    assert_eq!((q.enqueued, q.delivered, q.redelivered), (300, 600, 300), "{q:?}");
    assert_eq!((q.processed, q.duplicates, q.dead_lettered, q.held_at_end, q.dropped), (600, 300, 0, 0, 0), "{q:?}");
    assert_eq!(m.data_lost(), 0, "duplicates are not data loss");
    // A consumer that acknowledges within the timeout gets each message once.
    let m = run(&load(&queue_model(10_000, 100, "500ms"), scenario, Some(&trace)), 1);
    assert_eq!((m.queues[0].processed, m.queues[0].duplicates, m.queues[0].redelivered), (300, 0, 0));
}

#[test]
fn queue_overflow_is_counted_as_data_lost_and_fails_no_data_loss() {
    // 20 messages in 2 s into a queue of 10 drained one at a time, 1 s each.
    let scenario = r#"Scenario(name: "overflow", topology: "m.ron", duration: "30s",
        workloads: [Workload(endpoint: "e", arrivals: Trace(file: "t.csv"))],
        hypotheses: [Hypothesis(check: NoDataLoss)])"#;
    let s = load(&queue_model(10, 1, "900ms"), scenario, Some(&every(100, 2)));
    let m = run(&s, 1);
    let q = &m.queues[0];
    assert_eq!(q.enqueued + q.dropped, 20, "{q:?}");
    // By 2 s the consumer has acknowledged two messages, so at most 12 fit.
    assert!((8..=10).contains(&q.dropped), "{q:?}");
    assert_eq!(q.max_held, 10);
    assert_eq!(q.processed, q.enqueued, "everything accepted is processed");
    assert_eq!(m.data_lost(), q.dropped);
    assert_eq!(m.endpoints[0].failed.total(), 0, "the producers never knew");
    let check = faultsim::montecarlo::verdict::check_seed(&s.hypotheses[0], &m, &s);
    assert_eq!(check.passed, Some(false));
    let roomy = load(&queue_model(100, 1, "900ms"), scenario, Some(&every(100, 2)));
    let m = run(&roomy, 1);
    assert_eq!(m.data_lost(), 0);
    assert_eq!(faultsim::montecarlo::verdict::check_seed(&roomy.hypotheses[0], &m, &roomy).passed, Some(true));
}

#[test]
fn the_autoscaler_reaches_its_target_within_one_interval_plus_the_provisioning_delay() {
    let model = r#"Topology(name: "hpa", regions: [Region(name: "r", zones: [Zone(name: "a"), Zone(name: "b")])],
        services: [Service(name: "api", zones: ["a", "b"], instances: 2, workers: 10, backlog: 1000,
            service_time: Fixed("100ms"),
            autoscaler: (target_utilisation: 0.5, interval: "30s", provisioning_delay: "60s", min: 2, max: 8))],
        endpoints: [Endpoint(name: "e", service: "api")])"#;
    // 40/s is 20% of two instances; from 120 s, 160/s is 80%: ceil(2 × 0.8 / 0.5) = 4
    // instances, which bring it to 40%.
    let scenario = r#"Scenario(name: "hpa", topology: "m.ron", duration: "6m",
        workloads: [Workload(endpoint: "e", arrivals: Poisson(rate: 40.0, profile: Step(at: "120s", factor: 4.0)))])"#;
    let s = load(model, scenario, None);
    for seed in 1..=3 {
        let m = run(&s, seed);
        let rows: Vec<(u64, u32, u32)> = m.scaling.iter().map(|c| (c.time_ns / SECOND, c.desired, c.serving)).collect();
        // The evaluation at 150 s sees the step's whole interval and asks for 4; they serve
        // 60 s later, 90 s (interval + delay) after the step; nothing changes afterwards.
        assert_eq!(rows, vec![(0, 2, 2), (150, 4, 2), (210, 4, 4)], "seed {seed}");
        assert!(m.services[0].utilisation() < 0.5, "{}", m.services[0].utilisation());
        assert_eq!(m.endpoints[0].failed.total(), 0);
        assert!(m.timeline.is_empty(), "scaling is not a crash");
    }
}

#[test]
fn closed_loop_clients_follow_the_interactive_response_time_law() {
    // N = 10 clients, think time 90 ms, response time 10 ms (no queueing with 100 workers):
    // throughput X = N / (R + Z) = 100 requests per second.
    let model = r#"Topology(name: "closed", regions: [Region(name: "r", zones: [Zone(name: "a")])],
        services: [Service(name: "api", zones: ["a"], workers: 100, service_time: Fixed("10ms"))],
        endpoints: [Endpoint(name: "e", service: "api")])"#;
    let scenario = r#"Scenario(name: "closed", topology: "m.ron", duration: "65s", warmup: "5s",
        workloads: [Workload(endpoint: "e", arrivals: ClosedLoop(clients: 10, think_time: Exp(mean: "90ms")))])"#;
    let s = load(model, scenario, None);
    let x: Vec<f64> = (1..=5).map(|seed| run(&s, seed).endpoints[0].requests as f64 / 60.0).collect();
    let est = faultsim::stats::mean_interval(&x, 0.999);
    assert!(est.low <= 100.0 && 100.0 <= est.high, "throughput {est:?}");
    assert!(est.high - est.low < 10.0, "tight enough to tell a 10% error: {est:?}");
}

#[test]
fn a_cache_that_comes_back_from_a_crash_is_cold_and_refills_over_its_warmup() {
    let model = r#"Topology(name: "cache", regions: [Region(name: "r", zones: [Zone(name: "a")])],
        services: [
            Service(name: "api", zones: ["a"], workers: 100, service_time: Fixed("1ms"), calls: [Call(to: "c")]),
            Service(name: "db", zones: ["a"], workers: 100, service_time: Fixed("1ms")),
        ],
        caches: [Cache(name: "c", zones: ["a"], hit_ratio: 0.9, backend: "db", warmup: "60s")],
        endpoints: [Endpoint(name: "e", service: "api")])"#;
    let with = |faults: &str| {
        format!(
            r#"Scenario(name: "cold", topology: "m.ron", duration: "2m",
            workloads: [Workload(endpoint: "e", arrivals: Poisson(rate: 100.0))], faults: [{faults}])"#
        )
    };
    let crash = load(model, &with(r#"FaultWindow(start: "10s", duration: "5s", fault: Crash(Cache("c")))"#), None);
    let calm = load(model, &with(""), None);
    let extra: Vec<f64> = (1..=5)
        .map(|seed| run(&crash, seed).services[1].received as f64 - run(&calm, seed).services[1].received as f64)
        .collect();
    // After the crash the hit ratio climbs linearly from 0 to 0.9 over 60 s: 100/s × 0.9 ×
    // 30 s = 2,700 extra misses, less the 50 the 5 s outage never sent.
    let est = faultsim::stats::mean_interval(&extra, 0.999);
    assert!(est.low <= 2650.0 && 2650.0 <= est.high, "extra backend requests {est:?}");
}
