//! Drift against the built-in shapes: each kind of finding (fields, types, enumerations,
//! statuses, Portal users, transitions, identity, unknown types, error steps), the shipped set and
//! the reference's examples passing, and payloads diff cannot read.

use serde_json::{Value, json};

use crate::util::*;

use super::*;

/// The shipped fixtures pass against the built-in shapes.
#[test]
fn the_shipped_fixtures_have_no_drift() {
    let fixtures = shipped_fixtures();
    let (code, stdout, stderr) = diff(&[fixtures.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let jobs = jobmock::fixture::FixtureSet::load(&fixtures)
        .unwrap()
        .jobs()
        .len();
    assert!(
        stdout.contains(&format!(" in {jobs} job(s): no drift")),
        "{stdout}"
    );
}

/// A payload of the shape has no finding; the starting point of the tests below.
#[test]
fn a_payload_of_the_shape_passes() {
    let (code, findings, _) = check_one(completed_open_notebook());
    assert_eq!(code, Some(0));
    assert!(findings.is_empty(), "{findings:?}");
}

/// An unexpected field: named in the findings, an added line in the diff.
#[test]
fn an_unexpected_field_is_drift() {
    let mut payload = completed_open_notebook();
    payload["results"]["kernelName"] = json!("python3");
    let (code, findings, text) = check_one(payload);
    assert_eq!(code, Some(1));
    assert_finding(
        &findings,
        "unexpected-field",
        "results.kernelName",
        "a string",
    );
    assert!(
        text.contains("+    \"kernelName\": \"<string>\","),
        "{text}"
    );
}

/// A required field that is missing.
#[test]
fn a_missing_required_field_is_drift() {
    let mut payload = completed_open_notebook();
    payload.as_object_mut().unwrap().remove("status");
    let (code, findings, text) = check_one(payload);
    assert_eq!(code, Some(1));
    assert_finding(&findings, "missing-required-field", "status", "nothing");
    assert!(
        text.contains("-  \"status\": \"SUBMITTED|PROCESSING|FAILED|COMPLETED\","),
        "{text}"
    );
}

/// A value of the wrong type.
#[test]
fn a_wrong_type_is_drift() {
    let mut payload = completed_open_notebook();
    payload["startTime"] = json!("2020-09-18T09:05:04Z");
    let (code, findings, text) = check_one(payload);
    assert_eq!(code, Some(1));
    assert_finding(&findings, "wrong-type", "startTime", "a string");
    assert!(
        text.contains("-  \"startTime\": <start time in epoch milliseconds>,"),
        "{text}"
    );
    assert!(text.contains("+  \"startTime\": \"<string>\","), "{text}");
}

/// A value outside the enumeration.
#[test]
fn a_value_outside_the_enumeration_is_drift() {
    let mut payload = completed_open_notebook();
    payload["status"] = json!("EXECUTING");
    let (code, findings, text) = check_one(payload);
    assert_eq!(code, Some(1));
    assert_finding(&findings, "outside-enumeration", "status", "EXECUTING");
    assert!(text.contains("+  \"status\": \"EXECUTING\","), "{text}");
}

/// A field present in a status it does not belong to; `results: {}` while PROCESSING is not.
#[test]
fn a_field_in_the_wrong_status_is_drift() {
    let mut payload = completed_open_notebook();
    payload["status"] = json!("PROCESSING");
    payload.as_object_mut().unwrap().remove("endTime");
    let (code, findings, text) = check_one(payload.clone());
    assert_eq!(code, Some(1));
    assert_finding(&findings, "wrong-status-for-field", "results", "PROCESSING");
    assert!(text.contains("+  \"results\": {"), "{text}");

    payload["results"] = json!({});
    let (code, findings, _) = check_one(payload);
    assert_eq!(code, Some(0), "{findings:?}");
}

/// Recorded Portal answers are checked too: a user without the `id` that arcgis 2.4.2 and 2.4.3
/// read is drift, named with its file and field; the shipped set's Portal answers have none.
#[test]
fn a_portal_user_without_its_id_is_drift() {
    let (code, out, err) = run_binary(&["diff", "fixtures"]);
    assert_eq!(code, Some(0), "{out}{err}");
    let set = FixtureDir::new();
    set.job("jone", &["SUBMITTED"])
        .file(
            "exchanges/GET-user/request.json",
            r#"{"method":"GET","path":"/portal/sharing/rest/community/users/user-1","params":{"f":"json"}}"#,
        )
        .file(
            "exchanges/GET-user/001.json",
            r#"{"username":"user-1","orgId":"o1","role":"org_admin","privileges":[],"newField":1}"#,
        );
    let (code, out, err) = run_binary(&["diff", set.path().to_str().unwrap()]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.contains("GET-user/001.json"), "{out}");
    assert!(out.contains("id"), "{out}");
    assert!(
        out.contains("GET-user/001.json: 1 finding")
            && out.contains("missing-required-field at id"),
        "the missing id alone, not the field a Portal adds, is drift: {out}"
    );
}

/// The sequence checks: an illegal transition and progress going down, named on the step.
#[test]
fn illegal_transitions_and_falling_progress_are_drift() {
    let fixtures = FixtureDir::new();
    let step = |status: &str, percent: Option<u64>| {
        let mut payload = json!({"jobId": "j1", "type": "openNotebook", "status": status, "startTime": 1,
            "customAttributes": {"isCancelled": false}});
        if let Some(percent) = percent {
            payload["customAttributes"]["openNotebookProgress"] =
                json!({"message": "m", "percent": percent});
        }
        serde_json::to_string(&payload).unwrap()
    };
    fixtures
        .file("jobs/j1/001.json", &step("PROCESSING", Some(60)))
        .file("jobs/j1/002.json", &step("PROCESSING", Some(30)))
        .file("jobs/j1/003.json", &step("COMPLETED", None))
        .file("jobs/j1/004.json", &step("PROCESSING", Some(90)));
    let path = fixtures.path().to_str().unwrap();
    let (code, stdout, _) = diff(&[path, "--format", "json"]);
    assert_eq!(code, Some(1));
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert_finding(
        findings,
        "percent-went-down",
        "customAttributes.openNotebookProgress.percent",
        "30",
    );
    assert_finding(
        findings,
        "illegal-transition",
        "status",
        "COMPLETED -> PROCESSING",
    );
    let transition = findings
        .iter()
        .find(|f| f["kind"] == "illegal-transition")
        .unwrap();
    assert!(
        transition["file"]
            .as_str()
            .unwrap()
            .ends_with("jobs/j1/004.json"),
        "{transition}"
    );

    let (_, text, _) = diff(&[path]);
    assert!(text.contains("jobs/j1/004.json: 1 finding"), "{text}");
    assert!(
        text.contains("percent-went-down at customAttributes.openNotebookProgress.percent: expected 60 or more"),
        "{text}"
    );
    assert!(
        text.contains("illegal-transition at status: expected COMPLETED again"),
        "{text}"
    );
}

/// The job must be the same throughout, named as its folder, and end after it starts.
#[test]
fn identity_folder_and_time_are_checked() {
    let fixtures = FixtureDir::new();
    let mut first = completed_open_notebook();
    first["jobId"] = json!("jother");
    first["endTime"] = json!(5);
    let mut second = completed_open_notebook();
    second["type"] = json!("executeNotebook");
    second.as_object_mut().unwrap().remove("results");
    second["customAttributes"] = json!({"isCancelled": false});
    fixtures
        .file("jobs/j1/001.json", &first.to_string())
        .file("jobs/j1/002.json", &second.to_string());
    let (code, stdout, _) = diff(&[fixtures.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, Some(1));
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert_finding(findings, "folder-mismatch", "jobId", "jother");
    assert_finding(findings, "end-before-start", "endTime", "5");
    assert_finding(findings, "changed-identity", "type", "executeNotebook");
    assert_finding(findings, "changed-identity", "jobId", "j1");

    let (_, text, _) = diff(&[fixtures.path().to_str().unwrap()]);
    assert!(
        text.contains("folder-mismatch at jobId: expected \"j1\", the name of its folder"),
        "{text}"
    );
    assert!(
        text.contains("end-before-start at endTime: expected not before startTime 10"),
        "{text}"
    );
    assert!(
        text.contains(
            "changed-identity at type: expected \"openNotebook\" as in the job's first step"
        ),
        "{text}"
    );
}

/// A payload of a type no shape knows is drift; an ArcGIS error answer is not a job at all.
#[test]
fn unknown_types_are_drift_and_error_answers_are_passed_over() {
    let mut payload = completed_open_notebook();
    payload["type"] = json!("exportNotebook");
    let (code, findings, _) = check_one(payload);
    assert_eq!(code, Some(1));
    assert_finding(&findings, "no-shape", "type", "exportNotebook");

    let fixtures = FixtureDir::new();
    fixtures.file(
        "jobs/j1/001.json",
        r#"{"status": "error", "messages": ["Invalid token."], "code": 498}"#,
    );
    fixtures.file(
        "jobs/j1/002.json",
        r#"{"error": {"code": 499, "message": "Token Required", "details": []}}"#,
    );
    let (code, stdout, _) = diff(&[fixtures.path().to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.contains(
            "checked 0 payload(s) and 2 error answer(s) (code 498, 499) in 1 job(s): no drift"
        ),
        "{stdout}"
    );
}

/// A recording with an error step says so, and the step is checked against its API's error
/// shape: a code written as a string, a Portal error without its message, are drift.
#[test]
fn error_steps_are_reported_and_checked_against_the_error_shapes() {
    let fixtures = FixtureDir::new();
    fixtures.job(
        "j1",
        &["SUBMITTED", "PROCESSING", "PROCESSING", "COMPLETED"],
    );
    fixtures.file(
        "jobs/j1/005.json",
        r#"{"status": "error", "messages": ["Invalid token."], "code": 498}"#,
    );
    let path = fixtures.path().to_str().unwrap().to_string();
    let (code, stdout, _) = diff(&[&path]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.contains(
            "checked 4 payload(s) and 1 error answer(s) (code 498) in 1 job(s): no drift"
        ),
        "{stdout}"
    );

    fixtures.file(
        "jobs/j1/005.json",
        r#"{"status": "error", "messages": ["Invalid token."], "code": "498"}"#,
    );
    fixtures.file(
        "jobs/j1/006.json",
        r#"{"error": {"code": 499, "details": []}}"#,
    );
    let (code, json_out, _) = diff(&[&path, "--format", "json"]);
    assert_eq!(code, Some(1), "{json_out}");
    let report: Value = serde_json::from_str(&json_out).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert_finding(findings, "wrong-type", "code", "a string");
    assert_finding(
        findings,
        "missing-required-field",
        "error.message",
        "nothing",
    );
    assert_eq!(report["totals"]["errorAnswers"], 2, "{report}");
    assert_eq!(report["errorAnswers"][0]["api"], "admin", "{report}");
    assert_eq!(report["errorAnswers"][1]["api"], "portal", "{report}");
    let (_, text, _) = diff(&[&path]);
    assert!(
        text.contains("--- expected (admin API error shape)"),
        "{text}"
    );
}

/// The reference page's six example payloads (job-resource.txt's "JSON Response examples",
/// copied verbatim into tests/reference/) conform to the default shapes, as do the shipped
/// jobs made from them.
#[test]
fn the_reference_examples_conform_to_the_default_shapes() {
    let shapes = jobmock::diff::load_shapes(None).unwrap();
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference/job-resource-examples.json");
    let examples: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(&examples).unwrap()).unwrap();
    assert_eq!(examples.len(), 6);
    let mut payloads: Vec<(std::path::PathBuf, Value)> = examples
        .into_iter()
        .enumerate()
        .map(|(index, payload)| (format!("example {}", index + 1).into(), payload))
        .collect();
    for job in [OPEN_JOB, EXECUTE_JOB] {
        for step in ["001.json", "002.json", "003.json"] {
            let file = shipped_fixtures().join("jobs").join(job).join(step);
            let text = std::fs::read_to_string(&file).unwrap();
            payloads.push((file, serde_json::from_str(&text).unwrap()));
        }
    }
    for (file, payload) in payloads {
        let checked =
            jobmock::diff::check_payload(file.clone(), payload, &shapes, Default::default());
        assert_eq!(checked.findings, [], "{}", file.display());
        assert!(checked.job_type.is_some(), "{}", file.display());
    }
}

/// An unreadable payload is an error (exit code 2) with its line and column.
#[test]
fn a_broken_payload_is_an_error() {
    let fixtures = FixtureDir::new();
    fixtures.file("jobs/j1/001.json", "{\n  \"jobId\": \"j1\",\n  oops\n}");
    let (code, _, stderr) = diff(&[fixtures.path().to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("jobs/j1/001.json:3:3:"), "{stderr}");
}

/// Step files reached through symbolic links are checked like any other; a broken link is an
/// error, not a file silently passed over.
#[cfg(unix)]
#[test]
fn linked_step_files_are_checked_and_broken_links_are_errors() {
    let fixtures = FixtureDir::new();
    let mut payload = completed_open_notebook();
    payload["status"] = json!("BOGUS");
    fixtures.file("shared/001.json", &payload.to_string());
    std::fs::create_dir_all(fixtures.path().join("jobs/j1")).unwrap();
    std::os::unix::fs::symlink(
        fixtures.path().join("shared/001.json"),
        fixtures.path().join("jobs/j1/001.json"),
    )
    .unwrap();
    let jobs = fixtures.path().join("jobs");
    let (code, stdout, _) = diff(&[jobs.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("outside-enumeration at status"), "{stdout}");

    std::os::unix::fs::symlink(
        fixtures.path().join("missing.json"),
        fixtures.path().join("jobs/j1/002.json"),
    )
    .unwrap();
    let (code, _, stderr) = diff(&[jobs.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("002.json"), "{stderr}");
}
