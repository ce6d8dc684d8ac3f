//! What-if patches: serde types mirroring patch files (`scenarios/patches/*.ron`, starting
//! with `Patch(`) and applying them to the spec of a topology and scenario.
//!
//! A patch names components and gives only the fields to replace; everything it does not
//! name stays as it was, so a variant differs from its baseline in exactly what the patch
//! says. Applying never panics: a name that matches nothing is a [`Problem`] with a path into
//! the patch file (and a "did you mean" hint); the patched topology and scenario are then
//! validated like any loaded file.
//!
//! ```ron
//! Patch(
//!     name: "timeouts and a third replica",
//!     services: [ServicePatch(name: "checkout", instances: 6)],
//!     calls: [CallPatch(from: "checkout", to: "payments", timeout: "2s")],
//! )
//! ```

use serde::{Deserialize, Serialize};

use crate::problem::{did_you_mean, Path, Problem, Problems, Seg};
use crate::spec;
use crate::units::Duration;

/// A what-if patch file.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Patch {
    /// Name of the variant in reports.
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// Services to change.
    #[serde(default)]
    pub services: Vec<ServicePatch>,
    /// Calls to change, each named by caller and callee.
    #[serde(default)]
    pub calls: Vec<CallPatch>,
    /// Datastores to change.
    #[serde(default)]
    pub datastores: Vec<DatastorePatch>,
    /// Caches to change.
    #[serde(default)]
    pub caches: Vec<CachePatch>,
    /// Queue changes.
    #[serde(default)]
    pub queues: Vec<QueuePatch>,
    /// Externals to change.
    #[serde(default)]
    pub externals: Vec<ExternalPatch>,
    /// Client behaviour of the scenario's workloads, by endpoint.
    #[serde(default)]
    pub clients: Vec<ClientPatch>,
}

/// Fields of a service to replace.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ServicePatch {
    /// The service.
    pub name: String,
    /// New zones.
    #[serde(default)]
    pub zones: Option<Vec<String>>,
    /// New instance count.
    #[serde(default)]
    pub instances: Option<u32>,
    /// New k of n.
    #[serde(default)]
    pub min_healthy: Option<u32>,
    /// New workers per instance.
    #[serde(default)]
    pub workers: Option<u32>,
    /// New backlog per instance.
    #[serde(default)]
    pub backlog: Option<u32>,
    /// New service time.
    #[serde(default)]
    pub service_time: Option<spec::Dist>,
    /// New error rate.
    #[serde(default)]
    pub error_rate: Option<f64>,
    /// New memory model.
    #[serde(default)]
    pub memory: Option<spec::Memory>,
    /// New restart delay.
    #[serde(default)]
    pub restart_delay: Option<Duration>,
    /// New fan-out.
    #[serde(default)]
    pub fan_out: Option<spec::FanOut>,
    /// New load balancer (policy and health checks).
    #[serde(default)]
    pub load_balancer: Option<spec::LoadBalancer>,
    /// New rate limit.
    #[serde(default)]
    pub rate_limit: Option<spec::RateLimit>,
    /// New load shedding.
    #[serde(default)]
    pub shedding: Option<spec::Shedding>,
    /// New autoscaler.
    #[serde(default)]
    pub autoscaler: Option<spec::Autoscaler>,
}

/// Fields of a call to replace; the call is the one from service `from` to `to` (every such
/// call, if the service calls `to` more than once).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CallPatch {
    /// The calling service.
    pub from: String,
    /// The callee.
    pub to: String,
    /// New required flag.
    #[serde(default)]
    pub required: Option<bool>,
    /// New timeout.
    #[serde(default)]
    pub timeout: Option<Duration>,
    /// New retries.
    #[serde(default)]
    pub retry: Option<spec::Retry>,
    /// New breaker.
    #[serde(default)]
    pub breaker: Option<spec::Breaker>,
    /// New bulkhead.
    #[serde(default)]
    pub bulkhead: Option<spec::Bulkhead>,
    /// New fallback.
    #[serde(default)]
    pub fallback: Option<spec::Fallback>,
    /// New deadline propagation.
    #[serde(default)]
    pub propagate_deadline: Option<bool>,
    /// New adaptive throttling.
    #[serde(default)]
    pub throttle: Option<spec::Throttle>,
}

/// Fields of a datastore to replace.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DatastorePatch {
    /// The datastore.
    pub name: String,
    /// New primary zone.
    #[serde(default)]
    pub primary: Option<String>,
    /// New replica zones.
    #[serde(default)]
    pub replicas: Option<Vec<String>>,
    /// New replication.
    #[serde(default)]
    pub replication: Option<spec::Replication>,
    /// New failover.
    #[serde(default)]
    pub failover: Option<spec::Failover>,
    /// New connection pool size.
    #[serde(default)]
    pub connections: Option<u32>,
    /// New replica reads.
    #[serde(default)]
    pub read_from_replicas: Option<bool>,
    /// New write buffering.
    #[serde(default)]
    pub buffer_writes: Option<bool>,
    /// New bound on calls waiting for a connection.
    #[serde(default)]
    pub max_waiting: Option<u32>,
    /// New processors per node.
    #[serde(default)]
    pub cpus: Option<u32>,
}

/// Fields of a cache to replace.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CachePatch {
    /// The cache.
    pub name: String,
    /// New zones.
    #[serde(default)]
    pub zones: Option<Vec<String>>,
    /// New hit ratio.
    #[serde(default)]
    pub hit_ratio: Option<f64>,
    /// New refill time.
    #[serde(default)]
    pub warmup: Option<Duration>,
}

/// Fields of a queue to replace.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct QueuePatch {
    /// The queue.
    pub name: String,
    /// New zones.
    #[serde(default)]
    pub zones: Option<Vec<String>>,
    /// New capacity (messages held).
    #[serde(default)]
    pub capacity: Option<u32>,
    /// New consumer concurrency.
    #[serde(default)]
    pub concurrency: Option<u32>,
    /// New visibility timeout.
    #[serde(default)]
    pub visibility_timeout: Option<Duration>,
    /// New delivery limit before the dead-letter queue.
    #[serde(default)]
    pub max_deliveries: Option<u32>,
}

/// Fields of an external to replace.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalPatch {
    /// The external.
    pub name: String,
    /// New latency.
    #[serde(default)]
    pub latency: Option<spec::Dist>,
    /// New error rate.
    #[serde(default)]
    pub error_rate: Option<f64>,
    /// New rate limit.
    #[serde(default)]
    pub rate_limit: Option<spec::RateLimit>,
}

/// Client behaviour of every workload on one endpoint.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClientPatch {
    /// The endpoint.
    pub endpoint: String,
    /// New client timeout.
    #[serde(default)]
    pub timeout: Option<Duration>,
    /// New client retries.
    #[serde(default)]
    pub retry: Option<spec::Retry>,
}

fn set<T: Clone>(slot: &mut T, value: &Option<T>) {
    if let Some(v) = value {
        *slot = v.clone();
    }
}

fn set_some<T: Clone>(slot: &mut Option<T>, value: &Option<T>) {
    if let Some(v) = value {
        *slot = Some(v.clone());
    }
}

fn unknown<'a>(ps: &mut Problems, path: Path, what: &str, name: &str, names: impl IntoIterator<Item = &'a str>) {
    let hint = did_you_mean(name, names).map(|m| format!("did you mean `{m}`?"));
    let p = ps.push(path, format!("no {what} `{name}`"), format!("no {what} `{name}` in the topology"));
    if let Some(h) = hint {
        p.hint = Some(h);
    }
}

/// Applies `patch` to copies of a topology and scenario spec. Problems have paths into the
/// patch file.
pub fn apply(
    patch: &Patch,
    topology: &spec::Topology,
    scenario: &spec::Scenario,
) -> Result<(spec::Topology, spec::Scenario), Vec<Problem>> {
    let mut t = topology.clone();
    let mut s = scenario.clone();
    let mut ps = Problems::new();
    let root = Path::root();
    for (i, p) in patch.services.iter().enumerate() {
        let Some(svc) = t.services.iter_mut().find(|x| x.name == p.name) else {
            unknown(
                &mut ps,
                root.field("services").index(i).field("name"),
                "service",
                &p.name,
                topology.services.iter().map(|x| x.name.as_str()),
            );
            continue;
        };
        set(&mut svc.zones, &p.zones);
        set_some(&mut svc.instances, &p.instances);
        set(&mut svc.min_healthy, &p.min_healthy);
        set(&mut svc.workers, &p.workers);
        set(&mut svc.backlog, &p.backlog);
        set(&mut svc.service_time, &p.service_time);
        set(&mut svc.error_rate, &p.error_rate);
        set_some(&mut svc.memory, &p.memory);
        set(&mut svc.restart_delay, &p.restart_delay);
        set(&mut svc.fan_out, &p.fan_out);
        set(&mut svc.load_balancer, &p.load_balancer);
        set_some(&mut svc.rate_limit, &p.rate_limit);
        set_some(&mut svc.shedding, &p.shedding);
        set_some(&mut svc.autoscaler, &p.autoscaler);
    }
    for (i, p) in patch.calls.iter().enumerate() {
        let Some(svc) = t.services.iter_mut().find(|x| x.name == p.from) else {
            unknown(
                &mut ps,
                root.field("calls").index(i).field("from"),
                "service",
                &p.from,
                topology.services.iter().map(|x| x.name.as_str()),
            );
            continue;
        };
        let targets: Vec<String> = svc.calls.iter().map(|c| c.to.clone()).collect();
        let mut found = false;
        for c in svc.calls.iter_mut().filter(|c| c.to == p.to) {
            found = true;
            set(&mut c.required, &p.required);
            set_some(&mut c.timeout, &p.timeout);
            set_some(&mut c.retry, &p.retry);
            set_some(&mut c.breaker, &p.breaker);
            set_some(&mut c.bulkhead, &p.bulkhead);
            set_some(&mut c.fallback, &p.fallback);
            set(&mut c.propagate_deadline, &p.propagate_deadline);
            set_some(&mut c.throttle, &p.throttle);
        }
        if !found {
            let what = format!("call from `{}` to", p.from);
            unknown(
                &mut ps,
                root.field("calls").index(i).field("to"),
                &what,
                &p.to,
                targets.iter().map(String::as_str),
            );
        }
    }
    for (i, p) in patch.datastores.iter().enumerate() {
        let Some(d) = t.datastores.iter_mut().find(|x| x.name == p.name) else {
            unknown(
                &mut ps,
                root.field("datastores").index(i).field("name"),
                "datastore",
                &p.name,
                topology.datastores.iter().map(|x| x.name.as_str()),
            );
            continue;
        };
        set(&mut d.primary, &p.primary);
        set(&mut d.replicas, &p.replicas);
        set(&mut d.replication, &p.replication);
        set(&mut d.failover, &p.failover);
        set(&mut d.connections, &p.connections);
        set(&mut d.read_from_replicas, &p.read_from_replicas);
        set(&mut d.buffer_writes, &p.buffer_writes);
        set_some(&mut d.max_waiting, &p.max_waiting);
        set_some(&mut d.cpus, &p.cpus);
    }
    for (i, p) in patch.caches.iter().enumerate() {
        let Some(c) = t.caches.iter_mut().find(|x| x.name == p.name) else {
            unknown(
                &mut ps,
                root.field("caches").index(i).field("name"),
                "cache",
                &p.name,
                topology.caches.iter().map(|x| x.name.as_str()),
            );
            continue;
        };
        set(&mut c.zones, &p.zones);
        set(&mut c.hit_ratio, &p.hit_ratio);
        set(&mut c.warmup, &p.warmup);
    }
    for (i, p) in patch.queues.iter().enumerate() {
        let Some(q) = t.queues.iter_mut().find(|x| x.name == p.name) else {
            unknown(
                &mut ps,
                root.field("queues").index(i).field("name"),
                "queue",
                &p.name,
                topology.queues.iter().map(|x| x.name.as_str()),
            );
            continue;
        };
        set(&mut q.zones, &p.zones);
        set(&mut q.capacity, &p.capacity);
        set(&mut q.concurrency, &p.concurrency);
        set(&mut q.visibility_timeout, &p.visibility_timeout);
        set(&mut q.max_deliveries, &p.max_deliveries);
    }
    for (i, p) in patch.externals.iter().enumerate() {
        let Some(e) = t.externals.iter_mut().find(|x| x.name == p.name) else {
            unknown(
                &mut ps,
                root.field("externals").index(i).field("name"),
                "external",
                &p.name,
                topology.externals.iter().map(|x| x.name.as_str()),
            );
            continue;
        };
        set(&mut e.latency, &p.latency);
        set(&mut e.error_rate, &p.error_rate);
        set_some(&mut e.rate_limit, &p.rate_limit);
    }
    for (i, p) in patch.clients.iter().enumerate() {
        let mut found = false;
        for w in s.workloads.iter_mut().filter(|w| w.endpoint == p.endpoint) {
            found = true;
            let client = w.client.get_or_insert_with(spec::Client::default);
            set_some(&mut client.timeout, &p.timeout);
            set_some(&mut client.retry, &p.retry);
        }
        if !found {
            let endpoints: Vec<&str> = scenario.workloads.iter().map(|w| w.endpoint.as_str()).collect();
            unknown(
                &mut ps,
                root.field("clients").index(i).field("endpoint"),
                "workload on endpoint",
                &p.endpoint,
                endpoints,
            );
        }
    }
    if ps.is_empty() {
        Ok((t, s))
    } else {
        Err(ps.into_vec())
    }
}

/// A value a patch set: the entry it replaced fields of in the topology or scenario
/// (`services[2]`) and the patch entry that did (`services[0]`), with the fields it gave.
#[derive(Clone, Debug)]
pub struct Origin {
    /// The replaced entry in the topology (or the scenario, for clients).
    pub target: Path,
    /// The patch entry.
    pub patch: Path,
    /// The fields the patch entry gave, other than the ones naming the entry.
    pub fields: Vec<String>,
}

/// The fields a patch entry gives (not null when serialized), except those naming the entry.
fn given<T: Serialize>(entry: &T) -> Vec<String> {
    const KEYS: [&str; 4] = ["name", "from", "to", "endpoint"];
    match serde_json::to_value(entry) {
        Ok(serde_json::Value::Object(m)) => {
            m.into_iter().filter(|(k, v)| !v.is_null() && !KEYS.contains(&k.as_str())).map(|(k, _)| k).collect()
        }
        _ => Vec::new(),
    }
}

/// Where `patch` set values: for the topology's entries and for the scenario's workloads.
pub fn origins(patch: &Patch, topology: &spec::Topology, scenario: &spec::Scenario) -> (Vec<Origin>, Vec<Origin>) {
    let root = Path::root();
    let mut t = Vec::new();
    let mut entry = |list: &'static str, j: Option<usize>, i: usize, fields: Vec<String>, target: Option<Path>| {
        if let Some(j) = j {
            let target = target.unwrap_or_else(|| root.field(list).index(j));
            t.push(Origin { target, patch: root.field(list).index(i), fields });
        }
    };
    for (i, p) in patch.services.iter().enumerate() {
        entry("services", topology.services.iter().position(|x| x.name == p.name), i, given(p), None);
    }
    for (i, p) in patch.datastores.iter().enumerate() {
        entry("datastores", topology.datastores.iter().position(|x| x.name == p.name), i, given(p), None);
    }
    for (i, p) in patch.caches.iter().enumerate() {
        entry("caches", topology.caches.iter().position(|x| x.name == p.name), i, given(p), None);
    }
    for (i, p) in patch.queues.iter().enumerate() {
        entry("queues", topology.queues.iter().position(|x| x.name == p.name), i, given(p), None);
    }
    for (i, p) in patch.externals.iter().enumerate() {
        entry("externals", topology.externals.iter().position(|x| x.name == p.name), i, given(p), None);
    }
    for (i, p) in patch.calls.iter().enumerate() {
        if let Some(j) = topology.services.iter().position(|x| x.name == p.from) {
            for (k, _) in topology.services[j].calls.iter().enumerate().filter(|(_, c)| c.to == p.to) {
                let target = root.field("services").index(j).field("calls").index(k);
                entry("calls", Some(j), i, given(p), Some(target));
            }
        }
    }
    let mut s = Vec::new();
    for (i, p) in patch.clients.iter().enumerate() {
        for (k, _) in scenario.workloads.iter().enumerate().filter(|(_, w)| w.endpoint == p.endpoint) {
            let target = root.field("workloads").index(k).field("client");
            s.push(Origin { target, patch: root.field("clients").index(i), fields: given(p) });
        }
    }
    (t, s)
}

/// The place in the patch file of the value a problem at `at` is about, when the patch set it.
pub fn patch_path(origins: &[Origin], at: &Path) -> Option<Path> {
    origins.iter().find_map(|o| {
        let n = o.target.0.len();
        if at.0.len() <= n || at.0[..n] != o.target.0[..] {
            return None;
        }
        match &at.0[n] {
            Seg::Field(f) if o.fields.iter().any(|g| g == f) => Some(o.patch.field(f)),
            _ => None,
        }
    })
}
