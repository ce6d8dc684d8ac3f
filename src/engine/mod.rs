//! The discrete-event engine: a calendar of events, a `step()` that pops one and hands
//! it to the model, and a `run()` that steps until the run is over or a limit is hit.
//!
//! The engine knows nothing of files, formats, threads or printing. Time is integer
//! nanoseconds; ties are broken by scheduling order; every random draw comes from a stream
//! derived from (seed, component, purpose). So a run is a pure function of (scenario,
//! seed), and its fingerprint — a hash over every processed event — proves it.
//!
//! A run has two phases: until the scenario's duration, clients send requests; after it,
//! arrivals stop and requests in flight drain, until none is left or `max_time` is
//! reached, when the rest count as failed (`unfinished`).

pub mod calendar;
pub mod event;
pub mod slab;

use std::sync::Arc;

use calendar::{Calendar, Nanos, MAX_PENDING};
use event::Event;

use crate::metrics::run::RunMetrics;
use crate::model::World;
use crate::scenario::Scenario;

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
    /// The calendar holds as many pending events as it can.
    #[error("{limit} events were pending at once at simulated time {at}; lower the load or raise limits")]
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
            LimitError::Calendar { .. } => "pending events",
        }
    }
}

/// One run of a scenario with one seed.
#[derive(Debug)]
pub struct Simulation {
    world: World,
    calendar: Calendar<Event>,
    events: u64,
    done: bool,
}

impl Simulation {
    /// Prepares the run of `scenario` with `seed`; nothing happens until it is stepped.
    pub fn new(scenario: Arc<Scenario>, seed: u64) -> Simulation {
        let mut world = World::new(scenario, seed);
        let mut calendar = Calendar::new();
        world.start(&mut calendar);
        Simulation { world, calendar, events: 0, done: false }
    }

    /// Simulated time now.
    pub fn now(&self) -> Nanos {
        self.calendar.now()
    }

    /// The model state (read-only), for tests and observers.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// Processes the next event. Returns it, or `None` when the run is over.
    pub fn step(&mut self) -> Result<Option<(Nanos, Event)>, LimitError> {
        if self.done {
            return Ok(None);
        }
        let limits = self.world.scenario.limits;
        let max_time = limits.max_time.as_nanos();
        let at = |t: Nanos| crate::units::Duration::from_nanos(t);
        let over = self.world.arrivals_over && self.world.in_flight() == 0;
        let next = self.calendar.peek_time();
        if over || next.is_none_or(|t| t > max_time) {
            let end = if over { self.calendar.now() } else { max_time.max(self.calendar.now()) };
            self.world.finish(end);
            self.world.metrics.events = self.events;
            self.done = true;
            return Ok(None);
        }
        if self.events >= limits.max_events {
            return Err(LimitError::MaxEvents { limit: limits.max_events, at: at(self.calendar.now()) });
        }
        let Some((now, event)) = self.calendar.pop() else { return Ok(None) };
        self.events += 1;
        let [a, b, c, d] = event.words();
        self.world.metrics.fingerprint.mix(&[now, a, b, c, d]);
        self.world.handle(&mut self.calendar, now, event);
        debug_assert!(self.world.conserved(), "requests not conserved after {event:?} at {now}");
        if self.world.in_flight() as u64 > limits.max_in_flight {
            return Err(LimitError::MaxInFlight { limit: limits.max_in_flight, at: at(now) });
        }
        if self.calendar.len() >= MAX_PENDING - 1024 {
            return Err(LimitError::Calendar { limit: MAX_PENDING as u64, at: at(now) });
        }
        Ok(Some((now, event)))
    }

    /// Runs to the end, calling `observe` after every processed event.
    pub fn run_observed(
        mut self,
        mut observe: impl FnMut(Nanos, &Event),
    ) -> Result<RunMetrics, Box<(LimitError, RunMetrics)>> {
        loop {
            match self.step() {
                Ok(Some((t, e))) => observe(t, &e),
                Ok(None) => return Ok(self.world.metrics),
                Err(limit) => {
                    let now = self.calendar.now();
                    self.world.finish(now);
                    self.world.metrics.events = self.events;
                    return Err(Box::new((limit, self.world.metrics)));
                }
            }
        }
    }

    /// Runs to the end.
    pub fn run(self) -> Result<RunMetrics, Box<(LimitError, RunMetrics)>> {
        self.run_observed(|_, _| {})
    }
}
