//! What the mocked admin API refuses, as the real one does: unknown jobs, bad formats, methods
//! and paths, job IDs that are not plain names, and GET or CONNECT on operations that change
//! state.

use std::time::Duration;

use crate::util::*;

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
