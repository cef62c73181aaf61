//! Every session's cursors ([`Cursors`]): per session name and key, made on first use, forgotten
//! on reset, and bounded in number, the least recently used sessions forgotten first.

use std::hash::Hash;

use super::sequence::Cursor;

/// The name of the session a request without `X-Jobmock-Session` belongs to.
pub const DEFAULT_SESSION: &str = "default";

/// Every cursor, by session name and key (a job or an exchange, as the caller numbers them),
/// and per session the keys it no longer sees (jobs it deleted). Cursors are made on first use.
///
/// The sessions are bounded: a client that names a new session on every request cannot grow
/// memory without limit. When a new session would pass the limit, the least recently used
/// sixteenth of the sessions is forgotten at once (so that a flood of new names costs one scan
/// per many sessions, not one per request), and counted.
#[derive(Debug)]
pub struct Cursors<K> {
    by_session: foldhash::HashMap<Box<str>, Session<K>>,
    max_sessions: usize,
    /// Bumped on every use, to find the least recently used sessions.
    clock: u64,
    forgotten: u64,
}

#[derive(Debug)]
struct Session<K> {
    last_used: u64,
    cursors: foldhash::HashMap<K, Cursor>,
    hidden: foldhash::HashSet<K>,
}

impl<K> Default for Session<K> {
    fn default() -> Session<K> {
        Session {
            last_used: 0,
            cursors: foldhash::HashMap::default(),
            hidden: foldhash::HashSet::default(),
        }
    }
}

impl<K: Copy + Eq + Hash> Default for Cursors<K> {
    fn default() -> Cursors<K> {
        Cursors::new(usize::MAX)
    }
}

impl<K: Copy + Eq + Hash> Cursors<K> {
    /// No cursors, for at most `max_sessions` sessions at once (at least one).
    pub fn new(max_sessions: usize) -> Cursors<K> {
        Cursors {
            by_session: foldhash::HashMap::default(),
            max_sessions: max_sessions.max(1),
            clock: 0,
            forgotten: 0,
        }
    }

    fn session_mut(&mut self, session: &str) -> &mut Session<K> {
        // Look up by &str first so the hot path allocates nothing for a known session.
        if !self.by_session.contains_key(session) {
            if self.by_session.len() >= self.max_sessions {
                self.forget_least_recent();
            }
            self.by_session.insert(session.into(), Session::default());
        }
        self.clock += 1;
        let entry = self
            .by_session
            .get_mut(session)
            .expect("the session was inserted above");
        entry.last_used = self.clock;
        entry
    }

    fn forget_least_recent(&mut self) {
        let count = (self.max_sessions / 16).max(1).min(self.by_session.len());
        let mut ages: Vec<u64> = self.by_session.values().map(|s| s.last_used).collect();
        let (_, &mut cutoff, _) = ages.select_nth_unstable(count - 1);
        let before = self.by_session.len();
        self.by_session.retain(|_, s| s.last_used > cutoff);
        self.forgotten += (before - self.by_session.len()) as u64;
    }

    /// The cursor of `session` at `key`, made at the start if it is new, or `None` if `key` is
    /// hidden from `session`: the session is looked up once, as a poll needs both answers.
    pub fn visible_mut(&mut self, session: &str, key: K) -> Option<&mut Cursor> {
        let session = self.session_mut(session);
        if session.hidden.contains(&key) {
            return None;
        }
        Some(session.cursors.entry(key).or_default())
    }

    /// The cursor of `session` at `key`, made at the start if it is new.
    pub fn get_mut(&mut self, session: &str, key: K) -> &mut Cursor {
        self.session_mut(session).cursors.entry(key).or_default()
    }

    /// The cursor of `session` at `key`, if it has one.
    pub fn get(&self, session: &str, key: K) -> Option<&Cursor> {
        self.by_session.get(session)?.cursors.get(&key)
    }

    /// Each session's cursor at `key`, sessions in name order.
    pub fn of(&self, key: K) -> Vec<(&str, &Cursor)> {
        let mut found: Vec<(&str, &Cursor)> = self
            .by_session
            .iter()
            .filter_map(|(session, s)| s.cursors.get(&key).map(|cursor| (&**session, cursor)))
            .collect();
        found.sort_by_key(|(session, _)| *session);
        found
    }

    /// Hides `key` from `session` (a job it deleted) until its cursors are reset.
    pub fn hide(&mut self, session: &str, key: K) {
        self.session_mut(session).hidden.insert(key);
    }

    pub fn is_hidden(&self, session: &str, key: K) -> bool {
        self.by_session
            .get(session)
            .is_some_and(|s| s.hidden.contains(&key))
    }

    pub fn sessions(&self) -> usize {
        self.by_session.len()
    }

    /// How many sessions were forgotten to stay within the limit.
    pub fn forgotten(&self) -> u64 {
        self.forgotten
    }

    /// Forgets cursors: all of them, one key's in every session, one session's, or one key's in
    /// one session. A forgotten cursor starts again at the first step; a forgotten session sees
    /// again what it had hidden.
    pub fn reset(&mut self, session: Option<&str>, key: Option<K>) {
        match (session, key) {
            (None, None) => self.by_session.clear(),
            (Some(session), None) => {
                self.by_session.remove(session);
            }
            (None, Some(key)) => {
                for s in self.by_session.values_mut() {
                    s.cursors.remove(&key);
                    s.hidden.remove(&key);
                }
            }
            (Some(session), Some(key)) => {
                if let Some(s) = self.by_session.get_mut(session) {
                    s.cursors.remove(&key);
                    s.hidden.remove(&key);
                }
            }
        }
    }

    /// Forgets, in every session, the cursors and hidden marks of the keys `keep` refuses:
    /// after a reload, those of jobs whose files changed.
    pub fn retain(&mut self, keep: impl Fn(K) -> bool) {
        for s in self.by_session.values_mut() {
            s.cursors.retain(|key, _| keep(*key));
            s.hidden.retain(|key| keep(*key));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::sequence::{Advance, Sequence};
    use super::*;
    use tokio::time::Instant;

    #[test]
    fn cursors_are_kept_per_session_and_reset_selectively() {
        let mut cursors: Cursors<usize> = Cursors::default();
        let sequence = Sequence::new(Advance::Poll, vec![1, 1], vec![0, 0]);
        let now = Instant::now();
        sequence.poll(cursors.get_mut("a", 0), now, 1.0);
        sequence.poll(cursors.get_mut("a", 1), now, 1.0);
        assert_eq!(sequence.peek(cursors.get_mut("a", 0), now, 1.0), 1);
        assert_eq!(sequence.peek(cursors.get_mut("b", 0), now, 1.0), 0);

        cursors.reset(None, Some(0));
        assert_eq!(sequence.peek(cursors.get_mut("a", 0), now, 1.0), 0);
        assert_eq!(sequence.peek(cursors.get_mut("a", 1), now, 1.0), 1);
        cursors.reset(Some("a"), None);
        assert_eq!(sequence.peek(cursors.get_mut("a", 1), now, 1.0), 0);
    }

    #[test]
    fn sessions_are_bounded_and_the_least_recently_used_go_first() {
        let mut cursors: Cursors<usize> = Cursors::new(32);
        cursors.get_mut("kept", 0).count_poll();
        for n in 0..1000 {
            cursors.get_mut(&format!("s{n}"), 0);
            // "kept" is used all along, so it is never the least recently used.
            cursors.get_mut("kept", 0);
            assert!(cursors.sessions() <= 32);
        }
        assert_eq!(cursors.get("kept", 0).map(Cursor::polls), Some(1));
        assert!(cursors.get("s0", 0).is_none());
        assert!(cursors.get("s999", 0).is_some());
        assert_eq!(cursors.forgotten(), 1000 + 1 - cursors.sessions() as u64);
    }
}
