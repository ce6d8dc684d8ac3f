//! Infrastructure parts that have state of their own beyond stations and requests: the
//! memory model and OOM killer ([`memory`]), autoscalers ([`autoscale`]), message-queue
//! delivery ([`queue`]), datastore replication and failover ([`replication`]) and who holds
//! a datastore's connections ([`pool`]).
//!
//! Each submodule adds its reactions to [`World`]; the request flow and the fault code call
//! them through a few hooks: a request admitted (memory), a station going down or coming
//! up (memory, failover, queue delivery), an enqueue accepted and a write committed, a
//! delivery's answer. Per-station flags kept here (OOM-killed, not provisioned) hold a
//! station down on top of the scenario's faults.

pub mod autoscale;
pub mod memory;
pub mod pool;
pub mod queue;
pub mod replication;

use crate::engine::calendar::{Calendar, Nanos};
use crate::engine::event::Event;
use crate::engine::slab::Slab;
use crate::rng::{stream, Purpose};
use crate::scenario::{Fault, Target};
use crate::topology::ComponentId;

use super::world::World;

/// Per-station state kept by the infrastructure parts.
#[derive(Clone, Copy, Debug, Default)]
pub struct NodeFlags {
    /// OOM-killed and restarting.
    pub oom: bool,
    /// OOM kills so far (names the restart that belongs to the latest kill).
    pub kills: u32,
    /// An autoscaled instance that does not exist now.
    pub unprovisioned: bool,
    /// Being provisioned (ready after the provisioning delay).
    pub pending: bool,
    /// Taken out of rotation by a scale-in, stopping once empty.
    pub draining: bool,
}

impl NodeFlags {
    /// Whether the station is down whatever the faults say.
    pub fn held_down(&self) -> bool {
        self.oom || self.unprovisioned
    }
}

/// The state of the infrastructure parts of one run. See the module docs.
#[derive(Clone, Debug, Default)]
pub struct Infra {
    /// Per station.
    pub nodes: Vec<NodeFlags>,
    /// Per station: its memory, when its service has a memory model.
    pub memory: Vec<Option<memory::MemState>>,
    /// Per service: its autoscaler's state, if it has one.
    pub scalers: Vec<Option<autoscale::Scaler>>,
    /// Per queue.
    pub queues: Vec<queue::QueueState>,
    /// Messages held by queues.
    pub messages: Slab<queue::Message>,
    /// Per datastore.
    pub stores: Vec<replication::Store>,
    /// Per datastore: who holds its connections now.
    pub pools: Vec<pool::PoolState>,
    /// Per scripted fault: the station a datastore crash took down (the primary when the
    /// crash started), so a promoted replica is not crashed by the same window.
    pub fault_pins: Vec<Option<u32>>,
    /// Per failure process: likewise.
    pub process_pins: Vec<Option<u32>>,
}

impl Infra {
    /// The initial state for `world`, whose stations exist already.
    pub fn build(w: &World) -> Infra {
        let t = w.topology();
        let n = w.stations.len();
        let mut nodes = vec![NodeFlags::default(); n];
        let mut memory = vec![None; n];
        let mut scalers = Vec::new();
        for (si, svc) in t.services().iter().enumerate() {
            let range = w.service_states[si].stations.clone();
            for s in range.clone() {
                memory[s as usize] = svc.memory.as_ref().map(memory::MemState::new);
                // Stations beyond the starting count exist for the autoscaler's maximum.
                nodes[s as usize].unprovisioned = s - range.start >= svc.instance_count();
            }
            scalers.push(svc.autoscaler.as_ref().map(|a| autoscale::Scaler {
                last_busy: vec![0; range.len()],
                desired: svc.instance_count().clamp(a.min, a.max),
            }));
        }
        let stores = t
            .datastores()
            .iter()
            .enumerate()
            .map(|(d, ds)| {
                let nodes = w.datastore_stations[d].len();
                replication::Store::new(nodes, stream(w.seed, &format!("datastore:{}", ds.name), Purpose::Replication))
            })
            .collect();
        Infra {
            nodes,
            memory,
            scalers,
            queues: vec![queue::QueueState::default(); t.queues().len()],
            messages: Slab::default(),
            stores,
            pools: pool::PoolState::build(t),
            fault_pins: vec![None; w.scenario.faults.len()],
            process_pins: vec![None; w.processes.len()],
        }
    }
}

impl World {
    /// Schedules what the infrastructure parts do by themselves (autoscaler evaluations).
    pub fn schedule_infra(&mut self, cal: &mut Calendar<Event>) {
        self.schedule_autoscalers(cal);
    }

    /// A scripted fault window opens or closes: pins a datastore crash to the current
    /// primary (before the faults are applied).
    pub fn infra_fault_edge(&mut self, fault: usize, active: bool) {
        let target = match &self.scenario.faults[fault].fault {
            Fault::Crash(t) => t.clone(),
            _ => return,
        };
        self.infra.fault_pins[fault] = if active { self.datastore_pin(&target) } else { None };
    }

    /// A failure process fails or is repaired: as [`World::infra_fault_edge`].
    pub fn infra_process_edge(&mut self, process: usize, failed: bool) {
        let target = self.processes[process].target.clone();
        self.infra.process_pins[process] = if failed { self.datastore_pin(&target) } else { None };
    }

    fn datastore_pin(&self, target: &Target) -> Option<u32> {
        match *target {
            Target::Component(ComponentId::Datastore(d)) => {
                Some(self.datastore_stations[d.index()].start + self.infra.stores[d.index()].primary)
            }
            _ => None,
        }
    }

    /// Leak windows changed (after the faults are applied).
    pub fn infra_after_fault_edge(&mut self, cal: &mut Calendar<Event>, now: Nanos, fault: usize) {
        if matches!(self.scenario.faults[fault].fault, Fault::MemoryLeak { .. }) {
            self.leaks_changed(cal, now);
        }
    }

    /// A station went down or came up.
    pub fn infra_station_changed(&mut self, cal: &mut Calendar<Event>, now: Nanos, station: u32) {
        self.memory_station_changed(cal, now, station);
    }

    /// After every recomputation of the stations' state: datastores look at their primary,
    /// queues resume deliveries.
    pub fn infra_after_faults(&mut self, cal: &mut Calendar<Event>, now: Nanos) {
        self.datastores_changed(cal, now);
        self.dispatch_all_queues(cal, now);
    }

    /// What the infrastructure parts record when the run ends.
    pub fn infra_end(&mut self, now: Nanos) {
        self.queues_at_end();
        self.pools_at_end(now);
    }
}
