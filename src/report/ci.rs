//! Verdicts for CI systems: JUnit XML (one test case per hypothesis, one suite per scenario)
//! and GitHub Actions workflow commands (`::error file=…,line=…::`) plus a markdown summary.

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::text::{pct, pct_ci};
use crate::metrics::run::RunMetrics;
use crate::montecarlo::verdict::{check_seed, Counted, HypothesisMeta, Judgement, Verdict};
use crate::scenario::Scenario;

/// One checked scenario: its file as given, its seeds, its verdicts, and the 1-based line of
/// each hypothesis in the file (for annotations), where known.
pub struct Checked {
    /// The scenario file as the user named it.
    pub file: String,
    /// Seeds run.
    pub seeds: u64,
    /// Its verdicts, in hypothesis order.
    pub verdicts: Vec<Verdict>,
    /// The line of each hypothesis in the file.
    pub lines: Vec<Option<usize>>,
}

fn evidence(v: &Verdict, file: &str) -> String {
    let mut s = format!(
        "{}: held in {}/{} {}; pass rate {} (95% exact), required {}",
        v.claim,
        v.passed,
        v.evaluated,
        v.counts.name(),
        pct_ci(&v.pass_rate),
        pct(v.required)
    );
    if let (Counted::Schedules, Some(seed)) = (v.counts, v.failing_seeds.first()) {
        s.push_str(&format!(". A schedule broke a hypothesis on seed {seed}"));
    }
    if let Some(n) = &v.note {
        s.push_str(&format!(". {n}"));
    }
    // A schedule's replay is the counterexample file's, in the note.
    if let (Counted::Seeds, Some(seed)) = (v.counts, v.failing_seeds.first()) {
        s.push_str(&format!(". Replay a failing seed: faultsim run {file} --seed {seed}"));
    }
    s
}

/// What failed, for a JUnit case's description: the failing seeds, or the failing schedule
/// with its seed.
fn failing(v: &Verdict) -> String {
    match v.counts {
        Counted::Seeds => format!("failing seeds: {:?}", v.failing_seeds),
        Counted::Schedules => format!(
            "failing schedule on seed {}: {}",
            v.failing_seeds.first().map_or_else(|| "none".to_owned(), u64::to_string),
            v.note.as_deref().unwrap_or("none found")
        ),
    }
}

/// JUnit XML: a suite per scenario, a test case per hypothesis; a failed verdict is a
/// failure, an inconclusive one an error, a check this version cannot evaluate is skipped.
pub fn junit(checked: &[Checked]) -> Result<String, quick_junit::SerializeError> {
    let mut report = Report::new("faultsim check");
    for c in checked {
        let mut suite = TestSuite::new(c.file.as_str());
        for v in &c.verdicts {
            let status = match v.judgement {
                Judgement::Pass => TestCaseStatus::success(),
                Judgement::NotEvaluable => {
                    let mut s = TestCaseStatus::skipped();
                    if let TestCaseStatus::Skipped { message, .. } = &mut s {
                        *message = Some(v.note.clone().unwrap_or_default().into());
                    }
                    s
                }
                Judgement::Fail | Judgement::Inconclusive => {
                    let kind =
                        if v.judgement == Judgement::Fail { NonSuccessKind::Failure } else { NonSuccessKind::Error };
                    let mut s = TestCaseStatus::non_success(kind);
                    if let TestCaseStatus::NonSuccess { message, description, ty, .. } = &mut s {
                        *message = Some(evidence(v, &c.file).into());
                        *ty = Some(if v.judgement == Judgement::Fail { "fail" } else { "inconclusive" }.into());
                        *description = Some(failing(v).into());
                    }
                    s
                }
            };
            let mut case = TestCase::new(v.name.as_str(), status);
            case.set_classname(c.file.as_str());
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    report.to_string()
}

/// GitHub Actions workflow commands: an error annotation per failed hypothesis and a warning
/// per inconclusive one, pointing at the hypothesis in the scenario file.
pub fn github_annotations(checked: &[Checked]) -> String {
    // Workflow-command messages escape %, CR and LF; properties also escape : and ,.
    let msg = |s: &str| s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    let prop = |s: &str| msg(s).replace(':', "%3A").replace(',', "%2C");
    let mut out = String::new();
    for c in checked {
        for (i, v) in c.verdicts.iter().enumerate() {
            let level = match v.judgement {
                Judgement::Fail => "error",
                Judgement::Inconclusive => "warning",
                Judgement::Pass | Judgement::NotEvaluable => continue,
            };
            let line = c.lines.get(i).copied().flatten().map(|l| format!(",line={l}")).unwrap_or_default();
            out.push_str(&format!(
                "::{level} file={}{line},title={}::{}\n",
                prop(&c.file),
                prop(&format!("faultsim: {}", v.name)),
                msg(&evidence(v, &c.file))
            ));
        }
    }
    out
}

/// A markdown table of every verdict, for `$GITHUB_STEP_SUMMARY`.
pub fn markdown_summary(checked: &[Checked]) -> String {
    let mut out = String::from("## faultsim check\n\n| scenario | hypothesis | verdict | passing | pass rate (95% exact) | required |\n|---|---|---|---|---|---|\n");
    for c in checked {
        for v in &c.verdicts {
            let verdict = match v.judgement {
                Judgement::Pass => "✅ pass",
                Judgement::Fail => "❌ fail",
                Judgement::Inconclusive => "⚠️ inconclusive",
                Judgement::NotEvaluable => "➖ not evaluated",
            };
            out.push_str(&format!(
                "| `{}` | {} | {verdict} | {}/{} {} | {} | {} |\n",
                c.file,
                v.name.replace('|', "\\|"),
                v.passed,
                v.evaluated,
                v.counts.name(),
                pct_ci(&v.pass_rate),
                pct(v.required)
            ));
        }
    }
    out
}

/// The scenario's hypotheses checked on one run (for `faultsim run --seed`), so that
/// replaying a failing seed or a counterexample shows the violation it reproduces.
pub fn seed_hypotheses(scenario: &Scenario, metrics: &RunMetrics) -> String {
    if scenario.hypotheses.is_empty() {
        return String::new();
    }
    let mut out = String::from("hypotheses on this seed\n");
    for h in &scenario.hypotheses {
        let c = check_seed(h, metrics, scenario);
        let meta = HypothesisMeta::of(h, scenario);
        let tag = match c.passed {
            Some(true) => "held",
            Some(false) => "VIOLATED",
            None => "n/a",
        };
        let value = c.value.map(|v| format!(" (measured {})", super::text::num(v, 4))).unwrap_or_default();
        out.push_str(&format!("  {tag:<8}  {}: {}{value}\n", h.name, meta.claim));
    }
    out
}
