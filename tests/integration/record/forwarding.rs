//! What passes through the record proxy: requests and answers whole (a gzip answer stored
//! decoded), URLs that lead back to the proxy and then to replay, an upstream's own path,
//! HTTPS to the upstream (verified unless told otherwise) and from the client, and jobmock's
//! control API kept to the proxy.

use std::io::Write as _;

use jobmock::fixture::FixtureSet;
use serde_json::json;

use crate::util::*;

/// Every request is forwarded whole (method, path, query, headers, body), and the answer comes
/// back unchanged but for hop-by-hop headers.
#[tokio::test]
async fn requests_and_answers_pass_through_unchanged() {
    let upstream = FakeUpstream::start(|seen, _| {
        let echo = json!({
            "method": seen.method,
            "path": seen.path,
            "query": seen.query,
            "custom": seen.headers.get("x-custom").map(|v| v.to_str().unwrap()),
            "host": seen.headers.get("host").map(|v| v.to_str().unwrap()),
            "body": String::from_utf8_lossy(&seen.body),
        });
        (
            201,
            vec![
                ("content-type", "application/json".into()),
                ("x-upstream", "yes".into()),
                ("connection", "close".into()),
            ],
            serde_json::to_vec(&echo).unwrap(),
        )
    })
    .await;
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(&upstream.url(), recorded.path(), &[]);

    let answer = post(proxy.url("/notebookserver/admin/notebooks/executeNotebook?f=json"))
        .header("X-Custom", "kept")
        .form("itemId=abc&notebookParameters=%7B%7D")
        .send()
        .await;
    assert_eq!(answer.status, 201);
    assert_eq!(answer.header("x-upstream"), "yes");
    assert!(
        answer
            .headers
            .get("connection")
            .is_none_or(|v| v != "close")
    );
    let echo = answer.json();
    assert_eq!(echo["method"], "POST");
    assert_eq!(
        echo["path"],
        "/notebookserver/admin/notebooks/executeNotebook"
    );
    assert_eq!(echo["query"], "f=json");
    assert_eq!(echo["custom"], "kept");
    assert_eq!(echo["host"], upstream.addr.to_string());
    assert_eq!(echo["body"], "itemId=abc&notebookParameters=%7B%7D");
    proxy.stop();

    let set = FixtureSet::load(recorded.path()).unwrap();
    let exchange = &set.exchanges()[0];
    assert_eq!(exchange.method, "POST");
    assert_eq!(
        exchange.path,
        "/notebookserver/admin/notebooks/executeNotebook"
    );
    let params: Vec<(&str, &str)> = exchange
        .params
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        params,
        [
            ("f", "json"),
            ("itemId", "abc"),
            ("notebookParameters", "{}")
        ]
    );
    assert_eq!(exchange.steps[0].http_status, 201);
}

/// The submit answer's jobUrl names the upstream: the client gets it naming the proxy (so its
/// polls are recorded), the fixture keeps a placeholder, and replay fills in its own origin.
#[tokio::test]
async fn job_urls_lead_back_to_the_proxy_and_then_to_replay() {
    let upstream = FakeUpstream::start(|seen, addr| {
        let body = if seen.path.ends_with("/executeNotebook") {
            json!({"jobId": "jnew1", "jobUrl": format!("http://{addr}/arcgis/admin/system/jobs/jnew1"), "status": "success"})
        } else {
            json!({"jobId": "jnew1", "type": "executeNotebook", "status": "COMPLETED"})
        };
        json_answer(&body)
    })
    .await;
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(&upstream.url(), recorded.path(), &[]);
    let submitted = post(proxy.url("/arcgis/admin/notebooks/executeNotebook"))
        .form("itemId=abc&f=json")
        .send()
        .await
        .json();
    let job_url = submitted["jobUrl"].as_str().unwrap().to_string();
    assert_eq!(job_url, proxy.url("/arcgis/admin/system/jobs/jnew1"));
    assert_eq!(get(format!("{job_url}?f=json")).status().await, "COMPLETED");
    proxy.stop();

    // recording.json names the upstream on purpose (where the set came from); the answers
    // must not: replay puts its own origin in their place.
    let stored: Vec<_> = all_files(recorded.path())
        .into_iter()
        .filter(|(path, _)| !path.ends_with("recording.json"))
        .collect();
    assert!(recorded.path().join("recording.json").is_file());
    let upstream_origin = upstream.addr.to_string();
    for (path, bytes) in &stored {
        assert!(
            !String::from_utf8_lossy(bytes).contains(&upstream_origin),
            "{} names the upstream",
            path.display()
        );
    }
    assert!(stored.iter().any(|(_, bytes)| {
        // The server's jnew1 is stored as the recording's own executeNotebook-1.
        String::from_utf8_lossy(bytes)
            .contains("{{origin}}/arcgis/admin/system/jobs/executeNotebook-1")
    }));

    let replayed = Binary::replay(recorded.path(), &[]);
    let submitted = post(replayed.url("/arcgis/admin/notebooks/executeNotebook"))
        .form("itemId=abc&f=json")
        .send()
        .await
        .json();
    assert_eq!(
        submitted["jobUrl"],
        replayed.url("/arcgis/admin/system/jobs/executeNotebook-1")
    );
    let job_url = submitted["jobUrl"].as_str().unwrap();
    assert_eq!(get(format!("{job_url}?f=json")).status().await, "COMPLETED");
    // Another itemId was never recorded, and the recorded set has no template to make a job.
    let other = post(replayed.url("/arcgis/admin/notebooks/executeNotebook"))
        .form("itemId=zzz&f=json")
        .send()
        .await
        .json();
    assert_eq!(other["code"], 400);
    assert!(
        other["messages"][0]
            .as_str()
            .unwrap()
            .contains("no template for executeNotebook"),
        "{other}"
    );
}

/// An upstream URL with a path: the proxy adds it once; URLs the upstream gives (bodies and a
/// redirect's Location) lead back to the proxy, are stored with {{origin}}, and replay fills in
/// its own origin, headers included; tokens inside stored URLs are redacted by name.
#[tokio::test]
async fn upstream_paths_redirects_and_url_tokens_are_handled() {
    let upstream = FakeUpstream::start(|seen, addr| {
        let base = format!("http://{addr}/ctx");
        if seen.path.ends_with("/login") {
            return (
                302,
                vec![("location", format!("{base}/portal/home?token=FRESHCANARY1"))],
                Vec::new(),
            );
        }
        let body = json!({
            "seenPath": seen.path,
            "notebookUrl": format!("{base}/nb/x.ipynb?token=FRESHCANARY2&f=json"),
        });
        json_answer(&body)
    })
    .await;
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(&format!("{}/ctx", upstream.url()), recorded.path(), &[]);

    let answer = get(proxy.url("/arcgis/admin/info?f=json"))
        .send()
        .await
        .json();
    assert_eq!(
        answer["seenPath"], "/ctx/arcgis/admin/info",
        "the prefix is added once"
    );
    let notebook = answer["notebookUrl"].as_str().unwrap();
    assert!(
        notebook.starts_with(&proxy.url("/nb/x.ipynb")),
        "{notebook}"
    );
    let redirect = get(proxy.url("/portal/login")).send().await;
    assert_eq!(redirect.status, 302);
    assert!(
        redirect
            .header("location")
            .starts_with(&proxy.url("/portal/home")),
        "{redirect:?}"
    );
    proxy.stop();

    for (path, bytes) in all_files(recorded.path()) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains("FRESHCANARY"),
            "{} holds a token:\n{text}",
            path.display()
        );
    }

    let replayed = Binary::replay(recorded.path(), &[]);
    let again = get(replayed.url("/portal/login")).send().await;
    assert_eq!(again.status, 302);
    assert_eq!(
        again.header("location"),
        replayed.url("/portal/home?token=REDACTED")
    );
    let body = get(replayed.url("/arcgis/admin/info?f=json"))
        .send()
        .await
        .json();
    assert_eq!(
        body["notebookUrl"],
        replayed.url("/nb/x.ipynb?token=REDACTED&f=json")
    );
}

/// A gzip answer reaches the client as sent and is stored decoded.
#[tokio::test]
async fn gzip_answers_are_stored_decoded() {
    let upstream = FakeUpstream::start(|seen, _| {
        let accepts = seen
            .headers
            .get("accept-encoding")
            .map(|v| v.to_str().unwrap().to_string());
        assert_eq!(
            accepts.as_deref(),
            Some("gzip, deflate"),
            "br is narrowed away"
        );
        let body = json!({"jobId": "jgzip", "type": "openNotebook", "status": "COMPLETED"});
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gzip.write_all(&serde_json::to_vec(&body).unwrap()).unwrap();
        (
            200,
            vec![
                ("content-type", "application/json".into()),
                ("content-encoding", "gzip".into()),
            ],
            gzip.finish().unwrap(),
        )
    })
    .await;
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(&upstream.url(), recorded.path(), &[]);
    let answer = get(proxy.url("/arcgis/admin/system/jobs/jgzip?f=json"))
        .header("Accept-Encoding", "gzip, deflate, br")
        .send()
        .await;
    assert_eq!(answer.header("content-encoding"), "gzip");
    assert!(
        answer.body.contains('\u{FFFD}') || !answer.body.contains("COMPLETED"),
        "the client got the compressed bytes"
    );
    proxy.stop();
    let stored = std::fs::read_to_string(recorded.path().join("jobs/job-1/001.json")).unwrap();
    assert!(stored.contains("\"status\": \"COMPLETED\""), "{stored}");
}

/// Requests for jobmock's control API sent to the proxy are answered 404 by the proxy itself:
/// the upstream never sees them and nothing is recorded.
#[tokio::test]
async fn control_api_requests_are_neither_forwarded_nor_recorded() {
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&seen);
    let upstream = FakeUpstream::start(move |_, _| {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        json_answer(&json!({"ok": true}))
    })
    .await;
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(&upstream.url(), recorded.path(), &[]);
    for path in [
        "/__jobmock/health",
        "/__jobmock/requests?session=a",
        "/__jobmock/reset",
    ] {
        let answer = get(proxy.url(path)).send().await;
        assert_eq!(answer.status, 404, "{path}");
        assert!(
            answer.json()["messages"][0]
                .as_str()
                .unwrap()
                .contains("neither forwards nor records"),
            "{}",
            answer.body
        );
    }
    assert_eq!(
        get(proxy.url("/arcgis/admin/info")).send().await.status,
        200
    );
    proxy.stop();
    assert_eq!(
        seen.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "only the real request was forwarded"
    );
    let set = FixtureSet::load(recorded.path()).unwrap();
    let paths: Vec<&str> = set.exchanges().iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["/arcgis/admin/info"]);
}

/// An HTTPS upstream with a self-signed certificate is refused, with a message that says so,
/// unless --insecure is given; a site CA given with --ca-cert is trusted.
#[tokio::test]
async fn https_upstreams_are_verified_unless_insecure() {
    let backend = TestServer::start(&shipped_fixtures()).await;
    let front = TlsFront::start(TestCertificate::self_signed(), backend.addr).await;
    let recorded = tempfile::tempdir().unwrap();
    let job = format!("/arcgis/admin/system/jobs/{OPEN_JOB}?f=json");

    let strict = Binary::record(&front.url(), recorded.path(), &[]);
    let refused = get(strict.url(&job)).send().await;
    assert_eq!(refused.status, 502);
    assert!(refused.body.contains("certificate"), "{}", refused.body);
    strict.stop();
    assert!(all_files(recorded.path()).is_empty());

    let insecure = Binary::record(&front.url(), recorded.path(), &["--insecure"]);
    assert_eq!(get(insecure.url(&job)).status().await, "SUBMITTED");
    let printed = insecure.stop();
    assert!(printed.contains("warning: --insecure"), "{printed}");
    assert!(
        recorded
            .path()
            .join("jobs")
            .join("job-1") // OPEN_JOB, polled with no submission seen
            .join("001.json")
            .exists()
    );

    let certificate = TestCertificate::signed_by_own_ca();
    let ca_file = recorded.path().join("site-ca.pem");
    std::fs::write(&ca_file, &certificate.issuer_pem).unwrap();
    let front = TlsFront::start(certificate, backend.addr).await;
    let other = tempfile::tempdir().unwrap();
    let trusting = Binary::record(
        &front.url(),
        other.path(),
        &["--ca-cert", ca_file.to_str().unwrap()],
    );
    assert_eq!(get(trusting.url(&job)).status().await, "PROCESSING");
    trusting.stop();
}

/// `record --tls` serves HTTPS with a certificate the client can trust (--tls-cert-out), says
/// so in its first line, and URLs in answers name the proxy with https.
#[tokio::test]
async fn record_serves_https_and_urls_name_the_proxy_with_https() {
    let upstream = FakeUpstream::start(|_, addr| {
        json_answer(&json!({"jobId": "jtls1", "jobUrl": format!("http://{addr}/arcgis/admin/system/jobs/jtls1"), "status": "success"}))
    })
    .await;
    let recorded = tempfile::tempdir().unwrap();
    let certificate = recorded.path().join("proxy.pem");
    let fixtures = recorded.path().join("set");
    let proxy = Binary::record(
        &upstream.url(),
        &fixtures,
        &["--tls", "--tls-cert-out", certificate.to_str().unwrap()],
    );
    assert!(
        proxy.base.starts_with("https://127.0.0.1:"),
        "{}",
        proxy.base
    );
    let answer = post(proxy.url("/arcgis/admin/notebooks/executeNotebook"))
        .form("itemId=abc&f=json")
        .trusting(&certificate)
        .send()
        .await
        .json();
    assert_eq!(
        answer["jobUrl"],
        proxy.url("/arcgis/admin/system/jobs/jtls1"),
        "the jobUrl leads back to the proxy, over https"
    );
    proxy.stop();
    let set = FixtureSet::load(&fixtures).unwrap();
    assert_eq!(set.exchanges().len(), 1);
}
