//! Validation of a [`spec::Scenario`] against its validated [`Topology`].

use std::sync::Arc;

use super::*;
use crate::checks;
use crate::problem::{did_you_mean, Path, Problem, Problems};
use crate::topology::Named;

/// Reads a file named in the scenario (a trace), relative to the scenario file; returns its
/// text or a message saying why it could not be read.
pub type TraceFile<'a> = &'a dyn Fn(&str) -> Result<String, String>;

/// Most faults an explored case may combine.
pub const MAX_EXPLORE_FAULTS: u32 = 16;

/// Most cases an exploration may run.
pub const MAX_EXPLORE_CASES: u32 = 1_000_000;

/// Most arrivals a trace may hold, a memory bound.
pub const MAX_TRACE_ARRIVALS: usize = 50_000_000;

impl Scenario {
    /// Validates a parsed scenario against its topology; `read_trace` provides the text of
    /// trace files. On failure returns every problem found.
    pub fn from_spec(
        s: &spec::Scenario,
        topology: Arc<Topology>,
        read_trace: TraceFile<'_>,
    ) -> Result<Scenario, Vec<Problem>> {
        let mut b = Checker { p: Problems::new(), t: &topology };
        let root = Path::root();
        let t = &topology;

        checks::name(&mut b.p, &root.field("name"), &s.name, "the scenario");
        checks::text(&mut b.p, &root.field("description"), &s.description, "the description");
        match crate::montecarlo::check_seed_range(s.seeds.first, s.seeds.count) {
            Ok(()) => {}
            Err(crate::montecarlo::SeedRangeError::Zero) => {
                b.p.push(root.field("seeds").field("count"), "must be ≥ 1", "run at least one seed");
            }
            Err(e @ crate::montecarlo::SeedRangeError::TooMany(_)) => {
                b.p.push(root.field("seeds").field("count"), "too many seeds", e.to_string());
            }
            Err(crate::montecarlo::SeedRangeError::Overflow { .. }) => {
                b.p.push(root.field("seeds"), "overflows", "first + count − 1 exceeds the largest seed (2^64 − 1)");
            }
        }
        if s.duration == Duration::ZERO {
            b.p.push(root.field("duration"), "must be > 0", "a scenario's duration must be longer than zero");
        }
        if s.warmup >= s.duration && s.duration > Duration::ZERO {
            b.p.with_hint(
                root.field("warmup"),
                "not before the end",
                format!("the warm-up ({}) must end before the run does ({})", s.warmup, s.duration),
                "shorten the warm-up or lengthen the duration",
            );
        }

        if s.workloads.is_empty() {
            b.p.with_hint(
                root.field("workloads"),
                "empty",
                "a scenario needs at least one workload",
                "e.g. workloads: [Workload(endpoint: \"home\", arrivals: Poisson(rate: 100.0))]",
            );
        }
        let mut workloads = Vec::new();
        for (i, w) in s.workloads.iter().enumerate() {
            let wp = root.field("workloads").index(i);
            let endpoint = b.endpoint(&wp.field("endpoint"), &w.endpoint);
            let ap = wp.field("arrivals");
            let arrivals = match &w.arrivals {
                spec::Arrivals::Poisson { rate, profile } => {
                    checks::rate(&mut b.p, &ap.field("rate"), *rate, "an arrival rate");
                    let pp = ap.field("profile");
                    match profile {
                        spec::Profile::Constant => {}
                        spec::Profile::Step { factor, .. } => {
                            checks::factor(&mut b.p, &pp.field("factor"), *factor, "a step factor")
                        }
                        spec::Profile::Spike { factor, duration, .. } => {
                            checks::factor(&mut b.p, &pp.field("factor"), *factor, "a spike factor");
                            checks::positive_d(&mut b.p, &pp.field("duration"), *duration, "a spike");
                        }
                        spec::Profile::Diurnal { period, amplitude, .. } => {
                            checks::positive_d(&mut b.p, &pp.field("period"), *period, "a diurnal period");
                            checks::prob(&mut b.p, &pp.field("amplitude"), *amplitude, "a diurnal amplitude");
                        }
                    }
                    Some(Arrivals::Poisson { rate: *rate, profile: profile.clone() })
                }
                spec::Arrivals::ClosedLoop { clients, think_time } => {
                    checks::positive_u(&mut b.p, &ap.field("clients"), u64::from(*clients), "clients");
                    let think_time = checks::dist(&mut b.p, &ap.field("think_time"), think_time);
                    Some(Arrivals::ClosedLoop { clients: *clients, think_time })
                }
                spec::Arrivals::Trace { file, speed } => {
                    checks::positive_f(&mut b.p, &ap.field("speed"), *speed, "a playback speed");
                    match read_trace(file) {
                        Err(why) => {
                            b.p.with_hint(
                                ap.field("file"),
                                "cannot read",
                                format!("cannot read trace `{file}`: {why}"),
                                "paths are relative to the scenario file",
                            );
                            None
                        }
                        Ok(text) => match parse_trace(&text, *speed) {
                            Ok(times) => Some(Arrivals::Trace { times: times.into() }),
                            Err(why) => {
                                b.p.with_hint(
                                    ap.field("file"),
                                    "bad trace",
                                    format!("trace `{file}`: {why}"),
                                    "one arrival time per line, e.g. `1.25s` or `1.25` (seconds), in order",
                                );
                                None
                            }
                        },
                    }
                }
            };
            let (timeout, retry) = match &w.client {
                Some(c) => {
                    let cp = wp.field("client");
                    if let Some(t) = c.timeout {
                        checks::positive_d(&mut b.p, &cp.field("timeout"), t, "a client timeout");
                        checks::at_most_d(&mut b.p, &cp.field("timeout"), t, checks::MAX_DURATION, "a client timeout");
                    }
                    if let Some(r) = &c.retry {
                        checks::retry(&mut b.p, &cp.field("retry"), r);
                    }
                    (c.timeout, c.retry.clone())
                }
                None => (None, None),
            };
            if let (Some(endpoint), Some(arrivals)) = (endpoint, arrivals) {
                workloads.push(Workload { endpoint, arrivals, timeout, retry });
            }
        }

        let mut faults = Vec::new();
        for (i, f) in s.faults.iter().enumerate() {
            let fp = root.field("faults").index(i);
            if f.start >= s.duration {
                b.p.with_hint(
                    fp.field("start"),
                    "after the end",
                    format!("the fault starts at {} but the run ends at {}", f.start, s.duration),
                    "start it earlier or lengthen the run",
                );
            }
            if let Some(d) = f.duration {
                checks::positive_d(&mut b.p, &fp.field("duration"), d, "a fault");
            }
            if let Some(n) = &f.name {
                checks::name(&mut b.p, &fp.field("name"), n, "a fault");
            }
            let fault = b.fault(&fp.field("fault"), &f.fault);
            if let Some(fault) = fault {
                let name = f.name.clone().unwrap_or_else(|| describe(&f.fault));
                let end = f.duration.map(|d| Duration(f.start.0.saturating_add(d.0)));
                faults.push(FaultWindow { name, start: f.start, end, fault });
            }
        }
        faults.sort_by_key(|f| f.start);

        let mut processes = Vec::new();
        for (i, pr) in s.processes.iter().enumerate() {
            let pp = root.field("processes").index(i);
            let target = b.target(&pp.field("target"), &pr.target, CRASHABLE);
            let failure = checks::failure(&mut b.p, &pp.field("failure"), &pr.failure);
            if let Some(target) = target {
                processes.push(Process { target, failure });
            }
        }

        let lp = root.field("limits");
        checks::positive_u(&mut b.p, &lp.field("max_events"), s.limits.max_events, "max_events");
        checks::positive_u(&mut b.p, &lp.field("max_in_flight"), s.limits.max_in_flight, "max_in_flight");
        let max_time = s.limits.max_time.unwrap_or(Duration(s.duration.0.saturating_add(Duration::from_secs(60).0)));
        if max_time < s.duration {
            b.p.with_hint(
                lp.field("max_time"),
                "before the end",
                format!("max_time ({max_time}) is shorter than the run ({})", s.duration),
                "raise max_time or shorten the duration",
            );
        }
        checks::positive_d(&mut b.p, &root.field("metrics").field("bucket"), s.metrics.bucket, "a metrics bucket");
        check_pending(&mut b.p, &lp, s.limits.max_pending_events);
        check_buckets(&mut b.p, &root, &s.limits);

        let mut hypotheses = Vec::new();
        for (i, h) in s.hypotheses.iter().enumerate() {
            let hp = root.field("hypotheses").index(i);
            let cp = hp.field("check");
            if let Some(n) = &h.name {
                checks::name(&mut b.p, &hp.field("name"), n, "a hypothesis");
            }
            checks::fraction(&mut b.p, &hp.field("seeds_passing"), h.seeds_passing, "seeds_passing");
            let check = match &h.check {
                spec::Check::Availability { endpoint, at_least } => {
                    checks::prob(&mut b.p, &cp.field("at_least"), *at_least, "an availability bound");
                    b.endpoint(&cp.field("endpoint"), endpoint)
                        .map(|endpoint| Check::Availability { endpoint, at_least: *at_least })
                }
                spec::Check::Latency { endpoint, percentile, at_most } => {
                    checks::percentile(&mut b.p, &cp.field("percentile"), *percentile);
                    checks::positive_d(&mut b.p, &cp.field("at_most"), *at_most, "a latency bound");
                    b.endpoint(&cp.field("endpoint"), endpoint).map(|endpoint| Check::Latency {
                        endpoint,
                        percentile: *percentile,
                        at_most: *at_most,
                    })
                }
                spec::Check::NoDataLoss => Some(Check::NoDataLoss),
                spec::Check::RecoversWithin { endpoint, within } => {
                    checks::positive_d(&mut b.p, &cp.field("within"), *within, "a recovery deadline");
                    b.endpoint(&cp.field("endpoint"), endpoint)
                        .map(|endpoint| Check::RecoversWithin { endpoint, within: *within })
                }
                spec::Check::NoCascadeBeyond { services } => Some(Check::NoCascadeBeyond { services: *services }),
                spec::Check::ErrorBudgetBurn { endpoint, at_most } => {
                    checks::non_negative_f(&mut b.p, &cp.field("at_most"), *at_most, "a budget burn bound");
                    let e = b.endpoint(&cp.field("endpoint"), endpoint);
                    if let Some(e) = e {
                        let has_slo = t.endpoints()[e.index()].slo.as_ref().is_some_and(|s| s.availability.is_some());
                        if !has_slo {
                            b.p.with_hint(
                                cp.field("endpoint"),
                                "no availability SLO",
                                format!("endpoint `{endpoint}` has no availability SLO to burn"),
                                "add slo: (availability: 0.999) to the endpoint in the topology",
                            );
                        }
                    }
                    e.map(|endpoint| Check::ErrorBudgetBurn { endpoint, at_most: *at_most })
                }
            };
            let scope = resolve_scope(&mut b.p, &hp.field("scope"), &h.scope, s, &faults);
            if let (Some(check), Some(scope)) = (check, scope) {
                let mut name = h.name.clone().unwrap_or_else(|| describe_check(&h.check));
                if h.name.is_none() {
                    if let Scope::Window { label, .. } = &scope {
                        name = format!("{name} {label}");
                    }
                }
                hypotheses.push(Hypothesis { name, check, seeds_passing: h.seeds_passing, scope });
            }
        }

        let explore = s.explore.as_ref().map(|e| {
            let ep = root.field("explore");
            if e.kinds.is_empty() {
                b.p.push(ep.field("kinds"), "empty", "explore needs at least one fault kind");
            }
            if e.max_faults == 0 || e.max_faults > MAX_EXPLORE_FAULTS {
                b.p.with_hint(
                    ep.field("max_faults"),
                    "out of range",
                    format!("max_faults must be between 1 and {MAX_EXPLORE_FAULTS}, found {}", e.max_faults),
                    "real incidents combine a few faults; the search space grows exponentially with this",
                );
            }
            if e.cases == 0 || e.cases > MAX_EXPLORE_CASES {
                b.p.with_hint(
                    ep.field("cases"),
                    "out of range",
                    format!("cases must be between 1 and {MAX_EXPLORE_CASES}, found {}", e.cases),
                    "each case is a full simulation; explore a smaller budget first",
                );
            }
            checks::positive_d(&mut b.p, &ep.field("min_duration"), e.min_duration, "min_duration");
            if e.max_duration < e.min_duration {
                b.p.push(
                    ep.field("max_duration"),
                    "below min",
                    format!("max_duration ({}) is below min_duration ({})", e.max_duration, e.min_duration),
                );
            }
            let start = e.start.unwrap_or(s.warmup);
            let end = e.end.unwrap_or(s.duration);
            if end <= start || end > s.duration {
                b.p.push(
                    ep.clone(),
                    "empty window",
                    format!(
                        "the search window [{start}, {end}] must be non-empty and inside the run (0 to {})",
                        s.duration
                    ),
                );
            }
            let targets = e
                .targets
                .iter()
                .enumerate()
                .filter_map(|(k, tg)| b.target(&ep.field("targets").index(k), tg, ANY))
                .collect();
            Explore {
                kinds: e.kinds.clone(),
                targets,
                max_faults: e.max_faults,
                start,
                end,
                min_duration: e.min_duration,
                max_duration: e.max_duration,
                cases: e.cases,
            }
        });

        if !b.p.is_empty() {
            return Err(b.p.into_vec());
        }
        Ok(Scenario {
            inputs: Inputs::default(),
            name: s.name.clone(),
            description: s.description.clone(),
            topology,
            first_seed: s.seeds.first,
            seed_count: s.seeds.count,
            duration: s.duration,
            warmup: s.warmup,
            workloads,
            faults,
            processes,
            component_failures: s.component_failures,
            limits: Limits {
                max_events: s.limits.max_events,
                max_time,
                max_in_flight: s.limits.max_in_flight,
                max_pending_events: s.limits.max_pending_events,
                max_buckets: s.limits.max_buckets.clamp(1, MAX_BUCKETS_CEILING),
            },
            bucket: s.metrics.bucket,
            hypotheses,
            explore,
        })
    }
}

/// The largest `limits.max_buckets` accepted: each bucket costs a few hundred bytes per
/// endpoint and service, so more would ask for gigabytes per seed in flight.
pub const MAX_BUCKETS_CEILING: u64 = 10_000_000;

/// `limits.max_pending_events` is within what the calendar can hold.
fn check_pending(p: &mut Problems, lp: &Path, v: u64) {
    let cap = crate::engine::calendar::MAX_PENDING as u64;
    if v == 0 || v > cap {
        p.with_hint(
            lp.field("max_pending_events"),
            "out of range",
            format!("max_pending_events must be between 1 and {cap}, found {v}"),
            format!("the calendar holds at most {cap} events; the default is {cap}"),
        );
    }
}

/// `limits.max_buckets` is in range. A run longer than it allows at `metrics.bucket` is not an
/// error: its series use a wider bucket (see [`series_bucket`]).
fn check_buckets(p: &mut Problems, root: &Path, limits: &spec::Limits) {
    let lp = root.field("limits");
    if limits.max_buckets == 0 || limits.max_buckets > MAX_BUCKETS_CEILING {
        p.with_hint(
            lp.field("max_buckets"),
            "out of range",
            format!("max_buckets must be between 1 and {MAX_BUCKETS_CEILING}, found {}", limits.max_buckets),
            format!(
                "the default, {}, keeps a second's resolution for runs up to an hour",
                spec::Limits::default().max_buckets
            ),
        );
    }
}

/// Multiples of the requested bucket tried in turn when a run needs more than
/// `limits.max_buckets` buckets: with the default 1 s bucket they are round durations from
/// 1 s to a day. Beyond the last, the smallest whole number of days that fits.
const WIDENINGS: [u64; 18] =
    [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400];

/// The bucket width a run's time series use: `requested`, widened by the first of
/// [`WIDENINGS`] (then whole multiples of the last) that keeps a run of `max_time` within
/// `max_buckets` buckets. It depends on the scenario alone, so every seed, shard and thread
/// count shares it and series still merge exactly; the memory of a run's series is bounded by
/// `max_buckets` whatever its simulated length.
pub fn series_bucket(requested: Duration, max_time: Duration, max_buckets: u64) -> Duration {
    let base = requested.as_nanos().max(1);
    let cap = max_buckets.max(1);
    let fits = |k: u64| base.checked_mul(k).is_some_and(|w| max_time.as_nanos() / w < cap);
    let k = WIDENINGS.into_iter().find(|&k| fits(k)).unwrap_or_else(|| {
        // Whole multiples m of the widest step fit when max_time / (base·last·m) < cap,
        // that is from m = q / cap + 1 with q the buckets needed at the widest step.
        let last = WIDENINGS[WIDENINGS.len() - 1];
        let q = max_time.as_nanos() / base.saturating_mul(last);
        (q / cap + 1).saturating_mul(last)
    });
    Duration(base.saturating_mul(k))
}

/// Parses a trace: one arrival offset per line (a unit string, or a number of seconds),
/// non-decreasing; blank lines, `#` comments and one header line are skipped.
fn parse_trace(text: &str, speed: f64) -> Result<Vec<Duration>, String> {
    let mut times = Vec::new();
    let mut prev = Duration::ZERO;
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        let field = line.split(',').next().unwrap_or("").trim();
        if field.is_empty() {
            continue;
        }
        let t = match field.parse::<Duration>() {
            Ok(d) => d,
            Err(_) => match field.parse::<f64>() {
                Ok(secs) if (0.0..1e9).contains(&secs) => Duration((secs * 1e9).round() as u64),
                _ if times.is_empty() && n == 0 && field.chars().any(|c| c.is_alphabetic()) => continue,
                _ => return Err(format!("line {}: `{field}` is not a time offset", n + 1)),
            },
        };
        if t < prev {
            return Err(format!("line {}: {t} comes before the previous arrival {prev}; sort the trace", n + 1));
        }
        prev = t;
        if times.len() >= MAX_TRACE_ARRIVALS {
            return Err(format!("more than {MAX_TRACE_ARRIVALS} arrivals; split the trace"));
        }
        times.push(Duration((t.0 as f64 / speed).round() as u64));
    }
    if times.is_empty() {
        return Err("no arrivals in the file".to_owned());
    }
    Ok(times)
}

/// Resolves a hypothesis's scope to simulated times: a named fault window (by its name, as
/// given or as derived), its recovery (from its end to the end of the run), or an explicit
/// window. A window must lie in the run and end after the warm-up, or nothing in it is
/// measured.
fn resolve_scope(
    p: &mut Problems,
    path: &Path,
    scope: &spec::Scope,
    s: &spec::Scenario,
    faults: &[FaultWindow],
) -> Option<Scope> {
    let named = |p: &mut Problems, name: &str| -> Option<&FaultWindow> {
        let names: Vec<String> =
            s.faults.iter().map(|f| f.name.clone().unwrap_or_else(|| describe(&f.fault))).collect();
        let matching = names.iter().filter(|n| n.as_str() == name).count();
        if matching == 0 {
            let hint = match did_you_mean(name, names.iter().map(String::as_str)) {
                Some(m) => format!("did you mean `{m}`?"),
                None if names.is_empty() => "the scenario has no faults; add a FaultWindow with a name".to_owned(),
                None => format!(
                    "the faults are named {}",
                    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                ),
            };
            p.with_hint(path.clone(), "no such fault", format!("no fault window named `{name}`"), hint);
            return None;
        }
        if matching > 1 {
            p.with_hint(
                path.clone(),
                "ambiguous",
                format!("{matching} fault windows are named `{name}`"),
                "give each fault window its own `name`",
            );
            return None;
        }
        // A fault that did not resolve has its own error already.
        faults.iter().find(|f| f.name == name)
    };
    let (from, to, fault, label) = match scope {
        spec::Scope::Run => return Some(Scope::Run),
        spec::Scope::During(name) => {
            let f = named(p, name)?;
            let to = f.end.unwrap_or(s.duration).min(s.duration);
            (f.start, to, Some(name.clone()), format!("during `{name}` ({} to {to})", f.start))
        }
        spec::Scope::After(name) => {
            let f = named(p, name)?;
            let Some(end) = f.end.filter(|e| *e < s.duration) else {
                p.with_hint(
                    path.clone(),
                    "no after",
                    format!("fault `{name}` lasts to the end of the run: there is no recovery to judge"),
                    "give the fault a `duration`, or lengthen the run",
                );
                return None;
            };
            (end, s.duration, Some(name.clone()), format!("after `{name}` ({end} to {})", s.duration))
        }
        spec::Scope::Between { from, to } => {
            if from >= to || *to > s.duration {
                p.with_hint(
                    path.clone(),
                    "out of range",
                    format!("the window {from} to {to} is not inside the run (0s to {})", s.duration),
                    "`from` must come before `to`, and `to` at most the run's duration",
                );
                return None;
            }
            (*from, *to, None, format!("from {from} to {to}"))
        }
    };
    if to <= s.warmup {
        p.with_hint(
            path.clone(),
            "in the warm-up",
            format!("the window {from} to {to} ends before the warm-up ({}) does: nothing in it is measured", s.warmup),
            "shorten the warm-up or move the window",
        );
        return None;
    }
    Some(Scope::Window { from, to, fault, label })
}

/// A short label for a hypothesis, used when the file gives none.
fn describe_check(c: &spec::Check) -> String {
    match c {
        spec::Check::Availability { endpoint, at_least } => format!("{endpoint} availability ≥ {}%", at_least * 100.0),
        spec::Check::Latency { endpoint, percentile, at_most } => format!("{endpoint} p{percentile} ≤ {at_most}"),
        spec::Check::NoDataLoss => "no data loss".to_owned(),
        spec::Check::RecoversWithin { endpoint, within } => format!("{endpoint} recovers within {within}"),
        spec::Check::NoCascadeBeyond { services } => format!("no cascade beyond {services} services"),
        spec::Check::ErrorBudgetBurn { endpoint, at_most } => format!("{endpoint} error-budget burn ≤ {at_most}"),
    }
}

/// A short label for a fault, used when the file gives none.
fn describe(f: &spec::Fault) -> String {
    let tgt = |t: &spec::Target| match t {
        spec::Target::Instance(s, i) => format!("{s}#{i}"),
        spec::Target::Service(n)
        | spec::Target::Zone(n)
        | spec::Target::Region(n)
        | spec::Target::Queue(n)
        | spec::Target::Datastore(n)
        | spec::Target::Cache(n)
        | spec::Target::External(n) => n.clone(),
        spec::Target::Link(a, b) => format!("{a}↔{b}"),
    };
    match f {
        spec::Fault::Crash(t) => format!("crash {}", tgt(t)),
        spec::Fault::Partition { side_a, side_b, .. } => {
            let a: Vec<String> = side_a.iter().map(tgt).collect();
            let b: Vec<String> = side_b.iter().map(tgt).collect();
            format!("partition {} | {}", a.join(","), b.join(","))
        }
        spec::Fault::Latency { target, .. } => format!("latency {}", tgt(target)),
        spec::Fault::PacketLoss { target, .. } => format!("packet loss {}", tgt(target)),
        spec::Fault::Errors { target, .. } => format!("errors {}", tgt(target)),
        spec::Fault::Slowdown { target, factor } => format!("slowdown {} ×{factor}", tgt(target)),
        spec::Fault::CapacityCut { target, fraction, .. } => {
            format!("capacity −{:.0}% {}", fraction * 100.0, tgt(target))
        }
        spec::Fault::MemoryLeak { target, .. } => format!("memory leak {}", tgt(target)),
        spec::Fault::BadDeploy { service, fraction, .. } => format!("bad deploy {service} ({:.0}%)", fraction * 100.0),
        spec::Fault::CacheFlush(c) => format!("cache flush {c}"),
        spec::Fault::Outage(e) => format!("outage {e}"),
    }
}

/// Which kinds of target a fault accepts.
#[derive(Clone, Copy)]
struct Accepts {
    instance: bool,
    service: bool,
    place: bool,
    other: bool,
    link: bool,
    what: &'static str,
}

const ANY: Accepts =
    Accepts { instance: true, service: true, place: true, other: true, link: true, what: "any target" };
const CRASHABLE: Accepts = Accepts {
    instance: true,
    service: true,
    place: true,
    other: true,
    link: false,
    what: "an instance, service, zone, region, queue, datastore, cache or external (use Partition for links)",
};
const COMPONENT_OR_LINK: Accepts = Accepts {
    instance: true,
    service: true,
    place: false,
    other: true,
    link: true,
    what: "an instance, a component or a Link",
};
const COMPONENT: Accepts = Accepts {
    instance: true,
    service: true,
    place: false,
    other: true,
    link: false,
    what: "an instance or a component",
};
const COMPUTE: Accepts = Accepts {
    instance: true,
    service: true,
    place: false,
    other: false,
    link: false,
    what: "a service or an instance",
};

struct Checker<'t> {
    p: Problems,
    t: &'t Topology,
}

impl Checker<'_> {
    fn endpoint(&mut self, path: &Path, name: &str) -> Option<EndpointId> {
        let id = self.t.endpoint_by_name(name);
        if id.is_none() {
            let names: Vec<&str> = self.t.endpoints().iter().map(|e| e.name.as_str()).collect();
            let hint = match did_you_mean(name, names.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("the topology's endpoints: {}", names.join(", ")),
            };
            let name = checks::shown(name);
            self.p.with_hint(path.clone(), "unknown endpoint", format!("unknown endpoint `{name}`"), hint);
        }
        id
    }

    /// Resolves a name expected to be of one kind, with a hint naming the right kind.
    fn named(&mut self, path: &Path, name: &str, want: &str, fits: impl Fn(Named) -> bool) -> Option<Named> {
        match self.t.lookup(name) {
            Some(n) if fits(n) => Some(n),
            Some(n) => {
                let kind = match n {
                    Named::Region(_) => "region",
                    Named::Zone(_) => "zone",
                    Named::Component(c) => Topology::component_kind(c),
                };
                self.p.with_hint(
                    path.clone(),
                    "wrong kind",
                    format!("`{name}` is a {kind}, not a {want}"),
                    format!("write {}(\"{name}\")", capitalised(kind)),
                );
                None
            }
            None => {
                let cands: Vec<&str> = self.t.names().filter(|n| self.t.lookup(n).is_some_and(&fits)).collect();
                let hint = match did_you_mean(name, cands.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if cands.is_empty() => format!("the topology has no {want}"),
                    None => format!("known: {}", cands.iter().take(8).copied().collect::<Vec<_>>().join(", ")),
                };
                let name = checks::shown(name);
                self.p.with_hint(path.clone(), "unknown name", format!("unknown {want} `{name}`"), hint);
                None
            }
        }
    }

    fn target(&mut self, path: &Path, t: &spec::Target, accepts: Accepts) -> Option<Target> {
        let ok = match t {
            spec::Target::Instance(..) => accepts.instance,
            spec::Target::Service(_) => accepts.service,
            spec::Target::Zone(_) | spec::Target::Region(_) => accepts.place,
            spec::Target::Queue(_)
            | spec::Target::Datastore(_)
            | spec::Target::Cache(_)
            | spec::Target::External(_) => accepts.other,
            spec::Target::Link(..) => accepts.link,
        };
        if !ok {
            self.p.push(
                path.clone(),
                "not allowed here",
                format!("this fault does not act on that kind of target; it takes {}", accepts.what),
            );
            return None;
        }
        let comp = |kind: fn(ComponentId) -> bool| move |n: Named| matches!(n, Named::Component(c) if kind(c));
        match t {
            spec::Target::Instance(s, i) => {
                let n = self.named(&path.index(0), s, "service", comp(|c| matches!(c, ComponentId::Service(_))))?;
                let Named::Component(ComponentId::Service(sid)) = n else { return None };
                let svc = self.t.service(sid);
                if *i >= svc.instance_count() {
                    self.p.push(
                        path.index(1),
                        "no such instance",
                        format!(
                            "service `{s}` has {} instances (0 to {}), not {i}",
                            svc.instance_count(),
                            svc.instance_count().saturating_sub(1)
                        ),
                    );
                    return None;
                }
                Some(Target::Instance(InstanceId(svc.instances.start + i)))
            }
            spec::Target::Service(s) => {
                match self.named(&path.index(0), s, "service", comp(|c| matches!(c, ComponentId::Service(_))))? {
                    Named::Component(ComponentId::Service(sid)) => Some(Target::Service(sid)),
                    _ => None,
                }
            }
            spec::Target::Zone(z) => match self.named(&path.index(0), z, "zone", |n| matches!(n, Named::Zone(_)))? {
                Named::Zone(id) => Some(Target::Zone(id)),
                _ => None,
            },
            spec::Target::Region(r) => {
                match self.named(&path.index(0), r, "region", |n| matches!(n, Named::Region(_)))? {
                    Named::Region(id) => Some(Target::Region(id)),
                    _ => None,
                }
            }
            spec::Target::Queue(n) => self
                .named(&path.index(0), n, "queue", comp(|c| matches!(c, ComponentId::Queue(_))))
                .and_then(as_component),
            spec::Target::Datastore(n) => self
                .named(&path.index(0), n, "datastore", comp(|c| matches!(c, ComponentId::Datastore(_))))
                .and_then(as_component),
            spec::Target::Cache(n) => self
                .named(&path.index(0), n, "cache", comp(|c| matches!(c, ComponentId::Cache(_))))
                .and_then(as_component),
            spec::Target::External(n) => self
                .named(&path.index(0), n, "external", comp(|c| matches!(c, ComponentId::External(_))))
                .and_then(as_component),
            spec::Target::Link(a, b) => {
                let any = |_: Named| true;
                let na = self.named(&path.index(0), a, "zone, region or component", any);
                let nb = self.named(&path.index(1), b, "zone, region or component", any);
                let (na, nb) = (na?, nb?);
                if na == nb {
                    self.p.push(path.clone(), "same twice", "a link joins two different ends");
                    return None;
                }
                match (na, nb) {
                    (Named::Component(x), Named::Component(y)) => Some(Target::ComponentLink(x, y)),
                    (Named::Zone(_) | Named::Region(_), Named::Zone(_) | Named::Region(_)) => {
                        Some(Target::PlaceLink(place(na)?, place(nb)?))
                    }
                    _ => {
                        self.p.push(
                            path.clone(),
                            "mixed ends",
                            "a link joins two places (zones, regions) or two components, not one of each",
                        );
                        None
                    }
                }
            }
        }
    }

    fn side(&mut self, path: &Path, t: &spec::Target) -> Option<Side> {
        match t {
            spec::Target::Instance(..) | spec::Target::Link(..) => {
                self.p.push(path.clone(), "not allowed here", "a partition side lists zones, regions or components");
                None
            }
            _ => match self.target(path, t, ANY)? {
                Target::Zone(z) => Some(Side::Place(Place::Zone(z))),
                Target::Region(r) => Some(Side::Place(Place::Region(r))),
                Target::Service(s) => Some(Side::Component(ComponentId::Service(s))),
                Target::Component(c) => Some(Side::Component(c)),
                _ => None,
            },
        }
    }

    fn fault(&mut self, path: &Path, f: &spec::Fault) -> Option<Fault> {
        // Payload fields of struct variants are addressed by name, newtype payloads by index 0.
        match f {
            spec::Fault::Crash(t) => self.target(&path.index(0), t, CRASHABLE).map(Fault::Crash),
            spec::Fault::Partition { side_a, side_b, direction, mode } => {
                let mut sides = [Vec::new(), Vec::new()];
                for (k, (list, field)) in [(side_a, "side_a"), (side_b, "side_b")].into_iter().enumerate() {
                    if list.is_empty() {
                        self.p.push(
                            path.field(field),
                            "empty",
                            "each side of a partition lists at least one zone, region or component",
                        );
                    }
                    for (i, t) in list.iter().enumerate() {
                        if let Some(s) = self.side(&path.field(field).index(i), t) {
                            sides[k].push(s);
                        }
                    }
                }
                let [a, b] = sides;
                if a.iter().any(|x| b.contains(x)) {
                    self.p.push(
                        path.field("side_b"),
                        "on both sides",
                        "a partition side repeats something from the other side",
                    );
                }
                Some(Fault::Partition { side_a: a, side_b: b, direction: *direction, mode: *mode })
            }
            spec::Fault::Latency { target, add } => {
                let add = checks::dist(&mut self.p, &path.field("add"), add);
                self.target(&path.field("target"), target, COMPONENT_OR_LINK)
                    .map(|target| Fault::Latency { target, add })
            }
            spec::Fault::PacketLoss { target, probability } => {
                checks::prob(&mut self.p, &path.field("probability"), *probability, "a loss probability");
                self.target(&path.field("target"), target, COMPONENT_OR_LINK)
                    .map(|target| Fault::PacketLoss { target, probability: *probability })
            }
            spec::Fault::Errors { target, probability } => {
                checks::prob(&mut self.p, &path.field("probability"), *probability, "an error probability");
                self.target(&path.field("target"), target, COMPONENT)
                    .map(|target| Fault::Errors { target, probability: *probability })
            }
            spec::Fault::Slowdown { target, factor } => {
                checks::factor(&mut self.p, &path.field("factor"), *factor, "a slowdown factor");
                self.target(&path.field("target"), target, COMPONENT)
                    .map(|target| Fault::Slowdown { target, factor: *factor })
            }
            spec::Fault::CapacityCut { target, fraction, of } => {
                checks::fraction(&mut self.p, &path.field("fraction"), *fraction, "the fraction removed");
                self.target(&path.field("target"), target, COMPUTE).map(|target| Fault::CapacityCut {
                    target,
                    fraction: *fraction,
                    of: *of,
                })
            }
            spec::Fault::MemoryLeak { target, per_second } => {
                let resolved = self.target(&path.field("target"), target, COMPUTE)?;
                let sid = match &resolved {
                    Target::Service(s) => *s,
                    Target::Instance(i) => self.t.instances()[i.index()].service,
                    _ => return None,
                };
                if self.t.service(sid).memory.is_none() {
                    let name = &self.t.service(sid).name;
                    self.p.with_hint(
                        path.field("target"),
                        "no memory model",
                        format!("service `{name}` has no memory model, so a leak would do nothing"),
                        "add memory: (base: \"256MiB\", limit: \"1GiB\") to the service",
                    );
                }
                if per_second.0 == 0 {
                    self.p.push(path.field("per_second"), "must be > 0", "a leak must grow memory");
                }
                Some(Fault::MemoryLeak { target: resolved, per_second: *per_second })
            }
            spec::Fault::BadDeploy { service, fraction, error_rate } => {
                checks::fraction(&mut self.p, &path.field("fraction"), *fraction, "the deployed fraction");
                checks::prob(&mut self.p, &path.field("error_rate"), *error_rate, "an error rate");
                match self.named(&path.field("service"), service, "service", |n| {
                    matches!(n, Named::Component(ComponentId::Service(_)))
                })? {
                    Named::Component(ComponentId::Service(s)) => {
                        Some(Fault::BadDeploy { service: s, fraction: *fraction, error_rate: *error_rate })
                    }
                    _ => None,
                }
            }
            spec::Fault::CacheFlush(c) => self
                .named(&path.index(0), c, "cache", |n| matches!(n, Named::Component(ComponentId::Cache(_))))
                .and_then(as_component)
                .map(|t| match t {
                    Target::Component(c) => Fault::CacheFlush(c),
                    _ => Fault::CacheFlush(ComponentId::Cache(crate::topology::CacheId(0))),
                }),
            spec::Fault::Outage(e) => self
                .named(&path.index(0), e, "external", |n| matches!(n, Named::Component(ComponentId::External(_))))
                .and_then(as_component)
                .map(|t| match t {
                    Target::Component(c) => Fault::Outage(c),
                    _ => Fault::Outage(ComponentId::External(crate::topology::ExternalId(0))),
                }),
        }
    }
}

fn as_component(n: Named) -> Option<Target> {
    match n {
        Named::Component(ComponentId::Service(s)) => Some(Target::Service(s)),
        Named::Component(c) => Some(Target::Component(c)),
        _ => None,
    }
}

fn place(n: Named) -> Option<Place> {
    match n {
        Named::Zone(z) => Some(Place::Zone(z)),
        Named::Region(r) => Some(Place::Region(r)),
        Named::Component(_) => None,
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn buckets(bucket: Duration, max_time: Duration) -> u64 {
        max_time.as_nanos() / bucket.as_nanos() + 1
    }

    #[test]
    fn long_runs_widen_their_bucket_to_round_durations() {
        let s = Duration::from_secs;
        // An hour fits at 1 s; a run of max_time 4095 s is the last that does.
        assert_eq!(series_bucket(s(1), s(3660), 4096), s(1));
        assert_eq!(series_bucket(s(1), s(4095), 4096), s(1));
        assert_eq!(series_bucket(s(1), s(4096), 4096), s(2));
        // Two days (+60 s of draining) in minutes, 30 days in 15 minutes, 30 days asked in 5 s.
        assert_eq!(series_bucket(s(1), s(2 * 86_400 + 60), 4096), s(60));
        assert_eq!(series_bucket(s(1), s(30 * 86_400 + 60), 4096), s(900));
        assert_eq!(series_bucket(s(5), s(30 * 86_400 + 60), 4096), s(5 * 300));
        // Beyond a day per bucket: whole days.
        assert_eq!(series_bucket(s(1), s(100 * 365 * 86_400), 4096), s(9 * 86_400));
        // Nanoseconds over the longest representable run do not overflow.
        let w = series_bucket(Duration::from_nanos(1), Duration::from_nanos(u64::MAX), 4096);
        assert!(buckets(w, Duration::from_nanos(u64::MAX)) <= 4096, "{w}");
    }

    proptest! {
        /// The series bucket is a whole multiple of the one asked for, never narrower, and
        /// a run of max_time fits in max_buckets with it.
        #[test]
        fn the_series_bucket_fits_and_is_a_multiple(
            requested in 1u64..10_000_000_000_000,
            max_time in 0u64..u64::MAX,
            cap in 1u64..=MAX_BUCKETS_CEILING,
        ) {
            let w = series_bucket(Duration::from_nanos(requested), Duration::from_nanos(max_time), cap);
            prop_assert!(w.as_nanos() >= requested);
            prop_assert!(buckets(w, Duration::from_nanos(max_time)) <= cap);
            if w.as_nanos() != u64::MAX {
                prop_assert_eq!(w.as_nanos() % requested, 0);
            }
        }
    }

    #[test]
    fn traces_parse_units_seconds_and_a_header() {
        let t = parse_trace("time\n0.5\n1s\n# comment\n\n1500ms, extra\n", 1.0).expect("valid trace");
        assert_eq!(t, vec![Duration::from_millis(500), Duration::from_secs(1), Duration::from_millis(1500)]);
        let fast = parse_trace("2s\n", 2.0).expect("valid trace");
        assert_eq!(fast, vec![Duration::from_secs(1)]);
    }

    #[test]
    fn traces_must_be_sorted_and_non_empty() {
        assert!(parse_trace("2s\n1s\n", 1.0).is_err());
        assert!(parse_trace("# nothing\n", 1.0).is_err());
        assert!(parse_trace("0.1\nbanana\n", 1.0).is_err());
    }
}
