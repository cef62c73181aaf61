//! Loading fixture sets: what is refused, and how the error says where and how to fix it.

use jobmock::fixture::FixtureSet;

use crate::util::*;

/// The shipped fixture set loads, with the five jobs the README tours.
#[test]
fn the_shipped_fixture_set_loads() {
    let set = FixtureSet::load(&shipped_fixtures()).unwrap();
    let ids: Vec<&str> = set.jobs().iter().map(|job| &*job.id).collect();
    for id in [OPEN_JOB, EXECUTE_JOB, FAILED_JOB, HOLDING_JOB, TIMED_JOB] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
}

/// Steps are served in lexical order of their file names, whatever order they were written in.
#[test]
fn steps_are_ordered_by_file_name() {
    let fixtures = FixtureDir::new();
    fixtures.file("jobs/j1/b-second.json", r#"{"status":"PROCESSING"}"#);
    fixtures.file("jobs/j1/a-first.json", r#"{"status":"SUBMITTED"}"#);
    fixtures.file("jobs/j1/c-third.json", r#"{"status":"COMPLETED"}"#);
    fixtures.file("jobs/j1/.a-hidden.json", "not even JSON");
    let set = FixtureSet::load(fixtures.path()).unwrap();
    let files: Vec<&str> = set.job(0).steps.iter().map(|step| &*step.file).collect();
    assert_eq!(files, ["a-first.json", "b-second.json", "c-third.json"]);
}

/// Invalid JSON is reported with the file, line and column.
#[test]
fn broken_json_is_reported_with_file_line_and_column() {
    let fixtures = FixtureDir::new();
    fixtures.file(
        "jobs/j1/001.json",
        "{\n  \"status\": \"SUBMITTED\",\n  \"jobId\": j1\n}\n",
    );
    let error = load_error(&fixtures);
    assert!(
        error.contains("jobs/j1/001.json:3:12: expected value"),
        "{error}"
    );
}

/// A typo in script.json is an error at its line, not a setting silently ignored.
#[test]
fn unknown_script_fields_are_refused_with_their_position() {
    let fixtures = FixtureDir::new();
    fixtures.job("j1", &["SUBMITTED"]);
    fixtures.file(
        "jobs/j1/script.json",
        "{\n  \"steps\": {\"001.json\": {\"pols\": 3}}\n}",
    );
    let error = load_error(&fixtures);
    assert!(error.contains("script.json:2:"), "{error}");
    assert!(error.contains("unknown field `pols`"), "{error}");
}

/// The script may only name step files of its job, and the error lists the ones there are.
#[test]
fn a_script_naming_a_missing_step_is_refused() {
    let fixtures = FixtureDir::new();
    fixtures.job("j1", &["SUBMITTED", "COMPLETED"]);
    fixtures.file(
        "jobs/j1/script.json",
        r#"{"steps": {"003.json": {"polls": 2}}}"#,
    );
    let error = load_error(&fixtures);
    assert!(error.contains("\"003.json\""), "{error}");
    assert!(error.contains("001.json, 002.json"), "{error}");
}

/// Time mode needs an offset for every step after the first, and offsets that do not go down.
#[test]
fn time_mode_needs_ordered_offsets() {
    let fixtures = FixtureDir::new();
    fixtures.job("j1", &["SUBMITTED", "COMPLETED"]);
    fixtures.file("jobs/j1/script.json", r#"{"advance": "time"}"#);
    let error = load_error(&fixtures);
    assert!(
        error.contains("steps.\"002.json\".offsetMs is missing"),
        "{error}"
    );

    fixtures.job("j1", &["SUBMITTED", "PROCESSING", "COMPLETED"]);
    fixtures.file(
        "jobs/j1/script.json",
        r#"{"advance": "time", "steps": {"002.json": {"offsetMs": 500}, "003.json": {"offsetMs": 100}}}"#,
    );
    let error = load_error(&fixtures);
    assert!(error.contains("before the previous step's 500"), "{error}");
}

/// Bad values in a script name the field.
#[test]
fn bad_script_values_name_their_field() {
    for (script, expected) in [
        (
            r#"{"steps": {"001.json": {"polls": 0}}}"#,
            "steps.\"001.json\".polls is 0",
        ),
        (
            r#"{"steps": {"001.json": {"status": 42}}}"#,
            "steps.\"001.json\".status is 42",
        ),
        (
            r#"{"steps": {"001.json": {"headers": {"Bad Header": "x"}}}}"#,
            "\"Bad Header\"",
        ),
        (r#"{"advance": "sometimes"}"#, "unknown variant `sometimes`"),
        (
            r#"{"steps": {"001.json": {"headers": {"Content-Length": "5"}}}}"#,
            "which the server sets itself",
        ),
        (
            r#"{"steps": {"001.json": {"fault": {"close": true, "truncate": 3}}}}"#,
            "gives 2 kinds of fault",
        ),
        (
            r#"{"steps": {"001.json": {"fault": {}}}}"#,
            "gives 0 kinds of fault",
        ),
        (
            r#"{"steps": {"001.json": {"fault": {"http": {"status": 42}}}}}"#,
            "fault.http.status is 42",
        ),
        (
            r#"{"faults": [{"poll": 0, "fault": {"close": true}}]}"#,
            "faults[0].poll is 0",
        ),
        (
            r#"{"onCancel": "missing.json"}"#,
            "onCancel names \"missing.json\"",
        ),
    ] {
        let fixtures = FixtureDir::new();
        fixtures.job("j1", &["SUBMITTED"]);
        fixtures.file("jobs/j1/script.json", script);
        let error = load_error(&fixtures);
        assert!(error.contains(expected), "{script}: {error}");
    }
}

/// Layout mistakes are refused with a hint.
#[test]
fn layout_mistakes_are_refused_with_a_hint() {
    let fixtures = FixtureDir::new();
    std::fs::create_dir(fixtures.path().join("jobs/jempty")).unwrap();
    assert!(load_error(&fixtures).contains("job jempty has no step files"));

    let fixtures = FixtureDir::new();
    fixtures.file("jobs/j1/001.txt", "{}");
    assert!(load_error(&fixtures).contains("is neither a step file"));

    let fixtures = FixtureDir::new();
    fixtures.file("jobs/j1/001.json", "[1, 2]");
    assert!(load_error(&fixtures).contains("one JSON object"));

    let fixtures = FixtureDir::new();
    fixtures.file("jobs/bad name/001.json", "{}");
    assert!(load_error(&fixtures).contains("not a valid job ID"));

    let fixtures = FixtureDir::new();
    fixtures.file("jobs/README.md", "notes");
    assert!(load_error(&fixtures).contains("is not a job folder"));

    let empty = tempfile::tempdir().unwrap();
    let error = jobmock::error::report(&FixtureSet::load(empty.path()).unwrap_err());
    assert!(error.contains("has no jobs/ folder"), "{error}");
    let error =
        jobmock::error::report(&FixtureSet::load(&shipped_fixtures().join("jobs")).unwrap_err());
    assert!(error.contains("point --fixtures at its parent"), "{error}");
}

/// A symbolic link that leads out of the fixture set is refused; one inside it is followed.
#[cfg(unix)]
#[test]
fn symbolic_links_may_not_lead_outside_the_set() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("001.json"), r#"{"status":"LEAKED"}"#).unwrap();

    let fixtures = FixtureDir::new();
    std::os::unix::fs::symlink(outside.path(), fixtures.path().join("jobs/jlinked")).unwrap();
    let error = load_error(&fixtures);
    assert!(error.contains("leads outside the fixture set"), "{error}");

    let fixtures = FixtureDir::new();
    fixtures.job("j1", &["SUBMITTED"]);
    std::os::unix::fs::symlink(
        outside.path().join("001.json"),
        fixtures.path().join("jobs/j1/002.json"),
    )
    .unwrap();
    assert!(load_error(&fixtures).contains("leads outside the fixture set"));

    let fixtures = FixtureDir::new();
    fixtures.job("j1", &["SUBMITTED"]);
    std::os::unix::fs::symlink(
        fixtures.path().join("jobs/j1"),
        fixtures.path().join("jobs/j2"),
    )
    .unwrap();
    let set = FixtureSet::load(fixtures.path()).unwrap();
    assert_eq!(set.jobs().len(), 2);
}

/// An exchange folder needs its request.json, and a well-formed one.
#[test]
fn exchanges_need_a_valid_request_file() {
    let fixtures = FixtureDir::new();
    fixtures.file("exchanges/x/001.json", "{}");
    assert!(load_error(&fixtures).contains("exchange x has no request.json"));

    fixtures.file(
        "exchanges/x/request.json",
        r#"{"method": "GET", "path": "relative"}"#,
    );
    assert!(load_error(&fixtures).contains("does not start with '/'"));

    fixtures.file(
        "exchanges/x/request.json",
        r#"{"method": "GET", "pth": "/x"}"#,
    );
    let error = load_error(&fixtures);
    assert!(error.contains("request.json:1:"), "{error}");
}
