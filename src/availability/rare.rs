//! Rare events: unavailability beyond four or five nines by importance sampling.
//!
//! With exponential up and down times (and datastore takeovers that take no time) the
//! system is a continuous-time Markov chain over the set of failed processes, and the
//! all-up state is a regeneration point. Unavailability is then a ratio of expectations over
//! regenerative cycles (leave all-up, wander, return):
//!
//! ```text
//! U = E[D] / E[T]      D = time the endpoint is down in a cycle, T = the cycle's length
//! ```
//!
//! Both are estimated with *expected* holding times (the holding time of state x is replaced
//! by its mean 1/q(x), which lowers the variance and changes no expectation).
//!
//! - **E[T]** is easy: plain cycles of the chain as it is (they also give the plain estimate
//!   of E[D], printed beside for comparison).
//! - **E[D]** is the rare part: an endpoint with five nines needs several coincident
//!   failures, which a plain cycle almost never reaches. It is estimated with **balanced
//!   failure biasing** (Shahabuddin 1994): in every state other than all-up where the endpoint
//!   still serves, a failure of a *relevant* process (one that can take a required component,
//!   zone, region or link down) is taken with probability β = 1/2, spread evenly over the
//!   relevant processes that are up; every other transition shares the remaining 1 − β in
//!   proportion to its rate. Once the endpoint is down the chain runs as it is and soon
//!   returns. Each cycle carries its likelihood ratio L = ∏ p(x, y) / p′(x, y), and L·D is an
//!   unbiased estimate of E[D] because every transition possible under the true chain stays
//!   possible under the biased one.
//!
//! The estimate `Û = mean(L·D) / mean(T)` is consistent, and its 95% interval comes from the
//! delta method over the two independent samples. Seeds only split the cycles (each seed
//! runs `cycles` of each kind on its own streams), so sums pool exactly across seeds.

use std::sync::Arc;

use crate::metrics::Fingerprint;
use crate::rng::{stream, Purpose, Rng};

use super::plan::Plan;
use super::record::{Partial, RareSeed, SeedRecord};
use super::state::State;

/// Probability of a biased step failing a relevant process.
pub const BIAS: f64 = 0.5;
/// Transitions one cycle may take before the run stops (a limit on a walk that would not
/// return).
pub const STEPS_PER_CYCLE_MAX: u64 = 1_000_000;

/// Nanoseconds per hour: rates are per hour so sums stay in a readable range.
const HOUR_NS: f64 = 3.6e12;

/// A uniform draw in [0, 1).
fn unit(rng: &mut Rng) -> f64 {
    (rand::Rng::next_u64(rng) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// The chain: rates, the failed set, and the servability state.
struct Chain<'a> {
    plan: &'a Plan,
    state: State,
    /// Failure and repair rates per process (per hour).
    lambda: Vec<f64>,
    mu: Vec<f64>,
    /// Prefix sums of λ over all processes, for drawing a failure by rejection.
    lambda_cum: Vec<f64>,
    lambda_total: f64,
    /// Failed processes, and each process's position in that list.
    failed: Vec<u32>,
    pos: Vec<u32>,
    flips: Vec<(u32, bool)>,
    fingerprint: Fingerprint,
    steps: u64,
}

impl<'a> Chain<'a> {
    fn new(plan: &'a Plan) -> Chain<'a> {
        let lambda: Vec<f64> =
            plan.processes.iter().map(|p| HOUR_NS / (p.failure.ttf.mean.as_nanos() as f64).max(1.0)).collect();
        let mu: Vec<f64> =
            plan.processes.iter().map(|p| HOUR_NS / (p.failure.ttr.mean.as_nanos() as f64).max(1.0)).collect();
        let mut lambda_cum = Vec::with_capacity(lambda.len());
        let mut acc = 0.0;
        for l in &lambda {
            acc += l;
            lambda_cum.push(acc);
        }
        Chain {
            plan,
            state: State::new(plan),
            lambda,
            mu,
            lambda_cum,
            lambda_total: acc,
            failed: Vec::new(),
            pos: vec![u32::MAX; plan.processes.len()],
            flips: Vec::new(),
            fingerprint: Fingerprint::new(),
            steps: 0,
        }
    }

    /// Fails or repairs process `p` and settles the endpoints.
    fn flip(&mut self, p: usize, fail: bool) {
        if fail {
            self.pos[p] = self.failed.len() as u32;
            self.failed.push(p as u32);
        } else {
            let i = self.pos[p] as usize;
            self.failed.swap_remove(i);
            if let Some(&moved) = self.failed.get(i) {
                self.pos[moved as usize] = i as u32;
            }
            self.pos[p] = u32::MAX;
        }
        self.state.set_process(self.plan, p, fail);
        self.state.class_flips.clear();
        debug_assert!(self.state.takeovers.is_empty(), "a takeover with a delay in the rare-event chain");
        self.state.takeovers.clear();
        self.state.settle(self.plan, &mut self.flips);
        self.flips.clear();
        self.steps += 1;
        self.fingerprint.mix(&[self.steps, p as u64, u64::from(fail)]);
    }

    /// Σ λ over up processes and Σ μ over failed ones.
    fn rates(&self) -> (f64, f64) {
        let (mut lf, mut m) = (0.0, 0.0);
        for &p in &self.failed {
            lf += self.lambda[p as usize];
            m += self.mu[p as usize];
        }
        ((self.lambda_total - lf).max(0.0), m)
    }

    /// A failure among up processes in proportion to λ (by rejection: few are failed).
    fn draw_failure(&self, rng: &mut Rng) -> usize {
        loop {
            let v = unit(rng) * self.lambda_total;
            let p = self.lambda_cum.partition_point(|&c| c <= v).min(self.lambda.len() - 1);
            if self.pos[p] == u32::MAX {
                return p;
            }
        }
    }

    /// A repair among failed processes in proportion to μ.
    fn draw_repair(&self, rng: &mut Rng, m: f64) -> usize {
        let mut v = unit(rng) * m;
        for &p in &self.failed {
            v -= self.mu[p as usize];
            if v < 0.0 {
                return p as usize;
            }
        }
        self.failed.last().map_or(0, |&p| p as usize)
    }
}

/// Per endpoint: which processes can affect it, with prefix sums of λ over the others.
struct Relevance {
    relevant: Vec<bool>,
    list: Vec<u32>,
    others_cum: Vec<(f64, u32)>,
}

fn relevance(plan: &Plan, e: usize) -> Relevance {
    let relevant: Vec<bool> = plan
        .processes
        .iter()
        .map(|p| {
            let leaves = &plan.cover[p.cover.start as usize..p.cover.end as usize];
            leaves.iter().any(|&l| plan.requires(e, plan.leaf_comp[l as usize]))
                || p.link.is_some_and(|k| plan.link_endpoints[k as usize].contains(&(e as u32)))
        })
        .collect();
    let list = (0..relevant.len() as u32).filter(|&p| relevant[p as usize]).collect();
    let mut others_cum = Vec::new();
    let mut acc = 0.0;
    for (p, r) in relevant.iter().enumerate() {
        if !r {
            acc += HOUR_NS / (plan.processes[p].failure.ttf.mean.as_nanos() as f64).max(1.0);
            others_cum.push((acc, p as u32));
        }
    }
    Relevance { relevant, list, others_cum }
}

/// One cycle under the true chain: (expected cycle length, expected downtime per endpoint),
/// in hours; `down` receives the per-endpoint downtime.
fn plain_cycle(chain: &mut Chain<'_>, rng: &mut Rng, down: &mut [f64]) -> Result<f64, String> {
    let mut t = 1.0 / chain.lambda_total;
    for (e, d) in down.iter_mut().enumerate() {
        *d = if chain.state.ep_up[e] { 0.0 } else { t };
    }
    let p = chain.draw_failure(rng);
    chain.flip(p, true);
    let mut steps = 0;
    while !chain.failed.is_empty() {
        steps += 1;
        if steps > STEPS_PER_CYCLE_MAX {
            return Err(format!("a cycle took more than {STEPS_PER_CYCLE_MAX} transitions"));
        }
        let (f, m) = chain.rates();
        let h = 1.0 / (f + m);
        t += h;
        for (e, d) in down.iter_mut().enumerate() {
            if !chain.state.ep_up[e] {
                *d += h;
            }
        }
        if unit(rng) * (f + m) < m {
            let p = chain.draw_repair(rng, m);
            chain.flip(p, false);
        } else {
            let p = chain.draw_failure(rng);
            chain.flip(p, true);
        }
    }
    Ok(t)
}

/// One cycle with failure biasing towards endpoint `e`: (L·D) in hours. The biasing applies
/// from the all-up state on, so failures of processes that cannot touch `e` do not dilute it.
fn biased_cycle(chain: &mut Chain<'_>, rel: &Relevance, e: usize, rng: &mut Rng) -> Result<f64, String> {
    let mut d = 0.0;
    let mut l = 1.0;
    let mut steps = 0;
    while steps == 0 || !chain.failed.is_empty() {
        steps += 1;
        if steps > STEPS_PER_CYCLE_MAX {
            return Err(format!("a cycle took more than {STEPS_PER_CYCLE_MAX} transitions"));
        }
        let (f, m) = chain.rates();
        let q = f + m;
        if !chain.state.ep_up[e] {
            d += l / q;
        }
        let mut relevant_up = 0usize;
        let mut f_rel = 0.0;
        for &p in &rel.list {
            if chain.pos[p as usize] == u32::MAX {
                relevant_up += 1;
                f_rel += chain.lambda[p as usize];
            }
        }
        if chain.state.ep_up[e] && relevant_up > 0 {
            // Rates of the transitions outside the biased group: other failures and repairs.
            let rest = (q - f_rel).max(0.0);
            if rest <= 0.0 || unit(rng) < BIAS {
                let p = loop {
                    let i = (unit(rng) * rel.list.len() as f64) as usize;
                    let p = rel.list[i.min(rel.list.len() - 1)] as usize;
                    if chain.pos[p] == u32::MAX {
                        break p;
                    }
                };
                let biased = if rest <= 0.0 { 1.0 } else { BIAS } / relevant_up as f64;
                l *= (chain.lambda[p] / q) / biased;
                chain.flip(p, true);
            } else {
                let v = unit(rng) * rest;
                let p = if v < m { chain.draw_repair(rng, m) } else { draw_other_failure(chain, rel, rng) };
                let fail = chain.pos[p] == u32::MAX;
                let rate = if fail { chain.lambda[p] } else { chain.mu[p] };
                l *= (rate / q) / ((1.0 - BIAS) * rate / rest);
                chain.flip(p, fail);
            }
        } else if unit(rng) * q < m {
            let p = chain.draw_repair(rng, m);
            chain.flip(p, false);
        } else {
            let p = chain.draw_failure(rng);
            chain.flip(p, true);
        }
    }
    Ok(d)
}

/// A failure among up processes that are not relevant, in proportion to λ.
fn draw_other_failure(chain: &Chain<'_>, rel: &Relevance, rng: &mut Rng) -> usize {
    let total = rel.others_cum.last().map_or(0.0, |c| c.0);
    loop {
        let v = unit(rng) * total;
        let i = rel.others_cum.partition_point(|c| c.0 <= v).min(rel.others_cum.len().saturating_sub(1));
        let p = rel.others_cum[i].1 as usize;
        debug_assert!(!rel.relevant[p]);
        if chain.pos[p] == u32::MAX {
            return p;
        }
    }
}

/// Runs `cycles` plain cycles and, per endpoint, `cycles` biased ones for seed `seed`.
pub fn run_seed(plan: &Arc<Plan>, seed: u64, cycles: u64) -> Partial {
    let e_count = plan.endpoints();
    let mut out = RareSeed {
        cycles,
        biased: vec![(0.0, 0.0); e_count],
        plain: vec![(0.0, 0.0); e_count],
        plain_cross: vec![0.0; e_count],
        cycle_hours: (0.0, 0.0),
        steps: 0,
    };
    let mut limit = None;
    let mut chain = Chain::new(plan);
    let mut fingerprint = Fingerprint::new();
    if chain.lambda_total > 0.0 {
        let mut rng = stream(seed, "rare:plain", Purpose::RareEvents);
        let mut down = vec![0.0; e_count];
        for _ in 0..cycles {
            match plain_cycle(&mut chain, &mut rng, &mut down) {
                Ok(t) => {
                    out.cycle_hours.0 += t;
                    out.cycle_hours.1 += t * t;
                    for (i, d) in down.iter().enumerate() {
                        out.plain[i].0 += d;
                        out.plain[i].1 += d * d;
                        out.plain_cross[i] += d * t;
                    }
                }
                Err(e) => {
                    limit = Some(e);
                    break;
                }
            }
        }
        for e in 0..e_count {
            if limit.is_some() {
                break;
            }
            let rel = relevance(plan, e);
            let name = format!("rare:{}", plan.topology.endpoints()[e].name);
            let mut rng = stream(seed, &name, Purpose::RareEvents);
            for _ in 0..cycles {
                match biased_cycle(&mut chain, &rel, e, &mut rng) {
                    Ok(ld) => {
                        out.biased[e].0 += ld;
                        out.biased[e].1 += ld * ld;
                    }
                    Err(err) => {
                        limit = Some(err);
                        break;
                    }
                }
            }
        }
        out.steps = chain.steps;
        fingerprint = chain.fingerprint;
    }
    Partial {
        records: vec![SeedRecord {
            seed,
            fingerprint: fingerprint.to_string(),
            events: out.steps,
            limit,
            years: None,
            rare: Some(out),
        }],
        outage_bins: vec![vec![0; super::record::OUTAGE_BINS]; e_count],
    }
}
