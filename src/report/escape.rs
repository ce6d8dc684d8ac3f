//! Escaping user text (names, descriptions, claims from a user's files) for each format a
//! report is written in, in one place, so that no name can end a table cell, open a tag or
//! move a terminal's cursor.
//!
//! HTML goes through maud's escaper, the same one the page templates use for every value
//! they interpolate; markdown and terminal text have their own rules below.

use std::fmt::Write;

/// Text for HTML or XML content and double-quoted attribute values: `&`, `<`, `>` and `"`
/// become entities (maud's escaper).
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let _ = maud::Escaper::new(&mut out).write_str(s);
    out
}

/// Text for one cell of a markdown (GitHub-flavoured) table: a `|` cannot end the cell, a
/// backslash cannot escape what follows, a line break cannot end the row, and `<` cannot
/// open inline HTML.
pub fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// Text for a terminal: control characters (escape sequences that could recolour or clear
/// the screen, carriage returns that could overwrite a line) are shown as `\u{…}` instead.
pub fn text(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_format_neutralises_its_own_markup() {
        assert_eq!(html(r#"<a href="x">&'"#), "&lt;a href=&quot;x&quot;&gt;&amp;'");
        assert_eq!(markdown("a|b\\c\n<d>"), "a\\|b\\\\c &lt;d>");
        assert_eq!(text("ok\u{1b}[2J\r"), "ok\\u{1b}[2J\\u{d}");
        assert_eq!(text("plain"), "plain");
    }
}
