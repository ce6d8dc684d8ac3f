//! The user manual, compiled into the binary so that it ships with the tool and matches it.
//!
//! Each chapter is a Markdown file beside this one. `faultsim manual [TOPIC]` prints them, and
//! a page server can render [`CHAPTERS`] as they are. Every sample output in them (a ```` ```text ````
//! block whose first line is `$ faultsim …`) is produced by the binary in `tests/it/docs.rs`,
//! so a change in output fails that test until the chapter is regenerated.

/// One chapter: its slug (the topic users type), its title, and its Markdown text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chapter {
    /// The topic name, as in `faultsim manual SLUG`; also the file name `src/manual/SLUG.md`.
    pub slug: &'static str,
    /// The chapter's title (its `# ` heading without the `#`).
    pub title: &'static str,
    /// The chapter's Markdown text, title heading included.
    pub markdown: &'static str,
}

macro_rules! chapter {
    ($slug:literal, $title:literal) => {
        Chapter { slug: $slug, title: $title, markdown: include_str!(concat!($slug, ".md")) }
    };
}

/// Every chapter, in reading order.
pub const CHAPTERS: &[Chapter] = &[
    chapter!("getting-started", "Getting started"),
    chapter!("modelling", "Modelling: topology, scenario and patch files"),
    chapter!("semantics", "Semantics: how faultsim simulates and analyses"),
    chapter!("statistics", "Statistics: what the intervals mean"),
    chapter!("studies", "Studies: FMEA, cascades, metastability, what-if"),
    chapter!("ci", "CI: hypotheses, fault-space search and error budgets"),
    chapter!("availability", "Availability: nines over years"),
    chapter!("distributed", "Distributed runs: shards and merging"),
    chapter!("bridge", "From and to your system: chaos experiments and traces"),
    chapter!("limits", "Limits: every bound on a run or an input"),
    chapter!("performance", "Performance"),
    chapter!("field-stories", "Field stories"),
    chapter!("examples", "Examples: every model and scenario"),
];

/// The chapter named `slug`, if any.
pub fn chapter(slug: &str) -> Option<&'static Chapter> {
    CHAPTERS.iter().find(|c| c.slug == slug)
}

/// The closest chapter slug to a mistyped topic, if one is close enough to be meant.
pub fn suggest(topic: &str) -> Option<&'static str> {
    CHAPTERS
        .iter()
        .map(|c| (strsim::jaro_winkler(topic, c.slug), c.slug))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, slug)| slug)
}

/// The topic list `faultsim manual` prints: one line per chapter, slug and title.
pub fn topics() -> String {
    let width = CHAPTERS.iter().map(|c| c.slug.len()).max().unwrap_or(0);
    let mut out = String::from("faultsim manual: run `faultsim manual TOPIC` to read a chapter\n\n");
    for c in CHAPTERS {
        out.push_str(&format!("  {:width$}  {}\n", c.slug, c.title));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_title_matches_its_heading() {
        for c in CHAPTERS {
            let first = c.markdown.lines().next().unwrap_or_default();
            assert_eq!(first, format!("# {}", c.title), "chapter {}", c.slug);
        }
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("statistic"), Some("statistics"));
        assert_eq!(suggest("modeling"), Some("modelling"));
        assert_eq!(suggest("zzzz"), None);
    }
}
