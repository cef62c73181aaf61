//! The flags of the commands that work on captures and sets on disk: `scan`, `import har`,
//! `sanitize har` and `report`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{RedactionArgs, WritingArgs};

/// The flags of `jobmock report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The fixture set.
    ///
    /// Example: customer-case
    #[arg(value_name = "DIR")]
    pub fixtures: PathBuf,

    /// Where to write the page.
    ///
    /// Example: --out customer-case.html
    #[arg(long, value_name = "FILE", default_value = "jobmock-report.html")]
    pub out: PathBuf,

    /// Replace --out if it exists.
    #[arg(long)]
    pub overwrite: bool,
}

/// The `jobmock import` commands.
#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub command: ImportCommand,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Turn a HAR capture (DevTools "Save all as HAR with content", Fiddler, Charles,
    /// mitmproxy) into a fixture set, as `record` would have written it.
    ///
    /// Job polls become steps of jobs/<jobId>/ (equal answers in a row collapsed into one step
    /// with its hold count, each step at its time from the job's first poll), every other
    /// exchange a folder of exchanges/, URLs naming the server become {{origin}}; entries are
    /// taken in the order their answers arrived. The same redaction as `record`, learned from
    /// the whole capture before anything is written. Entries of other sites, from the browser's
    /// cache or without an answer are skipped and counted; an answer the HAR does not hold
    /// whole is reported, never invented. A new set is written whole or not at all.
    #[command(after_help = "Examples:
          jobmock import har customer.har --fixtures customer-case
          jobmock import har capture.har --origin https://notebooks.example.com --append
          then: jobmock replay --fixtures customer-case

        Exit codes: 0 imported and the closing scan found nothing, 1 the scan found something,
        2 an error (a malformed HAR is named with the JSON path of the bad field).")]
    Har(ImportHarArgs),
}

/// The flags of `jobmock import har`.
#[derive(Debug, Args)]
pub struct ImportHarArgs {
    /// The HAR file (HAR 1.2, as every browser and proxy writes it).
    ///
    /// Example: customer.har
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// The fixture set to write; made if missing.
    ///
    /// Example: --fixtures customer-case
    #[arg(long, value_name = "DIR", default_value = "fixtures")]
    pub fixtures: PathBuf,

    /// The server whose entries are imported, as the HAR names it; repeatable. Default: every
    /// server that answered an ArcGIS request (a job, …/admin/…, …/sharing/rest/…).
    ///
    /// Example: --origin https://notebooks.example.com:11443
    #[arg(long, value_name = "URL")]
    pub origin: Vec<String>,

    #[command(flatten)]
    pub writing: WritingArgs,
}

/// The `jobmock sanitize` commands.
#[derive(Debug, Args)]
pub struct SanitizeArgs {
    #[command(subcommand)]
    pub command: SanitizeCommand,
}

#[derive(Debug, Subcommand)]
pub enum SanitizeCommand {
    /// Write a HAR again with every credential removed and personal data given pseudonyms,
    /// still a HAR 1.2 that DevTools and any viewer open: safe to send to anyone, with or
    /// without jobmock.
    ///
    /// The same redaction as `record` and `import har`: credentials the client sent and the
    /// server issued, in headers, cookies, parameters, bodies (JSON, forms, text, base64) and
    /// redirects, replaced wherever they occur in the file. Binary bodies (images, fonts) are
    /// removed. The result is scanned.
    #[command(after_help = "Examples:
          jobmock sanitize har session.har --out session-safe.har

        Exit codes: 0 written and its scan found nothing, 1 the scan found something,
        2 an error.")]
    Har(SanitizeHarArgs),
}

/// The flags of `jobmock sanitize har`.
#[derive(Debug, Args)]
pub struct SanitizeHarArgs {
    /// The HAR to sanitize; it is not changed.
    ///
    /// Example: session.har
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Where to write the sanitized HAR.
    ///
    /// Example: --out session-safe.har
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,

    /// Replace --out if it exists.
    #[arg(long)]
    pub overwrite: bool,

    #[command(flatten)]
    pub redaction: RedactionArgs,
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
