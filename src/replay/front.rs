//! The front door: how a request comes in and goes out. [`serve`] accepts connections (through
//! [`crate::server`]) and hands each request to [`Replay::handle`], which refuses what is too
//! large or slow before it is read, sends the control API (`/__jobmock/`) to its own handler,
//! judges the token, has the mocked API's request routed ([`super::dispatch`]) and answered,
//! serves it again if a reload replaced the set meanwhile, gives what nothing answered its
//! near miss, and answers in one place ([`Replay::respond`]).

use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use super::body::{Body, Closed, full};
use super::reply::{CloseConnection, Kind, Reply, response};
use super::request::Call;
use super::served::Served;
use super::state::Replay;
use super::{control, near, watch};
use crate::api::CONTROL_PREFIX;
use crate::api::format::{self, Format};
use crate::output::note;

impl Replay {
    /// Answers one request; `Err` closes the connection with no answer (a scripted `close`).
    /// Every failure becomes an answer; nothing here takes the server down.
    pub async fn handle(
        self: Arc<Self>,
        request: Request<Incoming>,
    ) -> Result<Response<Body>, CloseConnection> {
        if let Some(answer) = self.options.limits.refuse_large_head(&request) {
            return Ok(answer.map(full));
        }
        // A definition's JSON body is the control API's to read; a forwarded request goes on
        // whole.
        let keep_raw = self.forwarding.get().is_some()
            || (request.method() == Method::POST && request.uri().path().contains(CONTROL_PREFIX));
        let call = match Call::read(
            request,
            self.options.max_body_bytes,
            self.options.limits.header_read_timeout,
            keep_raw,
        )
        .await
        {
            Ok(call) => call,
            Err(refusal) => return Ok(refused(refusal.status, refusal.code, &refusal.message)),
        };
        if let Some(rest) = call.path().strip_prefix(CONTROL_PREFIX) {
            return Ok(control::handle(&self, &call, rest).await);
        }
        // Parsed once: a handler that answers in a format takes it; errors are rendered in it,
        // or as JSON where `f` is not a format.
        let format = Format::parse(call.param("f"));
        let shown = format.clone().unwrap_or(Format::Json);
        let reply = if call.method == Method::CONNECT {
            // An answer of 200 to CONNECT would mean "tunnel established".
            Reply::refused(
                StatusCode::METHOD_NOT_ALLOWED,
                "CONNECT is not supported: jobmock replay is a server, not a proxy; send GET or POST",
            )
        } else if let Some(reply) = self.generate_token(&call) {
            reply
        } else if let Some(refusal) = self.check_token(&call) {
            refusal
        } else {
            loop {
                // Again with the new set if a reload replaced it meanwhile (rare: once at most
                // per reload).
                let served = self.served();
                if self.forwards_first(&served, &call) {
                    break self.forward(&call).await;
                }
                let format = format.as_ref().copied().map_err(String::as_str);
                if let Ok(reply) = self.dispatch(&served, &call, format).await {
                    break if self.forwards_after(reply.note.served_by) {
                        self.forward(&call).await
                    } else if reply.note.served_by.matched() {
                        reply
                    } else {
                        self.unmatched(&served, &call, reply)
                    };
                }
            }
        };
        self.respond(&call, shown, reply)
    }

    /// A request nothing answered: counted, given its near miss (named in its answer), and with
    /// `--strict` answered so that no client takes it for a success, and printed.
    fn unmatched(&self, served: &Served, call: &Call, mut reply: Reply) -> Reply {
        self.unmatched
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let near = near::find(
            &served.fixtures,
            call.method.as_str(),
            call.path(),
            &call.params,
        );
        let hint = near.as_ref().map(near::NearMiss::describe);
        if let Kind::AdminError { message, .. } = &mut reply.kind {
            if self.options.strict {
                note!(
                    "jobmock: unmatched (--strict): {} {} (session {:?}): {message}{}",
                    call.method,
                    call.journal_target(),
                    &*call.session,
                    hint.as_deref()
                        .map(|hint| format!("; {hint}"))
                        .unwrap_or_default()
                );
                reply.note.error_code = Some(400);
                reply.kind = Kind::Strict {
                    message: format!("jobmock --strict: unmatched request: {message}"),
                    details: hint.into_iter().collect(),
                };
            } else if let Some(hint) = hint {
                message.push_str("; ");
                message.push_str(&hint);
            }
        }
        reply.note.near_miss = near.map(Arc::new);
        reply
    }
}

/// A request refused before it was read whole (its head or body too large or too slow), with a
/// real HTTP status: it never reached the mocked API, so it is not journaled.
fn refused(status: StatusCode, code: u16, message: &str) -> Response<Body> {
    response(
        status,
        Format::Json.content_type(),
        full(format::error_body(Format::Json, code, message)),
    )
}

/// Serves `replay` on `listener` (over TLS when `tls` is given) until `shutdown` completes,
/// then lets requests in flight finish. With `--watch`, the fixture set is reloaded when its
/// files change.
pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    replay: Arc<Replay>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    if replay.options.watch {
        tokio::spawn(watch::watch(Arc::clone(&replay), watch::INTERVAL));
    }
    let limits = replay.options.limits;
    let handler = move |request| answer_or_close(Arc::clone(&replay), request);
    crate::server::serve(listener, tls, limits, handler, shutdown).await;
}

/// Serves `replay` on one connection of any byte stream: for fuzzing the request path without
/// a socket.
pub async fn serve_io<IO>(io: IO, replay: Arc<Replay>)
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    // As each accepted connection is served (`server::serve`), without the socket.
    let http = replay.options.limits.http();
    let handler = move |request| answer_or_close(Arc::clone(&replay), request);
    let _ = http
        .serve_connection(
            hyper_util::rt::TokioIo::new(io),
            hyper::service::service_fn(handler),
        )
        .await;
}

/// One request's answer; a scripted `close` fault closes the connection instead.
async fn answer_or_close(
    replay: Arc<Replay>,
    request: Request<Incoming>,
) -> Result<Response<Body>, Closed> {
    replay
        .handle(request)
        .await
        .map_err(|CloseConnection| Closed)
}
