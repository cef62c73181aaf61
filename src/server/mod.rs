//! The accept loop shared by the modes that serve HTTP: accept connections, serve each on its
//! own task, and on shutdown stop accepting and let the requests in flight finish.
//!
//! The caller binds the listener (tests bind `127.0.0.1:0`) and says when to stop; this module
//! knows nothing of what is served. Each connection keeps its header-read deadline on a timer of
//! its own ([`timer`]).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::header::{CONNECTION, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio_rustls::TlsAcceptor;

use crate::api::format::{Format, error_body};

mod timer;

use crate::output::note;
use timer::ConnectionTimer;

/// How long requests in flight may take to finish after shutdown begins.
const DRAIN_LIMIT: Duration = Duration::from_secs(10);

/// How long a client may take to finish a TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What one client may take of the server: each has a default that suits a test server, and a
/// flag (see [`crate::cli::ServeLimits`]).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// How long a client may take to send a request's headers; one that trickles them is cut
    /// off, so it cannot hold a connection open forever.
    pub header_read_timeout: Duration,
    /// The most bytes a request's head (request line and headers) may take; a larger one gets
    /// 431. At least [`MIN_HEADER_BYTES`] (HTTP/1's own floor in hyper).
    pub max_header_bytes: usize,
    /// The most connections served at once; further ones wait in the listen queue until one
    /// closes.
    pub max_connections: usize,
}

/// hyper's smallest read buffer: a head limit below it cannot be set.
const MIN_HEADER_BYTES: usize = 8192;

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_read_timeout: Duration::from_secs(30),
            max_header_bytes: 64 * 1024,
            max_connections: 1024,
        }
    }
}

impl Limits {
    /// Why a request's head is refused, if it is larger than [`Limits::max_header_bytes`].
    ///
    /// hyper's own bound is its read buffer, which grows in steps and holds whatever one read
    /// brought: a head sent in one write could pass it by most of a buffer. Counted here from
    /// the parsed head, the limit holds whatever the timing of the bytes.
    pub fn refuse_head<B>(&self, request: &hyper::Request<B>) -> Option<String> {
        let uri = request.uri();
        let target = uri
            .path_and_query()
            .map_or(1, |target| target.as_str().len())
            + uri
                .authority()
                .map_or(0, |authority| authority.as_str().len() + "http://".len());
        let line = request.method().as_str().len() + target + " HTTP/1.1\r\n ".len();
        let size = request
            .headers()
            .iter()
            .fold(line + 2, |size, (name, value)| {
                size + name.as_str().len() + value.len() + ": \r\n".len()
            });
        (size > self.max_header_bytes).then(|| {
            format!(
                "the request's head is {size} bytes, more than the {} this server takes \
                 (--max-header-bytes)",
                self.max_header_bytes
            )
        })
    }

    /// The answer to a request whose head is past [`Limits::max_header_bytes`], if it is:
    /// 431 with an ArcGIS-style error body, and `Connection: close`, as hyper does with a head
    /// past its buffer (nothing more is read from this client). Replay and record both answer
    /// it, before anything else is read; each wraps the body in its own body type.
    pub fn refuse_large_head<B>(&self, request: &hyper::Request<B>) -> Option<Response<Bytes>> {
        let refusal = self.refuse_head(request)?;
        let mut answer = Response::new(error_body(Format::Json, 431, &refusal));
        *answer.status_mut() = StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE;
        let headers = answer.headers_mut();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static(Format::Json.content_type()),
        );
        headers.insert(CONNECTION, HeaderValue::from_static("close"));
        Some(answer)
    }

    /// The HTTP/1 settings a connection is served with: call it for each connection, as each
    /// has a timer of its own.
    pub(crate) fn http(&self) -> http1::Builder {
        let mut http = http1::Builder::new();
        http.timer(ConnectionTimer::default())
            .header_read_timeout(self.header_read_timeout)
            .max_buf_size(self.max_header_bytes.max(MIN_HEADER_BYTES))
            // A client may shut down its side once it has sent its request (some scripts do):
            // it still gets its answer.
            .half_close(true)
            .keep_alive(true);
        http
    }
}

/// Serves `handler` on every connection of `listener` until `shutdown` completes; over TLS when
/// `tls` is given. A handler's error closes that connection without an answer (replay's scripted
/// `close` fault); it never stops the server.
pub async fn serve<H, F, B, E>(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    limits: Limits,
    handler: H,
    shutdown: impl Future<Output = ()>,
) where
    H: Fn(Request<Incoming>) -> F + Clone + Send + 'static,
    F: Future<Output = Result<Response<B>, E>> + Send + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    // Every connection holds a receiver: a value sent asks each to finish the request in flight
    // and close, and `closed()` says when all have. hyper-util's `GracefulShutdown` does the
    // same, but takes no HTTP/1 connection served with upgrades (only the `auto` builder's,
    // which brings HTTP/2 along).
    let (stop, _) = watch::channel(());
    // One permit per open connection: at the cap, the loop stops accepting, and new clients
    // wait in the kernel's listen queue rather than being refused or crashing the server.
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    tokio::pin!(shutdown);

    loop {
        let (permit, stream) = tokio::select! {
            accepted = accept(&listener, &slots) => accepted,
            () = &mut shutdown => break,
        };
        // Polls are small request/answer pairs: send each answer at once.
        let _ = stream.set_nodelay(true);
        let service = service_fn(handler.clone());
        let http = limits.http();
        let stopping = stop.subscribe();
        let tls = tls.clone();
        tokio::spawn(async move {
            let _permit = permit;
            // A client that goes away mid-request, or fails its handshake, is its own
            // business, not the server's: the connection's result is dropped.
            match tls {
                None => serve_connection(&http, stream, service, stopping).await,
                Some(tls) => {
                    let Ok(Ok(stream)) =
                        tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.accept(stream)).await
                    else {
                        return;
                    };
                    serve_connection(&http, stream, service, stopping).await;
                }
            }
        });
    }

    drop(listener);
    let _ = stop.send(());
    tokio::select! {
        () = stop.closed() => {}
        () = tokio::time::sleep(DRAIN_LIMIT) => {
            note!("jobmock: requests still in flight after {DRAIN_LIMIT:?}; stopping anyway");
        }
    }
}

/// Serves one connection until it closes, or until `stopping` says the server stops: then the
/// request in flight is finished and the connection closed.
///
/// Served with upgrades: a handler that answers 101 (record, passing a WebSocket through) gets
/// the connection's bytes from `hyper::upgrade::on` once the answer is written. The connection
/// is then no longer hyper's, and no timeout of it (`--header-timeout`) applies any more.
async fn serve_connection<I, S, B>(
    http: &http1::Builder,
    io: I,
    service: S,
    mut stopping: watch::Receiver<()>,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    S: hyper::service::HttpService<Incoming, ResBody = B>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    B: hyper::body::Body + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let connection = http
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades();
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => return,
        _ = stopping.changed() => connection.as_mut().graceful_shutdown(),
    }
    let _ = connection.await;
}

/// The next connection, once there is a free slot for it.
async fn accept(
    listener: &TcpListener,
    slots: &Arc<Semaphore>,
) -> (OwnedSemaphorePermit, TcpStream) {
    let permit = Arc::clone(slots)
        .acquire_owned()
        .await
        .expect("the semaphore is never closed");
    let mut told = None::<std::time::Instant>;
    loop {
        match listener.accept().await {
            Ok((stream, _)) => return (permit, stream),
            Err(err) => {
                // Out of file descriptors and the like (the process's limit may be below
                // --max-connections): the listener itself is fine, so wait a moment for
                // connections to close instead of spinning or exiting; say so once a second.
                if told.is_none_or(|at| at.elapsed() >= Duration::from_secs(1)) {
                    note!(
                        "jobmock: accept failed: {err} (if it says too many open files, raise \
                         `ulimit -n` or lower --max-connections)"
                    );
                    told = Some(std::time::Instant::now());
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// Completes on Ctrl-C or SIGTERM. The handlers are installed when this is called, not when
/// the future is first polled: call it before the `listening on` line, so that a signal sent
/// as soon as a script reads that line stops the server cleanly instead of killing it with
/// the signal's default action. Call it inside the runtime.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{Signal, SignalKind, signal};
        let interrupt = signal(SignalKind::interrupt()).ok();
        let terminate = signal(SignalKind::terminate()).ok();
        async move {
            async fn received(signal: Option<Signal>) {
                match signal {
                    Some(mut signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            }
            tokio::select! {
                () = received(interrupt) => {}
                () = received(terminate) => {}
            }
        }
    }
    #[cfg(not(unix))]
    async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
