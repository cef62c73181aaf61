//! jobmock: a record-and-replay mock server for the jobs of ArcGIS Notebook Server.
//!
//! A client of Notebook Server submits a notebook job, then polls
//! `…/admin/system/jobs/<jobId>` while its status moves from SUBMITTED to PROCESSING to
//! COMPLETED or FAILED. jobmock answers those polls from fixture folders, one scripted step after
//! another, so such clients can be tested without a server.
//!
//! # Layout
//!
//! - [`cli`]: the command line (clap); its doc comments are the `--help` text.
//! - [`error`]: the crate's error type, with the file, line and field a user needs.
//! - [`fixture`]: the on-disk fixture set: layout, loading, validation.
//! - [`job`]: the sequence engine: which step a poll gets, per job and session. No I/O.
//! - [`replay`]: the replay service: routing, formats, sessions, control API, journal.
//! - [`redact`]: which parameters and headers are secrets, and how to hide them.
//! - [`server`]: the accept loop with graceful shutdown, shared by the serving modes.

pub mod cli;
pub mod error;
pub mod fixture;
pub mod job;
pub mod redact;
pub mod replay;
pub mod server;

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use cli::{Cli, Command, ReplayArgs};
use error::{Error, Result};
use fixture::FixtureSet;

/// Runs one command line to its end.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Replay(args) => run_replay(args),
    }
}

fn run_replay(args: ReplayArgs) -> Result<ExitCode> {
    if !(args.speed.is_finite() && args.speed > 0.0) {
        return Err(Error::Usage {
            message: format!(
                "--speed {} is not a positive number; use 1 to replay at the recorded pace, 10 for ten times faster",
                args.speed
            ),
        });
    }
    let fixtures = FixtureSet::load(&args.fixtures)?;
    let options = replay::Options {
        speed: args.speed,
        journal_size: args.journal_size,
        verbose: args.verbose,
    };
    let jobs = fixtures.jobs().len();
    let replay = Arc::new(replay::Replay::new(fixtures, options));

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| Error::Runtime { source })?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .map_err(|source| Error::Bind {
                addr: args.listen.clone(),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| Error::Bind {
            addr: args.listen.clone(),
            source,
        })?;
        announce(&format!("listening on http://{addr}"));
        eprintln!(
            "jobmock: serving {jobs} job(s) from {}; Ctrl-C stops",
            args.fixtures.display()
        );
        replay::serve(listener, replay, server::shutdown_signal()).await;
        Ok(ExitCode::SUCCESS)
    })
}

/// Prints the line that tells scripts and tests where the server is, and makes sure it leaves
/// the process now, not when a buffer fills.
fn announce(line: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
}
