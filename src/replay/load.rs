//! Loading a fixture set to serve, the same way at start-up ([`load`]) and on every reload
//! ([`Replay::reload`], for `POST /__jobmock/reload` and `--watch`): the `--watch`
//! fingerprint, the set read whole with `--advance`, checked against its shapes, and its
//! users. A reload swaps the new set in whole, or is refused with the old set still served;
//! it says what changed ([`ReloadReport`]), and keeps the cursors of what did not.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::checks::{self, CheckShapes};
use super::options::Options;
use super::served::Served;
use super::state::{Key, Replay};
use super::{tokens, watch};
use crate::error::Result;
use crate::fixture::FixtureSet;

/// A replay server for the set at `root`, as `jobmock replay` starts one: the set read as a
/// reload reads it, its users (`users.json`) in place of `options.set_users`.
///
/// Of `--check-shapes`, only `refuse` is acted on here, before the server listens. Warnings
/// need not hold up the start (a check of 10,000 jobs costs more than loading them from a warm
/// cache): the caller finds them beside the running server ([`checks::check`]) and prints them
/// before it exits at the latest.
pub fn load(root: &Path, mut options: Options) -> Result<Replay> {
    let check = match options.check_shapes {
        CheckShapes::Refuse => CheckShapes::Refuse,
        CheckShapes::Warn | CheckShapes::Off => CheckShapes::Off,
    };
    let (fingerprint, loaded) = read_set(root, &options, check);
    let Loaded {
        fixtures,
        warnings: _,
        users,
    } = loaded?;
    options.set_users = users;
    let replay = Replay::new(fixtures, options);
    if let Some(fingerprint) = fingerprint {
        replay.note_loaded_fingerprint(fingerprint);
    }
    Ok(replay)
}

/// A set read from its folder, ready to be served.
struct Loaded {
    fixtures: FixtureSet,
    /// What `--check-shapes warn` found (also printed on stderr).
    warnings: Vec<String>,
    /// The users of the set's `users.json`.
    users: Vec<tokens::User>,
}

/// The set at `root` read as a server serves it, at start-up and on every reload: with
/// `--advance`, checked against its shapes as `check` says, with its users; and, with
/// `--watch`, the folder's fingerprint, taken before the folder is read (a change made while
/// it loads is then seen as a change) and returned whether or not the set loads.
fn read_set(root: &Path, options: &Options, check: CheckShapes) -> (Option<u64>, Result<Loaded>) {
    let fingerprint = options.watch.then(|| watch::fingerprint(root));
    let loaded = FixtureSet::load(root).and_then(|mut fixtures| {
        if let Some(advance) = options.advance {
            fixtures.set_advance(advance);
        }
        // A set whose steps differ from their shapes is refused as a broken one (refuse), or
        // served with warnings on stderr (warn).
        let warnings = checks::check(&fixtures, check)?;
        // The set's users go with it: a set whose users.json does not read does not load.
        let users = tokens::read_users(fixtures.root())?;
        Ok(Loaded {
            fixtures,
            warnings,
            users,
        })
    });
    (fingerprint, loaded)
}

/// What a reload changed: jobs and exchanges kept as they were (with their cursors), changed
/// (cursors reset), added and removed.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReloadReport {
    pub unchanged: usize,
    pub changed: usize,
    pub added: usize,
    pub removed: usize,
    /// What `--check-shapes warn` found in the new set (also printed on stderr); answered
    /// beside the changes, not among them.
    #[serde(skip)]
    pub warnings: Vec<String>,
}

impl Replay {
    /// Reads the fixture set again from its folder and serves it from now on. Jobs and
    /// exchanges whose files did not change keep their cursors in every session; the others
    /// start again. When the set does not load, the error is returned and the set served so far
    /// goes on being served: never a half-loaded one.
    pub fn reload(&self) -> Result<ReloadReport> {
        let _one_at_a_time = self
            .reloading
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let old = self.served();
        // Checked as --check-shapes says, warn included: its warnings are answered beside the
        // changes.
        let (fingerprint, loaded) = read_set(
            old.fixtures.root(),
            &self.options,
            self.options.check_shapes,
        );
        let Loaded {
            fixtures,
            warnings,
            users,
        } = match loaded {
            Ok(loaded) => loaded,
            Err(err) => {
                let mut live = self.lock();
                live.reloads.failed += 1;
                live.reloads.last_error = Some(crate::error::report(&err));
                live.reloads.fingerprint = fingerprint.or(live.reloads.fingerprint);
                return Err(err);
            }
        };
        self.tokens.set_users(users);
        let new = Served::new(fixtures, Some(&*old));

        let (report, kept) = new.compare(&old);

        // Swapped under the lock of the cursors: no poll sees the new set with the old
        // cursors of a job that changed.
        let new_generation = new.generation;
        let mut live = self.lock();
        live.cursors.retain(|key| match key {
            Key::Created(_) => true,
            key => kept.contains(&key),
        });
        self.served.replace(new);
        live.generation = new_generation;
        live.reloads.done += 1;
        live.reloads.last_error = None;
        live.reloads.fingerprint = fingerprint.or(live.reloads.fingerprint);
        Ok(ReloadReport { warnings, ..report })
    }

    /// Notes the fingerprint of the fixture folder ([`watch::fingerprint`]) taken just before
    /// the set this server started with was read, for `--watch`.
    pub fn note_loaded_fingerprint(&self, fingerprint: u64) {
        self.lock().reloads.fingerprint = Some(fingerprint);
    }

    pub(super) fn loaded_fingerprint(&self) -> Option<u64> {
        self.lock().reloads.fingerprint
    }
}

impl Served {
    /// What changed from `old` to this set, and the keys whose cursors stay: those of the jobs
    /// and exchanges that are the same as before.
    fn compare(&self, old: &Served) -> (ReloadReport, HashSet<Key>) {
        let mut report = ReloadReport::default();
        let mut kept = HashSet::new();
        for (index, job) in self.fixtures.jobs().iter().enumerate() {
            // Another server (a changed server.json) answers every job differently: each
            // starts again.
            let same_server = old.fixtures.flavour() == self.fixtures.flavour();
            match old.fixtures.job_index(&job.id) {
                Some(before) if same_server && *old.fixtures.job(before) == *job => {
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
}
