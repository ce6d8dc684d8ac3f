//! Forking a run: variants of one scenario that differ only by fault windows added from some
//! instant on share every event before it, so the common prefix runs once and each variant
//! continues from a copy of it.
//!
//! A variant can continue a run of `prefix` when it simulates the same system (the same
//! topology value, load, timeline, failure processes and limits) and its fault list is
//! `prefix`'s followed by more windows; it forks at the first instant one of those starts
//! ([`fork_point`]). Up to that instant the extra windows are closed, and a closed window
//! touches nothing, so both runs have processed the same events in the same state.
//!
//! What makes the continuation exact, byte for byte, is where the extra windows' events sort.
//! A run from the start schedules every window's opening and closing right after the
//! scenario's earlier windows, before anything else; at the same nanosecond they pop in that
//! order. So [`World::schedule_start`] reserves a block of sequence numbers right after the
//! scripted windows, and [`World::adopt`] schedules the extra windows at those numbers: among
//! events at the same instant they sort exactly where the run from the start put them. The
//! extra windows' random streams are derived from their positions in the fault list, like
//! every window's.
//!
//! A fork at t = 0 gains nothing (and the events of t = 0 do not go through the heap), so a
//! variant that differs from the start, or changes the topology, the load or the timeline,
//! runs from the start.

use std::sync::Arc;

use crate::engine::calendar::{Calendar, Nanos};
use crate::engine::event::Event;
use crate::rng::{stream, Purpose};
use crate::scenario::Scenario;

use super::World;

/// Sequence numbers reserved for the opening and closing of fault windows a fork adds (two
/// per window), so at most half as many windows can be added by one fork.
pub const RESERVED_SEQS: u64 = 1 << 16;

/// Most fault windows one fork can add.
pub const MAX_ADDED_WINDOWS: usize = (RESERVED_SEQS / 2) as usize;

/// Whether two scenarios simulate the same system and load: everything the engine reads
/// except the fault windows. The topology must be the same value (shared), not just equal.
pub fn same_system(a: &Scenario, b: &Scenario) -> bool {
    Arc::ptr_eq(&a.topology, &b.topology)
        && a.duration == b.duration
        && a.warmup == b.warmup
        && a.workloads == b.workloads
        && a.processes == b.processes
        && a.component_failures == b.component_failures
        && a.limits == b.limits
        && a.bucket == b.bucket
}

/// The instant from which `variant` differs from `prefix`, when a run of `variant` can be a
/// fork of a run of `prefix`: the earliest start among the windows `variant` adds
/// (`Nanos::MAX` when it adds none). `None` when it cannot be a fork, or only at t = 0.
pub fn fork_point(prefix: &Scenario, variant: &Scenario) -> Option<Nanos> {
    let n = prefix.faults.len();
    if !same_system(prefix, variant) || variant.faults.len() < n || variant.faults[..n] != prefix.faults[..] {
        return None;
    }
    let added = &variant.faults[n..];
    if added.len() > MAX_ADDED_WINDOWS {
        return None;
    }
    let at = added.iter().map(|f| f.start.as_nanos()).min().unwrap_or(Nanos::MAX);
    (at > 0).then_some(at)
}

/// The scenario every one of `variants` could fork from: the first one with only the fault
/// windows all of them begin with. The caller checks each variant with [`fork_point`].
pub fn common_prefix(variants: &[&Scenario]) -> Option<Scenario> {
    let first = variants.first()?;
    let mut shared = first.faults.len();
    for v in &variants[1..] {
        shared = shared.min(first.faults.iter().zip(&v.faults).take_while(|(a, b)| a == b).count());
    }
    let mut prefix = (*first).clone();
    prefix.faults.truncate(shared);
    Some(prefix)
}

impl World {
    /// Turns a run of this world's scenario, stopped before [`fork_point`]`(scenario,
    /// variant)`, into a run of `variant` at the same instant: the added fault windows get
    /// their state, random streams and events. The caller has checked the fork point against
    /// the scenarios as loaded (a world keeps its own copy of the topology, so it cannot). A
    /// fork can be forked again; all forks of one run add at most [`MAX_ADDED_WINDOWS`].
    pub fn adopt(&mut self, cal: &mut Calendar<Event>, variant: &Scenario) {
        let n = self.scenario.faults.len();
        debug_assert!(variant.faults.len() >= n && variant.faults[..n] == self.scenario.faults[..]);
        let scenario = Arc::new(Scenario { topology: Arc::clone(&self.scenario.topology), ..variant.clone() });
        for (k, f) in scenario.faults.iter().enumerate().skip(n) {
            self.fault_active.push(false);
            self.fault_rngs.push(stream(self.seed, &format!("fault:{k}"), Purpose::Faults));
            self.infra.fault_pins.push(None);
            // A run from the start schedules each window's opening then its closing, after
            // every earlier window's; taking the reserved numbers in turn keeps that order,
            // also when a fork is forked again.
            let mut next = || self.fork_seqs.next().expect("at most MAX_ADDED_WINDOWS windows are added to one run");
            cal.schedule_reserved(f.start.as_nanos(), next(), Event::FaultStart { fault: k as u32 });
            if let Some(end) = f.end {
                cal.schedule_reserved(end.as_nanos(), next(), Event::FaultEnd { fault: k as u32 });
            }
        }
        self.scenario = scenario;
    }
}
