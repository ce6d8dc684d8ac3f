//! Synthetic topologies of any size, as RON text, for benchmarks and scale tests.
//!
//! The shape is a layered service mesh over three zones: layer 0 holds the endpoints'
//! entry services, and each service calls up to three services of the next layer, so
//! the call graph is acyclic by construction. The text goes through the same loader as
//! users' files, so a benchmark measures what users wait for.

use std::fmt::Write;

/// RON text of a topology with `services` services (at least 1) in layers of `width`.
pub fn layered_topology(services: usize, width: usize) -> String {
    let services = services.max(1);
    let width = width.max(1);
    let mut s = String::with_capacity(services * 400);
    s.push_str("Topology(\n  name: \"synthetic\",\n  regions: [Region(name: \"r\", zones: [Zone(name: \"a\"), Zone(name: \"b\"), Zone(name: \"c\")])],\n  services: [\n");
    for i in 0..services {
        let layer = i / width;
        let _ = write!(
            s,
            "    Service(name: \"s{i}\", zones: [\"a\", \"b\", \"c\"], instances: 3, workers: 8, \
             service_time: LogNormal(median: \"2ms\", p99: \"20ms\"), failure: (mtbf: \"30d\", mttr: \"10m\"), calls: ["
        );
        let next_start = (layer + 1) * width;
        for k in 0..3 {
            // Spread callers over the next layer so fan-in stays even.
            let target = next_start + (i * 7 + k * 13) % width;
            if target < services {
                let _ = write!(s, "Call(to: \"s{target}\", timeout: \"200ms\", retry: (max_attempts: 2)), ");
            }
        }
        s.push_str("]),\n");
    }
    s.push_str("  ],\n  endpoints: [\n");
    for e in 0..width.min(services).min(10) {
        let _ = writeln!(s, "    Endpoint(name: \"e{e}\", service: \"s{e}\", slo: (availability: 0.999)),");
    }
    s.push_str("  ],\n)\n");
    s
}

/// RON text of a topology of `components` components for the availability model (at least
/// 10): per ten, seven services (three instances over zones `a`, `b`, `c`, every other one
/// needing two), two datastores (a primary and two replicas, automatic failover) and one
/// external, every one with its own MTBF/MTTR, plus zone, region and link failures. Services
/// call two services of the next layer, a datastore and, for some, an external.
pub fn availability_topology(components: usize) -> String {
    let tens = (components / 10).max(1);
    let (services, datastores, externals) = (7 * tens, 2 * tens, tens);
    let zones = ["a", "b", "c"];
    let mut s = String::with_capacity(components * 300);
    s.push_str(
        "Topology(\n  name: \"availability-synthetic\",\n  regions: [Region(name: \"r\", failure: (mtbf: \"5y\", mttr: \"6h\"), zones: [\n    \
         Zone(name: \"a\", failure: (mtbf: \"1y\", mttr: \"2h\")), Zone(name: \"b\", failure: (mtbf: \"1y\", mttr: \"2h\")), \
         Zone(name: \"c\", failure: (mtbf: \"1y\", mttr: \"2h\"))])],\n  \
         network: (links: [Link(between: (\"a\", \"b\"), failure: (mtbf: \"180d\", mttr: \"20m\"))]),\n  services: [\n",
    );
    for j in 0..services {
        let layer = j / 10;
        let _ = write!(
            s,
            "    Service(name: \"s{j}\", zones: [\"a\", \"b\", \"c\"], instances: 3, min_healthy: {}, \
             service_time: Fixed(\"1ms\"), failure: (mtbf: \"60d\", mttr: \"20m\"), calls: [",
            1 + j % 2
        );
        for k in 0..2 {
            let target = (layer + 1) * 10 + (j * 3 + k * 7) % 10;
            if target < services {
                let _ = write!(s, "Call(to: \"s{target}\"), ");
            }
        }
        let _ = write!(s, "Call(to: \"d{}\"), ", j % datastores);
        if j % 3 == 0 {
            let _ = write!(s, "Call(to: \"x{}\", required: {}), ", j % externals, j % 2 == 0);
        }
        s.push_str("]),\n");
    }
    s.push_str("  ],\n  datastores: [\n");
    for d in 0..datastores {
        let _ = writeln!(
            s,
            "    Datastore(name: \"d{d}\", primary: \"{}\", replicas: [\"{}\", \"{}\"], \
             failover: (detection: \"15s\", promotion: \"15s\"), failure: (mtbf: \"90d\", mttr: \"1h\")),",
            zones[d % 3],
            zones[(d + 1) % 3],
            zones[(d + 2) % 3]
        );
    }
    s.push_str("  ],\n  externals: [\n");
    for x in 0..externals {
        let _ = writeln!(
            s,
            "    External(name: \"x{x}\", latency: Fixed(\"5ms\"), failure: (mtbf: \"30d\", mttr: \"15m\")),"
        );
    }
    s.push_str("  ],\n  endpoints: [\n");
    for e in 0..10.min(services) {
        let _ = writeln!(s, "    Endpoint(name: \"e{e}\", service: \"s{e}\"),");
    }
    s.push_str("  ],\n)\n");
    s
}

/// An M/M/1 queue as RON files: one server with exponential service of mean `1/mu`, Poisson
/// arrivals at `lambda` per second for `seconds`, no network latency — the textbook system
/// written the way users write theirs. Returns (topology, scenario naming `m.ron`).
pub fn mm1_files(lambda: f64, mu: f64, seconds: u64) -> (String, String) {
    let mean_ns = (1e9 / mu).round() as u64;
    let topology = format!(
        "Topology(name: \"mm1\", regions: [Region(name: \"r\", zones: [Zone(name: \"a\")])], network: (same_zone: Fixed(\"0\")), \
         services: [Service(name: \"server\", zones: [\"a\"], workers: 1, backlog: 100000000, service_time: Exp(mean: \"{mean_ns}ns\"))], \
         endpoints: [Endpoint(name: \"e\", service: \"server\")])"
    );
    let scenario = format!(
        "Scenario(name: \"mm1\", topology: \"m.ron\", duration: \"{seconds}s\", limits: (max_events: 2000000000, max_in_flight: 100000000), \
         workloads: [Workload(endpoint: \"e\", arrivals: Poisson(rate: {lambda:?}))])"
    );
    (topology, scenario)
}

/// The same M/M/1 queue as a hand-written event loop (a binary heap of (time, sequence) and a
/// ChaCha8 stream), the yardstick the engine's speed is compared with. Returns the events
/// processed and a checksum of the sojourn times, so a benchmark cannot skip the work.
pub fn handwritten_mm1(seed: u64, lambda: f64, mu: f64, customers: u64) -> (u64, u64) {
    use std::cmp::Reverse;
    use std::collections::{BinaryHeap, VecDeque};

    let mut rng = crate::rng::stream(seed, "handwritten-mm1", crate::rng::Purpose::Workload);
    let mut exp = |rate: f64| {
        let u = (rand::Rng::next_u64(&mut rng) >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        (-(1.0 - u).ln() / rate * 1e9) as u64
    };
    // Events: (time, sequence, kind) with kind 0 = arrival, 1 = departure.
    let mut heap: BinaryHeap<Reverse<(u64, u64, u8)>> = BinaryHeap::new();
    let mut waiting: VecDeque<u64> = VecDeque::new();
    let mut busy_since: Option<u64> = None;
    let (mut seq, mut events, mut arrived, mut checksum) = (0u64, 0u64, 0u64, 0u64);
    heap.push(Reverse((exp(lambda), seq, 0)));
    while let Some(Reverse((now, _, kind))) = heap.pop() {
        events += 1;
        if kind == 0 {
            arrived += 1;
            if arrived < customers {
                seq += 1;
                heap.push(Reverse((now + exp(lambda), seq, 0)));
            }
            if busy_since.is_none() {
                busy_since = Some(now);
                seq += 1;
                heap.push(Reverse((now + exp(mu), seq, 1)));
            }
            waiting.push_back(now);
        } else {
            let started = waiting.pop_front().unwrap_or(now);
            checksum = checksum.wrapping_add(now - started);
            if waiting.is_empty() {
                busy_since = None;
            } else {
                seq += 1;
                heap.push(Reverse((now + exp(mu), seq, 1)));
            }
        }
    }
    (events, checksum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_handwritten_loop_serves_every_customer_deterministically() {
        let (events, sum) = handwritten_mm1(7, 50.0, 100.0, 10_000);
        assert_eq!(events, 20_000, "an arrival and a departure per customer");
        assert_eq!(handwritten_mm1(7, 50.0, 100.0, 10_000), (events, sum));
        // The mean sojourn of M/M/1 at λ = 50, μ = 100 is 20 ms; 10,000 customers land near it.
        let mean_ms = sum as f64 / 10_000.0 / 1e6;
        assert!((mean_ms - 20.0).abs() < 3.0, "mean sojourn {mean_ms} ms");
    }

    #[test]
    fn availability_topologies_validate() {
        let text = availability_topology(100);
        let t = crate::load::parse_topology("synthetic", text.into());
        let t = t.expect("valid");
        let n = t.services().len() + t.datastores().len() + t.externals().len();
        assert_eq!(n, 100);
    }

    #[test]
    fn generated_topologies_validate() {
        for n in [1, 7, 250] {
            let text = layered_topology(n, 20);
            let t = crate::load::parse_topology("synthetic", text.into());
            assert!(t.is_ok_and(|t| t.services().len() == n), "{n} services");
        }
    }
}
