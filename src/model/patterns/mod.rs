//! The call-level resilience patterns of the reference semantics and the hooks through which request flow
//! ([`super::flow`]) consults them.
//!
//! Caller side, per call and per caller *instance* (as client libraries keep them): a
//! circuit breaker ([`breaker`]), client-side adaptive throttling ([`throttle`]), a bulkhead
//! ([`bulkhead`]) and a retry budget ([`budget`]); a workload's clients share one budget.
//! An attempt meets them in that order: an open breaker fails it fast before anything is
//! counted, a throttle rejects it locally, a full bulkhead turns it away or holds it. Local
//! rejections are not retried (retrying would defeat them) and are not evidence against
//! the dependency for the breaker.
//!
//! Callee side, per station ([`rate_limit`]): a token-bucket rate limit, load shedding on
//! backlog length or queueing time, and dropping work whose propagated deadline has passed.
//!
//! Fallbacks: an optional call that fails answers with its fallback. `Default` always
//! exists; `Cached(hit_ratio)` exists for that fraction of requests, and when it does not
//! the failure counts as if the call were required. Either way a fallback makes the
//! request *degraded*, which is served and counted separately.
//!
//! Deadline propagation: a call with `propagate_deadline` sends each attempt with the
//! deadline `min(inherited, sent + timeout)`, where *inherited* is the calling request's own
//! deadline (only calls propagate: a workload's clients send none). The callee drops the
//! request if the deadline has passed when it arrives or when a worker would take it, and a
//! job whose deadline has passed makes no further downstream calls.
//!
//! Everything here is allocated when the run starts (the bulkhead waiting rooms with their
//! full capacity), so the hot loop stays allocation-free.

pub mod breaker;
pub mod budget;
pub mod bulkhead;
pub mod rate_limit;
pub mod throttle;
pub mod window;

use crate::engine::calendar::{Calendar, Nanos};
use crate::engine::event::{Cause, Event, Outcome};
use crate::engine::slab::Key;
use crate::rng::{stream, Purpose, Rng};
use crate::scenario::Scenario;
use crate::spec;
use crate::topology::ComponentId;

use self::breaker::{Breaker, Evidence, Ticket};
use self::budget::Budget;
use self::bulkhead::{Bulkhead, Entry};
use self::rate_limit::ServerGuard;
use self::throttle::Throttle;
use super::world::{unit, Attempt, Origin, Policy, ServiceState, Station, StationKind, World};

/// No caller-side pattern state (the call has no breaker, throttle, bulkhead or budget).
pub const NO_SLOT: u32 = u32::MAX;
/// No deadline.
pub const NO_DEADLINE: Nanos = Nanos::MAX;

/// Whether an attempt holds a bulkhead slot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SlotUse {
    /// No bulkhead, or turned away.
    #[default]
    None,
    /// Holds a slot until it ends.
    Holding,
    /// Waits for a slot.
    Waiting,
}

/// What a call's patterns did to one attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttemptGuards {
    /// The breaker's ticket ([`Ticket::Rejected`] also when there is no breaker).
    pub breaker: Ticket,
    /// Passed a throttle, whose accept count its answer may raise.
    pub throttled_pass: bool,
    /// Its bulkhead slot.
    pub bulkhead: SlotUse,
}

impl AttemptGuards {
    /// An attempt no pattern has seen.
    pub const NONE: AttemptGuards =
        AttemptGuards { breaker: Ticket::Rejected, throttled_pass: false, bulkhead: SlotUse::None };
}

/// The caller-side patterns of one call at one caller instance.
#[derive(Clone, Debug, Default)]
pub struct CallGuards {
    /// Circuit breaker.
    pub breaker: Option<Breaker>,
    /// Adaptive throttle.
    pub throttle: Option<Throttle>,
    /// Bulkhead.
    pub bulkhead: Option<Bulkhead>,
    /// Retry budget.
    pub budget: Option<Budget>,
}

/// What the caller-side patterns decide for an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// Send it now.
    Go,
    /// It waits for a bulkhead slot.
    Wait,
    /// Fail it at once, locally.
    Reject(Cause),
}

/// All pattern state of a run. See the module docs.
#[derive(Clone, Debug)]
pub struct Patterns {
    /// Per topology call: its first slot (one per instance of the calling service), or [`NO_SLOT`].
    call_base: Vec<u32>,
    /// Caller-side state, per call and caller instance.
    pub slots: Vec<CallGuards>,
    /// Per workload: its clients' retry budget.
    pub clients: Vec<Option<Budget>>,
    /// Per station: its admission guard.
    pub servers: Vec<Option<ServerGuard>>,
    /// Per service: throttle draws of its calls.
    rng_throttle: Vec<Rng>,
    /// Per service: cached-fallback draws of its calls.
    rng_fallback: Vec<Rng>,
}

impl Patterns {
    /// The initial state for a run of `scenario` with `seed` over these stations.
    pub fn new(scenario: &Scenario, seed: u64, stations: &[Station], services: &[ServiceState]) -> Patterns {
        let t = &scenario.topology;
        let mut call_base = vec![NO_SLOT; t.calls().len()];
        let mut slots = Vec::new();
        for (ci, call) in t.calls().iter().enumerate() {
            let budget = call.retry.as_ref().and_then(|r| r.budget.as_ref());
            if call.breaker.is_none() && call.throttle.is_none() && call.bulkhead.is_none() && budget.is_none() {
                continue;
            }
            call_base[ci] = slots.len() as u32;
            let instances = services[call.from.index()].stations.len();
            for _ in 0..instances {
                slots.push(CallGuards {
                    breaker: call.breaker.as_ref().map(Breaker::new),
                    throttle: call.throttle.as_ref().map(Throttle::new),
                    bulkhead: call.bulkhead.as_ref().map(Bulkhead::new),
                    budget: budget.map(Budget::new),
                });
            }
        }
        let clients = scenario
            .workloads
            .iter()
            .map(|w| w.retry.as_ref().and_then(|r| r.budget.as_ref()).map(Budget::new))
            .collect();
        let servers = stations
            .iter()
            .map(|st| match st.kind {
                StationKind::Instance { service, .. } => {
                    let s = t.service(service);
                    ServerGuard::of(s.rate_limit.as_ref(), s.shedding.as_ref())
                }
                StationKind::External(e) => ServerGuard::of(t.externals()[e as usize].rate_limit.as_ref(), None),
                _ => None,
            })
            .collect();
        let per_service =
            |purpose| t.services().iter().map(move |s| stream(seed, &format!("service:{}", s.name), purpose));
        Patterns {
            call_base,
            slots,
            clients,
            servers,
            rng_throttle: per_service(Purpose::Throttle).collect(),
            rng_fallback: per_service(Purpose::Fallback).collect(),
        }
    }
}

/// How an attempt's outcome counts for the breaker.
fn evidence(outcome: Outcome) -> Evidence {
    match outcome {
        Outcome::Ok | Outcome::Degraded => Evidence::Success,
        Outcome::Failed(Cause::BulkheadFull | Cause::Throttled) => Evidence::Ignored,
        Outcome::Failed(_) => Evidence::Failure,
    }
}

/// Whether the backend processed the request, for adaptive throttling.
fn accepted(outcome: Outcome) -> bool {
    matches!(outcome, Outcome::Ok | Outcome::Degraded | Outcome::Failed(Cause::Error))
}

impl World {
    /// The service index of a component, when it is a service.
    fn service_of(c: Option<ComponentId>) -> Option<usize> {
        match c {
            Some(ComponentId::Service(s)) => Some(s.index()),
            _ => None,
        }
    }

    /// Pattern counters of a service, when measuring.
    fn counts(&mut self, now: Nanos, service: Option<usize>) -> Option<&mut crate::metrics::patterns::PatternCounts> {
        let s = service?;
        if !self.measuring(now) {
            return None;
        }
        Some(&mut self.metrics.services[s].patterns)
    }

    /// A call starts: finds its caller-side slot, counts the request for its retry budget,
    /// and works out the deadline it inherits. Returns (slot, inherited deadline).
    pub(super) fn call_started(
        &mut self,
        now: Nanos,
        policy: Policy,
        from_station: Option<u32>,
        origin: Origin,
    ) -> (u32, Nanos) {
        match policy {
            Policy::Call(c) => {
                let base = self.patterns.call_base[c.index()];
                let slot = match (base, from_station) {
                    (NO_SLOT, _) | (_, None) => NO_SLOT,
                    (base, Some(st)) => {
                        let call = self.scenario.topology.call(c);
                        base + (st - self.service_states[call.from.index()].stations.start)
                    }
                };
                if slot != NO_SLOT {
                    if let Some(b) = &mut self.patterns.slots[slot as usize].budget {
                        b.on_request(now);
                    }
                }
                let deadline = match origin {
                    Origin::Job(j) if self.scenario.topology.call(c).propagate_deadline => {
                        self.jobs.get(j).map_or(NO_DEADLINE, |job| job.deadline)
                    }
                    _ => NO_DEADLINE,
                };
                (slot, deadline)
            }
            Policy::Client(w) => {
                if let Some(b) = &mut self.patterns.clients[w as usize] {
                    b.on_request(now);
                }
                (NO_SLOT, NO_DEADLINE)
            }
            Policy::CacheMiss(_) | Policy::Delivery(_) => (NO_SLOT, NO_DEADLINE),
        }
    }

    /// The deadline an attempt of a call sent at `now` carries.
    pub(super) fn attempt_deadline(&self, now: Nanos, policy: Policy, inherited: Nanos) -> Nanos {
        match policy {
            Policy::Call(c) => {
                let call = self.scenario.topology.call(c);
                if !call.propagate_deadline {
                    return NO_DEADLINE;
                }
                let own = call.timeout.map_or(NO_DEADLINE, |t| now.saturating_add(t.as_nanos()));
                own.min(inherited)
            }
            _ => NO_DEADLINE,
        }
    }

    /// The caller-side patterns look at an attempt about to be sent: breaker, then throttle,
    /// then bulkhead. Records what they did on the attempt.
    pub(super) fn guard_attempt(
        &mut self,
        now: Nanos,
        slot: u32,
        attempt: Key,
        caller: Option<ComponentId>,
    ) -> Admission {
        let service = Self::service_of(caller);
        let mut guards = AttemptGuards::NONE;
        let g = &mut self.patterns.slots[slot as usize];
        if let Some(b) = &mut g.breaker {
            guards.breaker = b.admit(now);
            if guards.breaker == Ticket::Rejected {
                if let Some(c) = self.counts(now, service) {
                    c.breaker_rejected += 1;
                }
                return Admission::Reject(Cause::BreakerOpen);
            }
        }
        if let Some(th) = &mut g.throttle {
            let p = th.request(now);
            if p > 0.0 {
                let draw = service.map_or(1.0, |s| unit(&mut self.patterns.rng_throttle[s]));
                if draw < p {
                    self.give_back(now, slot, guards.breaker);
                    if let Some(c) = self.counts(now, service) {
                        c.throttled += 1;
                    }
                    return Admission::Reject(Cause::Throttled);
                }
            }
            guards.throttled_pass = true;
        }
        let g = &mut self.patterns.slots[slot as usize];
        let mut admission = Admission::Go;
        if let Some(bh) = &mut g.bulkhead {
            match bh.enter(attempt) {
                Entry::Run => guards.bulkhead = SlotUse::Holding,
                Entry::Wait => {
                    guards.bulkhead = SlotUse::Waiting;
                    admission = Admission::Wait;
                    if let Some(c) = self.counts(now, service) {
                        c.bulkhead_queued += 1;
                    }
                }
                Entry::Full => {
                    self.give_back(now, slot, guards.breaker);
                    if let Some(c) = self.counts(now, service) {
                        c.bulkhead_rejected += 1;
                    }
                    return Admission::Reject(Cause::BulkheadFull);
                }
            }
        }
        if let Some(a) = self.attempts.get_mut(attempt) {
            a.guards = guards;
        }
        admission
    }

    /// An attempt the breaker let through was turned away locally: not evidence.
    fn give_back(&mut self, now: Nanos, slot: u32, ticket: Ticket) {
        if let Some(b) = &mut self.patterns.slots[slot as usize].breaker {
            b.record(now, ticket, Evidence::Ignored);
        }
    }

    /// An attempt ended with `outcome` (answered, or timed out): the breaker and throttle
    /// learn from it, and its bulkhead slot goes to the next waiting attempt, which is sent.
    pub(super) fn attempt_ended(
        &mut self,
        cal: &mut Calendar<Event>,
        now: Nanos,
        key: Key,
        a: &Attempt,
        outcome: Outcome,
    ) {
        let Some(exec) = self.execs.get(a.exec) else { return };
        let (slot, caller) = (exec.slot, exec.from_component);
        if slot == NO_SLOT {
            return;
        }
        let g = &mut self.patterns.slots[slot as usize];
        let mut opened = false;
        if let Some(b) = &mut g.breaker {
            opened = b.record(now, a.guards.breaker, evidence(outcome));
        }
        if let (Some(th), true) = (&mut g.throttle, a.guards.throttled_pass && accepted(outcome)) {
            th.accepted(now);
        }
        let mut next = None;
        if let Some(bh) = &mut g.bulkhead {
            match a.guards.bulkhead {
                SlotUse::Holding => next = bh.release(),
                SlotUse::Waiting => bh.forget(key),
                SlotUse::None => {}
            }
        }
        if opened {
            if let Some(c) = self.counts(now, Self::service_of(caller)) {
                c.breaker_opened += 1;
            }
        }
        if let Some(next) = next {
            if let Some(n) = self.attempts.get_mut(next) {
                n.guards.bulkhead = SlotUse::Holding;
            }
            self.dispatch_attempt(cal, now, next);
        }
    }

    /// Attempts a call may make: `max_attempts`, at most 3 with a retry budget.
    pub(super) fn max_attempts_of(&self, policy: Policy) -> u32 {
        let retry = match policy {
            Policy::Call(c) => self.scenario.topology.call(c).retry.as_ref(),
            Policy::Client(w) => self.scenario.workloads[w as usize].retry.as_ref(),
            Policy::CacheMiss(_) | Policy::Delivery(_) => None,
        };
        match retry {
            None => 1,
            Some(r) if r.budget.is_some() => r.max_attempts.min(budget::MAX_ATTEMPTS_WITH_BUDGET),
            Some(r) => r.max_attempts,
        }
    }

    /// The budget of a call's client, if it has one.
    fn budget_of(&mut self, policy: Policy, slot: u32) -> Option<&mut Budget> {
        match policy {
            Policy::Client(w) => self.patterns.clients[w as usize].as_mut(),
            _ if slot != NO_SLOT => self.patterns.slots[slot as usize].budget.as_mut(),
            _ => None,
        }
    }

    /// An attempt of a call succeeded: its budget earns.
    pub(super) fn attempt_succeeded(&mut self, policy: Policy, slot: u32) {
        if let Some(b) = self.budget_of(policy, slot) {
            b.on_success();
        }
    }

    /// Whether a failed call may retry now as far as its budget goes (charging it if so).
    pub(super) fn retry_allowed(&mut self, now: Nanos, policy: Policy, slot: u32, caller: Option<ComponentId>) -> bool {
        let Some(b) = self.budget_of(policy, slot) else { return true };
        let allowed = b.try_retry(now);
        if !allowed {
            if let Some(c) = self.counts(now, Self::service_of(caller)) {
                c.budget_denied += 1;
            }
        }
        allowed
    }

    /// An optional call's failure meets its fallback: returns whether the failure still
    /// fails the caller (a cached fallback without an entry) and the outcome to report.
    pub(super) fn fallback(
        &mut self,
        now: Nanos,
        policy: Policy,
        caller: Option<ComponentId>,
        required: bool,
        outcome: Outcome,
    ) -> (bool, Outcome) {
        let (Policy::Call(c), false, Outcome::Failed(_)) = (policy, required, outcome) else {
            return (required, outcome);
        };
        let service = Self::service_of(caller);
        let hit = match self.scenario.topology.call(c).fallback {
            Some(spec::Fallback::Cached { hit_ratio }) => match service {
                Some(s) => unit(&mut self.patterns.rng_fallback[s]) < hit_ratio,
                None => false,
            },
            _ => true,
        };
        if let Some(counts) = self.counts(now, service) {
            if hit {
                counts.fallback_used += 1;
            } else {
                counts.fallback_missed += 1;
            }
        }
        (!hit, outcome)
    }

    /// Server-side admission of a request arriving at `station`: `Some(cause)` turns it away.
    pub(super) fn admission(&mut self, now: Nanos, station: u32, deadline: Nanos) -> Option<Cause> {
        let service = Self::service_of(Some(self.stations[station as usize].component));
        if deadline <= now {
            if let Some(c) = self.counts(now, service) {
                c.expired += 1;
            }
            return Some(Cause::DeadlineExceeded);
        }
        let guard = self.patterns.servers[station as usize].as_mut()?;
        if let Some(bucket) = &mut guard.rate {
            if !bucket.take(now) {
                if let Some(c) = self.counts(now, service) {
                    c.rate_limited += 1;
                }
                return Some(Cause::RateLimited);
            }
        }
        if let Some(max) = guard.max_backlog {
            let st = &self.stations[station as usize];
            if st.busy >= st.effective_workers() && st.waiting.len() as u64 >= u64::from(max) {
                if let Some(c) = self.counts(now, service) {
                    c.shed += 1;
                }
                return Some(Cause::Shed);
            }
        }
        None
    }

    /// The next waiting job a free worker of `station` should take: expired work (deadline
    /// passed, or waited longer than the shedding limit) is dropped on the way and answered
    /// with its cause.
    pub(super) fn next_waiting(&mut self, cal: &mut Calendar<Event>, now: Nanos, station: u32) -> Option<Key> {
        let max_queue_ns = self.patterns.servers[station as usize].and_then(|g| g.max_queue_ns);
        loop {
            let key = self.stations[station as usize].waiting.pop_front()?;
            let Some(job) = self.jobs.get(key) else { continue };
            let cause = if job.deadline <= now {
                Cause::DeadlineExceeded
            } else if max_queue_ns.is_some_and(|m| now.saturating_sub(job.queued_at) > m) {
                Cause::Shed
            } else {
                return Some(key);
            };
            let service = Self::service_of(Some(self.stations[station as usize].component));
            if let Some(c) = self.counts(now, service) {
                match cause {
                    Cause::Shed => c.shed += 1,
                    _ => c.expired += 1,
                }
            }
            self.drop_waiting(cal, now, key, cause);
        }
    }

    /// The deadline a job carries has passed: it makes no more downstream calls.
    pub(super) fn job_expired(&mut self, now: Nanos, job: Key) -> bool {
        let Some(j) = self.jobs.get(job) else { return false };
        if j.deadline > now {
            return false;
        }
        let service = Self::service_of(Some(self.stations[j.station as usize].component));
        if let Some(c) = self.counts(now, service) {
            c.expired += 1;
        }
        true
    }
}
