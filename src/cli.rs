//! The command line: `jobmock <mode> [flags]`. The doc comments here are the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
        jobmock replay --fixtures tests/fixtures --listen 127.0.0.1:0\n\n\
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
