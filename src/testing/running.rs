//! The server behind a [`super::MockServer`]: the binary's replay server (`replay::load`,
//! `replay::serve`) on a thread and runtime of its own, so it answers whatever runtime (or
//! none) the test runs on; stopped through its shutdown future, and waited for, when dropped.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::oneshot;

use super::control::{Error, Result};
use crate::replay::{self, Options};

/// How long a drop waits for the server to drain (its own bound is 10 s) before it leaves the
/// thread to end on its own.
const STOP_LIMIT: Duration = Duration::from_secs(15);

/// Which fixture set the server serves.
#[derive(Debug, Clone)]
pub(super) enum Fixtures {
    /// The set in this folder.
    Folder(PathBuf),
    /// A set with no jobs, exchanges or templates (a temporary folder, removed at the end).
    Empty,
}

/// What to start.
#[derive(Debug, Clone)]
pub(super) struct Config {
    pub(super) fixtures: Fixtures,
    pub(super) tls: bool,
    pub(super) options: Options,
}

/// A started server; stopped when dropped.
#[derive(Debug)]
pub(super) struct Running {
    pub(super) addr: SocketAddr,
    pub(super) certificate_pem: Option<String>,
    stop: Option<oneshot::Sender<()>>,
    stopped: std::sync::mpsc::Receiver<()>,
    empty_folder: Option<PathBuf>,
}

impl Running {
    /// Loads the set and starts serving it on a free port of 127.0.0.1; returns once the
    /// server listens.
    pub(super) async fn start(config: Config) -> Result<Running> {
        let Config {
            fixtures,
            tls,
            mut options,
        } = config;
        let (root, empty_folder) = match fixtures {
            Fixtures::Folder(root) => (root, None),
            Fixtures::Empty => {
                let root = empty_set()?;
                (root.clone(), Some(root))
            }
        };
        let (tls, certificate_pem) = if tls {
            let (acceptor, pem) = crate::tls::self_signed().map_err(start_error)?;
            (Some(acceptor), Some(pem))
        } else {
            (None, None)
        };
        options.scheme = if tls.is_some() { "https" } else { "http" };
        let (ready, listening) = oneshot::channel::<Result<SocketAddr>>();
        let (stop, stop_asked) = oneshot::channel::<()>();
        let (done, stopped) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("jobmock-testing".to_string())
            .spawn(move || {
                serve(root, options, tls, ready, stop_asked);
                let _ = done.send(());
            });
        let mut running = Running {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            certificate_pem,
            stop: Some(stop),
            stopped,
            empty_folder,
        };
        if let Err(err) = thread {
            return Err(start_error(err));
        }
        let addr = listening.await.unwrap_or_else(|_| {
            Err(Error::Start {
                message: "the server's thread ended before it listened".to_string(),
            })
        })?;
        running.addr = addr;
        Ok(running)
    }
}

/// The server's thread: the set loaded, a runtime made, the port bound and said, then served
/// until `stop_asked`.
fn serve(
    root: PathBuf,
    options: Options,
    tls: Option<tokio_rustls::TlsAcceptor>,
    ready: oneshot::Sender<Result<SocketAddr>>,
    stop_asked: oneshot::Receiver<()>,
) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(start_error);
    let started = runtime.and_then(|runtime| {
        let replay = replay::load(&root, options).map_err(start_error)?;
        Ok((runtime, Arc::new(replay)))
    });
    let (runtime, replay) = match started {
        Ok(started) => started,
        Err(err) => {
            let _ = ready.send(Err(err));
            return;
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
            Ok(listener) => listener,
            Err(err) => {
                let _ = ready.send(Err(start_error(err)));
                return;
            }
        };
        match listener.local_addr() {
            Ok(addr) => {
                let _ = ready.send(Ok(addr));
            }
            Err(err) => {
                let _ = ready.send(Err(start_error(err)));
                return;
            }
        }
        replay::serve(listener, tls, replay, async {
            let _ = stop_asked.await;
        })
        .await;
    });
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // The drain closes idle connections at once; one a client holds mid-request is waited
        // for within the server's own bound.
        let _ = self.stopped.recv_timeout(STOP_LIMIT);
        if let Some(folder) = self.empty_folder.take() {
            let _ = std::fs::remove_dir_all(folder);
        }
    }
}

fn start_error<E: std::error::Error + 'static>(err: E) -> Error {
    Error::Start {
        message: crate::error::report(&err),
    }
}

/// A new empty fixture set: a folder with an empty `jobs/`, under the system's temporary
/// folder.
fn empty_set() -> Result<PathBuf> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = format!(
        "jobmock-testing-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let root = std::env::temp_dir().join(name);
    std::fs::create_dir_all(root.join("jobs")).map_err(|err| Error::Start {
        message: format!("cannot make an empty set at {}: {err}", root.display()),
    })?;
    Ok(root)
}
