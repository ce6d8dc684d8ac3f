//! Patch files everywhere: `validate` reads them, and `--variant PATCH` lays a what-if patch
//! over the scenario for `run`, `check`, `fmea`, `cascade`, `metastability` and `report`, so a
//! user can look inside a fix without copying the topology.

use crate::cli::run;

const MINIMAL: &str = "scenarios/minimal.ron";
const FASTER: &str = "scenarios/patches/minimal_faster.ron";

#[test]
fn validate_reads_every_patch_file_and_checks_it_against_a_scenario() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/patches");
    let mut patches: Vec<_> =
        std::fs::read_dir(&dir).expect("patches folder").map(|e| e.expect("entry").path()).collect();
    patches.sort();
    assert!(patches.len() >= 5, "the examples have patches");
    for p in &patches {
        let p = p.to_str().expect("utf-8 path");
        let o = run(&["validate", p]);
        assert_eq!(o.code, Some(0), "{p}: {}{}", o.stdout, o.stderr);
        assert!(o.stdout.contains("(patch `"), "{p} is named as a patch: {}", o.stdout);
    }
    let ok = run(&["validate", MINIMAL, "--variant", FASTER]);
    assert_eq!(ok.code, Some(0), "{}{}", ok.stdout, ok.stderr);
    // A patch that names a service the scenario does not have is refused, with the place.
    let bad = run(&["validate", MINIMAL, "--variant", "scenarios/patches/oom_fixed.ron"]);
    assert_eq!(bad.code, Some(2), "{}{}", bad.stdout, bad.stderr);
    assert!(bad.stderr.contains("oom_fixed.ron:12:19: no service `profile-svc`"), "{}", bad.stderr);
}

#[test]
fn running_a_patch_as_a_scenario_points_to_variant() {
    let o = run(&["run", FASTER, "--seed", "1"]);
    assert_eq!(o.code, Some(2));
    assert!(o.stderr.contains("found `Patch(…)`") && o.stderr.contains("--variant"), "{}", o.stderr);
}

#[test]
fn run_with_a_variant_names_it_changes_the_result_and_replays_with_it() {
    let base = run(&["run", MINIMAL, "--seed", "1"]);
    let var = run(&["run", MINIMAL, "--seed", "1", "--variant", FASTER]);
    assert_eq!(var.code, Some(0), "{}", var.stderr);
    assert!(var.stdout.starts_with("scenario: minimal + hello 10% faster"), "{}", var.stdout);
    assert_ne!(
        base.stdout.replace("minimal + hello 10% faster", "minimal"),
        var.stdout.replace("minimal + hello 10% faster", "minimal")
    );
    // Many seeds: the header names the variant too.
    let many = run(&["run", MINIMAL, "--seeds", "2", "--variant", FASTER]);
    assert_eq!(many.code, Some(0), "{}", many.stderr);
    assert!(many.stdout.contains("minimal + hello 10% faster"), "{}", many.stdout);
}

#[test]
fn check_with_the_fix_as_a_variant_no_longer_fails() {
    let args = ["check", "scenarios/oom_cascade.ron", "--seeds", "3", "--no-explore"];
    let before = run(&args);
    assert_eq!(before.code, Some(1), "the cascade breaks its hypotheses: {}", before.stdout);
    assert!(
        before.stdout.contains("failed on seed 1: faultsim run scenarios/oom_cascade.ron --seed 1"),
        "{}",
        before.stdout
    );
    let mut with = args.to_vec();
    with.extend(["--variant", "scenarios/patches/oom_fixed.ron"]);
    let after = run(&with);
    assert_ne!(after.code, Some(1), "the fix holds (or needs more seeds): {}", after.stdout);
    assert_ne!(after.code, Some(2), "{}", after.stderr);
}

#[test]
fn failing_replays_carry_the_variant() {
    // The minimal scenario with a latency hypothesis, and a patch that makes `hello` far too
    // slow for it: the check fails, and its replay lines must lay the same patch over again.
    let dir = tempfile::tempdir().expect("temp dir");
    let root = env!("CARGO_MANIFEST_DIR");
    let scenario = dir.path().join("fast.ron");
    std::fs::write(
        &scenario,
        format!(
            "Scenario(name: \"fast greet\", topology: \"{root}/models/minimal.ron\", duration: \"20s\", \
             workloads: [Workload(endpoint: \"greet\", arrivals: Poisson(rate: 50.0))], \
             hypotheses: [Hypothesis(check: Latency(endpoint: \"greet\", percentile: 99.0, at_most: \"100ms\"))])"
        ),
    )
    .expect("write scenario");
    let patch = dir.path().join("slow.ron");
    std::fs::write(
        &patch,
        "Patch(name: \"slow hello\", services: [ServicePatch(name: \"hello\", service_time: Exp(mean: \"60ms\"))])",
    )
    .expect("write patch");
    let (s, p) = (scenario.to_str().expect("utf-8"), patch.to_str().expect("utf-8"));
    let holds = run(&["check", s, "--seeds", "2", "--no-explore"]);
    assert_eq!(holds.code, Some(3), "too few seeds to pass, none failed: {}{}", holds.stdout, holds.stderr);
    let o = run(&["check", s, "--seeds", "2", "--no-explore", "--variant", p]);
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
    let replay = o
        .stdout
        .lines()
        .find(|l| l.contains("failed on seed 1: faultsim run"))
        .unwrap_or_else(|| panic!("a replay line: {}", o.stdout));
    assert!(replay.contains(&format!("--variant {p}")), "{replay}");
}

#[test]
fn studies_run_on_the_patched_scenario() {
    for study in ["fmea", "cascade"] {
        let o = run(&[study, MINIMAL, "--seeds", "2", "--variant", FASTER]);
        assert_eq!(o.code, Some(0), "{study}: {}", o.stderr);
        assert!(o.stdout.starts_with(&format!("{study}: minimal + hello 10% faster")), "{study}: {}", o.stdout);
    }
    let m = run(&[
        "metastability",
        "scenarios/slow_chain.ron",
        "--variant",
        "scenarios/patches/slow_chain_timeouts.ron",
        "--loads",
        "1",
        "--magnitudes",
        "1",
        "--durations",
        "5s",
        "--seeds",
        "2",
    ]);
    assert_eq!(m.code, Some(0), "{}", m.stderr);
    assert!(m.stdout.starts_with("metastability: slow inventory + timeout and fallback"), "{}", m.stdout);
}

#[test]
fn report_of_a_variant_names_it_and_a_results_file_refuses_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("r");
    let o = run(&["report", MINIMAL, "--seeds", "2", "--variant", FASTER, "--out", out.to_str().expect("utf-8")]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let summary = std::fs::read_to_string(out.join("summary.md")).expect("summary written");
    assert!(summary.contains("scenario: minimal + hello 10% faster"), "{summary}");
    let results = out.join("results.json");
    let again = run(&[
        "report",
        results.to_str().expect("utf-8"),
        "--variant",
        FASTER,
        "--out",
        dir.path().join("s").to_str().expect("utf-8"),
    ]);
    assert_eq!(again.code, Some(2), "{}{}", again.stdout, again.stderr);
    assert!(again.stderr.contains("--variant"), "{}", again.stderr);
}
