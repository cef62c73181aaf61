//! The flags of `jobmock replay`, and the replay options they make.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{RecordingArgs, ServeLimits, TlsArgs};
use crate::error::{Error, Result};

/// The flags of `jobmock replay`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    jobmock replay\n  \
    jobmock replay --fixtures my-fixtures --listen 0.0.0.0:9000\n  \
    jobmock replay --listen 127.0.0.1:0 --speed 10      time-based jobs play 10x faster\n  \
    jobmock replay --tls --tls-cert-out cert.pem        HTTPS, for the ArcGIS API for Python\n  \
    jobmock replay --fixtures recorded --upstream https://notebooks.example.com:11443 \\\n      \
    --record-mode once                                record when the set is missing, else replay\n  \
    curl 'http://127.0.0.1:8080/arcgis/admin/system/jobs/j6185135c-92a8-4402-b8de-90a66dc61fcc?f=json'")]
pub struct ReplayArgs {
    /// The fixture set to serve: a folder holding jobs/<jobId>/ folders.
    ///
    /// Example: --fixtures fixtures
    #[arg(long, value_name = "DIR", default_value = "fixtures")]
    pub fixtures: PathBuf,

    /// Where to listen; port 0 picks a free port. The first line on stdout names the address.
    ///
    /// Example: --listen 127.0.0.1:0
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8080")]
    pub listen: String,

    /// How much faster than recorded the jobs that advance by time play (2 = twice as fast,
    /// 0.5 = half as fast). Jobs that advance per poll are not affected.
    ///
    /// Example: --speed 10
    #[arg(long, value_name = "FACTOR", default_value_t = 1.0)]
    pub speed: f64,

    /// Make every job advance per poll or by time, whatever its script.json says. Recordings
    /// keep each step's time, so `--advance time` plays them at their recorded pace.
    ///
    /// Example: --advance time --speed 10
    #[arg(long, value_enum, value_name = "HOW")]
    pub advance: Option<AdvanceArg>,

    /// The most requests the journal (GET /__jobmock/requests) keeps; the oldest go first.
    ///
    /// Example: --journal-size 10000
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub journal_size: usize,

    /// Print one line per answered request on stderr.
    ///
    /// Example: --verbose
    #[arg(short, long)]
    pub verbose: bool,

    /// Shift the recorded startTime and endTime of fixture jobs so that each session's first
    /// answer of a job is now; the recorded gaps stay.
    ///
    /// Example: --rebase-time
    #[arg(long)]
    pub rebase_time: bool,

    /// Answer requests that carry no token (token parameter, X-Esri-Authorization or
    /// Authorization: Bearer) with ArcGIS's "Token Required" (code 499).
    ///
    /// Example: --require-token
    #[arg(long)]
    pub require_token: bool,

    /// A token to accept; requests with any other token get "Invalid token" (code 498).
    /// Repeatable; implies --require-token. Tokens are never logged or journaled.
    ///
    /// Example: --token test-token-1 --token test-token-2
    #[arg(long, value_name = "VALUE")]
    pub token: Vec<String>,

    /// A user replay's token service knows, as NAME:PASSWORD; repeatable (the set's
    /// users.json adds more). With users, replay answers generateToken (the Portal's
    /// …/sharing/rest/generateToken and the admin API's …/admin/generateToken) with a token
    /// that lives for the `expiration` asked (minutes, default 60), and checks every request's
    /// token: expired ones get "Token Expired." (498). Use test credentials only.
    ///
    /// Example: --user admin:test-password
    #[arg(long, value_name = "NAME:PASSWORD", value_parser = parse_user)]
    pub user: Vec<crate::replay::tokens::User>,

    /// Every token generateToken issues lives this many seconds, whatever the request asks
    /// (scaled by --speed, as the jobs are): shorter than a job, to see what a client does
    /// when its token runs out.
    ///
    /// Example: --token-lifetime 5
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(0..=1_209_600))]
    pub token_lifetime: Option<u64>,

    /// A token the control API (/__jobmock/) requires: control requests must send it in the
    /// X-Jobmock-Control-Token header (or the controlToken parameter); others get 401. Give one
    /// when the server listens beyond this machine.
    ///
    /// Example: --control-token "$(openssl rand -hex 16)"
    #[arg(long, value_name = "TOKEN")]
    pub control_token: Option<String>,

    /// Fail on requests no fixture answers: each gets HTTP 400 with an ArcGIS error body
    /// (`{"error":{…}}`, which the ArcGIS client raises on, and not 5xx, which it retries) and
    /// is printed on stderr with the exchange or job it came closest to; at shutdown, replay
    /// exits 1 if there was any. For CI, where an unmatched request is a broken test.
    #[arg(long)]
    pub strict: bool,

    /// Check every step against the shapes `jobmock diff` checks (its job type's, or an ArcGIS
    /// error shape; each job's steps as a sequence) when the set is loaded, at start and on
    /// every reload: warn prints each finding on stderr with its file, line and column and
    /// serves the set as written; refuse refuses such a set (exit 2 at start, HTTP 422 on a
    /// reload, as a broken file); off skips the check.
    ///
    /// Example: --check-shapes refuse
    #[arg(long, value_enum, value_name = "WHAT", default_value_t = CheckShapesArg::Warn)]
    pub check_shapes: CheckShapesArg,

    #[command(flatten)]
    pub tls: TlsArgs,

    /// Re-read the fixture set when its files change (checked twice a second, less often for
    /// a large set). Jobs whose
    /// files did not change keep their cursors; a broken set is reported and the previous one
    /// keeps serving. `POST /__jobmock/reload` does the same on demand.
    ///
    /// Example: --watch
    #[arg(long)]
    pub watch: bool,

    /// The most sessions (X-Jobmock-Session names) with cursors at once; when a new one would
    /// pass it, the least recently used sixteenth are forgotten (counted in GET
    /// /__jobmock/health).
    ///
    /// Example: --max-sessions 100000
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub max_sessions: usize,

    /// The most jobs created by clients (executeNotebook, openNotebook) kept at once; the
    /// oldest is forgotten first (counted in GET /__jobmock/health).
    ///
    /// Example: --max-created-jobs 100000
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub max_created_jobs: usize,

    /// The largest request body read, in bytes; a larger POST is answered 413.
    ///
    /// Example: --max-body-bytes 10485760
    #[arg(long, value_name = "BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,

    #[command(flatten)]
    pub limits: ServeLimits,

    #[command(flatten)]
    pub recording: RecordingArgs,
}

/// `--user NAME:PASSWORD`.
fn parse_user(text: &str) -> Result<crate::replay::tokens::User, String> {
    match text.split_once(':') {
        Some((name, password)) if !name.trim().is_empty() && !password.is_empty() => {
            Ok(crate::replay::tokens::User {
                username: name.to_string(),
                password: password.to_string(),
            })
        }
        // The value is not echoed: it may be a password typed wrong.
        _ => Err("give NAME:PASSWORD (a user name, a colon, a password)".to_string()),
    }
}

/// What replay does with steps that differ from their shapes, for `replay --check-shapes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckShapesArg {
    /// Print each finding on stderr and serve the set as written.
    Warn,
    /// Refuse the set: exit 2 at start, HTTP 422 on a reload.
    Refuse,
    /// Do not check.
    Off,
}

/// How steps advance, for `replay --advance`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AdvanceArg {
    /// One poll at a time, each step holding for its polls.
    Poll,
    /// By time since the first poll, each step at its offsetMs.
    Time,
}

impl From<CheckShapesArg> for crate::replay::checks::CheckShapes {
    fn from(arg: CheckShapesArg) -> Self {
        use crate::replay::checks::CheckShapes;
        match arg {
            CheckShapesArg::Warn => CheckShapes::Warn,
            CheckShapesArg::Refuse => CheckShapes::Refuse,
            CheckShapesArg::Off => CheckShapes::Off,
        }
    }
}

impl From<AdvanceArg> for crate::job::Advance {
    fn from(arg: AdvanceArg) -> Self {
        match arg {
            AdvanceArg::Poll => crate::job::Advance::Poll,
            AdvanceArg::Time => crate::job::Advance::Time,
        }
    }
}

impl ReplayArgs {
    /// The replay options these flags ask for. The set's own users
    /// (`set_users`) are not flags: they are read with the set.
    pub fn options(&self) -> Result<crate::replay::Options> {
        if !(self.speed.is_finite() && self.speed > 0.0) {
            return Err(Error::Usage {
                message: format!(
                    "--speed {} is not a positive number; use 1 to replay at the recorded pace, 10 for ten times faster",
                    self.speed
                ),
            });
        }
        Ok(crate::replay::Options {
            speed: self.speed,
            journal_size: self.journal_size,
            verbose: self.verbose,
            scheme: if self.tls.wanted() { "https" } else { "http" },
            rebase_time: self.rebase_time,
            auth: crate::replay::Auth {
                required: self.require_token || !self.token.is_empty(),
                tokens: self.token.clone(),
                users: self.user.clone(),
                lifetime: self.token_lifetime.map(std::time::Duration::from_secs),
            },
            set_users: Vec::new(),
            control_token: self.control_token.clone().filter(|token| !token.is_empty()),
            advance: self.advance.map(Into::into),
            max_sessions: self.max_sessions,
            max_created_jobs: self.max_created_jobs,
            max_body_bytes: self.max_body_bytes,
            watch: self.watch,
            limits: (&self.limits).into(),
            strict: self.strict,
            check_shapes: self.check_shapes.into(),
            record_mode: self.recording.record_mode.into(),
        })
    }
}
