//! jobmock: a record-and-replay mock server for the jobs of ArcGIS Notebook Server.
//!
//! A client of Notebook Server submits a notebook job, then polls
//! `…/admin/system/jobs/<jobId>` while its status moves from SUBMITTED to PROCESSING to
//! COMPLETED or FAILED. jobmock answers those polls from fixture folders, one scripted step after
//! another, so such clients can be tested without a server.
//!
//! # Layout
//!
//! - [`api`]: what both modes know of the ArcGIS REST API: job paths and IDs, formats, error
//!   bodies, and the server flavours (Notebook Server, Enterprise on Kubernetes) and what
//!   differs between them.
//! - [`app`]: the commands, one file each: flags in, library calls, what is printed, the exit
//!   code.
//! - [`cli`]: the command line (clap); its doc comments are the `--help` text, and it turns
//!   flags into the library's options.
//! - [`error`]: the crate's error type, with the file, line and field a user needs.
//! - [`fixture`]: the on-disk fixture set: layout, loading, validation.
//! - [`job`]: the job model and engine: which answer a poll gets, per job and session. No I/O.
//! - [`replay`]: the replay service: routing, formats, sessions, control API, journal, the
//!   verification report and near misses of unmatched requests.
//! - [`record`]: the record proxy: forward to the real server, write its answers as fixtures.
//! - [`params`]: request parameters from the query string and form bodies.
//! - [`parallel`]: independent work split over the machine's cores, results in order.
//! - [`shape`]: the shape notation: parse, check a payload, infer from payloads, write.
//! - [`diff`]: walk recorded payloads, check them and their sequences, report the drift; the
//!   same checks over a set replay has loaded (`replay --check-shapes`).
//! - [`redact`]: what must never be written (credentials, in any encoding) and what becomes a
//!   pseudonym (personal data): learned from each exchange, hunted through every text.
//! - [`scan`]: `jobmock scan`, a fixture set (or a HAR) checked for credentials and personal data.
//! - [`har`]: HAR 1.2 captures: read, imported as a fixture set, sanitized (replay exports its
//!   journal as one, `replay::journal::har`).
//! - [`ui`]: the web view (`/__jobmock/ui`, `jobmock report`): jobs, polls on a time axis, the
//!   journal, escaped and without script.
//! - [`output`]: all printing: stdout's writes end a command on a closed pipe, stderr's never
//!   panic.
//! - [`server`]: the accept loop with limits and graceful shutdown, shared by the serving modes.
//! - [`testing`]: an in-process mock server for Rust tests (`MockServer::start()`), its
//!   scenarios defined through the control API.
//! - [`tls`]: HTTPS for the serving modes: a self-signed certificate made at start, or files.
//! - [`util`]: the ground floor: text positions, bounded reads, atomic writes, the clock, the
//!   JSON string walker.
//! - `fuzzing`: the properties the fuzz targets check, shared with their regression tests.

// Printing goes through `output`, which neither panics on a closed pipe nor hides a failed write.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod api;
pub mod app;
pub mod cli;
pub mod diff;
pub mod error;
pub mod fixture;
#[doc(hidden)]
pub mod fuzzing;
pub mod har;
pub mod job;
pub mod output;
pub mod parallel;
pub mod params;
pub mod record;
pub mod redact;
pub mod replay;
pub mod scan;
pub mod server;
pub mod shape;
pub mod testing;
pub mod tls;
pub mod ui;
pub mod util;

pub use app::run;
