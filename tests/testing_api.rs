//! `jobmock::testing` as a test of a client uses it: a mock server started in the test, the
//! scenario defined through it, and a small client (hyper's) that submits executeNotebook and
//! polls the job until it ends, as an ArcGIS client does.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use jobmock::testing::{Error, Fault, JobSpec, MockServer, Step, SubmissionSpec, Then};
use serde_json::{Value, json};

const EXECUTE: &str = "/notebookserver/admin/notebooks/executeNotebook";

/// The statuses after which a client stops polling.
const FINAL: [&str; 3] = ["COMPLETED", "FAILED", "CANCELLED"];

/// The client under test: submits a notebook and polls its job until it ends.
struct NotebookClient {
    base: String,
    http: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl NotebookClient {
    fn new(base: String, certificate_pem: Option<&str>) -> NotebookClient {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;
        let mut roots = rustls::RootCertStore::empty();
        for cert in certificate_pem
            .map(|pem| CertificateDer::pem_slice_iter(pem.as_bytes()).collect::<Vec<_>>())
            .unwrap_or_default()
        {
            roots.add(cert.unwrap()).unwrap();
        }
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .build();
        NotebookClient {
            base,
            http: Client::builder(TokioExecutor::new()).build(connector),
        }
    }

    async fn send(&self, method: Method, url: &str, form: Option<&str>) -> (StatusCode, Value) {
        let mut request = Request::builder().method(method).uri(url);
        if form.is_some() {
            request = request.header("content-type", "application/x-www-form-urlencoded");
        }
        let body = Full::new(Bytes::from(form.unwrap_or_default().to_string()));
        let answer = tokio::time::timeout(Duration::from_secs(10), async {
            let answer = self
                .http
                .request(request.body(body).unwrap())
                .await
                .unwrap();
            let status = answer.status();
            (
                status,
                answer.into_body().collect().await.unwrap().to_bytes(),
            )
        })
        .await
        .unwrap_or_else(|_| panic!("{url} answered nothing within 10 s"));
        let json = serde_json::from_slice(&answer.1)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&answer.1).into_owned()));
        (answer.0, json)
    }

    /// Submits executeNotebook for `item_id`; the answer as it came.
    async fn submit(&self, item_id: &str) -> Value {
        let url = format!("{}{EXECUTE}", self.base);
        let form = format!("f=json&itemId={item_id}&updatePortalItem=false");
        let (status, answer) = self.send(Method::POST, &url, Some(&form)).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        answer
    }

    /// Polls `job_url` until its status is final (at most 20 polls); the statuses seen and
    /// the last answer.
    async fn wait(&self, job_url: &str) -> (Vec<String>, Value) {
        let mut seen = Vec::new();
        for _ in 0..20 {
            let (_, answer) = self
                .send(Method::GET, &format!("{job_url}?f=json"), None)
                .await;
            let status = answer["status"].as_str().unwrap_or("(none)").to_string();
            seen.push(status.clone());
            if FINAL.contains(&status.as_str()) {
                return (seen, answer);
            }
        }
        panic!("{job_url} did not end within 20 polls: {seen:?}");
    }

    /// Submits and waits: the statuses seen and the last answer.
    async fn run(&self, item_id: &str) -> (Vec<String>, Value) {
        let submitted = self.submit(item_id).await;
        let job_url = submitted["jobUrl"]
            .as_str()
            .unwrap_or_else(|| panic!("no jobUrl in {submitted}"));
        self.wait(job_url).await
    }
}

/// A notebook submitted to the shipped set runs from its template to COMPLETED, and the
/// journal and the verification report say what the client did.
#[tokio::test]
async fn a_submitted_notebook_completes_from_the_shipped_template() {
    let server = MockServer::start().await.unwrap();
    let client = NotebookClient::new(server.uri(), None);

    let (statuses, _) = client.run("abc123").await;
    assert_eq!(
        statuses,
        ["SUBMITTED", "PROCESSING", "PROCESSING", "COMPLETED"]
    );

    let requests = server.requests().await.unwrap();
    assert_eq!(requests.len(), 5, "{requests:?}");
    assert_eq!(requests[0].path, EXECUTE);
    assert_eq!(requests[0].params["itemId"], "abc123");
    assert!(requests.iter().all(|request| request.matched));
    server.verify().await.unwrap().assert_all_matched();

    server.reset().await.unwrap();
    assert!(server.requests().await.unwrap().is_empty());
}

/// A job defined in the test fails after two polls with its message, then repeats its end;
/// its handle counts the polls, and once removed the job is not found.
#[tokio::test]
async fn a_defined_job_fails_after_two_polls() {
    let server = MockServer::builder().empty().start().await.unwrap();
    let job = server
        .add_job(
            JobSpec::new("executeNotebook")
                .step(Step::status("PROCESSING").percent(50).polls(2))
                .step(Step::status("FAILED").messages(["Cell 3 raised KeyError"]))
                .then(Then::Repeat),
        )
        .await
        .unwrap();
    let client = NotebookClient::new(server.uri(), None);

    let (statuses, last) = client.wait(job.url()).await;
    assert_eq!(statuses, ["PROCESSING", "PROCESSING", "FAILED"]);
    assert_eq!(last["messages"], json!(["Cell 3 raised KeyError"]));
    assert_eq!(job.polls().await.unwrap(), 3);

    job.remove().await.unwrap();
    let (status, _) = client
        .send(Method::GET, &format!("{}?f=json", job.url()), None)
        .await;
    assert_ne!(status, StatusCode::OK, "a removed job is not answered");
}

/// A submission rule for one item makes the job the client polls fail, while another item
/// still completes from the templates; the rule counts what it answered.
#[tokio::test]
async fn a_submission_rule_fails_one_item_and_leaves_the_others_to_the_templates() {
    let server = MockServer::start().await.unwrap();
    let rule = server
        .on_submit(
            SubmissionSpec::new("executeNotebook")
                .item_id("broken")
                .step(Step::status("SUBMITTED"))
                .step(Step::status("FAILED").messages(["no such item"]))
                .every_time(),
        )
        .await
        .unwrap();
    let client = NotebookClient::new(server.uri(), None);

    let (statuses, last) = client.run("broken").await;
    assert_eq!(statuses, ["SUBMITTED", "FAILED"]);
    assert_eq!(last["messages"], json!(["no such item"]));
    let (statuses, _) = client.run("fine").await;
    assert_eq!(statuses.last().map(String::as_str), Some("COMPLETED"));
    assert_eq!(rule.matched().await.unwrap(), 1);
}

/// A burst of 503s, then recovery: a step's fault served to the client as it is.
#[tokio::test]
async fn a_job_answers_a_burst_of_503s_then_completes() {
    let server = MockServer::builder().empty().start().await.unwrap();
    let job = server
        .add_job(
            JobSpec::new("executeNotebook")
                .step(Step::fault(Fault::http(503, "Service Unavailable")).polls(2))
                .step(Step::status("COMPLETED")),
        )
        .await
        .unwrap();
    let client = NotebookClient::new(server.uri(), None);
    let url = format!("{}?f=json", job.url());
    for _ in 0..2 {
        let (status, _) = client.send(Method::GET, &url, None).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    }
    let (statuses, _) = client.wait(job.url()).await;
    assert_eq!(statuses, ["COMPLETED"]);
}

/// A body the control API refuses names the field at fault.
#[tokio::test]
async fn a_bad_job_body_is_refused_with_its_field() {
    let server = MockServer::builder().empty().start().await.unwrap();
    let refused = server
        .add_job(json!({"steps": [{"status": "SUBMITTED"}, {"status": 5}]}))
        .await
        .unwrap_err();
    match refused {
        Error::Refused {
            status,
            messages,
            field,
        } => {
            assert_eq!(status, 400);
            assert_eq!(field.as_deref(), Some("steps[1].status"));
            assert!(messages[0].starts_with("steps[1].status: "), "{messages:?}");
        }
        other => panic!("not a refusal: {other}"),
    }
}

/// A session's journal holds its own requests only; the server's holds every session's.
#[tokio::test]
async fn a_session_sees_its_own_requests() {
    let server = MockServer::start().await.unwrap();
    let (alice, bob) = (server.session("alice"), server.session("bob"));
    assert!(alice.uri().ends_with("/__session/alice"));
    NotebookClient::new(alice.uri(), None).run("a").await;
    NotebookClient::new(bob.uri(), None).submit("b").await;

    let of_alice = alice.requests().await.unwrap();
    assert!(!of_alice.is_empty());
    assert!(of_alice.iter().all(|request| request.session == "alice"));
    assert_eq!(bob.requests().await.unwrap().len(), 1);
    assert_eq!(server.requests().await.unwrap().len(), of_alice.len() + 1);
    bob.reset().await.unwrap();
    assert!(bob.requests().await.unwrap().is_empty());
    assert_eq!(alice.requests().await.unwrap().len(), of_alice.len());
}

/// Over HTTPS, a client that trusts the server's certificate runs the scenario.
#[tokio::test]
async fn a_client_that_trusts_the_certificate_runs_over_https() {
    let server = MockServer::builder().tls(true).start().await.unwrap();
    assert!(server.uri().starts_with("https://127.0.0.1:"));
    let client = NotebookClient::new(server.uri(), server.certificate_pem());
    let (statuses, _) = client.run("abc123").await;
    assert_eq!(statuses.last().map(String::as_str), Some("COMPLETED"));
    assert!(
        server.requests().await.unwrap()[1]
            .job
            .as_deref()
            .is_some_and(|job| job.starts_with('j'))
    );
}

/// With `strict`, a request nothing answers gets 400 and the report lists it.
#[tokio::test]
async fn a_strict_server_refuses_what_nothing_answers() {
    let server = MockServer::builder()
        .empty()
        .strict(true)
        .start()
        .await
        .unwrap();
    let client = NotebookClient::new(server.uri(), None);
    let (status, _) = client
        .send(Method::GET, &format!("{}/nothing/here", server.uri()), None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let verification = server.verify().await.unwrap();
    assert_eq!(verification.unmatched.len(), 1);
    assert!(!verification.findings.is_empty());
}

/// A folder that is not a fixture set does not start, and says why.
#[tokio::test]
async fn a_folder_that_is_not_a_set_does_not_start() {
    let missing = std::env::temp_dir().join("jobmock-testing-no-such-set");
    let refused = MockServer::builder().fixtures(&missing).start().await;
    match refused {
        Err(Error::Start { message }) => assert!(message.contains("no-such-set"), "{message}"),
        other => panic!("started, or failed otherwise: {other:?}"),
    }
}

/// Dropped, the server stops at once, though a client keeps its connection alive: its port
/// takes no connection any more.
#[tokio::test]
async fn a_dropped_server_stops() {
    let server = MockServer::start().await.unwrap();
    let addr = server.address();
    let client = NotebookClient::new(server.uri(), None);
    client.submit("kept-alive").await;
    let dropped = std::time::Instant::now();
    drop(server);
    assert!(
        dropped.elapsed() < Duration::from_secs(5),
        "{:?}",
        dropped.elapsed()
    );
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

/// `then: error` with `strict`: a poll past the end is refused and reported as unmatched.
#[tokio::test]
async fn a_poll_past_the_end_of_a_then_error_job_fails_a_strict_server() {
    let server = MockServer::builder()
        .empty()
        .strict(true)
        .start()
        .await
        .unwrap();
    let job = server
        .add_job(json!({"steps": [{"status": "COMPLETED"}], "then": "error"}))
        .await
        .unwrap();
    let client = NotebookClient::new(server.uri(), None);
    let (statuses, _) = client.wait(job.url()).await;
    assert_eq!(statuses, ["COMPLETED"]);
    let (status, _) = client
        .send(Method::GET, &format!("{}?f=json", job.url()), None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(server.verify().await.unwrap().unmatched.len(), 1);
}

/// Two sessions define a job of the same ID and each polls its own.
#[tokio::test]
async fn two_sessions_define_the_same_job_id_and_see_their_own() {
    let server = MockServer::builder().empty().start().await.unwrap();
    let id = "j11111111-2222-4333-8444-555555555555";
    let mut urls = Vec::new();
    for (name, status) in [("alice", "COMPLETED"), ("bob", "FAILED")] {
        let job = server
            .session(name)
            .add_job(
                JobSpec::new("executeNotebook")
                    .job_id(id)
                    .step(Step::status(status)),
            )
            .await
            .unwrap();
        assert_eq!((job.id(), job.session()), (id, name));
        urls.push((job.url().to_string(), status));
    }
    for (url, status) in urls {
        let (statuses, _) = NotebookClient::new(String::new(), None).wait(&url).await;
        assert_eq!(statuses, [status]);
    }
}

/// Every typed spec serializes to a body the server's reader takes (each shorthand, option,
/// fault, then and advance).
#[test]
fn the_typed_specs_are_bodies_the_server_reads() {
    use jobmock::fixture::scenario::{parse_job, parse_submission};
    use jobmock::testing::Advance;
    let steps = [
        Step::status("SUBMITTED")
            .http_status(200)
            .expire_token(false),
        Step::status("PROCESSING")
            .percent(50)
            .polls(2)
            .delay_ms(1)
            .jitter_ms(1),
        Step::body(json!({"status": "PROCESSING", "custom": true})),
        Step::fault(Fault::arcgis_error(498, "Invalid token.")),
        Step::fault(Fault::portal_error(403, "You do not have permissions.")),
        Step::fault(Fault::http(503, "Service Unavailable")),
        Step::fault(Fault::close()),
        Step::fault(Fault::truncate(40)),
        Step::fault(Fault::delay_ms(5)),
        Step::status("Completed").results(json!({"output": {"value": 1}})),
    ];
    for then in [Then::Repeat, Then::Error, Then::Restart, Then::Gone] {
        let mut job = JobSpec::new("executeNotebook")
            .job_id("j11111111-2222-4333-8444-555555555555")
            .context("/arcgis")
            .then(then);
        for step in steps.clone() {
            job = job.step(step);
        }
        let body = serde_json::to_vec(&job).unwrap();
        if let Err(err) = parse_job(&body) {
            panic!("{err:?}: {}", String::from_utf8_lossy(&body));
        }
    }
    let timed = JobSpec::new("openNotebook")
        .advance(Advance::Time)
        .step(Step::status("SUBMITTED").offset_ms(0))
        .step(Step::status("COMPLETED").offset_ms(100));
    parse_job(&serde_json::to_vec(&timed).unwrap()).unwrap();
    for submission in [
        SubmissionSpec::new("executeNotebook")
            .item_id("a1")
            .param("notebookParameters", json!({"x": 1}))
            .step(Step::status("FAILED"))
            .then(Then::Gone)
            .times(2),
        SubmissionSpec::new("openNotebook")
            .job_type("openNotebook")
            .advance(Advance::Poll)
            .step(Step::status("COMPLETED"))
            .every_time(),
        SubmissionSpec::new("executeNotebook").answer(json!({"status": "success"})),
    ] {
        let body = serde_json::to_vec(&submission).unwrap();
        if let Err(err) = parse_submission(&body) {
            panic!("{err:?}: {}", String::from_utf8_lossy(&body));
        }
    }
}
