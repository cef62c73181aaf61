//! The walk of `diff`'s paths on every core. A set of ten thousand jobs is ten thousand job
//! folders to list: this thread lists the folders above them and hands each job folder, as it
//! meets it, to a worker thread, which lists it and can start on its unit at once (`diff`
//! checks it there, while the walk goes on); the parts are put back together in walk order.
//!
//! The walk here takes a plain tree only: folders and files, no symbolic link, nothing it
//! cannot read. Anything else, and the walk is done again by [`walk_any`] (walkdir, links
//! followed and their loops refused, each error reported as it always was): both find the
//! same entries in the same order, so the units are the same whichever walk found them.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, mpsc};

use super::units::{Found, Place, Unit, skipped, walk_any};
use crate::api::Flavour;
use crate::error::Result;
use crate::fixture::JOBS_DIR;

/// The payload files under `paths`, grouped into units (see [`walk_any`] for which files).
pub fn find_units(paths: &[PathBuf]) -> Result<Vec<Unit>> {
    let nothing = |_: &Path, _: &[PathBuf], _: bool| None::<Taken<()>>;
    Ok(walk(paths, &nothing)?.0)
}

/// What the work run ahead on a job folder took (the folder, how many step files, and its
/// set's flavour, by asking the folders above it) and made of them.
pub(super) struct Taken<T> {
    pub folder: PathBuf,
    pub files: usize,
    pub flavour: Flavour,
    pub made: T,
}

/// The work run ahead on each job folder listed: given the folder, its step files, and whether
/// it holds a `server.json` or a `jobs` entry.
pub(super) type OnJobFolder<'a, T> =
    dyn Fn(&Path, &[PathBuf], bool) -> Option<Taken<T>> + Sync + 'a;

/// [`find_units`], with `ahead` called for each job folder as soon as it is listed, on the
/// thread that listed it, with the folder, its step files, and whether it holds a
/// `server.json` or a `jobs` entry. What it made is returned beside each unit that is still
/// what it took (another path can add a file to a job folder), and the flavours it found are
/// those units'; the other units it is left to the caller to do again.
pub(super) fn walk<T: Send>(
    paths: &[PathBuf],
    ahead: &OnJobFolder<'_, T>,
) -> Result<(Vec<Unit>, Vec<Option<T>>)> {
    let (found, mut taken) = walk_plain(paths, ahead);
    let found = match found {
        Some(found) => found,
        None => {
            // Found otherwise: what was taken of it is left, and done again.
            taken.clear();
            walk_any(paths)?
        }
    };
    // In the order handed out, the walk's order: that of the job units but where a folder
    // came out of path order (then the units out of step with it are left, never wrongly
    // matched). A listed folder's files only ever have others added to them (from another
    // path): a unit of as many files as were taken is the files taken.
    taken.sort_unstable_by_key(|(index, _)| *index);
    let mut taken = taken.into_iter().map(|(_, taken)| taken).peekable();
    let mut made = Vec::new();
    let units = found.into_units(paths, |folder, files| {
        let next = taken.next_if(|taken| taken.folder.as_os_str() == folder.as_os_str());
        match next {
            Some(taken) if taken.files == files.len() => {
                made.push(Some(taken.made));
                Some(taken.flavour)
            }
            _ => {
                made.push(None);
                None
            }
        }
    })?;
    made.resize_with(units.len(), || None);
    Ok((units, made))
}

/// How many folders the walk's thread hands on at once.
const HAND: usize = 16;

/// How many listed folders a worker gives back at once.
const BATCH: usize = 64;

/// Met something the plain walk does not take (a link, an error): walk again with walkdir.
struct Unusual;

/// One part of the walk in order: what this thread found, or what a worker found in the job
/// folder handed to it (by the order it was handed).
enum Part {
    Found(Found),
    Handed(usize),
}

/// The plain walk of `paths` (`None` for the entries when it met something it does not
/// take), and what `ahead` took of the job folders it listed, by the order they were handed.
type Walked<T> = (Option<Found>, Vec<(usize, Taken<T>)>);

fn walk_plain<T: Send>(paths: &[PathBuf], ahead: &OnJobFolder<T>) -> Walked<T> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (hand, folders) = mpsc::channel::<Vec<(usize, PathBuf)>>();
    let folders = Mutex::new(folders);
    // Each folder handed comes back listed (empty, if the walk is to be done again), a batch
    // at a time: one message per folder would wake this thread ten thousand times.
    let (back, listed) = mpsc::channel::<Vec<(usize, Found, Option<Taken<T>>)>>();
    let unusual = AtomicBool::new(false);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let back = back.clone();
            let (folders, unusual) = (&folders, &unusual);
            scope.spawn(move || {
                let mut batch = Vec::with_capacity(BATCH);
                loop {
                    // The lock let go of at once (a `while let` would hold it to the end of
                    // the batch, and the workers would take turns).
                    let next = folders.lock().expect("no worker panics").recv();
                    // Until the walk's thread has no more folders to hand.
                    let Ok(handed) = next else { break };
                    for (index, folder) in handed {
                        let mut lister = Lister::new(None);
                        if unusual.load(Ordering::Relaxed) || lister.list(&folder).is_err() {
                            unusual.store(true, Ordering::Relaxed);
                            batch.push((index, Found::default(), None));
                        } else {
                            let found = lister.current;
                            let early = found
                                .job_folders()
                                .next()
                                .filter(|(job, _)| *job == folder)
                                .and_then(|(job, files)| ahead(job, files, found.marks(job)));
                            batch.push((index, found, early));
                        }
                        if batch.len() == BATCH {
                            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                            // The walk's thread gone (it panicked), there is no one to tell.
                            let _ = back.send(full);
                        }
                    }
                }
                let _ = back.send(batch);
            });
        }
        drop(back);
        let mut lister = Lister::new(Some(hand));
        let walked = lister.walk(paths);
        if walked.is_err() {
            unusual.store(true, Ordering::Relaxed);
        }
        // No more folders: the workers stop once they have listed those handed to them.
        let (parts, handed) = (lister.finish(), lister.handed);
        drop(lister);
        // The parts put together in walk order as the workers give them back, while they
        // are still at the rest: this thread's walk is over long before theirs.
        let mut waiting: Vec<Option<Found>> = (0..handed).map(|_| None).collect();
        let mut early = Vec::new();
        let mut all = Found::default();
        for part in parts {
            let found = match part {
                Part::Found(found) => found,
                Part::Handed(index) => loop {
                    if let Some(found) = waiting[index].take() {
                        break found;
                    }
                    for (at, found, ahead) in listed.recv().expect("each folder comes back") {
                        waiting[at] = Some(found);
                        early.extend(ahead.map(|ahead| (at, ahead)));
                    }
                },
            };
            if !unusual.load(Ordering::Relaxed) {
                all.extend(found);
            }
        }
        if unusual.load(Ordering::Relaxed) {
            return (None, early);
        }
        (Some(all), early)
    })
}

/// Lists folders as walkdir would (sorted by name, hidden entries and `exchanges/` and
/// `shapes/` folders passed over, each folder's entries right after it), into `current`; with
/// somewhere to hand them, job folders are handed on rather than listed.
struct Lister {
    current: Found,
    parts: Vec<Part>,
    hand: Option<mpsc::Sender<Vec<(usize, PathBuf)>>>,
    handed: usize,
    /// The folders not handed yet, a batch at a time: one message per folder is a lock and
    /// a wake-up each, between threads that are otherwise apart.
    to_hand: Vec<(usize, PathBuf)>,
}

impl Lister {
    fn new(hand: Option<mpsc::Sender<Vec<(usize, PathBuf)>>>) -> Lister {
        Lister {
            current: Found::default(),
            parts: Vec::new(),
            hand,
            handed: 0,
            to_hand: Vec::new(),
        }
    }

    /// The folders not handed yet, handed. A worker gone (it panicked) leaves them unlisted:
    /// the walk's thread says so when it waits for them.
    fn hand_on(&mut self) {
        if let Some(hand) = &self.hand
            && !self.to_hand.is_empty()
        {
            let _ = hand.send(std::mem::take(&mut self.to_hand));
        }
    }

    /// Each of `paths` in turn: a file as given, a folder walked.
    fn walk(&mut self, paths: &[PathBuf]) -> std::result::Result<(), Unusual> {
        for path in paths {
            let meta = fs::metadata(path).map_err(|_| Unusual)?;
            if meta.is_file() {
                self.current.file_given(path);
                continue;
            }
            // The path itself, as walkdir gives it first: a folder, not a link to one.
            let own = fs::symlink_metadata(path).map_err(|_| Unusual)?;
            if !own.is_dir() {
                return Err(Unusual);
            }
            let name = path.file_name().unwrap_or(path.as_os_str());
            self.current
                .entry(path.clone(), &name.to_string_lossy(), true, false);
            self.list(path)?;
        }
        Ok(())
    }

    /// The entries under `dir`, in walk order.
    fn list(&mut self, dir: &Path) -> std::result::Result<(), Unusual> {
        // Room for a job folder's entries at once.
        let mut entries = Vec::with_capacity(16);
        for entry in fs::read_dir(dir).map_err(|_| Unusual)? {
            let entry = entry.map_err(|_| Unusual)?;
            let kind = entry.file_type().map_err(|_| Unusual)?;
            if kind.is_symlink() {
                return Err(Unusual);
            }
            entries.push((entry.file_name(), kind));
        }
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let holds_jobs = dir.file_name().is_some_and(|name| name == JOBS_DIR);
        // The same for every entry here: worked out from the first one's path.
        let mut place: Option<Place> = None;
        for (name, kind) in entries {
            let text = name.to_string_lossy();
            if skipped(&text, kind.is_dir()) {
                continue;
            }
            let path = dir.join(&name);
            let place = &*place.get_or_insert_with(|| Place::of(path.parent().unwrap_or(dir)));
            if !kind.is_dir() {
                self.current
                    .entry_at(path, &text, false, kind.is_file(), Some(place));
                continue;
            }
            self.current
                .entry_at(path.clone(), &text, true, false, Some(place));
            if holds_jobs && self.hand.is_some() {
                let before = std::mem::take(&mut self.current);
                self.parts.push(Part::Found(before));
                self.parts.push(Part::Handed(self.handed));
                self.to_hand.push((self.handed, path));
                self.handed += 1;
                if self.to_hand.len() == HAND {
                    self.hand_on();
                }
            } else {
                self.list(&path)?;
            }
        }
        if holds_jobs {
            self.hand_on();
        }
        Ok(())
    }

    /// The parts in walk order; nothing more is handed on.
    fn finish(&mut self) -> Vec<Part> {
        self.hand_on();
        self.hand = None;
        let last = std::mem::take(&mut self.current);
        let mut parts = std::mem::take(&mut self.parts);
        parts.push(Part::Found(last));
        parts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nothing(_: &Path, _: &[PathBuf], _: bool) -> Option<Taken<()>> {
        None
    }

    /// A set with what the walk passes over, nests, or reads the flavour from; and another.
    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let files = [
            ("set/server.json", r#"{"flavour": "enterprise-kubernetes"}"#),
            ("set/jobs/j1/001.json", "{}"),
            ("set/jobs/j1/002.json", "{}"),
            ("set/jobs/j1/script.json", "{}"),
            ("set/jobs/j1/.hidden.json", "{}"),
            ("set/jobs/j1/notes.txt", ""),
            ("set/jobs/j1/results/out_count.json", "{}"),
            ("set/jobs/j2/zzz.json", "{}"),
            ("set/jobs/j2/jobs/k1/001.json", "{}"),
            ("set/jobs/j2/deeper/x.json", "{}"),
            ("set/jobs/.partial/001.json", "{}"),
            ("set/jobs/exchanges/001.json", "{}"),
            ("set/exchanges/e1/001.json", "{}"),
            ("set/shapes/x.json", "{}"),
            ("set/templates/t/inputs/p.json", "{}"),
            ("set/loose.json", "{}"),
            ("other/jobs/j3/001.json", "{}"),
            (
                "other/jobs/server.json",
                r#"{"flavour": "notebook-server"}"#,
            ),
        ];
        for (path, text) in files {
            let path = dir.path().join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        dir
    }

    fn units(found: Found, paths: &[PathBuf]) -> String {
        format!("{:#?}", found.into_units(paths, |_, _| None).unwrap())
    }

    #[test]
    fn the_plain_walk_finds_what_walkdir_finds() {
        let dir = tree();
        let at = |path: &str| dir.path().join(path);
        for paths in [
            vec![at("set")],
            vec![at("set/jobs")],
            vec![at("set/jobs/j2")],
            vec![at("set"), at("other")],
            vec![at("set/jobs/j1/002.json"), at("set"), at("set/jobs/j1")],
            vec![PathBuf::from(format!("{}/", at("set").display()))],
        ] {
            let (plain, _) = walk_plain(&paths, &nothing);
            let plain = plain.expect("a plain tree");
            let any = walk_any(&paths).unwrap();
            assert_eq!(units(plain, &paths), units(any, &paths), "{paths:?}");
            let (walked, early) = walk(&paths, &nothing).unwrap();
            assert_eq!(walked.len(), early.len());
        }
    }

    #[test]
    fn a_link_is_left_to_walkdir() {
        let dir = tree();
        std::os::unix::fs::symlink(
            dir.path().join("set/jobs/j1"),
            dir.path().join("set/jobs/j9"),
        )
        .unwrap();
        let paths = [dir.path().join("set")];
        assert!(walk_plain(&paths, &nothing).0.is_none());
        let units = find_units(&paths).unwrap();
        assert!(
            units
                .iter()
                .any(|unit| unit.job_folder.as_ref().is_some_and(|f| f.ends_with("j9")))
        );
    }
}
