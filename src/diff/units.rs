//! What `diff` checks: the payload files under the paths given, grouped into units (the steps
//! of one job folder, a Portal exchange, a web tool's job parameter, or a file on its own), each
//! with its set's flavour. What a walk finds ([`Found`]) becomes the units; the walk is
//! `walk`'s, or, for any tree, walkdir's ([`walk_any`]).

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::api::Flavour;
use crate::error::{Error, Result};
use crate::fixture::exchange::REQUEST_FILE;
use crate::fixture::script::SCRIPT_FILE;
use crate::fixture::server::{self as server_file, SERVER_FILE};
use crate::fixture::{EXCHANGES_DIR, JOBS_DIR, TEMPLATES_DIR, read_json};
use crate::shape::builtin::{self};

/// Maps and sets keyed by the paths a walk finds: tens of thousands of them, hashed on the
/// thread everything waits for, so with foldhash rather than SipHash.
pub(super) type PathMap<V> = foldhash::HashMap<PathBuf, V>;
pub(super) type PathSet = foldhash::HashSet<PathBuf>;

/// A group of payload files checked together: the steps of one job folder (checked as a
/// sequence too), or one file given on its own.
#[derive(Debug)]
pub struct Unit {
    /// The job folder, for a job's steps.
    pub job_folder: Option<PathBuf>,
    pub files: Vec<PathBuf>,
    /// The server the payloads come from: whose shapes they are checked against.
    pub flavour: Flavour,
    /// For a recorded Portal exchange, the Portal resource it answers
    /// ([`builtin::portal_resource`]): its steps are checked against that resource's shape.
    pub portal: Option<&'static str>,
    /// Whether the file is a web tool's job parameter (`jobs/<jobId>/results/<param>.json`,
    /// `inputs/…`, or a template's): checked against the GP parameter shape, not a job's.
    pub parameter: bool,
}

/// What a walk found, in the order found: the payload files by kind, and which folders it saw
/// and saw a `server.json` or a `jobs` entry in (for the flavours). A walk's entries may be
/// taken in parts, each part found apart and [`Found::extend`]ed in walk order: the result is
/// that of one walk.
#[derive(Default)]
pub(super) struct Found {
    jobs: JobFolders,
    singles: Vec<PathBuf>,
    parameters: Vec<PathBuf>,
    // Folders the walk saw a `server.json` or a `jobs` entry in: any other folder it walked
    // whole says nothing of its set's flavour, and is not asked again (two calls per job
    // folder saved, on a set of ten thousand).
    walked_folders: Vec<PathBuf>,
    marked_folders: PathSet,
}

impl Found {
    /// A path given that is a file (not walked).
    pub(super) fn file_given(&mut self, path: &Path) {
        if is_parameter_file(path) {
            self.parameters.push(path.to_path_buf());
            return;
        }
        // A step file named on its own still belongs to its job folder, if it has one.
        match job_folder_of(path) {
            Some(folder) => self.jobs.push(&folder, path.to_path_buf()),
            None => self.singles.push(path.to_path_buf()),
        }
    }

    /// One entry of a walk, `name` its file name; `is_dir` and `is_file` say what it is once
    /// symbolic links are followed.
    pub(super) fn entry(&mut self, path: PathBuf, name: &str, is_dir: bool, is_file: bool) {
        let place = path.parent().map(Place::of);
        self.entry_at(path, name, is_dir, is_file, place.as_ref());
    }

    /// [`entry`](Self::entry), with the [`Place`] of its folder (`None` for a path without
    /// one): the same for every entry of a folder, a walk can work it out once.
    pub(super) fn entry_at(
        &mut self,
        path: PathBuf,
        name: &str,
        is_dir: bool,
        is_file: bool,
        place: Option<&Place>,
    ) {
        if is_dir {
            self.walked_folders.push(path.clone());
        }
        if (name == SERVER_FILE || name == JOBS_DIR)
            && let Some(parent) = path.parent()
        {
            self.marked_folders.insert(parent.to_path_buf());
        }
        if is_file && name.ends_with(".json") && place.is_some_and(|place| place.parameters) {
            self.parameters.push(path);
            return;
        }
        if !is_file
            || !name.ends_with(".json")
            || name == SCRIPT_FILE
            || name == REQUEST_FILE
            || name == crate::redact::summary::SUMMARY_FILE
            || name == crate::fixture::provenance::RECORDING_FILE
        {
            return;
        }
        // A set's server.json says where its payloads come from; it is not one of them.
        let is_server_file = name == SERVER_FILE;
        match place.and_then(|place| place.job_folder.as_deref()) {
            Some(folder) => self.jobs.push(folder, path),
            None if is_server_file => {}
            None => self.singles.push(path),
        }
    }

    /// `later`, the next part of the same walk, added after what was found so far.
    pub(super) fn extend(&mut self, later: Found) {
        for (folder, files) in later.jobs.folders {
            self.jobs.push_all(folder, files);
        }
        self.singles.extend(later.singles);
        self.parameters.extend(later.parameters);
        self.walked_folders.extend(later.walked_folders);
        self.marked_folders.extend(later.marked_folders);
    }

    /// Whether the walk saw a `server.json` or a `jobs` entry in `folder`.
    pub(super) fn marks(&self, folder: &Path) -> bool {
        self.marked_folders.contains(folder)
    }

    /// The job folders found so far, each with its step files.
    pub(super) fn job_folders(&self) -> impl Iterator<Item = (&Path, &[PathBuf])> {
        self.jobs
            .folders
            .iter()
            .map(|(folder, files)| (folder.as_path(), files.as_slice()))
    }

    /// The units of what was found under `paths`, each with its set's flavour: job folders
    /// first (in path order), files on their own, parameters, then the Portal exchanges.
    /// `known` may know a job folder's flavour (given its step files) from asking its folders
    /// while the walk went on: the walk's answer, since a folder it saw whole holds a
    /// `server.json` or `jobs/` exactly when it saw one there; the others are worked out here.
    pub(super) fn into_units(
        self,
        paths: &[PathBuf],
        mut known: impl FnMut(&Path, &[PathBuf]) -> Option<Flavour>,
    ) -> Result<Vec<Unit>> {
        let (walked, marked) = (self.walked_folders, self.marked_folders);
        let mut cache: Option<FlavourCache> = None;
        let mut flavour_of = |folder: &Path| {
            cache
                .get_or_insert_with(|| FlavourCache::after(&walked, &marked))
                .of(folder)
        };
        let jobs = self.jobs.sorted();
        let mut units = Vec::with_capacity(jobs.len() + self.singles.len());
        for (folder, files) in jobs {
            let flavour = match known(&folder, &files) {
                Some(flavour) => flavour,
                None => flavour_of(&folder)?,
            };
            units.push(Unit {
                flavour,
                job_folder: Some(folder),
                files,
                portal: None,
                parameter: false,
            });
        }
        for (files, parameter) in [(self.singles, false), (self.parameters, true)] {
            for file in files {
                let folder = file.parent().unwrap_or(Path::new("")).to_path_buf();
                units.push(Unit {
                    flavour: flavour_of(&folder)?,
                    job_folder: None,
                    files: vec![file],
                    portal: None,
                    parameter,
                });
            }
        }
        for path in paths.iter().filter(|path| path.is_dir()) {
            units.extend(portal_units(&path.join(EXCHANGES_DIR))?);
        }
        Ok(units)
    }
}

/// The payload files under `paths` (every `*.json` but scripts, exchange rules and hidden
/// files, and nothing under an `exchanges/` or `shapes/` folder), found by walkdir: any tree,
/// symbolic links followed (and their loops refused), every error the walk meets reported.
/// Files in a folder of `jobs/` form that job's unit, in lexical order; the files of a job's
/// (or a template's) `results/` and `inputs/` are each a parameter's unit, whatever their
/// names.
pub(super) fn walk_any(paths: &[PathBuf]) -> Result<Found> {
    let mut found = Found::default();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if meta.is_file() {
            found.file_given(path);
            continue;
        }
        let walk = WalkDir::new(path)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|entry| {
                entry.depth() == 0
                    || !skipped(
                        &entry.file_name().to_string_lossy(),
                        entry.file_type().is_dir(),
                    )
            });
        for entry in walk {
            let entry = entry.map_err(|err| {
                let at = err.path().unwrap_or(path).to_path_buf();
                Error::io(
                    at,
                    err.into_io_error()
                        .unwrap_or_else(|| std::io::Error::other("a symbolic link loops")),
                )
            })?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let (is_dir, is_file) = (entry.file_type().is_dir(), entry.file_type().is_file());
            found.entry(entry.into_path(), &name, is_dir, is_file);
        }
    }
    Ok(found)
}

/// Whether a walk passes over the entry `name` (below the path given), with all it holds:
/// hidden entries, and the `exchanges/` and `shapes/` folders.
pub(super) fn skipped(name: &str, is_dir: bool) -> bool {
    name.starts_with('.') || (is_dir && (name == EXCHANGES_DIR || name == "shapes"))
}

/// The recorded Portal exchanges of the `exchanges/` folder `dir` (if it exists): one unit per
/// exchange whose `request.json` asks a Portal resource, of its step files.
fn portal_units(dir: &Path) -> Result<Vec<Unit>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut folders: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.is_dir())
        .collect();
    folders.sort();
    let mut units = Vec::new();
    for folder in folders {
        let Ok(request) =
            read_json::<crate::fixture::exchange::RequestFile>(&folder.join(REQUEST_FILE))
        else {
            continue;
        };
        let Some(resource) = builtin::portal_resource(&request.path) else {
            continue;
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
            .map_err(|e| Error::io(&folder, e))?
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|file| {
                file.file_name().is_some_and(|name| {
                    let name = name.to_string_lossy();
                    name.ends_with(".json")
                        && !name.starts_with('.')
                        && name != SCRIPT_FILE
                        && name != REQUEST_FILE
                })
            })
            .collect();
        files.sort();
        units.push(Unit {
            flavour: flavour_of(dir.parent().unwrap_or(dir))?,
            job_folder: None,
            files,
            portal: Some(resource),
            parameter: false,
        });
    }
    Ok(units)
}

/// The job folders found and their step files, in the order found: a walk finds a folder's
/// files one after the other, so the last folder is looked at first; and finds the folders in
/// path order, so a folder after the last is a new one, and only a folder out of that order
/// needs the index (a recording's ten thousand job folders are never hashed).
#[derive(Default)]
struct JobFolders {
    folders: Vec<(PathBuf, Vec<PathBuf>)>,
    /// Where each folder is, from the first folder that came out of path order on.
    index: Option<PathMap<usize>>,
}

impl JobFolders {
    fn push(&mut self, folder: &Path, file: PathBuf) {
        if let Some((last, files)) = self.folders.last_mut()
            && same_path(last, folder)
        {
            files.push(file);
            return;
        }
        // Room for a job's steps at once.
        let mut files = Vec::with_capacity(8);
        files.push(file);
        self.push_all(folder.to_path_buf(), files);
    }

    /// Each of `files`, all of `folder`, [`push`](Self::push)ed in turn.
    fn push_all(&mut self, folder: PathBuf, files: Vec<PathBuf>) {
        if let Some((last, known)) = self.folders.last_mut()
            && same_path(last, &folder)
        {
            known.extend(files);
            return;
        }
        let index = match &mut self.index {
            Some(index) => index,
            None if self
                .folders
                .last()
                .is_none_or(|(last, _)| last.as_path() < folder.as_path()) =>
            {
                self.folders.push((folder, files));
                return;
            }
            None => self.index.insert(
                self.folders
                    .iter()
                    .enumerate()
                    .map(|(at, (folder, _))| (folder.clone(), at))
                    .collect(),
            ),
        };
        match index.get(&folder) {
            Some(&at) => self.folders[at].1.extend(files),
            None => {
                index.insert(folder.clone(), self.folders.len());
                self.folders.push((folder, files));
            }
        }
    }

    /// The folders in path order (found in it, they are not sorted again).
    fn sorted(mut self) -> Vec<(PathBuf, Vec<PathBuf>)> {
        if self.index.is_some() && !self.folders.is_sorted_by(|a, b| a.0 <= b.0) {
            self.folders.sort_by(|a, b| a.0.cmp(&b.0));
        }
        self.folders
    }
}

/// The flavour of the set a folder is in (see [`flavour_of`]), each folder looked at once.
#[derive(Default)]
struct FlavourCache {
    /// Per folder: the flavour its `server.json` names, and whether it holds `jobs/`.
    looked_at: PathMap<(Option<Flavour>, bool)>,
}

impl FlavourCache {
    fn of(&mut self, folder: &Path) -> Result<Flavour> {
        flavour_through(folder, |dir| match self.looked_at.get(dir) {
            Some(seen) => Ok(*seen),
            None => {
                let seen = look_at(dir)?;
                self.looked_at.insert(dir.to_path_buf(), seen);
                Ok(seen)
            }
        })
    }

    /// A cache that knows, of each folder a walk saw whole (`walked`) but for those it saw a
    /// `server.json` or a `jobs` entry in (`marked`), that it says nothing: not asked again.
    fn after(walked: &[PathBuf], marked: &PathSet) -> FlavourCache {
        let mut cache = FlavourCache::default();
        for folder in walked.iter().filter(|folder| !marked.contains(*folder)) {
            cache.looked_at.insert(folder.clone(), (None, false));
        }
        cache
    }
}

/// The flavour of the fixture set `folder` is in: the `server.json` of the nearest of `folder`
/// and the two above it (a job folder's set is two up) that holds one, looking no further than
/// a folder that holds `jobs/` (a set's root); Notebook Server when none says otherwise.
pub fn flavour_of(folder: &Path) -> Result<Flavour> {
    flavour_through(folder, look_at)
}

/// [`flavour_of`], each folder looked at through `look`.
pub(super) fn flavour_through<E>(
    folder: &Path,
    mut look: impl FnMut(&Path) -> std::result::Result<(Option<Flavour>, bool), E>,
) -> std::result::Result<Flavour, E> {
    for dir in folder.ancestors().take(3) {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        match look(dir)? {
            (Some(flavour), _) => return Ok(flavour),
            (None, true) => break,
            (None, false) => {}
        }
    }
    Ok(Flavour::default())
}

/// The flavour `dir`'s `server.json` names, and whether `dir` holds `jobs/`.
pub(super) fn look_at(dir: &Path) -> Result<(Option<Flavour>, bool)> {
    Ok(match server_file::read(dir)? {
        Some(flavour) => (Some(flavour), false),
        None => (None, dir.join(JOBS_DIR).is_dir()),
    })
}

/// What the files of a folder are by where the folder is: a web tool's job parameters, or the
/// steps of a job.
pub(super) struct Place {
    parameters: bool,
    job_folder: Option<PathBuf>,
}

impl Place {
    /// The place of the files whose `parent()` is `folder`.
    pub(super) fn of(folder: &Path) -> Place {
        let in_jobs = folder
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|name| name == JOBS_DIR);
        Place {
            parameters: is_parameter_folder(folder),
            job_folder: in_jobs.then(|| folder.to_path_buf()),
        }
    }
}

/// Whether `file` is a web tool's job parameter: in the `results/` or `inputs/` folder of a job
/// folder (in `jobs/`) or of a template (in `templates/`).
fn is_parameter_file(file: &Path) -> bool {
    file.parent().is_some_and(is_parameter_folder)
}

/// Whether the files of `kind` are parameters (see [`is_parameter_file`]).
fn is_parameter_folder(kind: &Path) -> bool {
    let is_kind = kind.file_name().is_some_and(|name| {
        crate::api::webtool::ParamKind::parse(&name.to_string_lossy()).is_some()
    });
    let holder = kind
        .parent()
        .and_then(Path::parent)
        .and_then(Path::file_name);
    is_kind && holder.is_some_and(|name| name == JOBS_DIR || name == TEMPLATES_DIR)
}

/// The job folder of a step file: its folder, when that is in a `jobs/` folder.
fn job_folder_of(file: &Path) -> Option<PathBuf> {
    Place::of(file.parent()?).job_folder
}

/// Whether two paths are the same path: byte for byte (the walk's paths, most often), else
/// component by component as `Path`'s `==` has it.
fn same_path(a: &Path, b: &Path) -> bool {
    a.as_os_str() == b.as_os_str() || a == b
}
