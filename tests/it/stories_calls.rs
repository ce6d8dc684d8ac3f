//! The call-level field stories (2, 3, 4 and 8) as before/after pairs of the
//! example files: each pair runs through the Monte Carlo API on the same few seeds, and the
//! fixed variant must beat the original by more than both 95% intervals (the intervals do
//! not overlap), on the figure the story is about.

use std::path::Path;
use std::sync::Arc;

use faultsim::montecarlo::partial::Partial;
use faultsim::montecarlo::run_seeds;
use faultsim::scenario::Scenario;
use faultsim::stats::{mean_interval, Estimate};
use faultsim::units::Duration;

const SEEDS: [u64; 4] = [1, 2, 3, 4];

fn load(name: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(name);
    match faultsim::load::load_scenario(&path) {
        Ok(s) => s,
        Err(e) => panic!("{name}: {e:?}"),
    }
}

fn run(s: Scenario) -> Partial {
    let p = run_seeds(&Arc::new(s), &SEEDS, 2, &|| {});
    assert!(p.records.iter().all(|r| r.limit.is_none()), "no seed stops at a limit");
    p
}

/// Per-seed availability of endpoint `e`, as a 95% interval over the seeds.
fn availability(p: &Partial, e: usize) -> Estimate {
    let xs: Vec<f64> = p.records.iter().map(|r| r.endpoints[e].availability()).collect();
    mean_interval(&xs, 0.95)
}

/// The fixed variant is better by more than both intervals.
fn better(what: &str, before: &Estimate, after: &Estimate) {
    assert!(
        after.low > before.high,
        "{what}: fixed {:.4} [{:.4}, {:.4}] vs before {:.4} [{:.4}, {:.4}]",
        after.value,
        after.low,
        after.high,
        before.value,
        before.low,
        before.high
    );
}

#[test]
fn story_2_a_bulkhead_confines_a_shared_pool_exhaustion() {
    let before = run(load("shared_pool.ron"));
    let after = run(load("shared_pool_fixed.ron"));
    let (b, a) = (availability(&before, 0), availability(&after, 0));
    better("checkout", &b, &a);
    assert!(b.value < 0.8, "checkout suffers from recommendations' crawler: {}", b.value);
    assert!(a.value > 0.999, "and not at all behind a bulkhead: {}", a.value);
    let full: u64 = after.records.iter().map(|r| r.endpoints[1].failed.bulkhead_full).sum();
    assert!(full > 0, "recommendations pays for its own spike");
}

#[test]
fn story_3_timeouts_and_a_breaker_degrade_and_a_fallback_hides_a_slow_dependency() {
    let none = run(load("slow_dependency.ron"));
    let breaker = run(load("slow_dependency_breaker.ron"));
    let fallback = run(load("slow_dependency_fallback.ron"));
    // home never calls the slow dependency: without timeouts it fails with product.
    let home = |p: &Partial| availability(p, 0);
    let product = |p: &Partial| availability(p, 1);
    better("home with timeouts and a breaker", &home(&none), &home(&breaker));
    assert!(home(&none).value < 0.8 && home(&breaker).value > 0.999);
    let opened: u64 = breaker.records.iter().map(|r| r.endpoints[1].failed.breaker_open).sum();
    assert!(opened > 1_000, "product fails fast once the breaker is open");
    better("product with a fallback", &product(&breaker), &product(&fallback));
    assert!(product(&fallback).value > 0.95, "users barely notice: {}", product(&fallback).value);
    let degraded: u64 = fallback.records.iter().map(|r| r.endpoints[1].degraded).sum();
    assert!(degraded > 1_000, "served from the cache, degraded");
}

#[test]
fn story_4_jittered_backoff_and_a_budget_end_a_retry_storm() {
    // The examples run 4 minutes; 2m30s keeps the one-minute recovery check and halves the
    // stuck system's events.
    let short = |name: &str| {
        let s = load(name);
        Scenario { duration: Duration::from_secs(150), ..s }
    };
    let before = run(short("retry_storm_spike.ron"));
    let after = run(short("retry_storm_fixed_spike.ron"));
    better("api", &availability(&before, 0), &availability(&after, 0));
    // The scenario's own RecoversWithin hypothesis (index 0), judged per seed.
    let recovered = |p: &Partial| p.records.iter().filter(|r| r.checks[0].passed == Some(true)).count();
    assert_eq!(recovered(&before), 0, "without backoff the storm outlives the spike in every seed");
    assert_eq!(recovered(&after), SEEDS.len(), "with jittered backoff and budgets every seed recovers");
}

#[test]
fn story_8_rate_limits_and_shedding_keep_serving_through_a_spike() {
    let before = run(load("traffic_spike.ron"));
    let after = run(load("traffic_spike_fixed.ron"));
    let (b, a) = (availability(&before, 0), availability(&after, 0));
    better("api", &b, &a);
    let p99 = |p: &Partial| p.latency[0].percentile_ns(99.0);
    assert!(p99(&after) < 300_000_000, "what is served is served fast: p99 {} ns", p99(&after));
    let wasted = |p: &Partial| p.records.iter().map(|r| r.services[0].wasted_ns).sum::<u64>();
    assert!(wasted(&after) * 100 < wasted(&before), "without admission control the workers answer nobody");
}
