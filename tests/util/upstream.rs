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
