//! The fault-space search behind `faultsim check`: a systematic sweep of fault timing, then
//! random (swarm) schedules, until a schedule breaks a hypothesis; that schedule is then
//! shrunk with proptest's value trees to a minimal one and confirmed on other seeds.
//!
//! A schedule *breaks* a hypothesis on a seed when the hypothesis fails on that run but
//! holds on the same seed without any fault: a violation the faults did not cause is the
//! hypotheses' verdict's business, not the search's. The search replaces the scenario's own
//! `faults` (workloads, processes and everything else stay), runs one case at a time, and
//! draws everything from the stream (first seed, "explore", [`Purpose::Explore`]), so its
//! result does not depend on threads or on anything but the scenario.

use std::collections::BTreeMap;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use rand::{Rng as _, RngExt as _};
use serde::Serialize;

use super::experiment::{Experiment, ExperimentError, Outcome};
use super::space::{FaultSpace, Genes};
use super::tree::{Schedule, ScheduleTree};
use crate::rng::{self, Purpose};
use crate::spec;

/// Most runs spent shrinking one counterexample.
pub const MAX_SHRINK_RUNS: u64 = 400;
/// Seeds a shrunk schedule is confirmed on.
pub const CONFIRM_SEEDS: u64 = 10;
/// Most starts per fault in the timing sweep.
const MAX_TIMINGS: u64 = 8;

/// How a schedule was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// The timing sweep: one fault at evenly spaced starts.
    Systematic,
    /// A random schedule drawn from a random subset of kinds and targets.
    Swarm,
}

/// A hypothesis broken on a run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Broken {
    /// The hypothesis's name.
    pub hypothesis: String,
    /// The value it was judged on (its unit depends on the check), if any.
    pub value: Option<f64>,
}

/// A minimal failing schedule with its evidence.
#[derive(Clone, Debug, Serialize)]
pub struct Counterexample {
    /// The seed it fails on.
    pub seed: u64,
    /// How the first failing schedule was found.
    pub phase: Phase,
    /// The case number (from 1) that found it.
    pub case: u64,
    /// The schedule as found.
    #[serde(serialize_with = "faults_ron")]
    pub found: Schedule,
    /// The shrunk schedule.
    #[serde(serialize_with = "faults_ron")]
    pub shrunk: Schedule,
    /// What the shrunk schedule breaks on `seed`.
    pub broken: Vec<Broken>,
    /// Runs spent shrinking.
    pub shrink_runs: u64,
    /// Seeds the shrunk schedule was tried on, and on how many of them it broke a hypothesis.
    pub confirmed: (u64, u64),
}

fn faults_ron<S: serde::Serializer>(s: &Schedule, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(&s.to_ron())
}

/// What a search did and found.
#[derive(Clone, Debug, Serialize)]
pub struct Exploration {
    /// Kind × target pairs in the space.
    pub options: usize,
    /// Schedules tried in the timing sweep.
    pub systematic: u64,
    /// Random schedules tried.
    pub swarm: u64,
    /// Simulated runs in all (baselines and shrinking included).
    pub runs: u64,
    /// Seeds on which a hypothesis fails even without faults (not counted against faults).
    pub fails_without_faults: Vec<u64>,
    /// The first schedule that broke a hypothesis, shrunk; `None` when none did.
    pub counterexample: Option<Counterexample>,
}

/// Runs a search: `cases` schedules (half timing sweep, half swarm) on seeds
/// `first ..= first + seed_count − 1`. `progress` is called after each case.
pub fn explore(
    experiment: &Experiment,
    space: &FaultSpace,
    first: u64,
    seed_count: u64,
    cases: u64,
    progress: &dyn Fn(),
) -> Result<Exploration, ExperimentError> {
    let strategy = space.schedules();
    let compiled = strategy.space().clone();
    let mut judge = Judge { experiment, memo: BTreeMap::new(), baselines: BTreeMap::new(), runs: 0 };
    let mut out = Exploration {
        options: compiled.options.len(),
        systematic: 0,
        swarm: 0,
        runs: 0,
        fails_without_faults: Vec::new(),
        counterexample: None,
    };
    let seed_count = seed_count.max(1);
    let seed_of = |i: u64| first.saturating_add(i % seed_count);
    if compiled.options.is_empty() || cases == 0 {
        return Ok(out);
    }

    // The timing sweep: every kind × target pair alone, at its longest and harshest, at
    // evenly spaced starts across the window.
    let max = compiled.gene_max();
    let sweep = cases / 2;
    let options = compiled.options.len() as u64;
    let timings = (sweep / options).clamp(1, MAX_TIMINGS);
    let mut found: Option<(Phase, u64, u64, ScheduleTree)> = None;
    'sweep: for t in 0..timings {
        for what in 0..options {
            if out.systematic >= sweep {
                break 'sweep;
            }
            let start = if timings == 1 { max.start / 2 } else { max.start * t / (timings - 1) };
            let genes = Genes { what, duration: max.duration, severity: max.severity, start };
            let tree = ScheduleTree::from_genes(compiled.clone(), vec![genes]);
            let seed = seed_of(out.systematic);
            out.systematic += 1;
            progress();
            if judge.breaks(&tree.current(), seed)?.is_some() {
                found = Some((Phase::Systematic, out.systematic, seed, tree));
                break 'sweep;
            }
        }
    }

    // Swarm: random schedules from proptest's runner, seeded from the scenario.
    if found.is_none() {
        let mut key = [0u8; 32];
        rng::stream(first, "explore", Purpose::Explore).fill_bytes(&mut key);
        let config = Config { failure_persistence: None, ..Config::default() };
        let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &key));
        for i in 0..cases - out.systematic {
            let tree = strategy.new_tree(&mut runner).map_err(|e| ExperimentError::Invalid(vec![e.to_string()]))?;
            let seed = seed_of(runner.rng().random_range(0..seed_count));
            out.swarm += 1;
            progress();
            if judge.breaks(&tree.current(), seed)?.is_some() {
                found = Some((Phase::Swarm, out.systematic + i + 1, seed, tree));
                break;
            }
        }
    }

    if let Some((phase, case, seed, mut tree)) = found {
        let first_found = tree.current();
        let (shrunk, broken, shrink_runs) = shrink(&mut judge, &mut tree, seed)?;
        let confirm_seeds: Vec<u64> = (0..seed_count.min(CONFIRM_SEEDS)).map(|i| first + i).collect();
        let mut confirmed = 0;
        for &s in &confirm_seeds {
            if judge.breaks(&shrunk, s)?.is_some() {
                confirmed += 1;
            }
        }
        out.counterexample = Some(Counterexample {
            seed,
            phase,
            case,
            found: first_found,
            shrunk,
            broken,
            shrink_runs,
            confirmed: (confirmed, confirm_seeds.len() as u64),
        });
    }
    out.runs = judge.runs;
    out.fails_without_faults = judge.baselines.iter().filter(|(_, b)| !b.is_empty()).map(|(s, _)| *s).collect();
    Ok(out)
}

/// Shrinks a failing schedule with proptest's simplify/complicate protocol, as proptest's
/// own runner does: simplify after a failure, complicate after a pass, keep the last failure.
fn shrink(
    judge: &mut Judge<'_>,
    tree: &mut ScheduleTree,
    seed: u64,
) -> Result<(Schedule, Vec<Broken>, u64), ExperimentError> {
    let mut best = tree.current();
    let mut broken = judge.breaks(&best, seed)?.unwrap_or_default();
    let before = judge.runs;
    if tree.simplify() {
        while judge.runs - before < MAX_SHRINK_RUNS {
            let candidate = tree.current();
            match judge.breaks(&candidate, seed)? {
                Some(b) => {
                    best = candidate;
                    broken = b;
                    if !tree.simplify() {
                        break;
                    }
                }
                None => {
                    if !tree.complicate() {
                        break;
                    }
                }
            }
        }
    }
    Ok((best, broken, judge.runs - before))
}

/// Runs schedules and says what they break, remembering every answer (shrinking revisits).
struct Judge<'a> {
    experiment: &'a Experiment,
    /// (seed, schedule as RON) → what it breaks.
    memo: BTreeMap<(u64, String), Option<Vec<Broken>>>,
    /// Seed → hypotheses failing without faults.
    baselines: BTreeMap<u64, Vec<String>>,
    runs: u64,
}

impl Judge<'_> {
    fn run(&mut self, faults: &[spec::FaultWindow], seed: u64) -> Result<Outcome, ExperimentError> {
        self.runs += 1;
        self.experiment.with_faults(faults).run(seed)
    }

    /// The hypotheses `schedule` breaks on `seed` (failing with it, holding without any
    /// fault), or `None` when it breaks none.
    fn breaks(&mut self, schedule: &Schedule, seed: u64) -> Result<Option<Vec<Broken>>, ExperimentError> {
        let key = (seed, schedule.to_ron());
        if let Some(known) = self.memo.get(&key) {
            return Ok(known.clone());
        }
        if !self.baselines.contains_key(&seed) {
            let base = self.run(&[], seed)?;
            let failing = base.violations().into_iter().map(|(n, _)| n.to_owned()).collect();
            self.baselines.insert(seed, failing);
        }
        let baseline = self.baselines.get(&seed).cloned().unwrap_or_default();
        let outcome = self.run(&schedule.faults, seed)?;
        let broken: Vec<Broken> = outcome
            .violations()
            .into_iter()
            .filter(|(n, _)| !baseline.iter().any(|b| b == n))
            .map(|(n, v)| Broken { hypothesis: n.to_owned(), value: v })
            .collect();
        let answer = (!broken.is_empty()).then_some(broken);
        self.memo.insert(key, answer.clone());
        Ok(answer)
    }
}
