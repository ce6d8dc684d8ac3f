//! Output formats: renderings of a topology or of results for other tools to display.
//!
//! Each format is a pure function from validated data to a `String`; writing it to a file
//! or to the terminal is the binary's job, so nothing here does IO. [`dot`] draws the
//! topology for Graphviz (`faultsim graph MODEL`); [`html`] is the self-contained page of
//! many seeds' results with their plots (`faultsim report`, and every `--out` folder), a
//! maud template whose tables come from [`table`] (which also renders terminal text and
//! markdown) and whose user text is escaped by [`escape`]; [`plots`] and [`load_plots`] draw
//! its charts.

pub mod availability;
pub mod availability_plots;
pub mod ci;
pub mod documents;
pub mod dot;
pub mod escape;
pub mod html;
pub mod infra;
pub mod load_plots;
pub mod metrics_export;
pub mod patterns;
pub mod plots;
pub mod seeds;
pub mod study;
pub mod study_plots;
pub mod summary;
pub mod table;
pub mod text;
