//! HARs made by real tools, imported and replayed: a mitmproxy capture, and replay's own journal
//! exported as a HAR.

use std::path::Path;

use crate::util::*;

use super::*;

/// A capture made by a real tool: mitmproxy 11.0.2 in front of `jobmock replay`, with the ArcGIS
/// API for Python running three notebooks through it (made by scripts/har-from-mitmproxy.sh).
/// Imported, it holds no trace of the client's token, and replays the same jobs.
#[tokio::test]
async fn a_real_mitmproxy_capture_imports_and_replays() {
    let har_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/har/mitmproxy-arcgis.har");
    let dir = tempfile::tempdir().unwrap();
    let fixtures = dir.path().join("set");
    let (code, printed) = import(&har_path, &fixtures, &[]);
    assert_eq!(code, Some(0), "{printed}");
    assert!(
        printed.contains("imported 19 of 19 HAR entries"),
        "{printed}"
    );
    assert!(
        printed
            .contains("jobs/executeNotebook-2: 3 step(s) written: SUBMITTED → PROCESSING → FAILED"),
        "{printed}"
    );
    assert_no_canary(
        &fixtures,
        &printed,
        &[("the client's token", "canaryTok3n-mitm-7f3a9c1e5b0d")],
    );

    let server = TestServer::start(&fixtures).await;
    let submitted = post(server.url("/notebookserver/admin/notebooks/executeNotebook"))
        .form("itemId=c21213a381804c85935f50a1349a390f&updatePortalItem=true&saveInjectedParameters=false&f=json")
        .send()
        .await
        .json();
    let job_url = submitted["jobUrl"].as_str().unwrap().to_string();
    assert_eq!(
        job_url,
        server.url("/notebookserver/admin/system/jobs/executeNotebook-1"),
        "the server's job ID is stored as the recording's own"
    );
    let mut seen = Vec::new();
    for _ in 0..4 {
        seen.push(get(format!("{job_url}?f=json")).status().await);
    }
    assert_eq!(seen, ["SUBMITTED", "PROCESSING", "PROCESSING", "COMPLETED"]);
}

/// The journal as a HAR: a valid HAR 1.2 of one session, with no credential; imported, it
/// replays what the client saw, in the same order.
#[tokio::test]
async fn the_journal_exported_as_har_imports_and_replays_the_same() {
    let server = TestServer::start(&shipped_fixtures()).await;
    let mut first = Vec::new();
    let created = post(server.url("/__session/s/notebookserver/admin/notebooks/executeNotebook"))
        .form("itemId=c21213a381804c85935f50a1349a390f&f=json&token=Tk9q2Wx7Lm4Rp8Zs3Vb6")
        .send()
        .await
        .json();
    let job_url = created["jobUrl"].as_str().unwrap().to_string();
    assert!(job_url.contains("/__session/s/"), "{job_url}");
    for _ in 0..5 {
        first.push(get(format!("{job_url}?f=json")).status().await);
    }
    for _ in 0..2 {
        first.push(
            get(server.job_url(FAILED_JOB, "?f=json"))
                .session("s")
                .status()
                .await,
        );
    }
    get(server.job_url(OPEN_JOB, "?f=json"))
        .session("other")
        .send()
        .await;

    let answer = get(server.url("/__jobmock/requests?format=har&session=s"))
        .send()
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(
        answer
            .header("content-disposition")
            .contains("jobmock-s.har")
    );
    assert!(
        !answer.body.contains("Tk9q2Wx7Lm4Rp8Zs3Vb6"),
        "{}",
        answer.body
    );
    let document = answer.json();
    assert_eq!(document["log"]["version"], "1.2");
    assert_eq!(document["log"]["creator"]["name"], "jobmock");
    let entries = document["log"]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 8, "session s only");
    assert_eq!(entries[0]["_jobmock"]["session"], "s");
    assert_eq!(
        entries[0]["request"]["postData"]["mimeType"],
        "application/x-www-form-urlencoded"
    );
    assert!(
        entries[0]["request"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/notebookserver/admin/notebooks/executeNotebook")
    );
    for entry in entries {
        for field in [
            "startedDateTime",
            "time",
            "request",
            "response",
            "cache",
            "timings",
        ] {
            assert!(!entry[field].is_null(), "{field} missing in {entry}");
        }
        assert!(entry["response"]["content"]["text"].is_string(), "{entry}");
    }
    let bad = get(server.url("/__jobmock/requests?format=xml"))
        .send()
        .await;
    assert_eq!(bad.status, 400);

    let dir = tempfile::tempdir().unwrap();
    let har_path = dir.path().join("journal.har");
    std::fs::write(&har_path, &answer.body).unwrap();
    let fixtures = dir.path().join("set");
    // The server's IDs kept: the replay is polled by them, as the client was answered.
    let (code, printed) = import(&har_path, &fixtures, &["--keep-job-ids"]);
    assert_eq!(code, Some(0), "{printed}");
    let replayed = TestServer::start(&fixtures).await;
    let created = post(replayed.url("/notebookserver/admin/notebooks/executeNotebook"))
        .form("itemId=c21213a381804c85935f50a1349a390f&f=json")
        .send()
        .await
        .json();
    let job_url = created["jobUrl"].as_str().unwrap().to_string();
    assert!(
        job_url.starts_with(&replayed.url("/notebookserver/admin/system/jobs/j")),
        "the session prefix is the origin's: {job_url}"
    );
    let mut again = Vec::new();
    for _ in 0..5 {
        again.push(get(format!("{job_url}?f=json")).status().await);
    }
    for _ in 0..2 {
        again.push(get(replayed.job_url(FAILED_JOB, "?f=json")).status().await);
    }
    assert_eq!(again, first);
}
