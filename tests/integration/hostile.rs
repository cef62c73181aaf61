//! Hostile fixture sets: a set may come from anyone. Each of these gets a clear error or a
//! bounded behaviour, and none crashes the server or reads outside the set.

use std::fs;

use jobmock::fixture::{FixtureSet, MAX_FIXTURE_FILE};

use crate::util::*;

/// A file larger than the limit is refused by name, without reading it whole (a sparse file
/// of 1 GiB here costs nothing to make and would cost a gigabyte to read).
#[test]
fn an_absurdly_large_step_file_is_refused() {
    let fixtures = FixtureDir::new();
    fixtures.job("j1", &["COMPLETED"]);
    let path = fixtures.path().join("jobs/j1/002.json");
    let file = fs::File::create(&path).unwrap();
    file.set_len(1 << 30).unwrap();
    let message = load_error(&fixtures);
    assert!(message.contains("002.json"), "{message}");
    assert!(
        message.contains(&format!(
            "larger than {} MiB",
            MAX_FIXTURE_FILE / (1024 * 1024)
        )),
        "{message}"
    );
}

/// So is a script.json and a request.json of that size.
#[test]
fn an_absurdly_large_script_is_refused() {
    let fixtures = FixtureDir::new();
    fixtures.job("j1", &["COMPLETED"]);
    let path = fixtures.path().join("jobs/j1/script.json");
    fs::File::create(&path)
        .unwrap()
        .set_len(MAX_FIXTURE_FILE + 1)
        .unwrap();
    let message = load_error(&fixtures);
    assert!(message.contains("script.json"), "{message}");
    assert!(message.contains("larger than"), "{message}");
}

/// JSON nested deeper than any answer is refused with its position, not a stack overflow.
#[test]
fn deep_json_nesting_is_refused_with_its_position() {
    let fixtures = FixtureDir::new();
    let deep = format!(
        "{{\"status\": {}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    fixtures.file("jobs/j1/001.json", &deep);
    let message = load_error(&fixtures);
    assert!(message.contains("001.json:1:111:"), "{message}");
    assert!(message.contains("more than 100 deep"), "{message}");

    // Nested in a field that is not read at load, and in an exchange's answer: the same.
    let fixtures = FixtureDir::new();
    let deep = format!(
        "{{\"x\": {}1{}}}",
        "{\"a\":".repeat(50_000),
        "}".repeat(50_000)
    );
    fixtures.file("jobs/j1/001.json", &deep);
    let message = load_error(&fixtures);
    assert!(message.contains("001.json:1:502"), "{message}");
    assert!(message.contains("more than 100 deep"), "{message}");
    let fixtures = FixtureDir::new();
    fixtures.job("j1", &["COMPLETED"]);
    fixtures.file(
        "exchanges/x/request.json",
        r#"{"method": "GET", "path": "/x"}"#,
    );
    fixtures.file(
        "exchanges/x/001.json",
        &format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
    );
    assert!(load_error(&fixtures).contains("more than 100 deep"));
}

/// A body nested as deep as allowed is served, and patched (a cancelled job's answer is read
/// and written again) without failing.
#[tokio::test]
async fn a_body_nested_as_deep_as_allowed_is_served_and_patched() {
    let fixtures = FixtureDir::new();
    let nested = format!("{}1{}", "[".repeat(99), "]".repeat(99));
    fixtures.file(
        "jobs/j1/001.json",
        &format!(r#"{{"jobId": "j1", "status": "PROCESSING", "x": {nested}}}"#),
    );
    let server = TestServer::start(fixtures.path()).await;
    assert_eq!(
        get(server.job_url("j1", "?f=json")).status().await,
        "PROCESSING"
    );
    post(server.job_url("j1", "/cancel?f=json")).send().await;
    let answer = get(server.job_url("j1", "?f=json")).send().await;
    assert_eq!(answer.json()["customAttributes"]["isCancelled"], true);
    assert!(answer.body.contains(&nested), "{}", answer.body);
}

/// A step file that is not UTF-8 is refused with its position.
#[test]
fn invalid_utf8_is_refused_with_its_position() {
    let fixtures = FixtureDir::new();
    let path = fixtures.path().join("jobs/j1/001.json");
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, b"{\n  \"status\": \"COMPL\xff\xfeETED\"\n}\n").unwrap();
    let message = load_error(&fixtures);
    assert!(message.contains("001.json:2:"), "{message}");
    assert!(message.contains("is not UTF-8 text"), "{message}");

    // A text answer of an exchange is served as it is, so it must be text too.
    let fixtures = FixtureDir::new();
    fixtures.job("j1", &["COMPLETED"]);
    fixtures.file(
        "exchanges/x/request.json",
        r#"{"method": "GET", "path": "/x"}"#,
    );
    fs::write(fixtures.path().join("exchanges/x/001.txt"), b"ok \xff").unwrap();
    let message = load_error(&fixtures);
    assert!(message.contains("001.txt"), "{message}");
    assert!(message.contains("UTF-8"), "{message}");
}

/// A named pipe (or a device) in a job folder is refused at once: opening it to read would
/// block the load forever.
#[test]
fn a_named_pipe_is_refused_without_being_opened() {
    let fixtures = FixtureDir::new();
    fixtures.job("j1", &["COMPLETED"]);
    let pipe = fixtures.path().join("jobs/j1/002.json");
    let made = std::process::Command::new("mkfifo")
        .arg(&pipe)
        .status()
        .unwrap();
    assert!(made.success());
    let message = load_error(&fixtures);
    assert!(message.contains("002.json"), "{message}");
    assert!(message.contains("holds only step files"), "{message}");
}

/// A link to a device or to a file outside the set is refused before it is opened.
#[cfg(unix)]
#[test]
fn links_to_devices_and_outside_files_are_refused() {
    for target in ["/dev/zero", "/etc/passwd", "/proc/self/environ"] {
        let fixtures = FixtureDir::new();
        fixtures.job("j1", &["COMPLETED"]);
        std::os::unix::fs::symlink(target, fixtures.path().join("jobs/j1/002.json")).unwrap();
        let message = load_error(&fixtures);
        assert!(
            message.contains("leads outside the fixture set"),
            "{message}"
        );
    }
    // A link to a folder outside, as a job, and as the jobs folder itself.
    let outside = tempfile::tempdir().unwrap();
    fs::write(
        outside.path().join("001.json"),
        r#"{"status": "COMPLETED"}"#,
    )
    .unwrap();
    let fixtures = FixtureDir::new();
    std::os::unix::fs::symlink(outside.path(), fixtures.path().join("jobs/j1")).unwrap();
    assert!(load_error(&fixtures).contains("leads outside the fixture set"));
}

/// A script that holds a step for a million polls (or the most a count can be) is served in
/// constant memory: the count is a number, not a million answers.
#[tokio::test]
async fn a_step_held_for_a_million_polls_is_served() {
    let fixtures = FixtureDir::new();
    fixtures.job("j1", &["PROCESSING", "COMPLETED"]);
    fixtures.file(
        "jobs/j1/script.json",
        r#"{"steps": {"001.json": {"polls": 4294967295}}}"#,
    );
    let server = TestServer::start(fixtures.path()).await;
    for _ in 0..50 {
        assert_eq!(
            get(server.job_url("j1", "?f=json")).status().await,
            "PROCESSING"
        );
    }
    let advanced = post(server.url("/__jobmock/jobs/j1/advance")).send().await;
    assert_eq!(advanced.json()["status"], "COMPLETED");

    // One more than a count can hold is refused with its field.
    fixtures.file(
        "jobs/j1/script.json",
        r#"{"steps": {"001.json": {"polls": 4294967296}}}"#,
    );
    let message = load_error(&fixtures);
    assert!(message.contains("script.json:1:"), "{message}");
}

/// A script with half a million step entries (all naming missing files) is refused by name,
/// and one with a million poll faults is bounded by the file size limit like any other.
#[test]
fn a_script_with_a_million_entries_is_refused_or_bounded() {
    let fixtures = FixtureDir::new();
    fixtures.job("j1", &["COMPLETED"]);
    let steps: Vec<String> = (0..500_000)
        .map(|n| format!("\"{n:07}.json\": {{}}"))
        .collect();
    fixtures.file(
        "jobs/j1/script.json",
        &format!("{{\"steps\": {{{}}}}}", steps.join(",")),
    );
    let message = load_error(&fixtures);
    assert!(message.contains("which is not a step file"), "{message}");

    // 300,000 faults fit in a file: they load, and each poll finds its own in log time.
    let faults: Vec<String> = (1..=300_000)
        .rev()
        .map(|n| format!("{{\"poll\": {n}, \"fault\": {{\"close\": true}}}}"))
        .collect();
    let script = format!("{{\"faults\": [{}]}}", faults.join(","));
    assert!(script.len() < MAX_FIXTURE_FILE as usize, "{}", script.len());
    fixtures.file("jobs/j1/script.json", &script);
    let set = FixtureSet::load(fixtures.path()).expect("300,000 faults load");
    let loaded = &set.jobs()[0].poll_faults;
    assert_eq!(loaded.len(), 300_000);
    assert!(
        loaded.windows(2).all(|pair| pair[0].0 < pair[1].0),
        "sorted by poll"
    );

    let faults: Vec<String> = (1..=1_000_000)
        .map(|n| format!("{{\"poll\": {n}, \"fault\": {{\"close\": true}}}}"))
        .collect();
    fixtures.file(
        "jobs/j1/script.json",
        &format!("{{\"faults\": [{}]}}", faults.join(",")),
    );
    let message = load_error(&fixtures);
    assert!(message.contains("larger than"), "{message}");
}

/// Delays are bounded: a script cannot hold a connection for years.
#[test]
fn absurd_delays_are_refused() {
    let fixtures = FixtureDir::new();
    fixtures.job("j1", &["COMPLETED"]);
    fixtures.file(
        "jobs/j1/script.json",
        r#"{"steps": {"001.json": {"delayMs": 18446744073709551615}}}"#,
    );
    let message = load_error(&fixtures);
    assert!(message.contains("delayMs"), "{message}");
    assert!(message.contains("at most"), "{message}");

    fixtures.file(
        "jobs/j1/script.json",
        r#"{"faults": [{"poll": 1, "fault": {"delayMs": 86400000}}]}"#,
    );
    let message = load_error(&fixtures);
    assert!(message.contains("faults[0].fault.delayMs"), "{message}");
}

/// The binary refuses a hostile set at start with exit code 2 and the file's place, serving
/// nothing of it.
#[test]
fn the_binary_refuses_a_hostile_set_with_exit_code_2() {
    let fixtures = FixtureDir::new();
    fixtures.job("j1", &["COMPLETED"]);
    fixtures.file("jobs/j1/002.json", &"[".repeat(10_000));
    let err = replay_refuses(fixtures.path(), &[]);
    assert!(err.contains("002.json:1:"), "{err}");
}

/// A step may name the server a bounded number of times: a request's `Host` fills each, so
/// an unbounded count would let one request make an answer far larger than its file.
#[test]
fn a_step_naming_the_server_too_often_is_refused() {
    let fixtures = FixtureDir::new();
    let many = vec!["{{origin}}"; 1001].join(" ");
    fixtures.file(
        "jobs/j1/001.json",
        &format!(r#"{{"status": "COMPLETED", "messages": ["{many}"]}}"#),
    );
    let message = load_error(&fixtures);
    assert!(message.contains("{{origin}} 1001 times"), "{message}");
}

/// A template whose `jobId` is short or odd ("e", "1", a quote) still makes jobs: the ID is
/// replaced inside strings, never in the JSON text.
#[tokio::test]
async fn a_template_with_an_odd_job_id_still_makes_jobs() {
    for template_id in ["e", "1", "\"", "status"] {
        let fixtures = FixtureDir::new();
        fixtures.job("j1", &["COMPLETED"]);
        let step = |status: &str| {
            serde_json::json!({
                "jobId": template_id,
                "type": "executeNotebook",
                "status": status,
                "messages": [format!("job {template_id} e 1")],
            })
            .to_string()
        };
        fixtures.file("templates/executeNotebook/001.json", &step("SUBMITTED"));
        fixtures.file("templates/executeNotebook/002.json", &step("COMPLETED"));
        let server = TestServer::start(fixtures.path()).await;
        let created = post(server.url("/arcgis/admin/notebooks/executeNotebook"))
            .form("f=json&itemId=x")
            .send()
            .await
            .json();
        let url = created["jobUrl"].as_str().expect("a job URL").to_string();
        let first = get(format!("{url}?f=json")).send().await.json();
        assert_eq!(first["status"], "SUBMITTED", "{first}");
        assert_eq!(first["jobId"], created["jobId"], "{first}");
        assert_eq!(get(format!("{url}?f=json")).status().await, "COMPLETED");
    }
}

/// A `Host` header too long to be a host name is not copied into answers, and a session name
/// longer than the limit is refused: a client cannot make the server hold or send much more
/// than the fixtures say.
#[tokio::test]
async fn long_host_and_session_names_are_not_kept_or_copied() {
    let fixtures = FixtureDir::new();
    fixtures.file(
        "jobs/j1/001.json",
        r#"{"status": "COMPLETED", "jobUrl": "{{origin}}/arcgis/admin/system/jobs/j1"}"#,
    );
    let server = TestServer::start(fixtures.path()).await;
    let long_host = format!("{}.example.com", "a".repeat(2000));
    let answer = get(server.job_url("j1", "?f=json"))
        .header("Host", &long_host)
        .send()
        .await;
    assert_eq!(
        answer.json()["jobUrl"],
        "http://localhost/arcgis/admin/system/jobs/j1"
    );

    let refused = get(server.job_url("j1", "?f=json"))
        .session(&"s".repeat(257))
        .send()
        .await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("at most 256"), "{}", refused.body);
    let accepted = get(server.job_url("j1", "?f=json"))
        .session(&"s".repeat(256))
        .send()
        .await;
    assert_eq!(accepted.job_status(), "COMPLETED");
}

/// A set of many files, each within its own limit, is bounded as a whole (1 GiB by default):
/// the file that takes it past the limit is named.
#[test]
fn a_set_larger_than_its_budget_is_refused() {
    let fixtures = FixtureDir::new();
    for n in 0..20 {
        fixtures.job(&format!("j{n:02}"), &["SUBMITTED", "COMPLETED"]);
    }
    let whole: u64 = all_files(fixtures.path())
        .iter()
        .map(|(_, bytes)| bytes.len() as u64)
        .sum();
    assert!(FixtureSet::load_within(fixtures.path(), whole).is_ok());
    let message = match FixtureSet::load_within(fixtures.path(), whole / 2) {
        Ok(_) => panic!("a set of {whole} bytes loaded within {}", whole / 2),
        Err(err) => jobmock::error::report(&err),
    };
    assert!(
        message.contains(&format!("past {} bytes of files", whole / 2)),
        "{message}"
    );
    assert!(message.contains(".json"), "{message}");
    assert_eq!(jobmock::fixture::MAX_SET_BYTES, 1 << 30);
}

/// Scripts that load today but cannot be served as meant are refused with their place: a
/// script that is an array, two faults aimed at one poll, a status that is not an answer, a
/// header too large for any client, and thousands of headers (which made every poll panic).
#[test]
fn scripts_that_cannot_be_served_as_meant_are_refused_with_their_place() {
    let many_headers: String = (0..24_576)
        .map(|n| format!("\"X-H{n}\": \"v\""))
        .collect::<Vec<_>>()
        .join(", ");
    let huge_value = "v".repeat(1024 * 1024);
    for (script, says) in [
        ("  []".to_string(), "script.json:1:3: is not a JSON object".to_string()),
        (
            r#"{"faults": [{"poll": 2, "fault": {"close": true}}, {"poll": 2, "fault": {"truncate": 3}}]}"#.to_string(),
            "faults[1].poll is 2, as faults[0].poll is".to_string(),
        ),
        (
            r#"{"steps": {"001.json": {"status": 101}}}"#.to_string(),
            "steps.\"001.json\".status is 101, not the status of an answer".to_string(),
        ),
        (
            r#"{"faults": [{"poll": 1, "fault": {"http": {"status": 100, "body": ""}}}]}"#.to_string(),
            "faults[0].fault.http.status is 100".to_string(),
        ),
        (
            format!(r#"{{"steps": {{"001.json": {{"headers": {{"X-Big": "{huge_value}"}}}}}}}}"#),
            "has a header X-Big of 1048581 bytes".to_string(),
        ),
        (
            format!(r#"{{"steps": {{"001.json": {{"headers": {{{many_headers}}}}}}}}}"#),
            "gives 24576 headers, more than the 64 a step may".to_string(),
        ),
    ] {
        let fixtures = FixtureDir::new();
        fixtures.job("j1", &["SUBMITTED", "COMPLETED"]);
        fixtures.file("jobs/j1/script.json", &script);
        let message = load_error(&fixtures);
        assert!(message.contains("jobs/j1/script.json"), "{message}");
        assert!(message.contains(&says), "wanted {says:?} in {message}");
    }
}
