//! Plots of `faultsim availability` as SVG: the outage-duration histogram (all endpoints on
//! a log axis of outage length) and, per endpoint, the distribution over seeds of its
//! time-based availability and nines (the per-seed histograms of [`super::plots`]).
//!
//! Same rules as [`super::plots`]: pure functions from data to one SVG document each, a
//! title, axes with units, a legend when there is more than one series, deterministic bytes.
//!
//! [`availability_page`] puts the plots and the text report into the `index.html` of an
//! `availability --out DIR`, with the same self-contained page skeleton as the studies.

use plotters::prelude::*;

use super::plots::{
    colour_of, draw_legend, label_font, no_data, render, small_font, title_font, Mark, GRID, LEGEND_WIDTH_PX, MUTED,
    WIDTH_PX,
};
use crate::availability::record::{outage_bin_low_s, OUTAGE_BINS};
use crate::availability::summary::Results;

/// Height of the outage histogram (px).
const HEIGHT_PX: u32 = 420;

/// A plot and the file it is written to.
#[derive(Clone, Debug, PartialEq)]
pub struct AvailabilityPlot {
    /// File name (`outage_durations.svg`).
    pub file: String,
    /// The SVG document.
    pub svg: String,
}

/// Every plot of an availability run (time-based method; the rare-event method has no
/// outages to draw and gets none).
pub fn availability_plots(r: &Results) -> Vec<AvailabilityPlot> {
    if r.meta.method != crate::availability::summary::Method::Years {
        return Vec::new();
    }
    let per_seed: Vec<Vec<f64>> = (0..r.meta.endpoints.len())
        .map(|e| {
            r.data
                .records
                .iter()
                .filter_map(|rec| rec.years.as_ref())
                .filter_map(|y| y.endpoints.get(e).map(|s| 1.0 - s.down_ns as f64 / y.horizon_ns.max(1) as f64))
                .collect()
        })
        .collect();
    vec![
        AvailabilityPlot { file: "outage_durations.svg".to_owned(), svg: outage_durations(r) },
        AvailabilityPlot {
            file: "availability_per_seed.svg".to_owned(),
            svg: super::plots::per_seed_availability(&r.meta.endpoints, &per_seed),
        },
        AvailabilityPlot {
            file: "nines_per_seed.svg".to_owned(),
            svg: super::plots::per_seed_nines(&r.meta.endpoints, &per_seed),
        },
    ]
}

/// What each plot shows, for its caption on the page.
fn caption(file: &str) -> &'static str {
    match file {
        "outage_durations.svg" => "Outages of each endpoint by length, in all seeds (log scale of outage length).",
        "availability_per_seed.svg" => "Distribution over seeds of each endpoint's time-based availability.",
        "nines_per_seed.svg" => "Distribution over seeds of each endpoint's nines of availability.",
        _ => "",
    }
}

/// The self-contained `index.html` of an availability run: a title, what was simulated, each
/// plot inline with its caption, and the text report (availability and nines with their 95%
/// intervals, the analytic cross-check, downtime, outages and the importance ranking) as
/// preformatted text. Inline CSS and SVG only: no scripts, no external URLs.
pub fn availability_page(r: &Results, plots: &[AvailabilityPlot], text: &str) -> String {
    let m = &r.meta;
    let title = if m.scenario.is_empty() {
        format!("Availability: {}", m.topology)
    } else {
        format!("Availability: {}", m.scenario)
    };
    let subtitle = match m.method {
        crate::availability::summary::Method::Years => format!(
            "topology {}, time-based over {} seeds ({:.0} simulated years), {} failure processes",
            m.topology, r.seeds, r.years, m.processes
        ),
        crate::availability::summary::Method::RareEvents => format!(
            "topology {}, rare-event method over {} seeds × {} regenerative cycles, {} failure processes",
            m.topology, r.seeds, m.cycles, m.processes
        ),
    };
    let plots: Vec<(String, String, String)> =
        plots.iter().map(|p| (p.file.clone(), caption(&p.file).to_owned(), p.svg.clone())).collect();
    super::study_plots::page(&title, &subtitle, &plots, text)
}

/// An outage length on the log axis (log10 of minutes) as readable text.
fn length_label(x: f64) -> String {
    let minutes = 10f64.powf(x);
    let s = minutes * 60.0;
    if s < 60.0 {
        format!("{}s", sig(s))
    } else if minutes < 120.0 {
        format!("{}m", sig(minutes))
    } else if minutes < 2.0 * 1440.0 {
        format!("{}h", sig(minutes / 60.0))
    } else {
        format!("{}d", sig(minutes / 1440.0))
    }
}

/// Up to two significant digits.
fn sig(v: f64) -> String {
    if v >= 10.0 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.1}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// Outages per endpoint by length: a step line per endpoint over log-spaced bins (10 per
/// decade), x the outage length on a log axis, y the number of outages in all seeds.
pub fn outage_durations(r: &Results) -> String {
    let title = "Outage durations (all seeds)";
    let series: Vec<(usize, &Vec<u64>)> =
        r.data.outage_bins.iter().enumerate().filter(|(_, b)| b.iter().any(|&c| c > 0)).collect();
    if series.is_empty() {
        return no_data(title, "no endpoint had an outage");
    }
    // Bins 1.. have edges 10^((b−1)/10) s; bin 0 (< 1 s) is drawn from 0.1 s.
    let edge_x = |b: usize| -> f64 {
        let s = if b == 0 { 0.1 } else { outage_bin_low_s(b) };
        (s / 60.0).log10()
    };
    let used: Vec<usize> = (0..OUTAGE_BINS).filter(|&b| series.iter().any(|(_, bins)| bins[b] > 0)).collect();
    let (first, last) = (used.first().copied().unwrap_or(0), used.last().copied().unwrap_or(0));
    let x_lo = edge_x(first) - 0.1;
    let x_hi = edge_x((last + 1).min(OUTAGE_BINS - 1)).max(edge_x(last) + 0.1) + 0.1;
    let y_max = series.iter().flat_map(|(_, b)| b.iter().copied()).max().unwrap_or(1);
    let y_top = y_max + (y_max / 8).max(1);
    render((WIDTH_PX, HEIGHT_PX), title, |root| {
        let body = root.titled(title, title_font())?;
        let (w, _) = body.dim_in_pixel();
        let (plot, legend) = body.split_horizontally(w.saturating_sub(LEGEND_WIDTH_PX));
        let mut chart = ChartBuilder::on(&plot)
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(x_lo..x_hi, 0u64..y_top)?;
        chart
            .configure_mesh()
            .x_desc("outage length (log scale)")
            .y_desc("number of outages")
            .x_label_formatter(&|x| length_label(*x))
            .label_style(small_font())
            .axis_desc_style(label_font())
            .light_line_style(GRID)
            .bold_line_style(MUTED.mix(0.3))
            .draw()?;
        let mut entries = Vec::new();
        for (e, bins) in &series {
            let colour = colour_of(*e);
            let mut points = Vec::new();
            for b in first..=last {
                let (x0, x1) = (edge_x(b), if b + 1 < OUTAGE_BINS { edge_x(b + 1) } else { edge_x(b) + 0.1 });
                points.push((x0, bins[b]));
                points.push((x1, bins[b]));
            }
            chart.draw_series(std::iter::once(PathElement::new(points, colour.stroke_width(2))))?;
            let total: u64 = bins.iter().sum();
            entries.push((format!("{} ({total})", r.meta.endpoints[*e]), Mark::Line(colour)));
        }
        draw_legend(&legend, &entries)
    })
}
