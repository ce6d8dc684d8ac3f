//! Running until settled: seeds run in looks of a fixed schedule (see
//! [`super::verdict::look_sizes`]) until every endpoint's chosen figure has an interval no
//! wider than a target, instead of a seed count fixed in advance.
//!
//! The figure is the per-seed availability (absolute half-width, in percentage points) or the
//! per-seed mean latency (relative half-width, or absolute as a duration). After each of `K`
//! looks the Student-t interval over the seeds so far is taken at level `1 - (1 - 95%) / K`:
//! by the union bound all `K` intervals cover the truth together with at least 95%, so the one
//! at whichever look stops covers it with at least 95% too, however the stop was chosen. The
//! schedule is fixed before any seed runs and records are in seed order, so where a run stops
//! depends on the scenario and the target alone, never on threads.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::partial::SeedRecord;
use super::summary;
use crate::stats::Estimate;

/// The figure a precision target is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Figure {
    /// Per-seed availability (served / finished).
    Availability,
    /// Per-seed mean latency of served requests.
    Latency,
    /// A fraction of seeds (a study's: in how many seeds a cascade happened or a cell came
    /// back), in percentage points.
    Fraction,
}

impl Figure {
    /// The figure's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Figure::Availability => "availability",
            Figure::Latency => "latency",
            Figure::Fraction => "fraction",
        }
    }
}

/// How wide the interval may be, as its half-width.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Width {
    /// A fraction of the estimate (`0.02` for `2%`).
    Relative(f64),
    /// In the figure's unit: a fraction for availability (`0.001` for `0.1pp`), nanoseconds
    /// for latency.
    Absolute(f64),
}

/// A precision target: `availability=0.05pp`, `latency=2%`, `latency=0.5ms` or (for
/// studies that count seeds) `fraction=5pp`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Target {
    /// Which figure.
    pub figure: Figure,
    /// Its largest half-width.
    pub width: Width,
}

impl FromStr for Target {
    type Err = String;

    fn from_str(s: &str) -> Result<Target, String> {
        let usage = "write availability=0.05pp (± percentage points), latency=2% (± of the mean), latency=0.5ms or fraction=5pp";
        let (figure, value) = s.split_once('=').ok_or_else(|| format!("`{s}` is not a precision target: {usage}"))?;
        let value = value.trim();
        let number = |text: &str| -> Result<f64, String> {
            match text.trim().parse::<f64>() {
                Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
                _ => Err(format!("`{value}` is not a positive number: {usage}")),
            }
        };
        let (figure, width) = match figure.trim() {
            "availability" => match value.strip_suffix("pp") {
                Some(pp) if number(pp)? < 100.0 => (Figure::Availability, Width::Absolute(number(pp)? / 100.0)),
                Some(_) => return Err(format!("`{value}` is wider than availability can be: {usage}")),
                None => {
                    return Err(format!(
                        "availability takes percentage points (`{value}` is ambiguous beside a percentage): {usage}"
                    ))
                }
            },
            "fraction" => match value.strip_suffix("pp") {
                Some(pp) if number(pp)? < 100.0 => (Figure::Fraction, Width::Absolute(number(pp)? / 100.0)),
                _ => return Err(format!("`{value}` is not a fraction's width in percentage points: {usage}")),
            },
            "latency" => match value.strip_suffix('%') {
                Some(p) => (Figure::Latency, Width::Relative(number(p)? / 100.0)),
                None => match value.parse::<crate::units::Duration>() {
                    Ok(d) if d.as_nanos() > 0 => (Figure::Latency, Width::Absolute(d.as_nanos() as f64)),
                    _ => return Err(format!("`{value}` is neither a percentage nor a duration: {usage}")),
                },
            },
            other => return Err(format!("`{other}` is not a figure with a precision target: {usage}")),
        };
        Ok(Target { figure, width })
    }
}

/// A width in percentage points as the user wrote it: `0.0002`, not `0.00019999999999999998`.
pub fn pp(fraction: f64) -> String {
    let text = format!("{:.12}", fraction * 100.0);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.figure, self.width) {
            (Figure::Availability, Width::Absolute(x)) => write!(f, "availability ±{}pp", pp(x)),
            (Figure::Availability, Width::Relative(x)) => write!(f, "availability ±{}%", pp(x)),
            (Figure::Fraction, Width::Absolute(x)) => write!(f, "fraction of seeds ±{}pp", pp(x)),
            (Figure::Fraction, Width::Relative(x)) => write!(f, "fraction of seeds ±{}%", pp(x)),
            (Figure::Latency, Width::Relative(x)) => write!(f, "mean latency ±{}%", pp(x)),
            (Figure::Latency, Width::Absolute(ns)) => {
                write!(f, "mean latency ±{}", crate::units::Duration::from_nanos(ns.round() as u64))
            }
        }
    }
}

/// One endpoint's figure at a look.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct EndpointWidth {
    /// Endpoint name.
    pub endpoint: String,
    /// The estimate with its interval at the look's level (latency in ms); `None` when no
    /// seed measured it (no requests, or none served).
    pub estimate: Option<Estimate>,
    /// Whether its half-width is within the target (an endpoint without data cannot get
    /// narrower, so it does not hold the run back).
    pub within: bool,
}

/// One look of a run until settled.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct LookWidths {
    /// Seeds so far.
    pub seeds: u64,
    /// Per endpoint, in topology order.
    pub endpoints: Vec<EndpointWidth>,
}

impl super::settle::LookResult for LookWidths {
    fn seeds(&self) -> u64 {
        self.seeds
    }

    /// Every endpoint is within the target.
    fn settled(&self) -> bool {
        self.endpoints.iter().all(|e| e.within)
    }
}

/// What a run until settled did: the target, the schedule and each look it ran, with each
/// endpoint's figure at every look.
pub type Settled = super::settle::Settled<LookWidths>;

pub use super::verdict::look_level;

/// Judges one look: `records` (one per seed, in seed order) of endpoints `names`.
pub fn judge_look(target: &Target, names: &[String], records: &[SeedRecord], level: f64) -> LookWidths {
    let endpoints = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            // The same estimators as the summary's table, at the look's level.
            let per_seed: Vec<_> = records.iter().filter_map(|r| r.endpoints.get(i)).collect();
            let estimate = match target.figure {
                Figure::Availability => {
                    per_seed.iter().any(|e| e.requests > 0).then(|| summary::availability_over_seeds(&per_seed, level))
                }
                Figure::Latency => per_seed
                    .iter()
                    .any(|e| e.samples > 0)
                    .then(|| summary::mean_latency_ms_over_seeds(&per_seed, level)),
                // A single run has no fractions of seeds; `run` refuses such targets.
                Figure::Fraction => None,
            };
            let within = estimate.is_none_or(|e| {
                let half = (e.high - e.low) / 2.0;
                let allowed = match (target.figure, target.width) {
                    (_, Width::Relative(r)) => r * e.value.abs(),
                    (Figure::Availability | Figure::Fraction, Width::Absolute(a)) => a,
                    (Figure::Latency, Width::Absolute(ns)) => ns / 1e6,
                };
                // One seed has no interval (NaN): not within until a second seed gives one.
                half.is_finite() && half <= allowed
            });
            EndpointWidth { endpoint: name.clone(), estimate, within }
        })
        .collect();
    LookWidths { seeds: records.len() as u64, endpoints }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_with_their_units_and_refuse_ambiguity() {
        let t: Target = "latency=2%".parse().expect("valid");
        assert_eq!(t, Target { figure: Figure::Latency, width: Width::Relative(0.02) });
        let t: Target = "latency=500us".parse().expect("valid");
        assert_eq!(t.width, Width::Absolute(500_000.0));
        let t: Target = "availability=0.05pp".parse().expect("valid");
        assert_eq!(t.figure, Figure::Availability);
        assert_eq!(t.to_string(), "availability ±0.05pp");
        for bad in
            ["latency", "availability=1%", "latency=-2%", "latency=0s", "p99=2%", "availability=200pp", "latency=x"]
        {
            let e = bad.parse::<Target>().expect_err(bad);
            assert!(e.contains("availability=0.05pp"), "{bad}: {e}");
        }
    }

    #[test]
    fn the_look_level_splits_five_percent() {
        assert!((look_level(1) - 0.95).abs() < 1e-12);
        assert!((look_level(5) - 0.99).abs() < 1e-12);
    }
}
