//! The record proxy: forwards every request to the real Notebook Server, answers the client with
//! what the server said, and writes each answer into a fixture set that `replay` serves.
//!
//! This module owns the flow of one exchange; the upstream connection is [`upstream`]'s, what
//! must not be kept is [`scrub`]'s, the files are [`store`]'s, and what the user sees while it
//! runs is [`feedback`]'s. Recording never changes the client's answer: a failure to write is
//! reported on stderr and the client still gets what the server said.

pub mod feedback;
pub mod scrub;
pub mod store;
pub mod upstream;

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Either, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue, LOCATION};
use hyper::{Request, Response, StatusCode};
use serde_json::Value;
use tokio::net::TcpListener;

use crate::error::Result;
use crate::fixture::exchange::RequestFile;
use crate::fixture::write::pretty_json;
use crate::job::job_id_problem;
use crate::params;
use crate::replay::format::{Format, error_body};
use feedback::Feedback;
use scrub::{Scrubber, origin_spellings, replace_origin};
use store::{Conflict, Store, StoredAnswer, Target};
use upstream::{Trust, Upstream, decoded_body, is_hop_by_hop};

/// Where a job poll goes, after any context path.
const JOBS_PATH: &str = "/admin/system/jobs/";

/// The answer headers worth keeping in a fixture: they change how a client behaves. Others
/// (dates, server names, cookies) are left out.
const KEPT_HEADERS: &[&str] = &[
    "content-type",
    "location",
    "retry-after",
    "www-authenticate",
];

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
    /// JSON fields whose values are replaced by consistent pseudonyms.
    pub redact_fields: Vec<String>,
    /// Draw a live status line (stderr is a terminal) rather than log lines.
    pub live_status: bool,
    /// The largest answer recorded; a larger one is passed through as it streams, not stored.
    pub max_record_bytes: usize,
    /// The largest request body forwarded; a larger one is answered 413.
    pub max_body_bytes: usize,
    /// What one client may take of the proxy.
    pub limits: crate::server::Limits,
}

pub struct Recorder {
    upstream: Upstream,
    /// The upstream's origin in every spelling, for rewriting answers to the client.
    upstream_origins: Vec<String>,
    /// Where the proxy listens, for a client that sent no usable Host header.
    listen_addr: SocketAddr,
    store: Mutex<Store>,
    scrubber: Mutex<Scrubber>,
    feedback: Feedback,
    max_record_bytes: usize,
    max_body_bytes: usize,
    limits: crate::server::Limits,
}

/// The body of an answer to the client: whole, or streaming from the upstream.
pub type ClientBody = Either<Full<Bytes>, upstream::PassThrough>;

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
        let store = Store::new(&options.fixtures, options.conflict)?;
        Ok(Recorder {
            scrubber: Mutex::new(Scrubber::new(
                upstream_origins.clone(),
                options.redact_fields,
            )),
            upstream,
            upstream_origins,
            listen_addr,
            store: Mutex::new(store),
            feedback: Feedback::new(options.live_status),
            max_record_bytes: options.max_record_bytes,
            max_body_bytes: options.max_body_bytes,
            limits: options.limits,
        })
    }

    pub fn upstream_origin(&self) -> String {
        self.upstream.origin()
    }

    /// Forwards one request, records the answer, and answers the client.
    pub async fn handle(self: Arc<Self>, request: Request<Incoming>) -> Response<ClientBody> {
        let (parts, body) = request.into_parts();
        let reading = Limited::new(body, self.max_body_bytes).collect();
        let read = tokio::time::timeout(self.limits.header_read_timeout, reading).await;
        let body = match read {
            Ok(Ok(collected)) => collected.to_bytes(),
            Err(_) => {
                let message = format!(
                    "the request body was not sent within {} s (record --header-timeout)",
                    self.limits.header_read_timeout.as_secs()
                );
                return arcgis_error(StatusCode::REQUEST_TIMEOUT, 408, &message);
            }
            Ok(Err(err)) => {
                let message = format!(
                    "the request body could not be read: {err}; the proxy forwards at most {} bytes (record --max-body-bytes)",
                    self.max_body_bytes
                );
                return arcgis_error(StatusCode::PAYLOAD_TOO_LARGE, 413, &message);
            }
        };
        let mut request_params = params::from_query(parts.uri.query());
        if params::is_form(&parts.headers) {
            request_params.extend(params::from_form(&body));
        }
        lock(&self.scrubber).learn_request(&parts.headers, &request_params);

        let path_and_query = parts
            .uri
            .path_and_query()
            .map_or("/", |path_and_query| path_and_query.as_str());
        let sent = self
            .upstream
            .send(
                &parts.method,
                path_and_query,
                &parts.headers,
                body,
                self.max_record_bytes,
            )
            .await;
        let answer = match sent {
            Ok(upstream::Sent::Whole(answer)) => answer,
            Ok(upstream::Sent::Large {
                status,
                headers,
                body,
            }) => {
                self.feedback.passed_through(&format!(
                    "not recorded: {} {}: the answer is larger than {} bytes (record --max-record-bytes); passed through",
                    parts.method,
                    parts.uri.path(),
                    self.max_record_bytes
                ));
                let mut response = Response::new(Either::Right(body));
                *response.status_mut() = status;
                for (name, value) in &headers {
                    if !is_hop_by_hop(name, &headers) {
                        response.headers_mut().append(name.clone(), value.clone());
                    }
                }
                return response;
            }
            Err(cause) => {
                let message = format!("upstream {}: {cause}", self.upstream.origin());
                // The path only: its query may carry a token.
                self.feedback.upstream_error(&format!(
                    "{} {}: {message}",
                    parts.method,
                    parts.uri.path()
                ));
                return arcgis_error(StatusCode::BAD_GATEWAY, 502, &message);
            }
        };

        let decoded = decoded_body(&answer, self.max_record_bytes);
        match &decoded {
            Some(decoded) => self.record(&parts, &request_params, &answer, decoded),
            None => self.feedback.warn(&format!(
                "not recorded: {} {}: the answer's encoding could not be decoded, or it decodes to more than --max-record-bytes",
                parts.method,
                parts.uri.path()
            )),
        }
        self.answer_client(&parts, answer, decoded)
    }

    fn record(
        &self,
        parts: &hyper::http::request::Parts,
        request_params: &[(String, String)],
        answer: &upstream::Answer,
        decoded: &Bytes,
    ) {
        let now = Instant::now();
        let path = parts.uri.path();
        // A job polled again and answered exactly as last time: one more poll of the same step,
        // without parsing, scrubbing and printing the body again (the common case: a job
        // polled hundreds of times while PROCESSING).
        if let Some(id) = job_id(path) {
            let held = lock(&self.store).hold_if_same(id, decoded, answer.status.as_u16());
            if let Some((stored, status)) = held {
                self.feedback.job_poll(id, &status, &stored);
                return;
            }
        }
        let json: Option<Value> = serde_json::from_slice(decoded).ok();
        let mut scrubber = lock(&self.scrubber);
        scrubber.learn_answer(&answer.headers, json.as_ref());

        let (content, extension) = match json {
            Some(mut value) => {
                scrubber.json(&mut value);
                (pretty_json(&value), "json")
            }
            None => match std::str::from_utf8(decoded) {
                Ok(text) => (scrubber.text(text).into_bytes(), "txt"),
                Err(_) => {
                    drop(scrubber);
                    self.feedback.warn(&format!(
                        "not recorded: {} {}: the answer is binary",
                        parts.method, path
                    ));
                    return;
                }
            },
        };
        // What is written must load: the answer is checked as replay checks a step file (size,
        // depth, numbers, placeholders); one replay would refuse is not recorded.
        // (Checked as an exchange's step, which may be any JSON or text: a job's is an object.)
        let file = format!("001.{extension}");
        if let Err(err) = crate::fixture::check_folder(&[(file.as_str(), content.as_slice())], true)
        {
            drop(scrubber);
            let why = crate::error::report(&err);
            let why = why.strip_prefix("<memory>/").unwrap_or(&why);
            self.feedback.warn(&format!(
                "not recorded: {} {}: replay would not load it: {why}",
                parts.method, path
            ));
            return;
        }
        let headers: BTreeMap<String, String> = answer
            .headers
            .iter()
            .filter(|(name, _)| KEPT_HEADERS.contains(&name.as_str()))
            .filter(|(name, value)| {
                // A JSON answer's content type is the format's business at replay.
                !(extension == "json"
                    && *name == CONTENT_TYPE
                    && value
                        .to_str()
                        .is_ok_and(|v| v.starts_with("application/json")))
            })
            .filter_map(|(name, value)| {
                let value = value.to_str().ok()?;
                Some((canonical_header_name(name.as_str()), scrubber.text(value)))
            })
            .collect();

        let job_id = job_id(path);
        let job_status = (extension == "json")
            .then(|| serde_json::from_slice::<Value>(&content).ok())
            .flatten()
            .filter(Value::is_object)
            .map(|job| job["status"].as_str().unwrap_or("?").to_string());
        let target = match (job_id, &job_status) {
            (Some(id), Some(_)) => Target::Job(id.to_string()),
            _ => Target::Exchange(RequestFile {
                method: parts.method.to_string(),
                path: scrubber.path(path),
                params: request_params
                    .iter()
                    .filter(|(name, _)| !scrubber.is_left_out(name))
                    .map(|(name, value)| (name.clone(), scrubber.text(value)))
                    .collect(),
            }),
        };
        drop(scrubber);

        let stored = StoredAnswer {
            content,
            extension,
            status: answer.status.as_u16(),
            headers,
        };
        let outcome = lock(&self.store).store(&target, stored, decoded, now);
        match (outcome, &target) {
            (Ok(stored), Target::Job(id)) => {
                let status = job_status.as_deref().unwrap_or("?");
                self.feedback.job_poll(id, status, &stored);
            }
            (Ok(stored), Target::Exchange(request)) => {
                self.feedback
                    .exchange(&request.method, &request.path, &stored);
            }
            (Err(err), _) => self
                .feedback
                .warn(&format!("not recorded: {}", crate::error::report(&err))),
        }
    }

    /// The upstream's answer for the client, unchanged but for hop-by-hop headers and, where it
    /// names the upstream's origin, that origin replaced by the proxy's, so a client following a
    /// `jobUrl` or a redirect keeps talking through the proxy (and is recorded).
    fn answer_client(
        &self,
        parts: &hyper::http::request::Parts,
        answer: upstream::Answer,
        decoded: Option<Bytes>,
    ) -> Response<ClientBody> {
        let proxy_origin = format!(
            "http://{}",
            params::plain_host(&parts.headers).unwrap_or_else(|| self.listen_addr.to_string())
        );
        let rewritten = decoded.and_then(|decoded| {
            let text = std::str::from_utf8(&decoded).ok()?;
            self.upstream_origins
                .iter()
                .any(|origin| text.contains(origin.as_str()))
                .then(|| Bytes::from(self.to_proxy(text, &proxy_origin)))
        });

        let mut response = Response::new(Either::Left(Full::new(
            rewritten.clone().unwrap_or_else(|| answer.body.clone()),
        )));
        *response.status_mut() = answer.status;
        let headers = response.headers_mut();
        for (name, value) in &answer.headers {
            if is_hop_by_hop(name, &answer.headers) || *name == CONTENT_LENGTH {
                continue;
            }
            if rewritten.is_some() && *name == CONTENT_ENCODING {
                continue;
            }
            if *name == LOCATION
                && let Ok(location) = value.to_str()
                && let Ok(value) = HeaderValue::from_str(&self.to_proxy(location, &proxy_origin))
            {
                headers.append(name.clone(), value);
                continue;
            }
            headers.append(name.clone(), value.clone());
        }
        response
    }

    fn to_proxy(&self, text: &str, proxy_origin: &str) -> String {
        self.upstream_origins
            .iter()
            .fold(text.to_string(), |text, origin| {
                replace_origin(&text, origin, proxy_origin)
            })
    }

    /// Writes the scripts whose hold counts changed since the last time.
    pub fn flush(&self) {
        let failures = lock(&self.store).flush();
        for err in failures {
            self.feedback
                .warn(&format!("not recorded: {}", crate::error::report(&err)));
        }
    }

    /// Ends the live line and returns the summary of what was written.
    pub fn finish(&self) -> String {
        self.flush();
        self.feedback.finish(lock(&self.store).root())
    }
}

/// Serves `recorder` on `listener` until `shutdown` completes, then lets requests in flight
/// finish (and be recorded).
pub async fn serve(
    listener: TcpListener,
    recorder: Arc<Recorder>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    // Hold counts change on every poll; their script.json is written a few times a second, not
    // on every poll (a kill loses at most that much of a count, never a step).
    let flusher = {
        let recorder = Arc::clone(&recorder);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(SCRIPT_FLUSH_INTERVAL);
            loop {
                ticks.tick().await;
                recorder.flush();
            }
        })
    };
    let handler = {
        let recorder = Arc::clone(&recorder);
        move |request: Request<Incoming>| {
            let recorder = Arc::clone(&recorder);
            async move { Ok::<_, Infallible>(recorder.handle(request).await) }
        }
    };
    let limits = recorder.limits;
    crate::server::serve(listener, None, limits, handler, shutdown).await;
    flusher.abort();
    recorder.flush();
}

/// How often scripts whose hold counts changed are written.
const SCRIPT_FLUSH_INTERVAL: Duration = Duration::from_millis(200);

/// The job a path polls, if it is `<context>/admin/system/jobs/<jobId>`.
fn job_id(path: &str) -> Option<&str> {
    path.split_once(JOBS_PATH)
        .map(|(_, after)| after)
        .filter(|id| job_id_problem(id).is_none())
}

/// An ArcGIS-style error from the proxy itself, with a real HTTP status: the client must see
/// that the answer did not come from the server.
fn arcgis_error(status: StatusCode, code: u16, message: &str) -> Response<ClientBody> {
    let mut response = Response::new(Either::Left(Full::new(error_body(
        Format::Json,
        code,
        message,
    ))));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// `content-type` as `Content-Type`: fixtures are read by people.
fn canonical_header_name(name: &str) -> String {
    name.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect::<Vec<_>>()
        .join("-")
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic under the lock leaves nothing half-written on disk (files are written whole), so
    // keep recording rather than failing every later request.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
