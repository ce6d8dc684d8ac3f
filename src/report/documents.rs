//! The typed JSON documents that a command assembles from several parts: `check` (verdicts,
//! error budgets and the search, per scenario), `validate` (diagnostics with their ranges)
//! and the lines of `replay -o FILE`. Typed so that their JSON Schema is generated from the
//! same types that write them (see [`crate::schema`]).

use serde::Serialize;

use crate::diagnostic::{line_col, Diagnostic, Phase};
use crate::engine::event::Event;
use crate::explore::search::Exploration;
use crate::montecarlo::budget::Budget;
use crate::montecarlo::verdict::Verdict;

/// `check --format json`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct CheckReport {
    /// One entry per scenario checked, in the order given.
    pub scenarios: Vec<CheckedScenario>,
}

/// One scenario's verdicts.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct CheckedScenario {
    /// The scenario file as given.
    pub scenario: String,
    /// Seeds run.
    pub seeds: u64,
    /// Its hypotheses' verdicts, in file order.
    pub verdicts: Vec<Verdict>,
    /// The error budget of each availability objective.
    pub error_budgets: Vec<Budget>,
    /// The fault-space search, when the scenario has an `explore` block and it ran.
    pub explore: Option<CheckedSearch>,
}

/// What the fault-space search did, and where its counterexample was written.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct CheckedSearch {
    /// The search.
    #[serde(flatten)]
    pub search: Exploration,
    /// The replayable scenario written for the counterexample.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counterexample_file: Option<String>,
    /// The command that replays it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replay: Option<String>,
}

/// `validate --format json`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Validation {
    /// One entry per file given.
    pub files: Vec<ValidatedFile>,
}

/// One file's validation.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ValidatedFile {
    /// The file as given.
    pub file: String,
    /// Whether it loaded without error.
    pub valid: bool,
    /// What it holds, when valid (the text `validate` prints after `ok: `).
    pub summary: Option<String>,
    /// Every error found, in every file it reached.
    pub diagnostics: Vec<DiagnosticJson>,
}

impl ValidatedFile {
    /// The entry of `file`: its summary when it loaded, or its diagnostics.
    pub fn of(file: String, result: &Result<String, Vec<Diagnostic>>) -> ValidatedFile {
        ValidatedFile {
            file,
            valid: result.is_ok(),
            summary: result.as_ref().ok().map(|t| t.trim_end().trim_start_matches("ok: ").to_owned()),
            diagnostics: result
                .as_ref()
                .err()
                .map(|ds| ds.iter().map(DiagnosticJson::of).collect())
                .unwrap_or_default(),
        }
    }
}

/// One diagnostic, for editors and linters.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct DiagnosticJson {
    /// The file it is in (a scenario's topology or trace file is reported under its own name).
    pub file: String,
    /// Always `error`.
    pub severity: &'static str,
    /// `read`, `syntax` or `validate`.
    pub phase: &'static str,
    /// Where, when the error has a position.
    pub range: Option<Range>,
    /// What is wrong.
    pub message: String,
    /// The short label under the offending text.
    pub label: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl DiagnosticJson {
    /// The JSON form of `d`.
    pub fn of(d: &Diagnostic) -> DiagnosticJson {
        let range = d.location.as_ref().map(|l| {
            let end = d.source.as_deref().map_or((l.line, l.col), |src| line_col(src, l.bytes.end));
            Range {
                start: Position { line: l.line, column: l.col, byte: l.bytes.start },
                end: Position { line: end.0, column: end.1, byte: l.bytes.end },
            }
        });
        DiagnosticJson {
            file: d.file.clone(),
            severity: "error",
            phase: match d.phase {
                Phase::Read => "read",
                Phase::Syntax => "syntax",
                Phase::Validate => "validate",
            },
            range,
            message: d.message.clone(),
            label: d.label.clone(),
            hint: d.hint.clone(),
        }
    }
}

/// A span of a file.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Range {
    /// Its first character.
    pub start: Position,
    /// Just past its last character.
    pub end: Position,
}

/// A place in a file.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// 0-based byte offset.
    pub byte: usize,
}

/// One event line of `replay -o FILE`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct EventLine<'a> {
    /// When it happened (ns since the start of the run).
    pub t_ns: u64,
    /// What happened.
    pub event: &'a Event,
}
