//! Validation of a [`spec::Topology`] into a [`Topology`]: names resolved, ranges and
//! rules checked, every problem collected with its path so all are reported together.

use std::collections::BTreeMap;

use petgraph::algo::tarjan_scc;
use petgraph::graph::DiGraph;
use petgraph::visit::Dfs;

use super::*;
use crate::checks;
use crate::problem::{did_you_mean, Path, Problem, Problems};
use crate::spec;

impl Topology {
    /// Validates a parsed topology file. On failure returns every problem found.
    pub fn from_spec(spec: &spec::Topology) -> Result<Topology, Vec<Problem>> {
        let mut b = Builder { p: Problems::new(), names: BTreeMap::new(), name_paths: BTreeMap::new() };
        let root = Path::root();
        let t = b.build(spec, &root);
        if b.p.is_empty() {
            // `build` only returns None after recording a problem.
            t.ok_or_else(Vec::new)
        } else {
            Err(b.p.into_vec())
        }
    }
}

struct Builder {
    p: Problems,
    names: BTreeMap<String, Named>,
    name_paths: BTreeMap<String, Path>,
}

/// Name resolution and declaration; range checks live in [`checks`].
impl Builder {
    fn failure(&mut self, parent: &Path, f: &Option<spec::Failure>) -> Option<FailureModel> {
        f.as_ref().map(|f| checks::failure(&mut self.p, &parent.field("failure"), f))
    }

    fn zone_list(&mut self, path: &Path, zones: &[String], what: &str) -> Vec<ZoneId> {
        if zones.is_empty() {
            self.p.with_hint(
                path.clone(),
                "empty",
                format!("{what} is placed in no zone"),
                "list at least one zone, e.g. zones: [\"a\"]",
            );
        }
        let mut out = Vec::new();
        for (i, z) in zones.iter().enumerate() {
            if let Some(id) = self.zone(&path.index(i), z) {
                if out.contains(&id) {
                    self.p.push(path.index(i), "listed twice", format!("zone `{z}` is listed twice"));
                } else {
                    out.push(id);
                }
            }
        }
        out
    }

    fn zone(&mut self, path: &Path, name: &str) -> Option<ZoneId> {
        match self.names.get(name) {
            Some(Named::Zone(z)) => Some(*z),
            Some(other) => {
                let kind = named_kind(*other);
                self.p.push(path.clone(), "not a zone", format!("`{name}` is a {kind}, not a zone"));
                None
            }
            None => {
                self.unknown(path, name, "zone", |n| matches!(n, Named::Zone(_)));
                None
            }
        }
    }

    fn component(&mut self, path: &Path, name: &str, what: &str) -> Option<ComponentId> {
        match self.names.get(name) {
            Some(Named::Component(c)) => Some(*c),
            Some(other) => {
                let kind = named_kind(*other);
                self.p.push(
                    path.clone(),
                    "not a component",
                    format!("{what} `{name}` is a {kind}, not a service, queue, datastore, cache or external"),
                );
                None
            }
            None => {
                self.unknown(path, name, what, |n| matches!(n, Named::Component(_)));
                None
            }
        }
    }

    fn unknown(&mut self, path: &Path, name: &str, what: &str, fits: impl Fn(&Named) -> bool) {
        let candidates: Vec<&str> = self.names.iter().filter(|(_, n)| fits(n)).map(|(k, _)| k.as_str()).collect();
        let hint = match did_you_mean(name, candidates.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None if candidates.is_empty() => format!("no {what} is defined"),
            None => format!("known: {}", list_some(&candidates)),
        };
        let name = checks::shown(name);
        self.p.with_hint(path.clone(), "unknown name", format!("unknown {what} `{name}`"), hint);
    }

    fn declare(&mut self, path: Path, name: &str, what: Named) -> bool {
        let what_kind = match what {
            Named::Region(_) => "a region",
            Named::Zone(_) => "a zone",
            Named::Component(_) => "a component",
        };
        if !checks::name(&mut self.p, &path, name, what_kind) {
            return false;
        }
        if let Some(prev) = self.name_paths.get(name) {
            let prev = prev.clone();
            self.p.with_hint(
                path,
                "duplicate",
                format!("the name `{name}` is already used (at {prev})"),
                "every region, zone and component needs its own name",
            );
            return false;
        }
        self.names.insert(name.to_owned(), what);
        self.name_paths.insert(name.to_owned(), path);
        true
    }
}

fn named_kind(n: Named) -> &'static str {
    match n {
        Named::Region(_) => "region",
        Named::Zone(_) => "zone",
        Named::Component(c) => Topology::component_kind(c),
    }
}

fn list_some(names: &[&str]) -> String {
    let shown: Vec<String> = names.iter().take(8).map(|n| format!("`{n}`")).collect();
    if names.len() > 8 {
        format!("{} and {} more", shown.join(", "), names.len() - 8)
    } else {
        shown.join(", ")
    }
}

impl Builder {
    fn build(&mut self, s: &spec::Topology, root: &Path) -> Option<Topology> {
        checks::name(&mut self.p, &root.field("name"), &s.name, "the topology");
        checks::text(&mut self.p, &root.field("description"), &s.description, "the description");
        // Pass 1: declare every name, so references can point forward.
        let mut regions = Vec::new();
        let mut zones = Vec::new();
        if s.regions.is_empty() {
            self.p.with_hint(
                root.field("regions"),
                "empty",
                "a topology needs at least one region",
                "e.g. regions: [Region(name: \"eu\", zones: [Zone(name: \"eu-a\")])]",
            );
        }
        for (ri, r) in s.regions.iter().enumerate() {
            let rp = root.field("regions").index(ri);
            let rid = RegionId(regions.len() as u32);
            self.declare(rp.field("name"), &r.name, Named::Region(rid));
            if r.zones.is_empty() {
                self.p.push(rp.field("zones"), "empty", format!("region `{}` has no zones", r.name));
            }
            let mut zone_ids = Vec::new();
            for (zi, z) in r.zones.iter().enumerate() {
                let zp = rp.field("zones").index(zi);
                let zid = ZoneId(zones.len() as u32);
                if self.declare(zp.field("name"), &z.name, Named::Zone(zid)) {
                    let failure = self.failure(&zp, &z.failure);
                    zones.push(Zone { name: z.name.clone(), region: rid, failure });
                    zone_ids.push(zid);
                }
            }
            let failure = self.failure(&rp, &r.failure);
            regions.push(Region { name: r.name.clone(), zones: zone_ids, failure });
        }
        let comps = [
            (s.services.iter().map(|x| &x.name).collect::<Vec<_>>(), "services"),
            (s.queues.iter().map(|x| &x.name).collect(), "queues"),
            (s.datastores.iter().map(|x| &x.name).collect(), "datastores"),
            (s.caches.iter().map(|x| &x.name).collect(), "caches"),
            (s.externals.iter().map(|x| &x.name).collect(), "externals"),
        ];
        for (names, field) in comps {
            for (i, n) in names.into_iter().enumerate() {
                let id = i as u32;
                let c = match field {
                    "services" => ComponentId::Service(ServiceId(id)),
                    "queues" => ComponentId::Queue(QueueId(id)),
                    "datastores" => ComponentId::Datastore(DatastoreId(id)),
                    "caches" => ComponentId::Cache(CacheId(id)),
                    _ => ComponentId::External(ExternalId(id)),
                };
                self.declare(root.field(field).index(i).field("name"), n, Named::Component(c));
            }
        }
        let mut endpoint_names = BTreeMap::new();
        if s.endpoints.is_empty() {
            self.p.with_hint(
                root.field("endpoints"),
                "empty",
                "a topology needs at least one endpoint, or nothing can be measured",
                "e.g. endpoints: [Endpoint(name: \"home\", service: \"web\")]",
            );
        }
        for (i, e) in s.endpoints.iter().enumerate() {
            let ep = root.field("endpoints").index(i);
            if checks::name(&mut self.p, &ep.field("name"), &e.name, "an endpoint")
                && endpoint_names.insert(e.name.clone(), EndpointId(i as u32)).is_some()
            {
                self.p.push(ep.field("name"), "duplicate", format!("endpoint `{}` is defined twice", e.name));
            }
        }

        // Pass 2: the network.
        let np = root.field("network");
        let same_zone = checks::dist(&mut self.p, &np.field("same_zone"), &s.network.same_zone);
        let cross_zone = checks::dist(&mut self.p, &np.field("cross_zone"), &s.network.cross_zone);
        let cross_region = checks::dist(&mut self.p, &np.field("cross_region"), &s.network.cross_region);
        checks::prob(&mut self.p, &np.field("loss"), s.network.loss, "network loss");
        let mut links = Vec::new();
        for (i, l) in s.network.links.iter().enumerate() {
            let lp = np.field("links").index(i);
            let ends = [&l.between.0, &l.between.1].map(|n| match self.names.get(n.as_str()) {
                Some(Named::Zone(z)) => Some(Place::Zone(*z)),
                Some(Named::Region(r)) => Some(Place::Region(*r)),
                _ => None,
            });
            for (k, (end, name)) in ends.iter().zip([&l.between.0, &l.between.1]).enumerate() {
                if end.is_none() {
                    let fits = |n: &Named| matches!(n, Named::Zone(_) | Named::Region(_));
                    self.unknown(&lp.field("between").index(k), name, "zone or region", fits);
                }
            }
            let latency = l.latency.as_ref().map(|d| checks::dist(&mut self.p, &lp.field("latency"), d));
            let failure = self.failure(&lp, &l.failure);
            if let [Some(a), Some(b)] = ends {
                if a == b {
                    self.p.push(lp.field("between"), "same place twice", "a link joins two different places");
                } else if std::mem::discriminant(&a) != std::mem::discriminant(&b) {
                    self.p.push(
                        lp.field("between"),
                        "zone and region",
                        "a link joins two zones or two regions, not one of each",
                    );
                }
                links.push(Link { a, b, latency, failure });
            }
        }
        let zone_count = zones.len();
        let mut latency = Vec::with_capacity(zone_count * zone_count);
        for a in 0..zone_count {
            for b in 0..zone_count {
                let d = if a == b {
                    same_zone.clone()
                } else if zones[a].region == zones[b].region {
                    cross_zone.clone()
                } else {
                    cross_region.clone()
                };
                latency.push(d);
            }
        }
        // Region links first, then zone links, so the more specific override wins.
        for l in links
            .iter()
            .filter(|l| matches!(l.a, Place::Region(_)))
            .chain(links.iter().filter(|l| matches!(l.a, Place::Zone(_))))
        {
            let Some(d) = &l.latency else { continue };
            let members = |p: Place| -> Vec<usize> {
                match p {
                    Place::Zone(z) => vec![z.index()],
                    Place::Region(r) => regions[r.index()].zones.iter().map(|z| z.index()).collect(),
                }
            };
            for x in members(l.a) {
                for y in members(l.b) {
                    latency[x * zone_count + y] = d.clone();
                    latency[y * zone_count + x] = d.clone();
                }
            }
        }

        // Pass 3: components.
        let mut services = Vec::with_capacity(s.services.len());
        let mut instances = Vec::new();
        let mut calls = Vec::new();
        for (si, sv) in s.services.iter().enumerate() {
            let sp = root.field("services").index(si);
            let sid = ServiceId(si as u32);
            let zs = self.zone_list(&sp.field("zones"), &sv.zones, &format!("service `{}`", sv.name));
            let n = sv.instances.unwrap_or(sv.zones.len().max(1) as u32);
            if let Some(0) = sv.instances {
                self.p.with_hint(
                    sp.field("instances"),
                    "must be ≥ 1",
                    format!("service `{}` has 0 instances", sv.name),
                    "remove the service, or give it at least one instance",
                );
            }
            if n > 100_000 {
                self.p.push(
                    sp.field("instances"),
                    "too many",
                    format!("{n} instances is beyond the supported 100,000 per service"),
                );
            }
            if sv.min_healthy == 0 || sv.min_healthy > n {
                self.p.push(
                    sp.field("min_healthy"),
                    "out of range",
                    format!("min_healthy must be between 1 and the {n} instances, found {}", sv.min_healthy),
                );
            }
            checks::positive_u(&mut self.p, &sp.field("workers"), u64::from(sv.workers), "workers");
            let service_time = checks::dist(&mut self.p, &sp.field("service_time"), &sv.service_time);
            checks::prob(&mut self.p, &sp.field("error_rate"), sv.error_rate, "error_rate");
            if let Some(m) = &sv.memory {
                if m.limit <= m.base {
                    self.p.push(
                        sp.field("memory").field("limit"),
                        "not above base",
                        format!("memory limit ({}) must be above the base ({})", m.limit, m.base),
                    );
                }
            }
            checks::at_least_d(
                &mut self.p,
                &sp.field("restart_delay"),
                sv.restart_delay,
                checks::MIN_RESTART_DELAY,
                "a restart delay",
                "no process restarts in under a millisecond; a shorter delay lets a crash loop spin without bound",
            );
            checks::at_most_d(
                &mut self.p,
                &sp.field("restart_delay"),
                sv.restart_delay,
                checks::MAX_DURATION,
                "a restart delay",
            );
            let failure = self.failure(&sp, &sv.failure);
            let lbp = sp.field("load_balancer");
            match &sv.load_balancer.policy {
                spec::Policy::ZoneAffinity { spill_over } => {
                    let pp = lbp.field("policy").field("spill_over");
                    checks::fraction(&mut self.p, &pp, *spill_over, "spill_over (a utilisation)");
                }
                spec::Policy::Pinned { connections, hot } => {
                    let pp = lbp.field("policy");
                    checks::positive_u(&mut self.p, &pp.field("connections"), u64::from(*connections), "connections");
                    if let Some(h) = hot {
                        let hp = pp.field("hot");
                        checks::fraction(&mut self.p, &hp.field("share"), h.share, "share (of the requests)");
                        if h.connections == 0 || h.connections >= *connections {
                            self.p
                                .push(
                                    hp.field("connections"),
                                    "not a part of the connections",
                                    format!(
                                        "hot connections must be at least 1 and fewer than all {connections}, found {}",
                                        h.connections
                                    ),
                                )
                                .hint = Some(
                                "e.g. `hot: HotConnections(connections: 2, share: 0.9)`: 2 connections carry 90% of the requests"
                                    .into(),
                            );
                        }
                    }
                }
                _ => {}
            }
            if let Some(hc) = &sv.load_balancer.health_check {
                let hp = lbp.field("health_check");
                checks::at_least_d(
                    &mut self.p,
                    &hp.field("interval"),
                    hc.interval,
                    checks::MIN_HEALTH_CHECK_INTERVAL,
                    "a health-check interval",
                    "real probes are seconds apart; faster ones only add events",
                );
                checks::positive_d(&mut self.p, &hp.field("timeout"), hc.timeout, "a health-check timeout");
                checks::at_most_d(
                    &mut self.p,
                    &hp.field("interval"),
                    hc.interval,
                    checks::MAX_DURATION,
                    "a health-check interval",
                );
                checks::at_most_d(
                    &mut self.p,
                    &hp.field("timeout"),
                    hc.timeout,
                    checks::MAX_DURATION,
                    "a health-check timeout",
                );
                checks::positive_u(
                    &mut self.p,
                    &hp.field("unhealthy_after"),
                    u64::from(hc.unhealthy_after),
                    "unhealthy_after",
                );
                checks::positive_u(
                    &mut self.p,
                    &hp.field("healthy_after"),
                    u64::from(hc.healthy_after),
                    "healthy_after",
                );
            }
            if let Some(r) = &sv.rate_limit {
                checks::rate_limit(&mut self.p, &sp.field("rate_limit"), r);
            }
            if let Some(sh) = &sv.shedding {
                let shp = sp.field("shedding");
                if sh.max_backlog.is_none() && sh.max_queue_time.is_none() {
                    self.p.with_hint(
                        shp.clone(),
                        "does nothing",
                        "shedding needs max_backlog or max_queue_time",
                        "e.g. shedding: (max_queue_time: \"100ms\")",
                    );
                }
                if let Some(t) = sh.max_queue_time {
                    checks::positive_d(&mut self.p, &shp.field("max_queue_time"), t, "max_queue_time");
                }
            }
            if let Some(a) = &sv.autoscaler {
                let ap = sp.field("autoscaler");
                if let Some(t) = a.target_utilisation {
                    checks::fraction(&mut self.p, &ap.field("target_utilisation"), t, "target_utilisation");
                }
                if let Some(t) = a.target_memory {
                    let mp = ap.field("target_memory");
                    checks::fraction(&mut self.p, &mp, t, "target_memory");
                    if sv.memory.is_none() {
                        self.p.push(mp, "no memory to measure", "target_memory needs the service's `memory`").hint =
                            Some(
                                "add e.g. `memory: Memory(base: \"384MiB\", per_request: \"8MiB\", limit: \"640MiB\")`"
                                    .into(),
                            );
                    }
                }
                if a.target_utilisation.is_none() && a.target_memory.is_none() {
                    self.p
                        .push(
                            ap.clone(),
                            "no target",
                            "an autoscaler needs a target_utilisation, a target_memory or both",
                        )
                        .hint = Some("e.g. `Autoscaler(target_utilisation: 0.7, min: 2, max: 10)`".into());
                }
                checks::at_least_d(
                    &mut self.p,
                    &ap.field("interval"),
                    a.interval,
                    checks::MIN_AUTOSCALER_INTERVAL,
                    "an autoscaler interval",
                    "each decision looks at every instance; real autoscalers decide every 15s or so",
                );
                checks::at_most_d(
                    &mut self.p,
                    &ap.field("interval"),
                    a.interval,
                    checks::MAX_DURATION,
                    "an autoscaler interval",
                );
                checks::at_most_d(
                    &mut self.p,
                    &ap.field("provisioning_delay"),
                    a.provisioning_delay,
                    checks::MAX_DURATION,
                    "a provisioning delay",
                );
                checks::positive_u(&mut self.p, &ap.field("min"), u64::from(a.min), "autoscaler min");
                if a.max < a.min {
                    self.p.push(
                        ap.field("max"),
                        "below min",
                        format!("autoscaler max ({}) is below min ({})", a.max, a.min),
                    );
                } else if n < a.min || n > a.max {
                    self.p.push(
                        ap.clone(),
                        "excludes instances",
                        format!(
                            "the service starts with {n} instances, outside the autoscaler's [{}, {}]",
                            a.min, a.max
                        ),
                    );
                }
            }
            // Instances are spread round-robin over the zones in the order given.
            let first = instances.len() as u32;
            if !zs.is_empty() && n <= 100_000 {
                for k in 0..n {
                    instances.push(Instance { service: sid, ordinal: k, zone: zs[k as usize % zs.len()] });
                }
            }
            let mut call_ids = Vec::new();
            for (ci, c) in sv.calls.iter().enumerate() {
                let cp = sp.field("calls").index(ci);
                let to = self.component(&cp.field("to"), &c.to, "call target");
                if to == Some(ComponentId::Service(sid)) {
                    self.p.push(cp.field("to"), "calls itself", format!("service `{}` calls itself", sv.name));
                }
                let only_for = if c.only_for.is_empty() {
                    None
                } else {
                    let mut v = Vec::new();
                    for (k, e) in c.only_for.iter().enumerate() {
                        match endpoint_names.get(e) {
                            Some(id) => v.push(*id),
                            None => {
                                let hint = match did_you_mean(e, endpoint_names.keys().map(String::as_str)) {
                                    Some(x) => format!("did you mean `{x}`?"),
                                    None => "name an endpoint from `endpoints`".to_owned(),
                                };
                                self.p.with_hint(
                                    cp.field("only_for").index(k),
                                    "unknown endpoint",
                                    format!("unknown endpoint `{e}`"),
                                    hint,
                                );
                            }
                        }
                    }
                    Some(v)
                };
                checks::prob(&mut self.p, &cp.field("probability"), c.probability, "a call probability");
                if let Some(t) = c.timeout {
                    checks::positive_d(&mut self.p, &cp.field("timeout"), t, "a timeout");
                    checks::at_most_d(&mut self.p, &cp.field("timeout"), t, checks::MAX_DURATION, "a timeout");
                }
                if let Some(r) = &c.retry {
                    checks::retry(&mut self.p, &cp.field("retry"), r);
                }
                if let Some(br) = &c.breaker {
                    let bp = cp.field("breaker");
                    if br.failure_threshold.is_none() && br.failure_ratio.is_none() {
                        self.p.with_hint(
                            bp.clone(),
                            "never opens",
                            "a breaker needs failure_threshold or failure_ratio",
                            "e.g. breaker: (failure_ratio: 0.5)",
                        );
                    }
                    if let Some(t) = br.failure_threshold {
                        checks::positive_u(
                            &mut self.p,
                            &bp.field("failure_threshold"),
                            u64::from(t),
                            "failure_threshold",
                        );
                    }
                    if let Some(r) = br.failure_ratio {
                        checks::fraction(&mut self.p, &bp.field("failure_ratio"), r, "failure_ratio");
                    }
                    checks::positive_d(&mut self.p, &bp.field("window"), br.window, "a breaker window");
                    checks::positive_d(&mut self.p, &bp.field("cool_down"), br.cool_down, "a breaker cool-down");
                    checks::positive_u(&mut self.p, &bp.field("probes"), u64::from(br.probes), "probes");
                }
                if let Some(bh) = &c.bulkhead {
                    checks::positive_u(
                        &mut self.p,
                        &cp.field("bulkhead").field("max_concurrent"),
                        u64::from(bh.max_concurrent),
                        "a bulkhead's max_concurrent",
                    );
                }
                let fallback = match (&c.fallback, c.required) {
                    (Some(_), true) => {
                        self.p.with_hint(
                            cp.field("fallback"),
                            "call is required",
                            format!(
                                "a fallback only applies to an optional call, but the call to `{}` is required",
                                c.to
                            ),
                            "add `required: false` to make the call optional",
                        );
                        None
                    }
                    (Some(f), false) => {
                        if let spec::Fallback::Cached { hit_ratio } = f {
                            checks::prob(
                                &mut self.p,
                                &cp.field("fallback").field("hit_ratio"),
                                *hit_ratio,
                                "a fallback hit_ratio",
                            );
                        }
                        Some(f.clone())
                    }
                    (None, false) => Some(spec::Fallback::Default),
                    (None, true) => None,
                };
                if let Some(th) = &c.throttle {
                    checks::positive_f(&mut self.p, &cp.field("throttle").field("k"), th.k, "throttle k");
                    checks::positive_d(
                        &mut self.p,
                        &cp.field("throttle").field("window"),
                        th.window,
                        "a throttle window",
                    );
                }
                if c.operation == spec::Operation::Write && !matches!(to, Some(ComponentId::Datastore(_)) | None) {
                    self.p.with_hint(
                        cp.field("operation"),
                        "not a datastore",
                        format!("`{}` is not a datastore; only datastore calls are reads or writes", c.to),
                        "remove `operation`",
                    );
                }
                let query_time = c.query_time.as_ref().map(|q| checks::dist(&mut self.p, &cp.field("query_time"), q));
                if c.query_time.is_some() && !matches!(to, Some(ComponentId::Datastore(_)) | None) {
                    self.p.with_hint(
                        cp.field("query_time"),
                        "not a datastore",
                        format!("`{}` is not a datastore; only datastore calls run queries", c.to),
                        "remove `query_time`, or set the callee's own service time",
                    );
                }
                if let Some(to) = to {
                    call_ids.push(CallId(calls.len() as u32));
                    calls.push(Call {
                        from: sid,
                        to,
                        mode: c.mode,
                        required: c.required,
                        only_for,
                        probability: c.probability,
                        operation: c.operation,
                        timeout: c.timeout,
                        retry: c.retry.clone(),
                        breaker: c.breaker.clone(),
                        bulkhead: c.bulkhead.clone(),
                        fallback,
                        propagate_deadline: c.propagate_deadline,
                        throttle: c.throttle.clone(),
                        query_time,
                    });
                }
            }
            services.push(Service {
                name: sv.name.clone(),
                zones: zs,
                instances: first..instances.len() as u32,
                min_healthy: sv.min_healthy,
                workers: sv.workers,
                backlog: sv.backlog,
                service_time,
                error_rate: sv.error_rate,
                memory: sv.memory.clone(),
                restart_delay: sv.restart_delay,
                failure,
                fan_out: sv.fan_out,
                calls: call_ids,
                load_balancer: sv.load_balancer.clone(),
                rate_limit: sv.rate_limit.clone(),
                shedding: sv.shedding.clone(),
                autoscaler: sv.autoscaler.clone(),
            });
        }

        let mut queues = Vec::new();
        for (i, q) in s.queues.iter().enumerate() {
            let qp = root.field("queues").index(i);
            let zs = self.zone_list(&qp.field("zones"), &q.zones, &format!("queue `{}`", q.name));
            checks::positive_u(&mut self.p, &qp.field("capacity"), u64::from(q.capacity), "a queue capacity");
            let consumer = match self.component(&qp.field("consumer"), &q.consumer, "consumer") {
                Some(ComponentId::Service(s)) => Some(s),
                Some(other) => {
                    let kind = Topology::component_kind(other);
                    self.p.push(
                        qp.field("consumer"),
                        "not a service",
                        format!("the consumer `{}` is a {kind}; a queue is consumed by a service", q.consumer),
                    );
                    None
                }
                None => None,
            };
            checks::positive_u(&mut self.p, &qp.field("concurrency"), u64::from(q.concurrency), "consumer concurrency");
            checks::positive_d(
                &mut self.p,
                &qp.field("visibility_timeout"),
                q.visibility_timeout,
                "a visibility timeout",
            );
            checks::positive_u(&mut self.p, &qp.field("max_deliveries"), u64::from(q.max_deliveries), "max_deliveries");
            let enqueue_time = checks::dist(&mut self.p, &qp.field("enqueue_time"), &q.enqueue_time);
            let failure = self.failure(&qp, &q.failure);
            queues.push(Queue {
                name: q.name.clone(),
                zones: zs,
                capacity: q.capacity,
                consumer: consumer.unwrap_or(ServiceId(0)),
                concurrency: q.concurrency,
                visibility_timeout: q.visibility_timeout,
                max_deliveries: q.max_deliveries,
                enqueue_time,
                failure,
            });
        }

        let mut datastores = Vec::new();
        for (i, d) in s.datastores.iter().enumerate() {
            let dp = root.field("datastores").index(i);
            let primary = self.zone(&dp.field("primary"), &d.primary);
            let replicas: Vec<ZoneId> = d
                .replicas
                .iter()
                .enumerate()
                .filter_map(|(k, z)| self.zone(&dp.field("replicas").index(k), z))
                .collect();
            let replication = match &d.replication {
                spec::Replication::Sync => Replication::Sync,
                spec::Replication::Async { lag } => {
                    Replication::Async { lag: checks::dist(&mut self.p, &dp.field("replication").field("lag"), lag) }
                }
                spec::Replication::SyncInRegion { lag } => Replication::SyncInRegion {
                    lag: checks::dist(&mut self.p, &dp.field("replication").field("lag"), lag),
                },
            };
            if d.failover.automatic {
                checks::positive_d(
                    &mut self.p,
                    &dp.field("failover").field("detection"),
                    d.failover.detection,
                    "failover detection",
                );
            }
            let read_time = checks::dist(&mut self.p, &dp.field("read_time"), &d.read_time);
            let write_time = checks::dist(&mut self.p, &dp.field("write_time"), &d.write_time);
            checks::positive_u(&mut self.p, &dp.field("connections"), u64::from(d.connections), "connections");
            if let Some(c) = d.cpus {
                checks::positive_u(&mut self.p, &dp.field("cpus"), u64::from(c), "cpus");
            }
            if d.read_from_replicas && d.replicas.is_empty() {
                self.p.with_hint(
                    dp.field("read_from_replicas"),
                    "no replicas",
                    format!("datastore `{}` reads from replicas but has none", d.name),
                    "add replicas, or remove read_from_replicas",
                );
            }
            let failure = self.failure(&dp, &d.failure);
            datastores.push(Datastore {
                name: d.name.clone(),
                primary: primary.unwrap_or(ZoneId(0)),
                replicas,
                replication,
                failover: d.failover.clone(),
                read_time,
                write_time,
                connections: d.connections,
                max_waiting: d.max_waiting.unwrap_or(u32::MAX),
                cpus: d.cpus.unwrap_or(u32::MAX),
                custom_queries: false,
                read_from_replicas: d.read_from_replicas,
                buffer_writes: d.buffer_writes,
                failure,
            });
        }

        for c in &calls {
            if let (ComponentId::Datastore(d), Some(_)) = (c.to, &c.query_time) {
                if let Some(ds) = datastores.get_mut(d.index()) {
                    ds.custom_queries = true;
                }
            }
        }

        let mut caches = Vec::new();
        for (i, c) in s.caches.iter().enumerate() {
            let cp = root.field("caches").index(i);
            let zs = self.zone_list(&cp.field("zones"), &c.zones, &format!("cache `{}`", c.name));
            checks::prob(&mut self.p, &cp.field("hit_ratio"), c.hit_ratio, "hit_ratio");
            let backend = match self.component(&cp.field("backend"), &c.backend, "backend") {
                Some(b @ (ComponentId::Service(_) | ComponentId::Datastore(_) | ComponentId::External(_))) => Some(b),
                Some(other) => {
                    let kind = Topology::component_kind(other);
                    self.p.push(
                        cp.field("backend"),
                        "not a backend",
                        format!(
                            "the backend `{}` is a {kind}; a cache fronts a service, datastore or external",
                            c.backend
                        ),
                    );
                    None
                }
                None => None,
            };
            let lookup_time = checks::dist(&mut self.p, &cp.field("lookup_time"), &c.lookup_time);
            let failure = self.failure(&cp, &c.failure);
            caches.push(Cache {
                name: c.name.clone(),
                zones: zs,
                hit_ratio: c.hit_ratio,
                backend: backend.unwrap_or(ComponentId::Service(ServiceId(0))),
                lookup_time,
                warmup: c.warmup,
                failure,
            });
        }

        let mut externals = Vec::new();
        for (i, e) in s.externals.iter().enumerate() {
            let ep = root.field("externals").index(i);
            let latency = checks::dist(&mut self.p, &ep.field("latency"), &e.latency);
            checks::prob(&mut self.p, &ep.field("error_rate"), e.error_rate, "error_rate");
            let failure = self.failure(&ep, &e.failure);
            if let Some(r) = &e.rate_limit {
                checks::rate_limit(&mut self.p, &ep.field("rate_limit"), r);
            }
            externals.push(External {
                name: e.name.clone(),
                latency,
                error_rate: e.error_rate,
                failure,
                rate_limit: e.rate_limit.clone(),
            });
        }

        let mut endpoints = Vec::new();
        for (i, e) in s.endpoints.iter().enumerate() {
            let ep = root.field("endpoints").index(i);
            let service = match self.names.get(&e.service) {
                Some(Named::Component(ComponentId::Service(sid))) => Some(*sid),
                Some(other) => {
                    let kind = named_kind(*other);
                    self.p.push(
                        ep.field("service"),
                        "not a service",
                        format!("endpoint `{}` enters at `{}`, a {kind}; it must be a service", e.name, e.service),
                    );
                    None
                }
                None => {
                    self.unknown(&ep.field("service"), &e.service, "service", |n| {
                        matches!(n, Named::Component(ComponentId::Service(_)))
                    });
                    None
                }
            };
            if let Some(slo) = &e.slo {
                let slp = ep.field("slo");
                if let Some(a) = slo.availability {
                    if a.is_nan() || a <= 0.0 || a >= 1.0 {
                        self.p.with_hint(
                            slp.field("availability"),
                            "not in (0, 1)",
                            format!("an availability objective must be in (0, 1), found {}", checks::num(a)),
                            "write e.g. 0.999 for three nines; 1 leaves no error budget and 0 promises nothing",
                        );
                    }
                }
                if let Some(l) = &slo.latency {
                    checks::percentile(&mut self.p, &slp.field("latency").field("percentile"), l.percentile);
                    checks::positive_d(&mut self.p, &slp.field("latency").field("max"), l.max, "a latency objective");
                }
                checks::positive_d(&mut self.p, &slp.field("window"), slo.window, "an SLO window");
            }
            if let Some(service) = service {
                endpoints.push(Endpoint { name: e.name.clone(), service, slo: e.slo.clone() });
            }
        }

        if !self.p.is_empty() {
            return None;
        }

        // Pass 4: the dependency graph, and no cycles among synchronous dependencies.
        let mut graph = DiGraph::with_capacity(self.names.len(), calls.len());
        let mut node_of = BTreeMap::new();
        let all: Vec<ComponentId> = (0..services.len() as u32)
            .map(|i| ComponentId::Service(ServiceId(i)))
            .chain((0..queues.len() as u32).map(|i| ComponentId::Queue(QueueId(i))))
            .chain((0..datastores.len() as u32).map(|i| ComponentId::Datastore(DatastoreId(i))))
            .chain((0..caches.len() as u32).map(|i| ComponentId::Cache(CacheId(i))))
            .chain((0..externals.len() as u32).map(|i| ComponentId::External(ExternalId(i))))
            .collect();
        for c in &all {
            node_of.insert(*c, graph.add_node(*c));
        }
        let mut sync_graph: DiGraph<ComponentId, Option<CallId>> = DiGraph::with_capacity(all.len(), calls.len());
        for c in &all {
            sync_graph.add_node(*c);
        }
        let sync_node = |c: ComponentId| node_of[&c];
        for (i, call) in calls.iter().enumerate() {
            let from = ComponentId::Service(call.from);
            graph.add_edge(node_of[&from], node_of[&call.to], Edge::Call(CallId(i as u32)));
            if call.mode == spec::CallMode::Sync {
                sync_graph.add_edge(sync_node(from), sync_node(call.to), Some(CallId(i as u32)));
            }
        }
        for (i, q) in queues.iter().enumerate() {
            graph.add_edge(
                node_of[&ComponentId::Queue(QueueId(i as u32))],
                node_of[&ComponentId::Service(q.consumer)],
                Edge::Consumes,
            );
        }
        for (i, c) in caches.iter().enumerate() {
            let me = ComponentId::Cache(CacheId(i as u32));
            graph.add_edge(node_of[&me], node_of[&c.backend], Edge::Backend);
            sync_graph.add_edge(sync_node(me), sync_node(c.backend), None);
        }
        // A call limited to endpoints that never reach its caller would silently never fire.
        let mut reach: BTreeMap<EndpointId, Vec<bool>> = BTreeMap::new();
        for (si, sv) in services.iter().enumerate() {
            for (pos, cid) in sv.calls.iter().enumerate() {
                let Some(list) = &calls[cid.index()].only_for else { continue };
                let caller = node_of[&ComponentId::Service(ServiceId(si as u32))];
                for (k, e) in list.iter().enumerate() {
                    let reached = reach.entry(*e).or_insert_with(|| {
                        let mut seen = vec![false; graph.node_count()];
                        let mut dfs = Dfs::new(&graph, node_of[&ComponentId::Service(endpoints[e.index()].service)]);
                        while let Some(n) = dfs.next(&graph) {
                            seen[n.index()] = true;
                        }
                        seen
                    });
                    if !reached[caller.index()] {
                        let ep = &endpoints[e.index()];
                        self.p.with_hint(
                            root.field("services").index(si).field("calls").index(pos).field("only_for").index(k),
                            "never reaches this service",
                            format!(
                                "endpoint `{}` never reaches `{}`, so this call would never be made for it",
                                ep.name, sv.name
                            ),
                            format!(
                                "`{}` enters at `{}`; remove it from only_for or add the missing call",
                                ep.name,
                                services[ep.service.index()].name
                            ),
                        );
                    }
                }
            }
        }
        for scc in tarjan_scc(&sync_graph) {
            if scc.len() < 2 {
                continue;
            }
            let mut members: Vec<ComponentId> = scc.iter().map(|n| sync_graph[*n]).collect();
            members.sort();
            let in_cycle = |c: ComponentId| members.contains(&c);
            // Report at the first call (in file order) that stays inside the cycle.
            let at = calls.iter().enumerate().find(|(_, c)| {
                c.mode == spec::CallMode::Sync && in_cycle(ComponentId::Service(c.from)) && in_cycle(c.to)
            });
            let names: Vec<&str> = members
                .iter()
                .map(|c| component_name(*c, &services, &queues, &datastores, &caches, &externals))
                .collect();
            let path = match at {
                Some((i, c)) => {
                    let pos = services[c.from.index()].calls.iter().position(|x| x.index() == i).unwrap_or(0);
                    root.field("services").index(c.from.index()).field("calls").index(pos).field("to")
                }
                None => root.field("caches"),
            };
            self.p.with_hint(
                path,
                "closes a cycle",
                format!("synchronous calls form a cycle through {}", names.join(", ")),
                "a request would wait on itself; make one call `mode: Async` or break the loop",
            );
        }
        if !self.p.is_empty() {
            return None;
        }

        let mut endpoint_ids = BTreeMap::new();
        for (i, e) in endpoints.iter().enumerate() {
            endpoint_ids.insert(e.name.clone(), EndpointId(i as u32));
        }
        Some(Topology {
            name: s.name.clone(),
            description: s.description.clone(),
            regions,
            zones,
            links,
            latency,
            network_loss: s.network.loss,
            services,
            instances,
            calls,
            queues,
            datastores,
            caches,
            externals,
            endpoints,
            names: std::mem::take(&mut self.names),
            endpoint_names: endpoint_ids,
            graph,
            node_of,
        })
    }
}

fn component_name<'a>(
    c: ComponentId,
    services: &'a [Service],
    queues: &'a [Queue],
    datastores: &'a [Datastore],
    caches: &'a [Cache],
    externals: &'a [External],
) -> &'a str {
    match c {
        ComponentId::Service(i) => &services[i.index()].name,
        ComponentId::Queue(i) => &queues[i.index()].name,
        ComponentId::Datastore(i) => &datastores[i.index()].name,
        ComponentId::Cache(i) => &caches[i.index()].name,
        ComponentId::External(i) => &externals[i.index()].name,
    }
}
