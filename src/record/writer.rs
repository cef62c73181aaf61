//! The recording thread. The proxy hands every exchange it answered to this one thread, in the
//! order the answers arrived, and goes on serving; here each exchange is learned from, scrubbed
//! and stored, and only here are files written. No request waits on a disk, and handing an
//! exchange over never wakes the thread: it takes what is queued every few milliseconds
//! ([`Queue`]), so a busy proxy pays no context switch per request.
//!
//! The set's `server.json` is written here too, once the paths recorded tell which server
//! (flavour) it is: a job poll or the jobs list of that flavour's paths.
//!
//! Order matters for redaction: all of an exchange (request and answer) is learned before any of
//! it is scrubbed, and when a value is learned that files written earlier may hold, those files
//! are scrubbed again and written again (whole) before the thread goes idle.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::Instant;

use bytes::Bytes;
use hyper::header::CONTENT_TYPE;
use hyper::{HeaderMap, Method, StatusCode};
use serde_json::Value;
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use super::feedback::Feedback;
use crate::api::Flavour;
use crate::fixture::exchange::RequestFile;
use crate::fixture::layout;
use crate::fixture::origin::{placeholder_in_json, placeholder_in_text};
use crate::fixture::server::{self as server_file, SERVER_FILE, Written};
use crate::fixture::store::{Store, Stored, StoredAnswer, Target};
use crate::redact::{self, Context, Redactor};
use crate::util::write::pretty_json;

/// The job a path polls, under the job paths of any flavour: its answers are the job's steps.
fn job_id_in_path(path: &str) -> Option<&str> {
    crate::api::flavour::polled_job_any(path).map(|(id, _)| id)
}

/// The answer headers worth keeping in a fixture: they change how a client behaves. Others
/// (dates, server names, cookies) are left out.
const KEPT_HEADERS: &[&str] = &[
    "content-type",
    "location",
    "retry-after",
    "www-authenticate",
];

/// How long the recording thread waits for exchanges before it looks again.
const TAKE_INTERVAL: Duration = Duration::from_millis(5);

/// How often hold counts are written and files written before a value was learned are
/// scrubbed again: a kill loses at most this much of a count, never a step; and a client that
/// sends a new token with every request does not have every file read again each time.
const FLUSH_INTERVAL: Duration = Duration::from_millis(200);

/// The most bytes of exchanges that wait for the recording thread: past it, clients wait for
/// room (a disk slower than the upstream makes clients wait, not memory grow).
const QUEUED_BYTES: usize = 256 * 1024 * 1024;

/// The most exchanges that wait for the recording thread.
const QUEUED_EXCHANGES: usize = 4096;

/// Exchanges waiting for the recording thread, in the order their answers arrived.
#[derive(Default)]
pub struct Queue {
    state: Mutex<Queued>,
    /// Wakes the recording thread early: the proxy stopped, or the queue is full.
    wake: Condvar,
    /// Wakes senders that wait for room.
    room: tokio::sync::Notify,
}

#[derive(Default)]
struct Queued {
    exchanges: Vec<Exchange>,
    bytes: usize,
    finished: bool,
}

impl Queue {
    /// Queues `exchange`; waits only while the queue is full.
    pub async fn push(&self, exchange: Exchange) {
        let size = exchange.size();
        loop {
            // Registered before looking, so that room made meanwhile is not missed.
            let room = self.room.notified();
            {
                let mut queued = self.lock();
                let fits = queued.bytes + size <= QUEUED_BYTES
                    && queued.exchanges.len() < QUEUED_EXCHANGES;
                if fits || queued.exchanges.is_empty() {
                    queued.bytes += size;
                    queued.exchanges.push(exchange);
                    return;
                }
                self.wake.notify_one();
            }
            room.await;
        }
    }

    /// The proxy has stopped: the recording thread takes what is left, and ends.
    pub fn finish(&self) {
        self.lock().finished = true;
        self.wake.notify_one();
    }

    /// Everything queued, waiting up to `interval` for something when there is nothing; and
    /// whether the proxy has stopped.
    fn take(&self, interval: Duration) -> (Vec<Exchange>, bool) {
        let mut queued = self.lock();
        if queued.exchanges.is_empty() && !queued.finished {
            queued = self
                .wake
                .wait_timeout(queued, interval)
                .map_or_else(|poisoned| poisoned.into_inner().0, |(queued, _)| queued);
        }
        let taken = std::mem::take(&mut queued.exchanges);
        queued.bytes = 0;
        let finished = queued.finished;
        drop(queued);
        self.room.notify_waiters();
        (taken, finished)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queued> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// One request the proxy forwarded, as the client sent it.
pub struct Exchange {
    pub method: Method,
    /// The path and query, as sent.
    pub target: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub outcome: Outcome,
    /// When the answer reached the proxy.
    pub at: Instant,
}

impl Exchange {
    /// The bytes it holds, for the queue's budget.
    fn size(&self) -> usize {
        self.body.len()
            + match &self.outcome {
                Outcome::Answered { body, .. } => body.len(),
                _ => 0,
            }
    }
}

/// What became of a forwarded request.
pub enum Outcome {
    /// The upstream answered; the body is decoded (gzip and deflate undone).
    Answered {
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
    },
    /// The upstream could not be reached or did not answer: the sentence the client got.
    Failed(String),
    /// The answer was larger than `--max-record-bytes` and passed through unrecorded.
    TooLarge { limit: usize },
    /// The answer's encoding could not be undone, or undoing it passed the limit.
    NotDecoded,
    /// The upstream switched protocols (101) and the connection is tunnelled
    /// ([`super::tunnel`]): nothing to write, but the request is learned from and its path said.
    Upgraded { protocol: String },
}

/// The recording thread's state.
pub struct Writer {
    pub store: Store,
    pub redactor: Redactor,
    pub feedback: std::sync::Arc<Feedback>,
    /// The upstream's origin in each spelling, with the upstream's path: stored as
    /// `{{origin}}`.
    pub origins: Vec<String>,
    /// The redactor's generation when the files were last scrubbed again.
    scrubbed_at: u64,
    /// The flavour the recorded paths told, once told (and `server.json` written, or left as
    /// it was with a warning).
    flavour: Option<Flavour>,
    /// Whether paths of another flavour than [`Writer::flavour`] were seen and said so.
    mixed_warned: bool,
    /// Requests learned from already, whole, with their context: a
    /// client polling one URL with the same headers has nothing new to teach, and learning is
    /// the recording thread's main cost per poll.
    learned: HashMap<Vec<u8>, Context>,
}

/// The most requests remembered as learned from; past it, the memory starts afresh.
const LEARNED_REQUESTS: usize = 4096;

/// Requests with larger bodies are always learned from (not remembered).
const LEARNED_BODY_BYTES: usize = 4096;

impl Writer {
    pub fn new(
        store: Store,
        redactor: Redactor,
        feedback: std::sync::Arc<Feedback>,
        origins: Vec<String>,
    ) -> Writer {
        Writer {
            store,
            redactor,
            feedback,
            origins,
            scrubbed_at: 0,
            flavour: None,
            mixed_warned: false,
            learned: HashMap::new(),
        }
    }

    /// Takes exchanges from `queue` until the proxy has stopped and the queue is empty, then
    /// writes what is pending; returns the folders written, for the closing scan.
    pub fn run(mut self, queue: &Queue) -> Finished {
        let mut flushed = Instant::now();
        loop {
            let (exchanges, finished) = queue.take(TAKE_INTERVAL);
            let done = finished && exchanges.is_empty();
            for exchange in exchanges {
                self.record(exchange);
            }
            if done {
                break;
            }
            if flushed.elapsed() >= FLUSH_INTERVAL {
                self.rescrub_if_learned();
                self.flush();
                flushed = Instant::now();
            }
        }
        self.finish()
    }

    /// Learns from, scrubs and stores one exchange (the recording thread's work for each; the
    /// HAR importer's for each entry).
    pub fn record(&mut self, exchange: Exchange) {
        let recorded =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.exchange(exchange)));
        if recorded.is_err() {
            // The panic hook said where; what it was about is not printed (it may quote what
            // was being scrubbed). Files are written whole, so the set is as it was before this
            // exchange.
            self.feedback
                .warn("not recorded: an exchange hit an internal error (see above)");
        }
    }

    /// Scrubs again what may hold a value learned late, writes what is pending, and returns
    /// what was written.
    pub fn finish(mut self) -> Finished {
        self.rescrub_if_learned();
        self.flush();
        Finished {
            root: self.store.root().to_path_buf(),
            folders: self.store.written_folders(),
            counts: self.redactor.counts(),
            keep: self.redactor.kept().to_vec(),
        }
    }

    fn flush(&mut self) {
        for err in self.store.flush() {
            self.feedback
                .warn(&format!("not recorded: {}", crate::error::report(&err)));
        }
    }

    /// Writes again every file that may hold a value learned since the files were last
    /// scrubbed.
    fn rescrub_if_learned(&mut self) {
        if self.redactor.generation() == self.scrubbed_at {
            return;
        }
        self.scrubbed_at = self.redactor.generation();
        let redactor = &mut self.redactor;
        let mut scrub = |name: &str, text: &str| redactor.rescrub_file(name, text);
        for err in self.store.rescrub(&mut scrub) {
            self.feedback.warn(&format!(
                "could not scrub again: {}",
                crate::error::report(&err)
            ));
        }
    }

    fn exchange(&mut self, exchange: Exchange) {
        let Exchange {
            method,
            target,
            headers,
            body,
            outcome,
            at,
        } = exchange;
        let form = if crate::params::is_form(&headers) {
            crate::params::from_form(&body)
        } else {
            Vec::new()
        };
        let context = self.learn_request(&method, &target, &headers, &body, &form);
        let path = target.split('?').next().unwrap_or("/");
        let (status, answer_headers, answer) = match outcome {
            Outcome::Answered {
                status,
                headers,
                body,
            } => (status, headers, body),
            Outcome::Failed(message) => {
                let shown = self.redactor.scrub_path(path, context);
                self.feedback
                    .upstream_error(&format!("{method} {}: {message}", layout::shown(&shown)));
                return;
            }
            Outcome::TooLarge { limit } => {
                let shown = layout::shown(&self.redactor.scrub_path(path, context));
                self.feedback.passed_through(&format!(
                    "not recorded: {method} {shown}: the answer is larger than {limit} bytes (record --max-record-bytes); passed through"
                ));
                return;
            }
            Outcome::Upgraded { protocol } => {
                let shown = self.redactor.scrub_path(path, context);
                self.feedback.upgraded(method.as_str(), &shown, &protocol);
                return;
            }
            Outcome::NotDecoded => {
                let shown = layout::shown(&self.redactor.scrub_path(path, context));
                self.feedback.warn(&format!(
                    "not recorded: {method} {shown}: the answer's encoding could not be decoded, or it decodes to more than --max-record-bytes"
                ));
                return;
            }
        };

        // A job polled again and answered exactly as last time: one more poll of the same step,
        // without parsing and scrubbing the body again (the common case: a job polled hundreds
        // of times while PROCESSING).
        if let Some(id) = job_id_in_path(path)
            && let Some((stored, status)) = self.store.hold_if_same(id, &answer, status.as_u16())
        {
            self.feedback.job_poll(id, &status, &stored);
            return;
        }
        self.redactor
            .learn_answer(context, &answer_headers, &answer);
        let shown_path = self.redactor.scrub_path(path, context);

        let (content, extension) = match redact::as_json(&answer) {
            Some((mut value, redact::Wrapping::Plain | redact::Wrapping::ByteOrderMark)) => {
                placeholder_in_json(&mut value, &self.origins);
                self.redactor.scrub_json(&mut value, context);
                (pretty_json(&value), "json")
            }
            _ => match std::str::from_utf8(&answer) {
                Ok(text) => {
                    let text = placeholder_in_text(text, &self.origins);
                    (self.redactor.scrub_text(&text, context).into_bytes(), "txt")
                }
                Err(_) => {
                    self.feedback.warn(&format!(
                        "not recorded: {method} {}: the answer is binary",
                        layout::shown(&shown_path)
                    ));
                    return;
                }
            },
        };
        // What is written must load: the answer is checked as replay checks a step file (size,
        // depth, numbers, placeholders); one replay would refuse is not recorded.
        // (Checked as an exchange's step, which may be any JSON or text: a job's is an object.)
        if content.len() as u64 > crate::fixture::MAX_FIXTURE_FILE {
            self.feedback.warn(&format!(
                "not recorded: {method} {}: written out, the answer is larger than the {} MiB replay loads",
                layout::shown(&shown_path),
                crate::fixture::MAX_FIXTURE_FILE >> 20
            ));
            return;
        }
        let file = format!("001.{extension}");
        if let Err(err) = crate::fixture::check_folder(&[(file.as_str(), content.as_slice())], true)
        {
            let why = crate::error::report(&err);
            let why = why.strip_prefix("<memory>/").unwrap_or(&why);
            self.feedback.warn(&format!(
                "not recorded: {method} {}: replay would not load it: {why}",
                layout::shown(&shown_path)
            ));
            return;
        }
        let kept_headers = self.kept_headers(&answer_headers, extension, context);

        let job_status = (extension == "json")
            .then(|| serde_json::from_slice::<Value>(&content).ok())
            .flatten()
            .filter(Value::is_object)
            .map(|job| job["status"].as_str().unwrap_or("?").to_string());
        // A job's folder is named after its ID, so an ID that scrubbing changes (a secret in
        // the job's place) makes an exchange under the scrubbed path instead.
        let job = job_id_in_path(path).filter(|id| job_id_in_path(&shown_path) == Some(id));
        let target = match (job, &job_status) {
            (Some(id), Some(_)) => Target::Job(id.to_string()),
            _ => {
                let query = target.split_once('?').map(|(_, query)| query);
                let mut params = BTreeMap::new();
                for (name, value) in crate::params::from_query(query).into_iter().chain(form) {
                    if !self.redactor.is_left_out(&name, context) {
                        let value = placeholder_in_text(&value, &self.origins);
                        params.insert(name, self.redactor.scrub_text(&value, context));
                    }
                }
                Target::Exchange(RequestFile {
                    method: method.to_string(),
                    path: shown_path.clone(),
                    params,
                    // GET and POST alike, so that a recording made with one client version
                    // replays for the others.
                    exact_method: false,
                })
            }
        };

        let stored = StoredAnswer {
            content,
            extension,
            status: status.as_u16(),
            headers: kept_headers,
        };
        let result = self.store.store(&target, stored, &answer, at);
        if matches!(&result, Ok(Stored::NewStep(_) | Stored::Held { .. })) {
            self.note_flavour(path);
        }
        match (result, &target) {
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

    /// Notes the flavour `path` shows, if any: the first one told is written into `server.json`
    /// (whole), unless that file says another already, which is never overwritten; either
    /// conflict is said once.
    fn note_flavour(&mut self, path: &str) {
        let Some(shown) = Flavour::shown_by(path) else {
            return;
        };
        match self.flavour {
            Some(told) if told == shown => {}
            Some(told) => {
                if !self.mixed_warned {
                    self.mixed_warned = true;
                    self.feedback.warn(&format!(
                        "{} is a path of {shown} ({}), but this set's jobs are {told}'s (as \
                         {SERVER_FILE}, or its absence, says): a set holds one server's jobs; \
                         record the other server into another set",
                        layout::shown(path),
                        shown.product()
                    ));
                }
            }
            None => {
                self.flavour = Some(shown);
                match server_file::write(self.store.root(), shown) {
                    Ok(Written::Written) => self.feedback.flavour(shown),
                    Ok(Written::Same) => {}
                    Ok(Written::Kept(declared)) => {
                        self.flavour = declared;
                        self.mixed_warned = true;
                        let says = declared.map_or_else(
                            || "does not read".to_string(),
                            |declared| format!("says {declared}"),
                        );
                        self.feedback.warn(&format!(
                            "not writing {SERVER_FILE}: it {says}, but the paths recorded are \
                             {shown}'s ({}); left as it was (edit it if the set is {shown}'s, or \
                             record into another set)",
                            shown.product()
                        ));
                    }
                    Err(err) => self
                        .feedback
                        .warn(&format!("not recorded: {}", crate::error::report(&err))),
                }
            }
        }
    }

    /// Learns what a request carries, unless the very same request (method, target, headers,
    /// a small body) was learned from before.
    fn learn_request(
        &mut self,
        method: &Method,
        target: &str,
        headers: &HeaderMap,
        body: &[u8],
        form: &[(String, String)],
    ) -> Context {
        if body.len() > LEARNED_BODY_BYTES {
            return self.redactor.learn_request(target, headers, body, form);
        }
        // The whole request as the key, not a hash of it: a collision would skip learning.
        let mut key = Vec::with_capacity(512);
        for part in [method.as_str().as_bytes(), target.as_bytes(), body] {
            key.extend_from_slice(part);
            key.push(0);
        }
        for (name, value) in headers {
            key.extend_from_slice(name.as_str().as_bytes());
            key.push(b':');
            key.extend_from_slice(value.as_bytes());
            key.push(0);
        }
        if let Some(context) = self.learned.get(&key) {
            return *context;
        }
        let context = self.redactor.learn_request(target, headers, body, form);
        if self.learned.len() >= LEARNED_REQUESTS {
            self.learned.clear();
        }
        self.learned.insert(key, context);
        context
    }

    /// The answer headers a fixture keeps, scrubbed; a JSON answer's content type is the
    /// format's business at replay.
    fn kept_headers(
        &mut self,
        headers: &HeaderMap,
        extension: &str,
        context: Context,
    ) -> BTreeMap<String, String> {
        let mut kept = BTreeMap::new();
        for (name, value) in headers {
            if !KEPT_HEADERS.contains(&name.as_str()) {
                continue;
            }
            let Ok(value) = value.to_str() else { continue };
            if extension == "json" && *name == CONTENT_TYPE && value.starts_with("application/json")
            {
                continue;
            }
            // A redirect may carry OAuth's `code`.
            let context = if *name == hyper::header::LOCATION {
                Context {
                    oauth: true,
                    ..Context::default()
                }
            } else {
                context
            };
            let value = placeholder_in_text(value, &self.origins);
            kept.insert(
                canonical_header_name(name.as_str()),
                self.redactor.scrub_text(&value, context),
            );
        }
        kept
    }
}

/// What the recording thread leaves when it ends.
pub struct Finished {
    pub root: PathBuf,
    /// The folders it wrote, for the closing scan.
    pub folders: Vec<PathBuf>,
    pub counts: redact::Counts,
    /// The kinds of personal data kept on purpose: not findings of the closing scan.
    pub keep: Vec<redact::Personal>,
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
