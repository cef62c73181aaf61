//! The request journal: what the replay server answered, newest last, bounded.
//!
//! The journal keeps at most `capacity` entries and drops the oldest first, counting the drops,
//! so a long run under load cannot grow memory without limit.

use std::collections::{HashMap, VecDeque};

use std::sync::Arc;

use hyper::Method;
use serde::Serialize;

use crate::redact::redact_query;

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
        let (path, query) = match self.target.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (&*self.target, None),
        };
        Shown {
            time_ms: self.time_ms,
            method: self.method.as_str(),
            path,
            query: query.map(|query| redact_query(query).into_owned()),
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
    /// One shared copy of each target seen lately: a client polls the same URL again and again.
    targets: HashMap<Box<str>, Arc<str>>,
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
            targets: HashMap::new(),
        }
    }

    /// The shared copy of `target` (a request's path and query, secrets redacted).
    pub fn target(&mut self, target: &str) -> Arc<str> {
        if let Some(shared) = self.targets.get(target) {
            return Arc::clone(shared);
        }
        if self.targets.len() >= SHARED_TARGETS {
            self.targets.clear();
        }
        let shared: Arc<str> = Arc::from(target);
        self.targets.insert(Box::from(target), Arc::clone(&shared));
        shared
    }

    /// Keeps `entry`; returns the entry it let go of to stay within its capacity, for the caller
    /// to drop once it has let go of the journal's lock.
    pub fn push(&mut self, entry: Entry) -> Option<Entry> {
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
        self.entries.push_back(entry);
        forgotten
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
            target: Arc::from("/"),
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
