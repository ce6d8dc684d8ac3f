//! The documents' sample outputs are the binary's: every sample in README.md and the manual
//! (`src/manual/*.md`) is run here and compared byte for byte.
//!
//! The rule, for writers:
//!
//! - A ```` ```text ```` block whose first line starts with `$ ` is a **sample**. That line is the
//!   command: `$ faultsim ARGS` or `$ cargo run --release -- ARGS`, plain words only (no quotes,
//!   globs, pipes or redirections). The rest of the block is what the command prints: its
//!   standard output, then its standard error, then, when it exits with a code other than 0,
//!   the lines `$ echo $?` and the code.
//! - A ```` ```ron ```` block whose first line is `// file: NAME` is written to `NAME` in the
//!   document's working folder before the samples after it run, so a sample can show a file and
//!   what faultsim says about it.
//! - Each document's samples run in order in one temporary folder in which `models/` and
//!   `scenarios/` are the repository's, so a sample can use a file an earlier one wrote.
//! - Anything machine-dependent (timings, progress bars) must not be in a sample; put commands
//!   whose output varies in ```` ```sh ```` blocks without output. A `$ ` line in any other
//!   ```` ```text ```` block fails the test, so no sample can escape it.
//!
//! A change in output fails [`every_sample_output_is_the_binarys`] until the documents are
//! regenerated with `FAULTSIM_BLESS=1 cargo test --test it docs::`, which rewrites the sample
//! blocks in place.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli::run_in;

/// README.md, then every chapter of the manual, sorted.
fn documents() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut docs = vec![root.join("README.md")];
    let mut chapters: Vec<PathBuf> = std::fs::read_dir(root.join("src/manual"))
        .expect("src/manual")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    chapters.sort();
    docs.extend(chapters);
    docs
}

/// One part of a document that the test acts on.
enum Block {
    /// A sample: its 1-based line, its command (without `$ `), and the 0-based range of its
    /// block's lines, command line included.
    Sample { line: usize, command: String, body: std::ops::Range<usize> },
    /// A file to write before the following samples run.
    File { name: String, text: String },
}

/// The samples and files of a document, or the problems that make it unreadable to this test.
fn blocks(lines: &[&str]) -> (Vec<Block>, Vec<String>) {
    let (mut out, mut problems) = (Vec::new(), Vec::new());
    let mut i = 0;
    while i < lines.len() {
        let Some(lang) = lines[i].strip_prefix("```") else {
            i += 1;
            continue;
        };
        let open = i;
        let end = (open + 1..lines.len()).find(|&j| lines[j].starts_with("```")).unwrap_or(lines.len());
        let inner = &lines[open + 1..end];
        match lang.trim() {
            "text" => {
                if let Some(command) = inner.first().and_then(|l| l.strip_prefix("$ ")) {
                    out.push(Block::Sample { line: open + 2, command: command.to_owned(), body: open + 1..end });
                } else if let Some(k) = inner.iter().position(|l| l.starts_with("$ ")) {
                    problems.push(format!(
                        "line {}: a `$ ` line inside a text block that is not a sample (a sample starts with it)",
                        open + 2 + k
                    ));
                }
            }
            "ron" => {
                if let Some(name) = inner.first().and_then(|l| l.strip_prefix("// file: ")) {
                    let mut text = inner[1..].join("\n");
                    text.push('\n');
                    out.push(Block::File { name: name.trim().to_owned(), text });
                }
            }
            _ => {}
        }
        i = end + 1;
    }
    (out, problems)
}

/// The arguments of a sample's command, or why it cannot be run.
fn arguments(command: &str) -> Result<Vec<&str>, String> {
    let rest = command
        .strip_prefix("cargo run --release -- ")
        .or_else(|| command.strip_prefix("faultsim "))
        .ok_or_else(|| format!("`{command}`: a sample runs `faultsim …` or `cargo run --release -- …`"))?;
    if let Some(c) = rest.chars().find(|c| "|<>;&'\"*?$`\\".contains(*c)) {
        return Err(format!("`{command}`: `{c}` is shell syntax; a sample's arguments are plain words"));
    }
    Ok(rest.split_whitespace().collect())
}

/// What a sample block holds for a finished command: standard output, standard error, and the
/// exit code when it is not 0.
fn rendered(o: &crate::cli::Output) -> String {
    let mut text = o.stdout.clone();
    text.push_str(&o.stderr);
    match o.code {
        Some(0) => {}
        Some(code) => text.push_str(&format!("$ echo $?\n{code}\n")),
        None => text.push_str("$ echo $?\nkilled by a signal\n"),
    }
    text
}

/// A working folder in which `models/` and `scenarios/` are the repository's.
fn workdir() -> tempfile::TempDir {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("tempdir");
    for d in ["models", "scenarios"] {
        let from = root.join(d);
        let to = dir.path().join(d);
        #[cfg(unix)]
        std::os::unix::fs::symlink(&from, &to).expect("symlink");
        #[cfg(not(unix))]
        copy_dir(&from, &to);
    }
    dir
}

#[cfg(not(unix))]
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).expect("copy");
        }
    }
}

/// Runs a document's samples in order; returns its problems and its text with every sample's
/// output as the binary prints it.
fn check_document(path: &Path) -> (Vec<String>, String) {
    let text = std::fs::read_to_string(path).expect("document");
    let lines: Vec<&str> = text.lines().collect();
    let (blocks, mut problems) = blocks(&lines);
    let dir = workdir();
    // Outputs by body range, to splice into the blessed text.
    let mut outputs: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    for b in &blocks {
        match b {
            Block::File { name, text } => {
                std::fs::write(dir.path().join(name), text).expect("write a document's file");
            }
            Block::Sample { line, command, body } => {
                let args = match arguments(command) {
                    Ok(a) => a,
                    Err(e) => {
                        problems.push(format!("line {line}: {e}"));
                        continue;
                    }
                };
                let o = run_in(dir.path(), &args, Duration::from_secs(180));
                let got = rendered(&o);
                let mut want = lines[body.start + 1..body.end].join("\n");
                if !want.is_empty() {
                    want.push('\n');
                }
                if got != want {
                    let first = got
                        .lines()
                        .zip(want.lines())
                        .position(|(g, w)| g != w)
                        .unwrap_or_else(|| got.lines().count().min(want.lines().count()));
                    problems.push(format!(
                        "line {line}: `{command}` prints something else (first difference at output line {}):\n  document: {:?}\n  binary:   {:?}",
                        first + 1,
                        want.lines().nth(first).unwrap_or("<end>"),
                        got.lines().nth(first).unwrap_or("<end>"),
                    ));
                }
                outputs.push((body.start + 1..body.end, got));
            }
        }
    }
    // The document with every sample's body replaced by what the binary printed.
    let mut blessed = String::new();
    let mut next = 0;
    for (range, got) in &outputs {
        for l in &lines[next..range.start] {
            blessed.push_str(l);
            blessed.push('\n');
        }
        blessed.push_str(got);
        next = range.end;
    }
    for l in &lines[next..] {
        blessed.push_str(l);
        blessed.push('\n');
    }
    (problems, blessed)
}

/// Every sample in README.md and the manual prints exactly what the binary prints; with
/// `FAULTSIM_BLESS=1` the documents are rewritten with the binary's output instead.
#[test]
fn every_sample_output_is_the_binarys() {
    let bless = std::env::var_os("FAULTSIM_BLESS").is_some_and(|v| v == "1");
    let docs = documents();
    // Documents are independent, so two run at once (the machine has two cores), each worker
    // taking the next document when it is done; the samples of one document run in order.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<(usize, PathBuf, Vec<String>, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(d) = docs.get(k) else { break done };
                        let (p, b) = check_document(d);
                        done.push((k, d.clone(), p, b));
                    }
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("a document's thread")).collect()
    });
    // Report in document order, whichever worker ran it.
    results.sort_by_key(|r| r.0);
    let mut report = Vec::new();
    for (_, doc, problems, blessed) in results {
        let name = doc.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(&doc).display().to_string();
        if bless {
            let old = std::fs::read_to_string(&doc).expect("document");
            if old != blessed {
                std::fs::write(&doc, blessed).expect("rewrite document");
            }
            // Blessing fixes outputs, not commands the test cannot run.
            report.extend(
                problems.into_iter().filter(|p| !p.contains("prints something else")).map(|p| format!("{name}: {p}")),
            );
        } else {
            report.extend(problems.into_iter().map(|p| format!("{name}: {p}")));
        }
    }
    assert!(
        report.is_empty(),
        "{}\n\nregenerate the samples with: FAULTSIM_BLESS=1 cargo test --test it docs::",
        report.join("\n")
    );
}

/// The block parser finds samples and files, and refuses `$ ` lines it would not check.
#[test]
fn the_sample_rule_is_enforced() {
    let doc = "intro\n```text\n$ faultsim manual\nout\n```\n```ron\n// file: a.ron\nX\n```\n```text\nnot a sample\n$ faultsim run x\n```\n";
    let lines: Vec<&str> = doc.lines().collect();
    let (blocks, problems) = blocks(&lines);
    assert_eq!(blocks.len(), 2);
    assert!(
        matches!(&blocks[0], Block::Sample { command, body, .. } if command == "faultsim manual" && *body == (2..4))
    );
    assert!(matches!(&blocks[1], Block::File { name, text } if name == "a.ron" && text == "X\n"));
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(arguments("ls models").is_err());
    assert!(arguments("faultsim check scenarios/*.ron").is_err());
    assert_eq!(arguments("cargo run --release -- run a.ron --seed 1"), Ok(vec!["run", "a.ron", "--seed", "1"]));
}

/// README.md is the front door: at most 300 lines, opening with the two setup commands.
#[test]
fn readme_is_short_and_starts_with_the_two_commands() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).expect("README.md");
    let n = readme.lines().count();
    assert!(n <= 300, "README.md has {n} lines; move detail into src/manual/");
    let start = "# faultsim\n\n```sh\ncargo run --release -- run scenarios/zone_outage.ron --seed 1\ncargo test\n```\n";
    assert!(readme.starts_with(start), "README.md must open with:\n{start}");
}

/// `faultsim manual` lists every chapter, prints each, and refuses an unknown topic with exit 2,
/// the list and a suggestion.
#[test]
fn the_manual_command_lists_and_prints_chapters() {
    let o = crate::cli::run(&["manual"]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    for c in faultsim::manual::CHAPTERS {
        assert!(o.stdout.contains(c.slug) && o.stdout.contains(c.title), "{} missing from:\n{}", c.slug, o.stdout);
        let one = crate::cli::run(&["manual", c.slug]);
        assert_eq!(one.code, Some(0));
        assert_eq!(one.stdout, c.markdown, "chapter {}", c.slug);
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("src/manual/{}.md", c.slug));
        assert_eq!(std::fs::read_to_string(file).expect("chapter file"), c.markdown);
    }
    let bad = crate::cli::run(&["manual", "statistic"]);
    assert_eq!(bad.code, Some(2));
    assert!(bad.stderr.contains("did you mean `statistics`?"), "{}", bad.stderr);
    assert!(bad.stderr.contains("getting-started"), "{}", bad.stderr);
    // Every chapter file is compiled in.
    let files = documents().len() - 1;
    assert_eq!(files, faultsim::manual::CHAPTERS.len(), "a src/manual/*.md file is not in manual::CHAPTERS");
}
