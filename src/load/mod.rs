//! Files → spec → validated types; every failure becomes a [`Diagnostic`] with a position.
//!
//! This is the only module that reads input files and the only user of `ron`. It guards
//! the parser: a file is read at most [`MAX_FILE_BYTES`] (so `/dev/zero` cannot hang it),
//! must be UTF-8 text without control characters, and may nest at most [`MAX_DEPTH`]
//! deep, checked before `ron` sees it. Semantic problems carry paths, which
//! [`locate`](locate::locate) maps back to line:col.

mod locate;
pub mod patch;
mod write;

use std::path::{Component, Path as FsPath, PathBuf};
use std::sync::Arc;

use ron::extensions::Extensions;

pub use self::locate::locate;
pub use self::write::{fault_window_ron, fault_windows_ron, ron_line, scenario_spec};
use crate::diagnostic::{byte_offset, line_col, Diagnostic, Location, Phase};
use crate::problem::{did_you_mean, Problem};
use crate::scenario::Scenario;
use crate::spec;
use crate::topology::Topology;

/// Largest input file read, in bytes (the [`TEXT_LIMIT`](crate::input::TEXT_LIMIT)).
pub const MAX_FILE_BYTES: u64 = crate::input::TEXT_LIMIT.bytes;
/// Deepest bracket nesting accepted.
pub const MAX_DEPTH: usize = 64;

/// What a file turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A topology (`Topology(…)`), usually under `models/`.
    Topology,
    /// A scenario (`Scenario(…)`), usually under `scenarios/`.
    Scenario,
}

/// A successfully loaded file.
#[derive(Debug)]
pub enum Loaded {
    /// A topology.
    Topology(Arc<Topology>),
    /// A scenario with its topology.
    Scenario(Box<Scenario>),
}

impl Loaded {
    /// The topology, whichever kind of file it was.
    pub fn topology(&self) -> &Arc<Topology> {
        match self {
            Loaded::Topology(t) => t,
            Loaded::Scenario(s) => &s.topology,
        }
    }
}

/// Loads a topology or a scenario, deciding by the file's first word.
pub fn load_file(path: &FsPath) -> Result<Loaded, Vec<Diagnostic>> {
    let name = display(path);
    let text = read_text(path, &name).map_err(|d| vec![*d])?;
    match detect(&name, &text).map_err(|d| vec![*d])? {
        Kind::Topology => parse_topology(&name, text).map(|t| Loaded::Topology(Arc::new(t))),
        Kind::Scenario => {
            let base = path.parent().map(FsPath::to_path_buf).unwrap_or_default();
            parse_scenario(&name, text, &base).map(|s| Loaded::Scenario(Box::new(s)))
        }
    }
}

/// Whether `text` is a what-if patch file (it starts with `Patch(`).
pub fn is_patch_text(text: &str) -> bool {
    text[first_token(text)..].strip_prefix("Patch").is_some_and(|rest| rest.trim_start().starts_with('('))
}

/// Loads a topology file.
pub fn load_topology(path: &FsPath) -> Result<Arc<Topology>, Vec<Diagnostic>> {
    let name = display(path);
    let text = read_text(path, &name).map_err(|d| vec![*d])?;
    parse_topology(&name, text).map(Arc::new)
}

/// Loads a scenario file and the topology it names.
pub fn load_scenario(path: &FsPath) -> Result<Scenario, Vec<Diagnostic>> {
    let name = display(path);
    let text = read_text(path, &name).map_err(|d| vec![*d])?;
    let base = path.parent().map(FsPath::to_path_buf).unwrap_or_default();
    parse_scenario(&name, text, &base)
}

/// Parses and validates topology text; `name` is used in diagnostics.
pub fn parse_topology(name: &str, text: Arc<str>) -> Result<Topology, Vec<Diagnostic>> {
    let spec: spec::Topology = parse_ron(name, &text).map_err(|d| vec![*d])?;
    Topology::from_spec(&spec).map_err(|ps| problems(name, &text, ps))
}

/// Parses and validates scenario text; files it names are resolved against `base`.
pub fn parse_scenario(name: &str, text: Arc<str>, base: &FsPath) -> Result<Scenario, Vec<Diagnostic>> {
    let spec: spec::Scenario = parse_ron(name, &text).map_err(|d| vec![*d])?;
    let topo_path = base.join(&spec.topology);
    let topo_name = display(&topo_path);
    let topo_text = match read_text(&topo_path, &topo_name) {
        Ok(t) => t,
        Err(d) => {
            let problem = Problem {
                path: crate::problem::Path::root().field("topology"),
                message: format!("cannot load the topology `{}`: {}", spec.topology, d.message),
                hint: Some(format!("the path is relative to this scenario's folder ({})", display(base))),
                label: "cannot read".to_owned(),
            };
            return Err(problems(name, &text, vec![problem]));
        }
    };
    let topology_hash = sha256(&topo_text);
    let topology = parse_topology(&topo_name, topo_text)?;
    let traces = std::cell::RefCell::new(Vec::new());
    let read_trace = |file: &str| -> Result<String, String> {
        let p = base.join(file);
        let t = read_text(&p, &display(&p)).map(|t| t.to_string()).map_err(|d| d.message)?;
        traces.borrow_mut().push(sha256(&t));
        Ok(t)
    };
    let mut scenario =
        Scenario::from_spec(&spec, Arc::new(topology), &read_trace).map_err(|ps| problems(name, &text, ps))?;
    scenario.inputs =
        crate::scenario::Inputs { scenario: sha256(&text), topology: topology_hash, traces: traces.into_inner() };
    Ok(scenario)
}

/// SHA-256 of a text, as lowercase hex.
fn sha256(text: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Lexically tidies a path for display (`scenarios/../models/a.ron` → `models/a.ron`).
fn display(path: &FsPath) -> String {
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    let p: PathBuf = out.iter().collect();
    let s = p.to_string_lossy().into_owned();
    if s.is_empty() {
        ".".to_owned()
    } else {
        s
    }
}

fn read_error(file: &str, message: String, hint: Option<&str>) -> Box<Diagnostic> {
    Box::new(Diagnostic {
        phase: Phase::Read,
        file: file.to_owned(),
        source: None,
        location: None,
        message,
        label: String::new(),
        hint: hint.map(str::to_owned),
    })
}

/// Reads a whole input file as text, refusing what cannot be one: a missing file, a directory,
/// a special file (checked before opening, so a FIFO cannot block), more than
/// [`TEXT_LIMIT`](crate::input::TEXT_LIMIT), invalid UTF-8 or control characters.
pub fn read_text(path: &FsPath, name: &str) -> Result<Arc<str>, Box<Diagnostic>> {
    use crate::input::{read_input, InputError, TEXT_LIMIT};
    let bytes = read_input(path, TEXT_LIMIT).map_err(|e| {
        let hint = match &e {
            InputError::NotFound => Some(
                "check the path; it is relative to where you run faultsim, or to the scenario for files a scenario names",
            ),
            InputError::Directory => Some("name the .ron files, e.g. models/*.ron"),
            InputError::NotRegular(_) => Some("copy the content to a regular file and name that"),
            InputError::TooLarge { .. } => {
                Some("an input this big is likely generated; split it or check it is the right file")
            }
            InputError::Io(_) => None,
        };
        read_error(name, e.to_string(), hint)
    })?;
    let not_text = Some("faultsim reads RON text files; is this the right file?");
    let text = match std::str::from_utf8(&bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or("");
            let mut d =
                read_error(name, format!("not a text file: invalid UTF-8 (byte {})", e.valid_up_to()), not_text);
            d.location = Some(position(valid, valid.len()));
            return Err(d);
        }
    };
    if let Some((i, c)) = text.char_indices().find(|(_, c)| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        let mut d = read_error(name, format!("not a text file: control character U+{:04X}", u32::from(c)), not_text);
        d.location = Some(position(text, i));
        return Err(d);
    }
    Ok(Arc::from(text))
}

/// The location of byte `at` in `text`, with an empty span (for diagnostics without an excerpt).
fn position(text: &str, at: usize) -> Location {
    let (line, col) = line_col(text, at);
    Location { line, col, bytes: at..at }
}

/// "empty file" for a file with nothing but blanks and comments, at the end of the file.
fn empty_file(name: &str, text: &str) -> Box<Diagnostic> {
    let mut d = read_error(
        name,
        "empty file: expected `Topology(…)` or `Scenario(…)`".to_owned(),
        Some("see models/ and scenarios/ for examples"),
    );
    d.location = Some(position(text, text.len()));
    d
}

fn lower(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

fn at(
    file: &str,
    src: &Arc<str>,
    phase: Phase,
    bytes: std::ops::Range<usize>,
    message: String,
    label: &str,
    hint: Option<String>,
) -> Box<Diagnostic> {
    let (line, col) = line_col(src, bytes.start);
    Box::new(Diagnostic {
        phase,
        file: file.to_owned(),
        source: Some(Arc::clone(src)),
        location: Some(Location { line, col, bytes }),
        message,
        label: label.to_owned(),
        hint,
    })
}

/// Skips whitespace, comments and `#![…]` attributes; returns the offset of the first token.
fn first_token(text: &str) -> usize {
    let b = text.as_bytes();
    let mut i = 0;
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            let mut level = 0usize;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    level += 1;
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    level -= 1;
                    i += 2;
                    if level == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if b[i..].starts_with(b"#!") || b[i..].starts_with(b"#[") {
            while i < b.len() && b[i] != b']' {
                i += 1;
            }
            i = (i + 1).min(b.len());
        } else {
            return i;
        }
    }
}

/// Decides whether text is a topology or a scenario from its first word.
pub fn detect(name: &str, text: &Arc<str>) -> Result<Kind, Box<Diagnostic>> {
    let start = first_token(text);
    let word: String = text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    match word.as_str() {
        "Topology" => Ok(Kind::Topology),
        "Scenario" => Ok(Kind::Scenario),
        "Patch" => Err(at(
            name,
            text,
            Phase::Syntax,
            start..start + word.len(),
            "expected `Topology` or `Scenario`, found a what-if patch (`Patch`)".to_owned(),
            "a patch changes a scenario; it does not run alone",
            Some(format!(
                "lay it over a scenario: `faultsim run SCENARIO --variant {name}` (or `whatif`, `check`, `fmea`, `cascade`, `metastability`, `report`)"
            )),
        )),
        _ if start >= text.len() => Err(empty_file(name, text)),
        "" => Err(at(
            name,
            text,
            Phase::Syntax,
            start..start + text[start..].chars().next().map_or(0, char::len_utf8),
            "expected `Topology(` or `Scenario(` at the start of the file".to_owned(),
            "expected a name here",
            Some("start the file with `Topology(` for a model or `Scenario(` for a scenario".to_owned()),
        )),
        other => {
            let hint = match did_you_mean(other, ["Topology", "Scenario"]) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "start the file with `Topology(` for a model or `Scenario(` for a scenario".to_owned(),
            };
            Err(at(
                name,
                text,
                Phase::Syntax,
                start..start + other.len(),
                format!("expected `Topology` or `Scenario`, found `{other}`"),
                "unknown file kind",
                Some(hint),
            ))
        }
    }
}

/// Rejects nesting deeper than [`MAX_DEPTH`] before the recursive parser sees it.
fn check_depth(name: &str, text: &Arc<str>) -> Result<(), Box<Diagnostic>> {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(at(
                        name,
                        text,
                        Phase::Syntax,
                        i..i + 1,
                        format!("nesting is deeper than {MAX_DEPTH} levels"),
                        "too deep",
                        Some("no faultsim file nests this deep; is a bracket repeated?".to_owned()),
                    ));
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(Extensions::IMPLICIT_SOME).with_recursion_limit(MAX_DEPTH * 2)
}

fn parse_ron<T: serde::de::DeserializeOwned>(name: &str, text: &Arc<str>) -> Result<T, Box<Diagnostic>> {
    if first_token(text) >= text.len() {
        return Err(empty_file(name, text));
    }
    check_depth(name, text)?;
    ron_options().from_str::<T>(text).map_err(|e| syntax(name, text, &e))
}

/// Turns a `ron` error into a diagnostic with a friendlier message and a hint.
fn syntax(name: &str, text: &Arc<str>, e: &ron::error::SpannedError) -> Box<Diagnostic> {
    use ron::error::Error as E;
    let start = byte_offset(text, e.span.start.line, e.span.start.col);
    let mut end = byte_offset(text, e.span.end.line, e.span.end.col);
    if end <= start {
        end = (start + text[start..].chars().next().map_or(0, char::len_utf8)).min(text.len());
    }
    let in_outer = |outer: &Option<String>| outer.as_ref().map(|o| format!(" in `{o}`")).unwrap_or_default();
    let (message, label, hint) = match &e.code {
        E::NoSuchStructField { expected, found, outer } => (
            format!("unknown field `{found}`{}", in_outer(outer)),
            "unknown field",
            Some(match did_you_mean(found, expected.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("expected one of: {}", expected.join(", ")),
            }),
        ),
        E::NoSuchEnumVariant { expected, found, outer } => (
            format!("unknown variant `{found}`{}", in_outer(outer)),
            "unknown variant",
            Some(match did_you_mean(found, expected.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("expected one of: {}", expected.join(", ")),
            }),
        ),
        E::MissingStructField { field, outer } => (
            format!("missing field `{field}`{}", in_outer(outer)),
            "missing a field",
            Some(format!("add `{field}: …`; see the format reference in README.md")),
        ),
        E::DuplicateStructField { field, outer } => (
            format!("field `{field}` is given twice{}", in_outer(outer)),
            "second time",
            Some("keep one of them".to_owned()),
        ),
        E::ExpectedDifferentStructName { expected, found } => (
            format!("expected `{expected}(…)`, found `{found}(…)`"),
            "wrong kind",
            Some(if *expected == "Topology" && found == "Scenario" {
                "`topology:` must name a model file, not a scenario".to_owned()
            } else if *expected == "Scenario" && found == "Topology" {
                "this file is a topology; simulating needs a scenario that names it (`topology: \"../models/…\"`, \
                 see scenarios/), while `faultsim analyze` and `graph` take a topology directly"
                    .to_owned()
            } else if found == "Patch" {
                "this file is a what-if patch; lay it over a scenario with `--variant` \
                 (`faultsim run SCENARIO --variant PATCH`, and the same for whatif, check, fmea, cascade, \
                 metastability and report)"
                    .to_owned()
            } else {
                format!("write `{expected}(`")
            }),
        ),
        E::InvalidValueForType { expected, found } => {
            (format!("expected {expected}, found {found}"), "wrong type", None)
        }
        E::Message(m) => (lower(m), "here", type_hint(m)),
        E::Eof => (
            "unexpected end of file".to_owned(),
            "file ends here",
            Some("a bracket or a string may be unclosed".to_owned()),
        ),
        E::ExceededRecursionLimit => (
            "nesting is too deep".to_owned(),
            "too deep",
            Some("no faultsim file nests this deep; is a bracket repeated?".to_owned()),
        ),
        E::ExpectedComma => (
            "expected `,`".to_owned(),
            "expected a comma",
            Some("separate fields and list items with commas".to_owned()),
        ),
        E::TrailingCharacters => (
            "unexpected text after the end of the value".to_owned(),
            "extra text",
            Some("a file holds one `Topology(…)` or `Scenario(…)`; is a bracket closed too early?".to_owned()),
        ),
        E::ExpectedString | E::ExpectedStringEnd => (
            lower(&e.code.to_string()),
            "expected a string",
            Some("names and durations are strings in double quotes, e.g. \"250ms\"".to_owned()),
        ),
        E::ExpectedIdentifier => expected_variant(text, start),
        // A bare number where a variant name belongs reaches the parser as an identifier.
        E::SuggestRawIdentifier(word) | E::InvalidIdentifier(word)
            if word.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.') =>
        {
            expected_variant(text, start)
        }
        other => (lower(&other.to_string()), "here", None),
    };
    at(name, text, Phase::Syntax, start..end, message, label, hint)
}

/// Fields whose value is a distribution of times (`Dist`).
const DIST_FIELDS: &[&str] = &[
    "add",
    "service_time",
    "read_time",
    "write_time",
    "lookup_time",
    "enqueue_time",
    "think_time",
    "latency",
    "lag",
    "same_zone",
    "cross_zone",
    "cross_region",
];

/// An example of each form of a distribution, for hints.
const DIST_FORMS: &str = "`Fixed(\"100ms\")` for a constant, `Exp(mean: \"100ms\")`, \
                          `LogNormal(median: \"100ms\", p99: \"400ms\")`, `Uniform(min: \"50ms\", max: \"150ms\")` \
                          or `Weibull(shape: 1.5, mean: \"100ms\")`";

/// The message for `ron`'s "expected identifier": the parser wanted a variant name (an enum
/// such as a distribution, a fault or a target) and found something else, most often a bare
/// string or number. The field before the value says which enum.
fn expected_variant(text: &str, at: usize) -> (String, &'static str, Option<String>) {
    let found = match text[at..].chars().next() {
        Some('"') => {
            let s: String = text[at + 1..].chars().take_while(|&c| c != '"').take(40).collect();
            format!("the string \"{s}\"")
        }
        Some(c) if c.is_ascii_digit() || c == '-' || c == '.' => {
            let n: String = text[at..].chars().take_while(|c| !matches!(c, ',' | ')' | ']' | ' ' | '\n')).collect();
            format!("the number {n}")
        }
        Some(c) => format!("`{c}`"),
        None => "the end of the file".to_owned(),
    };
    match field_before(text, at) {
        Some(field) if DIST_FIELDS.contains(&field) => (
            format!("expected a distribution for `{field}`, found {found}"),
            "expected a distribution",
            Some(format!("a time that varies is a distribution: write {DIST_FORMS}")),
        ),
        Some(field) => (
            format!("expected a variant name for `{field}` (like `Crash(…)` or `Service(\"api\")`), found {found}"),
            "expected a name",
            Some(
                "this field takes one of a fixed set of forms, written as a name with `(…)`; \
                  see the format reference in the manual (`faultsim manual modelling`)"
                    .to_owned(),
            ),
        ),
        None => (format!("expected a variant name, found {found}"), "expected a name", None),
    }
}

/// The name of the field whose value starts at `at` (`add` in `add: "100ms"`), if there is one.
fn field_before(text: &str, at: usize) -> Option<&str> {
    let before = text[..at].trim_end();
    let before = before.strip_suffix(':')?.trim_end();
    let start = before.rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).map_or(0, |i| i + 1);
    let word = &before[start..];
    (!word.is_empty()).then_some(word)
}

/// A hint for serde's "invalid type" messages, which name what was expected.
fn type_hint(m: &str) -> Option<String> {
    if m.contains("has no unit") || m.contains("unit") {
        return None;
    }
    if m.starts_with("invalid type") {
        if m.contains("expected a string with a unit") {
            return Some("durations and sizes are strings with a unit: \"250ms\", \"512MiB\"".to_owned());
        }
        if m.contains("f64") || m.contains("float") {
            return Some("write a number with a decimal point, e.g. 1.0".to_owned());
        }
        if m.contains("u32") || m.contains("u64") || m.contains("integer") {
            return Some("write a whole number without quotes, e.g. 8".to_owned());
        }
        if m.contains("a string") {
            return Some("write the value in double quotes".to_owned());
        }
    }
    None
}

/// Places semantic problems in the file and turns them into diagnostics.
fn problems(name: &str, text: &Arc<str>, ps: Vec<Problem>) -> Vec<Diagnostic> {
    ps.into_iter()
        .map(|p| {
            let bytes = locate(text, &p.path).unwrap_or(0..0);
            let mut d = *at(name, text, Phase::Validate, bytes, p.message, &p.label, p.hint);
            d.message = format!("{} (at {})", d.message, p.path);
            d
        })
        .collect()
}

/// Reads and parses a RON file of any format type `T` (for files beside the model, such as a
/// chaos-experiment mapping), with the same limits and diagnostics as models.
pub fn load_ron<T: serde::de::DeserializeOwned>(path: &FsPath) -> Result<T, Vec<Diagnostic>> {
    let name = display(path);
    let text = read_text(path, &name).map_err(|d| vec![*d])?;
    parse_ron(&name, &text).map_err(|d| vec![*d])
}

/// Reads and parses a JSON file (an experiment written by another tool), with the same
/// limits as models; a syntax error is located at its line and column.
pub fn load_json(path: &FsPath) -> Result<(serde_json::Value, String), Box<Diagnostic>> {
    let name = display(path);
    let text = read_text(path, &name)?;
    match serde_json::from_str(&text) {
        Ok(v) => Ok((v, name)),
        Err(e) => {
            let start = byte_offset(&text, e.line(), e.column());
            let end = (start + text[start..].chars().next().map_or(0, char::len_utf8)).min(text.len());
            let message = e.to_string();
            let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
            Err(at(&name, &text, Phase::Syntax, start..end, format!("not valid JSON: {message}"), "here", None))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every shipped example loads; prints all diagnostics when one does not.
    #[test]
    fn examples_validate() {
        let root = FsPath::new(env!("CARGO_MANIFEST_DIR"));
        let mut failures = String::new();
        for dir in ["models", "scenarios"] {
            let Ok(entries) = std::fs::read_dir(root.join(dir)) else { continue };
            let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            paths.sort();
            for p in paths.into_iter().filter(|p| p.extension().is_some_and(|e| e == "ron")) {
                if let Err(ds) = load_file(&p) {
                    failures.push_str(&crate::diagnostic::render(&ds));
                }
            }
        }
        assert!(failures.is_empty(), "{failures}");
    }

    #[test]
    fn display_tidies_parent_components() {
        assert_eq!(display(FsPath::new("scenarios/../models/a.ron")), "models/a.ron");
        assert_eq!(display(FsPath::new("./a.ron")), "a.ron");
        assert_eq!(display(FsPath::new("../x/a.ron")), "../x/a.ron");
    }

    #[test]
    fn first_token_skips_comments_and_attributes() {
        let t = "// c\n/* a /* nested */ b */ #![enable(implicit_some)]\n Topology(";
        assert_eq!(&t[first_token(t)..], "Topology(");
    }
}
