//! Where a recording goes: each job's polls and each other exchange's answers become steps of a
//! folder in the fixture set, written whole after every answer so that a recording killed at any
//! moment is a fixture set that `replay` loads.
//!
//! Consecutive answers that are equal (body, status, headers) collapse into one step that holds
//! for that many polls. An existing folder is refused, replaced or appended to, as the user said.
//! Everything here arrives scrubbed; [`Store::rescrub`] writes again whatever holds a value
//! learned after it was written.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use bytes::Bytes;

pub use super::layout::{Offsets, exchange_name};
use crate::error::{Error, Result};
use crate::fixture::exchange::{REQUEST_FILE, RequestFile};
use crate::fixture::script::{SCRIPT_FILE, ScriptFile, StepScript};
use crate::fixture::{EXCHANGES_DIR, JOBS_DIR, read_json};
use crate::util::write;

/// What to do when the folder a recording would write exists already.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Conflict {
    /// Leave it alone and record nothing for that job or exchange.
    #[default]
    Refuse,
    /// Replace it with the new recording.
    Overwrite,
    /// Add the new steps after the old ones.
    Append,
}

/// Which folder an answer belongs to.
#[derive(Debug, Clone)]
pub enum Target {
    Job(String),
    Exchange(RequestFile),
}

/// One answer, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    /// The step file's content: pretty JSON, or text.
    pub content: Vec<u8>,
    /// `"json"` or `"txt"`.
    pub extension: &'static str,
    pub status: u16,
    pub headers: BTreeMap<String, String>,
}

/// What storing an answer did.
#[derive(Debug, PartialEq, Eq)]
pub enum Stored {
    /// A new step file was written (its path relative to the fixture set).
    NewStep(String),
    /// The answer equals the last step, which now holds one more poll.
    Held { step: String, polls: u32 },
    /// The folder exists and the user did not say to overwrite or append: not recorded. `first`
    /// is true the first time this folder is refused, so the user is told once.
    Refused { folder: String, first: bool },
}

/// The largest step number; step names keep three digits so they sort as they count.
const MAX_STEPS: usize = 999;

pub struct Store {
    root: PathBuf,
    conflict: Conflict,
    offsets: Offsets,
    tracks: HashMap<PathBuf, Track>,
    /// The job folders by job ID, for [`Store::hold_if_same`].
    jobs: HashMap<String, PathBuf>,
    /// Folders whose script has hold counts not yet written.
    dirty: HashSet<PathBuf>,
}

enum Track {
    Refused,
    Recording(Box<Recording>),
}

struct Recording {
    /// Relative to the fixture set, for messages.
    shown: String,
    dir: PathBuf,
    /// The request.json of an exchange, written with its first step.
    request: Option<Vec<u8>>,
    /// Whether the folder is on disk yet (or must be made, or replace an old one).
    on_disk: OnDisk,
    script: ScriptFile,
    /// The step names, in order, and the last answer stored, for collapsing.
    steps: Vec<String>,
    last: Option<StoredAnswer>,
    /// The last answer's body as it came (decoded), to spot a repeat without redoing the work.
    last_raw: Option<Bytes>,
    /// The last job status stored, for the feedback of a held poll.
    last_status: String,
    started: Instant,
    /// Added to offsets when appending, so new steps come after the old ones in time too.
    base_offset_ms: u64,
    offsets: Offsets,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum OnDisk {
    Yes,
    New,
    Replace,
}

impl Store {
    pub fn new(root: &Path, conflict: Conflict, offsets: Offsets) -> Result<Store> {
        for dir in [root.join(JOBS_DIR), root.join(EXCHANGES_DIR)] {
            fs::create_dir_all(&dir).map_err(|source| Error::Write { path: dir, source })?;
        }
        Ok(Store {
            root: root.to_path_buf(),
            conflict,
            offsets,
            tracks: HashMap::new(),
            jobs: HashMap::new(),
            dirty: HashSet::new(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The folders this recording wrote (or appended to), for the closing scan.
    pub fn written_folders(&self) -> Vec<PathBuf> {
        let mut folders: Vec<PathBuf> = self
            .tracks
            .iter()
            .filter(|(_, track)| {
                matches!(track, Track::Recording(recording) if recording.on_disk == OnDisk::Yes)
            })
            .map(|(dir, _)| dir.clone())
            .collect();
        folders.sort();
        folders
    }

    /// Passes every file this recording wrote through `scrub` and writes again those it
    /// changes (whole, as always): a value learned now may be in a file written before. An
    /// exchange whose `request.json` changed is renamed after its new rule. Returns the writes
    /// that failed.
    pub fn rescrub(&mut self, scrub: &mut dyn FnMut(&str, &str) -> String) -> Vec<Error> {
        let mut failures = Vec::new();
        let mut renamed = Vec::new();
        for (dir, track) in &mut self.tracks {
            let Track::Recording(recording) = track else {
                continue;
            };
            if recording.on_disk != OnDisk::Yes {
                continue;
            }
            match recording.rescrub(scrub) {
                Ok(Some(new_dir)) => renamed.push((dir.clone(), new_dir)),
                Ok(None) => {}
                Err(err) => failures.push(err),
            }
        }
        for (old, new) in renamed {
            if let Some(track) = self.tracks.remove(&old) {
                self.tracks.insert(new.clone(), track);
            }
            if self.dirty.remove(&old) {
                self.dirty.insert(new.clone());
            }
            for dir in self.jobs.values_mut() {
                if *dir == old {
                    *dir = new.clone();
                }
            }
        }
        failures
    }

    /// When job `id`'s last stored answer came as exactly `raw` with `status` and no headers
    /// kept, holds that step one more poll and returns what was done and the job's status.
    pub fn hold_if_same(&mut self, id: &str, raw: &[u8], status: u16) -> Option<(Stored, String)> {
        let dir = self.jobs.get(id)?;
        let Some(Track::Recording(recording)) = self.tracks.get_mut(dir) else {
            return None;
        };
        let last = recording.last.as_ref()?;
        if last.status != status
            || !last.headers.is_empty()
            || recording.last_raw.as_deref() != Some(raw)
        {
            return None;
        }
        let stored = recording.hold();
        self.dirty.insert(dir.clone());
        Some((stored, recording.last_status.clone()))
    }

    /// Writes the scripts whose hold counts changed; returns the writes that failed.
    pub fn flush(&mut self) -> Vec<Error> {
        let mut failures = Vec::new();
        for dir in std::mem::take(&mut self.dirty) {
            if let Some(Track::Recording(recording)) = self.tracks.get(&dir)
                && let Err(err) = recording.write_script()
            {
                failures.push(err);
            }
        }
        failures
    }

    /// Stores one answer for `target`; `raw` is its body as it came, `now` when it arrived.
    pub fn store(
        &mut self,
        target: &Target,
        answer: StoredAnswer,
        raw: &[u8],
        now: Instant,
    ) -> Result<Stored> {
        let (relative, request) = match target {
            Target::Job(id) => (format!("{JOBS_DIR}/{id}"), None),
            Target::Exchange(request) => (
                format!("{EXCHANGES_DIR}/{}", exchange_name(request)),
                Some(write::pretty_json(request)),
            ),
        };
        let dir = self.root.join(&relative);
        if !self.tracks.contains_key(&dir) {
            let track = self.open(&dir, relative.clone(), request, now)?;
            let refused = matches!(track, Track::Refused);
            self.tracks.insert(dir.clone(), track);
            if refused {
                return Ok(Stored::Refused {
                    folder: relative,
                    first: true,
                });
            }
        }
        if let Target::Job(id) = target {
            self.jobs.entry(id.clone()).or_insert_with(|| dir.clone());
        }
        match self
            .tracks
            .get_mut(&dir)
            .expect("the track was opened above")
        {
            Track::Refused => Ok(Stored::Refused {
                folder: relative,
                first: false,
            }),
            Track::Recording(recording) => {
                let stored = recording.add(answer, now)?;
                recording.last_raw = Some(Bytes::copy_from_slice(raw));
                if let Some(status) = job_status(recording.last.as_ref()) {
                    recording.last_status = status;
                }
                if matches!(stored, Stored::Held { .. }) {
                    self.dirty.insert(dir);
                }
                Ok(stored)
            }
        }
    }

    fn open(
        &self,
        dir: &Path,
        shown: String,
        request: Option<Vec<u8>>,
        now: Instant,
    ) -> Result<Track> {
        let mut recording = Recording {
            shown,
            dir: dir.to_path_buf(),
            request,
            on_disk: OnDisk::New,
            script: ScriptFile::default(),
            steps: Vec::new(),
            last: None,
            last_raw: None,
            last_status: String::new(),
            started: now,
            base_offset_ms: 0,
            offsets: self.offsets,
        };
        if !dir.exists() {
            return Ok(Track::Recording(Box::new(recording)));
        }
        match self.conflict {
            Conflict::Refuse => Ok(Track::Refused),
            Conflict::Overwrite => {
                recording.on_disk = OnDisk::Replace;
                Ok(Track::Recording(Box::new(recording)))
            }
            Conflict::Append => {
                recording.resume()?;
                Ok(Track::Recording(Box::new(recording)))
            }
        }
    }
}

impl Recording {
    fn add(&mut self, answer: StoredAnswer, now: Instant) -> Result<Stored> {
        if self.last.as_ref() == Some(&answer) && !self.steps.is_empty() {
            return Ok(self.hold());
        }
        if self.steps.len() >= MAX_STEPS {
            return Err(Error::too_large(
                &self.dir,
                format!("has {MAX_STEPS} steps, the most a recording writes"),
                "record this job or exchange again in a fresh fixture set",
            ));
        }
        let name = format!("{:03}.{}", self.steps.len() + 1, answer.extension);
        let offset_ms = self.base_offset_ms + now.duration_since(self.started).as_millis() as u64;
        let mut headers = answer.headers.clone();
        headers.retain(|_, value| !value.is_empty());
        self.script.steps.insert(
            name.clone(),
            StepScript {
                polls: Some(1),
                offset_ms: self.offsets.apply(offset_ms),
                status: (answer.status != 200).then_some(answer.status),
                headers,
                delay_ms: None,
                fault: None,
                expire_token: false,
            },
        );
        self.steps.push(name.clone());

        match self.on_disk {
            OnDisk::Yes => {
                // The step first, then the script that names it: a kill between the two
                // leaves a step the script does not mention, which replay serves with defaults.
                write::file(&self.dir.join(&name), &answer.content)?;
                self.write_script()?;
            }
            OnDisk::New | OnDisk::Replace => {
                let script = write::pretty_json(&self.script);
                let mut files: Vec<(&str, &[u8])> =
                    vec![(name.as_str(), &answer.content), (SCRIPT_FILE, &script)];
                if let Some(request) = &self.request {
                    files.push((REQUEST_FILE, request));
                }
                if self.on_disk == OnDisk::New {
                    write::new_folder(&self.dir, &files)?;
                } else {
                    write::replace_folder(&self.dir, &files)?;
                }
                self.on_disk = OnDisk::Yes;
            }
        }
        self.last = Some(answer);
        Ok(Stored::NewStep(format!("{}/{name}", self.shown)))
    }

    /// One more poll of the last step; the script is written later ([`Store::flush`]).
    fn hold(&mut self) -> Stored {
        let step = self
            .steps
            .last()
            .expect("a step was stored before it is held")
            .clone();
        let settings = self.script.steps.entry(step.clone()).or_default();
        let polls = settings.polls.unwrap_or(1) + 1;
        settings.polls = Some(polls);
        Stored::Held {
            step: format!("{}/{step}", self.shown),
            polls,
        }
    }

    /// Scrubs this folder's files again (see [`Store::rescrub`]); returns the folder's new
    /// place when its rule changed its name.
    fn rescrub(&mut self, scrub: &mut dyn FnMut(&str, &str) -> String) -> Result<Option<PathBuf>> {
        let entries = fs::read_dir(&self.dir).map_err(|e| Error::io(&self.dir, e))?;
        let mut names: Vec<String> = entries
            .filter_map(|entry| entry.ok())
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .filter(|name| !name.starts_with('.'))
            .collect();
        names.sort();
        let mut new_request = None;
        for name in names {
            let path = self.dir.join(&name);
            let Ok(text) = fs::read_to_string(&path) else {
                continue;
            };
            let scrubbed = scrub(&name, &text);
            if scrubbed == text {
                continue;
            }
            if name == SCRIPT_FILE {
                self.script = serde_json::from_str(&scrubbed)
                    .map_err(|source| Error::json(&path, scrubbed.as_bytes(), source))?;
                self.write_script()?;
                continue;
            }
            write::file(&path, scrubbed.as_bytes())?;
            if name == REQUEST_FILE {
                self.request = Some(scrubbed.clone().into_bytes());
                new_request = serde_json::from_str::<RequestFile>(&scrubbed).ok();
            } else if self.steps.last() == Some(&name)
                && let Some(last) = &mut self.last
            {
                last.content = scrubbed.into_bytes();
            }
        }
        let parent = self.dir.parent().unwrap_or(&self.dir).to_path_buf();
        let folder = self
            .dir
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        // The folder's name came from the old rule (its path may have held the value), or is
        // a job's ID that turned out to hold one.
        let base = match new_request {
            Some(request) => exchange_name(&request),
            None => {
                let scrubbed = scrub("", &folder);
                if scrubbed == folder {
                    return Ok(None);
                }
                scrubbed.replace(['/', '\\'], "-")
            }
        };
        let mut name = base.clone();
        let mut counter = 1;
        while parent.join(&name).exists() {
            counter += 1;
            name = format!("{base}-{counter}");
        }
        let new_dir = parent.join(&name);
        fs::rename(&self.dir, &new_dir).map_err(|source| Error::Write {
            path: new_dir.clone(),
            source,
        })?;
        self.dir = new_dir.clone();
        let kind = parent
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.shown = format!("{kind}/{name}");
        Ok(Some(new_dir))
    }

    fn write_script(&self) -> Result<()> {
        write::file(
            &self.dir.join(SCRIPT_FILE),
            &write::pretty_json(&self.script),
        )
    }

    /// Takes up an existing folder to append to: its steps, its script, and its last step's
    /// answer, so a first new answer equal to it only adds a poll.
    fn resume(&mut self) -> Result<()> {
        let mut steps: Vec<String> = fs::read_dir(&self.dir)
            .map_err(|e| Error::io(&self.dir, e))?
            .filter_map(|entry| entry.ok())
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .filter(|name| {
                !name.starts_with('.')
                    && name != SCRIPT_FILE
                    && name != REQUEST_FILE
                    && (name.ends_with(".json") || name.ends_with(".txt"))
            })
            .collect();
        steps.sort();
        let script_path = self.dir.join(SCRIPT_FILE);
        if script_path.exists() {
            self.script = read_json(&script_path)?;
        }
        let next = format!("{:03}", steps.len() + 1);
        if let Some(last) = steps.last()
            && last.as_str() >= next.as_str()
        {
            return Err(Error::fixture(
                &self.dir,
                format!("cannot append: its step {last} would sort after the new step {next}.json"),
                "rename its steps 001.json, 002.json, … or record with --overwrite",
            ));
        }
        if let Some(last) = steps.last() {
            let settings = self.script.steps.get(last).cloned().unwrap_or_default();
            let content =
                fs::read(self.dir.join(last)).map_err(|e| Error::io(self.dir.join(last), e))?;
            self.last = Some(StoredAnswer {
                content,
                extension: if last.ends_with(".txt") {
                    "txt"
                } else {
                    "json"
                },
                status: settings.status.unwrap_or(200),
                headers: settings.headers.clone(),
            });
            self.base_offset_ms = self
                .script
                .steps
                .values()
                .filter_map(|step| step.offset_ms)
                .max()
                .unwrap_or(0);
        }
        self.steps = steps;
        self.on_disk = OnDisk::Yes;
        Ok(())
    }
}

/// The `status` of a stored JSON answer.
fn job_status(answer: Option<&StoredAnswer>) -> Option<String> {
    let answer = answer.filter(|answer| answer.extension == "json")?;
    let value: serde_json::Value = serde_json::from_slice(&answer.content).ok()?;
    value.get("status")?.as_str().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: &str) -> StoredAnswer {
        StoredAnswer {
            content: format!("{{\n  \"status\": \"{status}\"\n}}\n").into_bytes(),
            extension: "json",
            status: 200,
            headers: BTreeMap::new(),
        }
    }

    #[test]
    fn equal_answers_collapse_into_one_step_that_holds() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::new(dir.path(), Conflict::Refuse, Offsets::Exact).unwrap();
        let job = Target::Job("j1".into());
        let now = Instant::now();
        assert_eq!(
            store.store(&job, answer("SUBMITTED"), b"", now).unwrap(),
            Stored::NewStep("jobs/j1/001.json".into())
        );
        for polls in 2..=4 {
            assert_eq!(
                store.store(&job, answer("SUBMITTED"), b"", now).unwrap(),
                Stored::Held {
                    step: "jobs/j1/001.json".into(),
                    polls
                }
            );
        }
        assert_eq!(
            store.store(&job, answer("COMPLETED"), b"", now).unwrap(),
            Stored::NewStep("jobs/j1/002.json".into())
        );
        let script: ScriptFile =
            serde_json::from_slice(&fs::read(dir.path().join("jobs/j1/script.json")).unwrap())
                .unwrap();
        assert_eq!(script.steps["001.json"].polls, Some(4));
        assert_eq!(script.steps["002.json"].polls, Some(1));
    }

    #[test]
    fn an_existing_folder_is_refused_unless_told_otherwise() {
        let dir = tempfile::tempdir().unwrap();
        let job = Target::Job("j1".into());
        let now = Instant::now();
        Store::new(dir.path(), Conflict::Refuse, Offsets::Exact)
            .unwrap()
            .store(&job, answer("SUBMITTED"), b"", now)
            .unwrap();

        let mut again = Store::new(dir.path(), Conflict::Refuse, Offsets::Exact).unwrap();
        let refused = again.store(&job, answer("COMPLETED"), b"", now).unwrap();
        assert_eq!(
            refused,
            Stored::Refused {
                folder: "jobs/j1".into(),
                first: true
            }
        );
        let again_refused = again.store(&job, answer("COMPLETED"), b"", now).unwrap();
        assert_eq!(
            again_refused,
            Stored::Refused {
                folder: "jobs/j1".into(),
                first: false
            }
        );
        assert!(!dir.path().join("jobs/j1/002.json").exists());

        let mut append = Store::new(dir.path(), Conflict::Append, Offsets::Exact).unwrap();
        assert_eq!(
            append.store(&job, answer("SUBMITTED"), b"", now).unwrap(),
            Stored::Held {
                step: "jobs/j1/001.json".into(),
                polls: 2
            }
        );
        assert_eq!(
            append.store(&job, answer("COMPLETED"), b"", now).unwrap(),
            Stored::NewStep("jobs/j1/002.json".into())
        );

        let mut overwrite = Store::new(dir.path(), Conflict::Overwrite, Offsets::Exact).unwrap();
        overwrite.store(&job, answer("FAILED"), b"", now).unwrap();
        assert!(!dir.path().join("jobs/j1/002.json").exists());
        assert!(
            fs::read_to_string(dir.path().join("jobs/j1/001.json"))
                .unwrap()
                .contains("FAILED")
        );
    }
}
