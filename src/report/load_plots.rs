//! Charts of what the system did with its load over time, for the report of many seeds:
//! offered load against goodput per endpoint, the work, retries, utilisation and queue of
//! each service, the error budget spent as the run goes, and latency as a heatmap.
//!
//! Together they make a retry storm visible: offered load stays flat while the attempts at a
//! service climb, its retries spike, its workers pin at 100% and goodput falls away. Rates
//! are per seed (the series sum the seeds), so a chart reads the same for 10 or 1,000 seeds.
//! The service charts draw the few services that matter most by the chart's own measure and
//! name how many they leave out; a chart with nothing to show (no retries, no queue) is not
//! drawn at all, so the page shows only what the model has.

use plotters::prelude::*;

use super::plots::{
    axis_end, colour_of, draw_legend, label_font, no_data, render, runs, small_font, tick, time_chart, title_font,
    Area, DrawResult, Guide, Line, Mark, SeriesPlotInput, FAULT_TEXTS, GRID, HEIGHT_PX, LEGEND_WIDTH_PX, MUTED,
    WIDTH_PX,
};
use crate::metrics::health::ServiceBucket;
use crate::metrics::run::{LatencyBins, LATENCY_BINS};

/// Most services drawn in one service chart (the rest are counted in the legend).
const SERVICES_MAX: usize = 6;
/// Most endpoints in the load chart (two lines each) and the heatmap (one panel each).
const ENDPOINTS_MAX: usize = 3;

/// Seconds per bucket, times the seeds summed into it: what a summed count is divided by to
/// read as a rate per second per seed.
fn per_second(input: &SeriesPlotInput) -> f64 {
    input.bucket_ns.max(1) as f64 / 1e9 * input.seeds.max(1) as f64
}

/// Offered load and goodput over time: per endpoint, the requests finishing per second
/// (served or failed) as a solid line and those served as a dashed one in the same colour;
/// the gap between them is the load the system failed.
pub fn load_over_time(input: &SeriesPlotInput) -> String {
    let title = "Offered load and goodput over time";
    let rate = per_second(input);
    let mut lines = Vec::new();
    for (e, series) in input.series.iter().enumerate().take(input.endpoints.len().min(ENDPOINTS_MAX)) {
        let name = &input.endpoints[e];
        let offered = runs(input, series.iter().map(|b| Some((b.served + b.failed) as f64 / rate)));
        let goodput = runs(input, series.iter().map(|b| Some(b.served as f64 / rate)));
        lines.push(Line { label: format!("{name} offered"), colour: colour_of(e), dashed: false, runs: offered });
        lines.push(Line { label: format!("{name} goodput"), colour: colour_of(e), dashed: true, runs: goodput });
    }
    let Some(highest) = highest(&lines) else {
        return no_data(title, "no endpoint finished a request");
    };
    if input.endpoints.len() > ENDPOINTS_MAX {
        lines.push(Line {
            label: format!("+{} more endpoints", input.endpoints.len() - ENDPOINTS_MAX),
            colour: MUTED,
            dashed: false,
            runs: Vec::new(),
        });
    }
    render((WIDTH_PX, HEIGHT_PX), title, |root| {
        time_chart(root, input, title, "requests / s per seed (by completion)", &lines, 0.0..highest * 1.1, &[])
    })
}

/// The services to draw for a chart that ranks them by `score` (highest first, ties in
/// topology order), leaving out those it gives no score: (index, name) pairs, and how many
/// scored services did not fit.
fn ranked(input: &SeriesPlotInput, score: impl Fn(&[ServiceBucket]) -> Option<f64>) -> (Vec<(usize, String)>, usize) {
    let mut scored: Vec<(usize, f64)> = input
        .service_series
        .iter()
        .enumerate()
        .take(input.services.len())
        .filter_map(|(i, s)| Some((i, score(s).filter(|v| v.is_finite())?)))
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let more = scored.len().saturating_sub(SERVICES_MAX);
    (scored.into_iter().take(SERVICES_MAX).map(|(i, _)| (i, input.services[i].clone())).collect(), more)
}

/// A score for [`ranked`]: the sum of `value` over the buckets, when it is positive.
fn total(series: &[ServiceBucket], value: impl Fn(&ServiceBucket) -> f64) -> Option<f64> {
    Some(series.iter().map(value).sum::<f64>()).filter(|&v| v > 0.0)
}

/// The highest point of any line, when it is positive.
fn highest(lines: &[Line]) -> Option<f64> {
    lines.iter().flat_map(|l| l.runs.iter().flatten()).map(|p| p.1).reduce(f64::max).filter(|&h| h > 0.0)
}

/// One line per ranked service, of `value` per bucket, each in its own colour.
fn service_lines(
    input: &SeriesPlotInput,
    chosen: &[(usize, String)],
    more: usize,
    value: impl Fn(&ServiceBucket) -> Option<f64>,
) -> Vec<Line> {
    let mut lines: Vec<Line> = chosen
        .iter()
        .enumerate()
        .map(|(k, (i, name))| Line {
            label: name.clone(),
            colour: colour_of(k),
            dashed: false,
            runs: runs(input, input.service_series[*i].iter().map(&value)),
        })
        .collect();
    if more > 0 {
        lines.push(Line { label: format!("+{more} more services"), colour: MUTED, dashed: false, runs: Vec::new() });
    }
    lines
}

/// Work at each service: the attempts its instances answered per second (solid) and those
/// that succeeded (dashed), for the services that answered most. `None` when no service
/// answered anything.
pub fn service_load_over_time(input: &SeriesPlotInput) -> Option<String> {
    let title = "Attempts and good answers at each service";
    let (chosen, _) = ranked(input, |s| total(s, |b| f64::from(b.answered)));
    let chosen: Vec<_> = chosen.into_iter().take(ENDPOINTS_MAX).collect();
    if chosen.is_empty() {
        return None;
    }
    let rate = per_second(input);
    let mut lines = Vec::new();
    for (k, (i, name)) in chosen.iter().enumerate() {
        let series = &input.service_series[*i];
        lines.push(Line {
            label: format!("{name} attempts"),
            colour: colour_of(k),
            dashed: false,
            runs: runs(input, series.iter().map(|b| Some(f64::from(b.answered) / rate))),
        });
        lines.push(Line {
            label: format!("{name} good"),
            colour: colour_of(k),
            dashed: true,
            runs: runs(input, series.iter().map(|b| Some(f64::from(b.answered - b.failed.min(b.answered)) / rate))),
        });
    }
    let highest = highest(&lines).unwrap_or(1.0);
    Some(render((WIDTH_PX, HEIGHT_PX), title, |root| {
        time_chart(root, input, title, "attempts answered / s per seed", &lines, 0.0..highest * 1.1, &[])
    }))
}

/// Retries sent per second by each service that retried, the most retrying first. `None`
/// when no service retried.
pub fn retries_over_time(input: &SeriesPlotInput) -> Option<String> {
    let title = "Retries sent over time";
    let (chosen, more) = ranked(input, |s| total(s, |b| f64::from(b.retries)));
    if chosen.is_empty() {
        return None;
    }
    let rate = per_second(input);
    let lines = service_lines(input, &chosen, more, |b| Some(f64::from(b.retries) / rate));
    let highest = highest(&lines).unwrap_or(1.0);
    Some(render((WIDTH_PX, HEIGHT_PX), title, |root| {
        time_chart(root, input, title, "retries / s per seed", &lines, 0.0..highest * 1.1, &[])
    }))
}

/// Utilisation over time: busy / available worker time per bucket (%), for the services
/// that came closest to saturation; a bucket in which a service had no workers up (or has
/// unlimited ones) is left out. `None` when no service has bounded workers.
pub fn utilisation_over_time(input: &SeriesPlotInput) -> Option<String> {
    let title = "Utilisation over time";
    let share = |b: &ServiceBucket| {
        (b.capacity_worker_ns > 0).then(|| 100.0 * b.busy_worker_ns as f64 / b.capacity_worker_ns as f64)
    };
    // Every service with bounded workers scores, even one that never got busy.
    let (chosen, more) = ranked(input, |s| s.iter().filter_map(share).reduce(f64::max));
    if chosen.is_empty() {
        return None;
    }
    let lines = service_lines(input, &chosen, more, share);
    let guides = [Guide { value: 100.0, label: "every worker busy".to_owned(), endpoint: None }];
    Some(render((WIDTH_PX, HEIGHT_PX), title, |root| {
        time_chart(root, input, title, "busy workers (%)", &lines, 0.0..105.0, &guides)
    }))
}

/// Queue length over time: the mean number of requests waiting for a worker per bucket, for
/// the services whose queues held most. `None` when nothing ever waited.
pub fn queue_over_time(input: &SeriesPlotInput) -> Option<String> {
    let title = "Requests waiting for a worker over time";
    let (chosen, more) = ranked(input, |s| total(s, |b| b.waiting_ns as f64));
    if chosen.is_empty() {
        return None;
    }
    let width = input.bucket_ns.max(1) as f64 * input.seeds.max(1) as f64;
    let lines = service_lines(input, &chosen, more, |b| Some(b.waiting_ns as f64 / width));
    let highest = highest(&lines).unwrap_or(1.0);
    Some(render((WIDTH_PX, HEIGHT_PX), title, |root| {
        time_chart(root, input, title, "mean requests waiting per seed", &lines, 0.0..highest * 1.1, &[])
    }))
}

/// An endpoint's availability objective: its target and the window its budget covers (ns).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Objective {
    /// Availability target, below 1.
    pub target: f64,
    /// The SLO window (ns).
    pub window_ns: u64,
}

/// The error budget spent as the run goes: per endpoint with an availability objective, the
/// share of its window's budget (%) the failures so far have cost, if this scenario happened
/// once per window and the rest of the window were clean. Each bucket spends its burn rate
/// (failed fraction / (1 − target)) times its width over the window, so the line climbs
/// steeply in a fault and stays flat while nothing fails; its end is the run's spend (the
/// seeds pooled). `None` when no endpoint has an objective.
pub fn budget_over_time(input: &SeriesPlotInput, objectives: &[Option<Objective>]) -> Option<String> {
    let title = "Error budget spent over the run";
    let mut lines = Vec::new();
    for (e, (series, objective)) in input.series.iter().zip(objectives).enumerate() {
        let Some(o) = objective.filter(|o| o.target < 1.0 && o.window_ns > 0) else { continue };
        let step = input.bucket_ns.max(1) as f64 / o.window_ns as f64;
        let mut spent = 0.0;
        let values = series.iter().map(|b| {
            let finished = b.served + b.failed;
            if finished > 0 {
                spent += b.failed as f64 / finished as f64 / (1.0 - o.target) * step * 100.0;
            }
            Some(spent)
        });
        let name = input.endpoints.get(e).map_or("", String::as_str);
        lines.push(Line {
            label: format!("{name} (SLO {})", super::text::pct(o.target)),
            colour: colour_of(e),
            dashed: false,
            runs: runs(input, values),
        });
    }
    if lines.is_empty() {
        return None;
    }
    let highest = highest(&lines).unwrap_or(0.0);
    // The whole budget as a line when the run comes near it; a small spend keeps its own scale.
    let (y_hi, guides) = if highest >= 50.0 {
        let guide = Guide { value: 100.0, label: "whole budget".to_owned(), endpoint: None };
        (highest.max(100.0) * 1.1, vec![guide])
    } else {
        ((highest * 1.2).max(0.01), Vec::new())
    };
    Some(render((WIDTH_PX, HEIGHT_PX), title, |root| {
        time_chart(root, input, title, "budget spent (% of one SLO window's)", &lines, 0.0..y_hi, &guides)
    }))
}

/// Latency over time as a heatmap, one panel per endpoint: each column is a time bucket,
/// each cell a latency bin (log scale, ±12%), shaded by the share of the bucket's served
/// requests that fell in it. Unlike a percentile line it does not jump between bins, and it
/// shows a second mode (a slow retry path, a timeout wall) as a band of its own.
pub fn latency_heatmap(input: &SeriesPlotInput) -> String {
    let title = "Latency over time (heatmap)";
    let panels: Vec<(usize, usize, usize)> = input
        .series
        .iter()
        .enumerate()
        .take(input.endpoints.len())
        .filter_map(|(e, series)| {
            let mut total = LatencyBins::default();
            series.iter().for_each(|b| total.add(&b.latency));
            let lo = total.0.iter().position(|&c| c > 0)?;
            let hi = total.0.iter().rposition(|&c| c > 0)?;
            Some((e, lo, hi))
        })
        .take(ENDPOINTS_MAX)
        .collect();
    if panels.is_empty() {
        return no_data(title, "no endpoint served a request");
    }
    let height = HEIGHT_PX.max(60 + 220 * panels.len() as u32);
    render((WIDTH_PX, height), title, |root| {
        let body = root.titled(title, title_font())?;
        let (w, _) = body.dim_in_pixel();
        let (plot, legend) = body.split_horizontally(w.saturating_sub(LEGEND_WIDTH_PX));
        let areas = plot.split_evenly((panels.len(), 1));
        for (&(e, lo, hi), area) in panels.iter().zip(&areas) {
            heatmap_panel(area, input, e, lo, hi)?;
        }
        let mut entries: Vec<(String, Mark)> = [(1.0, "≥ 50% of a bucket"), (0.2, "10%"), (0.02, "1%")]
            .map(|(s, l)| (l.to_owned(), Mark::Fill(shade(s).into())))
            .to_vec();
        for (k, w) in input.windows.iter().enumerate().take(FAULT_TEXTS.len()) {
            entries.push((format!("fault: {}", w.name), Mark::Line(FAULT_TEXTS[k])));
        }
        let with_samples = input.series.iter().take(input.endpoints.len()).filter(|s| s.iter().any(|b| b.served > 0));
        let more = with_samples.count().saturating_sub(panels.len());
        if more > 0 {
            entries.push((format!("+{more} more endpoints not shown"), Mark::Line(MUTED)));
        }
        draw_legend(&legend, &entries)
    })
}

/// A cell's colour for `share` of its bucket (0..1): white to dark blue, on a square-root
/// scale so that a 1% tail still shows.
fn shade(share: f64) -> RGBColor {
    let t = (share.clamp(0.0, 1.0) * 2.0).min(1.0).sqrt();
    let mix = |from: f64, to: f64| (from + (to - from) * t).round() as u8;
    RGBColor(mix(247.0, 8.0), mix(251.0, 48.0), mix(255.0, 107.0))
}

/// One endpoint's heatmap over bins `lo..=hi`, fault windows marked by their start and end.
fn heatmap_panel(area: &Area, input: &SeriesPlotInput, e: usize, lo: usize, hi: usize) -> DrawResult {
    let end_s = axis_end(input);
    let bucket_s = input.bucket_ns.max(1) as f64 / 1e9;
    let bound_ms = |i: usize| LatencyBins::lower_ns(i) / 1e6;
    let (y_lo, y_hi) = (bound_ms(lo), bound_ms((hi + 1).min(LATENCY_BINS)).max(bound_ms(lo) * 1.25));
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .caption(format!("{}: served latency per time bucket", input.endpoints[e]), label_font())
        .x_label_area_size(34)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..end_s, (y_lo..y_hi).log_scale())?;
    chart
        .configure_mesh()
        .x_desc("time (s)")
        .y_desc("latency (ms, log)")
        .x_label_formatter(&|v| tick(*v))
        .y_labels(6)
        .y_label_formatter(&|v| super::text::sig(*v, 2))
        .label_style(small_font())
        .axis_desc_style(label_font())
        .light_line_style(GRID)
        .draw()?;
    let series = &input.series[e];
    let mut cells = Vec::new();
    for (i, b) in series.iter().enumerate() {
        let total = b.latency.count();
        let x0 = i as f64 * bucket_s;
        if total == 0 || x0 >= end_s {
            continue;
        }
        for (k, &c) in b.latency.0.iter().enumerate().take(hi + 1).skip(lo) {
            if c > 0 {
                let share = f64::from(c) / total as f64;
                cells.push(Rectangle::new(
                    [(x0, bound_ms(k)), ((x0 + bucket_s).min(end_s), bound_ms(k + 1).min(y_hi))],
                    shade(share).filled(),
                ));
            }
        }
    }
    chart.draw_series(cells)?;
    for (k, w) in input.windows.iter().enumerate() {
        let colour = FAULT_TEXTS[k % FAULT_TEXTS.len()];
        for x in [w.start_s, w.end_s].into_iter().filter(|x| x.is_finite() && *x >= 0.0 && *x <= end_s) {
            chart.draw_series(std::iter::once(PathElement::new(vec![(x, y_lo), (x, y_hi)], colour.stroke_width(1))))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::run::Bucket;
    use crate::report::plots::Window;

    /// Two endpoints and two services over ten 1 s buckets, with a fault from 4 s to 6 s in
    /// which one service retries, saturates and queues.
    fn storm() -> SeriesPlotInput {
        let mut series = vec![vec![Bucket::default(); 10]; 2];
        let mut services = vec![vec![ServiceBucket::default(); 10]; 2];
        for i in 0..10 {
            let storm = (4..6).contains(&i);
            for (e, s) in series.iter_mut().enumerate() {
                s[i].served = if storm { 50 } else { 100 } + e as u64;
                s[i].failed = if storm { 50 } else { 0 };
                for _ in 0..s[i].served {
                    s[i].latency.record(if storm { 400_000_000 } else { 20_000_000 });
                }
            }
            services[0][i] = ServiceBucket {
                answered: if storm { 400 } else { 100 },
                failed: if storm { 300 } else { 0 },
                busy_worker_ns: if storm { 4_000_000_000 } else { 1_000_000_000 },
                capacity_worker_ns: 4_000_000_000,
                retries: if storm { 300 } else { 0 },
                waiting_ns: if storm { 30_000_000_000 } else { 0 },
            };
            services[1][i] = ServiceBucket { answered: 100, capacity_worker_ns: 0, ..ServiceBucket::default() };
        }
        SeriesPlotInput {
            endpoints: vec!["checkout".into(), "browse".into()],
            series,
            bucket_ns: 1_000_000_000,
            warmup_s: 1.0,
            end_s: 10.0,
            windows: vec![Window { name: "db slow".into(), start_s: 4.0, end_s: 6.0 }],
            services: vec!["api".into(), "edge".into()],
            service_series: services,
            seeds: 2,
        }
    }

    fn texts(svg: &str) -> Vec<String> {
        let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not well-formed: {e}"));
        doc.descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text().map(|t| t.trim().to_owned()))
            .collect()
    }

    #[test]
    fn a_retry_storm_shows_in_load_retries_utilisation_and_queue() {
        let input = storm();
        let load = load_over_time(&input);
        let t = texts(&load);
        assert!(t.iter().any(|s| s == "checkout offered") && t.iter().any(|s| s == "checkout goodput"), "{t:?}");
        let retries = retries_over_time(&input).expect("api retried");
        let t = texts(&retries);
        assert!(t.iter().any(|s| s == "api") && !t.iter().any(|s| s == "edge"), "only services that retried: {t:?}");
        let util = utilisation_over_time(&input).expect("api has workers");
        assert!(texts(&util).iter().any(|s| s == "every worker busy"));
        assert!(!texts(&util).iter().any(|s| s == "edge"), "unlimited workers are not drawn");
        assert!(queue_over_time(&input).is_some());
        assert!(service_load_over_time(&input).is_some());
        for svg in [&load, &retries, &util] {
            assert_eq!(texts(svg).iter().filter(|s| s.contains("db slow")).count(), 2, "named above and in the legend");
        }
        let mut calm = input.clone();
        calm.service_series.iter_mut().flatten().for_each(|b| (b.retries, b.waiting_ns) = (0, 0));
        assert!(retries_over_time(&calm).is_none() && queue_over_time(&calm).is_none(), "nothing to show, no chart");
    }

    #[test]
    fn the_budget_climbs_in_the_fault_and_the_heatmap_has_a_cell_per_bin() {
        let input = storm();
        let objective = Objective { target: 0.99, window_ns: 10 * 1_000_000_000 };
        let svg = budget_over_time(&input, &[Some(objective), None]).expect("one objective");
        let t = texts(&svg);
        assert!(t.iter().any(|s| s == "checkout (SLO 99.00%)") && !t.iter().any(|s| s.starts_with("browse")), "{t:?}");
        // Two buckets half failed against a 1% budget over a 10 s window: 2 × 50 × 10% = 1000%.
        assert!(t.iter().any(|s| s == "whole budget"));
        assert!(budget_over_time(&input, &[None, None]).is_none());
        let heat = latency_heatmap(&input);
        let t = texts(&heat);
        assert!(t.iter().any(|s| s.starts_with("checkout: served latency")), "{t:?}");
        assert!(t.iter().any(|s| s == "fault: db slow"));
        // Ten buckets with one full bin each, for each of two endpoints, and the legend's swatch.
        let full = shade(1.0);
        let fill = format!("fill=\"#{:02X}{:02X}{:02X}\"", full.0, full.1, full.2);
        assert_eq!(heat.matches(&fill).count(), 21, "{heat}");
        assert_eq!(heat, latency_heatmap(&input), "same input, same bytes");
    }
}
