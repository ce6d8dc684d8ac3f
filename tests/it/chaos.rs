//! `faultsim export chaos-mesh|chaostoolkit`: every example scenario's faults become Chaos
//! Mesh objects that Chaos Mesh's published CRD schemas accept (tests/chaos_mesh_check.py,
//! strict about unknown fields, on tests/fixtures/chaos-mesh-v2.8.3), and Chaos Toolkit
//! experiments that the real `chaos validate` accepts (it imports the extensions the
//! activities name and checks their arguments). Both checkers are shown to reject a broken
//! document, so passing means something.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cli::run;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every example scenario, sorted.
fn scenarios() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .expect("scenarios/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .collect();
    v.sort();
    v
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).display().to_string()
}

/// `faultsim export TOOL SCENARIO -o OUT EXTRA…`: whether it wrote a file (exit 0), or
/// said there was nothing to export (exit 2).
fn export(tool: &str, scenario: &str, out: &Path, extra: &[&str]) -> bool {
    let mut args = vec!["export", tool, scenario, "-o", out.to_str().expect("utf-8")];
    args.extend(extra);
    let o = run(&args);
    match o.code {
        Some(0) => true,
        Some(2) => {
            assert!(o.stderr.contains("nothing to export"), "{scenario}: {}", o.stderr);
            false
        }
        c => panic!("{scenario}: exit {c:?}: {}", o.stderr),
    }
}

fn chaos_mesh_check(files: &[PathBuf]) -> (bool, String) {
    let o = Command::new("python3")
        .arg(root().join("tests/chaos_mesh_check.py"))
        .arg(root().join("tests/fixtures/chaos-mesh-v2.8.3"))
        .args(files)
        .output()
        .expect("python3 runs");
    (o.status.success(), format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)))
}

fn chaos_validate(file: &Path) -> (bool, String) {
    let o = Command::new("chaos")
        .current_dir(file.parent().expect("folder"))
        .args(["--no-log-file", "validate"])
        .arg(file)
        .output()
        .expect("chaos runs");
    (o.status.success(), format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)))
}

#[test]
fn every_example_exports_chaos_mesh_objects_the_published_crds_accept() {
    if !crate::clients::available(
        "python3",
        &["-c", "import jsonschema, yaml"],
        "pip install -r tests/requirements.txt",
    ) {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let mut files = Vec::new();
    for s in scenarios() {
        let stem = s.file_stem().expect("stem").to_string_lossy().to_string();
        let workflow = dir.path().join(format!("{stem}.yaml"));
        if export("chaos-mesh", &rel(&s), &workflow, &["--namespace", "shop"]) {
            files.push(workflow);
            let manifests = dir.path().join(format!("{stem}.manifests.yaml"));
            assert!(export("chaos-mesh", &rel(&s), &manifests, &["--manifests"]));
            files.push(manifests);
        }
    }
    assert!(files.len() >= 40, "only {} exports", files.len());
    let (ok, said) = chaos_mesh_check(&files);
    assert!(ok, "{said}");

    // The checker refuses what Chaos Mesh would: an unknown action and an unknown field.
    let good = std::fs::read_to_string(dir.path().join("fault_crash_service.manifests.yaml")).expect("read");
    let bad_action = dir.path().join("bad-action.yaml");
    std::fs::write(&bad_action, good.replace("action: pod-failure", "action: pod-explode")).expect("write");
    let bad_field = dir.path().join("bad-field.yaml");
    std::fs::write(&bad_field, good.replace("  mode: all\n", "  mode: all\n  blast: everything\n")).expect("write");
    let (ok, said) = chaos_mesh_check(&[bad_action, bad_field]);
    assert!(!ok);
    assert!(said.contains("pod-explode") && said.contains("blast"), "{said}");
}

#[test]
fn exported_chaos_toolkit_experiments_pass_chaos_validate() {
    if !crate::clients::available("chaos", &["--version"], "pip install -r tests/requirements.txt") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    // The counterexample `check` shrinks is a scenario too, and exports the same way.
    let cx = dir.path().join("cx");
    let o = run(&["check", "scenarios/checkout_explore_fragile.ron", "--counterexamples", cx.to_str().expect("utf-8")]);
    assert_eq!(o.code, Some(1), "{}", o.stderr);
    let mut inputs: Vec<String> = scenarios()
        .iter()
        .filter(|s| s.file_name().is_some_and(|n| n.to_string_lossy().starts_with("fault_")))
        .map(|s| rel(s))
        .collect();
    inputs.push("scenarios/zone_outage.ron".into());
    // The team's own experiment of the import example is valid as written.
    let (ok, said) = chaos_validate(&root().join("scenarios/chaostoolkit/zone-drain.json"));
    assert!(ok, "{said}");
    inputs.push(cx.join("checkout_explore_fragile.counterexample.ron").display().to_string());
    let mut checked = Vec::new();
    for (i, s) in inputs.iter().enumerate() {
        let out = dir.path().join(format!("experiment-{i}.json"));
        if export("chaostoolkit", s, &out, &[]) {
            let (ok, said) = chaos_validate(&out);
            assert!(ok, "{s}: {said}");
            checked.push(out);
        }
    }
    assert!(checked.len() >= 14, "only {} experiments", checked.len());

    // `chaos validate` refuses an activity whose arguments do not fit the extension.
    let text = std::fs::read_to_string(&checked[0]).expect("read");
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, text.replace("\"group\"", "\"grup\"")).expect("write");
    let (ok, said) = chaos_validate(&broken);
    assert!(!ok, "{said}");
}

#[test]
fn a_zone_outage_becomes_a_timed_pod_failure_on_the_zones_nodes() {
    let o = run(&["export", "chaos-mesh", "scenarios/zone_outage.ron"]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    // Wait until the window's start (2m, 1m30s after the 30s warm-up: the experiment runs on
    // a system already serving), then fail every pod on zone a's nodes for its 2m.
    for line in [
        "kind: Workflow",
        "  - deadline: 1m30s\n    name: faultsim-1-zone-a-lost-wait\n    templateType: Suspend",
        "  - deadline: 2m\n    name: faultsim-1-zone-a-lost\n    podChaos:\n      action: pod-failure\n      mode: all",
        "topology.kubernetes.io/zone: a",
    ] {
        assert!(o.stdout.contains(line), "missing {line:?} in\n{}", o.stdout);
    }

    // In Chaos Toolkit, the same object is created after a 1m30s pause, and the hypothesis is
    // checked again once the fault has ended.
    let o = run(&["export", "chaostoolkit", "scenarios/zone_outage.ron"]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).expect("JSON");
    let action = &v["method"][0];
    assert_eq!(action["pauses"]["before"], 90);
    assert_eq!(action["pauses"]["after"], 120);
    assert_eq!(action["provider"]["arguments"]["resource"]["spec"]["duration"], "2m");
    let probes = v["steady-state-hypothesis"]["probes"].as_array().expect("probes");
    assert_eq!(probes.len(), 2, "{probes:?}");
    assert_eq!(probes[0]["provider"]["arguments"]["query"], "(${spread_good_ratio}) >= 0.99");
    let fill_in = &v["configuration"]["spread_good_ratio"]["default"];
    assert!(fill_in.as_str().is_some_and(|s| s.starts_with("FILL_IN")), "{fill_in}");
}

#[test]
fn what_has_no_counterpart_is_listed_never_dropped() {
    // A bad deploy is a release, not a chaos action: nothing to export, and it says why.
    let o = run(&["export", "chaos-mesh", "scenarios/fault_bad_deploy.ron"]);
    assert_eq!(o.code, Some(2), "{}", o.stdout);
    assert!(o.stderr.contains("not exported:") && o.stderr.contains("a bad deploy is a release"), "{}", o.stderr);
    assert!(o.stdout.is_empty());

    // A refusing partition is approximated by Chaos Mesh's dropping one: said on stderr and
    // in the file's header.
    let o = run(&["export", "chaos-mesh", "scenarios/fault_partition_refuse.ron"]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert!(o.stderr.contains("approximated:") && o.stderr.contains("refusing partition"), "{}", o.stderr);
    assert!(o.stdout.contains("# Approximations:\n#   - `"), "{}", o.stdout);

    // In a Chaos Toolkit experiment the notes travel in the `faultsim` extension, and
    // hypotheses a probe cannot judge are listed too.
    let o = run(&["export", "chaostoolkit", "scenarios/ecommerce_orders_db_loss.ron"]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).expect("JSON");
    let ext = &v["extensions"][0];
    assert_eq!(ext["name"], "faultsim");
    let listed = format!("{}{}", ext["not_exported"], ext["approximations"]);
    for note in o.stderr.lines().filter_map(|l| l.split_once(": ").map(|(_, n)| n)).filter(|n| n.starts_with('`')) {
        assert!(listed.contains(&note.replace('"', "\\\"")), "{note} not in {listed}");
    }
}

/// `faultsim import chaostoolkit …` into `dir/name`; the output.
fn import(dir: &Path, name: &str, extra: &[&str]) -> crate::cli::Output {
    let out = dir.join(name);
    let mut args = vec!["import", "chaostoolkit"];
    args.extend(extra);
    args.extend(["-o", out.to_str().expect("utf-8")]);
    run(&args)
}

#[test]
fn an_exported_experiment_imports_back_to_the_same_faults_and_hypotheses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let experiment = dir.path().join("zone-outage.json");
    assert!(export("chaostoolkit", "scenarios/zone_outage.ron", &experiment, &[]));
    let exp = experiment.to_str().expect("utf-8");
    let o = import(
        dir.path(),
        "back.ron",
        &[exp, "--topology", "models/zones.ron", "--rate", "spread=40", "--rate", "single=40"],
    );
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let back = dir.path().join("back.ron");
    let text = std::fs::read_to_string(&back).expect("written");
    // The same window at the same time after the same 30s warm-up, read back from the
    // Chaos Mesh object; both hypotheses read back from their Prometheus queries.
    assert!(text.contains(r#"start: "2m", duration: "2m", fault: Crash(Zone("a"))"#), "{text}");
    assert!(text.contains(r#"check: Availability(endpoint: "spread",at_least: 0.99,)"#), "{text}");
    assert!(text.contains(r#"check: Availability(endpoint: "single",at_least: 0.99,)"#), "{text}");
    // It runs through `check` with a verdict: `single` lives in one zone, so it fails.
    let o = run(&["check", back.to_str().expect("utf-8")]);
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("PASS") && o.stdout.contains("spread survives a zone"), "{}", o.stdout);
    assert!(o.stdout.contains("FAIL") && o.stdout.contains("single does not"), "{}", o.stdout);
}

#[test]
fn a_teams_own_experiment_dry_runs_through_check_with_its_mapping() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = import(
        dir.path(),
        "zone-drain.ron",
        &[
            "scenarios/chaostoolkit/zone-drain.json",
            "--topology",
            "models/ecommerce.ron",
            "--mapping",
            "scenarios/chaostoolkit/zone-drain.mapping.ron",
        ],
    );
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let file = dir.path().join("zone-drain.ron");
    let text = std::fs::read_to_string(&file).expect("written");
    // The drain from the mapping, lasting to the end of the method (60 s + 120 s of pauses);
    // the NetworkChaos read back by itself, a minute in, for its own 1m.
    assert!(
        text.contains(
            r#"name: "drain the nodes of us-east-1a", start: "30s", duration: "3m", fault: Crash(Zone("us-east-1a"))"#
        ),
        "{text}"
    );
    assert!(text.contains(r#"name: "slow payments down", start: "1m30s", duration: "1m", fault: Latency(target:Service("payments"),add:Fixed("200ms"))"#), "{text}");
    assert!(text.contains("//   - slow payments down at 1m30s: from the Chaos Mesh NetworkChaos delay"), "{text}");
    let o = run(&["check", file.to_str().expect("utf-8"), "--seeds", "10"]);
    assert!(matches!(o.code, Some(0 | 1)), "a verdict, not {:?}: {}{}", o.code, o.stdout, o.stderr);
    assert!(o.stdout.contains("checkout answers") && o.stdout.contains("browse answers"), "{}", o.stdout);
}

#[test]
fn an_action_faultsim_cannot_read_is_an_error_that_says_how_to_map_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = import(
        dir.path(),
        "x.ron",
        &["scenarios/chaostoolkit/zone-drain.json", "--topology", "models/ecommerce.ron", "--rate", "checkout=5"],
    );
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert!(
        o.stderr.contains("`drain the nodes of us-east-1a`: a python action (chaosk8s.node.actions.drain_nodes)"),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("hint: map it in the mapping file: actions: [ActionMapping("), "{}", o.stderr);
    assert!(!dir.path().join("x.ron").exists(), "nothing is written");

    // No load: said, with the endpoints to choose from.
    let o =
        import(dir.path(), "x.ron", &["scenarios/chaostoolkit/zone-drain.json", "--topology", "models/ecommerce.ron"]);
    assert_eq!(o.code, Some(2));
    assert!(o.stderr.contains("carries no load") && o.stderr.contains("browse, search"), "{}", o.stderr);

    // A broken experiment: located.
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\n  \"title\": \"x\",\n  \"method\": [\n}\n").expect("write");
    let o = import(dir.path(), "x.ron", &[broken.to_str().expect("utf-8"), "--topology", "models/ecommerce.ron"]);
    assert_eq!(o.code, Some(2));
    assert!(o.stderr.contains("broken.json:4:1") && o.stderr.contains("not valid JSON"), "{}", o.stderr);

    // A misspelt endpoint in --rate: a suggestion.
    let o = import(
        dir.path(),
        "x.ron",
        &["scenarios/chaostoolkit/zone-drain.json", "--topology", "models/ecommerce.ron", "--rate", "chekout=5"],
    );
    assert_eq!(o.code, Some(2));
    assert!(o.stderr.contains("did you mean `checkout`?"), "{}", o.stderr);
}
