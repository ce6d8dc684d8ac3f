//! The one integration-test binary: a module per feature, sharing the helpers below.

mod allocations;
mod analyze;
mod availability;
mod bench_smoke;
mod broken_inputs;
mod check;
mod cli;
mod docs;
mod engine;
mod examples;
mod explore;
mod faults;
mod fidelity;
mod infra;
mod loader_fuzz;
mod montecarlo;
mod patterns;
mod report;
mod semantics;
mod stories_calls;
mod stories_infra;
mod study;
mod tidy;
mod user_properties;
