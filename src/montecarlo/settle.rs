//! Runs until settled (`--precision`) of `run`, `check`, the studies and `availability`: the
//! seeds run in looks of a fixed schedule (the default count, doubling up to a maximum; see
//! [`crate::montecarlo::look_schedule`]) and the run stops at the first look that settles it.
//!
//! The rule is the one `run --precision` uses: with `K` looks planned, each look's intervals
//! are taken at level `1 − (1 − 95%) / K`, so by the union bound all of them cover their truth
//! together with at least 95%, and so does the one where the run stops, however the stop
//! was chosen. The schedule is fixed before any seed runs and a look judges the seeds in seed
//! order, so where a run stops depends on the scenario, the settings and the target, never on
//! threads. Reports show their intervals at the usual 95% on the seeds run.
//!
//! What a study's target is about depends on the command: the paired effects of `fmea` and
//! `whatif` (availability in percentage points, latency relative to the baseline or as a
//! duration), the fractions of seeds of `cascade` and `metastability` (percentage points) and
//! the endpoints' availability of `availability`. Each command collects its intervals into a
//! [`Judge`]; this module runs the looks ([`in_looks`]) and keeps the record ([`Settled`]).

use serde::Serialize;

use crate::montecarlo::precision::{Figure, Target, Width};

/// The interval furthest from its allowance at one look.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Widest {
    /// What the interval is of ("checkout availability drop under api: crash").
    pub what: String,
    /// Its half-width at the look's level, in the figure's unit (a fraction, or ms).
    pub half_width: f64,
    /// The largest half-width the target allows it, in the same unit.
    pub allowed: f64,
}

/// One look of a study run until settled.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Look {
    /// Seeds so far.
    pub seeds: u64,
    /// Intervals judged.
    pub intervals: u64,
    /// Intervals within the target.
    pub within: u64,
    /// The interval furthest from its allowance (`None` when there was nothing to judge).
    pub widest: Option<Widest>,
}

/// What a look of a run until settled says about the target.
pub trait LookResult {
    /// Whether the look met the target.
    fn settled(&self) -> bool;
    /// Seeds run by the end of the look.
    fn seeds(&self) -> u64;
}

impl LookResult for Look {
    fn seeds(&self) -> u64 {
        self.seeds
    }

    /// Every judged interval is within the target.
    fn settled(&self) -> bool {
        self.within == self.intervals
    }
}

/// What a run until settled did: the target, the schedule and each look it ran (a study's
/// [`Look`]s, or `run`'s per-endpoint [`super::precision::LookWidths`]).
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Settled<L = Look> {
    /// The target.
    pub target: Target,
    /// The target in words, as the study reads it.
    pub target_text: String,
    /// Seeds after each look of the schedule.
    pub schedule: Vec<u64>,
    /// Confidence level of each look's intervals.
    pub level: f64,
    /// The looks run, in order; the last is where the run stopped.
    pub looks: Vec<L>,
    /// Whether the last look met the target (false: the schedule ran out).
    pub settled: bool,
}

impl<L: LookResult> Settled<L> {
    /// The record of a run that made `looks` of `schedule` for `target` (described as
    /// `target_text`): the looks' level follows from the schedule, and it settled if the
    /// last look did.
    pub fn new(target: &Target, target_text: String, schedule: &[u64], looks: Vec<L>) -> Settled<L> {
        Settled {
            target: *target,
            target_text,
            schedule: schedule.to_vec(),
            level: crate::montecarlo::precision::look_level(schedule.len()),
            settled: looks.last().is_some_and(L::settled),
            looks,
        }
    }
}

/// Collects the intervals of one look and judges them against a target.
pub struct Judge<'a> {
    target: &'a Target,
    seeds: u64,
    intervals: u64,
    within: u64,
    widest: Option<(f64, Widest)>,
}

impl<'a> Judge<'a> {
    /// A judge of a look at `seeds` seeds.
    pub fn new(target: &'a Target, seeds: usize) -> Judge<'a> {
        Judge { target, seeds: seeds as u64, intervals: 0, within: 0, widest: None }
    }

    /// Judges one interval of half-width `half` (NaN: not yet an interval, which is never
    /// within) against `allowed`.
    pub fn interval(&mut self, what: impl FnOnce() -> String, half: f64, allowed: f64) {
        self.intervals += 1;
        let ok = half.is_finite() && half <= allowed;
        if ok {
            self.within += 1;
        }
        // Not an interval yet ranks furthest; then the largest ratio to its allowance.
        let ratio = if half.is_finite() { half / allowed.max(f64::MIN_POSITIVE) } else { f64::INFINITY };
        if self.widest.as_ref().is_none_or(|(r, _)| ratio > *r) {
            self.widest = Some((ratio, Widest { what: what(), half_width: half, allowed }));
        }
    }

    /// An availability (or any fraction) interval: the target's width in absolute terms.
    pub fn fraction(&mut self, what: impl FnOnce() -> String, half: f64) {
        if let Width::Absolute(a) = self.target.width {
            self.interval(what, half, a);
        }
    }

    /// A latency interval in ms, against a relative target taken of `scale_ms` (the
    /// baseline's value) or an absolute one.
    pub fn latency_ms(&mut self, what: impl FnOnce() -> String, half: f64, scale_ms: f64) {
        let allowed = match self.target.width {
            Width::Relative(r) => r * scale_ms.abs(),
            Width::Absolute(ns) => ns / 1e6,
        };
        self.interval(what, half, allowed);
    }

    /// The look.
    pub fn look(self) -> Look {
        Look { seeds: self.seeds, intervals: self.intervals, within: self.within, widest: self.widest.map(|(_, w)| w) }
    }
}

/// Appends a look's runs to the runs so far, row by row (a row per scenario, a column per
/// seed).
pub fn extend_rows<T>(rows: &mut [Vec<T>], more: Vec<Vec<T>>) {
    for (all, new) in rows.iter_mut().zip(more) {
        all.extend(new);
    }
}

/// A target's width in words: "±0.5pp", "±2% of the baseline", "±1ms".
pub fn width_text(target: &Target) -> String {
    match target.width {
        Width::Relative(r) => format!("±{}% of the baseline", crate::montecarlo::precision::pp(r)),
        Width::Absolute(a) if target.figure == Figure::Latency => {
            format!("±{}", crate::units::Duration::from_nanos(a.round() as u64))
        }
        Width::Absolute(a) => format!("±{}pp", crate::montecarlo::precision::pp(a)),
    }
}

/// Checks that a study can judge `target`: `figures` are the figures it has.
pub fn accepts(target: &Target, figures: &[Figure], study: &str) -> Result<(), String> {
    if !figures.contains(&target.figure) {
        let example = |f: &Figure| match f {
            Figure::Availability => "availability=0.5pp",
            Figure::Latency => "latency=2%",
            Figure::Fraction => "fraction=10pp",
        };
        let names: Vec<&str> = figures.iter().map(|f| f.name()).collect();
        let examples: Vec<&str> = figures.iter().map(example).collect();
        return Err(format!(
            "{study} cannot judge `{}` targets: it has {} (for example --precision {})",
            target.figure.name(),
            names.join(" and "),
            examples.join(" or --precision "),
        ));
    }
    if matches!(target.figure, Figure::Availability | Figure::Fraction) && matches!(target.width, Width::Relative(_)) {
        return Err(format!("{study}: give {} targets in percentage points", target.figure.name()));
    }
    Ok(())
}

/// Runs `seeds` look by look (`schedule`: cumulative counts): `run` gets each look's new
/// seeds and their offset in `seeds`, `append` adds them to what came before, and `judge`
/// (given the data so far and the look's level) decides whether to stop. Returns the data
/// and the looks.
pub fn in_looks<D, L: LookResult>(
    seeds: &[u64],
    schedule: &[u64],
    mut run: impl FnMut(&[u64], usize) -> D,
    mut append: impl FnMut(&mut D, D),
    mut judge: impl FnMut(&D, f64) -> L,
) -> Option<(D, Vec<L>)> {
    let level = crate::montecarlo::precision::look_level(schedule.len());
    let mut data: Option<D> = None;
    let mut looks = Vec::new();
    let mut done = 0usize;
    for &n in schedule {
        let upto = (n as usize).min(seeds.len());
        let new = run(seeds.get(done..upto).unwrap_or(&[]), done);
        match data.as_mut() {
            Some(d) => append(d, new),
            None => data = Some(new),
        }
        done = upto;
        let look = data.as_ref().map(|d| judge(d, level))?;
        let stop = look.settled();
        looks.push(look);
        if stop {
            break;
        }
    }
    data.map(|d| (d, looks))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_widest_interval_is_the_furthest_from_its_allowance() {
        let t: Target = "availability=1pp".parse().expect("valid");
        let mut j = Judge::new(&t, 10);
        j.fraction(|| "a".into(), 0.005);
        j.fraction(|| "b".into(), 0.02);
        j.fraction(|| "c".into(), 0.012);
        let look = j.look();
        assert_eq!((look.intervals, look.within), (3, 1));
        assert_eq!(look.widest.map(|w| w.what), Some("b".to_owned()));
        let mut j = Judge::new(&t, 1);
        j.fraction(|| "one seed".into(), f64::NAN);
        assert!(!j.look().settled());
    }

    #[test]
    fn looks_stop_at_the_first_settled_one() {
        let seeds: Vec<u64> = (0..40).collect();
        let mut ran = Vec::new();
        let (data, looks) = in_looks(
            &seeds,
            &[5, 10, 20, 40],
            |s, at| {
                ran.push((at, s.len()));
                s.to_vec()
            },
            |d: &mut Vec<u64>, new| d.extend(new),
            |d, _| Look { seeds: d.len() as u64, intervals: 1, within: u64::from(d.len() >= 10), widest: None },
        )
        .expect("seeds");
        assert_eq!(data, (0..10).collect::<Vec<_>>());
        assert_eq!(ran, vec![(0, 5), (5, 5)]);
        assert_eq!(looks.len(), 2);
    }
}
