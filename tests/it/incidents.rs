//! The model gaps real incidents hit, each shown on a system small enough to check by
//! hand and on its before/after example: health checks that see partitions, replication
//! that is synchronous in region and asynchronous across regions, pinned connections
//! whose traffic is skewed to a few heavy ones, autoscaling on memory, and a noisy
//! neighbour on a datastore (one caller's slow queries slowing the store for every caller).

use std::sync::Arc;

use faultsim::engine::Simulation;
use faultsim::metrics::run::RunMetrics;
use faultsim::scenario::Scenario;

const S: u64 = 1_000_000_000;

fn load(model: &str, scenario: &str) -> Arc<Scenario> {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("m.ron"), model).expect("write model");
    std::fs::write(dir.path().join("t.csv"), "1s\n".repeat(40)).expect("write trace");
    std::fs::write(dir.path().join("four.csv"), "1s\n".repeat(4)).expect("write trace");
    std::fs::write(dir.path().join("later.csv"), "1050ms\n").expect("write trace");
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

/// `faultsim whatif SCENARIO --variant … --seeds N --all --format json`, parsed.
fn whatif(scenario: &str, variants: &[&str], seeds: u32) -> serde_json::Value {
    let seeds = seeds.to_string();
    let mut args = vec!["whatif", scenario];
    for v in variants {
        args.extend(["--variant", v]);
    }
    args.extend(["--seeds", &seeds, "--all", "--format", "json"]);
    json(&args)
}

/// One metric row of a what-if's JSON: variant `variant`, metric `name`.
fn whatif_metric(v: &serde_json::Value, variant: usize, name: &str) -> serde_json::Value {
    v["variants"][variant]["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {v}"))
        .clone()
}

/// What `faultsim validate` prints on standard error for a topology that must be refused.
fn refused(model: &str) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("m.ron");
    std::fs::write(&path, model).expect("write");
    let out = crate::cli::run(&["validate", path.to_str().expect("utf-8")]);
    assert_eq!(out.code, Some(2), "{}", out.stdout);
    out.stderr
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

/// 100 requests a second on TWO_ZONES for 30 s, with a partition between `sides` from
/// 10.5 s to 20.5 s; the run and its rotation changes (time, back in rotation).
fn split(sides: &str) -> (RunMetrics, Vec<(u64, bool)>) {
    let scenario = format!(
        r#"Scenario(name: "split", topology: "m.ron", duration: "30s",
        workloads: [Workload(endpoint: "e", arrivals: Poisson(rate: 100.0), client: Client(timeout: "1s"))],
        faults: [FaultWindow(name: "cut", start: "10500ms", duration: "10s",
            fault: Partition({sides}, direction: Both, mode: Drop))])"#
    );
    let m = run(&load(TWO_ZONES, &scenario), 1);
    let changes = m.rotation.iter().map(|c| (c.time_ns, c.up)).collect();
    (m, changes)
}

#[test]
fn a_partition_takes_an_instance_out_for_the_callers_it_cuts_off() {
    // x | y from 10.5 s to 20.5 s. front's checks of back#y fail at 11 s and 12 s, so back#y
    // leaves front's rotation at 12 s; they pass at 21 s and 22 s, so it is back at 22 s.
    // Until 12 s, every other call goes to back#y and times out; after it none does.
    let (m, changes) = split(r#"side_a: [Zone("x")], side_b: [Zone("y")]"#);
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
    let (m, changes) = split(r#"side_a: [Service("back")], side_b: [Service("front")]"#);
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
    let v =
        whatif("scenarios/three_tier_zone_partition.ron", &["scenarios/patches/three_tier_no_health_checks.ron"], 4);
    let metric = |name: &str| whatif_metric(&v, 0, name);
    let page = metric("page availability");
    assert_eq!(page["change"], "worse", "{page}");
    assert!(page["baseline"].as_f64().expect("baseline") > 0.999, "{page}");
    assert!(page["variant"].as_f64().expect("variant") < 0.9, "{page}");
}

/// `api` (zone a) writes to `db`: primary in a, replicas in b (same region) and c (the
/// other region), every latency and time fixed, and `REPLICATION` left to fill in.
const LEDGER: &str = r#"Topology(name: "ledger",
    regions: [Region(name: "r1", zones: [Zone(name: "a"), Zone(name: "b")]), Region(name: "r2", zones: [Zone(name: "c")])],
    network: (same_zone: Fixed("100us"), cross_zone: Fixed("1ms"), cross_region: Fixed("20ms")),
    services: [Service(name: "api", zones: ["a", "b"], instances: 2, workers: 100, service_time: Fixed("1ms"),
        calls: [Call(to: "db", operation: Write, timeout: "1s")])],
    datastores: [Datastore(name: "db", primary: "a", replicas: ["b", "c"], replication: REPLICATION,
        failover: Failover(detection: "1s", promotion: "1s"), write_time: Fixed("5ms"))],
    endpoints: [Endpoint(name: "post", service: "api")])"#;

/// The ledger with `replication`, 100 writes a second for 30 s, and `fault` (if any) at 10 s.
fn ledger(replication: &str, fault: Option<&str>) -> RunMetrics {
    let model = LEDGER.replace("REPLICATION", replication);
    let faults = fault.map_or(String::new(), |f| format!(r#"FaultWindow(name: "loss", start: "10s", fault: {f})"#));
    let scenario = format!(
        r#"Scenario(name: "ledger", topology: "m.ron", duration: "30s",
        workloads: [Workload(endpoint: "post", arrivals: Poisson(rate: 100.0), client: Client(timeout: "2s"))],
        faults: [{faults}])"#
    );
    run(&load(&model, &scenario), 3)
}

#[test]
fn sync_in_region_loses_nothing_to_a_zone_and_the_cross_region_lag_to_a_region() {
    let zone = Some(r#"Crash(Zone("a"))"#);
    let region = Some(r#"Crash(Region("r1"))"#);
    // Async with a fixed 1 s lag: the writes of the last second are on no replica.
    let lost = |m: &RunMetrics| m.datastores[0].writes_lost;
    let before = ledger(r#"Async(lag: Fixed("1s"))"#, zone);
    assert!((60..=140).contains(&lost(&before)), "async, zone lost: {:?}", before.datastores[0].outages);
    // In-region synchronous: b has every write and is promoted; nothing is lost.
    let fixed = ledger(r#"SyncInRegion(lag: Fixed("1s"))"#, zone);
    assert_eq!(lost(&fixed), 0, "{:?}", fixed.datastores[0].outages);
    assert_eq!(fixed.datastores[0].outages[0].promoted.as_deref(), Some("b"));
    // A region loss leaves only c, which trails by the cross-region lag.
    let gone = ledger(r#"SyncInRegion(lag: Fixed("1s"))"#, region);
    assert!((60..=140).contains(&lost(&gone)), "sync in region, region lost: {:?}", gone.datastores[0].outages);
    assert_eq!(gone.datastores[0].outages[0].promoted.as_deref(), Some("c"));
}

#[test]
fn sync_in_region_writes_wait_for_the_in_region_round_trip_only() {
    // No fault: a write costs api's 1 ms + the 5 ms write + network, plus the replication
    // round trip: none (async), 2 ms to b (in region), 40 ms to c (everywhere).
    let mean_ms = |replication: &str| ledger(replication, None).endpoints[0].latency.mean_ns() / 1e6;
    let (asynchronous, in_region, everywhere) =
        (mean_ms(r#"Async(lag: Fixed("1s"))"#), mean_ms(r#"SyncInRegion(lag: Fixed("1s"))"#), mean_ms("Sync"));
    assert!((in_region - asynchronous - 2.0).abs() < 0.3, "async {asynchronous} ms, in region {in_region} ms");
    assert!(everywhere - in_region > 20.0, "in region {in_region} ms, everywhere {everywhere} ms");
}

#[test]
fn the_ledger_zone_loss_story_is_fixed_by_sync_in_region_without_the_latency_of_sync() {
    let v = whatif(
        "scenarios/payments_ledger_zone_loss.ron",
        &["scenarios/patches/ledger_sync_in_region.ron", "scenarios/patches/ledger_sync_everywhere.ron"],
        4,
    );
    let metric = |variant: usize, name: &str| whatif_metric(&v, variant, name);
    for k in 0..2 {
        let lost = metric(k, "ledger-db writes lost");
        assert!(lost["baseline"].as_f64().expect("baseline") > 0.0, "{lost}");
        assert_eq!(lost["variant"].as_f64(), Some(0.0), "{lost}");
    }
    let slower = |k: usize| metric(k, "authorize mean latency")["delta"]["value"].as_f64().expect("Δ");
    assert!(slower(0) < 5.0 && slower(1) > 15.0, "Δ mean latency: in region {}, everywhere {}", slower(0), slower(1));
}

/// `front` calls `back` (3 instances) over 6 pinned connections, `POLICY` filled in; every
/// request to back's instance 0 fails, so the failed share is the share instance 0 carries.
fn share_of_instance_0(policy: &str) -> f64 {
    let model = r#"Topology(name: "pinned", regions: [Region(name: "r", zones: [Zone(name: "z")])],
        network: (same_zone: Fixed("100us"), cross_zone: Fixed("1ms")),
        services: [
            Service(name: "front", zones: ["z"], workers: 100, service_time: Fixed("1ms"), calls: [Call(to: "back")]),
            Service(name: "back", zones: ["z"], instances: 3, workers: 100, service_time: Fixed("1ms"),
                load_balancer: LoadBalancer(policy: POLICY)),
        ],
        endpoints: [Endpoint(name: "e", service: "front")])"#
        .replace("POLICY", policy);
    let scenario = r#"Scenario(name: "pinned", topology: "m.ron", duration: "100s",
        workloads: [Workload(endpoint: "e", arrivals: Poisson(rate: 100.0), client: Client(timeout: "1s"))],
        faults: [FaultWindow(name: "bad pod", start: "0s", fault: Errors(target: Instance("back", 0), probability: 1.0))])"#;
    let m = run(&load(&model, scenario), 1);
    let e = &m.endpoints[0];
    e.failed.total() as f64 / e.requests as f64
}

#[test]
fn hot_pinned_connections_carry_their_share_of_the_requests() {
    // Connection c is pinned to instance c mod 3, so instance 0 holds connections 0 and 3.
    // Equal shares: 2 of 6 connections, exactly a third of the requests (round robin).
    let equal = share_of_instance_0("Pinned(connections: 6)");
    assert!((equal - 1.0 / 3.0).abs() < 0.002, "equal shares: {equal}");
    // Connection 0 hot with 90%, the other five share 10%: instance 0 gets 0.9 + 0.02.
    let hot = share_of_instance_0("Pinned(connections: 6, hot: HotConnections(connections: 1, share: 0.9))");
    // ~10 000 requests: the binomial standard error is 0.0027; allow four of them.
    assert!((hot - 0.92).abs() < 0.011, "one hot connection: {hot}");
}

#[test]
fn hot_connections_must_be_a_part_of_them() {
    let model = r#"Topology(name: "pinned", regions: [Region(name: "r", zones: [Zone(name: "z")])],
        services: [Service(name: "back", zones: ["z"], instances: 3, service_time: Fixed("1ms"),
            load_balancer: LoadBalancer(policy: Pinned(connections: 4, hot: HotConnections(connections: 4, share: 1.5))))],
        endpoints: [Endpoint(name: "e", service: "back")])"#;
    let stderr = refused(model);
    assert!(stderr.contains("fewer than all 4, found 4"), "{stderr}");
    assert!(stderr.contains("share (of the requests) must be in (0, 1], found 1.5"), "{stderr}");
    assert!(stderr.contains("HotConnections(connections: 2, share: 0.9)"), "{stderr}");
}

#[test]
fn two_heavy_clients_make_the_oom_story_worse_than_an_even_spread() {
    let v = whatif("scenarios/oom_cascade.ron", &["scenarios/patches/profile_hot_connections.ron"], 3);
    let kills = whatif_metric(&v, 0, "profile-svc OOM kills");
    assert_eq!(kills["change"], "worse", "{kills}");
}

/// 40 requests at 1 s onto `held` (4 pods, round robin, 100 workers each, renders of 100 s):
/// 10 held per pod, so 10% busy and 100MiB + 10 × 10MiB = 200MiB of a 400MiB limit (50%).
/// Returns the scaler's first decision (at 30 s) under `AUTOSCALER`.
fn first_decision(autoscaler: &str) -> u32 {
    let model = r#"Topology(name: "held", regions: [Region(name: "r", zones: [Zone(name: "z")])],
        services: [Service(name: "held", zones: ["z"], instances: 4, workers: 100, service_time: Fixed("100s"),
            memory: Memory(base: "100MiB", per_request: "10MiB", limit: "400MiB"),
            autoscaler: AUTOSCALER)],
        endpoints: [Endpoint(name: "e", service: "held")])"#
        .replace("AUTOSCALER", autoscaler);
    let scenario = r#"Scenario(name: "held", topology: "m.ron", duration: "40s",
        workloads: [Workload(endpoint: "e", arrivals: Trace(file: "t.csv"), client: Client(timeout: "10m"))])"#;
    let m = run(&load(&model, scenario), 1);
    m.scaling.iter().find(|c| c.time_ns == 30 * S).map_or(4, |c| c.desired)
}

#[test]
fn a_memory_target_scales_on_what_the_pods_hold_and_cpu_alone_does_not() {
    // CPU: 10% against 50% wants ceil(4 × 0.2) = 1 pod, held at min 4: no change.
    assert_eq!(first_decision("Autoscaler(target_utilisation: 0.5, interval: \"30s\", min: 4, max: 12)"), 4);
    // Memory: 50% against 25% wants ceil(4 × 2) = 8 pods.
    assert_eq!(first_decision("Autoscaler(target_memory: 0.25, interval: \"30s\", min: 4, max: 12)"), 8);
    // Both: the larger count wins.
    assert_eq!(
        first_decision("Autoscaler(target_utilisation: 0.5, target_memory: 0.25, interval: \"30s\", min: 4, max: 12)"),
        8
    );
    // Within the 10% tolerance (50% against 47.6%: ratio 1.05) nothing changes.
    assert_eq!(first_decision("Autoscaler(target_memory: 0.476, interval: \"30s\", min: 4, max: 12)"), 4);
}

#[test]
fn an_autoscaler_needs_a_target_and_a_memory_target_needs_memory() {
    let model = r#"Topology(name: "bad", regions: [Region(name: "r", zones: [Zone(name: "z")])],
        services: [
            Service(name: "a", zones: ["z"], instances: 2, service_time: Fixed("1ms"), autoscaler: Autoscaler(min: 2, max: 4)),
            Service(name: "b", zones: ["z"], instances: 2, service_time: Fixed("1ms"),
                autoscaler: Autoscaler(target_memory: 0.7, min: 2, max: 4)),
        ],
        endpoints: [Endpoint(name: "e", service: "a")])"#;
    let stderr = refused(model);
    assert!(stderr.contains("needs a target_utilisation, a target_memory or both"), "{stderr}");
    assert!(stderr.contains("target_memory needs the service's `memory`"), "{stderr}");
}

#[test]
fn the_renderer_scaled_on_memory_loses_no_render_to_an_oom_kill() {
    let v = whatif("scenarios/render_evening_peak.ron", &["scenarios/patches/render_memory_autoscaler.ron"], 3);
    let metric = |name: &str| whatif_metric(&v, 0, name);
    let kills = metric("render OOM kills");
    assert!(kills["baseline"].as_f64().expect("baseline") > 10.0, "the CPU-only scaler lets pods die: {kills}");
    assert_eq!(kills["variant"].as_f64(), Some(0.0), "{kills}");
    assert_eq!(metric("render availability")["change"], "better");
}

/// `scan` sends four 100 ms queries (its own `query_time`) to `db` at 1 s; `look` sends one
/// ordinary 10 ms read at 1.05 s, while the four still run. `CPUS` is filled in.
fn held_ms(cpus: &str) -> (u128, u128) {
    let model = r#"Topology(name: "noisy", regions: [Region(name: "r", zones: [Zone(name: "z")])],
        network: (same_zone: Fixed("100us"), cross_zone: Fixed("1ms")),
        services: [
            Service(name: "scan", zones: ["z"], workers: 10, service_time: Fixed("1ms"),
                calls: [Call(to: "db", query_time: Fixed("100ms"))]),
            Service(name: "look", zones: ["z"], workers: 10, service_time: Fixed("1ms"), calls: [Call(to: "db")]),
        ],
        datastores: [Datastore(name: "db", primary: "z", connections: 10, read_time: Fixed("10ms") CPUS)],
        endpoints: [Endpoint(name: "s", service: "scan"), Endpoint(name: "l", service: "look")])"#
        .replace("CPUS", cpus);
    let scenario = r#"Scenario(name: "noisy", topology: "m.ron", duration: "3s",
        workloads: [
            Workload(endpoint: "s", arrivals: Trace(file: "four.csv"), client: Client(timeout: "2s")),
            Workload(endpoint: "l", arrivals: Trace(file: "later.csv"), client: Client(timeout: "2s")),
        ])"#;
    let m = run(&load(&model, scenario), 1);
    let pool = &m.datastores[0].pool;
    let by = |name: &str| pool.iter().find(|u| u.caller == name).map_or(0, |u| u.held_area) / 1_000_000;
    (by("scan"), by("look"))
}

#[test]
fn queries_past_the_processors_are_stretched_by_how_oversubscribed_the_node_is() {
    // Unlimited processors: four scans of 100 ms and a 10 ms read.
    assert_eq!(held_ms(""), (400, 10));
    // Two processors: the scans start with 1, 2, 3, 4 running (100, 100, 150, 200 ms); the
    // read starts with 5 running and takes 10 × 5 / 2 = 25 ms.
    assert_eq!(held_ms(", cpus: 2"), (550, 25));
}

#[test]
fn a_query_keeps_its_own_time_after_its_caller_gave_up() {
    // One connection; four 100 ms scans at 1 s with a 50 ms call timeout. The last three
    // wait for the connection past their caller's timeout, then still run their own 100 ms
    // scans (not the store's 10 ms read): 400 ms of connection time, three gave up waiting.
    let model = r#"Topology(name: "orphan", regions: [Region(name: "r", zones: [Zone(name: "z")])],
        network: (same_zone: Fixed("100us"), cross_zone: Fixed("1ms")),
        services: [Service(name: "scan", zones: ["z"], workers: 10, service_time: Fixed("1ms"),
            calls: [Call(to: "db", timeout: "50ms", query_time: Fixed("100ms"))])],
        datastores: [Datastore(name: "db", primary: "z", connections: 1, read_time: Fixed("10ms"))],
        endpoints: [Endpoint(name: "s", service: "scan")])"#;
    let scenario = r#"Scenario(name: "orphan", topology: "m.ron", duration: "3s",
        workloads: [Workload(endpoint: "s", arrivals: Trace(file: "four.csv"), client: Client(timeout: "2s"))])"#;
    let m = run(&load(model, scenario), 1);
    let u = &m.datastores[0].pool[0];
    assert_eq!(u.gave_up, 3, "{u:?}");
    assert_eq!(u.held_area / 1_000_000, 400, "every scan takes its own 100 ms: {u:?}");
}

#[test]
fn query_time_is_for_datastore_calls_only() {
    let model = r#"Topology(name: "bad", regions: [Region(name: "r", zones: [Zone(name: "z")])],
        services: [
            Service(name: "a", zones: ["z"], service_time: Fixed("1ms"), calls: [Call(to: "b", query_time: Fixed("1s"))]),
            Service(name: "b", zones: ["z"], service_time: Fixed("1ms")),
        ],
        datastores: [Datastore(name: "db", primary: "z", cpus: 0)],
        endpoints: [Endpoint(name: "e", service: "a")])"#;
    let stderr = refused(model);
    assert!(stderr.contains("`b` is not a datastore; only datastore calls run queries"), "{stderr}");
    assert!(stderr.contains("cpus must be at least 1"), "{stderr}");
}

#[test]
fn moving_the_reports_to_the_replica_gives_checkout_its_processors_back() {
    let v = whatif("scenarios/noisy_neighbour_reports.ron", &["scenarios/patches/reports_on_replica.ron"], 3);
    let metric = |name: &str| whatif_metric(&v, 0, name);
    let p99 = metric("checkout p99 latency");
    assert_eq!(p99["change"], "better", "{p99}");
    assert!(p99["baseline"].as_f64().expect("baseline") > 50.0, "the scans slow checkout: {p99}");
    assert_eq!(metric("checkout failed: timeout")["change"], "better");
    // The pool was never the problem: no query waited for one of the 64 connections (the
    // reports' bulkhead admits 16 at once; a few more are scans their caller gave up on).
    let run = json(&["run", "scenarios/noisy_neighbour_reports.ron", "--seed", "1", "--format", "json"]);
    let reports = run["run"]["datastores"][0]["pool"]
        .as_array()
        .expect("pool")
        .iter()
        .find(|u| u["caller"] == "reports")
        .expect("reports")
        .clone();
    assert_eq!(reports["waited"], 0, "{reports}");
    assert!(reports["held_max"].as_u64().expect("held_max") < 64, "{reports}");
}
