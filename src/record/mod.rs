//! The record proxy: forwards every request to the real Notebook Server, answers the client with
//! what the server said, and writes each answer into a fixture set that `replay` serves.
//!
//! This module owns the flow of one request on the runtime: read it, forward it, answer the
//! client, and queue the exchange (`queue`) for the recording thread (`thread`), which alone
//! learns, scrubs ([`crate::redact`]) and writes, through the [`crate::fixture::writer`] that
//! `import har` uses too. The upstream connection is [`upstream`]'s, what the client is answered
//! `answer`'s, a connection that switched protocols (a WebSocket) [`tunnel`]'s, the web view of
//! the recording `view`'s, and what the user sees while it runs the writer's [`Feedback`].
//! Recording never changes the client's answer, and never makes it wait for a
//! disk: a failure to write is reported on stderr and the client still gets what the server
//! said.

mod answer;
pub mod forward;
mod queue;
mod thread;
pub mod tunnel;
pub mod upstream;
mod view;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Either, Full, Limited};
use hyper::body::Incoming;
use hyper::header::UPGRADE;
use hyper::{Request, Response, StatusCode};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::api::CONTROL_PREFIX;
use crate::error::Result;
use crate::fixture::layout::Offsets;
use crate::fixture::origin::origin_spellings;
use crate::fixture::stable::Stability;
use crate::fixture::store::{Conflict, Store};
use crate::fixture::writer::feedback::Feedback;
use crate::fixture::writer::input::{Exchange, Outcome};
use crate::fixture::writer::{Finished, Writer};
use crate::params;
use crate::redact::Redactor;
use answer::{arcgis_error, control_refused, passed_through, switched};
use queue::Queue;
use upstream::decode::decoded_body;
use upstream::headers::upgrade_asked;
use upstream::pass_through::PassThrough;
use upstream::{Trust, Upstream};

/// How a recording proxy behaves.
#[derive(Debug, Clone)]
pub struct Options {
    /// The real server: `https://host:port`, perhaps with a path put before every request's.
    pub upstream: String,
    pub trust: Trust,
    /// How long the upstream may take to connect, and to answer.
    pub timeout: Duration,
    pub fixtures: PathBuf,
    pub conflict: Conflict,
    /// What redaction keeps, adds and looks for besides its defaults.
    pub redaction: crate::redact::Options,
    /// How step times are written.
    pub offsets: Offsets,
    /// Which rewrites keep the recording the same when recorded again.
    pub stability: Stability,
    /// Draw a live status line (stderr is a terminal) rather than log lines.
    pub live_status: bool,
    /// The largest answer recorded; a larger one is passed through as it streams, not stored.
    pub max_record_bytes: usize,
    /// The largest request body forwarded; a larger one is answered 413.
    pub max_body_bytes: usize,
    /// What one client may take of the proxy.
    pub limits: crate::server::Limits,
    /// Serve HTTPS: the ArcGIS API for Python talks nothing else.
    pub tls: bool,
    /// What `recording.json` names as the set's writer.
    pub recorded_by: &'static str,
}

pub struct Recorder {
    upstream: Upstream,
    /// The upstream's origin in every spelling, for rewriting answers to the client.
    upstream_origins: Vec<String>,
    /// Where the proxy listens, for a client that sent no usable Host header.
    listen_addr: SocketAddr,
    /// `https` when the proxy serves TLS: URLs in answers name the proxy with it.
    scheme: &'static str,
    /// Exchanges waiting for the recording thread.
    queue: Arc<Queue>,
    writer: Mutex<Option<std::thread::JoinHandle<Finished>>>,
    feedback: Arc<Feedback>,
    max_record_bytes: usize,
    max_body_bytes: usize,
    limits: crate::server::Limits,
    /// Connections that switched protocols, passed through until they close or the recorder
    /// stops.
    tunnels: tunnel::Tunnels,
}

/// How long the tasks of open tunnels may take to let go of them when the recorder stops.
const TUNNEL_CLOSE_LIMIT: Duration = Duration::from_secs(2);

/// The body of an answer to the client: whole, or streaming from the upstream.
pub type ClientBody = Either<Full<Bytes>, PassThrough>;

impl Recorder {
    pub fn new(options: Options, listen_addr: SocketAddr) -> Result<Recorder> {
        let upstream = Upstream::new(&options.upstream, &options.trust, options.timeout)?;
        let (host, port) = upstream.host_and_port();
        // A URL the upstream gives names its origin and the path prefix the proxy adds: that
        // whole beginning is what the proxy (and replay) stand for.
        let upstream_origins: Vec<String> = origin_spellings(upstream.scheme(), &host, port)
            .into_iter()
            .map(|origin| format!("{origin}{}", upstream.prefix()))
            .collect();
        let store = Store::tidy(&options.fixtures, options.conflict, options.offsets)?;
        let feedback = Arc::new(Feedback::new(options.live_status));
        let writer = Writer::new(
            store,
            Redactor::new(options.redaction),
            Arc::clone(&feedback),
            upstream_origins.clone(),
            options.stability,
        )
        .recorded_by(
            options.recorded_by,
            Some(format!("{}{}", upstream.origin(), upstream.prefix())),
        );
        let queue = Arc::new(Queue::default());
        let thread = thread::spawn(writer, Arc::clone(&queue))?;
        Ok(Recorder {
            upstream,
            upstream_origins,
            listen_addr,
            scheme: if options.tls { "https" } else { "http" },
            queue,
            writer: Mutex::new(Some(thread)),
            feedback,
            max_record_bytes: options.max_record_bytes,
            max_body_bytes: options.max_body_bytes,
            limits: options.limits,
            tunnels: tunnel::Tunnels::default(),
        })
    }

    pub fn upstream_origin(&self) -> String {
        self.upstream.origin()
    }

    /// Forwards one request, answers the client, and hands the exchange to the recording
    /// thread.
    pub async fn handle(self: Arc<Self>, mut request: Request<Incoming>) -> Response<ClientBody> {
        if let Some(answer) = self.answered_here(&request) {
            return answer;
        }
        // Taken before the request is taken apart: the client's side of the tunnel, should the
        // upstream agree to switch protocols.
        let asked_upgrade = upgrade_asked(request.headers()).cloned();
        let client_upgrade = asked_upgrade
            .is_some()
            .then(|| hyper::upgrade::on(&mut request));
        let (parts, body) = request.into_parts();
        let body = match self.read_body(body).await {
            Ok(body) => body,
            Err(answer) => return answer,
        };
        let target = parts
            .uri
            .path_and_query()
            .map_or("/", |path_and_query| path_and_query.as_str())
            .to_string();
        let sent = self
            .upstream
            .send(
                &parts.method,
                &target,
                &parts.headers,
                body.clone(),
                self.max_record_bytes,
            )
            .await;
        let client_host = params::plain_host(&parts.headers);
        // The request moves to the recording thread whole: nothing here needs it after.
        let exchange = move |outcome| Exchange {
            method: parts.method,
            target,
            headers: parts.headers,
            body,
            outcome,
            at: Instant::now(),
        };
        let answer = match sent {
            Ok(upstream::Sent::Whole(answer)) => answer,
            Ok(upstream::Sent::Large {
                status,
                headers,
                body,
            }) => {
                let limit = self.max_record_bytes;
                self.record(exchange(Outcome::TooLarge { limit })).await;
                return passed_through(status, &headers, body);
            }
            Ok(upstream::Sent::Switched { headers, upgraded }) => {
                let Some(client_upgrade) = client_upgrade else {
                    // Not reached: the upstream is asked to switch only when the client asked.
                    let message = format!(
                        "upstream {}: switched protocols unasked",
                        self.upstream.origin()
                    );
                    return arcgis_error(StatusCode::BAD_GATEWAY, 502, &message);
                };
                let response = switched(&headers, asked_upgrade.as_ref());
                let protocol = response.headers().get(UPGRADE).map_or_else(
                    || "other".to_string(),
                    |value| tunnel::shown_protocol(value.as_bytes()),
                );
                self.tunnels.open(client_upgrade, upgraded);
                self.record(exchange(Outcome::Upgraded { protocol })).await;
                return response;
            }
            Err(cause) => {
                let message = format!("upstream {}: {cause}", self.upstream.origin());
                self.record(exchange(Outcome::Failed(message.clone())))
                    .await;
                return arcgis_error(StatusCode::BAD_GATEWAY, 502, &message);
            }
        };

        let decoded = decoded_body(&answer, self.max_record_bytes);
        let response = self.answer_client(client_host, &answer, decoded.clone());
        let outcome = match decoded {
            Some(decoded) => Outcome::Answered {
                status: answer.status,
                headers: answer.headers,
                body: decoded,
            },
            None => Outcome::NotDecoded,
        };
        self.record(exchange(outcome)).await;
        response
    }

    /// The answer to a request the proxy answers itself, without forwarding it: a head past
    /// the limits, the recorder's web view, and jobmock's control API (replay's, not the
    /// recorder's).
    fn answered_here(&self, request: &Request<Incoming>) -> Option<Response<ClientBody>> {
        if let Some(answer) = self.limits.refuse_large_head(request) {
            return Some(answer.map(|body| Either::Left(Full::new(body))));
        }
        if request.uri().path() == "/__jobmock/ui" && request.method() == hyper::Method::GET {
            return Some(self.web_view());
        }
        if request.uri().path().starts_with(CONTROL_PREFIX) {
            return Some(control_refused(request.uri().path()));
        }
        None
    }

    /// The request's body, read within the time and size the proxy allows; or the answer that
    /// says it was not.
    async fn read_body(&self, body: Incoming) -> Result<Bytes, Response<ClientBody>> {
        let reading = Limited::new(body, self.max_body_bytes).collect();
        let read = tokio::time::timeout(self.limits.header_read_timeout, reading).await;
        match read {
            Ok(Ok(collected)) => Ok(collected.to_bytes()),
            Err(_) => {
                let message = format!(
                    "the request body was not sent within {} s (record --header-timeout)",
                    self.limits.header_read_timeout.as_secs()
                );
                Err(arcgis_error(StatusCode::REQUEST_TIMEOUT, 408, &message))
            }
            Ok(Err(err)) => {
                let message = format!(
                    "the request body could not be read: {err}; the proxy forwards at most {} bytes (record --max-body-bytes)",
                    self.max_body_bytes
                );
                Err(arcgis_error(StatusCode::PAYLOAD_TOO_LARGE, 413, &message))
            }
        }
    }

    /// Queues an exchange for the recording thread. Waits only when the queue is full (the
    /// disk is behind): the client's answer is then held back rather than memory growing.
    async fn record(&self, exchange: Exchange) {
        self.queue.push(exchange).await;
    }

    /// Ends the recording: waits for the recording thread to write everything queued, scans
    /// what it wrote, and returns the summary and whether the scan found anything.
    pub async fn finish(&self) -> (String, bool) {
        let closing = self.close().await;
        (closing.summary, closing.found)
    }

    /// Ends the recording as [`Recorder::finish`] does, and says how many folders it wrote.
    pub async fn close(&self) -> Closing {
        self.queue.finish();
        let thread = self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        let Some(thread) = thread else {
            return Closing {
                summary: "the recording was already finished".into(),
                found: false,
                folders: 0,
            };
        };
        let finished = tokio::task::spawn_blocking(move || thread.join())
            .await
            .ok()
            .and_then(|joined| joined.ok());
        let Some(finished) = finished else {
            return Closing {
                summary: "the recording thread failed; what was written before stays".into(),
                found: true,
                folders: 0,
            };
        };
        let mut summary = self.feedback.finish(&finished.root);
        let (closing, found) = finished.closing_lines(crate::scan::verdict_for(&finished));
        summary.push_str(&closing);
        Closing {
            summary,
            found,
            folders: finished.folders.len(),
        }
    }
}

/// How a recording ended.
pub struct Closing {
    /// The closing summary: what was recorded, what redaction did, the scan's verdict.
    pub summary: String,
    /// Whether the closing scan found anything (or the recording thread failed).
    pub found: bool,
    /// How many job and exchange folders were written.
    pub folders: usize,
}

/// Serves `recorder` on `listener` (over TLS when `tls` is given) until `shutdown` completes,
/// then lets requests in flight finish and be recorded, and closes the tunnels still open.
pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    recorder: Arc<Recorder>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let handler = {
        let recorder = Arc::clone(&recorder);
        move |request: Request<Incoming>| {
            let recorder = Arc::clone(&recorder);
            async move { Ok::<_, Infallible>(recorder.handle(request).await) }
        }
    };
    let limits = recorder.limits;
    crate::server::serve(listener, tls, limits, handler, shutdown).await;
    recorder.tunnels.close(TUNNEL_CLOSE_LIMIT).await;
}
