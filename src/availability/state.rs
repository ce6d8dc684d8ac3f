//! Which endpoints are servable, kept up to date one process flip at a time.
//!
//! Every leaf counts the causes holding it down (its own failure, its zone's and region's
//! outages, a scenario process); a leaf whose count goes 0 → 1 or 1 → 0 changes its
//! component's count of live leaves; a component whose own state flips changes the count of
//! *missing* required components of each endpoint that requires it; an endpoint is servable
//! when that count is zero. So an event costs what it touches, never a walk of the graph.
//!
//! Link cuts break that factorisation: whether a call can go through depends on where the
//! caller and the callee sit. While a link is cut, the endpoints whose calls can cross it
//! are re-evaluated after every event by [`State::serves_under_cuts`], which follows the
//! needed calls zone by zone (memoised per service and zone). Cuts are rare and short, so
//! this slow path runs a small fraction of the time.
//!
//! Datastores fail over: when the leader's node goes down, the datastore stops serving; with
//! automatic failover and a replica, the first live replica takes over after detection plus
//! promotion (the model asks its driver to call [`State::promote`] then). A leader that
//! returns before that serves again at once; a takeover that finds no live replica waits
//! for one (then promotion alone) or for the leader to return. There is no failback.

use super::plan::{CompKind, Plan, NO_ZONE};

/// A datastore takeover to run later: (datastore, delay in ns, token).
pub(crate) type Takeover = (u32, u64, u32);

/// The servability state of one run. See the module docs.
#[derive(Clone, Debug)]
pub(crate) struct State {
    /// Per process: whether it is failed now.
    pub proc_failed: Vec<bool>,
    /// Per leaf: causes holding it down.
    leaf_down: Vec<u32>,
    /// Per leaf: zone and region outages among those causes.
    leaf_domain: Vec<u32>,
    /// Per component: leaves touched by a zone or region outage.
    domain_hit: Vec<u32>,
    /// Per component: live leaves.
    alive: Vec<u32>,
    /// Per component: whether it is up on its own.
    comp_up: Vec<bool>,
    /// Per endpoint: required components that are down.
    missing: Vec<u32>,
    /// Per endpoint: whether it is servable (as last settled).
    pub ep_up: Vec<bool>,
    /// Per class: failed processes.
    class_failed: Vec<u32>,
    /// Per class: whether it is down.
    pub class_down: Vec<bool>,
    /// Per datastore: leader node (leaf offset), serving, takeover token, waiting for a node.
    ds_leader: Vec<u32>,
    ds_serving: Vec<bool>,
    ds_token: Vec<u32>,
    ds_waiting: Vec<bool>,
    /// Zone × zone: cuts separating the two.
    cut: Vec<u16>,
    /// Links cut now.
    links_down: u32,
    /// Per endpoint: cut links its calls may cross.
    ep_cuts: Vec<u32>,
    /// Endpoints to settle after this event, and their marks.
    touched: Vec<u32>,
    touched_mark: Vec<bool>,
    /// Classes that flipped in this event.
    pub class_flips: Vec<u32>,
    /// Takeovers the driver must schedule.
    pub takeovers: Vec<Takeover>,
    /// Scratch for the evaluation under cuts: per (component, zone) 0 unknown, 1 no, 2 yes.
    memo: Vec<u8>,
    memo_set: Vec<u32>,
}

impl State {
    /// Everything up.
    pub fn new(plan: &Plan) -> State {
        let comps = plan.comps.len();
        let mut s = State {
            proc_failed: vec![false; plan.processes.len()],
            leaf_down: vec![0; plan.leaves()],
            leaf_domain: vec![0; plan.leaves()],
            domain_hit: vec![0; comps],
            alive: plan.comps.iter().map(|c| c.leaves.end - c.leaves.start).collect(),
            comp_up: vec![false; comps],
            missing: vec![0; plan.endpoints()],
            ep_up: vec![false; plan.endpoints()],
            class_failed: vec![0; plan.classes.len()],
            class_down: vec![false; plan.classes.len()],
            ds_leader: vec![0; plan.datastores.len()],
            ds_serving: vec![true; plan.datastores.len()],
            ds_token: vec![0; plan.datastores.len()],
            ds_waiting: vec![false; plan.datastores.len()],
            cut: vec![0; plan.zones * plan.zones],
            links_down: 0,
            ep_cuts: vec![0; plan.endpoints()],
            touched: Vec::new(),
            touched_mark: vec![false; plan.endpoints()],
            class_flips: Vec::new(),
            takeovers: Vec::new(),
            memo: vec![0; comps * (plan.zones + 1)],
            memo_set: Vec::new(),
        };
        for c in 0..comps {
            s.comp_up[c] = s.own_up(plan, c);
        }
        for e in 0..plan.endpoints() {
            s.missing[e] = plan.required[e].iter().filter(|&&c| !s.comp_up[c as usize]).count() as u32;
            s.ep_up[e] = s.missing[e] == 0;
        }
        s
    }

    /// Whether a leaf is up.
    #[inline]
    fn leaf_up(&self, l: u32) -> bool {
        self.leaf_down[l as usize] == 0
    }

    /// Whether component `c` is up on its own, from its leaves.
    fn own_up(&self, plan: &Plan, c: usize) -> bool {
        let comp = &plan.comps[c];
        match comp.kind {
            CompKind::Datastore => self.ds_serving[comp.datastore as usize],
            _ => self.alive[c] >= comp.need,
        }
    }

    /// Marks endpoint `e` for settling after this event.
    #[inline]
    fn touch(&mut self, e: u32) {
        if !self.touched_mark[e as usize] {
            self.touched_mark[e as usize] = true;
            self.touched.push(e);
        }
    }

    /// Component `c` may have changed state: propagate to the endpoints requiring it.
    fn comp_changed(&mut self, plan: &Plan, c: usize) {
        let up = self.own_up(plan, c);
        if up == self.comp_up[c] {
            self.refresh_class(plan, c);
            return;
        }
        self.comp_up[c] = up;
        self.refresh_class(plan, c);
        for &e in &plan.requirers[c] {
            if up {
                self.missing[e as usize] -= 1;
            } else {
                self.missing[e as usize] += 1;
            }
            self.touch(e);
        }
    }

    /// Component `c`'s class is down while it is down on its own account (no zone or region
    /// outage touching it).
    fn refresh_class(&mut self, plan: &Plan, c: usize) {
        let down = !self.comp_up[c] && self.domain_hit[c] == 0;
        let k = plan.comp_class[c] as usize;
        if down != self.class_down[k] {
            self.class_down[k] = down;
            self.class_flips.push(k as u32);
        }
    }

    /// Process `p` fails (`failed`) or is repaired.
    pub fn set_process(&mut self, plan: &Plan, p: usize, failed: bool) {
        if self.proc_failed[p] == failed {
            return;
        }
        self.proc_failed[p] = failed;
        let proc = &plan.processes[p];
        if let Some(class) = proc.class {
            let k = class as usize;
            if failed {
                self.class_failed[k] += 1;
            } else {
                self.class_failed[k] -= 1;
            }
            let down = self.class_failed[k] >= plan.class_threshold[k];
            if down != self.class_down[k] {
                self.class_down[k] = down;
                self.class_flips.push(class);
            }
        }
        if let Some(link) = proc.link {
            self.cut_link(plan, link as usize, failed);
        }
        for i in proc.cover.clone() {
            let leaf = plan.cover[i as usize];
            let l = leaf as usize;
            if proc.domain {
                let hit_before = self.leaf_domain[l] > 0;
                if failed {
                    self.leaf_domain[l] += 1;
                } else {
                    self.leaf_domain[l] -= 1;
                }
                if hit_before != (self.leaf_domain[l] > 0) {
                    let c = plan.leaf_comp[l] as usize;
                    if hit_before {
                        self.domain_hit[c] -= 1;
                    } else {
                        self.domain_hit[c] += 1;
                    }
                    self.refresh_class(plan, c);
                }
            }
            let before = self.leaf_down[l] == 0;
            if failed {
                self.leaf_down[l] += 1;
            } else {
                self.leaf_down[l] -= 1;
            }
            let after = self.leaf_down[l] == 0;
            if before != after {
                self.leaf_changed(plan, leaf, after);
            }
        }
    }

    /// A leaf went up or down.
    fn leaf_changed(&mut self, plan: &Plan, leaf: u32, up: bool) {
        let c = plan.leaf_comp[leaf as usize] as usize;
        if up {
            self.alive[c] += 1;
        } else {
            self.alive[c] -= 1;
        }
        if plan.comps[c].kind == CompKind::Datastore {
            self.datastore_changed(plan, plan.comps[c].datastore as usize);
        }
        self.comp_changed(plan, c);
    }

    /// A node of datastore `d` went up or down: run the failover state machine.
    fn datastore_changed(&mut self, plan: &Plan, d: usize) {
        let dp = &plan.datastores[d];
        let first = plan.comps[dp.comp as usize].leaves.start;
        let leader_up = self.leaf_up(first + self.ds_leader[d]);
        if self.ds_serving[d] && !leader_up {
            self.ds_serving[d] = false;
            if dp.fails_over {
                self.ds_token[d] = self.ds_token[d].wrapping_add(1);
                self.ds_waiting[d] = false;
                if dp.takeover_ns == 0 {
                    self.take_over(plan, d);
                } else {
                    self.takeovers.push((d as u32, dp.takeover_ns, self.ds_token[d]));
                }
            }
        } else if !self.ds_serving[d] && leader_up {
            // The leader is back before a replica took over: it serves, the takeover is off.
            self.ds_serving[d] = true;
            self.ds_waiting[d] = false;
            self.ds_token[d] = self.ds_token[d].wrapping_add(1);
        } else if !self.ds_serving[d] && self.ds_waiting[d] && self.alive[dp.comp as usize] > 0 {
            // A takeover found nobody; a replica is back, so promote it.
            self.ds_waiting[d] = false;
            self.ds_token[d] = self.ds_token[d].wrapping_add(1);
            if dp.promotion_ns == 0 {
                self.take_over(plan, d);
            } else {
                self.takeovers.push((d as u32, dp.promotion_ns, self.ds_token[d]));
            }
        }
    }

    /// The first live node other than the leader takes over, or the datastore waits.
    fn take_over(&mut self, plan: &Plan, d: usize) {
        let comp = &plan.comps[plan.datastores[d].comp as usize];
        let n = comp.leaves.end - comp.leaves.start;
        let leader = self.ds_leader[d];
        match (0..n).find(|&k| k != leader && self.leaf_up(comp.leaves.start + k)) {
            Some(k) => {
                self.ds_leader[d] = k;
                self.ds_serving[d] = true;
            }
            None => self.ds_waiting[d] = true,
        }
    }

    /// A scheduled takeover of datastore `d` is due; stale tokens are ignored.
    pub fn promote(&mut self, plan: &Plan, d: usize, token: u32) {
        if token != self.ds_token[d] || self.ds_serving[d] {
            return;
        }
        self.take_over(plan, d);
        self.comp_changed(plan, plan.datastores[d].comp as usize);
    }

    /// A link is cut or restored.
    fn cut_link(&mut self, plan: &Plan, link: usize, cut: bool) {
        let l = &plan.links[link];
        let z = plan.zones;
        for &a in &l.a {
            for &b in &l.b {
                for (x, y) in [(a, b), (b, a)] {
                    let cell = &mut self.cut[x as usize * z + y as usize];
                    if cut {
                        *cell += 1;
                    } else {
                        *cell -= 1;
                    }
                }
            }
        }
        if cut {
            self.links_down += 1;
        } else {
            self.links_down -= 1;
        }
        for &e in &plan.link_endpoints[link] {
            if cut {
                self.ep_cuts[e as usize] += 1;
            } else {
                self.ep_cuts[e as usize] -= 1;
            }
            self.touch(e);
        }
    }

    /// Settles every endpoint that may have changed; pushes `(e, up)` for each that did.
    pub fn settle(&mut self, plan: &Plan, flips: &mut Vec<(u32, bool)>) {
        if self.links_down > 0 {
            for e in 0..self.ep_cuts.len() as u32 {
                if self.ep_cuts[e as usize] > 0 {
                    self.touch(e);
                }
            }
        }
        let mut touched = std::mem::take(&mut self.touched);
        for &e in &touched {
            self.touched_mark[e as usize] = false;
            let ei = e as usize;
            let up = self.missing[ei] == 0 && (self.ep_cuts[ei] == 0 || self.serves_under_cuts(plan, ei));
            if up != self.ep_up[ei] {
                self.ep_up[ei] = up;
                flips.push((e, up));
            }
        }
        touched.clear();
        self.touched = touched;
    }

    /// Whether zone `from` (`NO_ZONE`: a client or an external) reaches zone `to`.
    #[inline]
    fn reach(&self, plan: &Plan, from: u32, to: u32) -> bool {
        from == NO_ZONE || to == NO_ZONE || from == to || self.cut[from as usize * plan.zones + to as usize] == 0
    }

    /// Whether endpoint `e` is servable with the current cuts: its entry service, seen from
    /// a client, has enough live instances whose needed calls are each served from their zone.
    pub fn serves_under_cuts(&mut self, plan: &Plan, e: usize) -> bool {
        let Some(&entry) = plan.required[e].first() else { return true };
        let ok = self.serve(plan, e, entry as usize, NO_ZONE);
        for i in self.memo_set.drain(..) {
            self.memo[i as usize] = 0;
        }
        ok
    }

    /// Whether component `c` serves endpoint `e`'s requests coming from zone `from`.
    fn serve(&mut self, plan: &Plan, e: usize, c: usize, from: u32) -> bool {
        let comp = &plan.comps[c];
        match comp.kind {
            CompKind::Service => {
                let mut count = 0;
                for l in comp.leaves.clone() {
                    let z = plan.leaf_zone[l as usize];
                    if self.leaf_up(l) && self.reach(plan, from, z) && self.calls_ok(plan, e, c, z) {
                        count += 1;
                        if count >= comp.need {
                            return true;
                        }
                    }
                }
                false
            }
            _ => self.accept(plan, c, from),
        }
    }

    /// Whether component `c` takes a message from zone `from` (its own needs not asked).
    fn accept(&self, plan: &Plan, c: usize, from: u32) -> bool {
        let comp = &plan.comps[c];
        match comp.kind {
            CompKind::Datastore => {
                let d = comp.datastore as usize;
                self.ds_serving[d]
                    && self.reach(plan, from, plan.leaf_zone[(comp.leaves.start + self.ds_leader[d]) as usize])
            }
            _ => {
                let reachable = comp
                    .leaves
                    .clone()
                    .filter(|&l| self.leaf_up(l) && self.reach(plan, from, plan.leaf_zone[l as usize]));
                reachable.take(comp.need as usize).count() as u32 >= comp.need
            }
        }
    }

    /// Whether every call service `c` needs for endpoint `e` is served from zone `z`.
    fn calls_ok(&mut self, plan: &Plan, e: usize, c: usize, z: u32) -> bool {
        let slot = c * (plan.zones + 1) + if z == NO_ZONE { plan.zones } else { z as usize };
        match self.memo[slot] {
            1 => return false,
            2 => return true,
            _ => {}
        }
        let range = plan.needs[e][c].clone();
        let mut ok = true;
        for i in range {
            let (to, sync) = plan.need_list[i as usize];
            let served = if sync { self.serve(plan, e, to as usize, z) } else { self.accept(plan, to as usize, z) };
            if !served {
                ok = false;
                break;
            }
        }
        self.memo[slot] = if ok { 2 } else { 1 };
        self.memo_set.push(slot as u32);
        ok
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::rng::{stream, Purpose};

    fn plan(text: &str) -> Plan {
        let t = crate::load::parse_topology("t.ron", text.into()).expect("valid");
        Plan::new(Arc::new(t), &[])
    }

    /// The incremental state agrees, after every flip, with evaluating each endpoint from
    /// scratch by following its calls zone by zone (the slow path, used here as an oracle
    /// even while no link is cut).
    #[test]
    fn incremental_servability_matches_a_full_evaluation() {
        let plan = plan(&crate::synth::availability_topology(30));
        let mut s = State::new(&plan);
        let mut rng = stream(7, "test:state", Purpose::Failures);
        let mut pending: Vec<Takeover> = Vec::new();
        let mut flips = Vec::new();
        let (mut ups, mut downs) = (0, 0);
        for step in 0..20_000u32 {
            let r = rand::Rng::next_u64(&mut rng);
            if r % 7 == 0 && !pending.is_empty() {
                let (d, _, token) = pending.remove((r as usize / 7) % pending.len());
                s.promote(&plan, d as usize, token);
            } else {
                let p = (r >> 8) as usize % plan.processes.len();
                // Failed processes are repaired more often than up ones fail, so that the
                // walk visits states with a few failures, not all of them.
                let fail = !s.proc_failed[p] && (r >> 40) % 4 == 0;
                if s.proc_failed[p] || fail {
                    s.set_process(&plan, p, fail);
                }
            }
            pending.append(&mut s.takeovers);
            s.class_flips.clear();
            s.settle(&plan, &mut flips);
            flips.clear();
            for e in 0..plan.endpoints() {
                let oracle = s.serves_under_cuts(&plan, e);
                assert_eq!(s.ep_up[e], oracle, "endpoint {e} after step {step}");
                if oracle {
                    ups += 1;
                } else {
                    downs += 1;
                }
            }
        }
        assert!(ups > 1000 && downs > 1000, "the walk saw both states: {ups} up, {downs} down");
    }
}
