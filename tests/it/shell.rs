//! Shell completions and man pages, judged by the real clients: bash completes from the
//! script, and `man` renders every page without a warning.

use std::process::Command;

use crate::cli::run;

#[test]
fn bash_completes_commands_and_options_from_the_script() {
    let script = run(&["completions", "bash"]);
    assert_eq!(script.code, Some(0), "{}", script.stderr);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("faultsim.bash");
    std::fs::write(&file, &script.stdout).expect("write");
    // Completes `faultsim fm` and `faultsim fmea --prec` as bash would on Tab.
    let complete = |words: &str, cword: usize| {
        let program = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD={cword}; _faultsim faultsim \"${{COMP_WORDS[$COMP_CWORD]}}\" \"${{COMP_WORDS[$COMP_CWORD-1]}}\"; echo \"${{COMPREPLY[@]}}\"",
            file.display()
        );
        let out = Command::new("bash").args(["-c", &program]).output().expect("bash runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    assert_eq!(complete("faultsim fm", 1), "fmea");
    assert_eq!(complete("faultsim fmea --prec", 2), "--precision");
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let o = run(&["completions", shell]);
        assert_eq!(o.code, Some(0), "{shell}: {}", o.stderr);
        assert!(o.stdout.contains("faultsim"), "{shell}");
    }
    assert_eq!(run(&["completions", "tcsh"]).code, Some(2));
}

#[test]
fn man_renders_a_page_for_faultsim_and_each_command() {
    if !crate::clients::available("man", &["--version"], "apt-get install man-db groff-base") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("man");
    let o = run(&["man", "--out", out.to_str().expect("utf-8")]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let mut pages: Vec<String> = std::fs::read_dir(&out)
        .expect("listed")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    for command in ["faultsim.1", "faultsim-run.1", "faultsim-check.1", "faultsim-fmea.1", "faultsim-availability.1"] {
        assert!(pages.iter().any(|p| p == command), "{command} missing from {pages:?}");
    }
    for page in &pages {
        let rendered = Command::new("man")
            .arg("-l")
            .arg(out.join(page))
            .env("MANWIDTH", "100")
            .env("MANPAGER", "cat")
            .env("PAGER", "cat")
            .output()
            .expect("man runs");
        let (text, warnings) = (String::from_utf8_lossy(&rendered.stdout), String::from_utf8_lossy(&rendered.stderr));
        assert!(rendered.status.success() && warnings.is_empty(), "{page}: {warnings}");
        let name = page.trim_end_matches(".1");
        assert!(text.contains("SYNOPSIS") && text.contains(name), "{page}:\n{text}");
    }
    // Without --out, the main page goes to stdout.
    let main = run(&["man"]);
    assert!(main.stdout.starts_with(".ie") || main.stdout.contains(".TH faultsim"), "{}", main.stdout);
}

#[test]
fn colour_follows_the_flag_and_never_reaches_a_pipe_by_default() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("bad.ron"),
        "Topology(name: \"x\", services: [Service(name: \"a\", zones: [\"z\"])])",
    )
    .expect("write");
    let validate = |extra: &[&str], no_color: bool| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_faultsim"));
        c.args(["validate", "bad.ron"]).args(extra).current_dir(dir.path()).env_remove("NO_COLOR");
        if no_color {
            c.env("NO_COLOR", "1");
        }
        let o = c.output().expect("runs");
        assert_eq!(o.status.code(), Some(2));
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    const ESC: char = '\u{1b}';
    // A pipe is not a terminal: plain text, as before.
    assert!(!validate(&[], false).contains(ESC));
    assert!(validate(&["--color", "always"], false).contains(ESC));
    // An explicit flag wins over NO_COLOR; auto honours it.
    assert!(validate(&["--color", "always"], true).contains(ESC));
    assert!(!validate(&["--color", "never"], false).contains(ESC));
    assert!(!validate(&["--color", "auto"], true).contains(ESC));
    // Verdicts on stdout: PASS green, FAIL red, INCONCLUSIVE yellow.
    let o = run(&["--color", "always", "check", "scenarios/zone_outage.ron", "--seeds", "8", "--no-explore"]);
    assert!(o.stdout.contains("\u{1b}[31mFAIL"), "{}", o.stdout);
    let plain = run(&["check", "scenarios/zone_outage.ron", "--seeds", "8", "--no-explore"]);
    assert!(!plain.stdout.contains(ESC), "{}", plain.stdout);
}
