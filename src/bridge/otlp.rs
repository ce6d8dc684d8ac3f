//! One run's requests as OpenTelemetry traces, in the OTLP JSON encoding (the one the
//! collector's file exporter writes): a `resourceSpans` entry per instance (`service.name`,
//! `service.instance.id`, zone and region), and per request a trace of spans: the client's
//! request, each attempt of each call as a client span of the caller, and its handling as a
//! server span of the instance that received it.
//!
//! Simulated time 0 is written as 2026-01-01T00:00:00Z, so a viewer shows plausible dates and
//! the same run gives the same bytes. Trace ids are the seed and the request's sequence
//! number; span ids count from 1. Failures carry `error.type` (the cause: `timeout`,
//! `unavailable`, …), and every span that overlaps a fault window lists the window's name
//! in `faultsim.faults`. Async calls are producer spans; calls to and handling at a datastore
//! say `faultsim.operation` (`read` or `write`).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::engine::event::Outcome;
use crate::model::spans::{Span, SpanKind, SpanLog};
use crate::model::world::World;
use crate::topology::{ComponentId, Place, Topology};

/// Simulated time 0 in Unix nanoseconds: 2026-01-01T00:00:00Z.
pub const EPOCH_UNIX_NS: u64 = 1_767_225_600_000_000_000;

/// The `service.name` of the clients that send the scenario's requests.
pub const CLIENT_SERVICE: &str = "faultsim-client";

/// OTLP span kinds (`SPAN_KIND_…`).
const SERVER: u32 = 2;
const CLIENT: u32 = 3;
const PRODUCER: u32 = 4;
const CONSUMER: u32 = 5;

fn string(key: &str, v: &str) -> Value {
    json!({ "key": key, "value": { "stringValue": v } })
}

fn int(key: &str, v: u64) -> Value {
    json!({ "key": key, "value": { "intValue": v.to_string() } })
}

fn hex(v: u64) -> String {
    format!("{v:016x}")
}

/// Who a span belongs to: the client, or one instance (station) of a component.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Owner {
    Client,
    Station(u32),
    /// A component without a station of its own (a call made outside any instance).
    Component(ComponentId),
}

/// The run's spans as one OTLP JSON document (`{"resourceSpans": [...]}`).
pub fn document(world: &World, log: &SpanLog, seed: u64) -> Value {
    let topology = world.topology();
    let mut by_owner: BTreeMap<Owner, Vec<Value>> = BTreeMap::new();
    for (i, s) in log.spans.iter().enumerate() {
        let owner = match (s.kind, s.station, s.component) {
            (SpanKind::Request, _, _) | (_, None, None) => Owner::Client,
            (_, Some(st), _) => Owner::Station(st),
            (_, None, Some(c)) => Owner::Component(c),
        };
        by_owner.entry(owner).or_default().push(span(world, log, i, s, seed));
    }
    let resources: Vec<Value> = by_owner
        .into_iter()
        .map(|(owner, spans)| {
            json!({
                "resource": { "attributes": resource(world, topology, owner) },
                "scopeSpans": [{
                    "scope": { "name": "faultsim", "version": env!("CARGO_PKG_VERSION") },
                    "spans": spans,
                }],
            })
        })
        .collect();
    json!({ "resourceSpans": resources })
}

fn resource(world: &World, topology: &Topology, owner: Owner) -> Vec<Value> {
    match owner {
        Owner::Client => vec![string("service.name", CLIENT_SERVICE)],
        Owner::Component(c) => {
            vec![
                string("service.name", topology.component_name(c)),
                string("faultsim.kind", Topology::component_kind(c)),
            ]
        }
        Owner::Station(st) => {
            let station = &world.stations[st as usize];
            let c = station.component;
            let name = topology.component_name(c);
            let ordinal = st - world.stations_of(c).start;
            let mut attrs = vec![
                string("service.name", name),
                string("service.instance.id", &format!("{name}-{ordinal}")),
                string("faultsim.kind", Topology::component_kind(c)),
            ];
            if let Some(z) = station.zone {
                let zone = &topology.zones()[z.index()];
                attrs.push(string("cloud.availability_zone", &zone.name));
                attrs.push(string("cloud.region", topology.place_name(Place::Region(zone.region))));
            }
            attrs
        }
    }
}

fn span(world: &World, log: &SpanLog, i: usize, s: &Span, seed: u64) -> Value {
    let topology = world.topology();
    let endpoint = &topology.endpoints()[s.endpoint.index()].name;
    let target = s.target.map(|t| topology.component_name(t).to_owned());
    let (name, kind) = match s.kind {
        SpanKind::Request => (endpoint.clone(), CLIENT),
        SpanKind::Attempt => {
            let kind = match (s.parent, s.target) {
                (None, _) => CONSUMER,
                (_, Some(ComponentId::Queue(_))) => PRODUCER,
                _ if s.asynchronous => PRODUCER,
                _ => CLIENT,
            };
            (format!("call {}", target.as_deref().unwrap_or("?")), kind)
        }
        SpanKind::Handling => (endpoint.clone(), SERVER),
    };
    // A handling whose instance crashed mid-work never ended: it ends with its attempt.
    let end = s.end.or_else(|| s.parent.and_then(|p| log.spans[p as usize].end)).unwrap_or(s.start);
    let mut attributes = vec![string("faultsim.endpoint", endpoint), int("faultsim.request", s.trace)];
    if let Some(t) = &target {
        attributes.push(string("peer.service", t));
    }
    if s.kind == SpanKind::Attempt {
        attributes.push(int("faultsim.attempt", u64::from(s.attempt)));
    }
    if matches!(s.target, Some(ComponentId::Datastore(_))) || matches!(s.component, Some(ComponentId::Datastore(_))) {
        attributes.push(string("faultsim.operation", if s.write { "write" } else { "read" }));
    }
    let faults: Vec<Value> = world
        .scenario
        .faults
        .iter()
        .filter(|f| f.start.as_nanos() <= end && f.end.is_none_or(|e| e.as_nanos() > s.start))
        .map(|f| json!({ "stringValue": f.name }))
        .collect();
    if !faults.is_empty() {
        attributes.push(json!({ "key": "faultsim.faults", "value": { "arrayValue": { "values": faults } } }));
    }
    let status = match (s.end, s.outcome) {
        (Some(_), Some(Outcome::Ok)) => json!({ "code": 1 }),
        (Some(_), Some(Outcome::Degraded)) => {
            attributes.push(json!({ "key": "faultsim.degraded", "value": { "boolValue": true } }));
            json!({ "code": 1 })
        }
        (Some(_), Some(Outcome::Failed(c))) => {
            let cause = serde_json::to_value(c).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
            attributes.push(string("error.type", &cause));
            json!({ "code": 2, "message": cause })
        }
        (Some(_), None) => {
            attributes.push(string("faultsim.abandoned", "the caller had given up"));
            json!({ "code": 0 })
        }
        (None, _) => {
            attributes.push(string("error.type", "lost"));
            json!({ "code": 2, "message": "lost: its instance crashed, or the run stopped first" })
        }
    };
    let mut v = json!({
        "traceId": format!("{}{}", hex(seed), hex(s.trace)),
        "spanId": hex(i as u64 + 1),
        "name": name,
        "kind": kind,
        "startTimeUnixNano": (EPOCH_UNIX_NS + s.start).to_string(),
        "endTimeUnixNano": (EPOCH_UNIX_NS + end).to_string(),
        "attributes": attributes,
        "status": status,
    });
    if let Some(p) = s.parent {
        v["parentSpanId"] = json!(hex(u64::from(p) + 1));
    }
    v
}
