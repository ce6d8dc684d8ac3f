//! The discrete-event engine: a calendar of events, a `step()` that pops one and hands
//! it to the model, and a `run()` that steps until the run is over or a limit is hit.
//!
//! The engine knows nothing of files, formats, threads or printing. Time is integer
//! nanoseconds; ties are broken by scheduling order; every random draw comes from a stream
//! derived from (seed, component, purpose). So a run is a pure function of (scenario,
//! seed), and its fingerprint — a hash over every processed event — proves it.
//!
//! The engine drives any [`Model`], each with its own closed event type
//! ([`Model::Event`]): the request-level model of [`crate::model`] is one, the failure and
//! repair model of [`crate::availability`] another. The engine decides when a run ends (the
//! model says it is done, the calendar runs dry, or `max_time` is reached) and enforces the
//! limits. Because the model is a type parameter, every call is monomorphised: a generic
//! engine costs the request model nothing.

pub mod calendar;
pub mod event;
pub mod slab;

use calendar::{Calendar, Nanos, MAX_PENDING};

use crate::metrics::Fingerprint;
use crate::scenario::Limits;

/// An event a model can schedule: small, `Copy`, and describable as a few words for the
/// run's fingerprint.
pub trait EngineEvent: Copy + std::fmt::Debug {
    /// A stable code and up to three words describing the event, for the fingerprint.
    fn words(&self) -> [u64; 4];
}

impl EngineEvent for event::Event {
    #[inline]
    fn words(&self) -> [u64; 4] {
        event::Event::words(self)
    }
}

/// What the engine drives: state plus a reaction to each event.
pub trait Model {
    /// The model's closed set of events.
    type Event: EngineEvent;
    /// Schedules the events that start the run.
    fn start(&mut self, calendar: &mut Calendar<Self::Event>);
    /// Reacts to one event at time `now`.
    fn handle(&mut self, calendar: &mut Calendar<Self::Event>, now: Nanos, event: Self::Event);
    /// Whether the run is over (before the calendar runs dry or `max_time` is reached).
    fn done(&self) -> bool;
    /// Work in flight, bounded by `max_in_flight`.
    fn in_flight(&self) -> u64;
    /// Called once when the run ends at `now`, with the events processed and the trace's
    /// fingerprint.
    fn finish(&mut self, now: Nanos, events: u64, fingerprint: Fingerprint);
    /// An invariant checked after every event in debug builds.
    fn invariant(&self) -> bool {
        true
    }
}

/// A bound on a run was reached; the run stops and says which.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    /// `limits.max_events` events were processed.
    #[error("the run processed {limit} events (limits.max_events) at simulated time {at}")]
    MaxEvents {
        /// The limit.
        limit: u64,
        /// Simulated time when it was hit.
        at: crate::units::Duration,
    },
    /// More client requests were in flight at once than `limits.max_in_flight`.
    #[error("more than {limit} requests were in flight at once (limits.max_in_flight) at simulated time {at}; the system is not keeping up")]
    MaxInFlight {
        /// The limit.
        limit: u64,
        /// Simulated time when it was hit.
        at: crate::units::Duration,
    },
    /// About `limits.max_pending_events` events were pending at once (the calendar keeps
    /// headroom below its capacity, so one event's reaction never overflows it).
    #[error("{limit} events were pending at once (limits.max_pending_events) at simulated time {at}; lower the load or raise limits.max_pending_events (at most 16777216)")]
    Calendar {
        /// The limit.
        limit: u64,
        /// Simulated time when it was hit.
        at: crate::units::Duration,
    },
}

impl LimitError {
    /// The name of the limit, as written in scenario files.
    pub fn limit_name(&self) -> &'static str {
        match self {
            LimitError::MaxEvents { .. } => "max_events",
            LimitError::MaxInFlight { .. } => "max_in_flight",
            LimitError::Calendar { .. } => "max_pending_events",
        }
    }
}

/// One run: a model, its calendar and its limits.
#[derive(Debug)]
pub struct Simulation<M: Model> {
    model: M,
    calendar: Calendar<M::Event>,
    limits: Limits,
    events: u64,
    fingerprint: Fingerprint,
    done: bool,
}

impl<M: Model + Clone> Clone for Simulation<M> {
    fn clone(&self) -> Self {
        Simulation {
            model: self.model.clone(),
            calendar: self.calendar.clone(),
            limits: self.limits,
            events: self.events,
            fingerprint: self.fingerprint,
            done: self.done,
        }
    }
}

impl<M: Model> Simulation<M> {
    /// Prepares a run of `model` under `limits`; the model schedules its first events now.
    pub fn with_model(mut model: M, limits: Limits) -> Simulation<M> {
        let mut calendar = Calendar::new();
        model.start(&mut calendar);
        Simulation { model, calendar, limits, events: 0, fingerprint: Fingerprint::new(), done: false }
    }

    /// Simulated time now.
    pub fn now(&self) -> Nanos {
        self.calendar.now()
    }

    /// The model (read-only), for tests and observers.
    pub fn model(&self) -> &M {
        &self.model
    }

    /// Processes the next event. Returns it, or `None` when the run is over.
    pub fn step(&mut self) -> Result<Option<(Nanos, M::Event)>, LimitError> {
        if self.done {
            return Ok(None);
        }
        let limits = self.limits;
        let max_time = limits.max_time.as_nanos();
        let at = |t: Nanos| crate::units::Duration::from_nanos(t);
        let over = self.model.done();
        let next = self.calendar.peek_time();
        if over || next.is_none_or(|t| t > max_time) {
            let end = if over { self.calendar.now() } else { max_time.max(self.calendar.now()) };
            self.model.finish(end, self.events, self.fingerprint);
            self.done = true;
            return Ok(None);
        }
        if self.events >= limits.max_events {
            return Err(LimitError::MaxEvents { limit: limits.max_events, at: at(self.calendar.now()) });
        }
        let Some((now, event)) = self.calendar.pop() else { return Ok(None) };
        self.events += 1;
        let [a, b, c, d] = event.words();
        self.fingerprint.mix(&[now, a, b, c, d]);
        self.model.handle(&mut self.calendar, now, event);
        debug_assert!(self.model.invariant(), "the model's invariant broke after {event:?} at {now}");
        if self.model.in_flight() > limits.max_in_flight {
            return Err(LimitError::MaxInFlight { limit: limits.max_in_flight, at: at(now) });
        }
        // The calendar drops events beyond its capacity, so the run stops with headroom
        // for the events one reaction may schedule; the default limit is that capacity.
        let pending_cap = usize::try_from(limits.max_pending_events).unwrap_or(MAX_PENDING).min(MAX_PENDING - 1024);
        if self.calendar.len() >= pending_cap {
            return Err(LimitError::Calendar { limit: limits.max_pending_events, at: at(now) });
        }
        Ok(Some((now, event)))
    }

    /// Processes every event before time `t` (none at or after it), stopping early if the
    /// run ends first (the model is done, or only events after `max_time` are left); the
    /// run can then be [forked](Simulation::fork). A limit that stops the run is returned,
    /// and the run must not continue.
    pub fn run_until(&mut self, t: Nanos) -> Result<(), LimitError> {
        let max_time = self.limits.max_time.as_nanos();
        while !self.done && !self.model.done() && self.calendar.peek_time().is_some_and(|p| p < t && p <= max_time) {
            self.step()?;
        }
        Ok(())
    }

    /// A copy of this run at the current instant — model state, pending events, random
    /// streams, measurements, event count and fingerprint — changed by `change` before it
    /// continues on its own.
    pub fn fork(&self, change: impl FnOnce(&mut M, &mut Calendar<M::Event>)) -> Simulation<M>
    where
        M: Clone,
    {
        let mut copy = self.clone();
        change(&mut copy.model, &mut copy.calendar);
        copy
    }

    /// Steps to the end, calling `observe` after every processed event. Returns the model,
    /// with the limit that stopped the run early, if one did.
    pub fn run_model(mut self, mut observe: impl FnMut(Nanos, &M::Event)) -> (M, Option<LimitError>) {
        loop {
            match self.step() {
                Ok(Some((t, e))) => observe(t, &e),
                Ok(None) => return (self.model, None),
                Err(limit) => {
                    let now = self.calendar.now();
                    self.model.finish(now, self.events, self.fingerprint);
                    return (self.model, Some(limit));
                }
            }
        }
    }
}
