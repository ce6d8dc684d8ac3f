//! Prometheus formats of a many-seed result, for the tools SREs already run:
//!
//! - [`totals`]: the classic text exposition format (no timestamps), the run's totals per
//!   endpoint over all seeds — for node_exporter's textfile collector or a Pushgateway;
//!   `promtool check metrics` lints it.
//! - [`series`]: OpenMetrics text with timestamps, the completions per time bucket summed
//!   over the seeds as cumulative counters — for `promtool tsdb create-blocks-from
//!   openmetrics`, which backfills it into a Prometheus to look at in Grafana. Timestamps are
//!   simulated seconds from t = 0 (1970-01-01T00:00:00Z), the end of each bucket.
//!
//! Label values are escaped as both formats require (backslash, double quote, newline).

use std::fmt::Write;

use crate::metrics::run::{Bucket, Cause};
use crate::montecarlo::summary::Results;

fn label(value: &str) -> String {
    value.replace('\\', r"\\").replace('"', "\\\"").replace('\n', r"\n")
}

/// The run's totals in the Prometheus text exposition format.
pub fn totals(r: &Results) -> String {
    let mut o = String::new();
    let scenario = label(&r.meta.scenario);
    let mut family = |name: &str, kind: &str, help: &str, samples: Vec<(String, f64)>| {
        let _ = writeln!(o, "# HELP {name} {help}");
        let _ = writeln!(o, "# TYPE {name} {kind}");
        for (labels, value) in samples {
            let sep = if labels.is_empty() { "" } else { "," };
            let _ = writeln!(o, "{name}{{scenario=\"{scenario}\"{sep}{labels}}} {value}");
        }
    };
    let each = |f: &dyn Fn(&crate::montecarlo::summary::EndpointStats) -> f64| {
        r.endpoints.iter().map(|e| (format!("endpoint=\"{}\"", label(&e.name)), f(e))).collect::<Vec<_>>()
    };
    family(
        "faultsim_requests_total",
        "counter",
        "Requests measured after the warm-up, over all seeds.",
        each(&|e| e.requests as f64),
    );
    family(
        "faultsim_served_total",
        "counter",
        "Requests served (degraded answers included), over all seeds.",
        each(&|e| (e.ok + e.degraded) as f64),
    );
    let failed: Vec<(String, f64)> = r
        .endpoints
        .iter()
        .flat_map(|e| {
            Cause::ALL.iter().map(move |&c| {
                (format!("endpoint=\"{}\",cause=\"{}\"", label(&e.name), c.name()), e.failed.get(c) as f64)
            })
        })
        .collect();
    family("faultsim_failed_total", "counter", "Requests failed, by cause, over all seeds.", failed);
    family(
        "faultsim_availability_ratio",
        "gauge",
        "Per-seed availability (served over finished), mean over the seeds.",
        each(&|e| e.availability.value),
    );
    family("faultsim_seeds", "gauge", "Seeds the totals are over.", vec![(String::new(), r.seeds as f64)]);
    o
}

/// A counter of the time series: its name, its help text and what it counts of a bucket.
type Counter = (&'static str, &'static str, fn(&Bucket) -> u64);

/// The time series in OpenMetrics text format, with simulated timestamps.
pub fn series(r: &Results) -> String {
    let mut o = String::new();
    let scenario = label(&r.meta.scenario);
    let bucket_s = r.meta.bucket_ns.max(1) as f64 / 1e9;
    let counters: [Counter; 2] = [
        ("faultsim_served", "Requests served, summed over the seeds, cumulative.", |b| b.served),
        ("faultsim_failed", "Requests failed, summed over the seeds, cumulative.", |b| b.failed),
    ];
    for (metric, help, count) in counters {
        let _ = writeln!(o, "# TYPE {metric} counter");
        let _ = writeln!(o, "# HELP {metric} {help}");
        for (e, buckets) in r.endpoints.iter().zip(&r.data.series) {
            let mut total = 0u64;
            for (i, b) in buckets.iter().enumerate() {
                total += count(b);
                let t = (i + 1) as f64 * bucket_s;
                let _ = writeln!(
                    o,
                    "{metric}_total{{scenario=\"{scenario}\",endpoint=\"{}\"}} {total} {t}",
                    label(&e.name)
                );
            }
        }
    }
    // Per service: what a dashboard needs to see a retry storm (attempts against good answers,
    // retries) and saturation (busy over available worker time, requests waiting).
    let service_counters: [ServiceCounter; 6] = [
        ("faultsim_service_answered", "Attempts the service's instances answered, summed over the seeds, cumulative.", |b| {
            f64::from(b.answered)
        }),
        ("faultsim_service_failed_answers", "Of those, failures, summed over the seeds, cumulative.", |b| {
            f64::from(b.failed)
        }),
        ("faultsim_service_retries", "Retries the service sent, summed over the seeds, cumulative.", |b| {
            f64::from(b.retries)
        }),
        (
            "faultsim_service_busy_worker_seconds",
            "Busy worker time, summed over the seeds, cumulative (utilisation: its rate over the capacity's).",
            |b| b.busy_worker_ns as f64 / 1e9,
        ),
        (
            "faultsim_service_capacity_worker_seconds",
            "Available worker time while up, summed over the seeds, cumulative.",
            |b| b.capacity_worker_ns as f64 / 1e9,
        ),
        (
            "faultsim_service_waiting_request_seconds",
            "Requests waiting for a worker, integrated over time, summed over the seeds, cumulative (its rate: mean queue length).",
            |b| b.waiting_ns as f64 / 1e9,
        ),
    ];
    for (metric, help, count) in service_counters {
        let _ = writeln!(o, "# TYPE {metric} counter");
        let _ = writeln!(o, "# HELP {metric} {help}");
        for (name, buckets) in r.meta.services.iter().zip(&r.data.service_series) {
            let mut total = 0.0;
            for (i, b) in buckets.iter().enumerate() {
                total += count(b);
                let t = (i + 1) as f64 * bucket_s;
                let _ =
                    writeln!(o, "{metric}_total{{scenario=\"{scenario}\",service=\"{}\"}} {total} {t}", label(name));
            }
        }
    }
    o.push_str("# EOF\n");
    o
}

/// A counter of the per-service time series: its name, its help text and what it adds per bucket.
type ServiceCounter = (&'static str, &'static str, fn(&crate::metrics::health::ServiceBucket) -> f64);

/// One row per seed, in seed order: the seed, its fingerprint, events and the limit that
/// stopped it, then per endpoint its requests, served, failed, availability and latency
/// (mean, p50, p99 in ms; empty when nothing was served) — for a spreadsheet or pandas.
pub fn seeds_csv(r: &Results) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head = vec!["seed".to_owned(), "fingerprint".to_owned(), "events".to_owned(), "limit".to_owned()];
    for e in &r.endpoints {
        for column in ["requests", "served", "failed", "availability", "mean_ms", "p50_ms", "p99_ms"] {
            head.push(format!("{}.{column}", e.name));
        }
    }
    w.write_record(&head)?;
    let ms = |ns: u64, samples: u64| if samples > 0 { format!("{}", ns as f64 / 1e6) } else { String::new() };
    for s in &r.data.records {
        let mut row =
            vec![s.seed.to_string(), s.fingerprint.clone(), s.events.to_string(), s.limit.clone().unwrap_or_default()];
        for e in &s.endpoints {
            row.push(e.requests.to_string());
            row.push((e.ok + e.degraded).to_string());
            row.push(e.failed.total().to_string());
            row.push(format!("{}", e.availability()));
            row.push(ms(e.mean_ns, e.samples));
            row.push(ms(e.p50_ns, e.samples));
            row.push(ms(e.p99_ns, e.samples));
        }
        w.write_record(&row)?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
