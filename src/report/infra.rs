//! The infrastructure part of the run summaries: memory and OOM kills, queues (data lost,
//! duplicates), datastores (writes lost, RPO and RTO of every primary loss, and who held
//! their connection pools) and
//! autoscalers (instance counts over time) for one run; the same figures as per-seed means
//! with their intervals for many seeds. Sections appear only for what the topology has.

use std::fmt::Write;

use super::text::{count_ci, num, num_ci, table};

use crate::metrics::run::RunMetrics;
use crate::montecarlo::infra::InfraStats;
use crate::scenario::Scenario;
use crate::units::Duration;

fn mib(bytes: u64) -> String {
    format!("{:.0}MiB", bytes as f64 / f64::from(1u32 << 20))
}

fn secs(ns: u64) -> String {
    Duration::from_nanos(ns - ns % 1_000_000).to_string()
}

/// The infrastructure sections of a one-run summary (empty when there is nothing to show).
pub fn run_sections(s: &Scenario, m: &RunMetrics) -> String {
    let t = &s.topology;
    let mut o = String::new();
    let with_memory: Vec<usize> = (0..t.services().len()).filter(|&i| t.services()[i].memory.is_some()).collect();
    if !with_memory.is_empty() {
        let _ = writeln!(o, "\nmemory (OOM kills after the warm-up; the peak is of one instance)");
        let mut rows = vec![["service", "limit", "peak", "OOM kills"].map(String::from).to_vec()];
        for i in with_memory {
            let (svc, sm) = (&t.services()[i], &m.services[i]);
            let limit = svc.memory.as_ref().map_or(0, |mm| mm.limit.0);
            rows.push(vec![svc.name.clone(), mib(limit), mib(sm.memory_max_bytes), sm.oom_kills.to_string()]);
        }
        o.push_str(&table(&rows));
    }
    if !m.scaling.is_empty() {
        let _ = writeln!(o, "\nautoscalers (instance counts over time)");
        let mut rows = vec![["service", "at", "desired", "serving"].map(String::from).to_vec()];
        for c in &m.scaling {
            rows.push(vec![
                t.services()[c.service as usize].name.clone(),
                secs(c.time_ns),
                c.desired.to_string(),
                c.serving.to_string(),
            ]);
        }
        o.push_str(&table(&rows));
    }
    if !m.queues.is_empty() {
        let _ = writeln!(o, "\nqueues");
        let mut rows = vec![[
            "queue",
            "enqueued",
            "dropped (lost)",
            "delivered",
            "redelivered",
            "duplicates",
            "dead letters",
            "max held",
            "held at end",
        ]
        .map(String::from)
        .to_vec()];
        for q in &m.queues {
            rows.push(vec![
                q.name.clone(),
                q.enqueued.to_string(),
                q.dropped.to_string(),
                q.delivered.to_string(),
                q.redelivered.to_string(),
                q.duplicates.to_string(),
                q.dead_lettered.to_string(),
                q.max_held.to_string(),
                q.held_at_end.to_string(),
            ]);
        }
        o.push_str(&table(&rows));
    }
    let outages: Vec<_> = m.datastores.iter().flat_map(|d| d.outages.iter().map(move |x| (d, x))).collect();
    if !m.datastores.is_empty() && (m.datastores.iter().any(|d| d.writes > 0) || !outages.is_empty()) {
        let _ = writeln!(o, "\ndatastores");
        let mut rows = vec![["datastore", "writes", "writes lost", "primary losses"].map(String::from).to_vec()];
        for d in &m.datastores {
            rows.push(vec![
                d.name.clone(),
                d.writes.to_string(),
                d.writes_lost.to_string(),
                d.outages.len().to_string(),
            ]);
        }
        o.push_str(&table(&rows));
        if !outages.is_empty() {
            let _ = writeln!(
                o,
                "  primary losses: RTO = time until writes are served again; RPO = writes lost and their window"
            );
            let mut rows = vec![["datastore", "lost at", "served again by", "RTO", "RPO writes", "RPO window"]
                .map(String::from)
                .to_vec()];
            for (d, x) in outages {
                rows.push(vec![
                    d.name.clone(),
                    secs(x.lost_at_ns),
                    x.promoted.as_ref().map_or("the primary".to_owned(), |z| format!("replica in {z}")),
                    secs(x.rto_ns),
                    x.writes_lost.to_string(),
                    secs(x.rpo_ns),
                ]);
            }
            o.push_str(&table(&rows));
        }
    }
    o.push_str(&pool_section(s, m));
    if !m.queues.is_empty() || !m.datastores.is_empty() {
        let _ = writeln!(o, "  data lost (queue overflow + writes lost at failover): {}", m.data_lost());
    }
    o
}

/// Who held each datastore's connections in one run (empty when no datastore was called).
fn pool_section(s: &Scenario, m: &RunMetrics) -> String {
    let mut o = String::new();
    let measured = m.end_time_ns.saturating_sub(s.warmup.as_nanos());
    let used: Vec<_> = m.datastores.iter().filter(|d| d.pool.iter().any(|u| u.calls > 0)).collect();
    if used.is_empty() {
        return o;
    }
    let _ = writeln!(
        o,
        "
connection pools (per caller, after the warm-up; held = connections, all nodes)"
    );
    let mut rows = vec![[
        "datastore",
        "caller",
        "calls",
        "mean held",
        "peak held",
        "waited",
        "mean wait",
        "max wait",
        "rejected",
        "gave up waiting",
    ]
    .map(String::from)
    .to_vec()];
    for d in used {
        for u in &d.pool {
            rows.push(vec![
                d.name.clone(),
                u.caller.clone(),
                u.calls.to_string(),
                format!("{} of {}", num(u.mean_held(measured), 2), d.pool_size),
                u.held_max.to_string(),
                u.waited.to_string(),
                if u.waited > 0 { super::text::ms(u.mean_wait_ns() as u64) } else { "-".to_owned() },
                if u.waited > 0 { super::text::ms(u.wait_max_ns) } else { "-".to_owned() },
                u.rejected.to_string(),
                u.gave_up.to_string(),
            ]);
        }
    }
    o.push_str(&table(&rows));
    let _ =
        writeln!(o, "  gave up waiting: got a connection only after the caller had timed out (work nobody waits for)");
    o
}

/// The footnote of a table with a count that was zero on every seed.
pub const NONE_NOTE: &str =
    "  none (< x): zero on every seed; x is the exact one-sided 95% bound on the per-seed mean\n";

/// The infrastructure section of a many-seed summary (empty when no seed had any).
pub fn seeds_section(stats: Option<&InfraStats>) -> String {
    let Some(x) = stats else { return String::new() };
    let mut o = String::new();
    let _ = writeln!(o, "\ninfrastructure (per-seed means with 95% intervals)");
    let mut rows = vec![INFRA_COLUMNS.map(String::from).to_vec()];
    rows.extend(infra_rows(x));
    o.push_str(&table(&rows));
    let zero = |e: &crate::stats::Estimate| e.value == 0.0 && e.high > 0.0;
    if [&x.data_lost, &x.messages_dropped, &x.writes_lost, &x.duplicates, &x.oom_kills, &x.primary_losses]
        .into_iter()
        .any(zero)
    {
        o.push_str(NONE_NOTE);
    }
    if !x.pools.is_empty() {
        let _ = writeln!(o, "\nconnection pools (per caller; per-seed means with 95% intervals)");
        let mut rows = vec![POOL_COLUMNS.map(String::from).to_vec()];
        rows.extend(x.pools.iter().map(|p| pool_cells(p).to_vec()));
        o.push_str(&table(&rows));
    }
    o
}

/// The columns of the many-seed infrastructure table (text and HTML).
pub const INFRA_COLUMNS: [&str; 3] = ["figure", "per seed [95% CI]", "seeds with any"];

/// The rows of the many-seed infrastructure table (text and HTML): data lost, drops, writes
/// lost, duplicates, OOM kills, primary losses, and RTO and RPO where a primary was lost.
pub fn infra_rows(x: &InfraStats) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for (name, e, any) in [
        ("data lost (messages + writes)", &x.data_lost, x.seeds_losing_data),
        ("messages dropped (queue full)", &x.messages_dropped, x.seeds_dropping),
        ("writes lost at failover", &x.writes_lost, x.seeds_losing_writes),
        ("duplicate deliveries", &x.duplicates, x.seeds_with_duplicates),
        ("OOM kills", &x.oom_kills, x.seeds_with_oom),
        ("primary losses", &x.primary_losses, x.seeds_with_primary_loss),
    ] {
        rows.push(vec![name.to_owned(), count_ci(e, 1), format!("{any}/{}", x.seeds)]);
    }
    if let Some(rto) = &x.rto_s {
        rows.push(vec![
            "RTO, longest (s)".to_owned(),
            num_ci(rto, 1),
            format!("{}/{}", x.seeds_with_primary_loss, x.seeds),
        ]);
    }
    if let Some(rpo) = &x.rpo_s {
        rows.push(vec![
            "RPO window, longest (s)".to_owned(),
            num_ci(rpo, 3),
            format!("{}/{}", x.seeds_losing_writes, x.seeds),
        ]);
    }
    rows
}

/// The columns of the many-seed connection-pool table (text and HTML).
pub const POOL_COLUMNS: [&str; 8] =
    ["datastore", "caller", "mean held", "peak held", "calls waited", "mean wait (ms)", "rejected", "gave up waiting"];

/// The cells of one caller's row in the many-seed connection-pool table (text and HTML).
pub fn pool_cells(p: &crate::montecarlo::infra::PoolStats) -> [String; 8] {
    [
        p.datastore.clone(),
        p.caller.clone(),
        format!("{} of {}", num_ci(&p.mean_held, 2), p.pool_size),
        num_ci(&p.peak_held, 1),
        super::text::pct_ci(&p.waited_share),
        p.mean_wait_ms.as_ref().map_or("-".to_owned(), |e| num_ci(e, 2)),
        count_ci(&p.rejected, 1),
        count_ci(&p.gave_up, 1),
    ]
}
