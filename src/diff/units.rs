//! What `diff` checks: the payload files under the paths given, grouped into units (the steps
//! of one job folder, a Portal exchange, a web tool's job parameter, or a file on its own), each
//! with its set's flavour.

use std::collections::{BTreeMap, HashMap};
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
    let mut jobs: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    let mut singles = Vec::new();
    let mut parameters = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if meta.is_file() && is_parameter_file(path) {
            parameters.push(path.clone());
            continue;
        }
        if meta.is_file() {
            // A step file named on its own still belongs to its job folder, if it has one.
            match job_folder_of(path) {
                Some(folder) => jobs.entry(folder).or_default().push(path.clone()),
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
            if is_server_file && job_folder_of(&file).is_none() {
                continue;
            }
            match job_folder_of(&file) {
                Some(folder) => jobs.entry(folder).or_default().push(file),
                None => singles.push(file),
            }
        }
    }
    let mut flavours = FlavourCache::default();
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

/// The flavour of the set `folder` is in (see [`flavour_of`]), each folder read once.
#[derive(Default)]
struct FlavourCache {
    by_folder: HashMap<PathBuf, Flavour>,
}

impl FlavourCache {
    fn of(&mut self, folder: &Path) -> Result<Flavour> {
        if let Some(flavour) = self.by_folder.get(folder) {
            return Ok(*flavour);
        }
        let flavour = flavour_of(folder)?;
        self.by_folder.insert(folder.to_path_buf(), flavour);
        Ok(flavour)
    }
}

/// The flavour of the fixture set `folder` is in: the `server.json` of the nearest of `folder`
/// and the two above it (a job folder's set is two up) that holds one, looking no further than
/// a folder that holds `jobs/` (a set's root); Notebook Server when none says otherwise.
pub fn flavour_of(folder: &Path) -> Result<Flavour> {
    for dir in folder.ancestors().take(3) {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if let Some(flavour) = server_file::read(dir)? {
            return Ok(flavour);
        }
        if dir.join(JOBS_DIR).is_dir() {
            break;
        }
    }
    Ok(Flavour::default())
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
