//! Time-based availability over simulated years: a second model on the same engine.
//!
//! Request-level simulation cannot cover a year at production traffic, but availability
//! nines need years. This model simulates only failure and repair: every instance, broker,
//! datastore node, external, zone, region and link fails and is repaired with its own
//! MTBF/MTTR (exponential, Weibull, log-normal or fixed), zones and regions as common causes,
//! datastores failing over after detection plus promotion. After each event it settles which
//! endpoints can be served — required dependencies, replicas, placement, link cuts and
//! `min_healthy` (k of n) — incrementally (see [`state`]), and integrates each endpoint's
//! downtime, outages and, per component, the time both were down (for importance).
//!
//! - [`plan`]: the topology compiled into flat arrays (leaves, processes, classes).
//! - [`state`]: the incremental servability state.
//! - [`years`]: the engine [`crate::engine::Model`] and one seed's run.
//! - [`rare`]: the rare-event estimator (balanced failure biasing over regenerative cycles).
//! - [`record`]: what one seed measured, exactly mergeable.
//! - [`summary`]: statistics with intervals, the analytic cross-check, importance.
//!
//! Same conventions as [`crate::montecarlo`]: a seed is one replication on one thread, every
//! random draw comes from a stream named after the process, records merge by seed, so the
//! output does not depend on threads or shards.

pub mod plan;
pub mod rare;
pub mod record;
pub mod state;
pub mod summary;
pub mod years;

use std::sync::Arc;

pub use plan::Plan;
pub use record::Partial;
pub use summary::{Method, Results};
pub use years::{Horizon, YEAR_NS};

/// Runs `seeds` of `plan` with `method` on `threads` threads and folds them.
/// `horizon_ns` is the simulated time per seed (time-based method), `cycles` the
/// regenerative cycles per seed (rare-event method).
pub fn run_seeds(
    plan: &Arc<Plan>,
    method: Method,
    seeds: &[u64],
    horizon_ns: u64,
    cycles: u64,
    threads: usize,
    progress: &(dyn Fn() + Sync),
) -> Partial {
    let endpoints = plan.endpoints();
    let horizon = Horizon::new(horizon_ns);
    let one = |seed: u64| match method {
        Method::Years => years::run_seed(plan, seed, horizon),
        Method::RareEvents => rare::run_seed(plan, seed, cycles),
    };
    crate::montecarlo::parallel::fold_seeds(
        seeds,
        threads,
        &one,
        &|| Partial::empty(endpoints),
        &Partial::merge,
        progress,
    )
}
