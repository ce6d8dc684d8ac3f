//! Seeds in parallel for any model: a generic fold over a seed list on a rayon pool, and an
//! ordered map over independent jobs ((seed, variant) pairs of the studies).
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

/// Applies `f` to every item on `threads` threads and returns the results in the order of
/// `items`. `progress` is called once per finished item, from whichever thread ran it.
pub fn map_ordered<I, T, F>(items: &[I], threads: usize, progress: &(dyn Fn() + Sync), f: F) -> Vec<T>
where
    I: Sync,
    T: Send,
    F: Fn(&I) -> T + Sync,
{
    let one = |item: &I| {
        let out = f(item);
        progress();
        out
    };
    match rayon::ThreadPoolBuilder::new().num_threads(threads.max(1)).build() {
        // An indexed parallel iterator collects in input order whatever thread ran each item.
        Ok(pool) => pool.install(|| items.par_iter().map(one).collect()),
        // Without a pool (the OS refused threads) the same map runs on this thread.
        Err(_) => items.iter().map(one).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_input_order_on_any_thread_count() {
        let items: Vec<u64> = (0..200).collect();
        let square = |x: &u64| x * x;
        let one = map_ordered(&items, 1, &|| {}, square);
        let four = map_ordered(&items, 4, &|| {}, square);
        assert_eq!(one, four);
        assert_eq!(one[13], 169);
    }
}
