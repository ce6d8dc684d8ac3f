//! The infrastructure field stories as before/fixed pairs of shipped examples:
//! each test runs both scenario files on the same seeds and asserts the story's qualitative
//! outcome, with the fixed variant better by more than the 95% intervals (between seeds) of
//! both. These are the numbers of README's "Field stories (infrastructure)".
//!
//! - Story 1: pinned connections cascade OOM kills to every pod; per-request balancing none.
//! - Story 5: a zone lost takes down a system in one zone; spread over three it rides through.
//! - Story 6: a primary lost with async replication loses the writes inside the lag; sync
//!   loses none, at the price of slower writes; both take detection + promotion to recover.
//! - Story 7: a bad version on a 5% canary fails a twentieth of what a full rollout fails.

use std::path::Path;
use std::sync::Arc;

use faultsim::engine::Simulation;
use faultsim::metrics::run::RunMetrics;
use faultsim::montecarlo::partial::SeedRecord;
use faultsim::scenario::Scenario;
use faultsim::stats::{mean_interval, Estimate};

const SECOND: u64 = 1_000_000_000;

fn scenario(file: &str) -> Arc<Scenario> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    match faultsim::load::load_scenario(&path) {
        Ok(s) => Arc::new(s),
        Err(ds) => panic!("{}", faultsim::diagnostic::render(&ds)),
    }
}

/// Seeds 1..=n of a scenario file through the Monte Carlo runner (two threads).
fn records(file: &str, n: u64) -> Vec<SeedRecord> {
    let s = scenario(file);
    let seeds: Vec<u64> = (1..=n).collect();
    let p = faultsim::montecarlo::run_seeds(&s, &seeds, 2, &|| {});
    assert!(p.records.iter().all(|r| r.limit.is_none()), "{file}: a seed stopped at a limit");
    p.records
}

/// Full run metrics of seeds 1..=n, two at a time.
fn runs(file: &str, n: u64) -> Vec<RunMetrics> {
    let s = scenario(file);
    let mut out: Vec<(u64, RunMetrics)> = std::thread::scope(|scope| {
        let handles: Vec<_> = [0u64, 1]
            .into_iter()
            .map(|k| {
                let s = Arc::clone(&s);
                scope.spawn(move || {
                    (1..=n)
                        .filter(|seed| seed % 2 == k)
                        .map(|seed| (seed, Simulation::new(Arc::clone(&s), seed).run().map_err(|e| e.0).expect("runs")))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("thread")).collect()
    });
    out.sort_by_key(|(seed, _)| *seed);
    out.into_iter().map(|(_, m)| m).collect()
}

fn ci(xs: impl Iterator<Item = f64>) -> Estimate {
    mean_interval(&xs.collect::<Vec<_>>(), 0.95)
}

/// `better` lies wholly above `worse`, by more than `margin`.
fn above(better: &Estimate, worse: &Estimate, margin: f64, what: &str) {
    assert!(better.low - worse.high > margin, "{what}: fixed {better:?} is not above before {worse:?} by {margin}");
}

#[test]
fn story_1_pinned_connections_cascade_oom_kills_to_every_pod_and_balancing_stops_it() {
    let before = runs("scenarios/oom_cascade.ron", 3);
    let fixed = runs("scenarios/oom_cascade_fixed.ron", 3);
    for m in &before {
        // Every one of the six profile-svc pods is OOM-killed at least once: a cascade.
        let mut killed: Vec<u32> = m.timeline.iter().filter(|c| !c.up).map(|c| c.instance).collect();
        killed.sort_unstable();
        killed.dedup();
        assert_eq!(killed.len(), 6, "seed {}: pods killed {killed:?}", m.seed);
        assert!(m.services[1].oom_kills >= 6, "seed {}", m.seed);
        // The autoscaler never added an instance.
        assert!(m.scaling.iter().all(|c| c.serving <= 6), "seed {}: {:?}", m.seed, m.scaling);
    }
    for m in &fixed {
        assert_eq!(m.services[1].oom_kills, 0, "seed {}", m.seed);
        assert!(m.timeline.is_empty(), "seed {}", m.seed);
    }
    let a = |ms: &[RunMetrics]| ci(ms.iter().map(|m| m.endpoints[0].availability()));
    let (b, f) = (a(&before), a(&fixed));
    assert!(b.high < 0.5, "the cascade takes get-profile down: {b:?}");
    above(&f, &b, 0.4, "availability of get-profile");
}

#[test]
fn story_5_a_zone_lost_takes_down_one_zone_but_not_three() {
    let before = records("scenarios/zone_loss_one_zone.ron", 4);
    let fixed = records("scenarios/zone_loss_three_zones.ron", 4);
    let a = |rs: &[SeedRecord], e: usize| ci(rs.iter().map(|r| r.endpoints[e].availability()));
    above(&a(&fixed, 0), &a(&before, 0), 0.4, "browse");
    above(&a(&fixed, 1), &a(&before, 1), 0.3, "place");
    assert!(a(&fixed, 0).low > 0.99, "reads ride through on the replicas: {:?}", a(&fixed, 0));
    for r in &before {
        let x = r.infra.as_ref().expect("datastore figures");
        // The replica burned with the primary: writes return only with the zone, after 3m.
        assert_eq!((x.primary_losses, x.rto_max_ns, x.writes_lost), (1, 180 * SECOND, 0), "seed {}", r.seed);
    }
    for r in &fixed {
        let x = r.infra.as_ref().expect("datastore figures");
        assert_eq!((x.primary_losses, x.rto_max_ns), (1, 30 * SECOND), "seed {}: RTO = 10 s + 20 s", r.seed);
    }
}

#[test]
fn story_6_sync_replication_loses_no_write_at_failover_and_async_loses_the_lag() {
    let before = records("scenarios/ledger_primary_loss_async.ron", 6);
    let fixed = records("scenarios/ledger_primary_loss_sync.ron", 6);
    let infra = |r: &SeedRecord| r.infra.clone().expect("datastore figures");
    let lost = ci(before.iter().map(|r| infra(r).writes_lost as f64));
    // 200 writes/s × 200 ms mean lag = 40 writes inside the lag when the primary dies.
    assert!(lost.low > 20.0 && lost.low <= 40.0 && 40.0 <= lost.high, "async writes lost {lost:?}");
    for r in &fixed {
        assert_eq!(infra(r).writes_lost, 0, "seed {}: sync loses nothing", r.seed);
        assert!(r.checks[0].passed == Some(true), "seed {}: NoDataLoss holds", r.seed);
    }
    assert!(before.iter().all(|r| r.checks[0].passed == Some(false)), "NoDataLoss fails with async");
    for r in before.iter().chain(&fixed) {
        assert_eq!(infra(r).rto_max_ns, 30 * SECOND, "seed {}: RTO = detection + promotion", r.seed);
    }
    // The price: every write waits for a cross-zone round trip.
    let p50 = |rs: &[SeedRecord]| ci(rs.iter().map(|r| r.endpoints[0].p50_ns as f64 / 1e6));
    above(&p50(&fixed), &p50(&before), 0.3, "p50 write latency (ms), sync above async");
}

#[test]
fn story_7_a_canary_limits_a_bad_deploy_to_the_share_of_instances_it_runs_on() {
    let before = records("scenarios/rollout_full.ron", 4);
    let fixed = records("scenarios/rollout_canary.ron", 4);
    let failed = |rs: &[SeedRecord]| ci(rs.iter().map(|r| 1.0 - r.endpoints[0].availability()));
    let (b, f) = (failed(&before), failed(&fixed));
    // 30% errors for 3 of the 4.5 measured minutes: 20% failed on every instance, 1% on one
    // of twenty.
    assert!(b.low < 0.2 && 0.2 < b.high + 0.005, "full rollout failed {b:?}");
    assert!(f.low < 0.01 && 0.01 < f.high + 0.002, "canary failed {f:?}");
    above(
        &Estimate { value: -f.value, low: -f.high, high: -f.low, n: f.n },
        &Estimate { value: -b.value, low: -b.high, high: -b.low, n: b.n },
        0.15,
        "failed share",
    );
}
