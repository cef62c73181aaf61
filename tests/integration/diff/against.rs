//! `jobmock diff --against`: two recordings compared field by field, a change grouped across
//! statuses, a status no longer reached.

use serde_json::{Value, json};

use crate::util::*;

use super::*;

/// --against compares two recordings' shapes, values ignored.
#[test]
fn two_recordings_are_compared_field_by_field() {
    let old = FixtureDir::new();
    let new = FixtureDir::new();
    let mut before = completed_open_notebook();
    before["results"]["legacyUrl"] = json!("x");
    let mut after = completed_open_notebook();
    after["startTime"] = json!("10");
    after["customAttributes"]["kernel"] = json!({"name": "python3"});
    after["username"] = json!("someone else");
    old.file("jobs/j1/001.json", &before.to_string());
    new.file("jobs/j1/001.json", &after.to_string());

    let (code, stdout, _) = diff(&[
        "--against",
        old.path().to_str().unwrap(),
        new.path().to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("openNotebook:"), "{stdout}");
    assert!(
        stdout.contains("+ customAttributes.kernel (an object) appeared, in COMPLETED"),
        "{stdout}"
    );
    assert!(
        stdout.contains("- results.legacyUrl (a string) vanished, in COMPLETED"),
        "{stdout}"
    );
    assert!(
        stdout.contains("~ startTime: a number became a string, in COMPLETED"),
        "{stdout}"
    );
    assert!(!stdout.contains("username"), "values are ignored: {stdout}");

    let (code, stdout, _) = diff(&[
        "--against",
        old.path().to_str().unwrap(),
        old.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(0));
    assert_eq!(
        serde_json::from_str::<Value>(&stdout).unwrap()["drift"],
        false
    );
}

/// One change seen in every status is one change with its statuses; a status the server no
/// longer reaches is drift; the JSON report names files and gives totals.
#[test]
fn against_groups_a_change_and_a_lost_status_is_drift() {
    let old = FixtureDir::new();
    let new = FixtureDir::new();
    old.job("j1", &["SUBMITTED", "PROCESSING", "COMPLETED"]);
    for (step, status) in ["SUBMITTED", "PROCESSING", "COMPLETED"].iter().enumerate() {
        let body = json!({"jobId": "j1", "type": "executeNotebook", "status": status,
            "customAttributes": {"isCancelled": "false"}});
        new.file(&format!("jobs/j1/{:03}.json", step + 1), &body.to_string());
    }
    let (code, stdout, _) = diff(&[
        "--against",
        old.path().to_str().unwrap(),
        new.path().to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{stdout}");
    assert_eq!(
        stdout.matches("customAttributes.isCancelled").count(),
        1,
        "one change, not one per status: {stdout}"
    );
    assert!(
        stdout.contains(
            "~ customAttributes.isCancelled: a boolean became a string, in SUBMITTED, PROCESSING, COMPLETED"
        ),
        "{stdout}"
    );

    // The new recording never reaches COMPLETED: drift, not a note.
    let stopped = FixtureDir::new();
    stopped.job("j1", &["SUBMITTED", "PROCESSING"]);
    let (code, json_out, _) = diff(&[
        "--against",
        old.path().to_str().unwrap(),
        stopped.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(1), "{json_out}");
    let report: Value = serde_json::from_str(&json_out).unwrap();
    assert_eq!(report["drift"], true);
    let change = &report["changes"][0];
    assert_eq!(change["change"], "status-vanished", "{report}");
    assert_eq!(change["statuses"], json!(["COMPLETED"]), "{report}");
    assert!(
        change["files"]["before"][0]
            .as_str()
            .unwrap()
            .ends_with("jobs/j1/003.json"),
        "{report}"
    );
    assert_eq!(
        report["totals"],
        json!({"payloadsBefore": 3, "payloadsAfter": 2, "statusesCompared": 2, "changes": 1})
    );
    let (code, text, _) = diff(&[
        "--against",
        old.path().to_str().unwrap(),
        stopped.path().to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1));
    assert!(
        text.contains(
            "- status COMPLETED: reached in the --against recording, never in the new one"
        ),
        "{text}"
    );
}

/// Two sets are listed job by job and exchange by exchange: the job whose statuses changed is
/// named with its statuses before and after, a folder on one side only is named, and the
/// unchanged ones are counted; the JSON says the same.
#[test]
fn two_sets_are_listed_job_by_job_and_exchange_by_exchange() {
    let old = FixtureDir::new();
    old.job(
        "executeNotebook-1",
        &["SUBMITTED", "PROCESSING", "COMPLETED"],
    )
    .job("executeNotebook-2", &["SUBMITTED", "FAILED"])
    .job("gone-1", &["COMPLETED"])
    .file(
        "exchanges/GET-info/001.json",
        "{\"currentVersion\": \"11.3\"}",
    );
    let new = FixtureDir::new();
    new.job("executeNotebook-1", &["SUBMITTED", "FAILED"])
        .job("executeNotebook-2", &["SUBMITTED", "FAILED"])
        .file(
            "exchanges/GET-info/001.json",
            "{\"currentVersion\": \"11.4\"}",
        )
        .file("exchanges/GET-self/001.json", "{}");
    let (old_path, new_path) = (old.path().to_str().unwrap(), new.path().to_str().unwrap());
    let (_, text, err) = diff(&["--against", old_path, new_path]);
    assert!(err.is_empty() || !err.contains("error"), "{err}");
    for line in [
        "~ jobs/executeNotebook-1: SUBMITTED → PROCESSING → COMPLETED became SUBMITTED → FAILED (002.json, 003.json)",
        "- jobs/gone-1: only in the --against recording",
        "~ exchanges/GET-info: 001.json changed",
        "+ exchanges/GET-self: only in the new recording",
        "1 job(s) and 0 exchange(s) unchanged",
    ] {
        assert!(text.contains(line), "no {line:?} in:\n{text}");
    }
    assert!(!text.contains("executeNotebook-2:"), "{text}");

    let (_, json_out, _) = diff(&["--against", old_path, new_path, "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&json_out).unwrap();
    let changed = &report["folders"]["jobs"]["changed"][0];
    assert_eq!(changed["name"], "executeNotebook-1");
    assert_eq!(
        changed["statusesAfter"],
        serde_json::json!(["SUBMITTED", "FAILED"])
    );
    assert_eq!(report["folders"]["jobs"]["unchanged"], 1);

    // The same set against itself: nothing listed.
    let (code, same, _) = diff(&["--against", old_path, old_path]);
    assert_eq!(code, Some(0), "{same}");
    assert!(
        same.contains("the recordings are the same, file for file"),
        "{same}"
    );
}
