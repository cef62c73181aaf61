//! `jobmock replay --upstream URL --record-mode MODE`: which folder is served and which is
//! written, and at a clean stop, the staged recording of `all` (and of `once` for a set that
//! was empty) put in the set's place.
//!
//! `all` never writes into the set it replaces: it records into a staging folder beside it
//! (`.<name>.jobmock-recording`), and only a server that stops cleanly swaps the two. A server
//! killed meanwhile leaves the set as it was.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::cli::{OnExpired, ReplayArgs};
use crate::error::{Error, Result};
use crate::fixture::provenance::{Provenance, RECORDING_FILE, shown_duration};
use crate::fixture::store::Conflict;
use crate::output::note;
use crate::record::Recorder;
use crate::replay::{Forwarding, RecordMode, Replay};

/// What a replay server records, decided before it loads its set.
pub(super) struct Plan {
    /// The folder the server loads: the set, or (recording everything) the staging folder.
    pub serve_root: PathBuf,
    recording: Option<Recording>,
}

struct Recording {
    options: crate::record::Options,
    /// Forward everything (`all`, or `once` for an empty set), or only what the set lacks.
    everything: bool,
    /// Where `all` writes, to put in the set's place at a clean stop.
    staged: Option<PathBuf>,
    /// Recording again a set that expired: even a recording that changed nothing renews the
    /// set's `recordedAt`.
    refresh: bool,
}

impl Plan {
    /// The plan `args` ask for: `once` looks at the set to decide; `all` makes its staging
    /// folder (an old one, left by a server that was killed, is removed); `new_episodes` makes
    /// a missing set.
    pub fn new(args: &ReplayArgs) -> Result<Plan> {
        let fixtures = args.fixtures.clone();
        let mode: RecordMode = args.recording.record_mode.into();
        let tls = args.tls.wanted();
        let options = |root: &Path, conflict| {
            args.recording
                .recorder_options(root, conflict, tls, &args.limits)
        };
        // Checked in every mode, so that a wrong URL is said even with `none` or `once`.
        let Some(_) = options(&fixtures, Conflict::Refuse)? else {
            // Without an upstream, an expired set can be refused or warned about, not recorded.
            expired(args)?;
            return Ok(Plan::replay_only(fixtures));
        };
        let expired = expired(args)?;
        let mode = if expired { RecordMode::All } else { mode };
        let everything = match mode {
            RecordMode::None => return Ok(Plan::replay_only(fixtures)),
            RecordMode::Once if !is_empty_set(&fixtures) => {
                note!(
                    "jobmock: --record-mode once: {} is recorded already; replaying it, \
                     nothing is forwarded",
                    fixtures.display()
                );
                return Ok(Plan::replay_only(fixtures));
            }
            RecordMode::Once | RecordMode::All => true,
            RecordMode::NewEpisodes => false,
        };
        if !everything {
            make_folder(&fixtures)?;
            return Ok(Plan {
                recording: Some(Recording {
                    options: options(&fixtures, Conflict::Append)?.expect("an upstream"),
                    everything,
                    staged: None,
                    refresh: false,
                }),
                serve_root: fixtures,
            });
        }
        let staging = staging_folder(&fixtures);
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(|source| Error::Write {
                path: staging.clone(),
                source,
            })?;
        }
        make_folder(&staging)?;
        Ok(Plan {
            recording: Some(Recording {
                options: options(&staging, Conflict::Refuse)?.expect("an upstream"),
                everything,
                staged: Some(staging.clone()),
                refresh: expired,
            }),
            serve_root: staging,
        })
    }

    fn replay_only(fixtures: PathBuf) -> Plan {
        Plan {
            serve_root: fixtures,
            recording: None,
        }
    }

    /// Starts recording on `replay`, which listens at `addr`; the recorder, for [`finish`].
    pub fn start(
        &self,
        replay: &Replay,
        addr: std::net::SocketAddr,
    ) -> Result<Option<Arc<Recorder>>> {
        let Some(recording) = &self.recording else {
            return Ok(None);
        };
        let recorder = Arc::new(Recorder::new(recording.options.clone(), addr)?);
        if recording.options.trust.insecure {
            note!(
                "jobmock: warning: --insecure: the upstream's certificate is not checked; \
                 anyone between here and {} could read and change the traffic",
                recorder.upstream_origin()
            );
        }
        replay.forward_to(Forwarding::new(Arc::clone(&recorder), recording.everything));
        Ok(Some(recorder))
    }

    /// What the startup line adds: what is recorded, from where.
    pub fn said(&self, mode: RecordMode, upstream: Option<&Recorder>) -> String {
        match (&self.recording, upstream) {
            (Some(recording), Some(recorder)) if recording.everything => format!(
                "; recording everything from {} (--record-mode {}), to replace the set at a clean stop",
                recorder.upstream_origin(),
                mode.as_str()
            ),
            (Some(_), Some(recorder)) => format!(
                "; recording what the set lacks from {} (--record-mode {})",
                recorder.upstream_origin(),
                mode.as_str()
            ),
            _ if mode != RecordMode::None => {
                format!(" (--record-mode {}: replaying)", mode.as_str())
            }
            _ => String::new(),
        }
    }

    /// Ends the recording once the server stopped cleanly: the summary, and a staged set put in
    /// the place of the old one (when anything was recorded); whether the closing scan found
    /// anything.
    pub async fn finish(&self, recorder: &Recorder, fixtures: &Path) -> Result<bool> {
        let closing = recorder.close().await;
        note!("jobmock: {}", closing.summary);
        let Some(staged) = self.recording.as_ref().and_then(|r| r.staged.as_ref()) else {
            return Ok(closing.found);
        };
        if closing.folders == 0 {
            let _ = fs::remove_dir_all(staged);
            note!(
                "jobmock: nothing was recorded: {} is left as it was",
                fixtures.display()
            );
            return Ok(closing.found);
        }
        keep_what_only_noise_changed(staged, fixtures)?;
        if same_recording(staged, fixtures) {
            let refreshed = self.recording.as_ref().is_some_and(|r| r.refresh);
            if refreshed {
                let from = staged.join(RECORDING_FILE);
                let to = fixtures.join(RECORDING_FILE);
                let bytes = fs::read(&from).map_err(|source| Error::io(&from, source))?;
                crate::util::write::file(&to, &bytes)?;
            }
            let _ = fs::remove_dir_all(staged);
            note!(
                "jobmock: the recording is the same as {}: the set is left as it was{}",
                fixtures.display(),
                if refreshed {
                    " but for recording.json's recordedAt, renewed"
                } else {
                    ""
                }
            );
            return Ok(closing.found);
        }
        put_in_place(staged, fixtures)?;
        note!("jobmock: the new recording is now {}", fixtures.display());
        Ok(closing.found)
    }
}

/// Puts back in the staged recording each file of the set that the new recording changed only
/// in noise (times, offsets, hold counts: [`crate::fixture::noise`]), so that recording again
/// rewrites only what the server changed.
fn keep_what_only_noise_changed(staged: &Path, fixtures: &Path) -> Result<()> {
    for entry in walkdir::WalkDir::new(staged)
        .into_iter()
        .filter_map(|entry| entry.ok())
    {
        let Ok(relative) = entry.path().strip_prefix(staged) else {
            continue;
        };
        if !entry.file_type().is_file() || relative == Path::new(RECORDING_FILE) {
            continue;
        }
        let old_path = fixtures.join(relative);
        let (Ok(new), Ok(old)) = (fs::read(entry.path()), fs::read(&old_path)) else {
            continue;
        };
        if new != old && crate::fixture::noise::same_but_for_noise(&old, &new) {
            crate::util::write::file(entry.path(), &old)?;
        }
    }
    Ok(())
}

/// Whether the recording staged at `staged` holds the same files, byte for byte, as the set
/// at `fixtures`, but for `recording.json` (which says when): recording an unchanged server
/// again then changes nothing on disk.
fn same_recording(staged: &Path, fixtures: &Path) -> bool {
    let files = |root: &Path| -> Option<Vec<(PathBuf, Vec<u8>)>> {
        let mut files = Vec::new();
        for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
            let entry = entry.ok()?;
            let relative = entry.path().strip_prefix(root).ok()?.to_path_buf();
            if !entry.file_type().is_file() || relative == Path::new(RECORDING_FILE) {
                continue;
            }
            files.push((relative, fs::read(entry.path()).ok()?));
        }
        Some(files)
    };
    match (files(staged), files(fixtures)) {
        (Some(new), Some(old)) => new == old,
        _ => false,
    }
}

/// Whether `args` ask to record the set again because it is older than `--expire-after`
/// (`--on-expired record`); a warning for `warn`, the refusal for `error` (and for `record`
/// without an upstream).
fn expired(args: &ReplayArgs) -> Result<bool> {
    let Some(limit) = args.recording.expire_after else {
        return Ok(false);
    };
    let fixtures = &args.fixtures;
    let Some(provenance) = Provenance::read(fixtures)? else {
        if fixtures.exists() && !is_empty_set(fixtures) {
            note!(
                "jobmock: {} has no {RECORDING_FILE}: when it was recorded is unknown, so                  --expire-after does not apply to it",
                fixtures.display()
            );
        }
        return Ok(false);
    };
    let age = provenance.age();
    if age <= limit {
        return Ok(false);
    }
    let said = format!(
        "was recorded at {} ({} ago), longer ago than --expire-after {}",
        provenance.recorded_at,
        shown_duration(age),
        shown_duration(limit)
    );
    match args.recording.on_expired {
        OnExpired::Warn => {
            note!(
                "jobmock: warning: {} {said}; it is served all the same (--on-expired warn)",
                fixtures.display()
            );
            Ok(false)
        }
        OnExpired::Error => Err(Error::fixture(
            fixtures.join(RECORDING_FILE),
            format!("the set {said}"),
            "record it again (jobmock replay --upstream URL --record-mode all, or --on-expired record), or allow an older set with a longer --expire-after",
        )),
        OnExpired::Record if args.recording.upstream.is_none() => Err(Error::Usage {
            message: format!(
                "{} {said}, and --on-expired record records it again from an upstream: give --upstream URL",
                fixtures.display()
            ),
        }),
        OnExpired::Record => {
            note!(
                "jobmock: {} {said}: recording it again (--on-expired record)",
                fixtures.display()
            );
            Ok(true)
        }
    }
}

/// Whether the set at `root` is missing or holds no job and no exchange.
fn is_empty_set(root: &Path) -> bool {
    let empty =
        |dir: PathBuf| fs::read_dir(dir).map_or(true, |mut entries| entries.next().is_none());
    empty(root.join(crate::fixture::JOBS_DIR)) && empty(root.join(crate::fixture::EXCHANGES_DIR))
}

/// The folder `all` records into, beside the set: hidden, and named after it.
fn staging_folder(fixtures: &Path) -> PathBuf {
    let name = fixtures.file_name().map_or_else(
        || "fixtures".into(),
        |name| name.to_string_lossy().into_owned(),
    );
    fixtures.with_file_name(format!(".{name}.jobmock-recording"))
}

/// Makes `dir` a set (empty) if it is not one yet.
fn make_folder(dir: &Path) -> Result<()> {
    for folder in [crate::fixture::JOBS_DIR, crate::fixture::EXCHANGES_DIR] {
        let path = dir.join(folder);
        fs::create_dir_all(&path).map_err(|source| Error::Write { path, source })?;
    }
    Ok(())
}

/// Puts the folder `staged` where `fixtures` is: the old set is moved aside first and removed
/// only once the new one is in place, so that no moment leaves neither.
fn put_in_place(staged: &Path, fixtures: &Path) -> Result<()> {
    let write_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Write { path, source }
    };
    let retired = fixtures.with_file_name(format!(
        ".{}.jobmock-replaced",
        fixtures
            .file_name()
            .map_or_else(|| "fixtures".into(), |name| name.to_string_lossy())
    ));
    if retired.exists() {
        fs::remove_dir_all(&retired).map_err(write_error(&retired))?;
    }
    if fixtures.exists() {
        fs::rename(fixtures, &retired).map_err(write_error(fixtures))?;
    }
    fs::rename(staged, fixtures).map_err(write_error(fixtures))?;
    if retired.exists() {
        fs::remove_dir_all(&retired).map_err(write_error(&retired))?;
    }
    Ok(())
}
