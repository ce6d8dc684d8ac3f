//! placeholder
/// Placeholder.
#[derive(Debug)]
pub struct Map;
