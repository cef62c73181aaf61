//! The record proxy: forwarding, what it writes, secrets, TLS, failures, and the round trip
//! through replay.

use std::io::Write as _;
use std::time::Duration;

use jobmock::fixture::FixtureSet;
use serde_json::{Value, json};

use crate::util::*;

fn record(upstream: &str, fixtures: &std::path::Path, extra: &[&str]) -> Binary {
    Binary::record(upstream, fixtures, extra)
}

fn replay(fixtures: &std::path::Path) -> Binary {
    Binary::replay(fixtures, &[])
}

fn stop(binary: Binary) -> String {
    binary.terminate();
    let (code, _, stderr) = binary.wait(Duration::from_secs(10));
    assert_eq!(code, Some(0), "stderr: {stderr}");
    stderr
}

const SHIPPED_JOBS: [&str; 5] = [OPEN_JOB, EXECUTE_JOB, FAILED_JOB, HOLDING_JOB, TIMED_JOB];

/// The round trip: replay plays the upstream, a client polls every shipped job through record,
/// and the recorded set, replayed, answers the same bodies in the same order.
#[tokio::test]
async fn a_recording_replays_the_same_answers_in_the_same_order() {
    let upstream = replay(&shipped_fixtures());
    let recorded = tempfile::tempdir().unwrap();
    let proxy = record(&upstream.base, recorded.path(), &[]);

    let mut original = Vec::new();
    for job in SHIPPED_JOBS {
        for _ in 0..14 {
            let url = proxy.url(&format!("/arcgis/admin/system/jobs/{job}?f=json"));
            original.push(get(url).send().await.body);
        }
    }
    let summary = stop(proxy);
    assert!(summary.contains("5 job(s)"), "{summary}");
    drop(upstream);

    let set = FixtureSet::load(recorded.path()).unwrap();
    assert_eq!(set.jobs().len(), 5);
    let holding = &set.job(set.job_index(HOLDING_JOB).unwrap());
    assert_eq!(
        holding.steps.len(),
        5,
        "equal polls collapse into held steps"
    );
    assert_eq!(holding.sequence.hold(2), 5);

    let replayed = replay(recorded.path());
    let mut again = Vec::new();
    for job in SHIPPED_JOBS {
        for _ in 0..14 {
            let url = replayed.url(&format!("/arcgis/admin/system/jobs/{job}?f=json"));
            again.push(get(url).send().await.body);
        }
    }
    assert_eq!(original.len(), again.len());
    for (index, (want, got)) in original.iter().zip(&again).enumerate() {
        assert_same_text(want, got);
        assert!(!got.is_empty(), "answer {index} is empty");
    }
}

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
    let proxy = record(&upstream.url(), recorded.path(), &[]);

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
    stop(proxy);

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
    let proxy = record(&upstream.url(), recorded.path(), &[]);
    let submitted = post(proxy.url("/arcgis/admin/notebooks/executeNotebook"))
        .form("itemId=abc&f=json")
        .send()
        .await
        .json();
    let job_url = submitted["jobUrl"].as_str().unwrap().to_string();
    assert_eq!(job_url, proxy.url("/arcgis/admin/system/jobs/jnew1"));
    assert_eq!(get(format!("{job_url}?f=json")).status().await, "COMPLETED");
    stop(proxy);

    let stored = all_files(recorded.path());
    let upstream_origin = upstream.addr.to_string();
    for (path, bytes) in &stored {
        assert!(
            !String::from_utf8_lossy(bytes).contains(&upstream_origin),
            "{} names the upstream",
            path.display()
        );
    }
    assert!(stored.iter().any(|(_, bytes)| {
        String::from_utf8_lossy(bytes).contains("{{origin}}/arcgis/admin/system/jobs/jnew1")
    }));

    let replayed = replay(recorded.path());
    let submitted = post(replayed.url("/arcgis/admin/notebooks/executeNotebook"))
        .form("itemId=abc&f=json")
        .send()
        .await
        .json();
    assert_eq!(
        submitted["jobUrl"],
        replayed.url("/arcgis/admin/system/jobs/jnew1")
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

/// A token, cookie, password or credential header is never written: a canary string used for
/// all of them is found nowhere under the fixture set, nor in what the proxy prints.
#[tokio::test]
async fn no_secret_reaches_the_fixture_set() {
    const CANARY: &str = "c4n4ry-s3cr3t-7f2e9a";
    let upstream = FakeUpstream::start(|seen, addr| {
        if seen.path.ends_with("/generateToken") {
            let body = json!({"token": format!("{CANARY}-issued"), "expires": 1, "ssl": false});
            return (
                200,
                vec![("set-cookie", format!("AGS_ROLES={CANARY}-cookie; Path=/"))],
                serde_json::to_vec(&body).unwrap(),
            );
        }
        let query = seen.query.clone().unwrap_or_default();
        let body = json!({
            "jobId": "jcanary",
            "type": "executeNotebook",
            "status": "PROCESSING",
            "username": "alice",
            // A server that echoes the request's URL, token and all.
            "jobUrl": format!("http://{addr}{}?{query}", seen.path),
            "messages": [format!("called with {query}")],
        });
        json_answer(&body)
    })
    .await;
    let recorded = tempfile::tempdir().unwrap();
    let proxy = record(
        &upstream.url(),
        recorded.path(),
        &["--redact-field", "username"],
    );

    post(proxy.url("/portal/sharing/rest/generateToken"))
        .form(&format!("username=alice&password={CANARY}-password&f=json"))
        .send()
        .await;
    for _ in 0..3 {
        get(proxy.url(&format!(
            "/arcgis/admin/system/jobs/jcanary?f=json&token={CANARY}-query"
        )))
        .header("X-Esri-Authorization", &format!("Bearer {CANARY}-header"))
        .header("Authorization", &format!("Bearer {CANARY}-authorization"))
        .header("Cookie", &format!("AGS_ROLES={CANARY}-cookie"))
        .send()
        .await;
    }
    post(proxy.url("/arcgis/admin/system/jobs/jcanary"))
        .form(&format!("f=json&token={CANARY}-form"))
        .send()
        .await;
    let printed = stop(proxy);

    let files = all_files(recorded.path());
    assert!(files.len() >= 4, "{files:?}");
    for (path, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !text.contains(CANARY),
            "{} holds the canary:\n{text}",
            path.display()
        );
        assert!(
            !text.contains("alice"),
            "{} holds the username:\n{text}",
            path.display()
        );
    }
    assert!(
        !printed.contains(CANARY),
        "the proxy printed the canary:\n{printed}"
    );
    let job = std::fs::read_to_string(recorded.path().join("jobs/jcanary/001.json")).unwrap();
    assert!(job.contains("token=REDACTED"), "{job}");
    assert!(job.contains("REDACTED-username-1"), "{job}");
}

/// Identical polls collapse into one step that holds, and each step keeps its time.
#[tokio::test]
async fn identical_polls_collapse_into_held_steps_with_offsets() {
    let upstream = replay(&shipped_fixtures());
    let recorded = tempfile::tempdir().unwrap();
    let proxy = record(&upstream.base, recorded.path(), &[]);
    let url = proxy.url(&format!("/arcgis/admin/system/jobs/{HOLDING_JOB}?f=json"));
    for _ in 0..40 {
        get(&url).send().await;
    }
    stop(proxy);
    let files: Vec<String> = std::fs::read_dir(recorded.path().join("jobs").join(HOLDING_JOB))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files.len(), 6, "five steps and a script: {files:?}");
    let script: Value = serde_json::from_str(
        &std::fs::read_to_string(
            recorded
                .path()
                .join("jobs")
                .join(HOLDING_JOB)
                .join("script.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let polls: Vec<u64> = ["001.json", "002.json", "003.json", "004.json", "005.json"]
        .iter()
        .map(|step| script["steps"][step]["polls"].as_u64().unwrap())
        .collect();
    assert_eq!(polls, [1, 3, 5, 2, 29]);
    let offsets: Vec<u64> = ["001.json", "005.json"]
        .iter()
        .map(|step| script["steps"][step]["offsetMs"].as_u64().unwrap())
        .collect();
    assert_eq!(offsets[0], 0);
    assert!(offsets[1] > 0, "{script}");
}

/// Two clients polling one job at once make one consistent sequence: every answer a client got
/// is recorded once, none lost, none twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_polls_of_one_job_make_one_consistent_sequence() {
    let upstream = replay(&shipped_fixtures());
    let recorded = tempfile::tempdir().unwrap();
    let proxy = record(&upstream.base, recorded.path(), &[]);
    let url = proxy.url(&format!("/arcgis/admin/system/jobs/{HOLDING_JOB}?f=json"));
    let clients: Vec<_> = (0..2)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move {
                let mut seen = Vec::new();
                for _ in 0..10 {
                    seen.push(get(&url).send().await.body);
                }
                seen
            })
        })
        .collect();
    let mut answered = Vec::new();
    for client in clients {
        answered.extend(client.await.unwrap());
    }
    stop(proxy);

    let set = FixtureSet::load(recorded.path()).unwrap();
    let job = set.job(0);
    let mut recorded_answers = Vec::new();
    for (index, step) in job.steps.iter().enumerate() {
        for _ in 0..job.sequence.hold(index) {
            recorded_answers.push(String::from_utf8(step.body.to_vec()).unwrap());
        }
    }
    answered.sort();
    recorded_answers.sort();
    assert_eq!(recorded_answers.len(), 20);
    assert_eq!(answered, recorded_answers);
}

/// A second recording of a job is refused (the client still gets its answer); --overwrite
/// replaces the folder and --append adds to it.
#[tokio::test]
async fn existing_jobs_are_refused_unless_overwrite_or_append_is_given() {
    let upstream = replay(&shipped_fixtures());
    let recorded = tempfile::tempdir().unwrap();
    let url =
        |proxy: &Binary| proxy.url(&format!("/arcgis/admin/system/jobs/{EXECUTE_JOB}?f=json"));
    let job_dir = recorded.path().join("jobs").join(EXECUTE_JOB);

    let proxy = record(&upstream.base, recorded.path(), &[]);
    assert_eq!(get(url(&proxy)).status().await, "SUBMITTED");
    stop(proxy);
    let first = std::fs::read(job_dir.join("001.json")).unwrap();

    let proxy = record(&upstream.base, recorded.path(), &[]);
    assert_eq!(
        get(url(&proxy)).status().await,
        "PROCESSING",
        "the client still gets its answer"
    );
    let printed = stop(proxy);
    assert!(
        printed.contains(&format!(
            "not recording jobs/{EXECUTE_JOB}: the folder exists"
        )),
        "{printed}"
    );
    assert!(printed.contains("--overwrite"), "{printed}");
    assert_eq!(std::fs::read(job_dir.join("001.json")).unwrap(), first);
    assert!(!job_dir.join("002.json").exists());

    let proxy = record(&upstream.base, recorded.path(), &["--append"]);
    assert_eq!(get(url(&proxy)).status().await, "COMPLETED");
    stop(proxy);
    assert!(
        std::fs::read_to_string(job_dir.join("002.json"))
            .unwrap()
            .contains("COMPLETED")
    );

    let proxy = record(&upstream.base, recorded.path(), &["--overwrite"]);
    assert_eq!(get(url(&proxy)).status().await, "COMPLETED");
    stop(proxy);
    assert!(
        std::fs::read_to_string(job_dir.join("001.json"))
            .unwrap()
            .contains("COMPLETED")
    );
    assert!(!job_dir.join("002.json").exists());
}

/// An upstream that is down: HTTP 502 with an ArcGIS-style body that says what failed, nothing
/// recorded, and the proxy keeps serving.
#[tokio::test]
async fn an_upstream_that_is_down_gets_502_and_nothing_is_recorded() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let recorded = tempfile::tempdir().unwrap();
    let proxy = record(&dead, recorded.path(), &[]);
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
    stop(proxy);
    assert!(all_files(recorded.path()).is_empty());
}

/// An upstream that never answers times out with a 502.
#[tokio::test]
async fn an_upstream_that_stalls_times_out_with_502() {
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    let recorded = tempfile::tempdir().unwrap();
    let proxy = record(&url, recorded.path(), &["--upstream-timeout", "1"]);
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
    stop(proxy);
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
    let proxy = record(&upstream.url(), recorded.path(), &[]);
    let answer = get(proxy.url("/arcgis/admin/system/jobs/jgzip?f=json"))
        .header("Accept-Encoding", "gzip, deflate, br")
        .send()
        .await;
    assert_eq!(answer.header("content-encoding"), "gzip");
    assert!(
        answer.body.contains('\u{FFFD}') || !answer.body.contains("COMPLETED"),
        "the client got the compressed bytes"
    );
    stop(proxy);
    let stored = std::fs::read_to_string(recorded.path().join("jobs/jgzip/001.json")).unwrap();
    assert!(stored.contains("\"status\": \"COMPLETED\""), "{stored}");
}

/// An HTTPS upstream with a self-signed certificate is refused, with a message that says so,
/// unless --insecure is given; a site CA given with --ca-cert is trusted.
#[tokio::test]
async fn https_upstreams_are_verified_unless_insecure() {
    let backend = TestServer::start(&shipped_fixtures()).await;
    let front = TlsFront::start(TestCertificate::self_signed(), backend.addr).await;
    let recorded = tempfile::tempdir().unwrap();
    let job = format!("/arcgis/admin/system/jobs/{OPEN_JOB}?f=json");

    let strict = record(&front.url(), recorded.path(), &[]);
    let refused = get(strict.url(&job)).send().await;
    assert_eq!(refused.status, 502);
    assert!(refused.body.contains("certificate"), "{}", refused.body);
    stop(strict);
    assert!(all_files(recorded.path()).is_empty());

    let insecure = record(&front.url(), recorded.path(), &["--insecure"]);
    assert_eq!(get(insecure.url(&job)).status().await, "SUBMITTED");
    let printed = stop(insecure);
    assert!(printed.contains("warning: --insecure"), "{printed}");
    assert!(
        recorded
            .path()
            .join("jobs")
            .join(OPEN_JOB)
            .join("001.json")
            .exists()
    );

    let certificate = TestCertificate::signed_by_own_ca();
    let ca_file = recorded.path().join("site-ca.pem");
    std::fs::write(&ca_file, &certificate.issuer_pem).unwrap();
    let front = TlsFront::start(certificate, backend.addr).await;
    let other = tempfile::tempdir().unwrap();
    let trusting = record(
        &front.url(),
        other.path(),
        &["--ca-cert", ca_file.to_str().unwrap()],
    );
    assert_eq!(get(trusting.url(&job)).status().await, "PROCESSING");
    stop(trusting);
}

/// A recorder killed mid-recording leaves a fixture set that replay loads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorder_killed_at_any_moment_leaves_a_loadable_set() {
    let upstream = replay(&shipped_fixtures());
    let recorded = tempfile::tempdir().unwrap();
    let mut proxy = record(&upstream.base, recorded.path(), &[]);
    let base = proxy.base.clone();
    let polling = tokio::spawn(async move {
        for round in 0.. {
            for job in SHIPPED_JOBS {
                let url = format!("{base}/arcgis/admin/system/jobs/{job}?f=json&round={round}");
                let client: hyper_util::client::legacy::Client<
                    _,
                    http_body_util::Full<bytes::Bytes>,
                > = hyper_util::client::legacy::Client::builder(
                    hyper_util::rt::TokioExecutor::new(),
                )
                .build_http();
                if client.get(url.parse().unwrap()).await.is_err() {
                    return round;
                }
            }
        }
        unreachable!()
    });
    tokio::time::sleep(Duration::from_millis(400)).await;
    proxy.child.kill().unwrap();
    let rounds = polling.await.unwrap();
    assert!(rounds > 0, "no round of polls completed before the kill");
    let set = FixtureSet::load(recorded.path()).unwrap_or_else(|err| panic!("{err}"));
    assert!(!set.jobs().is_empty());
}

/// A recording keeps each step's time: `replay --advance time` plays it at its recorded pace,
/// and --speed faster.
#[tokio::test]
async fn a_recording_plays_at_its_recorded_pace_with_advance_time() {
    let upstream = replay(&shipped_fixtures());
    let recorded = tempfile::tempdir().unwrap();
    let proxy = record(&upstream.base, recorded.path(), &[]);
    let job = format!("/arcgis/admin/system/jobs/{EXECUTE_JOB}?f=json");
    get(proxy.url(&job)).send().await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    get(proxy.url(&job)).send().await;
    stop(proxy);

    let paced = Binary::replay(recorded.path(), &["--advance", "time", "--speed", "2"]);
    assert_eq!(get(paced.url(&job)).status().await, "SUBMITTED");
    assert_eq!(
        get(paced.url(&job)).status().await,
        "SUBMITTED",
        "one second recorded is half of one here"
    );
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(get(paced.url(&job)).status().await, "PROCESSING");
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
    let proxy = record(&format!("{}/ctx", upstream.url()), recorded.path(), &[]);

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
    stop(proxy);

    for (path, bytes) in all_files(recorded.path()) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains("FRESHCANARY"),
            "{} holds a token:\n{text}",
            path.display()
        );
    }

    let replayed = replay(recorded.path());
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

/// --redact-field username hides the name in Portal user paths, and leaves the admin API's own
/// `/admin/` segment alone when the username is `admin`.
#[tokio::test]
async fn a_redacted_username_does_not_rename_the_admin_api() {
    let upstream = FakeUpstream::start(|seen, _| {
        let body = if seen.path.contains("/community/users/") {
            json!({"username": "admin", "role": "org_admin"})
        } else {
            json!({"jobId": "j1", "jobUrl": "x", "status": "success"})
        };
        json_answer(&body)
    })
    .await;
    let recorded = tempfile::tempdir().unwrap();
    let proxy = record(
        &upstream.url(),
        recorded.path(),
        &["--redact-field", "username"],
    );
    get(proxy.url("/portal/sharing/rest/community/users/admin?f=json"))
        .send()
        .await;
    post(proxy.url("/arcgis/admin/notebooks/executeNotebook"))
        .form("f=json&itemId=i")
        .send()
        .await;
    stop(proxy);

    let set = FixtureSet::load(recorded.path()).unwrap();
    let paths: Vec<&str> = set.exchanges().iter().map(|e| e.path.as_str()).collect();
    assert!(
        paths.contains(&"/arcgis/admin/notebooks/executeNotebook"),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"/portal/sharing/rest/community/users/REDACTED-username-1"),
        "{paths:?}"
    );
}
