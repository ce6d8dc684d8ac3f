//! Every kind of broken input gives exit 2 and a message naming the file (and line:col
//! where a position exists) — never a panic, never a hang. Data-driven: each case is a
//! file (or folder) and what the message must say.

use std::path::Path;
use std::time::Duration;

use crate::cli::{run, run_in};

/// A small valid topology that the cases break in one place each.
pub(crate) const GOOD: &str = r#"// a small valid topology
Topology(
    name: "t",
    regions: [Region(name: "r", zones: [Zone(name: "a"), Zone(name: "b")])],
    services: [
        Service(
            name: "web",
            zones: ["a", "b"],
            workers: 4,
            service_time: LogNormal(median: "5ms", p99: "40ms"),
            calls: [Call(to: "api", timeout: "100ms")],
        ),
        Service(name: "api", zones: ["a"], service_time: Exp(mean: "5ms")),
    ],
    endpoints: [Endpoint(name: "home", service: "web")],
)
"#;

pub(crate) const SCENARIO: &str = r#"Scenario(
    name: "s",
    topology: "model.ron",
    duration: "1m",
    workloads: [Workload(endpoint: "home", arrivals: Poisson(rate: 10.0))],
)
"#;

enum Input {
    Text(String),
    Bytes(Vec<u8>),
    Dir,
    Missing,
}

struct Case {
    name: &'static str,
    input: Input,
    /// Substrings the error output must contain.
    expect: &'static [&'static str],
    /// Whether the message must carry a `file:line:col` position.
    positioned: bool,
}

fn broken(from: &str, to: &str) -> Input {
    assert!(GOOD.contains(from), "case text {from:?} not found in GOOD");
    Input::Text(GOOD.replacen(from, to, 1))
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "syntax",
            input: broken("zones: [\"a\", \"b\"],\n            workers", "zones: [\"a\" \"b\"],\n            workers"),
            expect: &["expected"],
            positioned: true,
        },
        Case {
            name: "misspelt_field",
            input: broken("workers: 4", "workrs: 4"),
            expect: &["unknown field `workrs`", "did you mean `workers`?"],
            positioned: true,
        },
        Case {
            name: "misspelt_variant",
            input: broken("Exp(mean", "Expo(mean"),
            expect: &["unknown variant `Expo`", "did you mean `Exp`?"],
            positioned: true,
        },
        Case {
            name: "wrong_type",
            input: broken("workers: 4", "workers: \"four\""),
            expect: &["expected"],
            positioned: true,
        },
        Case {
            name: "bad_unit",
            input: broken("timeout: \"100ms\"", "timeout: \"100 parsecs\""),
            expect: &["unknown unit"],
            positioned: true,
        },
        Case {
            name: "string_for_a_distribution",
            input: broken("service_time: Exp(mean: \"5ms\")", "service_time: \"5ms\""),
            expect: &[
                "expected a distribution for `service_time`, found the string \"5ms\"",
                "`Fixed(\"100ms\")` for a constant",
                "LogNormal(median:",
            ],
            positioned: true,
        },
        Case {
            name: "number_for_a_distribution",
            input: broken("service_time: Exp(mean: \"5ms\")", "service_time: 5"),
            expect: &["expected a distribution for `service_time`, found the number 5", "Exp(mean:"],
            positioned: true,
        },
        Case {
            name: "bare_number_duration",
            input: broken("timeout: \"100ms\"", "timeout: 100"),
            expect: &["has no unit"],
            positioned: true,
        },
        Case {
            name: "unknown_reference",
            input: broken("to: \"api\"", "to: \"apii\""),
            expect: &["unknown call target `apii`", "did you mean `api`?"],
            positioned: true,
        },
        Case {
            name: "unknown_zone",
            input: broken("zones: [\"a\"]", "zones: [\"c\"]"),
            expect: &["unknown zone `c`"],
            positioned: true,
        },
        Case {
            name: "cycle",
            input: broken(
                "service_time: Exp(mean: \"5ms\"))",
                "service_time: Exp(mean: \"5ms\"), calls: [Call(to: \"web\")])",
            ),
            expect: &["cycle", "api", "web"],
            positioned: true,
        },
        Case {
            name: "out_of_range",
            input: broken("workers: 4", "workers: 4, error_rate: 1.5"),
            expect: &["error_rate must be a probability in [0, 1], found 1.5"],
            positioned: true,
        },
        Case {
            name: "p99_below_median",
            input: broken("median: \"5ms\", p99: \"40ms\"", "median: \"50ms\", p99: \"40ms\""),
            expect: &["p99 (40ms) is below the median (50ms)"],
            positioned: true,
        },
        Case {
            name: "zero_capacity",
            input: broken("workers: 4", "workers: 0"),
            expect: &["workers must be at least 1"],
            positioned: true,
        },
        Case {
            name: "duplicate_name",
            input: broken("name: \"api\"", "name: \"web\""),
            expect: &["already used"],
            positioned: true,
        },
        Case {
            name: "several_errors_together",
            input: Input::Text(
                GOOD.replacen("to: \"api\"", "to: \"nope\"", 1).replacen("workers: 4", "workers: 0", 1).replacen(
                    "service: \"web\"",
                    "service: \"wbe\"",
                    1,
                ),
            ),
            expect: &["unknown call target `nope`", "workers must be at least 1", "unknown service `wbe`", "3 errors"],
            positioned: true,
        },
        Case { name: "empty_file", input: Input::Text(String::new()), expect: &["empty file"], positioned: true },
        Case {
            name: "only_comments",
            input: Input::Text("// nothing here\n/* still nothing */\n".into()),
            expect: &["empty file"],
            positioned: true,
        },
        Case {
            name: "wrong_kind",
            input: Input::Text("Topolgy(name: \"x\")".into()),
            expect: &["did you mean `Topology`?"],
            positioned: true,
        },
        Case {
            name: "unclosed",
            input: Input::Text(GOOD[..GOOD.len() / 2].to_owned()),
            expect: &["model.ron:"],
            positioned: true,
        },
        Case {
            name: "binary_garbage",
            input: Input::Bytes(vec![0x7f, 0x45, 0x4c, 0x46, 0xff, 0xfe, 0x00, 0x01, 0x80]),
            expect: &["not a text file"],
            positioned: true,
        },
        Case {
            name: "nul_bytes",
            input: Input::Bytes(b"Topology(\0\0\0)".to_vec()),
            expect: &["not a text file", "control character"],
            positioned: true,
        },
        Case {
            name: "very_deep_nesting",
            input: Input::Text(format!("Topology(name: {}", "[".repeat(100_000))),
            expect: &["nesting is deeper than 64 levels"],
            positioned: true,
        },
        Case {
            name: "deep_but_balanced",
            input: Input::Text(format!("Topology(name: {}{})", "(".repeat(5_000), ")".repeat(5_000))),
            expect: &["nesting is deeper"],
            positioned: true,
        },
        Case {
            name: "huge_file",
            input: Input::Text(format!("Topology({})", " ".repeat(17 << 20))),
            expect: &["file is too large"],
            positioned: false,
        },
        Case { name: "directory", input: Input::Dir, expect: &["is a directory"], positioned: false },
        Case { name: "missing_file", input: Input::Missing, expect: &["no such file"], positioned: false },
    ]
}

fn write_input(dir: &Path, input: &Input) {
    let p = dir.join("model.ron");
    match input {
        Input::Text(t) => std::fs::write(&p, t).expect("write case"),
        Input::Bytes(b) => std::fs::write(&p, b).expect("write case"),
        Input::Dir => std::fs::create_dir(&p).expect("mkdir case"),
        Input::Missing => {}
    }
}

#[test]
fn the_good_file_is_good() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_input(dir.path(), &Input::Text(GOOD.to_owned()));
    let o = run_in(dir.path(), &["validate", "model.ron"], Duration::from_secs(20));
    assert_eq!(o.code, Some(0), "{}", o.stderr);
}

#[test]
fn every_broken_input_is_exit_2_with_file_and_position() {
    let position = regex_lite_line_col();
    for case in cases() {
        let dir = tempfile::tempdir().expect("tempdir");
        write_input(dir.path(), &case.input);
        let o = run_in(dir.path(), &["validate", "model.ron"], Duration::from_secs(20));
        assert_eq!(o.code, Some(2), "case {}: exit code\n{}", case.name, o.stderr);
        assert!(o.stderr.contains("model.ron"), "case {}: file not named\n{}", case.name, o.stderr);
        for e in case.expect {
            assert!(o.stderr.contains(e), "case {}: missing {e:?} in\n{}", case.name, o.stderr);
        }
        if case.positioned {
            assert!(position(&o.stderr), "case {}: no model.ron:LINE:COL in\n{}", case.name, o.stderr);
        }
    }
}

/// Whether the text has `model.ron:<line>:<col>`.
pub(crate) fn regex_lite_line_col() -> impl Fn(&str) -> bool {
    |s: &str| {
        s.match_indices("model.ron:").any(|(i, m)| {
            let rest = &s[i + m.len()..];
            let mut parts = rest.splitn(3, ':');
            let line = parts.next().unwrap_or("");
            let col = parts.next().unwrap_or("");
            !line.is_empty()
                && line.chars().all(|c| c.is_ascii_digit())
                && !col.is_empty()
                && col.chars().all(|c| c.is_ascii_digit())
        })
    }
}

#[test]
fn a_scenario_naming_a_missing_topology_points_at_the_reference() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("s.ron"), SCENARIO).expect("write");
    let o = run_in(dir.path(), &["validate", "s.ron"], Duration::from_secs(20));
    assert_eq!(o.code, Some(2));
    assert!(o.stderr.contains("s.ron:3:15"), "{}", o.stderr);
    assert!(o.stderr.contains("cannot load the topology `model.ron`: no such file"), "{}", o.stderr);
}

#[test]
fn errors_in_a_scenarios_topology_name_the_topology_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("s.ron"), SCENARIO).expect("write");
    std::fs::write(dir.path().join("model.ron"), GOOD.replacen("workers: 4", "workrs: 4", 1)).expect("write");
    let o = run_in(dir.path(), &["validate", "s.ron"], Duration::from_secs(20));
    assert_eq!(o.code, Some(2));
    assert!(o.stderr.contains("model.ron:9:13: unknown field `workrs`"), "{}", o.stderr);
}

#[test]
fn scenario_references_are_checked_against_the_topology() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("model.ron"), GOOD).expect("write");
    let bad = SCENARIO.replace("endpoint: \"home\"", "endpoint: \"hom\"").replace(
        "duration: \"1m\",",
        "duration: \"1m\",\n    faults: [(start: \"10s\", duration: \"5s\", fault: Crash(Zone(\"web\"))), (start: \"2m\", fault: Outage(\"psp\"))],",
    );
    std::fs::write(dir.path().join("s.ron"), bad).expect("write");
    let o = run_in(dir.path(), &["validate", "s.ron"], Duration::from_secs(20));
    assert_eq!(o.code, Some(2));
    for e in [
        "unknown endpoint `hom`",
        "did you mean `home`?",
        "`web` is a service, not a zone",
        "starts at 2m but the run ends at 1m",
        "unknown external `psp`",
    ] {
        assert!(o.stderr.contains(e), "missing {e:?} in\n{}", o.stderr);
    }
}

#[test]
fn diagnostics_read_well() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = GOOD.replacen("workers: 4", "workrs: 4", 1);
    std::fs::write(dir.path().join("model.ron"), text).expect("write");
    let o = run_in(dir.path(), &["validate", "model.ron"], Duration::from_secs(20));
    insta::assert_snapshot!("misspelt_field", o.stderr);

    let text = GOOD.replacen("to: \"api\"", "to: \"apii\"", 1).replacen(
        "median: \"5ms\", p99: \"40ms\"",
        "median: \"50ms\", p99: \"40ms\"",
        1,
    );
    std::fs::write(dir.path().join("model.ron"), text).expect("write");
    let o = run_in(dir.path(), &["validate", "model.ron"], Duration::from_secs(20));
    insta::assert_snapshot!("semantic_errors", o.stderr);
}

/// Regression: `faultsim graph big.ron | head -1` panicked with "failed printing to stdout".
#[test]
fn regression_closed_stdout_pipe_is_not_a_panic() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("big.ron"), faultsim::synth::layered_topology(3_000, 50)).expect("write");
    for args in [["graph", "big.ron"], ["analyze", "big.ron"]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_faultsim"))
            .args(args)
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starts");
        // Read one byte, then close the pipe while the child still has lots to write.
        let mut stdout = child.stdout.take().expect("stdout");
        let mut first = [0u8; 1];
        let _ = stdout.read(&mut first);
        drop(stdout);
        let mut stderr = String::new();
        let _ = child.stderr.take().expect("stderr").read_to_string(&mut stderr);
        let status = child.wait().expect("exits");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(status.code(), Some(0), "{args:?}: {stderr}");
    }
}

/// `report` of availability results renders them (as `availability --out` did); a JSON file
/// that holds no results says what it holds and what `report` reads, with exit 2.
#[test]
fn report_reads_availability_results_and_explains_other_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model = root.join("models/quiet_zones.ron").display().to_string();
    let limit = Duration::from_secs(60);
    let made = run_in(dir.path(), &["availability", &model, "--years", "3", "--seeds", "2", "--out", "av"], limit);
    assert_eq!(made.code, Some(0), "{}", made.stderr);
    let o = run_in(dir.path(), &["report", "av/results.json", "--out", "again"], limit);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let page = std::fs::read_to_string(dir.path().join("again/index.html")).expect("a page");
    assert!(page.contains("quiet-zones"), "the page is the availability report");
    let (a, b) = (dir.path().join("av/results.json"), dir.path().join("again/results.json"));
    assert_eq!(std::fs::read(a).expect("first"), std::fs::read(b).expect("second"), "same results, same bytes");

    for (text, says) in [
        ("{\"a\": 1}", "a JSON object without `schema_version` (keys: a)"),
        ("[1, 2]", "JSON, but not an object (an array)"),
        ("{\"kind\": \"fmea\", \"schema_version\": 1}", "holds `fmea` output, not run results"),
        ("{\"schema_version\": 1", "not valid JSON"),
    ] {
        std::fs::write(dir.path().join("x.json"), text).expect("write");
        let o = run_in(dir.path(), &["report", "x.json", "--out", "r"], limit);
        assert_eq!(o.code, Some(2), "{text}: {}", o.stderr);
        assert!(o.stderr.contains(says), "{text}: {}", o.stderr);
        assert!(o.stderr.contains("expected the results.json that `run --out`"), "{}", o.stderr);
    }
}

#[test]
fn validate_json_gives_every_diagnostic_with_its_range_for_editors() {
    // The same broken inputs as above: JSON has the errors text mode prints, each with the
    // line and column of the text's `model.ron:LINE:COL`, and an end not before its start.
    for case in cases().into_iter().filter(|c| c.positioned) {
        let dir = tempfile::tempdir().expect("tempdir");
        write_input(dir.path(), &case.input);
        let text = run_in(dir.path(), &["validate", "model.ron"], Duration::from_secs(20));
        let json = run_in(dir.path(), &["validate", "model.ron", "--format", "json"], Duration::from_secs(20));
        assert_eq!(json.code, Some(2), "case {}", case.name);
        let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("one JSON document");
        assert_eq!((v["kind"].as_str(), v["schema_version"].as_u64()), (Some("validation"), Some(1)));
        let file = &v["files"][0];
        assert_eq!(file["valid"], false, "case {}", case.name);
        let ds = file["diagnostics"].as_array().expect("diagnostics");
        // Text mode ends a file's errors with `model.ron: N error(s)`: JSON has as many.
        let counted = text
            .stderr
            .lines()
            .find_map(|l| l.strip_prefix("model.ron: ")?.split(' ').next()?.parse::<usize>().ok())
            .expect("an error count");
        assert_eq!(ds.len(), counted, "case {}: {}", case.name, json.stdout);
        for d in ds {
            let start = &d["range"]["start"];
            let end = &d["range"]["end"];
            if d["file"] == "model.ron" && !d["range"].is_null() {
                let at = format!("model.ron:{}:{}", start["line"], start["column"]);
                assert!(text.stderr.contains(&at), "case {}: {at} not in\n{}", case.name, text.stderr);
                let key = |p: &serde_json::Value| (p["line"].as_u64(), p["column"].as_u64());
                assert!(key(end) >= key(start), "case {}: {d}", case.name);
            }
            assert!(d["message"].as_str().is_some_and(|m| !m.is_empty()), "{d}");
        }
    }
    // A valid file is valid, with what it holds.
    let ok = run(&["validate", "models/minimal.ron", "--format", "json"]);
    assert_eq!(ok.code, Some(0));
    assert!(ok.stdout.contains("\"valid\": true") && ok.stdout.contains("topology `minimal`"), "{}", ok.stdout);
}
