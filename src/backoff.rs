//! Retry backoff: the reference semantics of the manual (semantics chapter), in one function.
//!
//! Attempt n ≥ 1 (n = 1 is the first retry) first computes the capped exponential delay
//! `d = min(cap, base·2^(n-1))`, then applies the jitter (Brooker, "Exponential Backoff And
//! Jitter", AWS 2015):
//!
//! | jitter | delay |
//! |---|---|
//! | none | `d` |
//! | full | `U(0, d)` |
//! | equal | `d/2 + U(0, d/2)` |
//! | decorrelated | `min(cap, U(base, 3·previous))`, previous = the last delay (base for n = 1) |
//!
//! Uniform draws are integers with both ends included. Arithmetic saturates, so neither a huge
//! attempt number nor a huge base can overflow. The engine keeps `previous` per request; this
//! module holds no state, so it can be tested against the formulas directly.

use crate::rng::Rng;
use crate::spec::{Backoff, Jitter};
use rand::RngExt as _;

/// Delay in ns before retry attempt `attempt` ≥ 1 (1 is the first retry).
///
/// `d = min(cap, base·2^(attempt-1))`, then jitter: `None` → `d`; `Full` → `U(0, d)`;
/// `Equal` → `d/2 + U(0, d/2)` (integer halves: `⌊d/2⌋ + U(0, ⌈d/2⌉)`, so the maximum is `d`);
/// `Decorrelated` → `min(cap, U(base, max(base, 3·previous)))`, where `previous_ns` is the delay
/// this request waited before its previous attempt. For attempt 1 the previous delay is `base` by
/// definition and `previous_ns` is ignored. `None` draws nothing from `rng`.
///
/// # Panics
///
/// If `attempt` is 0: there is no retry before the first one, so that is a caller bug.
pub fn backoff_delay(b: &Backoff, attempt: u32, previous_ns: u64, rng: &mut Rng) -> u64 {
    assert!(attempt >= 1, "backoff attempt numbers start at 1");
    let base = b.base.as_nanos();
    let cap = b.cap.as_nanos();
    let delay = match b.jitter {
        Jitter::None => capped_exponential(base, cap, attempt),
        Jitter::Full => rng.random_range(0..=capped_exponential(base, cap, attempt)),
        Jitter::Equal => {
            let d = capped_exponential(base, cap, attempt);
            rng.random_range(d / 2..=d)
        }
        Jitter::Decorrelated => {
            let previous = if attempt == 1 { base } else { previous_ns };
            let high = previous.saturating_mul(3).max(base);
            rng.random_range(base..=high).min(cap)
        }
    };
    // Every jitter kind stays within the cap; the engine relies on it when it adds the delay
    // to the clock.
    assert!(delay <= cap, "backoff delay {delay} ns exceeds cap {cap} ns");
    delay
}

/// `min(cap, base·2^(attempt-1))` with saturation; `attempt` ≥ 1.
fn capped_exponential(base: u64, cap: u64, attempt: u32) -> u64 {
    let doublings = attempt - 1;
    let scaled = if base == 0 {
        0
    } else if doublings >= 64 {
        u64::MAX
    } else {
        base.saturating_mul(1u64 << doublings)
    };
    scaled.min(cap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{stream, Purpose};
    use crate::units::Duration;

    const DRAWS: u64 = 100_000;

    fn backoff(base_ms: u64, cap_ms: u64, jitter: Jitter) -> Backoff {
        Backoff { base: Duration::from_millis(base_ms), cap: Duration::from_millis(cap_ms), jitter }
    }

    fn rng(seed: u64) -> Rng {
        stream(seed, "test:backoff", Purpose::Retry)
    }

    /// Mean and standard error of `DRAWS` delays for one attempt.
    fn mean_and_se(b: &Backoff, attempt: u32, previous_ns: u64, seed: u64) -> (f64, f64) {
        let mut r = rng(seed);
        let xs: Vec<f64> = (0..DRAWS).map(|_| backoff_delay(b, attempt, previous_ns, &mut r) as f64).collect();
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, (var / n).sqrt())
    }

    #[test]
    fn no_jitter_is_exact_capped_exponential() {
        let b = backoff(10, 1_000, Jitter::None);
        let mut r = rng(1);
        let ms: Vec<u64> = (1..=9).map(|n| backoff_delay(&b, n, 0, &mut r) / 1_000_000).collect();
        assert_eq!(ms, [10, 20, 40, 80, 160, 320, 640, 1_000, 1_000]);
    }

    #[test]
    fn huge_attempts_and_bases_saturate_at_the_cap() {
        let cap = Duration::from_secs(60).as_nanos();
        for jitter in [Jitter::None, Jitter::Full, Jitter::Equal, Jitter::Decorrelated] {
            let b = backoff(10, 60_000, jitter);
            let mut r = rng(2);
            for attempt in [63, 64, 65, 1_000, u32::MAX] {
                let d = backoff_delay(&b, attempt, u64::MAX, &mut r);
                assert!(d <= cap, "{jitter:?} attempt {attempt}: {d}");
            }
        }
        assert_eq!(capped_exponential(u64::MAX / 2, u64::MAX, 3), u64::MAX);
        assert_eq!(capped_exponential(0, 5, u32::MAX), 0);
        assert_eq!(capped_exponential(1, u64::MAX, 64), 1 << 63);
        assert_eq!(capped_exponential(1, u64::MAX, 65), u64::MAX);
    }

    #[test]
    fn jittered_delays_stay_in_range() {
        let cap = Duration::from_millis(1_000).as_nanos();
        let base = Duration::from_millis(10).as_nanos();
        for attempt in 1..=10u32 {
            let d = capped_exponential(base, cap, attempt);
            let mut r = rng(u64::from(attempt));
            for _ in 0..10_000 {
                let full = backoff_delay(&backoff(10, 1_000, Jitter::Full), attempt, 0, &mut r);
                assert!(full <= d);
                let equal = backoff_delay(&backoff(10, 1_000, Jitter::Equal), attempt, 0, &mut r);
                assert!((d / 2..=d).contains(&equal));
            }
        }
    }

    #[test]
    fn jittered_means_match_their_formulas() {
        // Attempt 4 of base 10ms: d = 80ms. Full jitter averages d/2, equal jitter 3d/4,
        // decorrelated with previous p averages (base + 3p)/2 when 3p is below the cap.
        let d = 80e6;
        let cases = [
            (Jitter::Full, 4, 0, d / 2.0),
            (Jitter::Equal, 4, 0, 3.0 * d / 4.0),
            (Jitter::Decorrelated, 4, 100_000_000, (10e6 + 300e6) / 2.0),
            (Jitter::Decorrelated, 1, 999_999_999, (10e6 + 30e6) / 2.0),
        ];
        for seed in [1u64, 2, 3] {
            for (jitter, attempt, previous, expected) in cases {
                let (mean, se) = mean_and_se(&backoff(10, 1_000, jitter), attempt, previous, seed);
                // Four standard errors, plus one ns for integer rounding of the bounds.
                assert!(
                    (mean - expected).abs() <= 4.0 * se + 1.0,
                    "seed {seed}, {jitter:?} attempt {attempt}: mean {mean}, expected {expected} ± {}",
                    4.0 * se
                );
            }
        }
    }

    #[test]
    fn decorrelated_stays_between_base_and_cap() {
        let b = backoff(10, 1_000, Jitter::Decorrelated);
        let (base, cap) = (b.base.as_nanos(), b.cap.as_nanos());
        for seed in 0..20 {
            let mut r = rng(seed);
            let mut previous = base;
            let mut reached_cap = false;
            for attempt in 1..=200 {
                let d = backoff_delay(&b, attempt, previous, &mut r);
                assert!((base..=cap).contains(&d), "seed {seed} attempt {attempt}: {d}");
                reached_cap |= d == cap;
                previous = d;
            }
            assert!(reached_cap, "seed {seed}: 200 decorrelated retries never reached the cap");
        }
    }

    #[test]
    fn same_stream_gives_same_delays() {
        for jitter in [Jitter::Full, Jitter::Equal, Jitter::Decorrelated] {
            let b = backoff(10, 1_000, jitter);
            let run = || {
                let mut r = rng(7);
                let mut previous = 0;
                (1..=20)
                    .map(|n| {
                        previous = backoff_delay(&b, n, previous, &mut r);
                        previous
                    })
                    .collect::<Vec<u64>>()
            };
            assert_eq!(run(), run(), "{jitter:?}");
        }
    }
}
