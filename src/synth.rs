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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_topologies_validate() {
        for n in [1, 7, 250] {
            let text = layered_topology(n, 20);
            let t = crate::load::parse_topology("synthetic", text.into());
            assert!(t.is_ok_and(|t| t.services().len() == n), "{n} services");
        }
    }
}
