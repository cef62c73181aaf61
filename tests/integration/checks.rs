//! `replay --check-shapes`: the steps of a set checked against their shapes when replay loads
//! it, at start and on a reload: warned about with file, line and column, refused, or not
//! checked.

use std::time::Duration;

use crate::util::*;

/// A set with the two slips only `diff` used to find: a status typo, and a `jobId` that is not
/// its folder's.
fn set_with_slips() -> FixtureDir {
    let fixtures = FixtureDir::new();
    fixtures.job("typo", &["SUBMITTED", "PROCESING", "COMPLETED"]);
    fixtures.job("moved", &["COMPLETED"]);
    let moved = std::fs::read_to_string(fixtures.path().join("jobs/moved/001.json")).unwrap();
    fixtures.file(
        "jobs/moved/001.json",
        &moved.replace("\"moved\"", "\"j-elsewhere\""),
    );
    fixtures
}

/// `file:line:column` of the line of `file` (under the set) that holds `needle`, where the
/// field's name starts.
fn place_of(fixtures: &FixtureDir, file: &str, needle: &str) -> String {
    let path = fixtures.path().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let (index, line) = text
        .lines()
        .enumerate()
        .find(|(_, line)| line.contains(needle))
        .unwrap_or_else(|| panic!("{needle} in {text}"));
    let column = line.find('"').unwrap() + 1;
    format!("{}:{}:{column}", path.display(), index + 1)
}

/// By default the set is served as written, and each slip is a warning on stderr with its
/// place and what is wrong.
#[tokio::test]
async fn replay_warns_about_steps_that_differ_from_their_shapes() {
    let fixtures = set_with_slips();
    let server = Binary::replay(fixtures.path(), &[]);
    let job = get(server.url("/arcgis/admin/system/jobs/typo?f=json"))
        .status()
        .await;
    assert_eq!(job, "SUBMITTED", "served as written");
    let stderr = server.stop_within(Duration::from_secs(30));
    let typo = place_of(&fixtures, "jobs/typo/002.json", "\"status\"");
    assert!(
        stderr.contains(&format!(
            "jobmock: warning: {typo}: outside-enumeration at status: expected one of \
             SUBMITTED|PROCESSING|FAILED|COMPLETED, found \"PROCESING\""
        )),
        "{stderr}"
    );
    let moved = place_of(&fixtures, "jobs/moved/001.json", "\"jobId\"");
    assert!(
        stderr.contains(&format!(
            "jobmock: warning: {moved}: folder-mismatch at jobId: expected \"moved\", the name \
             of its folder, found \"j-elsewhere\""
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("2 finding(s) in 2 step file(s)"),
        "{stderr}"
    );
}

/// `--check-shapes refuse` refuses such a set at start, as a broken file: exit code 2, the first
/// finding at its place, and how to fix it.
#[test]
fn replay_refuses_a_set_with_drift_when_asked() {
    let fixtures = set_with_slips();
    let stderr = replay_refuses(fixtures.path(), &["--check-shapes", "refuse"]);
    let moved = place_of(&fixtures, "jobs/moved/001.json", "\"jobId\"");
    assert!(
        stderr.contains(&format!(
            "jobmock: {moved}: folder-mismatch at jobId: expected \"moved\", the name of its \
             folder, found \"j-elsewhere\" (and 1 more finding(s)) (fix: "
        )),
        "{stderr}"
    );
}

/// `--check-shapes off` checks nothing.
#[test]
fn replay_checks_nothing_when_told_off() {
    let fixtures = set_with_slips();
    let server = Binary::replay(fixtures.path(), &["--check-shapes", "off"]);
    let stderr = server.stop_within(Duration::from_secs(30));
    assert!(!stderr.contains("warning"), "{stderr}");
}

/// On a reload, refuse answers 422 with the finding (the previous set keeps serving); warn
/// takes the set, says so in the answer and on stderr.
#[tokio::test]
async fn a_reload_is_checked_as_the_start_is() {
    let fixtures = FixtureDir::new();
    fixtures.job("typo", &["SUBMITTED", "PROCESSING", "COMPLETED"]);
    let server = Binary::replay(fixtures.path(), &["--check-shapes", "refuse"]);
    fixtures.job("typo", &["SUBMITTED", "PROCESING", "COMPLETED"]);
    let refused = post(server.url("/__jobmock/reload")).send().await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let message = refused.json()["messages"][0].as_str().unwrap().to_string();
    let typo = place_of(&fixtures, "jobs/typo/002.json", "\"status\"");
    assert!(
        message.starts_with(&format!("{typo}: outside-enumeration at status")),
        "{message}"
    );

    let fixtures = FixtureDir::new();
    fixtures.job("typo", &["SUBMITTED", "PROCESSING", "COMPLETED"]);
    let server = Binary::replay(fixtures.path(), &[]);
    fixtures.job("typo", &["SUBMITTED", "PROCESING", "COMPLETED"]);
    let reloaded = post(server.url("/__jobmock/reload")).send().await;
    assert_eq!(reloaded.status, 200, "{}", reloaded.body);
    let typo = place_of(&fixtures, "jobs/typo/002.json", "\"status\"");
    let warnings = reloaded.json()["warnings"].clone();
    assert!(
        warnings[0]
            .as_str()
            .unwrap()
            .starts_with(&format!("{typo}: outside-enumeration at status")),
        "{warnings}"
    );
    server.terminate();
    let (_, _, stderr) = server.wait(Duration::from_secs(30));
    assert!(
        stderr.contains(&format!("jobmock: warning: {typo}: outside-enumeration")),
        "{stderr}"
    );
}

/// Templates are steps too: a template that differs from its shape is warned about (its folder
/// is named after its type, so it has no folder check).
#[test]
fn templates_are_checked_as_jobs_are() {
    let fixtures = FixtureDir::new();
    fixtures.job("j1", &["COMPLETED"]);
    fixtures.file(
        "templates/executeNotebook/001.json",
        "{\n  \"jobId\": \"jtemplate\",\n  \"type\": \"executeNotebook\",\n  \"status\": \"SUBMITTED\",\n  \"customAttributes\": {\"isCancelled\": \"no\"}\n}\n",
    );
    let server = Binary::replay(fixtures.path(), &[]);
    server.terminate();
    let (_, _, stderr) = server.wait(Duration::from_secs(30));
    let file = fixtures.path().join("templates/executeNotebook/001.json");
    assert!(
        stderr.contains(&format!(
            "jobmock: warning: {}:5:24: wrong-type at customAttributes.isCancelled",
            file.display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 finding(s) in 1 step file(s)"),
        "{stderr}"
    );
}
