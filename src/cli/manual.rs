//! `faultsim manual [TOPIC]`: the chapter list, or one chapter of the built-in manual.

use std::process::ExitCode;

use faultsim::manual;

use super::{write_stdout, EXIT_INPUT};

/// Prints the topic list (no topic) or the chapter; an unknown topic is a usage error (exit 2)
/// that lists the topics and suggests the closest one.
pub fn manual(topic: Option<&str>) -> ExitCode {
    let Some(topic) = topic else {
        return write_stdout(&manual::topics()).err().unwrap_or(ExitCode::SUCCESS);
    };
    if let Some(chapter) = manual::chapter(topic) {
        return write_stdout(chapter.markdown).err().unwrap_or(ExitCode::SUCCESS);
    }
    let hint = manual::suggest(topic).map(|s| format!("\n  help: did you mean `{s}`?")).unwrap_or_default();
    eprint!("error: no manual chapter `{topic}`{hint}\n\n{}", manual::topics());
    ExitCode::from(EXIT_INPUT)
}
