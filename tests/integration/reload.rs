//! Change while serving: `POST /__jobmock/reload` and `replay --watch`. Jobs whose files did not
//! change keep their cursors; a broken set is reported and the previous one keeps serving.

use std::time::{Duration, Instant};

use crate::util::*;

fn set_with_three_jobs() -> FixtureDir {
    let fixtures = FixtureDir::new();
    fixtures.job("kept", &["SUBMITTED", "PROCESSING", "COMPLETED"]);
    fixtures.job("edited", &["SUBMITTED", "PROCESSING", "COMPLETED"]);
    fixtures.job("removed", &["COMPLETED"]);
    fixtures.file(
        "exchanges/info/request.json",
        r#"{"method": "GET", "path": "/arcgis/rest/info"}"#,
    );
    fixtures.file("exchanges/info/001.json", r#"{"answer": 1}"#);
    fixtures.file("exchanges/info/002.json", r#"{"answer": 2}"#);
    fixtures
}

async fn poll(server: &Binary, job: &str) -> String {
    get(server.url(&format!("/arcgis/admin/system/jobs/{job}?f=json")))
        .status()
        .await
}

#[tokio::test]
async fn reload_keeps_the_cursors_of_unchanged_jobs_and_restarts_the_others() {
    let fixtures = set_with_three_jobs();
    let server = Binary::replay(fixtures.path(), &[]);
    assert_eq!(poll(&server, "kept").await, "SUBMITTED");
    assert_eq!(poll(&server, "edited").await, "SUBMITTED");
    assert_eq!(poll(&server, "removed").await, "COMPLETED");
    let info = server.url("/arcgis/rest/info?f=json");
    assert_eq!(get(&info).send().await.json()["answer"], 1);

    fixtures.job("edited", &["SUBMITTED", "FAILED"]);
    std::fs::remove_dir_all(fixtures.path().join("jobs/removed")).unwrap();
    fixtures.job("added", &["COMPLETED"]);
    let reloaded = post(server.url("/__jobmock/reload")).send().await;
    assert_eq!(reloaded.status, 200, "{}", reloaded.body);
    assert_eq!(
        reloaded.json()["changes"],
        serde_json::json!({"unchanged": 2, "changed": 1, "added": 1, "removed": 1})
    );

    assert_eq!(poll(&server, "kept").await, "PROCESSING", "kept its cursor");
    assert_eq!(
        get(&info).send().await.json()["answer"],
        2,
        "the exchange too"
    );
    assert_eq!(poll(&server, "edited").await, "SUBMITTED", "started again");
    assert_eq!(
        poll(&server, "edited").await,
        "FAILED",
        "with its new steps"
    );
    assert_eq!(poll(&server, "added").await, "COMPLETED");
    let gone = get(server.url("/arcgis/admin/system/jobs/removed?f=json"))
        .send()
        .await
        .json();
    assert_eq!(gone["code"], 404, "{gone}");
    let health = get(server.url("/__jobmock/health")).send().await.json();
    assert_eq!(health["reloads"]["done"], 1);
    assert_eq!(health["jobs"], 3);
}

#[tokio::test]
async fn a_broken_set_is_reported_and_the_previous_one_keeps_serving() {
    let fixtures = set_with_three_jobs();
    let server = Binary::replay(fixtures.path(), &[]);
    assert_eq!(poll(&server, "kept").await, "SUBMITTED");

    // One job fixed, another broken: nothing of the new set is served, not even the fix.
    fixtures.job("edited", &["FAILED"]);
    fixtures.file(
        "jobs/kept/002.json",
        "{\n  \"status\": \"PROCESSING\",\n}\n",
    );
    let refused = post(server.url("/__jobmock/reload")).send().await;
    assert_eq!(refused.status, 422);
    let message = refused.json()["messages"][0].as_str().unwrap().to_string();
    assert!(message.contains("002.json:3:1"), "{message}");
    assert!(
        refused.body.contains("previous fixture set"),
        "{}",
        refused.body
    );

    assert_eq!(
        poll(&server, "kept").await,
        "PROCESSING",
        "old set, cursor kept"
    );
    assert_eq!(poll(&server, "edited").await, "SUBMITTED", "old steps");
    let health = get(server.url("/__jobmock/health")).send().await.json();
    assert_eq!(health["reloads"]["failed"], 1);
    assert!(
        health["reloads"]["lastError"]
            .as_str()
            .unwrap()
            .contains("002.json"),
        "{health}"
    );

    // Fixed: the next reload takes it.
    fixtures.job("kept", &["SUBMITTED", "PROCESSING", "COMPLETED"]);
    let reloaded = post(server.url("/__jobmock/reload")).send().await;
    assert_eq!(reloaded.status, 200, "{}", reloaded.body);
    assert_eq!(poll(&server, "edited").await, "FAILED");
    let health = get(server.url("/__jobmock/health")).send().await.json();
    assert!(health["reloads"]["lastError"].is_null(), "{health}");
}

/// A step cut short after a line break is reported at column 1 of the line after, as every
/// position is 1-based (serde_json says column 0 there).
#[tokio::test]
async fn a_reload_error_at_the_start_of_a_line_is_in_column_1() {
    let fixtures = set_with_three_jobs();
    let server = Binary::replay(fixtures.path(), &[]);
    fixtures.file("jobs/kept/004.json", "{\n");
    let refused = post(server.url("/__jobmock/reload")).send().await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let message = refused.json()["messages"][0].as_str().unwrap().to_string();
    assert!(message.contains("004.json:2:1: "), "{message}");
    assert!(!message.contains(":2:0"), "{message}");
}

/// Writes version `version` of 50 jobs: every step of every job says its version.
fn write_version(fixtures: &FixtureDir, version: u64) {
    for n in 0..50 {
        for (index, status) in ["SUBMITTED", "COMPLETED"].iter().enumerate() {
            let body = serde_json::json!({
                "jobId": format!("j{n}"),
                "type": "executeNotebook",
                "status": status,
                "version": version,
            });
            fixtures.file(
                &format!("jobs/j{n}/{:03}.json", index + 1),
                &body.to_string(),
            );
        }
    }
}

/// Reload only takes POST; under load, reloads neither fail a request nor serve a half-loaded
/// set: every listing (all 50 jobs in one answer) shows one version, never a mix.
#[tokio::test]
async fn reloads_under_load_answer_every_request_from_a_whole_set() {
    let fixtures = FixtureDir::new();
    write_version(&fixtures, 0);
    let server = Binary::replay(fixtures.path(), &[]);
    let wrong = get(server.url("/__jobmock/reload")).send().await;
    assert_eq!(wrong.status, 405);

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load: Vec<_> = (0..4)
        .map(|worker| {
            let base = server.base.clone();
            let stop = std::sync::Arc::clone(&stop);
            tokio::spawn(async move {
                let mut versions_seen = std::collections::BTreeSet::new();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let listing = get(format!(
                        "{base}/arcgis/admin/system/jobs?f=json&detail=true"
                    ))
                    .session(&format!("w{worker}"))
                    .send()
                    .await
                    .json();
                    let jobs = listing["asyncJobs"].as_array().unwrap();
                    assert_eq!(jobs.len(), 50, "{listing}");
                    let versions: std::collections::BTreeSet<u64> = jobs
                        .iter()
                        .map(|job| job["version"].as_u64().unwrap())
                        .collect();
                    assert_eq!(versions.len(), 1, "a listing mixes sets: {versions:?}");
                    versions_seen.extend(versions);
                    let job = format!("j{}", worker * 7 % 50);
                    let polled = get(format!("{base}/arcgis/admin/system/jobs/{job}?f=json"))
                        .session(&format!("w{worker}"))
                        .send()
                        .await
                        .json();
                    assert!(polled["version"].is_u64(), "{polled}");
                }
                versions_seen
            })
        })
        .collect();
    for version in 1..=10 {
        write_version(&fixtures, version);
        let reloaded = post(server.url("/__jobmock/reload")).send().await;
        assert_eq!(reloaded.status, 200, "{}", reloaded.body);
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut seen = std::collections::BTreeSet::new();
    for worker in load {
        seen.extend(worker.await.unwrap());
    }
    assert!(
        seen.len() > 2,
        "the load did not overlap the reloads: {seen:?}"
    );
}

/// With --watch, a change to the files is served without a call, and a broken change is
/// reported on stderr while the previous set keeps serving.
#[tokio::test]
async fn watch_reloads_when_files_change() {
    let fixtures = set_with_three_jobs();
    let server = Binary::replay(fixtures.path(), &["--watch"]);
    assert_eq!(poll(&server, "kept").await, "SUBMITTED");

    fixtures.job("added", &["COMPLETED"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let answer = get(server.url("/arcgis/admin/system/jobs/added?f=json"))
            .send()
            .await
            .json();
        if answer["status"] == "COMPLETED" {
            break;
        }
        assert!(Instant::now() < deadline, "not reloaded: {answer}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(poll(&server, "kept").await, "PROCESSING", "kept its cursor");

    fixtures.file("jobs/kept/001.json", "not json");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let health = get(server.url("/__jobmock/health")).send().await.json();
        if health["reloads"]["failed"] == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "no failed reload: {health}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        poll(&server, "kept").await,
        "COMPLETED",
        "still the old set"
    );
    let err = server.stop_within(Duration::from_secs(12));
    assert!(err.contains("jobmock: reloaded"), "{err}");
    assert!(
        err.contains("not reloaded, still serving the previous set") && err.contains("001.json"),
        "{err}"
    );
}
