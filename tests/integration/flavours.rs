//! Server flavours: a set that declares ArcGIS Enterprise on Kubernetes (`server.json`) is
//! replayed at that server's paths, with its list, its statuses and its jobs removed once they
//! end; `record` and `import har` write the flavour they see; `diff` checks against its shapes.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::util::*;

/// The example set of tests/fixtures: two jobs and two templates, as Kubernetes answers them.
fn kubernetes_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/enterprise-kubernetes")
}

/// An executeNotebook job: SUBMITTED, EXECUTING, COMPLETED.
const K8S_JOB: &str = "j69a35465-0cf4-4e4f-a815-7e90fb5d5a2f";
/// An executeNotebookAsWebTool job: SUBMITTED, EXECUTING, FAILED.
const WEB_TOOL_JOB: &str = "je5h31ng58b8agahs63763vsfo526cti2";

fn job_path(id: &str) -> String {
    format!("/arcgis/admin/notebooks/jobs/{id}?f=json")
}

/// The answer of a poll as (status, ArcGIS error code).
async fn poll(server: &TestServer, path: &str, session: &str) -> (String, Option<u64>) {
    let body = get(server.url(path)).session(session).send().await.json();
    (
        body["status"].as_str().unwrap_or_default().to_string(),
        body["code"].as_u64(),
    )
}

fn server_json(dir: &Path) -> Value {
    read_json(&dir.join("server.json"))
}

/// A Kubernetes set serves its jobs at `<ctx>/admin/notebooks/jobs/<id>` (and `<ctx>/admin/jobs/
/// <id>`) with EXECUTING, and Notebook Server's path is not a job there.
#[tokio::test]
async fn a_kubernetes_set_serves_its_jobs_at_its_own_paths() {
    let server = TestServer::start(&kubernetes_fixtures()).await;
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(poll(&server, &job_path(K8S_JOB), "s").await.0);
    }
    assert_eq!(statuses, ["SUBMITTED", "EXECUTING", "COMPLETED"]);

    let other = format!("/notebookserver/admin/jobs/{WEB_TOOL_JOB}?f=json");
    assert_eq!(poll(&server, &other, "s").await.0, "SUBMITTED");
    assert_eq!(poll(&server, &other, "s").await.0, "EXECUTING");

    let system = get(server.url(&format!("/arcgis/admin/system/jobs/{K8S_JOB}?f=json")))
        .send()
        .await
        .json();
    assert_eq!(system["code"], 404, "{system}");
    let message = system["messages"][0].as_str().unwrap();
    assert!(
        message.contains("<context>/admin/notebooks/jobs/<jobId>"),
        "{message}"
    );

    let health = get(server.url("/__jobmock/health")).send().await.json();
    assert_eq!(health["flavour"], "enterprise-kubernetes");
}

/// Kubernetes removes a job once it ends: after a session is answered the end once, its later
/// polls get the admin API's not-found error (code 404), other sessions are not touched, the
/// verification report counts those polls after the end, and a reset brings the job back.
#[tokio::test]
async fn an_ended_kubernetes_job_is_gone_for_the_session_until_reset() {
    let server = TestServer::start(&kubernetes_fixtures()).await;
    for _ in 0..3 {
        poll(&server, &job_path(K8S_JOB), "a").await;
    }
    let (status, code) = poll(&server, &job_path(K8S_JOB), "a").await;
    assert_eq!((status.as_str(), code), ("error", Some(404)));
    let gone = get(server.url(&job_path(K8S_JOB)))
        .session("a")
        .send()
        .await
        .json();
    let message = gone["messages"][0].as_str().unwrap();
    assert!(
        message.contains("removes a job once it has ended"),
        "{message}"
    );
    assert!(message.contains("/__jobmock/reset"), "{message}");

    // Another session has its own copy of the job.
    assert_eq!(poll(&server, &job_path(K8S_JOB), "b").await.0, "SUBMITTED");

    // The list of the session no longer holds it.
    let listed = get(server.url("/arcgis/admin/notebooks/jobs?f=json"))
        .session("a")
        .send()
        .await
        .json();
    let ids: Vec<&str> = listed["asyncNotebookJobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|job| job["jobId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [WEB_TOOL_JOB]);

    let report = get(server.url("/__jobmock/verify?session=a"))
        .send()
        .await
        .json();
    let job = &report["jobs"][0];
    assert_eq!(job["polls"], 5, "{report}");
    assert_eq!(job["finalStatus"], "COMPLETED", "{report}");
    assert_eq!(job["pollsAfterEnd"], 2, "{report}");

    let reset = post(server.url("/__jobmock/reset?session=a")).send().await;
    assert_eq!(reset.status, 200);
    assert_eq!(poll(&server, &job_path(K8S_JOB), "a").await.0, "SUBMITTED");
}

/// The jobs list is Kubernetes's: `{"asyncNotebookJobs": [{jobId, name, startTime, endTime,
/// status}]}`, `endTime` 0 until the job ends, the jobs a session created among them.
#[tokio::test]
async fn the_kubernetes_jobs_list_is_async_notebook_jobs() {
    let server = TestServer::start(&kubernetes_fixtures()).await;
    poll(&server, &job_path(WEB_TOOL_JOB), "s").await;
    let created = post(server.url("/arcgis/admin/notebooks/executeNotebook"))
        .session("s")
        .form("f=json&itemId=d9c20adc5f95476590be87f1e6eb1dba")
        .send()
        .await
        .json();
    let created_id = created["jobId"].as_str().unwrap().to_string();

    let listed = get(server.url("/arcgis/admin/notebooks/jobs?f=json"))
        .session("s")
        .send()
        .await
        .json();
    let object = listed.as_object().unwrap();
    assert_eq!(
        object.keys().collect::<Vec<_>>(),
        ["asyncNotebookJobs"],
        "{listed}"
    );
    let jobs = listed["asyncNotebookJobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 3, "{listed}");
    assert_eq!(
        jobs[0],
        json!({"jobId": K8S_JOB, "name": "executeNotebook", "startTime": 1731012905732_u64,
               "endTime": 0, "status": "SUBMITTED"})
    );
    assert_eq!(
        jobs[1],
        json!({"jobId": WEB_TOOL_JOB, "name": "executeNotebookAsWebTool",
               "startTime": 1747666049540_u64, "endTime": 0, "status": "EXECUTING"})
    );
    assert_eq!(jobs[2]["jobId"], created_id.as_str());
    assert_eq!(jobs[2]["name"], "executeNotebook");

    // Notebook Server's list path is not a list here.
    let system = get(server.url("/arcgis/admin/system/jobs?f=json"))
        .send()
        .await
        .json();
    assert_eq!(system["code"], 404, "{system}");
}

/// Jobs created from a Kubernetes set's templates get that server's `jobUrl`
/// (`…/admin/notebooks/jobs/<id>`; `…/admin/jobs/<id>` for openNotebook, as its reference's
/// example), which answers them; a cancel at `<jobUrl>/cancel` ends the job, which is then gone.
#[tokio::test]
async fn created_kubernetes_jobs_get_the_kubernetes_job_url() {
    let server = TestServer::start(&kubernetes_fixtures()).await;
    let execute = post(server.url("/arcgis/admin/notebooks/executeNotebook"))
        .form("f=json&itemId=d9c20adc5f95476590be87f1e6eb1dba")
        .send()
        .await
        .json();
    let id = execute["jobId"].as_str().unwrap();
    let job_url = execute["jobUrl"].as_str().unwrap();
    assert_eq!(
        job_url,
        server.url(&format!("/arcgis/admin/notebooks/jobs/{id}"))
    );
    assert_eq!(get(format!("{job_url}?f=json")).status().await, "SUBMITTED");
    assert_eq!(get(format!("{job_url}?f=json")).status().await, "EXECUTING");
    let cancel = post(format!("{job_url}/cancel"))
        .form("f=json")
        .send()
        .await;
    assert_eq!(cancel.json()["status"], "success", "{}", cancel.body);
    assert_eq!(get(format!("{job_url}?f=json")).status().await, "FAILED");
    let gone = get(format!("{job_url}?f=json")).send().await.json();
    assert_eq!(gone["code"], 404, "{gone}");

    let open = post(server.url("/notebookserver/admin/notebooks/openNotebook"))
        .form("f=json&itemId=d9c20adc5f95476590be87f1e6eb1dba")
        .send()
        .await
        .json();
    let id = open["jobId"].as_str().unwrap();
    let job_url = open["jobUrl"].as_str().unwrap();
    assert_eq!(
        job_url,
        server.url(&format!("/notebookserver/admin/jobs/{id}"))
    );
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(get(format!("{job_url}?f=json")).status().await);
    }
    assert_eq!(statuses, ["SUBMITTED", "EXECUTING", "COMPLETED"]);
}

/// A set without server.json is Notebook Server's, as before: Kubernetes's paths are not jobs.
#[tokio::test]
async fn a_set_without_server_json_is_notebook_server() {
    let server = TestServer::start(&shipped_fixtures()).await;
    let answer = get(server.url(&job_path(EXECUTE_JOB))).send().await.json();
    assert_eq!(answer["code"], 404, "{answer}");
    assert_eq!(
        get(server.job_url(EXECUTE_JOB, "?f=json")).status().await,
        "SUBMITTED"
    );
    let health = get(server.url("/__jobmock/health")).send().await.json();
    assert_eq!(health["flavour"], "notebook-server");
}

/// A server.json that does not say a known flavour stops the load with its place and the
/// values allowed; so does one with another field, or one that is not JSON.
#[test]
fn a_bad_server_json_names_its_place_and_the_allowed_values() {
    let fixtures = FixtureDir::new();
    fixtures.job("j1", &["SUBMITTED"]);
    fixtures.file("server.json", "{\n  \"flavour\": \"kubernetes\"\n}\n");
    let err = load_error(&fixtures);
    assert!(err.contains("server.json:2:14: "), "{err}");
    assert!(err.contains("unknown flavour \"kubernetes\""), "{err}");
    assert!(err.contains("\"notebook-server\""), "{err}");
    assert!(err.contains("\"enterprise-kubernetes\""), "{err}");
    assert!(err.contains("fix:"), "{err}");

    fixtures.file(
        "server.json",
        "{\"flavour\": \"notebook-server\", \"version\": 11}",
    );
    let err = load_error(&fixtures);
    assert!(err.contains("server.json:1:"), "{err}");
    assert!(err.contains("unknown field `version`"), "{err}");

    fixtures.file("server.json", "{\"flavour\": \"enterprise-kubernetes\",}");
    assert!(load_error(&fixtures).contains("server.json:1:"));

    // The binary says the same and exits 2.
    fixtures.file("server.json", "{\"flavour\": \"k8s\"}");
    let err = replay_refuses(fixtures.path(), &[]);
    assert!(err.starts_with("jobmock: "), "{err}");
    assert!(err.contains("server.json:1:"), "{err}");
}

/// `record` in front of a Kubernetes server writes server.json, stores the job's polls (its
/// not-found answers after the end too) as its steps, and the recording replays as recorded.
#[tokio::test]
async fn record_writes_the_flavour_its_paths_show() {
    let upstream = Binary::replay(&kubernetes_fixtures(), &[]);
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(&upstream.base, recorded.path(), &[]);
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let answer = get(proxy.url(&job_path(K8S_JOB))).send().await.json();
        statuses.push(answer["status"].as_str().unwrap().to_string());
    }
    assert_eq!(
        statuses,
        ["SUBMITTED", "EXECUTING", "COMPLETED", "error", "error"]
    );
    let printed = proxy.stop();
    assert!(
        printed.contains("server.json: enterprise-kubernetes"),
        "{printed}"
    );
    assert_eq!(
        server_json(recorded.path()),
        json!({"flavour": "enterprise-kubernetes"})
    );

    // Polled with no submission seen, the job is the recording's job-1.
    let replayed = TestServer::start(recorded.path()).await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(poll(&replayed, &job_path("job-1"), "s").await);
    }
    assert_eq!(
        statuses,
        [
            ("SUBMITTED".to_string(), None),
            ("EXECUTING".to_string(), None),
            ("COMPLETED".to_string(), None),
            ("error".to_string(), Some(404)),
            ("error".to_string(), Some(404)),
        ]
    );
}

/// A server.json that says another flavour is never overwritten: the recorder says so, and the
/// file stays as it was.
#[tokio::test]
async fn record_never_overwrites_server_json_with_another_flavour() {
    let upstream = Binary::replay(&kubernetes_fixtures(), &[]);
    let recorded = tempfile::tempdir().unwrap();
    let declared = "{\n  \"flavour\": \"notebook-server\"\n}\n";
    std::fs::write(recorded.path().join("server.json"), declared).unwrap();
    let proxy = Binary::record(&upstream.base, recorded.path(), &[]);
    get(proxy.url(&job_path(K8S_JOB))).send().await;
    get(proxy.url("/arcgis/admin/notebooks/jobs?f=json"))
        .send()
        .await;
    let printed = proxy.stop();
    assert!(
        printed.contains("not writing server.json: it says notebook-server"),
        "{printed}"
    );
    assert_eq!(
        printed.matches("server.json").count(),
        1,
        "said once: {printed}"
    );
    assert_eq!(
        std::fs::read_to_string(recorded.path().join("server.json")).unwrap(),
        declared
    );

    // A recording of Notebook Server needs no server.json (its absence says so): none is
    // written, so such a recording is what it always was. One that says Kubernetes is kept.
    let upstream = Binary::replay(&shipped_fixtures(), &[]);
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(&upstream.base, recorded.path(), &[]);
    get(proxy.url(&format!("/arcgis/admin/system/jobs/{EXECUTE_JOB}?f=json")))
        .send()
        .await;
    proxy.stop();
    assert!(!recorded.path().join("server.json").exists());

    let declared = "{\"flavour\": \"enterprise-kubernetes\"}";
    std::fs::write(recorded.path().join("server.json"), declared).unwrap();
    let proxy = Binary::record(&upstream.base, recorded.path(), &["--append"]);
    get(proxy.url(&format!("/arcgis/admin/system/jobs/{EXECUTE_JOB}?f=json")))
        .send()
        .await;
    let printed = proxy.stop();
    assert!(
        printed.contains("not writing server.json: it says enterprise-kubernetes"),
        "{printed}"
    );
    assert_eq!(
        std::fs::read_to_string(recorded.path().join("server.json")).unwrap(),
        declared
    );
}

/// `import har` of a capture from Kubernetes writes server.json, and the set replays there.
#[tokio::test]
async fn import_har_writes_the_flavour_its_paths_show() {
    let dir = tempfile::tempdir().unwrap();
    let origin = "https://k8s.customer.example";
    let entries: Vec<Value> = ["SUBMITTED", "EXECUTING", "COMPLETED"]
        .iter()
        .enumerate()
        .map(|(index, status)| {
            let body = json!({"jobId": K8S_JOB, "type": "executeNotebook", "status": status});
            let text = body.to_string();
            json!({
                "startedDateTime": jobmock::util::clock::iso_time(1_795_000_000_000 + index as u64 * 1000),
                "time": 10,
                "request": {"method": "GET", "url": format!("{origin}/arcgis{}", job_path(K8S_JOB)),
                            "httpVersion": "HTTP/1.1", "cookies": [], "headers": [],
                            "queryString": [], "headersSize": -1, "bodySize": 0},
                "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
                             "cookies": [], "headers": [{"name": "Content-Type", "value": "application/json"}],
                             "content": {"size": text.len(), "mimeType": "application/json", "text": text},
                             "redirectURL": "", "headersSize": -1, "bodySize": -1},
                "cache": {}, "timings": {"send": 0, "wait": 10, "receive": 0}
            })
        })
        .collect();
    let har = json!({"log": {"version": "1.2", "creator": {"name": "test", "version": "1"},
                             "entries": entries}});
    let har_path = dir.path().join("k8s.har");
    std::fs::write(&har_path, serde_json::to_vec(&har).unwrap()).unwrap();
    let fixtures = dir.path().join("imported");
    let (code, out, err) = run_binary(&[
        "import",
        "har",
        har_path.to_str().unwrap(),
        "--fixtures",
        fixtures.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(
        server_json(&fixtures),
        json!({"flavour": "enterprise-kubernetes"})
    );
    let server = TestServer::start(&fixtures).await;
    // The job's stable ID: polled with no submission seen, job-1.
    let path = format!("/arcgis{}", job_path("job-1"));
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(poll(&server, &path, "s").await);
    }
    assert_eq!(statuses[2], ("COMPLETED".to_string(), None));
    assert_eq!(statuses[3], ("error".to_string(), Some(404)));
}

/// `diff` checks a Kubernetes set against Kubernetes's shapes (EXECUTING, notebookRuntimeId,
/// revision, privateUrl, `endTime` 0 while running are all fine there), and Notebook Server's
/// PROCESSING is drift there; `--flavour` checks against another server's shapes.
#[test]
fn diff_checks_a_kubernetes_set_against_kubernetes_shapes() {
    let set = kubernetes_fixtures();
    let (code, out, err) = run_binary(&["diff", set.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("no drift"), "{out}");

    let (code, out, _) = run_binary(&[
        "diff",
        set.to_str().unwrap(),
        "--flavour",
        "notebook-server",
    ]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("unexpected-field at notebookRuntimeId"),
        "{out}"
    );
    assert!(out.contains("outside-enumeration at status"), "{out}");

    // A job folder given on its own is checked as its set's.
    let job = set.join("jobs").join(K8S_JOB);
    let (code, out, _) = run_binary(&["diff", job.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}");

    let fixtures = FixtureDir::new();
    fixtures.file("server.json", "{\"flavour\": \"enterprise-kubernetes\"}");
    fixtures.file(
        "jobs/j1/001.json",
        &json!({"jobId": "j1", "type": "executeNotebook", "status": "PROCESSING",
                "revision": 1, "customAttributes": {"isCancelled": false}})
        .to_string(),
    );
    let (code, out, _) = run_binary(&["diff", fixtures.path().to_str().unwrap()]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("outside-enumeration at status"), "{out}");
    assert!(
        out.contains("unexpected-field at customAttributes"),
        "{out}"
    );
    assert!(
        out.contains(
            "expected (executeNotebook shape of enterprise-kubernetes, status PROCESSING)"
        ),
        "{out}"
    );

    // The same payload is Notebook Server's but for `revision`, under --flavour.
    let (code, out, _) = run_binary(&[
        "diff",
        "--flavour",
        "notebook-server",
        "--format",
        "json",
        fixtures.path().to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{out}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let kinds: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["kind"].as_str().unwrap(), f["path"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [("unexpected-field", "revision")]);

    // A bad server.json is an error (exit 2) with its place.
    fixtures.file("server.json", "{\"flavour\": 3}");
    let (code, _, err) = run_binary(&["diff", fixtures.path().to_str().unwrap()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("server.json:1:"), "{err}");
}

/// Paths of both servers in one recording: the first told stays, and the recorder says so once.
#[tokio::test]
async fn record_says_once_when_a_recording_mixes_two_servers() {
    let upstream = Binary::replay(&kubernetes_fixtures(), &[]);
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(&upstream.base, recorded.path(), &[]);
    get(proxy.url(&job_path(K8S_JOB))).send().await;
    for _ in 0..2 {
        get(proxy.url(&format!("/arcgis/admin/system/jobs/{K8S_JOB}?f=json")))
            .send()
            .await;
    }
    let printed = proxy.stop();
    let said = "is a path of notebook-server (ArcGIS Notebook Server, the default), but this \
                set's jobs are enterprise-kubernetes's";
    assert_eq!(printed.matches(said).count(), 1, "{printed}");
    assert_eq!(
        server_json(recorded.path()),
        json!({"flavour": "enterprise-kubernetes"})
    );
}

/// A reload that changes server.json serves the other server's paths, every job from its start.
#[tokio::test]
async fn a_reload_that_changes_the_flavour_restarts_every_job() {
    let fixtures = FixtureDir::new();
    fixtures.job("j1", &["SUBMITTED", "COMPLETED"]);
    fixtures.file("server.json", "{\"flavour\": \"enterprise-kubernetes\"}");
    let server = TestServer::start(fixtures.path()).await;
    assert_eq!(poll(&server, &job_path("j1"), "s").await.0, "SUBMITTED");

    fixtures.file("server.json", "{\"flavour\": \"notebook-server\"}");
    let reloaded = post(server.url("/__jobmock/reload")).send().await.json();
    assert_eq!(reloaded["changes"]["changed"], 1, "{reloaded}");
    assert_eq!(
        poll(&server, "/arcgis/admin/system/jobs/j1?f=json", "s")
            .await
            .0,
        "SUBMITTED"
    );
    assert_eq!(poll(&server, &job_path("j1"), "s").await.1, Some(404));
}

/// Replay checks a set's steps against its own flavour's shapes: the Kubernetes example set
/// (EXECUTING, `notebookRuntimeId`, …) starts under `--check-shapes refuse`, with no warning.
#[test]
fn replay_checks_a_set_against_its_flavours_shapes() {
    let set = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/enterprise-kubernetes");
    let server = Binary::replay(&set, &["--check-shapes", "refuse"]);
    let err = server.stop();
    assert!(!err.contains("warning"), "{err}");
}
