//! One table builder for every report: the same rows render as aligned terminal text, as a
//! markdown table (GitHub step summaries, `summary.md`) or as HTML (the report page), each
//! escaped for its format by [`super::escape`].
//!
//! A cell is plain text, code, a verdict badge or a value flagged as untrustworthy (too few
//! samples); each format shows those in its own way (a coloured badge in HTML, an emoji in
//! markdown, the word alone in a terminal).

use maud::{html, Markup, Render};

use super::escape;

/// How a verdict badge reads: good, bad, a warning, or nothing to judge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    /// Met, passed, inside.
    Good,
    /// Missed, failed.
    Bad,
    /// Partly met, inconclusive, outside an interval.
    Warn,
    /// Not evaluated.
    Neutral,
}

impl Tone {
    /// The page's CSS class of the badge.
    fn class(self) -> &'static str {
        match self {
            Tone::Good => "badge ok",
            Tone::Bad => "badge bad",
            Tone::Warn => "badge warn",
            Tone::Neutral => "badge skip",
        }
    }

    /// The mark a markdown table puts before the word.
    fn mark(self) -> &'static str {
        match self {
            Tone::Good => "✅",
            Tone::Bad => "❌",
            Tone::Warn => "⚠️",
            Tone::Neutral => "➖",
        }
    }
}

/// One table cell.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// Plain text.
    Text(String),
    /// Code: a command, a file name, a fingerprint.
    Code(String),
    /// A verdict, shown as a badge.
    Badge(Tone, String),
    /// A value not to trust, with the reason (shown with a `*`).
    Flagged(String, String),
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_owned())
    }
}

impl Cell {
    /// The cell as terminal text.
    fn text(&self) -> String {
        match self {
            Cell::Text(s) | Cell::Code(s) | Cell::Badge(_, s) => escape::text(s),
            Cell::Flagged(s, _) => format!("{}*", escape::text(s)),
        }
    }

    /// The cell as markdown.
    fn markdown(&self) -> String {
        match self {
            Cell::Text(s) => escape::markdown(s),
            Cell::Code(s) => format!("`{}`", escape::markdown(&s.replace('`', "'"))),
            Cell::Badge(tone, s) => format!("{} {}", tone.mark(), escape::markdown(s)),
            Cell::Flagged(s, _) => format!("{}\\*", escape::markdown(s)),
        }
    }
}

impl Render for Cell {
    fn render(&self) -> Markup {
        match self {
            Cell::Text(s) => html! { (s) },
            Cell::Code(s) => html! { code { (s) } },
            Cell::Badge(tone, s) => html! { span class=(tone.class()) { (s) } },
            Cell::Flagged(s, why) => html! { span.few title=(why) { (s) "*" } },
        }
    }
}

/// A table: a header and rows of cells. Numbers align right; the first column and the
/// columns marked as text align left.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    head: Vec<String>,
    rows: Vec<Vec<Cell>>,
    text_columns: Vec<usize>,
}

impl Table {
    /// An empty table with these column headers.
    pub fn new<S: AsRef<str>>(head: &[S]) -> Table {
        Table { head: head.iter().map(|h| h.as_ref().to_owned()).collect(), ..Table::default() }
    }

    /// Marks columns (besides the first) as text, aligned left in HTML.
    pub fn text_columns(mut self, columns: &[usize]) -> Table {
        self.text_columns = columns.to_vec();
        self
    }

    /// Adds a row.
    pub fn push(&mut self, row: Vec<Cell>) {
        self.rows.push(row);
    }

    /// Adds rows.
    pub fn extend(mut self, rows: impl IntoIterator<Item = Vec<Cell>>) -> Table {
        self.rows.extend(rows);
        self
    }

    /// Aligned terminal text, the header as the first line: the first column left-aligned,
    /// the others right-aligned, two spaces apart, each line indented by two spaces.
    pub fn text(&self) -> String {
        let mut lines: Vec<Vec<String>> = Vec::with_capacity(self.rows.len() + 1);
        if !self.head.is_empty() {
            lines.push(self.head.iter().map(|h| escape::text(h)).collect());
        }
        lines.extend(self.rows.iter().map(|r| r.iter().map(Cell::text).collect()));
        let cols = lines.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..cols)
            .map(|c| lines.iter().filter_map(|r| r.get(c)).map(|s| s.chars().count()).max().unwrap_or(0))
            .collect();
        let mut out = String::new();
        for r in &lines {
            let mut line = String::from(" ");
            for (c, cell) in r.iter().enumerate() {
                let pad = " ".repeat(widths[c] - cell.chars().count());
                if c == 0 {
                    line.push(' ');
                    line.push_str(cell);
                    line.push_str(&pad);
                } else {
                    line.push_str("  ");
                    line.push_str(&pad);
                    line.push_str(cell);
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    /// A GitHub-flavoured markdown table.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let row = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
        out.push_str(&row(self.head.iter().map(|h| escape::markdown(h)).collect()));
        out.push_str(&format!("|{}\n", "---|".repeat(self.head.len())));
        for r in &self.rows {
            out.push_str(&row(r.iter().map(Cell::markdown).collect()));
        }
        out
    }

    /// An HTML table in a horizontally scrolling box.
    pub fn html(&self) -> Markup {
        let class = |i: usize| (self.text_columns.contains(&i)).then_some("l");
        html! {
            div.scroll {
                table {
                    thead { tr { @for (i, h) in self.head.iter().enumerate() { th class=[class(i)] { (h) } } } }
                    tbody {
                        @for r in &self.rows {
                            tr { @for (i, c) in r.iter().enumerate() { td class=[class(i)] { (c) } } }
                        }
                    }
                }
            }
        }
    }
}

/// Rows of strings as terminal text, the first row being the header (see [`Table::text`]).
pub fn plain(rows: &[Vec<String>]) -> String {
    let Some((head, rest)) = rows.split_first() else { return String::new() };
    Table::new(head).extend(rest.iter().map(|r| r.iter().map(|c| Cell::Text(c.clone())).collect())).text()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut t = Table::new(&["hypothesis", "verdict", "rate"]).text_columns(&[1]);
        t.push(vec!["a|b".into(), Cell::Badge(Tone::Bad, "fail".into()), "50.00%".into()]);
        t.push(vec!["<c>".into(), Cell::Badge(Tone::Good, "pass".into()), Cell::Flagged("1ms".into(), "few".into())]);
        t
    }

    #[test]
    fn one_table_three_formats() {
        let t = sample();
        assert_eq!(
            t.text(),
            "  hypothesis  verdict    rate\n  a|b            fail  50.00%\n  <c>            pass    1ms*\n"
        );
        assert_eq!(
            t.markdown(),
            "| hypothesis | verdict | rate |\n|---|---|---|\n| a\\|b | ❌ fail | 50.00% |\n| &lt;c> | ✅ pass | 1ms\\* |\n"
        );
        let html = t.html().into_string();
        assert!(html.contains("<td>&lt;c&gt;</td><td class=\"l\"><span class=\"badge ok\">pass</span></td>"), "{html}");
        assert!(html.contains("<span class=\"few\" title=\"few\">1ms*</span>"), "{html}");
        assert_eq!(
            plain(&[vec!["a".into(), "1".into()], vec!["long".into(), "100".into()]]),
            "  a       1\n  long  100\n"
        );
    }
}
