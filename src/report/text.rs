//! Plain-text building blocks shared by the summaries: aligned tables and the way numbers
//! are printed, so every report reads the same.

use crate::stats::Estimate;

/// A table of strings, the first row being the header: the first column left-aligned, the
/// others right-aligned, two spaces apart (see [`super::table::Table::text`]).
pub fn table(rows: &[Vec<String>]) -> String {
    super::table::plain(rows)
}

/// Nanoseconds as milliseconds with three significant digits.
pub fn ms(ns: u64) -> String {
    let v = ns as f64 / 1e6;
    if v >= 100.0 {
        format!("{v:.0}ms")
    } else if v >= 10.0 {
        format!("{v:.1}ms")
    } else {
        format!("{v:.2}ms")
    }
}

/// A fraction as a percentage, with a third decimal once it is above 99.9%.
pub fn pct(x: f64) -> String {
    if !x.is_finite() {
        "n/a".to_owned()
    } else if x >= 0.999 {
        format!("{:.3}%", x * 100.0)
    } else {
        format!("{:.2}%", x * 100.0)
    }
}

/// A percentage with its interval: `99.12% [99.05%, 99.19%]`, or `[n/a]` without one.
pub fn pct_ci(e: &Estimate) -> String {
    if e.has_interval() && e.high > e.low && e.high < 0.00005 {
        // A positive upper end that rounds to 0.00% would read as a zero-width interval.
        format!("{} [{}, < 0.01%]", pct(e.value), pct(e.low))
    } else if e.has_interval() {
        format!("{} [{}, {}]", pct(e.value), pct(e.low), pct(e.high))
    } else {
        format!("{} [n/a]", pct(e.value))
    }
}

/// `x` with `significant` significant digits, in plain notation (`0.000183`, `12.3`).
pub fn sig(x: f64, significant: usize) -> String {
    if !x.is_finite() || x == 0.0 {
        return num(x, 0);
    }
    let magnitude = x.abs().log10().floor() as i64;
    let digits = (significant as i64 - 1 - magnitude).max(0) as usize;
    num(x, digits)
}

/// A number with `digits` decimals; ∞ and n/a spelled out; −0 printed as 0.
pub fn num(x: f64, digits: usize) -> String {
    if x.is_infinite() {
        "∞".to_owned()
    } else if x.is_nan() {
        "n/a".to_owned()
    } else {
        let s = format!("{x:.digits$}");
        if s.trim_start_matches('-').chars().all(|c| c == '0' || c == '.') {
            format!("{:.digits$}", 0.0)
        } else {
            s
        }
    }
}

/// A number with its interval: `2.31 [2.29, 2.34]`, or `[n/a]` without one.
pub fn num_ci(e: &Estimate, digits: usize) -> String {
    let step = 10f64.powi(-(digits as i32));
    if e.has_interval() && e.high > e.low && e.high < step / 2.0 && e.low >= 0.0 {
        // A positive upper end that rounds to zero would read as a zero-width interval.
        format!("{} [{}, < {}]", num(e.value, digits), num(e.low, digits), num(step, digits))
    } else if e.has_interval() {
        format!("{} [{}, {}]", num(e.value, digits), num(e.low, digits), num(e.high, digits))
    } else {
        format!("{} [n/a]", num(e.value, digits))
    }
}

/// A per-seed mean of a count: like [`num_ci`], except that a count that was zero on every
/// seed — whose interval is the one-sided bound of `stats::count_mean_interval` — reads
/// `none (< 0.30)`.
pub fn count_ci(e: &Estimate, digits: usize) -> String {
    if e.value == 0.0 && e.low == 0.0 && e.high > 0.0 && e.high.is_finite() {
        format!("none (< {})", num(e.high, 2))
    } else {
        num_ci(e, digits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_and_numbers_read_well() {
        let t = table(&[vec!["a".into(), "1".into()], vec!["long".into(), "100".into()]]);
        assert_eq!(t, "  a       1\n  long  100\n");
        assert_eq!(ms(1_234_567), "1.23ms");
        assert_eq!(pct(0.99951), "99.951%");
        assert_eq!(pct(0.5), "50.00%");
    }
}
