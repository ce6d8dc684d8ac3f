//! Latency histograms: HDR buckets over nanoseconds, exactly mergeable and serialisable.
//!
//! A [`LatencyHistogram`] keeps every latency to three significant digits (relative error at
//! most 0.1%) from 1 ns to 1 h. Larger values are clamped to the top of the range and still
//! counted, so recording never fails or panics. Merging adds bucket counts, which is exact and
//! commutative: a histogram merged from per-seed parts equals one that recorded everything.
//!
//! The serialised form is ours, not HdrHistogram's compressed format: the non-empty buckets in
//! ascending order as `(value, count)` pairs, where `value` is the highest value equivalent to
//! the bucket, plus the total count. It is deterministic (equal histograms give equal bytes),
//! readable, and rebuilds the exact same buckets.

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// Smallest latency the histogram distinguishes from zero, in ns.
const LOWEST_DISCERNIBLE_NS: u64 = 1;
/// Largest trackable latency, in ns (one hour); larger values are recorded as this.
pub const LATENCY_MAX_NS: u64 = 3_600 * 1_000_000_000;
/// Significant decimal digits kept per value.
const SIGNIFICANT_DIGITS: u8 = 3;

/// A histogram of latencies in nanoseconds (1 ns to 1 h, three significant digits).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(try_from = "HistogramBuckets", into = "HistogramBuckets")]
pub struct LatencyHistogram {
    hist: Histogram<u64>,
}

/// The serialised form of a [`LatencyHistogram`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HistogramBuckets {
    /// Number of recorded values; equals the sum of the bucket counts.
    pub count: u64,
    /// Non-empty buckets in ascending order: (highest value equivalent to the bucket in ns, count).
    pub buckets: Vec<(u64, u64)>,
}

/// Why a [`HistogramBuckets`] could not be turned back into a histogram.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BucketsError {
    /// A bucket value lies beyond the histogram's top bucket.
    #[error("bucket value {value_ns} ns is above the histogram maximum of {max_ns} ns")]
    OutOfRange {
        /// The offending value in ns.
        value_ns: u64,
        /// The largest trackable value in ns ([`LATENCY_MAX_NS`]).
        max_ns: u64,
    },
    /// Bucket values are not strictly ascending, or two values share one bucket.
    #[error("bucket values must be strictly ascending and in distinct buckets (at {value_ns} ns)")]
    NotAscending {
        /// The first value out of order, in ns.
        value_ns: u64,
    },
    /// A bucket has a count of zero; only non-empty buckets are written.
    #[error("bucket at {value_ns} ns has a count of zero")]
    EmptyBucket {
        /// The bucket's value in ns.
        value_ns: u64,
    },
    /// The total count differs from the sum of the bucket counts.
    #[error("total count {count} differs from the sum of bucket counts {sum}")]
    CountMismatch {
        /// The stated total.
        count: u64,
        /// The sum of the bucket counts (saturating).
        sum: u64,
    },
}

impl LatencyHistogram {
    /// An empty histogram.
    pub fn new() -> Self {
        let hist = Histogram::new_with_bounds(LOWEST_DISCERNIBLE_NS, LATENCY_MAX_NS, SIGNIFICANT_DIGITS)
            .expect("constant histogram bounds are valid");
        LatencyHistogram { hist }
    }

    /// Records one latency in ns. Values above [`LATENCY_MAX_NS`] are recorded as the maximum.
    #[inline]
    pub fn record(&mut self, ns: u64) {
        self.hist.saturating_record(ns);
    }

    /// Number of recorded values.
    pub fn count(&self) -> u64 {
        self.hist.len()
    }

    /// Whether nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.hist.is_empty()
    }

    /// Mean latency in ns, from bucket midpoints (within 0.1%); 0 when empty.
    pub fn mean_ns(&self) -> f64 {
        self.hist.mean()
    }

    /// The latency in ns at percentile `p` (0 to 100; larger values mean 100): the highest value
    /// equivalent to the bucket holding that rank. 0 when empty.
    pub fn percentile_ns(&self, p: f64) -> u64 {
        if self.hist.is_empty() {
            return 0;
        }
        self.hist.value_at_quantile(p / 100.0)
    }

    /// The largest recorded latency in ns (to bucket precision); 0 when empty.
    pub fn max_ns(&self) -> u64 {
        if self.hist.is_empty() {
            return 0;
        }
        self.hist.max()
    }

    /// Adds every value recorded in `other`. Exact: bucket counts add, so the result does not
    /// depend on the order or grouping of merges.
    pub fn merge(&mut self, other: &Self) {
        self.hist.add(&other.hist).expect("histograms with identical bounds always add");
    }

    /// The serialisable bucket form; see the module docs.
    pub fn to_buckets(&self) -> HistogramBuckets {
        let buckets: Vec<(u64, u64)> =
            self.hist.iter_recorded().map(|v| (v.value_iterated_to(), v.count_at_value())).collect();
        HistogramBuckets { count: self.hist.len(), buckets }
    }

    /// Rebuilds a histogram from its bucket form, checking that the buckets are in range,
    /// ascending, non-empty and sum to the count.
    pub fn from_buckets(b: &HistogramBuckets) -> Result<Self, BucketsError> {
        let mut out = LatencyHistogram::new();
        let mut sum: u64 = 0;
        let mut previous: Option<u64> = None;
        for &(value_ns, count) in &b.buckets {
            if count == 0 {
                return Err(BucketsError::EmptyBucket { value_ns });
            }
            if let Some(p) = previous {
                if value_ns <= p || out.hist.equivalent(value_ns, p) {
                    return Err(BucketsError::NotAscending { value_ns });
                }
            }
            // The top bucket's highest equivalent value lies a little above the trackable
            // maximum, so the range is checked by the histogram itself rather than against it.
            out.hist
                .record_n(value_ns, count)
                .map_err(|_| BucketsError::OutOfRange { value_ns, max_ns: LATENCY_MAX_NS })?;
            sum = sum.saturating_add(count);
            previous = Some(value_ns);
        }
        if sum != b.count {
            return Err(BucketsError::CountMismatch { count: b.count, sum });
        }
        Ok(out)
    }
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        LatencyHistogram::new()
    }
}

impl From<LatencyHistogram> for HistogramBuckets {
    fn from(h: LatencyHistogram) -> Self {
        h.to_buckets()
    }
}

impl TryFrom<HistogramBuckets> for LatencyHistogram {
    type Error = BucketsError;

    fn try_from(b: HistogramBuckets) -> Result<Self, Self::Error> {
        LatencyHistogram::from_buckets(&b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::Dist;
    use crate::rng::{stream, Purpose};

    const PERCENTILES: [f64; 9] = [0.0, 1.0, 25.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0];

    /// Latencies from a heavy-tailed log-normal (median about 20 ms), plus edge values.
    fn latencies(seed: u64, n: usize) -> Vec<u64> {
        let d = Dist::LogNormal { mu: (20e6f64).ln(), sigma: 1.5 };
        let mut rng = stream(seed, "test:histogram", Purpose::ServiceTime);
        let mut xs: Vec<u64> = (0..n).map(|_| d.sample(&mut rng)).collect();
        xs.extend([0, 1, 2, 2_047, 2_048, LATENCY_MAX_NS, LATENCY_MAX_NS + 1, u64::MAX]);
        xs
    }

    fn recorded(xs: &[u64]) -> LatencyHistogram {
        let mut h = LatencyHistogram::new();
        for &x in xs {
            h.record(x);
        }
        h
    }

    fn percentiles(h: &LatencyHistogram) -> Vec<u64> {
        PERCENTILES.iter().map(|&p| h.percentile_ns(p)).collect()
    }

    #[test]
    fn empty_histogram_reports_zeros() {
        let h = LatencyHistogram::new();
        assert_eq!(h.count(), 0);
        assert!(h.is_empty());
        assert_eq!(h.mean_ns(), 0.0);
        assert_eq!(percentiles(&h), vec![0; PERCENTILES.len()]);
        assert_eq!(h.max_ns(), 0);
        assert_eq!(h.to_buckets(), HistogramBuckets { count: 0, buckets: vec![] });
    }

    #[test]
    fn values_above_the_range_saturate_and_are_counted() {
        let h = recorded(&[u64::MAX, LATENCY_MAX_NS + 1, 5]);
        assert_eq!(h.count(), 3);
        assert!(h.max_ns() >= LATENCY_MAX_NS);
        assert!(h.percentile_ns(100.0) >= LATENCY_MAX_NS);
        assert_eq!(h.percentile_ns(0.0), 5);
    }

    #[test]
    fn percentiles_have_three_significant_digits() {
        let mut xs = latencies(1, 100_000);
        let h = recorded(&xs);
        xs.sort_unstable();
        for p in [50.0, 90.0, 99.0] {
            let rank = ((p / 100.0 * xs.len() as f64).ceil() as usize).max(1) - 1;
            let exact = xs[rank] as f64;
            let got = h.percentile_ns(p) as f64;
            assert!((got - exact).abs() <= exact * 1e-3 + 1.0, "p{p}: {got} vs exact {exact}");
        }
        let exact_mean = xs.iter().map(|&x| x.min(LATENCY_MAX_NS) as f64).sum::<f64>() / xs.len() as f64;
        assert!((h.mean_ns() / exact_mean - 1.0).abs() < 1e-3, "mean {} vs {exact_mean}", h.mean_ns());
    }

    #[test]
    fn serde_round_trip_is_exact() {
        for seed in [1u64, 2, 3] {
            let h = recorded(&latencies(seed, 20_000));
            let json = serde_json::to_string(&h).expect("serialise");
            let back: LatencyHistogram = serde_json::from_str(&json).expect("deserialise");
            assert_eq!(back, h);
            assert_eq!(percentiles(&back), percentiles(&h));
            assert_eq!(back.count(), h.count());
            assert_eq!(back.max_ns(), h.max_ns());
            assert_eq!(serde_json::to_string(&back).expect("serialise again"), json, "bytes are stable");
        }
    }

    #[test]
    fn merge_equals_recording_everything_in_one() {
        let a = latencies(1, 10_000);
        let b = latencies(2, 7_000);
        let all: Vec<u64> = a.iter().chain(&b).copied().collect();
        let mut merged = recorded(&a);
        merged.merge(&recorded(&b));
        let one = recorded(&all);
        assert_eq!(merged, one);
        assert_eq!(percentiles(&merged), percentiles(&one));
        assert_eq!(merged.to_buckets(), one.to_buckets());
    }

    #[test]
    fn merge_is_order_independent() {
        let parts: Vec<LatencyHistogram> = (1..=4).map(|s| recorded(&latencies(s, 3_000))).collect();
        let mut forward = LatencyHistogram::new();
        for p in &parts {
            forward.merge(p);
        }
        let mut backward = LatencyHistogram::new();
        for p in parts.iter().rev() {
            backward.merge(p);
        }
        let mut pairs = parts[0].clone();
        pairs.merge(&parts[1]);
        let mut rest = parts[2].clone();
        rest.merge(&parts[3]);
        pairs.merge(&rest);
        assert_eq!(forward, backward);
        assert_eq!(forward, pairs);
        assert_eq!(forward.to_buckets(), pairs.to_buckets());
    }

    #[test]
    fn malformed_buckets_are_rejected() {
        let cases = [
            (HistogramBuckets { count: 1, buckets: vec![(LATENCY_MAX_NS * 2, 1)] }, "above the histogram maximum"),
            (HistogramBuckets { count: 2, buckets: vec![(5, 1), (3, 1)] }, "strictly ascending"),
            (HistogramBuckets { count: 2, buckets: vec![(100_000, 1), (100_001, 1)] }, "strictly ascending"),
            (HistogramBuckets { count: 0, buckets: vec![(5, 0)] }, "count of zero"),
            (HistogramBuckets { count: 3, buckets: vec![(5, 1)] }, "differs from the sum"),
        ];
        for (b, message) in cases {
            let err = LatencyHistogram::from_buckets(&b).expect_err("malformed buckets must be rejected");
            assert!(err.to_string().contains(message), "{b:?}: {err}");
        }
    }
}
