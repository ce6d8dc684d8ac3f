//! Analytic steady-state availability per endpoint, from every component's MTBF and MTTR
//! (`A = MTBF / (MTBF + MTTR)`, 1 when a component has no `failure`), assuming independent
//! failures.
//!
//! Zones and regions are common causes: one zone outage takes down every instance, broker
//! and node placed in it, so components are *not* independent unconditionally. Given the
//! up/down state of every zone and region they are, which makes the estimate exact by
//! conditioning: for each joint state of the failure domains, the endpoint's availability is
//! the product over its required set (each component once) of the component's availability
//! in that state, and the answer is the sum of those weighted by the state's probability.
//!
//! In one state, with a zone down when it or its region is down:
//! - a service is up with the probability that at least `min_healthy` of its instances in up
//!   zones are up, each with the instance availability (a binomial tail, computed exactly by
//!   dynamic programming);
//! - a queue is up unless every broker in an up zone is down: `1 − ∏(1 − A_node)`, 0 when
//!   none of its zones is up; a datastore likewise over its primary and, with automatic
//!   failover, its replicas;
//! - an external is up with its own availability, whatever the zones do.
//!
//! Only domains that can fail are enumerated. Up to [`EXACT_DOMAINS_MAX`] of them, all 2^d
//! states are; beyond that, only the states with at most two domains down, which makes every
//! result a lower bound (the missing states have probability `1 − covered_probability`).
//! Link failures are ignored: whether a cut link matters depends on which instance a call
//! reaches, which is the simulator's business.

use std::collections::BTreeMap;

use crate::topology::{ComponentId, FailureModel, Topology, ZoneId};

use super::{component_count, dense, Availability, EndpointAvailability};

/// Most failure domains (zones and regions that can fail) enumerated exactly: 4,096 states.
const EXACT_DOMAINS_MAX: usize = 12;

/// Minutes in a 365-day year.
const MINUTES_PER_YEAR: f64 = 525_600.0;

/// Above this many steps (trials × tracked counts) a binomial tail is summed in log space
/// instead of by dynamic programming.
const DP_STEPS_MAX: u64 = 20_000_000;

/// How a required component's availability depends on the zones. Components with equal
/// units (same placement, `min_healthy` and node availability) always have equal
/// availability, so each distinct unit is evaluated once per state. Availabilities are kept
/// as bits so that units can be ordered and compared exactly.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Unit {
    /// Needs `k` up instances; `counts` says how many instances each zone holds.
    Service { counts: Vec<(ZoneId, u32)>, k: u32, a_bits: u64 },
    /// Up while one of its nodes (one per listed zone, sorted) is up.
    Nodes { zones: Vec<ZoneId>, a_bits: u64 },
    /// Independent of the zones.
    Fixed { a_bits: u64 },
}

impl Unit {
    fn of(t: &Topology, c: ComponentId) -> Unit {
        let bits = |f: &Option<FailureModel>| f.as_ref().map_or(1.0, |f| f.availability()).to_bits();
        let nodes = |mut zones: Vec<ZoneId>, a_bits| {
            zones.sort();
            Unit::Nodes { zones, a_bits }
        };
        match c {
            ComponentId::Service(id) => {
                let s = t.service(id);
                let mut counts: BTreeMap<ZoneId, u32> = BTreeMap::new();
                for i in s.instance_ids() {
                    *counts.entry(t.instances()[i.index()].zone).or_default() += 1;
                }
                Unit::Service { counts: counts.into_iter().collect(), k: s.min_healthy, a_bits: bits(&s.failure) }
            }
            ComponentId::Queue(id) => {
                let q = &t.queues()[id.index()];
                nodes(q.zones.clone(), bits(&q.failure))
            }
            ComponentId::Cache(id) => {
                let k = &t.caches()[id.index()];
                nodes(k.zones.clone(), bits(&k.failure))
            }
            ComponentId::Datastore(id) => {
                let d = &t.datastores()[id.index()];
                let mut zones = vec![d.primary];
                if d.failover.automatic {
                    zones.extend(&d.replicas);
                }
                nodes(zones, bits(&d.failure))
            }
            ComponentId::External(id) => Unit::Fixed { a_bits: bits(&t.externals()[id.index()].failure) },
        }
    }

    /// The zones whose outage changes this unit's availability.
    fn zones(&self) -> Vec<ZoneId> {
        let mut zones: Vec<ZoneId> = match self {
            Unit::Service { counts, .. } => counts.iter().map(|(z, _)| *z).collect(),
            Unit::Nodes { zones, .. } => zones.clone(),
            Unit::Fixed { .. } => Vec::new(),
        };
        zones.dedup();
        zones
    }

    /// Availability given which zones are down; `tails` caches a service's binomial tail by
    /// the number of its instances in up zones.
    fn availability(&self, zone_down: &[bool], tails: &mut [Option<f64>]) -> f64 {
        match self {
            Unit::Service { counts, k, a_bits } => {
                let m: u32 = counts.iter().filter(|(z, _)| !zone_down[z.index()]).map(|(_, n)| n).sum();
                match tails.get_mut(m as usize) {
                    Some(Some(tail)) => *tail,
                    Some(slot) => *slot.insert(at_least(*k, m, f64::from_bits(*a_bits))),
                    None => at_least(*k, m, f64::from_bits(*a_bits)),
                }
            }
            Unit::Nodes { zones, a_bits } => {
                let up = zones.iter().filter(|z| !zone_down[z.index()]).count();
                if up == 0 {
                    0.0
                } else {
                    1.0 - (1.0 - f64::from_bits(*a_bits)).powi(i32::try_from(up).unwrap_or(i32::MAX))
                }
            }
            Unit::Fixed { a_bits } => f64::from_bits(*a_bits),
        }
    }
}

/// An endpoint's availability in one state: the product over its distinct units, each to
/// the power of how many of its required components share it.
fn product(needs: &[(usize, i32)], value: &[f64]) -> f64 {
    needs.iter().map(|&(u, times)| value[u].powi(times)).product()
}

/// The analytic availability of every endpoint. See the module docs.
pub(super) fn availability(t: &Topology, required: &[Vec<ComponentId>]) -> Availability {
    // Failure domains: zones, then regions, that can fail.
    let mut domains: Vec<(Vec<ZoneId>, f64)> = Vec::new();
    for (i, z) in t.zones().iter().enumerate() {
        if let Some(a) = z.failure.map(|f| f.availability()).filter(|a| *a < 1.0) {
            domains.push((vec![ZoneId(i as u32)], a));
        }
    }
    for r in t.regions() {
        if let Some(a) = r.failure.map(|f| f.availability()).filter(|a| *a < 1.0) {
            domains.push((r.zones.clone(), a));
        }
    }
    let approximate = domains.len() > EXACT_DOMAINS_MAX;

    // Distinct units of the required components, and per endpoint its units with counts.
    let mut units: Vec<Unit> = Vec::new();
    let mut unit_index: BTreeMap<Unit, usize> = BTreeMap::new();
    let mut unit_of_component: Vec<Option<usize>> = vec![None; component_count(t)];
    let needs: Vec<Vec<(usize, i32)>> = required
        .iter()
        .map(|req| {
            let mut times: BTreeMap<usize, i32> = BTreeMap::new();
            for c in req {
                let slot = &mut unit_of_component[dense(t, *c)];
                let u = *slot.get_or_insert_with(|| {
                    let unit = Unit::of(t, *c);
                    let next = units.len();
                    *unit_index.entry(unit).or_insert_with_key(|unit| {
                        units.push(unit.clone());
                        next
                    })
                });
                *times.entry(u).or_default() += 1;
            }
            times.into_iter().collect()
        })
        .collect();
    let mut tails: Vec<Vec<Option<f64>>> = units
        .iter()
        .map(|u| match u {
            Unit::Service { counts, .. } => vec![None; counts.iter().map(|(_, n)| *n as usize).sum::<usize>() + 1],
            _ => Vec::new(),
        })
        .collect();
    let mut by_zone: Vec<Vec<usize>> = vec![Vec::new(); t.zones().len()];
    for (i, unit) in units.iter().enumerate() {
        for z in unit.zones() {
            by_zone[z.index()].push(i);
        }
    }
    let all_up = vec![false; t.zones().len()];
    let baseline: Vec<f64> =
        units.iter().zip(tails.iter_mut()).map(|(u, tails)| u.availability(&all_up, tails)).collect();
    let baseline_product: Vec<f64> = needs.iter().map(|n| product(n, &baseline)).collect();

    let mut sums = vec![0.0; required.len()];
    let mut covered = 0.0;
    let mut states = 0u64;
    let mut zone_down = vec![false; t.zones().len()];
    let mut value = baseline.clone();
    let mut touched = vec![false; units.len()];
    let mut touched_list = Vec::new();
    let mut on_state = |down: &[usize]| {
        states += 1;
        let mut p = 1.0;
        zone_down.fill(false);
        let mut k = 0;
        for (i, (zones, a)) in domains.iter().enumerate() {
            if down.get(k) == Some(&i) {
                k += 1;
                p *= 1.0 - a;
                for z in zones {
                    zone_down[z.index()] = true;
                }
            } else {
                p *= a;
            }
        }
        covered += p;
        // Only units with a node in a down zone differ from the all-up state.
        for (z, _) in zone_down.iter().enumerate().filter(|(_, down)| **down) {
            for &u in &by_zone[z] {
                if !touched[u] {
                    touched[u] = true;
                    touched_list.push(u);
                    value[u] = units[u].availability(&zone_down, &mut tails[u]);
                }
            }
        }
        for ((sum, need), base) in sums.iter_mut().zip(&needs).zip(&baseline_product) {
            let a = if need.iter().any(|(u, _)| touched[*u]) { product(need, &value) } else { *base };
            *sum += p * a;
        }
        for u in touched_list.drain(..) {
            touched[u] = false;
            value[u] = baseline[u];
        }
    };
    let d = domains.len();
    if approximate {
        on_state(&[]);
        for i in 0..d {
            on_state(&[i]);
        }
        for i in 0..d {
            for j in i + 1..d {
                on_state(&[i, j]);
            }
        }
    } else {
        let mut down = Vec::with_capacity(d);
        for mask in 0..1u32 << d {
            down.clear();
            down.extend((0..d).filter(|i| mask & (1 << i) != 0));
            on_state(&down);
        }
    }

    let endpoints = t
        .endpoints()
        .iter()
        .zip(sums)
        .enumerate()
        .map(|(i, (e, a))| {
            let a = a.clamp(0.0, 1.0);
            // Nothing to restore when nothing can fail.
            let leaves_out = if a < 1.0 { left_out(t, crate::topology::EndpointId(i as u32)) } else { Vec::new() };
            EndpointAvailability {
                endpoint: e.name.clone(),
                availability: a,
                nines: (a < 1.0).then(|| -(1.0 - a).log10()),
                downtime_minutes_per_year: MINUTES_PER_YEAR * (1.0 - a),
                upper_bound: !leaves_out.is_empty() && !approximate,
                leaves_out,
            }
        })
        .collect();
    Availability { failure_domains: d, states, approximate, covered_probability: covered.min(1.0), endpoints }
}

/// The time to notice and restore that the static formula leaves out for an endpoint: a
/// datastore with automatic failover is counted up while a replica is, but each loss of its
/// primary costs its detection and promotion time; an instance behind a health check keeps
/// receiving requests until enough checks fail. The simulation (`faultsim run`,
/// `faultsim availability`) includes both.
fn left_out(t: &Topology, e: crate::topology::EndpointId) -> Vec<String> {
    let (mut failovers, mut checks) = (Vec::new(), Vec::new());
    for c in super::servability::required(t, e) {
        match c {
            ComponentId::Datastore(d) => {
                let d = &t.datastores()[d.index()];
                if !d.replicas.is_empty() && d.failover.automatic {
                    failovers.push(format!("{} ({} + {})", d.name, d.failover.detection, d.failover.promotion));
                }
            }
            ComponentId::Service(s) => {
                let s = &t.services()[s.index()];
                if let Some(hc) = &s.load_balancer.health_check {
                    checks.push(format!("{} ({} × {})", s.name, hc.unhealthy_after, hc.interval));
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    if !failovers.is_empty() {
        out.push(format!("failover detection + promotion per primary loss of {}", failovers.join(", ")));
    }
    if !checks.is_empty() {
        out.push(format!(
            "health-check detection (failed checks × interval) per lost instance of {}",
            checks.join(", ")
        ));
    }
    out
}

/// P(at least `k` of `m` independent trials succeed), each with probability `p`.
fn at_least(k: u32, m: u32, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if m < k {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    if p <= 0.0 {
        return 0.0;
    }
    // Count whichever side is shorter: at most k − 1 successes (the complement), or at most
    // m − k failures (the answer itself).
    let (fewer_successes, cap) = if k - 1 <= m - k { (true, k - 1) } else { (false, m - k) };
    let r = if fewer_successes { p } else { 1.0 - p };
    let at_most = if u64::from(m) * u64::from(cap + 1) <= DP_STEPS_MAX {
        binomial_cdf_dp(m, cap, r)
    } else {
        binomial_cdf_log(m, cap, r)
    };
    let answer = if fewer_successes { 1.0 - at_most } else { at_most };
    answer.clamp(0.0, 1.0)
}

/// P(at most `cap` events in `m` trials of probability `r`), by the Poisson-binomial
/// recurrence over trials (exact up to rounding; mass beyond `cap` is dropped).
fn binomial_cdf_dp(m: u32, cap: u32, r: f64) -> f64 {
    let mut dp = vec![0.0; cap as usize + 1];
    dp[0] = 1.0;
    for _ in 0..m {
        for j in (1..dp.len()).rev() {
            dp[j] = dp[j] * (1.0 - r) + dp[j - 1] * r;
        }
        dp[0] *= 1.0 - r;
    }
    dp.iter().sum()
}

/// P(at most `cap` events in `m` trials of probability `r`), summing the probability mass
/// function in log space; for instance counts too large for [`binomial_cdf_dp`].
fn binomial_cdf_log(m: u32, cap: u32, r: f64) -> f64 {
    let (ln_r, ln_q) = (r.ln(), (1.0 - r).ln());
    (0..=cap)
        .map(|j| {
            let ln_choose = statrs::function::factorial::ln_binomial(u64::from(m), u64::from(j));
            (ln_choose + f64::from(j) * ln_r + f64::from(m - j) * ln_q).exp()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::super::analyze;
    use super::super::tests::topo;
    use super::*;

    /// MTBF/MTTR giving availability `a` exactly enough: MTTR 1h, MTBF chosen to match.
    fn failure(a_per_mille: u64) -> String {
        format!("(mtbf: \"{}h\", mttr: \"{}h\")", a_per_mille, 1000 - a_per_mille)
    }

    fn a_of(per_mille: u64) -> f64 {
        let h = 3_600_000_000_000_f64;
        let (up, down) = (per_mille as f64 * h, (1000 - per_mille) as f64 * h);
        up / (up + down)
    }

    fn endpoint_availability(text: &str) -> f64 {
        analyze(&topo(text)).availability.endpoints[0].availability
    }

    fn close(got: f64, want: f64) {
        assert!((got - want).abs() < 1e-12, "got {got}, want {want}");
    }

    #[test]
    fn series_chain_is_the_product() {
        let text = format!(
            r#"Topology(name: "t", regions: [Region(name: "r", zones: [Zone(name: "a")])],
            services: [
                Service(name: "s1", zones: ["a"], service_time: Fixed("1ms"), failure: {}, calls: [Call(to: "s2")]),
                Service(name: "s2", zones: ["a"], service_time: Fixed("1ms"), failure: {}, calls: [Call(to: "s3")]),
                Service(name: "s3", zones: ["a"], service_time: Fixed("1ms"), failure: {}),
            ],
            endpoints: [Endpoint(name: "e", service: "s1")])"#,
            failure(990),
            failure(995),
            failure(999)
        );
        close(endpoint_availability(&text), a_of(990) * a_of(995) * a_of(999));
    }

    #[test]
    fn k_of_n_matches_the_binomial_sum() {
        for (n, k) in [(3u32, 1u32), (3, 2), (3, 3), (5, 3), (7, 4)] {
            let text = format!(
                r#"Topology(name: "t", regions: [Region(name: "r", zones: [Zone(name: "a")])],
                services: [Service(name: "s", zones: ["a"], instances: {n}, min_healthy: {k}, service_time: Fixed("1ms"), failure: {})],
                endpoints: [Endpoint(name: "e", service: "s")])"#,
                failure(900)
            );
            let a = a_of(900);
            let choose = |n: u32, i: u32| (0..i).fold(1.0, |acc, j| acc * f64::from(n - j) / f64::from(j + 1));
            let want: f64 = (k..=n).map(|i| choose(n, i) * a.powi(i as i32) * (1.0 - a).powi((n - i) as i32)).sum();
            close(endpoint_availability(&text), want);
            if k == 1 {
                close(endpoint_availability(&text), 1.0 - (1.0 - a).powi(n as i32));
            }
        }
    }

    #[test]
    fn three_zone_placement_and_single_zone_placement() {
        let (az, ai) = (a_of(990), a_of(950));
        let spread = format!(
            r#"Topology(name: "t", regions: [Region(name: "r", zones: [
                Zone(name: "a", failure: {z}), Zone(name: "b", failure: {z}), Zone(name: "c", failure: {z})])],
            services: [Service(name: "s", zones: ["a", "b", "c"], service_time: Fixed("1ms"), failure: {i})],
            endpoints: [Endpoint(name: "e", service: "s")])"#,
            z = failure(990),
            i = failure(950)
        );
        close(endpoint_availability(&spread), 1.0 - (1.0 - az * ai).powi(3));
        let single = spread.replace(r#"zones: ["a", "b", "c"]"#, r#"zones: ["a"], instances: 3"#);
        close(endpoint_availability(&single), az * (1.0 - (1.0 - ai).powi(3)));
    }

    #[test]
    fn region_outages_are_common_causes() {
        let (ar, az) = (a_of(999), a_of(990));
        let text = format!(
            r#"Topology(name: "t", regions: [
                Region(name: "r1", failure: {r}, zones: [Zone(name: "a", failure: {z}), Zone(name: "b", failure: {z})]),
                Region(name: "r2", failure: {r}, zones: [Zone(name: "c", failure: {z})]),
            ],
            services: [Service(name: "s", zones: ["a", "b", "c"], service_time: Fixed("1ms"))],
            endpoints: [Endpoint(name: "e", service: "s")])"#,
            r = failure(999),
            z = failure(990)
        );
        // Region 1 serves when it is up and one of its two zones is.
        let r1 = ar * (1.0 - (1.0 - az).powi(2));
        let r2 = ar * az;
        close(endpoint_availability(&text), 1.0 - (1.0 - r1) * (1.0 - r2));
        let a = analyze(&topo(&text)).availability;
        assert_eq!((a.failure_domains, a.states, a.approximate), (5, 32, false));
    }

    #[test]
    fn queues_datastores_and_externals() {
        let text = format!(
            r#"Topology(name: "t", regions: [Region(name: "r", zones: [Zone(name: "a", failure: {z}), Zone(name: "b")])],
            services: [Service(name: "s", zones: ["b"], service_time: Fixed("1ms"), calls: [
                Call(to: "q", mode: Async), Call(to: "db"), Call(to: "manual"), Call(to: "x"), Call(to: "opt", required: false),
            ])],
            queues: [Queue(name: "q", zones: ["a", "b"], capacity: 10, consumer: "s", failure: {n})],
            datastores: [
                Datastore(name: "db", primary: "a", replicas: ["b"], failure: {n}),
                Datastore(name: "manual", primary: "b", replicas: ["a"], failover: (automatic: false), failure: {n}),
            ],
            externals: [External(name: "x", latency: Fixed("1ms"), failure: {x}), External(name: "opt", latency: Fixed("1ms"), failure: {x})],
            endpoints: [Endpoint(name: "e", service: "s")])"#,
            z = failure(900),
            n = failure(980),
            x = failure(995)
        );
        let (az, an, ax) = (a_of(900), a_of(980), a_of(995));
        let two_nodes = 1.0 - (1.0 - an).powi(2);
        // Zone a up: q and db have two nodes; down: one each. `manual` is its primary only.
        let want = (az * two_nodes * two_nodes + (1.0 - az) * an * an) * an * ax;
        close(endpoint_availability(&text), want);
    }

    #[test]
    fn many_failure_domains_are_approximated_as_a_lower_bound() {
        let zones: Vec<String> = (0..14).map(|i| format!("Zone(name: \"z{i}\", failure: {})", failure(990))).collect();
        let names: Vec<String> = (0..14).map(|i| format!("\"z{i}\"")).collect();
        let text = format!(
            r#"Topology(name: "t", regions: [Region(name: "r", zones: [{}])],
            services: [Service(name: "s", zones: [{}], instances: 14, min_healthy: 13, service_time: Fixed("1ms"))],
            endpoints: [Endpoint(name: "e", service: "s")])"#,
            zones.join(", "),
            names.join(", ")
        );
        let analysis = analyze(&topo(&text));
        assert!(analysis.to_text().contains("approximate"));
        let a = analysis.availability;
        assert!(a.approximate);
        assert_eq!(a.states, 1 + 14 + 14 * 13 / 2);
        // At most one zone may be down: every enumerated state with one down counts fully.
        let az = a_of(990);
        let want = az.powi(14) + 14.0 * (1.0 - az) * az.powi(13);
        close(a.endpoints[0].availability, want);
        let q = 1.0 - az;
        close(a.covered_probability, az.powi(14) + 14.0 * q * az.powi(13) + 91.0 * q * q * az.powi(12));
    }

    #[test]
    fn binomial_tails_agree_between_methods() {
        for (m, cap, r) in [(10u32, 3u32, 0.2), (1000, 40, 0.03), (200, 199, 0.5)] {
            let (dp, log) = (binomial_cdf_dp(m, cap, r), binomial_cdf_log(m, cap, r));
            assert!((dp - log).abs() < 1e-10, "{m} {cap} {r}: {dp} vs {log}");
        }
        assert_eq!(at_least(3, 2, 0.9), 0.0);
        assert_eq!(at_least(1, 4, 1.0), 1.0);
        // A huge service still answers quickly.
        let a = at_least(60_000, 100_000, 0.6001);
        assert!(a > 0.4 && a < 0.6, "{a}");
    }
}
