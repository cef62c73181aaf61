//! One unit checked: each payload against the shape of its job type (or its Portal resource, or
//! a web tool's parameter), then the unit's steps as a sequence.

use std::cell::RefCell;
use std::io::Read as _;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::api::Flavour;
use crate::error::{Error, Result};
use crate::fixture::read_json;
use crate::shape::builtin::{self, ErrorApi};
use crate::shape::{Finding, FindingKind};

use super::checked::{Checked, portal_shape};
use super::light::{self, Light};
use super::sequence::{self, Step};
use super::{Shapes, Unit, webtool};

/// Whether `payload` is an error answer (either ArcGIS shape) rather than a job: recordings keep
/// those as they came, and they are checked against the error shapes, not a job type's.
pub fn is_error_answer(payload: &Value) -> bool {
    ErrorApi::of(payload).is_some()
}

/// Checks one payload against its shape: an error answer against its API's error shape, a job
/// against the shape of its `type`. The sequence checks come after, over a job's steps.
pub fn check_payload(file: PathBuf, payload: Value, shapes: &Shapes, flavour: Flavour) -> Checked {
    if let Some(api) = ErrorApi::of(&payload) {
        return Checked::error_answer(file, payload, api, flavour);
    }
    let job_type = builtin::job_type_of(&payload).map(str::to_string);
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

/// Reads and checks the files of `unit`: each against its shape, then a job's steps as a
/// sequence.
///
/// A job's steps are read into one buffer the thread keeps from unit to unit, and each is
/// first asked whether it matches its shape ([`light::clean`]) without being made a `Value`;
/// only a step that does not, or has findings once the sequence is checked, or a web tool's
/// (whose parameters are checked on its `Value`), is made one. A step found clean keeps no
/// payload (`Value::Null`): no report reads it.
pub fn check_unit(unit: &Unit, shapes: &Shapes) -> Result<Vec<Checked>> {
    if unit.portal.is_some() || unit.parameter {
        let mut checked = Vec::with_capacity(unit.files.len());
        for file in &unit.files {
            let payload: Value = read_json(file)?;
            checked.push(match unit.portal {
                Some(resource) => check_portal(file.clone(), payload, resource, unit.flavour),
                None => webtool::check_parameter(file.clone(), payload, unit.flavour),
            });
        }
        return Ok(checked);
    }
    check_job(
        unit.job_folder.as_deref(),
        &unit.files,
        unit.flavour,
        shapes,
    )
}

/// [`check_unit`] of a job folder's (or a file's own) unit, its parts given: `files` the steps
/// of `folder` (or a file with no job folder), checked against the shapes of `flavour`.
pub(super) fn check_job(
    folder: Option<&Path>,
    files: &[PathBuf],
    flavour: Flavour,
    shapes: &Shapes,
) -> Result<Vec<Checked>> {
    BUFFER.with_borrow_mut(|buffer| check_steps(folder, files, flavour, shapes, buffer))
}

thread_local! {
    /// The text of the unit being checked, kept for the next: zeroed once as it grows, never
    /// allocated again per file.
    static BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

fn check_steps(
    folder: Option<&Path>,
    files: &[PathBuf],
    flavour: Flavour,
    shapes: &Shapes,
    buffer: &mut Vec<u8>,
) -> Result<Vec<Checked>> {
    let texts = read_all(files, buffer);
    let buffer = &*buffer;
    let mut checked = Vec::with_capacity(files.len());
    let mut lights: Vec<Option<Light>> = Vec::with_capacity(files.len());
    for (file, range) in files.iter().zip(texts) {
        let Some(text) = range.map(|range| &buffer[range]) else {
            // Not read whole at once (larger than a first read, or the read failed): read
            // as any fixture file is, for its content or its error.
            let payload: Value = read_json(file)?;
            checked.push(check_payload(file.clone(), payload, shapes, flavour));
            lights.push(None);
            continue;
        };
        let light = Light::parse(text);
        match light
            .as_ref()
            .and_then(|light| clean_step(file, light, shapes, flavour))
        {
            Some(clean) => {
                checked.push(clean);
                lights.push(light);
            }
            None => {
                let payload = match light {
                    Some(light) => light.to_value(),
                    None => parse(file, text)?,
                };
                checked.push(check_payload(file.clone(), payload, shapes, flavour));
                lights.push(None);
            }
        }
    }
    let steps: Vec<_> = checked
        .iter()
        .zip(&lights)
        .map(|(step, light)| {
            let read = match light {
                Some(light) => light.step(),
                None => Step::of(&step.payload),
            };
            step.error.is_none().then_some((read, step.flavour))
        })
        .collect();
    let found = sequence::findings(folder, &steps);
    drop(steps);
    for (step, found) in checked.iter_mut().zip(found) {
        step.findings.extend(found);
    }
    // The payloads a check or the report reads: a web tool's steps, and any with a finding.
    let wanted = |step: &Checked| {
        !step.findings.is_empty() || step.job_type.as_deref() == Some(builtin::GP_JOB)
    };
    for (step, light) in checked.iter_mut().zip(&mut lights) {
        if wanted(step)
            && let Some(light) = light.take()
        {
            step.payload = light.to_value();
        }
    }
    if let Some(folder) = folder {
        webtool::check_job(folder, &mut checked);
    }
    // A web tool's parameter finding is the only one added after the above.
    for (step, light) in checked.iter_mut().zip(lights) {
        if let Some(light) = light
            && !step.findings.is_empty()
        {
            step.payload = light.to_value();
        }
    }
    Ok(checked)
}

/// A step that matches its job type's shape, checked without a `Value`: `None` when it does not
/// (or is an error answer, or has no shape), for [`check_payload`] to say how.
fn clean_step(file: &Path, light: &Light, shapes: &Shapes, flavour: Flavour) -> Option<Checked> {
    if light.is_error_answer() {
        return None;
    }
    let job_type = light.job_type()?;
    let shape = shapes.get(job_type)?;
    light::clean(shape, light).then(|| Checked {
        file: file.to_path_buf(),
        payload: Value::Null,
        job_type: Some(job_type.to_string()),
        flavour,
        error: None,
        findings: Vec::new(),
    })
}

/// `file`'s text as a `Value`, or the error `read_json` gives.
fn parse(file: &Path, text: &[u8]) -> Result<Value> {
    serde_json::from_slice(text).map_err(|source| Error::json(file, text, source))
}

/// What a first read asks for: a step file is a few kilobytes, and one read takes it whole.
const FIRST_READ: usize = 16 * 1024;

/// Each of `files` read into `buffer` one after the other, with where its text is: `None` for
/// a file one read did not take whole (or that could not be read), to be read as fixture files
/// are. Each is a regular file (the walk says so): a read short of what was asked is its end,
/// as `util::read::regular_file_at_most` has it.
fn read_all(files: &[PathBuf], buffer: &mut Vec<u8>) -> Vec<Option<Range<usize>>> {
    let mut end = 0;
    files
        .iter()
        .map(|file| {
            let range = read_once(file, buffer, end)?;
            end = range.end;
            Some(range)
        })
        .collect()
}

fn read_once(path: &Path, buffer: &mut Vec<u8>, at: usize) -> Option<Range<usize>> {
    if buffer.len() < at + FIRST_READ {
        buffer.resize(at + FIRST_READ, 0);
    }
    let mut file = std::fs::File::open(path).ok()?;
    let read = loop {
        match file.read(&mut buffer[at..at + FIRST_READ]) {
            Ok(read) => break read,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return None,
        }
    };
    (read < FIRST_READ).then_some(at..at + read)
}
