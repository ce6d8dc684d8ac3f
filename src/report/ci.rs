//! Verdicts for CI systems: JUnit XML in the Apache Ant form (one test case per hypothesis,
//! one suite per scenario) and GitHub Actions workflow commands (`::error file=…,line=…::`)
//! plus a markdown summary.

use super::text::{pct, pct_ci};
use crate::metrics::run::RunMetrics;
use crate::montecarlo::verdict::{check_seed, Counted, HypothesisMeta, Judgement, Verdict};
use crate::scenario::Scenario;

/// One checked scenario: its file as given, its seeds, its verdicts, and the 1-based line of
/// each hypothesis in the file (for annotations), where known.
pub struct Checked {
    /// The scenario file as the user named it.
    pub file: String,
    /// The first seed run.
    pub first_seed: u64,
    /// Seeds run.
    pub seeds: u64,
    /// Wall-clock seconds its runs took (for JUnit's `time`).
    pub seconds: f64,
    /// Hashes of the files it was loaded from.
    pub inputs: crate::scenario::Inputs,
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

/// Where and when a JUnit report was made: the attributes the strict Ant schema requires that
/// no simulation result can supply. The caller reads the clock and the host name, so that this
/// module stays a function of its inputs.
#[derive(Clone, Debug)]
pub struct Stamp {
    /// When the check started, UTC, as `YYYY-MM-DDTHH:MM:SS` (the schema allows no zone).
    pub timestamp: String,
    /// The host the check ran on (`localhost` when unknown).
    pub hostname: String,
}

/// JUnit XML in the Apache Ant form (valid under its strict schema): `<testsuites>` holding a
/// suite per scenario, a test case per hypothesis. A failed verdict is a failure, an
/// inconclusive one an error, a check this version cannot evaluate is skipped. Each suite
/// carries its properties (tool version, seed range, SHA-256 of every input file), its wall
/// time, and the replay commands of failing seeds as `system-out`. The hypotheses of a
/// scenario are judged together on one set of runs, so each case carries an equal share of
/// its suite's time.
pub fn junit(checked: &[Checked], stamp: &Stamp) -> std::io::Result<String> {
    use quick_xml::events::{BytesDecl, BytesText, Event};
    let mut w = quick_xml::Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("testsuites").write_inner_content(|w| {
        for (id, c) in checked.iter().enumerate() {
            let count = |j: Judgement| c.verdicts.iter().filter(|v| v.judgement == j).count().to_string();
            let share = c.seconds / c.verdicts.len().max(1) as f64;
            let mut replays = String::new();
            for v in &c.verdicts {
                if let (Counted::Seeds, Some(seed)) = (v.counts, v.failing_seeds.first()) {
                    replays.push_str(&format!("{}: faultsim run {} --seed {seed}\n", v.name, c.file));
                }
            }
            w.create_element("testsuite")
                .with_attributes([
                    ("name", c.file.as_str()),
                    ("package", "faultsim"),
                    ("id", id.to_string().as_str()),
                    ("timestamp", stamp.timestamp.as_str()),
                    ("hostname", stamp.hostname.as_str()),
                    ("tests", c.verdicts.len().to_string().as_str()),
                    ("failures", count(Judgement::Fail).as_str()),
                    ("errors", count(Judgement::Inconclusive).as_str()),
                    ("skipped", count(Judgement::NotEvaluable).as_str()),
                    ("time", format!("{:.3}", c.seconds).as_str()),
                ])
                .write_inner_content(|w| {
                    w.create_element("properties").write_inner_content(|w| {
                        for (name, value) in properties(c) {
                            w.create_element("property")
                                .with_attributes([("name", name.as_str()), ("value", value.as_str())])
                                .write_empty()?;
                        }
                        Ok(())
                    })?;
                    for v in &c.verdicts {
                        let case = w.create_element("testcase").with_attributes([
                            ("name", v.name.as_str()),
                            ("classname", c.file.as_str()),
                            ("time", format!("{share:.3}").as_str()),
                        ]);
                        match v.judgement {
                            Judgement::Pass => case.write_empty()?,
                            Judgement::NotEvaluable => case.write_inner_content(|w| {
                                w.create_element("skipped")
                                    .with_attribute(("message", v.note.as_deref().unwrap_or_default()))
                                    .write_empty()?;
                                Ok(())
                            })?,
                            Judgement::Fail | Judgement::Inconclusive => case.write_inner_content(|w| {
                                let (tag, ty) = if v.judgement == Judgement::Fail {
                                    ("failure", "fail")
                                } else {
                                    ("error", "inconclusive")
                                };
                                w.create_element(tag)
                                    .with_attributes([("message", evidence(v, &c.file).as_str()), ("type", ty)])
                                    .write_text_content(BytesText::new(&failing(v)))?;
                                Ok(())
                            })?,
                        };
                    }
                    w.create_element("system-out").write_text_content(BytesText::new(&replays))?;
                    w.create_element("system-err").write_empty()?;
                    Ok(())
                })?;
        }
        Ok(())
    })?;
    let mut xml = String::from_utf8(w.into_inner()).map_err(std::io::Error::other)?;
    xml.push('\n');
    Ok(xml)
}

/// A suite's properties: what a reader needs to tell two reports apart or reproduce one.
fn properties(c: &Checked) -> Vec<(String, String)> {
    let mut p = vec![
        ("faultsim.version".to_owned(), env!("CARGO_PKG_VERSION").to_owned()),
        ("seeds.first".to_owned(), c.first_seed.to_string()),
        ("seeds.count".to_owned(), c.seeds.to_string()),
        ("seeds.range".to_owned(), format!("{}..={}", c.first_seed, c.first_seed + c.seeds.saturating_sub(1))),
        ("input.scenario.sha256".to_owned(), c.inputs.scenario.clone()),
        ("input.topology.sha256".to_owned(), c.inputs.topology.clone()),
    ];
    for (i, t) in c.inputs.traces.iter().enumerate() {
        p.push((format!("input.trace.{i}.sha256"), t.clone()));
    }
    p
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

/// A verdict as a table cell: a badge in HTML, an emoji and the word in markdown.
pub fn verdict_cell(j: Judgement) -> super::table::Cell {
    use super::table::{Cell, Tone};
    match j {
        Judgement::Pass => Cell::Badge(Tone::Good, "pass".into()),
        Judgement::Fail => Cell::Badge(Tone::Bad, "fail".into()),
        Judgement::Inconclusive => Cell::Badge(Tone::Warn, "inconclusive".into()),
        Judgement::NotEvaluable => Cell::Badge(Tone::Neutral, "not evaluated".into()),
    }
}

/// A markdown table of every verdict, for `$GITHUB_STEP_SUMMARY`.
pub fn markdown_summary(checked: &[Checked]) -> String {
    use super::table::{Cell, Table};
    let mut table = Table::new(&["scenario", "hypothesis", "verdict", "passing", "pass rate (95% exact)", "required"]);
    for c in checked {
        for v in &c.verdicts {
            let verdict = verdict_cell(v.judgement);
            table.push(vec![
                Cell::Code(c.file.clone()),
                v.name.clone().into(),
                verdict,
                format!("{}/{} {}", v.passed, v.evaluated, v.counts.name()).into(),
                pct_ci(&v.pass_rate).into(),
                pct(v.required).into(),
            ]);
        }
    }
    format!("## faultsim check\n\n{}", table.markdown())
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
