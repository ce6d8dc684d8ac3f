//! No input may panic or hang the loader: mutated example files and random bytes.
//!
//! Each parse runs on a thread with a deadline, so a hang fails the test instead of
//! stalling CI.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use proptest::prelude::*;

/// Every example file's text, with whether it is a scenario.
fn examples() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in ["models", "scenarios"] {
        let Ok(rd) = std::fs::read_dir(root.join(dir)) else { continue };
        let mut paths: Vec<PathBuf> =
            rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|e| e == "ron")).collect();
        paths.sort();
        for p in paths {
            if let Ok(t) = std::fs::read_to_string(&p) {
                out.push((p, t));
            }
        }
    }
    out
}

/// Parses text as whatever it claims to be, on a thread, failing on a panic or a hang.
fn parse_within_deadline(text: String, base: PathBuf) {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::spawn(move || {
        let text: std::sync::Arc<str> = text.into();
        let _ = match faultsim::load::detect("fuzz.ron", &text) {
            Ok(faultsim::load::Kind::Scenario) => faultsim::load::parse_scenario("fuzz.ron", text, &base).map(|_| ()),
            _ => faultsim::load::parse_topology("fuzz.ron", text).map(|_| ()),
        }
        .map_err(|ds| faultsim::diagnostic::render(&ds));
        let _ = tx.send(());
    });
    match rx.recv_timeout(Duration::from_secs(10)) {
        Ok(()) => {}
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            let _ = handle.join();
            panic!("the loader panicked");
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("the loader did not finish within 10 s"),
    }
}

#[derive(Clone, Debug)]
enum Mutation {
    Delete { at: usize, len: usize },
    Insert { at: usize, bytes: Vec<u8> },
    Replace { at: usize, byte: u8 },
    Duplicate { at: usize, len: usize },
    Truncate { at: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    // Inserted bytes favour RON's structural characters, where bugs hide.
    let structural = prop::sample::select(b"()[]{}:,\"'#/*r\\ 0.-eSomeNone".to_vec());
    prop_oneof![
        (any::<usize>(), 1usize..40).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<usize>(), prop::collection::vec(structural, 1..6))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Replace { at, byte }),
        (any::<usize>(), 1usize..200).prop_map(|(at, len)| Mutation::Duplicate { at, len }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
    ]
}

fn apply(text: &str, ms: &[Mutation]) -> String {
    let mut b = text.as_bytes().to_vec();
    for m in ms {
        let n = b.len().max(1);
        match m {
            Mutation::Delete { at, len } => {
                let s = at % n;
                let e = (s + len).min(b.len());
                b.drain(s.min(b.len())..e);
            }
            Mutation::Insert { at, bytes } => {
                let s = (at % n).min(b.len());
                b.splice(s..s, bytes.iter().copied());
            }
            Mutation::Replace { at, byte } => {
                if !b.is_empty() {
                    let i = at % b.len();
                    b[i] = *byte;
                }
            }
            Mutation::Duplicate { at, len } => {
                let s = (at % n).min(b.len());
                let e = (s + len).min(b.len());
                let piece = b[s..e].to_vec();
                b.splice(e..e, piece);
            }
            Mutation::Truncate { at } => b.truncate(at % n),
        }
    }
    // Invalid UTF-8 is the file reader's business (tested below); keep the text path going.
    String::from_utf8_lossy(&b).into_owned()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn mutated_examples_never_panic_or_hang(pick in any::<usize>(), ms in prop::collection::vec(mutation(), 1..4)) {
        let ex = examples();
        prop_assume!(!ex.is_empty());
        let (path, text) = &ex[pick % ex.len()];
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        parse_within_deadline(apply(text, &ms), base);
    }

    #[test]
    fn random_bytes_in_a_file_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("random.ron");
        std::fs::write(&p, &bytes).expect("write");
        let r = faultsim::load::load_file(&p);
        prop_assert!(r.is_err() || bytes.starts_with(b"Topology") || bytes.starts_with(b"Scenario"));
    }

    #[test]
    fn random_ron_shaped_text_never_panics(text in "[A-Za-z(){}\\[\\]:,\" 0-9.#/*\n_-]{0,400}") {
        parse_within_deadline(format!("Topology({text}"), PathBuf::from("."));
        parse_within_deadline(format!("Scenario({text}"), PathBuf::from("."));
    }
}
