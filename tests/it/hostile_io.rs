//! Hostile files and paths (issue #21): special files as inputs and outputs, inputs larger
//! than their named limit, source lines too wide to draw, and read errors with positions.
//! Each case asserts the exit code, the message, and that no file other than the intended
//! output changed. Special files are made inside a temporary folder (`mkfifo`, `mknod`),
//! never taken from the machine's `/dev`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::cli::run_in;

const TOPOLOGY: &str = r#"Topology(
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

const SCENARIO: &str = r#"Scenario(
    name: "s",
    topology: "model.ron",
    duration: "10s",
    seeds: Seeds(first: 1, count: 2),
    workloads: [Workload(endpoint: "home", arrivals: Poisson(rate: 10.0))],
)
"#;

const PATCH: &str = r#"Patch(
    name: "more workers",
    services: [ServicePatch(name: "web", workers: 8)],
)
"#;

const LIMIT: Duration = Duration::from_secs(30);

/// A folder with the topology, the scenario and the patch.
fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in [("model.ron", TOPOLOGY), ("s.ron", SCENARIO), ("p.ron", PATCH)] {
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    dir
}

/// What is in a folder (recursively): each name with its kind and, for a regular file, its bytes.
fn listing(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let p = e.path();
            let name = p.strip_prefix(dir).expect("inside").display().to_string();
            let meta = std::fs::symlink_metadata(&p).expect("metadata");
            let t = meta.file_type();
            let what = if t.is_symlink() {
                format!("link to {}", std::fs::read_link(&p).expect("link").display())
            } else if t.is_dir() {
                todo.push(p.clone());
                "folder".to_owned()
            } else if t.is_file() {
                format!("file {:?}", std::fs::read(&p).expect("read"))
            } else {
                format!("special {t:?}")
            };
            out.insert(name, what);
        }
    }
    out
}

/// Makes a special file `name` in `dir` with `tool ARGS` (`mkfifo`, `mknod`). A tool may only
/// refuse when not running as root (`mknod` needs it); the case is then skipped with a note.
#[allow(clippy::print_stderr)] // The note is for whoever wonders why a case did not run.
fn make_special(dir: &Path, tool: &str, name: &str, args: &[&str]) -> bool {
    let ok = Command::new(tool).arg(dir.join(name)).args(args).status().is_ok_and(|s| s.success());
    if !ok {
        let root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.trim_ascii() == b"0");
        assert!(!root, "`{tool} {name} {args:?}` failed although running as root");
        eprintln!("note: `{tool} {name} {args:?}` needs root; that case is skipped");
    }
    ok
}

/// A special or odd target to make in a folder.
#[derive(Clone, Copy, Debug)]
enum Target {
    Fifo,
    /// A node like /dev/null (character device 1:3).
    NullDevice,
    /// A node like /dev/full (character device 1:7): writes fail with ENOSPC.
    FullDevice,
    Folder,
    LinkToFifo,
    DanglingLink,
}

/// Makes `name` in `dir` as `t`; false when this machine cannot.
fn make(dir: &Path, name: &str, t: Target) -> bool {
    match t {
        Target::Fifo => make_special(dir, "mkfifo", name, &[]),
        Target::NullDevice => make_special(dir, "mknod", name, &["c", "1", "3"]),
        Target::FullDevice => make_special(dir, "mknod", name, &["c", "1", "7"]),
        Target::Folder => std::fs::create_dir(dir.join(name)).is_ok(),
        Target::LinkToFifo => {
            make_special(dir, "mkfifo", "pipe", &[]) && std::os::unix::fs::symlink("pipe", dir.join(name)).is_ok()
        }
        Target::DanglingLink => std::os::unix::fs::symlink("nowhere", dir.join(name)).is_ok(),
    }
}

const TARGETS: [Target; 6] =
    [Target::Fifo, Target::NullDevice, Target::FullDevice, Target::Folder, Target::LinkToFifo, Target::DanglingLink];

#[test]
fn output_targets_that_are_not_regular_files_are_refused_and_left_alone() {
    let commands: [&[&str]; 4] = [
        &["replay", "s.ron", "--seed", "1", "--trace", "T"],
        &["graph", "model.ron", "-o", "T"],
        &["cascade", "s.ron", "--dot", "T"],
        &["check", "s.ron", "--junit", "T"],
    ];
    for t in TARGETS {
        for args in commands {
            let dir = folder();
            if !make(dir.path(), "T", t) {
                continue;
            }
            let before = listing(dir.path());
            let o = run_in(dir.path(), args, LIMIT);
            let case = format!("{args:?} with T a {t:?}");
            assert_eq!(o.code, Some(2), "{case}: exit code\n{}", o.stderr);
            assert!(o.stderr.contains("error: T: cannot write: is "), "{case}: message\n{}", o.stderr);
            assert!(
                o.stderr.contains("not a regular file") || o.stderr.contains("a symbolic link to nothing"),
                "{case}: message\n{}",
                o.stderr
            );
            assert_eq!(listing(dir.path()), before, "{case}: files changed");
        }
    }
}

#[test]
fn an_output_folder_is_checked_before_the_run() {
    // A file where the folder should be, and a FIFO where `results.json` should go.
    let dir = folder();
    std::fs::write(dir.path().join("out"), "keep").expect("write");
    let before = listing(dir.path());
    for args in [
        &["run", "s.ron", "--out", "out"][..],
        &["report", "s.ron", "--out", "out"],
        &["fmea", "s.ron", "--out", "out"],
    ] {
        let o = run_in(dir.path(), args, LIMIT);
        assert_eq!(o.code, Some(2), "{args:?}\n{}", o.stderr);
        assert!(o.stderr.contains("error: out: cannot write: is a file, not a folder"), "{args:?}\n{}", o.stderr);
        assert_eq!(listing(dir.path()), before, "{args:?}: files changed");
    }
    let dir = folder();
    std::fs::create_dir(dir.path().join("out")).expect("mkdir");
    assert!(make(&dir.path().join("out"), "results.json", Target::Fifo));
    let before = listing(dir.path());
    let o = run_in(dir.path(), &["run", "s.ron", "--out", "out"], LIMIT);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert!(o.stderr.contains("out/results.json: is a FIFO (named pipe), not a regular file"), "{}", o.stderr);
    assert!(!o.stderr.contains("seeds"), "refused before running:\n{}", o.stderr);
    assert_eq!(listing(dir.path()), before, "files changed");
}

#[test]
fn a_link_to_a_regular_file_is_written_through_and_kept() {
    let dir = folder();
    std::fs::write(dir.path().join("real.dot"), "old").expect("write");
    std::os::unix::fs::symlink("real.dot", dir.path().join("link.dot")).expect("symlink");
    let mut expected = listing(dir.path());
    let o = run_in(dir.path(), &["graph", "model.ron", "-o", "link.dot"], LIMIT);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let dot = std::fs::read(dir.path().join("real.dot")).expect("read");
    assert!(dot.starts_with(b"digraph"), "the link's target holds the graph");
    expected.insert("real.dot".to_owned(), format!("file {dot:?}"));
    assert_eq!(listing(dir.path()), expected, "only the link's target changed; the link is kept");
}

#[test]
fn write_errors_are_reported_and_leave_no_temporary_file() {
    // The output's folder is a regular file, so creating the temporary beside it fails.
    let dir = folder();
    std::fs::write(dir.path().join("plain"), "keep").expect("write");
    let before = listing(dir.path());
    let o = run_in(dir.path(), &["graph", "model.ron", "-o", "plain/g.dot"], LIMIT);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert!(o.stderr.contains("error: plain/g.dot: cannot write: Not a directory (os error 20)"), "{}", o.stderr);
    assert_eq!(listing(dir.path()), before, "files changed");
}

/// Inputs that are not regular files, for every kind of input read.
#[test]
fn special_files_as_inputs_are_refused_without_blocking() {
    let scenario_with = |field: &str| match field {
        "topology" => SCENARIO.replace("model.ron", "X"),
        "trace" => SCENARIO.replace("Poisson(rate: 10.0)", "Trace(file: \"X\")"),
        _ => SCENARIO.to_owned(),
    };
    // (what, scenario text, arguments, the file the message names)
    let cases: [(&str, String, &[&str], &str); 8] = [
        ("scenario", SCENARIO.to_owned(), &["validate", "X"], "X"),
        ("topology", scenario_with("topology"), &["validate", "s.ron"], "X"),
        ("trace", scenario_with("trace"), &["validate", "s.ron"], "X"),
        ("patch", SCENARIO.to_owned(), &["whatif", "s.ron", "--variant", "X"], "X"),
        ("results for merge", SCENARIO.to_owned(), &["merge", "X"], "X"),
        ("results for report", SCENARIO.to_owned(), &["report", "X", "--out", "o"], "X"),
        ("results (.json) for report", SCENARIO.to_owned(), &["report", "X.json", "--out", "o"], "X.json"),
        ("availability", SCENARIO.to_owned(), &["availability", "X"], "X"),
    ];
    for t in [Target::Fifo, Target::NullDevice, Target::LinkToFifo] {
        for (what, scenario, args, name) in &cases {
            let dir = folder();
            std::fs::write(dir.path().join("s.ron"), scenario).expect("write");
            if !make(dir.path(), name, t) {
                continue;
            }
            let before = listing(dir.path());
            let o = run_in(dir.path(), args, LIMIT);
            let case = format!("{what} as a {t:?}");
            assert_eq!(o.code, Some(2), "{case}: exit code\n{}", o.stderr);
            assert!(o.stderr.contains(name), "{case}: file not named\n{}", o.stderr);
            assert!(o.stderr.contains("not a regular file; faultsim reads only regular files"), "{case}\n{}", o.stderr);
            assert_eq!(listing(dir.path()), before, "{case}: files changed");
        }
    }
}

#[test]
fn results_files_over_the_limit_are_refused_by_name() {
    // A sparse file: 1 GiB and a byte, without using the disk.
    let dir = folder();
    let f = std::fs::File::create(dir.path().join("big.json")).expect("create");
    f.set_len((1 << 30) + 1).expect("set_len");
    drop(f);
    for args in [&["merge", "big.json"][..], &["report", "big.json", "--out", "o"]] {
        let o = run_in(dir.path(), args, LIMIT);
        assert_eq!(o.code, Some(2), "{args:?}\n{}", o.stderr);
        assert!(
            o.stderr
                .contains("big.json: file is too large: more than 1073741824 bytes, the results file limit (1 GiB)"),
            "{args:?}\n{}",
            o.stderr
        );
        assert!(!dir.path().join("o").exists(), "{args:?}: nothing written");
    }
}

/// Lines wider than the renderer can draw (it panicked past column 65,535).
#[test]
fn very_wide_source_lines_are_cut_not_a_panic() {
    let with = |from: &str, to: String| TOPOLOGY.replacen(from, &to, 1);
    let cases: [(&str, String, &[&str]); 6] = [
        (
            "16,400 tabs then a typo",
            with("workers: 4", format!("{}workrs: 4", "\t".repeat(16_400))),
            &["model.ron:8:16413: unknown field `workrs`", "[model.ron:8:16413]"],
        ),
        (
            "70,000 spaces then a typo",
            with("workers: 4", format!("{}workrs: 4", " ".repeat(70_000))),
            &["model.ron:8:70013: unknown field `workrs`"],
        ),
        (
            "33,000 CJK characters then a typo",
            with("workers: 4", format!("/* {} */ workrs: 4", "字".repeat(33_000))),
            &["model.ron:8:33020: unknown field `workrs`"],
        ),
        (
            "33,000 emoji then an error",
            with("workers: 4", format!("/* {} */ workers: 4, error_rate: 1.5", "🔥".repeat(33_000))),
            &["error_rate must be a probability"],
        ),
        (
            "a 70,000-character unknown zone",
            with("zones: [\"a\"]", format!("zones: [\"{}\"]", "q".repeat(70_000))),
            &["model.ron:12:38: unknown zone `qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq… (70000 characters)`"],
        ),
        (
            "a 65,519-character line before an error",
            with("name: \"t\",", format!("name: \"t\", /* {} */ nme: 1,", "n".repeat(65_519))),
            &["model.ron:2:", "unknown field `nme`"],
        ),
    ];
    for (what, text, expect) in &cases {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("model.ron"), text).expect("write");
        let before = listing(dir.path());
        let o = run_in(dir.path(), &["validate", "model.ron"], LIMIT);
        assert_eq!(o.code, Some(2), "{what}: exit code\n{}", o.stderr);
        for e in *expect {
            assert!(o.stderr.contains(e), "{what}: missing {e:?} in\n{}", o.stderr);
        }
        assert!(o.stderr.len() < 4_000, "{what}: {} bytes of message", o.stderr.len());
        assert!(o.stderr.contains('…'), "{what}: the line is cut\n{}", o.stderr);
        assert_eq!(listing(dir.path()), before, "{what}: files changed");
    }
}

#[test]
fn read_errors_give_file_line_col() {
    let cases: [(&str, Vec<u8>, &str); 4] = [
        (
            "control character",
            b"Topology(\n  name: \"t\",\x05\n)".to_vec(),
            "model.ron:2:13: not a text file: control character U+0005",
        ),
        ("invalid UTF-8", b"Topology(\n  n\xffame".to_vec(), "model.ron:2:4: not a text file: invalid UTF-8 (byte 13)"),
        ("empty file", Vec::new(), "model.ron:1:1: empty file"),
        ("only comments", b"// nothing\n\n".to_vec(), "model.ron:3:1: empty file"),
    ];
    for (what, bytes, expect) in &cases {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("model.ron"), bytes).expect("write");
        let o = run_in(dir.path(), &["validate", "model.ron"], LIMIT);
        assert_eq!(o.code, Some(2), "{what}: exit code\n{}", o.stderr);
        assert!(o.stderr.contains(expect), "{what}: missing {expect:?} in\n{}", o.stderr);
    }
}

#[test]
fn a_bad_value_a_patch_set_points_at_the_patch_file() {
    let dir = folder();
    let patch = "Patch(\n    name: \"bad\",\n    services: [\n        ServicePatch(name: \"web\", error_rate: 1.5),\n    ],\n)\n";
    std::fs::write(dir.path().join("p.ron"), patch).expect("write");
    let before = listing(dir.path());
    let o = run_in(dir.path(), &["whatif", "s.ron", "--variant", "p.ron"], LIMIT);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert!(
        o.stderr.contains(
            "error: p.ron:4:47: after applying the patch `bad` (p.ron): error_rate must be a probability in [0, 1], found 1.5"
        ),
        "{}",
        o.stderr
    );
    assert!(!o.stderr.contains("model.ron:"), "not at the topology's line:\n{}", o.stderr);
    assert_eq!(listing(dir.path()), before, "files changed");
}

#[test]
fn an_output_that_is_an_input_of_the_same_command_is_refused_and_left_alone() {
    let commands: [&[&str]; 6] = [
        &["graph", "model.ron", "-o", "model.ron"],
        &["graph", "model.ron", "-o", "alias.ron"],
        &["replay", "s.ron", "--seed", "1", "-o", "s.ron"],
        &["check", "s.ron", "--junit", "s.ron"],
        &["cascade", "s.ron", "--variant", "p.ron", "--dot", "p.ron"],
        &["run", "s.ron", "--seeds", "2", "--variant", "index.html", "--out", "."],
    ];
    for args in commands {
        let dir = folder();
        // A symlink to an input is that input.
        std::os::unix::fs::symlink("model.ron", dir.path().join("alias.ron")).expect("symlink");
        std::fs::copy(dir.path().join("p.ron"), dir.path().join("index.html")).expect("copy");
        let before = listing(dir.path());
        let o = run_in(dir.path(), args, LIMIT);
        assert_eq!(o.code, Some(2), "{args:?}: exit code\n{}", o.stderr);
        assert!(o.stderr.contains("an input of this command"), "{args:?}: message\n{}", o.stderr);
        assert_eq!(listing(dir.path()), before, "{args:?}: files changed");
    }
}
