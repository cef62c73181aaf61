//! Record against an upstream that fails or misbehaves: it is down, never answers, closes
//! mid-answer, answers garbage, stalls, sends more than is recorded, or a compressed bomb. The
//! client gets a 502 that says what happened (or the answer, passed through), nothing
//! half-written is left, and the set loads.

use std::io::Write as _;
use std::time::Duration;

use jobmock::fixture::FixtureSet;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::util::*;

/// What a raw upstream does with a connection once it has read a request head.
#[derive(Clone, Copy)]
enum Misbehaviour {
    /// Announces a body, sends part of it, closes.
    CloseMidBody,
    /// Answers with bytes that are not HTTP.
    Garbage,
    /// Sends a head and part of the body, then nothing.
    StallMidBody,
    /// A good answer: a job in PROCESSING.
    Good,
    /// Announces a megabyte, sends 200 KB of it, then nothing.
    StallLarge,
}

/// A TCP upstream that answers every request with `misbehaviour`; runs until the test ends.
async fn raw_upstream(misbehaviour: Misbehaviour) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if stream.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let job = br#"{"jobId": "j1", "type": "executeNotebook", "status": "PROCESSING"}"#;
                match misbehaviour {
                    Misbehaviour::CloseMidBody => {
                        let _ = stream
                            .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
                            .await;
                        let _ = stream.write_all(&job[..20]).await;
                    }
                    Misbehaviour::Garbage => {
                        let _ = stream
                            .write_all(b"SSH-2.0-OpenSSH_9.2\r\n\r\n\x00\xff")
                            .await;
                    }
                    Misbehaviour::StallMidBody => {
                        let _ = stream
                            .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
                            .await;
                        let _ = stream.write_all(&job[..20]).await;
                        tokio::time::sleep(Duration::from_secs(3600)).await;
                    }
                    Misbehaviour::StallLarge => {
                        let _ = stream
                            .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000000\r\n\r\n")
                            .await;
                        let _ = stream.write_all(&vec![b'x'; 200_000]).await;
                        tokio::time::sleep(Duration::from_secs(3600)).await;
                    }
                    Misbehaviour::Good => {
                        let head = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                            job.len()
                        );
                        let _ = stream.write_all(head.as_bytes()).await;
                        let _ = stream.write_all(job).await;
                    }
                }
                let _ = stream.shutdown().await;
            });
        }
    });
    url
}

/// Every way the upstream fails gets a 502 whose message says what happened; nothing of those
/// answers is written; a good answer afterwards is recorded; the set loads and holds no
/// temporary files.
#[tokio::test]
async fn a_misbehaving_upstream_gets_502_and_leaves_a_loadable_set() {
    let recorded = tempfile::tempdir().unwrap();
    let cases = [
        (Misbehaviour::CloseMidBody, "the answer broke off"),
        (Misbehaviour::Garbage, "invalid"),
        (Misbehaviour::StallMidBody, "no answer within 1 s"),
    ];
    for (misbehaviour, expected) in cases {
        let upstream = raw_upstream(misbehaviour).await;
        let proxy = Binary::record(
            &upstream,
            recorded.path(),
            &["--upstream-timeout", "1", "--append"],
        );
        let answer = get(proxy.url("/arcgis/admin/system/jobs/j1?f=json"))
            .send()
            .await;
        assert_eq!(answer.status, 502, "{}", answer.body);
        let body = answer.json();
        assert_eq!(body["code"], 502);
        let message = body["messages"][0].as_str().unwrap();
        assert!(
            message.starts_with(&format!("upstream {upstream}: ")),
            "{message}"
        );
        assert!(message.contains(expected), "{message}");
        let err = proxy.stop();
        assert!(err.contains("failed upstream"), "{err}");
        assert!(
            all_files(recorded.path()).is_empty(),
            "{:?}",
            all_files(recorded.path())
        );
    }

    let upstream = raw_upstream(Misbehaviour::Good).await;
    let proxy = Binary::record(&upstream, recorded.path(), &["--append"]);
    let answer = get(proxy.url("/arcgis/admin/system/jobs/j1?f=json"))
        .send()
        .await;
    assert_eq!(answer.json()["status"], "PROCESSING");
    proxy.terminate();
    proxy.wait(Duration::from_secs(10));
    let files = all_files(recorded.path());
    assert!(
        files
            .iter()
            .all(|(path, _)| !path.file_name().unwrap().to_string_lossy().starts_with('.')),
        "a temporary file was left: {files:?}"
    );
    let set = FixtureSet::load(recorded.path()).expect("the recorded set loads");
    assert_eq!(set.jobs().len(), 1);
}

/// An answer larger than --max-record-bytes reaches the client whole, streamed, and is not
/// recorded; the summary says so.
#[tokio::test]
async fn a_large_answer_is_passed_through_not_recorded() {
    let large = json!({"jobId": "j1", "status": "COMPLETED", "results": "x".repeat(200_000)});
    let expected = serde_json::to_vec(&large).unwrap();
    let upstream = FakeUpstream::start(move |_, _| json_answer(&large)).await;
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(
        &upstream.url(),
        recorded.path(),
        &["--max-record-bytes", "65536"],
    );
    let answer = get(proxy.url("/arcgis/admin/system/jobs/j1?f=json"))
        .send()
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.bytes.len(), expected.len());
    assert!(answer.bytes == expected, "the answer changed on its way");
    let err = proxy.stop();
    assert!(err.contains("larger than 65536 bytes"), "{err}");
    assert!(
        err.contains("1 answer(s) larger than --max-record-bytes"),
        "{err}"
    );
    assert!(all_files(recorded.path()).is_empty());
}

/// A compressed answer that would decode to more than --max-record-bytes (a "zip bomb") is not
/// decoded past the limit: the client gets it as sent, and it is not recorded.
#[tokio::test]
async fn a_compressed_bomb_is_not_decoded_past_the_limit() {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(b"{\"results\": \"").unwrap();
    for _ in 0..64 {
        encoder.write_all(&vec![b' '; 1 << 20]).unwrap();
    }
    encoder.write_all(b"\"}").unwrap();
    let bomb = encoder.finish().unwrap();
    assert!(bomb.len() < 1 << 20, "{} bytes", bomb.len());
    let sent = bomb.clone();
    let upstream = FakeUpstream::start(move |_, _| {
        (
            200,
            vec![
                ("content-type", "application/json".into()),
                ("content-encoding", "gzip".into()),
            ],
            sent.clone(),
        )
    })
    .await;
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(&upstream.url(), recorded.path(), &[]);
    let answer = get(proxy.url("/arcgis/admin/system/jobs/j1?f=json"))
        .header("Accept-Encoding", "gzip")
        .send()
        .await;
    assert_eq!(answer.status, 200);
    assert!(answer.bytes == bomb, "the client gets the answer as sent");
    let err = proxy.stop();
    assert!(
        err.contains("decodes to more than --max-record-bytes"),
        "{err}"
    );
    assert!(all_files(recorded.path()).is_empty());
}

/// A large answer whose upstream stalls part-way is streamed to the client up to the stall (so
/// it is not held whole), then cut off after --upstream-timeout; the proxy goes on.
#[tokio::test]
async fn a_large_answer_that_stalls_is_cut_off_after_the_timeout() {
    let upstream = raw_upstream(Misbehaviour::StallLarge).await;
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(
        &upstream,
        recorded.path(),
        &["--max-record-bytes", "65536", "--upstream-timeout", "1"],
    );
    let addr: std::net::SocketAddr = proxy.base.trim_start_matches("http://").parse().unwrap();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /big HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut received = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut received));
    let _ = read.await.expect("the proxy ends the answer");
    assert!(
        received.starts_with(b"HTTP/1.1 200"),
        "{:?}",
        &received[..20.min(received.len())]
    );
    assert!(
        received.len() > 200_000,
        "streamed up to the stall: {}",
        received.len()
    );
    assert!(received.len() < 1_000_000, "the answer was cut short");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    proxy.stop();
    assert!(all_files(recorded.path()).is_empty());
}

/// An answer replay would refuse (JSON nested deeper than a step may be) reaches the client
/// but is not recorded, so the recorded set always loads.
#[tokio::test]
async fn an_answer_replay_would_refuse_is_not_recorded() {
    let deep: serde_json::Value = serde_json::from_str(&format!(
        "{{\"jobId\": \"jdeep\", \"status\": \"PROCESSING\", \"x\": {}1{}}}",
        "[".repeat(110),
        "]".repeat(110)
    ))
    .unwrap();
    let fine = json!({"jobId": "jfine", "status": "PROCESSING"});
    let upstream = FakeUpstream::start(move |seen, _| {
        if seen.path.ends_with("jdeep") {
            json_answer(&deep)
        } else {
            json_answer(&fine)
        }
    })
    .await;
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(&upstream.url(), recorded.path(), &[]);
    let answer = get(proxy.url("/arcgis/admin/system/jobs/jdeep?f=json"))
        .send()
        .await;
    assert_eq!(answer.json()["status"], "PROCESSING");
    get(proxy.url("/arcgis/admin/system/jobs/jfine?f=json"))
        .send()
        .await;
    let err = proxy.stop();
    assert!(err.contains("replay would not load it"), "{err}");
    assert!(err.contains("more than 100 deep"), "{err}");
    let set = FixtureSet::load(recorded.path()).expect("the recorded set loads");
    let ids: Vec<&str> = set.jobs().iter().map(|job| &*job.id).collect();
    // jdeep was not recorded, so jfine is the recording's first job.
    assert_eq!(ids, ["job-1"]);
}

/// An upstream that is down: HTTP 502 with an ArcGIS-style body that says what failed, nothing
/// recorded, and the proxy keeps serving.
#[tokio::test]
async fn an_upstream_that_is_down_gets_502_and_nothing_is_recorded() {
    let dead = dead_upstream();
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(&dead, recorded.path(), &[]);
    for _ in 0..2 {
        let answer = get(proxy.url(&format!("/arcgis/admin/system/jobs/{OPEN_JOB}?f=json")))
            .send()
            .await;
        assert_eq!(answer.status, 502);
        let body = answer.json();
        assert_eq!(body["status"], "error");
        assert_eq!(body["code"], 502);
        let message = body["messages"][0].as_str().unwrap();
        assert!(
            message.starts_with(&format!("upstream {dead}: ")),
            "{message}"
        );
        assert!(message.contains("connection refused"), "{message}");
    }
    proxy.stop();
    assert!(all_files(recorded.path()).is_empty());
}

/// An upstream that never answers times out with a 502.
#[tokio::test]
async fn an_upstream_that_stalls_times_out_with_502() {
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(&url, recorded.path(), &["--upstream-timeout", "1"]);
    let answer = get(proxy.url("/arcgis/admin/system/jobs/j1?f=json"))
        .send()
        .await;
    assert_eq!(answer.status, 502);
    assert!(
        answer.body.contains("no answer within 1 s"),
        "{}",
        answer.body
    );
    drop(silent);
    proxy.stop();
}
