//! The flags of `jobmock record`, and the recorder's options they make.

use std::path::PathBuf;

use clap::Args;

use super::{ServeLimits, TlsArgs, WritingArgs};
use crate::error::Result;

/// The flags of `jobmock record`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    jobmock record --upstream https://notebooks.example.com:11443 --fixtures recorded --tls\n  \
    jobmock record --upstream https://10.0.0.5:11443 --insecure --tls --tls-cert-out proxy.pem\n  \
    jobmock record --upstream https://notebooks.example.com:11443 --ca-cert company-root-ca.pem --tls\n\n\
    Then point the client at https://127.0.0.1:8081/portal and https://127.0.0.1:8081/notebookserver\n\
    (the ArcGIS API for Python needs --tls), Ctrl-C the recorder, and replay the recording:\n  \
    jobmock replay --fixtures recorded --tls\n\n\
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
    /// The default is one above replay's (8080), so that a recorder and a replay server can run
    /// side by side.
    ///
    /// Example: --listen 127.0.0.1:0
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8081")]
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
    #[arg(long, conflicts_with = "ca_cert")]
    pub insecure: bool,

    /// Seconds the upstream may take to connect, and to answer a request.
    ///
    /// Example: --upstream-timeout 120
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub upstream_timeout: u64,

    #[command(flatten)]
    pub writing: WritingArgs,

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

impl RecordArgs {
    /// The recorder's options these flags ask for: the upstream's URL is checked here, before
    /// anything listens.
    pub fn options(&self) -> Result<crate::record::Options> {
        use std::io::IsTerminal;

        crate::record::upstream::check_url(&self.upstream)?;
        Ok(crate::record::Options {
            upstream: self.upstream.clone(),
            trust: crate::record::upstream::Trust {
                ca_cert: self.ca_cert.clone(),
                insecure: self.insecure,
            },
            timeout: std::time::Duration::from_secs(self.upstream_timeout.max(1)),
            fixtures: self.fixtures.clone(),
            conflict: (&self.writing.existing).into(),
            redaction: self.writing.redaction.options()?,
            offsets: self.writing.stable.offsets.into(),
            stability: self.writing.stable.stability(),
            live_status: std::io::stderr().is_terminal(),
            max_record_bytes: self.max_record_bytes as usize,
            max_body_bytes: self.max_body_bytes,
            limits: (&self.limits).into(),
            tls: self.tls.wanted(),
            recorded_by: "record",
        })
    }
}
