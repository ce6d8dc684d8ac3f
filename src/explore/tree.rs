//! Proptest strategies over a topology: fault [`Schedule`]s (with proptest's shrinking:
//! fewest faults, then shortest, simplest, mildest and earliest), seeds and workloads.
//!
//! A schedule's value tree is proptest's own protocol: [`ScheduleTree::simplify`] first tries
//! deleting each fault (like proptest's `Vec` tree), then shrinks each remaining fault's genes
//! with proptest's integer [`BinarySearch`] trees, in the order duration, kind × target,
//! severity, start. Drawing follows *swarm testing*: each schedule draws from a random subset
//! of the kinds and targets, so some schedules pile several faults on few components while
//! others spread them out.

use std::fmt;
use std::sync::Arc;

use proptest::num::u64::BinarySearch;
use proptest::prelude::RngExt;
use proptest::strategy::{NewTree, Strategy, ValueTree};
use proptest::test_runner::TestRunner;

use super::space::{Compiled, FaultSpace, Genes};
use crate::spec;
use crate::units::Duration;

/// A fault schedule: what to paste into a scenario's `faults`.
#[derive(Clone, PartialEq)]
pub struct Schedule {
    /// The faults, each with its start and duration.
    pub faults: Vec<spec::FaultWindow>,
}

impl Schedule {
    /// The schedule as RON, one `FaultWindow` per line, ready to paste into a scenario's
    /// `faults: [...]`.
    pub fn to_ron(&self) -> String {
        crate::load::fault_windows_ron(&self.faults)
    }
}

/// Proptest prints failing values with `Debug`: show the RON a user can paste.
impl fmt::Debug for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_ron())
    }
}

impl FaultSpace {
    /// A proptest strategy for schedules of 1 to `max_faults` faults from this space.
    pub fn schedules(&self) -> Schedules {
        Schedules { space: Arc::new(self.compile()) }
    }
}

/// The strategy of [`FaultSpace::schedules`].
#[derive(Clone, Debug)]
pub struct Schedules {
    space: Arc<Compiled>,
}

impl Schedules {
    /// The compiled space it draws from.
    pub fn space(&self) -> &Arc<Compiled> {
        &self.space
    }
}

impl Strategy for Schedules {
    type Tree = ScheduleTree;
    type Value = Schedule;

    fn new_tree(&self, runner: &mut TestRunner) -> NewTree<Self> {
        let s = &self.space;
        if s.options.is_empty() {
            return Err("no fault of the given kinds fits the given targets".into());
        }
        let rng = runner.rng();
        // Swarm: keep each kind and each target with probability 1/2 for this schedule.
        let mut kinds: Vec<spec::FaultKind> = s.options.iter().map(|(k, _)| *k).collect();
        kinds.sort();
        kinds.dedup();
        let mut targets: Vec<&spec::Target> = s.options.iter().map(|(_, t)| t).collect();
        targets.sort();
        targets.dedup();
        let kinds: Vec<spec::FaultKind> = kinds.into_iter().filter(|_| rng.random_bool(0.5)).collect();
        let targets: Vec<&spec::Target> = targets.into_iter().filter(|_| rng.random_bool(0.5)).collect();
        let mut pool: Vec<u64> = (0..s.options.len() as u64)
            .filter(|&i| {
                let (k, t) = &s.options[i as usize];
                kinds.contains(k) && targets.contains(&t)
            })
            .collect();
        if pool.is_empty() {
            pool = (0..s.options.len() as u64).collect();
        }
        let max = s.gene_max();
        let n = rng.random_range(1..=s.max_faults);
        let genes = (0..n)
            .map(|_| Genes {
                what: pool[rng.random_range(0..pool.len())],
                duration: rng.random_range(0..=max.duration),
                severity: rng.random_range(0..=max.severity),
                start: rng.random_range(0..=max.start),
            })
            .collect();
        Ok(ScheduleTree::from_genes(Arc::clone(s), genes))
    }
}

/// Which step shrinking is at: deleting fault `i`, or shrinking gene `g` of fault `i`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Delete(usize),
    Gene(usize, usize),
}

/// One gene: proptest's binary search towards 0, or pinned at the last failing value once
/// the search can go no further.
#[derive(Clone, Copy, Debug)]
enum Gene {
    Searching(BinarySearch),
    Pinned(u64),
}

impl Gene {
    fn current(&self) -> u64 {
        match self {
            Gene::Searching(b) => b.current(),
            Gene::Pinned(v) => *v,
        }
    }
}

/// Genes in shrinking order: duration first (shortest), then which kind × target
/// (simplest), severity (mildest), start (earliest).
const GENES: usize = 4;

/// The value tree of one schedule; see the module docs.
#[derive(Clone, Debug)]
pub struct ScheduleTree {
    space: Arc<Compiled>,
    faults: Vec<[Gene; GENES]>,
    included: Vec<bool>,
    stage: Stage,
    prev: Option<Stage>,
    /// Gene values of the last value known to fail (the value before each `simplify`).
    last_failing: Vec<[u64; GENES]>,
}

impl ScheduleTree {
    /// A tree starting at the given faults (for systematic searches and replays).
    pub fn from_genes(space: Arc<Compiled>, genes: Vec<Genes>) -> ScheduleTree {
        let faults: Vec<[Gene; GENES]> = genes
            .iter()
            .map(|g| [g.duration, g.what, g.severity, g.start].map(|v| Gene::Searching(BinarySearch::new(v))))
            .collect();
        let n = faults.len();
        ScheduleTree {
            space,
            last_failing: faults.iter().map(|f| f.map(|g| g.current())).collect(),
            faults,
            included: vec![true; n],
            stage: Stage::Delete(0),
            prev: None,
        }
    }

    /// The current faults as genes.
    pub fn genes(&self) -> Vec<Genes> {
        self.faults
            .iter()
            .zip(&self.included)
            .filter(|(_, inc)| **inc)
            .map(|(f, _)| Genes {
                duration: f[0].current(),
                what: f[1].current(),
                severity: f[2].current(),
                start: f[3].current(),
            })
            .collect()
    }
}

impl ValueTree for ScheduleTree {
    type Value = Schedule;

    fn current(&self) -> Schedule {
        let mut faults: Vec<spec::FaultWindow> = self.genes().into_iter().map(|g| self.space.decode(g)).collect();
        // In start order, as a person would write them.
        faults.sort_by_key(|f| f.start);
        Schedule { faults }
    }

    fn simplify(&mut self) -> bool {
        // simplify() is only called after the current value failed: remember it.
        self.last_failing = self.faults.iter().map(|f| f.map(|g| g.current())).collect();
        self.prev = None;
        let n = self.faults.len();
        loop {
            match self.stage {
                Stage::Delete(i) => {
                    if i >= n {
                        self.stage = Stage::Gene(0, 0);
                        continue;
                    }
                    self.stage = Stage::Delete(i + 1);
                    let left = self.included.iter().filter(|x| **x).count();
                    if self.included[i] && left > 1 {
                        self.included[i] = false;
                        self.prev = Some(Stage::Delete(i));
                        return true;
                    }
                }
                Stage::Gene(i, g) => {
                    if i >= n {
                        return false;
                    }
                    if !self.included[i] || g >= GENES {
                        self.stage = Stage::Gene(i + 1, 0);
                        continue;
                    }
                    if let Gene::Searching(b) = &mut self.faults[i][g] {
                        if b.simplify() {
                            self.prev = Some(Stage::Gene(i, g));
                            return true;
                        }
                    }
                    self.stage = Stage::Gene(i, g + 1);
                }
            }
        }
    }

    fn complicate(&mut self) -> bool {
        match self.prev {
            None => false,
            Some(Stage::Delete(i)) => {
                // Undo the deletion; the value is the last failing one again.
                self.included[i] = true;
                self.prev = None;
                true
            }
            Some(Stage::Gene(i, g)) => {
                let gene = &mut self.faults[i][g];
                let moved = match gene {
                    Gene::Searching(b) => b.complicate(),
                    Gene::Pinned(_) => false,
                };
                if !moved {
                    // The search is exhausted: go back to the last failing value and keep it,
                    // so shrinking can go on with the next gene.
                    *gene = Gene::Pinned(self.last_failing[i][g]);
                    self.prev = None;
                }
                true
            }
        }
    }
}

/// Seeds `first ..= first + count − 1` (shrinking towards `first`).
pub fn seeds(first: u64, count: u64) -> impl Strategy<Value = u64> + Clone {
    first..=first.saturating_add(count.max(1) - 1)
}

/// Open-loop Poisson workloads on `endpoint` at rates in `[low, high]` requests per second
/// (shrinking towards `low`), with a client timeout.
pub fn poisson_workloads(
    endpoint: &str,
    low: f64,
    high: f64,
    timeout: Duration,
) -> impl Strategy<Value = spec::Workload> + Clone {
    let endpoint = endpoint.to_owned();
    (0u32..=100).prop_map(move |step| spec::Workload {
        endpoint: endpoint.clone(),
        arrivals: spec::Arrivals::Poisson {
            rate: low + (high - low) * f64::from(step) / 100.0,
            profile: spec::Profile::Constant,
        },
        client: Some(spec::Client { timeout: Some(timeout), retry: None }),
    })
}
