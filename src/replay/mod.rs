//! The replay service: answers the job resource of the ArcGIS admin API, and whatever a
//! recording holds, from a loaded fixture set; and the control API under `/__jobmock/`.
//!
//! A request is read once ([`request::Call`]), routed once ([`route::Route`]), handled by one
//! handler that returns a [`reply::Reply`], and answered in one place ([`Replay::respond`]),
//! which journals it, logs it and renders it. Which answer a poll gets is the job engine's
//! decision ([`crate::job::answer`]); accepting connections is the server's
//! ([`crate::server`]).
//!
//! # Layout
//!
//! - `request`: a request's method, path, parameters, session and token, read once.
//! - `route`: where it goes.
//! - `jobs`, `exchanges`: the handlers of the mocked API.
//! - `reply`: what a handler decides, and the one place it becomes an answer.
//! - `served`: the loaded set with its slots and renderings, and reloading it.
//! - `control`: the control API. `journal`: what was answered. `lifecycle`: created jobs.
//! - `near`: the recorded exchange or job an unmatched request came closest to.
//! - `verify`: the verification report (`GET /__jobmock/verify`), read from the journal.
//! - `body`: answers' bodies (whole or cut short). `watch`: `--watch`.
//! - `checks`: `--check-shapes`, the steps of a set checked against their shapes at load.
//! - `web`: `GET /__jobmock/ui`, the web view made from the control API's listings.
//! - `tokens`: the token service and the tokens it issued; `auth`: the check every request
//!   passes, and `generateToken`, in the request path.

mod auth;
mod body;
pub mod checks;
mod control;
mod exchanges;
mod jobs;
pub mod journal;
pub(crate) mod lifecycle;
pub mod near;
mod reply;
mod request;
mod route;
mod served;
pub mod tokens;
mod verify;
pub mod watch;
mod web;

use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::{Method, Request, Response, StatusCode};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::api::CONTROL_PREFIX;
use crate::api::format::{self, Format};
use crate::fixture::{FixtureSet, ORIGIN_PLACEHOLDER, Step};
use crate::job::{Advance, Cursors, Job};
use crate::output::note;
pub use body::Body;
use body::{Closed, full};
use journal::Journal;
use lifecycle::CreatedJobs;
use reply::{CloseConnection, Kind, Reply, response};
use request::Call;
use route::{Route, is_api_method};
use served::Reloads;
pub use served::{ReloadReport, Served};

/// How a replay server behaves, beyond its fixtures.
#[derive(Debug, Clone)]
pub struct Options {
    /// Time-based steps play this many times faster than recorded (0.5 is half as fast).
    pub speed: f64,
    /// The most entries the request journal keeps.
    pub journal_size: usize,
    /// Print one line per answered request on stderr.
    pub verbose: bool,
    /// The scheme clients reach this server with, for URLs in answers that name the server.
    pub scheme: &'static str,
    /// Shift fixture jobs' `startTime`/`endTime` so that a session's first answer is now.
    pub rebase_time: bool,
    /// Which tokens requests must carry.
    pub auth: Auth,
    /// The token control requests must carry (`--control-token`), if any.
    pub control_token: Option<String>,
    /// The most jobs created by clients kept at once; the oldest are forgotten first.
    pub max_created_jobs: usize,
    /// The most sessions with cursors at once; the least recently used are forgotten first.
    pub max_sessions: usize,
    /// The largest request body read; a larger one is answered 413.
    pub max_body_bytes: usize,
    /// Make every job and exchange advance this way, whatever its script says.
    pub advance: Option<Advance>,
    /// Re-read the fixture set when its files change.
    pub watch: bool,
    /// What one client may take of the server.
    pub limits: crate::server::Limits,
    /// `--strict`: a request nothing answers gets HTTP 400 and is printed, and the server
    /// exits 1 at shutdown if there was any.
    pub strict: bool,
    /// The users of the set's `users.json` ([`tokens::read_users`]), read by the caller (a
    /// reload reads them again).
    pub set_users: Vec<tokens::User>,
    /// `--check-shapes`: what a reload does with steps that differ from their shapes. The set
    /// a server starts with is its caller's to check ([`checks::check`]): `jobmock replay`
    /// refuses before it listens, and warns from beside the server once it does.
    pub check_shapes: checks::CheckShapes,
}

/// `--require-token`, `--token`, `--user` and `--token-lifetime`.
pub type Auth = tokens::TokenOptions;

impl Default for Options {
    fn default() -> Options {
        Options {
            speed: 1.0,
            journal_size: 1000,
            verbose: false,
            scheme: "http",
            rebase_time: false,
            auth: Auth::default(),
            control_token: None,
            max_created_jobs: 10_000,
            max_sessions: 10_000,
            max_body_bytes: 1024 * 1024,
            advance: None,
            watch: false,
            limits: crate::server::Limits::default(),
            strict: false,
            set_users: Vec::new(),
            check_shapes: checks::CheckShapes::Warn,
        }
    }
}

/// A replay server's state: the fixture set it serves (swapped whole by a reload) and the
/// cursors, created jobs and journal (behind one lock, held only to pick a step and note the
/// request, never across an await).
pub struct Replay {
    served: RwLock<Arc<Served>>,
    options: Options,
    live: Mutex<Live>,
    /// The token service, and the tokens it issued.
    tokens: tokens::Tokens,
    /// Apart from the cursors: every request notes itself here, and one lock for both would be
    /// taken twice per request by every worker.
    journal: Mutex<Journal>,
    /// Held for the whole of a reload, so that two reloads do not interleave.
    reloading: Mutex<()>,
    /// How many requests nothing answered (see [`Replay::unmatched_served`]).
    unmatched: std::sync::atomic::AtomicU64,
}

/// What cursors belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    /// A fixture job, by slot ([`Served::job_slots`]).
    Fixture(usize),
    /// A created job, by its slot among the created jobs.
    Created(usize),
    /// A recorded exchange, by slot ([`Served::exchange_slots`]).
    Exchange(usize),
}

struct Live {
    /// Every session's cursors, and the fixture jobs each deleted (`deleteAll`), bounded.
    cursors: Cursors<Key>,
    created: CreatedJobs,
    reloads: Reloads,
    /// The generation of the set served now: a request that started with an older one and
    /// would move a cursor starts again with this one (see [`Stale`]).
    generation: u64,
}

/// A handler's finding, once it held the lock, that a reload replaced the set it started with:
/// [`Replay::handle`] serves the request again with the new set, so that no cursor is moved by
/// a job's old steps.
pub(crate) struct Stale;

/// A job found by ID for a session.
enum Found<'a> {
    Fixture {
        index: usize,
        slot: usize,
        job: &'a Job,
    },
    Created {
        slot: usize,
        job: Arc<Job>,
    },
}

impl Found<'_> {
    fn job(&self) -> &Job {
        match self {
            Found::Fixture { job, .. } => job,
            Found::Created { job, .. } => job,
        }
    }

    fn key(&self) -> Key {
        match self {
            Found::Fixture { slot, .. } => Key::Fixture(*slot),
            Found::Created { slot, .. } => Key::Created(*slot),
        }
    }

    fn is_created(&self) -> bool {
        matches!(self, Found::Created { .. })
    }
}

impl Replay {
    pub fn new(mut fixtures: FixtureSet, options: Options) -> Replay {
        if let Some(advance) = options.advance {
            fixtures.set_advance(advance);
        }
        let live = Mutex::new(Live {
            cursors: Cursors::new(options.max_sessions),
            created: CreatedJobs::new(options.max_created_jobs),
            reloads: Reloads::default(),
            generation: 0,
        });
        let set_users = options.set_users.clone();
        Replay {
            tokens: tokens::Tokens::new(options.auth.clone(), set_users, options.speed),
            served: RwLock::new(Arc::new(Served::new(fixtures, None))),
            journal: Mutex::new(Journal::new(options.journal_size)),
            options,
            live,
            reloading: Mutex::new(()),
            unmatched: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// How many requests nothing answered since the server started: with `--strict`, replay
    /// exits 1 at shutdown when there were any.
    pub fn unmatched_served(&self) -> u64 {
        self.unmatched.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The fixture set served now.
    pub fn served(&self) -> Arc<Served> {
        Arc::clone(
            &self
                .served
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        )
    }

    /// Answers one request; `Err` closes the connection with no answer (a scripted `close`).
    /// Every failure becomes an answer; nothing here takes the server down.
    pub async fn handle(
        self: Arc<Self>,
        request: Request<Incoming>,
    ) -> Result<Response<Body>, CloseConnection> {
        if let Some(refusal) = self.options.limits.refuse_head(&request) {
            let mut answer = refused(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, 431, &refusal);
            // As hyper does with a head past its buffer: nothing more is read from this client.
            answer
                .headers_mut()
                .insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
            return Ok(answer);
        }
        let call = match Call::read(
            request,
            self.options.max_body_bytes,
            self.options.limits.header_read_timeout,
        )
        .await
        {
            Ok(call) => call,
            Err(refusal) => return Ok(refused(refusal.status, refusal.code, &refusal.message)),
        };
        if let Some(rest) = call.path().strip_prefix(CONTROL_PREFIX) {
            return Ok(control::handle(&self, &call, rest).await);
        }
        // Parsed once: a handler that answers in a format takes it; errors are rendered in it,
        // or as JSON where `f` is not a format.
        let format = Format::parse(call.param("f"));
        let shown = format.clone().unwrap_or(Format::Json);
        let reply = if call.method == Method::CONNECT {
            // An answer of 200 to CONNECT would mean "tunnel established".
            Reply::refused(
                StatusCode::METHOD_NOT_ALLOWED,
                "CONNECT is not supported: jobmock replay is a server, not a proxy; send GET or POST",
            )
        } else if let Some(reply) = self.generate_token(&call) {
            reply
        } else if let Some(refusal) = self.check_token(&call) {
            refusal
        } else {
            loop {
                // Again with the new set if a reload replaced it meanwhile (rare: once at most
                // per reload).
                let served = self.served();
                let format = format.as_ref().copied().map_err(String::as_str);
                if let Ok(reply) = self.dispatch(&served, &call, format).await {
                    break if reply.note.served_by.matched() {
                        reply
                    } else {
                        self.unmatched(&served, &call, reply)
                    };
                }
            }
        };
        self.respond(&call, shown, reply)
    }

    /// A request nothing answered: counted, given its near miss (named in its answer), and with
    /// `--strict` answered so that no client takes it for a success, and printed.
    fn unmatched(&self, served: &Served, call: &Call, mut reply: Reply) -> Reply {
        self.unmatched
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let near = near::find(
            &served.fixtures,
            call.method.as_str(),
            call.path(),
            &call.params,
        );
        let hint = near.as_ref().map(near::NearMiss::describe);
        if let Kind::AdminError { message, .. } = &mut reply.kind {
            if self.options.strict {
                note!(
                    "jobmock: unmatched (--strict): {} {} (session {:?}): {message}{}",
                    call.method,
                    call.journal_target(),
                    &*call.session,
                    hint.as_deref()
                        .map(|hint| format!("; {hint}"))
                        .unwrap_or_default()
                );
                reply.note.error_code = Some(400);
                reply.kind = Kind::Strict {
                    message: format!("jobmock --strict: unmatched request: {message}"),
                    details: hint.into_iter().collect(),
                };
            } else if let Some(hint) = hint {
                message.push_str("; ");
                message.push_str(&hint);
            }
        }
        reply.note.near_miss = near.map(Arc::new);
        reply
    }

    /// The handler a request of the mocked API goes to.
    async fn dispatch(
        &self,
        served: &Served,
        call: &Call,
        format: Result<Format, &str>,
    ) -> Result<Reply, Stale> {
        let flavour = served.fixtures.flavour();
        let route = Route::parse(call.path(), flavour);
        let bad_format = |message: &str| Reply::refusal(None, 400, message);
        match route {
            Route::BadJobId { id } => {
                let problem = crate::api::job_id_problem(id).unwrap_or_default();
                return Ok(Reply::refusal(
                    None,
                    400,
                    format!("invalid job ID {id:?}: it {problem}"),
                ));
            }
            Route::Job { id } => {
                // A fixture job is found without the lock; only created jobs live behind it.
                let found = served.fixture_job(id).or_else(|| {
                    self.lock()
                        .created
                        .find(id)
                        .map(|(slot, created)| Found::Created {
                            slot,
                            job: Arc::clone(&created.job),
                        })
                });
                if let Some(found) = found {
                    let format = match format {
                        Ok(format) => format,
                        Err(message) => return Ok(bad_format(message)),
                    };
                    if !is_api_method(&call.method) {
                        return Ok(self.method_refusal(call));
                    }
                    return self.poll_job(served, call, format, found).await;
                }
            }
            _ => {}
        }
        // A recorded exchange answers before the built-in operations: it is what a real server
        // said.
        // GET and POST alike, but for the operations the server takes by POST only.
        if let Some(index) = served.fixtures.find_exchange(
            call.method.as_str(),
            call.path(),
            &call.params,
            !route.is_post_only(),
        ) {
            return self.serve_exchange(served, call, index).await;
        }
        if !is_api_method(&call.method) {
            return Ok(self.method_refusal(call));
        }
        if route.is_post_only() && call.method != Method::POST {
            // The server takes its state-changing operations by POST only.
            let message = format!(
                "{} changes the server's state and takes POST only, not {}",
                call.path(),
                call.method
            );
            return Ok(Reply::refusal(route.job(), 405, message));
        }
        if let Err(message) = format {
            return Ok(Reply::refusal(route.job(), 400, message));
        }
        Ok(match route {
            Route::Create { context, job_type } => self.create_job(served, call, context, job_type),
            Route::List => self.list_jobs(served, call),
            Route::DeleteAll => return self.delete_all(served, call),
            Route::Cancel { id } => return self.cancel(served, call, id),
            Route::Job { id } => Reply::unmatched(
                Some(id),
                404,
                format!(
                    "job {id} not found: no fixture at {} (GET /__jobmock/jobs lists the jobs served)",
                    served.fixtures.job_dir(id).display()
                ),
            ),
            Route::BelowJob { id, below } => Reply::unmatched(
                Some(id),
                404,
                format!("no resource {below:?} under job {id}, and no recorded exchange for it"),
            ),
            // Clients differ in whether they ask the Portal's root (arcgis 2.4.2 does, 2.4.4
            // does not): a set recorded with one answers the others from its own version.
            Route::Other
                if is_sharing_root(call.path())
                    && let Some(version) = served.fixtures.portal_version() =>
            {
                Reply::value(
                    None,
                    serde_json::json!({ "currentVersion": version }),
                    "Portal",
                    journal::ServedBy::PortalRoot,
                )
            }
            Route::Other | Route::BadJobId { .. } => Reply::unmatched(
                None,
                404,
                format!(
                    "no resource at {}: it is not a job ({}{}) and no recorded exchange answers \
                     {} {} with these parameters",
                    call.path(),
                    flavour.job_path_pattern(),
                    match flavour {
                        crate::api::Flavour::NotebookServer => String::new(),
                        // Say why a Notebook Server path is not served here.
                        other => format!(", the job path of {}", other.product()),
                    },
                    call.method,
                    call.path()
                ),
            ),
        })
    }

    fn method_refusal(&self, call: &Call) -> Reply {
        Reply::refused(
            StatusCode::METHOD_NOT_ALLOWED,
            format!(
                "method {} is not supported for {}; use GET or POST",
                call.method,
                call.path()
            ),
        )
    }

    /// A step's answer: its status and headers over `body` in `content_type` (unless the step's
    /// headers give their own); a recorded header that names the server (a redirect's
    /// `Location`) names this one.
    fn step_kind(&self, call: &Call, step: &Step, body: Bytes, content_type: &'static str) -> Kind {
        let headers = step
            .headers
            .iter()
            .map(|(name, value)| {
                let filled = value
                    .to_str()
                    .ok()
                    .filter(|text| text.contains(ORIGIN_PLACEHOLDER))
                    .and_then(|text| {
                        HeaderValue::from_str(&text.replace(ORIGIN_PLACEHOLDER, &self.origin(call)))
                            .ok()
                    });
                (name.clone(), filled.unwrap_or_else(|| value.clone()))
            })
            .collect();
        Kind::Body {
            status: step.http_status,
            content_type,
            headers,
            body,
        }
    }

    /// The origin this client reached the mock at (`http://127.0.0.1:8080`), with the session
    /// prefix it sent (`…/__session/<name>`), so that URLs built on it keep the client in its
    /// session.
    fn origin(&self, call: &Call) -> String {
        format!(
            "{}://{}{}",
            self.options.scheme,
            call.host().as_deref().unwrap_or("localhost"),
            call.session_prefix()
        )
    }

    /// `body` with the recorded origin replaced by the one this client reached the mock at.
    fn fill_origin(&self, call: &Call, body: &[u8]) -> Bytes {
        let text = String::from_utf8_lossy(body);
        Bytes::from(text.replace(ORIGIN_PLACEHOLDER, &self.origin(call)))
    }

    fn journal(&self) -> MutexGuard<'_, Journal> {
        self.journal
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lock(&self) -> MutexGuard<'_, Live> {
        // A panic while the lock was held cannot leave cursors or journal half-changed in a way
        // that matters to a mock, so keep serving rather than poisoning every later request.
        self.live
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A request refused before it was read whole (its head or body too large or too slow), with a
/// real HTTP status: it never reached the mocked API, so it is not journaled.
fn refused(status: StatusCode, code: u16, message: &str) -> Response<Body> {
    response(
        status,
        Format::Json.content_type(),
        full(format::error_body(Format::Json, code, message)),
    )
}

/// Serves `replay` on `listener` (over TLS when `tls` is given) until `shutdown` completes,
/// then lets requests in flight finish. With `--watch`, the fixture set is reloaded when its
/// files change.
pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    replay: Arc<Replay>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    if replay.options.watch {
        tokio::spawn(watch::watch(Arc::clone(&replay), watch::INTERVAL));
    }
    let limits = replay.options.limits;
    let handler = move |request| answer_or_close(Arc::clone(&replay), request);
    crate::server::serve(listener, tls, limits, handler, shutdown).await;
}

/// Serves `replay` on one connection of any byte stream: for fuzzing the request path without
/// a socket.
pub async fn serve_io<IO>(io: IO, replay: Arc<Replay>)
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    // As each accepted connection is served (`server::serve`), without the socket.
    let http = replay.options.limits.http();
    let handler = move |request| answer_or_close(Arc::clone(&replay), request);
    let _ = http
        .serve_connection(
            hyper_util::rt::TokioIo::new(io),
            hyper::service::service_fn(handler),
        )
        .await;
}

/// One request's answer; a scripted `close` fault closes the connection instead.
async fn answer_or_close(
    replay: Arc<Replay>,
    request: Request<Incoming>,
) -> Result<Response<Body>, Closed> {
    replay
        .handle(request)
        .await
        .map_err(|CloseConnection| Closed)
}

/// Whether `path` is a Portal's sharing root (`/portal/sharing/rest`, with or without its slash).
fn is_sharing_root(path: &str) -> bool {
    path.trim_end_matches('/').ends_with("/sharing/rest")
}
