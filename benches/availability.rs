//! Availability years per second: 10,000 simulated years of a 100-component topology
//! (`synth::availability_topology(100)`: 70 services with 210 instances, 20 datastores with
//! 60 nodes and failover, 10 externals, three failing zones, a failing region and a failing
//! link) as 100 seeds × 100 years on two threads. Target: at most 5 s.
//!
//! Prints what it computed (events, a hash of the per-seed fingerprints, the first
//! endpoint's availability) beside the time, so a bench that did nothing would show it.

// A benchmark reports to its reader; printing is its job.
#![allow(clippy::print_stderr)]

use std::sync::Arc;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use faultsim::availability::{self, Method, Plan, YEAR_NS};

const SEEDS: u64 = 100;
const YEARS: u64 = 100;

fn plan() -> Arc<Plan> {
    let text = faultsim::synth::availability_topology(100);
    let t = faultsim::load::parse_topology("synthetic", text.into()).expect("valid");
    Arc::new(Plan::new(Arc::new(t), &[]))
}

fn run(plan: &Arc<Plan>, threads: usize) -> availability::Partial {
    let seeds: Vec<u64> = (1..=SEEDS).collect();
    availability::run_seeds(plan, Method::Years, &seeds, YEARS * YEAR_NS, 0, threads, &|| {})
}

fn bench(c: &mut Criterion) {
    let plan = plan();
    for threads in [1, 2] {
        let start = Instant::now();
        let data = run(&plan, threads);
        let secs = start.elapsed().as_secs_f64();
        let events: u64 = data.records.iter().map(|r| r.events).sum();
        let hash = data
            .records
            .iter()
            .fold(0u64, |h, r| h.rotate_left(5) ^ u64::from_str_radix(&r.fingerprint, 16).unwrap_or(0));
        let down: f64 =
            data.records.iter().filter_map(|r| r.years.as_ref()).map(|y| y.endpoints[0].down_ns as f64).sum();
        let a = 1.0 - down / (SEEDS * YEARS) as f64 / YEAR_NS as f64;
        eprintln!(
            "availability: {} seed-years of {} processes on {threads} thread(s): {secs:.2} s, {:.0} years/s, \
             {events} events ({:.1} M events/s), fingerprints {hash:016x}, e0 availability {a:.6}",
            SEEDS * YEARS,
            plan.processes.len(),
            (SEEDS * YEARS) as f64 / secs,
            events as f64 / secs / 1e6
        );
    }
    let mut g = c.benchmark_group("availability");
    g.sample_size(10);
    g.bench_function("10k_years_100_components_2_threads", |b| b.iter(|| run(&plan, 2).records.len()));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
