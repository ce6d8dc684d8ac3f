//! Finds where a [`Path`] (`services[2].calls[0].to`) lies in RON source text.
//!
//! The `ron` crate gives positions only for its own errors, and our spec types stay pure
//! data, so semantic problems carry paths and this small scanner maps them back to byte
//! ranges when a problem is rendered. It runs only on text that already parsed, but it is
//! still written to be total: any input gives an answer (possibly `None`) without panics,
//! and nesting is bounded.

use std::ops::Range;

use crate::problem::{Path, Seg};

/// Deepest nesting the scanner follows; deeper text was already rejected by the loader.
const MAX_DEPTH: usize = 256;

/// The byte range of the value at `path`, or of the deepest enclosing value found.
pub fn locate(src: &str, path: &Path) -> Option<Range<usize>> {
    let mut s = Scanner { b: src.as_bytes(), pos: 0, depth: 0 };
    s.skip_trivia();
    // Skip inner attributes such as `#![enable(implicit_some)]`.
    while s.peek() == Some(b'#') {
        while let Some(c) = s.peek() {
            s.pos += 1;
            if c == b']' {
                break;
            }
        }
        s.skip_trivia();
    }
    s.find(&path.0)
}

struct Scanner<'a> {
    b: &'a [u8],
    pos: usize,
    depth: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn skip_trivia(&mut self) {
        loop {
            match (self.peek(), self.b.get(self.pos + 1).copied()) {
                (Some(c), _) if c.is_ascii_whitespace() => self.pos += 1,
                (Some(b'/'), Some(b'/')) => {
                    while let Some(c) = self.peek() {
                        self.pos += 1;
                        if c == b'\n' {
                            break;
                        }
                    }
                }
                (Some(b'/'), Some(b'*')) => {
                    // Block comments nest in RON.
                    self.pos += 2;
                    let mut level = 1usize;
                    while level > 0 && self.pos < self.b.len() {
                        match (self.peek(), self.b.get(self.pos + 1).copied()) {
                            (Some(b'*'), Some(b'/')) => {
                                level -= 1;
                                self.pos += 2;
                            }
                            (Some(b'/'), Some(b'*')) => {
                                level += 1;
                                self.pos += 2;
                            }
                            _ => self.pos += 1,
                        }
                    }
                }
                _ => return,
            }
        }
    }

    fn ident(&mut self) -> Option<&str> {
        let start = self.pos;
        // Raw identifiers `r#name` are rare but legal.
        if self.peek() == Some(b'r') && self.b.get(self.pos + 1) == Some(&b'#') {
            self.pos += 2;
        }
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 {
                self.pos += 1;
            } else {
                break;
            }
        }
        if self.pos == start {
            return None;
        }
        std::str::from_utf8(&self.b[start..self.pos]).ok().map(|s| s.trim_start_matches("r#"))
    }

    /// Finds `path` starting at the value under the cursor; returns the deepest span found.
    fn find(&mut self, path: &[Seg]) -> Option<Range<usize>> {
        self.skip_trivia();
        let start = self.pos;
        if path.is_empty() || self.depth >= MAX_DEPTH {
            self.skip_value();
            return Some(start..self.pos);
        }
        self.depth += 1;
        let found = self.find_inside(path, start);
        self.depth -= 1;
        found
    }

    fn find_inside(&mut self, path: &[Seg], start: usize) -> Option<Range<usize>> {
        let whole = |s: &mut Self| {
            s.pos = start;
            s.skip_value();
            Some(start..s.pos)
        };
        match self.peek()? {
            b'(' => self.find_in_parens(path, start),
            b'[' => {
                let Seg::Index(want) = path[0] else { return whole(self) };
                self.pos += 1;
                let mut i = 0;
                loop {
                    self.skip_trivia();
                    match self.peek() {
                        None => return Some(start..self.pos),
                        Some(b']') => {
                            self.pos += 1;
                            return Some(start..self.pos);
                        }
                        Some(b',') => self.pos += 1,
                        Some(_) if i == want => return self.find(&path[1..]).or(Some(start..self.pos)),
                        Some(_) => {
                            self.skip_value();
                            i += 1;
                        }
                    }
                }
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let name = self.ident().unwrap_or("").to_owned();
                self.skip_trivia();
                if self.peek() != Some(b'(') {
                    return Some(start..self.pos);
                }
                if name == "Some" {
                    // An explicit `Some(x)` is transparent: the path continues inside x.
                    self.pos += 1;
                    let inner = self.find(path);
                    return inner.or(Some(start..self.pos));
                }
                self.find_in_parens(path, start)
            }
            _ => whole(self),
        }
    }

    /// The cursor is on `(`: a struct body (named fields) or a tuple / enum payload.
    fn find_in_parens(&mut self, path: &[Seg], start: usize) -> Option<Range<usize>> {
        self.pos += 1;
        let mut index = 0;
        loop {
            self.skip_trivia();
            match self.peek() {
                None => return Some(start..self.pos),
                Some(b')') => {
                    self.pos += 1;
                    return Some(start..self.pos);
                }
                Some(b',') => {
                    self.pos += 1;
                    continue;
                }
                _ => {}
            }
            // A named field is `ident :`; anything else is a positional element.
            let item_start = self.pos;
            let mut name = None;
            if let Some(id) = self.ident() {
                let id = id.to_owned();
                self.skip_trivia();
                if self.peek() == Some(b':') {
                    self.pos += 1;
                    name = Some(id);
                } else {
                    self.pos = item_start;
                }
            }
            let hit = match (&name, &path[0]) {
                (Some(n), Seg::Field(want)) => n == want,
                (None, Seg::Index(want)) => *want == index,
                _ => false,
            };
            if hit {
                return self.find(&path[1..]).or(Some(start..self.pos));
            }
            self.skip_trivia();
            self.skip_value();
            if name.is_none() {
                index += 1;
            }
        }
    }

    /// Moves past one value of any shape.
    fn skip_value(&mut self) {
        self.skip_trivia();
        let Some(c) = self.peek() else { return };
        match c {
            b'"' => self.skip_string(),
            b'\'' => {
                self.pos += 1;
                while let Some(c) = self.peek() {
                    self.pos += 1;
                    match c {
                        b'\\' => self.pos += 1,
                        b'\'' => break,
                        _ => {}
                    }
                }
            }
            b'r' if matches!(self.b.get(self.pos + 1), Some(b'"') | Some(b'#')) && self.raw_string_ahead() => {
                self.skip_raw_string()
            }
            b'(' | b'[' | b'{' => self.skip_group(),
            _ => {
                // A number, identifier or keyword, possibly followed by a payload `( … )`.
                let before = self.pos;
                while let Some(c) = self.peek() {
                    if c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'+' | b'-' | b'#') || c >= 0x80 {
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                if self.pos == before {
                    self.pos += 1;
                    return;
                }
                let after = self.pos;
                self.skip_trivia();
                if self.peek() == Some(b'(') {
                    self.skip_group();
                } else {
                    self.pos = after;
                }
            }
        }
    }

    fn raw_string_ahead(&self) -> bool {
        let mut i = self.pos + 1;
        while self.b.get(i) == Some(&b'#') {
            i += 1;
        }
        self.b.get(i) == Some(&b'"')
    }

    fn skip_string(&mut self) {
        self.pos += 1;
        while let Some(c) = self.peek() {
            self.pos += 1;
            match c {
                b'\\' => self.pos += 1,
                b'"' => break,
                _ => {}
            }
        }
        self.pos = self.pos.min(self.b.len());
    }

    fn skip_raw_string(&mut self) {
        self.pos += 1;
        let mut hashes = 0;
        while self.peek() == Some(b'#') {
            hashes += 1;
            self.pos += 1;
        }
        self.pos += 1;
        while self.pos < self.b.len() {
            if self.b[self.pos] == b'"'
                && self.b[self.pos + 1..].iter().take(hashes).filter(|&&c| c == b'#').count() == hashes
            {
                self.pos += 1 + hashes;
                return;
            }
            self.pos += 1;
        }
    }

    fn skip_group(&mut self) {
        let mut level = 0usize;
        while let Some(c) = self.peek() {
            match c {
                b'(' | b'[' | b'{' => {
                    level += 1;
                    self.pos += 1;
                }
                b')' | b']' | b'}' => {
                    self.pos += 1;
                    level = level.saturating_sub(1);
                    if level == 0 {
                        return;
                    }
                }
                b'"' => self.skip_string(),
                b'/' if matches!(self.b.get(self.pos + 1), Some(b'/') | Some(b'*')) => self.skip_trivia(),
                b'r' if self.raw_string_ahead() => self.skip_raw_string(),
                b'\'' => self.skip_value(),
                _ => self.pos += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = r##"// a comment with ( and "
#![enable(implicit_some)]
Topology(
    name: "t", /* block ( */
    services: [
        Service(name: "a", zones: ["z"], service_time: Exp(mean: "1ms")),
        Service(
            name: "b",
            calls: [Call(to: "c"), Call(to: r#"x)"#, timeout: Some("1s"))],
        ),
    ],
    faults: [(start: "1s", fault: Crash(Zone("q")))],
)"##;

    fn at(path: Path) -> &'static str {
        let r = locate(SRC, &path).expect("some span");
        &SRC[r]
    }

    #[test]
    fn finds_nested_fields_and_elements() {
        let p = Path::root().field("services");
        assert_eq!(at(p.index(1).field("name")), "\"b\"");
        assert_eq!(at(p.index(0).field("service_time").field("mean")), "\"1ms\"");
        assert_eq!(at(p.index(1).field("calls").index(1).field("to")), "r#\"x)\"#");
        assert_eq!(at(p.index(1).field("calls").index(1).field("timeout")), "Some(\"1s\")");
        assert_eq!(at(Path::root().field("faults").index(0).field("fault").index(0).index(0)), "\"q\"");
    }

    #[test]
    fn missing_paths_fall_back_to_the_enclosing_value() {
        let r = locate(SRC, &Path::root().field("services").index(0).field("nope")).expect("span");
        assert!(SRC[r].starts_with("Service(name: \"a\""));
    }

    #[test]
    fn garbage_never_panics() {
        for src in ["", "(", "[[[", "\"", "r#\"", "a(b:", "/*", "((a: [1, (b: 'x)]"] {
            let _ = locate(src, &Path::root().field("a").index(3).field("b"));
        }
    }
}
