//! `jobmock diff`: finds the job payloads under the paths given, checks each against the shape of
//! its job type and each job's steps as a sequence, and reports the drift ([`report`]); or, with
//! `--against`, compares the shapes of two recordings ([`against`]).
//!
//! The checks themselves are the shape module's and [`sequence`]'s; this module walks the files
//! and gathers the results. Each payload is checked against the shapes of the server its set
//! comes from (the set's `server.json`, [`flavour_of`]), or of the flavour `--flavour` names.
//! [`loaded`] runs the same checks over a set replay has loaded.

pub mod against;
pub mod loaded;
pub mod report;
pub mod sequence;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde_json::Value;
use walkdir::WalkDir;

use crate::api::Flavour;
use crate::error::{Error, Result};
use crate::fixture::exchange::REQUEST_FILE;
use crate::fixture::script::SCRIPT_FILE;
use crate::fixture::server::{self as server_file, SERVER_FILE};
use crate::fixture::{EXCHANGES_DIR, JOBS_DIR, read_json};
use crate::shape::builtin::{self, ErrorApi};
use crate::shape::parse::parse;
use crate::shape::{Finding, FindingKind, Shape};

/// The extension of shape files in a `--shapes` folder; the file's stem is its job type.
pub const SHAPE_EXTENSION: &str = "shape";

/// The shapes to check against, by job type.
pub type Shapes = BTreeMap<String, Shape>;

/// The shapes of each flavour a check needs.
pub type ShapeSets = BTreeMap<Flavour, Shapes>;

/// The built-in shapes, with those of `dir` (one `<type>.shape` per job type) added or put in
/// their place.
pub fn load_shapes(dir: Option<&Path>) -> Result<Shapes> {
    load_shapes_for(Flavour::default(), dir)
}

/// The built-in shapes of `flavour`, with those of `dir` added or put in their place.
pub fn load_shapes_for(flavour: Flavour, dir: Option<&Path>) -> Result<Shapes> {
    let mut shapes = Shapes::new();
    for (job_type, text) in builtin::for_flavour(flavour) {
        let shape = parse(text).expect("the built-in shapes parse (a unit test checks it)");
        shapes.insert(job_type.to_string(), shape);
    }
    let Some(dir) = dir else { return Ok(shapes) };
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            !path
                .file_name()
                .is_some_and(|name| name.to_string_lossy().starts_with('.'))
        })
        .collect();
    paths.sort();
    for path in paths {
        if path
            .extension()
            .is_none_or(|extension| extension != SHAPE_EXTENSION)
        {
            return Err(Error::fixture(
                &path,
                "is not a shape file",
                format!(
                    "a --shapes folder holds one <jobType>.{SHAPE_EXTENSION} per job type, such as openNotebook.{SHAPE_EXTENSION}"
                ),
            ));
        }
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let shape = parse(&text).map_err(|err| Error::Shape {
            path: path.clone(),
            line: err.line,
            column: err.column,
            message: err.message,
        })?;
        let job_type = path
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_default();
        shapes.insert(job_type, shape);
    }
    Ok(shapes)
}

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
}

/// The payload files under `paths`: every `*.json` but scripts, exchange rules and hidden
/// files, and nothing under an `exchanges/` or `shapes/` folder. Files in a folder of `jobs/`
/// form that job's unit, in lexical order.
pub fn find_units(paths: &[PathBuf]) -> Result<Vec<Unit>> {
    let mut jobs: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    let mut singles = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
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
            if !entry.file_type().is_file()
                || !name.ends_with(".json")
                || name == SCRIPT_FILE
                || name == REQUEST_FILE
                || name == crate::redact::summary::SUMMARY_FILE
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
        });
    }
    for file in singles {
        let folder = file.parent().unwrap_or(Path::new("")).to_path_buf();
        units.push(Unit {
            flavour: flavours.of(&folder)?,
            job_folder: None,
            files: vec![file],
            portal: None,
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

/// The job folder of a step file: its folder, when that is in a `jobs/` folder.
fn job_folder_of(file: &Path) -> Option<PathBuf> {
    let folder = file.parent()?;
    (folder.parent()?.file_name()? == JOBS_DIR).then(|| folder.to_path_buf())
}

/// One payload file and what was found in it.
#[derive(Debug)]
pub struct Checked {
    pub file: PathBuf,
    pub payload: Value,
    /// The job type whose shape applied, if one did.
    pub job_type: Option<String>,
    /// The flavour whose shapes applied.
    pub flavour: Flavour,
    /// The API whose error answer this is, for a recorded error rather than a job: checked
    /// against that API's error shape, and left out of the sequence checks.
    pub error: Option<ErrorApi>,
    pub findings: Vec<Finding>,
}

impl Checked {
    /// The shape this payload was checked against, if any: its API's error shape, or its job
    /// type's.
    pub fn expected<'a>(&self, shapes: &'a Shapes) -> Option<&'a Shape> {
        match self.error {
            Some(api) => Some(api.shape()),
            None => self.job_type.as_deref().and_then(|t| {
                shapes.get(t).or_else(|| {
                    builtin::PORTAL
                        .iter()
                        .any(|(name, _)| *name == t)
                        .then(|| portal_shape(t))
                })
            }),
        }
    }
}

/// Whether `payload` is an error answer (either ArcGIS shape) rather than a job: recordings keep
/// those as they came, and they are checked against the error shapes, not a job type's.
pub fn is_error_answer(payload: &Value) -> bool {
    ErrorApi::of(payload).is_some()
}

/// Checks one payload against its shape: an error answer against its API's error shape, a job
/// against the shape of its `type`. The sequence checks come after, over a job's steps.
pub fn check_payload(file: PathBuf, payload: Value, shapes: &Shapes, flavour: Flavour) -> Checked {
    if let Some(api) = ErrorApi::of(&payload) {
        let findings = api.shape().check(&payload);
        return Checked {
            file,
            payload,
            job_type: None,
            flavour,
            error: Some(api),
            findings,
        };
    }
    let job_type = payload
        .get("type")
        .and_then(Value::as_str)
        .map(str::to_string);
    let mut findings = Vec::new();
    match job_type
        .as_deref()
        .and_then(|job_type| shapes.get(job_type))
    {
        Some(shape) => findings.extend(shape.check(&payload)),
        None => findings.push(Finding {
            kind: FindingKind::NoShape,
            path: "type".to_string(),
            expected: format!(
                "a job type with a shape: {}",
                shapes.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
            found: job_type
                .as_deref()
                .map_or("no type".to_string(), |t| format!("{t:?}")),
        }),
    }
    let has_shape = job_type.as_deref().is_some_and(|t| shapes.contains_key(t));
    Checked {
        file,
        payload,
        job_type: job_type.filter(|_| has_shape),
        flavour,
        error: None,
        findings,
    }
}

/// Checks a recorded Portal answer against its resource's shape: the fields clients read must
/// be there, with the kinds a Portal gives them; the fields a Portal version adds that the
/// shape does not list are not drift. A recorded error answer is checked as any error answer.
fn check_portal(
    file: PathBuf,
    payload: Value,
    resource: &'static str,
    flavour: Flavour,
) -> Checked {
    if ErrorApi::of(&payload).is_some() {
        return check_payload(file, payload, &Shapes::new(), flavour);
    }
    let findings = portal_shape(resource)
        .check(&payload)
        .into_iter()
        .filter(|finding| finding.kind != FindingKind::UnexpectedField)
        .collect();
    Checked {
        file,
        payload,
        job_type: Some(resource.to_string()),
        flavour,
        error: None,
        findings,
    }
}

/// The built-in shape of a Portal resource, parsed once.
pub fn portal_shape(resource: &str) -> &'static Shape {
    static SHAPES: std::sync::OnceLock<BTreeMap<&'static str, Shape>> = std::sync::OnceLock::new();
    let shapes = SHAPES.get_or_init(|| {
        builtin::PORTAL
            .iter()
            .map(|(name, text)| {
                (
                    *name,
                    parse(text).expect("the Portal shapes parse (tested)"),
                )
            })
            .collect()
    });
    &shapes[resource]
}

/// Reads and checks the files of `unit`: each against its shape, then a job's steps as a
/// sequence.
pub fn check_unit(unit: &Unit, shapes: &Shapes) -> Result<Vec<Checked>> {
    let mut checked = Vec::with_capacity(unit.files.len());
    for file in &unit.files {
        let payload: Value = read_json(file)?;
        checked.push(match unit.portal {
            Some(resource) => check_portal(file.clone(), payload, resource, unit.flavour),
            None => check_payload(file.clone(), payload, shapes, unit.flavour),
        });
    }
    if unit.portal.is_some() {
        return Ok(checked);
    }
    sequence::check(unit.job_folder.as_deref(), &mut checked);
    Ok(checked)
}

/// How `diff` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Text { colour: bool },
    Json,
}

/// `jobmock diff`: checks every payload under `paths` against the shapes of its set's flavour
/// (or of `flavour`, when given), the built-in ones with those of `shapes_dir` added; prints the
/// report on stdout. Returns whether there was drift.
pub fn run(
    paths: &[PathBuf],
    shapes_dir: Option<&Path>,
    flavour: Option<Flavour>,
    output: Output,
    progress: bool,
) -> Result<bool> {
    let mut units = find_units(paths)?;
    if let Some(flavour) = flavour {
        for unit in &mut units {
            unit.flavour = flavour;
        }
    }
    let mut shapes = ShapeSets::new();
    for unit in &units {
        if let std::collections::btree_map::Entry::Vacant(entry) = shapes.entry(unit.flavour) {
            entry.insert(load_shapes_for(unit.flavour, shapes_dir)?);
        }
    }

    let files: usize = units.iter().map(|unit| unit.files.len()).sum();
    let bar = (progress && files >= PROGRESS_FROM).then(|| {
        let bar = indicatif::ProgressBar::new(files as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} payloads {msg}")
                .expect("the template is valid"),
        );
        bar
    });
    let checked = check_all(&units, &shapes, bar.as_ref())?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let jobs = units
        .iter()
        .filter(|unit| unit.job_folder.is_some())
        .count();
    let totals = report::Totals::of(&checked, jobs);
    let printed = match output {
        Output::Text { colour } => report::text(&checked, &shapes, totals, colour),
        Output::Json => report::json(&checked, totals),
    };
    crate::output::print(printed)?;
    Ok(totals.findings > 0)
}

/// Below this many files no progress bar is drawn: the check is over before it would show.
const PROGRESS_FROM: usize = 2000;

/// Checks every unit, on as many threads as the machine has cores: each unit is independent, and
/// a large recording is thousands of them.
fn check_all(
    units: &[Unit],
    shapes: &ShapeSets,
    bar: Option<&indicatif::ProgressBar>,
) -> Result<Vec<Checked>> {
    crate::parallel::try_map(units, 1, |unit| {
        let checked = check_unit(unit, &shapes[&unit.flavour])?;
        if let Some(bar) = bar {
            bar.inc(unit.files.len() as u64);
        }
        Ok(checked)
    })
}

/// `jobmock diff --against OTHER PATH…`: prints what changed in the payloads' shapes from
/// `other` to `paths`. Returns whether anything did (a status reached on one side only too).
pub fn run_against(other: &Path, paths: &[PathBuf], output: Output) -> Result<bool> {
    let before = read_payload_files(&[other.to_path_buf()])?;
    let after = read_payload_files(paths)?;
    let before = against::field_kinds(&before);
    let after = against::field_kinds(&after);
    let changes = against::compare(&before, &after);
    let unmatched = against::unmatched(&before, &after);
    let totals = against::Totals::of(&before, &after, &changes);
    let printed = match output {
        Output::Text { colour } => against::text(&changes, &unmatched, totals, colour),
        Output::Json => against::json(&changes, &unmatched, totals),
    };
    crate::output::print(printed)?;
    Ok(!changes.is_empty())
}

/// Every job payload under `paths` (error answers left out), in file order.
pub fn read_payloads(paths: &[PathBuf]) -> Result<Vec<Value>> {
    Ok(read_payload_files(paths)?
        .into_iter()
        .map(|(_, payload)| payload)
        .collect())
}

/// Every job payload under `paths` with its file (error answers left out), in file order.
pub fn read_payload_files(paths: &[PathBuf]) -> Result<Vec<(PathBuf, Value)>> {
    let mut payloads = Vec::new();
    for unit in find_units(paths)? {
        for file in &unit.files {
            let payload: Value = read_json(file)?;
            if !is_error_answer(&payload) {
                payloads.push((file.clone(), payload));
            }
        }
    }
    Ok(payloads)
}
