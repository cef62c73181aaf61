//! The command line: `jobmock <mode> [flags]`. The doc comments here are the `--help` text.

mod captures;
mod diff;

pub use captures::*;
pub use diff::*;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// A record-and-replay mock server for the jobs of ArcGIS Notebook Server.
///
/// jobmock serves scripted job status sequences (SUBMITTED, PROCESSING, COMPLETED or FAILED)
/// from fixture folders, so clients that submit and poll notebook jobs can be tested offline,
/// deterministically and fast.
#[derive(Debug, Parser)]
#[command(
    name = "jobmock",
    version,
    after_help = "Examples:\n  \
        jobmock replay                                  serve ./fixtures on 127.0.0.1:8080\n  \
        jobmock replay --fixtures tests/fixtures --listen 127.0.0.1:0\n  \
        jobmock record --upstream https://notebooks.example.com:11443 --fixtures recorded\n  \
        jobmock diff recorded                           check recorded payloads for drift\n  \
        jobmock scan recorded                           look for credentials and personal data\n\n\
        Exit codes: 0 success, 1 drift found (diff) or something found (scan, record's closing\n\
        scan), 2 error (bad fixtures, bad flags, address in use)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the jobs of a fixture set, each job's steps in order, per job and per session.
    ///
    /// Each poll of <context>/admin/system/jobs/<jobId> answers the job's next step; the last
    /// step repeats. A set whose server.json says "enterprise-kubernetes" is served as ArcGIS
    /// Enterprise on Kubernetes: jobs at <context>/admin/notebooks/jobs/<jobId>, statuses such
    /// as EXECUTING, a job gone (404) once a session was answered its end. Requests under /__session/NAME/ (or with an `X-Jobmock-Session: NAME`
    /// header) get their own cursors. The control API is under /__jobmock/ (health, jobs,
    /// jobs/<jobId>/advance, exchanges, reset, requests (also as HAR), verify, reload).
    Replay(ReplayArgs),

    /// Proxy a real Notebook Server and write its answers into a fixture set.
    ///
    /// Point the client's base URL at the proxy (with --tls for the ArcGIS API for Python). Every
    /// request is forwarded to --upstream and its answer goes back unchanged (but for hop-by-hop
    /// headers, and URLs naming the upstream, which are made to name the proxy so the client
    /// keeps talking through it). Job polls become steps of jobs/<jobId>/, every other exchange
    /// a folder of exchanges/, ready for `jobmock replay`. Credentials are never written, in any
    /// encoding; personal data gets pseudonyms; what was written is scanned at the end. A
    /// WebSocket (any `Connection: upgrade` the upstream accepts with 101, such as a notebook's
    /// kernel channel) is tunnelled to the upstream both ways and not recorded.
    Record(RecordArgs),

    /// Check recorded payloads against the expected shapes of their job types, and show the drift.
    ///
    /// Every job payload under the paths (fixture sets, job folders, files) is checked against
    /// the shape of its `type` (built in for openNotebook and executeNotebook; --shapes adds or
    /// replaces), and each job's steps as a sequence: legal status transitions, progress that
    /// never goes down, endTime not before startTime, one jobId and type throughout, jobId equal
    /// to its folder's name. Exit code 0: no drift; 1: drift; 2: an error.
    Diff(DiffArgs),

    /// Work with shapes: `jobmock shape infer` learns one from recorded payloads.
    Shape(ShapeArgs),

    /// Look through a fixture set for credentials and personal data before you send it to
    /// anyone.
    ///
    /// Redaction run dry: everything is learned first, then each file is scrubbed in memory as
    /// `record` writes it (a HAR as `sanitize har` does), and every place that would change is
    /// reported, with file:line:column (a HAR's JSON path) and the value masked: credentials by
    /// name (token, gis_pass, AccountKey, …) and shape (Bearer, Basic, JWTs, API keys), and
    /// personal values by field (username, fullName, created_user, …) that are not pseudonyms.
    /// Exit code 0: nothing found; 1: something found; 2: an error.
    Scan(ScanArgs),

    /// Turn a capture into a fixture set: `jobmock import har FILE.har`.
    Import(ImportArgs),

    /// Write a capture again with credentials and personal data removed: `jobmock sanitize
    /// har IN.har --out OUT.har`.
    Sanitize(SanitizeArgs),

    /// Write the web view of a fixture set on disk as one self-contained HTML file.
    ///
    /// Each job's steps (status, progress, hold count, recorded offset, fault) drawn on an axis,
    /// the templates, the exchanges, and `jobmock diff`'s findings for the set: what
    /// GET /__jobmock/ui shows of a running server, for a recording nobody has to serve. The
    /// file holds no script and fetches nothing; every value in it is escaped.
    #[command(after_help = "Examples:\n  \
        jobmock report customer-case --out customer-case.html\n\n\
        Exit codes: 0 written, 2 an error (a broken set, an --out that exists).")]
    Report(ReportArgs),
}

/// The flags of `jobmock replay`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    jobmock replay\n  \
    jobmock replay --fixtures my-fixtures --listen 0.0.0.0:9000\n  \
    jobmock replay --listen 127.0.0.1:0 --speed 10      time-based jobs play 10x faster\n  \
    jobmock replay --tls --tls-cert-out cert.pem        HTTPS, for the ArcGIS API for Python\n  \
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
}

/// HTTPS for a serving mode; shared by replay and record.
#[derive(Debug, Clone, Args)]
pub struct TlsArgs {
    /// Serve HTTPS with a self-signed certificate made at start for localhost and 127.0.0.1
    /// (or the one of --tls-cert and --tls-key). The listening line then says https://.
    ///
    /// Example: --tls --tls-cert-out jobmock-cert.pem
    #[arg(long)]
    pub tls: bool,

    /// Where to write the self-signed certificate (PEM) of --tls, so a client can trust it.
    ///
    /// Example: --tls-cert-out jobmock-cert.pem
    #[arg(
        long,
        value_name = "FILE",
        requires = "tls",
        conflicts_with = "tls_cert"
    )]
    pub tls_cert_out: Option<PathBuf>,

    /// Serve HTTPS with this certificate chain (PEM) instead of a self-signed one.
    ///
    /// Example: --tls-cert server.pem --tls-key server-key.pem
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// The private key (PEM) of --tls-cert.
    ///
    /// Example: --tls-key server-key.pem
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

/// What one client may take of a serving mode; shared by replay and record.
#[derive(Debug, Clone, Args)]
pub struct ServeLimits {
    /// Seconds a client may take to send a request's headers (or its body, or the next request
    /// on a kept-alive connection) before it is cut off.
    ///
    /// Example: --header-timeout 5
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub header_timeout: u64,

    /// The largest request head (request line and headers), in bytes; a larger one is answered
    /// 431. At least 8192.
    ///
    /// Example: --max-header-bytes 16384
    #[arg(long, value_name = "BYTES", default_value_t = 64 * 1024,
          value_parser = clap::value_parser!(u64).range(8192..))]
    pub max_header_bytes: u64,

    /// The most connections served at once; further clients wait until one closes.
    ///
    /// Example: --max-connections 4096
    #[arg(long, value_name = "N", default_value_t = 1024,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections: u64,
}

impl ServeLimits {
    pub fn to_limits(&self) -> crate::server::Limits {
        crate::server::Limits {
            header_read_timeout: std::time::Duration::from_secs(self.header_timeout.max(1)),
            max_header_bytes: self.max_header_bytes as usize,
            max_connections: self.max_connections as usize,
        }
    }
}

/// The flags of `jobmock record`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    jobmock record --upstream https://notebooks.example.com:11443 --fixtures recorded\n  \
    jobmock record --upstream https://10.0.0.5:11443 --insecure --tls --tls-cert-out proxy.pem\n  \
    then point the client at https://127.0.0.1:8080/arcgis/admin/ … and replay with\n  \
    jobmock replay --fixtures recorded\n\n\
    Exit codes: 0 recorded and the closing scan found nothing, 1 the scan found something,\n\
    2 an error.")]
pub struct RecordArgs {
    /// The real server to forward to: scheme, host and port, and optionally a path put before
    /// every request's path.
    ///
    /// Example: --upstream https://notebooks.example.com:11443
    #[arg(long, value_name = "URL")]
    pub upstream: String,

    /// The fixture set to write into; made if missing.
    ///
    /// Example: --fixtures recorded
    #[arg(long, value_name = "DIR", default_value = "fixtures")]
    pub fixtures: PathBuf,

    /// Where to listen; port 0 picks a free port. The first line on stdout names the address.
    ///
    /// Example: --listen 127.0.0.1:0
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8080")]
    pub listen: String,

    /// A PEM file of CA certificates to trust for an HTTPS upstream, besides the usual roots.
    ///
    /// Example: --ca-cert company-root-ca.pem
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,

    /// Accept any certificate from an HTTPS upstream, such as a self-signed one (a warning is
    /// printed). The connection is still encrypted.
    ///
    /// Example: --insecure
    #[arg(long)]
    pub insecure: bool,

    /// Seconds the upstream may take to connect, and to answer a request.
    ///
    /// Example: --upstream-timeout 120
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub upstream_timeout: u64,

    #[command(flatten)]
    pub existing: ExistingArgs,

    #[command(flatten)]
    pub redaction: RedactionArgs,

    /// How step times (offsetMs) are written: rounded (two significant figures, at least
    /// 100 ms, so recording a scenario again changes few files), exact (milliseconds), or none
    /// (steps advance per poll only).
    ///
    /// Example: --offsets exact
    #[arg(long, value_enum, value_name = "HOW", default_value_t = OffsetsArg::Rounded)]
    pub offsets: OffsetsArg,

    /// The largest answer stored, in bytes (decoded). A larger one is passed to the client as
    /// it streams in, not buffered, and not recorded (the summary says so). At most 16 MiB,
    /// the largest file replay loads.
    ///
    /// Example: --max-record-bytes 1048576
    #[arg(long, value_name = "BYTES", default_value_t = 16 * 1024 * 1024,
          value_parser = clap::value_parser!(u64).range(1..=16 * 1024 * 1024))]
    pub max_record_bytes: u64,

    /// The largest request body forwarded, in bytes; a larger one is answered 413.
    ///
    /// Example: --max-body-bytes 104857600
    #[arg(long, value_name = "BYTES", default_value_t = 64 * 1024 * 1024)]
    pub max_body_bytes: usize,

    #[command(flatten)]
    pub tls: TlsArgs,

    #[command(flatten)]
    pub limits: ServeLimits,
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

/// What to do with folders that exist: the same flags for record and import.
#[derive(Debug, Args)]
pub struct ExistingArgs {
    /// What to do with a job or exchange folder that exists already: refuse (write nothing for
    /// it, and say so), overwrite (replace it), or append (add the new steps after the old).
    ///
    /// Example: --existing append
    #[arg(long, value_enum, value_name = "WHAT", default_value_t = Existing::Refuse)]
    pub existing: Existing,

    /// Same as --existing overwrite.
    ///
    /// Example: --overwrite
    #[arg(long, conflicts_with_all = ["existing", "append"])]
    pub overwrite: bool,

    /// Same as --existing append.
    ///
    /// Example: --append
    #[arg(long, conflicts_with = "existing")]
    pub append: bool,
}

/// What redaction keeps and adds: the same flags for record, import and sanitize.
#[derive(Debug, Args)]
pub struct RedactionArgs {
    /// Keep this kind of personal data as it is instead of giving it pseudonyms: username (also
    /// user, owner), email, fullName, firstName or lastName. Repeatable. Credentials are never
    /// kept.
    ///
    /// Example: --keep-field username
    #[arg(long, value_name = "NAME")]
    pub keep_field: Vec<String>,

    /// Also replace the value of this field (JSON field or parameter) with a pseudonym wherever
    /// it occurs, the same value always getting the same one (REDACTED-itemId-1). Repeatable.
    ///
    /// Example: --redact-field itemId
    #[arg(long, value_name = "NAME")]
    pub redact_field: Vec<String>,

    /// A regular expression for secrets only you know (a licence key, an internal host name):
    /// every match, in any encoding, becomes REDACTED. Repeatable.
    ///
    /// Example: --redact-value 'ACME-[0-9]{6}'
    #[arg(long, value_name = "REGEX")]
    pub redact_value: Vec<String>,
}

/// How `record` writes step times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OffsetsArg {
    Rounded,
    Exact,
    None,
}

/// The flags of `jobmock scan`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    jobmock scan recorded                          before sending a recording to anyone\n  \
    jobmock scan recorded --keep-field username    usernames kept on purpose are fine\n\n\
    Exit codes: 0 nothing found, 1 something found, 2 an error.")]
pub struct ScanArgs {
    /// Fixture sets, folders or files to scan; a HAR file is read as one (findings named by
    /// their JSON path).
    ///
    /// Example: jobmock scan recorded
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,

    /// A kind of personal data kept on purpose (record --keep-field): not reported.
    ///
    /// Example: --keep-field username
    #[arg(long, value_name = "NAME")]
    pub keep_field: Vec<String>,
}

/// What to do with a folder that exists already.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Existing {
    Refuse,
    Overwrite,
    Append,
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
