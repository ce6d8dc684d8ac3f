//! Plots and pages of the studies: the FMEA risk heatmap, the metastability map, what-if
//! deltas with their intervals and the topology coloured by cascade probability, each an SVG
//! document, and a small self-contained `index.html` per study (inline CSS and SVG, no
//! scripts) that shows them beside the study's table.
//!
//! Like [`super::plots`], every function is pure and deterministic (same input, same bytes),
//! and every plot has a title, labelled axes with units and a legend (a colour scale where
//! colour carries the value).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use maud::{html, PreEscaped};

use super::html::{document, inline_svg};
use super::plots::{
    self, desc_font, label_font, no_data, probability_fill, render, small_font, title_font, Area, DrawResult, MUTED,
};
use crate::study::cascade::Cascade;
use crate::study::fmea::Fmea;
use crate::study::metastability::Map;
use crate::study::whatif::{Change, WhatIf};
use crate::topology::Topology;

/// Rows of the FMEA heatmap (the highest risks).
pub const HEATMAP_ROWS_MAX: usize = 30;

const CELL_H: i32 = 22;
const LEFT_PX: i32 = 330;
const TOP_PX: i32 = 90;

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

/// Green (1) through yellow to red (0), for recovered fractions.
fn recovered_fill(f: f64) -> RGBColor {
    let f = f.clamp(0.0, 1.0);
    if f >= 0.5 {
        let k = (f - 0.5) * 2.0;
        RGBColor((254.0 - 228.0 * k) as u8, (224.0 - 74.0 * k + 0.0) as u8, (139.0 - 59.0 * k) as u8)
    } else {
        let k = f * 2.0;
        RGBColor((215.0 + 39.0 * k) as u8, (48.0 + 176.0 * k) as u8, (39.0 + 100.0 * k) as u8)
    }
}

fn colour_scale(root: &Area, x: i32, y: i32, title: &str, stops: &[(RGBColor, String)]) -> DrawResult {
    let left = Pos::new(HPos::Left, VPos::Center);
    root.draw(&Text::new(title.to_owned(), (x, y), label_font().pos(left)))?;
    for (k, (fill, label)) in stops.iter().enumerate() {
        let sx = x + k as i32 * 90;
        root.draw(&Rectangle::new([(sx, y + 12), (sx + 18, y + 26)], fill.filled()))?;
        root.draw(&Rectangle::new([(sx, y + 12), (sx + 18, y + 26)], MUTED.stroke_width(1)))?;
        root.draw(&Text::new(label.clone(), (sx + 22, y + 19), small_font().pos(left)))?;
    }
    Ok(())
}

/// The FMEA risk heatmap: the highest-risk failure modes (rows, ranked by RPN) × endpoints
/// (columns), each cell filled by the mean availability drop (white 0 → red 100 percentage
/// points) and labelled with it; the last column is the RPN.
pub fn fmea_heatmap(f: &Fmea) -> String {
    let title = format!("FMEA: availability drop per failure mode and endpoint ({} seeds)", f.settings.seeds.len());
    let endpoints: Vec<String> =
        f.rows.first().map(|r| r.endpoints.iter().map(|e| e.endpoint.clone()).collect()).unwrap_or_default();
    if f.rows.is_empty() || endpoints.is_empty() {
        return no_data(&title, "no failure modes or no endpoints");
    }
    let rows: Vec<_> = f.rows.iter().take(HEATMAP_ROWS_MAX).collect();
    let col_w = 110;
    let width = (LEFT_PX + col_w * (endpoints.len() as i32 + 1) + 30).max(800) as u32;
    let height = (TOP_PX + CELL_H * rows.len() as i32 + 110) as u32;
    render((width, height), &title, |root| {
        let centre = Pos::new(HPos::Center, VPos::Center);
        let right = Pos::new(HPos::Right, VPos::Center);
        root.draw(&Text::new(title.clone(), (width as i32 / 2, 18), title_font().pos(centre)))?;
        root.draw(&Text::new(
            "rows: failure modes ranked by risk (RPN), highest first; columns: endpoints; cell: mean drop (percentage points)",
            (width as i32 / 2, 44),
            desc_font().color(&MUTED).pos(centre),
        ))?;
        root.draw(&Text::new(
            "failure mode (rank. component: mode)",
            (LEFT_PX - 8, TOP_PX - 12),
            label_font().pos(right),
        ))?;
        for (c, e) in endpoints.iter().chain(std::iter::once(&"RPN".to_owned())).enumerate() {
            let x = LEFT_PX + c as i32 * col_w + col_w / 2;
            root.draw(&Text::new(clip(e, 14), (x, TOP_PX - 12), label_font().pos(centre)))?;
        }
        for (i, r) in rows.iter().enumerate() {
            let y = TOP_PX + i as i32 * CELL_H;
            let name = format!("{}. {}: {}", i + 1, r.mode.component, r.mode.mode);
            root.draw(&Text::new(clip(&name, 44), (LEFT_PX - 8, y + CELL_H / 2), small_font().pos(right)))?;
            for (c, e) in r.endpoints.iter().enumerate() {
                let d = e.availability_drop.value;
                let x = LEFT_PX + c as i32 * col_w;
                let fill = if d.is_finite() { probability_fill(d.max(0.0)) } else { RGBColor(221, 221, 221) };
                root.draw(&Rectangle::new([(x, y), (x + col_w, y + CELL_H)], fill.filled()))?;
                root.draw(&Rectangle::new([(x, y), (x + col_w, y + CELL_H)], WHITE.stroke_width(1)))?;
                let label = if d.is_finite() { format!("{:.1}", d * 100.0) } else { "n/a".to_owned() };
                root.draw(&Text::new(label, (x + col_w / 2, y + CELL_H / 2), small_font().pos(centre)))?;
            }
            let x = LEFT_PX + endpoints.len() as i32 * col_w;
            root.draw(&Text::new(format!("{:.0}", r.rpn), (x + col_w / 2, y + CELL_H / 2), small_font().pos(centre)))?;
        }
        let y = TOP_PX + rows.len() as i32 * CELL_H + 30;
        let stops: Vec<(RGBColor, String)> = [0.0, 0.25, 0.5, 0.75, 1.0]
            .iter()
            .map(|&p| (probability_fill(p), format!("{:.0} pp", p * 100.0)))
            .collect();
        colour_scale(
            root,
            20,
            y,
            "cell colour: availability drop while the fault is on (baseline − fault, percentage points)",
            &stops,
        )
    })
}

/// The metastability map: one row per (load, magnitude), one column per trigger duration,
/// each cell filled by the fraction of seeds that recovered (red 0 → green 1) and labelled
/// `k/n`.
pub fn metastability_map(m: &Map) -> String {
    let title = format!("Metastability map: {} (trigger `{}`)", m.scenario, m.trigger);
    let st = &m.settings;
    if m.cells.is_empty() {
        return no_data(&title, "no cells");
    }
    let rows: Vec<(f64, f64)> = st.loads.iter().flat_map(|&l| st.magnitudes.iter().map(move |&g| (l, g))).collect();
    let col_w = 110;
    let left = 220;
    let width = (left + col_w * st.durations.len() as i32 + 40).max(800) as u32;
    let height = (TOP_PX + CELL_H * rows.len() as i32 + 110) as u32;
    render((width, height), &title, |root| {
        let centre = Pos::new(HPos::Center, VPos::Center);
        let right = Pos::new(HPos::Right, VPos::Center);
        root.draw(&Text::new(title.clone(), (width as i32 / 2, 18), title_font().pos(centre)))?;
        root.draw(&Text::new(
            format!(
                "x: trigger duration (s); y: load × and trigger magnitude ×; cell: seeds back to baseline within {}",
                st.deadline
            ),
            (width as i32 / 2, 44),
            desc_font().color(&MUTED).pos(centre),
        ))?;
        root.draw(&Text::new("load ×, magnitude ×", (left - 8, TOP_PX - 12), label_font().pos(right)))?;
        for (c, d) in st.durations.iter().enumerate() {
            let x = left + c as i32 * col_w + col_w / 2;
            root.draw(&Text::new(format!("{} s", d.as_secs_f64()), (x, TOP_PX - 12), label_font().pos(centre)))?;
        }
        for (i, &(load, mag)) in rows.iter().enumerate() {
            let y = TOP_PX + i as i32 * CELL_H;
            root.draw(&Text::new(
                format!("load ×{load}, magnitude ×{mag}"),
                (left - 8, y + CELL_H / 2),
                small_font().pos(right),
            ))?;
            for (c, &d) in st.durations.iter().enumerate() {
                let Some(cell) = m.cells.iter().find(|x| x.load == load && x.magnitude == mag && x.duration == d)
                else {
                    continue;
                };
                let x = left + c as i32 * col_w;
                let f = cell.recovered as f64 / cell.seeds.max(1) as f64;
                root.draw(&Rectangle::new([(x, y), (x + col_w, y + CELL_H)], recovered_fill(f).filled()))?;
                root.draw(&Rectangle::new([(x, y), (x + col_w, y + CELL_H)], WHITE.stroke_width(1)))?;
                let label =
                    format!("{}/{}{}", cell.recovered, cell.seeds, if cell.stuck() > 0 { " stuck" } else { "" });
                root.draw(&Text::new(label, (x + col_w / 2, y + CELL_H / 2), small_font().pos(centre)))?;
            }
        }
        let y = TOP_PX + rows.len() as i32 * CELL_H + 30;
        let stops: Vec<(RGBColor, String)> =
            [0.0, 0.25, 0.5, 0.75, 1.0].iter().map(|&p| (recovered_fill(p), format!("{:.0}%", p * 100.0))).collect();
        colour_scale(root, 20, y, "cell colour: fraction of seeds recovered (red: stuck in every seed)", &stops)
    })
}

/// What-if deltas: per variant, every metric that changed beyond noise (or, if none did, the
/// endpoint metrics) as its paired difference relative to the baseline (%) with the 95%
/// interval as an error bar; green better, red worse, grey neither.
pub fn whatif_deltas(w: &WhatIf) -> String {
    let title = format!("What-if: change against the baseline, paired 95% intervals ({} seeds)", w.seeds.len());
    let mut items: Vec<(String, f64, f64, f64, RGBColor)> = Vec::new();
    for v in &w.variants {
        let changed: Vec<_> = v.metrics.iter().filter(|m| m.change != Change::NoChange).collect();
        let shown: Vec<_> = if changed.is_empty() {
            v.metrics.iter().filter(|m| m.name.contains("availability") || m.name.contains("p99")).collect()
        } else {
            changed
        };
        for m in shown {
            let c = &m.comparison;
            if !(c.baseline.is_finite() && c.baseline != 0.0 && c.delta.value.is_finite()) {
                continue;
            }
            let rel = |x: f64| 100.0 * x / c.baseline.abs();
            let (lo, hi) = if c.delta.has_interval() {
                (rel(c.delta.low), rel(c.delta.high))
            } else {
                (rel(c.delta.value), rel(c.delta.value))
            };
            let colour = match m.change {
                Change::Better => RGBColor(0, 158, 115),
                Change::Worse => RGBColor(213, 94, 0),
                _ => RGBColor(110, 110, 110),
            };
            items.push((clip(&format!("{}: {}", v.name, m.name), 48), rel(c.delta.value), lo, hi, colour));
        }
    }
    if items.is_empty() {
        return no_data(&title, "no metric with a baseline to compare against");
    }
    let lo = items.iter().map(|i| i.2).fold(0.0f64, f64::min);
    let hi = items.iter().map(|i| i.3).fold(0.0f64, f64::max);
    let pad = ((hi - lo) * 0.08).max(1.0);
    let (x0, x1) = ((lo - pad).max(-1e6), (hi + pad).min(1e6));
    let height = (140 + 26 * items.len()) as u32;
    render((plots::WIDTH_PX + 200, height), &title, |root| {
        let body = root.titled(&title, title_font())?;
        let (area, legend) = body.split_vertically(height as i32 - 70);
        let n = items.len();
        let mut chart = ChartBuilder::on(&area)
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(330)
            .build_cartesian_2d(x0..x1, 0f64..n as f64)?;
        let labels: Vec<String> = items.iter().map(|i| i.0.clone()).collect();
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n * 2 + 1)
            .y_label_formatter(&|y| {
                let k = (y - 0.5).round();
                if (y - 0.5 - k).abs() < 1e-6 && k >= 0.0 {
                    labels.get(n - 1 - k as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .x_desc("variant − baseline, relative to the baseline (%)")
            .y_desc("metric")
            .label_style(small_font())
            .draw()?;
        chart
            .draw_series(std::iter::once(PathElement::new(vec![(0.0, 0.0), (0.0, n as f64)], MUTED.stroke_width(1))))?;
        for (k, (_, v, l, h, colour)) in items.iter().enumerate() {
            let y = (n - 1 - k) as f64 + 0.5;
            chart.draw_series(std::iter::once(PathElement::new(vec![(*l, y), (*h, y)], colour.stroke_width(2))))?;
            chart.draw_series(std::iter::once(Circle::new((*v, y), 4, colour.filled())))?;
        }
        let left = Pos::new(HPos::Left, VPos::Center);
        for (k, (c, label)) in [
            (RGBColor(0, 158, 115), "better beyond noise"),
            (RGBColor(213, 94, 0), "worse beyond noise"),
            (RGBColor(110, 110, 110), "changed (neither) or within noise"),
        ]
        .iter()
        .enumerate()
        {
            let x = 20 + k as i32 * 260;
            legend.draw(&Circle::new((x, 30), 5, c.filled()))?;
            legend.draw(&Text::new(*label, (x + 12, 30), small_font().pos(left)))?;
        }
        Ok(())
    })
}

/// The topology coloured by each component's cascade probability as a victim.
pub fn cascade_topology(c: &Cascade, t: &Topology) -> String {
    let probability: Vec<f64> = t
        .components()
        .map(|comp| {
            let name = t.component_name(comp);
            c.components.iter().find(|r| r.component == name).map_or(0.0, |r| r.as_victim)
        })
        .collect();
    plots::topology_cascade_graph(t, &probability)
}

/// A small self-contained page: a title, a subtitle, each plot inline with its caption, and
/// the study's text table as preformatted text.
pub fn page(title: &str, subtitle: &str, plots: &[(String, String, String)], table: &str) -> String {
    let body = html! {
        h1 { (title) }
        p.muted { (subtitle) }
        @for (file, caption, svg) in plots {
            figure.plot {
                (PreEscaped(inline_svg(svg)))
                figcaption { (caption) " " span.note { "(" (file) ")" } }
            }
        }
        h2 { "Table" }
        pre { (table) }
        footer { "faultsim " (env!("CARGO_PKG_VERSION")) }
    };
    document(title, "\npre { font-size: 12px; overflow-x: auto; }\n", body)
}

fn with_page(
    mut files: Vec<(String, String)>,
    title: &str,
    subtitle: &str,
    plots: Vec<(String, String, String)>,
    table: &str,
) -> Vec<(String, String)> {
    files.push(("index.html".to_owned(), page(title, subtitle, &plots, table)));
    files.extend(plots.into_iter().map(|(f, _, svg)| (f, svg)));
    files
}

/// Files an `fmea --out DIR` writes: `fmea.json`, `fmea.md`, `fmea.csv`, the heatmap and
/// `index.html`.
pub fn fmea_files(f: &Fmea, json: &str) -> Vec<(String, String)> {
    let files = vec![
        ("fmea.json".to_owned(), json.to_owned()),
        ("fmea.md".to_owned(), super::study::fmea_markdown(f)),
        ("fmea.csv".to_owned(), super::study::fmea_csv(f)),
    ];
    let plots = vec![(
        "fmea_heatmap.svg".to_owned(),
        "Availability drop of the highest-risk failure modes on each endpoint.".to_owned(),
        fmea_heatmap(f),
    )];
    with_page(
        files,
        &format!("FMEA: {}", f.scenario),
        &format!("topology {}", f.topology),
        plots,
        &super::study::fmea_text(f),
    )
}

/// Files a `cascade --out DIR` writes: `cascade.json`, the coloured topology and `index.html`.
pub fn cascade_files(c: &Cascade, t: &Topology, json: &str) -> Vec<(String, String)> {
    let files = vec![("cascade.json".to_owned(), json.to_owned())];
    let plots = vec![(
        "cascade_topology.svg".to_owned(),
        "Each component coloured by its highest probability of becoming unhealthy without being faulted.".to_owned(),
        cascade_topology(c, t),
    )];
    with_page(
        files,
        &format!("Cascades: {}", c.scenario),
        &format!("topology {}", c.topology),
        plots,
        &super::study::cascade_text(c),
    )
}

/// Files a `metastability --out DIR` writes: `metastability.json`, the map and `index.html`.
pub fn metastability_files(m: &Map, json: &str) -> Vec<(String, String)> {
    let files = vec![("metastability.json".to_owned(), json.to_owned())];
    let plots = vec![(
        "metastability.svg".to_owned(),
        "Fraction of seeds whose goodput came back within the deadline, per cell.".to_owned(),
        metastability_map(m),
    )];
    with_page(
        files,
        &format!("Metastability: {}", m.scenario),
        &format!("topology {}, trigger {}", m.topology, m.trigger),
        plots,
        &super::study::metastability_text(m),
    )
}

/// Files a `whatif --out DIR` writes: `whatif.json`, the deltas plot and `index.html`.
pub fn whatif_files(w: &WhatIf, json: &str) -> Vec<(String, String)> {
    let files = vec![("whatif.json".to_owned(), json.to_owned())];
    let plots = vec![(
        "whatif_deltas.svg".to_owned(),
        "Paired differences of the variants against the baseline, with 95% intervals.".to_owned(),
        whatif_deltas(w),
    )];
    with_page(
        files,
        &format!("What-if: {}", w.scenario),
        "baseline and variants on the same seeds",
        plots,
        &super::study::whatif_text(w, false),
    )
}
