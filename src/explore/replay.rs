//! The counterexample file: the user's scenario text with its `faults` replaced by a shrunk
//! schedule, its `explore` block removed (so the file replays, it does not search again),
//! and the paths it names rewritten for the folder it is written to; a hypothesis scoped to one
//! of the replaced faults (`During`, `After`) is scoped to the same window in time instead
//! (`Between`). Everything else —
//! comments, hypotheses, layout — stays as the user wrote it.

use std::path::{Component, Path, PathBuf};

use crate::load::locate;
use crate::problem::Path as FieldPath;

/// One text edit: replace `range` with `text`.
struct Edit {
    range: std::ops::Range<usize>,
    text: String,
}

/// The counterexample scenario: `source` (a scenario that loads) with `faults_ron` as its
/// faults, the hypothesis scopes `scopes` names (by index) replaced by the RON given, paths
/// rewritten by `rewrite` (given the path as written, returns the new one),
/// `header` (comment lines) on top. `None` if the text cannot be edited (it did not parse).
pub fn counterexample_text(
    source: &str,
    faults_ron: &str,
    scopes: &[(usize, String)],
    header: &str,
    rewrite: &dyn Fn(&str) -> String,
) -> Option<String> {
    let root_range = locate(source, &FieldPath::root())?;
    let field = |name: &'static str| {
        let r = locate(source, &FieldPath::root().field(name))?;
        (r != root_range).then_some(r)
    };
    let mut edits = Vec::new();
    let topology = field("topology")?;
    edits.push(Edit { range: topology.clone(), text: format!("{:?}", rewrite(unquote(&source[topology.clone()]))) });
    // Trace files named by workloads are relative to the scenario too.
    for i in 0.. {
        let w = FieldPath::root().field("workloads").index(i);
        let Some(wr) = locate(source, &w) else { break };
        if wr == root_range || locate(source, &FieldPath::root().field("workloads")) == Some(wr.clone()) {
            break;
        }
        let file = w.field("arrivals").field("file");
        if let Some(r) = locate(source, &file) {
            let text = &source[r.clone()];
            if r.start >= wr.start && r.end <= wr.end && text.starts_with('"') && r != wr {
                edits.push(Edit { range: r.clone(), text: format!("{:?}", rewrite(unquote(text))) });
            }
        }
        if i > 10_000 {
            break;
        }
    }
    // Hypothesis scopes to rewrite (index, new RON): only where the text is such a scope.
    for (i, text) in scopes {
        let r = locate(source, &FieldPath::root().field("hypotheses").index(*i).field("scope"))?;
        let found = source[r.clone()].trim_start();
        if !(found.starts_with("During") || found.starts_with("After")) {
            return None;
        }
        edits.push(Edit { range: r, text: text.clone() });
    }
    let faults = indent(faults_ron, "    ");
    match field("faults") {
        Some(r) => edits.push(Edit { range: r, text: faults }),
        None => {
            // Insert right after the topology field (and its comma).
            let after = skip_ws(source, topology.end);
            if source[after..].starts_with(',') {
                edits.push(Edit { range: after + 1..after + 1, text: format!("\n    faults: {faults},") });
            } else {
                edits.push(Edit { range: topology.end..topology.end, text: format!(",\n    faults: {faults}") });
            }
        }
    }
    if let Some(r) = field("explore") {
        let name_start = source[..r.start].rfind("explore")?;
        let line_start = source[..name_start].rfind('\n').map_or(0, |i| i + 1);
        let start = if source[line_start..name_start].trim().is_empty() { line_start } else { name_start };
        let mut end = skip_ws(source, r.end);
        if source[end..].starts_with(',') {
            end += 1;
        } else {
            end = r.end;
        }
        if source[end..].starts_with('\n') && start == line_start {
            end += 1;
        }
        edits.push(Edit { range: start..end, text: String::new() });
    }
    edits.sort_by_key(|e| std::cmp::Reverse(e.range.start));
    let mut text = source.to_owned();
    for e in edits {
        text.replace_range(e.range, &e.text);
    }
    Some(format!("{header}{text}"))
}

fn skip_ws(s: &str, mut i: usize) -> usize {
    let b = s.as_bytes();
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

fn unquote(s: &str) -> &str {
    s.trim().trim_start_matches('"').trim_end_matches('"')
}

/// Indents every line but the first.
fn indent(text: &str, by: &str) -> String {
    text.lines()
        .enumerate()
        .map(|(i, l)| if i == 0 { l.to_owned() } else { format!("{by}{l}") })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A path with `.` and `x/..` removed lexically.
pub fn tidy(path: &Path) -> PathBuf {
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
    out.iter().collect()
}

/// `to` as seen from folder `from` (both absolute or both relative to the same folder),
/// lexically: `relative(a/b, a/c/f)` is `../c/f`.
pub fn relative(from: &Path, to: &Path) -> PathBuf {
    let (from, to) = (tidy(from), tidy(to));
    let f: Vec<Component> = from.components().collect();
    let t: Vec<Component> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let only_root = common > 0 && f[..common].iter().all(|c| matches!(c, Component::RootDir | Component::Prefix(_)));
    if only_root || f[common..].iter().any(|c| matches!(c, Component::ParentDir)) {
        // Nothing in common but the root reads better absolute; going up out of a `..`
        // cannot be undone lexically.
        return to;
    }
    let mut out = PathBuf::new();
    for _ in common..f.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c.as_os_str());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_walk_up_and_down() {
        assert_eq!(
            relative(Path::new("out"), Path::new("scenarios/../models/a.ron")),
            PathBuf::from("../models/a.ron")
        );
        assert_eq!(relative(Path::new("/w/out/x"), Path::new("/w/models/a.ron")), PathBuf::from("../../models/a.ron"));
        assert_eq!(relative(Path::new("."), Path::new("models/a.ron")), PathBuf::from("models/a.ron"));
        assert_eq!(relative(Path::new("/tmp/x"), Path::new("/w/m.ron")), PathBuf::from("/w/m.ron"));
    }

    #[test]
    fn faults_are_replaced_and_explore_removed() {
        let src = "// c\nScenario(\n    name: \"s\",\n    topology: \"../m.ron\",\n    duration: \"1m\",\n    workloads: [],\n    faults: [FaultWindow(start: \"1s\", fault: Outage(\"x\"))],\n    explore: Explore(cases: 3),\n)\n";
        let out = counterexample_text(src, "[\n    NEW,\n]", &[], "// head\n", &|p| format!("X{p}")).expect("edits");
        assert_eq!(
            out,
            "// head\n// c\nScenario(\n    name: \"s\",\n    topology: \"X../m.ron\",\n    duration: \"1m\",\n    workloads: [],\n    faults: [\n        NEW,\n    ],\n)\n"
        );
        let src = "Scenario(name: \"s\", topology: \"m.ron\", duration: \"1m\", workloads: [])";
        let out = counterexample_text(src, "[A]", &[], "", &|p| p.to_owned()).expect("edits");
        assert_eq!(
            out,
            "Scenario(name: \"s\", topology: \"m.ron\",\n    faults: [A], duration: \"1m\", workloads: [])"
        );
    }
}
