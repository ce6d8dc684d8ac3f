//! The circuit breaker of the reference semantics: closed → open → half-open → closed or open again.
//!
//! - **Closed**: every attempt passes; outcomes are counted over a rolling window. It opens
//!   when the failures in the window reach `failure_threshold`, or when the window holds at
//!   least `min_volume` calls and the failure ratio reaches `failure_ratio`.
//! - **Open**: every attempt fails fast (no network, no worker at the callee) until the
//!   cool-down is over. The switch to half-open happens lazily, at the first attempt after
//!   the cool-down, so the breaker needs no timer event.
//! - **Half-open**: `probes` attempts pass (each gets a ticket of this half-open round);
//!   more attempts fail fast. When every probe has succeeded the breaker closes with an
//!   empty window; the first probe that fails opens it again.
//!
//! A breaker belongs to one call of one caller *instance*, as breakers in client libraries
//! (resilience4j, Hystrix, Polly, Envoy's per-host outlier detection) live in the calling
//! process: instances learn about a sick dependency independently.
//! Outcomes of attempts sent before the breaker opened, or in an earlier half-open round,
//! are ignored; a probe rejected locally after the breaker let it through (a full bulkhead,
//! a throttle) gives its ticket back.

use super::window::Rolling;
use crate::engine::calendar::Nanos;
use crate::spec;

/// Where the breaker is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Counting outcomes.
    Closed,
    /// Failing fast until this time.
    Open {
        /// End of the cool-down (ns).
        until: Nanos,
    },
    /// Letting probes through.
    HalfOpen {
        /// Probes let through in this round.
        sent: u32,
        /// Probes that succeeded.
        passed: u32,
    },
}

/// What the breaker says to an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ticket {
    /// Not let through: fail fast.
    Rejected,
    /// Let through while closed.
    Closed,
    /// Let through as a probe of half-open round `n`.
    Probe(u32),
}

/// How an attempt that the breaker let through ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Evidence {
    /// The dependency answered.
    Success,
    /// It failed or did not answer in time.
    Failure,
    /// It never reached the dependency (rejected locally after the breaker): not evidence.
    Ignored,
}

/// One breaker's state. See the module docs.
#[derive(Clone, Debug)]
pub struct Breaker {
    failure_threshold: Option<u32>,
    failure_ratio: Option<f64>,
    min_volume: u32,
    cool_down_ns: Nanos,
    probes: u32,
    /// Current mode.
    pub mode: Mode,
    /// Half-open rounds so far (tickets of older rounds are stale).
    round: u32,
    /// Calls (a) and failures (b) in the window, while closed.
    window: Rolling,
}

impl Breaker {
    /// A closed breaker with settings `b`.
    pub fn new(b: &spec::Breaker) -> Breaker {
        Breaker {
            failure_threshold: b.failure_threshold,
            failure_ratio: b.failure_ratio,
            min_volume: b.min_volume,
            cool_down_ns: b.cool_down.as_nanos(),
            probes: b.probes.max(1),
            mode: Mode::Closed,
            round: 0,
            window: Rolling::new(b.window.as_nanos()),
        }
    }

    /// Whether an attempt at `now` may go.
    pub fn admit(&mut self, now: Nanos) -> Ticket {
        if let Mode::Open { until } = self.mode {
            if now < until {
                return Ticket::Rejected;
            }
            self.round += 1;
            self.mode = Mode::HalfOpen { sent: 0, passed: 0 };
        }
        match &mut self.mode {
            Mode::Closed => Ticket::Closed,
            Mode::HalfOpen { sent, .. } if *sent < self.probes => {
                *sent += 1;
                Ticket::Probe(self.round)
            }
            _ => Ticket::Rejected,
        }
    }

    /// Records how an attempt with `ticket` ended at `now`; true when this opened the breaker.
    pub fn record(&mut self, now: Nanos, ticket: Ticket, result: Evidence) -> bool {
        match (self.mode, ticket) {
            (Mode::Closed, Ticket::Closed) => {
                if result == Evidence::Ignored {
                    return false;
                }
                let failed = result == Evidence::Failure;
                self.window.add(now, 1, u64::from(failed));
                if failed && self.trips(now) {
                    self.open(now);
                    return true;
                }
                false
            }
            (Mode::HalfOpen { sent, passed }, Ticket::Probe(round)) if round == self.round => match result {
                Evidence::Failure => {
                    self.open(now);
                    true
                }
                Evidence::Ignored => {
                    self.mode = Mode::HalfOpen { sent: sent.saturating_sub(1), passed };
                    false
                }
                Evidence::Success => {
                    if passed + 1 >= self.probes {
                        self.mode = Mode::Closed;
                        self.window.clear();
                    } else {
                        self.mode = Mode::HalfOpen { sent, passed: passed + 1 };
                    }
                    false
                }
            },
            // A stale ticket: sent before the breaker opened, or in an earlier round.
            _ => false,
        }
    }

    /// Whether the closed window's counts call for opening.
    fn trips(&self, now: Nanos) -> bool {
        let (calls, failures) = self.window.sums(now);
        self.failure_threshold.is_some_and(|t| failures >= u64::from(t))
            || self.failure_ratio.is_some_and(|r| {
                calls >= u64::from(self.min_volume) && calls > 0 && failures as f64 >= r * calls as f64
            })
    }

    fn open(&mut self, now: Nanos) {
        self.mode = Mode::Open { until: now.saturating_add(self.cool_down_ns) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::Duration;

    fn breaker(threshold: Option<u32>, ratio: Option<f64>, probes: u32) -> Breaker {
        Breaker::new(&spec::Breaker {
            failure_threshold: threshold,
            failure_ratio: ratio,
            min_volume: 10,
            window: Duration::from_secs(10),
            cool_down: Duration::from_secs(5),
            probes,
        })
    }

    const S: Nanos = 1_000_000_000;

    #[test]
    fn count_threshold_opens_and_probes_close() {
        let mut b = breaker(Some(3), None, 2);
        for i in 0..2 {
            assert_eq!(b.admit(i), Ticket::Closed);
            assert!(!b.record(i, Ticket::Closed, Evidence::Failure));
        }
        assert!(b.record(2, Ticket::Closed, Evidence::Failure), "third failure opens");
        assert_eq!(b.admit(S), Ticket::Rejected);
        assert_eq!(b.admit(5 * S + 1), Ticket::Rejected, "the cool-down runs 5 s from the opening at 2 ns");
        assert_eq!(b.admit(5 * S + 2), Ticket::Probe(1));
        assert_eq!(b.admit(5 * S + 2), Ticket::Probe(1));
        assert_eq!(b.admit(5 * S + 2), Ticket::Rejected, "only two probes");
        assert!(!b.record(5 * S + 3, Ticket::Probe(1), Evidence::Success));
        assert_eq!(b.mode, Mode::HalfOpen { sent: 2, passed: 1 });
        assert!(!b.record(5 * S + 4, Ticket::Probe(1), Evidence::Success));
        assert_eq!(b.mode, Mode::Closed);
    }

    #[test]
    fn a_failed_probe_reopens_and_stale_tickets_are_ignored() {
        let mut b = breaker(Some(1), None, 1);
        assert!(b.record(0, Ticket::Closed, Evidence::Failure));
        assert_eq!(b.admit(5 * S), Ticket::Probe(1));
        assert!(b.record(6 * S, Ticket::Probe(1), Evidence::Failure));
        assert_eq!(b.mode, Mode::Open { until: 11 * S });
        // A late answer to an attempt sent while closed changes nothing.
        assert!(!b.record(7 * S, Ticket::Closed, Evidence::Success));
        assert_eq!(b.admit(11 * S), Ticket::Probe(2));
        assert!(!b.record(11 * S, Ticket::Probe(1), Evidence::Success), "round 1 is over");
        assert_eq!(b.mode, Mode::HalfOpen { sent: 1, passed: 0 });
        // A probe turned away locally gives its ticket back.
        assert!(!b.record(11 * S, Ticket::Probe(2), Evidence::Ignored));
        assert_eq!(b.admit(11 * S), Ticket::Probe(2));
    }

    #[test]
    fn ratio_needs_the_minimum_volume_and_counts_only_the_window() {
        let mut b = breaker(None, Some(0.5), 1);
        for i in 0..9 {
            assert!(!b.record(i, Ticket::Closed, Evidence::Failure), "below min_volume");
        }
        assert!(b.record(9, Ticket::Closed, Evidence::Failure), "10 calls, 100% failures");
        let mut b = breaker(None, Some(0.5), 1);
        for i in 0..6 {
            b.record(i, Ticket::Closed, Evidence::Success);
        }
        for i in 0..4 {
            assert!(!b.record(10 + i, Ticket::Closed, Evidence::Failure), "4 of 10 is below 50%");
        }
        assert!(!b.record(20, Ticket::Closed, Evidence::Failure), "5 of 11 is below 50%");
        assert!(b.record(21, Ticket::Closed, Evidence::Failure), "6 of 12");
        // Old successes leave the window: 10 failures after 10 s of successes count alone.
        let mut b = breaker(None, Some(0.5), 1);
        for i in 0..100 {
            b.record(i, Ticket::Closed, Evidence::Success);
        }
        for i in 0..9 {
            assert!(!b.record(11 * S + i, Ticket::Closed, Evidence::Failure));
        }
        assert!(b.record(11 * S + 9, Ticket::Closed, Evidence::Failure));
    }
}
