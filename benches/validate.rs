//! Validation speed: parse and validate a generated 10,000-service topology (target < 1 s).
//!
//! Besides the timing, it prints what was computed (service and call counts), so a bench
//! that silently validated nothing would show it.

// A benchmark reports to its reader; printing is its job.
#![allow(clippy::print_stderr)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use faultsim::load::parse_topology;
use faultsim::synth::layered_topology;

fn validate_10k(c: &mut Criterion) {
    let text: std::sync::Arc<str> = layered_topology(10_000, 100).into();
    let summary = match parse_topology("synthetic-10k", text.clone()) {
        Ok(t) => {
            format!("{} services, {} instances, {} calls", t.services().len(), t.instances().len(), t.calls().len())
        }
        Err(ds) => format!("invalid: {}", ds.len()),
    };
    eprintln!("validate 10k: {} bytes of RON → {summary}", text.len());
    let mut g = c.benchmark_group("validate");
    g.sample_size(10);
    g.bench_function("10k_services", |b| {
        b.iter(|| parse_topology("synthetic-10k", black_box(text.clone())).map(|t| t.calls().len()))
    });
    g.finish();
}

criterion_group!(benches, validate_10k);
criterion_main!(benches);
