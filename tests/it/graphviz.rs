//! The DOT that users pipe to Graphviz renders with the real `dot`, without a warning: every
//! model and scenario's `faultsim graph`, and a cascade's `--dot`.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::cli::run;

/// Whether `dot` runs here (after saying so when it is missing and allowed to be).
fn dot_available() -> bool {
    crate::clients::available("dot", &["-V"], "apt-get install graphviz")
}

/// Renders `text` with `dot -Tsvg`: the exit status and what it printed on stderr.
fn render(text: &str) -> (bool, String) {
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dot starts");
    child.stdin.take().expect("stdin").write_all(text.as_bytes()).expect("write to dot");
    let out = child.wait_with_output().expect("dot ends");
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn every_model_and_scenario_renders_with_dot_without_warnings() {
    if !dot_available() {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<String> = Vec::new();
    for dir in ["models", "scenarios"] {
        for entry in std::fs::read_dir(root.join(dir)).expect("listed") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "ron") {
                files.push(format!("{dir}/{}", path.file_name().expect("name").to_string_lossy()));
            }
        }
    }
    files.sort();
    assert!(files.len() > 50, "{} files", files.len());
    let mut bad = Vec::new();
    for f in &files {
        let g = run(&["graph", f]);
        assert_eq!(g.code, Some(0), "{f}: {}", g.stderr);
        let (ok, warnings) = render(&g.stdout);
        if !ok || !warnings.is_empty() {
            bad.push(format!("{f}: {warnings}"));
        }
    }
    assert!(bad.is_empty(), "dot failed or warned on:\n{}", bad.join("\n"));
}

#[test]
fn a_cascade_dot_renders_with_dot_without_warnings() {
    if !dot_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("cascade.dot");
    let file = file.to_str().expect("utf-8 path");
    let c = run(&[
        "cascade",
        "scenarios/zone_loss_one_zone.ron",
        "--seeds",
        "2",
        "--modes",
        "zone",
        "--lead",
        "5s",
        "--fault-duration",
        "10s",
        "--after",
        "10s",
        "--dot",
        file,
    ]);
    assert!(matches!(c.code, Some(0 | 3)), "{}", c.stderr);
    let (ok, warnings) = render(&std::fs::read_to_string(file).expect("written"));
    assert!(ok && warnings.is_empty(), "{warnings}");
}

#[test]
fn graph_writes_one_file_with_dash_o_or_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let shown = run(&["graph", "models/zones.ron"]).stdout;
    for flag in ["-o", "--output", "--out"] {
        let file = dir.path().join(format!("g{flag}.dot"));
        let o = run(&["graph", "models/zones.ron", flag, file.to_str().expect("utf-8")]);
        assert_eq!(o.code, Some(0), "{flag}: {}", o.stderr);
        assert_eq!(std::fs::read_to_string(&file).expect("written"), shown, "{flag}");
    }
}
