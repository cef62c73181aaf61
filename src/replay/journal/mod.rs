//! The request journal: what the replay server answered, newest last, bounded.
//!
//! The journal keeps at most `capacity` entries and drops the oldest first, counting the drops,
//! so a long run under load cannot grow memory without limit.
//!
//! [`har`] writes it as a HAR (`GET /__jobmock/requests?format=har`).

pub mod har;

use std::collections::VecDeque;

use std::sync::Arc;

use bytes::Bytes;
use hyper::Method;
use hyper::header::HeaderValue;
use serde::Serialize;

use super::near::NearMiss;
use crate::redact::{redact_query, redacted_target};

/// One answered request. Cheap to make (the hot path makes one per request): the names are
/// shared, and the target (path and query, its secrets redacted) is one shared copy per
/// distinct target ([`Journal::target`]). It never holds the request's own URI: that shares the
/// connection's read buffer, which hyper could then not reuse, and which would be freed a
/// thousand requests later on another thread.
#[derive(Debug, Clone)]
pub struct Entry {
    /// When the request arrived, in epoch milliseconds like the job timestamps.
    pub time_ms: u64,
    pub method: Method,
    /// The path and query as sent, secrets redacted.
    pub target: Arc<str>,
    /// The parameters of a form body, when the request had one (shown with secrets redacted).
    pub form: Option<Box<[(String, String)]>>,
    pub session: crate::replay::request::SessionName,
    pub job: Option<Arc<str>>,
    /// The recorded exchange served, when one was.
    pub exchange: Option<Arc<str>>,
    /// The step file served, when a job or exchange step was served.
    pub step: Option<Arc<str>>,
    /// The job status of the step served, when a job's step was.
    pub job_status: Option<Arc<str>>,
    /// The HTTP status of the answer.
    pub status: u16,
    /// The `code` of an ArcGIS error answer (sent with HTTP 200, as the admin API does).
    pub error_code: Option<u16>,
    pub served_by: ServedBy,
    /// For an unmatched request, the exchange or job it came closest to.
    pub near_miss: Option<Arc<NearMiss>>,
    /// The answer's content type and body, for the HAR export. The body is shared with the
    /// fixture it came from where it could be; the journal keeps at most
    /// [`MAX_JOURNALED_BODY_BYTES`] of bodies in all, and past that notes none.
    pub content_type: Option<HeaderValue>,
    pub body: Option<Bytes>,
}

/// The most bytes of answer bodies the journal keeps, whatever its length: bodies filled with
/// a client's origin are copies, and a large recorded answer times `--journal-size` must not
/// become gigabytes.
pub const MAX_JOURNALED_BODY_BYTES: usize = 64 * 1024 * 1024;

/// What answered a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ServedBy {
    /// A fixture job's step.
    Job,
    /// A step of a job a client created.
    CreatedJob,
    /// A web tool's job parameter (`…/jobs/<jobId>/results/<name>`, `…/inputs/<name>`).
    Param,
    /// A recorded exchange's step.
    Exchange,
    /// A new job made from the template of its type (executeNotebook, openNotebook).
    Template,
    /// The jobs list.
    JobsList,
    /// A job cancelled.
    Cancel,
    /// The session's ended jobs deleted.
    DeleteAll,
    /// `--require-token` or `--token` refused it.
    TokenCheck,
    /// `generateToken`, answered by replay's token service.
    TokenService,
    /// The Portal's sharing root (`…/sharing/rest`), answered from the set's own Portal
    /// version where nothing recorded answers it.
    PortalRoot,
    /// Refused as it was sent: a bad `f`, job ID or method.
    Refusal,
    /// A submission a session defined (`POST /__jobmock/submissions`).
    Submission,
    /// The upstream, forwarded to and recorded (`--upstream` with `--record-mode`).
    Upstream,
    /// Nothing: no fixture, recording or operation answers it (an unmatched request).
    #[default]
    Nothing,
}

impl ServedBy {
    /// Whether something of the fixture set or the mocked API answered (not an unmatched
    /// request).
    pub fn matched(self) -> bool {
        self != ServedBy::Nothing
    }

    /// Its name, as the journal's JSON gives it (`servedBy`).
    pub fn as_str(self) -> &'static str {
        match self {
            ServedBy::Job => "job",
            ServedBy::CreatedJob => "createdJob",
            ServedBy::Param => "param",
            ServedBy::Exchange => "exchange",
            ServedBy::Template => "template",
            ServedBy::JobsList => "jobsList",
            ServedBy::Cancel => "cancel",
            ServedBy::DeleteAll => "deleteAll",
            ServedBy::TokenCheck => "tokenCheck",
            ServedBy::TokenService => "tokenService",
            ServedBy::PortalRoot => "portalRoot",
            ServedBy::Refusal => "refusal",
            ServedBy::Submission => "submission",
            ServedBy::Upstream => "upstream",
            ServedBy::Nothing => "nothing",
        }
    }
}

impl Entry {
    /// The path, without the query.
    pub fn path(&self) -> &str {
        self.target
            .split_once('?')
            .map_or(&*self.target, |(path, _)| path)
    }

    /// The query, as shown: secrets redacted.
    pub fn query(&self) -> Option<String> {
        let query = self.target.split_once('?').map(|(_, query)| query);
        query.map(|query| redact_query(query).into_owned())
    }

    /// The parameters of the query and of a form body, in the order sent, secrets redacted.
    pub fn params(&self) -> Vec<(String, String)> {
        let query = self.target.split_once('?').map(|(_, query)| query);
        let mut params = crate::params::from_query(query);
        params.extend(self.form.iter().flat_map(|form| form.iter().cloned()));
        for (name, value) in &mut params {
            if crate::redact::is_secret_param(name) {
                *value = crate::redact::REDACTED.to_string();
            }
        }
        params
    }
}

impl Serialize for Entry {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Shown<'a> {
            time_ms: u64,
            method: &'a str,
            path: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            query: Option<String>,
            params: serde_json::Map<String, serde_json::Value>,
            session: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            job: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            exchange: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            step: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            job_status: Option<&'a str>,
            status: u16,
            #[serde(skip_serializing_if = "Option::is_none")]
            error_code: Option<u16>,
            matched: bool,
            served_by: ServedBy,
            #[serde(skip_serializing_if = "Option::is_none")]
            near_miss: Option<&'a NearMiss>,
        }
        // The last value sent wins, as the server reads parameters.
        let params = self
            .params()
            .into_iter()
            .map(|(name, value)| (name, serde_json::Value::from(value)))
            .collect();
        Shown {
            time_ms: self.time_ms,
            method: self.method.as_str(),
            path: self.path(),
            query: self.query(),
            params,
            session: &self.session,
            job: self.job.as_deref(),
            exchange: self.exchange.as_deref(),
            step: self.step.as_deref(),
            job_status: self.job_status.as_deref(),
            status: self.status,
            error_code: self.error_code,
            matched: self.served_by.matched(),
            served_by: self.served_by,
            near_miss: self.near_miss.as_deref(),
        }
        .serialize(serializer)
    }
}

#[derive(Debug)]
pub struct Journal {
    entries: VecDeque<Entry>,
    capacity: usize,
    dropped: u64,
    /// One shared copy of each target seen lately, secrets redacted, by the target as sent: a
    /// client polls the same URL again and again, and it is redacted once, not per request.
    /// The keys are as sent (a secret in a query is in one): they are only looked up, never
    /// shown or written.
    targets: foldhash::HashMap<Box<str>, Arc<str>>,
    /// The bytes of the bodies kept, within [`MAX_JOURNALED_BODY_BYTES`].
    body_bytes: usize,
}

/// The most distinct targets kept shared; past it, the copies start afresh.
const SHARED_TARGETS: usize = 1024;

impl Journal {
    pub fn new(capacity: usize) -> Journal {
        Journal {
            // Grow as needed rather than reserving a large journal nobody fills.
            entries: VecDeque::new(),
            capacity,
            dropped: 0,
            targets: foldhash::HashMap::default(),
            body_bytes: 0,
        }
    }

    /// The shared copy of `sent` (a request's path and query as sent) as the journal keeps
    /// it: its query's secrets redacted.
    pub fn target(&mut self, sent: &str) -> Arc<str> {
        if let Some(shared) = self.targets.get(sent) {
            return Arc::clone(shared);
        }
        if self.targets.len() >= SHARED_TARGETS {
            self.targets.clear();
        }
        let shared: Arc<str> = Arc::from(redacted_target(sent).as_ref());
        self.targets.insert(Box::from(sent), Arc::clone(&shared));
        shared
    }

    /// Keeps `entry`; returns the entry it let go of to stay within its capacity, for the caller
    /// to drop once it has let go of the journal's lock.
    pub fn push(&mut self, mut entry: Entry) -> Option<Entry> {
        if self.capacity == 0 {
            self.dropped += 1;
            return Some(entry);
        }
        let forgotten = if self.entries.len() == self.capacity {
            self.dropped += 1;
            self.entries.pop_front()
        } else {
            None
        };
        if let Some(body) = forgotten.as_ref().and_then(|entry| entry.body.as_ref()) {
            self.body_bytes -= body.len();
        }
        match &entry.body {
            Some(body) if self.body_bytes + body.len() > MAX_JOURNALED_BODY_BYTES => {
                entry.body = None;
            }
            Some(body) => self.body_bytes += body.len(),
            None => {}
        }
        self.entries.push_back(entry);
        forgotten
    }

    /// The bytes of answer bodies kept.
    pub fn body_bytes(&self) -> usize {
        self.body_bytes
    }

    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Forgets the entries of `session` and/or `job`, or all of them.
    pub fn clear(&mut self, session: Option<&str>, job: Option<&str>) {
        if session.is_none() && job.is_none() {
            self.entries.clear();
            self.dropped = 0;
            self.body_bytes = 0;
            return;
        }
        self.entries.retain(|entry| {
            let session_matches = session.is_none_or(|session| &*entry.session == session);
            let job_matches = job.is_none_or(|job| entry.job.as_deref() == Some(job));
            !(session_matches && job_matches)
        });
        self.body_bytes = self
            .entries
            .iter()
            .filter_map(|entry| entry.body.as_ref())
            .map(Bytes::len)
            .sum();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(session: &str, job: &str) -> Entry {
        Entry {
            time_ms: 0,
            method: Method::GET,
            target: Arc::from("/"),
            form: None,
            session: session.into(),
            job: Some(job.into()),
            exchange: None,
            step: None,
            job_status: None,
            status: 200,
            error_code: None,
            served_by: ServedBy::Job,
            near_miss: None,
            content_type: None,
            body: None,
        }
    }

    #[test]
    fn served_by_names_are_those_of_the_json() {
        use ServedBy::*;
        for served_by in [
            Job,
            CreatedJob,
            Exchange,
            Template,
            JobsList,
            Cancel,
            DeleteAll,
            TokenCheck,
            TokenService,
            PortalRoot,
            Refusal,
            Nothing,
        ] {
            assert_eq!(
                serde_json::to_value(served_by).unwrap(),
                served_by.as_str(),
                "{served_by:?}"
            );
        }
    }

    #[test]
    fn the_oldest_entries_are_dropped_and_counted() {
        let mut journal = Journal::new(2);
        for job in ["a", "b", "c"] {
            journal.push(entry("s", job));
        }
        let jobs: Vec<_> = journal.entries().map(|e| e.job.clone().unwrap()).collect();
        assert_eq!(jobs, [Arc::from("b"), Arc::from("c")]);
        assert_eq!(journal.dropped(), 1);
    }

    #[test]
    fn answer_bodies_stay_within_their_budget_whatever_the_journal_length() {
        let mut journal = Journal::new(100);
        let body = Bytes::from(vec![b'x'; MAX_JOURNALED_BODY_BYTES / 3 + 1]);
        for job in ["a", "b", "c", "d"] {
            let mut entry = entry("s", job);
            entry.body = Some(body.clone());
            journal.push(entry);
        }
        let kept: Vec<bool> = journal.entries().map(|e| e.body.is_some()).collect();
        assert_eq!(
            kept,
            [true, true, false, false],
            "the third would pass the budget"
        );
        assert!(journal.body_bytes() <= MAX_JOURNALED_BODY_BYTES);

        let mut short = Journal::new(2);
        for job in ["a", "b", "c", "d", "e"] {
            let mut entry = entry("s", job);
            entry.body = Some(body.clone());
            short.push(entry);
        }
        assert_eq!(
            short.body_bytes(),
            2 * body.len(),
            "dropped entries give their bytes back"
        );
        short.clear(Some("s"), Some("e"));
        assert_eq!(short.body_bytes(), body.len());
    }

    #[test]
    fn clear_keeps_what_does_not_match() {
        let mut journal = Journal::new(10);
        journal.push(entry("s1", "a"));
        journal.push(entry("s2", "a"));
        journal.push(entry("s1", "b"));
        journal.clear(Some("s1"), Some("a"));
        assert_eq!(journal.len(), 2);
        journal.clear(Some("s1"), None);
        assert_eq!(journal.len(), 1);
        journal.clear(None, None);
        assert!(journal.is_empty());
    }
}
