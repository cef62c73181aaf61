//! What `diff` checks: the payload files under the paths given, grouped into units (the steps
//! of one job folder, a Portal exchange, a web tool's job parameter, or a file on its own), each
//! with its set's flavour.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::api::Flavour;
use crate::error::{Error, Result};
use crate::fixture::exchange::REQUEST_FILE;
use crate::fixture::script::SCRIPT_FILE;
use crate::fixture::server::{self as server_file, SERVER_FILE};
use crate::fixture::{EXCHANGES_DIR, JOBS_DIR, TEMPLATES_DIR, read_json};
use crate::shape::builtin::{self};

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

/// The payload files under `paths`: every `*.json` but scripts, exchange rules and hidden
/// files, and nothing under an `exchanges/` or `shapes/` folder. Files in a folder of `jobs/`
/// form that job's unit, in lexical order; the files of a job's (or a template's) `results/`
/// and `inputs/` are each a parameter's unit, whatever their names.
pub fn find_units(paths: &[PathBuf]) -> Result<Vec<Unit>> {
    let mut jobs = JobFolders::default();
    let mut singles = Vec::new();
    let mut parameters = Vec::new();
    let mut flavours = FlavourCache::default();
    // Folders the walk saw a `server.json` or a `jobs` entry in: any other folder it walked
    // whole says nothing of its set's flavour, and is not asked again (two calls per job
    // folder saved, on a set of ten thousand).
    let mut walked_folders: Vec<PathBuf> = Vec::new();
    let mut marked_folders: HashSet<PathBuf> = HashSet::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if meta.is_file() && is_parameter_file(path) {
            parameters.push(path.clone());
            continue;
        }
        if meta.is_file() {
            // A step file named on its own still belongs to its job folder, if it has one.
            match job_folder_of(path) {
                Some(folder) => jobs.push(folder, path.clone()),
                None => singles.push(path.clone()),
            }
            continue;
        }
        let walk = WalkDir::new(path)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|entry| {
                let name = entry.file_name().to_string_lossy();
                entry.depth() == 0
                    || !(name.starts_with('.')
                        || (entry.file_type().is_dir()
                            && (name == EXCHANGES_DIR || name == "shapes")))
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
            let name = entry.file_name().to_string_lossy();
            if entry.file_type().is_dir() {
                walked_folders.push(entry.path().to_path_buf());
            }
            if (name == SERVER_FILE || name == JOBS_DIR)
                && let Some(parent) = entry.path().parent()
            {
                marked_folders.insert(parent.to_path_buf());
            }
            if entry.file_type().is_file()
                && name.ends_with(".json")
                && is_parameter_file(entry.path())
            {
                parameters.push(entry.into_path());
                continue;
            }
            if !entry.file_type().is_file()
                || !name.ends_with(".json")
                || name == SCRIPT_FILE
                || name == REQUEST_FILE
                || name == crate::redact::summary::SUMMARY_FILE
                || name == crate::fixture::provenance::RECORDING_FILE
            {
                continue;
            }
            // A set's server.json says where its payloads come from; it is not one of them.
            let is_server_file = name == SERVER_FILE;
            let file = entry.into_path();
            match job_folder_of(&file) {
                Some(folder) => jobs.push(folder, file),
                None if is_server_file => {}
                None => singles.push(file),
            }
        }
    }
    for folder in walked_folders {
        if !marked_folders.contains(&folder) {
            flavours.says_nothing(folder);
        }
    }
    let jobs = jobs.sorted();
    let mut units = Vec::with_capacity(jobs.len() + singles.len());
    for (folder, files) in jobs {
        units.push(Unit {
            flavour: flavours.of(&folder)?,
            job_folder: Some(folder),
            files,
            portal: None,
            parameter: false,
        });
    }
    for file in singles {
        let folder = file.parent().unwrap_or(Path::new("")).to_path_buf();
        units.push(Unit {
            flavour: flavours.of(&folder)?,
            job_folder: None,
            files: vec![file],
            portal: None,
            parameter: false,
        });
    }
    for file in parameters {
        let folder = file.parent().unwrap_or(Path::new("")).to_path_buf();
        units.push(Unit {
            flavour: flavours.of(&folder)?,
            job_folder: None,
            files: vec![file],
            portal: None,
            parameter: true,
        });
    }
    for path in paths.iter().filter(|path| path.is_dir()) {
        units.extend(portal_units(&path.join(EXCHANGES_DIR))?);
    }
    Ok(units)
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
/// files one after the other, so the last folder is looked at before the index.
#[derive(Default)]
struct JobFolders {
    folders: Vec<(PathBuf, Vec<PathBuf>)>,
    index: HashMap<PathBuf, usize>,
}

impl JobFolders {
    fn push(&mut self, folder: PathBuf, file: PathBuf) {
        if let Some((last, files)) = self.folders.last_mut()
            && *last == folder
        {
            files.push(file);
            return;
        }
        match self.index.get(&folder) {
            Some(&at) => self.folders[at].1.push(file),
            None => {
                self.index.insert(folder.clone(), self.folders.len());
                self.folders.push((folder, vec![file]));
            }
        }
    }

    /// The folders in path order (a sorted walk found them in it already: then not sorted again).
    fn sorted(mut self) -> Vec<(PathBuf, Vec<PathBuf>)> {
        if !self.folders.is_sorted_by(|a, b| a.0 <= b.0) {
            self.folders.sort_by(|a, b| a.0.cmp(&b.0));
        }
        self.folders
    }
}

/// The flavour of the set a folder is in (see [`flavour_of`]), each folder looked at once.
#[derive(Default)]
struct FlavourCache {
    /// Per folder: the flavour its `server.json` names, and whether it holds `jobs/`.
    looked_at: HashMap<PathBuf, (Option<Flavour>, bool)>,
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

    /// `folder` holds neither a `server.json` nor `jobs/` (the walk saw all it holds).
    fn says_nothing(&mut self, folder: PathBuf) {
        self.looked_at.insert(folder, (None, false));
    }
}

/// The flavour of the fixture set `folder` is in: the `server.json` of the nearest of `folder`
/// and the two above it (a job folder's set is two up) that holds one, looking no further than
/// a folder that holds `jobs/` (a set's root); Notebook Server when none says otherwise.
pub fn flavour_of(folder: &Path) -> Result<Flavour> {
    flavour_through(folder, look_at)
}

/// [`flavour_of`], each folder looked at through `look`.
fn flavour_through(
    folder: &Path,
    mut look: impl FnMut(&Path) -> Result<(Option<Flavour>, bool)>,
) -> Result<Flavour> {
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
fn look_at(dir: &Path) -> Result<(Option<Flavour>, bool)> {
    Ok(match server_file::read(dir)? {
        Some(flavour) => (Some(flavour), false),
        None => (None, dir.join(JOBS_DIR).is_dir()),
    })
}

/// Whether `file` is a web tool's job parameter: in the `results/` or `inputs/` folder of a job
/// folder (in `jobs/`) or of a template (in `templates/`).
fn is_parameter_file(file: &Path) -> bool {
    let Some(kind) = file.parent() else {
        return false;
    };
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
    let folder = file.parent()?;
    (folder.parent()?.file_name()? == JOBS_DIR).then(|| folder.to_path_buf())
}
