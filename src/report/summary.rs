//! The result of one run, for people (a text summary) and programs (JSON).
//!
//! Every percentile is printed with the number of samples behind it and flagged when
//! there are too few to trust: a p99 needs about 1,000 samples before it means anything.

use std::fmt::Write;

use super::text::{ms, pct, table};

use serde::Serialize;

use crate::metrics::run::RunMetrics;
use crate::scenario::Scenario;
use crate::units::Duration;

/// The JSON document of one run.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct RunReport<'a> {
    /// faultsim version.
    pub tool_version: &'static str,
    /// Scenario name.
    pub scenario: &'a str,
    /// Topology name.
    pub topology: &'a str,
    /// Which limit stopped the run early, if one did.
    pub limit: Option<String>,
    /// The measurements.
    pub run: &'a RunMetrics,
}

/// A readable summary of one run.
pub fn run_summary(s: &Scenario, m: &RunMetrics, limit: Option<&str>, replay: &str) -> String {
    let t = &s.topology;
    let mut o = String::new();
    let _ = writeln!(o, "scenario: {} (topology {}), seed {}", s.name, t.name(), m.seed);
    let drain = m.end_time_ns.saturating_sub(s.duration.as_nanos());
    let _ = writeln!(
        o,
        "simulated {} of load + {} draining, {} events, fingerprint {}",
        s.duration,
        Duration::from_nanos(drain - drain % 1_000_000),
        m.events,
        m.fingerprint
    );
    let widened = s.bucket_widened().then(|| (s.bucket.as_nanos(), m.bucket_ns));
    let _ = writeln!(o, "measured: requests arriving after the {} warm-up{}\n", s.warmup, widened_note(widened));
    if let Some(l) = limit {
        let _ = writeln!(o, "STOPPED EARLY: {l}\n");
    }

    let _ = writeln!(o, "endpoints");
    let mut rows = vec![[
        "endpoint",
        "requests",
        "availability",
        "degraded",
        "timeout",
        "rejected",
        "unavail.",
        "error",
        "unfinished",
    ]
    .map(String::from)
    .to_vec()];
    let extra = super::patterns::causes_present(m.endpoints.iter().map(|e| &e.failed));
    rows[0].extend(extra.iter().map(|c| c.name().to_owned()));
    for e in &m.endpoints {
        let mut row = vec![
            e.name.clone(),
            e.requests.to_string(),
            if e.requests == 0 { "-".into() } else { pct(e.availability()) },
        ];
        row.extend(super::patterns::failure_cells(e.degraded, &e.failed, &extra));
        rows.push(row);
    }
    o.push_str(&table(&rows));

    let _ = writeln!(o, "\nlatency of served requests");
    let mut rows =
        vec![["endpoint", "samples", "mean", "p50", "p90", "p99", "p99.9", "max"].map(String::from).to_vec()];
    let mut thin = Vec::new();
    for e in &m.endpoints {
        let h = &e.latency;
        let n = h.count();
        let p = |q: f64| {
            if n == 0 {
                "-".to_owned()
            } else if n < crate::stats::samples_needed(q / 100.0) {
                format!("{}*", ms(h.percentile_ns(q)))
            } else {
                ms(h.percentile_ns(q))
            }
        };
        if n > 0 && n < crate::stats::samples_needed(0.999) {
            thin.push(e.name.clone());
        }
        rows.push(vec![
            e.name.clone(),
            n.to_string(),
            if n == 0 { "-".into() } else { ms(h.mean_ns().round() as u64) },
            p(50.0),
            p(90.0),
            p(99.0),
            p(99.9),
            if n == 0 { "-".into() } else { ms(h.max_ns()) },
        ]);
    }
    o.push_str(&table(&rows));
    if !thin.is_empty() {
        let _ = writeln!(
            o,
            "  * too few samples to trust: a p99 needs ≥ {} samples, a p99.9 ≥ {} (run more seeds or a longer duration)",
            crate::stats::samples_needed(0.99),
            crate::stats::samples_needed(0.999)
        );
    }

    if !s.faults.is_empty() {
        let _ = writeln!(o, "\nfaults (availability of each endpoint while the fault was on)");
        let mut header = vec!["fault".to_owned(), "from".to_owned(), "to".to_owned()];
        header.extend(m.endpoints.iter().map(|e| e.name.clone()));
        let mut rows = vec![header];
        for f in &s.faults {
            let end = f.end.unwrap_or(s.duration);
            let mut row = vec![f.name.clone(), f.start.to_string(), end.to_string()];
            for e in &m.endpoints {
                let (ok, bad) = e.window_counts(m.bucket_ns, f.start.as_nanos(), end.as_nanos());
                row.push(if ok + bad == 0 { "-".into() } else { pct(ok as f64 / (ok + bad) as f64) });
            }
            rows.push(row);
        }
        o.push_str(&table(&rows));
        let _ = writeln!(o, "  instance crashes over the run: {}", m.crashes);
    }
    if m.timeline_not_shown > 0 {
        let _ = writeln!(
            o,
            "\nthe instance timeline keeps the first {} changes; {} more not shown",
            crate::metrics::run::MAX_LOG_RECORDS,
            m.timeline_not_shown
        );
    }

    let _ = writeln!(o, "\nservices");
    let mut rows = vec![[
        "service",
        "utilisation",
        "received",
        "rejected",
        "calls",
        "retries",
        "attempts/call",
        "wasted work",
        "mean backlog",
        "max backlog",
    ]
    .map(String::from)
    .to_vec()];
    for (sm, svc) in m.services.iter().zip(t.services()) {
        rows.push(vec![
            sm.name.clone(),
            pct(sm.utilisation()),
            sm.received.to_string(),
            sm.rejected.to_string(),
            sm.calls.to_string(),
            sm.retries.to_string(),
            format!("{:.2}", sm.amplification()),
            format!("{:.1}s", sm.wasted_ns as f64 / 1e9),
            format!("{:.2}", sm.mean_backlog(svc.instance_count())),
            sm.backlog_max.to_string(),
        ]);
    }
    o.push_str(&table(&rows));
    let client_retries: u64 = m.client_retries.iter().sum();
    if client_retries > 0 {
        let _ = writeln!(o, "  client retries: {client_retries}");
    }

    if let Some(patterns) = super::patterns::actions_table(m) {
        o.push_str(&patterns);
    }
    o.push_str(&super::infra::run_sections(s, m));

    let _ = writeln!(o, "\nreplay: {replay}");
    o
}

/// `; time series in 5m buckets (…)` when a long run widened the scenario's bucket
/// (`(asked, used)` in ns), otherwise nothing.
pub fn widened_note(widened: Option<(u64, u64)>) -> String {
    widened.map_or_else(String::new, |(asked, used)| {
        format!("; time series in {} buckets{}", Duration::from_nanos(used), widened_from(asked))
    })
}

/// ` (metrics.bucket 1s widened to stay within limits.max_buckets)`, for the bucket asked
/// for (ns) when a long run widened it.
pub fn widened_from(asked: u64) -> String {
    format!(" (metrics.bucket {} widened to stay within limits.max_buckets)", Duration::from_nanos(asked))
}
