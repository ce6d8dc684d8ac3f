//! What each caller's health checks see: a load balancer checks its instances from every
//! place its traffic comes from (each caller's zone, and the clients), so a partition
//! takes an instance out of rotation only for the callers that cannot reach it.
//!
//! This is how per-zone balancer nodes and client-side balancers (sidecars) behave: the
//! check travels the same network as the calls. A crashed or stuck instance fails every
//! caller's check alike and is handled by the shared check in `faults::health_check`;
//! this module adds, per (instance, vantage point), the consecutive checks that could not
//! cross a partition. Packet loss is not applied to checks: three lost checks in a row are
//! rare at realistic loss rates, and drawing for them would shift the calls' random streams.

use crate::topology::{ComponentId, ZoneId};

use super::world::World;

/// Where checks are sent from: a caller's zone and component, or the clients (`None`, `None`).
pub type Vantage = (Option<ZoneId>, Option<ComponentId>);

/// One vantage point's view of one instance.
#[derive(Clone, Copy, Debug, Default)]
pub struct View {
    /// Out of rotation for callers at this vantage point.
    pub out: bool,
    /// Consecutive checks that could not reach the instance.
    pub failed: u32,
    /// Consecutive checks that reached it.
    pub passed: u32,
}

/// Per-vantage health state of every checked instance.
#[derive(Clone, Debug, Default)]
pub struct Health {
    /// Per service: the vantage points its checks run from (empty without health checks).
    pub vantages: Vec<Vec<Vantage>>,
    /// Per station: one view per vantage point of its service (empty for other stations).
    pub views: Vec<Vec<View>>,
    /// Per station: views that have it out of rotation, so the balancer's common case
    /// (nothing cut off) costs one comparison.
    pub cut: Vec<u32>,
}

impl Health {
    /// Vantage points for every health-checked service: the zones and components of the
    /// stations that send it traffic (callers, queues delivering to it, caches missing to
    /// it), and the clients when it is an endpoint's entry.
    pub fn build(w: &World) -> Health {
        let t = w.topology();
        let graph = t.graph();
        let mut vantages = vec![Vec::new(); t.services().len()];
        let mut views = vec![Vec::new(); w.stations.len()];
        for (si, s) in t.services().iter().enumerate() {
            if s.load_balancer.health_check.is_none() {
                continue;
            }
            let me = ComponentId::Service(crate::topology::ServiceId(si as u32));
            let callers: Vec<ComponentId> =
                graph.neighbors_directed(t.node(me), petgraph::Direction::Incoming).map(|n| graph[n]).collect();
            let mut v: Vec<Vantage> = w
                .stations
                .iter()
                .filter(|st| callers.contains(&st.component))
                .map(|st| (st.zone, Some(st.component)))
                .collect();
            if t.endpoints().iter().any(|e| e.service.index() == si) {
                v.push((None, None));
            }
            v.sort();
            v.dedup();
            for st in w.service_states[si].stations.clone() {
                views[st as usize] = vec![View::default(); v.len()];
            }
            vantages[si] = v;
        }
        Health { vantages, views, cut: vec![0; w.stations.len()] }
    }

    /// Whether callers at `from` (a station, or `None` for clients) have `station` out of
    /// rotation because their checks cannot reach it.
    pub fn cut_off(&self, w: &World, service: usize, from: Option<u32>, station: u32) -> bool {
        if self.cut[station as usize] == 0 {
            return false;
        }
        let at: Vantage = from.map_or((None, None), |f| {
            let st = &w.stations[f as usize];
            (st.zone, Some(st.component))
        });
        self.vantages[service].iter().position(|v| *v == at).is_some_and(|k| self.views[station as usize][k].out)
    }

    /// Forgets every view of a station (a new instance starts with a clean record).
    pub fn reset(&mut self, station: u32) {
        for v in &mut self.views[station as usize] {
            *v = View::default();
        }
        self.cut[station as usize] = 0;
    }
}
