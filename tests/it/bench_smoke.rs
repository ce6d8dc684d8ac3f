//! The benchmarks in miniature, so they can neither rot nor cheat: each workload of
//! `benches/` runs here at a tiny size and prints a hash of what it computed (`--nocapture`).

use std::path::Path;
use std::sync::Arc;

use faultsim::engine::Simulation;
use faultsim::montecarlo::run_seeds;
use faultsim::synth::{handwritten_mm1, layered_topology, mm1_files};

#[test]
#[expect(clippy::print_stderr, reason = "the hashes are what a smoke run shows")]
fn every_bench_workload_runs_small() {
    // benches/validate.rs: a generated topology through the loader.
    let t = faultsim::load::parse_topology("synthetic", layered_topology(200, 20).into()).expect("valid");
    eprintln!("smoke validate: {} services, {} calls", t.services().len(), t.calls().len());
    assert_eq!(t.services().len(), 200);

    // benches/engine.rs and benches/memory.rs: M/M/1 through the engine, and by hand.
    let dir = tempfile::tempdir().expect("tempdir");
    let (topology, scenario) = mm1_files(50.0, 100.0, 40);
    std::fs::write(dir.path().join("m.ron"), topology).expect("write");
    let mm1 = Arc::new(faultsim::load::parse_scenario("mm1", scenario.into(), dir.path()).expect("valid"));
    let m = Simulation::new(Arc::clone(&mm1), 1).run().map_err(|_| "limit").expect("runs");
    let (events, checksum) = handwritten_mm1(1, 50.0, 100.0, 2_000);
    eprintln!(
        "smoke engine: {} events, fingerprint {}; hand-written: {events} events, checksum {checksum:x}",
        m.events, m.fingerprint
    );
    assert!(m.endpoints[0].ok > 1_500 && events == 4_000);

    // benches/montecarlo.rs: the same seeds on one and two threads give the same results.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let s = Arc::new(faultsim::load::load_scenario(&root.join("scenarios/minimal.ron")).expect("loads"));
    let one = run_seeds(&s, &[1, 2, 3, 4], 1, &|| {});
    let two = run_seeds(&s, &[1, 2, 3, 4], 2, &|| {});
    let prints: Vec<&str> = one.records.iter().map(|r| r.fingerprint.as_str()).collect();
    eprintln!("smoke montecarlo: fingerprints {prints:?}");
    assert_eq!(one, two);

    // benches/availability.rs: seed-years of the 100-component topology, on one and two threads.
    let t =
        faultsim::load::parse_topology("synthetic", faultsim::synth::availability_topology(100).into()).expect("valid");
    let plan = Arc::new(faultsim::availability::Plan::new(Arc::new(t), &[]));
    let years = |threads| {
        let seeds = [1, 2, 3, 4];
        let method = faultsim::availability::Method::Years;
        faultsim::availability::run_seeds(
            &plan,
            method,
            &seeds,
            5 * faultsim::availability::YEAR_NS,
            0,
            threads,
            &|| {},
        )
    };
    let (one, two) = (years(1), years(2));
    let events: u64 = one.records.iter().map(|r| r.events).sum();
    let prints: Vec<&str> = one.records.iter().map(|r| r.fingerprint.as_str()).collect();
    eprintln!("smoke availability: 20 seed-years, {events} events, fingerprints {prints:?}");
    assert!(events > 20 * 2_000, "a year of 285 processes is thousands of events");
    assert_eq!(one, two);
}
