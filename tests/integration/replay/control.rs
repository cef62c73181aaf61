//! Sessions and the control API: each session its own cursors, reset and advance, the jobs
//! listing, the journal, and the control token.

use jobmock::replay::Options;

use crate::util::*;

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
