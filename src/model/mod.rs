//! How the modelled system reacts to each event: a function of (state, event).
//!
//! [`World`] holds the state of one run; [`World::handle`] is the single entry point the
//! engine calls for every event it pops. The submodules each own one concern: the state
//! itself ([`world`]), request flow ([`flow`]), instance choice ([`balance`]), faults and
//! health checks ([`faults`]), client arrivals ([`arrivals`]), the resilience patterns
//! ([`patterns`]: breakers, bulkheads, throttles, retry budgets, fallbacks, rate limits,
//! shedding, deadlines) and the infrastructure parts with state of their own — memory and
//! OOM kills, autoscalers, queue delivery, datastore replication and failover ([`infra`]);
//! and forking a run into a variant that adds fault windows from some instant on ([`fork`]).

pub mod arrivals;
pub mod balance;
pub mod faults;
pub mod flow;
pub mod fork;
pub mod health;
pub mod infra;
pub mod patterns;
pub mod spans;
pub mod world;

pub use world::World;

use std::sync::Arc;

use crate::engine::calendar::{Calendar, Nanos};
use crate::engine::event::Event;
use crate::engine::{LimitError, Model, Simulation};
use crate::metrics::run::RunMetrics;
use crate::metrics::Fingerprint;
use crate::scenario::Scenario;

/// A run stopped early by a limit, with what it measured until then.
pub type Stopped = Box<(LimitError, RunMetrics)>;

impl Simulation<World> {
    /// Prepares the run of `scenario` with `seed`.
    pub fn new(scenario: Arc<Scenario>, seed: u64) -> Simulation<World> {
        let limits = scenario.limits;
        Simulation::with_model(World::new(scenario, seed), limits)
    }

    /// Runs to the end, calling `observe` after every processed event.
    pub fn run_observed(self, observe: impl FnMut(Nanos, &Event)) -> Result<RunMetrics, Stopped> {
        match self.run_model(observe) {
            (world, None) => Ok(world.metrics),
            (world, Some(limit)) => Err(Box::new((limit, world.metrics))),
        }
    }

    /// Runs to the end.
    pub fn run(self) -> Result<RunMetrics, Stopped> {
        self.run_observed(|_, _| {})
    }
}

/// A run of the request-level model: until the scenario's duration clients send requests;
/// after it arrivals stop and requests in flight drain, until none is left or `max_time`
/// is reached, when the rest count as failed (`unfinished`).
impl Model for World {
    type Event = Event;
    fn start(&mut self, calendar: &mut Calendar<Event>) {
        self.schedule_start(calendar);
    }
    fn handle(&mut self, calendar: &mut Calendar<Event>, now: Nanos, event: Event) {
        self.dispatch(calendar, now, event);
    }
    fn done(&self) -> bool {
        self.arrivals_over && self.roots.is_empty()
    }
    fn in_flight(&self) -> u64 {
        self.roots.len() as u64
    }
    fn finish(&mut self, now: Nanos, events: u64, fingerprint: Fingerprint) {
        self.metrics.events = events;
        self.metrics.fingerprint = fingerprint;
        self.end(now);
    }
    fn invariant(&self) -> bool {
        self.conserved()
    }
}

impl World {
    /// Schedules what happens by itself: first arrivals, fault windows, failure processes,
    /// health checks and the end of arrivals.
    pub fn schedule_start(&mut self, cal: &mut Calendar<Event>) {
        for w in 0..self.scenario.workloads.len() as u32 {
            self.first_arrival(cal, w);
        }
        for (i, f) in self.scenario.faults.iter().enumerate() {
            cal.schedule(f.start.as_nanos(), Event::FaultStart { fault: i as u32 });
            if let Some(end) = f.end {
                cal.schedule(end.as_nanos(), Event::FaultEnd { fault: i as u32 });
            }
        }
        // Windows a fork adds are scheduled here, in sequence order (see `fork`).
        let first = cal.reserve(fork::RESERVED_SEQS);
        self.fork_seqs = first..first + fork::RESERVED_SEQS;
        for p in 0..self.processes.len() {
            let proc = &mut self.processes[p];
            let first = proc.failure.ttf.dist().sample(&mut proc.rng).max(1);
            cal.schedule(first, Event::ProcessFail { process: p as u32 });
        }
        let t = Arc::clone(self.topology());
        for (s, svc) in t.services().iter().enumerate() {
            if let Some(hc) = &svc.load_balancer.health_check {
                cal.schedule(hc.interval.as_nanos(), Event::HealthCheck { service: s as u32 });
            }
        }
        self.schedule_infra(cal);
        cal.schedule(self.scenario.duration.as_nanos(), Event::EndOfArrivals);
    }

    /// Reacts to one event at time `now`.
    pub fn dispatch(&mut self, cal: &mut Calendar<Event>, now: Nanos, event: Event) {
        match event {
            Event::Arrival { workload } => self.arrival(cal, now, workload),
            Event::Think { workload, client } => {
                if !self.arrivals_over {
                    self.client_request(cal, now, workload, Some(client));
                }
            }
            Event::Deliver { job } => self.deliver(cal, now, job),
            Event::WorkDone { job } => self.work_done(cal, now, job),
            Event::Response { attempt, outcome } => self.response(cal, now, attempt, outcome),
            Event::Timeout { attempt } => self.timeout(cal, now, attempt),
            Event::Retry { call } => self.retry(cal, now, call),
            Event::FaultStart { fault } => self.fault_edge(cal, now, fault, true),
            Event::FaultEnd { fault } => self.fault_edge(cal, now, fault, false),
            Event::ProcessFail { process } => self.process_edge(cal, now, process, true),
            Event::ProcessRepair { process } => self.process_edge(cal, now, process, false),
            Event::HealthCheck { service } => self.health_check(cal, now, service),
            Event::EndOfArrivals => self.arrivals_over = true,
            Event::MemoryCheck { station, generation } => self.memory_timer(cal, now, station, generation),
            Event::Restart { station, generation } => self.oom_restart(cal, now, station, generation),
            Event::Autoscale { service } => self.autoscale(cal, now, service),
            Event::Provisioned { station } => self.provisioned(cal, now, station),
            Event::Visibility { message, delivery } => self.visibility_timeout(cal, now, message, delivery),
            Event::FailoverDetected { datastore, generation } => {
                self.failover_detected(cal, now, datastore, generation)
            }
            Event::FailoverPromoted { datastore, generation } => {
                self.failover_promoted(cal, now, datastore, generation)
            }
        }
    }

    /// Ends the run at `now`: unanswered measured requests count as failed (`unfinished`),
    /// and the utilisation integrals are closed.
    pub fn end(&mut self, now: Nanos) {
        let keys: Vec<crate::engine::slab::Key> = self.roots.keys().collect();
        for k in keys {
            if let Some(root) = self.roots.remove(k) {
                self.roots_finished += 1;
                self.record(now, &root, crate::engine::event::Outcome::Failed(crate::metrics::run::Cause::Unfinished));
            }
        }
        for s in 0..self.stations.len() as u32 {
            self.account_busy(s, now);
        }
        let t = Arc::clone(self.topology());
        for (si, svc) in t.services().iter().enumerate() {
            let range = self.service_states[si].stations.clone();
            let (busy, cap, backlog) = range.fold((0u128, 0u128, 0u128), |(b, c, q), i| {
                let st = &self.stations[i as usize];
                (b + st.busy_area, c + st.capacity_area, q + st.backlog_area)
            });
            let m = &mut self.metrics.services[si];
            debug_assert_eq!(m.name, svc.name);
            m.busy_worker_ns = busy;
            m.capacity_worker_ns = cap;
            m.backlog_area = backlog;
            m.measured_ns = now.saturating_sub(self.scenario.warmup.as_nanos());
        }
        self.metrics.end_time_ns = now;
        self.infra_end(now);
        // Conservation: every measured request was counted exactly once as served or failed.
        for (i, e) in self.metrics.endpoints.iter().enumerate() {
            assert_eq!(e.requests, self.metrics.finished(i), "endpoint `{}`: requests not conserved", e.name);
        }
        assert_eq!(self.roots_created, self.roots_finished, "client requests not conserved");
    }

    /// Conservation during the run: created = finished + in flight.
    pub fn conserved(&self) -> bool {
        self.roots_created == self.roots_finished + self.roots.len() as u64
    }
}
