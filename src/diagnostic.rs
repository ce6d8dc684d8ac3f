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
            Some(l) => write!(f, "{}:{}:{}: {}", self.file, l.line, l.col, shorten_quoted(&self.message))?,
            None => write!(f, "{}: {}", self.file, shorten_quoted(&self.message))?,
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
        f.write_str(&shorten_quoted(&self.d.message))
    }
}

impl std::error::Error for View<'_> {}

impl miette::Diagnostic for View<'_> {
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.d.hint.as_ref().map(|h| Box::new(shorten_quoted(h)) as Box<dyn fmt::Display>)
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
    render_colored(diagnostics, false)
}

/// [`render`], in colour (ANSI) when `color` is set: for a terminal.
pub fn render_colored(diagnostics: &[Diagnostic], color: bool) -> String {
    let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100).with_context_lines(1);
    let mut out = String::new();
    for d in diagnostics {
        // The one-line form comes first so the position can be grepped and clicked.
        out.push_str(&format!("error: {}\n", Oneline(d)));
        // A line too wide for the renderer (it panics past column 65,535) is cut around the
        // label first; the header's column is then put back to the real one.
        let mut shown = std::borrow::Cow::Borrowed(d);
        let mut header_fix = None;
        if let (Some(src), Some(l)) = (&d.source, &d.location) {
            if let Some((cut, bytes)) = elide(src, l.bytes.clone()) {
                header_fix = Some(format!("[{}:{}:{}]", d.file, l.line, l.col));
                let mut c = d.clone();
                c.source = Some(Arc::from(cut));
                c.location = Some(Location { bytes, ..l.clone() });
                shown = std::borrow::Cow::Owned(c);
            }
        }
        let source = match (&shown.source, &shown.location) {
            (Some(s), Some(_)) => Some(NamedSource::new(d.file.clone(), Arc::clone(s))),
            _ => None,
        };
        let view = View { d: &shown, source };
        if view.source.is_some() {
            let mut block = String::new();
            if handler.render_report(&mut block, &view).is_ok() {
                if let Some(header) = &header_fix {
                    block = fix_header(&block, header);
                }
                // The message is already on the first line (miette may wrap it over several);
                // keep only the excerpt and hint.
                let excerpt: Vec<&str> =
                    block.lines().skip(1).skip_while(|l| l.starts_with("  │") && !l.contains("╭─[")).collect();
                out.push_str(&excerpt.join("\n"));
                out.push('\n');
                continue;
            }
        }
        if let Some(h) = &d.hint {
            out.push_str(&format!("  help: {}\n", shorten_quoted(h)));
        }
    }
    out
}

/// `block` with the position in its first `╭─[file:line:col]` header replaced by `header`.
fn fix_header(block: &str, header: &str) -> String {
    let Some(open) = block.find("╭─[") else { return block.to_owned() };
    let from = open + "╭─".len();
    match block[from..].find(']') {
        Some(close) => format!("{}{header}{}", &block[..from], &block[from + close + 1..]),
        None => block.to_owned(),
    }
}

/// Longest `quoted` text in a message shown whole, in characters.
const MAX_QUOTED: usize = 80;

/// `text` with every backtick-quoted part longer than [`MAX_QUOTED`] characters cut to its
/// start and its length, so a 70,000-character name does not bury the message.
pub fn shorten_quoted(text: &str) -> std::borrow::Cow<'_, str> {
    let parts: Vec<&str> = text.split('`').collect();
    if !parts.iter().skip(1).step_by(2).any(|q| q.chars().count() > MAX_QUOTED) || parts.len() < 3 {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push('`');
        }
        let n = part.chars().count();
        // Odd parts are inside backticks, unless it is the last part of an odd count.
        if i % 2 == 1 && i + 1 < parts.len() && n > MAX_QUOTED {
            let head: String = part.chars().take(MAX_QUOTED / 2).collect();
            out.push_str(&format!("{head}… ({n} characters)"));
        } else {
            out.push_str(part);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Widest source line shown whole, counted generously (a tab as 8 columns, any other
/// character as 2, the widest a terminal draws it).
const MAX_LINE_WIDTH: usize = 1_000;
/// Characters (of width 2; tabs count 8) kept either side of the label's start when a line is cut.
const CUT_WINDOW: usize = 60;

fn width(line: &str) -> usize {
    line.chars().map(|c| if c == '\t' { 8 } else { 2 }).sum()
}

/// `src` with every line wider than [`MAX_LINE_WIDTH`] cut to a window around the label (or
/// its start), marked with `…`, and `span` moved into the cut text; `None` when no line is
/// that wide. Lines are kept, so line numbers stay right.
fn elide(src: &str, span: Range<usize>) -> Option<(String, Range<usize>)> {
    if !src.split('\n').any(|l| width(l) > MAX_LINE_WIDTH) {
        return None;
    }
    let mut out = String::new();
    let (mut start, mut end) = (0, 0);
    let mut offset = 0;
    for full in src.split_inclusive('\n') {
        let body = full.trim_end_matches(['\n', '\r']);
        let line = offset..offset + full.len();
        let out_start = out.len();
        // Maps a byte of this line to the cut text: `window` is the kept byte range of `body`
        // and `shift` where it begins in `out`.
        let (window, shift) = if width(body) <= MAX_LINE_WIDTH {
            out.push_str(body);
            (0..body.len(), out_start)
        } else {
            let center = if line.contains(&span.start) {
                body[..(span.start - offset).min(body.len())].chars().count()
            } else {
                0
            };
            // The window is measured in columns, so 60 tabs do not fill the excerpt with blanks.
            let chars: Vec<char> = body.chars().collect();
            let budget = |range: &mut dyn Iterator<Item = usize>| {
                let mut used = 0;
                range
                    .take_while(|&i| {
                        used += width(&chars[i].to_string());
                        used <= CUT_WINDOW * 2
                    })
                    .count()
            };
            let from = center - budget(&mut (0..center).rev());
            let to = center + budget(&mut (center..chars.len()));
            let byte_at = |n: usize| body.char_indices().nth(n).map_or(body.len(), |(i, _)| i);
            let (a, b) = (byte_at(from), byte_at(to));
            if a > 0 {
                out.push('…');
            }
            let shift = out.len();
            out.push_str(&body[a..b]);
            if b < body.len() {
                out.push('…');
            }
            (a..b, shift)
        };
        let map = |x: usize| shift + (x - offset).clamp(window.start, window.end) - window.start;
        if line.contains(&span.start) {
            start = map(span.start);
        }
        if line.contains(&span.end) || (span.end == src.len() && line.end == src.len()) {
            end = map(span.end);
        }
        out.push_str(&full[body.len()..]);
        offset = line.end;
    }
    Some((out, start..end.max(start)))
}

struct Oneline<'a>(&'a Diagnostic);

impl fmt::Display for Oneline<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        match &d.location {
            Some(l) => write!(f, "{}:{}:{}: {}", d.file, l.line, l.col, shorten_quoted(&d.message)),
            None => write!(f, "{}: {}", d.file, shorten_quoted(&d.message)),
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

    #[test]
    fn wide_lines_are_cut_around_the_label() {
        let src = format!("a\n{}bad{}\nz", "\t".repeat(20_000), "字".repeat(40_000));
        let at = src.find("bad").unwrap_or(0);
        let (cut, span) = elide(&src, at..at + 3).unwrap_or_default();
        assert_eq!(&cut[span.clone()], "bad");
        assert_eq!(cut.lines().count(), 3);
        assert!(cut.len() < 1_000, "{} bytes", cut.len());
        assert!(elide("short\nlines", 0..1).is_none());
    }

    #[test]
    fn long_quoted_names_are_shortened() {
        let long = "q".repeat(70_000);
        let m = format!("unknown zone `{long}` near `a`");
        assert_eq!(shorten_quoted(&m), format!("unknown zone `{}… (70000 characters)` near `a`", "q".repeat(40)));
        assert_eq!(shorten_quoted("a `b` c"), "a `b` c");
    }
}
