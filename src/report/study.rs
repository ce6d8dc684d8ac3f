//! Text, markdown, CSV and DOT renderings of the studies (FMEA, cascades, metastability,
//! what-if): pure functions from a study's result to a `String`.

use std::fmt::Write;

use super::table::{Cell, Table};

use super::text::{num, num_ci, pct, sig, table};
use crate::stats::Estimate;
use crate::study::cascade::Cascade;
use crate::study::fmea::{Fmea, Row};
use crate::study::metastability::Map;
use crate::study::whatif::WhatIf;
use crate::units::Duration;

/// Where a study run until settled stopped, and its widest interval there.
pub fn settled_lines(p: &crate::montecarlo::settle::Settled) -> String {
    super::seeds::until_settled(p, |last| {
        let Some(w) = &last.widest else { return String::new() };
        let (half, allowed) = match p.target.figure {
            crate::montecarlo::precision::Figure::Latency => {
                (format!("±{} ms", sig(w.half_width, 3)), format!("±{} ms", sig(w.allowed, 3)))
            }
            _ => (format!("±{}pp", sig(w.half_width * 100.0, 3)), format!("±{}pp", sig(w.allowed * 100.0, 3))),
        };
        format!(
            "  {} of {} intervals within the target; widest: {} {half} (allowed {allowed})\n",
            last.within, last.intervals, w.what
        )
    })
}

/// Percentage points with an interval: `+12.3 pp [10.1, 14.5]`.
fn pp_ci(e: &Estimate) -> String {
    let f = |x: f64| num(x * 100.0, 2);
    if e.has_interval() {
        format!("{} pp [{}, {}]", f(e.value), f(e.low), f(e.high))
    } else {
        format!("{} pp [n/a]", f(e.value))
    }
}

fn secs(s: f64) -> String {
    if s.is_finite() {
        Duration::from_nanos((s * 1e9).round() as u64).to_string()
    } else {
        "n/a".to_owned()
    }
}

fn detected(r: &Row) -> String {
    match r.detection.median_s {
        Some(t) => format!("{}/{} in {}", r.detection.detected, r.detection.seeds, secs(t)),
        None => format!("0/{}", r.detection.seeds),
    }
}

fn recovery(r: &Row) -> String {
    let time = if r.recovery.recovered == 0 {
        String::new()
    } else if r.recovery.time_s.has_interval() {
        format!(
            "{} [{}, {}]",
            num(r.recovery.time_s.value, 1),
            num(r.recovery.time_s.low, 1),
            num(r.recovery.time_s.high, 1)
        )
    } else {
        format!("{} [n/a]", num(r.recovery.time_s.value, 1))
    };
    match (r.recovery.stuck, time.is_empty()) {
        (0, _) => format!("{time} s"),
        (k, true) => format!("stuck {k}/{}", k + r.recovery.recovered),
        (k, false) => format!("{time} s, stuck {k}"),
    }
}

fn fmea_cells(i: usize, r: &Row) -> Vec<String> {
    let worst = r.endpoints.iter().find(|e| e.endpoint == r.worst_endpoint);
    vec![
        (i + 1).to_string(),
        r.mode.component.clone(),
        r.mode.mode.clone(),
        r.worst_endpoint.clone(),
        worst.map_or("n/a".into(), |e| pp_ci(&e.availability_drop)),
        worst.map_or("n/a".into(), |e| format!("{} ms", num_ci(&e.p99_rise_ms, 0))),
        detected(r),
        recovery(r),
        num(r.severity, 1),
        num(r.occurrence_rating, 1),
        num(r.detection_rating, 1),
        num(r.rpn, 0),
        num(r.expected_impact_h, 2),
    ]
}

const FMEA_HEAD: [&str; 13] = [
    "rank",
    "component",
    "mode",
    "worst endpoint",
    "availability drop [95% CI]",
    "p99 rise [95% CI]",
    "detected",
    "recovery [95% CI]",
    "S",
    "O",
    "D",
    "RPN",
    "impact h/yr",
];

fn fmea_header(f: &Fmea) -> String {
    let tl = &f.settings.timeline;
    format!(
        "fmea: {} (topology {}), {} seeds from {}, {} failure modes\nfault from {} to {}, recovery watched until {} (warm-up {}); paired against the same seeds without the fault\n",
        f.scenario,
        f.topology,
        f.settings.seeds.len(),
        f.settings.seeds.first().copied().unwrap_or(0),
        f.rows.len(),
        tl.fault_start,
        tl.fault_end,
        tl.duration,
        tl.warmup
    )
}

/// The FMEA table as text, sorted by risk.
pub fn fmea_text(f: &Fmea) -> String {
    let mut out = fmea_header(f);
    out.push('\n');
    let mut rows = vec![FMEA_HEAD.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()];
    rows.extend(f.rows.iter().enumerate().map(|(i, r)| fmea_cells(i, r)));
    out.push_str(&table(&rows));
    out.push_str(
        "\nS severity (1 + 9 × worst drop or p99 ×10), O occurrence (from MTBF/MTTR or the assumed MTBF), \
D detection (1 caught at once … 10 never), RPN = S×O×D; impact = worst drop × hours per year the mode is present.\n",
    );
    let limited: u64 = f.rows.iter().map(|r| r.limited).sum();
    if limited > 0 {
        let _ = writeln!(out, "warning: {limited} runs stopped at a limit; their rows are inconclusive");
    }
    if let Some(p) = &f.precision {
        out.push_str(&settled_lines(p));
    }
    out
}

/// The FMEA table as GitHub markdown.
pub fn fmea_markdown(f: &Fmea) -> String {
    let mut out = format!("## FMEA: {}\n\n{}\n", f.scenario, fmea_header(f).replace('\n', "  \n"));
    let rows = f.rows.iter().enumerate().map(|(i, r)| fmea_cells(i, r).into_iter().map(Cell::Text).collect());
    out.push_str(&Table::new(&FMEA_HEAD).extend(rows).markdown());
    if let Some(p) = &f.precision {
        out.push('\n');
        out.push_str(&settled_lines(p).replace('\n', "  \n"));
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// The FMEA as CSV: one line per failure mode and endpoint, in risk order.
pub fn fmea_csv(f: &Fmea) -> String {
    let mut out = String::from(
        "rank,component,component_kind,kind,mode,endpoint,availability_drop,drop_low,drop_high,p99_rise_ms,rise_low,rise_high,\
detected,seeds,detection_median_s,recovered,stuck,recovery_s,severity,occurrence,detection,rpn,occurrences_per_year,mean_duration_s,occurrence_source,impact_h_per_year\n",
    );
    for (i, r) in f.rows.iter().enumerate() {
        for e in &r.endpoints {
            let cells = [
                (i + 1).to_string(),
                csv_field(&r.mode.component),
                r.mode.component_kind.to_owned(),
                r.mode.kind.name().to_owned(),
                csv_field(&r.mode.mode),
                csv_field(&e.endpoint),
                format!("{:.6}", e.availability_drop.value),
                format!("{:.6}", e.availability_drop.low),
                format!("{:.6}", e.availability_drop.high),
                format!("{:.3}", e.p99_rise_ms.value),
                format!("{:.3}", e.p99_rise_ms.low),
                format!("{:.3}", e.p99_rise_ms.high),
                r.detection.detected.to_string(),
                r.detection.seeds.to_string(),
                r.detection.median_s.map_or(String::new(), |t| format!("{t:.3}")),
                r.recovery.recovered.to_string(),
                r.recovery.stuck.to_string(),
                format!("{:.3}", r.recovery.time_s.value),
                format!("{:.3}", r.severity),
                format!("{:.3}", r.occurrence_rating),
                format!("{:.3}", r.detection_rating),
                format!("{:.1}", r.rpn),
                format!("{:.4}", r.mode.occurrence.per_year),
                format!("{:.1}", r.mode.occurrence.mean_duration_s),
                format!("{:?}", r.mode.occurrence.source).to_lowercase(),
                format!("{:.4}", r.expected_impact_h),
            ];
            let _ = writeln!(out, "{}", cells.join(","));
        }
    }
    out
}

/// The cascade analysis as text.
pub fn cascade_text(c: &Cascade) -> String {
    let tl = &c.settings.timeline;
    let th = &c.settings.thresholds;
    let mut out = format!(
        "cascade: {} (topology {}), {} seeds, {} initiating faults from {} to {}, watched until {}\n\
unhealthy: ≥ {} of answers failing or workers ≥ {} busy over {} buckets; services already unhealthy without the fault do not count\n\n",
        c.scenario,
        c.topology,
        c.settings.seeds.len(),
        c.initiators.len(),
        tl.fault_start,
        tl.fault_end,
        tl.duration,
        pct(th.error_rate),
        pct(th.saturation),
        th.window_buckets
    );
    let mut rows = vec![[
        "initiator",
        "mode",
        "P(cascade) [95% CI]",
        "size [95% CI]",
        "max depth",
        "victims (probability, depth)",
    ]
    .map(str::to_owned)
    .to_vec()];
    for i in &c.initiators {
        let victims: Vec<String> = i
            .victims
            .iter()
            .map(|v| {
                format!("{} {} d{}", v.service, pct(v.probability.value), v.depth.map_or("?".into(), |d| d.to_string()))
            })
            .collect();
        rows.push(vec![
            i.mode.component.clone(),
            i.mode.mode.clone(),
            super::text::pct_ci(&i.probability),
            num_ci(&i.size, 2),
            (i.depth_histogram.len() - 1).to_string(),
            if victims.is_empty() { "-".into() } else { victims.join(", ") },
        ]);
    }
    out.push_str(&table(&rows));
    out.push_str("\ncascade risk per component (as initiator: mean victims of its worst mode; as victim: highest probability of being pulled in)\n");
    let mut rows = vec![["component", "as initiator", "as victim"].map(str::to_owned).to_vec()];
    for r in c.components.iter().filter(|r| r.as_initiator > 0.0 || r.as_victim > 0.0) {
        rows.push(vec![r.component.clone(), num(r.as_initiator, 2), pct(r.as_victim)]);
    }
    if rows.len() == 1 {
        out.push_str("  no cascades seen\n");
    } else {
        out.push_str(&table(&rows));
    }
    if let Some(p) = &c.precision {
        out.push('\n');
        out.push_str(&settled_lines(p));
    }
    out
}

/// The topology as Graphviz DOT, each node filled by its cascade probability as a victim
/// (white 0 → red 1) and labelled with both scores.
pub fn cascade_dot(c: &Cascade, t: &crate::topology::Topology) -> String {
    let mut out = format!(
        "digraph \"{}\" {{\n  rankdir=LR;\n  node [shape=box, style=filled, fontname=\"Helvetica\"];\n",
        t.name()
    );
    let _ = writeln!(
        out,
        "  label=\"cascade probability: {} ({} seeds)\";",
        c.scenario.replace('"', "'"),
        c.settings.seeds.len()
    );
    for comp in t.components() {
        let name = t.component_name(comp);
        let risk = c.components.iter().find(|r| r.component == name);
        let (p, init) = risk.map_or((0.0, 0.0), |r| (r.as_victim, r.as_initiator));
        // White to red through the green and blue channels.
        let g = (255.0 * (1.0 - p.clamp(0.0, 1.0))).round() as u8;
        let _ = writeln!(
            out,
            "  \"{name}\" [fillcolor=\"#ff{g:02x}{g:02x}\", label=\"{name}\\n{}\\nvictim {}  initiator {}\"];",
            crate::topology::Topology::component_kind(comp),
            pct(p),
            num(init, 2)
        );
    }
    for e in t.graph().edge_indices() {
        if let Some((a, b)) = t.graph().edge_endpoints(e) {
            let _ =
                writeln!(out, "  \"{}\" -> \"{}\";", t.component_name(t.graph()[a]), t.component_name(t.graph()[b]));
        }
    }
    out.push_str("}\n");
    out
}

/// The metastability map as text: per load, magnitudes down and durations across, each cell
/// the seeds that recovered within the deadline (`STUCK` marks cells where some did not).
pub fn metastability_text(m: &Map) -> String {
    let st = &m.settings;
    let mut out = format!(
        "metastability: {} (topology {}), trigger `{}`, {} seeds per cell\n\
recovered = goodput back to 90% of the same seed's untriggered baseline (5 buckets) within {} after the trigger ends\n",
        m.scenario,
        m.topology,
        m.trigger,
        st.seeds.len(),
        st.deadline
    );
    for &load in &st.loads {
        let _ = writeln!(out, "\nload ×{}", num(load, 2));
        let mut head = vec!["magnitude \\ duration".to_owned()];
        head.extend(st.durations.iter().map(|d| d.to_string()));
        let mut rows = vec![head];
        for &mag in &st.magnitudes {
            let mut row = vec![format!("×{}", num(mag, 2))];
            for &d in &st.durations {
                let cell = m.cells.iter().find(|c| c.load == load && c.magnitude == mag && c.duration == d);
                row.push(cell.map_or("-".into(), |c| {
                    let tag = if c.stuck() > 0 { " STUCK" } else { "" };
                    format!("{}/{}{tag}", c.recovered, c.seeds)
                }));
            }
            rows.push(row);
        }
        out.push_str(&table(&rows));
    }
    let _ = writeln!(out, "\nstuck cells: {} of {}", m.stuck_cells(), m.cells.len());
    if let Some(p) = &m.precision {
        out.push('\n');
        out.push_str(&settled_lines(p));
    }
    out
}

fn value(x: f64, unit: &str) -> String {
    match unit {
        "" if x.abs() <= 1.0 => pct(x),
        "ms" => format!("{} ms", num(x, 1)),
        "s" => format!("{} s", num(x, 2)),
        _ => num(x, 1),
    }
}

fn delta(e: &Estimate, unit: &str, availability_like: bool) -> String {
    if availability_like {
        return pp_ci(e);
    }
    let d = if unit == "ms" { 1 } else { 2 };
    let u = if unit.is_empty() { String::new() } else { format!(" {unit}") };
    if e.has_interval() {
        format!("{}{u} [{}, {}]", num(e.value, d), num(e.low, d), num(e.high, d))
    } else {
        format!("{}{u} [n/a]", num(e.value, d))
    }
}

/// The what-if table as text: per variant, every metric that changed beyond noise first
/// (better, worse, changed), then how many did not. `all` lists the unchanged ones too.
pub fn whatif_text(w: &WhatIf, all: bool) -> String {
    use crate::study::whatif::Change;
    let mut out = format!(
        "what-if: {}, {} seeds shared by baseline and variants (common random numbers); Δ = variant − baseline, paired 95% CI\n",
        w.scenario,
        w.seeds.len()
    );
    for v in &w.variants {
        let _ = writeln!(
            out,
            "\nvariant `{}`{}",
            v.name,
            if v.description.is_empty() { String::new() } else { format!(": {}", v.description) }
        );
        let mut rows = vec![["metric", "baseline", "variant", "Δ [95% CI paired]", "unpaired CI width", "verdict"]
            .map(str::to_owned)
            .to_vec()];
        let mut quiet = 0;
        let mut ordered: Vec<&crate::study::whatif::Metric> = v.metrics.iter().collect();
        ordered.sort_by_key(|m| match m.change {
            Change::Better => 0,
            Change::Worse => 1,
            Change::Changed => 2,
            Change::NoChange => 3,
        });
        for m in ordered {
            if m.change == Change::NoChange && !all {
                quiet += 1;
                continue;
            }
            let share = m.unit.is_empty();
            let c = &m.comparison;
            rows.push(vec![
                m.name.clone(),
                value(c.baseline, m.unit),
                value(c.variant, m.unit),
                delta(&c.delta, m.unit, share),
                if share {
                    format!("{} pp", num(2.0 * c.unpaired.half_width() * 100.0, 2))
                } else {
                    num(2.0 * c.unpaired.half_width(), 2)
                },
                match m.change {
                    Change::Better => "better".to_owned(),
                    Change::Worse => "WORSE".to_owned(),
                    Change::Changed => "changed".to_owned(),
                    Change::NoChange => "no change beyond noise".to_owned(),
                },
            ]);
        }
        out.push_str(&table(&rows));
        if quiet > 0 {
            let _ = writeln!(out, "  … and {quiet} metrics with no change beyond noise (--all lists them)");
        }
        if v.limited > 0 {
            let _ = writeln!(out, "  warning: {} seeds stopped at a limit", v.limited);
        }
    }
    if let Some(p) = &w.precision {
        out.push('\n');
        out.push_str(&settled_lines(p));
    }
    out
}
