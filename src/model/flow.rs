//! How requests move: client requests become calls, calls send attempts, attempts become
//! jobs at stations, jobs work and make their own calls, answers travel back.
//!
//! Semantics (the manual's semantics chapter):
//! - A job holds a worker from the moment it starts until it answers, downstream calls
//!   included — a slow dependency ties up its callers' workers.
//! - A full backlog rejects at once. A crashed station refuses at once when only its
//!   process died, and silently drops work when its host or zone is gone (callers then
//!   wait for their timeout, or forever without one).
//! - Timeouts: the caller gives up at T; the callee keeps working, and the service time it
//!   spends on work nobody waits for is counted as wasted.
//! - Retries: attempt n + 1 follows a failure of attempt n after the backoff delay of
//!   the manual; every failure cause is retried.
//! - An optional call's failure degrades the answer; a required one's fails it, with the
//!   dependency's cause.

use crate::backoff::backoff_delay;
use crate::engine::calendar::{Calendar, Nanos};
use crate::engine::event::{Cause, Event, Outcome};
use crate::engine::slab::Key;
use crate::spec;
use crate::topology::{ComponentId, EndpointId, ZoneId};

use super::balance::pick_station;
use super::faults::{extra_latency, message_fate, Fate};
use super::patterns::{Admission, AttemptGuards, NO_SLOT};
use super::world::{served, unit, Attempt, CallExec, Job, Origin, Policy, Root, StationKind, World};

impl World {
    /// A client request of workload `w` arrives now.
    pub fn client_request(&mut self, cal: &mut Calendar<Event>, now: Nanos, w: u32, client: Option<u32>) {
        let endpoint = self.scenario.workloads[w as usize].endpoint;
        let root = self.roots.insert(Root { workload: w, endpoint, arrived: now, client });
        self.roots_created += 1;
        if now >= self.scenario.warmup.as_nanos() {
            self.metrics.endpoints[endpoint.index()].requests += 1;
        }
        let target = ComponentId::Service(self.topology().endpoints()[endpoint.index()].service);
        if let Some(log) = self.spans.as_mut() {
            log.request(root, now, endpoint, target);
        }
        self.start_call(cal, now, Origin::Root(root), Policy::Client(w), target, true, false, None, endpoint);
    }

    /// Starts a call and sends its first attempt.
    #[allow(clippy::too_many_arguments)]
    pub fn start_call(
        &mut self,
        cal: &mut Calendar<Event>,
        now: Nanos,
        origin: Origin,
        policy: Policy,
        target: ComponentId,
        required: bool,
        write: bool,
        from_station: Option<u32>,
        endpoint: EndpointId,
    ) {
        let (from_zone, from_component) = match from_station {
            Some(s) => (self.stations[s as usize].zone, Some(self.stations[s as usize].component)),
            None => (None, None),
        };
        let (slot, deadline) = self.call_started(now, policy, from_station, origin);
        let exec = self.execs.insert(CallExec {
            origin,
            policy,
            target,
            required,
            write,
            attempts: 0,
            previous_backoff: 0,
            from_station,
            from_zone,
            from_component,
            endpoint,
            slot,
            deadline,
        });
        if let (Some(ComponentId::Service(s)), true) = (from_component, self.measuring(now)) {
            self.metrics.services[s.index()].calls += 1;
        }
        self.send_attempt(cal, now, exec);
    }

    fn timeout_of(&self, policy: Policy) -> Option<Nanos> {
        match policy {
            Policy::Call(c) => self.topology().call(c).timeout.map(|d| d.as_nanos()),
            Policy::Client(w) => self.scenario.workloads[w as usize].timeout.map(|d| d.as_nanos()),
            Policy::CacheMiss(_) | Policy::Delivery(_) => None,
        }
    }

    fn retry_of(&self, policy: Policy) -> Option<&spec::Retry> {
        match policy {
            Policy::Call(c) => self.topology().call(c).retry.as_ref(),
            Policy::Client(w) => self.scenario.workloads[w as usize].retry.as_ref(),
            Policy::CacheMiss(_) | Policy::Delivery(_) => None,
        }
    }

    /// Sends the next attempt of a call, unless its caller-side patterns (breaker, throttle,
    /// bulkhead) fail it locally or make it wait for a bulkhead slot.
    pub fn send_attempt(&mut self, cal: &mut Calendar<Event>, now: Nanos, exec_key: Key) {
        let Some(exec) = self.execs.get_mut(exec_key) else { return };
        exec.attempts += 1;
        let (policy, slot, inherited, caller) = (exec.policy, exec.slot, exec.deadline, exec.from_component);
        let deadline = self.attempt_deadline(now, policy, inherited);
        let attempt =
            self.attempts.insert(Attempt { exec: exec_key, guards: AttemptGuards::NONE, deadline, timer: None });
        if self.spans.is_some() {
            self.attempt_span(now, exec_key, attempt);
        }
        let admission = if slot == NO_SLOT { Admission::Go } else { self.guard_attempt(now, slot, attempt, caller) };
        if let Admission::Reject(cause) = admission {
            cal.schedule(now, Event::Response { attempt, outcome: Outcome::Failed(cause) });
            return;
        }
        if let Some(t) = self.timeout_of(policy) {
            // Cancellable: an answer removes it, so a timer whose attempt was answered never
            // pops (most timers, in a healthy system).
            let timer = cal.schedule_cancellable(now.saturating_add(t), Event::Timeout { attempt });
            if let Some(a) = self.attempts.get_mut(attempt) {
                a.timer = timer;
            }
        }
        if admission == Admission::Go {
            self.dispatch_attempt(cal, now, attempt);
        }
    }

    /// Sends an attempt that its patterns let go: picks a station and sends the request.
    pub(super) fn dispatch_attempt(&mut self, cal: &mut Calendar<Event>, now: Nanos, attempt: Key) {
        let Some(a) = self.attempts.get(attempt) else { return };
        let deadline = a.deadline;
        let Some(exec) = self.execs.get(a.exec) else { return };
        let (target, from_zone, from_station, endpoint, write) =
            (exec.target, exec.from_zone, exec.from_station, exec.endpoint, exec.write);
        let call = match exec.policy {
            Policy::Call(c) => c.0,
            _ => super::world::NO_CALL,
        };
        let Some(station) = pick_station(self, target, from_station, write) else {
            // Nothing in rotation: the caller's client library fails at once.
            cal.schedule(now, Event::Response { attempt, outcome: Outcome::Failed(Cause::Unavailable) });
            return;
        };
        let job = self.jobs.insert(Job {
            attempt,
            station,
            endpoint,
            write,
            admitted: false,
            present_index: 0,
            working: false,
            work_ns: 0,
            next_call: 0,
            pending: 0,
            degraded: false,
            queued_at: now,
            deadline,
            call,
        });
        match message_fate(self, from_station, Some(station), false) {
            Fate::Lost => {
                self.jobs.remove(job);
            }
            Fate::Refused => {
                self.jobs.remove(job);
                cal.schedule(now, Event::Response { attempt, outcome: Outcome::Failed(Cause::Unavailable) });
            }
            Fate::Delivered => {
                let delay =
                    self.network_delay(from_zone, station) + extra_latency(self, from_station, Some(station), false);
                cal.schedule(now.saturating_add(delay), Event::Deliver { job });
            }
        }
    }

    /// One-way network delay between a zone and a station, drawn from the station's stream
    /// (0 for clients and externals, whose latency is part of their own response time).
    fn network_delay(&mut self, from: Option<ZoneId>, station: u32) -> Nanos {
        let st = &mut self.stations[station as usize];
        match (from, st.zone) {
            (Some(a), Some(b)) => self.scenario.topology.latency(a, b).sample(&mut st.rng_net),
            _ => 0,
        }
    }

    /// A request message reaches its station.
    pub fn deliver(&mut self, cal: &mut Calendar<Event>, now: Nanos, job_key: Key) {
        let Some(job) = self.jobs.get(job_key) else { return };
        let (station, attempt, deadline, call) = (job.station, job.attempt, job.deadline, job.call);
        if let Some(log) = self.spans.as_mut() {
            log.handling(attempt, now, self.stations[station as usize].component, station);
        }
        let st = &self.stations[station as usize];
        if st.down && self.buffer_write(job_key, station) {
            return;
        }
        let st = &self.stations[station as usize];
        if st.down {
            let refuses = st.refuses;
            self.jobs.remove(job_key);
            if let (ComponentId::Service(s), true) = (st.component, refuses) {
                self.metrics.service_answer(s.index(), now, true);
            }
            if refuses {
                cal.schedule(now, Event::Response { attempt, outcome: Outcome::Failed(Cause::Unavailable) });
            }
            return;
        }
        let measuring = self.measuring(now);
        if let (ComponentId::Service(s), true) = (st.component, measuring) {
            self.metrics.services[s.index()].received += 1;
        }
        if let Some(cause) = self.admission(now, station, deadline) {
            self.jobs.remove(job_key);
            self.answer(cal, now, station, attempt, Outcome::Failed(cause));
            return;
        }
        if let Some(j) = self.jobs.get_mut(job_key) {
            j.queued_at = now;
        }
        let st = &self.stations[station as usize];
        let is_store = matches!(st.kind, StationKind::Datastore(_));
        if st.busy < st.effective_workers() {
            if is_store {
                self.pool_arrival(now, station, call, super::infra::pool::Arrival::Served);
            }
            self.admit(job_key, station);
            self.start_work(cal, now, job_key);
            self.memory_admitted(cal, now, station);
        } else if (st.waiting.len() as u64) < u64::from(st.backlog) {
            if is_store {
                self.pool_arrival(now, station, call, super::infra::pool::Arrival::Waits);
            }
            self.account_busy(station, now);
            self.admit(job_key, station);
            let st = &mut self.stations[station as usize];
            st.waiting.push_back(job_key);
            let len = st.waiting.len() as u32;
            if let (ComponentId::Service(s), true) = (st.component, measuring) {
                let m = &mut self.metrics.services[s.index()];
                m.backlog_max = m.backlog_max.max(len);
            }
            self.memory_admitted(cal, now, station);
        } else {
            if is_store {
                self.pool_arrival(now, station, call, super::infra::pool::Arrival::Rejected);
            }
            let st = &self.stations[station as usize];
            if let ComponentId::Service(s) = st.component {
                self.metrics.service_answer(s.index(), now, true);
                if measuring {
                    self.metrics.services[s.index()].rejected += 1;
                }
            }
            self.jobs.remove(job_key);
            self.answer(cal, now, station, attempt, Outcome::Failed(Cause::Rejected));
        }
    }

    fn admit(&mut self, job_key: Key, station: u32) {
        let present = &mut self.stations[station as usize].present;
        if let Some(job) = self.jobs.get_mut(job_key) {
            job.admitted = true;
            job.present_index = present.len() as u32;
        }
        present.push(job_key);
    }

    /// A job takes a worker and starts its service time.
    pub(super) fn start_work(&mut self, cal: &mut Calendar<Event>, now: Nanos, job_key: Key) {
        let Some(job) = self.jobs.get_mut(job_key) else { return };
        job.working = true;
        let (station, write, call) = (job.station, job.write, job.call);
        self.account_busy(station, now);
        let st = &mut self.stations[station as usize];
        st.busy += 1;
        if let StationKind::Datastore(_) = st.kind {
            self.pool_taken(now, station, job_key);
        }
        let t = &self.scenario.topology;
        let st = &mut self.stations[station as usize];
        let base = match st.kind {
            StationKind::Instance { service, .. } => t.service(service).service_time.sample(&mut st.rng_work),
            StationKind::Datastore(d) => {
                let ds = &t.datastores()[d as usize];
                // The call's own query time, if it brings one (looked up only for stores
                // that some call does).
                let own = if ds.custom_queries && call != super::world::NO_CALL {
                    t.call(crate::topology::CallId(call)).query_time.as_ref()
                } else {
                    None
                };
                let dist = own.unwrap_or(if write { &ds.write_time } else { &ds.read_time });
                let draw = dist.sample(&mut st.rng_work);
                // Processor contention: past `cpus` running queries, each new one is
                // stretched by how oversubscribed the node is when it starts.
                if st.busy > ds.cpus {
                    (draw as f64 * f64::from(st.busy) / f64::from(ds.cpus)).round().min(1e18) as Nanos
                } else {
                    draw
                }
            }
            StationKind::Cache(c) => t.caches()[c as usize].lookup_time.sample(&mut st.rng_work),
            StationKind::Queue(q) => t.queues()[q as usize].enqueue_time.sample(&mut st.rng_work),
            StationKind::External(e) => t.externals()[e as usize].latency.sample(&mut st.rng_work),
        };
        // Without a slowdown the draw is used as it is (the same value the multiplication
        // would give for any draw below 2^53 ns, without the rounding's cost).
        let work =
            if st.slow == 1.0 && base <= 1 << 53 { base } else { (base as f64 * st.slow).round().min(1e18) as Nanos };
        let work = match (st.kind, write) {
            (StationKind::Datastore(d), true) => work.saturating_add(self.sync_write_time(d as usize, station)),
            _ => work,
        };
        if let Some(job) = self.jobs.get_mut(job_key) {
            job.work_ns = job.work_ns.saturating_add(work);
        }
        cal.schedule(now.saturating_add(work), Event::WorkDone { job: job_key });
    }

    /// A job's service time is over: fail it by chance, or go on to its calls.
    pub fn work_done(&mut self, cal: &mut Calendar<Event>, now: Nanos, job_key: Key) {
        let Some(job) = self.jobs.get(job_key) else { return };
        let (station, write, endpoint) = (job.station, job.write, job.endpoint);
        let t = &*self.scenario.topology;
        let st = &mut self.stations[station as usize];
        let own = match st.kind {
            StationKind::Instance { service, .. } => t.service(service).error_rate,
            StationKind::External(e) => t.externals()[e as usize].error_rate,
            _ => 0.0,
        };
        let p = 1.0 - (1.0 - own) * (1.0 - st.injected_errors);
        if p > 0.0 && unit(&mut st.rng_chance) < p {
            self.finish_job(cal, now, job_key, Outcome::Failed(Cause::Error));
            return;
        }
        match st.kind {
            StationKind::Instance { .. } => self.next_calls(cal, now, job_key),
            StationKind::Cache(c) => {
                let cache = &t.caches()[c as usize];
                let warmth = match self.cache_flushed_at[c as usize] {
                    Some(at) if cache.warmup.as_nanos() > 0 => {
                        ((now - at) as f64 / cache.warmup.as_nanos() as f64).min(1.0)
                    }
                    _ => 1.0,
                };
                let (hit, backend) = (unit(&mut st.rng_chance) < cache.hit_ratio * warmth, cache.backend);
                if hit {
                    self.finish_job(cal, now, job_key, Outcome::Ok);
                } else {
                    if let Some(j) = self.jobs.get_mut(job_key) {
                        j.pending = 1;
                    }
                    self.start_call(
                        cal,
                        now,
                        Origin::Job(job_key),
                        Policy::CacheMiss(c),
                        backend,
                        true,
                        false,
                        Some(station),
                        endpoint,
                    );
                }
            }
            StationKind::Queue(q) => {
                self.enqueue(cal, now, q, endpoint);
                self.finish_job(cal, now, job_key, Outcome::Ok);
            }
            StationKind::Datastore(d) => {
                if write {
                    self.write_committed(now, d as usize, station);
                }
                self.finish_job(cal, now, job_key, Outcome::Ok);
            }
            StationKind::External(_) => self.finish_job(cal, now, job_key, Outcome::Ok),
        }
    }

    /// Starts the job's next downstream call(s), or answers when there are none left.
    fn next_calls(&mut self, cal: &mut Calendar<Event>, now: Nanos, job_key: Key) {
        if self.job_expired(now, job_key) {
            self.finish_job(cal, now, job_key, Outcome::Failed(Cause::DeadlineExceeded));
            return;
        }
        let Some(job) = self.jobs.get(job_key) else { return };
        let station = job.station;
        let StationKind::Instance { service: sid, .. } = self.stations[station as usize].kind else { return };
        let endpoint = job.endpoint;
        let mut index = job.next_call as usize;
        let (parallel, count) = {
            let service = self.scenario.topology.service(sid);
            (service.fan_out == spec::FanOut::Parallel, service.calls.len())
        };
        let mut started = 0u32;
        while index < count {
            // The call's settings are read in a scope of their own: the scenario is borrowed
            // field by field, not cloned, and the borrow ends before the call starts.
            let (cid, to, write, waits, required) = {
                let t = &*self.scenario.topology;
                let cid = t.service(sid).calls[index];
                index += 1;
                let call = t.call(cid);
                if call.only_for.as_ref().is_some_and(|l| !l.contains(&endpoint)) {
                    continue;
                }
                if call.probability < 1.0 && unit(&mut self.service_states[sid.index()].rng_branch) >= call.probability
                {
                    continue;
                }
                // An async call is fire and forget: the job does not wait for it, and its
                // outcome changes nothing; a sync call is waited for.
                let waits = call.mode == spec::CallMode::Sync;
                (cid, call.to, call.operation == spec::Operation::Write, waits, waits && call.required)
            };
            if let Some(j) = self.jobs.get_mut(job_key) {
                j.next_call = index as u32;
                j.pending += u32::from(waits);
            }
            started += u32::from(waits);
            self.start_call(
                cal,
                now,
                Origin::Job(job_key),
                Policy::Call(cid),
                to,
                required,
                write,
                Some(station),
                endpoint,
            );
            if !waits {
                continue;
            }
            if !parallel {
                return;
            }
            if self.jobs.get(job_key).is_none() {
                return;
            }
        }
        if let Some(j) = self.jobs.get_mut(job_key) {
            j.next_call = index as u32;
        }
        if started == 0 && self.jobs.get(job_key).is_some_and(|j| j.pending == 0) {
            let degraded = self.jobs.get(job_key).is_some_and(|j| j.degraded);
            self.finish_job(cal, now, job_key, if degraded { Outcome::Degraded } else { Outcome::Ok });
        }
    }

    /// A downstream call of a job has its final outcome.
    fn call_done(&mut self, cal: &mut Calendar<Event>, now: Nanos, job_key: Key, required: bool, outcome: Outcome) {
        let Some(job) = self.jobs.get_mut(job_key) else { return };
        job.pending = job.pending.saturating_sub(1);
        match outcome {
            Outcome::Failed(cause) if required => {
                self.finish_job(cal, now, job_key, Outcome::Failed(cause));
                return;
            }
            Outcome::Failed(_) | Outcome::Degraded => job.degraded = true,
            Outcome::Ok => {}
        }
        if job.pending == 0 {
            let is_cache = matches!(self.stations[job.station as usize].kind, StationKind::Cache(_));
            if is_cache {
                let o = if job.degraded { Outcome::Degraded } else { Outcome::Ok };
                self.finish_job(cal, now, job_key, o);
            } else {
                self.next_calls(cal, now, job_key);
            }
        }
    }

    /// A job answers: it frees its worker, leaves its station, and its answer travels back.
    pub fn finish_job(&mut self, cal: &mut Calendar<Event>, now: Nanos, job_key: Key, outcome: Outcome) {
        let Some(job) = self.jobs.remove(job_key) else { return };
        let station = job.station;
        self.leave_station(cal, now, job_key, &job);
        if let ComponentId::Service(s) = self.stations[station as usize].component {
            self.metrics.service_answer(s.index(), now, matches!(outcome, Outcome::Failed(_)));
        }
        if self.attempts.get(job.attempt).is_none() {
            if let Some(log) = self.spans.as_mut() {
                log.handling_over(job.attempt, now, None);
            }
            // The caller gave up (or vanished): the work was wasted.
            if let (ComponentId::Service(s), true) = (self.stations[station as usize].component, self.measuring(now)) {
                self.metrics.services[s.index()].wasted_ns += job.work_ns;
            }
            return;
        }
        self.answer(cal, now, station, job.attempt, outcome);
    }

    /// Removes a job from its station, freeing its worker for the next waiting job.
    pub fn leave_station(&mut self, cal: &mut Calendar<Event>, now: Nanos, job_key: Key, job: &Job) {
        let station = job.station;
        if job.admitted {
            // Swap-remove by the job's own index, then tell the moved job its new place.
            let st = &mut self.stations[station as usize];
            let i = job.present_index as usize;
            debug_assert_eq!(st.present.get(i), Some(&job_key), "present index out of date");
            if st.present.get(i) == Some(&job_key) {
                st.present.swap_remove(i);
                if let Some(&moved) = st.present.get(i) {
                    if let Some(m) = self.jobs.get_mut(moved) {
                        m.present_index = i as u32;
                    }
                }
            }
        }
        if job.working {
            self.account_busy(station, now);
            if let StationKind::Datastore(_) = self.stations[station as usize].kind {
                self.pool_released(now, station, job.call);
            }
            let st = &mut self.stations[station as usize];
            st.busy -= 1;
            if !st.down && st.busy < st.effective_workers() {
                if let Some(next) = self.next_waiting(cal, now, station) {
                    self.start_work(cal, now, next);
                }
            }
        } else if job.admitted {
            let st = &mut self.stations[station as usize];
            if let Some(pos) = st.waiting.iter().position(|k| *k == job_key) {
                st.waiting.remove(pos);
            }
        }
    }

    /// Drops a job just taken from the backlog (shed, or its deadline passed) and answers
    /// its caller with `cause`.
    pub(super) fn drop_waiting(&mut self, cal: &mut Calendar<Event>, now: Nanos, job_key: Key, cause: Cause) {
        let Some(job) = self.jobs.remove(job_key) else { return };
        self.leave_station(cal, now, job_key, &job);
        self.answer(cal, now, job.station, job.attempt, Outcome::Failed(cause));
    }

    /// Sends an answer from a station back to the caller of `attempt`.
    fn answer(&mut self, cal: &mut Calendar<Event>, now: Nanos, station: u32, attempt: Key, outcome: Outcome) {
        if let Some(log) = self.spans.as_mut() {
            log.handling_over(attempt, now, Some(outcome));
        }
        let Some(a) = self.attempts.get(attempt) else { return };
        let Some(exec) = self.execs.get(a.exec) else { return };
        let (to_station, to_zone) = (exec.from_station, exec.from_zone);
        match message_fate(self, Some(station), to_station, true) {
            Fate::Lost => {}
            Fate::Refused => {
                cal.schedule(now, Event::Response { attempt, outcome: Outcome::Failed(Cause::Unavailable) });
            }
            Fate::Delivered => {
                // The latency matrix is symmetric, so the way back costs a draw of the same pair.
                let delay = self.network_delay(to_zone, station);
                let extra = extra_latency(self, Some(station), to_station, true);
                cal.schedule(now.saturating_add(delay).saturating_add(extra), Event::Response { attempt, outcome });
            }
        }
    }

    /// An answer reaches the caller of an attempt.
    pub fn response(&mut self, cal: &mut Calendar<Event>, now: Nanos, attempt: Key, outcome: Outcome) {
        let Some(a) = self.attempts.remove(attempt) else { return };
        if let Some(timer) = a.timer {
            cal.cancel(timer);
        }
        if let Some(log) = self.spans.as_mut() {
            log.attempt_over(attempt, now, outcome);
        }
        self.attempt_ended(cal, now, attempt, &a, outcome);
        self.attempt_over(cal, now, a.exec, outcome);
    }

    /// An attempt timed out. Its answer cancels the timer, so the key is stale only when the
    /// calendar could not make the timer cancellable.
    pub fn timeout(&mut self, cal: &mut Calendar<Event>, now: Nanos, attempt: Key) {
        let Some(a) = self.attempts.remove(attempt) else { return };
        let outcome = Outcome::Failed(Cause::Timeout);
        if let Some(log) = self.spans.as_mut() {
            log.attempt_over(attempt, now, outcome);
        }
        self.attempt_ended(cal, now, attempt, &a, outcome);
        self.attempt_over(cal, now, a.exec, outcome);
    }

    /// An attempt ended: finish the call, or retry after its backoff.
    fn attempt_over(&mut self, cal: &mut Calendar<Event>, now: Nanos, exec_key: Key, outcome: Outcome) {
        let Some(exec) = self.execs.get(exec_key) else { return };
        let (policy, attempts, previous, slot) = (exec.policy, exec.attempts, exec.previous_backoff, exec.slot);
        let from_component = exec.from_component;
        if served(outcome) {
            self.attempt_succeeded(policy, slot);
            self.call_over(cal, now, exec_key, outcome);
            return;
        }
        let retryable = matches!(outcome, Outcome::Failed(c) if c.retryable());
        if !retryable
            || attempts >= self.max_attempts_of(policy)
            || !self.retry_allowed(now, policy, slot, from_component)
        {
            self.call_over(cal, now, exec_key, outcome);
            return;
        }
        let backoff = self.retry_of(policy).and_then(|r| r.backoff.clone());
        let delay = match backoff {
            None => 0,
            Some(b) => {
                let rng = match (policy, from_component) {
                    (Policy::Client(w), _) => &mut self.workloads[w as usize].rng_retry,
                    (_, Some(ComponentId::Service(s))) => &mut self.service_states[s.index()].rng_retry,
                    _ => &mut self.workloads[0].rng_retry,
                };
                backoff_delay(&b, attempts, previous, rng)
            }
        };
        // A service's retry, counted in its over-time series from time 0 (like the health series
        // it sits in); the totals below count only measured time.
        match (policy, from_component) {
            (Policy::Client(_), _) => {}
            (_, Some(ComponentId::Service(s))) => self.metrics.service_retry(s.index(), now),
            _ => {}
        }
        match (policy, from_component, self.measuring(now)) {
            (Policy::Client(w), _, true) => self.metrics.client_retries[w as usize] += 1,
            (_, Some(ComponentId::Service(s)), true) => self.metrics.services[s.index()].retries += 1,
            _ => {}
        }
        if let Some(e) = self.execs.get_mut(exec_key) {
            e.previous_backoff = delay;
        }
        if delay == 0 {
            self.send_attempt(cal, now, exec_key);
        } else {
            cal.schedule(now.saturating_add(delay), Event::Retry { call: exec_key });
        }
    }

    /// A call's backoff is over.
    pub fn retry(&mut self, cal: &mut Calendar<Event>, now: Nanos, exec_key: Key) {
        if self.execs.get(exec_key).is_some() {
            self.send_attempt(cal, now, exec_key);
        }
    }

    /// A call has its final outcome: tell whoever waits for it.
    fn call_over(&mut self, cal: &mut Calendar<Event>, now: Nanos, exec_key: Key, outcome: Outcome) {
        let Some(exec) = self.execs.remove(exec_key) else { return };
        match exec.origin {
            Origin::Root(root) => self.root_over(cal, now, root, outcome),
            Origin::Message(message) => self.delivery_over(cal, now, message, outcome),
            Origin::Job(job) => {
                let async_call =
                    matches!(exec.policy, Policy::Call(c) if self.topology().call(c).mode == spec::CallMode::Async);
                if !async_call {
                    let (required, outcome) =
                        self.fallback(now, exec.policy, exec.from_component, exec.required, outcome);
                    self.call_done(cal, now, job, required, outcome);
                }
            }
        }
    }

    /// Whether events at `now` count: after the warm-up.
    pub fn measuring(&self, now: Nanos) -> bool {
        now >= self.scenario.warmup.as_nanos()
    }

    /// A client request has its answer: measure it.
    pub fn root_over(&mut self, cal: &mut Calendar<Event>, now: Nanos, root_key: Key, outcome: Outcome) {
        let Some(root) = self.roots.remove(root_key) else { return };
        self.roots_finished += 1;
        if let Some(log) = self.spans.as_mut() {
            log.request_over(root_key, now, outcome);
        }
        self.record(now, &root, outcome);
        if let (Some(client), false) = (root.client, self.arrivals_over) {
            self.client_thinks(cal, now, root.workload, client);
        }
    }

    /// Counts a finished client request (if it arrived after the warm-up).
    pub fn record(&mut self, now: Nanos, root: &Root, outcome: Outcome) {
        if root.arrived < self.scenario.warmup.as_nanos() {
            return;
        }
        let bucket_ns = self.metrics.bucket_ns;
        let m = &mut self.metrics.endpoints[root.endpoint.index()];
        let b = ((now / bucket_ns) as usize).min(m.series.len().saturating_sub(1));
        match outcome {
            Outcome::Ok | Outcome::Degraded => {
                if outcome == Outcome::Ok {
                    m.ok += 1;
                } else {
                    m.degraded += 1;
                }
                m.latency.record(now - root.arrived);
                if let Some(s) = m.series.get_mut(b) {
                    s.served += 1;
                    s.served_latency_ns = s.served_latency_ns.saturating_add(now - root.arrived);
                    s.latency.record(now - root.arrived);
                }
            }
            Outcome::Failed(cause) => {
                m.failed.add(cause);
                if let Some(s) = m.series.get_mut(b) {
                    s.failed += 1;
                }
            }
        }
    }
}

impl World {
    /// Records a new attempt's span under its call's origin (only when spans are on).
    fn attempt_span(&mut self, now: Nanos, exec_key: Key, attempt: Key) {
        let Some(exec) = self.execs.get(exec_key) else { return };
        let parent = match exec.origin {
            Origin::Root(r) => super::spans::Parent::Root(r),
            Origin::Job(j) => match self.jobs.get(j) {
                Some(job) => super::spans::Parent::Handling(job.attempt),
                None => return,
            },
            Origin::Message(_) => super::spans::Parent::None,
        };
        let (mut component, station, target, endpoint, number) =
            (exec.from_component, exec.from_station, exec.target, exec.endpoint, exec.attempts);
        let asynchronous = match exec.policy {
            Policy::Call(id) => self.topology().call(id).mode == spec::CallMode::Async,
            // A delivery is the queue's own call to its consumer.
            Policy::Delivery(q) => {
                component = Some(ComponentId::Queue(crate::topology::QueueId(q)));
                false
            }
            Policy::Client(_) | Policy::CacheMiss(_) => false,
        };
        let write = exec.write;
        if let Some(log) = self.spans.as_mut() {
            log.attempt(attempt, now, parent, component, station, target, endpoint, number, write, asynchronous);
        }
    }
}
