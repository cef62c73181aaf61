//! Tokens with a lifetime: replay as the token service (`generateToken` of the Portal and of
//! the admin API, for the users given on the command line or in the set's `users.json`), the
//! tokens it issued and when each expires, tokens a script expired, and the check every request
//! of the mocked API passes (`--require-token`, `--token`, or users to issue tokens to).
//!
//! What a real server answers is kept: an unknown token is "Invalid token." (498), a missing one
//! "Token Required." (499), an expired one "Token Expired." (498), each in the error shape of
//! the API it was sent to; and the resources a real Portal serves to anyone (`…/sharing/rest/
//! info`, `portals/self`, `generateToken`, …) answer without a token.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::error::{Error, Result};

/// The file of a fixture set that names the users `generateToken` issues tokens to.
pub const USERS_FILE: &str = "users.json";

/// The most tokens remembered at once; past it the oldest are forgotten (and so invalid), so a
/// client asking for tokens in a loop cannot grow memory.
const MAX_ISSUED: usize = 100_000;

/// The most (session, job, step) places where a script expired a token, remembered so that a
/// step holding for several polls expires one token, not each new one.
const MAX_EXPIRY_PLACES: usize = 100_000;

/// A token's lifetime when the request names none: the Portal's default, in minutes.
const DEFAULT_EXPIRATION_MINUTES: u64 = 60;

/// The longest lifetime a request may ask for: two weeks, the Portal's limit.
const MAX_EXPIRATION_MINUTES: u64 = 20_160;

/// A user `generateToken` knows.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub username: String,
    pub password: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UsersFile {
    users: Vec<User>,
}

/// The users of `root/users.json`, or none when the file is not there.
pub fn read_users(root: &Path) -> Result<Vec<User>> {
    let path = root.join(USERS_FILE);
    let hint = format!(
        "{USERS_FILE} is a file such as {{\"users\": [{{\"username\": \"…\", \"password\": \"…\"}}]}}"
    );
    let Some(text) = crate::fixture::read_top_file(root, USERS_FILE, &hint)? else {
        return Ok(Vec::new());
    };
    let file: UsersFile =
        serde_json::from_slice(&text).map_err(|source| Error::json(&path, &text, source))?;
    for (index, user) in file.users.iter().enumerate() {
        if user.username.trim().is_empty() || user.password.is_empty() {
            return Err(Error::fixture(
                &path,
                format!("users[{index}]: a user needs a username and a password"),
                "write each user as {\"username\": \"…\", \"password\": \"…\"}",
            ));
        }
    }
    Ok(file.users)
}

/// What the token check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing to say: the token is good, or none is needed.
    Fine,
    /// No token where one is needed: "Token Required." (499).
    Missing,
    /// A token the server never issued (or forgot): "Invalid token." (498).
    Invalid,
    /// A token that was good and has expired: "Token Expired." (498).
    Expired,
}

/// What a `generateToken` request got.
pub enum Generated {
    Token {
        token: String,
        expires_ms: u64,
    },
    /// Unknown user or wrong password (or neither given).
    Refused,
}

/// How tokens are checked and issued.
#[derive(Debug, Clone, Default)]
pub struct TokenOptions {
    /// Requests without a token get "Token Required" (`--require-token`).
    pub required: bool,
    /// Tokens that are always good (`--token`); any other not issued here is invalid.
    pub tokens: Vec<String>,
    /// Users of the command line (`--user NAME:PASSWORD`).
    pub users: Vec<User>,
    /// Every token issued lives this long, whatever the request asks (`--token-lifetime`).
    pub lifetime: Option<Duration>,
}

struct Ticket {
    expires: Instant,
}

#[derive(Default)]
struct Issued {
    tickets: HashMap<String, Ticket>,
    order: VecDeque<String>,
    /// Tokens a script expired before their time (also `--token` ones).
    expired: HashSet<String>,
    /// Where a script expired a token: (session, job, step).
    expired_at: HashSet<(Arc<str>, Arc<str>, usize)>,
    counter: u64,
}

/// The token service of one replay server.
pub struct Tokens {
    options: TokenOptions,
    /// The set's users (`users.json`), read again on reload.
    set_users: RwLock<Vec<User>>,
    /// Whether there are users at all: read by every request, so without a lock.
    has_users: std::sync::atomic::AtomicBool,
    speed: f64,
    issued: Mutex<Issued>,
}

impl Tokens {
    pub fn new(options: TokenOptions, set_users: Vec<User>, speed: f64) -> Tokens {
        let has_users = !options.users.is_empty() || !set_users.is_empty();
        Tokens {
            options,
            has_users: std::sync::atomic::AtomicBool::new(has_users),
            set_users: RwLock::new(set_users),
            speed: if speed > 0.0 { speed } else { 1.0 },
            issued: Mutex::new(Issued::default()),
        }
    }

    /// The set's users, after a reload.
    pub fn set_users(&self, users: Vec<User>) {
        let has_users = !self.options.users.is_empty() || !users.is_empty();
        *self
            .set_users
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = users;
        self.has_users
            .store(has_users, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether replay answers `generateToken` itself: it has users to issue tokens to.
    pub fn issues(&self) -> bool {
        self.has_users.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Whether requests are checked for tokens at all.
    pub fn checks(&self) -> bool {
        self.options.required || !self.options.tokens.is_empty() || self.issues()
    }

    /// The verdict on `token`, sent to `path`.
    pub fn check(&self, token: Option<&str>, path: &str) -> Verdict {
        if !self.checks() {
            return Verdict::Fine;
        }
        let Some(token) = token else {
            return if is_anonymous(path) {
                Verdict::Fine
            } else {
                Verdict::Missing
            };
        };
        let issued = self.lock();
        if issued.expired.contains(token) {
            return Verdict::Expired;
        }
        if self.options.tokens.iter().any(|known| known == token) {
            return Verdict::Fine;
        }
        match issued.tickets.get(token) {
            Some(ticket) if Instant::now() >= ticket.expires => Verdict::Expired,
            Some(_) => Verdict::Fine,
            // With `--require-token` alone, any token is good.
            None if self.options.tokens.is_empty() && !self.issues() => Verdict::Fine,
            None => Verdict::Invalid,
        }
    }

    /// `generateToken` for `username` and `password`, asking for `expiration` minutes.
    pub fn generate(
        &self,
        username: Option<&str>,
        password: Option<&str>,
        expiration: Option<&str>,
    ) -> Generated {
        let (Some(username), Some(password)) = (username, password) else {
            return Generated::Refused;
        };
        let known = |users: &[User]| {
            users
                .iter()
                .any(|user| user.username == username && user.password == password)
        };
        let set_users = self
            .set_users
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if !known(&self.options.users) && !known(&set_users) {
            return Generated::Refused;
        }
        drop(set_users);
        let lifetime = self.options.lifetime.unwrap_or_else(|| {
            let minutes = expiration
                .and_then(|minutes| minutes.trim().parse::<u64>().ok())
                .filter(|minutes| *minutes > 0)
                .unwrap_or(DEFAULT_EXPIRATION_MINUTES)
                .min(MAX_EXPIRATION_MINUTES);
            Duration::from_secs(minutes * 60)
        });
        // A lifetime plays at --speed, as the jobs do: a one-hour token in a ten-times-faster
        // replay expires after six minutes, and says so in `expires`.
        let lifetime = lifetime.div_f64(self.speed);
        let mut issued = self.lock();
        issued.counter += 1;
        let token = new_token(issued.counter);
        if issued.order.len() >= MAX_ISSUED
            && let Some(oldest) = issued.order.pop_front()
        {
            issued.tickets.remove(&oldest);
        }
        issued.order.push_back(token.clone());
        issued.tickets.insert(
            token.clone(),
            Ticket {
                expires: Instant::now() + lifetime,
            },
        );
        let expires_ms = crate::util::clock::now_ms().saturating_add(lifetime.as_millis() as u64);
        Generated::Token { token, expires_ms }
    }

    /// A script's `expireToken`: `token` expires now, once per session, job and step (a step
    /// that holds for several polls expires the token of its first poll, not the fresh ones the
    /// client gets after).
    pub fn expire_at(&self, token: &str, session: &str, job: &Arc<str>, step: usize) {
        let mut issued = self.lock();
        let place = (Arc::from(session), Arc::clone(job), step);
        if issued.expired_at.contains(&place) {
            return;
        }
        if issued.expired_at.len() >= MAX_EXPIRY_PLACES {
            issued.expired_at.clear();
        }
        issued.expired_at.insert(place);
        if issued.expired.len() >= MAX_ISSUED {
            issued.expired.clear();
        }
        issued.expired.insert(token.to_string());
    }

    /// `POST /__jobmock/reset`: what scripts expired is good again (tokens issued keep their
    /// own lifetimes).
    pub fn reset(&self) {
        let mut issued = self.lock();
        issued.expired.clear();
        issued.expired_at.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Issued> {
        self.issued
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A token nobody can guess from another: the counter and the clock, mixed.
fn new_token(counter: u64) -> String {
    let nanos = crate::util::clock::now_nanos() as u64;
    let mixed = |seed: u64| {
        // SplitMix64: spreads the bits, so tokens differ all along.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    format!(
        "jm{:016x}{:016x}",
        mixed(nanos ^ counter.rotate_left(32)),
        mixed(counter ^ std::process::id() as u64)
    )
}

/// Whether a real server answers `path` without a token: the Portal's and the server's public
/// resources, and the token services themselves.
pub fn is_anonymous(path: &str) -> bool {
    let path = path.trim_end_matches('/');
    path.ends_with("/sharing/rest")
        || path.ends_with("/sharing/rest/info")
        || path.ends_with("/sharing/rest/portals/self")
        || path.ends_with("/sharing/rest/generateToken")
        || path.contains("/sharing/rest/oauth2/")
        || path.ends_with("/rest/info")
        // `<context>/info` (a Portal's or a server's), not any resource named info.
        || (path.ends_with("/info") && path.matches('/').count() == 2)
        || is_token_service(path)
}

/// Whether `path` is a `generateToken` operation: the Portal's, the admin API's, or a server's
/// token service.
pub fn is_token_service(path: &str) -> bool {
    let path = path.trim_end_matches('/');
    path.ends_with("/sharing/rest/generateToken")
        || path.ends_with("/admin/generateToken")
        || path.ends_with("/tokens/generateToken")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(lifetime: Option<Duration>) -> Tokens {
        Tokens::new(
            TokenOptions {
                users: vec![User {
                    username: "admin".into(),
                    password: "pw".into(),
                }],
                lifetime,
                ..TokenOptions::default()
            },
            Vec::new(),
            1.0,
        )
    }

    #[test]
    fn issued_tokens_are_good_until_they_expire() {
        let tokens = service(Some(Duration::ZERO));
        let Generated::Token { token, .. } = tokens.generate(Some("admin"), Some("pw"), None)
        else {
            panic!("admin is a user")
        };
        assert_eq!(
            tokens.check(Some(&token), "/nb/admin/system/jobs/j1"),
            Verdict::Expired
        );
        assert_eq!(
            tokens.check(Some("other"), "/nb/admin/system/jobs/j1"),
            Verdict::Invalid
        );
        assert_eq!(
            tokens.check(None, "/nb/admin/system/jobs/j1"),
            Verdict::Missing
        );
        assert_eq!(
            tokens.check(None, "/portal/sharing/rest/info"),
            Verdict::Fine
        );
        assert!(matches!(
            tokens.generate(Some("admin"), Some("wrong"), None),
            Generated::Refused
        ));

        let tokens = service(None);
        let Generated::Token { token, expires_ms } =
            tokens.generate(Some("admin"), Some("pw"), Some("2"))
        else {
            panic!("admin is a user")
        };
        assert!(expires_ms >= crate::util::clock::now_ms() + 119_000);
        assert_eq!(tokens.check(Some(&token), "/nb/admin/x"), Verdict::Fine);
        let (session, job) = (Arc::from("s"), Arc::from("j1"));
        tokens.expire_at(&token, &session, &job, 1);
        assert_eq!(tokens.check(Some(&token), "/nb/admin/x"), Verdict::Expired);
        tokens.reset();
        assert_eq!(tokens.check(Some(&token), "/nb/admin/x"), Verdict::Fine);
    }

    #[test]
    fn tokens_differ() {
        let mut seen = HashSet::new();
        for counter in 0..1000 {
            assert!(seen.insert(new_token(counter)));
        }
    }
}
