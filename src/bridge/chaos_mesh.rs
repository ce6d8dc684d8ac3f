//! A scenario's fault schedule as Chaos Mesh objects (API `chaos-mesh.org/v1alpha1`, as of
//! Chaos Mesh 2.8): one chaos object per fault, timed by a `Workflow` (each fault a serial
//! branch of a `Suspend` until its start and the chaos for its window), or written as
//! standalone objects with their `duration`. The experiment's time 0 is the end of the
//! scenario's warm-up: chaos is run on a system already serving.
//!
//! Pods are selected by a label whose value is the component's name ([`Cluster::label_key`]),
//! zones and regions by the well-known node labels `topology.kubernetes.io/zone` and
//! `…/region`, and third-party externals by a host name the user fills in (written under
//! the reserved `.invalid` domain so it cannot be mistaken for a real one).

use serde_json::{json, Value};

use super::{go_duration, k8s_name, Cluster, Notes};
use crate::dist::{gamma, Dist};
use crate::scenario::{Fault, FaultWindow, Scenario, Side, Target};
use crate::spec;
use crate::topology::{ComponentId, Place, Topology};
use crate::units::Duration;

/// The Chaos Mesh API group and version every object is written for.
pub const API_VERSION: &str = "chaos-mesh.org/v1alpha1";

/// Node label naming a node's zone.
const ZONE_LABEL: &str = "topology.kubernetes.io/zone";
/// Node label naming a node's region.
const REGION_LABEL: &str = "topology.kubernetes.io/region";

/// One chaos object: what it does, and when and for how long.
#[derive(Clone, Debug, PartialEq)]
pub struct Chaos {
    /// Kind: `PodChaos`, `NetworkChaos`, `StressChaos` or `HTTPChaos`.
    pub kind: &'static str,
    /// The object's name (unique in the export).
    pub name: String,
    /// The fault window it comes from.
    pub window: String,
    /// When it starts, from the start of the experiment.
    pub start: Duration,
    /// How long it lasts.
    pub duration: Duration,
    /// The object's `spec`, without `duration` (a workflow gives it as the deadline).
    pub spec: Value,
}

impl Chaos {
    /// The resource's plural (the URL path segment): `podchaos`, `networkchaos`, …
    pub fn plural(&self) -> String {
        self.kind.to_ascii_lowercase()
    }

    /// The standalone object, with `spec.duration` and annotations naming its window and start.
    pub fn manifest(&self, cluster: &Cluster) -> Value {
        let mut spec = self.spec.clone();
        spec["duration"] = json!(go_duration(self.duration));
        json!({
            "apiVersion": API_VERSION,
            "kind": self.kind,
            "metadata": {
                "name": self.name,
                "namespace": cluster.namespace,
                "annotations": {
                    "faultsim/fault": self.window,
                    "faultsim/start": go_duration(self.start),
                },
            },
            "spec": spec,
        })
    }

    /// The key a workflow template holds this kind's spec under (`podChaos`, `httpChaos`…).
    fn template_field(&self) -> String {
        match self.kind {
            "HTTPChaos" => "httpChaos".into(),
            k => {
                let mut c = k.chars();
                c.next().map(|f| f.to_ascii_lowercase().to_string() + c.as_str()).unwrap_or_default()
            }
        }
    }
}

/// The chaos objects of a scenario's faults, and what could not be carried over.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Export {
    /// The objects, in the scenario's fault order.
    pub chaos: Vec<Chaos>,
    /// What was left out or approximated.
    pub notes: Notes,
}

/// Translates every fault window of `scenario` (random failure processes are listed as not
/// exported: a chaos experiment is a fixed schedule).
pub fn translate(scenario: &Scenario, cluster: &Cluster) -> Export {
    let mut export = Export::default();
    for (i, w) in scenario.faults.iter().enumerate() {
        // A chaos experiment starts on a warmed-up system: its time 0 is the end of the
        // scenario's warm-up, so a fault at 2m30s after a 30s warm-up starts at 2m.
        let warm = scenario.warmup.as_nanos();
        let end = w.end.unwrap_or(scenario.duration).min(scenario.duration).as_nanos();
        if w.start.as_nanos() < warm {
            export.notes.approximations.push(format!(
                "`{}`: starts during the warm-up ({}), so it starts at the experiment's time 0",
                w.name, scenario.warmup
            ));
        }
        let start = Duration::from_nanos(w.start.as_nanos().saturating_sub(warm));
        let duration = Duration::from_nanos(end.saturating_sub(w.start.as_nanos().max(warm)));
        if duration == Duration::ZERO {
            export.notes.not_exported.push(format!("`{}`: over before the warm-up ends", w.name));
            continue;
        }
        let mut t = Translator { topology: &scenario.topology, cluster, window: w, notes: &mut export.notes };
        let specs = t.fault(&w.fault);
        let many = specs.len() > 1;
        for (j, (kind, spec)) in specs.into_iter().enumerate() {
            let base = format!("faultsim-{}-{}", i + 1, k8s_name(&w.name));
            let name = if many { format!("{}-{}", truncate(&base, 58), j + 1) } else { truncate(&base, 63) };
            export.chaos.push(Chaos { kind, name, window: w.name.clone(), start, duration, spec });
        }
    }
    for p in &scenario.processes {
        export.notes.not_exported.push(format!(
            "random failures of {}: a chaos experiment is a fixed schedule; add fault windows to the scenario instead",
            target_words(&scenario.topology, &p.target)
        ));
    }
    if scenario.component_failures {
        export
            .notes
            .not_exported
            .push("component failures (the topology's MTBF/MTTR): a chaos experiment is a fixed schedule".into());
    }
    export
}

fn truncate(s: &str, n: usize) -> String {
    let mut s: String = s.chars().take(n).collect();
    while s.ends_with('-') {
        s.pop();
    }
    s
}

/// A `Workflow` running every object at its start, all in parallel branches.
pub fn workflow(scenario: &Scenario, export: &Export, cluster: &Cluster) -> Value {
    let mut templates = Vec::new();
    let mut branches = Vec::new();
    for c in &export.chaos {
        let mut chaos = json!({
            "name": c.name,
            "templateType": c.kind,
            "deadline": go_duration(c.duration),
        });
        chaos[c.template_field()] = c.spec.clone();
        if c.start == Duration::ZERO {
            branches.push(c.name.clone());
            templates.push(chaos);
            continue;
        }
        let branch = format!("{}-at", truncate(&c.name, 60));
        let wait = format!("{}-wait", truncate(&c.name, 58));
        branches.push(branch.clone());
        templates.push(json!({ "name": branch, "templateType": "Serial", "children": [wait, c.name] }));
        templates.push(json!({ "name": wait, "templateType": "Suspend", "deadline": go_duration(c.start) }));
        templates.push(chaos);
    }
    templates.insert(0, json!({ "name": "faults", "templateType": "Parallel", "children": branches }));
    json!({
        "apiVersion": API_VERSION,
        "kind": "Workflow",
        "metadata": {
            "name": format!("faultsim-{}", truncate(&k8s_name(&scenario.name), 54)),
            "namespace": cluster.namespace,
        },
        "spec": { "entry": "faults", "templates": templates },
    })
}

/// Documents as one multi-document YAML stream, after a comment header.
pub fn to_yaml(header: &str, docs: &[Value]) -> Result<String, serde_yaml_ng::Error> {
    let mut out = header.to_string();
    for d in docs {
        out.push_str("---\n");
        out.push_str(&serde_yaml_ng::to_string(d)?);
    }
    Ok(out)
}

/// Which pods a fault acts on, or the third-party host it cuts them off from.
struct Pods {
    selector: Value,
    mode: &'static str,
    /// A host outside the cluster (an external): the pods are every pod of the namespace.
    external: Option<String>,
}

struct Translator<'a> {
    topology: &'a Topology,
    cluster: &'a Cluster,
    window: &'a FaultWindow,
    notes: &'a mut Notes,
}

impl Translator<'_> {
    fn skip(&mut self, why: &str) -> Vec<(&'static str, Value)> {
        self.notes.not_exported.push(format!("`{}`: {why}", self.window.name));
        Vec::new()
    }

    fn approx(&mut self, how: &str) {
        self.notes.approximations.push(format!("`{}`: {how}", self.window.name));
    }

    fn fault(&mut self, fault: &Fault) -> Vec<(&'static str, Value)> {
        match fault {
            Fault::Crash(target) => self.crash(target),
            Fault::Partition { side_a, side_b, direction, mode } => {
                if *mode == spec::PartitionMode::Refuse {
                    self.approx("a refusing partition (callers fail fast) is written as Chaos Mesh's partition, which drops packets (callers time out)");
                }
                let mut out = Vec::new();
                for a in side_a {
                    for b in side_b {
                        let (a, b) = (self.side(a), self.side(b));
                        match self.network("partition", a, Some(b), *direction, None) {
                            Some(spec) => out.push(("NetworkChaos", spec)),
                            None => return self.skip("a partition between two third-party externals has no pod to act on"),
                        }
                    }
                }
                out
            }
            Fault::Latency { target, add } => {
                let (latency, jitter) = latency_of(add);
                if !matches!(add, Dist::Fixed(_)) {
                    self.approx(&format!(
                        "added latency written as netem delay {} ± {} jitter (its mean and spread); netem draws the jitter from its own distribution",
                        go_duration(latency),
                        go_duration(jitter)
                    ));
                }
                let mut delay = json!({ "latency": go_duration(latency) });
                if jitter > Duration::ZERO {
                    delay["jitter"] = json!(go_duration(jitter));
                }
                self.on_target("delay", target, ("delay", delay))
            }
            Fault::PacketLoss { target, probability } => {
                let loss = json!({ "loss": percent(*probability) });
                self.on_target("loss", target, ("loss", loss))
            }
            Fault::Errors { target, probability } => self.errors(target, *probability),
            Fault::Slowdown { target, factor } => {
                let load = ((1.0 - 1.0 / factor.max(1.0)) * 100.0).round().clamp(1.0, 100.0);
                self.approx(&format!(
                    "a slowdown ×{factor} written as CPU stress at {load}% load per worker; the real slowdown depends on how CPU-bound the service is"
                ));
                self.stress(target, json!({ "cpu": { "workers": 1, "load": load as u32 } }))
            }
            Fault::CapacityCut { target, fraction, of } => {
                let load = (fraction * 100.0).round().clamp(1.0, 100.0);
                let what = match of {
                    spec::Capacity::Speed => "a speed cut",
                    spec::Capacity::Workers => "a cut of workers (threads), which Chaos Mesh cannot remove,",
                };
                self.approx(&format!("{what} of {}% written as CPU stress at {load}% load", load));
                self.stress(target, json!({ "cpu": { "workers": 1, "load": load as u32 } }))
            }
            Fault::MemoryLeak { target, per_second } => {
                let end = self.window.end.map(|e| e.as_nanos().saturating_sub(self.window.start.as_nanos()));
                let secs = end.map(|ns| ns as f64 / 1e9).unwrap_or(60.0);
                let mib = ((per_second.0 as f64 * secs) / (1u64 << 20) as f64).ceil().max(1.0) as u64;
                self.approx(&format!(
                    "a leak of {per_second}/s written as a memory stressor holding {mib}MiB (what the leak reaches at the window's end), allocated at once rather than grown"
                ));
                self.stress(target, json!({ "memory": { "workers": 1, "size": format!("{mib}MiB") } }))
            }
            Fault::BadDeploy { .. } => self.skip(
                "a bad deploy is a release, not a chaos action: roll the faulty version out with your deploy tool (or its canary step)",
            ),
            Fault::CacheFlush(c) => {
                self.approx("a cache flush written as a restart of the cache's pods (an in-memory cache starts empty); a managed cache needs its own flush command");
                let pods = self.component(*c);
                vec![("PodChaos", json!({ "action": "pod-kill", "mode": pods.mode, "selector": pods.selector }))]
            }
            Fault::Outage(c) => {
                let pods = self.component(*c);
                match self.network("partition", pods, None, spec::Direction::Both, None) {
                    Some(spec) => vec![("NetworkChaos", spec)],
                    None => self.skip("no pod to cut off"),
                }
            }
        }
    }

    fn crash(&mut self, target: &Target) -> Vec<(&'static str, Value)> {
        if let Target::Component(c @ ComponentId::External(_)) = target {
            let pods = self.component(*c);
            return match self.network("partition", pods, None, spec::Direction::Both, None) {
                Some(spec) => vec![("NetworkChaos", spec)],
                None => self.skip("no pod to cut off"),
            };
        }
        if let Target::Component(ComponentId::Datastore(_)) = target {
            self.approx("a crash of the datastore's primary written as pod-failure of one of its pods; point the selector at the primary's pod");
        }
        let Some(pods) = self.pods(target) else {
            return self.skip("a crash of a network link has no pod to act on; use a partition");
        };
        let mode = if matches!(target, Target::Component(ComponentId::Datastore(_))) { "one" } else { pods.mode };
        vec![("PodChaos", json!({ "action": "pod-failure", "mode": mode, "selector": pods.selector }))]
    }

    fn errors(&mut self, target: &Target, probability: f64) -> Vec<(&'static str, Value)> {
        let Some(pods) = self.pods(target).filter(|p| p.external.is_none()) else {
            return self.skip("errors can only be injected into our own pods, not into a link or a third party");
        };
        let share = (probability * 100.0).round().clamp(1.0, 100.0) as u32;
        self.approx(&format!(
            "errors with probability {probability} written as HTTP 500 on every response of {share}% of the pods (on port {}); Chaos Mesh has no per-request probability",
            self.cluster.http_port
        ));
        let mode = if pods.mode == "one" { "one" } else { "fixed-percent" };
        let mut spec = json!({
            "mode": mode,
            "selector": pods.selector,
            "target": "Response",
            "port": self.cluster.http_port,
            "replace": { "code": 500 },
        });
        if mode == "fixed-percent" {
            spec["value"] = json!(share.to_string());
        }
        vec![("HTTPChaos", spec)]
    }

    fn stress(&mut self, target: &Target, stressors: Value) -> Vec<(&'static str, Value)> {
        match self.pods(target).filter(|p| p.external.is_none()) {
            Some(pods) => {
                vec![("StressChaos", json!({ "mode": pods.mode, "selector": pods.selector, "stressors": stressors }))]
            }
            None => self.skip("stress can only act on our own pods, not on a link or a third party"),
        }
    }

    /// A network fault on a component (all its traffic) or on a link (between its ends).
    fn on_target(&mut self, action: &str, target: &Target, extra: (&str, Value)) -> Vec<(&'static str, Value)> {
        let (a, b) = match target {
            Target::PlaceLink(a, b) => (self.place(*a), Some(self.place(*b))),
            Target::ComponentLink(a, b) => (self.component(*a), Some(self.component(*b))),
            t => match self.pods(t) {
                Some(p) => (p, None),
                None => return self.skip("no pod to act on"),
            },
        };
        match self.network(action, a, b, spec::Direction::Both, Some(extra)) {
            Some(spec) => vec![("NetworkChaos", spec)],
            None => self.skip("a link between two third-party externals has no pod to act on"),
        }
    }

    /// A `NetworkChaos` spec from `a` (towards `b`, if given). An external on side `a` is
    /// swapped to the target side, since Chaos Mesh acts from pods towards external hosts.
    fn network(
        &mut self,
        action: &str,
        a: Pods,
        b: Option<Pods>,
        direction: spec::Direction,
        extra: Option<(&str, Value)>,
    ) -> Option<Value> {
        let direction = match direction {
            spec::Direction::Both => "both",
            spec::Direction::OneWay => "to",
        };
        // Towards an external, traffic is cut from the pods' side ("to", set below).
        let (a, b) = match (a.external.is_some(), b) {
            (true, Some(b)) if b.external.is_some() => return None,
            (true, Some(b)) => (b, Some(a)),
            (_, b) => (a, b),
        };
        let mut spec = json!({
            "action": action,
            "mode": a.mode,
            "selector": a.selector,
            "direction": direction,
        });
        if let Some(host) = &a.external {
            // An external alone (an outage, a crash): every pod loses it, both ways.
            spec["externalTargets"] = json!([host]);
            spec["direction"] = json!("to");
        }
        if let Some(b) = b {
            match &b.external {
                Some(host) => {
                    spec["externalTargets"] = json!([host]);
                    // Chaos Mesh applies external targets to outgoing traffic only.
                    spec["direction"] = json!("to");
                }
                None => spec["target"] = json!({ "mode": b.mode, "selector": b.selector }),
            }
        }
        if let Some((key, value)) = extra {
            spec[key] = value;
        }
        Some(spec)
    }

    fn pods(&mut self, target: &Target) -> Option<Pods> {
        Some(match target {
            Target::Instance(i) => {
                let inst = &self.topology.instances()[i.index()];
                let service = &self.topology.service(inst.service).name;
                self.approx(&format!(
                    "instance {} of `{service}` written as one pod of it chosen by Chaos Mesh (pods have no faultsim index)",
                    inst.ordinal
                ));
                Pods { selector: self.labelled(service), mode: "one", external: None }
            }
            Target::Service(s) => {
                let name = self.topology.service(*s).name.clone();
                Pods { selector: self.labelled(&name), mode: "all", external: None }
            }
            Target::Zone(z) => self.place(Place::Zone(*z)),
            Target::Region(r) => self.place(Place::Region(*r)),
            Target::Component(c) => self.component(*c),
            Target::PlaceLink(..) | Target::ComponentLink(..) => return None,
        })
    }

    fn side(&mut self, side: &Side) -> Pods {
        match side {
            Side::Place(p) => self.place(*p),
            Side::Component(c) => self.component(*c),
        }
    }

    fn place(&self, p: Place) -> Pods {
        let label = match p {
            Place::Zone(_) => ZONE_LABEL,
            Place::Region(_) => REGION_LABEL,
        };
        let selector = json!({
            "namespaces": [self.cluster.namespace],
            "nodeSelectors": { label: self.topology.place_name(p) },
        });
        Pods { selector, mode: "all", external: None }
    }

    fn component(&self, c: ComponentId) -> Pods {
        let name = self.topology.component_name(c);
        match c {
            ComponentId::External(_) => Pods {
                selector: json!({ "namespaces": [self.cluster.namespace] }),
                mode: "all",
                external: Some(external_host(name)),
            },
            _ => Pods { selector: self.labelled(name), mode: "all", external: None },
        }
    }

    fn labelled(&self, name: &str) -> Value {
        json!({
            "namespaces": [self.cluster.namespace],
            "labelSelectors": { self.cluster.label_key.as_str(): name },
        })
    }
}

/// The placeholder host of a third-party external, for the user to replace.
pub fn external_host(name: &str) -> String {
    format!("{}.fill-in.invalid", k8s_name(name))
}

/// A probability as the percent string netem takes (`"5"`, `"0.5"`).
fn percent(p: f64) -> String {
    let v = (p * 100.0 * 1000.0).round() / 1000.0;
    format!("{v}")
}

/// A delay distribution as netem's (latency, jitter): the mean, and the half-width for a
/// uniform or the standard deviation for the other families.
fn latency_of(d: &Dist) -> (Duration, Duration) {
    let mean = d.mean_ns();
    let spread = match *d {
        Dist::Fixed(_) => 0.0,
        Dist::Uniform { min, max } => (max as f64 - min as f64) / 2.0,
        Dist::Exp { mean } => mean,
        Dist::LogNormal { sigma, .. } => mean * ((sigma * sigma).exp() - 1.0).sqrt(),
        Dist::Weibull { shape, scale } => {
            let g1 = gamma(1.0 + 1.0 / shape);
            scale * (gamma(1.0 + 2.0 / shape) - g1 * g1).max(0.0).sqrt()
        }
    };
    (round_us(mean), round_us(spread))
}

/// Nanoseconds rounded to whole microseconds (netem's resolution).
fn round_us(ns: f64) -> Duration {
    Duration::from_nanos(((ns / 1e3).round().max(0.0) as u64) * 1_000)
}

/// A target in words, for notes.
pub fn target_words(topology: &Topology, target: &Target) -> String {
    match target {
        Target::Instance(i) => {
            let inst = &topology.instances()[i.index()];
            format!("instance {} of `{}`", inst.ordinal, topology.service(inst.service).name)
        }
        Target::Service(s) => format!("`{}`", topology.service(*s).name),
        Target::Zone(z) => format!("zone `{}`", topology.place_name(Place::Zone(*z))),
        Target::Region(r) => format!("region `{}`", topology.place_name(Place::Region(*r))),
        Target::Component(c) => format!("`{}`", topology.component_name(*c)),
        Target::PlaceLink(a, b) => format!("the link `{}`–`{}`", topology.place_name(*a), topology.place_name(*b)),
        Target::ComponentLink(a, b) => {
            format!("the link `{}`–`{}`", topology.component_name(*a), topology.component_name(*b))
        }
    }
}
