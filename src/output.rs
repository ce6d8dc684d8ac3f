//! Writing output files atomically: a temporary file in the same folder, then a rename, so
//! a reader never sees half a file and an interrupted run leaves the old one intact.
//!
//! Only regular files are replaced. An existing target that is a FIFO, a device, a socket or
//! a directory is refused ([`check_target`], which commands call before doing their work),
//! because renaming over it would destroy the node. A symbolic link is written through: the
//! file it points to is replaced atomically and the link itself is kept. Every error path
//! removes the temporary file.

use std::io::Write;
use std::path::{Path, PathBuf};

fn refuse(what: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!("is {what}, not a regular file; faultsim only replaces regular files"),
    )
}

/// Checks that `path` can be written as an output file: absent, or a regular file, or a
/// symbolic link to one. Returns the path to replace (the link's target for a link).
pub fn check_target(path: &Path) -> std::io::Result<PathBuf> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(path.to_path_buf()),
        Err(e) => return Err(e),
    };
    if meta.is_file() {
        return Ok(path.to_path_buf());
    }
    if meta.file_type().is_symlink() {
        let target = std::fs::canonicalize(path).map_err(|_| refuse("a symbolic link to nothing"))?;
        let t = std::fs::metadata(&target)?;
        if t.is_file() {
            return Ok(target);
        }
        return Err(refuse(&format!("a symbolic link to {}", crate::input::kind_of(t.file_type()))));
    }
    Err(refuse(crate::input::kind_of(meta.file_type())))
}

/// Checks that `dir` can hold output files: absent (it will be created) or a folder (or a link
/// to one), and that none of `names` in it is something [`check_target`] refuses.
pub fn check_dir_target(dir: &Path, names: &[&str]) -> std::io::Result<()> {
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(m) => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!(
                    "is {}, not a folder; name a folder to write the output files into",
                    match m.file_type() {
                        t if t.is_file() => "a file",
                        t => crate::input::kind_of(t),
                    }
                ),
            ))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    }
    for n in names {
        let p = dir.join(n);
        check_target(&p).map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", p.display())))?;
    }
    Ok(())
}

/// The same-folder temporary name for `path`.
fn temporary(path: &Path) -> PathBuf {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".to_owned());
    // The process id keeps two concurrent writers from sharing a temporary name.
    dir.join(format!(".{file_name}.tmp-{}", std::process::id()))
}

/// Writes `contents` to `path` atomically (same-folder temporary file, fsync, rename).
pub fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let path = check_target(path)?;
    let tmp = temporary(&path);
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(contents)?;
        f.sync_all()?;
        // Looked at again just before the rename, which is what would destroy a special file.
        check_target(&path)?;
        std::fs::rename(&tmp, &path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A file written through a temporary beside it and renamed into place by [`commit`]
/// (dropping it uncommitted, or a failed commit, removes the temporary), for output too
/// large to build in memory.
///
/// [`commit`]: AtomicFile::commit
pub struct AtomicFile {
    tmp: PathBuf,
    path: PathBuf,
    writer: Option<std::io::BufWriter<std::fs::File>>,
}

impl AtomicFile {
    /// Starts writing `path`; refuses a target [`check_target`] refuses.
    pub fn create(path: &Path) -> std::io::Result<AtomicFile> {
        let path = check_target(path)?;
        let tmp = temporary(&path);
        let file = std::fs::File::create(&tmp)?;
        Ok(AtomicFile { tmp, path, writer: Some(std::io::BufWriter::new(file)) })
    }

    /// Flushes, syncs and renames the file into place.
    pub fn commit(mut self) -> std::io::Result<()> {
        if let Some(w) = self.writer.take() {
            let result = (|| {
                let file = w.into_inner().map_err(|e| e.into_error())?;
                file.sync_all()?;
                check_target(&self.path)?;
                std::fs::rename(&self.tmp, &self.path)
            })();
            if result.is_err() {
                let _ = std::fs::remove_file(&self.tmp);
            }
            result?;
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.writer {
            Some(w) => w.write(buf),
            None => Err(std::io::Error::other("file already committed")),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.writer {
            Some(w) => w.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.writer.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_replaces() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let p = dir.path().join("a.txt");
        write_atomic(&p, b"one")?;
        write_atomic(&p, b"two")?;
        assert_eq!(std::fs::read(&p)?, b"two");
        assert_eq!(std::fs::read_dir(dir.path())?.count(), 1, "no temporary file is left behind");
        Ok(())
    }

    #[test]
    fn refuses_a_directory_and_leaves_no_temporary() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let p = dir.path().join("adir");
        std::fs::create_dir(&p)?;
        assert!(write_atomic(&p, b"x").is_err());
        let mut f = AtomicFile::create(&dir.path().join("later"))?;
        f.write_all(b"x")?;
        std::fs::create_dir(dir.path().join("later"))?;
        assert!(f.commit().is_err());
        let names: Vec<_> = std::fs::read_dir(dir.path())?.filter_map(|e| e.ok()).map(|e| e.file_name()).collect();
        assert_eq!(names.len(), 2, "only the two folders remain: {names:?}");
        Ok(())
    }
}
