//! Client-side adaptive throttling (Google SRE, "Handling Overload"): each client counts,
//! over a rolling window (~2 minutes), the `requests` it attempted and the `accepts` its
//! backend answered, and rejects a new request locally with probability
//! `max(0, (requests − K·accepts) / (requests + 1))`. A healthy backend accepts nearly
//! everything, so nothing is rejected; a backend that turns most requests away sees about
//! `K·accepts` requests, and the rest never leave the client.
//!
//! The probability is computed from the counts *before* the new request, which is then
//! counted whether it goes or not. An answer counts as an accept when the backend processed
//! the request (success, degraded, or an application error); timeouts, rejections, rate
//! limits, shedding and unavailability do not. One throttle per call per caller instance.

use super::window::Rolling;
use crate::engine::calendar::Nanos;
use crate::spec;

/// `max(0, (requests − k·accepts) / (requests + 1))`.
pub fn reject_probability(requests: u64, accepts: u64, k: f64) -> f64 {
    ((requests as f64 - k * accepts as f64) / (requests as f64 + 1.0)).max(0.0)
}

/// One throttle's state. See the module docs.
#[derive(Clone, Debug)]
pub struct Throttle {
    k: f64,
    /// Requests (a) and accepts (b).
    window: Rolling,
}

impl Throttle {
    /// A fresh throttle with settings `t`.
    pub fn new(t: &spec::Throttle) -> Throttle {
        Throttle { k: t.k, window: Rolling::new(t.window.as_nanos()) }
    }

    /// The rejection probability for a request at `now`; the request is counted.
    pub fn request(&mut self, now: Nanos) -> f64 {
        let (requests, accepts) = self.window.sums(now);
        self.window.add(now, 1, 0);
        reject_probability(requests, accepts, self.k)
    }

    /// The backend accepted a request.
    pub fn accepted(&mut self, now: Nanos) {
        self.window.add(now, 0, 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probability_is_the_sre_formula() {
        assert_eq!(reject_probability(0, 0, 2.0), 0.0);
        assert_eq!(reject_probability(100, 50, 2.0), 0.0);
        assert_eq!(reject_probability(100, 100, 2.0), 0.0);
        assert!((reject_probability(100, 10, 2.0) - 80.0 / 101.0).abs() < 1e-12);
        assert!((reject_probability(1000, 0, 2.0) - 1000.0 / 1001.0).abs() < 1e-12);
        assert!((reject_probability(100, 10, 1.5) - 85.0 / 101.0).abs() < 1e-12);
    }
}
