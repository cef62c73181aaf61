//! The checks of a web tool's job that its shape cannot say, because they look beyond one
//! payload: each parameter a step lists names itself (`"out_count": {"paramUrl":
//! "results/out_count"}`), each result a step lists has its file in the job folder to answer it
//! (`results/out_count.json`, or `.NNN.json` from a step on), and each parameter file
//! (`results/<param>.json`) is the parameter of its name. A client reads a result through its
//! `paramUrl`: a result that names another, or has no file, is one replay cannot give it.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use super::Checked;
use crate::api::Flavour;
use crate::api::webtool::ParamKind;
use crate::shape::builtin::{self, ErrorApi};
use crate::shape::{Finding, FindingKind};

/// Checks a parameter file (`jobs/<jobId>/results/<param>.json`): against the GP parameter
/// shape, and its `paramName` against its file's name. A recorded error answer is checked as
/// any error answer.
pub fn check_parameter(file: std::path::PathBuf, payload: Value, flavour: Flavour) -> Checked {
    if let Some(api) = ErrorApi::of(&payload) {
        return Checked::error_answer(file, payload, api, flavour);
    }
    let mut findings = builtin::gp_parameter_shape().check(&payload);
    if let (Some(name), Some(said)) = (
        parameter_name(&file),
        payload.get("paramName").and_then(Value::as_str),
    ) && name != said
    {
        findings.push(Finding {
            kind: FindingKind::ParameterMismatch,
            path: "paramName".to_string(),
            expected: format!("{name:?}, the name of its file"),
            found: format!("{said:?}"),
        });
    }
    Checked {
        file,
        payload,
        job_type: Some(builtin::GP_PARAMETER.to_string()),
        flavour,
        error: None,
        findings,
    }
}

/// The parameter a file answers: its name without `.json` and a step number (`out_count.002`
/// answers `out_count` from step 002 on).
pub fn parameter_name(file: &Path) -> Option<String> {
    let name = file.file_name()?.to_string_lossy();
    let stem = name.strip_suffix(".json")?;
    let stem = match stem.rsplit_once('.') {
        // Steps are numbered as their files are: three digits or more (`002`).
        Some((param, step)) if step.len() >= 3 && step.bytes().all(|b| b.is_ascii_digit()) => param,
        _ => stem,
    };
    (!stem.is_empty()).then(|| stem.to_string())
}

/// Adds the parameter findings to the web-tool steps of the job in `folder`: a `paramUrl` that
/// is not `<kind>/<param>`, and (once per result) a result with no file under `results/`.
pub fn check_job(folder: &Path, steps: &mut [Checked]) {
    // Listed only for a web tool's job: a notebook job's folder is not read again.
    if !steps
        .iter()
        .any(|step| step.job_type.as_deref() == Some(builtin::GP_JOB))
    {
        return;
    }
    let files = parameter_files(&folder.join(ParamKind::Results.as_str()));
    let mut reported: BTreeSet<String> = BTreeSet::new();
    for step in steps
        .iter_mut()
        .filter(|step| step.job_type.as_deref() == Some(builtin::GP_JOB))
    {
        for kind in [ParamKind::Results, ParamKind::Inputs] {
            let Some(listed) = step.payload.get(kind.as_str()).and_then(Value::as_object) else {
                continue;
            };
            for (param, entry) in listed {
                let own = format!("{}/{param}", kind.as_str());
                let path = format!("{}.{param}", kind.as_str());
                if let Some(url) = entry.get("paramUrl").and_then(Value::as_str)
                    && url != own
                {
                    step.findings.push(Finding {
                        kind: FindingKind::ParameterMismatch,
                        path: format!("{path}.paramUrl"),
                        expected: format!("{own:?}, the parameter's own path"),
                        found: format!("{url:?}"),
                    });
                }
                if kind == ParamKind::Results
                    && !files.contains(param)
                    && reported.insert(param.clone())
                {
                    step.findings.push(Finding {
                        kind: FindingKind::ParameterMismatch,
                        path,
                        expected: format!(
                            "a file to answer it: {}/results/{param}.json",
                            folder.display()
                        ),
                        found: "no such file".to_string(),
                    });
                }
            }
        }
    }
}

/// The parameters the files of `dir` answer (none when it is missing).
fn parameter_files(dir: &Path) -> BTreeSet<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeSet::new();
    };
    entries
        .filter_map(|entry| entry.ok())
        .filter(|entry| !entry.file_name().to_string_lossy().starts_with('.'))
        .filter_map(|entry| parameter_name(&entry.path()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parameter_file_names_its_parameter() {
        let name = |file: &str| parameter_name(Path::new(file));
        assert_eq!(
            name("jobs/j1/results/out_count.json").as_deref(),
            Some("out_count")
        );
        assert_eq!(
            name("results/out_count.002.json").as_deref(),
            Some("out_count")
        );
        assert_eq!(name("results/v1.5.json").as_deref(), Some("v1.5"));
        assert_eq!(name("results/.json"), None);
        assert_eq!(name("results/notes.txt"), None);
    }
}
