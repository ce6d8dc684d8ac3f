//! The memory model of service instances: `base + per_request × requests held + leaked`,
//! and the OOM killer when it goes above the limit.
//!
//! Semantics (the manual's semantics chapter, "Memory"):
//! - A request is held from its admission (waiting or working) until it answers, downstream
//!   calls included, so a slow dependency also fills memory.
//! - Memory above the limit (strictly) kills the instance at once: its in-flight requests are
//!   lost and callers are refused (the process died, the host is up). It serves again after
//!   the service's `restart_delay`, as a fresh process: leaked memory is gone.
//! - A leak grows memory by `per_second` on every targeted instance while it is up and the
//!   window is open; closing the window stops the growth but does not free what leaked (only
//!   a restart does). Any restart — after an OOM kill, a crash or a lost zone — starts at
//!   `base` again.
//!
//! Memory is kept in nano-bytes (bytes × 10⁹) so that a leak of r bytes per second grows by
//! exactly r per nanosecond, and the time the limit is crossed is an exact integer: the
//! leak's crossing is found by a timer armed for that time, re-armed whenever the number of
//! requests held rises (and checked again when it fires, since requests may have left).

use crate::engine::calendar::{Calendar, Nanos};
use crate::engine::event::Event;
use crate::scenario::{Fault, Target};
use crate::spec;

use super::super::world::World;

/// Nano-bytes per byte.
const SCALE: u128 = 1_000_000_000;

/// Memory state of one instance with a memory model.
#[derive(Clone, Debug)]
pub struct MemState {
    /// Idle memory (nano-bytes).
    base: u128,
    /// Memory per request held (nano-bytes).
    per_request: u128,
    /// The limit (nano-bytes); strictly above it the instance is killed.
    limit: u128,
    /// Leak rate now (bytes per second, which is nano-bytes per nanosecond).
    pub leak_rate: u64,
    /// Leaked so far up to `since` (nano-bytes).
    leaked: u128,
    /// Time `leaked` was last brought up to date.
    since: Nanos,
    /// Bumped whenever a pending leak timer becomes stale.
    pub generation: u32,
}

impl MemState {
    /// The state of a fresh instance of a service with this memory model.
    pub fn new(m: &spec::Memory) -> MemState {
        MemState {
            base: u128::from(m.base.0) * SCALE,
            per_request: u128::from(m.per_request.0) * SCALE,
            limit: u128::from(m.limit.0) * SCALE,
            leak_rate: 0,
            leaked: 0,
            since: 0,
            generation: 0,
        }
    }

    /// Brings the leak up to `now`; it grows only while the instance is `up`.
    fn settle(&mut self, now: Nanos, up: bool) {
        if up && now > self.since {
            self.leaked += u128::from(self.leak_rate) * u128::from(now - self.since);
        }
        self.since = self.since.max(now);
    }

    /// Memory used with `held` requests (nano-bytes).
    fn used(&self, held: usize) -> u128 {
        self.base + self.per_request * held as u128 + self.leaked
    }

    /// Memory used with `held` requests, in bytes.
    pub fn used_bytes(&self, held: usize) -> u64 {
        (self.used(held) / SCALE).min(u128::from(u64::MAX)) as u64
    }

    /// Nanoseconds until the leak takes memory strictly above the limit with `held`
    /// requests, if it is leaking.
    fn time_to_limit(&self, held: usize) -> Option<Nanos> {
        if self.leak_rate == 0 {
            return None;
        }
        let headroom = self.limit.saturating_sub(self.used(held));
        let dt = headroom / u128::from(self.leak_rate) + 1;
        Some(dt.min(u128::from(u64::MAX / 2)) as Nanos)
    }

    /// A fresh process: nothing leaked.
    fn restart(&mut self, now: Nanos) {
        self.leaked = 0;
        self.since = now;
    }
}

impl World {
    /// A request was admitted at `station` (hot path: one lookup without a memory model):
    /// checks the limit, and re-arms a leaking instance's timer since it is now closer to it.
    pub fn memory_admitted(&mut self, cal: &mut Calendar<Event>, now: Nanos, station: u32) {
        let s = station as usize;
        if self.infra.memory[s].is_none() {
            return;
        }
        self.memory_check_now(cal, now, station);
    }

    /// Settles, records the peak, and kills or re-arms.
    fn memory_check_now(&mut self, cal: &mut Calendar<Event>, now: Nanos, station: u32) {
        let s = station as usize;
        let st = &self.stations[s];
        let (up, held) = (!st.down, st.present.len());
        let measuring = self.measuring(now);
        let service = st.component;
        let Some(mem) = self.infra.memory[s].as_mut() else { return };
        mem.settle(now, up);
        if !up {
            return;
        }
        let used = mem.used_bytes(held);
        let over = mem.used(held) > mem.limit;
        if let (crate::topology::ComponentId::Service(sid), true) = (service, measuring) {
            let m = &mut self.metrics.services[sid.index()];
            m.memory_max_bytes = m.memory_max_bytes.max(used);
        }
        if over {
            self.oom_kill(cal, now, station);
        } else if let Some(dt) = mem.time_to_limit(held) {
            mem.generation = mem.generation.wrapping_add(1);
            let generation = mem.generation;
            cal.schedule(now.saturating_add(dt), Event::MemoryCheck { station, generation });
        }
    }

    /// A leak timer fires: the instance is over its limit now unless requests left since.
    pub fn memory_timer(&mut self, cal: &mut Calendar<Event>, now: Nanos, station: u32, generation: u32) {
        if self.infra.memory[station as usize].as_ref().is_some_and(|m| m.generation == generation) {
            self.memory_check_now(cal, now, station);
        }
    }

    /// The OOM killer: the instance dies with its requests and restarts after the service's
    /// `restart_delay`.
    fn oom_kill(&mut self, cal: &mut Calendar<Event>, now: Nanos, station: u32) {
        let s = station as usize;
        let crate::topology::ComponentId::Service(sid) = self.stations[s].component else { return };
        if self.measuring(now) {
            self.metrics.services[sid.index()].oom_kills += 1;
        }
        let node = &mut self.infra.nodes[s];
        node.oom = true;
        node.kills = node.kills.wrapping_add(1);
        let generation = node.kills;
        let delay = self.topology().service(sid).restart_delay.as_nanos();
        cal.schedule(now.saturating_add(delay.max(1)), Event::Restart { station, generation });
        self.apply_faults(cal, now);
    }

    /// An OOM-killed instance has restarted.
    pub fn oom_restart(&mut self, cal: &mut Calendar<Event>, now: Nanos, station: u32, generation: u32) {
        let s = station as usize;
        if !self.infra.nodes[s].oom || self.infra.nodes[s].kills != generation {
            return;
        }
        self.infra.nodes[s].oom = false;
        self.apply_faults(cal, now);
    }

    /// A station went down or came up: a process that comes back starts without leaks.
    pub(super) fn memory_station_changed(&mut self, cal: &mut Calendar<Event>, now: Nanos, station: u32) {
        let s = station as usize;
        let up = !self.stations[s].down;
        let Some(mem) = self.infra.memory[s].as_mut() else { return };
        mem.settle(now, !up);
        mem.restart(now);
        mem.generation = mem.generation.wrapping_add(1);
        if up {
            self.memory_check_now(cal, now, station);
        }
    }

    /// Leak windows opened or closed: recomputes every instance's leak rate from the open
    /// windows, settling the leak at the old rate first.
    pub fn leaks_changed(&mut self, cal: &mut Calendar<Event>, now: Nanos) {
        let scenario = std::sync::Arc::clone(&self.scenario);
        for s in 0..self.stations.len() {
            if self.infra.memory[s].is_none() {
                continue;
            }
            let mut rate = 0u64;
            for (i, f) in scenario.faults.iter().enumerate() {
                if let (true, Fault::MemoryLeak { target, per_second }) = (self.fault_active[i], &f.fault) {
                    if self.leak_hits(target, s as u32) {
                        rate = rate.saturating_add(per_second.0);
                    }
                }
            }
            let up = !self.stations[s].down;
            if let Some(mem) = self.infra.memory[s].as_mut() {
                if mem.leak_rate == rate {
                    continue;
                }
                mem.settle(now, up);
                mem.leak_rate = rate;
            }
            self.memory_check_now(cal, now, s as u32);
        }
    }

    /// Whether a leak's target covers a station.
    fn leak_hits(&self, target: &Target, station: u32) -> bool {
        match *target {
            Target::Instance(i) => {
                let inst = &self.topology().instances()[i.index()];
                self.service_states[inst.service.index()].stations.start + inst.ordinal == station
            }
            Target::Service(sid) => self.service_states[sid.index()].stations.contains(&station),
            _ => false,
        }
    }

    /// Memory of a station now (bytes), if it has a memory model: for reports and tests.
    pub fn memory_bytes(&self, station: u32, now: Nanos) -> Option<u64> {
        let s = station as usize;
        let mut mem = self.infra.memory[s].clone()?;
        mem.settle(now, !self.stations[s].down);
        Some(mem.used_bytes(self.stations[s].present.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::Bytes;

    #[test]
    fn a_leak_crosses_the_limit_at_the_exact_nanosecond() {
        let m = spec::Memory { base: Bytes(256 << 20), per_request: Bytes(1 << 20), limit: Bytes(512 << 20) };
        let mut s = MemState::new(&m);
        s.leak_rate = 1 << 20;
        // 256 MiB of headroom, 2 MiB held by two requests: 254 s, then one more nanosecond.
        assert_eq!(s.time_to_limit(2), Some(254_000_000_001));
        s.settle(254_000_000_000, true);
        assert!(s.used(2) <= s.limit);
        s.settle(254_000_000_001, true);
        assert!(s.used(2) > s.limit);
        s.restart(254_000_000_001);
        assert_eq!(s.used_bytes(0), 256 << 20);
    }
}
