//! Many seeds: independent runs in parallel, folded into one exactly mergeable result,
//! and split into shards for when one machine is not enough.
//!
//! This is the only user of rayon. Each seed is a whole run on one thread (never
//! parallelism inside a run); results merge by integer sums and sorting by seed (see
//! [`partial`]), so the output does not depend on the thread count, on which thread ran
//! which seed, or on how seeds were sharded.

pub mod budget;
pub mod infra;
pub mod parallel;
pub mod partial;
pub mod precision;
pub mod settle;
pub mod summary;
pub mod theory;
pub mod verdict;

use std::sync::Arc;

use rayon::prelude::*;

pub use partial::Partial;

use crate::engine::Simulation;
use crate::scenario::Scenario;

/// A slice of a seed range: shard `index` (1-based) of `count`, taking every `count`-th seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Shard {
    /// Which shard, from 1.
    pub index: u32,
    /// How many shards.
    pub count: u32,
}

/// Why a shard could not be worked out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    /// The text is not `K/N`, `auto` or `auto/N`.
    #[error("`{0}` is not a shard: write K/N (e.g. 2/8), auto/N, or auto")]
    Syntax(String),
    /// K is outside 1..=N, or N is 0.
    #[error("shard {index}/{count} is out of range: K must be between 1 and N")]
    Range {
        /// K.
        index: u64,
        /// N.
        count: u64,
    },
    /// `auto` found no index in the environment.
    #[error("--shard auto needs JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or SLURM_ARRAY_TASK_ID (Slurm array) to be set")]
    NoIndex,
    /// A Slurm array whose task ids are not evenly stepped (`--array=1,3,8`): its ids do not
    /// say which shard a task is.
    #[error("--shard auto: Slurm array task {id} is not one of {count} evenly stepped ids from {min} to {max}; submit an evenly stepped array (--array=0-14:2) or pass --shard K/N")]
    UnevenArray {
        /// SLURM_ARRAY_TASK_ID.
        id: u64,
        /// SLURM_ARRAY_TASK_MIN.
        min: u64,
        /// SLURM_ARRAY_TASK_MAX.
        max: u64,
        /// SLURM_ARRAY_TASK_COUNT.
        count: u64,
    },
    /// `auto` found no shard count.
    #[error("--shard auto needs the number of shards: write auto/N, or set FAULTSIM_SHARDS or SLURM_ARRAY_TASK_COUNT")]
    NoCount,
}

impl Shard {
    /// Parses `K/N`, `auto/N` or `auto`. `env` looks up environment variables (so tests can
    /// pass their own). For `auto`, the index comes from `JOB_COMPLETION_INDEX` (Kubernetes,
    /// 0-based) or `SLURM_ARRAY_TASK_ID` (Slurm: `(id − SLURM_ARRAY_TASK_MIN) /
    /// SLURM_ARRAY_TASK_STEP`, so `--array=0-14:2` gives shards 1 to 8), and the count from
    /// `/N`, `FAULTSIM_SHARDS` or `SLURM_ARRAY_TASK_COUNT`. A Slurm array whose ids are not
    /// evenly stepped (a comma list such as `1,3,8`) is refused: no id says its position.
    pub fn parse(text: &str, env: impl Fn(&str) -> Option<String>) -> Result<Shard, ShardError> {
        let (k, n) = text.split_once('/').map_or((text, None), |(k, n)| (k, Some(n)));
        let number = |s: &str| s.trim().parse::<u64>().map_err(|_| ShardError::Syntax(text.to_owned()));
        let count = match n {
            Some(n) => number(n)?,
            None if k.trim() == "auto" => {
                let v = env("FAULTSIM_SHARDS").or_else(|| env("SLURM_ARRAY_TASK_COUNT")).ok_or(ShardError::NoCount)?;
                number(&v)?
            }
            None => return Err(ShardError::Syntax(text.to_owned())),
        };
        let index = if k.trim() == "auto" {
            if let Some(i) = env("JOB_COMPLETION_INDEX") {
                number(&i)? + 1
            } else if let Some(i) = env("SLURM_ARRAY_TASK_ID") {
                let var = |name: &str| env(name).map(|v| number(&v)).transpose();
                let id = number(&i)?;
                let min = var("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
                let step = var("SLURM_ARRAY_TASK_STEP")?.unwrap_or(1).max(1);
                let offset = id.checked_sub(min).filter(|o| o % step == 0);
                // With the array's last id known, its ids must be exactly `count` steps apart.
                let max = var("SLURM_ARRAY_TASK_MAX")?;
                let even =
                    max.is_none_or(|max| max >= min && (max - min) % step == 0 && (max - min) / step + 1 == count);
                match offset {
                    Some(o) if even => o / step + 1,
                    _ => return Err(ShardError::UnevenArray { id, min, max: max.unwrap_or(id), count }),
                }
            } else {
                return Err(ShardError::NoIndex);
            }
        } else {
            number(k)?
        };
        if count == 0 || index == 0 || index > count || count > u64::from(u32::MAX) {
            return Err(ShardError::Range { index, count });
        }
        Ok(Shard { index: index as u32, count: count as u32 })
    }

    /// The seeds of this shard out of `first, first + 1, …, first + count − 1`.
    pub fn seeds(&self, first: u64, count: u64) -> Vec<u64> {
        (0..count).filter(|i| i % u64::from(self.count) == u64::from(self.index - 1)).map(|i| first + i).collect()
    }
}

/// Most seeds in one range (a scenario's `seeds.count`, `--seeds`, a results file's
/// `seed_count`): every seed keeps a record of a few hundred bytes until the results are built.
pub const MAX_SEEDS: u64 = 1_000_000;

/// A seed range that cannot be run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SeedRangeError {
    /// No seeds.
    #[error("the seed count must be at least 1, found 0")]
    Zero,
    /// More than [`MAX_SEEDS`].
    #[error("{0} seeds is more than the limit of {MAX_SEEDS} per run; run fewer seeds (a million already narrows intervals to a fraction of a percent)")]
    TooMany(u64),
    /// `first + count − 1` passes `u64::MAX`.
    #[error(
        "seeds {first} to {first} + {count} − 1 pass the largest seed (2^64 − 1); lower the first seed or the count"
    )]
    Overflow {
        /// First seed.
        first: u64,
        /// Count.
        count: u64,
    },
}

/// A seed count is from 1 to [`MAX_SEEDS`].
pub fn check_seed_count(count: u64) -> Result<(), SeedRangeError> {
    match count {
        0 => Err(SeedRangeError::Zero),
        n if n > MAX_SEEDS => Err(SeedRangeError::TooMany(n)),
        _ => Ok(()),
    }
}

/// Seeds `first`, …, `first + count − 1` can be run: a valid count, and the last seed is at
/// most `u64::MAX`.
pub fn check_seed_range(first: u64, count: u64) -> Result<(), SeedRangeError> {
    check_seed_count(count)?;
    match first.checked_add(count - 1) {
        Some(_) => Ok(()),
        None => Err(SeedRangeError::Overflow { first, count }),
    }
}

/// Runs every seed of `seeds` (one run per seed, `threads` at a time) and folds the results.
/// `progress` is called once per finished seed, from whichever thread ran it.
pub fn run_seeds(scenario: &Arc<Scenario>, seeds: &[u64], threads: usize, progress: &(dyn Fn() + Sync)) -> Partial {
    let endpoints = scenario.topology.endpoints().len();
    let slo_percentiles: Vec<Option<f64>> = scenario
        .topology
        .endpoints()
        .iter()
        .map(|e| e.slo.as_ref().and_then(|s| s.latency.as_ref()).map(|l| l.percentile))
        .collect();
    let one = |seed: u64| {
        let (metrics, limit) = match Simulation::new(Arc::clone(scenario), seed).run() {
            Ok(m) => (m, None),
            Err(stopped) => {
                let (limit, m) = *stopped;
                (m, Some(limit.to_string()))
            }
        };
        progress();
        let mut p = Partial::of_run(&metrics, limit, &slo_percentiles);
        if let Some(r) = p.records.first_mut() {
            r.checks = scenario.hypotheses.iter().map(|h| verdict::check_seed(h, &metrics, scenario)).collect();
        }
        p
    };
    let fold = || seeds.par_iter().map(|&s| one(s)).reduce(|| Partial::empty(endpoints), Partial::merge);
    match rayon::ThreadPoolBuilder::new().num_threads(threads.max(1)).build() {
        Ok(pool) => pool.install(fold),
        // Without a pool (the OS refused threads) the same fold runs on this thread.
        Err(_) => seeds.iter().map(|&s| one(s)).fold(Partial::empty(endpoints), Partial::merge),
    }
}

/// The looks of a run until settled: `base` seeds, doubling while at most `max` (default 16
/// times `base`, never more than [`MAX_SEEDS`]). See [`verdict::look_sizes`].
pub fn look_schedule(base: u64, max: Option<u64>) -> Vec<u64> {
    let base = base.max(1);
    verdict::look_sizes(base, max.unwrap_or(base.saturating_mul(16)).min(MAX_SEEDS))
}

/// Runs `seeds` (in seed order) look by look: after each look of `sizes` (cumulative counts)
/// the data so far is handed to `settled`, and the run stops at the first look it accepts or
/// at the last. The seeds run are the data's records. Which look stops depends on the data
/// alone, so on the scenario and never on `threads`.
pub fn run_in_looks(
    scenario: &Arc<Scenario>,
    seeds: &[u64],
    sizes: &[u64],
    threads: usize,
    progress: &(dyn Fn() + Sync),
    settled: &mut dyn FnMut(&Partial) -> bool,
) -> Partial {
    /// A look that only says whether to stop.
    struct Stop(bool, u64);
    impl settle::LookResult for Stop {
        fn settled(&self) -> bool {
            self.0
        }
        fn seeds(&self) -> u64 {
            self.1
        }
    }
    let looked = settle::in_looks(
        seeds,
        sizes,
        |new, _| run_seeds(scenario, new, threads, progress),
        |data: &mut Partial, more| {
            *data = std::mem::replace(data, Partial::empty(0)).merge(more);
        },
        |data, _| Stop(settled(data), data.records.len() as u64),
    );
    looked.map_or_else(|| Partial::empty(scenario.topology.endpoints().len()), |(data, _)| data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_seeds_round_robin_and_cover_them_once() {
        let none = |_: &str| None;
        let shards: Vec<Shard> = (1..=3).map(|k| Shard::parse(&format!("{k}/3"), none).expect("valid")).collect();
        let mut all: Vec<u64> = shards.iter().flat_map(|s| s.seeds(10, 8)).collect();
        assert_eq!(shards[0].seeds(10, 8), vec![10, 13, 16]);
        all.sort_unstable();
        assert_eq!(all, (10..18).collect::<Vec<_>>());
    }

    #[test]
    fn auto_shards_read_kubernetes_and_slurm() {
        let k8s = |v: &str| match v {
            "JOB_COMPLETION_INDEX" => Some("2".to_owned()),
            _ => None,
        };
        assert_eq!(Shard::parse("auto/4", k8s), Ok(Shard { index: 3, count: 4 }));
        let slurm = |v: &str| match v {
            "SLURM_ARRAY_TASK_ID" => Some("5".to_owned()),
            "SLURM_ARRAY_TASK_MIN" => Some("1".to_owned()),
            "SLURM_ARRAY_TASK_COUNT" => Some("8".to_owned()),
            _ => None,
        };
        assert_eq!(Shard::parse("auto", slurm), Ok(Shard { index: 5, count: 8 }));
        // `--array=0-14:2`: ids 0, 2, …, 14 are shards 1 to 8.
        let stepped = |id: u64| {
            move |v: &str| match v {
                "SLURM_ARRAY_TASK_ID" => Some(id.to_string()),
                "SLURM_ARRAY_TASK_MIN" => Some("0".to_owned()),
                "SLURM_ARRAY_TASK_MAX" => Some("14".to_owned()),
                "SLURM_ARRAY_TASK_STEP" => Some("2".to_owned()),
                "SLURM_ARRAY_TASK_COUNT" => Some("8".to_owned()),
                _ => None,
            }
        };
        let shards: Vec<u32> =
            (0..=14).step_by(2).map(|id| Shard::parse("auto", stepped(id)).expect("valid").index).collect();
        assert_eq!(shards, (1..=8).collect::<Vec<_>>());
        // `--array=1,3,8`: Slurm reports min 1, max 8, count 3; no id says its position.
        let listed = |v: &str| match v {
            "SLURM_ARRAY_TASK_ID" => Some("3".to_owned()),
            "SLURM_ARRAY_TASK_MIN" => Some("1".to_owned()),
            "SLURM_ARRAY_TASK_MAX" => Some("8".to_owned()),
            "SLURM_ARRAY_TASK_STEP" => Some("1".to_owned()),
            "SLURM_ARRAY_TASK_COUNT" => Some("3".to_owned()),
            _ => None,
        };
        assert!(matches!(Shard::parse("auto", listed), Err(ShardError::UnevenArray { id: 3, .. })));
        assert_eq!(Shard::parse("auto", |_| None), Err(ShardError::NoCount));
        assert_eq!(Shard::parse("auto/2", |_| None), Err(ShardError::NoIndex));
        assert!(matches!(Shard::parse("4/3", |_| None), Err(ShardError::Range { .. })));
        assert!(matches!(Shard::parse("x", |_| None), Err(ShardError::Syntax(_))));
    }
}
