//! The fault-space search behind `faultsim check`: a systematic sweep of fault timing, then
//! random (swarm) schedules, until a schedule breaks a hypothesis; that schedule is then
//! shrunk with proptest's value trees to a minimal one and confirmed on other seeds.
//!
//! A schedule *breaks* a hypothesis on a seed when the hypothesis fails on that run but
//! holds on the same seed without any fault: a violation the faults did not cause is the
//! hypotheses' verdict's business, not the search's. The search replaces the scenario's own
//! `faults` (workloads, processes and everything else stay) and draws everything from the
//! stream (first seed, "explore", [`Purpose::Explore`]).
//!
//! Cases are judged in batches of 1, 2, 4 and then [`BATCH`], the runs of a batch in
//! parallel; the first break in case order is the one reported. The batch sizes are fixed,
//! not the thread count, so which runs are made and what is found depend on nothing but the
//! scenario; growing them from 1 wastes few runs when the first cases already break. Shrinking
//! is sequential by nature (each step depends on the last answer).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use rand::{Rng as _, RngExt as _};
use serde::Serialize;

use super::checkpoints::Checkpoints;
use super::experiment::{Experiment, ExperimentError, Outcome};
use super::space::{FaultSpace, Genes};
use super::tree::{Schedule, ScheduleTree};
use crate::engine::Simulation;
use crate::montecarlo::parallel::map_ordered;
use crate::rng::{self, Purpose};
use crate::scenario::Scenario;

/// Most runs spent shrinking one counterexample.
pub const MAX_SHRINK_RUNS: u64 = 400;
/// Seeds a shrunk schedule is confirmed on.
pub const CONFIRM_SEEDS: u64 = 10;
/// Most starts per fault in the timing sweep.
const MAX_TIMINGS: u64 = 8;
/// Most cases judged at once (in parallel). Fixed, so results do not depend on the thread count.
pub const BATCH: usize = 8;

/// Most seeds whose fault-free run keeps checkpoints (see [`Checkpoints`]).
const SEEDS_WITH_CHECKPOINTS: usize = 4;

/// The size of a phase's `k`-th batch (from 0): 1, 2, 4, then [`BATCH`].
fn batch_size(k: u32) -> usize {
    1usize.checked_shl(k).unwrap_or(BATCH).min(BATCH)
}

/// How a schedule was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// The timing sweep: one fault at evenly spaced starts.
    Systematic,
    /// A random schedule drawn from a random subset of kinds and targets.
    Swarm,
}

/// A hypothesis broken on a run.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Broken {
    /// The hypothesis's name.
    pub hypothesis: String,
    /// The value it was judged on (its unit depends on the check), if any.
    pub value: Option<f64>,
}

/// A minimal failing schedule with its evidence.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Counterexample {
    /// The seed it fails on.
    pub seed: u64,
    /// How the first failing schedule was found.
    pub phase: Phase,
    /// The case number (from 1) that found it.
    pub case: u64,
    /// The schedule as found.
    #[serde(serialize_with = "faults_ron")]
    #[schemars(with = "String")]
    pub found: Schedule,
    /// The shrunk schedule.
    #[serde(serialize_with = "faults_ron")]
    #[schemars(with = "String")]
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
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
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
/// `first ..= first + seed_count − 1`, with up to `threads` runs at once. `progress` is
/// called after each case.
pub fn explore(
    experiment: &Experiment,
    space: &FaultSpace,
    first: u64,
    seed_count: u64,
    cases: u64,
    threads: usize,
    progress: &dyn Fn(),
) -> Result<Exploration, ExperimentError> {
    let strategy = space.schedules();
    let compiled = strategy.space().clone();
    let mut judge = Judge {
        experiment,
        threads,
        memo: BTreeMap::new(),
        baselines: BTreeMap::new(),
        baseline: None,
        checkpoints: BTreeMap::new(),
        runs: 0,
    };
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
    let mut sweep_cases: Vec<(ScheduleTree, u64)> = Vec::new();
    'sweep: for t in 0..timings {
        for what in 0..options {
            if sweep_cases.len() as u64 >= sweep {
                break 'sweep;
            }
            let start = if timings == 1 { max.start / 2 } else { max.start * t / (timings - 1) };
            let genes = Genes { what, duration: max.duration, severity: max.severity, start };
            let tree = ScheduleTree::from_genes(compiled.clone(), vec![genes]);
            sweep_cases.push((tree, seed_of(sweep_cases.len() as u64)));
        }
    }
    let mut found: Option<(Phase, u64, u64, ScheduleTree)> = None;
    let (mut next, mut batch) = (0, 0);
    while found.is_none() && next < sweep_cases.len() {
        let end = (next + batch_size(batch)).min(sweep_cases.len());
        batch += 1;
        if let Some(k) = judge.first_break(&sweep_cases[next..end], &mut out.systematic, progress)? {
            let (tree, seed) = sweep_cases.swap_remove(next + k);
            found = Some((Phase::Systematic, out.systematic, seed, tree));
        }
        next = end;
    }

    // Swarm: random schedules from proptest's runner, seeded from the scenario.
    if found.is_none() {
        let mut key = [0u8; 32];
        rng::stream(first, "explore", Purpose::Explore).fill_bytes(&mut key);
        let config = Config { failure_persistence: None, ..Config::default() };
        let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &key));
        let total = cases - out.systematic;
        let (mut drawn, mut k) = (0, 0);
        while found.is_none() && drawn < total {
            let n = (batch_size(k) as u64).min(total - drawn);
            k += 1;
            let mut batch = Vec::with_capacity(n as usize);
            for _ in 0..n {
                let tree = strategy.new_tree(&mut runner).map_err(|e| ExperimentError::Invalid(vec![e.to_string()]))?;
                batch.push((tree, seed_of(runner.rng().random_range(0..seed_count))));
            }
            drawn += n;
            if let Some(k) = judge.first_break(&batch, &mut out.swarm, progress)? {
                let (tree, seed) = batch.swap_remove(k);
                found = Some((Phase::Swarm, out.systematic + out.swarm, seed, tree));
            }
        }
    }

    if let Some((phase, case, seed, mut tree)) = found {
        let first_found = tree.current();
        let (shrunk, broken, shrink_runs) = shrink(&mut judge, &mut tree, seed)?;
        let confirm: Vec<(Schedule, u64)> =
            (0..seed_count.min(CONFIRM_SEEDS)).map(|i| (shrunk.clone(), first + i)).collect();
        let confirmed = judge.breaks_all(&confirm)?.iter().filter(|b| b.is_some()).count() as u64;
        out.counterexample = Some(Counterexample {
            seed,
            phase,
            case,
            found: first_found,
            shrunk,
            broken,
            shrink_runs,
            confirmed: (confirmed, confirm.len() as u64),
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
    /// Runs at once.
    threads: usize,
    /// (seed, schedule as RON) → what it breaks.
    memo: BTreeMap<(u64, String), Option<Vec<Broken>>>,
    /// Seed → hypotheses failing without faults.
    baselines: BTreeMap<u64, Vec<String>>,
    /// The fault-free scenario, once made.
    baseline: Option<Arc<Scenario>>,
    /// Seed → copies of its fault-free run to fork schedules from.
    checkpoints: BTreeMap<u64, Checkpoints>,
    runs: u64,
}

impl Judge<'_> {
    /// Judges a batch of cases and counts them (and calls `progress`) up to the first that
    /// breaks a hypothesis, whose index it returns.
    fn first_break(
        &mut self,
        cases: &[(ScheduleTree, u64)],
        counted: &mut u64,
        progress: &dyn Fn(),
    ) -> Result<Option<usize>, ExperimentError> {
        let items: Vec<(Schedule, u64)> = cases.iter().map(|(tree, seed)| (tree.current(), *seed)).collect();
        let answers = self.breaks_all(&items)?;
        for (k, answer) in answers.iter().enumerate() {
            *counted += 1;
            progress();
            if answer.is_some() {
                return Ok(Some(k));
            }
        }
        Ok(None)
    }

    /// The hypotheses `schedule` breaks on `seed` (failing with it, holding without any
    /// fault), or `None` when it breaks none.
    fn breaks(&mut self, schedule: &Schedule, seed: u64) -> Result<Option<Vec<Broken>>, ExperimentError> {
        let mut answers = self.breaks_all(&[(schedule.clone(), seed)])?;
        Ok(answers.pop().flatten())
    }

    /// What each (schedule, seed) breaks, in order. The runs not already known — baselines of
    /// new seeds, then the schedules — are made in parallel; errors surface in order.
    fn breaks_all(&mut self, items: &[(Schedule, u64)]) -> Result<Vec<Option<Vec<Broken>>>, ExperimentError> {
        let experiment = self.experiment;
        let new_seeds: Vec<u64> = items
            .iter()
            .map(|(_, seed)| *seed)
            .filter(|seed| !self.baselines.contains_key(seed))
            .collect::<BTreeSet<u64>>()
            .into_iter()
            .collect();
        let keys: Vec<(u64, String)> = items.iter().map(|(schedule, seed)| (*seed, schedule.to_ron())).collect();
        let mut unknown = BTreeSet::new();
        let todo: Vec<usize> =
            (0..items.len()).filter(|&i| !self.memo.contains_key(&keys[i]) && unknown.insert(&keys[i])).collect();
        // Baselines of new seeds first (keeping checkpoints of each), then the schedules,
        // each forked from its seed's latest checkpoint before its first window.
        let base = match &self.baseline {
            Some(b) => Arc::clone(b),
            None => {
                let b = experiment.with_faults(&[]).scenario()?;
                self.baseline = Some(Arc::clone(&b));
                b
            }
        };
        let variants: Vec<Arc<Scenario>> =
            todo.iter().map(|&i| experiment.with_faults(&items[i].0.faults).scenario()).collect::<Result<_, _>>()?;
        // Copies cost memory (a run's whole state, 8 times): the first seeds keep theirs,
        // which are where the sweep, the shrinking and the confirmation spend their runs.
        let room = SEEDS_WITH_CHECKPOINTS.saturating_sub(self.checkpoints.len());
        let bases = map_ordered(&(0..new_seeds.len()).collect::<Vec<_>>(), self.threads, &|| {}, |&k| {
            Checkpoints::run(&base, new_seeds[k], k < room)
        });
        for (seed, (checkpoints, run)) in new_seeds.iter().zip(bases) {
            self.runs += 1;
            let failing =
                Outcome::from_run(&base, *seed, run).violations().into_iter().map(|(n, _)| n.to_owned()).collect();
            self.baselines.insert(*seed, failing);
            if !checkpoints.is_empty() {
                self.checkpoints.insert(*seed, checkpoints);
            }
        }
        let work: Vec<(usize, &Arc<Scenario>)> = todo.iter().copied().zip(&variants).collect();
        let checkpoints = &self.checkpoints;
        let outcomes = map_ordered(&work, self.threads, &|| {}, |&(i, variant)| {
            let seed = items[i].1;
            let run = checkpoints
                .get(&seed)
                .and_then(|c| c.fork(&base, variant))
                .unwrap_or_else(|| Simulation::new(Arc::clone(variant), seed).run());
            Outcome::from_run(variant, seed, run)
        });
        for (&i, outcome) in todo.iter().zip(outcomes) {
            self.runs += 1;
            let baseline = self.baselines.get(&items[i].1).cloned().unwrap_or_default();
            let broken: Vec<Broken> = outcome
                .violations()
                .into_iter()
                .filter(|(n, _)| !baseline.iter().any(|b| b == n))
                .map(|(n, v)| Broken { hypothesis: n.to_owned(), value: v })
                .collect();
            self.memo.insert(keys[i].clone(), (!broken.is_empty()).then_some(broken));
        }
        Ok(keys.iter().map(|k| self.memo.get(k).cloned().flatten()).collect())
    }
}
