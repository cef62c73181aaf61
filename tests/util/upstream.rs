//! Upstreams of the tests' own making, for what a real replay server cannot do (gzip, cookies,
//! tokens issued and echoed), and an HTTPS front for a plain server.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, StatusCode};
use tokio::sync::oneshot;

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
/// The URL of a port that nothing listens on: bound, read, then let go, so a connection to it
/// is refused.
pub fn dead_upstream() -> String {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", closed.local_addr().unwrap())
}

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

/// Where [`FakeWebTool`]'s task sits.
pub const WEB_TOOL_TASK: &str = "/server/rest/services/Tools/Count/GPServer/Count";

/// One parameter of [`FakeWebTool`]'s jobs: its value while the job runs, and once it
/// succeeded.
#[derive(Debug, Clone)]
pub struct FakeParam {
    pub kind: &'static str,
    pub name: &'static str,
    pub data_type: &'static str,
    pub running: serde_json::Value,
    pub done: serde_json::Value,
}

impl FakeParam {
    /// A result whose value is `done` once the job succeeded, and `running` before.
    pub fn result(name: &'static str, running: serde_json::Value, done: serde_json::Value) -> Self {
        let data_type = if done.is_number() {
            "GPLong"
        } else {
            "GPString"
        };
        FakeParam {
            kind: "results",
            name,
            data_type,
            running,
            done,
        }
    }

    /// An input, the same value throughout.
    pub fn input(name: &'static str, value: serde_json::Value) -> Self {
        FakeParam {
            kind: "inputs",
            ..FakeParam::result(name, value.clone(), value)
        }
    }
}

/// A web tool (a geoprocessing service, `…/GPServer/Count`) of our own making, as ArcGIS
/// answers it: `submitJob` makes a job (`j` and 32 hex digits), whose polls say
/// `esriJobSubmitted`, `esriJobExecuting` twice, then `esriJobSucceeded` with its results'
/// `paramUrl`s; `…/results/<name>` and `…/inputs/<name>` answer [`FakeParam`]s; cancel (GET or
/// POST) answers `esriJobCancelling`, and the next polls `esriJobCancelling` once then
/// `esriJobCancelled`. The service's and the task's metadata answer too. Every message's
/// description ends with `message`.
pub struct FakeWebTool;

#[derive(Default)]
struct WebToolJob {
    polls: usize,
    cancelled: Option<usize>,
}

impl FakeWebTool {
    pub async fn start(params: Vec<FakeParam>, message: String) -> FakeUpstream {
        use serde_json::json;
        let jobs = std::sync::Mutex::new(Vec::<WebToolJob>::new());
        let job_id = |index: usize| format!("j{:032x}", 0xa11ce_u128 * 1000 + index as u128);
        FakeUpstream::start(move |seen, _| {
            let mut jobs = jobs.lock().unwrap();
            let Some(rest) = seen.path.strip_prefix(WEB_TOOL_TASK) else {
                return json_answer(&json!({"currentVersion": 11.3, "tasks": ["Count"],
                    "executionType": "esriExecutionTypeAsynchronous"}));
            };
            let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
            let count = jobs.len();
            let index = |id: &str| (0..count).find(|&index| job_id(index) == id);
            match segments.as_slice() {
                [] => json_answer(&json!({"name": "Count", "executionType":
                    "esriExecutionTypeAsynchronous", "parameters": params.iter()
                        .map(|p| json!({"name": p.name, "dataType": p.data_type}))
                        .collect::<Vec<_>>()})),
                ["submitJob"] => {
                    jobs.push(WebToolJob::default());
                    let id = job_id(jobs.len() - 1);
                    json_answer(&json!({"jobId": id, "jobStatus": "esriJobSubmitted"}))
                }
                ["jobs", id] if index(id).is_some() => {
                    let job = &mut jobs[index(id).unwrap()];
                    job.polls += 1;
                    let status = match (job.cancelled, job.polls) {
                        (Some(at), polls) if polls == at + 1 => "esriJobCancelling",
                        (Some(_), _) => "esriJobCancelled",
                        (None, 1) => "esriJobSubmitted",
                        (None, 2 | 3) => "esriJobExecuting",
                        (None, _) => "esriJobSucceeded",
                    };
                    let mut body = json!({"jobId": id, "jobStatus": status, "messages": [
                        {"type": "esriJobMessageTypeInformative",
                         "description": format!("{status}: {message}")}]});
                    for kind in ["results", "inputs"] {
                        let urls: serde_json::Map<String, serde_json::Value> = params
                            .iter()
                            .filter(|p| p.kind == kind)
                            .filter(|_| kind == "inputs" || status == "esriJobSucceeded")
                            .map(|p| {
                                (
                                    p.name.into(),
                                    json!({"paramUrl": format!("{kind}/{}", p.name)}),
                                )
                            })
                            .collect();
                        body[kind] = urls.into();
                    }
                    json_answer(&body)
                }
                ["jobs", id, "cancel"] if index(id).is_some() => {
                    let job = &mut jobs[index(id).unwrap()];
                    job.cancelled = Some(job.polls);
                    json_answer(&json!({"jobId": id, "jobStatus": "esriJobCancelling"}))
                }
                ["jobs", id, kind, name] if index(id).is_some() => {
                    let done = jobs[index(id).unwrap()].polls >= 4;
                    match params.iter().find(|p| p.kind == *kind && p.name == *name) {
                        Some(p) => json_answer(&json!({"paramName": p.name, "dataType":
                            p.data_type, "value": if done { &p.done } else { &p.running }})),
                        None => json_answer(&json!({"error": {"code": 400,
                            "message": "Unable to complete operation.", "details": []}})),
                    }
                }
                _ => (404, Vec::new(), b"not found".to_vec()),
            }
        })
        .await
    }
}
