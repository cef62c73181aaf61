//! How a replay server behaves beyond its fixtures ([`Options`]), with the defaults the tests
//! and the library start from; `jobmock replay` fills them from its flags.

use super::{checks, tokens};
use crate::job::Advance;

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
    /// The token control requests must carry (`--control-token`), if any.
    pub control_token: Option<String>,
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
    /// `--strict`: a request nothing answers gets HTTP 400 and is printed, and the server
    /// exits 1 at shutdown if there was any.
    pub strict: bool,
    /// The users of the set's `users.json` ([`tokens::read_users`]): [`super::load()`] reads
    /// them (and a reload again); a caller that makes its [`super::Replay`] itself gives them.
    pub set_users: Vec<tokens::User>,
    /// `--check-shapes`: what a reload does with steps that differ from their shapes. Of the
    /// set a server starts with, [`super::load()`] refuses one (`refuse`); its warnings are
    /// the caller's to find ([`checks::check`]): `jobmock replay` warns from beside the server
    /// once it listens.
    pub check_shapes: checks::CheckShapes,
    /// `--record-mode`: what a server with `--upstream` records (said by `/__jobmock/health`).
    pub record_mode: RecordMode,
}

/// `--require-token`, `--token`, `--user` and `--token-lifetime`.
pub type Auth = tokens::TokenOptions;

impl Default for Options {
    fn default() -> Options {
        Options {
            speed: 1.0,
            journal_size: 1000,
            verbose: false,
            scheme: "http",
            rebase_time: false,
            auth: Auth::default(),
            control_token: None,
            max_created_jobs: 10_000,
            max_sessions: 10_000,
            max_body_bytes: 1024 * 1024,
            advance: None,
            watch: false,
            limits: crate::server::Limits::default(),
            strict: false,
            set_users: Vec::new(),
            check_shapes: checks::CheckShapes::Warn,
            record_mode: RecordMode::None,
        }
    }
}

/// `--record-mode`: what a server with an upstream records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RecordMode {
    /// Only what is recorded is served; nothing is forwarded.
    #[default]
    None,
    /// A set that is empty or missing is recorded (as `all`); one that exists is replayed.
    Once,
    /// What the set has is replayed; what it has no answer for is forwarded and recorded.
    NewEpisodes,
    /// Everything is forwarded and recorded afresh, replacing the set when the server stops.
    All,
}

impl RecordMode {
    /// Its name, as `--record-mode` takes it and `/__jobmock/health` says it.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordMode::None => "none",
            RecordMode::Once => "once",
            RecordMode::NewEpisodes => "new_episodes",
            RecordMode::All => "all",
        }
    }
}
