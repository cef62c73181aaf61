//! The replay service: answers the job resource of the ArcGIS admin API from a loaded fixture
//! set, and the control API under `/__jobmock/`.
//!
//! This module owns routing, request parameters, sessions and the answer's format; which step a
//! poll gets is the job engine's ([`crate::job`]) decision, and accepting connections is the
//! server's ([`crate::server`]).

mod body;
mod control;
pub mod format;
pub mod journal;
pub(crate) mod lifecycle;
mod request;
pub mod watch;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::fixture::{BodyKind, Fault, FixtureSet, Job, ORIGIN_PLACEHOLDER, Step};
use crate::job::{Advance, Cursors, job_id_problem};
pub use body::Body;
use body::{CloseConnection, Closed, Truncated, full};
use format::Format;
use journal::Journal;
use lifecycle::{Created, CreatedJobs};
use request::Call;

/// Where the job resource sits, after any context path (`/arcgis`, a Web Adaptor name, …).
const JOBS_PATH: &str = "/admin/system/jobs/";

/// Where the job operations sit, after any context path.
const NOTEBOOKS_PATH: &str = "/admin/notebooks/";

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
    /// The scheme clients reach this server with, for URLs in answers that name the server.
    pub scheme: &'static str,
    /// Shift fixture jobs' `startTime`/`endTime` so that a session's first answer is now.
    pub rebase_time: bool,
    /// Which tokens requests must carry.
    pub auth: Auth,
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
}

/// `--require-token` and `--token`.
#[derive(Debug, Clone, Default)]
pub struct Auth {
    /// Requests without a token get "Token Required" (499).
    pub required: bool,
    /// When not empty, a token not in this list gets "Invalid token" (498).
    pub tokens: Vec<String>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            speed: 1.0,
            journal_size: 1000,
            verbose: false,
            scheme: "http",
            rebase_time: false,
            auth: Auth::default(),
            max_created_jobs: 10_000,
            max_sessions: 10_000,
            max_body_bytes: 1024 * 1024,
            advance: None,
            watch: false,
            limits: crate::server::Limits::default(),
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
    /// Held for the whole of a reload, so that two reloads do not interleave.
    reloading: Mutex<()>,
}

/// One loaded fixture set, as a request sees it from start to end: a reload makes a new one
/// and leaves requests in flight with the one they started with.
pub struct Served {
    fixtures: FixtureSet,
    /// Per fixture job and step, the pretty and HTML renderings, made on first use: most steps
    /// are only ever asked for in one format, so rendering all of them at load would waste
    /// memory.
    rendered: Vec<Box<[Rendered]>>,
    /// Per fixture job (by index in the set), the slot its cursors are kept under. A job keeps
    /// its slot across reloads, so a job whose files did not change keeps its cursors.
    job_slots: Vec<usize>,
    /// The same for exchanges.
    exchange_slots: Vec<usize>,
    /// Every job ID and exchange name ever served, with its slot.
    slots: HashMap<Named, usize>,
    /// Counts the sets served: 0 at start, one more per reload.
    generation: u64,
}

impl Served {
    /// `fixtures`, with the slots of `previous` for the jobs and exchanges it had.
    fn new(fixtures: FixtureSet, previous: Option<&Served>) -> Served {
        let rendered = fixtures
            .jobs()
            .iter()
            .map(|job| job.steps.iter().map(|_| Rendered::default()).collect())
            .collect();
        let mut slots = previous.map_or_else(HashMap::new, |previous| previous.slots.clone());
        let mut slot_of = |named: Named| {
            let next = slots.len();
            *slots.entry(named).or_insert(next)
        };
        let job_slots = fixtures
            .jobs()
            .iter()
            .map(|job| slot_of(Named::Job(Arc::clone(&job.id))))
            .collect();
        let exchange_slots = fixtures
            .exchanges()
            .iter()
            .map(|exchange| slot_of(Named::Exchange(Arc::clone(&exchange.name))))
            .collect();
        Served {
            fixtures,
            rendered,
            job_slots,
            exchange_slots,
            slots,
            generation: previous.map_or(0, |previous| previous.generation + 1),
        }
    }

    pub fn fixtures(&self) -> &FixtureSet {
        &self.fixtures
    }

    /// What changed from `old` to this set, and the keys whose cursors stay: those of the jobs
    /// and exchanges that are the same as before.
    fn compare(&self, old: &Served) -> (ReloadReport, HashSet<Key>) {
        let mut report = ReloadReport::default();
        let mut kept = HashSet::new();
        for (index, job) in self.fixtures.jobs().iter().enumerate() {
            match old.fixtures.job_index(&job.id) {
                Some(before) if *old.fixtures.job(before) == *job => {
                    report.unchanged += 1;
                    kept.insert(Key::Fixture(self.job_slots[index]));
                }
                Some(_) => report.changed += 1,
                None => report.added += 1,
            }
        }
        let old_exchanges: HashMap<&str, &crate::fixture::Exchange> = old
            .fixtures
            .exchanges()
            .iter()
            .map(|exchange| (&*exchange.name, exchange))
            .collect();
        for (index, exchange) in self.fixtures.exchanges().iter().enumerate() {
            match old_exchanges.get(&*exchange.name) {
                Some(before) if *before == exchange => {
                    report.unchanged += 1;
                    kept.insert(Key::Exchange(self.exchange_slots[index]));
                }
                Some(_) => report.changed += 1,
                None => report.added += 1,
            }
        }
        let new_exchanges: HashSet<&str> = self
            .fixtures
            .exchanges()
            .iter()
            .map(|exchange| &*exchange.name)
            .collect();
        report.removed = old
            .fixtures
            .jobs()
            .iter()
            .filter(|job| self.fixtures.job_index(&job.id).is_none())
            .count()
            + old_exchanges
                .keys()
                .filter(|name| !new_exchanges.contains(*name))
                .count();
        (report, kept)
    }

    /// The fixture job `id`.
    fn fixture_job(&self, id: &str) -> Option<Found<'_>> {
        let index = self.fixtures.job_index(id)?;
        Some(Found::Fixture {
            index,
            slot: self.job_slots[index],
            job: self.fixtures.job(index),
        })
    }
}

/// What a slot is kept for: a job by ID, or an exchange by name.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Named {
    Job(Arc<str>),
    Exchange(Arc<str>),
}

#[derive(Default)]
struct Rendered {
    pretty: OnceLock<Bytes>,
    html: OnceLock<Bytes>,
}

/// What a cursor belongs to.
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
    journal: Journal,
    created: CreatedJobs,
    reloads: Reloads,
    /// The generation of the set served now: a request that started with an older one and
    /// would move a cursor starts again with this one (see [`Stale`]).
    generation: u64,
}

/// Marks the answer of a request that found, once it held the lock, that a reload had
/// replaced the set it started with: [`Replay::handle`] serves it again with the new set, so
/// that no cursor is moved by a job's old steps.
#[derive(Clone, Copy)]
struct Stale;

fn stale() -> Response<Body> {
    let mut response = Response::new(full(Bytes::new()));
    response.extensions_mut().insert(Stale);
    response
}

/// What reloads did, for `GET /__jobmock/health`.
#[derive(Default)]
struct Reloads {
    done: u64,
    failed: u64,
    last_error: Option<String>,
    /// With `--watch`: the folder's fingerprint taken just before the set served (or the last
    /// one refused) was read, so the watcher knows what it has seen loaded.
    fingerprint: Option<u64>,
}

/// What a reload changed: jobs and exchanges kept as they were (with their cursors), changed
/// (cursors reset), added and removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ReloadReport {
    pub unchanged: usize,
    pub changed: usize,
    pub added: usize,
    pub removed: usize,
}

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

/// Which answer a poll of a job gets.
enum Chosen {
    Step(usize),
    OnCancel,
    /// A fault aimed at this poll; the step it stands in for is only used to truncate.
    Fault(Fault, usize),
}

/// What an answer's body needs beyond the stored step.
#[derive(Default, Clone, Copy)]
struct Patches {
    cancelled: bool,
    time_shift_ms: Option<i64>,
    /// A created job's `endTime`: when the session first saw it end, not the template's.
    ended_ms: Option<i64>,
}

impl Replay {
    pub fn new(mut fixtures: FixtureSet, options: Options) -> Replay {
        if let Some(advance) = options.advance {
            fixtures.set_advance(advance);
        }
        let live = Mutex::new(Live {
            cursors: Cursors::new(options.max_sessions),
            journal: Journal::new(options.journal_size),
            created: CreatedJobs::new(options.max_created_jobs),
            reloads: Reloads::default(),
            generation: 0,
        });
        Replay {
            served: RwLock::new(Arc::new(Served::new(fixtures, None))),
            options,
            live,
            reloading: Mutex::new(()),
        }
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

    /// Reads the fixture set again from its folder and serves it from now on. Jobs and
    /// exchanges whose files did not change keep their cursors in every session; the others
    /// start again. When the set does not load, the error is returned and the set served so far
    /// goes on being served: never a half-loaded one.
    pub fn reload(&self) -> crate::error::Result<ReloadReport> {
        let _one_at_a_time = self
            .reloading
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let old = self.served();
        // Taken before the folder is read: a change made while it loads is seen as a change.
        let fingerprint = self
            .options
            .watch
            .then(|| watch::fingerprint(old.fixtures.root()));
        let loaded = FixtureSet::load(old.fixtures.root()).map(|mut fixtures| {
            if let Some(advance) = self.options.advance {
                fixtures.set_advance(advance);
            }
            fixtures
        });
        let fixtures = match loaded {
            Ok(fixtures) => fixtures,
            Err(err) => {
                let mut live = self.lock();
                live.reloads.failed += 1;
                live.reloads.last_error = Some(crate::error::report(&err));
                live.reloads.fingerprint = fingerprint.or(live.reloads.fingerprint);
                return Err(err);
            }
        };
        let new = Served::new(fixtures, Some(&old));

        let (report, kept) = new.compare(&old);

        // Swapped under the lock of the cursors: no poll sees the new set with the old
        // cursors of a job that changed.
        let new_generation = new.generation;
        let mut live = self.lock();
        live.cursors.retain(|key| match key {
            Key::Created(_) => true,
            key => kept.contains(&key),
        });
        *self
            .served
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(new);
        live.generation = new_generation;
        live.reloads.done += 1;
        live.reloads.last_error = None;
        live.reloads.fingerprint = fingerprint.or(live.reloads.fingerprint);
        Ok(report)
    }

    /// Notes the fingerprint of the fixture folder ([`watch::fingerprint`]) taken just before
    /// the set this server started with was read, for `--watch`.
    pub fn note_loaded_fingerprint(&self, fingerprint: u64) {
        self.lock().reloads.fingerprint = Some(fingerprint);
    }

    fn loaded_fingerprint(&self) -> Option<u64> {
        self.lock().reloads.fingerprint
    }

    /// Answers one request. Every failure becomes an answer; nothing here takes the server down.
    pub async fn handle(self: Arc<Self>, request: Request<Incoming>) -> Response<Body> {
        let call = match Call::read(
            request,
            self.options.max_body_bytes,
            self.options.limits.header_read_timeout,
        )
        .await
        {
            Ok(call) => call,
            Err(refusal) => {
                let mut response = arcgis_error(Format::Json, refusal.code, &refusal.message);
                *response.status_mut() = refusal.status;
                return response;
            }
        };
        if let Some(rest) = call.path().strip_prefix(CONTROL_PREFIX) {
            if rest == "reload" && call.method == Method::POST {
                let replay = Arc::clone(&self);
                let reloaded = tokio::task::spawn_blocking(move || replay.reload()).await;
                return control::reloaded(reloaded.unwrap_or_else(|_| {
                    Err(crate::error::Error::Usage {
                        message: "the reload stopped unexpectedly".to_string(),
                    })
                }));
            }
            return control::handle(&self, &self.served(), &call, rest);
        }
        let response = match self.check_token(&call) {
            Some(refusal) => refusal,
            None => loop {
                // Again with the new set if a reload replaced it meanwhile (rare: once at most
                // per reload).
                let served = self.served();
                let response = self.serve_api(&served, &call).await;
                if response.extensions().get::<Stale>().is_none() {
                    break response;
                }
            },
        };
        if self.options.verbose {
            eprintln!(
                "{} {} -> {} ({})",
                call.method,
                call.path(),
                response.status().as_u16(),
                call.session
            );
        }
        response
    }

    /// `--require-token` and `--token`: the ArcGIS answer for a missing or unknown token, in
    /// the Portal's error shape under `/sharing/`, the admin API's elsewhere.
    fn check_token(&self, call: &Call) -> Option<Response<Body>> {
        let auth = &self.options.auth;
        if !auth.required && auth.tokens.is_empty() {
            return None;
        }
        let (code, admin_message, portal_message) = match &call.token {
            None => (499, "Token Required.", "Token Required"),
            Some(token) if !auth.tokens.is_empty() && !auth.tokens.contains(token) => {
                (498, "Invalid token.", "Invalid token.")
            }
            Some(_) => return None,
        };
        let entry = call.journal_entry(None, None, 200, Some(code));
        self.lock().journal.push(entry);
        let format = Format::parse(call.param("f")).unwrap_or(Format::Json);
        Some(if call.path().contains("/sharing/") {
            portal_error(format, code, portal_message)
        } else {
            arcgis_error(format, code, admin_message)
        })
    }

    async fn serve_api(&self, served: &Served, call: &Call) -> Response<Body> {
        // A job poll is <context>/admin/system/jobs/<jobId> exactly.
        let job_route = job_route(call.path());
        if let Some((job_id, below)) = job_route {
            if let Some(problem) = job_id_problem(job_id) {
                let message = format!("invalid job ID {job_id:?}: it {problem}");
                return self.refuse(call, None, 400, &message);
            }
            if below.is_none() {
                // A fixture job is found without the lock; only created jobs live behind it.
                let found = match served.fixture_job(job_id) {
                    Some(found) => Some(found),
                    None => {
                        self.lock()
                            .created
                            .find(job_id)
                            .map(|(slot, created)| Found::Created {
                                slot,
                                job: Arc::clone(&created.job),
                            })
                    }
                };
                if let Some(found) = found {
                    return self.serve_job(served, call, found).await;
                }
            }
        }
        // A recorded exchange answers before the built-in operations: it is what a real
        // server said.
        if let Some(index) =
            served
                .fixtures
                .find_exchange(call.method.as_str(), call.path(), &call.params)
        {
            return self.serve_exchange(served, call, index).await;
        }

        if call.method != Method::GET && call.method != Method::POST {
            return self.refuse_method(call);
        }
        if let Some((context, operation)) = call.path().split_once(NOTEBOOKS_PATH)
            && let Some((_, job_type)) = lifecycle::OPERATIONS
                .iter()
                .find(|(name, _)| *name == operation)
        {
            return self.create_job(served, call, context, job_type);
        }
        if call.path().ends_with("/admin/system/jobs") || call.path().ends_with(JOBS_PATH) {
            return self.list_jobs(served, call);
        }
        match job_route {
            Some(("deleteAll", None)) => return self.delete_all(served, call),
            Some((job_id, Some("cancel"))) => return self.cancel(served, call, job_id),
            _ => {}
        }

        let (code, message) = match job_route {
            Some((job_id, None)) => (
                404,
                format!(
                    "job {job_id} not found: no fixture at {} (GET /__jobmock/jobs lists the jobs served)",
                    served.fixtures.job_dir(job_id).display()
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
                    call.path(),
                    call.method,
                    call.path()
                ),
            ),
        };
        let job = job_route.map(|(job_id, _)| job_id);
        self.refuse(call, job, code, &message)
    }

    /// The job `id` as `session` sees it: a fixture job it has not deleted, or a job it (or
    /// another session) created.
    fn find_job<'a>(
        &self,
        served: &'a Served,
        live: &Live,
        session: &str,
        id: &str,
    ) -> Option<Found<'a>> {
        match served.fixture_job(id) {
            Some(found) => (!live.cursors.is_hidden(session, found.key())).then_some(found),
            None => self.lookup(served, live, id),
        }
    }

    /// The job `id`, whichever session sees it: for the control API.
    fn lookup<'a>(&self, served: &'a Served, live: &Live, id: &str) -> Option<Found<'a>> {
        served.fixture_job(id).or_else(|| {
            live.created.find(id).map(|(slot, created)| Found::Created {
                slot,
                job: Arc::clone(&created.job),
            })
        })
    }

    async fn serve_job(&self, served: &Served, call: &Call, found: Found<'_>) -> Response<Body> {
        let format = match Format::parse(call.param("f")) {
            Ok(format) => format,
            Err(message) => return self.refuse(call, None, 400, &message),
        };
        if call.method != Method::GET && call.method != Method::POST {
            return self.refuse_method(call);
        }
        let job = found.job();
        let (chosen, patches, pause) = {
            let mut live = self.lock();
            if live.generation != served.generation {
                return stale();
            }
            if live.cursors.is_hidden(&call.session, found.key()) {
                drop(live);
                let message = format!(
                    "job {} not found: it was deleted (deleteAll) in this session",
                    job.id
                );
                return self.refuse(call, Some(&job.id), 404, &message);
            }
            let cursor = live.cursors.get_mut(&call.session, found.key());
            let now = Instant::now();
            let poll_number = cursor.polls() + 1;
            // Sorted by poll at load: a script may aim many faults, each looked up in log time.
            let first = job
                .poll_faults
                .partition_point(|(poll, _)| *poll < poll_number);
            let aimed = job
                .poll_faults
                .get(first)
                .filter(|(poll, _)| *poll == poll_number);
            // A delay aimed at this poll slows the usual answer; other faults replace it.
            let mut pause = Duration::ZERO;
            let aimed = match aimed {
                Some((_, Fault::Delay(delay))) => {
                    pause = *delay;
                    None
                }
                other => other,
            };
            let chosen = if let Some((_, fault)) = aimed {
                cursor.count_poll();
                Chosen::Fault(
                    fault.clone(),
                    job.sequence.peek(cursor, now, self.options.speed),
                )
            } else if cursor.is_cancelled() && job.on_cancel.is_some() {
                cursor.count_poll();
                Chosen::OnCancel
            } else {
                Chosen::Step(job.sequence.poll(cursor, now, self.options.speed))
            };
            let rebase = self.options.rebase_time && !found.is_created();
            let served_ends = match &chosen {
                Chosen::Step(index) => job.steps[*index].has_end_time,
                Chosen::OnCancel => job.on_cancel.as_ref().is_some_and(|step| step.has_end_time),
                Chosen::Fault(..) => false,
            };
            let created = found.is_created();
            let patches = Patches {
                cancelled: cursor.is_cancelled(),
                time_shift_ms: rebase.then(|| {
                    cursor.time_shift_ms(|| {
                        now_ms() as i64 - first_start_time(job).unwrap_or(now_ms() as i64)
                    })
                }),
                ended_ms: (created && served_ends).then(|| cursor.ended_ms(now_ms() as i64)),
            };
            let described = |step: &Step| {
                let code = step.fault.as_ref().and_then(fault_code);
                (Arc::clone(&step.file), step.http_status.as_u16(), code)
            };
            let (step_file, status, code) = match &chosen {
                Chosen::Step(index) => described(&job.steps[*index]),
                Chosen::OnCancel => described(
                    job.on_cancel
                        .as_ref()
                        .expect("chosen only when there is one"),
                ),
                Chosen::Fault(fault, _) => (
                    Arc::from(format!("fault at poll {poll_number}")),
                    200,
                    fault_code(fault),
                ),
            };
            let entry =
                call.journal_entry(Some(Arc::clone(&job.id)), Some(step_file), status, code);
            live.journal.push(entry);
            (chosen, patches, pause)
        };

        let (step, step_index) = match &chosen {
            Chosen::Step(index) => (&job.steps[*index], Some(*index)),
            Chosen::OnCancel => (
                job.on_cancel
                    .as_ref()
                    .expect("chosen only when there is one"),
                None,
            ),
            Chosen::Fault(fault, would_be) => {
                let whole = self.job_body(
                    served,
                    call,
                    &found,
                    &job.steps[*would_be],
                    Some(*would_be),
                    format,
                    patches,
                );
                return fault_answer(fault, format, whole);
            }
        };
        let delay = step.delay + pause;
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let body = self.job_body(served, call, &found, step, step_index, format, patches);
        match &step.fault {
            Some(fault) => fault_answer(fault, format, body),
            None => self.answer(call, step, body, format.content_type()),
        }
    }

    /// A job step's body in `format`, with what this session needs changed in it.
    #[allow(clippy::too_many_arguments)]
    fn job_body(
        &self,
        served: &Served,
        call: &Call,
        found: &Found<'_>,
        step: &Step,
        step_index: Option<usize>,
        format: Format,
        patches: Patches,
    ) -> Bytes {
        let job_id = &found.job().id;
        let plain = !step.has_origin
            && !patches.cancelled
            && patches.time_shift_ms.is_none()
            && patches.ended_ms.is_none();
        if let (true, Found::Fixture { index, .. }, Some(step_index)) = (plain, found, step_index) {
            let rendered = &served.rendered[*index][step_index];
            return match format {
                Format::Json => step.body.clone(),
                Format::Pjson => rendered
                    .pretty
                    .get_or_init(|| format::pretty(&step.body))
                    .clone(),
                Format::Html => rendered
                    .html
                    .get_or_init(|| format::job_page(job_id, &step.body))
                    .clone(),
            };
        }
        // Rendered per request: a created job, a cancelled one, rebased times, or a body that
        // names the server (each client may reach the mock under another host name).
        let body = if step.has_origin {
            self.fill_origin(call, &step.body)
        } else {
            step.body.clone()
        };
        let body =
            if patches.cancelled || patches.time_shift_ms.is_some() || patches.ended_ms.is_some() {
                let mut value: Value =
                    serde_json::from_slice(&body).expect("step bodies are valid JSON");
                patch_job(&mut value, patches);
                Bytes::from(serde_json::to_vec(&value).expect("a JSON value serialises"))
            } else {
                body
            };
        match format {
            Format::Json => body,
            Format::Pjson => format::pretty(&body),
            Format::Html => format::job_page(job_id, &body),
        }
    }

    async fn serve_exchange(&self, served: &Served, call: &Call, index: usize) -> Response<Body> {
        let exchange = served.fixtures.exchange(index);
        let step_index = {
            let mut live = self.lock();
            if live.generation != served.generation {
                return stale();
            }
            let key = Key::Exchange(served.exchange_slots[index]);
            let cursor = live.cursors.get_mut(&call.session, key);
            let step_index = exchange
                .sequence
                .poll(cursor, Instant::now(), self.options.speed);
            let step = &exchange.steps[step_index];
            let mut entry = call.journal_entry(
                None,
                Some(Arc::clone(&step.file)),
                step.http_status.as_u16(),
                step.fault.as_ref().and_then(fault_code),
            );
            entry.exchange = Some(Arc::clone(&exchange.name));
            live.journal.push(entry);
            step_index
        };
        let step = &exchange.steps[step_index];
        if !step.delay.is_zero() {
            tokio::time::sleep(step.delay).await;
        }
        let body = if step.has_origin {
            self.fill_origin(call, &step.body)
        } else {
            step.body.clone()
        };
        let (body, content_type) = match step.kind {
            BodyKind::Json if call.param("f") == Some("pjson") => {
                (format::pretty(&body), Format::Pjson.content_type())
            }
            BodyKind::Json => (body, Format::Json.content_type()),
            BodyKind::Text => (body, "text/plain; charset=utf-8"),
        };
        match &step.fault {
            Some(fault) => fault_answer(
                fault,
                Format::parse(call.param("f")).unwrap_or(Format::Json),
                body,
            ),
            None => self.answer(call, step, body, content_type),
        }
    }

    /// `executeNotebook` or `openNotebook` with no recorded exchange: a new job from the
    /// template of its type, answered as the server does, with a `jobUrl` on this server.
    fn create_job(
        &self,
        served: &Served,
        call: &Call,
        context: &str,
        job_type: &str,
    ) -> Response<Body> {
        let format = match Format::parse(call.param("f")) {
            Ok(format) => format,
            Err(message) => return self.refuse(call, None, 400, &message),
        };
        let Some(template) = served.fixtures.template(job_type) else {
            let message = format!(
                "no template for {job_type} jobs: add one at {} (the shipped fixtures have one), or record this call",
                served.fixtures.template_dir(job_type).display()
            );
            return self.refuse(call, None, 400, &message);
        };
        let id = lifecycle::new_job_id();
        let job = lifecycle::make_job(template, job_type, &id, &call.params, now_ms());
        {
            let mut live = self.lock();
            let (slot, forgotten) = live.created.insert(Created {
                job: Arc::new(job),
                job_type: job_type.to_string(),
                session: call.session.to_string(),
            });
            // A reused slot starts afresh in every session.
            for stale in [Some(slot), forgotten].into_iter().flatten() {
                live.cursors.reset(None, Some(Key::Created(stale)));
            }
            let entry = call.journal_entry(Some(Arc::from(id.as_str())), None, 200, None);
            live.journal.push(entry);
        }
        let job_url = format!("{}{context}{JOBS_PATH}{id}", self.origin(call));
        render_value(
            &json!({"jobId": id, "jobUrl": job_url, "status": "success"}),
            format,
            "Job submitted",
        )
    }

    /// `…/admin/system/jobs`: the jobs this session knows, as the admin API lists them.
    fn list_jobs(&self, served: &Served, call: &Call) -> Response<Body> {
        let format = match Format::parse(call.param("f")) {
            Ok(format) => format,
            Err(message) => return self.refuse(call, None, 400, &message),
        };
        let detail = call
            .param("detail")
            .is_some_and(|d| d.eq_ignore_ascii_case("true"));
        let by_date = call
            .param("sortByDate")
            .is_some_and(|d| d.eq_ignore_ascii_case("true"));
        let num: usize = call
            .param("num")
            .and_then(|n| n.parse().ok())
            .unwrap_or(100);
        let mut jobs: Vec<Value> = {
            let live = self.lock();
            let entries = self.visible_jobs(served, &live, &call.session);
            entries
                .iter()
                .map(|(found, step)| {
                    let mut value: Value =
                        serde_json::from_slice(&step.body).unwrap_or(Value::Null);
                    let cursor = live.cursors.get(&call.session, found.key());
                    let created = found.is_created();
                    let patches = Patches {
                        cancelled: cursor.is_some_and(|c| c.is_cancelled()),
                        time_shift_ms: cursor.and_then(|c| c.time_shift()),
                        ended_ms: (created && step.has_end_time)
                            .then(|| cursor.and_then(|c| c.ended()).unwrap_or(now_ms() as i64)),
                    };
                    if step.has_origin {
                        let filled = self.fill_origin(call, &step.body);
                        value = serde_json::from_slice(&filled).unwrap_or(Value::Null);
                    }
                    patch_job(&mut value, patches);
                    if detail {
                        value
                    } else {
                        let mut summary = serde_json::Map::new();
                        for field in ["jobId", "startTime", "type", "username"] {
                            if let Some(field_value) = value.get(field) {
                                summary.insert(field.to_string(), field_value.clone());
                            }
                        }
                        Value::Object(summary)
                    }
                })
                .collect()
        };
        if by_date {
            jobs.sort_by_key(|job| {
                std::cmp::Reverse(job.get("startTime").and_then(Value::as_i64).unwrap_or(0))
            });
        }
        let total = jobs.len();
        jobs.truncate(num);
        let entry = call.journal_entry(None, None, 200, None);
        self.lock().journal.push(entry);
        render_value(&json!({"asyncJobs": jobs, "total": total}), format, "Jobs")
    }

    /// The jobs `session` sees, each with the step its next poll would get.
    fn visible_jobs<'a>(
        &self,
        served: &'a Served,
        live: &Live,
        session: &str,
    ) -> Vec<(Found<'a>, Step)> {
        let now = Instant::now();
        let fixture_jobs = served.fixtures.jobs().iter().map(|job| job.id.as_ref());
        let created_jobs = live
            .created
            .iter()
            .filter(|(_, created)| created.session == session)
            .map(|(_, created)| created.job.id.as_ref());
        let ids: Vec<String> = fixture_jobs
            .chain(created_jobs)
            .map(str::to_string)
            .collect();
        ids.iter()
            .filter_map(|id| self.find_job(served, live, session, id))
            .map(|found| {
                let job = found.job();
                let cursor = live.cursors.get(session, found.key());
                let step = match cursor {
                    Some(cursor) if cursor.is_cancelled() && job.on_cancel.is_some() => {
                        job.on_cancel.clone().expect("checked above")
                    }
                    Some(cursor) => {
                        job.steps[job.sequence.peek(cursor, now, self.options.speed)].clone()
                    }
                    None => job.steps[0].clone(),
                };
                (found, step)
            })
            .collect()
    }

    /// `…/system/jobs/<jobId>/cancel`: later answers of the job carry `isCancelled: true`, and
    /// it ends as its script says.
    fn cancel(&self, served: &Served, call: &Call, job_id: &str) -> Response<Body> {
        let format = Format::parse(call.param("f")).unwrap_or(Format::Json);
        let mut live = self.lock();
        if live.generation != served.generation {
            return stale();
        }
        let Some(found) = self.find_job(served, &live, &call.session, job_id) else {
            drop(live);
            let message = format!("job {job_id} not found: it cannot be cancelled");
            return self.refuse(call, Some(job_id), 404, &message);
        };
        let job = found.job();
        let cursor = live.cursors.get_mut(&call.session, found.key());
        // A job the session has seen end stays as it ended: nothing follows COMPLETED or
        // FAILED. One that has not answered its end yet is cancelled, even if its next answer
        // would be the end.
        let ended = cursor.last_served().is_some_and(|step| {
            matches!(
                job.steps[step.min(job.steps.len() - 1)]
                    .job_status
                    .as_deref(),
                Some("COMPLETED" | "FAILED")
            )
        });
        if !ended {
            cursor.cancel();
        }
        let entry = call.journal_entry(Some(Arc::from(job_id)), None, 200, None);
        live.journal.push(entry);
        drop(live);
        render_value(&json!({"status": "success"}), format, "Job cancelled")
    }

    /// `…/system/jobs/deleteAll`: the session's COMPLETED and FAILED jobs go.
    fn delete_all(&self, served: &Served, call: &Call) -> Response<Body> {
        let format = Format::parse(call.param("f")).unwrap_or(Format::Json);
        let mut live = self.lock();
        if live.generation != served.generation {
            return stale();
        }
        let finished: Vec<Key> = self
            .visible_jobs(served, &live, &call.session)
            .iter()
            .filter(|(_, step)| matches!(step.job_status.as_deref(), Some("COMPLETED" | "FAILED")))
            .map(|(found, _)| found.key())
            .collect();
        for key in finished {
            match key {
                Key::Created(slot) => {
                    live.created.remove(slot);
                    live.cursors.reset(None, Some(key));
                }
                key => live.cursors.hide(&call.session, key),
            }
        }
        let entry = call.journal_entry(None, None, 200, None);
        live.journal.push(entry);
        drop(live);
        render_value(&json!({"status": "success"}), format, "Jobs deleted")
    }

    /// A step's answer: its status and headers over `body`, with `content_type` unless the
    /// step's headers give their own; a recorded header that names the server (a redirect's
    /// `Location`) names this one.
    fn answer(
        &self,
        call: &Call,
        step: &Step,
        body: Bytes,
        content_type: &'static str,
    ) -> Response<Body> {
        let mut response = Response::new(full(body));
        *response.status_mut() = step.http_status;
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        for (name, value) in &step.headers {
            let filled = value
                .to_str()
                .ok()
                .filter(|text| text.contains(ORIGIN_PLACEHOLDER))
                .and_then(|text| {
                    HeaderValue::from_str(&text.replace(ORIGIN_PLACEHOLDER, &self.origin(call)))
                        .ok()
                });
            headers.insert(name.clone(), filled.unwrap_or_else(|| value.clone()));
        }
        response
    }

    /// The origin this client reached the mock at (`http://127.0.0.1:8080`).
    fn origin(&self, call: &Call) -> String {
        format!(
            "{}://{}",
            self.options.scheme,
            call.host().as_deref().unwrap_or("localhost")
        )
    }

    /// `body` with the recorded origin replaced by the one this client reached the mock at.
    fn fill_origin(&self, call: &Call, body: &[u8]) -> Bytes {
        let text = String::from_utf8_lossy(body);
        Bytes::from(text.replace(ORIGIN_PLACEHOLDER, &self.origin(call)))
    }

    fn refuse_method(&self, call: &Call) -> Response<Body> {
        let message = format!(
            "method {} is not supported for {}; use GET or POST",
            call.method,
            call.path()
        );
        let mut response = self.refuse(call, None, 405, &message);
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, POST"));
        response
    }

    /// An ArcGIS error answer, noted in the journal, in the request's format where `f` is
    /// valid, else as JSON.
    fn refuse(&self, call: &Call, job: Option<&str>, code: u16, message: &str) -> Response<Body> {
        let format = Format::parse(call.param("f")).unwrap_or(Format::Json);
        let entry = call.journal_entry(
            job.map(Arc::from),
            None,
            StatusCode::OK.as_u16(),
            Some(code),
        );
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

/// `<context>/admin/system/jobs/<jobId>[/<below>]` as (job ID, below).
pub fn job_route(path: &str) -> Option<(&str, Option<&str>)> {
    path.split_once(JOBS_PATH)
        .map(|(_, after)| match after.split_once('/') {
            Some((job_id, below)) => (job_id, Some(below)),
            None => (after, None),
        })
        .filter(|(job_id, _)| !job_id.is_empty())
}

/// The `startTime` of a job's first step, which `--rebase-time` makes now.
fn first_start_time(job: &Job) -> Option<i64> {
    serde_json::from_slice::<Value>(&job.steps[0].body)
        .ok()?
        .get("startTime")?
        .as_i64()
}

/// Applies a session's changes to a job's JSON: cancellation and rebased timestamps.
fn patch_job(value: &mut Value, patches: Patches) {
    let Some(object) = value.as_object_mut() else {
        return;
    };
    if patches.cancelled {
        let attributes = object
            .entry("customAttributes")
            .or_insert_with(|| json!({}));
        if let Some(attributes) = attributes.as_object_mut() {
            attributes.insert("isCancelled".to_string(), Value::Bool(true));
        }
    }
    if let Some(shift) = patches.time_shift_ms {
        for field in ["startTime", "endTime"] {
            if let Some(time) = object.get(field).and_then(Value::as_i64) {
                object.insert(field.to_string(), Value::from(time + shift));
            }
        }
    }
    if let Some(ended) = patches.ended_ms
        && object.contains_key("endTime")
    {
        let start = object
            .get("startTime")
            .and_then(Value::as_i64)
            .unwrap_or(ended);
        object.insert("endTime".to_string(), Value::from(ended.max(start)));
    }
}

/// The ArcGIS error code a fault answers with, for the journal.
fn fault_code(fault: &Fault) -> Option<u16> {
    match fault {
        Fault::ArcgisError { code, .. } | Fault::PortalError { code, .. } => Some(*code),
        _ => None,
    }
}

/// What a fault answers instead of a step; `whole` is the answer it stands in for.
fn fault_answer(fault: &Fault, format: Format, whole: Bytes) -> Response<Body> {
    match fault {
        Fault::ArcgisError { code, message } => arcgis_error(format, *code, message),
        Fault::PortalError { code, message } => portal_error(format, *code, message),
        Fault::Http { status, body } => {
            let mut response = Response::new(full(body.clone()));
            *response.status_mut() = *status;
            response.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            response
        }
        Fault::Close => {
            let mut response = Response::new(full(Bytes::new()));
            response.extensions_mut().insert(CloseConnection);
            response
        }
        // Only aimed at a poll, where it delays the usual answer instead (see `serve_job`); on
        // a step, `delayMs` says the same.
        Fault::Delay(_) => {
            let mut response = Response::new(full(whole));
            response.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static(format.content_type()),
            );
            response
        }
        Fault::Truncate(keep) => {
            let mut response = Response::new(Truncated::new(&whole, *keep));
            response.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static(format.content_type()),
            );
            response
        }
    }
}

/// A JSON answer of jobmock's own making (an operation's), in the request's format.
fn render_value(value: &Value, format: Format, title: &str) -> Response<Body> {
    let body = match format {
        Format::Json => Bytes::from(serde_json::to_vec(value).expect("a JSON value serialises")),
        Format::Pjson => {
            Bytes::from(serde_json::to_vec_pretty(value).expect("a JSON value serialises"))
        }
        Format::Html => format::value_page(title, value),
    };
    let mut response = Response::new(full(body));
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    response
}

/// The Portal API's error answer: `{"error":{"code":N,"message":"…","details":[]}}`, HTTP 200.
fn portal_error(format: Format, code: u16, message: &str) -> Response<Body> {
    let value = json!({"error": {"code": code, "message": message, "details": []}});
    let format = if format == Format::Html {
        Format::Json
    } else {
        format
    };
    render_value(&value, format, "Error")
}

/// The admin API answers errors with HTTP 200 and the code in the body; clients read the body.
fn arcgis_error(format: Format, code: u16, message: &str) -> Response<Body> {
    let mut response = Response::new(full(format::error_body(format, code, message)));
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

/// One request's answer, where a scripted `close` fault closes the connection instead.
async fn answer_or_close(
    replay: Arc<Replay>,
    request: Request<Incoming>,
) -> Result<Response<Body>, Closed> {
    let response = replay.handle(request).await;
    if response.extensions().get::<CloseConnection>().is_some() {
        return Err(Closed);
    }
    Ok(response)
}
