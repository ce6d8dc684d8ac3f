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

/// The README's format reference names every field of both file formats.
#[test]
fn readme_documents_every_format_field() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let spec = std::fs::read_to_string(root.join("src/spec.rs")).expect("spec.rs");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
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
        if !readme.contains(&format!("`{name}`")) {
            missing.push(name.to_owned());
        }
    }
    missing.sort();
    missing.dedup();
    assert!(missing.is_empty(), "README.md does not mention these format fields: {missing:?}");
}
