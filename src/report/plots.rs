//! Plots as SVG text: availability and latency over time, latency CDFs, per-seed
//! distributions of availability and nines, and the topology as a layered graph.
//!
//! Every plot is a pure function from data to a `String` holding one complete SVG document,
//! so the HTML report can inline it and the binary can write it to a file; nothing here does
//! IO. The output is deterministic: the same input gives the same bytes (no `HashMap`, no
//! clock, colours from a fixed palette in endpoint order), so plots can be diffed and
//! snapshot-tested. Text is emitted as SVG `<text>` in the `sans-serif` family and measured
//! with plotters' built-in estimate, so no font files are read.
//!
//! Every plot has a title, axes labelled with their units, and a legend whenever it shows
//! more than one series. Inputs that leave nothing to draw (no endpoints, no samples) give a
//! plot that says "no data" and why, instead of an error. Drawing into a `String` cannot
//! fail for IO reasons, so the functions return `String`: should plotters still report an
//! error, the result is a minimal valid SVG that shows the plot's title and the error text.
//!
//! Time-series inputs come from one run ([`SeriesPlotInput::of_run`]) or from many seeds
//! summed ([`SeriesPlotInput::of_results`]); fault windows from the scenario
//! ([`fault_windows`]); per-seed availabilities from the merged records
//! ([`per_seed_availabilities`]). This module is the only user of plotters.

use std::collections::VecDeque;
use std::ops::Range;

use plotters::coord::Shift;
use plotters::drawing::DrawingAreaErrorKind;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::analysis;
use crate::metrics::health::ServiceBucket;
use crate::metrics::run::{Bucket, RunMetrics};
use crate::metrics::LatencyHistogram;
use crate::montecarlo::partial::Partial;
use crate::montecarlo::summary::Results;
use crate::scenario::Scenario;
use crate::spec::CallMode;
use crate::topology::{ComponentId, Edge, EndpointId, Topology};

/// Width of the chart plots (px).
pub const WIDTH_PX: u32 = 800;
/// Height of the chart plots (px); histograms with many endpoints grow taller.
pub const HEIGHT_PX: u32 = 400;
/// Nines shown for a seed with no failed request (infinite nines), and the most shown at all.
pub const NINES_CAP: f64 = 9.0;
/// Endpoints drawn as separate panels in a per-seed histogram; the rest are named as omitted.
pub const PANELS_MAX: usize = 12;
/// Components and endpoints drawn in a topology graph; a larger topology gets a message.
pub const GRAPH_NODES_MAX: usize = 400;

/// Width of the legend column right of a chart (px).
pub(super) const LEGEND_WIDTH_PX: u32 = 190;
/// Height of one legend row (px).
const LEGEND_ROW_PX: i32 = 20;
/// Characters of a label kept in a legend or a graph node before it is cut with "…".
const LABEL_CHARS_MAX: usize = 24;
/// Points of a latency CDF, log-spaced over its x range.
const CDF_POINTS: usize = 400;
/// Most histogram bins per endpoint.
const BINS_MAX: usize = 40;
/// Rows of fault-window names above a time chart, and their height (px).
const WINDOW_LABEL_ROWS: usize = 3;
const WINDOW_LABEL_PX: i32 = 14;
/// Font family of all text; SVG viewers resolve it, so no font file is needed here.
const FONT: &str = "sans-serif";

/// Series colours, in endpoint order: the Okabe–Ito palette (safe for colour blindness),
/// without its yellow, which is too light on white.
const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
];
/// Fill of a fault window (the first; see [`FAULT_FILLS`]).
const FAULT_FILL: RGBAColor = RGBAColor(214, 39, 40, 0.15);
/// Fills of the fault windows, in turn, so that each window of a scenario has its own colour
/// and its name in the legend (the first is [`FAULT_FILL`]).
const FAULT_FILLS: [RGBAColor; 6] = [
    FAULT_FILL,
    RGBAColor(148, 103, 189, 0.18),
    RGBAColor(255, 127, 14, 0.18),
    RGBAColor(23, 190, 207, 0.18),
    RGBAColor(140, 86, 75, 0.18),
    RGBAColor(227, 119, 194, 0.18),
];
/// Colours of the fault windows' names, matching [`FAULT_FILLS`].
pub(super) const FAULT_TEXTS: [RGBColor; 6] = [
    RGBColor(160, 30, 30),
    RGBColor(104, 64, 145),
    RGBColor(178, 84, 0),
    RGBColor(10, 120, 135),
    RGBColor(100, 58, 50),
    RGBColor(170, 60, 140),
];
/// Fill of the warm-up, whose requests are not measured.
const WARMUP_FILL: RGBAColor = RGBAColor(120, 120, 120, 0.18);
/// Colour of the light grid lines.
pub(crate) const GRID: RGBColor = RGBColor(232, 232, 232);
/// Colour of secondary text and guide lines.
pub(crate) const MUTED: RGBColor = RGBColor(110, 110, 110);

/// A fault window on the time axis of a plot.
#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    /// Label drawn at the top of the shaded band.
    pub name: String,
    /// Start (s from the start of the run).
    pub start_s: f64,
    /// End (s from the start of the run).
    pub end_s: f64,
}

/// The fault windows of a scenario, in file order; a window without an end lasts until the
/// end of the run (the scenario's duration).
pub fn fault_windows(s: &Scenario) -> Vec<Window> {
    s.faults
        .iter()
        .map(|f| Window {
            name: f.name.clone(),
            start_s: f.start.as_secs_f64(),
            end_s: f.end.unwrap_or(s.duration).as_secs_f64(),
        })
        .collect()
}

/// What the over-time plots need: per endpoint a series of time buckets, and the periods to
/// shade. Owns its data so that it can be built from one run or from many seeds alike.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesPlotInput {
    /// Endpoint names, in topology order.
    pub endpoints: Vec<String>,
    /// Per endpoint (same order), completions per bucket from time 0.
    pub series: Vec<Vec<Bucket>>,
    /// Width of a bucket (ns).
    pub bucket_ns: u64,
    /// End of the warm-up (s); shaded grey because nothing in it is measured.
    pub warmup_s: f64,
    /// End of the time axis (s), normally the scenario's duration.
    pub end_s: f64,
    /// Fault windows, shaded light red with their names.
    pub windows: Vec<Window>,
    /// Service names, in topology order.
    pub services: Vec<String>,
    /// Per service (same order), its answers, retries, workers and queue per bucket from time 0.
    pub service_series: Vec<Vec<ServiceBucket>>,
    /// Seeds summed into the series (rates are shown per seed).
    pub seeds: u64,
}

impl SeriesPlotInput {
    /// The series of one run of `scenario`, with the scenario's fault windows.
    pub fn of_run(m: &RunMetrics, scenario: &Scenario) -> SeriesPlotInput {
        SeriesPlotInput {
            endpoints: m.endpoints.iter().map(|e| e.name.clone()).collect(),
            series: m.endpoints.iter().map(|e| e.series.clone()).collect(),
            bucket_ns: m.bucket_ns,
            warmup_s: scenario.warmup.as_secs_f64(),
            end_s: scenario.duration.as_secs_f64(),
            windows: fault_windows(scenario),
            services: m.services.iter().map(|s| s.name.clone()).collect(),
            service_series: m.service_series.clone(),
            seeds: 1,
        }
    }

    /// The series of many seeds, summed per bucket, with the given fault windows (see
    /// [`fault_windows`]; the results alone do not record them).
    pub fn of_results(r: &Results, windows: Vec<Window>) -> SeriesPlotInput {
        SeriesPlotInput {
            endpoints: r.meta.endpoints.iter().map(|e| e.name.clone()).collect(),
            series: r.data.series.clone(),
            bucket_ns: r.meta.bucket_ns,
            warmup_s: r.meta.warmup_ns as f64 / 1e9,
            end_s: r.meta.duration_ns as f64 / 1e9,
            windows,
            services: r.meta.services.clone(),
            service_series: r.data.service_series.clone(),
            seeds: r.seeds,
        }
    }
}

/// Per endpoint, the availability (served / finished, a fraction in [0, 1]) of every seed in
/// seed order: the input of [`per_seed_availability`] and [`per_seed_nines`].
pub fn per_seed_availabilities(data: &Partial, endpoints: usize) -> Vec<Vec<f64>> {
    (0..endpoints)
        .map(|e| data.records.iter().filter_map(|r| r.endpoints.get(e)).map(|s| s.availability()).collect())
        .collect()
}

/// Availability over time: per endpoint and bucket, served / (served + failed) in %, with
/// empty buckets left out (the line breaks there). The y axis zooms in on the lowest value
/// so that a dip of 0.1% is visible; fault windows are shaded, each in its own colour, with their names
/// and the warm-up grey.
pub fn availability_over_time(input: &SeriesPlotInput) -> String {
    let title = "Availability over time";
    let lines = time_lines(input, |b| {
        let finished = b.served + b.failed;
        (finished > 0).then(|| 100.0 * b.served as f64 / finished as f64)
    });
    let Some(lowest) = lowest_value(&lines) else {
        return no_data(title, "no endpoint finished a request");
    };
    // A nice lower bound a little under the lowest value, and never less than a 1% span.
    let span = (100.0 - lowest).max(1.0);
    let step = 10f64.powf(span.log10().floor());
    let y_lo = (((lowest - 0.1 * span) / step).floor() * step).max(0.0);
    let y_hi = 100.0 + 0.03 * (100.0 - y_lo);
    render((WIDTH_PX, HEIGHT_PX), title, |root| {
        time_chart(root, input, title, "availability (%)", &endpoint_lines(input, lines.clone()), y_lo..y_hi, &[])
    })
}

/// A horizontal line across a time chart: an endpoint's objective.
#[derive(Clone, Debug, PartialEq)]
pub struct Guide {
    /// Its height on the y axis.
    pub value: f64,
    /// Its legend entry.
    pub label: String,
    /// The endpoint whose colour it takes (grey when it belongs to none).
    pub endpoint: Option<usize>,
}

/// Availability over time on a nines scale (−log10 of the failed fraction per bucket, all
/// seeds summed), with each endpoint's SLO target as a dashed line in its colour, so that the
/// buckets that burn error budget sit visibly below the line. A bucket without a failure has
/// no finite nines (and its count may be too small to show the target's): it is drawn at the
/// top edge, "no failure seen", rather than at a made-up value. `slos` holds each endpoint's
/// availability target, if any.
pub fn nines_over_time(input: &SeriesPlotInput, slos: &[Option<f64>]) -> String {
    let title = "Availability over time, in nines";
    let nines = |b: &Bucket, clean: Option<f64>| {
        let finished = b.served + b.failed;
        if finished == 0 {
            return None;
        }
        if b.failed == 0 {
            return clean;
        }
        Some(-(b.failed as f64 / finished as f64).log10())
    };
    let guides: Vec<Guide> = slos
        .iter()
        .enumerate()
        .filter_map(|(e, t)| {
            let t = (*t)?;
            let name = input.endpoints.get(e).map_or("", String::as_str);
            Some(Guide { value: -(1.0 - t).log10(), label: format!("SLO {name}: {}", percent(t)), endpoint: Some(e) })
        })
        .collect();
    let failing = time_lines(input, |b| nines(b, None));
    let any = input.series.iter().flatten().any(|b| b.served + b.failed > 0);
    if !any {
        return no_data(title, "no endpoint finished a request");
    }
    let top = guides.iter().map(|g| g.value).fold(highest_value(&failing).unwrap_or(1.0), f64::max);
    let y_hi = (top + 0.5).ceil();
    let lines = time_lines(input, |b| nines(b, Some(y_hi)));
    render((WIDTH_PX, HEIGHT_PX), title, |root| {
        time_chart(
            root,
            input,
            title,
            "nines (top edge: no failure seen)",
            &endpoint_lines(input, lines.clone()),
            0.0..y_hi * 1.02,
            &guides,
        )
    })
}

/// Mean latency over time: per endpoint and bucket, the mean latency of the requests served
/// in it (ms), with buckets that served nothing left out; shaded like
/// [`availability_over_time`].
pub fn latency_over_time(input: &SeriesPlotInput) -> String {
    let title = "Mean latency over time";
    let lines = time_lines(input, |b| (b.served > 0).then(|| b.served_latency_ns as f64 / b.served as f64 / 1e6));
    let Some(highest) = highest_value(&lines) else {
        return no_data(title, "no endpoint served a request");
    };
    let y_hi = if highest > 0.0 { highest * 1.1 } else { 1.0 };
    render((WIDTH_PX, HEIGHT_PX), title, |root| {
        time_chart(root, input, title, "mean latency (ms)", &endpoint_lines(input, lines.clone()), 0.0..y_hi, &[])
    })
}

/// The cumulative distribution of served latency: x = latency (ms, log scale, so that the
/// median and the tail both get room), y = fraction of requests at most that slow; one line
/// per endpoint with samples (the legend gives each endpoint's p99), and guide lines at
/// p50, p90 and p99. `histograms` is indexed like `endpoints`.
pub fn latency_cdf(endpoints: &[String], histograms: &[LatencyHistogram]) -> String {
    let title = "Latency distribution of served requests (CDF)";
    // Per endpoint with samples: its index and its buckets as (ms, cumulative fraction).
    let mut curves: Vec<(usize, Vec<(f64, f64)>)> = Vec::new();
    for (i, h) in histograms.iter().enumerate().take(endpoints.len()) {
        let b = h.to_buckets();
        if b.count == 0 {
            continue;
        }
        let mut seen = 0u64;
        let steps = b
            .buckets
            .iter()
            .map(|&(ns, n)| {
                seen += n;
                (ns as f64 / 1e6, seen as f64 / b.count as f64)
            })
            .collect();
        curves.push((i, steps));
    }
    if curves.is_empty() {
        return no_data(title, "no endpoint has latency samples");
    }
    // The x range spans every endpoint's fastest to slowest bucket, widened a little; a log
    // axis needs a positive start, so it is at least 1 ns.
    let first = curves.iter().filter_map(|(_, s)| s.first()).map(|p| p.0).fold(f64::INFINITY, f64::min);
    let last = curves.iter().filter_map(|(_, s)| s.last()).map(|p| p.0).fold(0.0, f64::max);
    let x_lo = (first / 1.5).max(1e-6);
    let x_hi = (last * 1.5).max(x_lo * 10.0);
    render((WIDTH_PX, HEIGHT_PX), title, |root| {
        let body = root.titled(title, title_font())?;
        let (w, _) = body.dim_in_pixel();
        let (plot, legend) = body.split_horizontally(w.saturating_sub(LEGEND_WIDTH_PX));
        let mut chart = ChartBuilder::on(&plot)
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d((x_lo..x_hi).log_scale(), 0.0..1.02)?;
        chart
            .configure_mesh()
            .x_desc("latency (ms, log scale)")
            .y_desc("fraction of requests ≤ latency")
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| tick(*v))
            .label_style(label_font())
            .axis_desc_style(desc_font())
            .light_line_style(GRID)
            .draw()?;
        for (q, name) in [(0.5, "p50"), (0.9, "p90"), (0.99, "p99")] {
            chart.draw_series(std::iter::once(DashedPathElement::new(
                vec![(x_lo, q), (x_hi, q)],
                4,
                4,
                MUTED.stroke_width(1),
            )))?;
            chart.draw_series(std::iter::once(
                EmptyElement::at((x_lo, q)) + Text::new(name, (4, -14), small_font().color(&MUTED)),
            ))?;
        }
        let mut entries = Vec::new();
        for (i, steps) in &curves {
            let colour = colour_of(*i);
            let points = cdf_points(steps, x_lo, x_hi);
            chart.draw_series(LineSeries::new(points, colour.stroke_width(2)))?;
            let p99_ms = histograms[*i].percentile_ns(99.0) as f64 / 1e6;
            entries.push((format!("{} (p99 {} ms)", clip(&endpoints[*i], 14), sig3(p99_ms)), Mark::Line(colour)));
        }
        if entries.len() > 1 {
            draw_legend(&legend, &entries)?;
        }
        Ok(())
    })
}

/// Histograms of the per-seed availability (%), one panel per endpoint (small multiples,
/// each with its own x range so that the spread of every endpoint is readable), captioned
/// with the endpoint's name, number of seeds and min / median / max. `per_seed[e]` holds
/// endpoint `e`'s availability per seed as fractions in [0, 1]
/// ([`per_seed_availabilities`]); non-finite values are left out.
pub fn per_seed_availability(endpoints: &[String], per_seed: &[Vec<f64>]) -> String {
    let values: Vec<Vec<f64>> =
        per_seed.iter().map(|v| finite(v).map(|a| 100.0 * a.clamp(0.0, 1.0)).collect()).collect();
    seed_histograms(
        "Availability per seed",
        "availability of the seed (%)",
        endpoints,
        &values,
        &|v| percent(v / 100.0),
        &|_| String::new(),
    )
}

/// Histograms of the per-seed nines, −log10(1 − availability), laid out like
/// [`per_seed_availability`] and from the same input. A seed without a failed request has
/// infinite nines; it is drawn at [`NINES_CAP`] (as is anything above it), which the axis
/// label and the panel caption say.
pub fn per_seed_nines(endpoints: &[String], per_seed: &[Vec<f64>]) -> String {
    let values: Vec<Vec<f64>> = per_seed.iter().map(|v| finite(v).map(nines).collect()).collect();
    let x_desc = format!("nines = −log10(1 − availability); 100% drawn as {NINES_CAP}");
    seed_histograms("Nines per seed", &x_desc, endpoints, &values, &|v| format!("{v:.2}"), &|v| {
        let capped = v.iter().filter(|&&x| x >= NINES_CAP).count();
        if capped > 0 {
            format!(", {capped} at the cap")
        } else {
            String::new()
        }
    })
}

/// The topology as a layered graph. Columns are call depth from the endpoints' entry
/// services (endpoints first, then depth 0, 1, … left to right; components no endpoint
/// reaches come last); horizontal bands are failure domains: one per zone holding the
/// components placed in that zone only, then "several zones", then "outside" (externals).
/// Each component is a box coloured by the availability of the worst endpoint that
/// requires it (red below 90% to green at 99.99% and above, grey when no endpoint requires
/// it); each endpoint is a box coloured by its own availability. Arrows are calls (solid when
/// required and sync, long dashes when optional, short dashes when async), queue deliveries
/// and cache misses (short dashes). `availability` holds the measured availability of each
/// endpoint in endpoint order, as fractions (the mean over seeds); missing or
/// non-finite entries count as unknown. The picture grows with the topology (at least
/// 800 px wide); above [`GRAPH_NODES_MAX`] boxes it is replaced by a message.
pub fn topology_graph(t: &Topology, availability: &[f64]) -> String {
    let title = format!("Topology {}: call depth left to right, failure domains top to bottom", t.name());
    let components: Vec<ComponentId> = t.components().collect();
    let boxes = components.len() + t.endpoints().len();
    if boxes == 0 {
        return no_data(&title, "the topology has no components");
    }
    if boxes > GRAPH_NODES_MAX {
        return no_data(&title, &format!("too many boxes to draw: {boxes} (limit {GRAPH_NODES_MAX})"));
    }
    let layout = GraphLayout::new(t, &components, availability, None);
    render((layout.width, layout.height), &title, |root| layout.draw(root, t, &title))
}

/// The topology drawn like [`topology_graph`], each component coloured by the probability
/// that it becomes unhealthy in a cascade (`probability[c]` by component in
/// [`Topology::components`] order; white 0 → red 1), for `faultsim cascade`.
pub fn topology_cascade_graph(t: &Topology, probability: &[f64]) -> String {
    let title = format!("Topology {}: probability of being pulled into a cascade", t.name());
    let components: Vec<ComponentId> = t.components().collect();
    let boxes = components.len() + t.endpoints().len();
    if boxes == 0 || boxes > GRAPH_NODES_MAX {
        return no_data(&title, &format!("{boxes} boxes to draw (limit {GRAPH_NODES_MAX})"));
    }
    let layout = GraphLayout::new(t, &components, &[], Some(probability));
    render((layout.width, layout.height), &title, |root| layout.draw(root, t, &title))
}

/// White (0) to red (1), for probabilities.
pub(crate) fn probability_fill(p: f64) -> RGBColor {
    let g = (255.0 * (1.0 - p.clamp(0.0, 1.0) * 0.85)).round() as u8;
    RGBColor(255, g, g)
}

// ---------------------------------------------------------------------------------------
// Shared drawing machinery.
// ---------------------------------------------------------------------------------------

/// The drawing area of a whole plot.
pub(crate) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
/// What plotters reports when drawing into an SVG string fails.
pub(crate) type DrawResult<T = ()> = Result<T, DrawingAreaErrorKind<std::io::Error>>;

/// Draws a plot of `size` into a fresh SVG string; on a drawing error, the SVG says so.
pub(crate) fn render(size: (u32, u32), title: &str, draw: impl FnOnce(&Area) -> DrawResult) -> String {
    let mut svg = String::new();
    let result = {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).and_then(|()| draw(&root)).and_then(|()| root.present())
    };
    match result {
        Ok(()) => svg,
        Err(e) => fallback_svg(size, title, &format!("plot failed: {e}")),
    }
}

/// A plot with only its title and a centred message saying why there is nothing to draw.
pub(crate) fn no_data(title: &str, why: &str) -> String {
    let message = format!("no data: {why}");
    render((WIDTH_PX, HEIGHT_PX), title, |root| {
        let body = root.titled(title, title_font())?;
        let (w, h) = body.dim_in_pixel();
        let style = desc_font().color(&MUTED).pos(Pos::new(HPos::Center, VPos::Center));
        body.draw(&Text::new(message.as_str(), (w as i32 / 2, h as i32 / 2), style))
    })
}

/// A minimal SVG written by hand, for when plotters itself failed.
fn fallback_svg((w, h): (u32, u32), title: &str, message: &str) -> String {
    format!(
        "<svg width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" xmlns=\"http://www.w3.org/2000/svg\">\n\
         <rect width=\"{w}\" height=\"{h}\" fill=\"#FFFFFF\"/>\n\
         <text x=\"{x}\" y=\"30\" font-family=\"{FONT}\" font-size=\"20\" text-anchor=\"middle\">{title}</text>\n\
         <text x=\"{x}\" y=\"{y}\" font-family=\"{FONT}\" font-size=\"14\" text-anchor=\"middle\">{message}</text>\n\
         </svg>\n",
        x = w / 2,
        y = h / 2,
        title = super::escape::html(title),
        message = super::escape::html(message),
    )
}

pub(crate) fn title_font() -> TextStyle<'static> {
    (FONT, 20).into_font().into()
}

pub(crate) fn desc_font() -> TextStyle<'static> {
    (FONT, 14).into_font().into()
}

pub(crate) fn label_font() -> TextStyle<'static> {
    (FONT, 12).into_font().into()
}

pub(crate) fn small_font() -> TextStyle<'static> {
    (FONT, 11).into_font().into()
}

/// The colour of the series at `index` (endpoint order), cycling through the palette.
pub(crate) fn colour_of(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}

/// A tick label: the number with at most six decimals and no trailing zeros.
pub(super) fn tick(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let s = trimmed(v, 6);
    if s == "-0" {
        "0".to_owned()
    } else {
        s
    }
}

/// `v` with `decimals` decimals, trailing zeros (and a bare point) removed.
fn trimmed(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// A positive number with three significant digits (for latencies in ms).
fn sig3(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else if v >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// An availability fraction as a percentage with enough decimals to show its nines: never
/// "100%" unless it is exactly 1 (99.99983% stays 99.99983%).
fn percent(a: f64) -> String {
    if a >= 1.0 {
        return "100%".to_owned();
    }
    let decimals = (nines(a).ceil() as usize).saturating_sub(1).clamp(2, 8);
    format!("{}%", trimmed(100.0 * a, decimals))
}

/// `s` cut to at most `max` characters, the last one an ellipsis when cut.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The finite values of `v`.
fn finite(v: &[f64]) -> impl Iterator<Item = f64> + '_ {
    v.iter().copied().filter(|x| x.is_finite())
}

/// The nines of an availability fraction, capped at [`NINES_CAP`].
fn nines(a: f64) -> f64 {
    let unavailable = 1.0 - a.clamp(0.0, 1.0);
    if unavailable <= 0.0 {
        NINES_CAP
    } else {
        (-unavailable.log10()).clamp(0.0, NINES_CAP)
    }
}

/// How a legend entry is marked.
#[derive(Clone, Copy)]
pub(crate) enum Mark {
    /// A line in this colour (a series).
    Line(RGBColor),
    /// A dashed line in this colour.
    Dashed(RGBColor),
    /// A filled square (a shaded period).
    Fill(RGBAColor),
}

/// Draws a legend into `area` (the column right of a chart), one entry per row from the
/// top; entries that do not fit are summarised as "… n more".
pub(super) fn draw_legend(area: &Area, entries: &[(String, Mark)]) -> DrawResult {
    let (_, h) = area.dim_in_pixel();
    let top = 20;
    let rows_max = ((h as i32 - top) / LEGEND_ROW_PX).max(1) as usize;
    let shown = if entries.len() > rows_max { rows_max - 1 } else { entries.len() };
    let style = label_font().pos(Pos::new(HPos::Left, VPos::Center));
    for (row, (label, mark)) in entries.iter().take(shown).enumerate() {
        let y = top + row as i32 * LEGEND_ROW_PX;
        match *mark {
            Mark::Line(c) => area.draw(&PathElement::new(vec![(6, y), (30, y)], c.stroke_width(3)))?,
            Mark::Dashed(c) => area.draw(&DashedPathElement::new(vec![(6, y), (30, y)], 5, 3, c.stroke_width(3)))?,
            Mark::Fill(c) => {
                area.draw(&Rectangle::new([(10, y - 6), (26, y + 6)], c.filled()))?;
                area.draw(&Rectangle::new([(10, y - 6), (26, y + 6)], MUTED.stroke_width(1)))?;
            }
        }
        area.draw(&Text::new(clip(label, LABEL_CHARS_MAX + 4), (36, y), style.clone()))?;
    }
    if shown < entries.len() {
        let y = top + shown as i32 * LEGEND_ROW_PX;
        let more = format!("… {} more", entries.len() - shown);
        area.draw(&Text::new(more, (36, y), style.color(&MUTED)))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Over-time charts.
// ---------------------------------------------------------------------------------------

/// Per endpoint, its points (bucket midpoint in s, value) split into runs of consecutive
/// buckets that have a value, so that a line breaks where there is nothing to show. Points
/// beyond the end of the time axis are left out.
fn time_lines(input: &SeriesPlotInput, value: impl Fn(&Bucket) -> Option<f64>) -> Vec<Vec<Vec<(f64, f64)>>> {
    (0..input.endpoints.len())
        .map(|e| runs(input, input.series.get(e).map(Vec::as_slice).unwrap_or_default().iter().map(&value)))
        .collect()
}

/// One value per bucket from time 0 as points (bucket midpoint in s, value), split into runs
/// of consecutive buckets that have a finite value; points past the time axis are left out.
pub(super) fn runs(input: &SeriesPlotInput, values: impl Iterator<Item = Option<f64>>) -> Vec<Vec<(f64, f64)>> {
    let bucket_s = input.bucket_ns.max(1) as f64 / 1e9;
    let end_s = axis_end(input);
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut run: Vec<(f64, f64)> = Vec::new();
    for (i, v) in values.enumerate() {
        let x = (i as f64 + 0.5) * bucket_s;
        match v.filter(|v| v.is_finite() && x <= end_s) {
            Some(v) => run.push((x, v)),
            None if !run.is_empty() => out.push(std::mem::take(&mut run)),
            None => {}
        }
    }
    if !run.is_empty() {
        out.push(run);
    }
    out
}

/// One line of a time chart: its legend label, colour and dash, and its runs of points.
pub(super) struct Line {
    /// Legend entry.
    pub label: String,
    /// Stroke colour.
    pub colour: RGBColor,
    /// Drawn dashed (the second quantity of a pair, e.g. goodput beside offered load).
    pub dashed: bool,
    /// Runs of consecutive points (see [`runs`]).
    pub runs: Vec<Vec<(f64, f64)>>,
}

/// The endpoints' lines, each solid in its endpoint's colour and named after it.
fn endpoint_lines(input: &SeriesPlotInput, lines: Vec<Vec<Vec<(f64, f64)>>>) -> Vec<Line> {
    lines
        .into_iter()
        .enumerate()
        .map(|(e, runs)| {
            let name = input.endpoints.get(e).map_or("", String::as_str);
            let label =
                if runs.is_empty() { format!("{} (no data)", clip(name, 16)) } else { clip(name, LABEL_CHARS_MAX) };
            Line { label, colour: colour_of(e), dashed: false, runs }
        })
        .collect()
}

/// The end of the time axis: the input's end, or the last bucket when that is not positive.
pub(super) fn axis_end(input: &SeriesPlotInput) -> f64 {
    if input.end_s.is_finite() && input.end_s > 0.0 {
        return input.end_s;
    }
    let buckets = input.series.iter().map(Vec::len).max().unwrap_or(0).max(1);
    buckets as f64 * input.bucket_ns.max(1) as f64 / 1e9
}

fn lowest_value(lines: &[Vec<Vec<(f64, f64)>>]) -> Option<f64> {
    lines.iter().flatten().flatten().map(|p| p.1).reduce(f64::min)
}

fn highest_value(lines: &[Vec<Vec<(f64, f64)>>]) -> Option<f64> {
    lines.iter().flatten().flatten().map(|p| p.1).reduce(f64::max)
}

/// A chart of values over time with the warm-up and the fault windows shaded and a legend
/// of the lines, the guides and the shadings.
pub(super) fn time_chart(
    root: &Area,
    input: &SeriesPlotInput,
    title: &str,
    y_desc: &str,
    lines: &[Line],
    y_range: Range<f64>,
    guides: &[Guide],
) -> DrawResult {
    let end_s = axis_end(input);
    let (y_lo, y_hi) = (y_range.start, y_range.end);
    let body = root.titled(title, title_font())?;
    let (w, _) = body.dim_in_pixel();
    let (plot, legend) = body.split_horizontally(w.saturating_sub(LEGEND_WIDTH_PX));
    let windows: Vec<(f64, f64, &str)> = input
        .windows
        .iter()
        .filter(|w| w.start_s.is_finite() && w.end_s.is_finite())
        .map(|w| (w.start_s.clamp(0.0, end_s), w.end_s.clamp(0.0, end_s), w.name.as_str()))
        .filter(|&(start, end, _)| end >= start)
        .collect();
    // Window names go in rows above the plotting area, where no line can hide them.
    let label_rows = windows.len().min(WINDOW_LABEL_ROWS) as i32;
    let mut chart = ChartBuilder::on(&plot)
        .margin(10)
        .margin_top(10 + WINDOW_LABEL_PX * label_rows)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..end_s, y_range)?;

    // Shading goes first so that the grid and the lines stay on top of it.
    let warmup_s = input.warmup_s.clamp(0.0, end_s);
    if warmup_s > 0.0 {
        chart.draw_series(std::iter::once(Rectangle::new([(0.0, y_lo), (warmup_s, y_hi)], WARMUP_FILL.filled())))?;
    }
    for (k, &(start, end, _)) in windows.iter().enumerate() {
        let fill = FAULT_FILLS[k % FAULT_FILLS.len()];
        chart.draw_series(std::iter::once(Rectangle::new([(start, y_lo), (end, y_hi)], fill.filled())))?;
        // An instantaneous fault still gets a visible mark.
        chart.draw_series(std::iter::once(PathElement::new(vec![(start, y_lo), (start, y_hi)], fill.mix(3.0))))?;
    }
    chart
        .configure_mesh()
        .x_desc("time (s)")
        .y_desc(y_desc)
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| tick(*v))
        .label_style(label_font())
        .axis_desc_style(desc_font())
        .light_line_style(GRID)
        .draw()?;

    let mut entries = Vec::new();
    for line in lines {
        let colour = line.colour;
        for run in &line.runs {
            if let [only] = run.as_slice() {
                chart.draw_series(std::iter::once(Circle::new(*only, 2, colour.filled())))?;
            } else if line.dashed {
                chart.draw_series(DashedLineSeries::new(run.iter().copied(), 5, 3, colour.stroke_width(2)))?;
            } else {
                chart.draw_series(LineSeries::new(run.iter().copied(), colour.stroke_width(2)))?;
            }
        }
        entries.push((line.label.clone(), if line.dashed { Mark::Dashed(colour) } else { Mark::Line(colour) }));
    }
    // Horizontal guides (objectives), dashed in their endpoint's colour.
    for g in guides {
        let colour = g.endpoint.map_or(MUTED, colour_of);
        chart.draw_series(DashedLineSeries::new([(0.0, g.value), (end_s, g.value)], 6, 4, colour.stroke_width(1)))?;
        entries.push((clip(&g.label, LABEL_CHARS_MAX), Mark::Dashed(colour)));
    }
    // Consecutive windows take turns over the label rows, so that close ones do not collide.
    for (k, &(start, _, name)) in windows.iter().enumerate() {
        let row = (k % WINDOW_LABEL_ROWS) as i32;
        let dy = -2 - WINDOW_LABEL_PX * (label_rows - row);
        chart.draw_series(std::iter::once(
            EmptyElement::at((start, y_hi))
                + Text::new(clip(name, 30), (4, dy), small_font().color(&FAULT_TEXTS[k % FAULT_TEXTS.len()])),
        ))?;
    }

    if warmup_s > 0.0 {
        entries.push(("warm-up (not measured)".to_owned(), Mark::Fill(WARMUP_FILL)));
    }
    // Each window named in its own colour; past the palette, the colours repeat and the
    // legend counts the rest.
    for (k, &(_, _, name)) in windows.iter().enumerate().take(FAULT_FILLS.len()) {
        entries.push((format!("fault: {}", clip(name, 18)), Mark::Fill(FAULT_FILLS[k])));
    }
    if windows.len() > FAULT_FILLS.len() {
        entries.push((format!("+{} more fault windows", windows.len() - FAULT_FILLS.len()), Mark::Fill(FAULT_FILL)));
    }
    draw_legend(&legend, &entries)
}

// ---------------------------------------------------------------------------------------
// Latency CDF.
// ---------------------------------------------------------------------------------------

/// The CDF sampled at [`CDF_POINTS`] log-spaced latencies over `[x_lo, x_hi]` (ms), from
/// `steps` = ascending (bucket value in ms, cumulative fraction). Sampling keeps the SVG
/// small whatever the number of histogram buckets.
fn cdf_points(steps: &[(f64, f64)], x_lo: f64, x_hi: f64) -> Vec<(f64, f64)> {
    let ratio = (x_hi / x_lo).ln();
    let mut next = 0;
    let mut fraction = 0.0;
    (0..CDF_POINTS)
        .map(|k| {
            let x = x_lo * (ratio * k as f64 / (CDF_POINTS - 1) as f64).exp();
            while let Some(&(value, f)) = steps.get(next) {
                if value > x {
                    break;
                }
                fraction = f;
                next += 1;
            }
            (x, fraction)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Per-seed histograms.
// ---------------------------------------------------------------------------------------

/// Small multiples: one histogram panel per endpoint with values, stacked vertically.
/// `format` prints a value for the caption; `note` adds to the caption from the values.
fn seed_histograms(
    title: &str,
    x_desc: &str,
    endpoints: &[String],
    values: &[Vec<f64>],
    format: &dyn Fn(f64) -> String,
    note: &dyn Fn(&[f64]) -> String,
) -> String {
    let panels: Vec<(usize, Vec<f64>)> = values
        .iter()
        .enumerate()
        .take(endpoints.len())
        .filter(|(_, v)| !v.is_empty())
        .map(|(e, v)| {
            let mut sorted = v.clone();
            sorted.sort_by(f64::total_cmp);
            (e, sorted)
        })
        .collect();
    if panels.is_empty() {
        return no_data(title, "no endpoint has per-seed values");
    }
    let omitted = panels.len().saturating_sub(PANELS_MAX);
    let shown = &panels[..panels.len() - omitted];
    let height = HEIGHT_PX.max(50 + 150 * shown.len() as u32 + if omitted > 0 { 20 } else { 0 });
    render((WIDTH_PX, height), title, |root| {
        let mut body = root.titled(title, title_font())?;
        if omitted > 0 {
            let (w, h) = body.dim_in_pixel();
            let (top, bottom) = body.split_vertically(h.saturating_sub(20));
            let names: Vec<&str> = panels[shown.len()..].iter().map(|(e, _)| endpoints[*e].as_str()).collect();
            let text = clip(&format!("{omitted} more endpoints not shown: {}", names.join(", ")), 110);
            let style = label_font().color(&MUTED).pos(Pos::new(HPos::Center, VPos::Center));
            bottom.draw(&Text::new(text, (w as i32 / 2, 10), style))?;
            body = top;
        }
        let areas = body.split_evenly((shown.len(), 1));
        for ((e, sorted), area) in shown.iter().zip(&areas) {
            let caption = format!(
                "{}: {} seeds, min {}, median {}, max {}{}",
                clip(&endpoints[*e], 40),
                sorted.len(),
                format(sorted[0]),
                format(sorted[(sorted.len() - 1) / 2]),
                format(sorted[sorted.len() - 1]),
                note(sorted),
            );
            histogram_panel(area, &caption, x_desc, sorted, colour_of(*e))?;
        }
        Ok(())
    })
}

/// One histogram of `sorted` (ascending, non-empty) with `caption` above it.
fn histogram_panel(area: &Area, caption: &str, x_desc: &str, sorted: &[f64], colour: RGBColor) -> DrawResult {
    let (lo, hi) = (sorted[0], sorted[sorted.len() - 1]);
    // The Rice rule: about 2·∛n bins, a readable number for both 10 and 10,000 seeds.
    let bins = ((2.0 * (sorted.len() as f64).cbrt()).ceil() as usize).clamp(1, BINS_MAX);
    let (edge_lo, width, bins) = if hi - lo > 1e-9 * hi.abs().max(1.0) {
        (lo, (hi - lo) / bins as f64, bins)
    } else {
        // Every seed gave the same value: one bar around it.
        let half = (lo.abs() * 1e-3).max(0.05);
        (lo - half, 2.0 * half, 1)
    };
    let mut counts = vec![0u32; bins];
    for &v in sorted {
        let i = (((v - edge_lo) / width).floor().max(0.0) as usize).min(bins - 1);
        counts[i] += 1;
    }
    let count_max = counts.iter().copied().max().unwrap_or(0);
    let pad = 0.05 * width * bins as f64;
    let x_range = (edge_lo - pad)..(edge_lo + width * bins as f64 + pad);
    let y_top = count_max + (count_max / 8).max(1);
    let mut chart = ChartBuilder::on(area)
        .margin_top(6)
        .margin_left(10)
        .margin_right(20)
        .caption(caption, label_font())
        .x_label_area_size(38)
        .y_label_area_size(60)
        .build_cartesian_2d(x_range, 0u32..y_top)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc("number of seeds")
        .x_label_formatter(&|v| tick(*v))
        .y_labels(y_top.min(5) as usize + 1)
        .label_style(small_font())
        .axis_desc_style(label_font())
        .light_line_style(GRID)
        .draw()?;
    chart.draw_series(counts.iter().enumerate().filter(|(_, &c)| c > 0).map(|(i, &c)| {
        let x0 = edge_lo + width * i as f64;
        Rectangle::new([(x0, 0), (x0 + width, c)], colour.mix(0.75).filled())
    }))?;
    chart.draw_series(counts.iter().enumerate().filter(|(_, &c)| c > 0).map(|(i, &c)| {
        let x0 = edge_lo + width * i as f64;
        Rectangle::new([(x0, 0), (x0 + width, c)], colour.stroke_width(1))
    }))?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Topology graph.
// ---------------------------------------------------------------------------------------

/// Width of the band-label column of the topology graph (px).
const BAND_LABEL_PX: i32 = 120;
/// Width of one depth column (px).
const COLUMN_PX: i32 = 180;
/// Size of a box (px).
const BOX_W_PX: i32 = 150;
const BOX_H_PX: i32 = 36;
/// Vertical pitch of boxes within a band (px).
const ROW_PX: i32 = 48;
/// Padding above and below the boxes of a band (px).
const BAND_PAD_PX: i32 = 8;
/// Title and column headers above the bands (px).
const GRAPH_TOP_PX: i32 = 70;
/// Legend below the bands (px).
const GRAPH_LEGEND_PX: i32 = 96;

/// Availability classes for box colours, best first: (lowest availability, fill, label).
const CLASSES: [(f64, RGBColor, &str); 5] = [
    (0.9999, RGBColor(102, 189, 99), "≥ 99.99%"),
    (0.999, RGBColor(166, 217, 106), "99.9–99.99%"),
    (0.99, RGBColor(254, 224, 139), "99–99.9%"),
    (0.9, RGBColor(253, 174, 97), "90–99%"),
    (0.0, RGBColor(244, 109, 67), "< 90%"),
];
/// Fill of a box whose availability is unknown or that no endpoint requires.
const UNKNOWN_FILL: RGBColor = RGBColor(221, 221, 221);

/// The fill for an availability (a fraction), or grey when there is none.
fn class_fill(a: Option<f64>) -> RGBColor {
    let Some(a) = a.filter(|a| a.is_finite()) else { return UNKNOWN_FILL };
    CLASSES.iter().find(|(lo, _, _)| a >= *lo).map_or(CLASSES[CLASSES.len() - 1].1, |c| c.1)
}

/// A horizontal band of the topology graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Band {
    /// Components placed in this zone only (by zone index).
    Zone(usize),
    /// Components placed in more than one zone.
    Several,
    /// Externals, and anything placed nowhere.
    Outside,
}

/// One box of the topology graph.
struct GraphBox {
    /// First line: the name.
    name: String,
    /// Second line: kind and size, or the endpoint's availability.
    detail: String,
    fill: RGBColor,
    /// Top-left corner (px).
    x: i32,
    y: i32,
    /// Column: 0 for endpoints, depth + 1 for components.
    column: usize,
}

/// An arrow between two boxes (indices into the boxes).
struct Arrow {
    from: usize,
    to: usize,
    style: ArrowStyle,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ArrowStyle {
    /// A required sync call, or an endpoint entering its service.
    Solid,
    /// An optional call.
    LongDash,
    /// An async call, a queue delivery or a cache miss.
    ShortDash,
}

/// Where everything of a topology graph goes.
struct GraphLayout {
    /// Size of the picture (px); the legend fills its bottom [`GRAPH_LEGEND_PX`].
    width: u32,
    height: u32,
    /// Bands in drawing order with their top and height (px).
    bands: Vec<(Band, i32, i32)>,
    /// Column headers.
    headers: Vec<String>,
    boxes: Vec<GraphBox>,
    arrows: Vec<Arrow>,
    /// Zone labels by zone index.
    zone_labels: Vec<String>,
    /// Boxes coloured by cascade probability instead of availability.
    cascade: bool,
}

impl GraphLayout {
    fn new(t: &Topology, components: &[ComponentId], availability: &[f64], cascade: Option<&[f64]>) -> GraphLayout {
        let graph = t.graph();
        // Call depth: breadth-first from every endpoint's entry service.
        let mut depth: Vec<Option<usize>> = vec![None; graph.node_count()];
        let mut frontier = VecDeque::new();
        for e in t.endpoints() {
            let n = t.node(ComponentId::Service(e.service)).index();
            if depth[n].is_none() {
                depth[n] = Some(0);
                frontier.push_back(n);
            }
        }
        let edges = graph.raw_edges();
        // Each node enters the frontier once, so this visits every edge at most once per node.
        while let Some(n) = frontier.pop_front() {
            let d = depth[n].unwrap_or(0);
            for edge in edges.iter().filter(|edge| edge.source().index() == n) {
                let m = edge.target().index();
                if depth[m].is_none() {
                    depth[m] = Some(d + 1);
                    frontier.push_back(m);
                }
            }
        }
        let deepest = depth.iter().flatten().copied().max().unwrap_or(0);
        let unreached = components.iter().any(|&c| depth[t.node(c).index()].is_none());
        let column_of = |c: ComponentId| depth[t.node(c).index()].map_or(deepest + 2, |d| d + 1);
        let columns = deepest + 2 + usize::from(unreached);

        // The worst availability among the endpoints that require each component.
        let mut worst: Vec<Option<f64>> = vec![None; graph.node_count()];
        for (e, &a) in availability.iter().enumerate().take(t.endpoints().len()) {
            if !a.is_finite() {
                continue;
            }
            for c in analysis::required(t, EndpointId(e as u32)) {
                let w = &mut worst[t.node(c).index()];
                *w = Some(w.map_or(a, |x: f64| x.min(a)));
            }
        }

        let band_of = |c: ComponentId| {
            let zones = t.component_zones(c);
            match (c, zones.as_slice()) {
                (ComponentId::External(_), _) | (_, []) => Band::Outside,
                (_, [z]) => Band::Zone(z.index()),
                _ => Band::Several,
            }
        };
        // Per box: band, column; endpoints sit in their entry service's band.
        let mut placed: Vec<(Band, usize, String, String, RGBColor)> = Vec::new();
        for (i, e) in t.endpoints().iter().enumerate() {
            let a = availability.get(i).copied().filter(|a| a.is_finite());
            let detail = a.map_or_else(|| "endpoint".to_owned(), |a| format!("endpoint · {}", percent(a)));
            placed.push((band_of(ComponentId::Service(e.service)), 0, e.name.clone(), detail, class_fill(a)));
        }
        for &c in components {
            let detail = match c {
                ComponentId::Service(s) => format!("service ×{}", t.service(s).instance_count()),
                other => Topology::component_kind(other).to_owned(),
            };
            let (detail, fill) = match cascade {
                // Cascade colouring: the probability replaces the availability class.
                Some(p) => {
                    let p = components.iter().position(|&x| x == c).and_then(|i| p.get(i)).copied().unwrap_or(0.0);
                    (format!("{detail} · {}", percent(p)), probability_fill(p))
                }
                None => (detail, class_fill(worst[t.node(c).index()])),
            };
            placed.push((band_of(c), column_of(c), t.component_name(c).to_owned(), detail, fill));
        }

        let mut band_list: Vec<Band> = placed.iter().map(|p| p.0).collect();
        band_list.sort();
        band_list.dedup();
        // Rows per (band, column), then each band's height from its fullest column.
        let mut rows = vec![vec![0i32; columns]; band_list.len()];
        let mut slots = Vec::with_capacity(placed.len());
        for p in &placed {
            let b = band_list.iter().position(|&x| x == p.0).unwrap_or(0);
            slots.push((b, rows[b][p.1]));
            rows[b][p.1] += 1;
        }
        let mut bands = Vec::with_capacity(band_list.len());
        let mut y = GRAPH_TOP_PX;
        for (b, &band) in band_list.iter().enumerate() {
            let h = rows[b].iter().copied().max().unwrap_or(1).max(1) * ROW_PX + 2 * BAND_PAD_PX;
            bands.push((band, y, h));
            y += h;
        }
        let boxes: Vec<GraphBox> = placed
            .into_iter()
            .zip(&slots)
            .map(|((_, column, name, detail, fill), &(b, row))| GraphBox {
                name,
                detail,
                fill,
                x: BAND_LABEL_PX + column as i32 * COLUMN_PX + (COLUMN_PX - BOX_W_PX) / 2,
                y: bands[b].1 + BAND_PAD_PX + row * ROW_PX + (ROW_PX - BOX_H_PX) / 2,
                column,
            })
            .collect();

        let endpoints = t.endpoints().len();
        let index_of = |c: ComponentId| endpoints + components.iter().position(|&x| x == c).unwrap_or(0);
        let mut arrows: Vec<Arrow> = t
            .endpoints()
            .iter()
            .enumerate()
            .map(|(i, e)| Arrow { from: i, to: index_of(ComponentId::Service(e.service)), style: ArrowStyle::Solid })
            .collect();
        for edge in edges {
            let (from, to) = (graph[edge.source()], graph[edge.target()]);
            if from == to {
                continue;
            }
            let style = match edge.weight {
                Edge::Call(id) => {
                    let call = t.call(id);
                    if call.mode == CallMode::Async {
                        ArrowStyle::ShortDash
                    } else if call.required {
                        ArrowStyle::Solid
                    } else {
                        ArrowStyle::LongDash
                    }
                }
                Edge::Consumes | Edge::Backend => ArrowStyle::ShortDash,
            };
            arrows.push(Arrow { from: index_of(from), to: index_of(to), style });
        }

        let mut headers = vec!["endpoints".to_owned(), "entry services".to_owned()];
        headers.extend((1..=deepest).map(|d| format!("call depth {d}")));
        if unreached {
            headers.push("not reached".to_owned());
        }
        let several_regions = t.regions().len() > 1;
        let zone_labels = t
            .zones()
            .iter()
            .map(|z| {
                let region = &t.regions()[z.region.index()].name;
                if several_regions {
                    format!("zone {} ({region})", z.name)
                } else {
                    format!("zone {}", z.name)
                }
            })
            .collect();
        let width = (BAND_LABEL_PX + columns as i32 * COLUMN_PX + 20).max(WIDTH_PX as i32) as u32;
        let height = (y + GRAPH_LEGEND_PX) as u32;
        GraphLayout { width, height, bands, headers, boxes, arrows, zone_labels, cascade: cascade.is_some() }
    }

    fn draw(&self, root: &Area, t: &Topology, title: &str) -> DrawResult {
        let centre = Pos::new(HPos::Center, VPos::Center);
        let w = self.width as i32;
        root.draw(&Text::new(title, (w / 2, 20), title_font().pos(centre)))?;
        for (c, header) in self.headers.iter().enumerate() {
            let x = BAND_LABEL_PX + c as i32 * COLUMN_PX + COLUMN_PX / 2;
            root.draw(&Text::new(header.as_str(), (x, GRAPH_TOP_PX - 14), label_font().color(&MUTED).pos(centre)))?;
        }

        // Bands, alternately shaded, each labelled at its left.
        for (k, &(band, y, h)) in self.bands.iter().enumerate() {
            let fill = if k % 2 == 0 { RGBColor(246, 246, 246) } else { RGBColor(236, 241, 247) };
            root.draw(&Rectangle::new([(0, y), (w, y + h)], fill.filled()))?;
            let label = match band {
                Band::Zone(z) => self.zone_labels.get(z).cloned().unwrap_or_default(),
                Band::Several => "several zones".to_owned(),
                Band::Outside => "outside".to_owned(),
            };
            let style = label_font().pos(Pos::new(HPos::Left, VPos::Top));
            root.draw(&Text::new(clip(&label, 17), (8, y + BAND_PAD_PX), style))?;
        }

        // Arrows under the boxes; heads touch the box borders, so the boxes never hide them.
        for a in &self.arrows {
            let (Some(from), Some(to)) = (self.boxes.get(a.from), self.boxes.get(a.to)) else { continue };
            let path = route(from, to);
            let [.., before, tip] = path[..] else { continue };
            let colour = if a.style == ArrowStyle::Solid { RGBColor(70, 70, 70) } else { RGBColor(120, 120, 120) };
            let stroke = colour.stroke_width(1);
            match a.style {
                ArrowStyle::Solid => root.draw(&PathElement::new(path, stroke))?,
                ArrowStyle::LongDash => root.draw(&DashedPathElement::new(path, 7, 4, stroke))?,
                ArrowStyle::ShortDash => root.draw(&DashedPathElement::new(path, 3, 3, stroke))?,
            }
            root.draw(&Polygon::new(arrow_head(before, tip), colour.filled()))?;
        }

        for b in &self.boxes {
            let corner = [(b.x, b.y), (b.x + BOX_W_PX, b.y + BOX_H_PX)];
            root.draw(&Rectangle::new(corner, b.fill.filled()))?;
            let border = if b.column == 0 { RGBColor(40, 40, 40).stroke_width(2) } else { MUTED.stroke_width(1) };
            root.draw(&Rectangle::new(corner, border))?;
            let left = Pos::new(HPos::Left, VPos::Top);
            root.draw(&Text::new(clip(&b.name, LABEL_CHARS_MAX), (b.x + 6, b.y + 4), label_font().pos(left)))?;
            let detail = small_font().color(&RGBColor(50, 50, 50)).pos(left);
            root.draw(&Text::new(clip(&b.detail, LABEL_CHARS_MAX + 2), (b.x + 6, b.y + 20), detail))?;
        }
        if t.endpoints().is_empty() {
            let style = label_font().color(&MUTED).pos(centre);
            let x = BAND_LABEL_PX + COLUMN_PX / 2;
            root.draw(&Text::new("(no endpoints)", (x, GRAPH_TOP_PX + 20), style))?;
        }
        self.draw_legend(root)
    }

    /// The colour classes and the arrow styles, below the bands.
    fn draw_legend(&self, root: &Area) -> DrawResult {
        let top = self.height as i32 - GRAPH_LEGEND_PX + 12;
        let left = Pos::new(HPos::Left, VPos::Center);
        let what = if self.cascade {
            "box colour: probability that the component becomes unhealthy without being faulted (highest over all initiating faults)"
        } else {
            "box colour: measured availability of the worst endpoint that requires the component (endpoints: their own)"
        };
        root.draw(&Text::new(what, (10, top), label_font().pos(left)))?;
        let mut swatches: Vec<(RGBColor, &str)> = CLASSES.iter().rev().map(|c| (c.1, c.2)).collect();
        swatches.push((UNKNOWN_FILL, "required by none"));
        if self.cascade {
            swatches = vec![
                (probability_fill(0.0), "0%"),
                (probability_fill(0.25), "25%"),
                (probability_fill(0.5), "50%"),
                (probability_fill(0.75), "75%"),
                (probability_fill(1.0), "100%"),
            ];
        }
        let step = 125;
        for (k, (fill, label)) in swatches.iter().enumerate() {
            let x = 10 + k as i32 * step;
            let y = top + 24;
            root.draw(&Rectangle::new([(x, y - 7), (x + 18, y + 7)], fill.filled()))?;
            root.draw(&Rectangle::new([(x, y - 7), (x + 18, y + 7)], MUTED.stroke_width(1)))?;
            root.draw(&Text::new(*label, (x + 24, y), small_font().pos(left)))?;
        }
        let styles = [
            (ArrowStyle::Solid, "required sync call; endpoint → entry"),
            (ArrowStyle::LongDash, "optional call"),
            (ArrowStyle::ShortDash, "async call, queue delivery, cache miss"),
        ];
        for (k, (style, label)) in styles.iter().enumerate() {
            let x = 10 + k as i32 * 260;
            let y = top + 50;
            let stroke = RGBColor(70, 70, 70).stroke_width(1);
            let line = vec![(x, y), (x + 30, y)];
            match style {
                ArrowStyle::Solid => root.draw(&PathElement::new(line, stroke))?,
                ArrowStyle::LongDash => root.draw(&DashedPathElement::new(line, 7, 4, stroke))?,
                ArrowStyle::ShortDash => root.draw(&DashedPathElement::new(line, 3, 3, stroke))?,
            }
            root.draw(&Polygon::new(arrow_head((x, y), (x + 36, y)), RGBColor(70, 70, 70).filled()))?;
            root.draw(&Text::new(*label, (x + 42, y), small_font().pos(left)))?;
        }
        Ok(())
    }
}

/// The path of an arrow from box `a` to box `b`, ending at `b`'s border: from `a`'s right
/// side to `b`'s left side when `b` is in a later column, left to right when in an earlier
/// one, and within a column out of `a`'s right side, down or up the gap between the
/// columns and into `b`'s right side, so that it passes no box in between.
fn route(a: &GraphBox, b: &GraphBox) -> Vec<(i32, i32)> {
    let (ay, by) = (a.y + BOX_H_PX / 2, b.y + BOX_H_PX / 2);
    match a.column.cmp(&b.column) {
        std::cmp::Ordering::Less => vec![(a.x + BOX_W_PX, ay), (b.x, by)],
        std::cmp::Ordering::Greater => vec![(a.x, ay), (b.x + BOX_W_PX, by)],
        std::cmp::Ordering::Equal => {
            let gap = a.x + BOX_W_PX + (COLUMN_PX - BOX_W_PX) / 2;
            vec![(a.x + BOX_W_PX, ay), (gap, ay), (gap, by), (b.x + BOX_W_PX, by)]
        }
    }
}

/// A small triangle with its tip at `to`, pointing away from `from`.
fn arrow_head(from: (i32, i32), to: (i32, i32)) -> Vec<(i32, i32)> {
    let (dx, dy) = (f64::from(to.0 - from.0), f64::from(to.1 - from.1));
    let length = dx.hypot(dy);
    if length < 1.0 {
        return vec![to, to, to];
    }
    let (ux, uy) = (dx / length, dy / length);
    let (back, half) = (8.0, 4.0);
    let base = (f64::from(to.0) - ux * back, f64::from(to.1) - uy * back);
    let left = ((base.0 - uy * half).round() as i32, (base.1 + ux * half).round() as i32);
    let right = ((base.0 + uy * half).round() as i32, (base.1 - ux * half).round() as i32);
    vec![to, left, right]
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use super::*;

    /// The texts of all `<text>` elements of an SVG, after checking that it is well-formed XML.
    fn texts(svg: &str) -> Vec<String> {
        let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not well-formed: {e}\n{svg}"));
        doc.descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| {
                n.descendants().filter(|d| d.is_text()).filter_map(|d| d.text()).collect::<String>().trim().to_owned()
            })
            .collect()
    }

    /// Checks a plot: well-formed, has its title and the given texts, same bytes when redrawn.
    fn check(draw: impl Fn() -> String, title: &str, expected: &[&str]) -> String {
        let svg = draw();
        let all = texts(&svg);
        assert!(all.iter().any(|t| t.contains(title)), "title {title:?} missing from {all:?}");
        for e in expected {
            assert!(all.iter().any(|t| t.contains(e)), "{e:?} missing from {all:?}");
        }
        assert_eq!(draw(), svg, "a second drawing gives other bytes");
        svg
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    /// Two endpoints over 10 one-second buckets: "a" always fine, "b" failing half its
    /// requests in buckets 4 to 6 and silent in bucket 8.
    fn synthetic_series() -> SeriesPlotInput {
        let ok = Bucket { served: 100, failed: 0, served_latency_ns: 100 * 5_000_000, ..Bucket::default() };
        let a = vec![ok; 10];
        let mut b = vec![ok; 10];
        for bucket in &mut b[4..7] {
            *bucket = Bucket { served: 50, failed: 50, served_latency_ns: 50 * 40_000_000, ..Bucket::default() };
        }
        b[8] = Bucket::default();
        SeriesPlotInput {
            endpoints: names(&["a", "b & <c>"]),
            series: vec![a, b],
            bucket_ns: 1_000_000_000,
            warmup_s: 2.0,
            end_s: 10.0,
            windows: vec![Window { name: "db down".to_owned(), start_s: 4.0, end_s: 7.0 }],
            services: Vec::new(),
            service_series: Vec::new(),
            seeds: 1,
        }
    }

    fn synthetic_histograms() -> Vec<LatencyHistogram> {
        let mut fast = LatencyHistogram::new();
        let mut slow = LatencyHistogram::new();
        for i in 1..=1_000u64 {
            fast.record(i * 10_000);
            slow.record(i * 1_000_000);
        }
        vec![fast, slow, LatencyHistogram::new()]
    }

    #[test]
    fn nines_over_time_draws_each_slo_as_a_line() {
        let input = synthetic_series();
        let svg = check(
            || nines_over_time(&input, &[Some(0.999), None, None]),
            "Availability over time, in nines",
            &["nines (top edge: no failure seen)", "SLO a: 99.9%", "fault: db down"],
        );
        assert!(svg.contains("stroke-dasharray") || svg.matches("<polyline").count() > 2, "a dashed objective line");
        assert!(!svg.contains("SLO b"), "only endpoints with a target get a line");
    }

    #[test]
    fn each_fault_window_has_its_own_colour_and_legend_entry() {
        let mut input = synthetic_series();
        input.windows.push(Window { name: "cache flushed".to_owned(), start_s: 8.0, end_s: 9.0 });
        let svg = availability_over_time(&input);
        assert!(svg.contains("fill=\"#D62728\"") && svg.contains("fill=\"#9467BD\""), "two windows, two fills");
        assert!(svg.contains("fault: db down") && svg.contains("fault: cache flushed"), "each named in the legend");
    }

    #[test]
    fn availability_over_time_is_well_formed_shaded_and_stable() {
        let input = synthetic_series();
        let svg = check(
            || availability_over_time(&input),
            "Availability over time",
            &["time (s)", "availability (%)", "a", "b & <c>", "db down", "warm-up (not measured)", "fault: db down"],
        );
        assert!(svg.contains("opacity=\"0.15\""), "fault windows are drawn translucent");
        // The dip of "b" is in the data drawn, and the silent bucket breaks its line.
        let lines = time_lines(&input, |b| {
            let n = b.served + b.failed;
            (n > 0).then(|| 100.0 * b.served as f64 / n as f64)
        });
        assert_eq!(lines[1].len(), 2, "bucket 8 is empty, so the line of b has two runs");
        assert_eq!(lowest_value(&lines), Some(50.0));
    }

    #[test]
    fn latency_over_time_is_well_formed_and_stable() {
        check(
            || latency_over_time(&synthetic_series()),
            "Mean latency over time",
            &["time (s)", "mean latency (ms)", "a", "fault: db down"],
        );
    }

    #[test]
    fn latency_cdf_is_well_formed_and_skips_endpoints_without_samples() {
        let endpoints = names(&["fast", "slow", "idle"]);
        let histograms = synthetic_histograms();
        let svg = check(
            || latency_cdf(&endpoints, &histograms),
            "Latency distribution",
            &["latency (ms, log scale)", "fraction of requests", "fast (p99", "slow (p99", "p50", "p99"],
        );
        assert!(!texts(&svg).iter().any(|t| t.contains("idle")), "an endpoint without samples has no line");
    }

    #[test]
    fn cdf_points_rise_from_zero_to_one() {
        let steps = [(1.0, 0.25), (2.0, 0.5), (4.0, 1.0)];
        let points = cdf_points(&steps, 0.5, 8.0);
        assert_eq!(points.len(), CDF_POINTS);
        assert_eq!(points[0].1, 0.0);
        assert_eq!(points[CDF_POINTS - 1].1, 1.0);
        assert!(points.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1));
    }

    #[test]
    fn per_seed_histograms_are_well_formed_and_stable() {
        let endpoints = names(&["spread", "single", "empty"]);
        let per_seed =
            vec![vec![1.0, 0.9995, 0.9990, 1.0, 0.9999], vec![0.55, 0.56, 0.555, f64::NAN, 0.56], Vec::new()];
        check(
            || per_seed_availability(&endpoints, &per_seed),
            "Availability per seed",
            &["availability of the seed (%)", "seeds", "spread: 5 seeds", "single: 4 seeds"],
        );
        check(
            || per_seed_nines(&endpoints, &per_seed),
            "Nines per seed",
            &["nines = −log10(1 − availability); 100% drawn as 9", "spread: 5 seeds", "2 at the cap"],
        );
        assert_eq!(nines(1.0), NINES_CAP);
        assert!((nines(0.999) - 3.0).abs() < 1e-9);
        assert_eq!(nines(-3.0), 0.0);
    }

    #[test]
    fn identical_seeds_and_many_endpoints_still_draw() {
        let endpoints: Vec<String> = (0..PANELS_MAX + 2).map(|i| format!("endpoint-{i}")).collect();
        let per_seed = vec![vec![1.0; 3]; endpoints.len()];
        check(
            || per_seed_availability(&endpoints, &per_seed),
            "Availability per seed",
            &["2 more endpoints not shown"],
        );
    }

    #[test]
    fn empty_inputs_say_no_data() {
        let empty = SeriesPlotInput {
            endpoints: Vec::new(),
            series: Vec::new(),
            bucket_ns: 0,
            warmup_s: 0.0,
            end_s: 0.0,
            windows: Vec::new(),
            services: Vec::new(),
            service_series: Vec::new(),
            seeds: 1,
        };
        check(|| availability_over_time(&empty), "Availability over time", &["no data"]);
        check(|| latency_over_time(&empty), "Mean latency over time", &["no data"]);
        check(|| latency_cdf(&[], &[]), "Latency distribution", &["no data"]);
        check(|| per_seed_availability(&[], &[]), "Availability per seed", &["no data"]);
        check(|| per_seed_nines(&names(&["x"]), &[Vec::new()]), "Nines per seed", &["no data"]);
        // Endpoints whose buckets are all empty.
        let silent = SeriesPlotInput { endpoints: names(&["x"]), series: vec![vec![Bucket::default(); 3]], ..empty };
        check(|| availability_over_time(&silent), "Availability over time", &["no data"]);
    }

    #[test]
    fn fallback_svg_is_well_formed() {
        let svg = fallback_svg((200, 100), "a <title>", "plot failed: \"x\" & y");
        assert_eq!(texts(&svg), vec!["a <title>".to_owned(), "plot failed: \"x\" & y".to_owned()]);
    }

    #[test]
    fn topology_graph_draws_bands_depths_and_legend() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let t = crate::load::load_topology(&root.join("models/ecommerce.ron")).expect("ecommerce model loads");
        let a = analysis::analyze(&t);
        let availability: Vec<f64> = a.availability.endpoints.iter().map(|e| e.availability).collect();
        let first_endpoint = t.endpoints()[0].name.clone();
        let svg = check(
            || topology_graph(&t, &availability),
            "Topology",
            &["endpoints", "entry services", "call depth 1", "box colour", "required sync call", &first_endpoint],
        );
        let all = texts(&svg);
        for c in t.components() {
            let name = clip(t.component_name(c), LABEL_CHARS_MAX);
            assert!(all.contains(&name), "component {name} is not drawn");
        }
        // Without availabilities every box is grey, and nothing panics.
        check(|| topology_graph(&t, &[]), "Topology", &["required by none"]);
    }

    /// The zone outage of the examples: the `single` endpoint (all instances in zone "a")
    /// drops to about 0% while zone "a" is down and is at 100% before it.
    #[test]
    fn zone_outage_availability_dips_during_the_fault_window() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/zone_outage.ron");
        let s = Arc::new(crate::load::load_scenario(&path).expect("zone_outage scenario loads"));
        let m = crate::engine::Simulation::new(Arc::clone(&s), 1).run().expect("seed 1 runs to the end");
        let input = SeriesPlotInput::of_run(&m, &s);
        assert_eq!(input.windows.len(), 1);
        let svg = check(
            || availability_over_time(&input),
            "Availability over time",
            &["spread", "single", "zone a lost", "fault: zone a lost"],
        );
        assert!(svg.len() < 200_000, "the SVG stays small: {} bytes", svg.len());
        let single = input.endpoints.iter().position(|e| e == "single").expect("single endpoint");
        let lines = time_lines(&input, |b| {
            let n = b.served + b.failed;
            (n > 0).then(|| 100.0 * b.served as f64 / n as f64)
        });
        let points: Vec<(f64, f64)> = lines[single].iter().flatten().copied().collect();
        let (start, end) = (input.windows[0].start_s, input.windows[0].end_s);
        let during: Vec<f64> = points.iter().filter(|p| p.0 > start + 5.0 && p.0 < end).map(|p| p.1).collect();
        let before: Vec<f64> = points.iter().filter(|p| p.0 > input.warmup_s && p.0 < start).map(|p| p.1).collect();
        assert!(!during.is_empty() && during.iter().all(|&v| v < 5.0), "single during the outage: {during:?}");
        assert!(!before.is_empty() && before.iter().all(|&v| v > 99.0), "single before the outage: {before:?}");
    }
}
