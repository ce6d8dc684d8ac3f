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
    at_least_d(
        p,
        &path.field("mtbf"),
        f.mtbf,
        MIN_MTBF,
        "mtbf",
        "something failing more than once a second is a crash loop, not a failure process",
    );
    at_least_d(
        p,
        &path.field("mttr"),
        f.mttr,
        MIN_MTTR,
        "mttr",
        "no repair or failover completes in under a millisecond",
    );
    at_most_d(p, &path.field("mtbf"), f.mtbf, MAX_DURATION, "mtbf");
    at_most_d(p, &path.field("mttr"), f.mttr, MAX_DURATION, "mttr");
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
    rate(p, &path.field("rate"), r.rate, "a rate limit");
    if let Some(b) = r.burst {
        positive_u(p, &path.field("burst"), u64::from(b), "a burst");
    }
}

/// Longest duration meant as a timeout, delay or mean time: 100 years, far beyond any run,
/// and well inside the 584 years that integer nanoseconds can count.
pub const MAX_DURATION: Duration = Duration(100 * 365 * 24 * 3600 * 1_000_000_000);

/// Shortest mean time between failures: below a second it is a crash loop, and the event
/// count (and logs) would grow without bound.
pub const MIN_MTBF: Duration = Duration::from_secs(1);

/// Shortest mean time to repair.
pub const MIN_MTTR: Duration = Duration::from_millis(1);

/// Shortest health-check interval: real probes are seconds apart; 10ms is generous.
pub const MIN_HEALTH_CHECK_INTERVAL: Duration = Duration::from_millis(10);

/// Shortest autoscaler evaluation interval: each decision looks at every instance, and real
/// autoscalers see fresh metrics at most every few seconds.
pub const MIN_AUTOSCALER_INTERVAL: Duration = Duration::from_secs(1);

/// Shortest restart delay: bounds out-of-memory crash loops to 1,000 restarts per second
/// per instance; no process restarts faster.
pub const MIN_RESTART_DELAY: Duration = Duration::from_millis(1);

/// Highest rate (per second) of arrivals or tokens: the clock counts whole nanoseconds, so
/// nothing can happen more often than 10^9 times a second.
pub const MAX_RATE: f64 = 1e9;

/// Lowest arrival rate (per second), about one every 32 years; its mean gap still fits the
/// nanosecond clock.
pub const MIN_RATE: f64 = 1e-9;

/// Largest multiplying factor (slowdown, step, spike).
pub const MAX_FACTOR: f64 = 1e6;

/// A rate per second in [[`MIN_RATE`], [`MAX_RATE`]].
pub fn rate(p: &mut Problems, path: &Path, v: f64, what: &str) {
    range_f(
        p,
        path,
        v,
        MIN_RATE,
        MAX_RATE,
        what,
        "the clock counts nanoseconds, so at most 1e9 per second; at least 1e-9 (one in 32 years)",
    );
}

/// A multiplying factor in (0, [`MAX_FACTOR`]].
pub fn factor(p: &mut Problems, path: &Path, v: f64, what: &str) {
    if v.is_nan() || v <= 0.0 || v > MAX_FACTOR {
        p.with_hint(
            path.clone(),
            "out of range",
            format!("{what} must be in (0, {}], found {}", num(MAX_FACTOR), num(v)),
            "a factor multiplies a time or rate; a million-fold is already far beyond any real incident",
        );
    }
}

/// Longest name, in characters: long enough for any real identifier, short enough that
/// tables, graphs and file names built from names stay sane.
pub const MAX_NAME_CHARS: usize = 128;

/// Longest free text (a description), in characters.
pub const MAX_TEXT_CHARS: usize = 4096;

/// Whether a character must never reach a terminal, DOT or SVG from a name: control
/// characters (Unicode category Cc) rewrite the terminal or break XML, and bidirectional
/// overrides, isolates and marks make text display in an order other than its own.
fn is_hostile(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Text safe to quote in a message: hostile characters as `\u{..}` escapes, and at most
/// 40 characters of it, followed by its length when it was cut.
pub fn shown(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == 40 {
            out.push_str(&format!("… ({} characters)", s.chars().count()));
            break;
        }
        if is_hostile(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// A user-given name (of a topology, scenario, region, zone, component, endpoint, fault or
/// hypothesis): not blank, at most [`MAX_NAME_CHARS`] characters, no control or
/// bidirectional-override characters. Returns whether it is acceptable.
pub fn name(p: &mut Problems, path: &Path, v: &str, what: &str) -> bool {
    if v.trim().is_empty() {
        p.with_hint(
            path.clone(),
            "empty name",
            format!("{what} name must not be empty"),
            "write a short name such as \"web\"",
        );
        return false;
    }
    let n = v.chars().count();
    if n > MAX_NAME_CHARS {
        p.with_hint(
            path.clone(),
            "too long",
            format!("{what} name is {n} characters long; at most {MAX_NAME_CHARS} are allowed (`{}`)", shown(v)),
            "use a short identifier; put prose in a description",
        );
        return false;
    }
    if let Some(c) = v.chars().find(|c| is_hostile(*c)) {
        p.with_hint(
            path.clone(),
            "bad character",
            format!("{what} name `{}` contains the control or bidi character U+{:04X}", shown(v), c as u32),
            "names may not contain control characters (escapes such as \\n, \\u{1b}) or bidi overrides",
        );
        return false;
    }
    true
}

/// Free text that reaches reports (a description): at most [`MAX_TEXT_CHARS`] characters
/// and no control or bidi characters other than newline and tab.
pub fn text(p: &mut Problems, path: &Path, v: &str, what: &str) {
    let n = v.chars().count();
    if n > MAX_TEXT_CHARS {
        p.with_hint(
            path.clone(),
            "too long",
            format!("{what} is {n} characters long; at most {MAX_TEXT_CHARS} are allowed"),
            "shorten it; link to a longer document instead",
        );
    } else if let Some(c) = v.chars().find(|c| *c != '\n' && *c != '\t' && is_hostile(*c)) {
        p.with_hint(
            path.clone(),
            "bad character",
            format!("{what} contains the control or bidi character U+{:04X}", c as u32),
            "free text may contain newlines and tabs but no other control characters or bidi overrides",
        );
    }
}

/// A duration at most `max` (e.g. a timeout that must end within a sane horizon).
pub fn at_most_d(p: &mut Problems, path: &Path, v: Duration, max: Duration, what: &str) {
    if v > max {
        p.with_hint(
            path.clone(),
            "too long",
            format!("{what} must be at most {max}, found {v}"),
            "a value that long never happens within any run; leave it out for none",
        );
    }
}

/// A duration at least `min`, a floor below which the value makes no physical sense and
/// would only make the simulation do unbounded work.
pub fn at_least_d(p: &mut Problems, path: &Path, v: Duration, min: Duration, what: &str, why: &str) {
    if v < min {
        p.with_hint(path.clone(), "too short", format!("{what} must be at least {min}, found {v}"), why.to_owned());
    }
}

/// A finite number in `[min, max]`.
pub fn range_f(p: &mut Problems, path: &Path, v: f64, min: f64, max: f64, what: &str, hint: &str) {
    if v.is_nan() || v < min || v > max {
        p.with_hint(
            path.clone(),
            "out of range",
            format!("{what} must be in [{}, {}], found {}", num(min), num(max), num(v)),
            hint.to_owned(),
        );
    }
}

/// A number as a person would write it: plain when moderate, in exponent form when tiny or
/// huge, so `5e-324` does not print as 324 digits.
pub fn num(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 || !a.is_finite() || (1e-4..1e15).contains(&a) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}
