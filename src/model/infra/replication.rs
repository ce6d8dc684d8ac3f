//! Datastores with replicas: routing of reads and writes, synchronous and asynchronous
//! replication, failover, write buffering, and the RPO and RTO of every primary loss.
//!
//! Semantics (the manual's semantics chapter, "Datastores"; field story 6):
//! - Node 0 starts as the primary (in the `primary` zone), nodes 1.. are the replicas, each
//!   a station with its own pool of `connections`. Writes go to the primary; reads too,
//!   unless `read_from_replicas`, when they go to an up node in the caller's zone, else any
//!   up node.
//! - **Sync**: a write completes when every up replica has it: the primary holds the
//!   connection for a round trip to the farthest up replica. Nothing is lost on failover.
//! - **Async**: a write completes on the primary; each replica has it `lag` later (a draw per
//!   write and replica). When the primary is lost, the writes a replica does not have yet
//!   are lost if it is promoted: the writes inside the replication lag, λ·E[lag] on average
//!   (exactly the writes of the last L with a fixed lag L). RPO is reported as a count
//!   (writes lost) and a window (from the oldest lost write's commit to the loss). Lags are
//!   drawn per write rather than forcing log order, which would stretch the effective lag to
//!   the maximum of recent draws and overstate the RPO.
//! - **SyncInRegion**: synchronous to the replicas in the current primary's region (the
//!   write waits for the farthest of them), asynchronous with `lag` to the others. After a
//!   failover to another region, that region's replicas become the synchronous ones.
//! - **Failover** (automatic): `detection` after the primary went down, if it is still down,
//!   promotion starts; `promotion` later the up replica with the fewest unapplied writes
//!   becomes the primary. RTO = the time from the loss until writes are served again:
//!   detection + promotion. If the primary comes back before detection completes, or
//!   without automatic failover, the RTO is the time until it is back (nothing lost: its
//!   disk survived). A node that comes back rejoins as a replica, caught up at once (resync
//!   time is not modelled), and so does a replica that was down while writes went on.
//! - **Buffered writes** (`buffer_writes`): a write that finds no primary is held and sent
//!   to the primary once one serves again; its caller keeps waiting (and may time out).
//! - A `Crash` of the datastore (a fault or a failure process) crashes the node that is the
//!   primary when the crash starts; a lost zone takes every node in it.

use std::collections::VecDeque;

use crate::engine::calendar::{Calendar, Nanos};
use crate::engine::event::Event;
use crate::engine::slab::Key;
use crate::metrics::infra::FailoverRecord;
use crate::rng::Rng;
use crate::topology::{Replication, ZoneId};

use super::super::world::World;

/// A write not yet applied on a replica: when the primary committed it, when the replica
/// applies it.
#[derive(Clone, Copy, Debug)]
struct Pending {
    commit: Nanos,
    apply: Nanos,
}

/// One datastore's replication state.
#[derive(Clone, Debug)]
pub struct Store {
    /// The primary node (station offset in the datastore's range).
    pub primary: u32,
    /// When the primary was lost, while it is.
    pub lost_at: Option<Nanos>,
    /// Per node: (writes lost, oldest lost commit) if it were promoted, as of the loss.
    snapshot: Vec<(u64, Option<Nanos>)>,
    /// Per node: writes the node may not have applied yet, in commit order (empty for the
    /// primary); entries already applied are dropped from the front as time passes.
    logs: Vec<VecDeque<Pending>>,
    /// Writes waiting for a primary (`buffer_writes`).
    pub buffer: VecDeque<Key>,
    /// Bumped to cancel a pending detection or promotion.
    pub generation: u32,
    /// Replication lag and round-trip draws.
    pub rng: Rng,
}

impl Store {
    /// The state of a datastore with `nodes` nodes (primary first).
    pub fn new(nodes: usize, rng: Rng) -> Store {
        Store {
            primary: 0,
            lost_at: None,
            snapshot: vec![(0, None); nodes],
            logs: vec![VecDeque::new(); nodes],
            buffer: VecDeque::new(),
            generation: 0,
            rng,
        }
    }
}

impl World {
    /// The station for a call to datastore `d`: the primary for writes (and reads, unless
    /// replicas may serve them).
    pub(crate) fn datastore_station(&self, d: usize, write: bool, from_zone: Option<ZoneId>) -> u32 {
        let range = self.datastore_stations[d].clone();
        let primary = range.start + self.infra.stores[d].primary;
        if write || !self.topology().datastores()[d].read_from_replicas {
            return primary;
        }
        let up = |s: &u32| !self.stations[*s as usize].down;
        range
            .clone()
            .filter(up)
            .find(|&s| self.stations[s as usize].zone == from_zone)
            .or_else(|| if up(&primary) { Some(primary) } else { range.clone().find(up) })
            .unwrap_or(primary)
    }

    /// Extra time a write holds its connection for synchronous replication: a round trip to
    /// the farthest up synchronous replica (0 for async replication, reads, or no such
    /// replica up).
    pub(crate) fn sync_write_time(&mut self, d: usize, station: u32) -> Nanos {
        let t = std::sync::Arc::clone(self.topology());
        let replication = &t.datastores()[d].replication;
        if matches!(replication, Replication::Async { .. }) {
            return 0;
        }
        let range = self.datastore_stations[d].clone();
        let Some(from) = self.stations[station as usize].zone else { return 0 };
        let region = |z: ZoneId| t.zones()[z.index()].region;
        let mut worst: Nanos = 0;
        for s in range {
            let st = &self.stations[s as usize];
            if s == station || st.down {
                continue;
            }
            let Some(to) = st.zone else { continue };
            if !replication.synchronous(region(from), region(to)) {
                continue;
            }
            let rng = &mut self.infra.stores[d].rng;
            let rtt = t.latency(from, to).sample(rng).saturating_add(t.latency(to, from).sample(rng));
            worst = worst.max(rtt);
        }
        worst
    }

    /// A write committed on the primary `station` of datastore `d`: counts it and logs it
    /// for every up async replica.
    pub(crate) fn write_committed(&mut self, now: Nanos, d: usize, station: u32) {
        let range = self.datastore_stations[d].clone();
        if station != range.start + self.infra.stores[d].primary {
            return;
        }
        if self.measuring(now) {
            self.metrics.datastores[d].writes += 1;
        }
        let t = std::sync::Arc::clone(self.topology());
        let replication = &t.datastores()[d].replication;
        let Some(lag) = replication.lag() else { return };
        let region = |s: u32| self.stations[s as usize].zone.map(|z| t.zones()[z.index()].region);
        let primary_region = region(station);
        let store = &mut self.infra.stores[d];
        for (node, s) in range.enumerate() {
            if node as u32 == store.primary || self.stations[s as usize].down {
                continue;
            }
            // A synchronous replica had the write before it committed: nothing to log.
            if let (Some(p), Some(r)) = (primary_region, region(s)) {
                if replication.synchronous(p, r) {
                    continue;
                }
            }
            let log = &mut store.logs[node];
            while log.front().is_some_and(|p| p.apply <= now) {
                log.pop_front();
            }
            let apply = now.saturating_add(lag.sample(&mut store.rng));
            log.push_back(Pending { commit: now, apply });
        }
    }

    /// Whether a write delivered to a down `station` is held for the next primary.
    pub(crate) fn buffer_write(&mut self, job: Key, station: u32) -> bool {
        let crate::model::world::StationKind::Datastore(d) = self.stations[station as usize].kind else { return false };
        let d = d as usize;
        let write = self.jobs.get(job).is_some_and(|j| j.write);
        if !write || !self.topology().datastores()[d].buffer_writes {
            return false;
        }
        self.infra.stores[d].buffer.push_back(job);
        true
    }

    /// Looks at every datastore's primary after stations changed: a loss starts the failover
    /// clock; a return (before any promotion) ends the outage.
    pub(super) fn datastores_changed(&mut self, cal: &mut Calendar<Event>, now: Nanos) {
        for d in 0..self.infra.stores.len() {
            let range = self.datastore_stations[d].clone();
            let primary = range.start + self.infra.stores[d].primary;
            let down = self.stations[primary as usize].down;
            match (down, self.infra.stores[d].lost_at) {
                (true, None) => self.primary_lost(cal, now, d),
                (false, Some(_)) => self.serving_again(cal, now, d, None),
                _ => {}
            }
            // Replicas that are down fall out of the log; they resync when back.
            for (node, s) in range.enumerate() {
                if self.stations[s as usize].down && node as u32 != self.infra.stores[d].primary {
                    self.infra.stores[d].logs[node].clear();
                }
            }
        }
    }

    fn primary_lost(&mut self, cal: &mut Calendar<Event>, now: Nanos, d: usize) {
        let t = std::sync::Arc::clone(self.topology());
        let ds = &t.datastores()[d];
        let store = &mut self.infra.stores[d];
        store.lost_at = Some(now);
        store.generation = store.generation.wrapping_add(1);
        for (node, log) in store.logs.iter().enumerate() {
            // Commits are in order, so the first unapplied entry is the oldest lost write.
            let lost = log.iter().filter(|p| p.apply > now).count() as u64;
            store.snapshot[node] = (lost, log.iter().find(|p| p.apply > now).map(|p| p.commit));
        }
        if ds.failover.automatic && !ds.replicas.is_empty() {
            let generation = store.generation;
            cal.schedule(
                now.saturating_add(ds.failover.detection.as_nanos()),
                Event::FailoverDetected { datastore: d as u32, generation },
            );
        }
    }

    /// Detection is over: if the primary is still down, promotion starts.
    pub fn failover_detected(&mut self, cal: &mut Calendar<Event>, now: Nanos, d: u32, generation: u32) {
        let store = &self.infra.stores[d as usize];
        if store.generation != generation || store.lost_at.is_none() {
            return;
        }
        let promotion = self.topology().datastores()[d as usize].failover.promotion.as_nanos();
        cal.schedule(now.saturating_add(promotion), Event::FailoverPromoted { datastore: d, generation });
    }

    /// Promotion is over: the most up-to-date up replica becomes the primary.
    pub fn failover_promoted(&mut self, cal: &mut Calendar<Event>, now: Nanos, d: u32, generation: u32) {
        let di = d as usize;
        let store = &self.infra.stores[di];
        if store.generation != generation || store.lost_at.is_none() {
            return;
        }
        let range = self.datastore_stations[di].clone();
        let candidate = range
            .clone()
            .enumerate()
            .filter(|&(node, s)| node as u32 != store.primary && !self.stations[s as usize].down)
            .min_by_key(|&(node, _)| (store.snapshot[node].0, node))
            .map(|(node, _)| node as u32);
        // No replica is up: the datastore waits for its primary (or the next crash cycle).
        let Some(node) = candidate else { return };
        self.serving_again(cal, now, di, Some(node));
    }

    /// Writes are served again: by a promoted replica (`promoted`) or the returning primary.
    fn serving_again(&mut self, cal: &mut Calendar<Event>, now: Nanos, d: usize, promoted: Option<u32>) {
        let range = self.datastore_stations[d].clone();
        let zone_name = |w: &World, node: u32| {
            w.stations[(range.start + node) as usize].zone.map(|z| w.topology().zones()[z.index()].name.clone())
        };
        let store = &mut self.infra.stores[d];
        let Some(lost_at) = store.lost_at.take() else { return };
        store.generation = store.generation.wrapping_add(1);
        let (writes_lost, oldest) = promoted.map_or((0, None), |n| store.snapshot[n as usize]);
        if let Some(n) = promoted {
            store.primary = n;
        }
        for log in &mut store.logs {
            log.clear();
        }
        let primary = store.primary;
        let record = FailoverRecord {
            lost_at_ns: lost_at,
            rto_ns: now - lost_at,
            promoted: promoted.and_then(|n| zone_name(self, n)),
            writes_lost,
            rpo_ns: oldest.map_or(0, |c| lost_at.saturating_sub(c)),
        };
        // Like every figure, outages count when they start after the warm-up.
        if self.measuring(lost_at) {
            self.metrics.datastores[d].writes_lost += writes_lost;
            self.metrics.datastores[d].outages.push(record);
        }
        // Held writes go to the primary now serving.
        let station = range.start + primary;
        while let Some(job) = self.infra.stores[d].buffer.pop_front() {
            if let Some(j) = self.jobs.get_mut(job) {
                j.station = station;
                cal.schedule(now, Event::Deliver { job });
            }
        }
    }
}
