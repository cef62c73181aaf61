//! The record proxy: forwarding, what it writes, secrets, TLS, failures, and the round trip
//! through replay.

use std::io::Write as _;
use std::time::Duration;

use jobmock::fixture::FixtureSet;
use serde_json::{Value, json};

use crate::util::*;

const SHIPPED_JOBS: [&str; 5] = [OPEN_JOB, EXECUTE_JOB, FAILED_JOB, HOLDING_JOB, TIMED_JOB];

/// The round trip: replay plays the upstream, a client polls every shipped job through record,
/// and the recorded set, replayed, answers the same bodies in the same order.
#[tokio::test]
async fn a_recording_replays_the_same_answers_in_the_same_order() {
    let upstream = Binary::replay(&shipped_fixtures(), &[]);
    let recorded = tempfile::tempdir().unwrap();
    // The shipped jobs name their users: kept, so the bodies compare byte for byte.
    let proxy = Binary::record(
        &upstream.base,
        recorded.path(),
        &["--keep-field", "username"],
    );

    let mut original = Vec::new();
    for job in SHIPPED_JOBS {
        for _ in 0..14 {
            let url = proxy.url(&format!("/arcgis/admin/system/jobs/{job}?f=json"));
            original.push(get(url).send().await.body);
        }
    }
    let summary = proxy.stop();
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

    let replayed = Binary::replay(recorded.path(), &[]);
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

    let replayed = Binary::replay(recorded.path(), &[]);
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
    let proxy = Binary::record(&upstream.url(), recorded.path(), &[]);

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
    let printed = proxy.stop();

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
    assert!(job.contains("\"username\": \"user-1\""), "{job}");
}

/// Identical polls collapse into one step that holds, and each step keeps its time.
#[tokio::test]
async fn identical_polls_collapse_into_held_steps_with_offsets() {
    let upstream = Binary::replay(&shipped_fixtures(), &[]);
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(&upstream.base, recorded.path(), &["--offsets", "exact"]);
    let url = proxy.url(&format!("/arcgis/admin/system/jobs/{HOLDING_JOB}?f=json"));
    for _ in 0..40 {
        get(&url).send().await;
    }
    proxy.stop();
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
    let upstream = Binary::replay(&shipped_fixtures(), &[]);
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(
        &upstream.base,
        recorded.path(),
        &["--keep-field", "username"],
    );
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
    proxy.stop();

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
    let upstream = Binary::replay(&shipped_fixtures(), &[]);
    let recorded = tempfile::tempdir().unwrap();
    let url =
        |proxy: &Binary| proxy.url(&format!("/arcgis/admin/system/jobs/{EXECUTE_JOB}?f=json"));
    let job_dir = recorded.path().join("jobs").join(EXECUTE_JOB);

    let proxy = Binary::record(&upstream.base, recorded.path(), &[]);
    assert_eq!(get(url(&proxy)).status().await, "SUBMITTED");
    proxy.stop();
    let first = std::fs::read(job_dir.join("001.json")).unwrap();

    let proxy = Binary::record(&upstream.base, recorded.path(), &[]);
    assert_eq!(
        get(url(&proxy)).status().await,
        "PROCESSING",
        "the client still gets its answer"
    );
    let printed = proxy.stop();
    assert!(
        printed.contains(&format!(
            "not recording jobs/{EXECUTE_JOB}: the folder exists"
        )),
        "{printed}"
    );
    assert!(printed.contains("--overwrite"), "{printed}");
    assert_eq!(std::fs::read(job_dir.join("001.json")).unwrap(), first);
    assert!(!job_dir.join("002.json").exists());

    let proxy = Binary::record(&upstream.base, recorded.path(), &["--append"]);
    assert_eq!(get(url(&proxy)).status().await, "COMPLETED");
    proxy.stop();
    assert!(
        std::fs::read_to_string(job_dir.join("002.json"))
            .unwrap()
            .contains("COMPLETED")
    );

    let proxy = Binary::record(&upstream.base, recorded.path(), &["--overwrite"]);
    assert_eq!(get(url(&proxy)).status().await, "COMPLETED");
    proxy.stop();
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
            .join(OPEN_JOB)
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

/// A recorder killed mid-recording leaves a fixture set that replay loads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorder_killed_at_any_moment_leaves_a_loadable_set() {
    let upstream = Binary::replay(&shipped_fixtures(), &[]);
    let recorded = tempfile::tempdir().unwrap();
    let mut proxy = Binary::record(&upstream.base, recorded.path(), &[]);
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
    let upstream = Binary::replay(&shipped_fixtures(), &[]);
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(&upstream.base, recorded.path(), &[]);
    let job = format!("/arcgis/admin/system/jobs/{EXECUTE_JOB}?f=json");
    get(proxy.url(&job)).send().await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    get(proxy.url(&job)).send().await;
    proxy.stop();

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

/// A username gets its pseudonym in Portal user paths, and the admin API's own `/admin/`
/// segment is left alone when the username is `admin`.
#[tokio::test]
async fn a_username_that_is_an_api_word_does_not_rename_the_admin_api() {
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
    let proxy = Binary::record(&upstream.url(), recorded.path(), &[]);
    get(proxy.url("/portal/sharing/rest/community/users/admin?f=json"))
        .send()
        .await;
    post(proxy.url("/arcgis/admin/notebooks/executeNotebook"))
        .form("f=json&itemId=i")
        .send()
        .await;
    proxy.stop();

    let set = FixtureSet::load(recorded.path()).unwrap();
    let paths: Vec<&str> = set.exchanges().iter().map(|e| e.path.as_str()).collect();
    assert!(
        paths.contains(&"/arcgis/admin/notebooks/executeNotebook"),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"/portal/sharing/rest/community/users/user-1"),
        "{paths:?}"
    );
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

/// Regression: cookies that are not credentials (`ui=admin`, `other=plain`) were replaced
/// everywhere, turning `/arcgis/admin/info` into `/arcgis/REDACTED/info`, a `jobUrl` into
/// `…/REDACTED/system/jobs/…` and `text/plain` into `text/REDACTED`. The credential cookie is
/// still gone.
#[tokio::test]
async fn cookies_that_are_not_credentials_corrupt_nothing() {
    const AGSTOKEN: &str = "Qx7-agstoken-8812fe";
    let upstream = FakeUpstream::start(|seen, addr| {
        if seen.path.ends_with("/text") {
            return (
                200,
                vec![("content-type", "text/plain".into())],
                b"plain words, admin words".to_vec(),
            );
        }
        let cookie = seen.headers["cookie"].to_str().unwrap().to_string();
        json_answer(&json!({
            "jobUrl": format!("http://{addr}/arcgis/admin/system/jobs/j1"),
            "messages": [format!("cookies: {cookie}")],
        }))
    })
    .await;
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(&upstream.url(), recorded.path(), &[]);
    let cookie = format!("agstoken={AGSTOKEN}; ui=admin; other=plain");
    get(proxy.url("/arcgis/admin/info?f=json"))
        .header("Cookie", &cookie)
        .send()
        .await;
    get(proxy.url("/arcgis/admin/text"))
        .header("Cookie", &cookie)
        .send()
        .await;
    proxy.stop();

    let set = FixtureSet::load(recorded.path()).unwrap();
    let mut paths: Vec<&str> = set.exchanges().iter().map(|e| e.path.as_str()).collect();
    paths.sort();
    assert_eq!(paths, ["/arcgis/admin/info", "/arcgis/admin/text"]);
    let files = all_files(recorded.path());
    let all: String = files
        .iter()
        .map(|(_, bytes)| String::from_utf8_lossy(bytes).into_owned())
        .collect();
    assert!(
        all.contains("{{origin}}/arcgis/admin/system/jobs/j1"),
        "{all}"
    );
    assert!(all.contains("\"Content-Type\": \"text/plain\""), "{all}");
    assert!(all.contains("plain words, admin words"), "{all}");
    assert!(!all.contains(AGSTOKEN), "{all}");
}

/// Regression: a token known from one request and then percent-encoded inside a path
/// (`C%5F…`) was written into request.json, the folder's name and stderr.
#[tokio::test]
async fn a_known_token_percent_encoded_in_a_path_is_written_nowhere() {
    const TOKEN: &str = "C_9fK2mQ7xLw3vR8tZ";
    let upstream = FakeUpstream::start(|seen, _| json_answer(&json!({"path": seen.path}))).await;
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(&upstream.url(), recorded.path(), &[]);
    get(proxy.url("/portal/sharing/rest/community/self?f=json"))
        .header("X-Esri-Authorization", &format!("Bearer {TOKEN}"))
        .send()
        .await;
    let encoded = TOKEN.replacen('_', "%5F", 1);
    get(proxy.url(&format!(
        "/portal/sharing/rest/content/items/{encoded}/data?f=json"
    )))
    .send()
    .await;
    let printed = proxy.stop();

    let bare = TOKEN.trim_start_matches("C_");
    for (path, bytes) in all_files(recorded.path()) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(bare),
            "{} holds the token:\n{text}",
            path.display()
        );
        assert!(
            !path.to_string_lossy().contains(bare),
            "{} is named after the token",
            path.display()
        );
    }
    assert!(!printed.contains(bare), "printed:\n{printed}");
    let set = FixtureSet::load(recorded.path()).unwrap();
    assert!(
        set.exchanges()
            .iter()
            .any(|e| e.path == "/portal/sharing/rest/content/items/REDACTED/data"),
        "{:?}",
        set.exchanges().iter().map(|e| &e.path).collect::<Vec<_>>()
    );
}

/// Offsets are rounded by default (multiples of 100 ms), and a scenario recorded twice with
/// `--offsets none` gives the same files byte for byte.
#[tokio::test]
async fn offsets_are_rounded_and_a_scenario_recorded_twice_gives_the_same_files() {
    let upstream = Binary::replay(&shipped_fixtures(), &[]);
    let job = format!("/arcgis/admin/system/jobs/{HOLDING_JOB}?f=json");

    let rounded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(&upstream.base, rounded.path(), &[]);
    for _ in 0..12 {
        get(proxy.url(&job)).session("rounded").send().await;
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    proxy.stop();
    let script: Value = serde_json::from_slice(
        &std::fs::read(
            rounded
                .path()
                .join("jobs")
                .join(HOLDING_JOB)
                .join("script.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let offsets: Vec<u64> = script["steps"]
        .as_object()
        .unwrap()
        .values()
        .map(|step| step["offsetMs"].as_u64().unwrap())
        .collect();
    assert!(offsets.iter().any(|&ms| ms > 0), "{script}");
    assert!(offsets.iter().all(|ms| ms % 100 == 0), "{script}");

    let mut recordings = Vec::new();
    for round in 0..2 {
        let dir = tempfile::tempdir().unwrap();
        let proxy = Binary::record(&upstream.base, dir.path(), &["--offsets", "none"]);
        for _ in 0..12 {
            get(proxy.url(&job))
                .session(&format!("round-{round}"))
                .send()
                .await;
        }
        proxy.stop();
        let files: Vec<(String, Vec<u8>)> = all_files(dir.path())
            .into_iter()
            .map(|(path, bytes)| {
                let relative = path.strip_prefix(dir.path()).unwrap().display().to_string();
                (relative, bytes)
            })
            .collect();
        recordings.push((dir, files));
    }
    let (mut first, mut second) = (recordings[0].1.clone(), recordings[1].1.clone());
    first.sort();
    second.sort();
    // Beside them, the summary of what redaction replaced.
    first.retain(|(name, _)| name != "redactions.json");
    second.retain(|(name, _)| name != "redactions.json");
    assert_eq!(first.len(), 6, "five steps and a script");
    assert_eq!(first, second);
    assert!(
        !String::from_utf8_lossy(&first.last().unwrap().1).contains("offsetMs"),
        "--offsets none writes no offsets"
    );
}

/// `jobmock scan` reports what looks like a credential or personal data with file:line:column,
/// never the whole value, and exits 1; a clean set exits 0; kept fields are not reported.
#[test]
fn scan_reports_credentials_and_personal_data_with_their_place() {
    let set = FixtureDir::new();
    set.file(
        "exchanges/x/001.json",
        "{\n  \"token\": \"Zk81mfQ2xx99abcd\",\n  \"note\": \"Authorization: Bearer abc.def.ghi123\",\n  \"email\": \"jane@customer.com\",\n  \"username\": \"user-3\",\n  \"owner\": \"admin@example.com\",\n  \"code\": 498\n}\n",
    );
    set.file(
        "exchanges/x/request.json",
        "{\"method\": \"GET\", \"path\": \"/x\"}",
    );
    let path = set.path().to_str().unwrap();
    let (code, out, err) = run_binary(&["scan", path]);
    assert_eq!(code, Some(1), "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(
        lines[0].ends_with(
            "001.json:2:13: a value for the credential name \"token\" (Zk8…, 16 characters)"
        ),
        "{out}"
    );
    assert!(
        lines[1].contains("001.json:3:34: a Bearer credential"),
        "{out}"
    );
    assert!(
        lines[2].contains("001.json:4:13: personal data (an e-mail address)"),
        "{out}"
    );
    assert!(
        !out.contains("Zk81mfQ2xx99abcd") && !out.contains("abc.def.ghi123"),
        "{out}"
    );
    assert!(err.contains("3 finding(s)"), "{err}");

    let (code, out, _) = run_binary(&["scan", path, "--keep-field", "email"]);
    assert_eq!(code, Some(1));
    assert_eq!(out.lines().count(), 2, "{out}");

    let clean = FixtureDir::new();
    clean.job("j1", &["SUBMITTED", "COMPLETED"]);
    let (code, _, err) = run_binary(&["scan", clean.path().to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("no credential or personal data found in 2 file(s)"),
        "{err}"
    );
}

/// The recorder scans what it wrote when it stops: a folder appended to that held a credential
/// before makes it say so and exit 1.
#[tokio::test]
async fn record_says_the_verdict_of_its_closing_scan() {
    let upstream = Binary::replay(&shipped_fixtures(), &[]);
    let recorded = tempfile::tempdir().unwrap();
    let job_dir = recorded.path().join("jobs").join(EXECUTE_JOB);
    std::fs::create_dir_all(&job_dir).unwrap();
    std::fs::write(
        job_dir.join("001.json"),
        format!("{{\"jobId\": \"{EXECUTE_JOB}\", \"type\": \"executeNotebook\", \"status\": \"SUBMITTED\", \"token\": \"old-secret-Xy81kq\"}}"),
    )
    .unwrap();
    let proxy = Binary::record(
        &upstream.base,
        recorded.path(),
        &["--append", "--keep-field", "username"],
    );
    get(proxy.url(&format!("/arcgis/admin/system/jobs/{EXECUTE_JOB}?f=json")))
        .send()
        .await;
    proxy.terminate();
    let (code, _, err) = proxy.wait(Duration::from_secs(10));
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("scan: 1 finding(s)"), "{err}");
    assert!(err.contains("001.json:1:"), "{err}");
    assert!(!err.contains("old-secret-Xy81kq"), "{err}");

    let clean = tempfile::tempdir().unwrap();
    let proxy = Binary::record(&upstream.base, clean.path(), &[]);
    get(proxy.url(&format!("/arcgis/admin/system/jobs/{EXECUTE_JOB}?f=json")))
        .send()
        .await;
    let printed = proxy.stop();
    assert!(
        printed.contains("scan: no credential or personal data found in the 2 file(s) written"),
        "{printed}"
    );
}
