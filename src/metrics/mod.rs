//! Measurement building blocks: the engine fills them during a run, reports read them after.
//!
//! - [`LatencyHistogram`]: nanosecond latencies in HDR buckets (1 ns to 1 h, three significant
//!   digits) with a deterministic, exactly rebuildable serialised form.
//! - [`Fingerprint`]: an order-sensitive hash of the event trace, the replay oracle's evidence
//!   that two runs did exactly the same thing.
//!
//! Everything here merges *exactly*: counts are integers and histograms add bucket by bucket,
//! never averaging floating-point summaries. Monte Carlo folds per-seed results in seed order,
//! and because these merges are exact, commutative and associative, its answers do not depend
//! on how many threads produced the parts. Nothing here reads a clock or does IO.

mod fingerprint;
mod histogram;

pub mod health;
pub mod infra;
pub mod patterns;
pub mod run;

pub use fingerprint::Fingerprint;
pub use histogram::{BucketsError, HistogramBuckets, LatencyHistogram, LATENCY_MAX_NS};
