//! A parallel map over independent jobs (seeds, or (seed, case) pairs) that returns results
//! in input order, so analyses built on it give the same bytes on any number of threads.

use rayon::prelude::*;

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
