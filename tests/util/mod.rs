//! Helpers for the integration tests: fixture folders, servers started in-process or as the real
//! binary, and a small HTTP client on top of hyper's.

#![allow(dead_code)]

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use jobmock::fixture::FixtureSet;
use jobmock::replay::{self, Options, Replay};
use rustls::pki_types::pem::PemObject;
use tokio::sync::oneshot;

/// The fixture set shipped in the repository.
pub fn shipped_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

pub const OPEN_JOB: &str = "j52c9f6a4-2a7c-418f-a360-0ce757077342";
pub const EXECUTE_JOB: &str = "j6185135c-92a8-4402-b8de-90a66dc61fcc";
pub const FAILED_JOB: &str = "j0e8f7a3b-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
pub const HOLDING_JOB: &str = "j7d3b9e21-5f4a-4c8e-9b6d-2a1e0f9c8b7a";
pub const TIMED_JOB: &str = "j4a2c6e8f-0b1d-4f3a-9c5e-7d9b1f3a5c7e";

/// A temporary fixture set, removed when dropped.
pub struct FixtureDir {
    dir: tempfile::TempDir,
}

impl FixtureDir {
    pub fn new() -> FixtureDir {
        let dir = tempfile::tempdir().expect("a temporary folder can be made");
        fs::create_dir(dir.path().join("jobs")).expect("jobs/ can be made");
        FixtureDir { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a job whose steps have the given statuses, one file per status.
    pub fn job(&self, id: &str, statuses: &[&str]) -> &FixtureDir {
        for (index, status) in statuses.iter().enumerate() {
            let body = serde_json::json!({
                "jobId": id,
                "type": "executeNotebook",
                "status": status,
                "customAttributes": {"isCancelled": false},
            });
            self.file(
                &format!("jobs/{id}/{:03}.json", index + 1),
                &serde_json::to_string_pretty(&body).unwrap(),
            );
        }
        self
    }

    /// Writes `text` at `relative`, making folders as needed.
    pub fn file(&self, relative: &str, text: &str) -> &FixtureDir {
        let path = self.path().join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
        self
    }
}

/// Why the fixture set at `fixtures` does not load, as the one line jobmock prints; fails the
/// test if it loads.
pub fn load_error(fixtures: &FixtureDir) -> String {
    match FixtureSet::load(fixtures.path()) {
        Ok(_) => panic!("the fixture set at {} loaded", fixtures.path().display()),
        Err(err) => jobmock::error::report(&err),
    }
}

/// A replay server running in this process on a free port; stopped when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
}

impl TestServer {
    pub async fn start(fixtures: &Path) -> TestServer {
        TestServer::start_with(fixtures, Options::default()).await
    }

    pub async fn start_with(fixtures: &Path, options: Options) -> TestServer {
        let set = FixtureSet::load(fixtures)
            .unwrap_or_else(|err| panic!("fixtures at {} load: {err}", fixtures.display()));
        let replay = Arc::new(Replay::new(set, options));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(replay::serve(listener, None, replay, async {
            let _ = stopped.await;
        }));
        TestServer {
            addr,
            stop: Some(stop),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn job_url(&self, job: &str, query: &str) -> String {
        self.url(&format!("/arcgis/admin/system/jobs/{job}{query}"))
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The real `jobmock` binary, killed when dropped.
pub struct Binary {
    pub child: Child,
    pub base: String,
    stdout: BufReader<ChildStdout>,
    command: String,
}

impl Binary {
    /// Starts `jobmock ARGS` and waits for its `listening on` line.
    pub fn start(args: &[&str]) -> Binary {
        let command = format!("jobmock {}", args.join(" "));
        let mut child = Command::new(env!("CARGO_BIN_EXE_jobmock"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the jobmock binary starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let Some(base) = line.trim_end().strip_prefix("listening on ") else {
            let _ = child.kill();
            let output = child.wait_with_output().unwrap();
            panic!(
                "`{command}` printed {line:?} instead of a listening line; status {}, stderr:\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            );
        };
        Binary {
            base: base.to_string(),
            child,
            stdout,
            command,
        }
    }

    /// Starts `jobmock replay` of `fixtures` on a free port, with `extra` flags.
    pub fn replay(fixtures: &Path, extra: &[&str]) -> Binary {
        let fixtures = fixtures.to_str().expect("test paths are UTF-8");
        let mut args = vec!["replay", "--fixtures", fixtures, "--listen", "127.0.0.1:0"];
        args.extend_from_slice(extra);
        Binary::start(&args)
    }

    /// Starts `jobmock record` of `upstream` into `fixtures` on a free port, with `extra` flags.
    pub fn record(upstream: &str, fixtures: &Path, extra: &[&str]) -> Binary {
        let fixtures = fixtures.to_str().expect("test paths are UTF-8");
        let mut args = vec![
            "record",
            "--upstream",
            upstream,
            "--fixtures",
            fixtures,
            "--listen",
            "127.0.0.1:0",
        ];
        args.extend_from_slice(extra);
        Binary::start(&args)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -TERM failed");
    }

    /// Waits (bounded) for the process to end; returns its exit code and what it printed.
    pub fn wait(mut self, limit: Duration) -> (Option<i32>, String, String) {
        let deadline = std::time::Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let mut out = String::new();
                let mut err = String::new();
                let _ = self.stdout.read_to_string(&mut out);
                if let Some(mut stderr) = self.child.stderr.take() {
                    let _ = stderr.read_to_string(&mut err);
                }
                return (status.code(), out, err);
            }
            if std::time::Instant::now() > deadline {
                panic!("`{}` did not exit within {limit:?}", self.command);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `jobmock ARGS` to its end; returns its exit code, stdout and stderr.
pub fn run_binary(args: &[&str]) -> (Option<i32>, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_jobmock"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the jobmock binary runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// An HTTP answer, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: hyper::HeaderMap,
    /// The body as text (invalid UTF-8 shown as U+FFFD).
    pub body: String,
    pub bytes: Bytes,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|err| panic!("answer is not JSON ({err}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|value| value.to_str().unwrap())
            .unwrap_or_else(|| panic!("no {name} header in {:?}", self.headers))
    }

    /// The job status field of a JSON answer.
    pub fn job_status(&self) -> String {
        self.json()["status"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

/// A request builder over hyper's client.
pub struct Call {
    method: Method,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<(String, Vec<u8>)>,
    /// For `https://` URLs: the PEM of the certificate to trust.
    trust: Option<PathBuf>,
}

pub fn get(url: impl Into<String>) -> Call {
    Call::new(Method::GET, url)
}

pub fn post(url: impl Into<String>) -> Call {
    Call::new(Method::POST, url)
}

impl Call {
    pub fn new(method: Method, url: impl Into<String>) -> Call {
        Call {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: None,
            trust: None,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Call {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn session(self, name: &str) -> Call {
        self.header("X-Jobmock-Session", name)
    }

    pub fn form(self, body: &str) -> Call {
        self.body("application/x-www-form-urlencoded", body.as_bytes())
    }

    /// A body of any type.
    pub fn body(mut self, content_type: &str, body: &[u8]) -> Call {
        self.body = Some((content_type.to_string(), body.to_vec()));
        self
    }

    /// Trusts the certificate in the PEM file `certificate` for an `https://` URL.
    pub fn trusting(mut self, certificate: &Path) -> Call {
        self.trust = Some(certificate.to_path_buf());
        self
    }

    pub async fn send(self) -> Answer {
        let client: Client<_, Full<Bytes>> =
            Client::builder(TokioExecutor::new()).build(https_connector(self.trust.as_deref()));
        let mut request = Request::builder().method(self.method).uri(&self.url);
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        let body = match self.body {
            Some((content_type, body)) => {
                request = request.header("content-type", content_type);
                Full::from(body)
            }
            None => Full::default(),
        };
        let response = client
            .request(request.body(body).unwrap())
            .await
            .unwrap_or_else(|err| panic!("request to {} failed: {err}", self.url));
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Answer {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
            bytes: body,
        }
    }

    /// Sends and returns the job status of the JSON answer.
    pub async fn status(self) -> String {
        self.send().await.job_status()
    }
}

/// A connector for `http://`, and for `https://` trusting the PEM certificate given (or none).
fn https_connector(trust: Option<&Path>) -> hyper_rustls::HttpsConnector<HttpConnector> {
    let mut roots = rustls::RootCertStore::empty();
    if let Some(path) = trust {
        let pem = fs::read(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        for certificate in rustls::pki_types::CertificateDer::pem_slice_iter(&pem) {
            roots.add(certificate.unwrap()).unwrap();
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(config)
        .https_or_http()
        .enable_http1()
        .build()
}

/// Sends `request` as raw bytes (for request lines no well-behaved client would send) and
/// returns the raw answer. The request should say `Connection: close`.
pub async fn raw_request(addr: SocketAddr, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    let read = stream.read_to_end(&mut answer);
    let _ = tokio::time::timeout(Duration::from_secs(5), read).await;
    String::from_utf8_lossy(&answer).into_owned()
}

/// Fails with a unified diff of `expected` and `actual` when they differ.
pub fn assert_same_text(expected: &str, actual: &str) {
    if expected != actual {
        let diff = similar::TextDiff::from_lines(expected, actual)
            .unified_diff()
            .header("expected", "actual")
            .to_string();
        panic!("texts differ:\n{diff}");
    }
}

/// What a fake upstream saw of a request.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
}

/// An upstream of our own making, answering each request with what `answer` says; stopped
/// when dropped. For what a real replay server cannot do: gzip, cookies, tokens.
pub struct FakeUpstream {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
}

pub type FakeAnswer = (u16, Vec<(&'static str, String)>, Vec<u8>);

/// A fake upstream's 200 answer with `body` as JSON.
pub fn json_answer(body: &serde_json::Value) -> FakeAnswer {
    (
        200,
        vec![("content-type", "application/json".into())],
        serde_json::to_vec(body).unwrap(),
    )
}

/// Now, in epoch milliseconds, like the job timestamps.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

impl FakeUpstream {
    pub async fn start<F>(answer: F) -> FakeUpstream
    where
        F: Fn(&Seen, SocketAddr) -> FakeAnswer + Send + Sync + 'static,
    {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let answer = Arc::new(answer);
        let handler = move |request: Request<hyper::body::Incoming>| {
            let answer = Arc::clone(&answer);
            async move {
                let (parts, body) = request.into_parts();
                let seen = Seen {
                    method: parts.method.to_string(),
                    path: parts.uri.path().to_string(),
                    query: parts.uri.query().map(str::to_string),
                    headers: parts.headers,
                    body: body.collect().await.unwrap().to_bytes(),
                };
                let (status, headers, body) = answer(&seen, addr);
                let mut response = hyper::Response::new(Full::new(Bytes::from(body)));
                *response.status_mut() = StatusCode::from_u16(status).unwrap();
                for (name, value) in headers {
                    response.headers_mut().append(name, value.parse().unwrap());
                }
                Ok::<_, std::convert::Infallible>(response)
            }
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let limits = jobmock::server::Limits::default();
        tokio::spawn(jobmock::server::serve(
            listener,
            None,
            limits,
            handler,
            async {
                let _ = stopped.await;
            },
        ));
        FakeUpstream {
            addr,
            stop: Some(stop),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for FakeUpstream {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// An HTTPS front for a plain upstream: terminates TLS with `certificate` and forwards the bytes
/// to `backend`. Stopped when dropped.
pub struct TlsFront {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

/// A certificate for `localhost` and `127.0.0.1`, and the PEM of what signs it: itself when
/// `self_signed`, else a CA of its own.
pub struct TestCertificate {
    pub chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    pub key: rustls::pki_types::PrivateKeyDer<'static>,
    pub issuer_pem: String,
}

impl TestCertificate {
    pub fn self_signed() -> TestCertificate {
        let names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
        let certified = rcgen::generate_simple_self_signed(names).unwrap();
        TestCertificate {
            chain: vec![certified.cert.der().clone()],
            key: rustls::pki_types::PrivateKeyDer::Pkcs8(
                certified.signing_key.serialize_der().into(),
            ),
            issuer_pem: certified.cert.pem(),
        }
    }

    pub fn signed_by_own_ca() -> TestCertificate {
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "jobmock test CA");
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let leaf_params =
            rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
                .unwrap();
        let leaf_key = rcgen::KeyPair::generate().unwrap();
        let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
        TestCertificate {
            chain: vec![leaf.der().clone()],
            key: rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
            issuer_pem: ca.pem(),
        }
    }
}

impl TlsFront {
    pub async fn start(certificate: TestCertificate, backend: SocketAddr) -> TlsFront {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certificate.chain, certificate.key)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(stream).await else {
                        return;
                    };
                    let Ok(mut plain) = tokio::net::TcpStream::connect(backend).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                });
            }
        });
        TlsFront { addr, task }
    }

    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.addr.port())
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Every file under `dir`, with its bytes.
pub fn all_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_file())
        .map(|entry| (entry.path().to_path_buf(), fs::read(entry.path()).unwrap()))
        .collect()
}
