//! The one integration-test binary: a module per feature, sharing the helpers below.

mod analyze;
mod availability;
mod bench_smoke;
mod broken_inputs;
mod check;
mod cli;
mod engine;
mod examples;
mod faults;
mod fidelity;
mod loader_fuzz;
mod montecarlo;
mod report;
mod semantics;
mod tidy;
