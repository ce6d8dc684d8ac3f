//! Horizontal autoscaling on average utilisation, as a Kubernetes HorizontalPodAutoscaler
//! does it.
//!
//! Every `interval` the scaler measures the mean utilisation (busy workers / workers) of
//! the ready instances over the interval just past and wants
//! `desired = ceil(ready × utilisation / target)` instances, within `[min, max]`. Like the
//! HPA it leaves the count alone when utilisation is within 10% of the target (its default
//! tolerance), and it decides nothing without a ready instance to measure. New instances
//! serve `provisioning_delay` after the decision, registering with the load balancer when
//! ready; pinned connections stay where they are, so new instances only get connections
//! that break. Scale-in takes the newest instances out of rotation at once and stops each
//! once it has no request left (checked at the following evaluations), so no request is
//! lost to a scale-in.
//!
//! With `target_memory` the scaler also reads each ready instance's memory at the decision
//! (used / limit, as metrics-server reports working-set memory) and wants
//! `ceil(ready × mean memory / target_memory)`; with both targets the larger count wins,
//! each with its own tolerance, as the HPA does with several metrics. Memory counts what a
//! pod holds, so a scaler on memory sees hot pods that an average of CPU hides.
//!
//! A service with an autoscaler has a station for each of its `max` instances from the
//! start; those not provisioned are down and out of rotation.

use crate::engine::calendar::{Calendar, Nanos};
use crate::engine::event::Event;
use crate::metrics::infra::ScaleChange;

use super::super::world::World;

/// The HPA's default tolerance: no change while |utilisation / target − 1| ≤ this.
pub const TOLERANCE: f64 = 0.1;

/// One service's scaler.
#[derive(Clone, Debug)]
pub struct Scaler {
    /// Cumulative busy worker time of each station (by position in the service's range)
    /// at the last evaluation.
    pub last_busy: Vec<u128>,
    /// The last desired count.
    pub desired: u32,
}

impl World {
    /// Schedules the first evaluation of every autoscaler and records the starting counts.
    pub(super) fn schedule_autoscalers(&mut self, cal: &mut Calendar<Event>) {
        let t = std::sync::Arc::clone(self.topology());
        for (si, svc) in t.services().iter().enumerate() {
            if let Some(a) = &svc.autoscaler {
                cal.schedule(a.interval.as_nanos(), Event::Autoscale { service: si as u32 });
                let n = svc.instance_count();
                self.metrics.scaling.push(ScaleChange { time_ns: 0, service: si as u32, desired: n, serving: n });
            }
        }
    }

    /// Instances of a service provisioned and not being removed (pending ones included).
    fn scaled_count(&self, service: usize) -> (u32, u32) {
        let range = self.service_states[service].stations.clone();
        let (mut current, mut serving) = (0, 0);
        for s in range {
            let n = &self.infra.nodes[s as usize];
            if (!n.unprovisioned || n.pending) && !n.draining {
                current += 1;
                serving += u32::from(!n.pending);
            }
        }
        (current, serving)
    }

    fn record_scale(&mut self, now: Nanos, service: usize) {
        let (_, serving) = self.scaled_count(service);
        let desired = self.infra.scalers[service].as_ref().map_or(serving, |s| s.desired);
        let row = ScaleChange { time_ns: now, service: service as u32, desired, serving };
        let last = self.metrics.scaling.iter_mut().rev().find(|c| c.service == service as u32);
        match last {
            // Several changes at one instant make one row.
            Some(c) if c.time_ns == now => *c = row,
            Some(c) if c.serving == serving && c.desired == desired => {}
            _ => self.metrics.scaling.push(row),
        }
    }

    /// One evaluation of a service's autoscaler; the next is scheduled.
    pub fn autoscale(&mut self, cal: &mut Calendar<Event>, now: Nanos, service: u32) {
        let si = service as usize;
        let t = std::sync::Arc::clone(self.topology());
        let svc = t.service(crate::topology::ServiceId(service));
        let Some(a) = svc.autoscaler.as_ref() else { return };
        let range = self.service_states[si].stations.clone();
        // Instances drained empty since the last evaluation stop now.
        let mut stopped = false;
        for s in range.clone() {
            let n = &mut self.infra.nodes[s as usize];
            if n.draining && self.stations[s as usize].present.is_empty() {
                n.draining = false;
                n.unprovisioned = true;
                stopped = true;
            }
        }
        if stopped {
            self.apply_faults(cal, now);
        }
        // Busy worker time and memory held (bytes, when the scaler reads memory) of the
        // ready instances.
        let (mut busy, mut ready, mut used) = (0u128, 0u32, 0u64);
        for (k, s) in range.clone().enumerate() {
            self.account_busy(s, now);
            let total = self.stations[s as usize].busy_total;
            let n = &self.infra.nodes[s as usize];
            let is_ready = !n.unprovisioned && !n.pending && !n.draining && !self.stations[s as usize].down;
            if is_ready && a.target_memory.is_some() {
                used += self.memory_bytes(s, now).unwrap_or(0);
            }
            if let Some(sc) = self.infra.scalers[si].as_mut() {
                if is_ready {
                    busy += total.saturating_sub(sc.last_busy[k]);
                    ready += 1;
                }
                sc.last_busy[k] = total;
            }
        }
        cal.schedule(now.saturating_add(a.interval.as_nanos()), Event::Autoscale { service });
        let (current, _) = self.scaled_count(si);
        let capacity = u128::from(ready) * u128::from(svc.workers) * u128::from(a.interval.as_nanos());
        if ready == 0 || capacity == 0 {
            self.record_scale(now, si);
            return;
        }
        // What one metric wants: the count that brings it to its target, or the current
        // count within the tolerance.
        let wanted = |ratio: f64| {
            if (ratio - 1.0).abs() <= TOLERANCE {
                current
            } else {
                (f64::from(ready) * ratio - 1e-9).ceil().max(0.0) as u32
            }
        };
        let cpu = a.target_utilisation.map(|target| wanted(busy as f64 / capacity as f64 / target));
        let memory = a
            .target_memory
            .zip(svc.memory.as_ref())
            .map(|(target, m)| wanted(used as f64 / f64::from(ready) / m.limit.0 as f64 / target));
        let desired = cpu.into_iter().chain(memory).max().unwrap_or(current).clamp(a.min, a.max);
        if let Some(sc) = self.infra.scalers[si].as_mut() {
            sc.desired = desired;
        }
        if desired > current {
            let mut need = desired - current;
            for s in range.clone() {
                if need == 0 {
                    break;
                }
                let n = &mut self.infra.nodes[s as usize];
                if n.unprovisioned && !n.pending {
                    n.pending = true;
                    need -= 1;
                    cal.schedule(
                        now.saturating_add(a.provisioning_delay.as_nanos()),
                        Event::Provisioned { station: s },
                    );
                }
            }
        } else if desired < current {
            let mut excess = current - desired;
            for s in range.rev() {
                if excess == 0 {
                    break;
                }
                let n = &mut self.infra.nodes[s as usize];
                if !n.unprovisioned && !n.pending && !n.draining {
                    n.draining = true;
                    self.stations[s as usize].in_rotation = false;
                    excess -= 1;
                }
            }
        }
        self.record_scale(now, si);
    }

    /// A new instance is ready: it comes up and joins the rotation.
    pub fn provisioned(&mut self, cal: &mut Calendar<Event>, now: Nanos, station: u32) {
        let s = station as usize;
        if !self.infra.nodes[s].pending {
            return;
        }
        // Still `pending` while the stations are recomputed, so its coming up is not
        // recorded as a restart.
        self.infra.nodes[s].unprovisioned = false;
        let st = &mut self.stations[s];
        st.in_rotation = true;
        st.checks_failed = 0;
        st.checks_passed = 0;
        self.health.reset(station);
        self.apply_faults(cal, now);
        self.infra.nodes[s].pending = false;
        if let crate::topology::ComponentId::Service(sid) = self.stations[s].component {
            self.record_scale(now, sid.index());
        }
    }
}
