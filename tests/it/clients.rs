//! The real clients that judge faultsim's outputs (Graphviz, promtool, xmllint, man, a JSON
//! Schema validator…): whether one is installed here.
//!
//! `.ci/run` installs them and sets `FAULTSIM_REAL_CLIENTS=1`, which makes a missing client a
//! failure there; elsewhere a test that needs one says on stderr that it did not run, where
//! cargo shows it, and passes.

use std::process::{Command, Stdio};

/// Whether `program args…` runs successfully here. When it does not, fails under
/// `FAULTSIM_REAL_CLIENTS`, and otherwise prints `NOT RUN: … (install)` and returns false.
#[allow(clippy::print_stderr)]
pub fn available(program: &str, args: &[&str], install: &str) -> bool {
    let found = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if found {
        return true;
    }
    assert!(
        std::env::var_os("FAULTSIM_REAL_CLIENTS").is_none(),
        "FAULTSIM_REAL_CLIENTS is set but `{program}` is not installed ({install})"
    );
    eprintln!("NOT RUN: `{program}` is not installed ({install}); .ci/run installs it");
    false
}
