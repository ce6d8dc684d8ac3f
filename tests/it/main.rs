//! The one integration-test binary: a module per feature, sharing the helpers below.

mod analyze;
mod broken_inputs;
mod cli;
mod engine;
mod examples;
mod loader_fuzz;
mod tidy;
