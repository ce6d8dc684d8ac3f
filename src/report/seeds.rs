//! The results of many seeds for people: every figure with its 95% interval, every
//! percentile with the samples behind it, and a warning where there are too few.

use std::fmt::Write;

use super::text::{count_ci, ms, num, num_ci, pct, pct_ci, table};
use crate::montecarlo::settle::LookResult;

use crate::montecarlo::summary::Results;

/// A readable summary of many seeds; `replay` is the command prefix to rerun one seed.
pub fn seeds_summary(r: &Results, replay: &str) -> String {
    let m = &r.meta;
    let mut o = String::new();
    let last = m.first_seed + m.seed_count.saturating_sub(1);
    let _ = writeln!(o, "scenario: {} (topology {})", m.scenario, m.topology);
    let shard = m.shard.map(|s| format!(", shard {}/{}", s.index, s.count)).unwrap_or_default();
    let _ = writeln!(
        o,
        "{} seeds of {}..={}{shard}; intervals are 95%, from the spread between seeds",
        r.seeds, m.first_seed, last
    );
    if let Some(p) = &r.precision {
        o.push_str(&precision_lines(p));
    }
    let widened = m.bucket_widened_from_ns.map(|asked| (asked, m.bucket_ns));
    let _ = writeln!(
        o,
        "measured: requests arriving after the {} warm-up{}\n",
        crate::units::Duration(m.warmup_ns),
        super::summary::widened_note(widened)
    );

    let _ = writeln!(o, "endpoints");
    let mut rows = vec![[
        "endpoint",
        "requests",
        "availability [95% CI]",
        "nines [95% CI]",
        "degraded",
        "timeout",
        "rejected",
        "unavail.",
        "error",
        "unfinished",
    ]
    .map(String::from)
    .to_vec()];
    let extra = super::patterns::causes_present(r.endpoints.iter().map(|e| &e.failed));
    rows[0].extend(extra.iter().map(|c| c.name().to_owned()));
    for e in &r.endpoints {
        let mut row = vec![e.name.clone(), e.requests.to_string(), pct_ci(&e.availability), num_ci(&e.nines, 2)];
        row.extend(super::patterns::failure_cells(e.degraded, &e.failed, &extra));
        rows.push(row);
    }
    o.push_str(&table(&rows));
    let flawless: Vec<&str> = r
        .endpoints
        .iter()
        .filter(|e| e.failed.total() == 0 && e.ok + e.degraded > 0)
        .map(|e| e.name.as_str())
        .collect();
    if !flawless.is_empty() {
        let _ = writeln!(
            o,
            "  no request of {} failed: the lower bound is one-sided (exact, 95%: fewer than 3 failures per\n  \
             that many requests)",
            flawless.join(", ")
        );
    }

    let slos: Vec<_> = r
        .endpoints
        .iter()
        .zip(&m.endpoints)
        .filter_map(|(e, em)| Some((e, em.slo.as_ref()?, e.slo.as_ref()?)))
        .collect();
    if !slos.is_empty() {
        let _ = writeln!(o, "\nSLOs (a seed meets its SLO when its own availability and latency do)");
        let mut rows =
            vec![["endpoint", "objective", "seeds meeting", "fraction [95% Wilson CI]"].map(String::from).to_vec()];
        for (e, slo, st) in slos {
            let mut objective = Vec::new();
            if let Some(a) = slo.availability {
                objective.push(format!("availability ≥ {}", pct(a)));
            }
            if let Some(l) = &slo.latency {
                objective.push(format!("p{} ≤ {}", l.percentile, crate::units::Duration::from_nanos(l.max_ns)));
            }
            rows.push(vec![
                e.name.clone(),
                objective.join(", "),
                format!("{}/{}", st.seeds_meeting, r.seeds),
                pct_ci(&st.fraction),
            ]);
        }
        o.push_str(&table(&rows));
    }

    let _ = writeln!(o, "\nlatency of served requests (all seeds merged)");
    let mut rows =
        vec![["endpoint", "samples", "mean", "p50", "p90", "p99", "p99.9", "per-seed p99: min / median / max"]
            .map(String::from)
            .to_vec()];
    let mut warned = false;
    for e in &r.endpoints {
        let l = &e.latency;
        let mark = |name: &str, v: u64| {
            if l.samples == 0 {
                "-".to_owned()
            } else if l.too_few_samples.iter().any(|n| n == name) {
                format!("{}*", ms(v))
            } else {
                ms(v)
            }
        };
        warned |= !l.too_few_samples.is_empty() && l.samples > 0;
        rows.push(vec![
            e.name.clone(),
            l.samples.to_string(),
            if l.samples == 0 { "-".into() } else { ms(l.mean_ns) },
            mark("p50", l.p50_ns),
            mark("p90", l.p90_ns),
            mark("p99", l.p99_ns),
            mark("p99.9", l.p999_ns),
            format!("{} / {} / {}", ms(l.p99_per_seed[0]), ms(l.p99_per_seed[1]), ms(l.p99_per_seed[2])),
        ]);
    }
    o.push_str(&table(&rows));
    if warned {
        let _ =
            writeln!(o, "  * too few samples to trust: a p99 needs ≥ 1000 samples, a p99.9 ≥ 10000 (run more seeds)");
    }

    let _ = writeln!(o, "\nservices (per-seed means with 95% intervals)");
    let mut rows = vec![["service", "utilisation", "attempts/call", "retries/seed", "wasted s/seed", "rejected/seed"]
        .map(String::from)
        .to_vec()];
    for s in &r.services {
        rows.push(vec![
            s.name.clone(),
            pct_ci(&s.utilisation),
            num_ci(&s.attempts_per_call, 2),
            count_ci(&s.retries, 0),
            num_ci(&s.wasted_s, 1),
            count_ci(&s.rejected, 0),
        ]);
    }
    o.push_str(&table(&rows));
    if r.services.iter().any(|s| [&s.retries, &s.rejected].iter().any(|e| e.value == 0.0 && e.high > 0.0)) {
        o.push_str(super::infra::NONE_NOTE);
    }
    o.push_str(&super::infra::seeds_section(r.infra.as_ref()));
    o.push_str(&theory_section(r));

    if !r.stopped.is_empty() {
        let _ = writeln!(
            o,
            "\nSTOPPED EARLY: {} seeds hit a limit; their figures cover the run up to the stop",
            r.stopped.len()
        );
        for s in r.stopped.iter().take(5) {
            let _ = writeln!(o, "  seed {}: {} — replay: {replay} --seed {}", s.seed, s.limit, s.seed);
        }
    }
    let _ = writeln!(o, "\nreplay one seed: {replay} --seed N");
    o
}

/// Theory beside the simulation, for each endpoint whose path is one station with a closed
/// form: the analytic value, the simulated mean over seeds with its interval, and whether the
/// value lies inside it.
fn theory_section(r: &Results) -> String {
    let mut o = String::new();
    if r.theory.is_empty() {
        return o;
    }
    let _ = writeln!(
        o,
        "
theory beside the simulation (per-seed means with 95% intervals)"
    );
    let mut rows = vec![["endpoint", "station", "quantity", "theory", "simulated", ""].map(String::from).to_vec()];
    for t in &r.theory {
        let short = |x: f64| format!("{x:.4}").trim_end_matches('0').trim_end_matches('.').to_owned();
        let station = format!(
            "{} {} (λ {}/s, μ {}/s)",
            t.service,
            t.model,
            short(t.arrival_rate_per_s),
            short(t.service_rate_per_s)
        );
        for (i, q) in t.quantities.iter().enumerate() {
            let (theory, simulated) = if q.quantity.starts_with("mean latency") {
                let to_ms = |x: f64| crate::stats::Estimate {
                    value: x * 1e3,
                    low: q.simulated.low * 1e3,
                    high: q.simulated.high * 1e3,
                    n: q.simulated.n,
                };
                (format!("{} ms", num(q.theory * 1e3, 4)), format!("{} ms", num_ci(&to_ms(q.simulated.value), 4)))
            } else {
                (pct(q.theory), pct_ci(&q.simulated))
            };
            let first = i == 0;
            rows.push(vec![
                if first { t.endpoint.clone() } else { String::new() },
                if first { station.clone() } else { String::new() },
                q.quantity.trim_end_matches(" (s)").to_owned(),
                theory,
                simulated,
                if q.inside { "inside".to_owned() } else { "OUTSIDE".to_owned() },
            ]);
        }
    }
    o.push_str(&table(&rows));
    let _ = writeln!(
        o,
        "  (a 95% interval misses the true value about 1 time in 20, and a short run starts empty: an occasional\n   OUTSIDE is chance, a persistent one a modelling question)"
    );
    o
}

/// The lines of any run until settled (`run`, the studies, `availability`): where it stopped
/// and by which rule, then what `last` says of the last look (its own lines, indented), and
/// what to change when the schedule ran out.
pub fn until_settled<L: LookResult>(
    p: &crate::montecarlo::settle::Settled<L>,
    last: impl FnOnce(&L) -> String,
) -> String {
    let mut o = String::new();
    let Some(look) = p.looks.last() else { return o };
    let schedule: Vec<String> = p.schedule.iter().map(u64::to_string).collect();
    let level = num(p.level * 100.0, 2);
    let level = level.trim_end_matches('0').trim_end_matches('.');
    let _ = writeln!(
        o,
        "until settled: {}; {} after {} seeds (look {} of {}; looks at {} seeds; the stopping rule's intervals are at {level}%)",
        p.target_text,
        if p.settled { "settled" } else { "NOT SETTLED" },
        look.seeds(),
        p.looks.len(),
        p.schedule.len(),
        schedule.join(", "),
    );
    o.push_str(&last(look));
    if !p.settled {
        let _ = writeln!(o, "  the schedule ran out: raise --max-seeds or loosen --precision");
    }
    o
}

/// Where a run until settled stopped, and each endpoint's figure at that look.
fn precision_lines(p: &crate::montecarlo::precision::Settled) -> String {
    use crate::montecarlo::precision::Figure;
    until_settled(p, |last| {
        let mut o = String::new();
        for e in &last.endpoints {
            let shown = match (&e.estimate, p.target.figure) {
                (None, _) => "not measured (no requests served)".to_owned(),
                (Some(x), Figure::Availability | Figure::Fraction) => {
                    format!("availability {} ±{:.3}pp", pct_ci(x), (x.high - x.low) / 2.0 * 100.0)
                }
                (Some(x), Figure::Latency) => format!(
                    "mean latency {:.3} ms [{:.3}, {:.3}] ±{:.2}%",
                    x.value,
                    x.low,
                    x.high,
                    (x.high - x.low) / 2.0 / x.value.abs() * 100.0
                ),
            };
            let _ =
                writeln!(o, "  {}: {shown}{}", e.endpoint, if e.within { "" } else { "  (not yet within the target)" });
        }
        o
    })
}
