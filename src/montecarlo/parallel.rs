//! Seeds in parallel for any model: a generic fold over a seed list on a rayon pool.
//!
//! [`super::run_seeds`] drives the request model; other models (the availability model of
//! [`crate::availability`]) use [`fold_seeds`] with their own per-seed run and merge, so
//! rayon stays confined to this module. Each seed is one whole run on one thread; the merge
//! must be exact and order-free (sums, and records sorted by seed), so the result does not
//! depend on the thread count.

use rayon::prelude::*;

/// Runs `one(seed)` for every seed, `threads` at a time, and folds the results with
/// `merge`, starting from `empty()`. `progress` is called once per finished seed.
pub fn fold_seeds<T: Send>(
    seeds: &[u64],
    threads: usize,
    one: &(dyn Fn(u64) -> T + Sync),
    empty: &(dyn Fn() -> T + Sync),
    merge: &(dyn Fn(T, T) -> T + Sync),
    progress: &(dyn Fn() + Sync),
) -> T {
    let run = |s: u64| {
        let r = one(s);
        progress();
        r
    };
    let fold = || seeds.par_iter().map(|&s| run(s)).reduce(empty, merge);
    match rayon::ThreadPoolBuilder::new().num_threads(threads.max(1)).build() {
        Ok(pool) => pool.install(fold),
        // Without a pool (the OS refused threads) the same fold runs on this thread.
        Err(_) => seeds.iter().map(|&s| run(s)).fold(empty(), merge),
    }
}
