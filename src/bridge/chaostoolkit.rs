//! A scenario as a Chaos Toolkit experiment: its hypotheses as the steady-state hypothesis
//! (Prometheus probes whose queries the user fills in), its fault schedule as the method
//! (each fault the Chaos Mesh object of [`super::chaos_mesh`], created through the
//! `chaostoolkit-kubernetes` extension at its start), and a rollback deleting each object.
//!
//! Everything only the user's system knows is a configuration entry read from an
//! environment variable, whose default starts with `FILL_IN`, so nothing is invented: the
//! experiment validates as written and fails loudly until those values are given.

use serde_json::{json, Map, Value};

use super::chaos_mesh::{self, Export};
use super::{go_duration, Cluster, Notes};
use crate::scenario::{Check, Hypothesis, Scenario, Scope};
use crate::topology::Topology;

/// The marker every value the user must provide starts with.
pub const FILL_IN: &str = "FILL_IN";

/// The experiment (as JSON) and what it could not carry over.
pub fn experiment(scenario: &Scenario, source: &str, cluster: &Cluster) -> (Value, Notes) {
    // Every namespace in the objects is read from the configuration at run time.
    let in_config = Cluster { namespace: "${namespace}".into(), ..cluster.clone() };
    let Export { chaos, mut notes } = chaos_mesh::translate(scenario, &in_config);
    let topology = &scenario.topology;
    let mut configuration = Map::new();
    configuration.insert(
        "namespace".into(),
        json!({ "type": "env", "key": "FAULTSIM_NAMESPACE", "default": cluster.namespace }),
    );
    configuration.insert(
        "prometheus_base_url".into(),
        json!({ "type": "env", "key": "PROMETHEUS_URL", "default": "http://localhost:9090" }),
    );

    let mut probes = Vec::new();
    for h in &scenario.hypotheses {
        if let Some(p) = probe(topology, h, &mut configuration, &mut notes) {
            probes.push(p);
        }
    }

    let mut method = Vec::new();
    let mut rollbacks = Vec::new();
    let mut previous = 0.0;
    let mut last_end = 0.0f64;
    for c in &chaos {
        let resource = c.manifest(&in_config);
        let start = c.start.as_secs_f64();
        let mut action = json!({
            "type": "action",
            "name": format!("{} ({} at {})", c.window, c.kind, go_duration(c.start)),
            "provider": {
                "type": "python",
                "module": "chaosk8s.crd.actions",
                "func": "create_custom_object",
                "arguments": {
                    "group": "chaos-mesh.org",
                    "version": "v1alpha1",
                    "plural": c.plural(),
                    "ns": "${namespace}",
                    "resource": resource,
                },
            },
        });
        if start > previous {
            action["pauses"] = json!({ "before": seconds(start - previous) });
        }
        previous = start;
        last_end = last_end.max(start + c.duration.as_secs_f64());
        method.push(action);
        rollbacks.push(json!({
            "type": "action",
            "name": format!("delete {}", c.name),
            "provider": {
                "type": "python",
                "module": "chaosk8s.crd.actions",
                "func": "delete_custom_object",
                "arguments": {
                    "group": "chaos-mesh.org",
                    "version": "v1alpha1",
                    "plural": c.plural(),
                    "name": c.name,
                    "ns": "${namespace}",
                },
            },
        }));
    }
    // The hypothesis is checked again after the method: wait for every fault to end first,
    // as the simulation judges the run after its faults.
    if let Some(last) = method.last_mut() {
        if last_end > previous {
            last["pauses"]["after"] = json!(seconds(last_end - previous));
        }
    }

    let mut experiment = json!({
        "version": "1.0.0",
        "title": format!("{}: the faults faultsim simulated, on the real system", scenario.name),
        "description": format!(
            "Exported by faultsim from {source} (topology `{}`). Each fault is a Chaos Mesh object created at the time the scenario gives it. Values starting with {FILL_IN} come from your system: set the environment variables named in `configuration`.",
            topology.name()
        ),
        "tags": ["faultsim", "chaos-mesh"],
        "configuration": Value::Object(configuration),
        "method": method,
        "rollbacks": rollbacks,
    });
    if !probes.is_empty() {
        experiment["steady-state-hypothesis"] = json!({
            "title": format!("the hypotheses of {}", scenario.name),
            "probes": probes,
        });
    }
    experiment["extensions"] = json!([{
        "name": "faultsim",
        "scenario": source,
        "not_exported": notes.not_exported,
        "approximations": notes.approximations,
    }]);
    (experiment, notes)
}

fn seconds(s: f64) -> Value {
    if s.fract() == 0.0 && s < 1e15 {
        json!(s as u64)
    } else {
        json!((s * 1000.0).round() / 1000.0)
    }
}

/// The configuration key of an endpoint's query (`checkout_good_ratio`): the endpoint name
/// in lowercase with anything but letters and digits as `_`, then the purpose.
pub fn config_key(endpoint: &str, purpose: &str) -> String {
    let mut k: String =
        endpoint.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
    k.push('_');
    k.push_str(purpose);
    k
}

/// The steady-state probe of a hypothesis: a Prometheus query that returns one sample when
/// it holds and none when it does not.
fn probe(topology: &Topology, h: &Hypothesis, config: &mut Map<String, Value>, notes: &mut Notes) -> Option<Value> {
    let query = match &h.check {
        Check::Availability { endpoint, at_least } => {
            let name = &topology.endpoints()[endpoint.index()].name;
            let k = config_key(name, "good_ratio");
            config.insert(k.clone(), json!({
                "type": "env",
                "key": k.to_ascii_uppercase(),
                "default": format!("{FILL_IN}: PromQL for the share of good requests of endpoint {name}, e.g. sum(rate(http_requests_total{{code!~\"5..\"}}[5m])) / sum(rate(http_requests_total[5m]))"),
            }));
            format!("(${{{k}}}) >= {at_least}")
        }
        Check::Latency { endpoint, percentile, at_most } => {
            let name = &topology.endpoints()[endpoint.index()].name;
            let k = config_key(name, "latency_buckets");
            config.insert(k.clone(), json!({
                "type": "env",
                "key": k.to_ascii_uppercase(),
                "default": format!("{FILL_IN}: PromQL for the request-duration histogram buckets of endpoint {name}, e.g. sum by (le) (rate(http_request_duration_seconds_bucket[5m]))"),
            }));
            format!("histogram_quantile({}, ${{{k}}}) <= {}", percentile / 100.0, at_most.as_secs_f64())
        }
        other => {
            let what = match other {
                Check::NoDataLoss => "no data loss",
                Check::RecoversWithin { .. } => "recovery within a deadline",
                Check::NoCascadeBeyond { .. } => "a bound on the cascade",
                _ => "an error-budget burn",
            };
            notes.not_exported.push(format!(
                "hypothesis `{}`: {what} is judged over the whole run, which a steady-state probe cannot see",
                h.name
            ));
            return None;
        }
    };
    if let Scope::Window { label, .. } = &h.scope {
        notes.approximations.push(format!(
            "hypothesis `{}`: judged {label} in the simulation; Chaos Toolkit checks it before and after the method",
            h.name
        ));
    }
    Some(json!({
        "type": "probe",
        "name": h.name,
        "tolerance": { "type": "jsonpath", "path": "$.data.result[*]", "count": 1 },
        "provider": {
            "type": "python",
            "module": "chaosprometheus.probes",
            "func": "query",
            "arguments": { "query": query },
        },
    }))
}
