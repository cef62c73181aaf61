//! A small HTTP client for tests on top of hyper's (plain and HTTPS), raw requests, and text
//! comparisons that print a diff.

use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls::pki_types::pem::PemObject;

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
