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

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::table::{Cell, Table, Tone};
use super::text::{ms, num_ci, pct, pct_ci};
use crate::montecarlo::summary::{EndpointStats, Results, SloMeta, SloStats};
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
        let objectives: Vec<Option<load_plots::Objective>> = r
            .meta
            .endpoints
            .iter()
            .map(|e| {
                let slo = e.slo.as_ref()?;
                Some(load_plots::Objective { target: slo.availability?, window_ns: slo.window_ns })
            })
            .collect();
        // In page order; the charts of parts a model may not have are drawn only when there is
        // something to show (`maybe`), the budget with the SLO charts, the services' after the load.
        [
            Some(plot(
                "availability.svg",
                "Availability over time: served / finished requests per time bucket, all seeds summed; \
                 the warm-up is grey, each fault window in its own colour, named in the legend.",
                plots::availability_over_time(&series),
            )),
            Some(plot(
                "nines.svg",
                "Availability over time in nines (−log10 of the failed fraction per bucket, all seeds summed), \
                 each SLO as a dashed line in its endpoint's colour: a bucket below its line burns error budget; \
                 a bucket without a failure sits on the top edge (no failure seen).",
                plots::nines_over_time(&series, &objectives.iter().map(|o| o.map(|o| o.target)).collect::<Vec<_>>()),
            )),
            maybe(
                "budget.svg",
                "Error budget spent as the run goes, per endpoint with an availability SLO: the share of one SLO \
                 window's budget the failures so far cost if this scenario happens once per window (all seeds \
                 pooled); steep where the faults burn it.",
                load_plots::budget_over_time(&series, &objectives),
            ),
            Some(plot(
                "load.svg",
                "Offered load (solid) and goodput (dashed) per endpoint: requests finishing per second per seed, \
                 by completion time; the gap between the lines is the load that failed.",
                load_plots::load_over_time(&series),
            )),
            maybe(
                "service_load.svg",
                "Attempts each service answered per second per seed (solid) and those that succeeded (dashed), \
                 for the busiest services: attempts climbing while good answers fall is a retry storm.",
                load_plots::service_load_over_time(&series),
            ),
            maybe(
                "retries.svg",
                "Retries each service sent per second per seed, for the services that retried most.",
                load_plots::retries_over_time(&series),
            ),
            maybe(
                "utilisation.svg",
                "Busy / available worker time per time bucket, for the services closest to saturation.",
                load_plots::utilisation_over_time(&series),
            ),
            maybe(
                "queue.svg",
                "Mean requests waiting for a worker per time bucket, per seed, for the services whose queues held most.",
                load_plots::queue_over_time(&series),
            ),
            Some(plot(
                "latency.svg",
                "Mean latency of served requests per time bucket, all seeds summed.",
                plots::latency_over_time(&series),
            )),
            Some(plot(
                "latency_heatmap.svg",
                "Latency over time as a heatmap: per time bucket, the share of its served requests in each \
                 latency bin (log-spaced, ±12%), all seeds merged; fault windows start and end at the coloured lines.",
                load_plots::latency_heatmap(&series),
            )),
            Some(plot(
                "latency_cdf.svg",
                "Latency distribution of served requests (the fraction served within each latency), all seeds merged.",
                plots::latency_cdf(&names, &r.data.latency),
            )),
            Some(plot(
                "seed_availability.svg",
                "How availability varies between seeds: one histogram per endpoint.",
                plots::per_seed_availability(&names, &per_seed),
            )),
            Some(plot(
                "seed_nines.svg",
                "How the nines vary between seeds: one histogram per endpoint.",
                plots::per_seed_nines(&names, &per_seed),
            )),
        ]
        .into_iter()
        .flatten()
        .chain(scenario.map(|s| {
            // Coloured by what the runs measured, not by the analytic model: a design that
            // analysis calls sound can still lose half its requests in this scenario.
            let availability: Vec<f64> = r.endpoints.iter().map(|e| e.availability.value).collect();
            plot(
                "topology.svg",
                "The topology, coloured by the availability measured in these runs: call depth left to right, \
                 failure domains top to bottom.",
                plots::topology_graph(&s.topology, &availability),
            )
        }))
        .collect()
    }

    /// A chart that may have nothing to show: kept only when drawn.
    fn maybe(file: &str, caption: &str, svg: Option<String>) -> Option<Plot> {
        svg.map(|svg| plot(file, caption, svg))
    }

    fn plot(file: &str, caption: &str, svg: String) -> Plot {
        Plot { file: file.to_owned(), caption: caption.to_owned(), svg }
    }
}

/// Escapes text for HTML and XML content and attribute values (see [`super::escape::html`]).
pub fn escape(s: &str) -> String {
    super::escape::html(s)
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
.skip { color: var(--muted); background: var(--head); }
.banner { padding: 8px 12px; border-radius: 6px; margin: 12px 0; }
ul.headline { list-style: none; padding: 0; font-size: 16px; }
ul.headline li { margin: 6px 0; }
figure { margin: 16px 0 28px; }
.plot svg { display: block; width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { margin-top: 6px; color: var(--muted); font-size: 14px; }
details summary { cursor: pointer; color: var(--muted); margin: 6px 0; }
footer { margin-top: 40px; padding-top: 10px; border-top: 1px solid var(--line); color: var(--muted); font-size: 13px; }
";

/// The `<meta>` elements of every page, self-closed so that the page stays well-formed XML
/// (maud writes void elements the HTML way, without the slash).
pub(crate) const META: &str =
    "<meta charset=\"utf-8\"/><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>";

/// A whole page: the doctype, the head with `title` and the style (plus `extra_style`), and `body`.
pub(crate) fn document(title: &str, extra_style: &str, body: Markup) -> String {
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head { (PreEscaped(META)) title { (title) } style { (PreEscaped(STYLE)) (PreEscaped(extra_style)) } }
            body { (body) }
        }
    };
    let mut out = page.into_string();
    out.push('\n');
    out
}

/// The endpoints with an SLO: their statistics, their objective and how the seeds met it.
fn with_slo(r: &Results) -> Vec<(&EndpointStats, &SloMeta, &SloStats)> {
    r.endpoints
        .iter()
        .zip(&r.meta.endpoints)
        .filter_map(|(e, em)| Some((e, em.slo.as_ref()?, e.slo.as_ref()?)))
        .collect()
}

/// An SLO's objective in words: `availability ≥ 99.9%, p99 ≤ 250ms`.
fn objective(slo: &SloMeta) -> String {
    let mut parts = Vec::new();
    if let Some(a) = slo.availability {
        parts.push(format!("availability ≥ {}", pct(a)));
    }
    if let Some(l) = &slo.latency {
        parts.push(format!("p{} ≤ {}", l.percentile, crate::units::Duration::from_nanos(l.max_ns)));
    }
    parts.join(", ")
}

/// A section with an id and a heading.
fn section(id: &str, heading: &str, content: Markup) -> Markup {
    html! { section id=(id) { h2 { (heading) } (content) } }
}

/// A note under a table.
fn note(text: &str) -> Markup {
    html! { p.note { (text) } }
}

/// The page's header: what was run, from which files, by which version.
fn header(r: &Results, scenario: Option<&Scenario>) -> Markup {
    let m = &r.meta;
    let last = m.first_seed + m.seed_count.saturating_sub(1);
    let shard = m.shard.map(|s| format!(" (shard {}/{})", s.index, s.count)).unwrap_or_default();
    let simulated = format!(
        "{} per seed; requests arriving after the {} warm-up are measured; time buckets of {}{}",
        crate::units::Duration(m.duration_ns),
        crate::units::Duration(m.warmup_ns),
        crate::units::Duration(m.bucket_ns),
        m.bucket_widened_from_ns.map_or_else(String::new, super::summary::widened_from)
    );
    let description = scenario.map(|s| s.description.trim()).filter(|d| !d.is_empty());
    html! {
        header {
            h1 { (m.scenario) }
            @if let Some(d) = description { p { (d) } }
            dl.meta {
                dt { "topology" } dd { (m.topology) }
                dt { "seeds" } dd { (r.seeds) " of " (m.first_seed) "..=" (last) (shard) }
                dt { "simulated" } dd { (simulated) }
                dt { "intervals" } dd { "95%, from the spread between seeds (each seed is one independent replication)" }
                dt { "scenario file" } dd { code { "sha256 " (m.inputs.scenario) } }
                dt { "topology file" } dd { code { "sha256 " (m.inputs.topology) } }
                @for (i, t) in m.inputs.traces.iter().enumerate() {
                    dt { "trace file " (i + 1) } dd { code { "sha256 " (t) } }
                }
                dt { "faultsim" } dd { (m.tool_version) }
            }
        }
    }
}

/// The page's opening answer, one line per SLO: met in k of n seeds with its interval, the
/// measured availability and nines with theirs, and the error budget's burn rate and spend
/// per window (when the scenario is at hand to compute them from).
fn headline(r: &Results, scenario: Option<&Scenario>) -> Markup {
    let slos = with_slo(r);
    if slos.is_empty() {
        return html! {};
    }
    let budgets = scenario.map(|s| crate::montecarlo::budget::budgets(s, &r.data)).unwrap_or_default();
    let line = |e: &EndpointStats, slo: &SloMeta, st: &SloStats| {
        let tone = if st.seeds_meeting == r.seeds && r.seeds > 0 {
            Tone::Good
        } else if st.seeds_meeting == 0 {
            Tone::Bad
        } else {
            Tone::Warn
        };
        let budget = budgets.iter().find(|b| b.endpoint == e.name && b.source == "slo").map_or_else(String::new, |b| {
            format!(
                "; error budget over {}: burn rate {}, {} of it spent if this happens once a window",
                crate::units::Duration::from_nanos(b.window_ns),
                num_ci(&b.burn_rate, 2),
                pct_ci(&b.spent_once)
            )
        });
        html! {
            li {
                (Cell::Badge(tone, format!("met in {}/{} seeds", st.seeds_meeting, r.seeds))) " "
                b { (e.name) } " (" (objective(slo)) "): fraction of seeds meeting it " (pct_ci(&st.fraction))
                "; availability " (pct_ci(&e.availability)) ", " (num_ci(&e.nines, 2)) " nines" (budget) "."
            }
        }
    };
    section("headline", "SLOs", html! { ul.headline { @for (e, slo, st) in slos { (line(e, slo, st)) } } })
}

/// Each SLO's and each hypothesis's verdict over the seeds.
fn verdicts(r: &Results) -> Markup {
    let slos = with_slo(r);
    let mut slo_table = Table::new(&["endpoint", "objective", "seeds meeting", "fraction [95% Wilson CI]", "verdict"])
        .text_columns(&[1, 4]);
    for (e, slo, st) in &slos {
        let verdict = if r.seeds == 0 {
            Cell::Badge(Tone::Warn, "no seeds".into())
        } else if st.seeds_meeting == r.seeds {
            Cell::Badge(Tone::Good, "met in every seed".into())
        } else if st.seeds_meeting == 0 {
            Cell::Badge(Tone::Bad, "missed in every seed".into())
        } else {
            Cell::Badge(Tone::Warn, format!("missed in {} of {} seeds", r.seeds - st.seeds_meeting, r.seeds))
        };
        slo_table.push(vec![
            e.name.clone().into(),
            objective(slo).into(),
            format!("{}/{}", st.seeds_meeting, r.seeds).into(),
            pct_ci(&st.fraction).into(),
            verdict,
        ]);
    }
    let mut hypotheses = Table::new(&[
        "hypothesis",
        "claim",
        "seeds passing",
        "pass rate [95% exact CI]",
        "required",
        "verdict",
        "note / failing seeds",
    ])
    .text_columns(&[1, 5, 6]);
    for v in &r.verdicts {
        let badge = super::ci::verdict_cell(v.judgement);
        let mut failing: Vec<String> = v.failing_seeds.iter().take(5).map(u64::to_string).collect();
        if v.failing_seeds.len() > 5 {
            failing.push(format!("… and {} more", v.failing_seeds.len() - 5));
        }
        hypotheses.push(vec![
            v.name.clone().into(),
            v.claim.clone().into(),
            format!("{}/{}", v.passed, v.evaluated).into(),
            pct_ci(&v.pass_rate).into(),
            pct(v.required).into(),
            badge,
            v.note.clone().unwrap_or_else(|| failing.join(", ")).into(),
        ]);
    }
    section(
        "verdicts",
        "Verdicts",
        html! {
            @if !r.stopped.is_empty() {
                p.banner.warn {
                    "Inconclusive: " (r.stopped.len()) " of " (r.seeds) " seeds stopped at a limit; their figures cover \
                     the run up to the stop (see " a href="#stopped" { "stopped seeds" } ")."
                }
            }
            @if slos.is_empty() {
                p.muted { "No endpoint has an SLO, so there is nothing to judge." }
            } @else {
                p.muted { "A seed meets an endpoint's SLO when its own availability and latency do." }
                (slo_table.html())
            }
            @if !r.verdicts.is_empty() {
                p.muted {
                    "Hypotheses are checked on every seed and judged by the exact 95% interval of their pass rate \
                     against the required fraction of seeds."
                }
                (hypotheses.html())
            }
        },
    )
}

/// Per endpoint: requests, availability and nines, SLO attainment and failures by cause.
fn endpoints(r: &Results) -> Markup {
    let extra = super::patterns::causes_present(r.endpoints.iter().map(|e| &e.failed));
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
    let rows = r.endpoints.iter().map(|e| {
        [
            e.name.clone(),
            e.requests.to_string(),
            pct_ci(&e.availability),
            num_ci(&e.nines, 2),
            e.slo.as_ref().map_or_else(|| "-".to_owned(), |s| format!("{}/{}", s.seeds_meeting, r.seeds)),
        ]
        .into_iter()
        .chain(super::patterns::failure_cells(e.degraded, &e.failed, &extra))
        .map(Cell::Text)
        .collect()
    });
    section(
        "endpoints",
        "Endpoints",
        html! {
            (Table::new(&head).extend(rows).html())
            (note("Availability is the mean of the per-seed availabilities (served, degraded included, / finished); \
                   failures are counted by cause over all seeds."))
        },
    )
}

/// Latency of served requests per endpoint, with percentiles flagged when there are too few samples.
fn latency(r: &Results) -> Markup {
    let mut warned = false;
    let rows: Vec<Vec<Cell>> = r
        .endpoints
        .iter()
        .map(|e| {
            let l = &e.latency;
            let none = l.samples == 0;
            let mark = |name: &str, v: u64| {
                if none {
                    Cell::from("-")
                } else if l.too_few_samples.iter().any(|n| n == name) {
                    Cell::Flagged(ms(v), "too few samples to trust".into())
                } else {
                    Cell::Text(ms(v))
                }
            };
            warned |= !l.too_few_samples.is_empty() && !none;
            vec![
                e.name.clone().into(),
                l.samples.to_string().into(),
                if none { "-".into() } else { ms(l.mean_ns).into() },
                mark("p50", l.p50_ns),
                mark("p90", l.p90_ns),
                mark("p99", l.p99_ns),
                mark("p99.9", l.p999_ns),
                if none {
                    "-".into()
                } else {
                    format!("{} / {} / {}", ms(l.p99_per_seed[0]), ms(l.p99_per_seed[1]), ms(l.p99_per_seed[2])).into()
                },
                if none { "-".into() } else { format!("{} ms", num_ci(&l.mean_ms_per_seed, 2)).into() },
            ]
        })
        .collect();
    let table = Table::new(&[
        "endpoint",
        "samples",
        "mean",
        "p50",
        "p90",
        "p99",
        "p99.9",
        "per-seed p99: min / median / max",
        "per-seed mean [95% CI]",
    ])
    .extend(rows);
    section(
        "latency",
        "Latency of served requests",
        html! {
            (table.html())
            p.note {
                "Percentiles come from the histograms of all seeds merged"
                @if warned {
                    "; " span.few { "*" } " marks too few samples to trust: a p99 needs ≥ 1000 samples, a p99.9 \
                     ≥ 10000 (run more seeds)"
                }
                "."
            }
        },
    )
}

/// Per service: utilisation, retry amplification, wasted work and rejects.
fn services(r: &Results) -> Markup {
    let rows = r.services.iter().map(|s| {
        vec![
            s.name.clone().into(),
            pct_ci(&s.utilisation).into(),
            num_ci(&s.attempts_per_call, 2).into(),
            num_ci(&s.retries, 0).into(),
            num_ci(&s.wasted_s, 1).into(),
            num_ci(&s.rejected, 0).into(),
        ]
    });
    let table = Table::new(&[
        "service",
        "utilisation",
        "attempts / call",
        "retries / seed",
        "wasted s / seed",
        "rejected / seed",
    ])
    .extend(rows);
    section("services", "Services", html! { (table.html()) (note("Per-seed means with their 95% intervals.")) })
}

/// What the resilience patterns did, when some service's patterns acted in some seed.
fn patterns(r: &Results) -> Markup {
    if r.services.iter().all(|s| s.patterns.is_empty()) {
        return html! {};
    }
    let rows = r.services.iter().flat_map(|s| {
        s.patterns.iter().map(|p| {
            vec![
                s.name.clone().into(),
                p.action.clone().into(),
                super::text::count_ci(&p.per_seed, 1).into(),
                format!("{}/{}", p.seeds, r.seeds).into(),
            ]
        })
    });
    let table = Table::new(&["service", "action", "times per seed [95% CI]", "seeds"]).text_columns(&[1]).extend(rows);
    section(
        "patterns",
        "Resilience patterns",
        html! {
            (table.html())
            (note("What each service's breakers, bulkheads, throttles, retry budgets, fallbacks, rate limits, \
                   shedding and deadlines did after the warm-up; call-side patterns count at the caller."))
        },
    )
}

/// Theory beside the simulation, where an endpoint is one station with a closed form.
fn theory(r: &Results) -> Markup {
    if r.theory.is_empty() {
        return html! {};
    }
    let mut table =
        Table::new(&["endpoint", "station", "quantity", "theory", "simulated [95% CI]", ""]).text_columns(&[1, 2, 5]);
    for t in &r.theory {
        for q in &t.quantities {
            let scale = if q.quantity.starts_with("mean latency") { 1e3 } else { 1e2 };
            let unit = if scale == 1e3 { " ms" } else { "%" };
            let e = &q.simulated;
            let num = |x: f64| super::text::num(x * scale, 4);
            table.push(vec![
                t.endpoint.clone().into(),
                format!("{} {}", t.service, t.model).into(),
                q.quantity.trim_end_matches(" (s)").into(),
                format!("{}{unit}", num(q.theory)).into(),
                format!("{}{unit} [{}, {}]", num(e.value), num(e.low), num(e.high)).into(),
                if q.inside {
                    Cell::Badge(Tone::Good, "inside".into())
                } else {
                    Cell::Badge(Tone::Warn, "outside".into())
                },
            ]);
        }
    }
    section(
        "theory",
        "Theory beside the simulation",
        html! {
            (table.html())
            (note("The M/M/c/K closed form of each endpoint whose path is one station, beside the per-seed mean; \
                   a 95% interval misses the truth about one time in twenty."))
        },
    )
}

/// Data lost, OOM kills, failovers with their RTO and RPO, and who holds the connection
/// pools, when the topology has memory models, queues, datastores or autoscalers.
fn infrastructure(r: &Results) -> Markup {
    let Some(x) = r.infra.as_ref() else { return html! {} };
    let text = |cells: &[String]| cells.iter().map(|c| Cell::Text(c.clone())).collect::<Vec<_>>();
    let figures = Table::new(&super::infra::INFRA_COLUMNS)
        .text_columns(&[0])
        .extend(super::infra::infra_rows(x).iter().map(|row| text(row)));
    let pools = Table::new(&super::infra::POOL_COLUMNS)
        .text_columns(&[0, 1])
        .extend(x.pools.iter().map(|p| text(&super::infra::pool_cells(p))));
    html! {
        (section("infra", "Infrastructure", html! {
            (figures.html())
            (note("Per-seed means with their 95% intervals, and the seeds in which each happened at all."))
        }))
        @if !x.pools.is_empty() {
            (section("pools", "Connection pools", html! {
                (pools.html())
                (note("Per caller, per-seed means with their 95% intervals. Held: connections (all nodes). Gave up \
                       waiting: calls that got a connection only after their caller had timed out."))
            }))
        }
    }
}

/// The kind of a fault, from its variant name (`Crash`, `Latency`, …).
fn fault_kind(f: &crate::scenario::Fault) -> String {
    format!("{f:?}").chars().take_while(char::is_ascii_alphanumeric).collect()
}

/// Each fault of the scenario with every endpoint's availability while it was on.
fn faults(r: &Results, scenario: Option<&Scenario>) -> Markup {
    let Some(s) = scenario.filter(|s| !s.faults.is_empty()) else { return html! {} };
    let m = &r.meta;
    let mut head = vec!["fault", "kind", "from", "to"];
    head.extend(m.endpoints.iter().map(|e| e.name.as_str()));
    let bucket = m.bucket_ns.max(1);
    let rows = s.faults.iter().map(|f| {
        let end = f.end.unwrap_or(s.duration);
        let mut row: Vec<Cell> = vec![
            f.name.clone().into(),
            fault_kind(&f.fault).into(),
            f.start.to_string().into(),
            end.to_string().into(),
        ];
        for series in r.data.series.iter().take(m.endpoints.len()) {
            let first = (f.start.as_nanos() / bucket) as usize;
            let last = (end.as_nanos().div_ceil(bucket) as usize).min(series.len());
            let (ok, bad) = series
                .get(first..last)
                .unwrap_or(&[])
                .iter()
                .fold((0u64, 0u64), |(a, b), x| (a + x.served, b + x.failed));
            row.push(if ok + bad == 0 { "-".into() } else { pct(ok as f64 / (ok + bad) as f64).into() });
        }
        row
    });
    section(
        "faults",
        "Faults",
        html! {
            (Table::new(&head).text_columns(&[1]).extend(rows).html())
            (note("Availability of each endpoint over the time buckets the fault covered, all seeds merged."))
        },
    )
}

/// The seeds that stopped at a limit, with the command that replays each.
fn stopped(r: &Results, replay: &str) -> Markup {
    if r.stopped.is_empty() {
        return html! {};
    }
    let rows = r.stopped.iter().map(|s| {
        vec![s.seed.to_string().into(), s.limit.clone().into(), Cell::Code(format!("{replay} --seed {}", s.seed))]
    });
    section(
        "stopped",
        "Stopped seeds",
        Table::new(&["seed", "limit", "replay"]).text_columns(&[1, 2]).extend(rows).html(),
    )
}

/// Every plot inline, each drawn at its own width at most, with its caption and file name.
fn plot_section(plots: &[Plot]) -> Markup {
    if plots.is_empty() {
        return html! {};
    }
    section(
        "plots",
        "Plots",
        html! {
            @for p in plots {
                // Shrunk to fit a narrower page down to 4/5 of its width (below that its text
                // gets too small to read, so the figure scrolls instead).
                @let size = svg_width(&p.svg).map(|w| format!("max-width: {w}px; min-width: {}px", w * 4 / 5));
                figure id=(format!("plot-{}", p.file.trim_end_matches(".svg"))) {
                    div.scroll { div.plot style=[size] { (PreEscaped(inline_svg(&p.svg))) } }
                    figcaption { (p.caption) " " span.mono { "(" (p.file) ")" } }
                }
            }
        },
    )
}

/// Each seed's availability, events and fingerprint, folded.
fn seeds(r: &Results) -> Markup {
    let mut head = vec!["seed", "events", "fingerprint", "stopped"];
    head.extend(r.meta.endpoints.iter().map(|e| e.name.as_str()));
    let rows = r.data.records.iter().map(|rec| {
        let mut row: Vec<Cell> = vec![
            rec.seed.to_string().into(),
            rec.events.to_string().into(),
            Cell::Code(rec.fingerprint.clone()),
            if rec.limit.is_some() { "yes".into() } else { "-".into() },
        ];
        row.extend(rec.endpoints.iter().map(|e| Cell::Text(pct(e.availability()))));
        row
    });
    section(
        "seeds",
        "Seeds",
        html! {
            details {
                summary { "Each seed's availability, events and fingerprint (" (r.seeds) " seeds)" }
                (Table::new(&head).text_columns(&[2]).extend(rows).html())
            }
        },
    )
}

/// The page of many seeds' results: header, verdicts, tables, `plots` and the replay
/// command (`replay` is the command prefix that reruns one seed, as in the text summary).
/// With the scenario, the page also lists its description and fault timeline.
pub fn results_page(results: &Results, scenario: Option<&Scenario>, plots: &[Plot], replay: &str) -> String {
    let r = results;
    let body = html! {
        (header(r, scenario))
        (headline(r, scenario))
        (verdicts(r))
        (endpoints(r))
        (latency(r))
        (services(r))
        (patterns(r))
        (theory(r))
        (infrastructure(r))
        (faults(r, scenario))
        (stopped(r, replay))
        (plot_section(plots))
        (seeds(r))
        footer {
            p { "Replay one seed: " code { (replay) " --seed N" } }
            p { "Made by faultsim " (r.meta.tool_version) "; the same inputs give the same page, byte for byte." }
        }
    };
    document(&format!("faultsim: {}", r.meta.scenario), "", body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        // Attributes are always double-quoted, so a single quote needs no entity.
        assert_eq!(escape(r#"<a href="x">&'"#), "&lt;a href=&quot;x&quot;&gt;&amp;'");
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
        assert!(page.contains("&lt;script&gt;&amp;&quot;'"));
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
