//! `check --junit` writes JUnit that the strict Apache Ant schema accepts, judged by the real
//! `xmllint --schema` against the committed schema (tests/fixtures/junit-ant.xsd, source in
//! tests/fixtures/README.md): failures, inconclusive verdicts (errors), a fault-space search
//! case and several scenarios in one file, each suite with its timing, timestamp, host and
//! properties.

use std::path::Path;
use std::process::Command;

/// Runs `check FILES… --junit` in the project folder with `env`, returning the exit code and
/// the JUnit text.
fn junit(files: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("junit.xml");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_faultsim"));
    cmd.arg("check").args(files).args(["--seeds", "8", "--junit"]).arg(&out);
    cmd.args(["--counterexamples"]).arg(dir.path().join("cx"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR")).env_remove("SOURCE_DATE_EPOCH").envs(env.iter().copied());
    let o = cmd.output().expect("runs");
    (o.status.code(), std::fs::read_to_string(&out).expect("junit written"))
}

/// What `xmllint --schema` says of `xml`: success, and its messages.
fn xmllint(xml: &str) -> (bool, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("junit.xml");
    std::fs::write(&file, xml).expect("write");
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/junit-ant.xsd");
    let o = Command::new("xmllint").arg("--noout").arg("--schema").arg(schema).arg(&file).output().expect("runs");
    (o.status.success(), String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn every_kind_of_verdict_is_valid_under_the_strict_ant_schema() {
    if !crate::clients::available("xmllint", &["--version"], "apt-get install libxml2-utils") {
        return;
    }
    let (code, xml) = junit(&["scenarios/zone_outage.ron", "scenarios/checkout_explore_fragile.ron"], &[]);
    assert_eq!(code, Some(1), "{xml}");
    let (valid, said) = xmllint(&xml);
    assert!(valid, "xmllint: {said}\n{xml}");

    let doc = roxmltree::Document::parse(&xml).expect("xml");
    let suites: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("testsuite")).collect();
    assert_eq!(suites.len(), 2, "a suite per scenario");
    assert_eq!(suites.iter().map(|s| s.attribute("id")).collect::<Vec<_>>(), [Some("0"), Some("1")]);
    let first = suites[0];
    assert_eq!((first.attribute("failures"), first.attribute("errors")), (Some("1"), Some("1")), "fail, inconclusive");
    let time: f64 = first.attribute("time").and_then(|t| t.parse().ok()).expect("a time in seconds");
    assert!(time > 0.0, "the runs took time");
    assert!(first.attribute("hostname").is_some_and(|h| !h.is_empty()));
    let property = |suite: roxmltree::Node, name: &str| {
        suite
            .descendants()
            .find(|n| n.has_tag_name("property") && n.attribute("name") == Some(name))
            .and_then(|n| n.attribute("value").map(str::to_owned))
    };
    assert_eq!(property(first, "seeds.range").as_deref(), Some("1..=8"));
    assert_eq!(property(first, "faultsim.version").as_deref(), Some(env!("CARGO_PKG_VERSION")));
    // The input hashes are those `run --format json` records for the same files.
    let run = crate::cli::run(&["run", "scenarios/zone_outage.ron", "--seeds", "1", "--format", "json"]);
    let meta: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(property(first, "input.scenario.sha256").as_deref(), meta["meta"]["inputs"]["scenario"].as_str());
    assert_eq!(property(first, "input.topology.sha256").as_deref(), meta["meta"]["inputs"]["topology"].as_str());
    // The search case counts schedules and is valid as the other cases are.
    let search = doc
        .descendants()
        .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some("fault-space search"))
        .expect("the search case");
    assert!(search.children().any(|c| c.has_tag_name("failure")), "{xml}");
    let out = first.children().find(|c| c.has_tag_name("system-out")).and_then(|n| n.text()).unwrap_or_default();
    assert!(out.contains("faultsim run scenarios/zone_outage.ron --seed 1"), "replays in system-out: {out}");

    // The checker is strict: it refuses what quick-junit used to write (no timestamp, host
    // or properties), so the pass above means something.
    let old = "<testsuites name=\"faultsim check\" tests=\"1\" failures=\"0\" errors=\"0\">\
               <testsuite name=\"s\" tests=\"1\" disabled=\"0\" errors=\"0\" failures=\"0\">\
               <testcase name=\"h\" classname=\"s\"/></testsuite></testsuites>";
    let (valid, said) = xmllint(old);
    assert!(!valid && said.contains("timestamp"), "{said}");
}

#[test]
fn with_source_date_epoch_the_report_is_byte_identical() {
    let env = [("SOURCE_DATE_EPOCH", "1780000000")];
    let (_, one) = junit(&["scenarios/zone_outage.ron"], &env);
    let (_, two) = junit(&["scenarios/zone_outage.ron"], &env);
    assert_eq!(one, two);
    assert!(one.contains("timestamp=\"2026-05-28T20:26:40\" hostname=\"localhost\""), "{one}");
    assert!(one.contains("time=\"0.000\""), "{one}");
}
