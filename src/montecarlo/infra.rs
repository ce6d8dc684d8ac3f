//! Infrastructure figures over many seeds: each seed keeps a few integer counts
//! ([`SeedInfra`]) and the statistics are per-seed means with Student-t intervals, like the
//! service figures. A figure that is zero on every seed gets the exact one-sided Poisson bound
//! instead of a zero-width interval. Seeds without any infrastructure part to measure keep
//! nothing.

use serde::{Deserialize, Serialize};

use crate::metrics::run::RunMetrics;
use crate::stats::{self, Estimate};

use super::partial::SeedRecord;

/// One seed's infrastructure figures.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SeedInfra {
    /// Messages dropped by full queues.
    pub messages_dropped: u64,
    /// Writes lost at failovers.
    pub writes_lost: u64,
    /// Duplicate processings of queued messages.
    pub duplicates: u64,
    /// OOM kills, all services.
    pub oom_kills: u64,
    /// Losses of a datastore primary.
    pub primary_losses: u64,
    /// The longest time to serve writes again after a primary loss (ns).
    pub rto_max_ns: u64,
    /// The longest data-loss window of a failover (ns).
    pub rpo_max_ns: u64,
    /// Per datastore and caller, in topology order: how the caller used the pool.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pools: Vec<SeedPool>,
}

/// One seed's use of one datastore's connection pool by one caller.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SeedPool {
    /// The datastore.
    pub datastore: String,
    /// The calling service.
    pub caller: String,
    /// Connections per node.
    pub pool_size: u32,
    /// Calls that reached the pool.
    pub calls: u64,
    /// Calls that waited for a connection.
    pub waited: u64,
    /// Their total wait (ns).
    pub wait_ns: u64,
    /// Calls rejected by a full waiting room.
    pub rejected: u64,
    /// Calls that got a connection after their caller gave up.
    pub gave_up: u64,
    /// Connections held, time integral over the measured time (connection·µs).
    pub held_conn_us: u64,
    /// The measured time (µs).
    pub measured_us: u64,
    /// Most connections held at once.
    pub held_max: u32,
}

impl SeedPool {
    /// Mean connections held.
    pub fn mean_held(&self) -> f64 {
        if self.measured_us == 0 {
            0.0
        } else {
            self.held_conn_us as f64 / self.measured_us as f64
        }
    }
}

impl SeedInfra {
    /// The figures of one run, or `None` when its topology has no memory model, autoscaler,
    /// queue or datastore.
    pub fn of(m: &RunMetrics) -> Option<SeedInfra> {
        let memory = m.services.iter().any(|s| s.memory_max_bytes > 0 || s.oom_kills > 0);
        if !memory && m.scaling.is_empty() && m.queues.is_empty() && m.datastores.is_empty() {
            return None;
        }
        let outages = m.datastores.iter().flat_map(|d| d.outages.iter());
        let measured = m.services.first().map_or(0, |s| s.measured_ns);
        Some(SeedInfra {
            messages_dropped: m.queues.iter().map(|q| q.dropped).sum(),
            writes_lost: m.datastores.iter().map(|d| d.writes_lost).sum(),
            duplicates: m.queues.iter().map(|q| q.duplicates).sum(),
            oom_kills: m.services.iter().map(|s| s.oom_kills).sum(),
            primary_losses: m.datastores.iter().map(|d| d.outages.len() as u64).sum(),
            rto_max_ns: outages.clone().map(|o| o.rto_ns).max().unwrap_or(0),
            rpo_max_ns: outages.map(|o| o.rpo_ns).max().unwrap_or(0),
            pools: m
                .datastores
                .iter()
                .flat_map(|d| {
                    d.pool.iter().map(move |u| SeedPool {
                        datastore: d.name.clone(),
                        caller: u.caller.clone(),
                        pool_size: d.pool_size,
                        calls: u.calls,
                        waited: u.waited,
                        wait_ns: u.wait_ns,
                        rejected: u.rejected,
                        gave_up: u.gave_up,
                        held_conn_us: u64::try_from(u.held_area / 1000).unwrap_or(u64::MAX),
                        measured_us: measured / 1000,
                        held_max: u.held_max,
                    })
                })
                .collect(),
        })
    }

    /// Messages dropped plus writes lost.
    pub fn data_lost(&self) -> u64 {
        self.messages_dropped + self.writes_lost
    }
}

/// Infrastructure statistics over the seeds.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct InfraStats {
    /// Seeds the figures rest on.
    pub seeds: u64,
    /// Data lost per seed (messages dropped + writes lost).
    pub data_lost: Estimate,
    /// Messages dropped by full queues per seed.
    pub messages_dropped: Estimate,
    /// Writes lost at failovers per seed.
    pub writes_lost: Estimate,
    /// Duplicate processings per seed.
    pub duplicates: Estimate,
    /// OOM kills per seed.
    pub oom_kills: Estimate,
    /// Primary losses per seed.
    pub primary_losses: Estimate,
    /// The longest RTO of a seed (s), over the seeds that lost a primary.
    pub rto_s: Option<Estimate>,
    /// The longest RPO window of a seed (s), over the seeds that lost writes.
    pub rpo_s: Option<Estimate>,
    /// Seeds that lost any data.
    pub seeds_losing_data: u64,
    /// Seeds whose queues dropped messages.
    pub seeds_dropping: u64,
    /// Seeds that lost writes.
    pub seeds_losing_writes: u64,
    /// Seeds with duplicates.
    pub seeds_with_duplicates: u64,
    /// Seeds with an OOM kill.
    pub seeds_with_oom: u64,
    /// Seeds with a primary loss.
    pub seeds_with_primary_loss: u64,
    /// Per datastore and caller: its use of the connection pool.
    pub pools: Vec<PoolStats>,
}

/// One caller's use of one datastore's connection pool over the seeds.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PoolStats {
    /// The datastore.
    pub datastore: String,
    /// The calling service.
    pub caller: String,
    /// Connections per node.
    pub pool_size: u32,
    /// Mean connections held, per-seed mean.
    pub mean_held: Estimate,
    /// Most connections held at once, per-seed mean.
    pub peak_held: Estimate,
    /// Share of its calls that waited for a connection, per-seed mean.
    pub waited_share: Estimate,
    /// Mean wait of the calls that waited (ms), over the seeds where any waited.
    pub mean_wait_ms: Option<Estimate>,
    /// Calls rejected by a full waiting room per seed.
    pub rejected: Estimate,
    /// Calls that got a connection after their caller gave up, per seed.
    pub gave_up: Estimate,
    /// Seeds where any of its calls waited.
    pub seeds_waiting: u64,
}

impl InfraStats {
    /// The statistics of the seeds that measured infrastructure, if any did.
    pub fn build(records: &[SeedRecord], level: f64) -> Option<InfraStats> {
        let xs: Vec<&SeedInfra> = records.iter().filter_map(|r| r.infra.as_ref()).collect();
        if xs.is_empty() {
            return None;
        }
        let mean = |f: &dyn Fn(&SeedInfra) -> f64| {
            let v: Vec<f64> = xs.iter().map(|x| f(x)).collect();
            stats::count_mean_interval(&v, level)
        };
        let count = |f: &dyn Fn(&SeedInfra) -> bool| xs.iter().filter(|x| f(x)).count() as u64;
        let over = |keep: &dyn Fn(&SeedInfra) -> bool, f: &dyn Fn(&SeedInfra) -> f64| {
            let v: Vec<f64> = xs.iter().filter(|x| keep(x)).map(|x| f(x)).collect();
            (!v.is_empty()).then(|| stats::mean_interval(&v, level))
        };
        Some(InfraStats {
            seeds: xs.len() as u64,
            data_lost: mean(&|x| x.data_lost() as f64),
            messages_dropped: mean(&|x| x.messages_dropped as f64),
            writes_lost: mean(&|x| x.writes_lost as f64),
            duplicates: mean(&|x| x.duplicates as f64),
            oom_kills: mean(&|x| x.oom_kills as f64),
            primary_losses: mean(&|x| x.primary_losses as f64),
            rto_s: over(&|x| x.primary_losses > 0, &|x| x.rto_max_ns as f64 / 1e9),
            rpo_s: over(&|x| x.writes_lost > 0, &|x| x.rpo_max_ns as f64 / 1e9),
            seeds_losing_data: count(&|x| x.data_lost() > 0),
            seeds_dropping: count(&|x| x.messages_dropped > 0),
            seeds_losing_writes: count(&|x| x.writes_lost > 0),
            seeds_with_duplicates: count(&|x| x.duplicates > 0),
            seeds_with_oom: count(&|x| x.oom_kills > 0),
            seeds_with_primary_loss: count(&|x| x.primary_losses > 0),
            pools: pool_stats(&xs, level),
        })
    }
}

/// Per (datastore, caller) pool statistics. Every seed of a scenario has the same callers in
/// the same order (they come from the topology), so the i-th entries belong together.
fn pool_stats(xs: &[&SeedInfra], level: f64) -> Vec<PoolStats> {
    let Some(first) = xs.first() else { return Vec::new() };
    (0..first.pools.len())
        .map(|i| {
            let ps: Vec<&SeedPool> = xs.iter().filter_map(|x| x.pools.get(i)).collect();
            let mean = |f: &dyn Fn(&SeedPool) -> f64| {
                stats::mean_interval(&ps.iter().map(|p| f(p)).collect::<Vec<_>>(), level)
            };
            let count = |f: &dyn Fn(&SeedPool) -> f64| {
                stats::count_mean_interval(&ps.iter().map(|p| f(p)).collect::<Vec<_>>(), level)
            };
            let waits: Vec<f64> =
                ps.iter().filter(|p| p.waited > 0).map(|p| p.wait_ns as f64 / p.waited as f64 / 1e6).collect();
            PoolStats {
                datastore: first.pools[i].datastore.clone(),
                caller: first.pools[i].caller.clone(),
                pool_size: first.pools[i].pool_size,
                mean_held: mean(&|p| p.mean_held()),
                peak_held: mean(&|p| f64::from(p.held_max)),
                waited_share: mean(&|p| if p.calls == 0 { 0.0 } else { p.waited as f64 / p.calls as f64 }),
                mean_wait_ms: (!waits.is_empty()).then(|| stats::mean_interval(&waits, level)),
                rejected: count(&|p| p.rejected as f64),
                gave_up: count(&|p| p.gave_up as f64),
                seeds_waiting: waits.len() as u64,
            }
        })
        .collect()
}
