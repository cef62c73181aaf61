//! The replay service over HTTP: sequences, holds, time, formats, sessions, control API.

use std::time::{Duration, Instant};

use jobmock::replay::Options;

use crate::util::*;

async fn statuses(server: &TestServer, job: &str, polls: usize) -> Vec<String> {
    let mut seen = Vec::new();
    for _ in 0..polls {
        seen.push(get(server.job_url(job, "?f=json")).status().await);
    }
    seen
}

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

/// Each X-Jobmock-Session has its own cursors, and so has the default session.
#[tokio::test]
async fn sessions_do_not_disturb_each_other() {
    let server = TestServer::start(&shipped_fixtures()).await;
    let url = server.job_url(EXECUTE_JOB, "?f=json");
    assert_eq!(get(&url).session("a").status().await, "SUBMITTED");
    assert_eq!(get(&url).session("a").status().await, "PROCESSING");
    assert_eq!(get(&url).session("b").status().await, "SUBMITTED");
    assert_eq!(get(&url).status().await, "SUBMITTED");
    assert_eq!(get(&url).session("a").status().await, "COMPLETED");
    assert_eq!(get(&url).session("b").status().await, "PROCESSING");
    // A job's cursor moves only with polls of that job.
    assert_eq!(
        get(server.job_url(OPEN_JOB, "?f=json"))
            .session("a")
            .status()
            .await,
        "SUBMITTED"
    );
}

/// Reset puts cursors back at the first step: all, one job's, or one session's.
#[tokio::test]
async fn reset_starts_jobs_again_for_all_one_job_or_one_session() {
    let server = TestServer::start(&shipped_fixtures()).await;
    let execute = server.job_url(EXECUTE_JOB, "?f=json");
    let open = server.job_url(OPEN_JOB, "?f=json");
    for _ in 0..2 {
        get(&execute).send().await;
        get(&open).send().await;
        get(&execute).session("s").send().await;
    }

    let answer = post(server.url(&format!("/__jobmock/reset?job={EXECUTE_JOB}")))
        .send()
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(get(&execute).status().await, "SUBMITTED");
    assert_eq!(get(&execute).session("s").status().await, "SUBMITTED");
    assert_eq!(get(&open).status().await, "COMPLETED");

    post(server.url("/__jobmock/reset?session=s")).send().await;
    assert_eq!(get(&execute).session("s").status().await, "SUBMITTED");
    assert_eq!(get(&execute).status().await, "PROCESSING");

    post(server.url("/__jobmock/reset")).send().await;
    assert_eq!(get(&open).status().await, "SUBMITTED");
    assert_eq!(get(&execute).status().await, "SUBMITTED");
    let journal = get(server.url("/__jobmock/requests")).send().await.json();
    assert_eq!(
        journal["requests"].as_array().unwrap().len(),
        2,
        "{journal}"
    );

    let unknown = post(server.url("/__jobmock/reset?job=jnope")).send().await;
    assert_eq!(unknown.status, 404);
    let hostile = post(server.url("/__jobmock/reset?job=..%2Fx")).send().await;
    assert_eq!(hostile.status, 400, "{}", hostile.body);
}

/// Advance moves a job one step without a poll, in the caller's session only.
#[tokio::test]
async fn advance_moves_one_step_without_a_poll() {
    let server = TestServer::start(&shipped_fixtures()).await;
    let advance = server.url(&format!("/__jobmock/jobs/{OPEN_JOB}/advance"));
    let answer = post(&advance).send().await.json();
    assert_eq!(answer["next"], "002.json");
    assert_eq!(answer["status"], "PROCESSING");
    post(&advance).session("s").send().await;
    post(&advance).session("s").send().await;
    post(&advance).session("s").send().await;

    assert_eq!(
        get(server.job_url(OPEN_JOB, "?f=json")).status().await,
        "PROCESSING"
    );
    assert_eq!(
        get(server.job_url(OPEN_JOB, "?f=json"))
            .session("s")
            .status()
            .await,
        "COMPLETED"
    );
    let wrong = get(&advance).send().await;
    assert_eq!(wrong.status, 405);
    assert_eq!(wrong.header("allow"), "POST");
}

/// The jobs listing shows each job's steps and where each session stands.
#[tokio::test]
async fn the_jobs_listing_shows_steps_and_cursors_per_session() {
    let server = TestServer::start(&shipped_fixtures()).await;
    get(server.job_url(HOLDING_JOB, "?f=json"))
        .session("ci-1")
        .send()
        .await;
    get(server.job_url(HOLDING_JOB, "?f=json"))
        .session("ci-1")
        .send()
        .await;

    let all = get(server.url("/__jobmock/jobs")).send().await.json();
    let shipped = jobmock::fixture::FixtureSet::load(&shipped_fixtures()).unwrap();
    assert_eq!(all["jobs"].as_array().unwrap().len(), shipped.jobs().len());
    let job = get(server.url(&format!("/__jobmock/jobs/{HOLDING_JOB}")))
        .send()
        .await
        .json();
    assert_eq!(job["advance"], "poll");
    assert_eq!(job["steps"][2]["polls"], 5);
    assert_eq!(job["steps"][4]["status"], "COMPLETED");
    assert_eq!(job["sessions"]["ci-1"]["next"], "002.json");
    assert_eq!(job["sessions"]["ci-1"]["polls"], 2);
    assert!(job["sessions"].get("default").is_none());

    let health = get(server.url("/__jobmock/health")).send().await;
    assert_eq!(health.status, 200);
    assert_eq!(health.json()["jobs"], shipped.jobs().len());
}

/// The journal notes what was served, never a token, and keeps only its newest entries.
#[tokio::test]
async fn the_journal_is_bounded_and_holds_no_secrets() {
    let server = TestServer::start_with(
        &shipped_fixtures(),
        Options {
            journal_size: 3,
            ..Options::default()
        },
    )
    .await;
    for _ in 0..5 {
        get(server.job_url(OPEN_JOB, "?f=json&token=s3cr3t-t0ken"))
            .session("j")
            .send()
            .await;
    }
    let journal = get(server.url("/__jobmock/requests")).send().await;
    assert!(!journal.body.contains("s3cr3t"), "{}", journal.body);
    let journal = journal.json();
    let entries = journal["requests"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(journal["dropped"], 2);
    assert_eq!(entries[0]["step"], "003.json");
    assert_eq!(entries[0]["query"], "f=json&token=REDACTED");
    assert_eq!(entries[0]["session"], "j");
    assert_eq!(entries[0]["job"], OPEN_JOB);
    assert_eq!(entries[0]["status"], 200);
}

/// An unknown job gets the admin API's error, naming the job and where it was looked for.
#[tokio::test]
async fn an_unknown_job_is_answered_with_code_404_and_where_it_was_looked_for() {
    let server = TestServer::start(&shipped_fixtures()).await;
    let answer = get(server.job_url("jdoes-not-exist", "?f=json"))
        .send()
        .await;
    assert_eq!(
        answer.status, 200,
        "the admin API answers errors with HTTP 200"
    );
    let body = answer.json();
    assert_eq!(body["status"], "error");
    assert_eq!(body["code"], 404);
    let message = body["messages"][0].as_str().unwrap();
    assert!(message.contains("jdoes-not-exist"), "{message}");
    assert!(message.contains("jobs/jdoes-not-exist"), "{message}");
}

/// A bad `f`, another method, or another resource get the admin API's errors.
#[tokio::test]
async fn bad_formats_methods_and_paths_get_admin_errors() {
    let server = TestServer::start(&shipped_fixtures()).await;
    let bad_f = get(server.job_url(OPEN_JOB, "?f=xml")).send().await.json();
    assert_eq!(bad_f["code"], 400);
    assert!(bad_f["messages"][0].as_str().unwrap().contains("xml"));

    let delete = Call::new(hyper::Method::DELETE, server.job_url(OPEN_JOB, "?f=json"))
        .send()
        .await;
    assert_eq!(delete.json()["code"], 405);
    assert_eq!(delete.header("allow"), "GET, POST");

    let other = get(server.url("/arcgis/admin/other?f=json"))
        .send()
        .await
        .json();
    assert_eq!(other["code"], 404);
    let below = get(server.job_url(OPEN_JOB, "/unknown?f=json"))
        .send()
        .await
        .json();
    assert_eq!(below["code"], 404);
    // None of these moved the job.
    assert_eq!(
        get(server.job_url(OPEN_JOB, "?f=json")).status().await,
        "SUBMITTED"
    );
}

/// Job IDs that are not plain names are refused before any lookup, and the server keeps serving.
#[tokio::test]
async fn hostile_job_ids_are_refused_and_the_server_keeps_serving() {
    let fixtures = FixtureDir::new();
    fixtures.job("jsafe", &["COMPLETED"]);
    // A file beside the set that a path trick would reach.
    std::fs::write(
        fixtures.path().join("secret.json"),
        r#"{"status":"LEAKED"}"#,
    )
    .unwrap();
    let server = TestServer::start(fixtures.path()).await;
    for id in [
        "..",
        "..%2F..%2Fsecret.json",
        "%2e%2e",
        ".hidden",
        "a%00b",
        "jsafe%2F..%2F..%2Fsecret",
        "j%0d%0aX-Injected:%201",
        &"j".repeat(200),
    ] {
        let path = format!("/arcgis/admin/system/jobs/{id}?f=json");
        let answer = raw_request(
            server.addr,
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{id}: {answer}");
        assert!(answer.contains("\"code\":400"), "{id}: {answer}");
        assert!(!answer.contains("LEAKED"), "{id}: {answer}");
        assert!(
            !answer.to_lowercase().contains("x-injected: 1"),
            "{id}: {answer}"
        );
    }
    // Raw traversal and control bytes in the request line.
    for line in [
        "GET /arcgis/admin/system/jobs/../../secret.json?f=json HTTP/1.1",
        "GET /arcgis/admin/system/jobs/j\x01b?f=json HTTP/1.1",
    ] {
        let answer = raw_request(
            server.addr,
            format!("{line}\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await;
        assert!(!answer.contains("LEAKED"), "{line:?}: {answer}");
        assert!(answer.starts_with("HTTP/1.1 "), "{line:?}: {answer}");
    }
    assert_eq!(
        get(server.job_url("jsafe", "?f=json")).status().await,
        "COMPLETED"
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

/// CONNECT gets a real error status (a 200 would mean "tunnel established"); GET on the
/// operations that change state (cancel, deleteAll) gets the admin error 405 and changes
/// nothing, as the server takes them by POST only.
#[tokio::test]
async fn connect_and_get_on_state_changing_operations_are_refused() {
    let server = Binary::replay(&shipped_fixtures(), &[]);
    let mut stream = tokio::net::TcpStream::connect(server.base.trim_start_matches("http://"))
        .await
        .unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream
        .write_all(b"CONNECT nb.example.com:443 HTTP/1.1\r\nHost: nb.example.com:443\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 405"), "{answer}");

    let job = server.url(&format!("/arcgis/admin/system/jobs/{EXECUTE_JOB}"));
    assert_eq!(get(format!("{job}?f=json")).status().await, "SUBMITTED");
    for operation in [
        format!("{job}/cancel?f=json"),
        server.url("/arcgis/admin/system/jobs/deleteAll?f=json"),
    ] {
        let refused = get(&operation).send().await;
        assert_eq!(refused.status, 200, "the admin API's errors are HTTP 200");
        let body = refused.json();
        assert_eq!(body["code"], 405, "{body}");
        assert!(
            body["messages"][0]
                .as_str()
                .unwrap()
                .contains("takes POST only"),
            "{body}"
        );
    }
    let next = get(format!("{job}?f=json")).send().await.json();
    assert_eq!(
        next["customAttributes"]["isCancelled"], false,
        "GET cancelled nothing"
    );
    let cancelled = post(format!("{job}/cancel"))
        .form("f=json")
        .send()
        .await
        .json();
    assert_eq!(cancelled["status"], "success");
}

/// With --control-token, control requests without the token get 401 and those with it (the
/// header, or the controlToken parameter) are answered; the mocked API is not affected. The
/// fixture set is shown as it was given on the command line.
#[tokio::test]
async fn the_control_token_guards_the_control_api() {
    let server = Binary::start(&[
        "replay",
        "--fixtures",
        "fixtures",
        "--listen",
        "127.0.0.1:0",
        "--control-token",
        "ctl-7f3a",
    ]);
    let refused = get(server.url("/__jobmock/health")).send().await;
    assert_eq!(refused.status, 401);
    assert!(
        refused.body.contains("X-Jobmock-Control-Token"),
        "{}",
        refused.body
    );
    let wrong = post(server.url("/__jobmock/reset"))
        .header("X-Jobmock-Control-Token", "nope")
        .send()
        .await;
    assert_eq!(wrong.status, 401);
    let health = get(server.url("/__jobmock/health"))
        .header("X-Jobmock-Control-Token", "ctl-7f3a")
        .send()
        .await;
    assert_eq!(health.status, 200);
    assert_eq!(
        health.json()["fixtures"],
        "fixtures",
        "as given, not absolute"
    );
    let by_parameter = get(server.url("/__jobmock/requests?controlToken=ctl-7f3a"))
        .send()
        .await;
    assert_eq!(by_parameter.status, 200);
    let job = server.url(&format!("/arcgis/admin/system/jobs/{EXECUTE_JOB}?f=json"));
    assert_eq!(get(job).status().await, "SUBMITTED");
    let missing = get(server.url("/arcgis/admin/system/jobs/jnone?f=json"))
        .send()
        .await
        .json();
    assert!(
        missing["messages"][0]
            .as_str()
            .unwrap()
            .contains("no fixture at fixtures/jobs/jnone"),
        "{missing}"
    );
}
