//! The test API's client of the control API: every call is an HTTP request to the running
//! server (`/__jobmock/…`, in a session by its path prefix), so the test sees what any client
//! of the binary sees. And the API's error.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, StatusCode};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

/// How long one control call may take before it fails (a server that stopped answering).
const CALL_LIMIT: Duration = Duration::from_secs(30);

/// What a session name keeps as written in `/__session/<name>/`; the rest is percent-encoded.
const SESSION_NAME: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Why a call of the test API failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The server did not start: the fixture set did not load, or no port or runtime was had.
    Start {
        /// What went wrong, as the binary would print it.
        message: String,
    },
    /// The control API refused the call (a bad job or submission body, an unknown ID).
    Refused {
        /// The HTTP status answered (400 for a bad body, 404 for an unknown ID).
        status: u16,
        /// The server's messages; a bad body's start with the field (`steps[2].status: …`).
        messages: Vec<String>,
        /// The field at fault in a bad body (`steps[2].polls`, `then`; `""` for a body that is
        /// not JSON), when the server named one.
        field: Option<String>,
    },
    /// The call did not get an answer: the server stopped, or took too long.
    Call {
        /// What the HTTP client said.
        message: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Start { message } => write!(f, "the mock server did not start: {message}"),
            Error::Refused {
                status, messages, ..
            } => write!(
                f,
                "the control API answered {status}: {}",
                messages.join("; ")
            ),
            Error::Call { message } => write!(f, "the control call failed: {message}"),
        }
    }
}

impl std::error::Error for Error {}

/// The test API's error, or what a call gives.
pub type Result<T> = std::result::Result<T, Error>;

/// A client of one server's control API.
#[derive(Debug)]
pub(super) struct Control {
    /// `http://127.0.0.1:PORT` (or `https://`), no slash at the end.
    pub(super) base: String,
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl Control {
    /// A client of the server at `base`, trusting `certificate_pem` (the server's self-signed
    /// certificate) for HTTPS.
    pub(super) fn new(base: String, certificate_pem: Option<&str>) -> Result<Control> {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;
        let mut roots = rustls::RootCertStore::empty();
        if let Some(pem) = certificate_pem {
            for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
                let cert = cert.map_err(|err| Error::Start {
                    message: format!("the server's certificate does not read: {err}"),
                })?;
                roots.add(cert).map_err(|err| Error::Start {
                    message: format!("the server's certificate is not trusted: {err}"),
                })?;
            }
        }
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("the ring provider supports the default TLS versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .build();
        let client = Client::builder(TokioExecutor::new()).build(connector);
        Ok(Control { base, client })
    }

    /// The path prefix of `session`'s calls: `/__session/<name>`, or nothing for none.
    pub(super) fn prefix(session: Option<&str>) -> String {
        session.map_or_else(String::new, |name| {
            format!("/__session/{}", utf8_percent_encode(name, SESSION_NAME))
        })
    }

    /// `method` on `/__jobmock/<path>` in `session`, with a JSON body: the answer's JSON, or
    /// the refusal of a status other than 2xx.
    pub(super) async fn call(
        &self,
        method: Method,
        session: Option<&str>,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value> {
        let uri = format!("{}{}/__jobmock/{path}", self.base, Control::prefix(session));
        let bytes = body.map_or_else(Bytes::new, |body| {
            Bytes::from(serde_json::to_vec(body).expect("a JSON value serializes"))
        });
        let mut request = Request::builder().method(method).uri(&uri);
        if body.is_some() {
            request = request.header(hyper::header::CONTENT_TYPE, "application/json");
        }
        let request = request.body(Full::new(bytes)).map_err(|err| Error::Call {
            message: format!("{uri}: {err}"),
        })?;
        let failed = |err: &dyn fmt::Display| Error::Call {
            message: format!("{uri}: {err}"),
        };
        let exchange = async {
            let answer = self.client.request(request).await.map_err(|e| failed(&e))?;
            let status = answer.status();
            let body = answer.into_body().collect().await.map_err(|e| failed(&e))?;
            Ok::<_, Error>((status, body.to_bytes()))
        };
        let (status, body) = tokio::time::timeout(CALL_LIMIT, exchange)
            .await
            .map_err(|_| failed(&format!("no answer within {CALL_LIMIT:?}")))??;
        let json: Value = serde_json::from_slice(&body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
        if status.is_success() {
            return Ok(json);
        }
        Err(refused(status, &json))
    }
}

/// The error of a control answer that is not 2xx: its `messages` (or `error`) and `field`.
fn refused(status: StatusCode, json: &Value) -> Error {
    let texts = |value: &Value| -> Vec<String> {
        match value {
            Value::String(text) => vec![text.clone()],
            Value::Array(items) => items
                .iter()
                .map(|item| {
                    item.as_str()
                        .map_or_else(|| item.to_string(), str::to_string)
                })
                .collect(),
            Value::Null => Vec::new(),
            other => vec![other.to_string()],
        }
    };
    let mut messages = texts(&json["messages"]);
    if messages.is_empty() {
        messages = texts(&json["error"]);
    }
    if messages.is_empty() {
        messages = texts(json);
    }
    Error::Refused {
        status: status.as_u16(),
        messages,
        field: json["field"].as_str().map(str::to_string),
    }
}
