//! Choosing the station that gets an attempt: load-balancing policies for services, and
//! the obvious choice for other components.
//!
//! The balancer only knows what it can know: without health checks every instance stays
//! in rotation, crashed or not, and callers find out by failing; with them, instances
//! leave and rejoin rotation after consecutive failed and passed checks. Pinned
//! connections (gRPC) notice a dead peer at once and reconnect to a random live instance.

use crate::spec::Policy;
use crate::topology::{ComponentId, ZoneId};

use super::world::{unit, World, UNLIMITED};

/// The station for an attempt at `target` from station `from` (`None`: a client), or
/// `None` if no station is usable; `write` sends datastore calls to the primary.
pub fn pick_station(w: &mut World, target: ComponentId, from: Option<u32>, write: bool) -> Option<u32> {
    let from_zone = from.and_then(|s| w.stations[s as usize].zone);
    match target {
        ComponentId::Service(s) => pick_instance(w, s.index(), from, from_zone),
        ComponentId::Datastore(d) => Some(w.datastore_station(d.index(), write, from_zone)),
        ComponentId::External(_) => Some(w.stations_of(target).start),
        ComponentId::Cache(_) | ComponentId::Queue(_) => {
            // Nodes per zone: prefer the caller's zone, else the first node that is up.
            let range = w.stations_of(target);
            let local =
                range.clone().find(|&i| w.stations[i as usize].zone == from_zone && !w.stations[i as usize].down);
            local.or_else(|| range.clone().find(|&i| !w.stations[i as usize].down)).or(Some(range.start))
        }
    }
}

/// Whether `station` (an instance of service `s`) is in rotation for a caller at `from`:
/// in the shared rotation and not cut off by that caller's own checks (a partition).
fn in_rotation(w: &World, s: usize, from: Option<u32>, station: u32) -> bool {
    w.stations[station as usize].in_rotation && !w.health.cut_off(w, s, from, station)
}

/// Outstanding work at a station (waiting plus working).
fn load(w: &World, station: u32) -> usize {
    w.stations[station as usize].present.len()
}

/// The round-robin cursor of caller `from` for service `s` (clients share the service's).
fn cursor(w: &mut World, from: Option<u32>, s: usize, n: u32) -> &mut u32 {
    let Some(station) = from else { return &mut w.service_states[s].cursor };
    let cursors = &mut w.stations[station as usize].cursors;
    let i = match cursors.iter().position(|(svc, _)| *svc == s as u32) {
        Some(i) => i,
        None => {
            // Callers start at different instances so they do not all hit the first one.
            cursors.push((s as u32, station % n.max(1)));
            cursors.len() - 1
        }
    };
    &mut cursors[i].1
}

fn pick_instance(w: &mut World, s: usize, from: Option<u32>, from_zone: Option<ZoneId>) -> Option<u32> {
    let range = w.service_states[s].stations.clone();
    let n = range.end - range.start;
    if n == 0 {
        return None;
    }
    // A copy of the policy (plain data, no allocation), so `w` is free to change below.
    let policy = w.scenario.topology.services()[s].load_balancer.policy.clone();
    if n == 1 && matches!(policy, Policy::RoundRobin | Policy::LeastOutstanding | Policy::ZoneAffinity { .. }) {
        // One instance: these policies all pick it if it is in rotation, and their cursors
        // (always 0 modulo 1) need no update.
        return in_rotation(w, s, from, range.start).then_some(range.start);
    }
    match policy {
        Policy::RoundRobin => round_robin(w, s, from, |_| true),
        Policy::Random => {
            let start = (unit(&mut w.service_states[s].rng_route) * f64::from(n)) as u32 % n;
            (0..n).map(|k| range.start + (start + k) % n).find(|&i| in_rotation(w, s, from, i))
        }
        Policy::LeastOutstanding => {
            // Ties go round-robin so equal instances share the load.
            let c = cursor(w, from, s, n);
            let start = *c % n;
            *c = (start + 1) % n;
            (0..n)
                .map(|k| range.start + (start + k) % n)
                .filter(|&i| in_rotation(w, s, from, i))
                .min_by_key(|&i| load(w, i))
        }
        Policy::PowerOfTwo => {
            let live: u32 = (0..n).filter(|&k| in_rotation(w, s, from, range.start + k)).count() as u32;
            if live == 0 {
                return None;
            }
            let rng = &mut w.service_states[s].rng_route;
            let a = (unit(rng) * f64::from(live)) as u32 % live;
            let b = (unit(rng) * f64::from(live)) as u32 % live;
            let nth = |k: u32| (0..n).map(|j| range.start + j).filter(|&i| in_rotation(w, s, from, i)).nth(k as usize);
            let (a, b) = (nth(a)?, nth(b)?);
            Some(if load(w, b) < load(w, a) { b } else { a })
        }
        Policy::ZoneAffinity { spill_over } => {
            let (local, busy, workers) = (0..n)
                .map(|k| range.start + k)
                .filter(|&i| in_rotation(w, s, from, i) && w.stations[i as usize].zone == from_zone)
                .fold((0u32, 0u64, 0u64), |(n, b, c), i| {
                    let st = &w.stations[i as usize];
                    (n + 1, b + u64::from(st.busy), c + u64::from(st.effective_workers().min(UNLIMITED - 1)))
                });
            let hot = workers == 0 || busy as f64 >= spill_over * workers as f64;
            if local == 0 || hot {
                round_robin(w, s, from, |_| true)
            } else {
                round_robin(w, s, from, |z| z == from_zone)
            }
        }
        Policy::Pinned { hot, .. } => {
            let conns = w.service_states[s].connections.len() as u32;
            if conns == 0 {
                return None;
            }
            let c = match hot {
                // One draw picks the connection: below `share` among the hot ones, above it
                // among the others, uniformly within each group.
                Some(h) => {
                    let u = unit(&mut w.service_states[s].rng_route);
                    let (hot_n, cold_n) = (f64::from(h.connections), f64::from(conns - h.connections));
                    let c = if u < h.share {
                        (u / h.share * hot_n) as u32
                    } else {
                        h.connections + ((u - h.share) / (1.0 - h.share) * cold_n) as u32
                    };
                    c.min(conns - 1)
                }
                None => {
                    let c = w.service_states[s].cursor % conns;
                    w.service_states[s].cursor = (c + 1) % conns;
                    c
                }
            };
            let pinned = w.service_states[s].connections[c as usize];
            if in_rotation(w, s, from, pinned) && !w.stations[pinned as usize].down {
                return Some(pinned);
            }
            // The connection broke: reconnect to a random live instance, which then carries it.
            let live: Vec<u32> = (0..n)
                .map(|k| range.start + k)
                .filter(|&i| in_rotation(w, s, from, i) && !w.stations[i as usize].down)
                .collect();
            if live.is_empty() {
                return None;
            }
            let pick = live[(unit(&mut w.service_states[s].rng_route) * live.len() as f64) as usize % live.len()];
            w.service_states[s].connections[c as usize] = pick;
            Some(pick)
        }
    }
}

/// The next instance in rotation (and in a zone accepted by `zone_ok`) after the cursor.
fn round_robin(w: &mut World, s: usize, from: Option<u32>, zone_ok: impl Fn(Option<ZoneId>) -> bool) -> Option<u32> {
    let range = w.service_states[s].stations.clone();
    let n = range.end - range.start;
    let start = *cursor(w, from, s, n) % n.max(1);
    for k in 0..n {
        let i = range.start + (start + k) % n;
        if in_rotation(w, s, from, i) && zone_ok(w.stations[i as usize].zone) {
            *cursor(w, from, s, n) = (start + k + 1) % n;
            return Some(i);
        }
    }
    None
}
