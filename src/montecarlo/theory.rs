//! Theory beside the simulation: where an endpoint's whole path is one station that fits a
//! closed form, `run` prints the analytic value next to the simulated one with its interval,
//! and whether it lies inside.
//!
//! A station fits M/M/c/K when the endpoint's entry service has one instance with `c`
//! workers and a backlog of `K − c` places (backlog 0 is Erlang B, the loss system), an
//! exponential service time, no calls of its own, no error rate, and nothing else that acts
//! on requests (rate limit, shedding, autoscaler, memory model, failure process); when only
//! open-loop Poisson workloads of constant rate, without client timeouts or retries, reach
//! it, and no other service calls it; and when the scenario has no faults or failure
//! processes. Clients have no zone, so requests reach the entry service without network
//! delay and the sojourn is the station's alone. Everything else is left to the simulation:
//! faultsim does not guess at approximations.

use serde::{Deserialize, Serialize};

use super::partial::SeedRecord;
use crate::dist::Dist;
use crate::scenario::{Arrivals, Scenario};
use crate::spec;
use crate::stats::{self, Estimate};
use crate::topology::ComponentId;

/// A station with a closed form, as the results record it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Station {
    /// Index of the endpoint.
    pub endpoint: usize,
    /// Index of its entry service.
    pub service: usize,
    /// Workers (servers), c.
    pub servers: u32,
    /// Most requests present at once, K = c + backlog.
    pub capacity: u32,
    /// Total Poisson arrival rate λ (per second).
    pub arrival_rate_per_s: f64,
    /// Service rate of one worker μ (per second).
    pub service_rate_per_s: f64,
}

/// What M/M/c/K predicts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Prediction {
    /// Fraction of arrivals that find K present and are turned away (by PASTA).
    pub blocked: f64,
    /// Mean time an admitted request spends in the station, queue and service (s).
    pub mean_sojourn_s: f64,
    /// Mean fraction of the workers busy.
    pub utilisation: f64,
}

impl Station {
    /// The queueing model's name: `M/M/c/K`, or `M/M/c/c` (Erlang B) without a backlog.
    pub fn model(&self) -> String {
        if self.capacity == self.servers {
            format!("M/M/{0}/{0} (Erlang B)", self.servers)
        } else {
            format!("M/M/{}/{}", self.servers, self.capacity)
        }
    }

    /// The stationary M/M/c/K figures (birth–death chain: p_n ∝ aⁿ/n! up to c, then
    /// aⁿ/(c!·c^(n−c)), with a = λ/μ).
    pub fn predict(&self) -> Prediction {
        let a = self.arrival_rate_per_s / self.service_rate_per_s;
        // Each p_n from the one before, so nothing overflows for large K.
        let (mut p, mut sum, mut mean_n) = (1.0_f64, 1.0_f64, 0.0_f64);
        for n in 1..=self.capacity {
            p *= a / f64::from(n.min(self.servers));
            sum += p;
            mean_n += f64::from(n) * p;
        }
        let blocked = p / sum;
        let admitted = self.arrival_rate_per_s * (1.0 - blocked);
        Prediction {
            blocked,
            mean_sojourn_s: (mean_n / sum) / admitted,
            utilisation: admitted / (f64::from(self.servers) * self.service_rate_per_s),
        }
    }
}

/// The endpoints of `scenario` whose path is one station with a closed form (see the module
/// docs), in endpoint order.
pub fn stations(scenario: &Scenario) -> Vec<Station> {
    let t = &scenario.topology;
    if !scenario.faults.is_empty() || !scenario.processes.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (e, endpoint) in t.endpoints().iter().enumerate() {
        let sid = endpoint.service;
        let s = t.service(sid);
        let Dist::Exp { mean } = s.service_time else { continue };
        let alone = s.instance_count() == 1
            && s.calls.is_empty()
            && s.error_rate == 0.0
            && s.memory.is_none()
            && s.failure.is_none()
            && s.rate_limit.is_none()
            && s.shedding.is_none()
            && s.autoscaler.is_none()
            && s.workers > 0
            && mean > 0.0;
        let called = t.calls().iter().any(|c| c.to == ComponentId::Service(sid));
        if !alone || called {
            continue;
        }
        // Every workload reaching the service, whichever endpoint it enters by.
        let reaching: Vec<_> =
            scenario.workloads.iter().filter(|w| t.endpoints()[w.endpoint.index()].service == sid).collect();
        let mut rate = 0.0;
        let poisson = !reaching.is_empty()
            && reaching.iter().all(|w| match &w.arrivals {
                Arrivals::Poisson { rate: r, profile: spec::Profile::Constant }
                    if w.timeout.is_none() && w.retry.is_none() =>
                {
                    rate += r;
                    true
                }
                _ => false,
            });
        // Two endpoints into one service share it: only the first carries the comparison.
        let first = t.endpoints().iter().position(|x| x.service == sid) == Some(e);
        if poisson && first && t.endpoints().iter().filter(|x| x.service == sid).count() == 1 {
            out.push(Station {
                endpoint: e,
                service: sid.index(),
                servers: s.workers,
                capacity: s.workers.saturating_add(s.backlog),
                arrival_rate_per_s: rate,
                service_rate_per_s: 1e9 / mean,
            });
        }
    }
    out
}

/// One quantity: its analytic value, the simulated estimate over seeds, and whether the
/// former lies inside the latter's interval.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Compared {
    /// `mean latency (s)`, `rejected fraction` or `utilisation`.
    pub quantity: String,
    /// The closed form's value.
    pub theory: f64,
    /// The mean over seeds with its Student-t interval.
    pub simulated: Estimate,
    /// Whether `theory` lies inside the interval.
    pub inside: bool,
}

/// An endpoint's station compared with its closed form.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct TheoryCheck {
    /// The endpoint.
    pub endpoint: String,
    /// Its entry service.
    pub service: String,
    /// The queueing model, e.g. `M/M/3/67`.
    pub model: String,
    /// λ (per second).
    pub arrival_rate_per_s: f64,
    /// μ of one worker (per second).
    pub service_rate_per_s: f64,
    /// The figures compared.
    pub quantities: Vec<Compared>,
}

/// Each station of `stations` compared with the seeds of `records`, at confidence `level`.
pub fn compare(
    stations: &[Station],
    endpoints: &[String],
    services: &[String],
    records: &[SeedRecord],
    level: f64,
) -> Vec<TheoryCheck> {
    stations
        .iter()
        .filter(|s| !records.is_empty() && s.endpoint < endpoints.len() && s.service < services.len())
        .map(|st| {
            let theory = st.predict();
            let per_seed =
                |f: &dyn Fn(&SeedRecord) -> Option<f64>| -> Vec<f64> { records.iter().filter_map(f).collect() };
            let latency = per_seed(&|r| {
                let e = r.endpoints.get(st.endpoint)?;
                (e.samples > 0).then(|| e.mean_ns as f64 / 1e9)
            });
            let rejected = per_seed(&|r| {
                let e = r.endpoints.get(st.endpoint)?;
                (e.requests > 0).then(|| e.failed.rejected as f64 / e.requests as f64)
            });
            let busy = per_seed(&|r| r.services.get(st.service).map(|s| s.utilisation));
            let compared = |quantity: &str, theory: f64, xs: &[f64]| {
                let simulated = stats::mean_interval(xs, level);
                // An interval of width zero (every seed rejected nothing) holds a value within
                // rounding of it.
                let slack = 1e-12 * theory.abs().max(1e-12);
                let inside = simulated.low - slack <= theory && theory <= simulated.high + slack;
                Compared { quantity: quantity.to_owned(), theory, simulated, inside }
            };
            TheoryCheck {
                endpoint: endpoints[st.endpoint].clone(),
                service: services[st.service].clone(),
                model: st.model(),
                arrival_rate_per_s: st.arrival_rate_per_s,
                service_rate_per_s: st.service_rate_per_s,
                quantities: vec![
                    compared("mean latency (s)", theory.mean_sojourn_s, &latency),
                    compared("rejected fraction", theory.blocked, &rejected),
                    compared("utilisation", theory.utilisation, &busy),
                ],
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn station(c: u32, k: u32, lambda: f64, mu: f64) -> Station {
        Station { endpoint: 0, service: 0, servers: c, capacity: k, arrival_rate_per_s: lambda, service_rate_per_s: mu }
    }

    #[test]
    fn the_closed_forms_match_the_textbook_values() {
        // Erlang B with c = 3, a = 2: B = (8/6) / (1 + 2 + 2 + 8/6) = 4/19.
        let b = station(3, 3, 2.0, 1.0).predict();
        assert!((b.blocked - 4.0 / 19.0).abs() < 1e-12, "{b:?}");
        assert!((b.mean_sojourn_s - 1.0).abs() < 1e-12, "a loss system's sojourn is the service time");
        // M/M/1 with a deep backlog: W = 1/(μ − λ), utilisation ρ.
        let m = station(1, 10_000, 50.0, 100.0).predict();
        assert!((m.mean_sojourn_s - 0.02).abs() < 1e-9 && (m.utilisation - 0.5).abs() < 1e-9, "{m:?}");
        assert!(m.blocked < 1e-300);
        assert_eq!(station(2, 5, 3.0, 1.0).model(), "M/M/2/5");
        assert_eq!(station(3, 3, 2.0, 1.0).model(), "M/M/3/3 (Erlang B)");
    }
}
