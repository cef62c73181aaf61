//! The upstream side of the record proxy: the client that forwards a request to the real server
//! (plain HTTP or HTTPS through rustls), with its timeouts. How it trusts the server is `tls`'s;
//! which headers stay on one hop, [`headers`]'; what comes back made readable, [`decode`]'s; an
//! answer too large to record, streamed to the client, [`pass_through`]'s.

pub mod decode;
mod failure;
pub mod headers;
pub mod pass_through;
mod tls;

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{ACCEPT_ENCODING, CONNECTION, HOST, HeaderValue, UPGRADE};
use hyper::{HeaderMap, Method, Request, StatusCode, Uri};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::error::{Error, Result};
use decode::decodable_encodings;
use failure::{Place, explain};
use headers::{is_hop_by_hop, upgrade_asked};
use pass_through::PassThrough;
use tls::tls_config;

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
                .map_err(|err| explain(&err, &self.place()))?;
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
                let frame = frame.map_err(|err| {
                    format!("the answer broke off: {}", explain(&err, &self.place()))
                })?;
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
            Err(_) => Err(format!(
                "no answer within {} s (fix: give --upstream-timeout more seconds, or check \
                 that the server is up)",
                self.timeout.as_secs()
            )),
        }
    }

    /// Where the upstream is, for [`explain`]'s fix sentences.
    fn place(&self) -> Place<'_> {
        Place {
            scheme: &self.scheme,
            authority: &self.authority,
            prefix: &self.prefix,
            timeout_secs: self.timeout.as_secs(),
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
