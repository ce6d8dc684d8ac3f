//! Single points of failure: a region, a zone, or a single failing unit of a component whose
//! loss alone makes an endpoint unservable.
//!
//! The failing units are the ones the availability estimate lets fail independently: one
//! instance of a service, the broker or node of a queue or cache in one zone, one node of a
//! datastore, an external as a whole. A component is a single point of failure when one of
//! its units is: a service whose every instance is needed (`instances == min_healthy`), a
//! queue with one broker, a datastore whose primary has no automatic stand-in, any external.
//! Caches never are: a cache is not required (its misses fall through to the backend).
//!
//! Each candidate is checked against every endpoint's required set, so the cost is one pass
//! over the required sets per candidate.

use crate::topology::{ComponentId, Topology, ZoneId};

use super::servability::own_up;
use super::{component_count, dense, Kind, Spof};

/// Every single point of failure, regions first, then zones, then components, each in file
/// order. Only candidates that take at least one endpoint down are listed.
pub(super) fn spofs(t: &Topology, required: &[Vec<ComponentId>]) -> Vec<Spof> {
    let n = component_count(t);
    let mut needed = vec![false; n];
    for c in required.iter().flatten() {
        needed[dense(t, *c)] = true;
    }
    let needed_list: Vec<ComponentId> = t.components().filter(|c| needed[dense(t, *c)]).collect();
    let mut out = Vec::new();
    let mut broken = vec![false; n];

    // Regions and zones: everything placed in them is down at once.
    let places = t
        .regions()
        .iter()
        .map(|r| (Kind::Region, r.name.as_str(), r.zones.clone()))
        .chain(t.zones().iter().enumerate().map(|(i, z)| (Kind::Zone, z.name.as_str(), vec![ZoneId(i as u32)])));
    for (kind, name, zones) in places {
        let mut zone_down = vec![false; t.zones().len()];
        for z in zones {
            zone_down[z.index()] = true;
        }
        broken.fill(false);
        for c in &needed_list {
            broken[dense(t, *c)] = !own_up(t, *c, &zone_down);
        }
        let takes_down = taken_down(t, required, &broken);
        if takes_down.is_empty() {
            continue;
        }
        let lost: Vec<&str> =
            needed_list.iter().filter(|c| broken[dense(t, **c)]).map(|c| t.component_name(*c)).collect();
        out.push(Spof { kind, name: name.to_owned(), reason: format!("loses {}", list_some(&lost)), takes_down });
    }

    // Components: the loss of one unit breaks at most the component itself.
    for c in t.components() {
        let Some(reason) = unit_reason(t, c) else { continue };
        broken.fill(false);
        broken[dense(t, c)] = true;
        let takes_down = taken_down(t, required, &broken);
        if takes_down.is_empty() {
            continue;
        }
        out.push(Spof { kind: Kind::of(c), name: t.component_name(c).to_owned(), reason, takes_down });
    }
    out
}

/// Names of the endpoints whose required set contains a broken component.
fn taken_down(t: &Topology, required: &[Vec<ComponentId>], broken: &[bool]) -> Vec<String> {
    required
        .iter()
        .zip(t.endpoints())
        .filter(|(req, _)| req.iter().any(|c| broken[dense(t, *c)]))
        .map(|(_, e)| e.name.clone())
        .collect()
}

/// Names joined by commas, the first few only when there are many, so a region's reason
/// stays one readable line.
fn list_some(names: &[&str]) -> String {
    const SHOWN: usize = 6;
    if names.len() > SHOWN {
        format!("{} and {} more", names[..SHOWN].join(", "), names.len() - SHOWN)
    } else {
        names.join(", ")
    }
}

/// Which single unit of `c` brings it down, or `None` if no single unit does.
fn unit_reason(t: &Topology, c: ComponentId) -> Option<String> {
    match c {
        ComponentId::Service(s) => {
            let s = t.service(s);
            let n = s.instance_count();
            match n {
                _ if n > s.min_healthy => None,
                1 => Some("its only instance".to_owned()),
                _ => Some(format!("any one of its {n} instances (min_healthy {})", s.min_healthy)),
            }
        }
        ComponentId::Queue(q) => match t.queues()[q.index()].zones.as_slice() {
            [z] => Some(format!("its only broker, in zone {}", t.zones()[z.index()].name)),
            _ => None,
        },
        ComponentId::Datastore(d) => {
            let d = &t.datastores()[d.index()];
            if d.replicas.is_empty() {
                Some("its primary, no replicas".to_owned())
            } else if !d.failover.automatic {
                Some("its primary, failover is manual".to_owned())
            } else {
                None
            }
        }
        // A cache is never required, so its loss never takes an endpoint down.
        ComponentId::Cache(_) => None,
        ComponentId::External(_) => Some("a third party with no alternative".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::topo;
    use super::super::{analyze, Kind};

    fn spofs(text: &str) -> Vec<(Kind, String, Vec<String>)> {
        analyze(&topo(text)).single_points_of_failure.into_iter().map(|s| (s.kind, s.name, s.takes_down)).collect()
    }

    #[test]
    fn one_zone_service_makes_its_zone_a_spof() {
        let got = spofs(
            r#"Topology(
            name: "t",
            regions: [
                Region(name: "r1", zones: [Zone(name: "a"), Zone(name: "b")]),
                Region(name: "r2", zones: [Zone(name: "c")]),
            ],
            services: [
                Service(name: "front", zones: ["a", "c"], service_time: Fixed("1ms"), calls: [Call(to: "back")]),
                Service(name: "back", zones: ["b"], instances: 3, service_time: Fixed("1ms")),
            ],
            endpoints: [Endpoint(name: "e", service: "front")],
        )"#,
        );
        let e = vec!["e".to_owned()];
        assert_eq!(got, [(Kind::Region, "r1".to_owned(), e.clone()), (Kind::Zone, "b".to_owned(), e)]);
    }

    #[test]
    fn services_needing_every_instance_and_lone_datastores_are_spofs() {
        let got = spofs(
            r#"Topology(
            name: "t",
            regions: [Region(name: "r", zones: [Zone(name: "a"), Zone(name: "b")])],
            services: [
                Service(name: "front", zones: ["a", "b"], instances: 2, min_healthy: 2, service_time: Fixed("1ms"), calls: [
                    Call(to: "db"), Call(to: "auto-db"), Call(to: "manual-db"),
                ]),
            ],
            datastores: [
                Datastore(name: "db", primary: "a"),
                Datastore(name: "auto-db", primary: "a", replicas: ["b"]),
                Datastore(name: "manual-db", primary: "a", replicas: ["b"], failover: (automatic: false)),
            ],
            endpoints: [Endpoint(name: "e", service: "front")],
        )"#,
        );
        let names: Vec<&str> = got.iter().map(|(_, n, _)| n.as_str()).collect();
        assert_eq!(names, ["r", "a", "b", "front", "db", "manual-db"]);
    }

    #[test]
    fn only_for_limits_what_a_spof_takes_down() {
        let got = spofs(
            r#"Topology(
            name: "t",
            regions: [Region(name: "r", zones: [Zone(name: "a"), Zone(name: "b")])],
            services: [
                Service(name: "front", zones: ["a", "b"], service_time: Fixed("1ms"), calls: [
                    Call(to: "pay", only_for: ["buy"]),
                    Call(to: "cache"),
                ]),
            ],
            caches: [Cache(name: "cache", zones: ["a"], hit_ratio: 0.9, backend: "pay")],
            externals: [External(name: "pay", latency: Fixed("1ms"))],
            endpoints: [Endpoint(name: "view", service: "front"), Endpoint(name: "buy", service: "front")],
        )"#,
        );
        // The single-zone cache (and so zone a) is not a SPOF; its backend is, for both endpoints.
        let both = vec!["view".to_owned(), "buy".to_owned()];
        assert_eq!(got, [(Kind::Region, "r".to_owned(), both.clone()), (Kind::External, "pay".to_owned(), both)]);
    }
}
