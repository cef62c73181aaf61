//! One payload file and what was found in it ([`Checked`]), which the checks fill in and the
//! report reads; and the built-in shapes of Portal resources it can be checked against.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use super::Shapes;
use crate::api::Flavour;
use crate::shape::builtin::{self, ErrorApi};
use crate::shape::parse::parse;
use crate::shape::{Finding, Shape};

/// One payload file and what was found in it.
#[derive(Debug)]
pub struct Checked {
    pub file: PathBuf,
    /// The payload, where a check or the report reads it: a file with findings, an error
    /// answer, a web tool's step. `Null` for a step [`check_unit`](super::check_unit) found
    /// clean without making it a `Value`.
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
    /// `payload`, an error answer of `api`, checked against that API's error shape (a job's or
    /// a parameter's file may hold one, as the server answered it).
    pub fn error_answer(file: PathBuf, payload: Value, api: ErrorApi, flavour: Flavour) -> Checked {
        let findings = api.shape().check(&payload);
        Checked {
            file,
            payload,
            job_type: None,
            flavour,
            error: Some(api),
            findings,
        }
    }

    /// The shape this payload was checked against, if any: its API's error shape, or its job
    /// type's.
    pub fn expected<'a>(&self, shapes: &'a Shapes) -> Option<&'a Shape> {
        match self.error {
            Some(api) => Some(api.shape()),
            None => self.job_type.as_deref().and_then(|t| {
                shapes.get(t).or_else(|| match t {
                    builtin::GP_PARAMETER => Some(builtin::gp_parameter_shape()),
                    _ => builtin::PORTAL
                        .iter()
                        .any(|(name, _)| *name == t)
                        .then(|| portal_shape(t)),
                })
            }),
        }
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
