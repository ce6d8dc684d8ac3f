//! The closed set of things that can happen in a run.
//!
//! Every event is small and `Copy`: it names the objects it concerns by slab keys or
//! indices, never by reference, so an event for an object that no longer exists is just
//! ignored when it pops (lazy cancellation).

use serde::Serialize;

use super::slab::Key;
pub use crate::metrics::run::Cause;

/// How a response answers its request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Outcome {
    /// Served in full.
    Ok,
    /// Served, but an optional dependency failed and a fallback was used.
    Degraded,
    /// Failed.
    Failed(Cause),
}

/// Everything that can happen. See the module docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
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
