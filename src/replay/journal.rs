//! The request journal: what the replay server answered, newest last, bounded.
//!
//! The journal keeps at most `capacity` entries and drops the oldest first, counting the drops,
//! so a long run under load cannot grow memory without limit.

use std::collections::VecDeque;

use std::sync::Arc;

use hyper::{Method, Uri};
use serde::Serialize;

use crate::redact::redact_query;

/// One answered request. Cheap to make (the hot path makes one per request): the URI and the
/// names are shared, not copied; a query is redacted when the entry is made if it may hold a
/// secret, and shown as text only when the journal is read.
#[derive(Debug, Clone)]
pub struct Entry {
    /// When the request arrived, in epoch milliseconds like the job timestamps.
    pub time_ms: u64,
    pub method: Method,
    pub uri: Uri,
    pub session: Arc<str>,
    pub job: Option<Arc<str>>,
    /// The recorded exchange served, when one was.
    pub exchange: Option<Arc<str>>,
    /// The step file served, when a job or exchange step was served.
    pub step: Option<Arc<str>>,
    /// The HTTP status of the answer.
    pub status: u16,
    /// The `code` of an ArcGIS error answer (sent with HTTP 200, as the admin API does).
    pub error_code: Option<u16>,
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
            session: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            job: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            exchange: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            step: Option<&'a str>,
            status: u16,
            #[serde(skip_serializing_if = "Option::is_none")]
            error_code: Option<u16>,
        }
        Shown {
            time_ms: self.time_ms,
            method: self.method.as_str(),
            path: self.uri.path(),
            query: self
                .uri
                .query()
                .map(|query| redact_query(query).into_owned()),
            session: &self.session,
            job: self.job.as_deref(),
            exchange: self.exchange.as_deref(),
            step: self.step.as_deref(),
            status: self.status,
            error_code: self.error_code,
        }
        .serialize(serializer)
    }
}

#[derive(Debug)]
pub struct Journal {
    entries: VecDeque<Entry>,
    capacity: usize,
    dropped: u64,
}

impl Journal {
    pub fn new(capacity: usize) -> Journal {
        Journal {
            // Grow as needed rather than reserving a large journal nobody fills.
            entries: VecDeque::new(),
            capacity,
            dropped: 0,
        }
    }

    pub fn push(&mut self, entry: Entry) {
        if self.capacity == 0 {
            self.dropped += 1;
            return;
        }
        if self.entries.len() == self.capacity {
            self.entries.pop_front();
            self.dropped += 1;
        }
        self.entries.push_back(entry);
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
            return;
        }
        self.entries.retain(|entry| {
            let session_matches = session.is_none_or(|session| &*entry.session == session);
            let job_matches = job.is_none_or(|job| entry.job.as_deref() == Some(job));
            !(session_matches && job_matches)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(session: &str, job: &str) -> Entry {
        Entry {
            time_ms: 0,
            method: Method::GET,
            uri: Uri::from_static("/"),
            session: session.into(),
            job: Some(job.into()),
            exchange: None,
            step: None,
            status: 200,
            error_code: None,
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
