//! An in-process mock server for a Rust test, as wiremock-rs and httpmock give one: the
//! binary's replay server on a free port of 127.0.0.1, the jobs and submissions of a scenario
//! defined from the test, the journal and the verification report read back, and the server
//! stopped when the [`MockServer`] is dropped.
//!
//! Every call goes through the control API over HTTP (`/__jobmock/…`), so what a test
//! defines behaves as it would against `jobmock replay`.
//!
//! ```
//! use jobmock::testing::{JobSpec, MockServer, Step, Then};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! tokio::runtime::Runtime::new()?.block_on(async {
//!     let server = MockServer::start().await?;
//!     let job = server
//!         .add_job(
//!             JobSpec::new("executeNotebook")
//!                 .step(Step::status("PROCESSING").polls(2))
//!                 .step(Step::status("FAILED").messages(["Cell 3 raised KeyError"]))
//!                 .then(Then::Repeat),
//!         )
//!         .await?;
//!     assert!(job.url().starts_with(&server.uri()));
//!     assert!(job.url().ends_with(&format!("/admin/system/jobs/{}", job.id())));
//!     assert_eq!(job.polls().await?, 0);
//!     Ok(())
//! })
//! # }
//! ```
//!
//! # Layout
//!
//! - `running`: the server on a thread and runtime of its own, and its stop.
//! - `control`: the HTTP client of the control API, and the API's [`Error`].
//! - `handles`: [`Session`], [`JobHandle`], [`SubmissionHandle`], [`Request`],
//!   [`Verification`].
//! - `spec`: the typed bodies [`JobSpec`], [`SubmissionSpec`], [`Step`], [`Fault`], [`Then`],
//!   [`Advance`].

#![warn(missing_docs)]

mod control;
mod handles;
mod running;
mod spec;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;

pub use control::{Error, Result};
pub use handles::{JobHandle, Request, Session, SubmissionHandle, SubmissionState, Verification};
pub use spec::{Advance, Fault, JobSpec, Step, SubmissionSpec, Then};

use control::Control;
use running::{Config, Fixtures, Running};

/// A replay server running in this process for one test; stopped when dropped.
///
/// Its own calls ([`MockServer::add_job`], …) are those of the `default` session, and its
/// [`MockServer::requests`], [`MockServer::verify`] and [`MockServer::reset`] take in every
/// session; [`MockServer::session`] gives the calls of one session.
#[derive(Debug)]
pub struct MockServer {
    // Dropped first: the client's idle connections go before the server drains.
    own: Session,
    running: Running,
}

/// How to start a [`MockServer`]: which set, HTTPS or not, `--strict` or not.
///
/// ```
/// use jobmock::testing::MockServer;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// tokio::runtime::Runtime::new()?.block_on(async {
///     let server = MockServer::builder().empty().tls(true).strict(true).start().await?;
///     assert!(server.uri().starts_with("https://127.0.0.1:"));
///     assert!(server.certificate_pem().unwrap().contains("BEGIN CERTIFICATE"));
///     Ok(())
/// })
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until started"]
pub struct Builder {
    config: Config,
}

impl Builder {
    /// Serves the fixture set in `folder` (as `jobmock replay --fixtures`).
    pub fn fixtures(mut self, folder: impl Into<PathBuf>) -> Builder {
        self.config.fixtures = Fixtures::Folder(folder.into());
        self
    }

    /// Serves an empty set: no jobs, exchanges or templates, only what the test defines (and
    /// the mocked API's own answers).
    pub fn empty(mut self) -> Builder {
        self.config.fixtures = Fixtures::Empty;
        self
    }

    /// Serves HTTPS with a self-signed certificate for `localhost` and `127.0.0.1`
    /// ([`MockServer::certificate_pem`] for a client to trust).
    pub fn tls(mut self, tls: bool) -> Builder {
        self.config.tls = tls;
        self
    }

    /// As `--strict`: a request nothing answers gets HTTP 400.
    pub fn strict(mut self, strict: bool) -> Builder {
        self.config.options.strict = strict;
        self
    }

    /// Starts the server; returns once it listens.
    pub async fn start(self) -> Result<MockServer> {
        let running = Running::start(self.config).await?;
        let scheme = if running.certificate_pem.is_some() {
            "https"
        } else {
            "http"
        };
        let base = format!("{scheme}://{}", running.addr);
        let control = Control::new(base, running.certificate_pem.as_deref())?;
        Ok(MockServer {
            own: Session {
                control: Arc::new(control),
                name: None,
            },
            running,
        })
    }
}

impl MockServer {
    /// Starts a server of the set this crate ships (`fixtures/`: its jobs, exchanges and the
    /// executeNotebook and openNotebook templates), over HTTP.
    pub async fn start() -> Result<MockServer> {
        MockServer::builder().start().await
    }

    /// A builder: the shipped set over HTTP, until told otherwise.
    pub fn builder() -> Builder {
        Builder {
            config: Config {
                fixtures: Fixtures::Folder(shipped_fixtures()),
                tls: false,
                options: crate::replay::Options::default(),
            },
        }
    }

    /// The base URL, `http://127.0.0.1:PORT` (or `https://`), with no slash at the end.
    pub fn uri(&self) -> String {
        self.own.uri()
    }

    /// The address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.running.addr
    }

    /// The PEM of the server's self-signed certificate, for a client to trust; `None` over
    /// HTTP.
    pub fn certificate_pem(&self) -> Option<&str> {
        self.running.certificate_pem.as_deref()
    }

    /// The calls of session `name`: its own jobs and submissions, journal and report.
    pub fn session(&self, name: impl Into<String>) -> Session {
        Session {
            control: Arc::clone(&self.own.control),
            name: Some(name.into()),
        }
    }

    /// Defines a job in the default session ([`Session::add_job`]).
    pub async fn add_job(&self, spec: impl Into<Value>) -> Result<JobHandle> {
        self.own.add_job(spec).await
    }

    /// Says what the next matching submission of the default session creates
    /// ([`Session::on_submit`]).
    pub async fn on_submit(&self, spec: impl Into<Value>) -> Result<SubmissionHandle> {
        self.own.on_submit(spec).await
    }

    /// The journal of every session's requests, oldest first.
    ///
    /// ```
    /// use jobmock::testing::MockServer;
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// tokio::runtime::Runtime::new()?.block_on(async {
    ///     let server = MockServer::start().await?;
    ///     assert!(server.requests().await?.is_empty());
    ///     assert!(server.verify().await?.unmatched.is_empty());
    ///     server.reset().await?;
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn requests(&self) -> Result<Vec<Request>> {
        self.own.requests().await
    }

    /// The verification report of every session's requests.
    pub async fn verify(&self) -> Result<Verification> {
        self.own.verify().await
    }

    /// Back to how the server started, for every session.
    pub async fn reset(&self) -> Result<()> {
        self.own.reset().await
    }
}

/// The set this crate ships, where the crate was built.
fn shipped_fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}
