//! A replay server's state ([`Replay`]): the set it serves, and what requests change — every
//! session's cursors, the jobs clients created, the journal, the tokens issued — with the two
//! locks they are kept behind. Also the names handlers share for that state: what cursors
//! belong to ([`Key`]), a job found by ID ([`Found`]), and a set replaced meanwhile
//! ([`Stale`]).

use std::sync::{Arc, Mutex, MutexGuard};

use super::current::{Current, ServedRef};
use super::journal::Journal;
use super::lifecycle::CreatedJobs;
use super::options::Options;
use super::served::Served;
use super::tokens;
use crate::fixture::FixtureSet;
use crate::job::{Cursors, Job};

/// A replay server's state: the fixture set it serves (swapped whole by a reload) and the
/// cursors, created jobs and journal (behind one lock, held only to pick a step and note the
/// request, never across an await).
pub struct Replay {
    pub(super) served: Current,
    pub(super) options: Options,
    pub(super) live: OwnLine<Mutex<Live>>,
    /// The token service, and the tokens it issued.
    pub(super) tokens: tokens::Tokens,
    /// Apart from the cursors: every request notes itself here, and one lock for both would be
    /// taken twice per request by every worker.
    pub(super) journal: OwnLine<Mutex<Journal>>,
    /// Held for the whole of a reload, so that two reloads do not interleave.
    pub(super) reloading: Mutex<()>,
    /// How many requests nothing answered (see [`Replay::unmatched_served`]).
    pub(super) unmatched: std::sync::atomic::AtomicU64,
    /// Whether any session defined a job of its own (`POST /__jobmock/jobs`): until one does,
    /// a poll looks for none, without the lock.
    pub(super) has_private_jobs: std::sync::atomic::AtomicBool,
    /// The upstream, for a server that replays and records (set once it listens).
    pub(super) forwarding: std::sync::OnceLock<super::upstream::Forwarding>,
}

/// A value on cache lines of its own. Both locks are taken by every request, on whichever core
/// serves it: beside the fields every request only reads (the options, the set served), each
/// taking would make the other core read those again from memory. 128 bytes: the lines are
/// fetched in pairs.
#[repr(align(128))]
pub(super) struct OwnLine<T>(pub T);

impl<T> std::ops::Deref for OwnLine<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// What cursors belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Key {
    /// A fixture job, by slot ([`Served::job_slots`]).
    Fixture(usize),
    /// A created job, by its slot among the created jobs.
    Created(usize),
    /// A recorded exchange, by slot ([`Served::exchange_slots`]).
    Exchange(usize),
}

pub(super) struct Live {
    /// Every session's cursors, and the fixture jobs each deleted (`deleteAll`), bounded.
    pub(super) cursors: Cursors<Key>,
    pub(super) created: CreatedJobs,
    /// The submissions sessions defined (`POST /__jobmock/submissions`).
    pub(super) submissions: super::submissions::Submissions,
    pub(super) reloads: Reloads,
    /// The generation of the set served now: a request that started with an older one and
    /// would move a cursor starts again with this one (see [`Stale`]).
    pub(super) generation: u64,
}

/// What reloads did, for `GET /__jobmock/health`.
#[derive(Default)]
pub(super) struct Reloads {
    pub done: u64,
    pub failed: u64,
    pub last_error: Option<String>,
    /// With `--watch`: the folder's fingerprint taken just before the set served (or the last
    /// one refused) was read, so the watcher knows what it has seen loaded.
    pub fingerprint: Option<u64>,
}

/// A handler's finding, once it held the lock, that a reload replaced the set it started with:
/// [`Replay::handle`] serves the request again with the new set, so that no cursor is moved by
/// a job's old steps.
pub(crate) struct Stale;

/// A job found by ID for a session.
pub(super) enum Found<'a> {
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

impl<'a> Found<'a> {
    /// The fixture job `id` of `served`.
    pub(super) fn fixture_job(served: &'a Served, id: &str) -> Option<Found<'a>> {
        let index = served.fixtures.job_index(id)?;
        Some(Found::Fixture {
            index,
            slot: served.job_slots[index],
            job: served.fixtures.job(index),
        })
    }
}

impl Found<'_> {
    pub(super) fn job(&self) -> &Job {
        match self {
            Found::Fixture { job, .. } => job,
            Found::Created { job, .. } => job,
        }
    }

    pub(super) fn key(&self) -> Key {
        match self {
            Found::Fixture { slot, .. } => Key::Fixture(*slot),
            Found::Created { slot, .. } => Key::Created(*slot),
        }
    }

    pub(super) fn is_created(&self) -> bool {
        matches!(self, Found::Created { .. })
    }
}

impl Replay {
    pub fn new(mut fixtures: FixtureSet, options: Options) -> Replay {
        if let Some(advance) = options.advance {
            fixtures.set_advance(advance);
        }
        let live = OwnLine(Mutex::new(Live {
            cursors: Cursors::new(options.max_sessions),
            created: CreatedJobs::new(options.max_created_jobs),
            submissions: super::submissions::Submissions::default(),
            reloads: Reloads::default(),
            generation: 0,
        }));
        let set_users = options.set_users.clone();
        Replay {
            tokens: tokens::Tokens::new(options.auth.clone(), set_users, options.speed),
            served: Current::new(Served::new(fixtures, None)),
            journal: OwnLine(Mutex::new(Journal::new(options.journal_size))),
            options,
            live,
            reloading: Mutex::new(()),
            unmatched: std::sync::atomic::AtomicU64::new(0),
            forwarding: std::sync::OnceLock::new(),
            has_private_jobs: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// How many requests nothing answered since the server started: with `--strict`, replay
    /// exits 1 at shutdown when there were any.
    pub fn unmatched_served(&self) -> u64 {
        self.unmatched.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The fixture set served now.
    pub fn served(&self) -> ServedRef {
        self.served.get()
    }

    /// The job `id` as `session` sees it: a fixture job it has not deleted, or a job it (or
    /// another session) created.
    pub(super) fn find_job<'a>(
        &self,
        served: &'a Served,
        live: &Live,
        session: &str,
        id: &str,
    ) -> Option<Found<'a>> {
        // Hidden: deleted (deleteAll), or removed once ended (a flavour that removes them).
        self.private_job(live, session, id)
            .or_else(|| self.lookup(served, live, id))
            .filter(|found| !live.cursors.is_hidden(session, found.key()))
    }

    /// The job `id` that `session` defined through the control API, which it finds before any
    /// other of that ID (no other session finds it).
    pub(super) fn private_job<'a>(
        &self,
        live: &Live,
        session: &str,
        id: &str,
    ) -> Option<Found<'a>> {
        if !self
            .has_private_jobs
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            return None;
        }
        live.created
            .find_private(session, id)
            .map(|(slot, created)| Found::Created {
                slot,
                job: Arc::clone(&created.job),
            })
    }

    /// The job `id`, whichever session sees it: for the control API.
    pub(super) fn lookup<'a>(
        &self,
        served: &'a Served,
        live: &Live,
        id: &str,
    ) -> Option<Found<'a>> {
        Found::fixture_job(served, id).or_else(|| {
            live.created.find(id).map(|(slot, created)| Found::Created {
                slot,
                job: Arc::clone(&created.job),
            })
        })
    }

    pub(super) fn journal(&self) -> MutexGuard<'_, Journal> {
        self.journal
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, Live> {
        // A panic while the lock was held cannot leave cursors or journal half-changed in a way
        // that matters to a mock, so keep serving rather than poisoning every later request.
        self.live
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
