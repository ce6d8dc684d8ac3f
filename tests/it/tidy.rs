//! Conventions that review would otherwise repeat, checked mechanically.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// Every source file starts with `//!` module docs that say what it is for.
#[test]
fn every_rust_file_has_module_docs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for d in ["src", "tests", "benches"] {
        rust_files(&root.join(d), &mut files);
    }
    let missing: Vec<String> = files
        .iter()
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap_or_default();
            !text.lines().find(|l| !l.trim().is_empty()).is_some_and(|l| l.starts_with("//!"))
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(missing.is_empty(), "files without `//!` module docs: {missing:?}");
}

/// The modelling chapter of the manual (the format reference) names every field of both file
/// formats.
#[test]
fn modelling_chapter_documents_every_format_field() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let spec = std::fs::read_to_string(root.join("src/spec.rs")).expect("spec.rs");
    let reference = std::fs::read_to_string(root.join("src/manual/modelling.md")).expect("modelling.md");
    let mut missing = Vec::new();
    for line in spec.lines() {
        let l = line.trim();
        // Struct fields (`pub name: T`) and struct-variant fields (`name: T,`).
        let field = l.strip_prefix("pub ").unwrap_or(l);
        let Some((name, rest)) = field.split_once(':') else { continue };
        if name.is_empty()
            || !name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            || rest.trim_end().ends_with(';')
            || l.starts_with("//")
        {
            continue;
        }
        if !l.ends_with(',') {
            continue;
        }
        if !reference.contains(&format!("`{name}`")) {
            missing.push(name.to_owned());
        }
    }
    missing.sort();
    missing.dedup();
    assert!(missing.is_empty(), "src/manual/modelling.md does not mention these format fields: {missing:?}");
}

/// The files git tracks (the repository as others get it).
fn tracked_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(root)
        .output()
        .expect("git ls-files runs");
    assert!(out.status.success(), "git ls-files failed");
    out.stdout
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| root.join(String::from_utf8_lossy(p).as_ref()))
        .collect()
}

/// The project stands on its own: no tracked file (but Cargo.lock) refers to a file outside
/// the repository.
#[test]
fn nothing_refers_to_files_outside_the_repository() {
    // Built from pieces so that this file does not name them itself.
    let names = [["DOMAIN", ".md"].concat(), ["STYLE", ".md"].concat(), ["..", "/shared"].concat()];
    let mut hits = Vec::new();
    for p in tracked_files() {
        if p.file_name().is_some_and(|n| n == "Cargo.lock") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&p) else { continue };
        for (i, line) in text.lines().enumerate() {
            if names.iter().any(|n| line.contains(n.as_str())) {
                hits.push(format!("{}:{}: {}", p.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(hits.is_empty(), "references to files outside the repository:\n{}", hits.join("\n"));
}

/// Every example file opens with a comment that names a `faultsim` command running it, and the
/// examples chapter of the manual lists it.
#[test]
fn every_example_has_a_header_and_an_index_entry() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let index = std::fs::read_to_string(root.join("src/manual/examples.md")).expect("examples.md");
    let mut files = Vec::new();
    for d in ["models", "scenarios", "scenarios/patches"] {
        let mut found: Vec<PathBuf> = std::fs::read_dir(root.join(d))
            .expect("example folder")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "ron"))
            .collect();
        found.sort();
        files.extend(found);
    }
    assert!(files.len() > 50, "examples not found");
    let mut problems = Vec::new();
    for p in &files {
        let rel = p.strip_prefix(root).unwrap_or(p).display().to_string();
        let text = std::fs::read_to_string(p).unwrap_or_default();
        let header: Vec<&str> = text.lines().take_while(|l| l.starts_with("//")).collect();
        if header.is_empty() {
            problems.push(format!("{rel}: no header comment saying what it shows"));
        } else if !header.iter().any(|l| l.contains("faultsim ") && l.contains(&rel)) {
            problems.push(format!("{rel}: the header names no `faultsim COMMAND {rel}` to run"));
        }
        if !index.contains(&format!("`{rel}`")) {
            problems.push(format!("{rel}: not listed in src/manual/examples.md"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// README's architecture map and the one in `src/lib.rs` name the same modules.
#[test]
fn readme_architecture_matches_lib_rs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = std::fs::read_to_string(root.join("src/lib.rs")).expect("lib.rs");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let in_lib: Vec<String> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("//! | [`"))
        .filter_map(|l| l.split_once("`]").map(|(m, _)| m.to_owned()))
        .collect();
    let in_readme: Vec<String> = readme
        .lines()
        .skip_while(|l| !l.starts_with("## Architecture"))
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once("` |").map(|(m, _)| m.to_owned()))
        .filter(|m| !m.contains('`'))
        .collect();
    let declared: Vec<String> =
        lib.lines().filter_map(|l| l.strip_prefix("pub mod ")).map(|l| l.trim_end_matches(';').to_owned()).collect();
    for m in &declared {
        assert!(in_lib.contains(m), "src/lib.rs declares `{m}` but its architecture table does not list it");
    }
    assert_eq!(in_readme, in_lib, "README.md's architecture table must list the modules of src/lib.rs's, in order");
}

#[test]
fn every_picture_the_readme_shows_is_in_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README");
    let mut pictures = 0;
    for part in readme.split("![").skip(1) {
        let Some(path) = part.split_once("](").and_then(|(_, rest)| rest.split_once(')')).map(|(p, _)| p) else {
            continue;
        };
        let bytes = std::fs::read(root.join(path)).unwrap_or_else(|e| panic!("README shows {path}: {e}"));
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{path} is a PNG");
        pictures += 1;
    }
    assert!(pictures >= 1, "README shows the report");
}
