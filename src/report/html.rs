//! The results of many seeds as one self-contained HTML page (`faultsim report`, and
//! `index.html` beside every `--out` folder's `results.json`).
//!
//! The page has everything inline: one `<style>` element and the charts as `<svg>`
//! elements; it loads nothing (no scripts, fonts, images or links to other sites), so it
//! opens the same from a laptop, a CI artifact or an air-gapped machine. Every name comes
//! from a user's file and is escaped. The bytes are a pure function of the results (and
//! the scenario, when it is known): no timestamps, no paths, no randomness. The markup is
//! also well-formed XML (void elements self-closed, the style free of `<` and `&`), so
//! tests can parse the whole page.

use std::fmt::Write;

use super::text::{ms, num_ci, pct, pct_ci};
use crate::montecarlo::summary::Results;
use crate::scenario::Scenario;

/// One chart: shown on the page and written to its own file beside it.
#[derive(Clone, Debug, PartialEq)]
pub struct Plot {
    /// File name in the output folder, e.g. `availability.svg`.
    pub file: String,
    /// What the chart shows, one sentence (the caption under it).
    pub caption: String,
    /// The SVG document.
    pub svg: String,
}

/// The charts of many seeds' results, in page order. The topology graph needs the
/// scenario (a results file does not hold the topology's shape), so it is left out
/// without one.
pub fn results_plots(results: &Results, scenario: Option<&Scenario>) -> Vec<Plot> {
    charts::all(results, scenario)
}

/// The charts, behind one function so that their source can change without touching the page.
mod charts {
    use super::Plot;
    use crate::montecarlo::summary::Results;
    use crate::report::{load_plots, plots};
    use crate::scenario::Scenario;

    /// Every chart for `results`, drawn by [`plots`].
    pub(super) fn all(r: &Results, scenario: Option<&Scenario>) -> Vec<Plot> {
        let names: Vec<String> = r.meta.endpoints.iter().map(|e| e.name.clone()).collect();
        let windows: Vec<plots::Window> = r
            .meta
            .faults
            .iter()
            .map(|f| plots::Window {
                name: f.name.clone(),
                start_s: f.start_ns as f64 / 1e9,
                end_s: f.end_ns as f64 / 1e9,
            })
            .collect();
        let series = plots::SeriesPlotInput::of_results(r, windows);
        let per_seed = plots::per_seed_availabilities(&r.data, names.len());
        let mut list = vec![
            plot(
                "availability.svg",
                "Availability over time: served / finished requests per time bucket, all seeds summed; \
                 the warm-up is grey, each fault window in its own colour, named in the legend.",
                plots::availability_over_time(&series),
            ),
            plot(
                "nines.svg",
                "Availability over time in nines (−log10 of the failed fraction per bucket, all seeds summed), \
                 each SLO as a dashed line in its endpoint's colour: a bucket below its line burns error budget; \
                 a bucket without a failure sits on the top edge (no failure seen).",
                plots::nines_over_time(
                    &series,
                    &r.meta.endpoints.iter().map(|e| e.slo.as_ref().and_then(|s| s.availability)).collect::<Vec<_>>(),
                ),
            ),
            plot(
                "load.svg",
                "Offered load (solid) and goodput (dashed) per endpoint: requests finishing per second per seed, \
                 by completion time; the gap between the lines is the load that failed.",
                load_plots::load_over_time(&series),
            ),
            plot(
                "latency.svg",
                "Mean latency of served requests per time bucket, all seeds summed.",
                plots::latency_over_time(&series),
            ),
            plot(
                "latency_heatmap.svg",
                "Latency over time as a heatmap: per time bucket, the share of its served requests in each \
                 latency bin (log-spaced, ±12%), all seeds merged; fault windows start and end at the coloured lines.",
                load_plots::latency_heatmap(&series),
            ),
            plot(
                "latency_cdf.svg",
                "Latency distribution of served requests (the fraction served within each latency), all seeds merged.",
                plots::latency_cdf(&names, &r.data.latency),
            ),
            plot(
                "seed_availability.svg",
                "How availability varies between seeds: one histogram per endpoint.",
                plots::per_seed_availability(&names, &per_seed),
            ),
            plot(
                "seed_nines.svg",
                "How the nines vary between seeds: one histogram per endpoint.",
                plots::per_seed_nines(&names, &per_seed),
            ),
        ];
        // Charts of parts the model may not have: drawn only when there is something to show.
        let objectives: Vec<Option<load_plots::Objective>> = r
            .meta
            .endpoints
            .iter()
            .map(|e| {
                let slo = e.slo.as_ref()?;
                Some(load_plots::Objective { target: slo.availability?, window_ns: slo.window_ns })
            })
            .collect();
        let optional = [
            (
                "budget.svg",
                "Error budget spent as the run goes, per endpoint with an availability SLO: the share of one SLO \
                 window's budget the failures so far cost if this scenario happens once per window (all seeds \
                 pooled); steep where the faults burn it.",
                load_plots::budget_over_time(&series, &objectives),
            ),
            (
                "service_load.svg",
                "Attempts each service answered per second per seed (solid) and those that succeeded (dashed), \
                 for the busiest services: attempts climbing while good answers fall is a retry storm.",
                load_plots::service_load_over_time(&series),
            ),
            (
                "retries.svg",
                "Retries each service sent per second per seed, for the services that retried most.",
                load_plots::retries_over_time(&series),
            ),
            (
                "utilisation.svg",
                "Busy / available worker time per time bucket, for the services closest to saturation.",
                load_plots::utilisation_over_time(&series),
            ),
            (
                "queue.svg",
                "Mean requests waiting for a worker per time bucket, per seed, for the services whose queues held most.",
                load_plots::queue_over_time(&series),
            ),
        ];
        // The budget goes after the nines (it belongs with the SLO), the rest after the load.
        for (file, caption, svg) in optional {
            if let Some(svg) = svg {
                let after = if file == "budget.svg" { "nines.svg" } else { after_load(&list) };
                let at = list.iter().position(|p| p.file == after).map_or(list.len(), |i| i + 1);
                list.insert(at, plot(file, caption, svg));
            }
        }
        if let Some(s) = scenario {
            // Coloured by what the runs measured, not by the analytic model: a design that
            // analysis calls sound can still lose half its requests in this scenario.
            let availability: Vec<f64> = r.endpoints.iter().map(|e| e.availability.value).collect();
            list.push(plot(
                "topology.svg",
                "The topology, coloured by the availability measured in these runs: call depth left to right, \
                 failure domains top to bottom.",
                plots::topology_graph(&s.topology, &availability),
            ));
        }
        list
    }

    /// The last chart of the load group (the load chart and the service charts after it).
    fn after_load(list: &[Plot]) -> &str {
        const GROUP: [&str; 5] = ["load.svg", "service_load.svg", "retries.svg", "utilisation.svg", "queue.svg"];
        list.iter().rev().find(|p| GROUP.contains(&p.file.as_str())).map_or("load.svg", |p| p.file.as_str())
    }

    fn plot(file: &str, caption: &str, svg: String) -> Plot {
        Plot { file: file.to_owned(), caption: caption.to_owned(), svg }
    }
}

/// Escapes text for HTML and XML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

/// The part of an SVG document that goes into a page: from `<svg` on (an XML declaration
/// or doctype before it has no place inside HTML).
pub fn inline_svg(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => svg[i..].trim_end(),
        None => svg.trim_end(),
    }
}

/// The width (px) an SVG document declares on its root element, if it is a plain number.
fn svg_width(svg: &str) -> Option<u32> {
    let tag = inline_svg(svg);
    let tag = &tag[..tag.find('>')?];
    let rest = &tag[tag.find(" width=\"")? + " width=\"".len()..];
    rest[..rest.find('"')?].trim_end_matches("px").parse().ok()
}

pub(crate) const STYLE: &str = "
:root { color-scheme: light; --fg: #1d232b; --muted: #5b6672; --line: #d5dbe1; --head: #f2f4f7;
  --ok: #1f7a3a; --okbg: #e3f4e8; --bad: #a32020; --badbg: #fbe5e5; --warn: #8a5a00; --warnbg: #fff3d6; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1320px; padding: 24px 24px 40px; color: var(--fg); background: #fff;
  font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
p { margin: 6px 0; }
.muted, .note { color: var(--muted); }
.note { font-size: 13px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, 'Liberation Mono', monospace; font-size: 13px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 12px 0; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 8px 0; font-size: 14px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 9px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th { background: var(--head); font-weight: 600; vertical-align: bottom; }
th:first-child, td:first-child, th.l, td.l { text-align: left; }
td.text { text-align: left; white-space: normal; }
tbody tr:hover { background: #f8f9fb; }
.few { color: var(--warn); }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 13px; font-weight: 600; }
.ok { color: var(--ok); background: var(--okbg); }
.bad { color: var(--bad); background: var(--badbg); }
.warn { color: var(--warn); background: var(--warnbg); }
.banner { padding: 8px 12px; border-radius: 6px; margin: 12px 0; }
ul.headline { list-style: none; padding: 0; font-size: 16px; }
ul.headline li { margin: 6px 0; }
figure { margin: 16px 0 28px; }
.plot svg { display: block; width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { margin-top: 6px; color: var(--muted); font-size: 14px; }
details summary { cursor: pointer; color: var(--muted); margin: 6px 0; }
footer { margin-top: 40px; padding-top: 10px; border-top: 1px solid var(--line); color: var(--muted); font-size: 13px; }
";

/// The page's opening answer, one line per SLO: met in k of n seeds with its interval, the
/// measured availability and nines with theirs, and the error budget's burn rate and spend
/// per window (when the scenario is at hand to compute them from).
fn headline(r: &Results, scenario: Option<&Scenario>) -> String {
    let mut o = String::new();
    let slos: Vec<_> = r
        .endpoints
        .iter()
        .zip(&r.meta.endpoints)
        .filter_map(|(e, em)| Some((e, em.slo.as_ref()?, e.slo.as_ref()?)))
        .collect();
    if slos.is_empty() {
        return o;
    }
    let budgets = scenario.map(|s| crate::montecarlo::budget::budgets(s, &r.data)).unwrap_or_default();
    o.push_str("<section id=\"headline\">\n<h2>SLOs</h2>\n<ul class=\"headline\">\n");
    for (e, slo, st) in slos {
        let class = if st.seeds_meeting == r.seeds && r.seeds > 0 {
            "ok"
        } else if st.seeds_meeting == 0 {
            "bad"
        } else {
            "warn"
        };
        let mut objective = Vec::new();
        if let Some(a) = slo.availability {
            objective.push(format!("availability ≥ {}", pct(a)));
        }
        if let Some(l) = &slo.latency {
            objective.push(format!("p{} ≤ {}", l.percentile, crate::units::Duration::from_nanos(l.max_ns)));
        }
        let budget = budgets.iter().find(|b| b.endpoint == e.name && b.source == "slo").map_or_else(String::new, |b| {
            format!(
                "; error budget over {}: burn rate {}, {} of it spent if this happens once a window",
                crate::units::Duration::from_nanos(b.window_ns),
                num_ci(&b.burn_rate, 2),
                pct_ci(&b.spent_once)
            )
        });
        let _ = writeln!(
            o,
            "<li><span class=\"badge {class}\">met in {}/{} seeds</span> <b>{}</b> ({}): fraction of seeds meeting it {}; \
             availability {}, {} nines{budget}.</li>",
            st.seeds_meeting,
            r.seeds,
            escape(&e.name),
            escape(&objective.join(", ")),
            pct_ci(&st.fraction),
            pct_ci(&e.availability),
            num_ci(&e.nines, 2),
        );
    }
    o.push_str("</ul>\n</section>\n");
    o
}

/// A table: `head` cells, then rows of already-escaped HTML cells. Numbers are aligned
/// right; the first column and the columns in `text` (text, not numbers) left.
fn table(o: &mut String, head: &[&str], text: &[usize], rows: &[Vec<String>]) {
    let class = |i: usize| if text.contains(&i) { " class=\"l\"" } else { "" };
    o.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
    for (i, h) in head.iter().enumerate() {
        let _ = write!(o, "<th{}>{}</th>", class(i), escape(h));
    }
    o.push_str("</tr></thead>\n<tbody>\n");
    for r in rows {
        o.push_str("<tr>");
        for (i, c) in r.iter().enumerate() {
            let _ = write!(o, "<td{}>{c}</td>", class(i));
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</tbody>\n</table></div>\n");
}

/// The kind of a fault, from its variant name (`Crash`, `Latency`, …).
fn fault_kind(f: &crate::scenario::Fault) -> String {
    format!("{f:?}").chars().take_while(char::is_ascii_alphanumeric).collect()
}

/// The page of many seeds' results: header, verdicts, tables, `plots` and the replay
/// command (`replay` is the command prefix that reruns one seed, as in the text summary).
/// With the scenario, the page also lists its description and fault timeline.
pub fn results_page(results: &Results, scenario: Option<&Scenario>, plots: &[Plot], replay: &str) -> String {
    let r = results;
    let m = &r.meta;
    let mut o = String::new();
    let title = format!("faultsim: {}", m.scenario);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&title)
    );

    // Header.
    let last = m.first_seed + m.seed_count.saturating_sub(1);
    let _ = writeln!(o, "<header>\n<h1>{}</h1>", escape(&m.scenario));
    if let Some(s) = scenario.filter(|s| !s.description.trim().is_empty()) {
        let _ = writeln!(o, "<p>{}</p>", escape(s.description.trim()));
    }
    o.push_str("<dl class=\"meta\">\n");
    let mut meta_row = |k: &str, v: String| {
        let _ = writeln!(o, "<dt>{}</dt><dd>{v}</dd>", escape(k));
    };
    meta_row("topology", escape(&m.topology));
    let shard = m.shard.map(|s| format!(" (shard {}/{})", s.index, s.count)).unwrap_or_default();
    meta_row("seeds", format!("{} of {}..={}{}", r.seeds, m.first_seed, last, escape(&shard)));
    meta_row(
        "simulated",
        format!(
            "{} per seed; requests arriving after the {} warm-up are measured; time buckets of {}{}",
            crate::units::Duration(m.duration_ns),
            crate::units::Duration(m.warmup_ns),
            crate::units::Duration(m.bucket_ns),
            m.bucket_widened_from_ns.map_or_else(String::new, super::summary::widened_from)
        ),
    );
    meta_row("intervals", "95%, from the spread between seeds (each seed is one independent replication)".to_owned());
    meta_row("scenario file", format!("<code>sha256 {}</code>", escape(&m.inputs.scenario)));
    meta_row("topology file", format!("<code>sha256 {}</code>", escape(&m.inputs.topology)));
    for (i, t) in m.inputs.traces.iter().enumerate() {
        meta_row(&format!("trace file {}", i + 1), format!("<code>sha256 {}</code>", escape(t)));
    }
    meta_row("faultsim", escape(&m.tool_version));
    o.push_str("</dl>\n</header>\n");
    o.push_str(&headline(r, scenario));

    // Verdicts.
    o.push_str("<section id=\"verdicts\">\n<h2>Verdicts</h2>\n");
    if !r.stopped.is_empty() {
        let _ = writeln!(
            o,
            "<p class=\"banner warn\">Inconclusive: {} of {} seeds stopped at a limit; their figures cover the run \
             up to the stop (see <a href=\"#stopped\">stopped seeds</a>).</p>",
            r.stopped.len(),
            r.seeds
        );
    }
    let slos: Vec<_> = r
        .endpoints
        .iter()
        .zip(&m.endpoints)
        .filter_map(|(e, em)| Some((e, em.slo.as_ref()?, e.slo.as_ref()?)))
        .collect();
    if slos.is_empty() {
        o.push_str("<p class=\"muted\">No endpoint has an SLO, so there is nothing to judge.</p>\n");
    } else {
        o.push_str("<p class=\"muted\">A seed meets an endpoint's SLO when its own availability and latency do.</p>\n");
        let mut rows = Vec::new();
        for (e, slo, st) in slos {
            let mut objective = Vec::new();
            if let Some(a) = slo.availability {
                objective.push(format!("availability ≥ {}", pct(a)));
            }
            if let Some(l) = &slo.latency {
                objective.push(format!("p{} ≤ {}", l.percentile, crate::units::Duration::from_nanos(l.max_ns)));
            }
            let verdict = if r.seeds == 0 {
                "<span class=\"badge warn\">no seeds</span>".to_owned()
            } else if st.seeds_meeting == r.seeds {
                "<span class=\"badge ok\">met in every seed</span>".to_owned()
            } else if st.seeds_meeting == 0 {
                "<span class=\"badge bad\">missed in every seed</span>".to_owned()
            } else {
                format!(
                    "<span class=\"badge warn\">missed in {} of {} seeds</span>",
                    r.seeds - st.seeds_meeting,
                    r.seeds
                )
            };
            rows.push(vec![
                escape(&e.name),
                escape(&objective.join(", ")),
                format!("{}/{}", st.seeds_meeting, r.seeds),
                pct_ci(&st.fraction),
                verdict,
            ]);
        }
        table(
            &mut o,
            &["endpoint", "objective", "seeds meeting", "fraction [95% Wilson CI]", "verdict"],
            &[1, 4],
            &rows,
        );
    }
    if !r.verdicts.is_empty() {
        use crate::montecarlo::verdict::Judgement;
        o.push_str(
            "<p class=\"muted\">Hypotheses are checked on every seed and judged by the exact 95% interval of their \
             pass rate against the required fraction of seeds.</p>\n",
        );
        let rows: Vec<Vec<String>> = r
            .verdicts
            .iter()
            .map(|v| {
                let badge = match v.judgement {
                    Judgement::Pass => "<span class=\"badge ok\">pass</span>",
                    Judgement::Fail => "<span class=\"badge bad\">fail</span>",
                    Judgement::Inconclusive => "<span class=\"badge warn\">inconclusive</span>",
                    Judgement::NotEvaluable => "<span class=\"badge warn\">not evaluated</span>",
                };
                let mut failing: Vec<String> = v.failing_seeds.iter().take(5).map(u64::to_string).collect();
                if v.failing_seeds.len() > 5 {
                    failing.push(format!("… and {} more", v.failing_seeds.len() - 5));
                }
                vec![
                    escape(&v.name),
                    escape(&v.claim),
                    format!("{}/{}", v.passed, v.evaluated),
                    pct_ci(&v.pass_rate),
                    pct(v.required),
                    badge.to_owned(),
                    escape(&v.note.clone().unwrap_or_else(|| failing.join(", "))),
                ]
            })
            .collect();
        table(
            &mut o,
            &[
                "hypothesis",
                "claim",
                "seeds passing",
                "pass rate [95% exact CI]",
                "required",
                "verdict",
                "note / failing seeds",
            ],
            &[1, 5, 6],
            &rows,
        );
    }
    o.push_str("</section>\n");

    // Endpoints.
    o.push_str("<section id=\"endpoints\">\n<h2>Endpoints</h2>\n");
    let extra = super::patterns::causes_present(r.endpoints.iter().map(|e| &e.failed));
    let rows: Vec<Vec<String>> = r
        .endpoints
        .iter()
        .map(|e| {
            vec![
                escape(&e.name),
                e.requests.to_string(),
                pct_ci(&e.availability),
                num_ci(&e.nines, 2),
                e.slo.as_ref().map_or_else(|| "-".to_owned(), |s| format!("{}/{}", s.seeds_meeting, r.seeds)),
                e.degraded.to_string(),
                e.failed.timeout.to_string(),
                e.failed.rejected.to_string(),
                e.failed.unavailable.to_string(),
                e.failed.error.to_string(),
                e.failed.unfinished.to_string(),
            ]
            .into_iter()
            .chain(extra.iter().map(|&c| e.failed.get(c).to_string()))
            .collect()
        })
        .collect();
    let head: Vec<&str> = [
        "endpoint",
        "requests",
        "availability [95% CI]",
        "nines [95% CI]",
        "SLO met",
        "degraded",
        "timeout",
        "rejected",
        "unavailable",
        "error",
        "unfinished",
    ]
    .into_iter()
    .chain(extra.iter().map(|c| c.name()))
    .collect();
    table(&mut o, &head, &[], &rows);
    o.push_str(
        "<p class=\"note\">Availability is the mean of the per-seed availabilities (served, degraded included, / \
         finished); failures are counted by cause over all seeds.</p>\n</section>\n",
    );

    // Latency.
    o.push_str("<section id=\"latency\">\n<h2>Latency of served requests</h2>\n");
    let mut warned = false;
    let rows: Vec<Vec<String>> = r
        .endpoints
        .iter()
        .map(|e| {
            let l = &e.latency;
            let mark = |name: &str, v: u64| {
                if l.samples == 0 {
                    "-".to_owned()
                } else if l.too_few_samples.iter().any(|n| n == name) {
                    format!("<span class=\"few\" title=\"too few samples to trust\">{}*</span>", ms(v))
                } else {
                    ms(v)
                }
            };
            warned |= !l.too_few_samples.is_empty() && l.samples > 0;
            let none = l.samples == 0;
            vec![
                escape(&e.name),
                l.samples.to_string(),
                if none { "-".into() } else { ms(l.mean_ns) },
                mark("p50", l.p50_ns),
                mark("p90", l.p90_ns),
                mark("p99", l.p99_ns),
                mark("p99.9", l.p999_ns),
                if none {
                    "-".into()
                } else {
                    format!("{} / {} / {}", ms(l.p99_per_seed[0]), ms(l.p99_per_seed[1]), ms(l.p99_per_seed[2]))
                },
                if none { "-".into() } else { format!("{} ms", num_ci(&l.mean_ms_per_seed, 2)) },
            ]
        })
        .collect();
    table(
        &mut o,
        &[
            "endpoint",
            "samples",
            "mean",
            "p50",
            "p90",
            "p99",
            "p99.9",
            "per-seed p99: min / median / max",
            "per-seed mean [95% CI]",
        ],
        &[],
        &rows,
    );
    o.push_str("<p class=\"note\">Percentiles come from the histograms of all seeds merged");
    if warned {
        o.push_str(
            "; <span class=\"few\">*</span> marks too few samples to trust: a p99 needs ≥ 1000 samples, a p99.9 \
             ≥ 10000 (run more seeds)",
        );
    }
    o.push_str(".</p>\n</section>\n");

    // Services.
    o.push_str("<section id=\"services\">\n<h2>Services</h2>\n");
    let rows: Vec<Vec<String>> = r
        .services
        .iter()
        .map(|s| {
            vec![
                escape(&s.name),
                pct_ci(&s.utilisation),
                num_ci(&s.attempts_per_call, 2),
                num_ci(&s.retries, 0),
                num_ci(&s.wasted_s, 1),
                num_ci(&s.rejected, 0),
            ]
        })
        .collect();
    table(
        &mut o,
        &["service", "utilisation", "attempts / call", "retries / seed", "wasted s / seed", "rejected / seed"],
        &[],
        &rows,
    );
    o.push_str("<p class=\"note\">Per-seed means with their 95% intervals.</p>\n</section>\n");

    // Resilience patterns, when some service's patterns acted in some seed.
    if r.services.iter().any(|s| !s.patterns.is_empty()) {
        o.push_str("<section id=\"patterns\">\n<h2>Resilience patterns</h2>\n");
        let rows: Vec<Vec<String>> = r
            .services
            .iter()
            .flat_map(|s| {
                s.patterns.iter().map(|p| {
                    vec![
                        escape(&s.name),
                        escape(&p.action),
                        super::text::count_ci(&p.per_seed, 1),
                        format!("{}/{}", p.seeds, r.seeds),
                    ]
                })
            })
            .collect();
        table(&mut o, &["service", "action", "times per seed [95% CI]", "seeds"], &[1], &rows);
        o.push_str(
            "<p class=\"note\">What each service's breakers, bulkheads, throttles, retry budgets, fallbacks, rate \
             limits, shedding and deadlines did after the warm-up; call-side patterns count at the caller.</p>\n\
             </section>\n",
        );
    }

    // Theory beside the simulation, where an endpoint is one station with a closed form.
    if !r.theory.is_empty() {
        o.push_str("<section id=\"theory\">\n<h2>Theory beside the simulation</h2>\n");
        let mut rows = Vec::new();
        for t in &r.theory {
            for q in &t.quantities {
                let scale = if q.quantity.starts_with("mean latency") { 1e3 } else { 1e2 };
                let unit = if scale == 1e3 { " ms" } else { "%" };
                let e = &q.simulated;
                rows.push(vec![
                    escape(&t.endpoint),
                    escape(&format!("{} {}", t.service, t.model)),
                    escape(q.quantity.trim_end_matches(" (s)")),
                    format!("{}{unit}", super::text::num(q.theory * scale, 4)),
                    format!(
                        "{}{unit} [{}, {}]",
                        super::text::num(e.value * scale, 4),
                        super::text::num(e.low * scale, 4),
                        super::text::num(e.high * scale, 4)
                    ),
                    if q.inside {
                        "<span class=\"badge ok\">inside</span>".to_owned()
                    } else {
                        "<span class=\"badge warn\">outside</span>".to_owned()
                    },
                ]);
            }
        }
        table(&mut o, &["endpoint", "station", "quantity", "theory", "simulated [95% CI]", ""], &[1, 2, 5], &rows);
        o.push_str(
            "<p class=\"note\">The M/M/c/K closed form of each endpoint whose path is one station, beside the \
             per-seed mean; a 95% interval misses the truth about one time in twenty.</p>\n</section>\n",
        );
    }

    // Infrastructure, when the topology has memory models, queues, datastores or autoscalers:
    // data lost, OOM kills, failovers with their RTO and RPO.
    if let Some(x) = r.infra.as_ref() {
        o.push_str("<section id=\"infra\">\n<h2>Infrastructure</h2>\n");
        let rows: Vec<Vec<String>> =
            super::infra::infra_rows(x).iter().map(|row| row.iter().map(|c| escape(c)).collect()).collect();
        table(&mut o, &super::infra::INFRA_COLUMNS, &[0], &rows);
        o.push_str(
            "<p class=\"note\">Per-seed means with their 95% intervals, and the seeds in which each happened at all.</p>\n\
             </section>\n",
        );
    }

    // Connection pools, when the topology has datastores: who holds the connections.
    if let Some(pools) = r.infra.as_ref().map(|x| &x.pools).filter(|p| !p.is_empty()) {
        o.push_str("<section id=\"pools\">\n<h2>Connection pools</h2>\n");
        let rows: Vec<Vec<String>> =
            pools.iter().map(|p| super::infra::pool_cells(p).iter().map(|c| escape(c)).collect()).collect();
        table(&mut o, &super::infra::POOL_COLUMNS, &[0, 1], &rows);
        o.push_str(
            "<p class=\"note\">Per caller, per-seed means with their 95% intervals. Held: connections (all nodes). \
             Gave up waiting: calls that got a connection only after their caller had timed out.</p>\n</section>\n",
        );
    }

    // Faults, when the scenario is known: each endpoint's availability while each was on.
    if let Some(s) = scenario.filter(|s| !s.faults.is_empty()) {
        o.push_str("<section id=\"faults\">\n<h2>Faults</h2>\n");
        let mut head = vec!["fault", "kind", "from", "to"];
        head.extend(m.endpoints.iter().map(|e| e.name.as_str()));
        let bucket = m.bucket_ns.max(1);
        let rows: Vec<Vec<String>> = s
            .faults
            .iter()
            .map(|f| {
                let end = f.end.unwrap_or(s.duration);
                let mut row =
                    vec![escape(&f.name), escape(&fault_kind(&f.fault)), f.start.to_string(), end.to_string()];
                for series in r.data.series.iter().take(m.endpoints.len()) {
                    let first = (f.start.as_nanos() / bucket) as usize;
                    let last = (end.as_nanos().div_ceil(bucket) as usize).min(series.len());
                    let (ok, bad) = series
                        .get(first..last)
                        .unwrap_or(&[])
                        .iter()
                        .fold((0u64, 0u64), |(a, b), x| (a + x.served, b + x.failed));
                    row.push(if ok + bad == 0 { "-".into() } else { pct(ok as f64 / (ok + bad) as f64) });
                }
                row
            })
            .collect();
        table(&mut o, &head, &[1], &rows);
        o.push_str(
            "<p class=\"note\">Availability of each endpoint over the time buckets the fault covered, all seeds \
             merged.</p>\n</section>\n",
        );
    }

    // Stopped seeds.
    if !r.stopped.is_empty() {
        o.push_str("<section id=\"stopped\">\n<h2>Stopped seeds</h2>\n");
        let rows: Vec<Vec<String>> = r
            .stopped
            .iter()
            .map(|s| {
                vec![s.seed.to_string(), escape(&s.limit), format!("<code>{} --seed {}</code>", escape(replay), s.seed)]
            })
            .collect();
        table(&mut o, &["seed", "limit", "replay"], &[1, 2], &rows);
        o.push_str("</section>\n");
    }

    // Plots.
    if !plots.is_empty() {
        o.push_str("<section id=\"plots\">\n<h2>Plots</h2>\n");
        for p in plots {
            let id = p.file.trim_end_matches(".svg");
            // Drawn at its own width at most, shrunk to fit a narrower page down to 4/5 of it
            // (below that its text gets too small to read, so the figure scrolls instead).
            let size = svg_width(&p.svg)
                .map(|w| format!(" style=\"max-width: {w}px; min-width: {}px\"", w * 4 / 5))
                .unwrap_or_default();
            let _ = write!(
                o,
                "<figure id=\"plot-{}\">\n<div class=\"scroll\"><div class=\"plot\"{size}>\n{}\n</div></div>\n\
                 <figcaption>{} <span class=\"mono\">({})</span></figcaption>\n</figure>\n",
                escape(id),
                inline_svg(&p.svg),
                escape(&p.caption),
                escape(&p.file)
            );
        }
        o.push_str("</section>\n");
    }

    // Per seed.
    o.push_str("<section id=\"seeds\">\n<h2>Seeds</h2>\n<details>\n");
    let _ = writeln!(o, "<summary>Each seed's availability, events and fingerprint ({} seeds)</summary>", r.seeds);
    let mut head = vec!["seed", "events", "fingerprint", "stopped"];
    head.extend(m.endpoints.iter().map(|e| e.name.as_str()));
    let rows: Vec<Vec<String>> = r
        .data
        .records
        .iter()
        .map(|rec| {
            let mut row = vec![
                rec.seed.to_string(),
                rec.events.to_string(),
                format!("<code>{}</code>", escape(&rec.fingerprint)),
                if rec.limit.is_some() { "yes".into() } else { "-".into() },
            ];
            row.extend(rec.endpoints.iter().map(|e| pct(e.availability())));
            row
        })
        .collect();
    table(&mut o, &head, &[2], &rows);
    o.push_str("</details>\n</section>\n");

    // Footer.
    let _ = write!(
        o,
        "<footer>\n<p>Replay one seed: <code>{} --seed N</code></p>\n<p>Made by faultsim {}; the same inputs \
         give the same page, byte for byte.</p>\n</footer>\n</body>\n</html>\n",
        escape(replay),
        escape(&m.tool_version)
    );
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(escape(r#"<a href="x">&'"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }

    #[test]
    fn user_text_is_escaped_everywhere() {
        use crate::montecarlo::partial::Partial;
        use crate::montecarlo::summary::{EndpointMeta, Meta};
        let evil = "<script>&\"'";
        let meta = Meta {
            tool_version: "0".into(),
            scenario: evil.into(),
            topology: evil.into(),
            inputs: crate::scenario::Inputs::default(),
            first_seed: 1,
            seed_count: 1,
            shard: None,
            warmup_ns: 0,
            duration_ns: 1_000_000_000,
            bucket_ns: 1_000_000_000,
            bucket_widened_from_ns: None,
            endpoints: vec![EndpointMeta { name: evil.into(), slo: None }],
            services: vec![evil.into()],
            faults: vec![crate::montecarlo::summary::FaultMeta { name: evil.into(), start_ns: 0, end_ns: 1 }],
            hypotheses: Vec::new(),
            stations: Vec::new(),
        };
        let r = Results::build(meta, Partial::empty(1));
        let plot = Plot { file: "a.svg".into(), caption: evil.into(), svg: "<svg></svg>".into() };
        let page = results_page(&r, None, &[plot], evil);
        assert!(!page.contains("<script"), "{page}");
        assert!(page.contains("&lt;script&gt;&amp;&quot;&#39;"));
        let doc = roxmltree::Document::parse_with_options(
            &page,
            roxmltree::ParsingOptions { allow_dtd: true, ..roxmltree::ParsingOptions::default() },
        );
        assert!(doc.is_ok(), "the page is well-formed XML: {doc:?}");
    }

    #[test]
    fn inline_svg_drops_the_prolog() {
        assert_eq!(inline_svg("<?xml version=\"1.0\"?>\n<svg a=\"1\"></svg>\n"), "<svg a=\"1\"></svg>");
        assert_eq!(inline_svg("<svg></svg>"), "<svg></svg>");
        assert_eq!(svg_width("<svg width=\"800\" height=\"400\">"), Some(800));
        assert_eq!(svg_width("<svg stroke-width=\"2\">"), None);
    }
}
