//! The topology as a Graphviz DOT graph (`faultsim graph MODEL | dot -Tsvg > model.svg`).
//!
//! Failure domains are nested clusters, so the drawing shows at a glance what a zone or a
//! region takes with it: each region is a `cluster_region_*` subgraph holding one
//! `cluster_zone_*` subgraph per zone. A component placed in exactly one zone is drawn in
//! that zone's cluster; one spread over several zones of one region in the region's
//! cluster (labelled e.g. `checkout ×6 in a,b,c`); one spread over regions, and every
//! external, at the top level. Endpoints are small plaintext nodes pointing at their entry
//! service.
//!
//! Edges: calls are solid when required and sync, dashed when optional, dotted when async,
//! labelled with the timeout and attempts when set (`200ms ×3`); a queue points at its
//! consumer (`consumes`) and a cache at its backend (`misses`).
//!
//! Node ids are the component's kind and name (`"service:checkout"`), quoted and escaped, so
//! any name is safe and an endpoint never collides with the service it enters at. The
//! output depends only on the topology, in file order, so it diffs cleanly.

use std::fmt::Write;

use crate::spec::CallMode;
use crate::topology::{CacheId, ComponentId, QueueId, Topology, ZoneId};

/// Renders the topology as a DOT `digraph`. Deterministic: the same topology gives the
/// same bytes.
pub fn to_dot(t: &Topology) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph {} {{", quote(t.name()));
    let _ = writeln!(
        out,
        // `newrank` ranks nodes across clusters in one pass: without it Graphviz 2.43 loses
        // edges ("lost edge", "triangulation failed") around clusters of unequal height.
        "  graph [rankdir=LR, newrank=true, compound=true, fontname=\"Helvetica\", label={}, labelloc=t];",
        quote(t.name())
    );
    out.push_str("  node [fontname=\"Helvetica\", fontsize=11];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=9];\n");

    // Where each component is drawn.
    let placements: Vec<(ComponentId, Placement)> = t.components().map(|c| (c, placement(t, c))).collect();
    let in_place = |p: Placement| placements.iter().filter(move |(_, q)| *q == p).map(|(c, _)| *c);

    for (ri, region) in t.regions().iter().enumerate() {
        out.push('\n');
        let _ = writeln!(out, "  subgraph {} {{", quote(&format!("cluster_region_{}", region.name)));
        let _ = writeln!(out, "    label={};", quote(&format!("region {}", region.name)));
        for &z in &region.zones {
            let zone = &t.zones()[z.index()];
            let _ = writeln!(out, "    subgraph {} {{", quote(&format!("cluster_zone_{}", zone.name)));
            let _ = writeln!(out, "      label={};", quote(&format!("zone {}", zone.name)));
            let mut empty = true;
            for c in in_place(Placement::Zone(z)) {
                node(&mut out, t, c, "      ");
                empty = false;
            }
            if empty {
                // Graphviz does not draw an empty cluster; an unused zone is still worth seeing,
                // and it says so (an invisible placeholder hid that it is empty).
                let _ = writeln!(
                    out,
                    "      {} [shape=plaintext, fontsize=9, fontcolor=gray40, label=\"(no components)\"];",
                    quote(&format!("zone:{}", zone.name))
                );
            }
            out.push_str("    }\n");
        }
        for c in in_place(Placement::Region(ri)) {
            node(&mut out, t, c, "    ");
        }
        out.push_str("  }\n");
    }

    out.push('\n');
    for c in in_place(Placement::Top) {
        node(&mut out, t, c, "  ");
    }
    for e in t.endpoints() {
        let _ = writeln!(
            out,
            "  {} [shape=plaintext, fontsize=10, label={}];",
            quote(&endpoint_id(&e.name)),
            quote(&e.name)
        );
    }

    out.push('\n');
    for e in t.endpoints() {
        let _ = writeln!(out, "  {} -> {};", quote(&endpoint_id(&e.name)), id(t, ComponentId::Service(e.service)));
    }
    for call in t.calls() {
        let style = match (call.mode, call.required) {
            (CallMode::Async, _) => Some("dotted"),
            (CallMode::Sync, false) => Some("dashed"),
            (CallMode::Sync, true) => None,
        };
        let mut label = Vec::new();
        if let Some(timeout) = call.timeout {
            label.push(timeout.to_string());
        }
        if call.retry.is_some() {
            label.push(format!("×{}", call.max_attempts()));
        }
        let mut attrs = Vec::new();
        if let Some(style) = style {
            attrs.push(format!("style={style}"));
        }
        if !label.is_empty() {
            attrs.push(format!("label={}", quote(&label.join(" "))));
        }
        edge(&mut out, id(t, ComponentId::Service(call.from)), id(t, call.to), &attrs);
    }
    for (i, q) in t.queues().iter().enumerate() {
        let from = id(t, ComponentId::Queue(QueueId(i as u32)));
        edge(&mut out, from, id(t, ComponentId::Service(q.consumer)), &["label=\"consumes\"".to_owned()]);
    }
    for (i, k) in t.caches().iter().enumerate() {
        let from = id(t, ComponentId::Cache(CacheId(i as u32)));
        edge(&mut out, from, id(t, k.backend), &["label=\"misses\"".to_owned()]);
    }
    out.push_str("}\n");
    out
}

/// Where a component is drawn.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Placement {
    /// Inside this zone's cluster.
    Zone(ZoneId),
    /// Inside this region's cluster (index into `regions()`), outside its zones.
    Region(usize),
    /// At the top level.
    Top,
}

fn placement(t: &Topology, c: ComponentId) -> Placement {
    let zones = t.component_zones(c);
    match zones.as_slice() {
        [] => Placement::Top,
        [z] => Placement::Zone(*z),
        [first, rest @ ..] => {
            let region = t.zones()[first.index()].region;
            if rest.iter().all(|z| t.zones()[z.index()].region == region) {
                Placement::Region(region.index())
            } else {
                Placement::Top
            }
        }
    }
}

/// Writes one component's node with its shape and label.
fn node(out: &mut String, t: &Topology, c: ComponentId, indent: &str) {
    let name = t.component_name(c);
    let zone_names =
        |zones: &[ZoneId]| zones.iter().map(|z| t.zones()[z.index()].name.as_str()).collect::<Vec<_>>().join(",");
    let (shape, label) = match c {
        ComponentId::Service(s) => {
            let s = t.service(s);
            let zones = t.component_zones(c);
            let n = s.instance_count();
            let label = match (n, zones.len()) {
                (1, _) => name.to_owned(),
                (_, 1) => format!("{name}\n×{n}"),
                _ => format!("{name}\n×{n} in {}", zone_names(&zones)),
            };
            ("shape=box, style=rounded", label)
        }
        ComponentId::Queue(q) => ("shape=cds", spread_label(name, &t.queues()[q.index()].zones, zone_names)),
        ComponentId::Cache(k) => ("shape=box3d", spread_label(name, &t.caches()[k.index()].zones, zone_names)),
        ComponentId::Datastore(d) => {
            let d = &t.datastores()[d.index()];
            let label = if d.replicas.is_empty() {
                name.to_owned()
            } else {
                format!("{name}\nprimary {}, replicas {}", zone_names(&[d.primary]), zone_names(&d.replicas))
            };
            ("shape=cylinder", label)
        }
        ComponentId::External(_) => ("shape=hexagon, style=dashed", name.to_owned()),
    };
    let _ = writeln!(out, "{indent}{} [{shape}, label={}];", id(t, c), quote(&label));
}

/// A label naming the zones when there are several.
fn spread_label(name: &str, zones: &[ZoneId], zone_names: impl Fn(&[ZoneId]) -> String) -> String {
    if zones.len() > 1 {
        format!("{name}\nin {}", zone_names(zones))
    } else {
        name.to_owned()
    }
}

fn edge(out: &mut String, from: String, to: String, attrs: &[String]) {
    if attrs.is_empty() {
        let _ = writeln!(out, "  {from} -> {to};");
    } else {
        let _ = writeln!(out, "  {from} -> {to} [{}];", attrs.join(", "));
    }
}

/// The quoted node id of a component.
fn id(t: &Topology, c: ComponentId) -> String {
    quote(&format!("{}:{}", Topology::component_kind(c), t.component_name(c)))
}

fn endpoint_id(name: &str) -> String {
    format!("endpoint:{name}")
}

/// A DOT quoted string: backslashes and quotes escaped, line breaks as `\n` (which labels
/// render as a centred line break).
fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for ch in s.chars() {
        match ch {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            '\r' => {}
            other => q.push(other),
        }
    }
    q.push('"');
    q
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::tests::topo;

    const MODEL: &str = r#"Topology(
        name: "shop \"v2\"",
        regions: [
            Region(name: "eu", zones: [Zone(name: "eu-a"), Zone(name: "eu-b"), Zone(name: "eu c")]),
            Region(name: "us", zones: [Zone(name: "us.a")]),
        ],
        services: [
            Service(name: "web", zones: ["eu-a", "eu-b", "eu c"], instances: 6, service_time: Fixed("1ms"), calls: [
                Call(to: "check\"out", timeout: "200ms", retry: (max_attempts: 3)),
                Call(to: "recs", required: false),
                Call(to: "events", mode: Async),
                Call(to: "pay\\ments"),
            ]),
            Service(name: "check\"out", zones: ["eu-a"], instances: 2, service_time: Fixed("1ms"), calls: [Call(to: "cache")]),
            Service(name: "recs", zones: ["eu-a", "us.a"], service_time: Fixed("1ms")),
            Service(name: "mailer", zones: ["eu-b"], service_time: Fixed("1ms")),
        ],
        queues: [Queue(name: "events", zones: ["eu-b"], capacity: 10, consumer: "mailer")],
        datastores: [Datastore(name: "db", primary: "eu-a", replicas: ["eu-b"])],
        caches: [Cache(name: "cache", zones: ["eu-a"], hit_ratio: 0.9, backend: "db")],
        externals: [External(name: "pay\\ments", latency: Fixed("50ms"))],
        endpoints: [Endpoint(name: "web", service: "web")],
    )"#;

    /// Braces outside quoted strings, which must balance.
    fn braces_balance(dot: &str) -> bool {
        let (mut depth, mut in_quotes, mut escaped) = (0i64, false, false);
        for ch in dot.chars() {
            match (in_quotes, escaped, ch) {
                (true, true, _) => escaped = false,
                (true, false, '\\') => escaped = true,
                (_, false, '"') => in_quotes = !in_quotes,
                (false, _, '{') => depth += 1,
                (false, _, '}') => {
                    depth -= 1;
                    if depth < 0 {
                        return false;
                    }
                }
                _ => {}
            }
        }
        depth == 0 && !in_quotes
    }

    #[test]
    fn dot_has_a_cluster_per_zone_and_balanced_braces() {
        let t = topo(MODEL);
        let dot = to_dot(&t);
        assert!(dot.starts_with("digraph "), "{dot}");
        assert!(braces_balance(&dot), "{dot}");
        for zone in t.zones() {
            assert!(
                dot.contains(&format!("subgraph \"cluster_zone_{}\" {{", zone.name)),
                "no cluster for {}:\n{dot}",
                zone.name
            );
        }
        for region in t.regions() {
            assert!(dot.contains(&format!("subgraph \"cluster_region_{}\" {{", region.name)), "{dot}");
        }
        assert_eq!(dot, to_dot(&t));
    }

    #[test]
    fn dot_places_components_and_styles_edges() {
        let dot = to_dot(&topo(MODEL));
        // Names with quotes and backslashes are escaped.
        assert!(dot.starts_with("digraph \"shop \\\"v2\\\"\" {\n"), "{dot}");
        assert!(dot.contains(r#""service:check\"out" -> "cache:cache";"#), "{dot}");
        assert!(dot.contains(r#""external:pay\\ments" [shape=hexagon"#), "{dot}");
        // Spread over one region: in the region cluster, after its zones.
        assert!(
            dot.contains("    \"service:web\" [shape=box, style=rounded, label=\"web\\n×6 in eu-a,eu-b,eu c\"];"),
            "{dot}"
        );
        // One zone: inside the zone cluster; spread over regions: at the top level.
        assert!(
            dot.contains("      \"service:check\\\"out\" [shape=box, style=rounded, label=\"check\\\"out\\n×2\"];"),
            "{dot}"
        );
        assert!(
            dot.contains("\n  \"service:recs\" [shape=box, style=rounded, label=\"recs\\n×2 in eu-a,us.a\"];"),
            "{dot}"
        );
        // Edge styles and labels.
        assert!(dot.contains(r#""service:web" -> "service:check\"out" [label="200ms ×3"];"#), "{dot}");
        assert!(dot.contains(r#""service:web" -> "service:recs" [style=dashed];"#), "{dot}");
        assert!(dot.contains(r#""service:web" -> "queue:events" [style=dotted];"#), "{dot}");
        assert!(dot.contains(r#""queue:events" -> "service:mailer" [label="consumes"];"#), "{dot}");
        assert!(dot.contains(r#""cache:cache" -> "datastore:db" [label="misses"];"#), "{dot}");
        assert!(dot.contains(r#""endpoint:web" -> "service:web";"#), "{dot}");
        // An unused zone keeps a node that says it is empty, so Graphviz draws it.
        assert!(
            dot.contains(r#""zone:us.a" [shape=plaintext, fontsize=9, fontcolor=gray40, label="(no components)"];"#),
            "{dot}"
        );
    }
}
