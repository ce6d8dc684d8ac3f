//! Reading input files safely: every file faultsim reads (scenarios, topologies, patches,
//! traces, results) goes through [`read_input`], which refuses anything that is not a
//! regular file before opening it (a FIFO would block `open()` forever, `/dev/zero` never
//! ends) and reads at most a named limit, so no input can hang the run or exhaust memory.

use std::io::Read;
use std::path::Path;

/// A cap on how many bytes of one kind of input are read, with the name errors give it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// What the limit is called in messages.
    pub name: &'static str,
    /// Largest accepted file, in bytes.
    pub bytes: u64,
}

/// The limit on a RON input (topology, scenario, patch) or an arrivals trace: 16 MiB.
pub const TEXT_LIMIT: Limit = Limit { name: "input text limit (16 MiB)", bytes: 16 << 20 };

/// The limit on a results or shard file read by `report` and `merge`: 1 GiB (a run writes
/// about 30 KB per seed, so this holds some 35,000 seeds).
pub const RESULTS_LIMIT: Limit = Limit { name: "results file limit (1 GiB)", bytes: 1 << 30 };

/// Why an input file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// Nothing at that path.
    #[error("no such file")]
    NotFound,
    /// A directory where a file was expected.
    #[error("is a directory, not a file")]
    Directory,
    /// A FIFO, device, socket or other special file.
    #[error("is {0}, not a regular file; faultsim reads only regular files")]
    NotRegular(&'static str),
    /// Larger than the limit for its kind.
    #[error("file is too large: more than {limit} bytes, the {name}")]
    TooLarge {
        /// The limit's bytes.
        limit: u64,
        /// The limit's name.
        name: &'static str,
    },
    /// The operating system refused.
    #[error("cannot read: {0}")]
    Io(String),
}

impl InputError {
    fn io(e: &std::io::Error) -> InputError {
        match e.kind() {
            std::io::ErrorKind::NotFound => InputError::NotFound,
            _ => InputError::Io(lower(&e.to_string())),
        }
    }
}

/// What kind of special file a file type is, in words ("a FIFO").
pub fn kind_of(t: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        return "a directory";
    }
    if t.is_symlink() {
        return "a symbolic link";
    }
    "a special file"
}

/// Checks, without opening it, that `path` (after following symbolic links) is a regular file.
pub fn check_regular(path: &Path) -> Result<std::fs::Metadata, InputError> {
    let meta = std::fs::metadata(path).map_err(|e| InputError::io(&e))?;
    if meta.is_dir() {
        return Err(InputError::Directory);
    }
    if !meta.is_file() {
        return Err(InputError::NotRegular(kind_of(meta.file_type())));
    }
    Ok(meta)
}

/// Reads a whole regular file of at most `limit` bytes.
pub fn read_input(path: &Path, limit: Limit) -> Result<Vec<u8>, InputError> {
    let meta = check_regular(path)?;
    let too_large = InputError::TooLarge { limit: limit.bytes, name: limit.name };
    if meta.len() > limit.bytes {
        return Err(too_large);
    }
    let file = std::fs::File::open(path).map_err(|e| InputError::io(&e))?;
    // The path may have been swapped for a special file since the check; look again at what
    // was opened, and read one byte past the limit at most whatever it turned out to be.
    let opened = file.metadata().map_err(|e| InputError::io(&e))?;
    if !opened.is_file() {
        return Err(InputError::NotRegular(kind_of(opened.file_type())));
    }
    let mut bytes = Vec::new();
    file.take(limit.bytes + 1).read_to_end(&mut bytes).map_err(|e| InputError::io(&e))?;
    if bytes.len() as u64 > limit.bytes {
        return Err(too_large);
    }
    Ok(bytes)
}

/// Reads a whole regular file of at most `limit` bytes as UTF-8 text.
pub fn read_input_string(path: &Path, limit: Limit) -> Result<String, InputError> {
    String::from_utf8(read_input(path, limit)?).map_err(|_| InputError::Io("not UTF-8 text".to_owned()))
}

fn lower(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_small_regular_file() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let small = Limit { name: "test limit", bytes: 4 };
        let p = dir.path().join("a");
        std::fs::write(&p, b"1234")?;
        assert_eq!(read_input(&p, small).ok(), Some(b"1234".to_vec()));
        std::fs::write(&p, b"12345")?;
        assert!(matches!(read_input(&p, small), Err(InputError::TooLarge { limit: 4, .. })));
        assert!(matches!(read_input(dir.path(), small), Err(InputError::Directory)));
        assert!(matches!(read_input(&dir.path().join("none"), small), Err(InputError::NotFound)));
        Ok(())
    }
}
