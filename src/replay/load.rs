//! Loading the fixture set a server serves again ([`Replay::reload`], for `POST
//! /__jobmock/reload` and `--watch`): read whole, checked, and swapped in whole, or refused
//! with the old set still served; what changed ([`ReloadReport`]), and the cursors kept for
//! what did not.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::served::Served;
use super::state::{Key, Replay};
use super::watch;
use crate::fixture::FixtureSet;

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
        // A set whose steps differ from their shapes is refused as a broken one (refuse), or
        // served with warnings on stderr and in the answer (warn).
        // The set's users go with it: a reload that cannot read them fails as a whole.
        let loaded = loaded.and_then(|fixtures| {
            let warnings = super::checks::check(&fixtures, self.options.check_shapes)?;
            let users = super::tokens::read_users(fixtures.root())?;
            Ok((fixtures, warnings, users))
        });
        let (fixtures, warnings, users) = match loaded {
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
