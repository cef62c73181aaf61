//! What comes after a job's last step (`then` in `script.json`, templates and the control
//! API): the last step again, an unmatched request, the first step again, or a job not found.

use crate::util::*;

/// The statuses (or the error code) of `polls` polls of job `id` on `server`.
async fn polled(server: &Binary, id: &str, polls: usize) -> Vec<String> {
    let mut seen = Vec::new();
    for _ in 0..polls {
        let answer = get(server.url(&format!("/arcgis/admin/system/jobs/{id}?f=json")))
            .send()
            .await
            .json();
        seen.push(match answer["status"].as_str() {
            Some("error") => format!("error {}", answer["code"]),
            Some(status) => status.to_string(),
            None => "?".into(),
        });
    }
    seen
}

#[tokio::test]
async fn then_says_what_a_poll_after_the_last_step_gets() {
    let fixtures = FixtureDir::new();
    for (id, then) in [
        ("jrepeat", None),
        ("jerror", Some("error")),
        ("jrestart", Some("restart")),
        ("jgone", Some("gone")),
    ] {
        fixtures.job(id, &["SUBMITTED", "COMPLETED"]);
        let script = match then {
            Some(then) => {
                format!(r#"{{"then": "{then}", "steps": {{"002.json": {{"polls": 2}}}}}}"#)
            }
            None => r#"{"steps": {"002.json": {"polls": 2}}}"#.to_string(),
        };
        fixtures.file(&format!("jobs/{id}/script.json"), &script);
    }
    let server = Binary::replay(fixtures.path(), &[]);
    let done = ["SUBMITTED", "COMPLETED", "COMPLETED"];
    let with = |after: &[&str]| -> Vec<String> {
        done.iter().chain(after).map(|s| s.to_string()).collect()
    };
    assert_eq!(
        polled(&server, "jrepeat", 5).await,
        with(&["COMPLETED", "COMPLETED"])
    );
    assert_eq!(
        polled(&server, "jerror", 5).await,
        with(&["error 404", "error 404"])
    );
    assert_eq!(
        polled(&server, "jrestart", 6).await,
        with(&["SUBMITTED", "COMPLETED", "COMPLETED"])
    );
    assert_eq!(polled(&server, "jgone", 4).await, with(&["error 404"]));

    // error is an unmatched request (what --strict refuses); gone is the job's own answer.
    let journal = get(server.url("/__jobmock/requests")).send().await.json();
    let served_by = |job: &str| -> Vec<String> {
        journal["requests"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|entry| entry["job"] == job)
            .map(|entry| entry["servedBy"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let error = served_by("jerror");
    assert_eq!(
        error.iter().filter(|by| *by == "nothing").count(),
        2,
        "{error:?}"
    );
    assert!(served_by("jgone").iter().all(|by| by == "job"));
    server.stop();
}

#[tokio::test]
async fn a_strict_server_refuses_a_poll_past_then_error() {
    let fixtures = FixtureDir::new();
    fixtures.job("jerror", &["COMPLETED"]);
    fixtures.file("jobs/jerror/script.json", r#"{"then": "error"}"#);
    let server = Binary::replay(fixtures.path(), &["--strict"]);
    assert_eq!(polled(&server, "jerror", 1).await, ["COMPLETED"]);
    let past = get(server.url("/arcgis/admin/system/jobs/jerror?f=json"))
        .send()
        .await;
    assert_eq!(past.status, 400, "{}", past.body);
    assert!(past.body.contains("past its last step"), "{}", past.body);
    server.terminate();
    let (code, _, stderr) = server.wait(std::time::Duration::from_secs(10));
    assert_eq!(code, Some(1), "{stderr}");
}

#[test]
fn a_then_that_is_not_one_is_refused_with_where() {
    let fixtures = FixtureDir::new();
    fixtures.job("j1", &["COMPLETED"]);
    fixtures.file("jobs/j1/script.json", r#"{"then": "loop"}"#);
    let refused = replay_refuses(fixtures.path(), &[]);
    assert!(refused.contains("script.json"), "{refused}");
    assert!(
        refused.contains("then") || refused.contains("loop"),
        "{refused}"
    );
}
