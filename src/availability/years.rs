//! The time-based availability model on the engine: failure and repair events of every
//! process, datastore takeovers and period (year) boundaries; after each event the
//! [`State`] settles which endpoints are servable, and the model integrates downtime.
//!
//! Each process starts up and alternates up and down times drawn from its own stream
//! (`rng::stream(seed, name, Purpose::Failures)`, with the same names as the request model's
//! component failures, so a seed fails the same things at the same times in both models).

use std::sync::Arc;

use serde::Serialize;

use crate::dist::Dist;
use crate::engine::calendar::{Calendar, Nanos};
use crate::engine::{EngineEvent, LimitError, Model, Simulation};
use crate::metrics::Fingerprint;
use crate::rng::{stream, Purpose, Rng};
use crate::scenario::Limits;
use crate::units::Duration;

use super::plan::Plan;
use super::record::{outage_bin, Partial, SeedEndpoint, SeedRecord, YearsSeed, OUTAGE_BINS};
use super::state::State;

/// Nanoseconds in a 365-day year.
pub const YEAR_NS: u64 = 365 * 24 * 3600 * 1_000_000_000;

/// Events processed per seed at most (a bound on a run; far beyond any sensible horizon).
pub const MAX_EVENTS: u64 = 1 << 40;

/// The closed set of things that happen in the availability model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub enum YearsEvent {
    /// A process fails.
    Fail {
        /// Process index.
        process: u32,
    },
    /// A process is repaired.
    Repair {
        /// Process index.
        process: u32,
    },
    /// A datastore's takeover is due (ignored when its token is stale).
    Takeover {
        /// Datastore index.
        datastore: u32,
        /// The failover attempt it belongs to.
        token: u32,
    },
    /// A period (year) ends.
    PeriodEnd,
}

impl EngineEvent for YearsEvent {
    #[inline]
    fn words(&self) -> [u64; 4] {
        match *self {
            YearsEvent::Fail { process } => [101, u64::from(process), 0, 0],
            YearsEvent::Repair { process } => [102, u64::from(process), 0, 0],
            YearsEvent::Takeover { datastore, token } => [103, u64::from(datastore), u64::from(token), 0],
            YearsEvent::PeriodEnd => [104, 0, 0, 0],
        }
    }
}

/// How long one seed runs and how it is cut into periods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Horizon {
    /// Simulated time per seed (ns).
    pub total_ns: u64,
    /// Length of a period (ns): a year, or the whole horizon when it is shorter.
    pub period_ns: u64,
}

impl Horizon {
    /// `total_ns` of simulated time cut into years (or one period when shorter than a year).
    pub fn new(total_ns: u64) -> Horizon {
        Horizon { total_ns, period_ns: total_ns.clamp(1, YEAR_NS) }
    }

    /// Whole periods in the horizon.
    pub fn periods(&self) -> u64 {
        self.total_ns / self.period_ns
    }
}

/// One seed of the availability model. See the module docs.
#[derive(Debug)]
pub struct Years {
    plan: Arc<Plan>,
    state: State,
    rngs: Vec<Rng>,
    horizon: Horizon,
    period_start: Nanos,
    /// Per endpoint: when its current outage began.
    ep_down_since: Vec<Option<Nanos>>,
    /// Per endpoint: downtime in the current period so far.
    period_down: Vec<u64>,
    /// Per class: when its current down spell began.
    class_down_since: Vec<Option<Nanos>>,
    out: YearsSeed,
    /// Endpoint flips of the current event (reused, so the hot loop does not allocate).
    ep_flips: Vec<(u32, bool)>,
    outage_bins: Vec<Vec<u64>>,
    events: u64,
    fingerprint: Fingerprint,
    seed: u64,
}

impl Years {
    /// Prepares seed `seed` of `plan` over `horizon`.
    pub fn new(plan: Arc<Plan>, seed: u64, horizon: Horizon) -> Years {
        let e = plan.endpoints();
        let c = plan.classes.len();
        let rngs = plan.processes.iter().map(|p| stream(seed, &p.stream, Purpose::Failures)).collect();
        let state = State::new(&plan);
        let mut ep_down_since = vec![None; e];
        for (i, up) in state.ep_up.iter().enumerate() {
            if !up {
                ep_down_since[i] = Some(0);
            }
        }
        let out = YearsSeed {
            horizon_ns: horizon.total_ns,
            endpoints: (0..e)
                .map(|i| SeedEndpoint {
                    outages: u64::from(!state.ep_up[i]),
                    down_with_class_ns: vec![0; c],
                    ..SeedEndpoint::default()
                })
                .collect(),
            class_down_ns: vec![0; c],
        };
        Years {
            state,
            rngs,
            horizon,
            period_start: 0,
            ep_down_since,
            period_down: vec![0; e],
            class_down_since: vec![None; c],
            out,
            ep_flips: Vec::new(),
            outage_bins: vec![vec![0; OUTAGE_BINS]; e],
            events: 0,
            fingerprint: Fingerprint::new(),
            seed,
            plan,
        }
    }

    /// A draw from process `p`'s up-time (`up`) or down-time distribution, at least 1 ns so
    /// that time moves between a failure and its repair.
    #[inline]
    fn draw(&mut self, p: usize, up: bool) -> u64 {
        let proc = &self.plan.processes[p];
        let dist: &Dist = if up { &proc.ttf } else { &proc.ttr };
        dist.sample(&mut self.rngs[p]).max(1)
    }

    /// Endpoint `e` went down or came back at `now`.
    fn endpoint_flip(&mut self, now: Nanos, e: usize, up: bool) {
        if up {
            let Some(since) = self.ep_down_since[e].take() else { return };
            let len = now - since;
            let ep = &mut self.out.endpoints[e];
            ep.down_ns += len;
            ep.longest_ns = ep.longest_ns.max(len);
            self.outage_bins[e][outage_bin(len)] += 1;
            self.period_down[e] += now - since.max(self.period_start);
            for (k, cs) in self.class_down_since.iter().enumerate() {
                if let Some(cs) = cs {
                    ep.down_with_class_ns[k] += now - since.max(*cs);
                }
            }
        } else {
            self.ep_down_since[e] = Some(now);
            self.out.endpoints[e].outages += 1;
        }
    }

    /// Class `k` went down or came back at `now`.
    fn class_flip(&mut self, now: Nanos, k: usize, down: bool) {
        if down {
            self.class_down_since[k] = Some(now);
            return;
        }
        let Some(since) = self.class_down_since[k].take() else { return };
        self.out.class_down_ns[k] += now - since;
        for (e, es) in self.ep_down_since.iter().enumerate() {
            if let Some(es) = es {
                self.out.endpoints[e].down_with_class_ns[k] += now - since.max(*es);
            }
        }
    }

    /// After an event: settle endpoints and classes, schedule takeovers.
    fn after(&mut self, cal: &mut Calendar<YearsEvent>, now: Nanos) {
        let mut flips = std::mem::take(&mut self.state.class_flips);
        for &k in &flips {
            let down = self.state.class_down[k as usize];
            self.class_flip(now, k as usize, down);
        }
        flips.clear();
        self.state.class_flips = flips;
        let mut eps = std::mem::take(&mut self.ep_flips);
        self.state.settle(&self.plan, &mut eps);
        for &(e, up) in &eps {
            self.endpoint_flip(now, e as usize, up);
        }
        eps.clear();
        self.ep_flips = eps;
        for (d, delay, token) in self.state.takeovers.drain(..) {
            cal.schedule(now.saturating_add(delay), YearsEvent::Takeover { datastore: d, token });
        }
    }

    /// Closes the books at `end`: open outages and down spells are cut there.
    fn close(&mut self, end: Nanos) {
        for e in 0..self.ep_down_since.len() {
            if let Some(since) = self.ep_down_since[e] {
                let len = end.saturating_sub(since);
                let ep = &mut self.out.endpoints[e];
                ep.down_ns += len;
                ep.longest_ns = ep.longest_ns.max(len);
                self.outage_bins[e][outage_bin(len)] += 1;
                for (k, cs) in self.class_down_since.iter().enumerate() {
                    if let Some(cs) = cs {
                        ep.down_with_class_ns[k] += end.saturating_sub(since.max(*cs));
                    }
                }
            }
        }
        for k in 0..self.class_down_since.len() {
            if let Some(since) = self.class_down_since[k] {
                self.out.class_down_ns[k] += end.saturating_sub(since);
            }
        }
    }

    /// The seed's record and outage histogram.
    pub fn into_partial(self, limit: Option<String>) -> Partial {
        Partial {
            records: vec![SeedRecord {
                seed: self.seed,
                fingerprint: self.fingerprint.to_string(),
                events: self.events,
                limit,
                years: Some(self.out),
                rare: None,
            }],
            outage_bins: self.outage_bins,
        }
    }
}

impl Model for Years {
    type Event = YearsEvent;

    fn start(&mut self, cal: &mut Calendar<YearsEvent>) {
        for p in 0..self.plan.processes.len() {
            let at = self.draw(p, true);
            cal.schedule(at, YearsEvent::Fail { process: p as u32 });
        }
        if self.horizon.period_ns <= self.horizon.total_ns {
            cal.schedule(self.horizon.period_ns, YearsEvent::PeriodEnd);
        }
    }

    #[inline]
    fn handle(&mut self, cal: &mut Calendar<YearsEvent>, now: Nanos, event: YearsEvent) {
        match event {
            YearsEvent::Fail { process } => {
                let p = process as usize;
                self.state.set_process(&self.plan, p, true);
                let at = now.saturating_add(self.draw(p, false));
                cal.schedule(at, YearsEvent::Repair { process });
            }
            YearsEvent::Repair { process } => {
                let p = process as usize;
                self.state.set_process(&self.plan, p, false);
                let at = now.saturating_add(self.draw(p, true));
                cal.schedule(at, YearsEvent::Fail { process });
            }
            YearsEvent::Takeover { datastore, token } => self.state.promote(&self.plan, datastore as usize, token),
            YearsEvent::PeriodEnd => {
                for e in 0..self.period_down.len() {
                    let mut d = std::mem::take(&mut self.period_down[e]);
                    if let Some(since) = self.ep_down_since[e] {
                        d += now - since.max(self.period_start);
                    }
                    self.out.endpoints[e].period_down_ns.push(d);
                }
                self.period_start = now;
                let next = now.saturating_add(self.horizon.period_ns);
                if next <= self.horizon.total_ns {
                    cal.schedule(next, YearsEvent::PeriodEnd);
                }
                return;
            }
        }
        self.after(cal, now);
    }

    fn done(&self) -> bool {
        false
    }

    fn in_flight(&self) -> u64 {
        0
    }

    fn finish(&mut self, now: Nanos, events: u64, fingerprint: Fingerprint) {
        self.events = events;
        self.fingerprint = fingerprint;
        self.close(now.min(self.horizon.total_ns));
    }
}

/// Runs seed `seed` of `plan` over `horizon`: its record, or the record up to a limit.
pub fn run_seed(plan: &Arc<Plan>, seed: u64, horizon: Horizon) -> Partial {
    let limits = Limits {
        max_events: MAX_EVENTS,
        max_time: Duration::from_nanos(horizon.total_ns),
        max_in_flight: u64::MAX,
        max_pending_events: crate::engine::calendar::MAX_PENDING as u64,
        // The time-based model keeps no per-bucket series.
        max_buckets: 1,
    };
    let sim = Simulation::with_model(Years::new(Arc::clone(plan), seed, horizon), limits);
    let (model, limit): (Years, Option<LimitError>) = sim.run_model(|_, _| {});
    model.into_partial(limit.map(|l| l.to_string()))
}
