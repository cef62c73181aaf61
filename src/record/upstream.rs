//! The upstream side of the record proxy: the client that forwards a request to the real server
//! (plain HTTP or HTTPS through rustls), with its timeouts, and the decoding of what comes back.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{
    ACCEPT_ENCODING, CONNECTION, CONTENT_ENCODING, HOST, HeaderName, HeaderValue, UPGRADE,
};
use hyper::{HeaderMap, Method, Request, StatusCode, Uri};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use crate::error::{Error, Result};

/// How the proxy trusts an HTTPS upstream.
#[derive(Debug, Clone, Default)]
pub struct Trust {
    /// A PEM file of CA certificates to trust besides the usual roots.
    pub ca_cert: Option<std::path::PathBuf>,
    /// Accept any certificate (a self-signed on-premises server).
    pub insecure: bool,
}

/// The real server, as the proxy reaches it.
pub struct Upstream {
    scheme: String,
    authority: String,
    /// A path the upstream URL carried (`/arcgis`), put before every forwarded path.
    prefix: String,
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
}

/// What the upstream answered, body as received (perhaps compressed).
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// What [`Upstream::send`] got back.
pub enum Sent {
    /// The whole answer, within the size that is recorded.
    Whole(Answer),
    /// An answer larger than that: its head and a body that streams the rest from the upstream
    /// as the client reads it, never held whole.
    Large {
        status: StatusCode,
        headers: HeaderMap,
        body: PassThrough,
    },
    /// The client asked to switch protocols (`Upgrade: websocket`) and the upstream agreed
    /// (101): its headers, and its side of the connection once hyper hands it over.
    Switched {
        headers: HeaderMap,
        upgraded: hyper::upgrade::OnUpgrade,
    },
}

/// The body of a large answer: what was read before it turned out large, then the rest as it
/// comes from the upstream. An upstream that sends nothing for the timeout ends it with an error
/// (the client sees the answer cut short, as from the upstream itself).
pub struct PassThrough {
    read: std::collections::VecDeque<Bytes>,
    rest: hyper::body::Incoming,
    idle: Duration,
    deadline: std::pin::Pin<Box<tokio::time::Sleep>>,
}

impl hyper::body::Body for PassThrough {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
        use std::task::Poll;
        if let Some(chunk) = self.read.pop_front() {
            return Poll::Ready(Some(Ok(hyper::body::Frame::data(chunk))));
        }
        match std::pin::Pin::new(&mut self.rest).poll_frame(cx) {
            Poll::Ready(frame) => {
                let idle = self.idle;
                self.deadline
                    .as_mut()
                    .reset(tokio::time::Instant::now() + idle);
                Poll::Ready(frame.map(|frame| frame.map_err(Into::into)))
            }
            Poll::Pending => match self.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(format!(
                    "the upstream sent nothing for {} s",
                    self.idle.as_secs()
                )
                .into()))),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl Upstream {
    pub fn new(url: &str, trust: &Trust, timeout: Duration) -> Result<Upstream> {
        let Parsed {
            scheme,
            authority,
            prefix,
        } = parse_url(url)?;

        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(timeout));
        http.set_nodelay(true);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls_config(trust)?)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new()).build(https);
        Ok(Upstream {
            scheme,
            authority,
            prefix,
            client,
            timeout,
        })
    }

    /// `scheme://host[:port]`, as the user gave it.
    pub fn origin(&self) -> String {
        format!("{}://{}", self.scheme, self.authority)
    }

    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// The path put before every forwarded path (`/arcgis`), or "".
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The host and port, for [`crate::fixture::origin::origin_spellings`].
    pub fn host_and_port(&self) -> (String, Option<u16>) {
        let authority: hyper::http::uri::Authority = self
            .authority
            .parse()
            .expect("the authority was parsed from a URI");
        (authority.host().to_string(), authority.port_u16())
    }

    /// Forwards one request. An answer up to `max_record` bytes is read whole (within the
    /// timeout); a larger one is handed back streaming, each part within the timeout of the one
    /// before. A request to switch protocols ([`upgrade_asked`]) is forwarded with its
    /// `Connection: upgrade` and `Upgrade`, and a 101 comes back as [`Sent::Switched`]. The
    /// error is a sentence for the client's 502 answer.
    pub async fn send(
        &self,
        method: &Method,
        path_and_query: &str,
        headers: &HeaderMap,
        body: Bytes,
        max_record: usize,
    ) -> Result<Sent, String> {
        let uri = format!(
            "{}://{}{}{}",
            self.scheme, self.authority, self.prefix, path_and_query
        );
        let mut request = Request::builder()
            .method(method.clone())
            .uri(&uri)
            .body(Full::new(body))
            .map_err(|err| format!("cannot forward to {uri}: {err}"))?;
        let forwarded = request.headers_mut();
        for (name, value) in headers {
            if !is_hop_by_hop(name, headers) && name != HOST && name != ACCEPT_ENCODING {
                forwarded.append(name.clone(), value.clone());
            }
        }
        if let Some(encodings) = decodable_encodings(headers) {
            forwarded.insert(ACCEPT_ENCODING, encodings);
        }
        // Hop-by-hop, so left out above; but the client asks this hop and the next alike, and
        // the proxy passes the switched connection on (the legacy client serves upgrades).
        let upgrade = upgrade_asked(headers);
        if let Some(protocols) = upgrade {
            forwarded.insert(CONNECTION, HeaderValue::from_static("upgrade"));
            forwarded.insert(UPGRADE, protocols.clone());
        }

        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|err| cause(&err))?;
            if upgrade.is_some() && response.status() == StatusCode::SWITCHING_PROTOCOLS {
                return Ok(Sent::Switched {
                    headers: response.headers().clone(),
                    upgraded: hyper::upgrade::on(response),
                });
            }
            let (parts, mut body) = response.into_parts();
            let mut read = std::collections::VecDeque::new();
            let mut size = 0;
            while let Some(frame) = body.frame().await {
                let frame =
                    frame.map_err(|err| format!("the answer broke off: {}", cause(&err)))?;
                let Ok(chunk) = frame.into_data() else {
                    continue; // trailers: not part of what is recorded
                };
                size += chunk.len();
                read.push_back(chunk);
                if size > max_record {
                    let idle = self.timeout;
                    return Ok(Sent::Large {
                        status: parts.status,
                        headers: parts.headers,
                        body: PassThrough {
                            read,
                            rest: body,
                            idle,
                            deadline: Box::pin(tokio::time::sleep(idle)),
                        },
                    });
                }
            }
            let mut whole = bytes::BytesMut::with_capacity(size);
            for chunk in read {
                whole.extend_from_slice(&chunk);
            }
            Ok(Sent::Whole(Answer {
                status: parts.status,
                headers: parts.headers,
                body: whole.freeze(),
            }))
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(answer) => answer,
            Err(_) => Err(format!("no answer within {} s", self.timeout.as_secs())),
        }
    }
}

/// An `--upstream` URL, taken apart.
struct Parsed {
    scheme: String,
    authority: String,
    /// The path it carries (`/arcgis`), without a final `/`.
    prefix: String,
}

/// Checks an `--upstream` URL, before anything is bound or made.
pub fn check_url(url: &str) -> Result<()> {
    parse_url(url).map(|_| ())
}

fn parse_url(url: &str) -> Result<Parsed> {
    let usage = |message: String| Error::Usage { message };
    // Checked first, so that no message below prints the password.
    let authority = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest)
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default();
    if authority.contains('@') {
        // It would be printed, and sent in no way a server reads; the client's own credentials
        // are forwarded as it sends them.
        return Err(usage(
            "--upstream may not carry a user name or password (user:password@); give the \
             server's address only, and let the client authenticate through the proxy"
                .to_string(),
        ));
    }
    let uri: Uri = url.parse().map_err(|err| {
        usage(format!(
            "--upstream {url:?} is not a URL ({err}); use one such as https://notebooks.example.com:11443"
        ))
    })?;
    let scheme = match uri.scheme_str() {
        Some(scheme @ ("http" | "https")) => scheme.to_string(),
        _ => {
            return Err(usage(format!(
                "--upstream {url:?} needs http:// or https://, such as https://notebooks.example.com:11443"
            )));
        }
    };
    let authority = uri
        .authority()
        .ok_or_else(|| usage(format!("--upstream {url:?} names no host")))?
        .to_string();
    if uri.query().is_some() {
        return Err(usage(format!("--upstream {url:?} may not carry a query")));
    }
    Ok(Parsed {
        scheme,
        authority,
        prefix: uri.path().trim_end_matches('/').to_string(),
    })
}

/// The headers that belong to one connection, not to the message: never forwarded.
pub fn is_hop_by_hop(name: &HeaderName, headers: &HeaderMap) -> bool {
    const HOP_BY_HOP: &[&str] = &[
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    ];
    HOP_BY_HOP.contains(&name.as_str())
        || headers.get_all(CONNECTION).iter().any(|listed| {
            listed.to_str().is_ok_and(|listed| {
                listed
                    .split(',')
                    .any(|token| token.trim().eq_ignore_ascii_case(name.as_str()))
            })
        })
}

/// The protocols a request asks to switch to (`Upgrade: websocket`), when it also says
/// `Connection: upgrade`, as HTTP/1.1 wants both.
pub fn upgrade_asked(headers: &HeaderMap) -> Option<&HeaderValue> {
    let listed = headers.get_all(CONNECTION).iter().any(|listed| {
        listed.to_str().is_ok_and(|listed| {
            listed
                .split(',')
                .any(|token| token.trim().eq_ignore_ascii_case("upgrade"))
        })
    });
    listed.then(|| headers.get(UPGRADE)).flatten()
}

/// The client's Accept-Encoding narrowed to what the recorder can decode (gzip, deflate), so
/// every answer can be stored readable; `None` when the client accepts none of them.
fn decodable_encodings(headers: &HeaderMap) -> Option<HeaderValue> {
    let accepted = headers.get(ACCEPT_ENCODING)?.to_str().ok()?;
    let kept: Vec<&str> = accepted
        .split(',')
        .map(str::trim)
        .filter(|coding| {
            let name = coding.split(';').next().unwrap_or_default().trim();
            ["gzip", "deflate", "identity"]
                .iter()
                .any(|known| name.eq_ignore_ascii_case(known))
        })
        .collect();
    if kept.is_empty() {
        return None;
    }
    HeaderValue::from_str(&kept.join(", ")).ok()
}

/// The body of `answer` decoded from its Content-Encoding; `None` for an encoding the recorder
/// does not know, a body that does not decode, or one that decodes to more than `max` bytes
/// (a compressed answer can grow a thousandfold).
pub fn decoded_body(answer: &Answer, max: usize) -> Option<Bytes> {
    let encoding = answer
        .headers
        .get(CONTENT_ENCODING)
        .and_then(|value| value.to_str().ok())
        .map(|value| value.trim().to_ascii_lowercase());
    let mut decoded = Vec::new();
    let limit = max as u64 + 1;
    let ok = match encoding.as_deref() {
        None | Some("") | Some("identity") => return Some(answer.body.clone()),
        Some("gzip") | Some("x-gzip") => flate2::read::MultiGzDecoder::new(&answer.body[..])
            .take(limit)
            .read_to_end(&mut decoded)
            .is_ok(),
        // HTTP's "deflate" is zlib-wrapped, but some servers send raw deflate.
        Some("deflate") => {
            flate2::read::ZlibDecoder::new(&answer.body[..])
                .take(limit)
                .read_to_end(&mut decoded)
                .is_ok()
                || {
                    decoded.clear();
                    flate2::read::DeflateDecoder::new(&answer.body[..])
                        .take(limit)
                        .read_to_end(&mut decoded)
                        .is_ok()
                }
        }
        Some(_) => false,
    };
    (ok && decoded.len() <= max).then(|| Bytes::from(decoded))
}

/// The innermost cause of a client error, which is the one that says what happened
/// (`Connection refused`, `invalid peer certificate: UnknownIssuer`).
fn cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut innermost = err;
    while let Some(source) = innermost.source() {
        innermost = source;
    }
    let message = innermost.to_string();
    let message = message
        .split(" (os error")
        .next()
        .unwrap_or(&message)
        .to_string();
    message.to_lowercase()
}

fn tls_config(trust: &Trust) -> Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .expect("the ring provider supports the default TLS versions");
    if trust.insecure {
        return Ok(builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
            .with_no_client_auth());
    }
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = &trust.ca_cert {
        add_ca_file(&mut roots, path)?;
    }
    Ok(builder.with_root_certificates(roots).with_no_client_auth())
}

fn add_ca_file(roots: &mut rustls::RootCertStore, path: &Path) -> Result<()> {
    let bad = |message: String| {
        Error::input(
            path,
            message,
            "give --ca-cert a PEM file with one or more -----BEGIN CERTIFICATE----- blocks",
        )
    };
    let certificates = CertificateDer::pem_file_iter(path)
        .map_err(|err| bad(format!("cannot read the CA certificates: {err}")))?;
    let mut added = 0;
    for certificate in certificates {
        let certificate =
            certificate.map_err(|err| bad(format!("not a PEM certificate: {err}")))?;
        roots
            .add(certificate)
            .map_err(|err| bad(format!("not a usable CA certificate: {err}")))?;
        added += 1;
    }
    if added == 0 {
        return Err(bad("holds no certificate".to_string()));
    }
    Ok(())
}

/// `--insecure`: any certificate is accepted, but the handshake's signatures are still checked,
/// so the connection is encrypted to whoever holds the certificate's key.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_encoding_is_narrowed_to_what_can_be_decoded() {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT_ENCODING, "gzip, deflate, br, zstd".parse().unwrap());
        assert_eq!(decodable_encodings(&headers).unwrap(), "gzip, deflate");
        headers.insert(ACCEPT_ENCODING, "br".parse().unwrap());
        assert!(decodable_encodings(&headers).is_none());
    }

    #[test]
    fn gzip_and_deflate_bodies_are_decoded() {
        use std::io::Write;
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gzip.write_all(b"{\"status\":\"COMPLETED\"}").unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_ENCODING, "gzip".parse().unwrap());
        let answer = Answer {
            status: StatusCode::OK,
            headers,
            body: Bytes::from(gzip.finish().unwrap()),
        };
        assert_eq!(
            &decoded_body(&answer, 1 << 20).unwrap()[..],
            b"{\"status\":\"COMPLETED\"}"
        );
    }

    #[test]
    fn an_upgrade_is_asked_with_both_connection_and_upgrade() {
        let mut headers = HeaderMap::new();
        headers.insert(UPGRADE, "websocket".parse().unwrap());
        assert!(
            upgrade_asked(&headers).is_none(),
            "Upgrade alone asks nothing"
        );
        headers.insert(CONNECTION, "keep-alive, Upgrade".parse().unwrap());
        assert_eq!(upgrade_asked(&headers).unwrap(), "websocket");
        headers.remove(UPGRADE);
        assert!(upgrade_asked(&headers).is_none());
    }

    #[test]
    fn connection_listed_headers_are_hop_by_hop() {
        let mut headers = HeaderMap::new();
        headers.insert(CONNECTION, "close, X-Private".parse().unwrap());
        assert!(is_hop_by_hop(
            &HeaderName::from_static("x-private"),
            &headers
        ));
        assert!(is_hop_by_hop(
            &HeaderName::from_static("transfer-encoding"),
            &headers
        ));
        assert!(!is_hop_by_hop(
            &HeaderName::from_static("content-type"),
            &headers
        ));
    }
}
