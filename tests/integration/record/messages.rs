//! What the recorder says when something goes wrong, and that each message says what to run
//! instead (issue 26): an upstream it cannot talk to, and the summary of a job answered errors.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;

use crate::util::*;

const POLL: &str = "/arcgis/admin/system/jobs/j7d0c2e4a-1b3c-4d5e-8f70-0a1b2c3d4e5f?f=json";

/// Polls through `proxy` `times` times; each answer must be a 502 whose message holds `fix`.
async fn each_502_says(proxy: &Binary, times: usize, fix: &str) {
    for _ in 0..times {
        let answer = get(proxy.url(POLL)).send().await;
        assert_eq!(answer.status, 502, "{}", answer.body);
        let message = answer.json()["messages"][0].as_str().unwrap().to_string();
        assert!(message.contains(fix), "{message}");
    }
}

/// An upstream whose certificate no known CA signed: the 502's body and stderr both say to pass
/// --ca-cert or --insecure, and stderr says it once however often the client retries.
#[tokio::test]
async fn an_untrusted_certificate_says_ca_cert_or_insecure_once() {
    let backend = TestServer::start(&shipped_fixtures()).await;
    let front = TlsFront::start(TestCertificate::self_signed(), backend.addr).await;
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(&front.url(), recorded.path(), &[]);
    let fix = "the upstream's certificate is not signed by a known CA (fix: pass --ca-cert FILE \
               (the CA that signed it, PEM) or --insecure (never verify))";
    each_502_says(&proxy, 3, fix).await;
    let printed = proxy.stop();
    assert_eq!(printed.matches(fix).count(), 1, "{printed}");
    assert!(
        printed.contains("3 request(s) failed upstream and were not recorded"),
        "{printed}"
    );
}

/// `replay --upstream` says the same of the same certificate: in the 502, and once on stderr.
#[tokio::test]
async fn replay_forwarding_to_an_untrusted_certificate_says_the_same() {
    let backend = TestServer::start(&shipped_fixtures()).await;
    let front = TlsFront::start(TestCertificate::self_signed(), backend.addr).await;
    let set = tempfile::tempdir().unwrap();
    let fixtures = set.path().join("recorded");
    let server = Binary::replay(
        &fixtures,
        &["--upstream", &front.url(), "--record-mode", "all"],
    );
    let fix = "not signed by a known CA (fix: pass --ca-cert FILE";
    each_502_says(&server, 2, fix).await;
    let printed = server.stop();
    assert_eq!(printed.matches(fix).count(), 1, "{printed}");
}

/// https:// to a server that speaks plain HTTP says to use http://, and http:// to a TLS
/// server says to try https://.
#[tokio::test]
async fn the_wrong_scheme_says_which_to_use() {
    let backend = TestServer::start(&shipped_fixtures()).await;
    let recorded = tempfile::tempdir().unwrap();
    let plain = backend.addr;
    let proxy = Binary::record(&format!("https://{plain}"), recorded.path(), &[]);
    let fix = format!(
        "the upstream at {plain} does not speak TLS (fix: use http://{plain} instead of https://)"
    );
    each_502_says(&proxy, 1, &fix).await;
    proxy.stop();

    let front = TlsFront::start(TestCertificate::self_signed(), backend.addr).await;
    let tls = format!("127.0.0.1:{}", front.addr.port());
    let proxy = Binary::record(&format!("http://{tls}"), recorded.path(), &[]);
    let fix = format!("the upstream at {tls} gave no HTTP answer (");
    each_502_says(&proxy, 1, &fix).await;
    let fix = format!(") (fix: if it speaks TLS, try https://{tls})");
    each_502_says(&proxy, 1, &fix).await;
    proxy.stop();
}

/// A recording that recorded nothing (the upstream is down) leaves no folder it made; a folder
/// that was there before stays.
#[tokio::test]
async fn a_recording_of_nothing_leaves_no_empty_folders() {
    let dead = dead_upstream();
    let place = tempfile::tempdir().unwrap();
    let fresh = place.path().join("new").join("set");
    let proxy = Binary::record(&dead, &fresh, &[]);
    each_502_says(&proxy, 1, "connection refused: nothing listens at").await;
    proxy.stop();
    assert!(!place.path().join("new").exists(), "made and left empty");

    let existing = place.path().join("existing");
    std::fs::create_dir_all(existing.join("jobs")).unwrap();
    let proxy = Binary::record(&dead, &existing, &[]);
    each_502_says(&proxy, 1, "(fix: check the host and port of --upstream").await;
    proxy.stop();
    assert!(existing.join("jobs").is_dir(), "there before the run");
    assert!(!existing.join("exchanges").exists(), "made and left empty");
}

/// A job answered errors shows each error's code in the closing summary.
#[tokio::test]
async fn the_summary_shows_the_codes_of_errors() {
    let polls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&polls);
    let upstream = FakeUpstream::start(move |_, _| match counted.fetch_add(1, Ordering::SeqCst) {
        0 => json_answer(&json!({"jobId": "j7d0c2e4a-1b3c-4d5e-8f70-0a1b2c3d4e5f",
                                 "status": "SUBMITTED", "type": "executeNotebook"})),
        1 => json_answer(&json!({"status": "error", "messages": ["Invalid token."], "code": 498})),
        _ => json_answer(
            &json!({"error": {"code": 499, "message": "Token Required.", "details": []}}),
        ),
    })
    .await;
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(&upstream.url(), recorded.path(), &[]);
    for _ in 0..3 {
        get(proxy.url(POLL)).send().await;
    }
    let printed = proxy.stop();
    assert!(
        printed.contains("3 step(s) written: SUBMITTED → error 498 → error 499"),
        "{printed}"
    );
}
