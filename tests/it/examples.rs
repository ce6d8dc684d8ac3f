//! The shipped examples: all validate, each opens with a comment saying what it shows,
//! and the commands a new user runs on them work.

use std::path::{Path, PathBuf};

use crate::cli::run;

fn example_files() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in ["models", "scenarios"] {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        paths.sort();
        for p in paths.into_iter().filter(|p| p.extension().is_some_and(|e| e == "ron")) {
            out.push(format!("{dir}/{}", p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()));
        }
    }
    out
}

#[test]
fn all_examples_validate() {
    let files = example_files();
    assert!(files.iter().filter(|f| f.starts_with("models/")).count() >= 5, "at least five example models");
    assert!(files.iter().filter(|f| f.starts_with("scenarios/")).count() >= 5, "at least five example scenarios");
    let mut args = vec!["validate"];
    args.extend(files.iter().map(String::as_str));
    let o = run(&args);
    assert_eq!(o.code, Some(0), "{}{}", o.stdout, o.stderr);
}

#[test]
fn every_example_opens_with_a_comment() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for f in example_files() {
        let text = std::fs::read_to_string(root.join(&f)).unwrap_or_default();
        assert!(text.trim_start().starts_with("//"), "{f} should open with a comment saying what it shows");
    }
}

#[test]
fn analyze_and_graph_work_on_every_example() {
    for f in example_files() {
        let o = run(&["analyze", &f]);
        assert_eq!(o.code, Some(0), "analyze {f}: {}", o.stderr);
        assert!(o.stdout.contains("single points of failure"), "analyze {f}:\n{}", o.stdout);
        let o = run(&["analyze", &f, "--format", "json"]);
        assert_eq!(o.code, Some(0), "analyze --format json {f}: {}", o.stderr);
        assert!(serde_json::from_str::<serde_json::Value>(&o.stdout).is_ok(), "analyze {f} prints JSON");
        let o = run(&["graph", &f]);
        assert_eq!(o.code, Some(0), "graph {f}: {}", o.stderr);
        assert!(o.stdout.starts_with("digraph"), "graph {f}");
    }
}
