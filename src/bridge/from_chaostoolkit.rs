//! A Chaos Toolkit experiment turned into a scenario, so a team can dry-run its real
//! experiment against the model before running it on the system.
//!
//! The method's timeline follows Chaos Toolkit's: activities run one after another, each
//! after its `pauses.before` and followed by its `pauses.after` (an action itself takes no
//! time). Each action becomes a fault window at its instant:
//!
//! - an action the mapping names ([`Mapping::actions`]) becomes the fault it gives;
//! - otherwise an action creating a Chaos Mesh object (`chaosk8s.crd.actions.
//!   create_custom_object`, as `faultsim export chaostoolkit` writes) is read back through the
//!   inverse of [`super::chaos_mesh`];
//! - any other action is an error that names it and shows how to map it: nothing is guessed.
//!
//! A fault lasts the mapping's `duration`, else the Chaos Mesh object's `duration`, else to
//! the end of the method (when Chaos Toolkit's rollbacks would revert it). Steady-state
//! probes become hypotheses the same way: by the mapping, or read back from the Prometheus
//! queries `faultsim export` writes; a probe that is neither is listed as not imported.

use serde::Deserialize;
use serde_json::Value;

use super::{k8s_name, Notes};
use crate::spec;
use crate::topology::{ComponentId, Named, Topology};
use crate::units::{Bytes, Duration};

/// What the experiment cannot say: the load, and which action and probe is what. Written
/// as a RON file beside the experiment (`ChaosToolkitMapping(...)`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename = "ChaosToolkitMapping")]
pub struct Mapping {
    /// Client load (an experiment carries none). Default none (then `--rate` must give it).
    #[serde(default)]
    pub workloads: Vec<spec::Workload>,
    /// Which action is which fault. Default none.
    #[serde(default)]
    pub actions: Vec<ActionMapping>,
    /// Which probe is which hypothesis. Default none.
    #[serde(default)]
    pub probes: Vec<ProbeMapping>,
    /// Seeds of the scenario. Default: a scenario's default.
    #[serde(default)]
    pub seeds: Option<spec::Seeds>,
    /// Warm-up before the experiment's time 0. Default `"30s"`.
    #[serde(default)]
    pub warmup: Option<Duration>,
    /// Time simulated after the method and its faults end. Default `"1m"`.
    #[serde(default)]
    pub settle: Option<Duration>,
}

/// One action of the method as a fault.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionMapping {
    /// The action's `name` in the experiment.
    pub action: String,
    /// The fault it injects.
    pub fault: spec::Fault,
    /// How long the fault lasts. Default: the Chaos Mesh object's duration, else to the end
    /// of the method.
    #[serde(default)]
    pub duration: Option<Duration>,
}

/// One steady-state probe as a hypothesis.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeMapping {
    /// The probe's `name` in the experiment.
    pub probe: String,
    /// The check it stands for.
    pub check: spec::Check,
    /// Fraction of seeds that must pass. Default 0.95.
    #[serde(default)]
    pub seeds_passing: Option<f64>,
}

/// The scenario an experiment became, and what did not come across.
#[derive(Clone, Debug, PartialEq)]
pub struct Imported {
    /// The experiment's title.
    pub title: String,
    /// Experiment time 0 within the scenario (after the warm-up).
    pub offset: Duration,
    /// Simulated time of the scenario.
    pub duration: Duration,
    /// Warm-up.
    pub warmup: Duration,
    /// Fault windows, with the experiment's times shifted by `offset`.
    pub faults: Vec<spec::FaultWindow>,
    /// How each fault was found ("mapping" or "Chaos Mesh object …"), in `faults` order.
    pub sources: Vec<String>,
    /// Hypotheses from the probes.
    pub hypotheses: Vec<spec::Hypothesis>,
    /// What was not imported or only approximated.
    pub notes: Notes,
}

/// Turns `experiment` into fault windows and hypotheses on `topology`; every action that
/// cannot be imported is an error (all of them are returned together).
pub fn import(
    experiment: &Value,
    topology: &Topology,
    mapping: &Mapping,
    label_key: &str,
) -> Result<Imported, Vec<String>> {
    let mut errors = Vec::new();
    let mut notes = Notes::default();
    let warmup = mapping.warmup.unwrap_or(Duration::from_secs(30));
    let settle = mapping.settle.unwrap_or(Duration::from_secs(60));
    let title = experiment.get("title").and_then(Value::as_str).unwrap_or("imported experiment").to_owned();
    let Some(method) = experiment.get("method").and_then(Value::as_array) else {
        return Err(vec!["the experiment has no `method` list".into()]);
    };
    for m in &mapping.actions {
        if !method.iter().any(|a| a.get("name").and_then(Value::as_str) == Some(m.action.as_str())) {
            errors.push(format!("the mapping names the action `{}`, which the method does not have", m.action));
        }
    }

    // Walk the method's timeline (seconds → ns).
    let mut t = 0u64;
    let mut found: Vec<(String, u64, Option<u64>, spec::Fault, String)> = Vec::new();
    for (i, a) in method.iter().enumerate() {
        let name = a.get("name").and_then(Value::as_str).unwrap_or("").to_owned();
        let label = if name.is_empty() { format!("method[{i}]") } else { format!("`{name}`") };
        let pause = |key: &str| -> Result<u64, String> {
            match a.get("pauses").and_then(|p| p.get(key)) {
                None => Ok(0),
                Some(v) => v
                    .as_f64()
                    .filter(|s| s.is_finite() && *s >= 0.0)
                    .map(|s| (s * 1e9).round() as u64)
                    .ok_or_else(|| format!("{label}: pauses.{key} must be a number of seconds, found {v}")),
            }
        };
        match pause("before") {
            Ok(p) => t += p,
            Err(e) => errors.push(e),
        }
        if a.get("type").and_then(Value::as_str) == Some("action") {
            if let Some(m) = mapping.actions.iter().find(|m| m.action == name) {
                found.push((name.clone(), t, m.duration.map(Duration::as_nanos), m.fault.clone(), "mapping".into()));
            } else {
                match from_chaos_mesh(a, topology, label_key, &mut notes, &label) {
                    Ok((fault, duration, kind)) => found.push((name.clone(), t, duration, fault, kind)),
                    Err(why) => errors.push(format!(
                        "{label}: {why}\n  hint: map it in the mapping file: actions: [ActionMapping(action: {name:?}, fault: Crash(Service(\"…\")), duration: \"2m\")]"
                    )),
                }
            }
        }
        match pause("after") {
            Ok(p) => t += p,
            Err(e) => errors.push(e),
        }
    }
    let method_end = t;

    let mut hypotheses = Vec::new();
    let probes =
        experiment.pointer("/steady-state-hypothesis/probes").and_then(Value::as_array).cloned().unwrap_or_default();
    for p in &probes {
        let name = p.get("name").and_then(Value::as_str).unwrap_or("").to_owned();
        let check = match mapping.probes.iter().find(|m| m.probe == name) {
            Some(m) => Some((m.check.clone(), m.seeds_passing)),
            None => from_query(p, topology).map(|c| (c, None)),
        };
        match check {
            Some((check, seeds_passing)) => hypotheses.push(spec::Hypothesis {
                name: Some(name),
                check,
                seeds_passing: seeds_passing.unwrap_or(0.95),
                scope: spec::Scope::Run,
            }),
            None => notes.not_exported.push(format!(
                "probe `{name}`: not a query faultsim wrote; map it with probes: [ProbeMapping(probe: {name:?}, check: Availability(endpoint: \"…\", at_least: 0.99))]"
            )),
        }
    }
    for m in &mapping.probes {
        if !probes.iter().any(|p| p.get("name").and_then(Value::as_str) == Some(m.probe.as_str())) {
            errors.push(format!(
                "the mapping names the probe `{}`, which the steady-state hypothesis does not have",
                m.probe
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let offset = warmup.as_nanos();
    let mut faults = Vec::new();
    let mut sources = Vec::new();
    let mut end = method_end;
    for (name, start, duration, fault, source) in found {
        let duration = duration.unwrap_or(method_end.saturating_sub(start));
        if duration == 0 {
            notes.approximations.push(format!(
                "`{name}`: no duration and nothing after it in the method; it lasts the settle time ({settle})"
            ));
        }
        let duration = if duration == 0 { settle.as_nanos() } else { duration };
        end = end.max(start + duration);
        faults.push(spec::FaultWindow {
            name: Some(name),
            start: Duration::from_nanos(offset + start),
            duration: Some(Duration::from_nanos(duration)),
            fault,
        });
        sources.push(source);
    }
    Ok(Imported {
        title,
        offset: warmup,
        duration: Duration::from_nanos(offset + end + settle.as_nanos()),
        warmup,
        faults,
        sources,
        hypotheses,
        notes,
    })
}

/// The fault a Chaos Mesh object created by an action stands for, with its duration (ns) and
/// a description of where it came from.
fn from_chaos_mesh(
    action: &Value,
    topology: &Topology,
    label_key: &str,
    notes: &mut Notes,
    label: &str,
) -> Result<(spec::Fault, Option<u64>, String), String> {
    let provider = action.get("provider").ok_or("the action has no provider")?;
    let module = provider.get("module").and_then(Value::as_str).unwrap_or("");
    let func = provider.get("func").and_then(Value::as_str).unwrap_or("");
    let kind_of_provider = provider.get("type").and_then(Value::as_str).unwrap_or("?");
    if (module, func) != ("chaosk8s.crd.actions", "create_custom_object") {
        return Err(format!(
            "a {kind_of_provider} action{} that faultsim cannot read as a fault",
            if module.is_empty() { String::new() } else { format!(" ({module}.{func})") }
        ));
    }
    let resource = provider.pointer("/arguments/resource").ok_or("create_custom_object without a `resource`")?;
    let kind = resource.get("kind").and_then(Value::as_str).unwrap_or("?");
    let spec = resource.get("spec").ok_or("the Chaos Mesh object has no spec")?;
    let duration = match spec.get("duration").and_then(Value::as_str) {
        Some(d) => Some(d.parse::<Duration>().map_err(|e| format!("spec.duration {d:?}: {e}"))?.as_nanos()),
        None => None,
    };
    let reader = Reader { topology, label_key };
    let action_name = spec.get("action").and_then(Value::as_str).unwrap_or("");
    let fault = match kind {
        "PodChaos" => {
            let target = reader.target(spec)?;
            match (action_name, &target) {
                ("pod-kill" | "container-kill", spec::Target::Cache(c)) => spec::Fault::CacheFlush(c.clone()),
                ("pod-kill" | "container-kill", _) => {
                    notes.approximations.push(format!("{label}: a pod kill read as a crash for the whole window (Kubernetes restarts the pods; faultsim restarts them when the window ends)"));
                    spec::Fault::Crash(target)
                }
                _ => spec::Fault::Crash(target),
            }
        }
        "NetworkChaos" => {
            let externals = reader.externals(spec)?;
            let on = |reader: &Reader| -> Result<spec::Target, String> {
                if let Some(e) = externals.first() {
                    return Ok(spec::Target::External(e.clone()));
                }
                match spec.get("target") {
                    Some(t) => reader.link(reader.target(spec)?, reader.target(t)?),
                    None => reader.target(spec),
                }
            };
            match action_name {
                "partition" if !externals.is_empty() => spec::Fault::Outage(externals[0].clone()),
                "partition" => {
                    let b = spec.get("target").ok_or("a partition without a `target` side")?;
                    let direction = match spec.get("direction").and_then(Value::as_str).unwrap_or("to") {
                        "both" => spec::Direction::Both,
                        _ => spec::Direction::OneWay,
                    };
                    let (mut a, mut b) = (reader.target(spec)?, reader.target(b)?);
                    if spec.get("direction").and_then(Value::as_str) == Some("from") {
                        std::mem::swap(&mut a, &mut b);
                    }
                    spec::Fault::Partition {
                        side_a: vec![a],
                        side_b: vec![b],
                        direction,
                        mode: spec::PartitionMode::Drop,
                    }
                }
                "delay" => {
                    let d = spec.get("delay").ok_or("a delay without `delay`")?;
                    let latency = go(d.get("latency"))?.unwrap_or(0);
                    let jitter = go(d.get("jitter"))?.unwrap_or(0);
                    let add = if jitter == 0 {
                        spec::Dist::Fixed(Duration::from_nanos(latency))
                    } else {
                        spec::Dist::Uniform {
                            min: Duration::from_nanos(latency.saturating_sub(jitter)),
                            max: Duration::from_nanos(latency + jitter),
                        }
                    };
                    spec::Fault::Latency { target: on(&reader)?, add }
                }
                "loss" => {
                    let p = spec.pointer("/loss/loss").and_then(Value::as_str).and_then(|s| s.parse::<f64>().ok());
                    let p = p.ok_or("a loss without a percent `loss.loss`")?;
                    spec::Fault::PacketLoss { target: on(&reader)?, probability: (p / 100.0).clamp(0.0, 1.0) }
                }
                other => return Err(format!("NetworkChaos action {other:?} has no faultsim counterpart")),
            }
        }
        "StressChaos" => {
            let target = reader.target(spec)?;
            if let Some(load) = spec.pointer("/stressors/cpu/load").and_then(Value::as_f64) {
                notes.approximations.push(format!("{label}: CPU stress at {load}% read as a speed cut of {load}%"));
                spec::Fault::CapacityCut {
                    target,
                    fraction: (load / 100.0).clamp(0.01, 1.0),
                    of: spec::Capacity::Speed,
                }
            } else if let Some(size) = spec.pointer("/stressors/memory/size").and_then(Value::as_str) {
                let bytes: Bytes = size.parse().map_err(|e| format!("memory size {size:?}: {e}"))?;
                let secs = duration.map_or(60.0, |d| d as f64 / 1e9).max(1.0);
                notes.approximations.push(format!(
                    "{label}: a memory stressor of {size} read as a leak reaching it at the window's end"
                ));
                spec::Fault::MemoryLeak { target, per_second: Bytes((bytes.0 as f64 / secs).ceil() as u64) }
            } else {
                return Err("a StressChaos without a CPU load or memory size".into());
            }
        }
        "HTTPChaos" => {
            let target = reader.target(spec)?;
            let share = match spec.get("mode").and_then(Value::as_str) {
                Some("fixed-percent") => spec
                    .get("value")
                    .and_then(Value::as_str)
                    .and_then(|v| v.parse::<f64>().ok())
                    .map_or(1.0, |v| (v / 100.0).clamp(0.0, 1.0)),
                _ => 1.0,
            };
            notes.approximations.push(format!(
                "{label}: HTTP errors on {}% of the pods read as errors on that share of requests",
                (share * 100.0).round()
            ));
            spec::Fault::Errors { target, probability: share }
        }
        other => return Err(format!("a Chaos Mesh {other} has no faultsim counterpart")),
    };
    Ok((fault, duration, format!("Chaos Mesh {kind} {action_name}").trim_end().to_owned()))
}

/// A Go duration (`"2m"`, `"150ms"`) from a JSON value, if present.
fn go(v: Option<&Value>) -> Result<Option<u64>, String> {
    match v.and_then(Value::as_str) {
        None => Ok(None),
        Some(s) => s.parse::<Duration>().map(|d| Some(d.as_nanos())).map_err(|e| format!("{s:?}: {e}")),
    }
}

/// Reads Chaos Mesh selectors back into the model's names.
struct Reader<'a> {
    topology: &'a Topology,
    label_key: &'a str,
}

impl Reader<'_> {
    /// The target a spec (or a NetworkChaos `target`) selects.
    fn target(&self, spec: &Value) -> Result<spec::Target, String> {
        let selector = spec.get("selector").ok_or("no `selector`")?;
        let mode = spec.get("mode").and_then(Value::as_str).unwrap_or("all");
        if let Some(labels) = selector.get("labelSelectors").and_then(Value::as_object) {
            let value = labels.get(self.label_key).and_then(Value::as_str).ok_or_else(|| {
                format!(
                    "the selector has no label `{}` (give the label your pods carry with --label-key)",
                    self.label_key
                )
            })?;
            return self.named(value, mode);
        }
        if let Some(nodes) = selector.get("nodeSelectors").and_then(Value::as_object) {
            for (label, make) in [
                ("topology.kubernetes.io/zone", spec::Target::Zone as fn(String) -> spec::Target),
                ("topology.kubernetes.io/region", spec::Target::Region),
            ] {
                if let Some(v) = nodes.get(label).and_then(Value::as_str) {
                    self.known(v)?;
                    return Ok(make(v.to_owned()));
                }
            }
        }
        Err("a selector faultsim cannot read (it reads `labelSelectors` with the component label, or zone/region `nodeSelectors`)".into())
    }

    fn known(&self, name: &str) -> Result<Named, String> {
        self.topology.lookup(name).ok_or_else(|| {
            let hint = crate::problem::did_you_mean(name, self.topology.names())
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            format!("`{name}` is not a name in the topology{hint}")
        })
    }

    fn named(&self, name: &str, mode: &str) -> Result<spec::Target, String> {
        Ok(match self.known(name)? {
            Named::Region(_) => spec::Target::Region(name.into()),
            Named::Zone(_) => spec::Target::Zone(name.into()),
            Named::Component(ComponentId::Service(_)) if mode == "one" => spec::Target::Instance(name.into(), 0),
            Named::Component(ComponentId::Service(_)) => spec::Target::Service(name.into()),
            Named::Component(ComponentId::Queue(_)) => spec::Target::Queue(name.into()),
            Named::Component(ComponentId::Datastore(_)) => spec::Target::Datastore(name.into()),
            Named::Component(ComponentId::Cache(_)) => spec::Target::Cache(name.into()),
            Named::Component(ComponentId::External(_)) => spec::Target::External(name.into()),
        })
    }

    /// Externals named by `externalTargets` (hosts `NAME.fill-in.invalid`, as exported).
    fn externals(&self, spec: &Value) -> Result<Vec<String>, String> {
        let Some(hosts) = spec.get("externalTargets").and_then(Value::as_array) else { return Ok(Vec::new()) };
        hosts
            .iter()
            .map(|h| {
                let host = h.as_str().unwrap_or("");
                self.topology
                    .externals()
                    .iter()
                    .find(|e| super::chaos_mesh::external_host(&e.name) == host || k8s_name(&e.name) == host)
                    .map(|e| e.name.clone())
                    .ok_or_else(|| format!("the external host `{host}` is not an external of the topology"))
            })
            .collect()
    }

    /// A link between two selected targets, when the model has one of that shape.
    fn link(&self, a: spec::Target, b: spec::Target) -> Result<spec::Target, String> {
        use spec::Target as T;
        let name = |t: &spec::Target| match t {
            T::Zone(n)
            | T::Region(n)
            | T::Service(n)
            | T::Queue(n)
            | T::Datastore(n)
            | T::Cache(n)
            | T::External(n) => Some(n.clone()),
            T::Instance(..) | T::Link(..) => None,
        };
        match (name(&a), name(&b)) {
            (Some(x), Some(y)) => Ok(T::Link(x, y)),
            _ => Err("a network fault between one pod and another has no faultsim link".into()),
        }
    }
}

/// The check a probe written by `faultsim export chaostoolkit` stands for, read back from
/// its Prometheus query.
fn from_query(probe: &Value, topology: &Topology) -> Option<spec::Check> {
    let query = probe.pointer("/provider/arguments/query").and_then(Value::as_str)?;
    let endpoint_of = |key: &str, purpose: &str| {
        topology
            .endpoints()
            .iter()
            .find(|e| super::chaostoolkit::config_key(&e.name, purpose) == key)
            .map(|e| e.name.clone())
    };
    if let Some(rest) = query.strip_prefix("(${") {
        let (key, bound) = rest.split_once("}) >= ")?;
        return Some(spec::Check::Availability {
            endpoint: endpoint_of(key, "good_ratio")?,
            at_least: bound.trim().parse().ok()?,
        });
    }
    if let Some(rest) = query.strip_prefix("histogram_quantile(") {
        let (q, rest) = rest.split_once(", ${")?;
        let (key, bound) = rest.split_once("}) <= ")?;
        let seconds: f64 = bound.trim().parse().ok()?;
        return Some(spec::Check::Latency {
            endpoint: endpoint_of(key, "latency_buckets")?,
            percentile: q.trim().parse::<f64>().ok()? * 100.0,
            at_most: Duration::from_nanos((seconds * 1e9).round() as u64),
        });
    }
    None
}

/// The imported experiment as scenario text: a header saying where each part came from and
/// what was not imported, then the scenario. `topology` is the path written in the file
/// (relative to the file's folder).
pub fn scenario_text(
    imported: &Imported,
    source: &str,
    topology: &str,
    workloads: &[spec::Workload],
    seeds: Option<&spec::Seeds>,
) -> String {
    let mut out = format!("// Imported by `faultsim import chaostoolkit` from {source}.\n");
    out.push_str(&format!("// The experiment's time 0 is {} here (after the warm-up); its faults:\n", imported.offset));
    for (f, s) in imported.faults.iter().zip(&imported.sources) {
        out.push_str(&format!("//   - {} at {}: from the {s}\n", f.name.as_deref().unwrap_or("?"), f.start));
    }
    for (title, items) in
        [("Not imported", &imported.notes.not_exported), ("Approximations", &imported.notes.approximations)]
    {
        if !items.is_empty() {
            out.push_str(&format!("// {title}:\n"));
            for i in items {
                out.push_str(&format!("//   - {i}\n"));
            }
        }
    }
    out.push_str("// Run: faultsim check THIS_FILE\n");
    out.push_str("Scenario(\n");
    out.push_str(&format!("    name: {:?},\n", imported.title));
    out.push_str(&format!(
        "    description: {:?},\n",
        format!("Chaos Toolkit experiment {source}, dry-run against the model")
    ));
    out.push_str(&format!("    topology: {topology:?},\n"));
    if let Some(s) = seeds {
        out.push_str(&format!("    seeds: Seeds(first: {}, count: {}),\n", s.first, s.count));
    }
    out.push_str(&format!("    duration: \"{}\",\n", imported.duration));
    out.push_str(&format!("    warmup: \"{}\",\n", imported.warmup));
    out.push_str("    workloads: [\n");
    for w in workloads {
        out.push_str(&format!("        {},\n", crate::load::ron_line(w)));
    }
    out.push_str("    ],\n");
    let faults = crate::load::fault_windows_ron(&imported.faults).replace("\n", "\n    ");
    out.push_str(&format!("    faults: {faults},\n"));
    out.push_str("    hypotheses: [\n");
    for h in &imported.hypotheses {
        out.push_str(&format!("        {},\n", crate::load::ron_line(h)));
    }
    out.push_str("    ],\n)\n");
    out
}
