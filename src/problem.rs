//! What is wrong with an input, and where: a [`Problem`] names a place in a file by a
//! [`Path`] (`services[2].calls[0].to`), so validation never needs source positions; the
//! loader turns paths into line:col when it renders them.

use std::fmt;

/// One step into a RON value: a named field or a position in a list or tuple.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seg {
    /// A struct field, e.g. `services`.
    Field(&'static str),
    /// A list element or a tuple / enum payload position, from 0.
    Index(usize),
}

/// A place inside a file, as a sequence of steps from the top-level value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Path(pub Vec<Seg>);

impl Path {
    /// The top-level value.
    pub fn root() -> Path {
        Path(Vec::new())
    }

    /// This path extended by a field.
    pub fn field(&self, name: &'static str) -> Path {
        let mut p = self.clone();
        p.0.push(Seg::Field(name));
        p
    }

    /// This path extended by an index.
    pub fn index(&self, i: usize) -> Path {
        let mut p = self.clone();
        p.0.push(Seg::Index(i));
        p
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for seg in &self.0 {
            match seg {
                Seg::Field(name) if first => write!(f, "{name}")?,
                Seg::Field(name) => write!(f, ".{name}")?,
                Seg::Index(i) => write!(f, "[{i}]")?,
            }
            first = false;
        }
        Ok(())
    }
}

/// One semantic error in an input file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Where in the file.
    pub path: Path,
    /// What is wrong, in lowercase, without a trailing period.
    pub message: String,
    /// How to fix it, if we can say.
    pub hint: Option<String>,
    /// A short label shown under the offending text.
    pub label: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at {})", self.message, self.path)?;
        if let Some(h) = &self.hint {
            write!(f, "; {h}")?;
        }
        Ok(())
    }
}

/// Collects problems while validation goes on, so that all of them are reported at once.
#[derive(Debug, Default)]
pub struct Problems {
    list: Vec<Problem>,
}

impl Problems {
    /// An empty collector.
    pub fn new() -> Problems {
        Problems::default()
    }

    /// Records a problem with a label.
    pub fn push(&mut self, path: Path, label: impl Into<String>, message: impl Into<String>) -> &mut Problem {
        self.list.push(Problem { path, message: message.into(), hint: None, label: label.into() });
        let last = self.list.len() - 1;
        &mut self.list[last]
    }

    /// Records a problem with a hint.
    pub fn with_hint(
        &mut self,
        path: Path,
        label: impl Into<String>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.push(path, label, message).hint = Some(hint.into());
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Number of problems so far.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// The problems in the order found.
    pub fn into_vec(self) -> Vec<Problem> {
        self.list
    }
}

/// The closest candidate to `found`, if close enough to be a plausible typo.
pub fn did_you_mean<'a>(found: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(&str, f64)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(&found.to_lowercase(), &c.to_lowercase());
        if score > 0.8 && best.is_none_or(|(_, s)| score > s) {
            best = Some((c, score));
        }
    }
    best.map(|(c, _)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_print_like_field_access() {
        let p = Path::root().field("services").index(2).field("calls").index(0).field("to");
        assert_eq!(p.to_string(), "services[2].calls[0].to");
    }

    #[test]
    fn suggestions_catch_typos_only() {
        assert_eq!(did_you_mean("workrs", ["workers", "backlog"]), Some("workers"));
        assert_eq!(did_you_mean("zzz", ["workers", "backlog"]), None);
    }
}
