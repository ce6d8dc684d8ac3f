//! Engine speed, side by side with a hand-written event loop.
//!
//! - M/M/1 (λ = 50/s, μ = 100/s, 100,000 customers) through the full engine from RON files,
//!   and the same queue as a hand-written loop (`synth::handwritten_mm1`); the ratio of their
//!   customer throughputs is printed.
//! - The e-commerce example at peak (17 services, timeouts, retries, faults), in events/s.
//!
//! Each case prints what it computed (events, fingerprint or checksum) next to its timing, so
//! a bench that silently did nothing would show it.

// A benchmark reports to its reader; printing is its job.
#![allow(clippy::print_stderr)]

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use faultsim::engine::Simulation;
use faultsim::synth::{handwritten_mm1, mm1_files};

const CUSTOMERS: u64 = 100_000;

fn mm1(dir: &Path) -> Arc<faultsim::scenario::Scenario> {
    // 2,000 s at 50/s is 100,000 customers on average.
    let (topology, scenario) = mm1_files(50.0, 100.0, CUSTOMERS / 50);
    std::fs::write(dir.join("m.ron"), topology).expect("write");
    Arc::new(faultsim::load::parse_scenario("mm1", scenario.into(), dir).expect("valid M/M/1"))
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mm1 = mm1(dir.path());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shop =
        Arc::new(faultsim::load::load_scenario(&root.join("scenarios/ecommerce_peak.ron")).expect("example loads"));

    // One timed pass of each, to print what was computed and the ratio.
    let start = Instant::now();
    let m = Simulation::new(Arc::clone(&mm1), 1).run().map_err(|_| "limit").expect("runs");
    let engine_s = start.elapsed().as_secs_f64();
    let served = m.endpoints[0].ok;
    let start = Instant::now();
    let (events, checksum) = handwritten_mm1(1, 50.0, 100.0, CUSTOMERS);
    let hand_s = start.elapsed().as_secs_f64();
    eprintln!(
        "M/M/1 engine: {} events, {served} customers, fingerprint {}, {:.2} M customers/s ({:.0} ns/event)",
        m.events,
        m.fingerprint,
        served as f64 / engine_s / 1e6,
        engine_s * 1e9 / m.events as f64
    );
    eprintln!(
        "M/M/1 hand-written loop: {events} events, checksum {checksum:x}, {:.2} M customers/s ({:.0} ns/event)",
        CUSTOMERS as f64 / hand_s / 1e6,
        hand_s * 1e9 / events as f64
    );
    eprintln!(
        "M/M/1 engine / hand-written (customers per second): {:.2}×",
        (served as f64 / engine_s) / (CUSTOMERS as f64 / hand_s)
    );
    let start = Instant::now();
    let s = Simulation::new(Arc::clone(&shop), 1).run().map_err(|_| "limit").expect("runs");
    eprintln!(
        "ecommerce_peak: {} events, fingerprint {}, {:.1} M events/s",
        s.events,
        s.fingerprint,
        s.events as f64 / start.elapsed().as_secs_f64() / 1e6
    );

    let mut g = c.benchmark_group("engine");
    g.sample_size(10);
    g.bench_function("mm1_100k_customers", |b| {
        b.iter(|| Simulation::new(Arc::clone(&mm1), 1).run().map(|m| m.events).ok())
    });
    g.bench_function("mm1_100k_customers_handwritten", |b| b.iter(|| handwritten_mm1(1, 50.0, 100.0, CUSTOMERS)));
    g.bench_function("ecommerce_peak_10min", |b| {
        b.iter(|| Simulation::new(Arc::clone(&shop), 1).run().map(|m| m.events).ok())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
