//! Fault-space search and a library for property tests over a topology.
//!
//! - [`FaultSpace`] says which faults may strike (kinds × targets), when, and for how long;
//!   [`FaultSpace::schedules`] is a proptest strategy over fault [`Schedule`]s whose
//!   shrinking removes faults, then shortens them, then picks simpler targets, milder
//!   severities and earlier starts.
//! - [`Experiment`] is a scenario built in code (or loaded and changed); [`Experiment::run`]
//!   simulates one seed and returns an [`Outcome`] to inspect.
//! - [`explore()`] is the search `faultsim check` runs for a scenario's `explore` block: a
//!   timing sweep, swarm schedules, shrinking, and confirmation on other seeds.
//! - [`replay`] writes the shrunk schedule back into the user's scenario text.
//! - [`checkpoints`] keeps copies of each seed's fault-free run, so each schedule continues
//!   from the latest copy before its first window instead of running from t = 0.
//!
//! # A property test a user would write
//!
//! "No single zone outage takes `spread` below 95% over half a minute", over random outages,
//! seeds and load, with proptest's runner (in a test, the `proptest!` macro does the same):
//!
//! ```
//! use std::sync::Arc;
//! use faultsim::explore::{poisson_workloads, seeds, Experiment, FaultSpace};
//! use faultsim::spec::{FaultKind, Target};
//! use faultsim::units::Duration;
//! use proptest::test_runner::{Config, TestRunner, TestCaseError};
//!
//! let topology = faultsim::load::load_topology("models/zones.ron".as_ref()).expect("loads");
//! let secs = Duration::from_secs;
//! let space = FaultSpace::new(Arc::clone(&topology), secs(5), secs(25))
//!     .kinds(&[FaultKind::Crash])
//!     .targets(vec![Target::Zone("a".into()), Target::Zone("b".into()), Target::Zone("c".into())])
//!     .max_faults(1)
//!     .durations(secs(5), secs(15));
//! let load = poisson_workloads("spread", 20.0, 60.0, Duration::from_millis(500));
//! let mut runner = TestRunner::new(Config { cases: 4, failure_persistence: None, ..Config::default() });
//! runner
//!     .run(&(space.schedules(), load, seeds(1, 100)), |(schedule, workload, seed)| {
//!         let outcome = Experiment::new(Arc::clone(&topology), secs(30))
//!             .workload(workload)
//!             .with_faults(&schedule.faults)
//!             .run(seed)
//!             .map_err(|e| TestCaseError::fail(e.to_string()))?;
//!         let a = outcome.availability("spread").unwrap_or(0.0);
//!         proptest::prop_assert!(a >= 0.95, "availability {a} under {schedule:?}");
//!         Ok(())
//!     })
//!     .expect("three zones survive any one zone");
//! ```

pub mod checkpoints;
pub mod experiment;
pub mod replay;
pub mod search;
pub mod space;
pub mod tree;

pub use experiment::{Experiment, ExperimentError, Outcome};
pub use search::{explore, Broken, Counterexample, Exploration, Phase};
pub use space::{Compiled, FaultSpace, Genes};
pub use tree::{poisson_workloads, seeds, Schedule, ScheduleTree, Schedules};
