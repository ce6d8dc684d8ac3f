//! Engine speed: events per second through the full request model.
//!
//! Two cases: M/M/1 written as a RON topology (the simplest load the engine can carry), and
//! the e-commerce example at peak (17 services, timeouts, retries, faults). Each prints what
//! it computed — events processed and the run's fingerprint — next to the timing, so a bench
//! that silently did nothing would show it.

// A benchmark reports to its reader; printing is its job.
#![allow(clippy::print_stderr)]

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use faultsim::engine::Simulation;

const MM1_MODEL: &str = r#"Topology(name: "mm1", regions: [Region(name: "r", zones: [Zone(name: "a")])],
    network: (same_zone: Fixed("0")),
    services: [Service(name: "server", zones: ["a"], workers: 1, backlog: 1000000, service_time: Exp(mean: "10ms"))],
    endpoints: [Endpoint(name: "e", service: "server")])"#;
const MM1_SCENARIO: &str = r#"Scenario(name: "mm1", topology: "m.ron", duration: "2000s",
    workloads: [Workload(endpoint: "e", arrivals: Poisson(rate: 50.0))])"#;

fn scenario(dir: &Path) -> Arc<faultsim::scenario::Scenario> {
    std::fs::write(dir.join("m.ron"), MM1_MODEL).expect("write");
    Arc::new(faultsim::load::parse_scenario("mm1", MM1_SCENARIO.into(), dir).expect("valid M/M/1"))
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mm1 = scenario(dir.path());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shop =
        Arc::new(faultsim::load::load_scenario(&root.join("scenarios/ecommerce_peak.ron")).expect("example loads"));
    for (name, s) in [("mm1_100k_customers", &mm1), ("ecommerce_peak_10min", &shop)] {
        let start = Instant::now();
        let m = Simulation::new(Arc::clone(s), 1).run().map_err(|_| "limit").expect("runs");
        let secs = start.elapsed().as_secs_f64();
        eprintln!(
            "{name}: {} events, fingerprint {}, {:.1} M events/s in one run",
            m.events,
            m.fingerprint,
            m.events as f64 / secs / 1e6
        );
    }
    let mut g = c.benchmark_group("engine");
    g.sample_size(10);
    g.bench_function("mm1_100k_customers", |b| {
        b.iter(|| Simulation::new(Arc::clone(&mm1), 1).run().map(|m| m.events).ok())
    });
    g.bench_function("ecommerce_peak_10min", |b| {
        b.iter(|| Simulation::new(Arc::clone(&shop), 1).run().map(|m| m.events).ok())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
