//! Every command's JSON output carries `schema_version` and `kind` and is valid under the
//! JSON Schema `faultsim schema` publishes for its kind, judged by the reference validator
//! (Python's `jsonschema`, draft 2020-12, through tests/json_schema_check.py) — and the
//! validator rejects a document that breaks its schema, so passing means something.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cli::run;

/// Whether Python with `jsonschema` is here (`.ci/run` installs it in a venv on PATH).
fn validator_available() -> bool {
    crate::clients::available("python3", &["-c", "import jsonschema"], "pip install -r tests/requirements.txt")
}

/// Runs tests/json_schema_check.py on `files` with the schemas in `schemas`: success, and
/// what it said.
fn validate(schemas: &Path, files: &[PathBuf]) -> (bool, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/json_schema_check.py");
    let o = Command::new("python3").arg(script).arg(schemas).args(files).output().expect("python3 runs");
    (o.status.success(), format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)))
}

/// `faultsim ARGS` in the project folder, its stdout saved as `dir/name` (any verdict: exit
/// 1 and 3 print their document too, as does `validate` of a broken file with exit 2).
fn save(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let o = run(args);
    assert!(o.code.is_some() && !o.stdout.is_empty(), "{args:?}: {}", o.stderr);
    let path = dir.join(name);
    std::fs::write(&path, &o.stdout).expect("write");
    path
}

#[test]
fn every_command_writes_json_its_published_schema_accepts() {
    if !validator_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let schemas = d.join("schemas");
    let o = run(&["schema", "--out", schemas.to_str().expect("utf-8")]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);

    let minimal = "scenarios/minimal.ron";
    let out = d.join("out");
    let shards = d.join("shards");
    let trace = d.join("events.jsonl");
    let bad = d.join("bad.ron");
    std::fs::write(&bad, "Topology(name: \"x\", services: [Service(name: \"a\", zones: [\"z\"])], bogus: 1)")
        .expect("write");
    let cx = d.join("cx");
    let mut files = vec![
        save(d, "run-seed.json", &["run", "scenarios/ecommerce_peak.ron", "--seed", "2", "--format", "json"]),
        save(d, "run.json", &["run", "scenarios/zone_outage.ron", "--seeds", "3", "--format", "json"]),
        save(d, "availability.json", &["availability", "models/ecommerce.ron", "--seeds", "4", "--format", "json"]),
        save(
            d,
            "check.json",
            &[
                "check",
                "scenarios/zone_outage.ron",
                "scenarios/checkout_explore_fragile.ron",
                "--seeds",
                "4",
                "--format",
                "json",
                "--counterexamples",
                cx.to_str().expect("utf-8"),
            ],
        ),
        save(d, "fmea.json", &["fmea", minimal, "--seeds", "3", "--format", "json"]),
        save(d, "cascade.json", &["cascade", "scenarios/zone_outage.ron", "--seeds", "3", "--format", "json"]),
        save(
            d,
            "metastability.json",
            &["metastability", "scenarios/retry_storm_spike.ron", "--seeds", "2", "--format", "json"],
        ),
        save(
            d,
            "whatif.json",
            &[
                "whatif",
                minimal,
                "--variant",
                "scenarios/patches/minimal_faster.ron",
                "--seeds",
                "3",
                "--format",
                "json",
            ],
        ),
        save(d, "analysis.json", &["analyze", "models/ecommerce.ron", "--format", "json"]),
        save(d, "validation.json", &["validate", minimal, bad.to_str().expect("utf-8"), "--format", "json"]),
    ];
    let o = run(&["run", "scenarios/zone_outage.ron", "--seeds", "3", "--out", out.to_str().expect("utf-8")]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    files.push(out.join("results.json"));
    let o = run(&["run", minimal, "--seeds", "4", "--shard", "1/2", "--out", shards.to_str().expect("utf-8")]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    files.push(shards.join("shard-1-of-2.json"));
    let o = run(&["replay", minimal, "--seed", "1", "--trace", trace.to_str().expect("utf-8")]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    files.push(trace.clone());

    // Each document names its kind, and every kind is covered.
    let mut kinds = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read");
        let first = text.lines().next().unwrap_or_default();
        let head: serde_json::Value = serde_json::from_str(if f == &trace { first } else { &text })
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        assert!(head["schema_version"].as_u64().is_some(), "{}: no schema_version", f.display());
        kinds.push(head["kind"].as_str().unwrap_or_else(|| panic!("{}: no kind", f.display())).to_owned());
    }
    for k in faultsim::schema::Kind::ALL {
        assert!(kinds.iter().any(|n| n == k.name()), "no output of kind {} was validated", k.name());
    }
    let (valid, said) = validate(&schemas, &files);
    assert!(valid, "{said}");

    // The validator is not a rubber stamp: a wrong type, a missing field and another kind's
    // version are each refused.
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&files[1]).expect("read")).expect("json");
    doc["seeds"] = "three".into();
    let broken = d.join("broken-type.json");
    std::fs::write(&broken, doc.to_string()).expect("write");
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&files[4]).expect("read")).expect("json");
    doc.as_object_mut().expect("object").remove("rows");
    let missing = d.join("broken-missing.json");
    std::fs::write(&missing, doc.to_string()).expect("write");
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&files[3]).expect("read")).expect("json");
    doc["schema_version"] = 99.into();
    let version = d.join("broken-version.json");
    std::fs::write(&version, doc.to_string()).expect("write");
    for f in [broken, missing, version] {
        let (valid, said) = validate(&schemas, std::slice::from_ref(&f));
        assert!(!valid, "{} passed: {said}", f.display());
    }
}

#[test]
fn schema_lists_kinds_and_refuses_an_unknown_one() {
    let list = run(&["schema"]);
    assert_eq!(list.code, Some(0));
    for k in faultsim::schema::Kind::ALL {
        assert!(list.stdout.contains(&format!("  {:<14} v{}", k.name(), k.version())), "{}", list.stdout);
    }
    let one = run(&["schema", "check"]);
    let v: serde_json::Value = serde_json::from_str(&one.stdout).expect("a schema is JSON");
    assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(v["properties"]["kind"]["const"], "check");
    let bad = run(&["schema", "chek"]);
    assert_eq!(bad.code, Some(2));
    assert!(bad.stderr.contains("hint: the kinds are run-seed, run,"), "{}", bad.stderr);
}

#[test]
fn results_of_another_kind_or_an_older_version_are_refused_by_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fmea = save(dir.path(), "fmea.json", &["fmea", "scenarios/minimal.ron", "--seeds", "2", "--format", "json"]);
    let o = run(&["report", fmea.to_str().expect("utf-8"), "--out", dir.path().join("r").to_str().expect("utf-8")]);
    assert_eq!(o.code, Some(2));
    assert!(o.stderr.contains("holds `fmea` output, not run results"), "{}", o.stderr);
    let results = save(dir.path(), "run.json", &["run", "scenarios/minimal.ron", "--seeds", "2", "--format", "json"]);
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&results).expect("read")).expect("json");
    doc["schema_version"] = 1.into();
    std::fs::write(&results, doc.to_string()).expect("write");
    let o = run(&["report", results.to_str().expect("utf-8"), "--out", dir.path().join("r").to_str().expect("utf-8")]);
    assert_eq!(o.code, Some(2));
    assert!(o.stderr.contains("schema version 1 (this faultsim reads 2)"), "{}", o.stderr);
}
