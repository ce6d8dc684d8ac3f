//! Colour on terminals: `--color auto|always|never`, honouring `NO_COLOR` (see no-color.org:
//! set and not empty, it turns colour off unless a flag asks for it) and `TERM=dumb`.

use std::io::IsTerminal;
use std::sync::OnceLock;

/// When to colour.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set or `TERM=dumb`.
    #[default]
    Auto,
    /// Always (even into a file or a pipe).
    Always,
    /// Never.
    Never,
}

static CHOICE: OnceLock<ColorChoice> = OnceLock::new();

/// Sets the choice for this process (the first call wins).
pub fn init(choice: ColorChoice) {
    let _ = CHOICE.set(choice);
}

fn on(terminal: bool) -> bool {
    match CHOICE.get().copied().unwrap_or_default() {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
            terminal && !no_color && !dumb
        }
    }
}

/// Whether to colour what goes to standard error (diagnostics).
pub fn stderr() -> bool {
    on(std::io::stderr().is_terminal())
}

/// Whether to colour what goes to standard output (verdicts).
pub fn stdout() -> bool {
    on(std::io::stdout().is_terminal())
}

/// `text` in an SGR colour (`"32"` green, `"31"` red, `"33"` yellow) when `enabled`.
pub fn paint(text: &str, sgr: &str, enabled: bool) -> String {
    if enabled {
        format!("\x1b[{sgr}m{text}\x1b[0m")
    } else {
        text.to_owned()
    }
}
