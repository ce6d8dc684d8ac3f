//! The closed set of things that can happen in a run.
//!
//! Every event is small and `Copy`: it names the objects it concerns by slab keys or
//! indices, never by reference, so an event for an object that no longer exists is just
//! ignored when it pops (lazy cancellation).

use serde::Serialize;

use super::slab::Key;
pub use crate::metrics::run::Cause;

/// How a response answers its request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub enum Outcome {
    /// Served in full.
    Ok,
    /// Served, but an optional dependency failed and a fallback was used.
    Degraded,
    /// Failed.
    Failed(Cause),
}

/// Everything that can happen. See the module docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub enum Event {
    /// The next open-loop arrival of a workload.
    Arrival {
        /// Workload index.
        workload: u32,
    },
    /// A closed-loop client has thought and sends its next request.
    Think {
        /// Workload index.
        workload: u32,
        /// Client number within the workload.
        client: u32,
    },
    /// A request message reaches the station of a job.
    Deliver {
        /// The job.
        job: Key,
    },
    /// A station finishes the service time of a job.
    WorkDone {
        /// The job.
        job: Key,
    },
    /// A response reaches the caller of an attempt.
    Response {
        /// The attempt answered.
        attempt: Key,
        /// How it was answered.
        outcome: Outcome,
    },
    /// An attempt's timeout; ignored when the attempt was answered first.
    Timeout {
        /// The attempt.
        attempt: Key,
    },
    /// A call's backoff is over: send its next attempt.
    Retry {
        /// The call.
        call: Key,
    },
    /// A scripted fault window opens.
    FaultStart {
        /// Index in the scenario's (sorted) timeline.
        fault: u32,
    },
    /// A scripted fault window closes (the fault is reverted).
    FaultEnd {
        /// Index in the scenario's timeline.
        fault: u32,
    },
    /// A failure process's target fails.
    ProcessFail {
        /// Index in the scenario's processes (then the topology's, if enabled).
        process: u32,
    },
    /// A failure process's target is repaired.
    ProcessRepair {
        /// Process index.
        process: u32,
    },
    /// A round of health checks of one service's instances.
    HealthCheck {
        /// Service index.
        service: u32,
    },
    /// The scenario's duration is over: arrivals stop and in-flight requests drain.
    EndOfArrivals,
    /// A leaking instance's memory reaches its limit, unless something changed since the
    /// check was armed (then `generation` is stale).
    MemoryCheck {
        /// The instance's station.
        station: u32,
        /// The memory state's generation when armed.
        generation: u32,
    },
    /// An OOM-killed instance has restarted.
    Restart {
        /// The instance's station.
        station: u32,
        /// Which kill of the instance it restarts from.
        generation: u32,
    },
    /// An autoscaler evaluates its service.
    Autoscale {
        /// Service index.
        service: u32,
    },
    /// A newly provisioned instance is ready to serve.
    Provisioned {
        /// The instance's station.
        station: u32,
    },
    /// A delivered message's visibility timeout expires.
    Visibility {
        /// The message.
        message: Key,
        /// Which delivery of it.
        delivery: u32,
    },
    /// A datastore's lost primary has been detected: promotion starts.
    FailoverDetected {
        /// Datastore index.
        datastore: u32,
        /// The failover's generation (stale when the primary came back).
        generation: u32,
    },
    /// A datastore's replica has been promoted to primary.
    FailoverPromoted {
        /// Datastore index.
        datastore: u32,
        /// The failover's generation.
        generation: u32,
    },
}

impl Event {
    /// A stable code and up to three words describing the event, for the fingerprint.
    pub fn words(&self) -> [u64; 4] {
        match *self {
            Event::Arrival { workload } => [1, u64::from(workload), 0, 0],
            Event::Think { workload, client } => [2, u64::from(workload), u64::from(client), 0],
            Event::Deliver { job } => [3, job.word(), 0, 0],
            Event::WorkDone { job } => [4, job.word(), 0, 0],
            Event::Response { attempt, outcome } => {
                let o = match outcome {
                    Outcome::Ok => 0,
                    Outcome::Degraded => 1,
                    Outcome::Failed(c) => 2 + c.index() as u64,
                };
                [5, attempt.word(), o, 0]
            }
            Event::Timeout { attempt } => [6, attempt.word(), 0, 0],
            Event::Retry { call } => [7, call.word(), 0, 0],
            Event::FaultStart { fault } => [8, u64::from(fault), 0, 0],
            Event::FaultEnd { fault } => [9, u64::from(fault), 0, 0],
            Event::ProcessFail { process } => [10, u64::from(process), 0, 0],
            Event::ProcessRepair { process } => [11, u64::from(process), 0, 0],
            Event::HealthCheck { service } => [12, u64::from(service), 0, 0],
            Event::EndOfArrivals => [13, 0, 0, 0],
            // Infrastructure events take codes from 40 so other additions cannot collide.
            Event::MemoryCheck { station, generation } => [40, u64::from(station), u64::from(generation), 0],
            Event::Restart { station, generation } => [41, u64::from(station), u64::from(generation), 0],
            Event::Autoscale { service } => [42, u64::from(service), 0, 0],
            Event::Provisioned { station } => [43, u64::from(station), 0, 0],
            Event::Visibility { message, delivery } => [44, message.word(), u64::from(delivery), 0],
            Event::FailoverDetected { datastore, generation } => [45, u64::from(datastore), u64::from(generation), 0],
            Event::FailoverPromoted { datastore, generation } => [46, u64::from(datastore), u64::from(generation), 0],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_small() {
        assert!(size_of::<Event>() <= 16, "{} bytes", size_of::<Event>());
    }
}
