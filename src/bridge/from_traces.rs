//! OpenTelemetry traces (OTLP JSON) into a topology and a scenario: `faultsim import traces`.
//!
//! Reads spans the way the collector's file exporter writes them (one `{"resourceSpans": …}`
//! document per file, or one per line), and infers what the spans show:
//!
//! - components from the resource's `service.name`; their kind from `faultsim.kind`, or
//!   `db.system` (a datastore) and `messaging.system` (a queue); a `peer.service` that never
//!   has a span of its own is an external;
//! - instances from `service.instance.id`, their zones and regions from
//!   `cloud.availability_zone` and `cloud.region`;
//! - the call graph from the client (and producer: async) spans under each server span:
//!   which endpoints make each call (`only_for`), how often (`probability`), reads and
//!   writes, retries (sibling attempts) and timeouts (attempts that ended `timeout`), and
//!   whether the calls run one after another or at once (`fan_out`);
//! - service, lookup, enqueue, read and write times from the server spans' self time (the
//!   span minus the calls it waited on), fitted as `LogNormal` through the median and p99,
//!   or `Fixed` when they do not vary;
//! - one-way network latency by zone relation, as half of an attempt's time that its
//!   handling does not cover;
//! - cache hit ratios from lookups that went to the backend, error rates from failed spans
//!   whose calls did not fail, and a Poisson rate per endpoint from the root spans.
//!
//! What the spans cannot show (SLOs, breakers, bulkheads, pool sizes, queue capacity, a
//! timeout that never fired) is not invented: the written files list it in a comment block,
//! with every fit and how many spans it rests on.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::Value;

use crate::spec::Dist;
use crate::units::Duration;

/// OTLP span kinds.
const SERVER: u8 = 2;
const CLIENT: u8 = 3;
const PRODUCER: u8 = 4;
const CONSUMER: u8 = 5;

/// Fewest samples a fit rests on before it is used; below it the format's default stays.
const MIN_SAMPLES: usize = 20;

/// Who emitted spans: one resource.
#[derive(Clone, Debug, Default)]
struct Resource {
    service: String,
    instance: Option<String>,
    zone: Option<String>,
    region: Option<String>,
    kind: Option<String>,
}

/// One span, with what the importer reads of it.
#[derive(Clone, Debug)]
struct RawSpan {
    trace: String,
    id: String,
    parent: Option<String>,
    name: String,
    kind: u8,
    start: u64,
    end: u64,
    resource: usize,
    peer: Option<String>,
    /// The failure cause (`error.type`, or `error` for an error status without one).
    error: Option<String>,
    attempt: Option<u32>,
    write: Option<bool>,
    abandoned: bool,
}

/// Spans read from one or more files.
#[derive(Debug, Default)]
pub struct Traces {
    resources: Vec<Resource>,
    spans: Vec<RawSpan>,
}

fn attributes(list: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for a in list.as_array().into_iter().flatten() {
        let (Some(k), Some(v)) = (a["key"].as_str(), a["value"].as_object()) else { continue };
        if let Some((_, v)) = v.iter().next() {
            out.insert(k.to_owned(), v.clone());
        }
    }
    out
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn number(v: &Value) -> Option<u64> {
    match v {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

fn span_kind(v: &Value) -> u8 {
    match v {
        Value::Number(n) => n.as_u64().unwrap_or(0) as u8,
        Value::String(s) => match s.as_str() {
            "SPAN_KIND_SERVER" => SERVER,
            "SPAN_KIND_CLIENT" => CLIENT,
            "SPAN_KIND_PRODUCER" => PRODUCER,
            "SPAN_KIND_CONSUMER" => CONSUMER,
            "SPAN_KIND_INTERNAL" => 1,
            _ => 0,
        },
        _ => 0,
    }
}

fn is_error_status(v: &Value) -> bool {
    matches!(&v["code"], Value::Number(n) if n.as_u64() == Some(2)) || v["code"].as_str() == Some("STATUS_CODE_ERROR")
}

impl Traces {
    /// Adds the spans of one OTLP JSON document; `file` names it in errors.
    pub fn add(&mut self, doc: &Value, file: &str) -> Result<(), String> {
        let Some(resources) = doc.get("resourceSpans").and_then(Value::as_array) else {
            return Err(format!(
                "{file}: not OTLP JSON traces: expected an object with `resourceSpans` (what the collector's file exporter writes)"
            ));
        };
        for (r, rs) in resources.iter().enumerate() {
            let attrs = attributes(&rs["resource"]["attributes"]);
            let Some(service) = text(attrs.get("service.name")) else {
                return Err(format!(
                    "{file}: resourceSpans[{r}] has no `service.name` resource attribute, so its spans belong to nobody\n  hint: every instrumented process sets it (OTEL_SERVICE_NAME)"
                ));
            };
            let kind = text(attrs.get("faultsim.kind")).or_else(|| {
                if attrs.contains_key("db.system") || attrs.contains_key("db.system.name") {
                    Some("datastore".into())
                } else if attrs.contains_key("messaging.system") {
                    Some("queue".into())
                } else {
                    None
                }
            });
            self.resources.push(Resource {
                service,
                instance: text(attrs.get("service.instance.id")),
                zone: text(attrs.get("cloud.availability_zone")),
                region: text(attrs.get("cloud.region")),
                kind,
            });
            let resource = self.resources.len() - 1;
            for scope in rs["scopeSpans"].as_array().into_iter().flatten() {
                for (i, s) in scope["spans"].as_array().into_iter().flatten().enumerate() {
                    let here = || format!("{file}: resourceSpans[{r}] span {i}");
                    let (Some(trace), Some(id)) = (s["traceId"].as_str(), s["spanId"].as_str()) else {
                        return Err(format!("{}: no traceId or spanId", here()));
                    };
                    let (Some(start), Some(end)) = (number(&s["startTimeUnixNano"]), number(&s["endTimeUnixNano"]))
                    else {
                        return Err(format!(
                            "{}: startTimeUnixNano and endTimeUnixNano must be nanoseconds (a string or a number)",
                            here()
                        ));
                    };
                    if end < start {
                        return Err(format!("{}: ends before it starts", here()));
                    }
                    let a = attributes(&s["attributes"]);
                    let error =
                        text(a.get("error.type")).or_else(|| is_error_status(&s["status"]).then(|| "error".to_owned()));
                    let op = text(a.get("faultsim.operation"))
                        .or_else(|| text(a.get("db.operation.name")))
                        .or_else(|| text(a.get("db.operation")));
                    let write = op.map(|o| {
                        let o = o.to_ascii_lowercase();
                        ["write", "insert", "update", "delete", "set", "put", "upsert", "merge"]
                            .iter()
                            .any(|w| o.starts_with(w))
                    });
                    self.spans.push(RawSpan {
                        trace: trace.to_owned(),
                        id: id.to_owned(),
                        parent: s["parentSpanId"].as_str().filter(|p| !p.is_empty()).map(str::to_owned),
                        name: s["name"].as_str().unwrap_or("").to_owned(),
                        kind: span_kind(&s["kind"]),
                        start,
                        end,
                        resource,
                        peer: text(a.get("peer.service")),
                        error,
                        attempt: a.get("faultsim.attempt").and_then(number).map(|n| n as u32),
                        write,
                        abandoned: a.contains_key("faultsim.abandoned"),
                    });
                }
            }
        }
        Ok(())
    }

    /// Spans read so far.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether no span was read.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}

/// What the import wrote.
#[derive(Debug)]
pub struct Imported {
    /// The topology file's text.
    pub topology: String,
    /// The scenario file's text (its `topology` is `topology.ron` beside it).
    pub scenario: String,
    /// Every fit, one line each.
    pub fits: Vec<String>,
    /// What the traces could not show, one line each.
    pub not_inferred: Vec<String>,
}

/// A fitted duration distribution and how it was got.
fn fit(samples: &mut [u64]) -> Option<(Dist, String)> {
    if samples.len() < MIN_SAMPLES {
        return None;
    }
    samples.sort_unstable();
    let q = |p: f64| samples[((samples.len() - 1) as f64 * p).round() as usize];
    let (median, p99) = (q(0.5).max(1), q(0.99).max(1));
    let mean = samples.iter().map(|&s| s as f64).sum::<f64>() / samples.len() as f64;
    let n = samples.len();
    let tail = if n < 100 { " (p99 from fewer than 100 spans: little more than the largest)" } else { "" };
    if p99 as f64 <= median as f64 * 1.02 {
        let d = Dist::Fixed(round(median));
        return Some((d, format!("Fixed from {n} spans: median {} and p99 {} agree", show(median), show(p99))));
    }
    let sigma = (p99 as f64 / median as f64).ln() / 2.326_348;
    let fitted_mean = median as f64 * (sigma * sigma / 2.0).exp();
    let d = Dist::LogNormal { median: round(median), p99: round(p99) };
    Some((
        d,
        format!(
            "LogNormal from {n} spans: median {}, p99 {}{tail}; its mean {} against the spans' {}",
            show(median),
            show(p99),
            show(fitted_mean as u64),
            show(mean as u64)
        ),
    ))
}

/// The middle of the samples (sorting them), for fits resting on too few spans.
fn median(samples: &mut [u64]) -> Option<u64> {
    samples.sort_unstable();
    samples.get(samples.len() / 2).copied()
}

/// A distribution as it is written by hand: `LogNormal(median: "2ms", p99: "15ms")`.
fn dist(d: &Dist) -> String {
    match d {
        Dist::Fixed(v) => format!("Fixed(\"{v}\")"),
        Dist::Exp { mean } => format!("Exp(mean: \"{mean}\")"),
        Dist::LogNormal { median, p99 } => format!("LogNormal(median: \"{median}\", p99: \"{p99}\")"),
        Dist::Uniform { min, max } => format!("Uniform(min: \"{min}\", max: \"{max}\")"),
        Dist::Weibull { shape, mean } => format!("Weibull(shape: {shape}, mean: \"{mean}\")"),
    }
}

/// Rounds to about three significant digits, so written values read like hand-written ones.
fn round(ns: u64) -> Duration {
    let step = match ns {
        0..=9_999 => 1,
        10_000..=999_999 => 1_000,
        1_000_000..=99_999_999 => 10_000,
        100_000_000..=9_999_999_999 => 1_000_000,
        _ => 1_000_000_000,
    };
    Duration::from_nanos(((ns + step / 2) / step * step).max(1))
}

fn show(ns: u64) -> String {
    round(ns).to_string()
}

/// What a component is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Service,
    Queue,
    Datastore,
    Cache,
    External,
}

/// One call as the spans show it: a caller, a callee and read/write.
#[derive(Debug, Default)]
struct CallSeen {
    /// Logical calls per endpoint (`None`: a queue's messages).
    per_endpoint: BTreeMap<Option<String>, u64>,
    /// Sum of start offsets within the caller's handling, to order the calls.
    offset_sum: f64,
    count: u64,
    max_attempts: u32,
    retry_gaps: Vec<u64>,
    timeouts: Vec<u64>,
    /// Logical calls whose last attempt failed while the caller succeeded.
    tolerated: u64,
    /// Logical calls whose last attempt failed.
    failed: u64,
    asynchronous: u64,
}

#[derive(Debug, Default)]
struct ComponentSeen {
    kind: Option<Kind>,
    /// Instances and their zones.
    instances: BTreeMap<String, Option<String>>,
    /// Successful handlings per endpoint.
    handled: BTreeMap<Option<String>, u64>,
    self_time: Vec<u64>,
    read_time: Vec<u64>,
    write_time: Vec<u64>,
    handlings: u64,
    own_errors: u64,
    /// Handlings with two or more waited-on calls, and those where two overlapped.
    fan_out_seen: u64,
    fan_out_parallel: u64,
    /// (start, end) of handlings per instance, for the most in flight.
    intervals: BTreeMap<String, Vec<(u64, u64)>>,
    /// Writes handled per zone (datastores).
    writes_by_zone: BTreeMap<String, u64>,
    reads_by_zone: BTreeMap<String, u64>,
    /// Lookups that went to the backend (caches).
    misses: u64,
    /// Where a cache's misses went, and how often.
    backends: BTreeMap<String, u64>,
}

fn natural_key(s: &str) -> (String, u64) {
    let digits = s.len() - s.bytes().rev().take_while(u8::is_ascii_digit).count();
    (s[..digits].to_owned(), s[digits..].parse().unwrap_or(0))
}

fn most_in_flight(intervals: &[(u64, u64)]) -> usize {
    let mut edges: Vec<(u64, i32)> = intervals.iter().flat_map(|&(s, e)| [(s, 1), (e, -1)]).collect();
    edges.sort_unstable_by_key(|&(t, d)| (t, d));
    let (mut now, mut most) = (0i32, 0i32);
    for (_, d) in edges {
        now += d;
        most = most.max(now);
    }
    most as usize
}

fn union_length(mut iv: Vec<(u64, u64)>) -> u64 {
    iv.sort_unstable();
    let (mut total, mut cur): (u64, Option<(u64, u64)>) = (0, None);
    for (s, e) in iv {
        cur = match cur {
            Some((cs, ce)) if s <= ce => Some((cs, ce.max(e))),
            Some((cs, ce)) => {
                total += ce - cs;
                Some((s, e))
            }
            None => Some((s, e)),
        };
    }
    total + cur.map_or(0, |(s, e)| e - s)
}

/// Infers a topology and a scenario from the traces. `sources` names the files in the
/// written header.
pub fn import(traces: &Traces, name: &str, sources: &[String]) -> Result<Imported, Vec<String>> {
    let spans = &traces.spans;
    let res = &traces.resources;
    if spans.is_empty() {
        return Err(vec!["the files hold no spans".into()]);
    }
    let mut index: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for (i, s) in spans.iter().enumerate() {
        index.insert((&s.trace, &s.id), i);
    }
    let parent_of =
        |i: usize| spans[i].parent.as_deref().and_then(|p| index.get(&(spans[i].trace.as_str(), p)).copied());
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); spans.len()];
    let mut dangling = 0u64;
    for (i, s) in spans.iter().enumerate() {
        match parent_of(i) {
            Some(p) => children[p].push(i),
            None if s.parent.is_some() => dangling += 1,
            None => {}
        }
    }
    for c in &mut children {
        c.sort_by_key(|&i| (spans[i].start, i));
    }
    let service_of = |i: usize| res[spans[i].resource].service.as_str();
    // A handling: a server span, or a consumer span that is the consumer's own work (one
    // without a peer; faultsim writes a queue's delivery as a consumer span with a peer).
    let is_handling = |i: usize| {
        let s = &spans[i];
        s.kind == SERVER || (s.kind == CONSUMER && s.peer.is_none())
    };
    let is_attempt =
        |i: usize| matches!(spans[i].kind, CLIENT | PRODUCER) || (spans[i].kind == CONSUMER && spans[i].peer.is_some());
    let handlers: BTreeSet<&str> = (0..spans.len()).filter(|&i| is_handling(i)).map(service_of).collect();
    // The callee of an attempt: its peer, or the service of the handling under it.
    let target_of = |i: usize| -> Option<String> {
        spans[i]
            .peer
            .clone()
            .or_else(|| children[i].iter().find(|&&c| is_handling(c)).map(|&c| service_of(c).to_owned()))
    };

    // An attempt timed out by its own timeout, not because its callee answered `timeout`
    // (a timeout further down, passed up).
    let own_timeout = |a: usize| {
        spans[a].error.as_deref() == Some("timeout")
            && !children[a].iter().any(|&h| is_handling(h) && spans[h].error.is_some() && spans[h].end <= spans[a].end)
    };
    let mut notes: Vec<String> = Vec::new();
    let mut fits: Vec<String> = Vec::new();
    if dangling > 0 {
        notes.push(format!(
            "{dangling} spans name a parent that is not in the files (a partial export); they are read as roots"
        ));
    }

    // Each trace's endpoint: the name of its root, when the root is a client's request or
    // an entry service's server span; `None` for a queue's delivery.
    let mut endpoint_entry: BTreeMap<String, String> = BTreeMap::new();
    let mut root_starts: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut trace_endpoint: BTreeMap<&str, Option<String>> = BTreeMap::new();
    for (i, s) in spans.iter().enumerate() {
        if parent_of(i).is_some() {
            continue;
        }
        let entry = if is_handling(i) {
            Some(service_of(i).to_owned())
        } else if s.kind == CLIENT && !handlers.contains(service_of(i)) {
            target_of(i)
        } else {
            None
        };
        match entry {
            Some(e) => {
                endpoint_entry.entry(s.name.clone()).or_insert(e);
                root_starts.entry(s.name.clone()).or_default().push(s.start);
                trace_endpoint.insert(&s.trace, Some(s.name.clone()));
            }
            None => {
                trace_endpoint.entry(&s.trace).or_insert(None);
            }
        }
    }
    if endpoint_entry.is_empty() {
        return Err(vec!["no trace starts at a client's request or a server span, so no endpoint can be found".into()]);
    }
    let endpoint_of = |i: usize| trace_endpoint.get(spans[i].trace.as_str()).cloned().flatten();

    let mut comps: BTreeMap<String, ComponentSeen> = BTreeMap::new();
    let mut calls: BTreeMap<(String, String, bool), CallSeen> = BTreeMap::new();
    let mut client_calls: BTreeMap<String, CallSeen> = BTreeMap::new();
    let mut network: BTreeMap<&'static str, Vec<u64>> = BTreeMap::new();
    let mut external_latency: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut external_calls: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut queue_consumers: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    let mut deliveries: BTreeMap<String, Vec<(u64, u64)>> = BTreeMap::new();

    for i in 0..spans.len() {
        let s = &spans[i];
        let r = &res[s.resource];
        if is_handling(i) {
            let c = comps.entry(r.service.clone()).or_default();
            let kind = match r.kind.as_deref() {
                Some("datastore") => Kind::Datastore,
                Some("cache") => Kind::Cache,
                Some("queue") => Kind::Queue,
                Some("external") => Kind::External,
                _ => Kind::Service,
            };
            c.kind = Some(kind);
            let instance = r.instance.clone().unwrap_or_else(|| r.service.clone());
            c.instances.entry(instance.clone()).or_insert(r.zone.clone());
            c.intervals.entry(instance).or_default().push((s.start, s.end));
            c.handlings += 1;
            let ok = s.error.is_none() && !s.abandoned;
            // Group the attempts under it into logical calls: attempt 1 starts a call, and
            // without attempt numbers a retry is an attempt after a failed one to the same
            // callee.
            let mut logical: Vec<(String, bool, Vec<usize>)> = Vec::new();
            for &a in children[i].iter().filter(|&&a| is_attempt(a)) {
                let Some(target) = target_of(a) else { continue };
                let write = spans[a].write.unwrap_or(false);
                let continues = logical.iter().rposition(|(t, w, _)| *t == target && *w == write).filter(|&k| {
                    let last = *logical[k].2.last().unwrap_or(&a);
                    match spans[a].attempt {
                        Some(n) => n > 1,
                        None => spans[last].error.is_some() && spans[a].start >= spans[last].end,
                    }
                });
                match continues {
                    Some(k) => logical[k].2.push(a),
                    None => logical.push((target, write, vec![a])),
                }
            }
            let waited: Vec<(u64, u64)> = logical
                .iter()
                .filter(|(_, _, at)| spans[at[0]].kind != PRODUCER)
                .map(|(_, _, at)| {
                    let start = spans[at[0]].start.max(s.start);
                    let end = at.iter().map(|&a| spans[a].end).max().unwrap_or(start).min(s.end).max(start);
                    (start, end)
                })
                .collect();
            let self_time = (s.end - s.start).saturating_sub(union_length(waited.clone()));
            if waited.len() >= 2 && ok {
                c.fan_out_seen += 1;
                let mut w = waited.clone();
                w.sort_unstable();
                if w.windows(2).any(|p| p[1].0 < p[0].1) {
                    c.fan_out_parallel += 1;
                }
            }
            let endpoint = endpoint_of(i);
            let any_call_failed = logical.iter().any(|(_, _, at)| at.last().is_some_and(|&a| spans[a].error.is_some()));
            if ok {
                *c.handled.entry(endpoint.clone()).or_default() += 1;
                c.self_time.push(self_time);
                if kind == Kind::Datastore {
                    let zone = r.zone.clone().unwrap_or_default();
                    if s.write == Some(true) {
                        c.write_time.push(self_time);
                        *c.writes_by_zone.entry(zone).or_default() += 1;
                    } else {
                        c.read_time.push(self_time);
                        *c.reads_by_zone.entry(zone).or_default() += 1;
                    }
                }
                if kind == Kind::Cache && !logical.is_empty() {
                    c.misses += 1;
                }
            } else if s.error.as_deref() == Some("error") && !any_call_failed {
                c.own_errors += 1;
            }
            if kind != Kind::Service {
                // Caches' backends and queues' consumers are read below, not as calls.
                if kind == Kind::Cache {
                    for (target, _, _) in &logical {
                        *c.backends.entry(target.clone()).or_default() += 1;
                    }
                }
                continue;
            }
            for (target, write, at) in &logical {
                let first = &spans[at[0]];
                let last = &spans[*at.last().unwrap_or(&at[0])];
                let call = calls.entry((r.service.clone(), target.clone(), *write)).or_default();
                if ok {
                    *call.per_endpoint.entry(endpoint.clone()).or_default() += 1;
                }
                call.count += 1;
                call.offset_sum += first.start.saturating_sub(s.start) as f64;
                call.max_attempts = call.max_attempts.max(at.len() as u32);
                call.retry_gaps.extend(at.windows(2).map(|p| spans[p[1]].start.saturating_sub(spans[p[0]].end)));
                call.timeouts.extend(at.iter().filter(|&&a| own_timeout(a)).map(|&a| spans[a].end - spans[a].start));
                if last.error.is_some() {
                    call.failed += 1;
                    if ok {
                        call.tolerated += 1;
                    }
                }
                if first.kind == PRODUCER {
                    call.asynchronous += 1;
                }
            }
        } else if is_attempt(i) {
            let Some(target) = target_of(i) else { continue };
            if s.kind == CONSUMER {
                *queue_consumers.entry(r.service.clone()).or_default().entry(target.clone()).or_default() += 1;
                deliveries.entry(r.service.clone()).or_default().push((s.start, s.end));
                comps.entry(r.service.clone()).or_default().kind.get_or_insert(Kind::Queue);
            }
            let handling = children[i].iter().copied().find(|&c| is_handling(c));
            let timed_out = own_timeout(i);
            // A client's own attempts (under its request span) give the workload's client.
            if !handlers.contains(r.service.as_str()) && parent_of(i).is_some_and(|p| !is_handling(p)) {
                if let Some(e) = endpoint_of(i) {
                    let call = client_calls.entry(e).or_default();
                    call.count += 1;
                    if let Some(n) = s.attempt {
                        call.max_attempts = call.max_attempts.max(n);
                    }
                    if timed_out {
                        call.timeouts.push(s.end - s.start);
                    }
                }
            }
            let callee_external = handling.is_none_or(|h| res[spans[h].resource].kind.as_deref() == Some("external"));
            if callee_external && !timed_out && !s.abandoned && handlers.contains(r.service.as_str()) {
                external_latency.entry(target.clone()).or_default().push(s.end - s.start);
                let e = external_calls.entry(target.clone()).or_default();
                e.0 += 1;
                if s.error.is_some() {
                    e.1 += 1;
                }
            }
            if let (Some(h), false) = (handling, timed_out || callee_external) {
                let callee = &res[spans[h].resource];
                if let (Some(a), Some(b)) = (&r.zone, &callee.zone) {
                    let class = if a == b {
                        "same_zone"
                    } else if r.region.is_some() && r.region == callee.region {
                        "cross_zone"
                    } else {
                        "cross_region"
                    };
                    let uncovered = (s.end - s.start).saturating_sub(spans[h].end - spans[h].start);
                    network.entry(class).or_default().push(uncovered / 2);
                }
            }
        }
    }
    // Peers with no spans of their own are externals.
    for target in external_calls.keys() {
        let c = comps.entry(target.clone()).or_default();
        if c.kind.is_none() || c.handlings == 0 {
            c.kind = Some(Kind::External);
        }
    }
    for (q, d) in &deliveries {
        if let Some(c) = comps.get_mut(q) {
            c.intervals.entry("deliveries".into()).or_default().extend(d.iter().copied());
        }
    }

    // Places: regions and their zones, in order of first appearance.
    let mut regions: Vec<(String, Vec<String>)> = Vec::new();
    let mut zone_seen = BTreeSet::new();
    for r in res {
        let Some(z) = &r.zone else { continue };
        if !zone_seen.insert(z.clone()) {
            continue;
        }
        let region = r.region.clone().unwrap_or_else(|| "region-1".into());
        match regions.iter_mut().find(|(n, _)| *n == region) {
            Some((_, zs)) => zs.push(z.clone()),
            None => regions.push((region, vec![z.clone()])),
        }
    }
    if regions.is_empty() {
        regions.push(("region-1".into(), vec!["zone-1".into()]));
        notes.push(
            "no span's resource has `cloud.availability_zone`: everything is placed in one zone, `zone-1`".into(),
        );
    }
    let default_zone = regions[0].1[0].clone();
    let zones_of = |c: &ComponentSeen| -> Vec<String> {
        let mut inst: Vec<(&String, &Option<String>)> = c.instances.iter().collect();
        inst.sort_by_key(|(i, _)| natural_key(i));
        let mut zs: Vec<String> = Vec::new();
        for (_, z) in inst {
            let z = z.clone().unwrap_or_else(|| default_zone.clone());
            if !zs.contains(&z) {
                zs.push(z);
            }
        }
        if zs.is_empty() {
            zs.push(default_zone.clone());
        }
        zs
    };

    let mut t = String::new();
    let q = |s: &str| format!("{s:?}");
    let list = |v: &[String]| v.iter().map(|s| q(s)).collect::<Vec<_>>().join(", ");
    let _ = writeln!(
        t,
        "Topology(\n    name: {},\n    description: {},",
        q(name),
        q(&format!("Imported from traces ({})", sources.join(", ")))
    );
    let _ = writeln!(t, "    regions: [");
    for (r, zs) in &regions {
        let _ = writeln!(
            t,
            "        Region(name: {}, zones: [{}]),",
            q(r),
            zs.iter().map(|z| format!("Zone(name: {})", q(z))).collect::<Vec<_>>().join(", ")
        );
    }
    let _ = writeln!(t, "    ],");
    let mut net = Vec::new();
    for class in ["same_zone", "cross_zone", "cross_region"] {
        if let Some(samples) = network.get_mut(class) {
            if let Some((d, how)) = fit(samples) {
                net.push(format!("{class}: {}", dist(&d)));
                fits.push(format!("network {class} (half the time of an attempt its handling does not cover): {how}"));
                continue;
            }
        }
        notes.push(format!("network {class}: fewer than {MIN_SAMPLES} attempts show it; the default is kept"));
    }
    if !net.is_empty() {
        let _ = writeln!(t, "    network: Network({}),", net.join(", "));
    }

    let endpoints: Vec<&String> = endpoint_entry.keys().collect();
    let _ = writeln!(t, "    services: [");
    let services: Vec<(&String, &ComponentSeen)> =
        comps.iter().filter(|(_, c)| c.kind == Some(Kind::Service)).collect();
    for (name, c) in &services {
        let zones = zones_of(c);
        let mut samples = c.self_time.clone();
        let (service_time, how) = match fit(&mut samples) {
            Some(f) => f,
            None => {
                notes.push(format!(
                    "{name}: service_time from {} spans only (fewer than {MIN_SAMPLES}): Fixed at their median",
                    samples.len()
                ));
                let m = median(&mut samples).unwrap_or(1_000_000);
                (Dist::Fixed(round(m)), String::new())
            }
        };
        if !how.is_empty() {
            fits.push(format!(
                "{name} service_time (self time: its server spans minus the calls they waited on): {how}"
            ));
        }
        let most = c.intervals.values().map(|v| most_in_flight(v)).max().unwrap_or(1);
        let workers = most.max(8);
        let _ = writeln!(t, "        Service(");
        let _ = writeln!(t, "            name: {},", q(name));
        let _ = writeln!(t, "            zones: [{}],", list(&zones));
        let _ = writeln!(t, "            instances: {},", c.instances.len().max(1));
        let _ = writeln!(t, "            workers: {workers},");
        let _ = writeln!(t, "            service_time: {},", dist(&service_time));
        notes.push(format!(
            "{name}: workers {workers} is the most requests seen at once on one instance (waiting ones included), or 8; the real pool and backlog are not visible"
        ));
        if c.handlings > 0 && c.own_errors > 0 {
            let rate = c.own_errors as f64 / c.handlings as f64;
            let _ = writeln!(t, "            error_rate: {rate:.5},");
            fits.push(format!(
                "{name} error_rate: {} of {} server spans failed with `error` while their calls did not",
                c.own_errors, c.handlings
            ));
        }
        if c.fan_out_seen > 0 && c.fan_out_parallel * 2 > c.fan_out_seen {
            let _ = writeln!(t, "            fan_out: Parallel,");
            fits.push(format!(
                "{name} fan_out Parallel: calls overlapped in {} of {} requests that made two or more",
                c.fan_out_parallel, c.fan_out_seen
            ));
        }
        let reached: BTreeSet<&Option<String>> = c.handled.keys().collect();
        let mut mine: Vec<(&(String, String, bool), &CallSeen)> =
            calls.iter().filter(|((from, _, _), _)| from == *name).collect();
        mine.sort_by(|a, b| {
            (a.1.offset_sum / a.1.count.max(1) as f64).total_cmp(&(b.1.offset_sum / b.1.count.max(1) as f64))
        });
        if !mine.is_empty() {
            let _ = writeln!(t, "            calls: [");
        }
        for ((_, to, write), call) in &mine {
            let mut parts = vec![format!("to: {}", q(to))];
            if call.asynchronous * 2 > call.count {
                parts.push("mode: Async".into());
            }
            if call.tolerated > 0 {
                parts.push("required: false".into());
                fits.push(format!(
                    "{name} → {to} optional: {} of its {} failed calls did not fail the request",
                    call.tolerated, call.failed
                ));
                if call.tolerated < call.failed {
                    // Some failures were covered and some not: a fallback that answers
                    // from a cache that holds the answer only sometimes.
                    let hit = call.tolerated as f64 / call.failed as f64;
                    parts.push(format!("fallback: Cached(hit_ratio: {hit:.3})"));
                    fits.push(format!(
                        "{name} → {to} fallback Cached(hit_ratio: {hit:.3}): the share of its failures the request survived"
                    ));
                }
            }
            let with: BTreeSet<&Option<String>> = call.per_endpoint.keys().collect();
            let only: Vec<String> = with.iter().filter_map(|e| (*e).clone()).collect();
            if with != reached && !only.is_empty() {
                parts.push(format!("only_for: [{}]", list(&only)));
            }
            let made: u64 = call.per_endpoint.values().sum();
            let handled: u64 = with.iter().map(|e| c.handled.get(*e).copied().unwrap_or(0)).sum();
            if handled > 0 && made < handled {
                let p = made as f64 / handled as f64;
                parts.push(format!("probability: {p:.3}"));
                fits.push(format!("{name} → {to} probability {p:.3}: made by {made} of {handled} requests"));
            }
            if *write {
                parts.push("operation: Write".into());
            }
            if let Some(longest) = call.timeouts.iter().copied().max() {
                let mut ts = call.timeouts.clone();
                ts.sort_unstable();
                let median = ts[ts.len() / 2];
                parts.push(format!("timeout: {}", q(&show(median))));
                fits.push(format!(
                    "{name} → {to} timeout {}: {} attempts ended `timeout` by their own timer (between {} and {})",
                    show(median),
                    ts.len(),
                    show(ts[0]),
                    show(longest),
                ));
            } else if call.asynchronous * 2 <= call.count {
                notes.push(format!("{name} → {to}: no attempt timed out, so its timeout is not visible; none is set"));
            }
            if call.max_attempts > 1 {
                let backoff = if call.retry_gaps.iter().all(|&g| g < 100_000) {
                    String::new()
                } else {
                    let (lo, hi) = (
                        call.retry_gaps.iter().copied().min().unwrap_or(0),
                        call.retry_gaps.iter().copied().max().unwrap_or(0),
                    );
                    let jitter = if lo * 2 < hi { ", jitter: Full" } else { "" };
                    format!(", backoff: Backoff(base: {}, cap: {}{jitter})", q(&show(hi.max(1))), q(&show(hi.max(1))))
                };
                parts.push(format!("retry: Retry(max_attempts: {}{backoff})", call.max_attempts));
                fits.push(format!(
                    "{name} → {to} retry: up to {} attempts seen; the waits between them ({} seen) give the backoff's bounds, not its schedule",
                    call.max_attempts,
                    call.retry_gaps.len()
                ));
            } else if call.failed > 0 {
                fits.push(format!("{name} → {to}: {} failed calls were not retried: no retry", call.failed));
            } else {
                notes.push(format!("{name} → {to}: no call failed, so whether failures are retried is not visible"));
            }
            let _ = writeln!(t, "                Call({}),", parts.join(", "));
        }
        if !mine.is_empty() {
            let _ = writeln!(t, "            ],");
        }
        let _ = writeln!(t, "        ),");
    }
    let _ = writeln!(t, "    ],");

    // Queues.
    let queues: Vec<(&String, &ComponentSeen)> = comps.iter().filter(|(_, c)| c.kind == Some(Kind::Queue)).collect();
    if !queues.is_empty() {
        let _ = writeln!(t, "    queues: [");
        for (name, c) in &queues {
            let Some(consumer) =
                queue_consumers.get(*name).and_then(|m| m.iter().max_by_key(|(_, n)| **n)).map(|(s, _)| s.clone())
            else {
                notes.push(format!("{name}: no delivery to a consumer is visible; the queue is left out"));
                continue;
            };
            let mut samples = c.self_time.clone();
            let enqueue = fit(&mut samples);
            let concurrency = c.intervals.get("deliveries").map_or(1, |d| most_in_flight(d)).max(1);
            let mut zones = zones_of(c);
            zones.retain(|z| !z.is_empty());
            let _ = write!(
                t,
                "        Queue(name: {}, zones: [{}], capacity: 10000, consumer: {}, concurrency: {concurrency}",
                q(name),
                list(&zones),
                q(&consumer)
            );
            if let Some((d, how)) = enqueue {
                let _ = write!(t, ", enqueue_time: {}", dist(&d));
                fits.push(format!("{name} enqueue_time: {how}"));
            }
            let _ = writeln!(t, "),");
            notes.push(format!(
                "{name}: capacity 10000 is a placeholder (a queue's size is not in its spans); concurrency {concurrency} is the most deliveries seen at once; visibility timeout and max deliveries keep their defaults"
            ));
        }
        let _ = writeln!(t, "    ],");
    }

    // Datastores.
    let stores: Vec<(&String, &ComponentSeen)> =
        comps.iter().filter(|(_, c)| c.kind == Some(Kind::Datastore)).collect();
    if !stores.is_empty() {
        let _ = writeln!(t, "    datastores: [");
        for (name, c) in &stores {
            let zones = zones_of(c);
            let primary = c
                .writes_by_zone
                .iter()
                .max_by_key(|(_, n)| **n)
                .map(|(z, _)| z.clone())
                .filter(|z| !z.is_empty())
                .unwrap_or_else(|| zones[0].clone());
            if c.writes_by_zone.is_empty() {
                notes.push(format!("{name}: no write seen, so the primary's zone is a guess: {primary}"));
            }
            let replicas: Vec<String> = zones.iter().filter(|z| **z != primary).cloned().collect();
            let mut parts = vec![format!("name: {}", q(name)), format!("primary: {}", q(&primary))];
            if !replicas.is_empty() {
                parts.push(format!("replicas: [{}]", list(&replicas)));
            }
            for (field, samples) in [("read_time", &c.read_time), ("write_time", &c.write_time)] {
                let mut s = samples.clone();
                if let Some((d, how)) = fit(&mut s) {
                    parts.push(format!("{field}: {}", dist(&d)));
                    fits.push(format!("{name} {field}: {how}"));
                } else {
                    notes.push(format!(
                        "{name} {field}: {} spans (fewer than {MIN_SAMPLES}); the default is kept",
                        s.len()
                    ));
                }
            }
            if c.reads_by_zone.keys().any(|z| !z.is_empty() && *z != primary) {
                parts.push("read_from_replicas: true".into());
            }
            let _ = writeln!(t, "        Datastore({}),", parts.join(", "));
            notes.push(format!(
                "{name}: replication, failover and the connection pool are not visible in spans; defaults are kept (write times include any replication wait)"
            ));
        }
        let _ = writeln!(t, "    ],");
    }

    // Caches.
    let caches: Vec<(&String, &ComponentSeen)> = comps.iter().filter(|(_, c)| c.kind == Some(Kind::Cache)).collect();
    if !caches.is_empty() {
        let _ = writeln!(t, "    caches: [");
        for (name, c) in &caches {
            let backend = c.backends.iter().max_by_key(|(_, n)| **n).map(|(b, _)| b.clone());
            let Some(backend) = backend else {
                notes.push(format!(
                    "{name}: no miss went to a backend, so the cache's backend is unknown; it is left out"
                ));
                continue;
            };
            let lookups: u64 = c.handled.values().sum();
            let hit = 1.0 - c.misses as f64 / lookups.max(1) as f64;
            let mut samples = c.self_time.clone();
            let mut parts = vec![
                format!("name: {}", q(name)),
                format!("zones: [{}]", list(&zones_of(c))),
                format!("hit_ratio: {hit:.3}"),
                format!("backend: {}", q(&backend)),
            ];
            fits.push(format!("{name} hit_ratio {hit:.3}: {} of {lookups} lookups went to {backend}", c.misses));
            if let Some((d, how)) = fit(&mut samples) {
                parts.push(format!("lookup_time: {}", dist(&d)));
                fits.push(format!("{name} lookup_time: {how}"));
            }
            let _ = writeln!(t, "        Cache({}),", parts.join(", "));
        }
        let _ = writeln!(t, "    ],");
    }

    // Externals.
    let externals: Vec<&String> =
        comps.iter().filter(|(_, c)| c.kind == Some(Kind::External)).map(|(n, _)| n).collect();
    if !externals.is_empty() {
        let _ = writeln!(t, "    externals: [");
        for name in externals {
            let mut samples = external_latency.get(name).cloned().unwrap_or_default();
            let (latency, how) = match fit(&mut samples) {
                Some(f) => f,
                None => {
                    let m = median(&mut samples).unwrap_or(1_000_000);
                    notes.push(format!("{name}: latency from {} calls only: Fixed at their median", samples.len()));
                    (Dist::Fixed(round(m)), String::new())
                }
            };
            if !how.is_empty() {
                fits.push(format!("{name} latency (its callers' attempts that did not time out): {how}"));
            }
            let (n, failed) = external_calls.get(name).copied().unwrap_or((0, 0));
            let mut line = format!("        External(name: {}, latency: {}", q(name), dist(&latency));
            if failed > 0 {
                let rate = failed as f64 / n as f64;
                let _ = write!(line, ", error_rate: {rate:.5}");
                fits.push(format!("{name} error_rate: {failed} of {n} calls failed"));
            }
            let _ = writeln!(t, "{line}),");
        }
        let _ = writeln!(t, "    ],");
    }

    let _ = writeln!(t, "    endpoints: [");
    for e in &endpoints {
        let _ = writeln!(t, "        Endpoint(name: {}, service: {}),", q(e), q(&endpoint_entry[*e]));
    }
    let _ = writeln!(t, "    ],\n)");
    notes.push("SLOs, breakers, bulkheads, rate limits, shedding, autoscaling and failure rates (MTBF/MTTR) are not visible in traces: none are set".into());

    // The scenario: a Poisson rate per endpoint over the time the roots cover.
    let first = root_starts.values().flatten().copied().min().unwrap_or(0);
    let last = root_starts.values().flatten().copied().max().unwrap_or(0);
    let window = (last - first).max(1);
    let secs = window.div_ceil(1_000_000_000).max(1);
    let mut sc = String::new();
    let _ = writeln!(
        sc,
        "Scenario(\n    name: {},\n    description: {},\n    topology: \"topology.ron\",\n    duration: \"{secs}s\",\n    workloads: [",
        q(name),
        q("The load the traces show, as Poisson arrivals")
    );
    for e in &endpoints {
        let n = root_starts[*e].len() as f64;
        let rate = n / (window as f64 / 1e9);
        let half = 1.96 * n.sqrt() / (window as f64 / 1e9);
        fits.push(format!(
            "workload {e}: Poisson at {rate:.2}/s [95% CI {:.2}, {:.2}] from {n} requests in {}",
            (rate - half).max(0.0),
            rate + half,
            show(window)
        ));
        let client = client_calls.get(*e).map(|c| {
            let mut parts = Vec::new();
            if !c.timeouts.is_empty() {
                let mut ts = c.timeouts.clone();
                ts.sort_unstable();
                parts.push(format!("timeout: {}", q(&show(ts[ts.len() / 2]))));
            }
            if c.max_attempts > 1 {
                parts.push(format!("retry: Retry(max_attempts: {})", c.max_attempts));
            }
            parts
        });
        let client = match client {
            Some(p) if !p.is_empty() => format!(", client: Client({})", p.join(", ")),
            _ => {
                notes.push(format!(
                    "workload {e}: no client attempt timed out or was retried; the client waits forever"
                ));
                String::new()
            }
        };
        let _ = writeln!(sc, "        Workload(endpoint: {}, arrivals: Poisson(rate: {rate:.3}){client}),", q(e));
    }
    let _ = writeln!(sc, "    ],\n)");
    notes.push("arrivals are fitted as Poisson at a constant rate; bursts and daily profiles are not checked".into());

    Ok(Imported { topology: t, scenario: sc, fits, not_inferred: notes })
}

/// A comment block for the head of a written file.
pub fn header(imported: &Imported, sources: &[String], spans: usize, run_line: &str) -> String {
    let mut h = String::new();
    let _ = writeln!(h, "// Imported by `faultsim import traces` from {} ({spans} spans).", sources.join(", "));
    let _ = writeln!(h, "// {run_line}");
    let _ = writeln!(h, "//\n// Fitted:");
    for f in &imported.fits {
        let _ = writeln!(h, "//   - {f}");
    }
    let _ = writeln!(h, "//\n// Not inferred (check these by hand):");
    for n in &imported.not_inferred {
        let _ = writeln!(h, "//   - {n}");
    }
    h
}
