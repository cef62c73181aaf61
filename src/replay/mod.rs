//! The replay service: answers the job resource of the ArcGIS admin API from a loaded fixture
//! set, and the control API under `/__jobmock/`.
//!
//! This module owns routing, request parameters, sessions and the answer's format; which step a
//! poll gets is the job engine's ([`crate::job`]) decision, and accepting connections is the
//! server's ([`crate::server`]).

mod control;
pub mod format;
pub mod journal;
mod request;

use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use tokio::net::TcpListener;

use crate::fixture::{BodyKind, FixtureSet, ORIGIN_PLACEHOLDER, Step};
use crate::job::{Cursors, Sequence, job_id_problem};
use format::Format;
use journal::Journal;
use request::Call;

/// The body of every answer: the whole answer is known before it is sent.
pub type Body = Full<Bytes>;

/// Where the job resource sits, after any context path (`/arcgis`, a Web Adaptor name, …).
const JOBS_PATH: &str = "/admin/system/jobs/";

/// Where the control API sits.
pub const CONTROL_PREFIX: &str = "/__jobmock/";

/// How a replay server behaves, beyond its fixtures.
#[derive(Debug, Clone)]
pub struct Options {
    /// Time-based steps play this many times faster than recorded (0.5 is half as fast).
    pub speed: f64,
    /// The most entries the request journal keeps.
    pub journal_size: usize,
    /// Print one line per answered request on stderr.
    pub verbose: bool,
    /// The scheme clients reach this server with, for recorded URLs that name the server.
    pub scheme: &'static str,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            speed: 1.0,
            journal_size: 1000,
            verbose: false,
            scheme: "http",
        }
    }
}

/// A replay server's state: the fixtures (read-only) and the cursors and journal (behind one
/// lock, held only to pick a step and note the request, never across an await).
pub struct Replay {
    fixtures: FixtureSet,
    /// Per job and step, the pretty and HTML renderings, made on first use: most steps are only
    /// ever asked for in one format, so rendering all of them at load would waste memory.
    rendered: Vec<Box<[Rendered]>>,
    options: Options,
    live: Mutex<Live>,
}

/// What a poll is of: a job or an exchange, by index and name.
#[derive(Clone, Copy)]
enum Polled<'a> {
    Job(usize, &'a str),
    Exchange(usize, &'a str),
}

#[derive(Default)]
struct Rendered {
    pretty: OnceLock<Bytes>,
    html: OnceLock<Bytes>,
}

struct Live {
    cursors: Cursors,
    exchange_cursors: Cursors,
    journal: Journal,
}

impl Replay {
    pub fn new(fixtures: FixtureSet, options: Options) -> Replay {
        let rendered = fixtures
            .jobs()
            .iter()
            .map(|job| job.steps.iter().map(|_| Rendered::default()).collect())
            .collect();
        let live = Mutex::new(Live {
            cursors: Cursors::default(),
            exchange_cursors: Cursors::default(),
            journal: Journal::new(options.journal_size),
        });
        Replay {
            fixtures,
            rendered,
            options,
            live,
        }
    }

    pub fn fixtures(&self) -> &FixtureSet {
        &self.fixtures
    }

    /// Answers one request. Every failure becomes an answer; nothing here takes the server down.
    pub async fn handle(self: Arc<Self>, request: Request<Incoming>) -> Response<Body> {
        let call = match Call::read(request).await {
            Ok(call) => call,
            Err(refusal) => return arcgis_error(Format::Json, refusal.code, &refusal.message),
        };
        if let Some(rest) = call.path.strip_prefix(CONTROL_PREFIX) {
            return control::handle(&self, &call, rest);
        }
        let response = self.serve_api(&call).await;
        if self.options.verbose {
            eprintln!(
                "{} {} -> {} ({})",
                call.method,
                call.path,
                response.status().as_u16(),
                call.session
            );
        }
        response
    }

    async fn serve_api(&self, call: &Call) -> Response<Body> {
        // A job poll is <context>/admin/system/jobs/<jobId> exactly; anything below a job
        // (`/cancel`) is an exchange like any other request.
        let job_route =
            call.path
                .split_once(JOBS_PATH)
                .map(|(_, after)| match after.split_once('/') {
                    Some((job_id, below)) => (job_id, Some(below)),
                    None => (after, None),
                });
        if let Some((job_id, below)) = job_route {
            if let Some(problem) = job_id_problem(job_id) {
                let message = format!("invalid job ID {job_id:?}: it {problem}");
                return self.refuse(call, None, 400, &message);
            }
            if let (Some(job_index), None) = (self.fixtures.job_index(job_id), below) {
                return self.serve_job(call, job_index).await;
            }
        }
        if let Some(index) =
            self.fixtures
                .find_exchange(call.method.as_str(), &call.path, &call.params)
        {
            return self.serve_exchange(call, index).await;
        }

        if call.method != Method::GET && call.method != Method::POST {
            return self.refuse_method(call);
        }
        let (code, message) = match job_route {
            Some((job_id, None)) => (
                404,
                format!(
                    "job {job_id} not found: no fixture at {} (GET /__jobmock/jobs lists the jobs served)",
                    self.fixtures.job_dir(job_id).display()
                ),
            ),
            Some((job_id, Some(below))) => (
                404,
                format!(
                    "no resource {below:?} under job {job_id}, and no recorded exchange for it"
                ),
            ),
            None => (
                404,
                format!(
                    "no resource at {}: it is not a job (<context>/admin/system/jobs/<jobId>) and \
                     no recorded exchange answers {} {} with these parameters",
                    call.path, call.method, call.path
                ),
            ),
        };
        let job = job_route.map(|(job_id, _)| job_id);
        self.refuse(call, job, code, &message)
    }

    async fn serve_job(&self, call: &Call, job_index: usize) -> Response<Body> {
        let format = match Format::parse(call.param("f")) {
            Ok(format) => format,
            Err(message) => return self.refuse(call, None, 400, &message),
        };
        if call.method != Method::GET && call.method != Method::POST {
            return self.refuse_method(call);
        }
        let job = self.fixtures.job(job_index);
        let step_index = self
            .next_step(
                call,
                Polled::Job(job_index, &job.id),
                &job.sequence,
                &job.steps,
            )
            .await;
        let step = &job.steps[step_index];

        let body = if step.has_origin {
            // Rare (a job that names its own URL): rendered per request, never cached, since
            // each client may reach the mock under another host name.
            let filled = self.fill_origin(call, &step.body);
            match format {
                Format::Json => filled,
                Format::Pjson => format::pretty(&filled),
                Format::Html => format::job_page(&job.id, &filled),
            }
        } else {
            let rendered = &self.rendered[job_index][step_index];
            match format {
                Format::Json => step.body.clone(),
                Format::Pjson => rendered
                    .pretty
                    .get_or_init(|| format::pretty(&step.body))
                    .clone(),
                Format::Html => rendered
                    .html
                    .get_or_init(|| format::job_page(&job.id, &step.body))
                    .clone(),
            }
        };
        answer(step, body, format.content_type())
    }

    async fn serve_exchange(&self, call: &Call, index: usize) -> Response<Body> {
        let exchange = self.fixtures.exchange(index);
        let step_index = self
            .next_step(
                call,
                Polled::Exchange(index, &exchange.name),
                &exchange.sequence,
                &exchange.steps,
            )
            .await;
        let step = &exchange.steps[step_index];
        let body = if step.has_origin {
            self.fill_origin(call, &step.body)
        } else {
            step.body.clone()
        };
        match step.kind {
            BodyKind::Json if call.param("f") == Some("pjson") => {
                answer(step, format::pretty(&body), Format::Pjson.content_type())
            }
            BodyKind::Json => answer(step, body, Format::Json.content_type()),
            BodyKind::Text => answer(step, body, "text/plain; charset=utf-8"),
        }
    }

    /// The shared part of serving a step: advance the session's cursor, note the poll in the
    /// journal (both under the lock), then wait out the step's delay (outside it).
    async fn next_step(
        &self,
        call: &Call,
        polled: Polled<'_>,
        sequence: &Sequence,
        steps: &[Step],
    ) -> usize {
        let step_index = {
            let mut live = self.lock();
            let (cursors, index) = match polled {
                Polled::Job(index, _) => (&mut live.cursors, index),
                Polled::Exchange(index, _) => (&mut live.exchange_cursors, index),
            };
            let cursor = cursors.get_mut(&call.session, index);
            let step_index = sequence.poll(cursor, Instant::now(), self.options.speed);
            let step = &steps[step_index];
            let job = match polled {
                Polled::Job(_, id) => Some(id),
                Polled::Exchange(..) => None,
            };
            let mut entry =
                call.journal_entry(job, Some(&step.file), step.http_status.as_u16(), None);
            if let Polled::Exchange(_, name) = polled {
                entry.exchange = Some(name.to_string());
            }
            live.journal.push(entry);
            step_index
        };
        let delay = steps[step_index].delay;
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        step_index
    }

    /// `body` with the recorded origin replaced by the one this client reached the mock at.
    fn fill_origin(&self, call: &Call, body: &[u8]) -> Bytes {
        let origin = format!(
            "{}://{}",
            self.options.scheme,
            call.host.as_deref().unwrap_or("localhost")
        );
        let text = String::from_utf8_lossy(body);
        Bytes::from(text.replace(ORIGIN_PLACEHOLDER, &origin))
    }

    fn refuse_method(&self, call: &Call) -> Response<Body> {
        let message = format!(
            "method {} is not supported for {}; use GET or POST",
            call.method, call.path
        );
        let mut response = self.refuse(call, None, 405, &message);
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, POST"));
        response
    }

    /// An ArcGIS error answer, noted in the journal.
    /// The error is rendered in the request's format where `f` is valid, else as JSON.
    fn refuse(&self, call: &Call, job: Option<&str>, code: u16, message: &str) -> Response<Body> {
        let format = Format::parse(call.param("f")).unwrap_or(Format::Json);
        let entry = call.journal_entry(job, None, StatusCode::OK.as_u16(), Some(code));
        self.lock().journal.push(entry);
        arcgis_error(format, code, message)
    }

    fn lock(&self) -> MutexGuard<'_, Live> {
        // A panic while the lock was held cannot leave cursors or journal half-changed in a way
        // that matters to a mock, so keep serving rather than poisoning every later request.
        self.live
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A step's answer: its status and headers over `body`, with `content_type` unless the step's
/// headers give their own.
fn answer(step: &Step, body: Bytes, content_type: &'static str) -> Response<Body> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = step.http_status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    for (name, value) in &step.headers {
        headers.insert(name.clone(), value.clone());
    }
    response
}

/// The admin API answers errors with HTTP 200 and the code in the body; clients read the body.
fn arcgis_error(format: Format, code: u16, message: &str) -> Response<Body> {
    let mut response = Response::new(Full::new(format::error_body(format, code, message)));
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    response
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as u64)
}

/// Serves `replay` on `listener` until `shutdown` completes, then lets requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    replay: Arc<Replay>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let handler = move |request: Request<Incoming>| {
        let replay = Arc::clone(&replay);
        async move { Ok::<_, Infallible>(replay.handle(request).await) }
    };
    crate::server::serve(listener, handler, shutdown).await;
}
