//! The flags that make `jobmock replay` a server that replays and records: the upstream, the
//! record mode, expiry, and what recording takes from `jobmock record` (trust, timeout,
//! redaction, what keeps a re-recording stable).

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::{RedactionArgs, ServeLimits, StableArgs};
use crate::error::{Error, Result};
use crate::fixture::store::Conflict;
use crate::replay::RecordMode;

/// `replay --upstream URL --record-mode MODE` and what goes with it.
#[derive(Debug, Args)]
#[command(next_help_heading = "Recording (with --upstream)")]
pub struct RecordingArgs {
    /// The real server to record from what the set has no answer for, as `jobmock record
    /// --upstream` takes it; --record-mode says when. Without it nothing is forwarded.
    ///
    /// Example: --upstream https://notebooks.example.com:11443
    #[arg(long, value_name = "URL")]
    pub upstream: Option<String>,

    /// What is recorded from --upstream: none (only what is recorded is served), once (a set
    /// that is empty or missing is recorded, one that exists replayed), new_episodes (what the
    /// set lacks is forwarded, recorded into it and served from then on), all (everything
    /// forwarded and recorded afresh, replacing the set when the server stops cleanly).
    ///
    /// Example: --record-mode new_episodes
    #[arg(long, value_enum, value_name = "MODE", default_value_t = RecordModeArg::None)]
    pub record_mode: RecordModeArg,

    /// A PEM file of CA certificates to trust for an HTTPS upstream, besides the usual roots.
    ///
    /// Example: --ca-cert company-root-ca.pem
    #[arg(long, value_name = "FILE", requires = "upstream")]
    pub ca_cert: Option<PathBuf>,

    /// Accept any certificate from an HTTPS upstream, such as a self-signed one (a warning is
    /// printed). The connection is still encrypted.
    ///
    /// Example: --insecure
    #[arg(long, requires = "upstream", conflicts_with = "ca_cert")]
    pub insecure: bool,

    /// Seconds the upstream may take to connect, and to answer a request.
    ///
    /// Example: --upstream-timeout 120
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub upstream_timeout: u64,

    /// The largest answer recorded, in bytes (decoded); a larger one is answered 502, not
    /// recorded. At most 16 MiB, the largest file replay loads.
    ///
    /// Example: --max-record-bytes 1048576
    #[arg(long, value_name = "BYTES", default_value_t = 16 * 1024 * 1024,
          value_parser = clap::value_parser!(u64).range(1..=16 * 1024 * 1024))]
    pub max_record_bytes: u64,

    /// How old a recorded set may be (its recording.json's recordedAt): older, --on-expired
    /// says what happens. A number and a unit: s, m, h, d, w (30s, 12h, 7d, 1h30m).
    ///
    /// Example: --expire-after 30d
    #[arg(long, value_name = "DURATION", value_parser = crate::fixture::provenance::parse_duration)]
    pub expire_after: Option<std::time::Duration>,

    /// What a set older than --expire-after gets: warn (served, with a warning), error
    /// (refused before the server listens), record (recorded again as --record-mode all;
    /// needs --upstream).
    ///
    /// Example: --on-expired error
    #[arg(long, value_enum, value_name = "WHAT", default_value_t = OnExpired::Warn,
          requires = "expire_after")]
    pub on_expired: OnExpired,

    #[command(flatten)]
    pub redaction: RedactionArgs,

    #[command(flatten)]
    pub stable: StableArgs,
}

/// `--record-mode`'s values, as pytest-recording and VCR.py name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum RecordModeArg {
    None,
    Once,
    NewEpisodes,
    All,
}

/// `--on-expired`: what a set older than `--expire-after` gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnExpired {
    Warn,
    Error,
    Record,
}

impl From<RecordModeArg> for RecordMode {
    fn from(arg: RecordModeArg) -> Self {
        match arg {
            RecordModeArg::None => RecordMode::None,
            RecordModeArg::Once => RecordMode::Once,
            RecordModeArg::NewEpisodes => RecordMode::NewEpisodes,
            RecordModeArg::All => RecordMode::All,
        }
    }
}

impl RecordingArgs {
    /// The recorder's options for recording into `fixtures`, or `None` without `--upstream`.
    /// A record mode other than `none` without an upstream is refused: it could record nothing.
    pub fn recorder_options(
        &self,
        fixtures: &Path,
        conflict: Conflict,
        tls: bool,
        limits: &ServeLimits,
    ) -> Result<Option<crate::record::Options>> {
        let Some(upstream) = &self.upstream else {
            if self.record_mode != RecordModeArg::None {
                return Err(Error::Usage {
                    message: format!(
                        "--record-mode {} records from an upstream: give --upstream URL (the \
                         real server), or leave --record-mode out to replay only",
                        RecordMode::from(self.record_mode).as_str()
                    ),
                });
            }
            return Ok(None);
        };
        crate::record::upstream::check_url(upstream)?;
        Ok(Some(crate::record::Options {
            upstream: upstream.clone(),
            trust: crate::record::upstream::Trust {
                ca_cert: self.ca_cert.clone(),
                insecure: self.insecure,
            },
            timeout: std::time::Duration::from_secs(self.upstream_timeout.max(1)),
            fixtures: fixtures.to_path_buf(),
            conflict,
            redaction: self.redaction.options()?,
            offsets: self.stable.offsets.into(),
            stability: self.stable.stability(),
            // Replay's stderr has its own lines: the recorder logs, it draws no status line.
            live_status: false,
            max_record_bytes: self.max_record_bytes as usize,
            max_body_bytes: 64 * 1024 * 1024,
            limits: limits.into(),
            tls,
            recorded_by: match self.record_mode {
                RecordModeArg::NewEpisodes => "replay --record-mode new_episodes",
                RecordModeArg::Once => "replay --record-mode once",
                _ => "replay --record-mode all",
            },
        }))
    }
}
