//! Flags several commands share (TLS and limits for the serving modes; existing folders,
//! redaction and offsets for the commands that write a set), and the values they make.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::error::{Error, Result};

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

impl TlsArgs {
    /// Whether the flags ask for HTTPS.
    pub fn wanted(&self) -> bool {
        self.tls || (self.tls_cert.is_some() && self.tls_key.is_some())
    }

    /// The TLS acceptor the flags ask for: the given certificate and key, a self-signed
    /// certificate made now (`--tls`), or none (plain HTTP).
    pub fn acceptor(&self) -> Result<Option<tokio_rustls::TlsAcceptor>> {
        use crate::tls::{Certificate, acceptor};
        Ok(match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Some(acceptor(&Certificate::Files {
                cert: cert.clone(),
                key: key.clone(),
            })?),
            _ if self.tls => Some(acceptor(&Certificate::SelfSigned {
                write_to: self.tls_cert_out.clone(),
            })?),
            _ => None,
        })
    }
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

impl From<&ServeLimits> for crate::server::Limits {
    fn from(limits: &ServeLimits) -> crate::server::Limits {
        let ServeLimits {
            header_timeout,
            max_header_bytes,
            max_connections,
        } = *limits;
        crate::server::Limits {
            header_read_timeout: std::time::Duration::from_secs(header_timeout.max(1)),
            max_header_bytes: max_header_bytes as usize,
            max_connections: max_connections as usize,
        }
    }
}

/// How a set is written: the same flags for record and import.
#[derive(Debug, Args)]
pub struct WritingArgs {
    #[command(flatten)]
    pub existing: ExistingArgs,

    #[command(flatten)]
    pub redaction: RedactionArgs,

    #[command(flatten)]
    pub stable: StableArgs,
}

/// What keeps a re-recording the same files (for record, import, and replay's record modes).
#[derive(Debug, Args)]
pub struct StableArgs {
    /// How step times (offsetMs) are written: none (the default: steps advance per poll, and
    /// polls counts them, so recording a scenario again does not rewrite a step for timing
    /// noise), rounded (two significant figures, at least 100 ms), or exact (milliseconds).
    /// Offsets are what replay's time mode (advance "time") needs.
    ///
    /// Example: --offsets rounded
    #[arg(long, value_enum, value_name = "HOW", default_value_t = OffsetsArg::None)]
    pub offsets: OffsetsArg,

    /// Keep the job IDs the server assigned. Without it, each job gets an ID of the
    /// recording's own, in every file and URL that holds it: the operation that submitted it
    /// and its order (executeNotebook-1, openNotebook-1, executeNotebook-2), or job-1, job-2
    /// for jobs polled that no recorded submission announced. So a scenario recorded again
    /// writes the same files.
    ///
    /// Example: --keep-job-ids
    #[arg(long)]
    pub keep_job_ids: bool,

    /// Keep the startTime and endTime of jobs as the server sent them. Without it, each job's
    /// first startTime becomes 1700000000000 (2023-11-14T22:13:20Z) for the first job, a
    /// minute later for each next one, and the job's other times move by as much, so the gaps
    /// within a job stay (as replay --rebase-time keeps them).
    ///
    /// Example: --keep-times
    #[arg(long)]
    pub keep_times: bool,
}

impl StableArgs {
    /// Which rewrites keep a recording stable, from `--keep-job-ids` and `--keep-times`.
    pub fn stability(&self) -> crate::fixture::stable::Stability {
        crate::fixture::stable::Stability {
            job_ids: !self.keep_job_ids,
            times: !self.keep_times,
        }
    }
}

/// What to do with folders that exist: the same flags for record and import. `--overwrite` is
/// jobmock's one spelling for "replace what exists" (`report`, `sanitize har`, `shape infer`
/// use it too); `--existing` says the same as one flag, for older scripts.
#[derive(Debug, Args)]
pub struct ExistingArgs {
    /// Replace a job or exchange folder that exists already (without it, such a folder is
    /// refused: nothing is written for it, and the summary says so).
    ///
    /// Example: --overwrite
    #[arg(long, conflicts_with_all = ["existing", "append"])]
    pub overwrite: bool,

    /// Add the new steps after those of a job folder that exists already.
    ///
    /// Example: --append
    #[arg(long, conflicts_with = "existing")]
    pub append: bool,

    /// The same choice as one flag, kept for older scripts: refuse (write nothing for a job or
    /// exchange folder that exists already, and say so), overwrite (same as --overwrite), or
    /// append (same as --append).
    ///
    /// Example: --existing append
    #[arg(long, value_enum, value_name = "WHAT", default_value_t = Existing::Refuse)]
    pub existing: Existing,
}

/// What to do with a folder that exists already.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Existing {
    Refuse,
    Overwrite,
    Append,
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
    None,
    Rounded,
    Exact,
}

/// What to do with existing folders, from `--overwrite`, `--append` and `--existing`.
impl From<&ExistingArgs> for crate::fixture::store::Conflict {
    fn from(args: &ExistingArgs) -> Self {
        use crate::fixture::store::Conflict;
        match (args.overwrite, args.append, args.existing) {
            (true, _, _) | (_, _, Existing::Overwrite) => Conflict::Overwrite,
            (_, true, _) | (_, _, Existing::Append) => Conflict::Append,
            _ => Conflict::Refuse,
        }
    }
}

impl From<OffsetsArg> for crate::fixture::layout::Offsets {
    fn from(offsets: OffsetsArg) -> Self {
        use crate::fixture::layout::Offsets;
        match offsets {
            OffsetsArg::Rounded => Offsets::Rounded,
            OffsetsArg::Exact => Offsets::Exact,
            OffsetsArg::None => Offsets::None,
        }
    }
}

impl RedactionArgs {
    /// Redaction's options from `--keep-field`, `--redact-field` and `--redact-value`.
    pub fn options(&self) -> Result<crate::redact::Options> {
        let patterns = self
            .redact_value
            .iter()
            .map(|pattern| {
                regex::bytes::Regex::new(pattern).map_err(|err| Error::Usage {
                    message: format!(
                        "--redact-value {pattern:?} is not a regular expression: {err}\n(fix: \
                         put \\ before each of . * + ? ( ) [ ] {{ }} | ^ $ \\ meant as itself, \
                         and quote the pattern for the shell: --redact-value 'sk-[A-Za-z0-9]{{20}}')"
                    ),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(crate::redact::Options {
            keep: personal_kinds(&self.keep_field)?,
            extra_fields: self.redact_field.clone(),
            patterns,
        })
    }
}

/// The kinds of personal data `--keep-field` names.
pub fn personal_kinds(names: &[String]) -> Result<Vec<crate::redact::Personal>> {
    use crate::redact;
    names
        .iter()
        .map(|name| {
            redact::names::personal_field(name).ok_or_else(|| {
                let known: Vec<&str> = redact::Personal::FIELDS
                    .iter()
                    .map(|(field, _)| *field)
                    .collect();
                let why = if redact::is_secret_param(name) {
                    format!(
                        "--keep-field {name:?}: {name} is a credential, and credentials are never kept"
                    )
                } else {
                    format!(
                        "--keep-field {name:?} is not a kind of personal data; use one of {}",
                        known.join(", ")
                    )
                };
                Error::Usage { message: why }
            })
        })
        .collect()
}
