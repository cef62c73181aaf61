//! The command line: `jobmock <mode> [flags]`. The doc comments here are the `--help` text.

//!
//! One file per command's flags, and each file converts its flags into the values the library
//! takes (`ReplayArgs::options`, `RecordArgs::options`, `From` impls), the way ripgrep turns its
//! flags into `HiArgs`: the commands in [`crate::app`] never read a flag's raw form.
//!
//! - `replay`, `record`: the serving modes' flags.
//! - `shared`: what several commands share: TLS, limits, existing folders, redaction, offsets.
//! - `diff`: `diff` and `shape infer`. `captures`: `scan`, `import har`, `sanitize har`,
//!   `report`.

mod captures;
mod diff;
mod record;
mod recording;
mod replay;
mod shared;

pub use captures::*;
pub use diff::*;
pub use record::*;
pub use recording::*;
pub use replay::*;
pub use shared::*;

use clap::{Parser, Subcommand};

/// A record-and-replay mock server for the jobs of ArcGIS Notebook Server.
///
/// jobmock serves scripted job status sequences (SUBMITTED, PROCESSING, COMPLETED or FAILED)
/// from fixture folders, so clients that submit and poll notebook jobs can be tested offline,
/// deterministically and fast.
#[derive(Debug, Parser)]
#[command(
    name = "jobmock",
    // `0.1.0 (1a2b3c4d5e6f 2026-12-02)`: the version and the commit it was built from (build.rs).
    version = env!("JOBMOCK_VERSION_LINE"),
    after_help = "Examples:\n  \
        jobmock replay                                  serve ./fixtures on 127.0.0.1:8080\n  \
        jobmock replay --fixtures tests/fixtures --listen 127.0.0.1:0\n  \
        jobmock record --upstream https://nb.example    record ./fixtures through 127.0.0.1:8081\n  \
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A recorder in front of a replay server, both with their defaults, must not fight over
    /// one port.
    #[test]
    fn record_and_replay_listen_on_different_ports_by_default() {
        let listen = |args: &[&str]| match Cli::try_parse_from(args).unwrap().command {
            Command::Record(record) => record.listen,
            Command::Replay(replay) => replay.listen,
            _ => unreachable!("only record and replay are parsed here"),
        };
        let record = listen(&["jobmock", "record", "--upstream", "https://nb.example"]);
        let replay = listen(&["jobmock", "replay"]);
        assert_eq!(record, "127.0.0.1:8081");
        assert_eq!(replay, "127.0.0.1:8080");
    }
}
