//! What the resilience patterns did in one run, per service: integer counts, so they merge
//! exactly like everything else in [`super::run`].
//!
//! Call-side patterns (breakers, bulkheads, throttles, retry budgets, fallbacks) count at the
//! calling service; server-side ones (rate limits, shedding, deadline drops) at the service
//! that applied them.

use serde::{Deserialize, Serialize};

/// Counts of pattern actions for one service (after the warm-up).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct PatternCounts {
    /// Times one of its calls' breakers went from closed or half-open to open.
    pub breaker_opened: u64,
    /// Attempts its breakers failed fast (open, or half-open with every probe out).
    pub breaker_rejected: u64,
    /// Attempts its bulkheads turned away (pool and waiting room full).
    pub bulkhead_rejected: u64,
    /// Attempts that waited for a bulkhead slot.
    pub bulkhead_queued: u64,
    /// Attempts its adaptive throttles rejected locally.
    pub throttled: u64,
    /// Retries its retry budgets refused.
    pub budget_denied: u64,
    /// Failed optional calls answered from a fallback (the request is then degraded).
    pub fallback_used: u64,
    /// Failed optional calls whose cached fallback had no entry (the failure then counts).
    pub fallback_missed: u64,
    /// Requests its rate limit turned away.
    pub rate_limited: u64,
    /// Requests it shed (backlog too long, or waited too long).
    pub shed: u64,
    /// Requests it dropped because their propagated deadline had passed.
    pub expired: u64,
}

impl PatternCounts {
    /// Every count with a short name for reports, in report order.
    pub fn named(&self) -> [(&'static str, u64); 11] {
        [
            ("breaker opened", self.breaker_opened),
            ("breaker rejected", self.breaker_rejected),
            ("bulkhead rejected", self.bulkhead_rejected),
            ("bulkhead queued", self.bulkhead_queued),
            ("throttled", self.throttled),
            ("budget denied", self.budget_denied),
            ("fallback used", self.fallback_used),
            ("fallback missed", self.fallback_missed),
            ("rate limited", self.rate_limited),
            ("shed", self.shed),
            ("deadline drops", self.expired),
        ]
    }

    /// Whether nothing happened.
    pub fn is_empty(&self) -> bool {
        self.named().iter().all(|(_, n)| *n == 0)
    }
}
