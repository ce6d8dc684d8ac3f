//! The plain-text rendering of an [`Analysis`]: one section per finding, a header line per
//! section and aligned columns, for an SRE reading a terminal or a CI log (no colour).

use std::fmt::Write;

use super::Analysis;

/// Renders the whole report.
pub(super) fn render(a: &Analysis) -> String {
    let mut out = String::new();
    let c = &a.counts;
    let _ = writeln!(
        out,
        "topology: {} ({}, {} in {}, {})",
        a.topology,
        plural(c.services, "service"),
        plural(c.zones, "zone"),
        plural(c.regions, "region"),
        plural(c.endpoints, "endpoint"),
    );

    let av = &a.availability;
    let how = if av.failure_domains == 0 {
        "no zone or region can fail".to_owned()
    } else if av.approximate {
        format!(
            "approximate: {} states with at most 2 of {} failing zones and regions down, covering {:.6}% of the probability, so each value is a lower bound",
            av.states,
            av.failure_domains,
            100.0 * av.covered_probability
        )
    } else {
        format!("exact over {} states of {} failing zones and regions", av.states, av.failure_domains)
    };
    section(&mut out, &format!("availability (analytic, independent failures; {how})"));
    let rows = av
        .endpoints
        .iter()
        .map(|e| {
            let nines = e.nines.map_or_else(|| "∞".to_owned(), |n| format!("{n:.2}"));
            let (le, ge) = if e.upper_bound { ("≤ ", "≥ ") } else { ("", "") };
            vec![
                e.endpoint.clone(),
                format!("{le}{}", availability(e.availability)),
                format!("{le}{nines}"),
                format!("{ge}{}", downtime(e.downtime_minutes_per_year)),
            ]
        })
        .collect();
    table(&mut out, &["endpoint", "availability", "nines", "downtime/year"], rows);
    let left: Vec<_> = av.endpoints.iter().filter(|e| !e.leaves_out.is_empty()).collect();
    if !left.is_empty() {
        let bound = if left.iter().any(|e| e.upper_bound) { "≤: an upper bound. " } else { "" };
        out.push_str(&format!(
            "  {bound}The formula counts a component down only while it is failed; it leaves out the time to notice and restore (the simulation includes it: `faultsim availability`):\n"
        ));
        for e in left {
            out.push_str(&format!("    {}: {}\n", e.endpoint, e.leaves_out.join("; ")));
        }
    }

    section(&mut out, "single points of failure");
    let rows = a
        .single_points_of_failure
        .iter()
        .map(|s| vec![s.kind.as_str().to_owned(), s.name.clone(), s.takes_down.join(", "), s.reason.clone()])
        .collect();
    table(&mut out, &["kind", "name", "takes down", "because"], rows);

    section(&mut out, "single-zone placement");
    let rows = a.single_zone.iter().map(|s| vec![s.kind.as_str().to_owned(), s.name.clone(), s.zone.clone()]).collect();
    table(&mut out, &["kind", "name", "zone"], rows);

    section(&mut out, "non-redundant required components (depth-first from the entry)");
    let rows = a
        .non_redundant
        .iter()
        .map(|chain| {
            let parts: Vec<String> =
                chain.components.iter().map(|c| format!("{} {} ({})", c.kind.as_str(), c.name, c.reason)).collect();
            let list = if parts.is_empty() { "none".to_owned() } else { parts.join(", ") };
            vec![chain.endpoint.clone(), list]
        })
        .collect();
    table(&mut out, &["endpoint", "components"], rows);

    section(&mut out, "call depth");
    let rows = a.depth.iter().map(|d| vec![d.endpoint.clone(), d.depth.to_string(), d.path.clone()]).collect();
    table(&mut out, &["endpoint", "depth", "deepest path"], rows);

    section(&mut out, "retry amplification (worst case: attempts multiplied along a path)");
    let rows = a
        .retry_amplification
        .iter()
        .map(|r| vec![r.endpoint.clone(), format!("{}×", r.factor), r.path.clone()])
        .collect();
    table(&mut out, &["endpoint", "factor", "path"], rows);

    section(&mut out, "fan-out (calls per service)");
    let rows = a.fan_out.iter().map(|f| vec![f.service.clone(), f.calls.to_string()]).collect();
    table(&mut out, &["service", "calls"], rows);

    section(&mut out, "dependency cycles (through async calls or queue deliveries)");
    let rows = a.cycles.iter().map(|c| vec![c.join(", ")]).collect();
    table(&mut out, &["members"], rows);
    out
}

fn section(out: &mut String, title: &str) {
    out.push('\n');
    out.push_str(title);
    out.push('\n');
}

/// Writes rows under a header, each column as wide as its widest cell, indented by two
/// spaces and three apart; "none" when there are no rows.
fn table(out: &mut String, header: &[&str], rows: Vec<Vec<String>>) {
    if rows.is_empty() {
        out.push_str("  none\n");
        return;
    }
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let header: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            // `repeat` rather than `{:pad$}`: a width above 65,535 panics in `format!`.
            .map(|(cell, w)| format!("{cell}{}", " ".repeat(w.saturating_sub(cell.chars().count()))))
            .collect();
        let line = format!("  {}", cells.join("   "));
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// An availability with enough decimals to show its nines and two more digits.
fn availability(a: f64) -> String {
    if a >= 1.0 {
        return "1".to_owned();
    }
    let nines = -(1.0 - a).log10();
    let decimals = (nines.floor().max(0.0) as usize + 3).clamp(6, 15);
    format!("{a:.decimals$}")
}

/// Downtime per year in minutes, or seconds when under a minute.
fn downtime(minutes: f64) -> String {
    if minutes <= 0.0 {
        "0 min".to_owned()
    } else if minutes >= 1.0 {
        format!("{minutes:.1} min")
    } else if minutes * 60.0 >= 1.0 {
        format!("{:.1} s", minutes * 60.0)
    } else {
        format!("{:.3} s", minutes * 60.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(availability(0.999712), "0.999712");
        assert_eq!(availability(0.99999912), "0.999999120");
        assert_eq!(availability(1.0), "1");
        assert_eq!(downtime(151.42), "151.4 min");
        assert_eq!(downtime(0.5), "30.0 s");
        assert_eq!(downtime(0.0), "0 min");
    }

    #[test]
    fn tables_align_columns() {
        let mut out = String::new();
        table(
            &mut out,
            &["a", "bb"],
            vec![vec!["long-name".to_owned(), "1".to_owned()], vec!["x".to_owned(), "22".to_owned()]],
        );
        assert_eq!(out, "  a           bb\n  long-name   1\n  x           22\n");
    }
}
