//! A rolling window of two counters, as circuit breakers, retry budgets and adaptive
//! throttles keep them: the window is cut into [`BUCKETS`] equal sub-windows, and a sum
//! covers the sub-window holding `now` plus the `BUCKETS − 1` before it. So the window
//! slides in steps of a tenth of its length (as Hystrix's and resilience4j's do), and
//! keeping it costs a fixed array: nothing is allocated per event.

use crate::engine::calendar::Nanos;

/// Sub-windows per window.
pub const BUCKETS: usize = 10;

/// Two counts (`a`, `b`) over a rolling window. See the module docs.
#[derive(Clone, Copy, Debug)]
pub struct Rolling {
    /// Width of one sub-window (ns), ≥ 1.
    width_ns: Nanos,
    /// The sub-window number each slot holds (`u64::MAX`: never used).
    epochs: [u64; BUCKETS],
    /// First counter per slot.
    a: [u64; BUCKETS],
    /// Second counter per slot.
    b: [u64; BUCKETS],
}

impl Rolling {
    /// An empty window of length `window_ns`.
    pub fn new(window_ns: Nanos) -> Rolling {
        Rolling {
            width_ns: (window_ns / BUCKETS as u64).max(1),
            epochs: [u64::MAX; BUCKETS],
            a: [0; BUCKETS],
            b: [0; BUCKETS],
        }
    }

    /// Adds `da` and `db` at time `now`.
    pub fn add(&mut self, now: Nanos, da: u64, db: u64) {
        let epoch = now / self.width_ns;
        let i = (epoch % BUCKETS as u64) as usize;
        if self.epochs[i] != epoch {
            self.epochs[i] = epoch;
            self.a[i] = 0;
            self.b[i] = 0;
        }
        self.a[i] += da;
        self.b[i] += db;
    }

    /// The sums of `a` and `b` over the window ending at `now`.
    pub fn sums(&self, now: Nanos) -> (u64, u64) {
        let epoch = now / self.width_ns;
        let oldest = epoch.saturating_sub(BUCKETS as u64 - 1);
        let mut sums = (0, 0);
        for i in 0..BUCKETS {
            let e = self.epochs[i];
            if e != u64::MAX && e >= oldest && e <= epoch {
                sums.0 += self.a[i];
                sums.1 += self.b[i];
            }
        }
        sums
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.epochs = [u64::MAX; BUCKETS];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_fall_out_of_the_window() {
        let mut w = Rolling::new(10_000);
        w.add(0, 1, 0);
        w.add(5_000, 1, 1);
        assert_eq!(w.sums(5_000), (2, 1));
        assert_eq!(w.sums(9_999), (2, 1));
        // At 10 000 the sub-window [0, 1000) has left the window.
        assert_eq!(w.sums(10_000), (1, 1));
        assert_eq!(w.sums(15_000), (0, 0));
        w.add(15_000, 3, 2);
        assert_eq!(w.sums(15_000), (3, 2));
        w.clear();
        assert_eq!(w.sums(15_000), (0, 0));
    }
}
