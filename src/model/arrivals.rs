//! Client arrivals: open-loop Poisson (with a time-varying rate), closed-loop clients with
//! think time, and replayed traces.
//!
//! A time-varying Poisson process is drawn by thinning: candidates come at the profile's
//! peak rate and each is kept with probability rate(t) / peak, which is exact for any
//! bounded rate function.

use crate::engine::calendar::{Calendar, Nanos};
use crate::engine::event::Event;
use crate::scenario::Arrivals;
use crate::spec::Profile;

use super::world::{unit, World};

/// The rate multiplier of a profile at time `t` (ns).
pub fn factor(profile: &Profile, t: Nanos) -> f64 {
    match *profile {
        Profile::Constant => 1.0,
        Profile::Step { at, factor } => {
            if t >= at.as_nanos() {
                factor
            } else {
                1.0
            }
        }
        Profile::Spike { at, duration, factor } => {
            if t >= at.as_nanos() && t < at.as_nanos().saturating_add(duration.as_nanos()) {
                factor
            } else {
                1.0
            }
        }
        Profile::Diurnal { period, amplitude, peak_at } => {
            let phase = (t as f64 - peak_at.as_nanos() as f64) / period.as_nanos().max(1) as f64;
            1.0 + amplitude * (2.0 * std::f64::consts::PI * phase).cos()
        }
    }
}

/// The highest multiplier a profile reaches.
fn peak(profile: &Profile) -> f64 {
    match *profile {
        Profile::Constant => 1.0,
        Profile::Step { factor, .. } | Profile::Spike { factor, .. } => factor.max(1.0),
        Profile::Diurnal { amplitude, .. } => 1.0 + amplitude,
    }
}

impl World {
    /// Schedules a workload's first arrival(s).
    pub fn first_arrival(&mut self, cal: &mut Calendar<Event>, w: u32) {
        match &self.scenario.workloads[w as usize].arrivals {
            Arrivals::Poisson { .. } => self.next_poisson(cal, 0, w),
            Arrivals::ClosedLoop { clients, .. } => {
                for c in 0..*clients {
                    // Clients start spread over one think time, not all at t = 0.
                    self.client_thinks(cal, 0, w, c);
                }
            }
            Arrivals::Trace { times } => {
                if let Some(first) = times.first() {
                    cal.schedule(first.as_nanos(), Event::Arrival { workload: w });
                }
            }
        }
    }

    /// Schedules the next open-loop candidate after `now`, thinning to the profile.
    fn next_poisson(&mut self, cal: &mut Calendar<Event>, now: Nanos, w: u32) {
        // Fields are borrowed one by one (the scenario shared, the stream mutable), so the
        // hot path clones no `Arc`.
        let scenario = &*self.scenario;
        let Arrivals::Poisson { rate, profile } = &scenario.workloads[w as usize].arrivals else { return };
        let peak_rate = rate * peak(profile);
        let end = scenario.duration.as_nanos();
        let rng = &mut self.workloads[w as usize].rng;
        let mut t = now;
        // Thinning: bounded, since a candidate is kept with probability ≥ min factor / peak.
        for _ in 0..1_000_000 {
            let gap = -unit(rng).max(f64::MIN_POSITIVE).ln() / peak_rate * 1e9;
            t = t.saturating_add(crate::dist::round_ns(gap).max(1));
            if t >= end {
                return;
            }
            if unit(rng) * peak(profile) <= factor(profile, t) {
                cal.schedule(t, Event::Arrival { workload: w });
                return;
            }
        }
    }

    /// An arrival event of workload `w`.
    pub fn arrival(&mut self, cal: &mut Calendar<Event>, now: Nanos, w: u32) {
        if self.arrivals_over {
            return;
        }
        self.client_request(cal, now, w, None);
        match &self.scenario.workloads[w as usize].arrivals {
            Arrivals::Poisson { .. } => self.next_poisson(cal, now, w),
            Arrivals::Trace { times } => {
                let state = &mut self.workloads[w as usize];
                state.next_trace += 1;
                if let Some(t) = times.get(state.next_trace) {
                    cal.schedule(t.as_nanos().max(now), Event::Arrival { workload: w });
                }
            }
            Arrivals::ClosedLoop { .. } => {}
        }
    }

    /// A closed-loop client thinks, then sends its next request.
    pub fn client_thinks(&mut self, cal: &mut Calendar<Event>, now: Nanos, w: u32, client: u32) {
        let scenario = std::sync::Arc::clone(&self.scenario);
        let Arrivals::ClosedLoop { think_time, .. } = &scenario.workloads[w as usize].arrivals else { return };
        let think = think_time.sample(&mut self.workloads[w as usize].rng);
        let at = now.saturating_add(think.max(1));
        if at < scenario.duration.as_nanos() {
            cal.schedule(at, Event::Think { workload: w, client });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::Duration;

    #[test]
    fn profiles_shape_the_rate() {
        let spike = Profile::Spike { at: Duration::from_secs(10), duration: Duration::from_secs(5), factor: 3.0 };
        assert_eq!(factor(&spike, 9_000_000_000), 1.0);
        assert_eq!(factor(&spike, 12_000_000_000), 3.0);
        assert_eq!(factor(&spike, 15_000_000_000), 1.0);
        let d = Profile::Diurnal { period: Duration::from_secs(100), amplitude: 0.5, peak_at: Duration::from_secs(25) };
        assert!((factor(&d, 25_000_000_000) - 1.5).abs() < 1e-12);
        assert!((factor(&d, 75_000_000_000) - 0.5).abs() < 1e-12);
    }
}
