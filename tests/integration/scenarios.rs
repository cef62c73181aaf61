//! Jobs and submissions a test defines at run time through the control API, per session:
//! `POST /__jobmock/jobs`, `POST /__jobmock/submissions`, their listings, removal and reset,
//! and the 400 that names the field of a bad body. Driven with a plain HTTP client.

use serde_json::{Value, json};

use crate::util::*;

const ITEM: &str = "c21213a381804c85935f50a1349a390f";
const SUBMIT: &str = "/notebookserver/admin/notebooks/executeNotebook?f=json";

async fn define(server: &Binary, session: &str, what: &str, body: &Value) -> Answer {
    post(server.url(&format!("/__jobmock/{what}")))
        .session(session)
        .body("application/json", &serde_json::to_vec(body).unwrap())
        .send()
        .await
}

/// `polls` polls of the job at `url` in `session`: each answer's status, or `error <code>`.
async fn polled(url: &str, session: &str, polls: usize) -> Vec<String> {
    let mut seen = Vec::new();
    for _ in 0..polls {
        let answer = get(format!("{url}?f=json")).session(session).send().await;
        let value: Value = serde_json::from_str(&answer.body).unwrap_or(Value::Null);
        seen.push(match value["status"].as_str() {
            Some("error") => format!("error {}", value["code"]),
            Some(status) => status.to_string(),
            None => format!("HTTP {}", answer.status.as_u16()),
        });
    }
    seen
}

#[tokio::test]
async fn a_defined_job_plays_its_steps_then_what_then_says() {
    let server = Binary::replay(&shipped_fixtures(), &[]);
    let defined = define(
        &server,
        "t1",
        "jobs",
        &json!({
            "type": "executeNotebook",
            "steps": [{"status": "SUBMITTED"},
                      {"status": "PROCESSING", "polls": 2, "percent": 50},
                      {"status": "FAILED", "messages": ["Cell 3 raised KeyError"]}],
            "then": "gone"
        }),
    )
    .await;
    assert_eq!(defined.status, 201, "{}", defined.body);
    let defined = defined.json();
    let url = defined["jobUrl"].as_str().unwrap().to_string();
    let id = defined["jobId"].as_str().unwrap().to_string();
    assert!(
        url.ends_with(&format!("/notebookserver/admin/system/jobs/{id}")),
        "{url}"
    );
    assert_eq!(defined["session"], "t1");
    assert_eq!(defined["then"], "gone");
    assert_eq!(
        polled(&url, "t1", 5).await,
        [
            "SUBMITTED",
            "PROCESSING",
            "PROCESSING",
            "FAILED",
            "error 404"
        ]
    );
    // The failing step says why, and has the type's fields.
    let server_b = define(
        &server,
        "t2",
        "jobs",
        &json!({"jobId": id, "steps": [{"status": "Completed"}]}),
    )
    .await;
    assert_eq!(server_b.status, 201, "{}", server_b.body);
    let last = get(format!("{url}?f=json"))
        .session("t2")
        .send()
        .await
        .json();
    assert_eq!(
        last["status"], "Completed",
        "a status in another casing is served as written"
    );
    assert_eq!(last["jobId"], id.as_str());
    assert!(
        last["startTime"].is_number() && last["type"] == "executeNotebook",
        "{last}"
    );
    server.stop();
}

#[tokio::test]
async fn sessions_see_only_the_jobs_they_defined() {
    let server = Binary::replay(&shipped_fixtures(), &[]);
    for (session, status) in [("alice", "COMPLETED"), ("bob", "FAILED")] {
        let answer = define(
            &server,
            session,
            "jobs",
            &json!({"jobId": "jshared", "steps": [{"status": status}]}),
        )
        .await;
        assert_eq!(answer.status, 201, "{}", answer.body);
    }
    let url = server.url("/notebookserver/admin/system/jobs/jshared");
    assert_eq!(polled(&url, "alice", 1).await, ["COMPLETED"]);
    assert_eq!(polled(&url, "bob", 1).await, ["FAILED"]);
    assert_eq!(polled(&url, "carol", 1).await, ["error 404"]);

    // A definition comes before a fixture job of the same ID, in its session only.
    let fixture = "j6185135c-92a8-4402-b8de-90a66dc61fcc";
    let fixture_url = server.url(&format!("/notebookserver/admin/system/jobs/{fixture}"));
    let first = polled(&fixture_url, "carol", 1).await;
    define(
        &server,
        "alice",
        "jobs",
        &json!({"jobId": fixture, "steps": [{"status": "FAILED"}]}),
    )
    .await;
    assert_eq!(polled(&fixture_url, "alice", 1).await, ["FAILED"]);
    assert_eq!(polled(&fixture_url, "dave", 1).await, first);

    // Removed, and reset: gone for alice.
    let removed = hyper_delete(&server, "alice", "/__jobmock/jobs/jshared").await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    assert_eq!(polled(&url, "alice", 1).await, ["error 404"]);
    assert_eq!(
        hyper_delete(&server, "alice", "/__jobmock/jobs/jshared")
            .await
            .status,
        404
    );
    post(server.url("/__jobmock/reset?session=bob"))
        .send()
        .await;
    assert_eq!(polled(&url, "bob", 1).await, ["error 404"]);
    server.stop();
}

async fn hyper_delete(server: &Binary, session: &str, path: &str) -> Answer {
    Call::new(hyper::Method::DELETE, server.url(path))
        .session(session)
        .send()
        .await
}

#[tokio::test]
async fn a_defined_submission_answers_the_matching_item_and_the_rest_falls_through() {
    let server = Binary::replay(&shipped_fixtures(), &[]);
    let other = "0123456789abcdef0123456789abcdef";
    let defined = define(
        &server,
        "t",
        "submissions",
        &json!({"operation": "executeNotebook", "params": {"itemId": other},
                "steps": [{"status": "SUBMITTED"}, {"status": "FAILED", "messages": ["boom"]}],
                "times": 1}),
    )
    .await;
    assert_eq!(defined.status, 201, "{}", defined.body);
    assert_eq!(defined.json()["remaining"], 1);

    let submit = |item: &str| {
        post(server.url(SUBMIT))
            .session("t")
            .form(&format!("itemId={item}"))
    };
    let matched = submit(other).send().await.json();
    let job_url = matched["jobUrl"].as_str().unwrap().to_string();
    assert_eq!(
        polled(&job_url, "t", 3).await,
        ["SUBMITTED", "FAILED", "FAILED"]
    );
    // Another item completes from the templates; the same item again too (times: 1).
    for item in [ITEM, other] {
        let url = submit(item).send().await.json()["jobUrl"]
            .as_str()
            .unwrap()
            .to_string();
        let statuses = polled(&url, "t", 5).await;
        assert_eq!(
            statuses.last().unwrap(),
            "COMPLETED",
            "{item}: {statuses:?}"
        );
    }
    // Another session is not answered by t's submissions.
    define(
        &server,
        "t",
        "submissions",
        &json!({"operation": "executeNotebook", "times": null,
        "answer": {"status": "success"}}),
    )
    .await;
    let no_job_id = submit(ITEM).send().await.json();
    assert_eq!(
        no_job_id,
        json!({"status": "success"}),
        "an answer without jobId, as #137 saw"
    );
    let elsewhere = post(server.url(SUBMIT))
        .session("u")
        .form("itemId=x")
        .send()
        .await
        .json();
    assert!(elsewhere["jobId"].is_string(), "{elsewhere}");

    let listed = get(server.url("/__jobmock/submissions?session=t"))
        .send()
        .await
        .json();
    let listed = listed["submissions"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["remaining"], 0);
    assert_eq!(listed[0]["matched"], 1);
    assert_eq!(listed[1]["times"], Value::Null);
    let id = listed[1]["id"].as_str().unwrap();
    assert_eq!(
        hyper_delete(&server, "t", &format!("/__jobmock/submissions/{id}"))
            .await
            .status,
        200
    );
    assert!(submit(ITEM).send().await.json()["jobId"].is_string());
    server.stop();
}

/// Each kind of bad body is a 400 whose message starts with the field it is about.
#[tokio::test]
async fn a_bad_body_is_refused_naming_its_field() {
    let server = Binary::replay(&shipped_fixtures(), &[]);
    let cases = [
        (
            json!({"steps": [{"status": "SUBMITTED"}, {"status": "PROCESSING"}, {"status": 3}]}),
            "steps[2].status",
        ),
        (json!({"steps": []}), "steps"),
        (
            json!({"steps": [{"status": "COMPLETED", "pols": 2}]}),
            "steps[0].pols",
        ),
        (
            json!({"steps": [{"status": "COMPLETED", "polls": 0}]}),
            "steps[0].polls",
        ),
        (json!({"steps": [{}]}), "steps[0]"),
        (
            json!({"steps": [{"status": "COMPLETED", "body": {}}]}),
            "steps[0]",
        ),
        (
            json!({"steps": [{"status": "COMPLETED"}], "then": "loop"}),
            "then",
        ),
        (
            json!({"steps": [{"status": "COMPLETED"}], "jobId": "no/slash"}),
            "jobId",
        ),
        (
            json!({"steps": [{"status": "COMPLETED", "httpStatus": 999}]}),
            "steps[0].httpStatus",
        ),
        (
            json!({"steps": [{"fault": {"arcgisError": {"code": "x"}}}]}),
            "steps[0].fault.arcgisError",
        ),
    ];
    for (body, field) in cases {
        let answer = define(&server, "t", "jobs", &body).await;
        assert_eq!(answer.status, 400, "{body}: {}", answer.body);
        let value = answer.json();
        assert_eq!(value["field"], field, "{body}: {value}");
        let message = value["messages"][0].as_str().unwrap();
        assert!(message.starts_with(field), "{body}: {message}");
    }
    let not_json = post(server.url("/__jobmock/jobs"))
        .body("application/json", b"{\"steps\": [")
        .send()
        .await;
    assert_eq!(not_json.status, 400);
    assert!(not_json.body.contains("line"), "{}", not_json.body);
    let submission = define(
        &server,
        "t",
        "submissions",
        &json!({"operation": "deleteAll", "steps": [{"status": "COMPLETED"}]}),
    )
    .await;
    assert_eq!(submission.status, 400);
    assert_eq!(submission.json()["field"], "operation");
    server.stop();
}

/// Whole answers, faults and options on steps: what a folder's step would do.
#[tokio::test]
async fn bodies_faults_and_step_options_answer_as_a_folder_would() {
    let server = Binary::replay(&shipped_fixtures(), &[]);
    let defined = define(
        &server,
        "t",
        "jobs",
        &json!({
            "jobId": "jfaults",
            "steps": [
                {"fault": {"http": {"status": 503, "body": "busy"}}, "polls": 2},
                {"fault": {"arcgisError": {"code": 498, "message": "Invalid token."}}},
                {"body": {"jobId": "jfaults", "status": "COMPLETED", "custom": true}, "httpStatus": 200}
            ]
        }),
    )
    .await;
    assert_eq!(defined.status, 201, "{}", defined.body);
    let url = server.url("/notebookserver/admin/system/jobs/jfaults");
    let mut seen = Vec::new();
    for _ in 0..4 {
        let answer = get(format!("{url}?f=json")).session("t").send().await;
        seen.push((answer.status.as_u16(), answer.body));
    }
    assert_eq!(seen[0].0, 503);
    assert_eq!(seen[1].0, 503);
    assert!(
        seen[2].1.contains("498") && seen[2].1.contains("Invalid token."),
        "{:?}",
        seen[2]
    );
    let last: Value = serde_json::from_str(&seen[3].1).unwrap();
    assert_eq!(
        last,
        json!({"jobId": "jfaults", "status": "COMPLETED", "custom": true})
    );
    server.stop();
}
