//! Forked runs: a run of a scenario's prefix (its first fault windows), stopped at the
//! instant the next window opens and continued as the whole scenario, gives exactly the
//! bytes of the whole scenario run from t = 0 — for every example scenario and every place
//! its fault list can be cut.

use std::path::Path;
use std::sync::Arc;

use faultsim::engine::Simulation;
use faultsim::model::fork::{common_prefix, fork_point};
use faultsim::scenario::Scenario;

const SEED: u64 = 7;

fn bytes(run: Result<faultsim::metrics::run::RunMetrics, faultsim::model::Stopped>) -> Vec<u8> {
    match run {
        Ok(m) => serde_json::to_vec(&m).expect("metrics serialise"),
        Err(stopped) => {
            let (limit, m) = *stopped;
            let mut out = limit.to_string().into_bytes();
            out.extend(serde_json::to_vec(&m).expect("metrics serialise"));
            out
        }
    }
}

/// The run of `variant` forked from a run of `prefix` at their fork point.
fn forked(prefix: &Arc<Scenario>, variant: &Arc<Scenario>, seed: u64) -> Vec<u8> {
    let at = fork_point(prefix, variant).expect("the variant forks from the prefix");
    let mut sim = Simulation::new(Arc::clone(prefix), seed);
    sim.run_until(at).expect("the prefix runs to the fork point");
    let fork = sim.fork(|world, cal| world.adopt(cal, variant));
    bytes(fork.run())
}

#[test]
fn a_forked_run_gives_the_bytes_of_the_run_from_the_start() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("scenarios/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    files.sort();
    let mut forks = 0;
    for file in &files {
        let whole =
            Arc::new(faultsim::load::load_scenario(file).unwrap_or_else(|d| panic!("{}: {d:?}", file.display())));
        let from_start = bytes(Simulation::new(Arc::clone(&whole), SEED).run());
        for cut in 0..whole.faults.len() {
            let mut prefix = (*whole).clone();
            prefix.faults.truncate(cut);
            let prefix = Arc::new(prefix);
            if fork_point(&prefix, &whole).is_none() {
                continue; // a window at t = 0: it runs from the start
            }
            assert!(
                forked(&prefix, &whole, SEED) == from_start,
                "{} forked after its first {cut} fault windows differs from its run from t = 0 (seed {SEED})",
                file.display()
            );
            forks += 1;
        }
    }
    assert!(forks >= 40, "only {forks} forks were checked");
}

#[test]
fn a_fork_of_a_fork_gives_the_bytes_of_the_run_from_the_start() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/ecommerce_peak.ron");
    let whole = Arc::new(faultsim::load::load_scenario(&file).expect("loads"));
    let cut = |n: usize| {
        let mut s = (*whole).clone();
        s.faults.truncate(n);
        Arc::new(s)
    };
    let (none, one) = (cut(0), cut(1));
    let mut sim = Simulation::new(Arc::clone(&none), SEED);
    sim.run_until(fork_point(&none, &one).expect("forks")).expect("runs");
    let mut first = sim.fork(|world, cal| world.adopt(cal, &one));
    first.run_until(fork_point(&one, &whole).expect("forks")).expect("runs");
    let second = first.fork(|world, cal| world.adopt(cal, &whole));
    assert!(bytes(second.run()) == bytes(Simulation::new(whole, SEED).run()), "a fork of a fork differs");
}

#[test]
fn variants_that_change_the_system_do_not_fork() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/ecommerce_peak.ron");
    let base = faultsim::load::load_scenario(&file).expect("loads");
    let mut longer = base.clone();
    longer.duration = faultsim::units::Duration::from_nanos(base.duration.as_nanos() + 1);
    assert_eq!(fork_point(&base, &longer), None, "a longer timeline changes the run from t = 0");
    let mut fewer = base.clone();
    fewer.faults.remove(0);
    assert_eq!(fork_point(&base, &fewer), None, "a removed window is not an added one");
    let mut other_topology = base.clone();
    other_topology.topology = Arc::new((*base.topology).clone());
    assert_eq!(fork_point(&base, &other_topology), None, "a topology patch runs from the start");
    // The common prefix of a scenario and its variant without the last window is the latter.
    let mut shorter = base.clone();
    shorter.faults.pop();
    let prefix = common_prefix(&[&base, &shorter]).expect("a prefix");
    assert_eq!(prefix.faults, shorter.faults);
    assert_eq!(fork_point(&prefix, &base), Some(base.faults.last().expect("a window").start.as_nanos()));
    assert_eq!(fork_point(&prefix, &shorter), Some(u64::MAX));
}

/// Study variants: the fault-free timeline, one fault window of several kinds at several
/// instants, and one variant with a longer timeline that cannot fork.
fn study_variants(base: &Scenario) -> Vec<Arc<Scenario>> {
    use faultsim::study::Timeline;
    use faultsim::units::Duration;
    let s = |secs: u64| Duration::from_nanos(secs * 1_000_000_000);
    let timeline = Timeline::new(s(10), s(10), s(20), s(20));
    let faults: Vec<faultsim::scenario::Fault> = base.faults.iter().map(|f| f.fault.clone()).collect();
    let mut out = vec![timeline.scenario(base, "none", None)];
    for (i, fault) in faults.into_iter().enumerate() {
        let mut v = (*timeline.scenario(base, "f", Some(fault))).clone();
        v.faults[0].start = s(15 + 5 * i as u64);
        out.push(Arc::new(v));
    }
    let mut longer = (*out[0]).clone();
    longer.duration = s(61);
    out.push(Arc::new(longer));
    out
}

#[test]
fn a_study_grid_gives_the_same_results_forked_or_not() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/ecommerce_peak.ron");
    let base = faultsim::load::load_scenario(&file).expect("loads");
    let mut starved = base.clone();
    // The prefix hits the event limit before some fork points: those variants run alone.
    starved.limits.max_events = 110_000;
    for base in [base, starved] {
        let scenarios = study_variants(&base);
        let seeds = [1, 2, 3];
        let grid = |fork: bool| {
            faultsim::study::run_grid_with(&scenarios, &seeds, 2, fork, &|| {}, |i, k, m, limit| {
                (i, k, serde_json::to_string(m).expect("serialise"), limit)
            })
        };
        let forked = grid(true);
        assert_eq!(
            forked,
            grid(false),
            "forked and unforked study runs differ (max_events {})",
            base.limits.max_events
        );
        let stopped = forked.iter().flatten().filter(|r| r.3.is_some()).count();
        assert_eq!(stopped > 0, base.limits.max_events == 110_000, "{stopped} runs hit a limit");
    }
}

#[test]
fn schedules_forked_from_checkpoints_give_the_runs_from_the_start() {
    // What `explore` does for `check`: each seed's fault-free run keeps copies on the way,
    // and each schedule continues from the latest copy before its first window.
    use faultsim::explore::checkpoints::Checkpoints;
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/ecommerce_peak.ron");
    let base = faultsim::load::load_scenario(&file).expect("loads");
    let mut starved = base.clone();
    // The baseline hits the event limit part-way: later schedules run from the start.
    starved.limits.max_events = 110_000;
    for base in [base, starved] {
        let scenarios = study_variants(&base);
        let baseline = &scenarios[0];
        for seed in [1, 2] {
            let (checkpoints, run) = Checkpoints::run(baseline, seed, true);
            assert!(bytes(run) == bytes(Simulation::new(Arc::clone(baseline), seed).run()), "baseline, seed {seed}");
            let mut forked = 0;
            for s in &scenarios {
                let alone = bytes(Simulation::new(Arc::clone(s), seed).run());
                let via = match checkpoints.fork(baseline, s) {
                    Some(run) => {
                        forked += 1;
                        bytes(run)
                    }
                    None => alone.clone(),
                };
                assert!(via == alone, "`{}` on seed {seed} differs from its run from the start", s.name);
            }
            // Every schedule but the longer timeline forks; a starved baseline keeps no
            // copies past its limit, so its later schedules run from the start.
            let most = scenarios.len() - 1;
            if base.limits.max_events == 110_000 {
                assert!(forked < most, "{forked} of {most} forked past the limit");
            } else {
                assert_eq!(forked, most);
            }
        }
    }
}
