//! Errors in input files as users see them: file, line:col, the source line with a label,
//! and a hint — rendered with miette, without colour so output is stable.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};

/// The loading phase a diagnostic comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// The file could not be read: missing, a directory, too large, not text.
    Read,
    /// The text is not valid RON for the format: syntax, a misspelt field, a wrong type.
    Syntax,
    /// The file parsed but breaks a rule: an unknown name, a cycle, a value out of range.
    Validate,
}

/// A place in a source file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
    /// Byte range of the labelled text.
    pub bytes: Range<usize>,
}

/// One error in one input file.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    /// Phase it comes from.
    pub phase: Phase,
    /// The file as the user named it (or as it was reached from a scenario).
    pub file: String,
    /// The file's text, when it was read.
    pub source: Option<Arc<str>>,
    /// Where in the file, when a position exists.
    pub location: Option<Location>,
    /// What is wrong (lowercase, no trailing period).
    pub message: String,
    /// Short label under the offending text.
    pub label: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl fmt::Display for Diagnostic {
    /// One line: `file:line:col: message (hint: …)` — for logs and tests.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(l) => write!(f, "{}:{}:{}: {}", self.file, l.line, l.col, self.message)?,
            None => write!(f, "{}: {}", self.file, self.message)?,
        }
        if let Some(h) = &self.hint {
            write!(f, " (hint: {h})")?;
        }
        Ok(())
    }
}

/// Converts a byte offset to a 1-based line and character column.
pub fn line_col(src: &str, byte: usize) -> (usize, usize) {
    let byte = floor_char_boundary(src, byte.min(src.len()));
    let before = &src[..byte];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = src[line_start..byte].chars().count() + 1;
    (line, col)
}

/// Converts a 1-based line and character column to a byte offset (clamped to the text).
pub fn byte_offset(src: &str, line: usize, col: usize) -> usize {
    let mut offset = 0;
    for (i, l) in src.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let within: usize = l.chars().take(col.saturating_sub(1)).map(char::len_utf8).sum();
            return offset + within;
        }
        offset += l.len();
    }
    src.len()
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The miette view of a diagnostic.
#[derive(Debug)]
struct View<'a> {
    d: &'a Diagnostic,
    source: Option<NamedSource<Arc<str>>>,
}

impl fmt::Display for View<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.d.message)
    }
}

impl std::error::Error for View<'_> {}

impl miette::Diagnostic for View<'_> {
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.d.hint.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let l = self.d.location.as_ref()?;
        self.source.as_ref()?;
        let len = l.bytes.end.saturating_sub(l.bytes.start);
        Some(Box::new(std::iter::once(LabeledSpan::new(Some(self.d.label.clone()), l.bytes.start, len))))
    }
}

/// Renders diagnostics as text: each with its file:line:col, source excerpt, label and hint.
pub fn render(diagnostics: &[Diagnostic]) -> String {
    let handler =
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(100).with_context_lines(1);
    let mut out = String::new();
    for d in diagnostics {
        // The one-line form comes first so the position can be grepped and clicked.
        out.push_str(&format!("error: {}\n", Oneline(d)));
        let source = match (&d.source, &d.location) {
            (Some(s), Some(_)) => Some(NamedSource::new(d.file.clone(), Arc::clone(s))),
            _ => None,
        };
        let view = View { d, source };
        if view.source.is_some() {
            let mut block = String::new();
            if handler.render_report(&mut block, &view).is_ok() {
                // The message is already on the first line; keep only the excerpt and hint.
                let excerpt: Vec<&str> = block.lines().skip(1).collect();
                out.push_str(&excerpt.join("\n"));
                out.push('\n');
                continue;
            }
        }
        if let Some(h) = &d.hint {
            out.push_str(&format!("  help: {h}\n"));
        }
    }
    out
}

struct Oneline<'a>(&'a Diagnostic);

impl fmt::Display for Oneline<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        match &d.location {
            Some(l) => write!(f, "{}:{}:{}: {}", d.file, l.line, l.col, d.message),
            None => write!(f, "{}: {}", d.file, d.message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_and_offsets_agree() {
        let src = "ab\nçd\nef";
        for byte in [0, 1, 3, 5, 6, 7] {
            let (l, c) = line_col(src, byte);
            assert_eq!(byte_offset(src, l, c), byte, "byte {byte} -> {l}:{c}");
        }
        assert_eq!(line_col(src, 5), (2, 2));
    }
}
