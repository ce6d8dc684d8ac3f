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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::Duration;

    fn space() -> Arc<Compiled> {
        let t =
            crate::load::load_topology(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/models/zones.ron")))
                .expect("loads");
        let s = FaultSpace::new(t, Duration::from_secs(10), Duration::from_secs(100))
            .kinds(&[spec::FaultKind::Crash, spec::FaultKind::Latency])
            .max_faults(3)
            .durations(Duration::from_secs(5), Duration::from_secs(30));
        Arc::new(s.compile())
    }

    /// Drives the tree as proptest's runner does, with `fails` as the test.
    fn shrink(mut tree: ScheduleTree, fails: impl Fn(&Schedule) -> bool) -> (Schedule, usize) {
        let mut best = tree.current();
        let mut steps = 0;
        if tree.simplify() {
            while steps < 10_000 {
                steps += 1;
                let v = tree.current();
                if fails(&v) {
                    best = v;
                    if !tree.simplify() {
                        break;
                    }
                } else if !tree.complicate() {
                    break;
                }
            }
        }
        (best, steps)
    }

    #[test]
    fn shrinking_reaches_the_simplest_fault_when_everything_fails() {
        let s = space();
        let max = s.gene_max();
        let tree = ScheduleTree::from_genes(Arc::clone(&s), vec![max, max, Genes { what: 3, ..max }]);
        let (best, _) = shrink(tree, |_| true);
        assert_eq!(best.faults.len(), 1);
        assert_eq!(best.faults[0], s.decode(Genes { what: 0, duration: 0, severity: 0, start: 0 }));
        assert_eq!(best.faults[0].duration, Some(Duration::from_secs(5)));
        assert_eq!(best.faults[0].start, Duration::from_secs(10));
    }

    #[test]
    fn shrinking_keeps_what_the_failure_needs() {
        // Fails only while a crash of zone "a" lasting at least 12 s is in the schedule.
        let s = space();
        let zone_a =
            s.options.iter().position(|(k, t)| *k == spec::FaultKind::Crash && *t == spec::Target::Zone("a".into()));
        let zone_a = zone_a.expect("zone a is an option") as u64;
        let max = s.gene_max();
        let genes = vec![Genes { what: 0, ..max }, Genes { what: zone_a, ..max }, Genes { what: 1, ..max }];
        let fails = |sch: &Schedule| {
            sch.faults.iter().any(|f| {
                f.fault == spec::Fault::Crash(spec::Target::Zone("a".into()))
                    && f.duration.is_some_and(|d| d >= Duration::from_secs(12))
            })
        };
        let (best, _) = shrink(ScheduleTree::from_genes(Arc::clone(&s), genes), fails);
        assert_eq!(best.faults.len(), 1, "{best:?}");
        assert_eq!(best.faults[0].fault, spec::Fault::Crash(spec::Target::Zone("a".into())));
        assert_eq!(best.faults[0].duration, Some(Duration::from_secs(12)), "{best:?}");
        assert_eq!(best.faults[0].start, Duration::from_secs(10), "{best:?}");
    }

    #[test]
    fn options_are_ordered_simplest_first_and_only_valid_pairs() {
        let s = space();
        // Services before zones; latency on a zone is not a valid fault, so it is absent.
        assert_eq!(s.options[0], (spec::FaultKind::Crash, spec::Target::Service("three-zone".into())));
        assert!(!s.options.iter().any(|(k, t)| *k == spec::FaultKind::Latency && matches!(t, spec::Target::Zone(_))));
        assert!(s.options.iter().any(|(k, t)| *k == spec::FaultKind::Crash && matches!(t, spec::Target::Zone(_))));
    }

    #[test]
    fn drawing_is_a_function_of_the_runner_seed() {
        use proptest::test_runner::{Config, RngAlgorithm, TestRng};
        let strategy = Schedules { space: space() };
        let draw = || {
            let mut r = TestRunner::new_with_rng(Config::default(), TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]));
            (0..20)
                .map(|_| strategy.new_tree(&mut r).map(|t| t.current().to_ron()).unwrap_or_default())
                .collect::<Vec<_>>()
        };
        let a = draw();
        assert_eq!(a, draw());
        assert!(a.iter().any(|s| s.matches("FaultWindow").count() > 1), "some schedules have several faults");
    }
}
