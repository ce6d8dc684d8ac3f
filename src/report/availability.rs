//! The text report of `faultsim availability`: per endpoint the time-based availability and
//! nines with their intervals beside the analytic estimate, downtime per year, outages,
//! endpoint MTBF/MTTR, and the importance ranking; or, for the rare-event method, the biased
//! and plain estimates side by side.

use std::fmt::Write;

use crate::availability::summary::{EndpointStats, Method, Results};
use crate::stats::Estimate;

use super::text::{num, num_ci, table};

/// Classes shown per endpoint in the importance ranking.
pub const RANKING_SHOWN: usize = 5;

/// An availability as a percentage with enough decimals to show its nines (99.99912%).
pub fn pct_fine(a: f64) -> String {
    if !a.is_finite() {
        return "n/a".to_owned();
    }
    let nines = crate::stats::nines(a);
    let decimals = if nines.is_finite() { (nines.floor() as usize + 1).clamp(2, 9) } else { 4 };
    format!("{:.*}%", decimals, a * 100.0)
}

/// An availability interval: `99.9512% [99.9498%, 99.9526%]`.
fn pct_fine_ci(e: &Estimate) -> String {
    if e.has_interval() {
        format!("{} [{}, {}]", pct_fine(e.value), pct_fine(e.low), pct_fine(e.high))
    } else {
        format!("{} [n/a]", pct_fine(e.value))
    }
}

/// "1 seed", "20 seeds".
fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// A span of simulated time: whole years as years, anything else as a duration.
fn span(ns: u64) -> String {
    let year = crate::availability::YEAR_NS;
    if ns >= year && ns % year == 0 {
        plural(ns / year, "year")
    } else {
        crate::units::Duration::from_nanos(ns).to_string()
    }
}

/// Minutes, readable: `0.52`, `48.0`, `1.2k`.
fn minutes(m: f64) -> String {
    if !m.is_finite() {
        "n/a".to_owned()
    } else if m >= 10_000.0 {
        format!("{:.1}k", m / 1000.0)
    } else if m >= 100.0 {
        format!("{m:.0}")
    } else if m >= 10.0 {
        format!("{m:.1}")
    } else {
        format!("{m:.2}")
    }
}

/// Hours, readable, or `-` when absent.
fn hours(h: Option<f64>) -> String {
    match h {
        Some(h) if h >= 24.0 * 365.0 => format!("{:.1}y", h / (24.0 * 365.0)),
        Some(h) if h >= 48.0 => format!("{:.1}d", h / 24.0),
        Some(h) if h >= 1.0 => format!("{h:.1}h"),
        Some(h) => format!("{:.1}m", h * 60.0),
        None => "-".to_owned(),
    }
}

/// The availability and nines columns: a two-sided interval, a one-sided bound when no outage
/// was seen, or the fact that nothing can fail.
fn measured_cells(s: &EndpointStats) -> (String, String) {
    if s.analytic.nothing_can_fail {
        return ("100% (nothing can fail)".to_owned(), "-".to_owned());
    }
    match &s.no_outage {
        Some(b) => (
            format!("≥ {} (no outage)", pct_fine(1.0 - b.unavailability_upper)),
            format!("≥ {}", num(b.nines_lower, 2)),
        ),
        None => (pct_fine_ci(&s.availability), num_ci(&s.nines, 2)),
    }
}

/// The analytic column and its check.
fn analytic_cells(s: &EndpointStats) -> (String, String) {
    let a = &s.analytic;
    let value = match a.nines {
        Some(n) => format!("{} ({})", pct_fine(a.availability), num(n, 2)),
        None => format!("{} (nothing fails)", pct_fine(a.availability)),
    };
    let check = match (&a.not_applicable, s.analytic_inside) {
        _ if a.nothing_can_fail => "-".to_owned(),
        (Some(_), _) => "n/a*".to_owned(),
        (None, Some(true)) if s.no_outage.is_some() => "within bound".to_owned(),
        (None, Some(false)) if s.no_outage.is_some() => "ABOVE BOUND".to_owned(),
        (None, Some(true)) => "inside".to_owned(),
        (None, Some(false)) => "OUTSIDE".to_owned(),
        (None, None) => "no interval".to_owned(),
    };
    (value, check)
}

/// The whole report.
pub fn availability_summary(r: &Results, replay: &str) -> String {
    let mut out = String::new();
    let m = &r.meta;
    let source = if m.scenario.is_empty() {
        format!("topology {}", m.topology)
    } else {
        format!("scenario {} (topology {})", m.scenario, m.topology)
    };
    let _ = writeln!(out, "availability: {source}, {} failure processes", m.processes);
    match m.method {
        Method::Years => {
            let periods =
                r.endpoints.first().and_then(|e| e.downtime_minutes_per_year.as_ref()).map_or(0, |d| d.periods);
            let _ = writeln!(
                out,
                "simulated {} × {} = {} years, {} events; intervals 95% over {} of {}",
                plural(r.seeds, "seed"),
                span(m.horizon_ns),
                num(r.years, if r.years >= 10.0 { 0 } else { 3 }),
                r.events,
                plural(periods, "seed-period"),
                span(m.period_ns),
            );
        }
        Method::RareEvents => {
            let _ = writeln!(
                out,
                "rare-event method: {} × {} regenerative cycles per endpoint with balanced failure biasing, {} transitions",
                plural(r.seeds, "seed"),
                m.cycles,
                r.events
            );
        }
    }
    out.push('\n');
    out.push_str("endpoints\n");
    let mut rows = vec![vec![
        "endpoint".to_owned(),
        "availability [95% CI]".to_owned(),
        "nines [95% CI]".to_owned(),
        "analytic (nines)".to_owned(),
        "check".to_owned(),
    ]];
    for s in &r.endpoints {
        let (a, check) = analytic_cells(s);
        let (measured, nines) = measured_cells(s);
        rows.push(vec![s.endpoint.clone(), measured, nines, a, check]);
    }
    out.push_str(&table(&rows));
    zero_notes(&mut out, r);

    match m.method {
        Method::Years => years_sections(&mut out, r),
        Method::RareEvents => rare_section(&mut out, r),
    }

    let notes: Vec<String> = r
        .endpoints
        .iter()
        .filter_map(|s| s.analytic.not_applicable.as_ref().map(|why| format!("  {}: {why}", s.endpoint)))
        .collect();
    if !notes.is_empty() {
        out.push_str("\n* the analytic formula does not apply, so it is not checked:\n");
        for n in notes {
            out.push_str(&n);
            out.push('\n');
        }
    }
    if r.endpoints.iter().any(|s| s.analytic_inside == Some(false) && s.no_outage.is_none()) {
        out.push_str(
            "\nOUTSIDE: the analytic estimate lies outside the simulated interval although its assumptions hold;\n\
             with fixed or heavy-tailed times over a short horizon the steady state may not be reached.\n",
        );
    }
    if !r.stopped.is_empty() {
        let _ = writeln!(
            out,
            "\n{} seeds stopped at a limit; first: seed {}: {}",
            r.stopped.len(),
            r.stopped[0].seed,
            r.stopped[0].limit
        );
    }
    if let Some(p) = &r.precision {
        out.push('\n');
        out.push_str(&super::study::settled_lines(p));
    }
    let _ = writeln!(out, "\nreplay: {replay}");
    out
}

/// What the table cannot say in a cell: the bounds that zero outages give, and endpoints
/// that nothing can take down.
fn zero_notes(out: &mut String, r: &Results) {
    let none: Vec<&str> =
        r.endpoints.iter().filter(|s| s.analytic.nothing_can_fail).map(|s| s.endpoint.as_str()).collect();
    if !none.is_empty() {
        let _ = writeln!(
            out,
            "\nnothing in the model can fail for {}: no failure process reaches anything",
            none.join(", ")
        );
        out.push_str("it needs (give its services, datastores, zones or regions a `failure:` to measure it)\n");
    }
    let quiet: Vec<&EndpointStats> = r.endpoints.iter().filter(|s| s.no_outage.is_some()).collect();
    if let Some(b) = quiet.first().and_then(|s| s.no_outage.as_ref()) {
        let names: Vec<&str> = quiet.iter().map(|s| s.endpoint.as_str()).collect();
        let years = num(b.years, if b.years >= 10.0 { 0 } else { 3 });
        let _ = writeln!(
            out,
            "\nno outage of {} in {years} simulated years. With 95% confidence (one-sided):",
            names.join(", ")
        );
        let _ = writeln!(
            out,
            "  outages per year < {} (exact Poisson bound for zero events)",
            rate(b.outages_per_year_upper)
        );
        let _ = writeln!(
            out,
            "  unavailability   < {:.2e}, nines ≥ {}, if outages last at most {} (the longest mean",
            b.unavailability_upper,
            num(b.nines_lower, 2),
            hours(Some(b.assumed_outage_hours)),
        );
        out.push_str("  repair or failover in the model)\n");
        out.push_str("too rare for this many years to estimate: try --rare-events\n");
        if quiet.iter().any(|s| s.analytic_inside == Some(false)) {
            out.push_str(
                "ABOVE BOUND: the analytic unavailability exceeds that bound although its assumptions hold.\n",
            );
        }
    }
}

/// A small rate with enough digits to be read: `0.0060`, `3.0e-5`.
fn rate(x: f64) -> String {
    if x >= 0.01 {
        num(x, 3)
    } else {
        format!("{x:.1e}")
    }
}

/// Downtime, outages and importance.
fn years_sections(out: &mut String, r: &Results) {
    out.push_str("\ndowntime per year (minutes; mean with 95% CI, percentiles over seed-periods)\n");
    let mut rows = vec![vec![
        "endpoint".to_owned(),
        "mean [95% CI]".to_owned(),
        "p50".to_owned(),
        "p95".to_owned(),
        "p99".to_owned(),
    ]];
    for s in &r.endpoints {
        if let Some(d) = &s.downtime_minutes_per_year {
            let mean = if d.mean.has_interval() {
                format!("{} [{}, {}]", minutes(d.mean.value), minutes(d.mean.low), minutes(d.mean.high))
            } else {
                format!("{} [n/a]", minutes(d.mean.value))
            };
            rows.push(vec![s.endpoint.clone(), mean, minutes(d.p50), minutes(d.p95), minutes(d.p99)]);
        }
    }
    out.push_str(&table(&rows));

    out.push_str("\noutages (lengths in minutes; p50/p99 from a log histogram, ±12%)\n");
    let mut rows = vec![vec![
        "endpoint".to_owned(),
        "outages".to_owned(),
        "per year".to_owned(),
        "mean".to_owned(),
        "p50".to_owned(),
        "p99".to_owned(),
        "longest".to_owned(),
        "MTBF".to_owned(),
        "MTTR".to_owned(),
    ]];
    for s in &r.endpoints {
        if let Some(o) = &s.outages {
            rows.push(vec![
                s.endpoint.clone(),
                o.count.to_string(),
                match &s.no_outage {
                    Some(b) => format!("< {}", rate(b.outages_per_year_upper)),
                    None => num(o.per_year, 2),
                },
                minutes(o.mean_minutes),
                minutes(o.p50_minutes),
                minutes(o.p99_minutes),
                if o.count == 0 { "n/a".to_owned() } else { minutes(o.longest_minutes) },
                hours(s.mtbf_hours),
                hours(s.mttr_hours),
            ]);
        }
    }
    out.push_str(&table(&rows));

    let _ = writeln!(
        out,
        "\nimportance: what to fix first (top {RANKING_SHOWN} per endpoint by nines lost = nines gained if it never failed)"
    );
    let mut rows = vec![vec![
        "endpoint".to_owned(),
        "#".to_owned(),
        "component".to_owned(),
        "nines lost".to_owned(),
        "Birnbaum".to_owned(),
        "RAW".to_owned(),
        "RRW".to_owned(),
        "down".to_owned(),
    ]];
    for imp in &r.importance {
        // A class whose loss never coincided with more downtime than its absence costs no
        // nines (noise can make it slightly negative); those are not worth a row.
        let costly: Vec<_> = imp.ranking.iter().filter(|c| c.nines_lost > 0.0).collect();
        for (i, c) in costly.iter().take(RANKING_SHOWN).enumerate() {
            rows.push(vec![
                if i == 0 { imp.endpoint.clone() } else { String::new() },
                (i + 1).to_string(),
                format!("{} {}", c.kind, c.name),
                num(c.nines_lost, 3),
                format!("{:.3e}", c.birnbaum),
                num(c.raw, 1),
                num(c.rrw, 2),
                pct_fine(c.down_fraction).replace('%', "") + "%",
            ]);
        }
        if costly.is_empty() {
            rows.push(vec![imp.endpoint.clone(), "-".to_owned(), "no failure cost it anything".to_owned()]);
        }
    }
    out.push_str(&table(&rows));
}

/// The rare-event estimates beside the plain ones.
fn rare_section(out: &mut String, r: &Results) {
    out.push_str("\nunavailability: failure biasing against plain cycles (same number of cycles)\n");
    let mut rows = vec![vec![
        "endpoint".to_owned(),
        "biased [95% CI]".to_owned(),
        "± nines".to_owned(),
        "plain [95% CI]".to_owned(),
        "variance reduction".to_owned(),
        "downtime/year".to_owned(),
    ]];
    let e = |x: &Estimate| {
        if x.has_interval() {
            format!("{:.3e} [{:.3e}, {:.3e}]", x.value, x.low, x.high)
        } else {
            format!("{:.3e} [n/a]", x.value)
        }
    };
    for s in &r.endpoints {
        if let Some(rs) = &s.rare {
            let down = s.downtime_minutes_per_year.as_ref().map_or(f64::NAN, |d| d.mean.value);
            rows.push(vec![
                s.endpoint.clone(),
                e(&rs.unavailability),
                num(rs.nines_half_width, 3),
                e(&rs.plain_unavailability),
                format!("{}×", num(rs.variance_reduction, 1)),
                format!("{} min", minutes(down)),
            ]);
        }
    }
    out.push_str(&table(&rows));
}
