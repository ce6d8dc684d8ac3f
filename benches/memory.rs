//! Peak memory of a long run: 10 million requests through an M/M/1 queue (λ = 50,000/s,
//! μ = 100,000/s for 200 s), reporting the process's peak resident set (Linux `VmHWM`).
//!
//! Not a criterion bench: the peak is a property of one run.

// A benchmark reports to its reader; printing is its job.
#![allow(clippy::print_stderr)]

use std::sync::Arc;
use std::time::Instant;

use faultsim::engine::Simulation;

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (topology, scenario) = faultsim::synth::mm1_files(50_000.0, 100_000.0, 200);
    std::fs::write(dir.path().join("m.ron"), topology).expect("write");
    let s = Arc::new(faultsim::load::parse_scenario("mm1", scenario.into(), dir.path()).expect("valid"));
    let before = peak_rss_kib();
    let start = Instant::now();
    let m = Simulation::new(s, 1).run().map_err(|_| "limit").expect("runs");
    eprintln!(
        "memory: {} requests, {} events in {:.1} s, fingerprint {}; peak RSS {} MiB (before the run: {} MiB)",
        m.endpoints[0].requests,
        m.events,
        start.elapsed().as_secs_f64(),
        m.fingerprint,
        peak_rss_kib().map_or("n/a".to_owned(), |k| format!("{:.1}", k as f64 / 1024.0)),
        before.map_or("n/a".to_owned(), |k| format!("{:.1}", k as f64 / 1024.0)),
    );
}
