//! One server that replays and records: `jobmock replay --upstream URL --record-mode MODE`,
//! with a real `jobmock replay` of the shipped set as the upstream, whose journal says what
//! reached it.

use std::path::Path;

use crate::util::*;

const ITEM: &str = "c21213a381804c85935f50a1349a390f";
const SUBMIT: &str = "/notebookserver/admin/notebooks/executeNotebook";

/// The upstream: the shipped set, served by the real binary.
fn upstream() -> Binary {
    Binary::replay(&shipped_fixtures(), &[])
}

/// `replay` of `fixtures` recording from `upstream` in `mode`.
fn recording(fixtures: &Path, upstream: &Binary, mode: &str, extra: &[&str]) -> Binary {
    let mut args = vec!["--upstream", upstream.base.as_str(), "--record-mode", mode];
    args.extend_from_slice(extra);
    Binary::replay(fixtures, &args)
}

/// How many requests of the mocked API reached `upstream`.
async fn reached(upstream: &Binary) -> usize {
    get(upstream.url("/__jobmock/requests")).send().await.json()["requests"]
        .as_array()
        .map_or(0, Vec::len)
}

/// Submits a notebook of `item` to `server` (in `session`) and polls the job it answers until
/// it ends; its statuses, and its job ID.
async fn run_notebook(server: &Binary, session: &str, item: &str) -> (Vec<String>, String) {
    let submitted = post(server.url(&format!("{SUBMIT}?f=json")))
        .session(session)
        .form(&format!("itemId={item}"))
        .send()
        .await
        .json();
    let id = submitted["jobId"].as_str().expect("a job ID").to_string();
    let mut statuses = Vec::new();
    for _ in 0..10 {
        let status = get(server.url(&format!("/notebookserver/admin/system/jobs/{id}?f=json")))
            .session(session)
            .send()
            .await
            .job_status();
        let ended = status == "COMPLETED" || status == "FAILED";
        statuses.push(status);
        if ended {
            break;
        }
    }
    (statuses, id)
}

/// `all` forwards everything and records it into a staging folder; the set is replaced only
/// when the server stops cleanly, and then replays what was recorded, offline.
#[tokio::test]
async fn all_records_everything_and_replaces_the_set_at_a_clean_stop() {
    let upstream = upstream();
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("recorded");
    let old = FixtureDir::new();
    old.job("jold", &["SUBMITTED", "COMPLETED"]);
    copy_folder(old.path(), &set);

    let server = recording(&set, &upstream, "all", &[]);
    let health = get(server.url("/__jobmock/health")).send().await.json();
    assert_eq!(health["recordMode"], "all");
    assert_eq!(health["recording"], true);
    // The old set is not served: everything goes to the upstream.
    let old_poll = get(server.url("/notebookserver/admin/system/jobs/jold?f=json"))
        .send()
        .await;
    assert_ne!(old_poll.job_status(), "SUBMITTED");
    let (statuses, id) = run_notebook(&server, "default", ITEM).await;
    assert_eq!(statuses.last().unwrap(), "COMPLETED");
    assert!(reached(&upstream).await >= 3);
    // Until the server stops, the set is the old one.
    assert!(set.join("jobs/jold").is_dir());
    let stderr = server.stop();
    assert!(stderr.contains("the new recording is now"), "{stderr}");
    // What the upstream said of jold (it has no such job) replaced the old steps.
    let old_step = std::fs::read_to_string(set.join("jobs/jold/001.json")).unwrap_or_default();
    assert!(
        !old_step.contains("SUBMITTED"),
        "the old set was replaced: {old_step}"
    );
    assert!(!set.join("jobs/jold/002.json").exists());
    assert!(
        !dir.path().join(".recorded.jobmock-recording").exists(),
        "the staging folder is gone"
    );

    // Replayed offline: the upstream is gone, the same submission gives the same statuses,
    // under the recording's own job ID (stable), not the server's.
    drop(upstream);
    let offline = Binary::replay(&set, &["--strict"]);
    let (replayed, replayed_id) = run_notebook(&offline, "default", ITEM).await;
    assert_eq!(replayed, statuses);
    assert_ne!(replayed_id, id);
    assert_eq!(replayed_id, "executeNotebook-1");
    offline.stop();
}

/// A server killed while recording with `all` leaves the set as it was.
#[tokio::test]
async fn all_killed_leaves_the_set_as_it_was() {
    let upstream = upstream();
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("recorded");
    let old = FixtureDir::new();
    old.job("jold", &["SUBMITTED", "COMPLETED"]);
    copy_folder(old.path(), &set);
    let before = all_files(&set);

    let server = recording(&set, &upstream, "all", &[]);
    run_notebook(&server, "default", ITEM).await;
    drop(server); // killed, not stopped
    assert_eq!(all_files(&set), before);
}

/// `once` records a set that is missing, and replays one that exists without reaching the
/// upstream at all.
#[tokio::test]
async fn once_records_a_missing_set_and_replays_an_existing_one() {
    let upstream = upstream();
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("once");

    let first = recording(&set, &upstream, "once", &[]);
    let (statuses, _) = run_notebook(&first, "default", ITEM).await;
    first.stop();
    let reached_after_recording = reached(&upstream).await;
    assert!(reached_after_recording >= 3);
    let recorded = all_files(&set);
    assert!(!recorded.is_empty());

    let second = recording(&set, &upstream, "once", &[]);
    let health = get(second.url("/__jobmock/health")).send().await.json();
    assert_eq!(health["recordMode"], "once");
    assert_eq!(health["recording"], false);
    let submitted = post(second.url(&format!("{SUBMIT}?f=json")))
        .form(&format!("itemId={ITEM}"))
        .send()
        .await
        .json();
    let id = submitted["jobId"].as_str().unwrap();
    let mut replayed = Vec::new();
    for _ in 0..statuses.len() {
        replayed.push(
            get(second.url(&format!("/notebookserver/admin/system/jobs/{id}?f=json")))
                .send()
                .await
                .job_status(),
        );
    }
    assert_eq!(replayed, statuses);
    second.stop();
    assert_eq!(reached(&upstream).await, reached_after_recording);
    assert_eq!(
        all_files(&set),
        recorded,
        "once never writes an existing set"
    );
}

/// `new_episodes`: what the set has is replayed (never forwarded); a new submission is
/// forwarded, its job followed to its end and recorded into the set, and served from then on
/// without a restart.
#[tokio::test]
async fn new_episodes_records_what_is_missing_without_a_restart() {
    let upstream = upstream();
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("episodes");
    let first = recording(&set, &upstream, "all", &[]);
    let (first_statuses, _) = run_notebook(&first, "default", ITEM).await;
    first.stop();

    let server = recording(&set, &upstream, "new_episodes", &[]);
    let health = get(server.url("/__jobmock/health")).send().await.json();
    assert_eq!(health["recordMode"], "new_episodes");
    assert_eq!(health["jobs"], 1);
    let before = reached(&upstream).await;

    // The recorded submission and its job are replayed, not forwarded.
    let (replayed, replayed_id) = run_notebook(&server, "again", ITEM).await;
    assert_eq!(replayed, first_statuses);
    assert_eq!(replayed_id, "executeNotebook-1");
    assert_eq!(
        reached(&upstream).await,
        before,
        "nothing recorded was forwarded"
    );

    // A new submission (another item) is forwarded and its job followed to its end.
    let other = "0123456789abcdef0123456789abcdef";
    let (statuses, _) = run_notebook(&server, "new", other).await;
    assert_eq!(statuses.last().unwrap(), "COMPLETED", "{statuses:?}");
    let forwarded = reached(&upstream).await;
    assert!(forwarded >= before + 3, "{forwarded} vs {before}");
    let health = get(server.url("/__jobmock/health")).send().await.json();
    assert_eq!(
        health["jobs"], 2,
        "the new job is served from the set: {health}"
    );

    // From now on it is replayed: the same submission reaches the upstream no more.
    let (again, again_id) = run_notebook(&server, "third", other).await;
    assert_eq!(again, statuses);
    assert_eq!(
        again_id, "executeNotebook-2",
        "numbered after the set's first job"
    );
    assert_eq!(reached(&upstream).await, forwarded);
    server.stop();
}

/// Sessions keep working while recording: a session's path prefix stays in the URLs the
/// upstream's answers give, and the upstream never sees jobmock's session header.
#[tokio::test]
async fn sessions_keep_working_while_recording() {
    let upstream = upstream();
    let dir = tempfile::tempdir().unwrap();
    let server = recording(&dir.path().join("set"), &upstream, "all", &[]);
    let submitted = post(server.url(&format!("/__session/alice{SUBMIT}?f=json")))
        .form(&format!("itemId={ITEM}"))
        .send()
        .await
        .json();
    let job_url = submitted["jobUrl"].as_str().unwrap();
    assert!(
        job_url.starts_with(&server.url("/__session/alice/")),
        "{job_url}"
    );
    let status = get(format!("{job_url}?f=json")).send().await.job_status();
    assert_eq!(status, "SUBMITTED");
    let alice = get(server.url("/__jobmock/requests?session=alice"))
        .send()
        .await
        .json();
    assert_eq!(alice["requests"].as_array().unwrap().len(), 2);
    server.stop();
}

/// A record mode without an upstream is refused before anything listens, with the fix.
#[test]
fn a_record_mode_without_an_upstream_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run_binary(&[
        "replay",
        "--fixtures",
        dir.path().to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
        "--record-mode",
        "once",
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("give --upstream URL"), "{stderr}");
}

fn copy_folder(from: &Path, to: &Path) {
    for (path, bytes) in all_files(from) {
        let path = to.join(path.strip_prefix(from).unwrap());
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

/// What the upstream gets is the client's request whole (method, path, query, headers, body),
/// without jobmock's own headers: a session is this server's, and the control token a secret of
/// ours. The answer reaches the client as the upstream gave it.
#[tokio::test]
async fn requests_are_forwarded_whole_without_jobmocks_own_headers() {
    let upstream = FakeUpstream::start(|seen, _| {
        let echo = serde_json::json!({
            "method": seen.method,
            "path": seen.path,
            "query": seen.query,
            "body": String::from_utf8_lossy(&seen.body),
            "custom": seen.headers.get("x-custom").map(|v| v.to_str().unwrap()),
            "jobmockHeaders": seen.headers.keys()
                .filter(|name| name.as_str().starts_with("x-jobmock"))
                .map(|name| name.as_str().to_string())
                .collect::<Vec<_>>(),
        });
        json_answer(&echo)
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let upstream_url = upstream.url();
    let server = Binary::replay(
        &dir.path().join("set"),
        &[
            "--upstream",
            upstream_url.as_str(),
            "--record-mode",
            "all",
            "--control-token",
            "ours-only-7Yq",
        ],
    );
    let echo = post(server.url("/__session/bob/arcgis/rest/services/x?f=json&a=1"))
        .header("X-Custom", "kept")
        .header("X-Jobmock-Control-Token", "ours-only-7Yq")
        .header("X-Jobmock-Session", "carol")
        .body("application/json", b"{\"q\": 1}")
        .send()
        .await
        .json();
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["path"], "/arcgis/rest/services/x");
    assert_eq!(echo["query"], "f=json&a=1");
    assert_eq!(echo["body"], "{\"q\": 1}");
    assert_eq!(echo["custom"], "kept");
    assert_eq!(echo["jobmockHeaders"], serde_json::json!([]));
    server.stop();
}
