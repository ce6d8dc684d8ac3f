//! Retry budgets (Google SRE, "Handling Overload"), per client: a caller instance for a
//! topology call, the whole workload for a scenario's clients.
//!
//! - **Ratio**: a retry may go only while `retries / requests < ratio` over the rolling
//!   window, counted before the retry (requests are first attempts). Under a dependency that
//!   always fails, retries settle just below `ratio` of requests instead of
//!   `max_attempts − 1` times them.
//! - **Token bucket**: starts full at `capacity`; every successful attempt adds
//!   `per_success` (up to `capacity`), every retry takes one token and needs a whole one.
//!   In the long run retries are at most `per_success` per success. Tokens are counted in
//!   millionths, as integers, so ten successes at 0.1 make exactly one token (in floating
//!   point they would make 0.9999999999999999, and no retry).
//!
//! With a budget a request makes at most 3 attempts whatever `max_attempts` says (the SRE
//! book's cap), so the worst case is bounded even while the budget is full.

use super::window::Rolling;
use crate::engine::calendar::Nanos;
use crate::spec;

/// One token, in the bucket's unit.
const MICRO: u64 = 1_000_000;

/// Attempts per request when a budget is set (the first included).
pub const MAX_ATTEMPTS_WITH_BUDGET: u32 = 3;

/// One client's budget. See the module docs.
#[derive(Clone, Debug)]
pub enum Budget {
    /// Retries over requests in a window.
    Ratio {
        /// The highest ratio.
        ratio: f64,
        /// Requests (a) and retries (b); boxed, once per run, to keep the enum small.
        window: Box<Rolling>,
    },
    /// Tokens earned by successes, spent by retries (all in millionths of a token).
    Bucket {
        /// Tokens per success.
        per_success: u64,
        /// Most tokens held.
        capacity: u64,
        /// Tokens now.
        tokens: u64,
    },
}

impl Budget {
    /// A fresh budget (a token bucket starts full).
    pub fn new(b: &spec::RetryBudget) -> Budget {
        match *b {
            spec::RetryBudget::Ratio { ratio, window } => {
                Budget::Ratio { ratio, window: Box::new(Rolling::new(window.as_nanos())) }
            }
            spec::RetryBudget::TokenBucket { per_success, capacity } => {
                let micro = |x: f64| (x * MICRO as f64).round().clamp(0.0, 1e18) as u64;
                Budget::Bucket { per_success: micro(per_success), capacity: micro(capacity), tokens: micro(capacity) }
            }
        }
    }

    /// A request (first attempt) starts.
    pub fn on_request(&mut self, now: Nanos) {
        if let Budget::Ratio { window, .. } = self {
            window.add(now, 1, 0);
        }
    }

    /// An attempt succeeded.
    pub fn on_success(&mut self) {
        if let Budget::Bucket { per_success, capacity, tokens } = self {
            *tokens = tokens.saturating_add(*per_success).min(*capacity);
        }
    }

    /// Whether a retry may go at `now`; if so, it is charged.
    pub fn try_retry(&mut self, now: Nanos) -> bool {
        match self {
            Budget::Ratio { ratio, window } => {
                let (requests, retries) = window.sums(now);
                let allowed = (retries as f64) < *ratio * requests as f64;
                if allowed {
                    window.add(now, 0, 1);
                }
                allowed
            }
            Budget::Bucket { tokens, .. } => {
                let allowed = *tokens >= MICRO;
                if allowed {
                    *tokens -= MICRO;
                }
                allowed
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::Duration;

    #[test]
    fn ratio_holds_retries_below_a_tenth_of_requests() {
        let mut b = Budget::new(&spec::RetryBudget::Ratio { ratio: 0.1, window: Duration::from_secs(60) });
        let (mut requests, mut retries) = (0u64, 0u64);
        for i in 0..10_000u64 {
            let now = i * 1_000_000;
            b.on_request(now);
            requests += 1;
            // Every request fails and asks for two retries.
            for _ in 0..2 {
                if b.try_retry(now) {
                    retries += 1;
                }
            }
        }
        let ratio = retries as f64 / requests as f64;
        assert!((0.099..=0.101).contains(&ratio), "ratio {ratio}");
    }

    #[test]
    fn bucket_starts_full_and_earns_a_tenth_per_success() {
        let mut b = Budget::new(&spec::RetryBudget::TokenBucket { per_success: 0.1, capacity: 10.0 });
        let granted = (0..20).filter(|_| b.try_retry(0)).count();
        assert_eq!(granted, 10, "the full bucket");
        for _ in 0..9 {
            b.on_success();
        }
        assert!(!b.try_retry(0), "0.9 tokens");
        b.on_success();
        assert!(b.try_retry(0), "one token after ten successes");
    }
}
