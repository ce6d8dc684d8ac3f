//! Peak memory of long runs: does memory stay bounded by what is in flight, whatever the
//! simulated length? Each case runs one seed for 1 simulated day and then for 30, and reports
//! the process's peak resident set (Linux `VmHWM`) after each: the 30-day peak must not exceed
//! the 1-day peak by more than the (capped) time series allow.
//!
//! - `cargo bench --bench memory` — an M/M/1 queue (λ = 20/s, μ = 40/s), 52 M requests over 30 days.
//! - `cargo bench --bench memory -- ecommerce DAYS…` — `scenarios/ecommerce_peak.ron` at its
//!   default settings, stretched to each of `DAYS` (about 100 s of wall time per simulated day;
//!   the event limit is lifted so a long run is not cut short).
//!
//! Not a criterion bench: the peak is a property of one process.

// A benchmark reports to its reader; printing is its job.
#![allow(clippy::print_stderr)]

use std::sync::Arc;
use std::time::Instant;

use faultsim::engine::Simulation;
use faultsim::scenario::Scenario;
use faultsim::units::Duration;

const DAY_S: u64 = 86_400;

fn peak_rss_mib() -> String {
    let kib: Option<u64> = std::fs::read_to_string("/proc/self/status").ok().and_then(|status| {
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    });
    kib.map_or("n/a".to_owned(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
}

/// `base` stretched to `days` of load (faults and profiles keep their times).
fn stretched(base: &Scenario, days: u64) -> Scenario {
    let mut s = base.clone();
    let drain = base.limits.max_time.as_nanos().saturating_sub(base.duration.as_nanos());
    s.duration = Duration::from_secs(days * DAY_S);
    s.limits.max_time = Duration::from_nanos(s.duration.as_nanos() + drain);
    s.limits.max_events = u64::MAX;
    s
}

fn run(label: &str, s: Scenario) {
    let start = Instant::now();
    let bucket = s.series_bucket();
    let m = match Simulation::new(Arc::new(s), 1).run() {
        Ok(m) => m,
        Err(stopped) => {
            let (limit, m) = *stopped;
            eprintln!("memory: {label}: stopped early: {limit}");
            m
        }
    };
    eprintln!(
        "memory: {label}: {} requests, {} events in {:.1} s, {bucket} buckets, fingerprint {}; peak RSS so far {}",
        m.endpoints.iter().map(|e| e.requests).sum::<u64>(),
        m.events,
        start.elapsed().as_secs_f64(),
        m.fingerprint,
        peak_rss_mib(),
    );
}

fn main() {
    // Cargo passes `--bench` to a harness-less bench; everything else is ours.
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    eprintln!("memory: before any run, peak RSS {}", peak_rss_mib());
    if args.first().map(String::as_str) == Some("ecommerce") {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/ecommerce_peak.ron");
        let base = faultsim::load::load_scenario(&path).map_err(|_| "invalid scenario").expect("loads");
        for days in args[1..].iter().map(|d| d.parse::<u64>().expect("DAYS are whole numbers")) {
            run(&format!("ecommerce_peak, {days} d"), stretched(&base, days));
        }
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (topology, scenario) = faultsim::synth::mm1_files(20.0, 40.0, 1);
    std::fs::write(dir.path().join("m.ron"), topology).expect("write");
    let base = faultsim::load::parse_scenario("mm1", scenario.into(), dir.path()).expect("valid");
    for days in [1, 30] {
        run(&format!("M/M/1, {days} d"), stretched(&base, days));
    }
}
