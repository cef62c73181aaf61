//! What a test asserts its client did: the journal's fields and filters, near misses, the
//! verification report, path-prefix sessions and `--strict`.

use std::time::Duration;

use serde_json::Value;

use crate::util::*;

const TOKEN_EXPIRED: &str = r#"{"status":"error","messages":["Token Expired."],"code":498}"#;

/// A set with one job whose second step is an admin error body in a file, a recorded Portal
/// error, and a recorded `executeNotebook` that lists `updatePortalItem=false`.
fn set_with_errors_and_a_recording() -> FixtureDir {
    let fixtures = FixtureDir::new();
    fixtures
        .job("jexpiring", &["SUBMITTED", "PROCESSING", "COMPLETED"])
        .file("jobs/jexpiring/002.json", TOKEN_EXPIRED)
        .file(
            "exchanges/GET-portal-self/request.json",
            r#"{"method":"GET","path":"/portal/sharing/rest/portals/self","params":{}}"#,
        )
        .file(
            "exchanges/GET-portal-self/001.json",
            r#"{"error":{"code":498,"message":"Invalid token.","details":[]}}"#,
        )
        .file(
            "exchanges/POST-execute/request.json",
            r#"{"method":"POST","path":"/nb/admin/notebooks/executeNotebook","exactMethod":true,
                "params":{"itemId":"c21213a381804c85935f50a1349a390f","updatePortalItem":"false"}}"#,
        )
        .file(
            "exchanges/POST-execute/001.json",
            r#"{"jobId":"jrecorded","jobUrl":"{{origin}}/nb/admin/system/jobs/jrecorded","status":"success"}"#,
        );
    fixtures
}

async fn journal(server: &TestServer, query: &str) -> Vec<Value> {
    let answer = get(server.url(&format!("/__jobmock/requests{query}")))
        .send()
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.json()["requests"].as_array().unwrap().clone()
}

/// An error answer carries its ArcGIS code in the journal wherever it came from: a step file
/// holding an admin error, a recorded Portal error, or jobmock's own.
#[tokio::test]
async fn every_error_answer_carries_its_code_in_the_journal() {
    let fixtures = set_with_errors_and_a_recording();
    let server = TestServer::start(fixtures.path()).await;
    for _ in 0..2 {
        get(server.job_url("jexpiring", "?f=json")).send().await;
    }
    get(server.url("/portal/sharing/rest/portals/self?f=json"))
        .send()
        .await;
    get(server.job_url("jexpiring", "?f=xml")).send().await;

    let entries = journal(&server, "").await;
    let codes: Vec<&Value> = entries.iter().map(|entry| &entry["errorCode"]).collect();
    assert_eq!(
        codes,
        [
            &Value::Null,
            &Value::from(498),
            &Value::from(498),
            &Value::from(400)
        ]
    );
    assert_eq!(entries[0]["jobStatus"], "SUBMITTED");
    assert_eq!(entries[1]["step"], "002.json");
    assert_eq!(
        entries[1]["jobStatus"],
        Value::Null,
        "an error has no job status"
    );
    assert_eq!(entries[2]["servedBy"], "exchange");
    assert_eq!(entries[2]["exchange"], "GET-portal-self");
    assert_eq!(entries[3]["servedBy"], "refusal");
    for entry in &entries {
        assert_eq!(entry["matched"], true, "{entry}");
    }
}

/// A step whose script answers a fault instead of its body: the journal has the fault's code,
/// and no job status, since the client saw none.
#[tokio::test]
async fn a_scripted_fault_has_its_code_and_no_job_status() {
    let fixtures = FixtureDir::new();
    fixtures
        .job("jfaulty", &["SUBMITTED", "PROCESSING", "COMPLETED"])
        .file(
            "jobs/jfaulty/script.json",
            r#"{"steps":{"002.json":{"fault":{"arcgisError":{"code":498,"message":"Invalid token."}}}}}"#,
        );
    let server = TestServer::start(fixtures.path()).await;
    for _ in 0..3 {
        get(server.job_url("jfaulty", "?f=json")).send().await;
    }
    let entries = journal(&server, "?job=jfaulty").await;
    let seen: Vec<(&Value, &Value)> = entries
        .iter()
        .map(|entry| (&entry["jobStatus"], &entry["errorCode"]))
        .collect();
    let (submitted, completed) = (Value::from("SUBMITTED"), Value::from("COMPLETED"));
    assert_eq!(
        seen,
        [
            (&submitted, &Value::Null),
            (&Value::Null, &Value::from(498)),
            (&completed, &Value::Null)
        ]
    );
}

/// `?session=`, `?job=` and `?unmatched=` each narrow the journal, and combine.
#[tokio::test]
async fn the_journal_filters_by_session_job_and_unmatched() {
    let server = TestServer::start(&shipped_fixtures()).await;
    get(server.job_url(OPEN_JOB, "?f=json"))
        .session("a")
        .send()
        .await;
    get(server.job_url(EXECUTE_JOB, "?f=json"))
        .session("a")
        .send()
        .await;
    get(server.job_url(OPEN_JOB, "?f=json"))
        .session("b")
        .send()
        .await;
    get(server.job_url("jnot-there", "?f=json"))
        .session("b")
        .send()
        .await;

    assert_eq!(journal(&server, "").await.len(), 4);
    let a = journal(&server, "?session=a").await;
    assert_eq!(a.len(), 2);
    assert!(a.iter().all(|entry| entry["session"] == "a"));
    let open = journal(&server, &format!("?job={OPEN_JOB}")).await;
    assert_eq!(open.len(), 2);
    assert_eq!(
        journal(&server, &format!("?job={OPEN_JOB}&session=b"))
            .await
            .len(),
        1
    );
    let unmatched = journal(&server, "?unmatched=true").await;
    assert_eq!(unmatched.len(), 1);
    assert_eq!(unmatched[0]["job"], "jnot-there");
    assert_eq!(unmatched[0]["matched"], false);
    assert_eq!(unmatched[0]["servedBy"], "nothing");
    assert_eq!(journal(&server, "?unmatched=false").await.len(), 3);
    assert_eq!(journal(&server, "?session=nobody").await.len(), 0);

    let bad = get(server.url("/__jobmock/requests?unmatched=maybe"))
        .send()
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("unmatched=true"), "{}", bad.body);
}

/// The parameters a client sent, from the query and from a form body, are shown by name; the
/// secret ones (token, password, …) as REDACTED, and never anywhere in the journal.
#[tokio::test]
async fn form_and_query_parameters_are_shown_with_secrets_redacted() {
    let server = TestServer::start(&shipped_fixtures()).await;
    post(server.url("/arcgis/admin/notebooks/executeNotebook?f=json"))
        .form(
            "itemId=c21213a381804c85935f50a1349a390f&notebookParameters=%7B%22a%22%3A1%7D\
             &token=fm-s3cret-tok&password=pw-s3cret",
        )
        .send()
        .await;
    let answer = get(server.url("/__jobmock/requests")).send().await;
    assert!(!answer.body.contains("s3cret"), "{}", answer.body);
    let entry = &answer.json()["requests"][0];
    assert_eq!(entry["method"], "POST");
    assert_eq!(entry["path"], "/arcgis/admin/notebooks/executeNotebook");
    assert_eq!(entry["servedBy"], "template");
    let params = &entry["params"];
    assert_eq!(params["f"], "json");
    assert_eq!(params["itemId"], "c21213a381804c85935f50a1349a390f");
    assert_eq!(params["notebookParameters"], r#"{"a":1}"#);
    assert_eq!(params["token"], "REDACTED");
    assert_eq!(params["password"], "REDACTED");
    assert!(entry["job"].as_str().unwrap().starts_with('j'), "{entry}");
}

/// A request that differs from a recording in one parameter is unmatched, and says which
/// parameter, with both values, in its answer and in the journal.
#[tokio::test]
async fn an_unmatched_request_names_the_recording_it_nearly_matched() {
    let fixtures = set_with_errors_and_a_recording();
    let server = TestServer::start(fixtures.path()).await;
    let answer = post(server.url("/nb/admin/notebooks/executeNotebook"))
        .form("itemId=c21213a381804c85935f50a1349a390f&updatePortalItem=true&f=json")
        .send()
        .await;
    assert_eq!(
        answer.status, 200,
        "without --strict, the admin API's error"
    );
    let message = answer.json()["messages"][0].as_str().unwrap().to_string();
    assert!(
        message.contains("no template for executeNotebook"),
        "{message}"
    );
    assert!(
        message.contains(
            r#"closest recorded exchange "POST-execute" (POST /nb/admin/notebooks/executeNotebook): parameter updatePortalItem is "true" here, "false" in the recording"#
        ),
        "{message}"
    );

    // A job ID one character off names the job.
    let job = get(server.job_url("jexpirinf", "?f=json")).send().await;
    assert!(
        job.body.contains(
            "no job jexpirinf in the set; the closest is jexpiring (GET /__jobmock/jobs lists \
             them all)"
        ),
        "{}",
        job.body
    );
    // Nothing near: no hint at all rather than a misleading one.
    let far = get(server.url("/completely/elsewhere")).send().await;
    assert!(!far.body.contains("closest"), "{}", far.body);

    let unmatched = journal(&server, "?unmatched=true").await;
    assert_eq!(unmatched.len(), 3);
    let near = &unmatched[0]["nearMiss"];
    assert_eq!(near["kind"], "exchange");
    assert_eq!(near["name"], "POST-execute");
    assert_eq!(
        near["differences"],
        serde_json::json!([{"what": "param", "name": "updatePortalItem", "sent": "true", "recorded": "false"}])
    );
    assert_eq!(unmatched[1]["nearMiss"]["kind"], "job");
    assert_eq!(
        unmatched[1]["nearMiss"]["differences"][0]["recorded"],
        "jexpiring"
    );
    assert_eq!(unmatched[2]["nearMiss"], Value::Null);

    // The method (where the exchange asks for it exactly) and a missing parameter are
    // differences too.
    get(server.url("/nb/admin/notebooks/executeNotebook?itemId=c21213a381804c85935f50a1349a390f"))
        .send()
        .await;
    let last = journal(&server, "?unmatched=true").await.pop().unwrap();
    let differences = &last["nearMiss"]["differences"];
    assert_eq!(differences[0]["what"], "method", "{differences}");
    assert_eq!(differences[0]["sent"], "GET");
    assert_eq!(differences[1]["name"], "updatePortalItem");
    assert_eq!(differences[1]["sent"], Value::Null);
}

/// The verification report counts each job's polls per session, with the gaps between them,
/// the statuses served and the polls after the end; the submissions of one operation; the
/// unmatched requests; and what the set holds that nobody used.
#[tokio::test]
async fn verify_reports_polls_intervals_submissions_and_unused_fixtures() {
    let server = TestServer::start(&shipped_fixtures()).await;
    // OPEN_JOB walks SUBMITTED, PROCESSING, COMPLETED: five polls make two after the end.
    for _ in 0..5 {
        get(server.job_url(OPEN_JOB, "?f=json"))
            .session("s")
            .send()
            .await;
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    get(server.job_url(OPEN_JOB, "?f=json"))
        .session("other")
        .send()
        .await;
    for _ in 0..2 {
        post(server.url("/arcgis/admin/notebooks/openNotebook"))
            .session("s")
            .form("itemId=c21213a381804c85935f50a1349a390f&token=t0k-s3cret&f=json")
            .send()
            .await;
    }
    get(server.job_url("jmissing", "?f=json"))
        .session("s")
        .send()
        .await;

    let answer = get(server.url("/__jobmock/verify?session=s")).send().await;
    assert!(!answer.body.contains("s3cret"), "{}", answer.body);
    let report = answer.json();
    assert_eq!(report["session"], "s");
    assert_eq!(report["complete"], true);
    assert_eq!(report["requests"], 8);

    let jobs = report["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 1, "only session s: {jobs:?}");
    let job = &jobs[0];
    assert_eq!(job["jobId"], OPEN_JOB);
    assert_eq!(job["polls"], 5);
    assert_eq!(job["finalStatus"], "COMPLETED");
    assert_eq!(job["pollsAfterEnd"], 2);
    let runs: Vec<(String, u64)> = job["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|run| {
            (
                run["status"].as_str().unwrap().to_string(),
                run["polls"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        runs,
        [
            ("SUBMITTED".to_string(), 1),
            ("PROCESSING".to_string(), 1),
            ("COMPLETED".to_string(), 3)
        ]
    );
    let intervals = &job["intervalsMs"];
    let (min, median, max) = (
        intervals["min"].as_u64().unwrap(),
        intervals["median"].as_u64().unwrap(),
        intervals["max"].as_u64().unwrap(),
    );
    assert!(
        min >= 25,
        "the client slept 25 ms between polls: {intervals}"
    );
    assert!(min <= median && median <= max, "{intervals}");

    let submissions = report["submissions"].as_array().unwrap();
    assert_eq!(submissions.len(), 1, "{submissions:?}");
    assert_eq!(submissions[0]["operation"], "openNotebook");
    assert_eq!(submissions[0]["count"], 2);
    assert_eq!(submissions[0]["params"]["token"], "REDACTED");
    assert_eq!(submissions[0]["jobIds"].as_array().unwrap().len(), 2);

    assert_eq!(report["unmatched"].as_array().unwrap().len(), 1);
    assert_eq!(report["unmatched"][0]["job"], "jmissing");

    let unused_jobs = report["unused"]["jobs"].as_array().unwrap();
    assert!(!unused_jobs.contains(&Value::from(OPEN_JOB)));
    assert!(unused_jobs.contains(&Value::from(EXECUTE_JOB)));
    // None of the set's exchanges was asked for (the web tool's metadata among them).
    let exchanges = std::fs::read_dir(shipped_fixtures().join("exchanges"))
        .unwrap()
        .count();
    assert!(exchanges > 12, "the shipped exchanges: {exchanges}");
    assert_eq!(
        report["unused"]["exchanges"].as_array().unwrap().len(),
        exchanges,
        "no exchange was used"
    );

    let findings: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding.as_str().unwrap())
        .collect();
    assert!(
        findings
            .iter()
            .any(|f| f.contains("polled 2 time(s) after it ended COMPLETED")),
        "{findings:?}"
    );
    assert!(
        findings
            .iter()
            .any(|f| f.contains("openNotebook was submitted 2 times")),
        "{findings:?}"
    );
    assert!(
        findings
            .iter()
            .any(|f| f.contains("jmissing matched no fixture")),
        "{findings:?}"
    );

    // Over all sessions: both sessions' polls, each on its own.
    let all = get(server.url("/__jobmock/verify")).send().await.json();
    assert_eq!(all["session"], Value::Null);
    assert_eq!(all["jobs"].as_array().unwrap().len(), 2);
    assert_eq!(all["jobs"][1]["session"], "other");
    assert_eq!(
        all["jobs"][1]["intervalsMs"],
        Value::Null,
        "one poll has no interval"
    );
}

/// A recorded submission's answer names the job it started: its journal entry carries that job
/// beside the exchange, `?job=` finds it with the job's polls, and the report links the two.
#[tokio::test]
async fn a_recorded_submission_is_linked_to_the_job_it_started() {
    let fixtures = set_with_errors_and_a_recording();
    fixtures.job("jrecorded", &["SUBMITTED", "COMPLETED"]);
    let server = TestServer::start(fixtures.path()).await;
    let answer = post(server.url("/nb/admin/notebooks/executeNotebook"))
        .form("itemId=c21213a381804c85935f50a1349a390f&updatePortalItem=false&f=json")
        .send()
        .await;
    assert_eq!(answer.json()["jobId"], "jrecorded", "{}", answer.body);
    for _ in 0..2 {
        get(server.url("/nb/admin/system/jobs/jrecorded?f=json"))
            .send()
            .await;
    }

    let entries = journal(&server, "?job=jrecorded").await;
    let served: Vec<(&str, &str)> = entries
        .iter()
        .map(|entry| {
            (
                entry["method"].as_str().unwrap(),
                entry["servedBy"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        served,
        [("POST", "exchange"), ("GET", "job"), ("GET", "job")]
    );
    assert_eq!(entries[0]["exchange"], "POST-execute");

    let report = get(server.url("/__jobmock/verify")).send().await.json();
    assert_eq!(
        report["submissions"][0]["jobIds"],
        serde_json::json!(["jrecorded"])
    );
    assert_eq!(
        report["submissions"][0]["servedBy"],
        serde_json::json!(["exchange"])
    );
    let jobs = report["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 1, "the submission is not a poll: {jobs:?}");
    assert_eq!(jobs[0]["polls"], 2);
    assert_eq!(jobs[0]["finalStatus"], "COMPLETED");
}

/// A journal that dropped requests says so: the report is then not the whole story.
#[tokio::test]
async fn verify_says_when_the_journal_is_incomplete() {
    let server = TestServer::start_with(
        &shipped_fixtures(),
        jobmock::replay::Options {
            journal_size: 2,
            ..jobmock::replay::Options::default()
        },
    )
    .await;
    for _ in 0..3 {
        get(server.job_url(OPEN_JOB, "?f=json")).send().await;
    }
    let report = get(server.url("/__jobmock/verify")).send().await.json();
    assert_eq!(report["complete"], false);
    assert_eq!(report["jobs"][0]["polls"], 2);
    assert!(report["findings"][0].as_str().unwrap().contains("dropped"));
}

/// `/__session/<name>/…` puts a request into session `<name>` with no header, and every URL
/// the mock writes (a created job's `jobUrl`, `{{origin}}` in a recording) keeps the prefix, so
/// a client that follows them stays in its session. The control API under the prefix is that
/// session's.
#[tokio::test]
async fn a_path_prefix_puts_every_request_into_one_session_and_urls_keep_it() {
    let fixtures = set_with_errors_and_a_recording();
    fixtures.file(
        "templates/executeNotebook/001.json",
        r#"{"jobId":"jtemplate","type":"executeNotebook","status":"COMPLETED"}"#,
    );
    let server = TestServer::start(fixtures.path()).await;
    let prefix = "/__session/ci%20run-1";

    let created = post(server.url(&format!("{prefix}/arcgis/admin/notebooks/executeNotebook")))
        .form("itemId=x&f=json")
        .send()
        .await
        .json();
    let job_url = created["jobUrl"].as_str().unwrap();
    assert_eq!(
        job_url,
        format!(
            "http://{}{prefix}/arcgis/admin/system/jobs/{}",
            server.addr,
            created["jobId"].as_str().unwrap()
        )
    );
    assert_eq!(get(format!("{job_url}?f=json")).status().await, "COMPLETED");

    let recorded = post(server.url(&format!("{prefix}/nb/admin/notebooks/executeNotebook")))
        .form("itemId=c21213a381804c85935f50a1349a390f&updatePortalItem=false&f=json")
        .send()
        .await
        .json();
    assert_eq!(
        recorded["jobUrl"],
        format!(
            "http://{}{prefix}/nb/admin/system/jobs/jrecorded",
            server.addr
        )
    );

    let entries = journal(&server, "").await;
    assert_eq!(entries.len(), 3);
    for entry in &entries {
        assert_eq!(entry["session"], "ci run-1", "{entry}");
        assert!(
            !entry["path"].as_str().unwrap().contains("__session"),
            "{entry}"
        );
    }
    // Under the prefix, the control API is the session's; `?session=` still picks another.
    get(server.job_url("jexpiring", "?f=json")).send().await;
    let scoped = get(server.url(&format!("{prefix}/__jobmock/requests")))
        .send()
        .await
        .json();
    assert_eq!(scoped["requests"].as_array().unwrap().len(), 3);
    let report = get(server.url(&format!("{prefix}/__jobmock/verify")))
        .send()
        .await
        .json();
    assert_eq!(report["session"], "ci run-1");
    assert_eq!(report["jobs"].as_array().unwrap().len(), 1);
    let default = get(server.url(&format!("{prefix}/__jobmock/requests?session=default")))
        .send()
        .await
        .json();
    assert_eq!(default["requests"].as_array().unwrap().len(), 1);
    // Advancing and resetting under the prefix touch this session only.
    let advanced = post(server.url(&format!("{prefix}/__jobmock/jobs/jexpiring/advance")))
        .send()
        .await
        .json();
    assert_eq!(advanced["session"], "ci run-1");
    post(server.url(&format!("{prefix}/__jobmock/reset")))
        .send()
        .await;
    assert_eq!(
        journal(&server, "").await.len(),
        1,
        "the default session's entry stays"
    );

    // A session name that is empty, or holds what a URL in an answer could not, is refused.
    for bad in ["/__session//x", "/__session/a%0Ab/x", "/__session/a\"b/x"] {
        let answer = Call::new(hyper::Method::GET, server.url(bad)).send().await;
        assert_eq!(answer.status, 400, "{bad}: {}", answer.body);
        assert!(
            answer.body.contains("/__session/<name>/"),
            "{}",
            answer.body
        );
    }
}

/// With `--strict`, an unmatched request gets HTTP 400 (not 5xx, which the ArcGIS client
/// retries) with a body holding `error`, is printed on stderr with its near miss, and replay
/// exits 1 at shutdown; with none, it exits 0.
#[test]
fn strict_fails_unmatched_requests_and_the_run() {
    let fixtures = set_with_errors_and_a_recording();
    let server = Binary::replay(fixtures.path(), &["--strict"]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (answer, matched, health) = runtime.block_on(async {
        let answer = post(server.url("/nb/admin/notebooks/executeNotebook?f=html"))
            .form("itemId=c21213a381804c85935f50a1349a390f&updatePortalItem=true")
            .send()
            .await;
        let matched = get(server.url("/arcgis/admin/system/jobs/jexpiring?f=json"))
            .send()
            .await;
        let health = get(server.url("/__jobmock/health")).send().await.json();
        (answer, matched, health)
    });
    assert_eq!(answer.status, 400);
    let error = &answer.json()["error"];
    assert_eq!(error["code"], 400);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .starts_with("jobmock --strict"),
        "{error}"
    );
    assert!(
        error["details"][0]
            .as_str()
            .unwrap()
            .contains("updatePortalItem"),
        "{error}"
    );
    assert_eq!(matched.status, 200, "a matched request is served as ever");
    assert_eq!(health["unmatched"], 1);
    server.terminate();
    let (code, _, stderr) = server.wait(Duration::from_secs(10));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("unmatched (--strict): POST /nb/admin/notebooks/executeNotebook"),
        "{stderr}"
    );
    assert!(
        stderr.contains(r#"parameter updatePortalItem is "true" here"#),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 request(s) matched no fixture"),
        "{stderr}"
    );

    let clean = Binary::replay(fixtures.path(), &["--strict"]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        get(clean.url("/arcgis/admin/system/jobs/jexpiring?f=json"))
            .send()
            .await;
    });
    clean.stop();
}

/// A job whose last answer was an error ends, in the report, with that error and its code, as
/// the recorder's summary shows it; a job still running has no final status.
#[tokio::test]
async fn a_job_whose_last_answer_was_an_error_has_that_error_as_its_final_status() {
    let fixtures = FixtureDir::new();
    fixtures
        .job("jtokens", &["SUBMITTED", "PROCESSING", "PROCESSING"])
        .file("jobs/jtokens/002.json", TOKEN_EXPIRED)
        .file(
            "jobs/jtokens/003.json",
            r#"{"error":{"code":499,"message":"Token Required.","details":[]}}"#,
        )
        .job("jrunning", &["SUBMITTED", "PROCESSING"]);
    let server = TestServer::start(fixtures.path()).await;
    for _ in 0..3 {
        get(server.job_url("jtokens", "?f=json")).send().await;
    }
    get(server.job_url("jrunning", "?f=json")).send().await;
    let report = get(server.url("/__jobmock/verify")).send().await.json();
    let final_status = |id: &str| {
        let jobs = report["jobs"].as_array().unwrap();
        let job = jobs.iter().find(|job| job["jobId"] == id).unwrap();
        job["finalStatus"].clone()
    };
    assert_eq!(final_status("jtokens"), "error 499", "{report}");
    assert_eq!(final_status("jrunning"), Value::Null, "{report}");
}

/// A poll of a job the set lacks, its ID nothing like any in the set, names the set's closest
/// job rather than an exchange on a similar path.
#[tokio::test]
async fn a_poll_of_an_unknown_job_names_the_closest_job_of_the_set() {
    let server = TestServer::start(&shipped_fixtures()).await;
    let answer = get(server.job_url("jnope", "?f=json")).send().await;
    let message = answer.json()["messages"][0].as_str().unwrap().to_string();
    let report = get(server.url("/__jobmock/verify")).send().await.json();
    let near = &report["unmatched"][0]["nearMiss"];
    assert_eq!(near["kind"], "job", "{report}");
    let closest = near["name"].as_str().unwrap();
    assert!(
        message.contains(&format!(
            "no job jnope in the set; the closest is {closest} ("
        )),
        "{message}"
    );
}
