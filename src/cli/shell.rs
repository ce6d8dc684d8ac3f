//! `completions` and `man`: shell completion scripts and man pages generated from the same
//! clap definition the parser uses, so they cannot fall behind the commands.

#![allow(clippy::print_stderr)]

use std::path::Path;
use std::process::ExitCode;

use super::*;

/// Writes the completion script for `shell` to stdout.
pub fn completions(mut command: clap::Command, shell: clap_complete::Shell) -> ExitCode {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "faultsim", &mut out);
    match write_stdout(&String::from_utf8_lossy(&out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

/// The man page of `command` as roff.
fn page(command: clap::Command) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    clap_mangen::Man::new(command).render(&mut out)?;
    Ok(out)
}

/// Writes `faultsim.1` to stdout, or with `out` that page and one per command
/// (`faultsim-run.1`, …) into the folder, each atomically.
pub fn man(command: clap::Command, out: Option<&Path>) -> ExitCode {
    let command = command.disable_help_subcommand(true);
    let result = (|| -> Result<(), String> {
        let main = page(command.clone()).map_err(|e| e.to_string())?;
        let Some(dir) = out else {
            return write_stdout(&String::from_utf8_lossy(&main)).map_err(|_| String::new());
        };
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let mut pages = vec![("faultsim.1".to_owned(), main)];
        for sub in command.get_subcommands() {
            let name = format!("faultsim-{}", sub.get_name());
            let sub = sub.clone().display_name(&name).bin_name(&name);
            pages.push((format!("{name}.1"), page(sub).map_err(|e| e.to_string())?));
        }
        for (file, bytes) in &pages {
            let path = dir.join(file);
            faultsim::output::write_atomic(&path, bytes)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        eprintln!("wrote {} man pages into {}", pages.len(), dir.display());
        Ok(())
    })();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_empty() => ExitCode::from(EXIT_INPUT),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_INPUT)
        }
    }
}
