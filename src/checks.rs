//! Range checks shared by topology and scenario validation, so a value means the same
//! thing and gets the same message wherever it appears.
//!
//! Each check records a [`Problem`](crate::problem::Problem) at the given path and
//! returns nothing: validation goes on and reports everything at once.

use crate::dist::{Dist, FailureModel};
use crate::problem::{Path, Problems};
use crate::spec;
use crate::units::Duration;

/// A probability, ratio or fraction in [0, 1].
pub fn prob(p: &mut Problems, path: &Path, v: f64, what: &str) {
    if v.is_nan() || !(0.0..=1.0).contains(&v) {
        p.with_hint(
            path.clone(),
            "not in [0, 1]",
            format!("{what} must be a probability in [0, 1], found {v}"),
            "write a fraction such as 0.01 for 1%",
        );
    }
}

/// A fraction in (0, 1]: something that must be present but at most all of it.
pub fn fraction(p: &mut Problems, path: &Path, v: f64, what: &str) {
    if v.is_nan() || v <= 0.0 || v > 1.0 {
        p.push(path.clone(), "not in (0, 1]", format!("{what} must be in (0, 1], found {v}"));
    }
}

/// A percentile in (0, 100).
pub fn percentile(p: &mut Problems, path: &Path, v: f64) {
    if v.is_nan() || v <= 0.0 || v >= 100.0 {
        p.push(path.clone(), "not in (0, 100)", format!("a percentile is in (0, 100), found {v}"));
    }
}

/// A finite number above zero.
pub fn positive_f(p: &mut Problems, path: &Path, v: f64, what: &str) {
    if v.is_nan() || v <= 0.0 || v.is_infinite() {
        p.push(path.clone(), "must be > 0", format!("{what} must be a positive number, found {v}"));
    }
}

/// A finite number at least zero.
pub fn non_negative_f(p: &mut Problems, path: &Path, v: f64, what: &str) {
    if v.is_nan() || v < 0.0 || v.is_infinite() {
        p.push(path.clone(), "must be ≥ 0", format!("{what} must be zero or more, found {v}"));
    }
}

/// A count of at least one.
pub fn positive_u(p: &mut Problems, path: &Path, v: u64, what: &str) {
    if v == 0 {
        p.push(path.clone(), "must be ≥ 1", format!("{what} must be at least 1, found 0"));
    }
}

/// A duration longer than zero.
pub fn positive_d(p: &mut Problems, path: &Path, v: Duration, what: &str) {
    if v == Duration::ZERO {
        p.push(path.clone(), "must be > 0", format!("{what} must be longer than zero"));
    }
}

/// A distribution's parameters; returns it fitted (meaningless when a problem was recorded).
pub fn dist(p: &mut Problems, path: &Path, d: &spec::Dist) -> Dist {
    match d {
        spec::Dist::Fixed(_) => {}
        spec::Dist::Exp { mean } => positive_d(p, &path.field("mean"), *mean, "an exponential's mean"),
        spec::Dist::LogNormal { median, p99 } => {
            positive_d(p, &path.field("median"), *median, "a log-normal's median");
            if p99 < median {
                p.with_hint(
                    path.field("p99"),
                    "below the median",
                    format!("p99 ({p99}) is below the median ({median})"),
                    "a p99 is at least the median; did you swap them?",
                );
            }
        }
        spec::Dist::Uniform { min, max } => {
            if max < min {
                p.push(path.field("max"), "below min", format!("uniform max ({max}) is below min ({min})"));
            }
        }
        spec::Dist::Weibull { shape, mean } => {
            positive_f(p, &path.field("shape"), *shape, "a Weibull shape");
            positive_d(p, &path.field("mean"), *mean, "a Weibull mean");
        }
    }
    Dist::from_spec(d)
}

/// The family parameters of a failure or repair time.
pub fn lifetime(p: &mut Problems, path: &Path, l: &spec::Lifetime) {
    match l {
        spec::Lifetime::Weibull { shape } => positive_f(p, &path.field("shape"), *shape, "a Weibull shape"),
        spec::Lifetime::LogNormal { sigma } => positive_f(p, &path.field("sigma"), *sigma, "a log-normal sigma"),
        spec::Lifetime::Exponential | spec::Lifetime::Fixed => {}
    }
}

/// A failure model at `path` (the `failure` value itself).
pub fn failure(p: &mut Problems, path: &Path, f: &spec::Failure) -> FailureModel {
    positive_d(p, &path.field("mtbf"), f.mtbf, "mtbf");
    positive_d(p, &path.field("mttr"), f.mttr, "mttr");
    lifetime(p, &path.field("ttf"), &f.ttf);
    lifetime(p, &path.field("ttr"), &f.ttr);
    FailureModel::from_spec(f)
}

/// A retry policy at `path` (the `retry` value itself).
pub fn retry(p: &mut Problems, path: &Path, r: &spec::Retry) {
    if r.max_attempts == 0 || r.max_attempts > 100 {
        p.with_hint(
            path.field("max_attempts"),
            "out of range",
            format!("max_attempts must be between 1 and 100, found {}", r.max_attempts),
            "it counts the first try; retries at several layers multiply, so a handful is plenty",
        );
    }
    if let Some(b) = &r.backoff {
        let bp = path.field("backoff");
        positive_d(p, &bp.field("base"), b.base, "backoff base");
        if b.cap < b.base {
            p.push(bp.field("cap"), "below base", format!("backoff cap ({}) is below its base ({})", b.cap, b.base));
        }
    }
    let bp = path.field("budget");
    match &r.budget {
        Some(spec::RetryBudget::Ratio { ratio, window }) => {
            prob(p, &bp.field("ratio"), *ratio, "a retry budget ratio");
            positive_d(p, &bp.field("window"), *window, "a retry budget window");
        }
        Some(spec::RetryBudget::TokenBucket { per_success, capacity }) => {
            non_negative_f(p, &bp.field("per_success"), *per_success, "per_success");
            positive_f(p, &bp.field("capacity"), *capacity, "a token bucket capacity");
        }
        None => {}
    }
}

/// A rate limit at `path` (the `rate_limit` value itself).
pub fn rate_limit(p: &mut Problems, path: &Path, r: &spec::RateLimit) {
    positive_f(p, &path.field("rate"), r.rate, "a rate limit");
    if let Some(b) = r.burst {
        positive_u(p, &path.field("burst"), u64::from(b), "a burst");
    }
}
