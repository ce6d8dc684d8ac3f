//! Checkpoints of fault-free runs, to fork fault schedules from.
//!
//! Every schedule the search tries is the scenario with its faults replaced by the schedule's
//! windows, so up to its first window's start it is the same run as the fault-free baseline
//! on that seed. When the search runs a seed's baseline it keeps copies of that run at
//! [`CHECKPOINTS`] evenly spaced instants; a schedule then continues from the latest copy
//! before its first window, runs to it and forks into the schedule (see
//! [`crate::model::fork`]). A forked run gives the bytes of the run from t = 0, so the search
//! finds, shrinks and confirms exactly what it did without checkpoints; it only skips the
//! shared part of each run. Shrinking tries one schedule at a time, which is why a
//! per-call common prefix would save nothing there and the copies are kept instead.

use std::sync::Arc;

use crate::engine::Simulation;
use crate::metrics::run::RunMetrics;
use crate::model::fork::fork_point;
use crate::model::{Stopped, World};
use crate::scenario::Scenario;

/// Copies kept per seed, evenly spaced over the run (the last one before the end).
pub const CHECKPOINTS: u64 = 8;

/// A fault-free run of one seed, paused at instants.
pub struct Checkpoints {
    /// `(instant, run paused before its first event at or after it)`, in time order.
    runs: Vec<(u64, Simulation<World>)>,
}

impl Checkpoints {
    /// Runs `baseline` on `seed` to the end, keeping copies on the way when `keep` is set.
    /// Returns the checkpoints and the finished run. A run stopped by a limit keeps the copies
    /// before it.
    pub fn run(baseline: &Arc<Scenario>, seed: u64, keep: bool) -> (Checkpoints, Result<RunMetrics, Stopped>) {
        let mut sim = Simulation::new(Arc::clone(baseline), seed);
        let duration = baseline.duration.as_nanos();
        let mut runs = Vec::new();
        let kept = if keep { 1..CHECKPOINTS } else { 0..0 };
        for k in kept {
            let at = duration / CHECKPOINTS * k;
            if at == 0 || sim.run_until(at).is_err() {
                break;
            }
            runs.push((at, sim.fork(|_, _| {})));
        }
        (Checkpoints { runs }, sim.run())
    }

    /// Whether no copy was kept.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// The run of `variant` (a schedule over the checkpoints' baseline) on the checkpoints'
    /// seed: forked from the latest checkpoint before its first window, or `None` when no
    /// checkpoint precedes it (then it runs from the start).
    pub fn fork(&self, baseline: &Scenario, variant: &Scenario) -> Option<Result<RunMetrics, Stopped>> {
        let at = fork_point(baseline, variant)?;
        let (_, from) = self.runs.iter().rev().find(|(t, _)| *t <= at)?;
        let mut sim = from.fork(|_, _| {});
        if sim.run_until(at).is_err() {
            return None;
        }
        Some(sim.fork(|world, cal| world.adopt(cal, variant)).run())
    }
}
