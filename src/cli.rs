//! The command line: `jobmock <mode> [flags]`. The doc comments here are the `--help` text.

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
        jobmock record --upstream https://notebooks.example.com:11443 --fixtures recorded\n\n\
        Exit codes: 0 success, 2 error (bad fixtures, bad flags, address in use)."
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
    /// step repeats. Requests with an `X-Jobmock-Session: NAME` header get their own cursors. The
    /// control API is under /__jobmock/ (health, jobs, jobs/<jobId>/advance, reset, requests).
    Replay(ReplayArgs),

    /// Proxy a real Notebook Server and write its answers into a fixture set.
    ///
    /// Point the client's base URL at the proxy. Every request is forwarded to --upstream and its
    /// answer goes back unchanged (but for hop-by-hop headers, and URLs naming the upstream,
    /// which are made to name the proxy so the client keeps talking through it). Job polls become
    /// steps of jobs/<jobId>/, every other exchange a folder of exchanges/, ready for `jobmock
    /// replay`. Tokens, passwords, cookies and credential headers are never written.
    Record(RecordArgs),
}

/// The flags of `jobmock replay`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    jobmock replay\n  \
    jobmock replay --fixtures my-fixtures --listen 0.0.0.0:9000\n  \
    jobmock replay --listen 127.0.0.1:0 --speed 10      time-based jobs play 10x faster\n  \
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
}

/// The flags of `jobmock record`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    jobmock record --upstream https://notebooks.example.com:11443 --fixtures recorded\n  \
    jobmock record --upstream https://10.0.0.5:11443 --insecure --redact-field username\n  \
    then point the client at http://127.0.0.1:8080/arcgis/admin/ … and replay with\n  \
    jobmock replay --fixtures recorded")]
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

    /// What to do with a job or exchange folder that exists already: refuse (record nothing for
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

    /// Replace the value of this JSON field wherever it occurs with a pseudonym, the same value
    /// always getting the same one (REDACTED-username-1). Repeatable.
    ///
    /// Example: --redact-field username --redact-field itemId
    #[arg(long, value_name = "NAME")]
    pub redact_field: Vec<String>,
}

/// What to do with a folder that exists already.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Existing {
    Refuse,
    Overwrite,
    Append,
}

/// How steps advance, for `replay --advance`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AdvanceArg {
    /// One poll at a time, each step holding for its polls.
    Poll,
    /// By time since the first poll, each step at its offsetMs.
    Time,
}
