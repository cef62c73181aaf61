//! `replay --watch`: notices when the files of the fixture set change and reloads it.
//!
//! It polls rather than asking the kernel for events: a poll of a few thousand files' metadata
//! twice a second costs little, works the same on every system and file system (network shares
//! and container mounts included), and needs no platform-specific crate. A change is acted on
//! once the folder has stayed the same for one more interval, so a set being copied in is not
//! loaded half-way.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use walkdir::WalkDir;

use super::state::Replay;
use crate::error::report;
use crate::output::note;

/// How often the folder is looked at, at the most.
pub const INTERVAL: Duration = Duration::from_millis(500);

/// A look takes at most this share of the time between looks: a set of tens of thousands of
/// files takes a while to look over, and is then looked at less often.
const BUSY_SHARE: u32 = 10;

/// Reloads `replay` whenever its fixture folder changes, forever (the task ends with the
/// server's runtime).
pub async fn watch(replay: Arc<Replay>, interval: Duration) {
    let root = replay.served().fixtures().root().to_path_buf();
    let (mut seen, mut took) = fingerprint_blocking(&root).await;
    loop {
        tokio::time::sleep(interval.max(took * BUSY_SHARE)).await;
        let now;
        (now, took) = fingerprint_blocking(&root).await;
        // Act once the folder has settled: the same as a moment ago, and not what was loaded
        // last (each load notes the fingerprint taken just before it read the folder).
        let settled = now == seen;
        seen = now;
        if !settled || Some(now) == replay.loaded_fingerprint() {
            continue;
        }
        let replay = Arc::clone(&replay);
        let outcome = tokio::task::spawn_blocking(move || replay.reload()).await;
        match outcome {
            Ok(Ok(changes)) => note!(
                "jobmock: reloaded {}: {} unchanged, {} changed, {} added, {} removed",
                root.display(),
                changes.unchanged,
                changes.changed,
                changes.added,
                changes.removed
            ),
            Ok(Err(err)) => note!(
                "jobmock: not reloaded, still serving the previous set: {}",
                report(&err)
            ),
            Err(_) => note!("jobmock: not reloaded: the reload stopped unexpectedly"),
        }
    }
}

/// The folder's fingerprint, and how long it took to make.
async fn fingerprint_blocking(root: &Path) -> (u64, Duration) {
    let root = root.to_path_buf();
    let started = std::time::Instant::now();
    let fingerprint = tokio::task::spawn_blocking(move || fingerprint(&root))
        .await
        .unwrap_or(0);
    (fingerprint, started.elapsed())
}

/// A hash of every entry's path, size and modification time under `root`: it changes when a
/// file is added, removed, renamed or written.
pub fn fingerprint(root: &Path) -> u64 {
    let mut hasher = DefaultHasher::new();
    for entry in WalkDir::new(root).follow_links(false).sort_by_file_name() {
        let Ok(entry) = entry else {
            // A folder removed while it is walked: the next look will see the change.
            1u8.hash(&mut hasher);
            continue;
        };
        entry.path().hash(&mut hasher);
        if let Ok(meta) = entry.metadata() {
            meta.len().hash(&mut hasher);
            meta.modified()
                .ok()
                .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
                .hash(&mut hasher);
        }
    }
    hasher.finish()
}
