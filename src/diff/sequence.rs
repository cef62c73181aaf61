//! Checks that look at a job's steps together: legal status transitions, progress that never
//! goes down, one job ID and type throughout (the folder's name), and time that runs forward.

use std::path::Path;

use serde_json::Value;

use super::Checked;
use crate::api::Flavour;
use crate::shape::{Finding, FindingKind};

/// Where a status stands in a job's life: a status may follow another of the same or a later
/// rank, and a final one (COMPLETED, FAILED) only itself. EXECUTING is Enterprise on
/// Kubernetes's PROCESSING; whether it belongs to a set's server is its shape's business.
/// A web tool's job has more steps to its life (`esriJobWaiting`, `esriJobCancelling`): its
/// ends rank as a notebook job's.
fn rank(status: &str) -> Option<u8> {
    match status {
        "SUBMITTED" | "esriJobNew" => Some(0),
        "esriJobSubmitted" => Some(1),
        "esriJobWaiting" => Some(2),
        "PROCESSING" | "EXECUTING" | "esriJobExecuting" => Some(3),
        "esriJobCancelling" => Some(4),
        "COMPLETED" | "FAILED" => Some(5),
        end if crate::api::webtool::FINAL.contains(&end) => Some(5),
        _ => None,
    }
}

/// The rank of a job's end.
const FINAL_RANK: u8 = 5;

/// What the sequence checks read of one step: its identity, its status (and the field it is
/// in), its times and its progress. Read from a `Value` ([`Step::of`]) or from a payload `diff`
/// has not made one of (`light::Light::step`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step<'a> {
    pub job_id: Option<&'a str>,
    pub job_type: Option<&'a str>,
    pub status: Option<&'a str>,
    /// A web tool's job says its status in `jobStatus`: findings name the field it has.
    pub status_field: &'static str,
    pub start: Option<f64>,
    pub end: Option<f64>,
    /// `customAttributes.openNotebookProgress.percent`.
    pub percent: Option<f64>,
}

impl<'a> Step<'a> {
    pub fn of(payload: &'a Value) -> Step<'a> {
        let text = |field: &str| payload.get(field).and_then(Value::as_str);
        Step {
            job_id: text("jobId"),
            job_type: text("type"),
            status: crate::shape::status_of(payload),
            status_field: crate::shape::status_field_of(payload),
            start: payload.get("startTime").and_then(Value::as_f64),
            end: payload.get("endTime").and_then(Value::as_f64),
            percent: payload
                .pointer("/customAttributes/openNotebookProgress/percent")
                .and_then(Value::as_f64),
        }
    }
}

/// Adds the sequence findings to each step of `steps` (in order); `job_folder` is the job's
/// folder when the steps are a job's.
pub fn check(job_folder: Option<&Path>, steps: &mut [Checked]) {
    // A recorded error answer (an expired token mid-job) is not a step of the job's life: it
    // has no status, ID or type to follow.
    let read: Vec<Option<(Step, Flavour)>> = steps
        .iter()
        .map(|step| {
            step.error
                .is_none()
                .then(|| (Step::of(&step.payload), step.flavour))
        })
        .collect();
    let found = findings(job_folder, &read);
    for (step, found) in steps.iter_mut().zip(found) {
        step.findings.extend(found);
    }
}

/// The sequence findings of each step of a job (`None` for a step that is not one of its life,
/// an error answer), in order; each step with the flavour whose rules apply to it.
pub fn findings(job_folder: Option<&Path>, steps: &[Option<(Step, Flavour)>]) -> Vec<Vec<Finding>> {
    let folder_name = job_folder
        .and_then(Path::file_name)
        .map(|name| name.to_string_lossy());
    let mut first_identity: Option<(Option<&str>, Option<&str>)> = None;
    let mut previous_status: Option<&str> = None;
    let mut previous_percent: Option<f64> = None;
    let mut all = Vec::with_capacity(steps.len());

    for step in steps {
        let mut findings = Vec::new();
        let Some((step, flavour)) = step else {
            all.push(findings);
            continue;
        };
        let (job_id, job_type, status) = (step.job_id, step.job_type, step.status);

        // Enterprise on Kubernetes writes `endTime: 0` for a job that has not ended (its jobs
        // list's example does).
        let not_ended = |end: f64| end == 0.0 && *flavour == Flavour::EnterpriseKubernetes;
        if let (Some(start), Some(end)) = (step.start, step.end)
            && end < start
            && !not_ended(end)
        {
            findings.push(Finding {
                kind: FindingKind::EndBeforeStart,
                path: "endTime".to_string(),
                expected: format!("not before startTime {start}"),
                found: end.to_string(),
            });
        }
        let Some(folder_name) = &folder_name else {
            all.push(findings);
            continue;
        };

        if let Some(job_id) = job_id
            && job_id != folder_name.as_ref()
        {
            findings.push(Finding {
                kind: FindingKind::FolderMismatch,
                path: "jobId".to_string(),
                expected: format!("{folder_name:?}, the name of its folder"),
                found: format!("{job_id:?}"),
            });
        }
        match &first_identity {
            None => first_identity = Some((job_id, job_type)),
            Some((first_id, first_type)) => {
                for (field, first, now) in [
                    ("jobId", first_id, &job_id),
                    ("type", first_type, &job_type),
                ] {
                    if first != now {
                        findings.push(Finding {
                            kind: FindingKind::ChangedIdentity,
                            path: field.to_string(),
                            expected: format!("{} as in the job's first step", show(first)),
                            found: show(now),
                        });
                    }
                }
            }
        }

        if let (Some(before), Some(now)) = (previous_status, status)
            && let (Some(before_rank), Some(now_rank)) = (rank(before), rank(now))
        {
            let legal = if before_rank == FINAL_RANK {
                before == now
            } else {
                now_rank >= before_rank
            };
            if !legal {
                findings.push(Finding {
                    kind: FindingKind::IllegalTransition,
                    path: step.status_field.to_string(),
                    expected: match before_rank {
                        FINAL_RANK => {
                            format!("{before} again: nothing follows {before} but itself")
                        }
                        _ => format!("{before} or a later status"),
                    },
                    found: format!("{before} -> {now}"),
                });
            }
        }
        if status.is_some() {
            previous_status = status;
        }

        let percent = step.percent;
        if let (Some(before), Some(now)) = (previous_percent, percent)
            && now < before
        {
            findings.push(Finding {
                kind: FindingKind::PercentWentDown,
                path: "customAttributes.openNotebookProgress.percent".to_string(),
                expected: format!("{before} or more, as in the step before"),
                found: now.to_string(),
            });
        }
        if percent.is_some() {
            previous_percent = percent;
        }
        all.push(findings);
    }
    all
}

fn show(value: &Option<&str>) -> String {
    value.map_or("nothing".to_string(), |v| format!("{v:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn steps(payloads: &[Value]) -> Vec<Checked> {
        payloads
            .iter()
            .enumerate()
            .map(|(index, payload)| Checked {
                file: format!("jobs/j1/{:03}.json", index + 1).into(),
                payload: payload.clone(),
                job_type: None,
                flavour: Default::default(),
                error: None,
                findings: Vec::new(),
            })
            .collect()
    }

    fn kinds(steps: &[Checked]) -> Vec<Vec<FindingKind>> {
        steps
            .iter()
            .map(|s| s.findings.iter().map(|f| f.kind).collect())
            .collect()
    }

    #[test]
    fn a_good_sequence_has_no_findings() {
        let mut good = steps(&[
            json!({"jobId": "j1", "type": "t", "status": "SUBMITTED"}),
            json!({"jobId": "j1", "type": "t", "status": "PROCESSING", "customAttributes": {"openNotebookProgress": {"percent": 10}}}),
            json!({"jobId": "j1", "type": "t", "status": "PROCESSING", "customAttributes": {"openNotebookProgress": {"percent": 50}}}),
            json!({"jobId": "j1", "type": "t", "status": "COMPLETED", "startTime": 1, "endTime": 2}),
            json!({"jobId": "j1", "type": "t", "status": "COMPLETED"}),
        ]);
        check(Some(Path::new("jobs/j1")), &mut good);
        assert!(kinds(&good).iter().all(Vec::is_empty), "{:?}", kinds(&good));
    }

    #[test]
    fn each_sequence_rule_is_checked() {
        let mut bad = steps(&[
            json!({"jobId": "j2", "type": "t", "status": "PROCESSING", "customAttributes": {"openNotebookProgress": {"percent": 50}}}),
            json!({"jobId": "j2", "type": "u", "status": "SUBMITTED", "customAttributes": {"openNotebookProgress": {"percent": 40}}}),
            json!({"jobId": "j2", "type": "t", "status": "FAILED", "startTime": 5, "endTime": 4}),
            json!({"jobId": "j2", "type": "t", "status": "COMPLETED"}),
        ]);
        check(Some(Path::new("jobs/j1")), &mut bad);
        use FindingKind::*;
        assert_eq!(
            kinds(&bad),
            [
                vec![FolderMismatch],
                vec![
                    FolderMismatch,
                    ChangedIdentity,
                    IllegalTransition,
                    PercentWentDown
                ],
                vec![EndBeforeStart, FolderMismatch],
                vec![FolderMismatch, IllegalTransition],
            ]
        );
    }

    /// A web tool's job goes through more statuses, and its ends are as final as COMPLETED.
    #[test]
    fn a_web_tool_job_goes_forward_and_ends() {
        let step = |status: &str| json!({"jobId": "j1", "jobStatus": status});
        let mut good = steps(&[
            step("esriJobSubmitted"),
            step("esriJobWaiting"),
            step("esriJobExecuting"),
            step("esriJobCancelling"),
            step("esriJobCancelled"),
            step("esriJobCancelled"),
        ]);
        check(Some(Path::new("jobs/j1")), &mut good);
        assert!(kinds(&good).iter().all(Vec::is_empty), "{:?}", kinds(&good));

        for (before, after) in [
            ("esriJobSucceeded", "esriJobExecuting"),
            ("esriJobFailed", "esriJobSucceeded"),
            ("esriJobExecuting", "esriJobSubmitted"),
            ("esriJobTimedOut", "esriJobCancelled"),
        ] {
            let mut bad = steps(&[step(before), step(after)]);
            check(Some(Path::new("jobs/j1")), &mut bad);
            let finding = &bad[1].findings[..];
            assert_eq!(finding.len(), 1, "{before} -> {after}: {finding:?}");
            assert_eq!(finding[0].kind, FindingKind::IllegalTransition);
            assert_eq!(finding[0].path, "jobStatus");
        }
    }
}
