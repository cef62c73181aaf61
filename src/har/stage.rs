//! A new fixture set written beside its place and moved there whole: an import that fails
//! half way leaves nothing, and one that was killed is cleaned up by the next.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A folder being written that becomes the fixture set only when the import is done.
pub(super) struct Staged {
    path: Option<PathBuf>,
}

impl Staged {
    /// Moves the staged set to `fixtures` (when there is one), and returns where the set is.
    pub(super) fn commit(mut self, fixtures: &Path) -> Result<PathBuf> {
        if let Some(staged) = self.path.take() {
            if fixtures.exists() {
                let _ = std::fs::remove_dir_all(&staged);
                return Err(Error::fixture(
                    fixtures,
                    "appeared while the HAR was imported; nothing was written to it",
                    "import again, into a folder nothing else writes to",
                ));
            }
            std::fs::rename(&staged, fixtures).map_err(|source| Error::Write {
                path: fixtures.to_path_buf(),
                source,
            })?;
        }
        Ok(fixtures.to_path_buf())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if let Some(staged) = &self.path {
            let _ = std::fs::remove_dir_all(staged);
        }
    }
}

/// Where an import into `fixtures` writes, and the staged set to commit once it is done. A new
/// set is written beside its place and moved there whole at the end: an import that fails half
/// way leaves nothing. Into an existing set, it writes as `record` does.
pub(super) fn stage(fixtures: &Path) -> Result<(PathBuf, Staged)> {
    let fresh = !fixtures.exists();
    let root = if fresh {
        staging_folder(fixtures)?
    } else {
        fixtures.to_path_buf()
    };
    let staged = Staged {
        path: fresh.then(|| root.clone()),
    };
    Ok((root, staged))
}

/// A hidden folder beside `fixtures`, on the same file system so that the move is a rename.
fn staging_folder(fixtures: &Path) -> Result<PathBuf> {
    let parent = match fixtures.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|source| Error::Write {
        path: parent.clone(),
        source,
    })?;
    let name = fixtures.file_name().map_or_else(
        || "fixtures".into(),
        |name| name.to_string_lossy().into_owned(),
    );
    remove_abandoned(&parent, &name);
    Ok(parent.join(format!(".{name}.importing-{}", std::process::id())))
}

/// Staging folders of imports that were killed (SIGKILL, SIGTERM: nothing runs then) are
/// removed by the next import into the same place, once their process is gone.
fn remove_abandoned(parent: &Path, name: &str) {
    let prefix = format!(".{name}.importing-");
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = file_name
            .to_str()
            .and_then(|file_name| file_name.strip_prefix(&prefix))
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        // Only where the system says which processes live (/proc); elsewhere, left alone.
        let proc = Path::new("/proc");
        if pid != std::process::id() && proc.is_dir() && !proc.join(pid.to_string()).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}
