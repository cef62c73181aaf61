//! `jobmock diff --against OLD NEW` for two sets, folder by folder: which jobs and exchanges a
//! re-recording added, removed or changed, and for a job its statuses before and after. With
//! stable recordings (the same job IDs and folder names for the same scenario), this is the
//! review of a re-recording: an unchanged server lists nothing, a notebook that now fails lists
//! that one job. Values count here (the shape comparison beside it ignores them), so this is a
//! listing for the reviewer, not drift: the exit code stays the shapes'.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use super::report::Paint;
use crate::api::webtool::ParamKind;
use crate::error::{Error, Result};
use crate::fixture::script::SCRIPT_FILE;
use crate::fixture::{EXCHANGES_DIR, JOBS_DIR, MAX_FIXTURE_FILE};

/// What changed between two sets, by folder.
#[derive(Debug, Default, Serialize)]
pub struct Folders {
    pub jobs: Changes,
    pub exchanges: Changes,
}

/// The folders of one kind (jobs or exchanges) that changed.
#[derive(Debug, Default, Serialize)]
pub struct Changes {
    pub added: Vec<Folder>,
    pub removed: Vec<Folder>,
    pub changed: Vec<Changed>,
    pub unchanged: usize,
}

/// A folder on one side only.
#[derive(Debug, Serialize)]
pub struct Folder {
    pub name: String,
    /// A job's statuses, step by step.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub statuses: Vec<String>,
}

/// A folder on both sides whose files differ.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Changed {
    pub name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub statuses_before: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub statuses_after: Vec<String>,
    /// The files that differ, appeared or vanished, by name.
    pub files: Vec<String>,
}

impl Folders {
    pub fn is_empty(&self) -> bool {
        [&self.jobs, &self.exchanges].iter().all(|changes| {
            changes.added.is_empty() && changes.removed.is_empty() && changes.changed.is_empty()
        })
    }
}

/// The two sets compared folder by folder, when both `old` and `new` are sets (they hold
/// `jobs/` or `exchanges/`); `None` for job folders or files.
pub fn compare(old: &Path, new: &Path) -> Result<Option<Folders>> {
    if !is_set(old) || !is_set(new) {
        return Ok(None);
    }
    Ok(Some(Folders {
        jobs: compare_kind(&old.join(JOBS_DIR), &new.join(JOBS_DIR), true)?,
        exchanges: compare_kind(&old.join(EXCHANGES_DIR), &new.join(EXCHANGES_DIR), false)?,
    }))
}

fn is_set(root: &Path) -> bool {
    root.join(JOBS_DIR).is_dir() || root.join(EXCHANGES_DIR).is_dir()
}

/// A folder's files by name, each read within the fixture limit.
type Files = BTreeMap<String, Vec<u8>>;

fn compare_kind(old: &Path, new: &Path, jobs: bool) -> Result<Changes> {
    let (old, new) = (folders(old)?, folders(new)?);
    let mut changes = Changes::default();
    let statuses = |files: &Files| if jobs { statuses(files) } else { Vec::new() };
    for (name, before) in &old {
        match new.get(name) {
            None => changes.removed.push(Folder {
                name: name.clone(),
                statuses: statuses(before),
            }),
            Some(after) if after == before => changes.unchanged += 1,
            Some(after) => {
                let mut files: Vec<String> = before
                    .keys()
                    .chain(after.keys())
                    .filter(|file| before.get(*file) != after.get(*file))
                    .cloned()
                    .collect();
                files.sort();
                files.dedup();
                changes.changed.push(Changed {
                    name: name.clone(),
                    statuses_before: statuses(before),
                    statuses_after: statuses(after),
                    files,
                });
            }
        }
    }
    for (name, after) in &new {
        if !old.contains_key(name) {
            changes.added.push(Folder {
                name: name.clone(),
                statuses: statuses(after),
            });
        }
    }
    Ok(changes)
}

/// The folders under `dir` (none when it is missing), each with its files; hidden entries
/// (temporary files) are left out, as a set's loader leaves them.
fn folders(dir: &Path) -> Result<BTreeMap<String, Files>> {
    let mut folders = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(folders);
    };
    for entry in entries {
        let entry = entry.map_err(|source| Error::io(dir, source))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if name.starts_with('.') || !path.is_dir() {
            continue;
        }
        folders.insert(name, files(&path)?);
    }
    Ok(folders)
}

/// A folder's files; a web tool's job's parameter files too, named by their subfolder
/// (`results/out_count.json`), since a changed result is a changed job.
fn files(folder: &Path) -> Result<Files> {
    let mut files = Files::new();
    add_files(folder, "", &mut files)?;
    for kind in [ParamKind::Results, ParamKind::Inputs] {
        let dir = folder.join(kind.as_str());
        if dir.is_dir() {
            add_files(&dir, &format!("{}/", kind.as_str()), &mut files)?;
        }
    }
    Ok(files)
}

fn add_files(folder: &Path, prefix: &str, files: &mut Files) -> Result<()> {
    for entry in std::fs::read_dir(folder).map_err(|source| Error::io(folder, source))? {
        let entry = entry.map_err(|source| Error::io(folder, source))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path: PathBuf = entry.path();
        if name.starts_with('.') || !path.is_file() {
            continue;
        }
        let bytes = crate::util::read::at_most(&path, MAX_FIXTURE_FILE)
            .map_err(|source| Error::io(&path, source))?
            .unwrap_or_default();
        files.insert(format!("{prefix}{name}"), bytes);
    }
    Ok(())
}

/// A job's statuses, step by step (a step that is no job answer shows as `?`).
fn statuses(files: &Files) -> Vec<String> {
    files
        .iter()
        .filter(|(name, _)| {
            name.as_str() != SCRIPT_FILE && name.ends_with(".json") && !name.contains('/')
        })
        .map(|(_, bytes)| {
            serde_json::from_slice::<Value>(bytes)
                .ok()
                .and_then(|value| crate::shape::status_of(&value).map(str::to_string))
                .unwrap_or_else(|| "?".into())
        })
        .collect()
}

/// The listing, for `diff --against`'s text.
pub fn text(folders: &Folders, colour: bool) -> String {
    let paint = Paint { on: colour };
    let mut out = String::new();
    let _ = writeln!(out, "{}", paint.bold("by job and exchange:"));
    let arrow = |statuses: &[String]| statuses.join(" → ");
    for (kind, changes) in [
        (JOBS_DIR, &folders.jobs),
        (EXCHANGES_DIR, &folders.exchanges),
    ] {
        for changed in &changes.changed {
            let line = if changed.statuses_before != changed.statuses_after {
                format!(
                    "~ {kind}/{}: {} became {} ({})",
                    changed.name,
                    arrow(&changed.statuses_before),
                    arrow(&changed.statuses_after),
                    changed.files.join(", ")
                )
            } else {
                format!(
                    "~ {kind}/{}: {} changed",
                    changed.name,
                    changed.files.join(", ")
                )
            };
            let _ = writeln!(out, "  {}", paint.diff_line(&line));
        }
        for added in &changes.added {
            let line = match added.statuses.is_empty() {
                true => format!("+ {kind}/{}: only in the new recording", added.name),
                false => format!(
                    "+ {kind}/{}: only in the new recording ({})",
                    added.name,
                    arrow(&added.statuses)
                ),
            };
            let _ = writeln!(out, "  {}", paint.diff_line(&line));
        }
        for removed in &changes.removed {
            let line = format!("- {kind}/{}: only in the --against recording", removed.name);
            let _ = writeln!(out, "  {}", paint.diff_line(&line));
        }
    }
    let _ = writeln!(
        out,
        "  {} job(s) and {} exchange(s) unchanged{}",
        folders.jobs.unchanged,
        folders.exchanges.unchanged,
        if folders.is_empty() {
            ": the recordings are the same, file for file"
        } else {
            ""
        }
    );
    out
}
