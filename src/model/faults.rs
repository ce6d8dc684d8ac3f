//! Faults: scripted windows and random failure processes, and what they do to stations
//! and messages.
//!
//! Station state derived from faults (down, slowed, erroring, capacity cut) is recomputed
//! from the set of active faults whenever one starts or ends, so overlapping faults on the
//! same target compose and revert exactly. Crashes kill the station's jobs: a crashed
//! process (instance, service, datastore, cache, queue, external) refuses its callers at
//! once; a lost zone or region leaves them to time out. Partitions, added latency and
//! packet loss act on messages as they are sent.

use crate::engine::calendar::{Calendar, Nanos};
use crate::engine::event::{Cause, Event, Outcome};
use crate::scenario::{Fault, Side, Target};
use crate::spec;
use crate::topology::{ComponentId, Place, ZoneId};

use super::world::{StationKind, World};

/// What happens to a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// It arrives.
    Delivered,
    /// It vanishes; the sender waits for its timeout.
    Lost,
    /// The connection is refused; the sender fails at once.
    Refused,
}

/// One end of a message: a station, or a client (outside every zone and component).
#[derive(Clone, Copy)]
struct End {
    station: Option<u32>,
    zone: Option<ZoneId>,
    component: Option<ComponentId>,
}

fn end_of(w: &World, station: Option<u32>) -> End {
    match station {
        Some(s) => {
            let st = &w.stations[s as usize];
            End { station, zone: st.zone, component: Some(st.component) }
        }
        None => End { station: None, zone: None, component: None },
    }
}

/// Whether a zone or component lies on one side of a partition.
fn on_side(w: &World, sides: &[Side], e: End) -> bool {
    let t = w.topology();
    sides.iter().any(|s| match *s {
        Side::Place(Place::Zone(z)) => e.zone == Some(z),
        Side::Place(Place::Region(r)) => e.zone.is_some_and(|z| t.zones()[z.index()].region == r),
        Side::Component(c) => e.component == Some(c),
    })
}

/// Whether a message end is the component or instance a fault targets.
fn is_target(w: &World, target: &Target, e: End) -> bool {
    match *target {
        Target::Instance(i) => {
            let inst = &w.topology().instances()[i.index()];
            e.station == Some(w.service_states[inst.service.index()].stations.start + inst.ordinal)
        }
        Target::Service(s) => e.component == Some(ComponentId::Service(s)),
        Target::Component(c) => e.component == Some(c),
        _ => false,
    }
}

/// Whether a link target covers a message between two ends (either way).
fn link_covers(w: &World, target: &Target, a: End, b: End) -> bool {
    let t = w.topology();
    let place_has = |p: Place, z: Option<ZoneId>| match p {
        Place::Zone(pz) => z == Some(pz),
        Place::Region(r) => z.is_some_and(|z| t.zones()[z.index()].region == r),
    };
    match *target {
        Target::PlaceLink(p, q) => {
            (place_has(p, a.zone) && place_has(q, b.zone)) || (place_has(q, a.zone) && place_has(p, b.zone))
        }
        Target::ComponentLink(p, q) => {
            (a.component == Some(p) && b.component == Some(q)) || (a.component == Some(q) && b.component == Some(p))
        }
        _ => false,
    }
}

/// Whether a fault on a component or instance touches this message: it acts on the target
/// as a callee — on the requests it receives and the answers it sends — never on the calls
/// it makes itself.
fn touches_callee(w: &World, target: &Target, from: End, to: End, answer: bool) -> bool {
    if answer {
        is_target(w, target, from)
    } else {
        is_target(w, target, to)
    }
}

/// The fate of a message from station `from` to station `to` (`None`: a client) under
/// active partitions and packet loss; `answer` says whether it is a response.
pub fn message_fate(w: &mut World, from: Option<u32>, to: Option<u32>, answer: bool) -> Fate {
    let loss = w.topology().network_loss();
    if w.message_faults_active == 0 && loss == 0.0 {
        return Fate::Delivered;
    }
    let scenario = std::sync::Arc::clone(&w.scenario);
    let (a, b) = (end_of(w, from), end_of(w, to));
    let mut fate = Fate::Delivered;
    for (i, f) in scenario.faults.iter().enumerate() {
        if !w.fault_active[i] {
            continue;
        }
        match &f.fault {
            Fault::Partition { side_a, side_b, direction, mode } => {
                let forward = on_side(w, side_a, a) && on_side(w, side_b, b);
                let backward = on_side(w, side_b, a) && on_side(w, side_a, b);
                if forward || (*direction == spec::Direction::Both && backward) {
                    return if *mode == spec::PartitionMode::Refuse { Fate::Refused } else { Fate::Lost };
                }
            }
            Fault::PacketLoss { target, probability }
                if (link_covers(w, target, a, b) || touches_callee(w, target, a, b, answer))
                    && super::world::unit(&mut w.fault_rngs[i]) < *probability =>
            {
                fate = Fate::Lost;
            }
            _ => {}
        }
    }
    let loss = w.topology().network_loss();
    if fate == Fate::Delivered
        && loss > 0.0
        && a.zone.is_some()
        && b.zone.is_some()
        && super::world::unit(&mut w.rng_loss) < loss
    {
        fate = Fate::Lost;
    }
    fate
}

/// Extra delay on a message from active latency faults: on a link, both ways; on a
/// component or instance, its answers only.
pub fn extra_latency(w: &mut World, from: Option<u32>, to: Option<u32>, answer: bool) -> Nanos {
    if w.message_faults_active == 0 {
        return 0;
    }
    let scenario = std::sync::Arc::clone(&w.scenario);
    let (a, b) = (end_of(w, from), end_of(w, to));
    let mut extra: Nanos = 0;
    for (i, f) in scenario.faults.iter().enumerate() {
        if !w.fault_active[i] {
            continue;
        }
        if let Fault::Latency { target, add } = &f.fault {
            let hit = link_covers(w, target, a, b) || (answer && is_target(w, target, a));
            if hit {
                extra = extra.saturating_add(add.sample(&mut w.fault_rngs[i]));
            }
        }
    }
    extra
}

impl World {
    /// Stations a target covers.
    fn target_stations(&self, target: &Target) -> Vec<u32> {
        let t = self.topology();
        match *target {
            Target::Instance(i) => {
                let inst = &t.instances()[i.index()];
                let first = self.service_states[inst.service.index()].stations.start;
                vec![first + inst.ordinal]
            }
            Target::Service(s) => self.service_states[s.index()].stations.clone().collect(),
            Target::Component(c) => self.stations_of(c).collect(),
            Target::Zone(z) => {
                (0..self.stations.len() as u32).filter(|&i| self.stations[i as usize].zone == Some(z)).collect()
            }
            Target::Region(r) => (0..self.stations.len() as u32)
                .filter(|&i| self.stations[i as usize].zone.is_some_and(|z| t.zones()[z.index()].region == r))
                .collect(),
            Target::PlaceLink(..) | Target::ComponentLink(..) => Vec::new(),
        }
    }

    /// Recomputes every station's fault-derived state and applies the changes: stations that
    /// went down lose their jobs, stations that came back up start taking work again.
    pub fn apply_faults(&mut self, cal: &mut Calendar<Event>, now: Nanos) {
        let n = self.stations.len();
        let mut down = vec![false; n];
        let mut refuse = vec![true; n];
        let mut slow = vec![1.0f64; n];
        let mut errors = vec![0.0f64; n];
        let mut cut = vec![0.0f64; n];
        let scenario = std::sync::Arc::clone(&self.scenario);
        let crash = |w: &World, target: &Target, down: &mut Vec<bool>, refuse: &mut Vec<bool>| {
            let host_gone = matches!(target, Target::Zone(_) | Target::Region(_));
            for s in w.target_stations(target) {
                down[s as usize] = true;
                if host_gone {
                    refuse[s as usize] = false;
                }
            }
        };
        for (i, f) in scenario.faults.iter().enumerate() {
            if !self.fault_active[i] {
                continue;
            }
            match &f.fault {
                // A datastore crash stays on the node that was primary when it started.
                Fault::Crash(_) if self.infra.fault_pins[i].is_some() => {
                    if let Some(s) = self.infra.fault_pins[i] {
                        down[s as usize] = true;
                    }
                }
                Fault::Crash(target) => crash(self, target, &mut down, &mut refuse),
                Fault::Outage(c) => crash(self, &Target::Component(*c), &mut down, &mut refuse),
                Fault::Slowdown { target, factor } => {
                    for s in self.target_stations(target) {
                        slow[s as usize] *= factor;
                    }
                }
                Fault::CapacityCut { target, fraction, of } => {
                    for s in self.target_stations(target) {
                        match of {
                            spec::Capacity::Workers => {
                                cut[s as usize] = 1.0 - (1.0 - cut[s as usize]) * (1.0 - fraction)
                            }
                            // A speed cut of f leaves 1 − f of the speed: service time ÷ (1 − f).
                            spec::Capacity::Speed => slow[s as usize] /= (1.0 - fraction).max(1e-3),
                        }
                    }
                }
                Fault::Errors { target, probability } => {
                    for s in self.target_stations(target) {
                        errors[s as usize] = 1.0 - (1.0 - errors[s as usize]) * (1.0 - probability);
                    }
                }
                Fault::BadDeploy { service, fraction, error_rate } => {
                    let range = self.service_states[service.index()].stations.clone();
                    let count = ((f64::from(range.end - range.start) * fraction).ceil() as u32).max(1);
                    for s in range.start..(range.start + count).min(range.end) {
                        errors[s as usize] = 1.0 - (1.0 - errors[s as usize]) * (1.0 - error_rate);
                    }
                }
                Fault::Partition { .. }
                | Fault::Latency { .. }
                | Fault::PacketLoss { .. }
                | Fault::CacheFlush(_)
                | Fault::MemoryLeak { .. } => {}
            }
        }
        for p in 0..self.processes.len() {
            if self.processes[p].failed {
                if let Some(s) = self.infra.process_pins[p] {
                    down[s as usize] = true;
                    continue;
                }
                let target = self.processes[p].target.clone();
                crash(self, &target, &mut down, &mut refuse);
            }
        }
        // OOM-killed and not (yet) provisioned instances are down whatever the faults say;
        // an OOM-killed process is gone but its host is up, so callers are refused.
        for (s, node) in self.infra.nodes.iter().enumerate() {
            if node.held_down() {
                down[s] = true;
            }
        }
        for s in 0..n {
            let was_down = self.stations[s].down;
            self.account_busy(s as u32, now);
            let st = &mut self.stations[s];
            st.slow = slow[s];
            st.injected_errors = errors[s];
            st.workers_cut = cut[s];
            st.down = down[s];
            st.refuses = refuse[s];
            if down[s] != was_down {
                // Instances an autoscaler adds or removes are not crashes.
                let scaled = self.infra.nodes[s].unprovisioned || self.infra.nodes[s].pending;
                if let (StationKind::Instance { instance, .. }, false) = (st.kind, scaled) {
                    self.metrics.record_instance_change(crate::metrics::run::InstanceChange {
                        time_ns: now,
                        instance,
                        up: !down[s],
                    });
                }
                // A cache node that comes back is cold: the hit ratio refills over `warmup`.
                if let (StationKind::Cache(c), false) = (st.kind, down[s]) {
                    self.cache_flushed_at[c as usize] = Some(now);
                }
            }
            if down[s] && !was_down {
                self.kill_jobs(cal, now, s as u32);
            }
            if down[s] != was_down {
                self.infra_station_changed(cal, now, s as u32);
            }
            // Capacity may have grown (a cut ended, or the station is back): start waiting work.
            self.fill_workers(cal, now, s as u32);
        }
        self.infra_after_faults(cal, now);
    }

    /// A station crashed: its jobs are lost; callers are refused at once if the process died
    /// but the host is up, and otherwise left to time out.
    fn kill_jobs(&mut self, cal: &mut Calendar<Event>, now: Nanos, station: u32) {
        let present = std::mem::take(&mut self.stations[station as usize].present);
        self.stations[station as usize].waiting.clear();
        self.account_busy(station, now);
        self.stations[station as usize].busy = 0;
        let refuses = self.stations[station as usize].refuses;
        for job_key in present {
            let Some(job) = self.jobs.remove(job_key) else { continue };
            if job.working {
                self.pool_released(now, station, job.call);
            }
            if refuses && self.attempts.get(job.attempt).is_some() {
                cal.schedule(
                    now,
                    Event::Response { attempt: job.attempt, outcome: Outcome::Failed(Cause::Unavailable) },
                );
            }
        }
    }

    /// Starts waiting jobs while workers are free.
    fn fill_workers(&mut self, cal: &mut Calendar<Event>, now: Nanos, station: u32) {
        loop {
            let st = &mut self.stations[station as usize];
            if st.down || st.busy >= st.effective_workers() {
                return;
            }
            let Some(next) = self.next_waiting(cal, now, station) else { return };
            self.start_work(cal, now, next);
        }
    }

    /// A scripted fault window opens or closes.
    pub fn fault_edge(&mut self, cal: &mut Calendar<Event>, now: Nanos, fault: u32, active: bool) {
        let f = fault as usize;
        if let (true, Fault::CacheFlush(ComponentId::Cache(c))) = (active, &self.scenario.faults[f].fault) {
            self.cache_flushed_at[c.index()] = Some(now);
        }
        if self.fault_active[f] != active
            && matches!(
                self.scenario.faults[f].fault,
                Fault::Partition { .. } | Fault::Latency { .. } | Fault::PacketLoss { .. }
            )
        {
            if active {
                self.message_faults_active += 1;
            } else {
                self.message_faults_active -= 1;
            }
        }
        self.fault_active[f] = active;
        self.infra_fault_edge(f, active);
        self.apply_faults(cal, now);
        self.infra_after_fault_edge(cal, now, f);
    }

    /// A failure process fails or is repaired; the next change is scheduled.
    pub fn process_edge(&mut self, cal: &mut Calendar<Event>, now: Nanos, process: u32, failed: bool) {
        let p = &mut self.processes[process as usize];
        p.failed = failed;
        let next =
            if failed { p.failure.ttr.dist().sample(&mut p.rng) } else { p.failure.ttf.dist().sample(&mut p.rng) };
        // A zero draw would make a same-instant flip; one nanosecond keeps time moving.
        let at = now.saturating_add(next.max(1));
        cal.schedule(at, if failed { Event::ProcessRepair { process } } else { Event::ProcessFail { process } });
        self.infra_process_edge(process as usize, failed);
        self.apply_faults(cal, now);
    }

    /// A round of health checks for one service; the next round is scheduled.
    pub fn health_check(&mut self, cal: &mut Calendar<Event>, now: Nanos, service: u32) {
        let t = std::sync::Arc::clone(self.topology());
        let Some(hc) = t.services()[service as usize].load_balancer.health_check.as_ref() else { return };
        let range = self.service_states[service as usize].stations.clone();
        for s in range {
            // Instances a scale-in is draining stay out of rotation.
            if self.infra.nodes[s as usize].draining {
                continue;
            }
            let st = &mut self.stations[s as usize];
            // A check fails when the instance is down or so backed up it cannot answer in time.
            let healthy = !st.down && st.effective_workers() > 0;
            if healthy {
                st.checks_passed += 1;
                st.checks_failed = 0;
                if !st.in_rotation && st.checks_passed >= hc.healthy_after {
                    st.in_rotation = true;
                    rotation(&mut self.metrics, now, st.kind, true);
                }
            } else {
                st.checks_failed += 1;
                st.checks_passed = 0;
                if st.in_rotation && st.checks_failed >= hc.unhealthy_after {
                    st.in_rotation = false;
                    rotation(&mut self.metrics, now, st.kind, false);
                }
            }
            self.check_views(now, service as usize, s, hc);
        }
        cal.schedule(now.saturating_add(hc.interval.as_nanos()), Event::HealthCheck { service });
    }
}

impl World {
    /// The round's checks of one instance from each vantage point of its service: a check
    /// that cannot cross an active partition (either way: it needs an answer) counts as
    /// failed for that vantage point alone.
    fn check_views(&mut self, now: Nanos, service: usize, s: u32, hc: &spec::HealthCheck) {
        let n = self.health.vantages[service].len();
        for k in 0..n {
            let from = self.health.vantages[service][k];
            let reachable = self.message_faults_active == 0 || !unreachable(self, from, s);
            let was_cut = self.health.cut[s as usize];
            let view = &mut self.health.views[s as usize][k];
            if reachable {
                view.passed += 1;
                view.failed = 0;
                if view.out && view.passed >= hc.healthy_after {
                    view.out = false;
                    self.health.cut[s as usize] -= 1;
                }
            } else {
                view.failed += 1;
                view.passed = 0;
                if !view.out && view.failed >= hc.unhealthy_after {
                    view.out = true;
                    self.health.cut[s as usize] += 1;
                }
            }
            // The instance leaves rotation for some callers when the first vantage point
            // cuts it off, and is back for all when the last one lets it in.
            let cut = self.health.cut[s as usize];
            let st = &self.stations[s as usize];
            if st.in_rotation && (was_cut == 0) != (cut == 0) {
                rotation(&mut self.metrics, now, st.kind, cut == 0);
            }
        }
    }
}

/// Whether an active partition stands between a vantage point and a station, in either
/// direction.
fn unreachable(w: &World, from: super::health::Vantage, to: u32) -> bool {
    let a = End { station: None, zone: from.0, component: from.1 };
    let b = end_of(w, Some(to));
    w.scenario.faults.iter().enumerate().any(|(i, f)| {
        w.fault_active[i]
            && matches!(&f.fault, Fault::Partition { side_a, side_b, .. }
                if (on_side(w, side_a, a) && on_side(w, side_b, b)) || (on_side(w, side_b, a) && on_side(w, side_a, b)))
    })
}

/// Records a health check taking an instance out of rotation or putting it back (the
/// detection that FMEA measures).
fn rotation(metrics: &mut crate::metrics::run::RunMetrics, now: Nanos, kind: StationKind, up: bool) {
    if let StationKind::Instance { instance: i, .. } = kind {
        metrics.record_rotation(crate::metrics::run::InstanceChange { time_ns: now, instance: i, up });
    }
}
