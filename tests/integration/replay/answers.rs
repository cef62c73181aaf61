//! How replay answers: the shipped jobs walk their statuses, steps hold for their polls or follow
//! the clock, formats and form bodies are answered as ArcGIS does, a step's script sets status,
//! headers and delay, and recorded exchanges answer matching requests.

use std::time::{Duration, Instant};

use jobmock::replay::Options;

use crate::util::*;

use super::*;

/// The reference's openNotebook job walks SUBMITTED, PROCESSING at 50 percent, then COMPLETED
/// with results, and COMPLETED repeats.
#[tokio::test]
async fn the_shipped_open_notebook_job_walks_its_statuses_and_repeats_the_last() {
    let server = TestServer::start(&shipped_fixtures()).await;
    let mut answers = Vec::new();
    for _ in 0..5 {
        answers.push(get(server.job_url(OPEN_JOB, "?f=json")).send().await.json());
    }
    let statuses: Vec<&str> = answers
        .iter()
        .map(|a| a["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "SUBMITTED",
            "PROCESSING",
            "COMPLETED",
            "COMPLETED",
            "COMPLETED"
        ]
    );
    assert_eq!(
        answers[1]["customAttributes"]["openNotebookProgress"]["percent"],
        50
    );
    assert!(answers[0].get("results").is_none());
    assert_eq!(
        answers[2]["results"]["notebookId"],
        "0a465abc08ed4fe8ac087f204222fb02"
    );
    assert_eq!(answers[2]["endTime"], 1600419770042u64);
    assert_eq!(answers[3], answers[2]);
    for answer in &answers {
        assert_eq!(answer["jobId"], OPEN_JOB);
    }
}

/// The reference's executeNotebook job ends COMPLETED with its five messages.
#[tokio::test]
async fn the_shipped_execute_notebook_job_completes_with_messages() {
    let server = TestServer::start(&shipped_fixtures()).await;
    assert_eq!(
        statuses(&server, EXECUTE_JOB, 4).await,
        ["SUBMITTED", "PROCESSING", "COMPLETED", "COMPLETED"]
    );
    let last = get(server.job_url(EXECUTE_JOB, "?f=json"))
        .send()
        .await
        .json();
    let messages = last["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 5);
    assert_eq!(messages[4], "Successfully completed.");
    assert_eq!(
        last["results"]["containerConfigStoreId"],
        "408119d098564c1c9c0448c31d1db32b"
    );
}

/// The shipped failing job ends FAILED with messages that say why.
#[tokio::test]
async fn the_shipped_failing_job_ends_failed_with_messages() {
    let server = TestServer::start(&shipped_fixtures()).await;
    assert_eq!(
        statuses(&server, FAILED_JOB, 4).await,
        ["SUBMITTED", "PROCESSING", "FAILED", "FAILED"]
    );
    let last = get(server.job_url(FAILED_JOB, "?f=json"))
        .send()
        .await
        .json();
    let messages = last["messages"].as_array().unwrap();
    assert!(
        messages
            .iter()
            .any(|m| m.as_str().unwrap().contains("NameError"))
    );
}

/// script.json's `polls` makes a step answer that many polls before the next one.
#[tokio::test]
async fn steps_hold_for_the_polls_their_script_gives() {
    let server = TestServer::start(&shipped_fixtures()).await;
    let mut percents = Vec::new();
    for _ in 0..13 {
        let job = get(server.job_url(HOLDING_JOB, "?f=json"))
            .send()
            .await
            .json();
        let percent = &job["customAttributes"]["openNotebookProgress"]["percent"];
        percents.push(match job["status"].as_str().unwrap() {
            "PROCESSING" => percent.as_u64().unwrap().to_string(),
            other => other.to_string(),
        });
    }
    assert_eq!(
        percents,
        [
            "SUBMITTED",
            "10",
            "10",
            "10",
            "50",
            "50",
            "50",
            "50",
            "50",
            "90",
            "90",
            "COMPLETED",
            "COMPLETED"
        ]
    );
}

/// A job that advances by time serves the step whose offset has passed since its first poll,
/// and `--speed` scales the clock.
/// On tokio's paused clock, so that what is asserted is what the clock says, however slow the
/// machine: the test moves time itself.
#[tokio::test(start_paused = true)]
async fn time_based_steps_follow_the_clock_and_the_speed_factor() {
    let fixtures = FixtureDir::new();
    fixtures.job("jtimed", &["SUBMITTED", "PROCESSING", "COMPLETED"]);
    fixtures.file(
        "jobs/jtimed/script.json",
        r#"{"advance": "time", "steps": {"002.json": {"offsetMs": 10000}, "003.json": {"offsetMs": 60000}}}"#,
    );
    let fast = TestServer::start_with(
        fixtures.path(),
        Options {
            speed: 100.0,
            ..Options::default()
        },
    )
    .await;
    let normal = TestServer::start(fixtures.path()).await;

    let status = |server: &TestServer| get(server.job_url("jtimed", "?f=json")).status();
    assert_eq!(status(&fast).await, "SUBMITTED");
    assert_eq!(status(&normal).await, "SUBMITTED");
    // At 100x, 10 s of recording pass in 100 ms.
    tokio::time::advance(Duration::from_millis(150)).await;
    assert_eq!(status(&fast).await, "PROCESSING");
    assert_eq!(status(&normal).await, "SUBMITTED");
    tokio::time::advance(Duration::from_millis(500)).await;
    assert_eq!(status(&fast).await, "COMPLETED");
    assert_eq!(status(&normal).await, "SUBMITTED");
    tokio::time::advance(Duration::from_secs(10)).await;
    assert_eq!(status(&normal).await, "PROCESSING");
}

/// f=json is compact, f=pjson pretty, f=html (and no f) a page; each with its content type.
#[tokio::test]
async fn formats_json_pjson_and_html_have_their_bodies_and_content_types() {
    let server = TestServer::start(&shipped_fixtures()).await;
    let file =
        std::fs::read_to_string(shipped_fixtures().join(format!("jobs/{EXECUTE_JOB}/001.json")))
            .unwrap();
    let expected: serde_json::Value = serde_json::from_str(&file).unwrap();

    let json = get(server.job_url(EXECUTE_JOB, "?f=json"))
        .session("json")
        .send()
        .await;
    assert_eq!(
        json.header("content-type"),
        "application/json; charset=utf-8"
    );
    assert_eq!(json.body, serde_json::to_string(&expected).unwrap());

    let pjson = get(server.job_url(EXECUTE_JOB, "?f=pjson"))
        .session("pjson")
        .send()
        .await;
    assert_eq!(
        pjson.header("content-type"),
        "application/json; charset=utf-8"
    );
    assert_same_text(
        &serde_json::to_string_pretty(&expected).unwrap(),
        &pjson.body,
    );
    // Keys keep the fixture's order, as the server wrote them.
    assert_same_text(file.trim_end(), &pjson.body);

    for query in ["?f=html", ""] {
        let html = get(server.job_url(EXECUTE_JOB, query))
            .session(query)
            .send()
            .await;
        assert_eq!(html.header("content-type"), "text/html; charset=utf-8");
        assert!(html.body.starts_with("<!DOCTYPE html>"), "{}", html.body);
        assert!(html.body.contains("<td>SUBMITTED</td>"), "{}", html.body);
    }
}

/// Parameters come from a form body as well as the query string; the form's value wins.
#[tokio::test]
async fn post_with_a_form_body_is_answered_like_get() {
    let server = TestServer::start(&shipped_fixtures()).await;
    let answer = post(server.job_url(EXECUTE_JOB, ""))
        .form("f=json&token=abc")
        .send()
        .await;
    assert_eq!(
        answer.header("content-type"),
        "application/json; charset=utf-8"
    );
    assert_eq!(answer.job_status(), "SUBMITTED");

    let answer = post(server.job_url(EXECUTE_JOB, "?f=html"))
        .form("f=pjson")
        .send()
        .await;
    assert!(
        answer.body.contains("\n  \"status\": \"PROCESSING\""),
        "{}",
        answer.body
    );
}

/// A step's script sets its HTTP status, extra headers (a content type too) and a delay.
#[tokio::test]
async fn a_step_script_sets_status_headers_and_delay() {
    let fixtures = FixtureDir::new();
    fixtures.job("jscripted", &["PROCESSING", "COMPLETED"]);
    fixtures.file(
        "jobs/jscripted/script.json",
        r#"{
          "steps": {
            "001.json": {"status": 503, "headers": {"Retry-After": "1", "Content-Type": "text/plain;charset=utf-8"}},
            "002.json": {"delayMs": 300}
          }
        }"#,
    );
    let server = TestServer::start(fixtures.path()).await;
    let first = get(server.job_url("jscripted", "?f=json")).send().await;
    assert_eq!(first.status, 503);
    assert_eq!(first.header("retry-after"), "1");
    assert_eq!(first.header("content-type"), "text/plain;charset=utf-8");

    let started = Instant::now();
    let second = get(server.job_url("jscripted", "?f=json")).send().await;
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "answered before its delay"
    );
    assert_eq!(second.status, 200);
    assert_eq!(second.job_status(), "COMPLETED");
}

/// Recorded exchanges answer matching requests: the most specific rule wins, steps advance per
/// session, text bodies keep their content type, and {{origin}} becomes the mock's own.
#[tokio::test]
async fn exchanges_answer_matching_requests_in_sequence() {
    let fixtures = FixtureDir::new();
    fixtures
        .file(
            "exchanges/any/request.json",
            r#"{"method": "POST", "path": "/arcgis/admin/notebooks/executeNotebook"}"#,
        )
        .file("exchanges/any/001.json", r#"{"status": "error", "code": 400}"#)
        .file(
            "exchanges/item/request.json",
            r#"{"method": "POST", "path": "/arcgis/admin/notebooks/executeNotebook", "params": {"itemId": "abc"}}"#,
        )
        .file(
            "exchanges/item/001.json",
            r#"{"jobId": "j1", "jobUrl": "{{origin}}/arcgis/admin/system/jobs/j1", "status": "success"}"#,
        )
        .file("exchanges/item/002.json", r#"{"status": "busy"}"#)
        .file("exchanges/info/request.json", r#"{"method": "GET", "path": "/portal/info"}"#)
        .file("exchanges/info/001.txt", "<html>info</html>")
        .file(
            "exchanges/info/script.json",
            r#"{"steps": {"001.txt": {"headers": {"Content-Type": "text/html"}}}}"#,
        );
    let server = TestServer::start(fixtures.path()).await;
    let execute = server.url("/arcgis/admin/notebooks/executeNotebook");

    let first = post(&execute)
        .form("itemId=abc&token=t&f=json")
        .send()
        .await
        .json();
    assert_eq!(first["jobUrl"], server.url("/arcgis/admin/system/jobs/j1"));
    let second = post(&execute).form("itemId=abc&f=json").send().await.json();
    assert_eq!(second["status"], "busy");
    let other_session = post(&execute)
        .form("itemId=abc")
        .session("s2")
        .send()
        .await
        .json();
    assert_eq!(other_session["status"], "success");
    let other_item = post(&execute).form("itemId=zzz").send().await.json();
    assert_eq!(other_item["code"], 400);
    // Another method is not the same exchange (and this set has no template to make a job).
    let get_execute = format!("{execute}?f=json");
    assert_eq!(get(&get_execute).send().await.json()["code"], 400);

    let info = get(server.url("/portal/info")).send().await;
    assert_eq!(info.header("content-type"), "text/html");
    assert_eq!(info.body, "<html>info</html>");

    let listing = get(server.url("/__jobmock/exchanges")).send().await.json();
    let names: Vec<&str> = listing["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|exchange| exchange["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["any", "info", "item"]);
    post(server.url("/__jobmock/reset")).send().await;
    let again = post(&execute).form("itemId=abc").send().await.json();
    assert_eq!(again["status"], "success");
}
