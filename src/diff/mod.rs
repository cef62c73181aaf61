//! `jobmock diff`: finds the job payloads under the paths given, checks each against the shape of
//! its job type and each job's steps as a sequence, and reports the drift ([`report`]); or, with
//! `--against`, compares the shapes of two recordings ([`against`]).
//!
//! The checks themselves are the shape module's and [`sequence`]'s; this module walks the files
//! and gathers the results. Each payload is checked against the shapes of the server its set
//! comes from (the set's `server.json`, [`flavour_of`]), or of the flavour `--flavour` names.
//! [`loaded`] runs the same checks over a set replay has loaded.
//!
//! - `units`: the payload files under the paths, grouped (a job folder's steps, a Portal
//!   exchange, a file on its own), each with its set's flavour; `walk`: the walk that finds
//!   them on every core, each job folder handed to `early` to be checked as soon as it is
//!   listed (`paths`: the maps of paths the walk keeps).
//! - `check`: one unit checked against its shapes and as a sequence, into `checked`'s
//!   [`Checked`]; `light`: a payload read without a `Value`, and whether it matches its shape.
//! - [`sequence`], [`report`], [`against`], [`loaded`]: the sequence rules, the printed
//!   report, `--against`, and the checks of a loaded set; [`folders`]: `--against` of two
//!   sets, job by job and exchange by exchange; [`webtool`]: what a web tool's job's
//!   parameters must say of themselves, and their files (`results/<param>.json`).

pub mod against;
mod check;
mod checked;
mod early;
pub mod folders;
mod light;
pub mod loaded;
pub mod report;
pub mod sequence;
mod units;
mod walk;
pub mod webtool;

pub use check::{check_payload, check_unit, is_error_answer};
pub use checked::{Checked, portal_shape};
pub use units::{Unit, flavour_of};
pub use walk::find_units;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::api::Flavour;
use crate::error::{Error, Result};
use crate::fixture::read_json;
use crate::shape::Shape;
use crate::shape::builtin::{self};
use crate::shape::parse::parse;

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
    for (job_type, text) in builtin::for_flavour(flavour)
        .iter()
        .chain(builtin::EVERY_FLAVOUR)
    {
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
    // Each job folder is checked as soon as the walk has listed it, on the thread that did.
    let ahead = early::Ahead::new(flavour, shapes_dir);
    let (mut units, early) = walk::walk(paths, &|folder, files, marked| {
        ahead.check(folder, files, marked)
    })?;
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
    let checked = early::check_all(&units, early, &shapes, bar.as_ref())?;
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
    // Tens of thousands of parsed payloads: freed beside the exit rather than before it.
    std::thread::spawn(move || drop((checked, units)));
    Ok(totals.findings > 0)
}

/// Below this many files no progress bar is drawn: the check is over before it would show.
const PROGRESS_FROM: usize = 2000;

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
    // Two sets (not job folders or files) are listed folder by folder too.
    let folders = match paths {
        [path] => folders::compare(other, path)?,
        _ => None,
    };
    let printed = match output {
        Output::Text { colour } => {
            let mut text = against::text(&changes, &unmatched, totals, colour);
            if let Some(folders) = &folders {
                text.push_str(&folders::text(folders, colour));
            }
            text
        }
        Output::Json => against::json(&changes, &unmatched, totals, folders.as_ref()),
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

/// Every job payload under `paths` with its file (error answers and web tools' parameter files
/// left out), in file order.
pub fn read_payload_files(paths: &[PathBuf]) -> Result<Vec<(PathBuf, Value)>> {
    let mut payloads = Vec::new();
    for unit in find_units(paths)?
        .into_iter()
        .filter(|unit| !unit.parameter)
    {
        for file in &unit.files {
            let payload: Value = read_json(file)?;
            if !is_error_answer(&payload) {
                payloads.push((file.clone(), payload));
            }
        }
    }
    Ok(payloads)
}
