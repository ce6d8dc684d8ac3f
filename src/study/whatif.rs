//! placeholder
/// Placeholder.
#[derive(Debug)]
pub struct WhatIf;
