//! What studies read from one run: availability, latency percentiles and goodput inside a
//! time window (from the per-bucket series), when a health check first noticed something,
//! and when goodput came back after a fault ended.
//!
//! Windows are whole buckets `[from, to)` of the scenario's `bucket` width; requests count in
//! the bucket where they finished. Percentiles in a window come from the 64 log-spaced bins
//! per bucket, so they are accurate to about ±12% (and merge exactly).

use crate::metrics::run::{LatencyBins, RunMetrics};

/// The buckets `[from_ns, to_ns)` covers.
fn buckets(m: &RunMetrics, from_ns: u64, to_ns: u64) -> std::ops::Range<usize> {
    let b = m.bucket_ns.max(1);
    (from_ns / b) as usize..(to_ns.div_ceil(b)) as usize
}

/// Served / finished requests of `endpoint` that finished in `[from_ns, to_ns)`; NaN when none did.
pub fn availability(m: &RunMetrics, endpoint: usize, from_ns: u64, to_ns: u64) -> f64 {
    let series = &m.endpoints[endpoint].series;
    let r = buckets(m, from_ns, to_ns);
    let (served, failed) = series
        .get(r.start.min(series.len())..r.end.min(series.len()))
        .unwrap_or(&[])
        .iter()
        .fold((0u64, 0u64), |(s, f), b| (s + b.served, f + b.failed));
    if served + failed == 0 {
        f64::NAN
    } else {
        served as f64 / (served + failed) as f64
    }
}

/// The `p`-th latency percentile (ms) of `endpoint`'s requests served in `[from_ns, to_ns)`;
/// NaN when none was served.
pub fn percentile_ms(m: &RunMetrics, endpoint: usize, from_ns: u64, to_ns: u64, p: f64) -> f64 {
    let series = &m.endpoints[endpoint].series;
    let r = buckets(m, from_ns, to_ns);
    let mut bins = LatencyBins::default();
    for b in series.get(r.start.min(series.len())..r.end.min(series.len())).unwrap_or(&[]) {
        bins.add(&b.latency);
    }
    bins.percentile_ns(p).map_or(f64::NAN, |ns| ns as f64 / 1e6)
}

/// Requests served (all endpoints) per bucket.
pub fn goodput_series(m: &RunMetrics) -> Vec<u64> {
    let len = m.endpoints.iter().map(|e| e.series.len()).max().unwrap_or(0);
    let mut out = vec![0u64; len];
    for e in &m.endpoints {
        for (o, b) in out.iter_mut().zip(&e.series) {
            *o += b.served;
        }
    }
    out
}

/// Seconds from `end_ns` until goodput is back: the first bucket from which `window`
/// consecutive buckets serve at least `fraction` of what `reference` served in the same
/// buckets (for FMEA the reference is the same seed without the fault). `None` when that does
/// not happen before `limit_ns`.
pub fn recovery_s(
    m: &RunMetrics,
    reference: &[u64],
    end_ns: u64,
    limit_ns: u64,
    window: usize,
    fraction: f64,
) -> Option<f64> {
    let got = goodput_series(m);
    let b = m.bucket_ns.max(1);
    let w = window.max(1);
    let first = end_ns.div_ceil(b) as usize;
    let last = (limit_ns / b) as usize;
    (first..last.saturating_sub(w - 1)).find_map(|i| {
        let mine: u64 = got.get(i..i + w)?.iter().sum();
        let theirs: u64 = reference.get(i..i + w)?.iter().sum();
        (mine as f64 >= fraction * theirs as f64).then(|| (i as u64 * b).saturating_sub(end_ns) as f64 / 1e9)
    })
}

/// Seconds from `from_ns` until a health check first took an instance out of rotation, if one
/// did before `to_ns`.
pub fn detection_s(m: &RunMetrics, from_ns: u64, to_ns: u64) -> Option<f64> {
    m.rotation
        .iter()
        .find(|c| !c.up && c.time_ns >= from_ns && c.time_ns < to_ns)
        .map(|c| (c.time_ns - from_ns) as f64 / 1e9)
}
