//! Unit strings as users write them ("250us", "2m30s", "512MiB") and the integer
//! quantities they denote.
//!
//! Durations become integer nanoseconds and sizes integer bytes at parse time, so no
//! floating point ever reaches simulated time. The parser is small and hand-written
//! rather than borrowed because it must accept decimals ("1.5ms") yet stay exact (the
//! decimal is scaled in integers, not through `f64`), and because its error messages
//! are part of our diagnostics.

use std::fmt;

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// Nanoseconds per unit, longest suffix first so "ms" is not read as "m" + "s".
const DURATION_UNITS: &[(&str, u64)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60 * 1_000_000_000),
    ("h", 3_600 * 1_000_000_000),
    ("d", 86_400 * 1_000_000_000),
    ("w", 7 * 86_400 * 1_000_000_000),
    // A year is 365 days exactly, so "1y" of downtime budget is a round number of minutes.
    ("y", 365 * 86_400 * 1_000_000_000),
];

/// Bytes per unit; binary (KiB) and decimal (KB) prefixes mean what they say.
const SIZE_UNITS: &[(&str, u64)] = &[
    ("B", 1),
    ("KB", 1_000),
    ("MB", 1_000_000),
    ("GB", 1_000_000_000),
    ("TB", 1_000_000_000_000),
    ("KiB", 1 << 10),
    ("MiB", 1 << 20),
    ("GiB", 1 << 30),
    ("TiB", 1 << 40),
];

/// A span of simulated time, held as integer nanoseconds.
///
/// Written in files as a unit string: `"250us"`, `"40ms"`, `"1.5s"`, `"2m30s"`, `"1h"`,
/// `"7d"`, `"1y"` (365 days). Units: ns, us (or µs), ms, s, m, h, d, w, y.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(pub u64);

impl Duration {
    /// Zero time.
    pub const ZERO: Duration = Duration(0);

    /// A duration of `n` nanoseconds.
    pub const fn from_nanos(n: u64) -> Self {
        Duration(n)
    }

    /// A duration of `ms` milliseconds.
    pub const fn from_millis(ms: u64) -> Self {
        Duration(ms * 1_000_000)
    }

    /// A duration of `s` seconds.
    pub const fn from_secs(s: u64) -> Self {
        Duration(s * 1_000_000_000)
    }

    /// The duration in nanoseconds.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// The duration in seconds, for reports and formulas (never for simulated time).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }
}

impl fmt::Display for Duration {
    /// Prints the largest units that divide exactly, e.g. `2m30s`, `1.5ms` prints as `1500us`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0s");
        }
        let mut rest = self.0;
        // Whole days and above are printed by the big units, the remainder by the smallest
        // unit that represents it exactly, so the text round-trips.
        for (unit, ns) in [("d", 86_400_000_000_000u64), ("h", 3_600_000_000_000), ("m", 60_000_000_000)] {
            if rest >= ns && rest % 1_000_000_000 == 0 {
                write!(f, "{}{unit}", rest / ns)?;
                rest %= ns;
            }
        }
        if rest == 0 {
            return Ok(());
        }
        for (unit, ns) in [("s", 1_000_000_000u64), ("ms", 1_000_000), ("us", 1_000), ("ns", 1)] {
            if rest % ns == 0 {
                return write!(f, "{}{unit}", rest / ns);
            }
        }
        Ok(())
    }
}

/// An amount of memory in bytes, written as `"512MiB"`, `"2GiB"`, `"64KB"` or `"1024B"`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bytes(pub u64);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (unit, n) in [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
            if self.0 >= n && self.0 % n == 0 {
                return write!(f, "{}{unit}", self.0 / n);
            }
        }
        write!(f, "{}B", self.0)
    }
}

/// Why a unit string did not parse; the message is shown to users as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitError {
    /// The string was empty.
    #[error("empty {what}; write a number with a unit, e.g. {example}")]
    Empty {
        /// "duration" or "size".
        what: &'static str,
        /// An example of a valid value.
        example: &'static str,
    },
    /// A number was not followed by a known unit.
    #[error("unknown unit `{unit}` in {what} `{text}`; expected one of {units}")]
    UnknownUnit {
        /// "duration" or "size".
        what: &'static str,
        /// The whole input.
        text: String,
        /// The unit as found.
        unit: String,
        /// The accepted units, comma separated.
        units: String,
    },
    /// Something other than a digit or a unit was found.
    #[error("malformed {what} `{text}`; write a number with a unit, e.g. {example}")]
    Malformed {
        /// "duration" or "size".
        what: &'static str,
        /// The whole input.
        text: String,
        /// An example of a valid value.
        example: &'static str,
    },
    /// The value does not fit 64 bits or has more precision than the unit allows.
    #[error("{what} `{text}` is out of range or finer than 1 {finest}")]
    OutOfRange {
        /// "duration" or "size".
        what: &'static str,
        /// The whole input.
        text: String,
        /// The finest unit.
        finest: &'static str,
    },
}

struct UnitTable {
    what: &'static str,
    example: &'static str,
    finest: &'static str,
    units: &'static [(&'static str, u64)],
}

const DURATION_TABLE: UnitTable =
    UnitTable { what: "duration", example: "\"250ms\" or \"2m30s\"", finest: "ns", units: DURATION_UNITS };
const SIZE_TABLE: UnitTable = UnitTable { what: "size", example: "\"512MiB\"", finest: "B", units: SIZE_UNITS };

/// Parses a sequence of `<decimal><unit>` terms and sums them exactly.
fn parse_units(text: &str, table: &UnitTable) -> Result<u64, UnitError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(UnitError::Empty { what: table.what, example: table.example });
    }
    let malformed = || UnitError::Malformed { what: table.what, text: text.to_owned(), example: table.example };
    let out_of_range = || UnitError::OutOfRange { what: table.what, text: text.to_owned(), finest: table.finest };
    // "0" alone is unambiguous and common enough to accept without a unit.
    if trimmed == "0" {
        return Ok(0);
    }
    let mut total: u64 = 0;
    let mut rest = trimmed;
    while !rest.is_empty() {
        rest = rest.trim_start();
        let number_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_')).unwrap_or(rest.len());
        if number_len == 0 {
            return Err(malformed());
        }
        let number = rest[..number_len].replace('_', "");
        rest = rest[number_len..].trim_start();
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c.is_whitespace()).unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let Some(&(_, scale)) = table.units.iter().find(|(u, _)| *u == unit) else {
            return Err(UnitError::UnknownUnit {
                what: table.what,
                text: text.to_owned(),
                unit: unit.to_owned(),
                units: unit_list(table),
            });
        };
        let (whole, frac) = match number.split_once('.') {
            Some((w, f)) => (w, f),
            None => (number.as_str(), ""),
        };
        if (whole.is_empty() && frac.is_empty()) || frac.contains('.') {
            return Err(malformed());
        }
        let whole: u64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| out_of_range())? };
        let mut value = whole.checked_mul(scale).ok_or_else(out_of_range)?;
        // The fraction is scaled digit by digit so "1.5ms" is exactly 1_500_000 ns.
        let mut place = scale;
        for digit in frac.bytes() {
            place /= 10;
            let d = u64::from(digit - b'0');
            if place == 0 {
                if d != 0 {
                    return Err(out_of_range());
                }
                continue;
            }
            value = value.checked_add(d * place).ok_or_else(out_of_range)?;
        }
        total = total.checked_add(value).ok_or_else(out_of_range)?;
    }
    Ok(total)
}

fn unit_list(table: &UnitTable) -> String {
    table.units.iter().map(|(u, _)| *u).collect::<Vec<_>>().join(", ")
}

impl std::str::FromStr for Duration {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_units(s, &DURATION_TABLE).map(Duration)
    }
}

impl std::str::FromStr for Bytes {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_units(s, &SIZE_TABLE).map(Bytes)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UnitVisitor::<Duration>(std::marker::PhantomData))
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UnitVisitor::<Bytes>(std::marker::PhantomData))
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Serialises a duration as integer nanoseconds: every JSON output gives durations as numbers
/// in a field named for its unit (`…_ns`), never as a string such as `"400ms"`. Use with
/// `#[serde(rename = "…_ns", serialize_with = "…")]` and `#[schemars(with = "u64")]`.
pub fn serialize_ns<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_nanos())
}

/// [`serialize_ns`] for a list of durations.
pub fn serialize_ns_list<S: Serializer>(d: &[Duration], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(d.iter().map(|d| d.as_nanos()))
}

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

struct UnitVisitor<T>(std::marker::PhantomData<T>);

impl<T> de::Visitor<'_> for UnitVisitor<T>
where
    T: std::str::FromStr<Err = UnitError>,
{
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string with a unit, such as \"250ms\" or \"512MiB\"")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        v.parse().map_err(E::custom)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        Err(E::custom(format!("a bare number ({v}) has no unit; write it as a string with a unit, e.g. \"{v}ms\"")))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        Err(E::custom(format!("a bare number ({v}) has no unit; write it as a string with a unit, e.g. \"{v}ms\"")))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        Err(E::custom(format!("a bare number ({v}) has no unit; write it as a string with a unit, e.g. \"{v}ms\"")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> u64 {
        s.parse::<Duration>().map(|d| d.0).unwrap_or(u64::MAX)
    }

    #[test]
    fn durations_parse_exactly() {
        assert_eq!(d("250us"), 250_000);
        assert_eq!(d("40ms"), 40_000_000);
        assert_eq!(d("1.5ms"), 1_500_000);
        assert_eq!(d("2m30s"), 150_000_000_000);
        assert_eq!(d("1h"), 3_600_000_000_000);
        assert_eq!(d("1y"), 365 * 86_400 * 1_000_000_000);
        assert_eq!(d("0"), 0);
        assert_eq!(d("1_000ms"), 1_000_000_000);
    }

    #[test]
    fn bad_durations_are_errors() {
        for bad in ["", "10", "ms", "1.2.3s", "5 parsecs", "0.5ns", "99999999999999999999s", "-1s"] {
            assert!(bad.parse::<Duration>().is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn durations_round_trip_through_display() {
        for s in ["2m30s", "1500us", "1d", "7ns", "3h", "0s", "1d2h"] {
            let v: Duration = s.parse().expect("valid");
            assert_eq!(v.to_string().parse::<Duration>(), Ok(v));
        }
    }

    #[test]
    fn sizes_parse() {
        assert_eq!("512MiB".parse::<Bytes>(), Ok(Bytes(512 << 20)));
        assert_eq!("1GB".parse::<Bytes>(), Ok(Bytes(1_000_000_000)));
        assert!("12 apples".parse::<Bytes>().is_err());
    }
}
