//! Who holds a datastore's connections: per caller service, the connections its calls hold
//! over time, the calls that waited for one and how long, the calls a bounded waiting room
//! turned away, and the calls that got a connection only after their caller had given up.
//!
//! A datastore node is a station whose workers are its connections, so the pool as a whole
//! is measured like any station (utilisation, backlog). This module splits it by caller,
//! which is what a shared-pool incident needs: *whose* queries hold the pool. Every counter
//! is indexed up front (datastore × caller slot), so the hot path only adds.

use crate::engine::calendar::Nanos;
use crate::engine::slab::Key;
use crate::model::world::{StationKind, World, NO_CALL};
use crate::topology::Topology;

/// The slot of a caller that is not one of a datastore's known callers (never happens for
/// a validated topology, where only services call datastores).
pub const NO_SLOT: u32 = u32::MAX;

/// Live pool state of one datastore: per caller slot, connections held now and since when.
#[derive(Clone, Debug, Default)]
pub struct PoolState {
    /// Service index → caller slot ([`NO_SLOT`] for services that never call it).
    pub slot_of: Vec<u32>,
    /// Per caller slot: connections held now (all nodes) and the time of the last change.
    pub held: Vec<(u32, Nanos)>,
}

impl PoolState {
    /// The empty state of every datastore of `t`.
    pub fn build(t: &Topology) -> Vec<PoolState> {
        (0..t.datastores().len())
            .map(|d| {
                let callers = t.pool_callers(crate::topology::DatastoreId(d as u32));
                let mut slot_of = vec![NO_SLOT; t.services().len()];
                for (slot, s) in callers.iter().enumerate() {
                    slot_of[s.index()] = slot as u32;
                }
                PoolState { slot_of, held: vec![(0, 0); callers.len()] }
            })
            .collect()
    }
}

/// What happened to a call arriving at a datastore node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrival {
    /// A connection was free.
    Served,
    /// Every connection was held: it waits.
    Waits,
    /// Every connection was held and the waiting room was full.
    Rejected,
}

impl World {
    /// The datastore and caller slot of a job answering `call` at `station`, if it is a
    /// datastore node.
    fn pool_slot(&self, station: u32, call: u32) -> Option<(usize, usize)> {
        let StationKind::Datastore(d) = self.stations[station as usize].kind else { return None };
        if call == NO_CALL {
            return None;
        }
        let caller = self.topology().call(crate::topology::CallId(call)).from;
        let slot = *self.infra.pools[d as usize].slot_of.get(caller.index())?;
        (slot != NO_SLOT).then_some((d as usize, slot as usize))
    }

    /// An attempt of `call` arrived at `station` (counted when measured).
    pub(crate) fn pool_arrival(&mut self, now: Nanos, station: u32, call: u32, what: Arrival) {
        if !self.measuring(now) {
            return;
        }
        let Some((d, slot)) = self.pool_slot(station, call) else { return };
        let u = &mut self.metrics.datastores[d].pool[slot];
        u.calls += 1;
        match what {
            Arrival::Served => {}
            Arrival::Waits => u.waited += 1,
            Arrival::Rejected => u.rejected += 1,
        }
    }

    /// Adds the held-connections integral of a caller slot up to `now` (measured time only).
    fn pool_account(&mut self, now: Nanos, d: usize, slot: usize) {
        let warmup = self.scenario.warmup.as_nanos();
        let (held, since) = self.infra.pools[d].held[slot];
        let from = since.max(warmup);
        if now > from {
            self.metrics.datastores[d].pool[slot].held_area += u128::from(held) * u128::from(now - from);
        }
        self.infra.pools[d].held[slot].1 = now;
    }

    /// The job `job` took a connection at `now` after arriving at `queued_at`.
    pub(crate) fn pool_taken(&mut self, now: Nanos, station: u32, job: Key) {
        let Some(j) = self.jobs.get(job) else { return };
        let (call, queued_at, attempt) = (j.call, j.queued_at, j.attempt);
        let Some((d, slot)) = self.pool_slot(station, call) else { return };
        self.pool_account(now, d, slot);
        let held = &mut self.infra.pools[d].held[slot].0;
        *held += 1;
        let held = *held;
        let (measured, now_measured) = (self.measuring(queued_at), self.measuring(now));
        let gave_up = self.attempts.get(attempt).is_none();
        let u = &mut self.metrics.datastores[d].pool[slot];
        if now_measured {
            u.held_max = u.held_max.max(held);
        }
        if measured {
            let wait = now - queued_at;
            u.wait_ns += wait;
            u.wait_max_ns = u.wait_max_ns.max(wait);
            u.gave_up += u64::from(gave_up);
        }
    }

    /// A job holding a connection at `station` gave it back (done, or its node crashed).
    pub(crate) fn pool_released(&mut self, now: Nanos, station: u32, call: u32) {
        let Some((d, slot)) = self.pool_slot(station, call) else { return };
        self.pool_account(now, d, slot);
        let held = &mut self.infra.pools[d].held[slot].0;
        *held = held.saturating_sub(1);
    }

    /// Closes the held-connections integrals at the end of the run.
    pub(crate) fn pools_at_end(&mut self, now: Nanos) {
        for d in 0..self.infra.pools.len() {
            for slot in 0..self.infra.pools[d].held.len() {
                self.pool_account(now, d, slot);
            }
        }
    }
}
