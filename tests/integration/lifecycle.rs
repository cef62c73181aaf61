//! The whole job lifecycle offline: submit from templates, list, cancel, deleteAll, faults,
//! tokens, rebased times and TLS.

use jobmock::replay::{Auth, Options};
use serde_json::{Value, json};

use crate::util::*;

const EXECUTE: &str = "/arcgis/admin/notebooks/executeNotebook";
const OPEN: &str = "/arcgis/admin/notebooks/openNotebook";

async fn submit(server: &TestServer, operation: &str, form: &str) -> Value {
    post(server.url(operation)).form(form).send().await.json()
}

/// executeNotebook makes a job from the template: a fresh `j`+UUID ID, a jobUrl on the mock,
/// the request's inputs, and timestamps of now; its polls walk the template's steps.
#[tokio::test]
async fn execute_notebook_creates_a_job_from_the_template() {
    let server = TestServer::start(&shipped_fixtures()).await;
    let before = now_ms();
    let answer = submit(
        &server,
        EXECUTE,
        "f=json&itemId=abc123&updatePortalItem=false&notebookParameters=%7B%22x%22%3A1%7D",
    )
    .await;
    assert_eq!(answer["status"], "success");
    let id = answer["jobId"].as_str().unwrap().to_string();
    assert!(id.starts_with('j') && id.len() == 37, "{id}");
    assert_eq!(answer["jobUrl"], server.job_url(&id, ""));

    let url = format!("{}?f=json", answer["jobUrl"].as_str().unwrap());
    let statuses: Vec<String> = {
        let mut seen = Vec::new();
        for _ in 0..5 {
            seen.push(get(&url).status().await);
        }
        seen
    };
    assert_eq!(
        statuses,
        [
            "SUBMITTED",
            "PROCESSING",
            "PROCESSING",
            "COMPLETED",
            "COMPLETED"
        ]
    );
    let done = get(&url).send().await.json();
    assert_eq!(done["jobId"], id.as_str());
    assert_eq!(done["inputs"]["itemId"], "abc123");
    assert_eq!(done["inputs"]["updatePortalItem"], false);
    assert_eq!(done["inputs"]["notebookParameters"], "{\"x\":1}");
    assert!(
        done["messages"][0].as_str().unwrap().contains(&id),
        "{done}"
    );
    let start = done["startTime"].as_i64().unwrap();
    assert!(start >= before, "startTime {start} is the time of the run");
    assert!(done["endTime"].as_i64().unwrap() >= start);

    let other = submit(&server, EXECUTE, "f=json&itemId=abc123").await;
    assert_ne!(other["jobId"], answer["jobId"], "each job gets its own ID");
}

/// openNotebook makes an openNotebook job; the notebook URL names the mock.
#[tokio::test]
async fn open_notebook_creates_a_job_whose_urls_name_the_mock() {
    let server = TestServer::start(&shipped_fixtures()).await;
    let answer = submit(&server, OPEN, "f=json&itemId=nb1").await;
    let url = format!("{}?f=json", answer["jobUrl"].as_str().unwrap());
    let mut last = Value::Null;
    for _ in 0..4 {
        last = get(&url).send().await.json();
    }
    assert_eq!(last["type"], "openNotebook");
    assert_eq!(last["status"], "COMPLETED");
    assert!(
        last["results"]["notebookUrl"]
            .as_str()
            .unwrap()
            .starts_with(&server.url("/")),
        "{last}"
    );
}

/// The jobs list holds the fixture jobs and the session's own, with detail, num and sortByDate.
#[tokio::test]
async fn the_jobs_list_shows_what_the_session_knows() {
    let server = TestServer::start(&shipped_fixtures()).await;
    let created = submit(&server, EXECUTE, "f=json&itemId=i").await;
    let id = created["jobId"].as_str().unwrap();
    submit_in_session(&server, "other").await;

    let list = get(server.url("/arcgis/admin/system/jobs?f=json"))
        .send()
        .await
        .json();
    let fixture_jobs = FixtureSetCount::shipped();
    assert_eq!(list["total"], fixture_jobs + 1);
    let jobs = list["asyncJobs"].as_array().unwrap();
    let mine = jobs
        .iter()
        .find(|job| job["jobId"] == id)
        .expect("the created job is listed");
    let keys: Vec<&str> = mine
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["jobId", "startTime", "type", "username"]);

    let detailed =
        get(server.url("/arcgis/admin/system/jobs?f=json&detail=true&num=2&sortByDate=true"))
            .send()
            .await
            .json();
    let jobs = detailed["asyncJobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 2);
    assert_eq!(jobs[0]["jobId"], id, "the newest first");
    assert_eq!(jobs[0]["status"], "SUBMITTED");
    assert_eq!(detailed["total"], fixture_jobs + 1);
}

async fn submit_in_session(server: &TestServer, session: &str) -> Value {
    post(server.url(EXECUTE))
        .session(session)
        .form("f=json&itemId=x")
        .send()
        .await
        .json()
}

struct FixtureSetCount;

impl FixtureSetCount {
    fn shipped() -> usize {
        jobmock::fixture::FixtureSet::load(&shipped_fixtures())
            .unwrap()
            .jobs()
            .len()
    }
}

/// Cancel: `{"status":"success"}`, later answers carry isCancelled, and the job ends with its
/// template's onCancel step.
#[tokio::test]
async fn a_cancelled_job_says_so_and_ends_as_scripted() {
    let server = TestServer::start(&shipped_fixtures()).await;
    let created = submit(&server, EXECUTE, "f=json&itemId=i").await;
    let url = created["jobUrl"].as_str().unwrap().to_string();
    assert_eq!(get(format!("{url}?f=json")).status().await, "SUBMITTED");
    let cancel = post(format!("{url}/cancel"))
        .form("f=json")
        .send()
        .await
        .json();
    assert_eq!(cancel, json!({"status": "success"}));
    for _ in 0..2 {
        let job = get(format!("{url}?f=json")).send().await.json();
        assert_eq!(job["status"], "FAILED");
        assert_eq!(job["customAttributes"]["isCancelled"], true);
    }

    // A fixture job without onCancel goes on as scripted, marked cancelled.
    let fixture = server.job_url(EXECUTE_JOB, "");
    post(format!("{fixture}/cancel")).send().await;
    let job = get(format!("{fixture}?f=json")).send().await.json();
    assert_eq!(job["status"], "SUBMITTED");
    assert_eq!(job["customAttributes"]["isCancelled"], true);

    let unknown = post(server.job_url("jnope", "/cancel?f=json"))
        .send()
        .await
        .json();
    assert_eq!(unknown["code"], 404);
}

/// deleteAll removes the session's COMPLETED and FAILED jobs, and only those.
#[tokio::test]
async fn delete_all_removes_the_finished_jobs_of_the_session() {
    let server = TestServer::start(&shipped_fixtures()).await;
    for _ in 0..3 {
        get(server.job_url(EXECUTE_JOB, "?f=json")).send().await;
    }
    let answer = post(server.url("/arcgis/admin/system/jobs/deleteAll"))
        .form("f=json")
        .send()
        .await
        .json();
    assert_eq!(answer, json!({"status": "success"}));
    let gone = get(server.job_url(EXECUTE_JOB, "?f=json"))
        .send()
        .await
        .json();
    assert_eq!(gone["code"], 404, "{gone}");
    assert_eq!(
        get(server.job_url(OPEN_JOB, "?f=json")).status().await,
        "SUBMITTED",
        "not finished"
    );
    assert_eq!(
        get(server.job_url(EXECUTE_JOB, "?f=json"))
            .session("other")
            .status()
            .await,
        "SUBMITTED",
        "another session keeps it"
    );
    let list = get(server.url("/arcgis/admin/system/jobs?f=json"))
        .send()
        .await
        .json();
    assert!(
        !list["asyncJobs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|j| j["jobId"] == EXECUTE_JOB)
    );
    post(server.url("/__jobmock/reset")).send().await;
    assert_eq!(
        get(server.job_url(EXECUTE_JOB, "?f=json")).status().await,
        "SUBMITTED"
    );
}

/// --rebase-time: the first answer's startTime is now, and the recorded gaps stay.
#[tokio::test]
async fn rebased_times_start_now_and_keep_their_gaps() {
    let server = TestServer::start_with(
        &shipped_fixtures(),
        Options {
            rebase_time: true,
            ..Options::default()
        },
    )
    .await;
    let now = now_ms();
    let mut last = Value::Null;
    for _ in 0..3 {
        last = get(server.job_url(OPEN_JOB, "?f=json")).send().await.json();
    }
    let start = last["startTime"].as_i64().unwrap();
    assert!(
        (start - now).abs() < 5_000,
        "startTime {start} is not now ({now})"
    );
    assert_eq!(
        last["endTime"].as_i64().unwrap() - start,
        1600419770042 - 1600419767280
    );
}

/// Each kind of scripted fault, on a step and aimed at one poll.
#[tokio::test]
async fn scripted_faults_answer_instead_of_the_step() {
    let fixtures = FixtureDir::new();
    fixtures.job(
        "jfaults",
        &[
            "SUBMITTED",
            "PROCESSING",
            "PROCESSING",
            "PROCESSING",
            "PROCESSING",
            "COMPLETED",
        ],
    );
    fixtures.file(
        "jobs/jfaults/script.json",
        r#"{
          "faults": [{"poll": 1, "fault": {"portalError": {"code": 499, "message": "Token Required"}}}],
          "steps": {
            "002.json": {"fault": {"arcgisError": {"code": 498, "message": "Invalid token."}}},
            "003.json": {"fault": {"http": {"status": 503, "body": "Service Unavailable"}}},
            "004.json": {"fault": {"close": true}},
            "005.json": {"fault": {"truncate": 10}}
          }
        }"#,
    );
    let server = TestServer::start(fixtures.path()).await;
    let url = server.job_url("jfaults", "?f=json");

    let portal = get(&url).send().await;
    assert_eq!(portal.status, 200);
    assert_eq!(
        portal.json(),
        json!({"error": {"code": 499, "message": "Token Required", "details": []}})
    );
    assert_eq!(
        get(&url).status().await,
        "SUBMITTED",
        "the aimed fault did not move the job"
    );
    let admin = get(&url).send().await.json();
    assert_eq!(
        admin,
        json!({"status": "error", "messages": ["Invalid token."], "code": 498})
    );
    let http = get(&url).send().await;
    assert_eq!(http.status, 503);
    assert_eq!(http.body, "Service Unavailable");

    let closed = raw_request(
        server.addr,
        b"GET /arcgis/admin/system/jobs/jfaults?f=json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(closed, "", "the connection closed with no answer");

    let truncated = raw_request(
        server.addr,
        b"GET /arcgis/admin/system/jobs/jfaults?f=json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    let (head, body) = truncated.split_once("\r\n\r\n").expect("headers were sent");
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length: "))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(body.len(), 10, "{truncated}");
    assert!(length > 10, "the announced length is the whole answer's");

    assert_eq!(
        get(&url).status().await,
        "COMPLETED",
        "the server keeps serving"
    );
    let journal = get(server.url("/__jobmock/requests")).send().await.json();
    let codes: Vec<Value> = journal["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["errorCode"].clone())
        .collect();
    assert_eq!(codes[..3], [json!(499), Value::Null, json!(498)]);
}

/// --require-token and --token: 499 without a token, 498 with an unknown one, in the Portal's
/// shape under /sharing/; a good token in any of its three places passes; none is journaled.
#[tokio::test]
async fn tokens_are_required_and_checked() {
    let server = TestServer::start_with(
        &shipped_fixtures(),
        Options {
            auth: Auth {
                required: true,
                tokens: vec!["good-token".into()],
                ..Auth::default()
            },
            ..Options::default()
        },
    )
    .await;
    let url = server.job_url(OPEN_JOB, "?f=json");
    let missing = get(&url).send().await.json();
    assert_eq!(missing["code"], 499);
    let wrong = get(format!("{url}&token=bad-token")).send().await.json();
    assert_eq!(wrong["code"], 498);
    let portal = get(server.url("/portal/sharing/rest/community/self?f=json"))
        .send()
        .await
        .json();
    assert_eq!(portal["error"]["code"], 499);
    // What a real Portal serves to anyone needs no token.
    let info = get(server.url("/portal/sharing/rest/info?f=json"))
        .send()
        .await
        .json();
    assert_eq!(info["authInfo"]["isTokenBasedSecurity"], true, "{info}");

    assert_eq!(
        get(format!("{url}&token=good-token")).status().await,
        "SUBMITTED"
    );
    assert_eq!(
        get(&url)
            .header("X-Esri-Authorization", "Bearer good-token")
            .status()
            .await,
        "PROCESSING"
    );
    assert_eq!(
        get(&url)
            .header("Authorization", "Bearer good-token")
            .status()
            .await,
        "COMPLETED"
    );
    let form = post(server.job_url(OPEN_JOB, ""))
        .form("f=json&token=good-token")
        .send()
        .await;
    assert_eq!(form.job_status(), "COMPLETED");

    let journal = get(server.url("/__jobmock/requests")).send().await.body;
    assert!(
        !journal.contains("good-token") && !journal.contains("bad-token"),
        "{journal}"
    );
}

/// replay --tls serves HTTPS with a certificate written out for clients to trust.
#[tokio::test]
async fn tls_serves_https_with_a_certificate_clients_can_trust() {
    let scratch = tempfile::tempdir().unwrap();
    let cert = scratch.path().join("cert.pem");
    let fixtures = shipped_fixtures();
    let server = Binary::replay(
        &fixtures,
        &["--tls", "--tls-cert-out", cert.to_str().unwrap()],
    );
    assert!(
        server.base.starts_with("https://127.0.0.1:"),
        "{}",
        server.base
    );
    let pem = std::fs::read_to_string(&cert).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");

    // Through the record proxy, which trusts the written certificate as its CA: a real rustls
    // client verifying the chain and the name 127.0.0.1.
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::start(&[
        "record",
        "--upstream",
        &server.base,
        "--ca-cert",
        cert.to_str().unwrap(),
        "--fixtures",
        recorded.path().to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ]);
    let answer = get(proxy.url("/arcgis/admin/notebooks/executeNotebook?f=json&itemId=x"))
        .send()
        .await;
    let job_url = answer.json()["jobUrl"].as_str().unwrap().to_string();
    assert!(
        job_url.starts_with(&proxy.url("/arcgis/admin/system/jobs/")),
        "{job_url}"
    );
    assert_eq!(get(format!("{job_url}?f=json")).status().await, "SUBMITTED");
    drop(proxy);

    let (code, _, stderr) = run_binary(&[
        "replay",
        "--tls-cert",
        "/nonexistent.pem",
        "--tls-key",
        "/nonexistent.key",
    ]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("/nonexistent.pem"), "{stderr}");
}

/// A job that has ended stays as it ended when cancelled: nothing follows COMPLETED.
#[tokio::test]
async fn cancelling_an_ended_job_changes_nothing() {
    let server = TestServer::start(&shipped_fixtures()).await;
    let created = submit(&server, EXECUTE, "f=json&itemId=i").await;
    let url = created["jobUrl"].as_str().unwrap().to_string();
    let mut last = String::new();
    for _ in 0..5 {
        last = get(format!("{url}?f=json")).status().await;
    }
    assert_eq!(last, "COMPLETED");
    let cancel = post(format!("{url}/cancel"))
        .form("f=json")
        .send()
        .await
        .json();
    assert_eq!(cancel["status"], "success");
    let job = get(format!("{url}?f=json")).send().await.json();
    assert_eq!(job["status"], "COMPLETED");
    assert_eq!(job["customAttributes"]["isCancelled"], false);
}

/// A job whose next answer would be its end, but which has not answered it yet, is cancelled:
/// the ArcGIS client cancels right after its third poll, when the template's next step is
/// COMPLETED (found by the end-to-end test).
#[tokio::test]
async fn cancelling_just_before_the_end_cancels() {
    let server = TestServer::start(&shipped_fixtures()).await;
    let created = submit(&server, EXECUTE, "f=json&itemId=i").await;
    let url = created["jobUrl"].as_str().unwrap().to_string();
    for expected in ["SUBMITTED", "PROCESSING", "PROCESSING"] {
        assert_eq!(get(format!("{url}?f=json")).status().await, expected);
    }
    post(format!("{url}/cancel")).form("f=json").send().await;
    let job = get(format!("{url}?f=json")).send().await.json();
    assert_eq!(job["status"], "FAILED", "{job}");
    assert_eq!(job["customAttributes"]["isCancelled"], true, "{job}");
}

/// A created job ends when it is seen to end, not in the template's future; and the jobs list
/// shows what a poll shows (the mock's own URLs, rebased times).
#[tokio::test]
async fn created_jobs_end_now_and_the_list_matches_the_polls() {
    let server = TestServer::start_with(
        &shipped_fixtures(),
        Options {
            rebase_time: true,
            ..Options::default()
        },
    )
    .await;
    let created = submit(&server, OPEN, "f=json&itemId=nb").await;
    let url = format!("{}?f=json", created["jobUrl"].as_str().unwrap());
    let mut done = Value::Null;
    for _ in 0..4 {
        done = get(&url).send().await.json();
    }
    let now = now_ms();
    let end = done["endTime"].as_i64().unwrap();
    assert!(
        end <= now && end >= done["startTime"].as_i64().unwrap(),
        "{done}"
    );

    get(server.job_url(OPEN_JOB, "?f=json")).send().await;
    let list = get(server.url("/arcgis/admin/system/jobs?f=json&detail=true"))
        .send()
        .await
        .json();
    let jobs = list["asyncJobs"].as_array().unwrap();
    let listed = jobs
        .iter()
        .find(|job| job["jobId"] == done["jobId"])
        .unwrap();
    assert_eq!(
        listed["results"]["notebookUrl"],
        done["results"]["notebookUrl"]
    );
    assert!(!listed.to_string().contains("{{origin}}"), "{listed}");
    let fixture = jobs.iter().find(|job| job["jobId"] == OPEN_JOB).unwrap();
    assert!(
        fixture["startTime"].as_i64().unwrap() > 1_700_000_000_000,
        "rebased: {fixture}"
    );
}

/// A delay aimed at one poll slows that poll's usual answer.
#[tokio::test]
async fn a_delay_can_be_aimed_at_one_poll() {
    let fixtures = FixtureDir::new();
    fixtures.job("jslow", &["SUBMITTED", "COMPLETED"]);
    fixtures.file(
        "jobs/jslow/script.json",
        r#"{"faults": [{"poll": 2, "fault": {"delayMs": 300}}]}"#,
    );
    let server = TestServer::start(fixtures.path()).await;
    let url = server.job_url("jslow", "?f=json");
    assert_eq!(get(&url).status().await, "SUBMITTED");
    let started = std::time::Instant::now();
    assert_eq!(get(&url).status().await, "COMPLETED");
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));
}

/// A cancelled job's answer is read and written again to mark it; every number in it comes
/// back with exactly the value the fixture wrote (found by a property test: floats moved by
/// one unit in the last place).
#[tokio::test]
async fn a_patched_answer_keeps_every_number_exactly() {
    let fixtures = FixtureDir::new();
    let numbers = "[-5.417340915494581e-233, 0.1, 1.7976931348623157e308, 123456789012345678]";
    fixtures.file(
        "jobs/j1/001.json",
        &format!(r#"{{"jobId": "j1", "status": "PROCESSING", "n": {numbers}}}"#),
    );
    let server = TestServer::start(fixtures.path()).await;
    get(server.job_url("j1", "?f=json")).send().await;
    post(server.job_url("j1", "/cancel?f=json")).send().await;
    let answer = get(server.job_url("j1", "?f=json")).send().await;
    assert_eq!(answer.json()["customAttributes"]["isCancelled"], true);
    // Equal as numbers, bit for bit (the text may spell an exponent `e+308`).
    let expected: serde_json::Value = serde_json::from_str(numbers).unwrap();
    assert_eq!(answer.json()["n"], expected, "{}", answer.body);
    assert!(
        answer.body.contains("-5.417340915494581e-233"),
        "{}",
        answer.body
    );
}
