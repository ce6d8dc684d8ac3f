//! Server-side admission: a token-bucket rate limit, load shedding, and dropping work whose
//! propagated deadline has passed.
//!
//! - **Rate limit**: a bucket of `burst` tokens (default: one second of `rate`) refilled at
//!   `rate` per second, starting full. A request that finds less than one token is turned
//!   away at once (`rate limited`) without taking a worker. Per instance on a service; one
//!   bucket for all of our calls on an external (the provider's quota).
//! - **Shedding on backlog length**: a request that finds every worker busy and
//!   `max_backlog` requests already waiting is turned away (`shed`).
//! - **Shedding on queueing time**: a request that waited longer than `max_queue_time` is
//!   dropped when a worker would take it (`shed`), so workers go to requests that can still
//!   be answered in time (CoDel-style, as at Facebook and in Envoy's adaptive concurrency).
//! - **Deadlines**: a request whose propagated deadline has passed is dropped on arrival
//!   or when dequeued (`deadline exceeded`), instead of being worked on for nobody.

use crate::engine::calendar::Nanos;
use crate::spec;

/// A token bucket. See the module docs.
#[derive(Clone, Copy, Debug)]
pub struct TokenBucket {
    per_ns: f64,
    burst: f64,
    tokens: f64,
    last: Nanos,
}

impl TokenBucket {
    /// A full bucket with settings `r`.
    pub fn new(r: &spec::RateLimit) -> TokenBucket {
        let burst = r.burst.map_or(r.rate.max(1.0), f64::from);
        TokenBucket { per_ns: r.rate / 1e9, burst, tokens: burst, last: 0 }
    }

    /// Takes a token at `now` if there is one.
    pub fn take(&mut self, now: Nanos) -> bool {
        let dt = now.saturating_sub(self.last) as f64;
        self.tokens = (self.tokens + dt * self.per_ns).min(self.burst);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Admission settings and state of one station.
#[derive(Clone, Copy, Debug, Default)]
pub struct ServerGuard {
    /// Its rate limit.
    pub rate: Option<TokenBucket>,
    /// Shed when this many requests wait.
    pub max_backlog: Option<u32>,
    /// Shed a request that waited longer than this (ns).
    pub max_queue_ns: Option<Nanos>,
}

impl ServerGuard {
    /// The guard of a service instance, or `None` when it has nothing to guard.
    pub fn of(rate: Option<&spec::RateLimit>, shedding: Option<&spec::Shedding>) -> Option<ServerGuard> {
        if rate.is_none() && shedding.is_none() {
            return None;
        }
        Some(ServerGuard {
            rate: rate.map(TokenBucket::new),
            max_backlog: shedding.and_then(|s| s.max_backlog),
            max_queue_ns: shedding.and_then(|s| s.max_queue_time.map(|d| d.as_nanos())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_the_burst_then_the_rate() {
        let mut b = TokenBucket::new(&spec::RateLimit { rate: 10.0, burst: Some(5) });
        assert_eq!((0..10).filter(|_| b.take(0)).count(), 5, "the burst");
        assert!(!b.take(50_000_000), "half a token after 50 ms");
        assert!(b.take(100_000_000), "one token after 100 ms");
        // Over 10 s at most burst + rate·t tokens.
        let granted = (0..10_000u64).filter(|i| b.take(200_000_000 + i * 1_000_000)).count();
        assert!((99..=101).contains(&granted), "{granted}");
    }
}
