//! One unit checked: each payload against the shape of its job type (or its Portal resource, or
//! a web tool's parameter), then the unit's steps as a sequence.

use std::path::PathBuf;

use serde_json::Value;

use crate::api::Flavour;
use crate::error::Result;
use crate::fixture::read_json;
use crate::shape::builtin::{self, ErrorApi};
use crate::shape::{Finding, FindingKind};

use super::checked::{Checked, portal_shape};
use super::{Shapes, Unit, sequence, webtool};

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
pub fn check_unit(unit: &Unit, shapes: &Shapes) -> Result<Vec<Checked>> {
    let mut checked = Vec::with_capacity(unit.files.len());
    for file in &unit.files {
        let payload: Value = read_json(file)?;
        checked.push(match unit.portal {
            Some(resource) => check_portal(file.clone(), payload, resource, unit.flavour),
            None if unit.parameter => webtool::check_parameter(file.clone(), payload, unit.flavour),
            None => check_payload(file.clone(), payload, shapes, unit.flavour),
        });
    }
    if unit.portal.is_some() || unit.parameter {
        return Ok(checked);
    }
    sequence::check(unit.job_folder.as_deref(), &mut checked);
    if let Some(folder) = &unit.job_folder {
        webtool::check_job(folder, &mut checked);
    }
    Ok(checked)
}
