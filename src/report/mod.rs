//! Output formats: renderings of a topology or of results for other tools to display.
//!
//! Each format is a pure function from validated data to a `String`; writing it to a file
//! or to the terminal is the binary's job, so nothing here does IO. [`dot`] draws the
//! topology for Graphviz (`faultsim graph MODEL`).

pub mod dot;
pub mod seeds;
pub mod summary;
pub mod text;
