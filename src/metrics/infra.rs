//! What one run measured of its infrastructure parts: queues (data lost to overflow,
//! duplicates from redelivery), datastores (writes, writes lost at failover, each outage's
//! RPO and RTO) and autoscalers (instance counts over time). OOM kills and peak memory are
//! per service, in [`super::run::ServiceMetrics`].
//!
//! Like everything in a run's metrics these are integer counts and times, counted for what
//! happens after the warm-up.

use serde::{Deserialize, Serialize};

/// One queue's measurements.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct QueueMetrics {
    /// Queue name.
    pub name: String,
    /// Messages accepted and held.
    pub enqueued: u64,
    /// Messages dropped because the queue was full: data lost.
    pub dropped: u64,
    /// When they were dropped: `(bucket, count)` in bucket order, one entry per bucket with
    /// drops, so a hypothesis scoped to a window can count them (empty without drops).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dropped_by_bucket: Vec<(u64, u64)>,
    /// Deliveries to the consumer (first deliveries and redeliveries).
    pub delivered: u64,
    /// Deliveries after a message's first (its visibility timeout expired).
    pub redelivered: u64,
    /// Successful processings by the consumer.
    pub processed: u64,
    /// Successful processings of a message that had been processed before.
    pub duplicates: u64,
    /// Messages moved to the dead-letter queue after `max_deliveries`.
    pub dead_lettered: u64,
    /// Most messages held at once.
    pub max_held: u32,
    /// Messages still held when the run ended (not lost).
    pub held_at_end: u32,
}

/// One loss of a datastore's primary, until writes were served again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FailoverRecord {
    /// When the primary was lost (ns).
    pub lost_at_ns: u64,
    /// Time until writes were served again (ns): detection + promotion after a failover,
    /// or until the primary was back.
    pub rto_ns: u64,
    /// Zone of the promoted replica, or `None` when the primary itself came back.
    pub promoted: Option<String>,
    /// Writes committed on the old primary that the promoted replica never had.
    pub writes_lost: u64,
    /// The data-loss window: from the oldest lost write's commit to the loss (ns; 0 when
    /// nothing was lost).
    pub rpo_ns: u64,
}

/// One datastore's measurements.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DatastoreMetrics {
    /// Datastore name.
    pub name: String,
    /// Writes committed on the primary.
    pub writes: u64,
    /// Writes lost at failovers (the RPO in writes), over every outage.
    pub writes_lost: u64,
    /// Every primary loss, in time order.
    pub outages: Vec<FailoverRecord>,
    /// Connections in the pool of each node (primary and every replica).
    #[serde(default)]
    pub pool_size: u32,
    /// How each caller used the connection pool, in topology order of the services that
    /// call the datastore.
    #[serde(default)]
    pub pool: Vec<PoolUse>,
}

/// How one caller used a datastore's connection pool over the measured time: a call takes a
/// connection for its read or write time, or waits for one when all are held.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PoolUse {
    /// The calling service.
    pub caller: String,
    /// Its calls that reached the pool (every attempt counts).
    pub calls: u64,
    /// Calls that found every connection held and waited for one.
    pub waited: u64,
    /// Total time its calls waited for a connection (ns).
    pub wait_ns: u64,
    /// Longest wait for a connection (ns).
    pub wait_max_ns: u64,
    /// Calls turned away at once because the pool's waiting room was full (`max_waiting`).
    pub rejected: u64,
    /// Calls that got a connection only after their caller had given up (timed out while
    /// waiting): the connection then does work nobody waits for.
    pub gave_up: u64,
    /// Time integral of the connections it held, over the measured time (connection·ns).
    pub held_area: u128,
    /// Most connections it held at once (all nodes together).
    pub held_max: u32,
}

impl PoolUse {
    /// Mean connections held over `measured_ns`.
    pub fn mean_held(&self, measured_ns: u64) -> f64 {
        if measured_ns == 0 {
            0.0
        } else {
            self.held_area as f64 / measured_ns as f64
        }
    }

    /// Mean wait of the calls that waited (ns).
    pub fn mean_wait_ns(&self) -> f64 {
        if self.waited == 0 {
            0.0
        } else {
            self.wait_ns as f64 / self.waited as f64
        }
    }
}

/// A change of an autoscaled service's instance count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ScaleChange {
    /// When (ns).
    pub time_ns: u64,
    /// Service index.
    pub service: u32,
    /// Instances the autoscaler wants.
    pub desired: u32,
    /// Instances provisioned and serving (crashed ones included, new ones once ready).
    pub serving: u32,
}
