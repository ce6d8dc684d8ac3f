//! Monte Carlo parallel efficiency: the same seeds on one thread and on two, the speed-up,
//! the efficiency (speed-up / threads), and a check that both printed the same results.
//!
//! Not a criterion bench: each measurement is one long run, timed once, as a user runs it.

// A benchmark reports to its reader; printing is its job.
#![allow(clippy::print_stderr)]

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use faultsim::montecarlo::run_seeds;
use faultsim::montecarlo::summary::{Meta, Results};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scenario =
        Arc::new(faultsim::load::load_scenario(&root.join("scenarios/zone_outage.ron")).expect("example loads"));
    let seeds: Vec<u64> = (1..=100).collect();
    let mut outputs = Vec::new();
    let mut times = Vec::new();
    for threads in [1, 2] {
        let start = Instant::now();
        let data = run_seeds(&scenario, &seeds, threads, &|| {});
        times.push(start.elapsed().as_secs_f64());
        let results = Results::build(Meta::of(&scenario, 1, seeds.len() as u64, None), data);
        outputs.push(serde_json::to_string(&results).expect("json"));
    }
    let speedup = times[0] / times[1];
    eprintln!(
        "montecarlo: 100 seeds of zone_outage: 1 thread {:.2} s, 2 threads {:.2} s, speed-up {speedup:.2}×, efficiency {:.0}%, identical output: {}",
        times[0],
        times[1],
        speedup / 2.0 * 100.0,
        outputs[0] == outputs[1]
    );
}
