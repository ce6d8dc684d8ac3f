//! Per-service health over time, and the detector that calls a service *unhealthy*.
//!
//! A run records, per service and per time bucket, how many answers its instances gave and
//! how many of them were failures (errors, rejects, refusals), and how much of its worker
//! time was busy (also, for the report's load charts, the retries it sent and how many
//! requests waited for a worker). The detector reads these series: a service is unhealthy when, over any
//! window of a few consecutive buckets, its failed answers reach a threshold fraction (with a
//! minimum volume, so three failures out of four answers do not count) or its workers are
//! busy for a threshold fraction of their capacity (saturation: a slow dependency holding
//! every worker). Cascade analysis and the `NoCascadeBeyond` hypothesis use the same
//! detector, so a verdict and an analysis never disagree about what "unhealthy" means.
//!
//! Series are integer counts from time 0 (warm-up included, since a cascade can start
//! anywhere). One run's JSON leaves them out; a results file keeps them summed over the seeds
//! (`data.service_series`), which merges exactly.

use serde::{Deserialize, Serialize};

use super::run::RunMetrics;

/// One service's activity in one time bucket.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct ServiceBucket {
    /// Answers its instances sent (every attempt they handled, rejects and refusals included).
    pub answered: u32,
    /// Of which failures: errors, backlog rejects, refusals by a crashed process.
    pub failed: u32,
    /// Busy worker time in the bucket (worker·ns).
    pub busy_worker_ns: u64,
    /// Available worker time in the bucket while up (worker·ns).
    pub capacity_worker_ns: u64,
    /// Retries it sent to its callees (attempts after the first).
    pub retries: u32,
    /// Requests waiting for a worker, integrated over the bucket (request·ns): divided by
    /// the bucket's width, the mean queue length.
    pub waiting_ns: u64,
}

impl ServiceBucket {
    /// Adds another bucket's counts (saturating, so a merge never wraps).
    pub fn add(&mut self, other: &ServiceBucket) {
        self.answered = self.answered.saturating_add(other.answered);
        self.failed = self.failed.saturating_add(other.failed);
        self.busy_worker_ns = self.busy_worker_ns.saturating_add(other.busy_worker_ns);
        self.capacity_worker_ns = self.capacity_worker_ns.saturating_add(other.capacity_worker_ns);
        self.retries = self.retries.saturating_add(other.retries);
        self.waiting_ns = self.waiting_ns.saturating_add(other.waiting_ns);
    }
}

/// What makes a service unhealthy. Defaults: half of its answers failing, or its workers 95%
/// busy, over 5 consecutive buckets with at least 10 answers.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Thresholds {
    /// Failed / answered at or above this is unhealthy.
    pub error_rate: f64,
    /// Busy / available worker time at or above this is unhealthy (saturated).
    pub saturation: f64,
    /// Consecutive buckets a window spans.
    pub window_buckets: usize,
    /// Answers a window needs before its error rate counts.
    pub min_answers: u64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { error_rate: 0.5, saturation: 0.95, window_buckets: 5, min_answers: 10 }
    }
}

/// Why a service was found unhealthy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Symptom {
    /// Too many failed answers.
    Errors,
    /// Workers busy beyond the saturation threshold.
    Saturation,
    /// An instance went down although no fault acted on it (an OOM kill).
    Crashed,
}

/// The first window, starting in buckets `from..to`, in which `series` is unhealthy: its
/// starting bucket and the symptom (errors win when both hold). `None` when healthy throughout.
pub fn first_unhealthy(series: &[ServiceBucket], from: usize, to: usize, th: &Thresholds) -> Option<(usize, Symptom)> {
    let w = th.window_buckets.max(1);
    let to = to.min(series.len());
    for start in from..to {
        let window = &series[start..(start + w).min(series.len())];
        let answered: u64 = window.iter().map(|b| u64::from(b.answered)).sum();
        let failed: u64 = window.iter().map(|b| u64::from(b.failed)).sum();
        if answered >= th.min_answers.max(1) && failed as f64 >= th.error_rate * answered as f64 {
            return Some((start, Symptom::Errors));
        }
        let busy: u128 = window.iter().map(|b| u128::from(b.busy_worker_ns)).sum();
        let capacity: u128 = window.iter().map(|b| u128::from(b.capacity_worker_ns)).sum();
        // A full window only: a partial one at the end of the run is too short to judge.
        if window.len() == w && capacity > 0 && busy as f64 >= th.saturation * capacity as f64 {
            return Some((start, Symptom::Saturation));
        }
    }
    None
}

impl RunMetrics {
    /// Counts an answer of service `service` at `now` (ns), failed or not.
    pub fn service_answer(&mut self, service: usize, now: u64, failed: bool) {
        let b = (now / self.bucket_ns.max(1)) as usize;
        if let Some(slot) = self.service_series.get_mut(service).and_then(|s| s.get_mut(b)) {
            slot.answered = slot.answered.saturating_add(1);
            slot.failed = slot.failed.saturating_add(u32::from(failed));
        }
    }

    /// Counts a retry that service `service` sent at `now` (ns).
    pub fn service_retry(&mut self, service: usize, now: u64) {
        let b = (now / self.bucket_ns.max(1)) as usize;
        if let Some(slot) = self.service_series.get_mut(service).and_then(|s| s.get_mut(b)) {
            slot.retries = slot.retries.saturating_add(1);
        }
    }

    /// Adds `busy` busy and `capacity` available workers, and `waiting` requests waiting for
    /// one, of service `service` over the time `[from, to)` (ns), split at bucket boundaries.
    pub fn service_busy(&mut self, service: usize, from: u64, to: u64, busy: u32, capacity: u32, waiting: u32) {
        let width = self.bucket_ns.max(1);
        let Some(series) = self.service_series.get_mut(service) else { return };
        let mut t = from;
        while t < to {
            let b = (t / width) as usize;
            let end = ((b as u64 + 1) * width).min(to);
            let Some(slot) = series.get_mut(b) else { return };
            let dt = end - t;
            slot.busy_worker_ns = slot.busy_worker_ns.saturating_add(u64::from(busy).saturating_mul(dt));
            slot.capacity_worker_ns = slot.capacity_worker_ns.saturating_add(u64::from(capacity).saturating_mul(dt));
            slot.waiting_ns = slot.waiting_ns.saturating_add(u64::from(waiting).saturating_mul(dt));
            t = end;
        }
    }
}

/// The components a fault acts on directly: a crashed or slowed component, a partition's
/// side of components, everything placed in a lost zone or region. A component reached
/// only through these is not faulted: if it becomes unhealthy, that is a cascade.
pub fn fault_origins(
    t: &crate::topology::Topology,
    fault: &crate::scenario::Fault,
) -> Vec<crate::topology::ComponentId> {
    use crate::scenario::{Fault, Side, Target};
    use crate::topology::{ComponentId, Place, ZoneId};
    let in_zones = |zones: &[ZoneId]| -> Vec<ComponentId> {
        t.components().filter(|&c| t.component_zones(c).iter().any(|z| zones.contains(z))).collect()
    };
    let place_zones = |p: &Place| -> Vec<ZoneId> {
        match *p {
            Place::Zone(z) => vec![z],
            Place::Region(r) => t.regions()[r.index()].zones.clone(),
        }
    };
    let of_target = |target: &Target| -> Vec<ComponentId> {
        match target {
            Target::Instance(i) => vec![ComponentId::Service(t.instances()[i.index()].service)],
            Target::Service(s) => vec![ComponentId::Service(*s)],
            Target::Zone(z) => in_zones(&[*z]),
            Target::Region(r) => in_zones(&t.regions()[r.index()].zones),
            Target::Component(c) => vec![*c],
            // A link fault is on the network between places: it faults no component.
            Target::PlaceLink(..) => Vec::new(),
            Target::ComponentLink(a, b) => vec![*a, *b],
        }
    };
    let mut out = match fault {
        Fault::Crash(target)
        | Fault::Latency { target, .. }
        | Fault::PacketLoss { target, .. }
        | Fault::Errors { target, .. }
        | Fault::Slowdown { target, .. }
        | Fault::CapacityCut { target, .. }
        | Fault::MemoryLeak { target, .. } => of_target(target),
        Fault::Partition { side_a, .. } => side_a
            .iter()
            .flat_map(|s| match s {
                Side::Component(c) => vec![*c],
                Side::Place(p) => in_zones(&place_zones(p)),
            })
            .collect(),
        Fault::BadDeploy { service, .. } => vec![ComponentId::Service(*service)],
        Fault::CacheFlush(c) | Fault::Outage(c) => vec![*c],
    };
    out.sort();
    out.dedup();
    out
}

/// Services that became unhealthy in buckets `from..to` of a run although no fault acted on
/// them directly, with the bucket where it started and the symptom, in service order.
/// `faulted` lists the components faults acted on; services in `exclude` (e.g. already
/// unhealthy without the fault) are skipped.
pub fn cascaded(
    m: &RunMetrics,
    faulted: &[crate::topology::ComponentId],
    exclude: &[usize],
    from: usize,
    to: usize,
    th: &Thresholds,
) -> Vec<(usize, usize, Symptom)> {
    unhealthy(m, faulted, exclude, from, to, th, false)
}

/// [`cascaded`] judged on buckets `from..to` alone: a window of the detector ends at `to`
/// instead of reaching past it, so what happens after `to` cannot count (for hypotheses
/// scoped to a window of the run).
pub fn cascaded_within(
    m: &RunMetrics,
    faulted: &[crate::topology::ComponentId],
    from: usize,
    to: usize,
    th: &Thresholds,
) -> Vec<(usize, usize, Symptom)> {
    unhealthy(m, faulted, &[], from, to, th, true)
}

/// The detector behind [`cascaded`] and [`cascaded_within`]; `clip` ends the series at `to`.
fn unhealthy(
    m: &RunMetrics,
    faulted: &[crate::topology::ComponentId],
    exclude: &[usize],
    from: usize,
    to: usize,
    th: &Thresholds,
    clip: bool,
) -> Vec<(usize, usize, Symptom)> {
    m.service_series
        .iter()
        .enumerate()
        .filter(|(s, _)| {
            !exclude.contains(s)
                && !faulted.contains(&crate::topology::ComponentId::Service(crate::topology::ServiceId(*s as u32)))
        })
        .filter_map(|(s, series)| {
            let series = if clip { &series[..to.min(series.len())] } else { &series[..] };
            first_unhealthy(series, from, to, th).map(|(b, why)| (s, b, why))
        })
        .collect()
}

/// Services with an instance that went down in buckets `from..to` although no fault acted
/// on the service (`faulted`), with the bucket of the first such crash.
pub fn crashed(
    m: &RunMetrics,
    t: &crate::topology::Topology,
    faulted: &[crate::topology::ComponentId],
    from: usize,
    to: usize,
) -> Vec<(usize, usize)> {
    let b = m.bucket_ns.max(1);
    let mut out: Vec<(usize, usize)> = Vec::new();
    for c in m.timeline.iter().filter(|c| !c.up) {
        let bucket = (c.time_ns / b) as usize;
        let Some(inst) = t.instances().get(c.instance as usize) else { continue };
        let s = inst.service;
        if bucket < from || bucket >= to || faulted.contains(&crate::topology::ComponentId::Service(s)) {
            continue;
        }
        if !out.iter().any(|(x, _)| *x == s.index()) {
            out.push((s.index(), bucket));
        }
    }
    out.sort_unstable();
    out
}

/// The components every fault and failure process of a scenario acts on.
pub fn scenario_origins(s: &crate::scenario::Scenario) -> Vec<crate::topology::ComponentId> {
    let t = &s.topology;
    let mut out: Vec<crate::topology::ComponentId> = s.faults.iter().flat_map(|f| fault_origins(t, &f.fault)).collect();
    out.extend(s.processes.iter().flat_map(|p| fault_origins(t, &crate::scenario::Fault::Crash(p.target.clone()))));
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(answered: u32, failed: u32, busy: u64, capacity: u64) -> ServiceBucket {
        ServiceBucket {
            answered,
            failed,
            busy_worker_ns: busy,
            capacity_worker_ns: capacity,
            ..ServiceBucket::default()
        }
    }

    #[test]
    fn detector_finds_errors_and_saturation_and_ignores_thin_windows() {
        let th = Thresholds { window_buckets: 2, ..Thresholds::default() };
        let healthy = vec![bucket(100, 1, 10, 100); 10];
        assert_eq!(first_unhealthy(&healthy, 0, 10, &th), None);
        let mut errors = healthy.clone();
        errors[6] = bucket(100, 100, 10, 100);
        errors[7] = bucket(100, 100, 10, 100);
        assert_eq!(first_unhealthy(&errors, 0, 10, &th), Some((5, Symptom::Errors)), "100 of 200 fail in 5..7");
        let mut saturated = healthy.clone();
        saturated[3] = bucket(10, 0, 99, 100);
        saturated[4] = bucket(10, 0, 99, 100);
        assert_eq!(first_unhealthy(&saturated, 0, 10, &th), Some((3, Symptom::Saturation)));
        let thin = vec![bucket(2, 2, 0, 100); 10];
        assert_eq!(first_unhealthy(&thin, 0, 10, &th), None, "4 answers are below the volume");
    }
}
