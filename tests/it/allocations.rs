//! The hot loop does not allocate: after a warm-up, stepping the engine through thousands of
//! events allocates nothing (or, for a model whose peak backlog can still grow, only the rare
//! doubling of a buffer). Counted by `allocation-counter`'s allocator (the integration
//! binary's global allocator), per thread, so tests running beside this one do not disturb
//! the count.

use std::path::Path;
use std::sync::Arc;

use faultsim::engine::Simulation;
use faultsim::synth::mm1_files;

/// Steps `warm` events, then `measured` more, and returns the allocations made while
/// stepping the measured ones.
#[expect(clippy::print_stderr, reason = "the count is what a reader of the test output wants")]
fn allocations_while_stepping(scenario: Arc<faultsim::scenario::Scenario>, warm: u64, measured: u64) -> u64 {
    // The counter is live (a zero below must not be the counter's absence).
    let probe = allocation_counter::measure(|| drop(std::hint::black_box(vec![1u8; 64])));
    assert_eq!(probe.count_total, 1, "allocation-counter is the global allocator");
    let mut sim = Simulation::new(scenario, 1);
    for _ in 0..warm {
        assert!(matches!(sim.step(), Ok(Some(_))), "the run is long enough to warm up");
    }
    let mut stepped = 0;
    let info = allocation_counter::measure(|| {
        while stepped < measured && matches!(sim.step(), Ok(Some(_))) {
            stepped += 1;
        }
    });
    assert_eq!(stepped, measured, "the run is long enough to measure");
    eprintln!("{} allocations in {measured} events after {warm}", info.count_total);
    info.count_total
}

#[test]
fn a_warmed_up_mm1_run_allocates_nothing_per_event() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (topology, scenario) = mm1_files(50.0, 100.0, 2_000);
    std::fs::write(dir.path().join("m.ron"), topology).expect("write");
    let mm1 = Arc::new(faultsim::load::parse_scenario("mm1", scenario.into(), dir.path()).expect("valid"));
    // 100,000 customers' worth of events after 100,000 of warm-up. The queue can reach a new
    // peak length after the warm-up, which doubles a buffer once; never once per event.
    let n = allocations_while_stepping(mm1, 200_000, 200_000);
    assert!(n <= 4, "{n} allocations in 200,000 events");
}

#[test]
fn a_warmed_up_shop_with_patterns_and_faults_allocates_almost_nothing() {
    // Breakers, bulkheads, retry budgets, queues, replicas, faults: the general path.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shop = Arc::new(faultsim::load::load_scenario(&root.join("scenarios/ecommerce_peak.ron")).expect("loads"));
    let n = allocations_while_stepping(shop, 1_000_000, 500_000);
    assert!(n <= 50, "{n} allocations in 500,000 events");
}
