//! What the resilience patterns did, for the text and HTML summaries: the fast-failure
//! causes they produce (shown as extra endpoint columns only when some endpoint has them, so
//! a system without patterns reads as before) and a per-service table of their actions.

use std::fmt::Write;

use super::text::table;
use crate::metrics::run::{Cause, Failures, RunMetrics};

/// The pattern causes that occur in any of these failure counts, in report order.
pub fn causes_present<'a>(failed: impl Iterator<Item = &'a Failures> + Clone) -> Vec<Cause> {
    Cause::PATTERNS.into_iter().filter(|&c| failed.clone().any(|f| f.get(c) > 0)).collect()
}

/// An endpoint's failure columns as report cells: degraded, then the failures by cause
/// (timeout, rejected, unavailable, error, unfinished), then the pattern causes in `extra`.
pub fn failure_cells(degraded: u64, failed: &Failures, extra: &[Cause]) -> Vec<String> {
    [degraded, failed.timeout, failed.rejected, failed.unavailable, failed.error, failed.unfinished]
        .into_iter()
        .chain(extra.iter().map(|&c| failed.get(c)))
        .map(|n| n.to_string())
        .collect()
}

/// One run's per-service pattern actions (only the columns and services with any), or
/// `None` when no pattern acted.
pub fn actions_table(m: &RunMetrics) -> Option<String> {
    let names = m.services.first()?.patterns.named().map(|(n, _)| n);
    let used: Vec<usize> =
        (0..names.len()).filter(|&i| m.services.iter().any(|s| s.patterns.named()[i].1 > 0)).collect();
    if used.is_empty() {
        return None;
    }
    let mut header = vec!["service".to_owned()];
    header.extend(used.iter().map(|&i| names[i].to_owned()));
    let mut rows = vec![header];
    for s in m.services.iter().filter(|s| !s.patterns.is_empty()) {
        let counts = s.patterns.named();
        let mut row = vec![s.name.clone()];
        row.extend(used.iter().map(|&i| counts[i].1.to_string()));
        rows.push(row);
    }
    let mut o = String::new();
    let _ = writeln!(o, "\nresilience patterns (what each service's patterns did after the warm-up)");
    o.push_str(&table(&rows));
    Some(o)
}
