//! What a handler of the mocked API decides ([`Reply`]), and the one place that turns it into an
//! answer: it notes the request in the journal, prints the `--verbose` line, and renders the
//! reply in the request's format. Handlers never build responses themselves. Also what a
//! step's fault answers instead of the step ([`fault_kind`]), for jobs and exchanges alike.

use std::sync::Arc;

use bytes::Bytes;
use hyper::header::{ALLOW, CONTENT_TYPE, HeaderName, HeaderValue};
use hyper::{Response, StatusCode};
use serde_json::Value;

use super::body::{Body, Truncated, full};
use super::journal::{Entry, ServedBy};
use super::near::NearMiss;
use super::request::Call;
use super::state::Replay;
use crate::api::format::{self, Format};
use crate::job::Fault;
use crate::output::note;
use crate::util::clock::now_ms;

/// What a request is answered with, and what the journal notes of it.
pub struct Reply {
    pub kind: Kind,
    pub note: Note,
}

/// What the answer is.
pub enum Kind {
    /// A body as it is, with its HTTP status, content type and a step's own headers (which
    /// replace the content type when they give one).
    Body {
        status: StatusCode,
        content_type: &'static str,
        headers: Vec<(HeaderName, HeaderValue)>,
        body: Bytes,
    },
    /// A body that announces its whole length and breaks off after `keep` bytes.
    Truncated {
        content_type: &'static str,
        whole: Bytes,
        keep: usize,
    },
    /// The admin API's error: HTTP 200 with the code in the body, as the API sends it (or
    /// `status`, where the request itself is refused, such as a method no resource takes).
    AdminError {
        code: u16,
        message: String,
        status: StatusCode,
    },
    /// The Portal API's error shape, HTTP 200.
    PortalError { code: u16, message: String },
    /// jobmock's own JSON answer to an operation, rendered in the request's format.
    Value { value: Value, title: &'static str },
    /// `--strict`'s answer to an unmatched request: HTTP 400 (not 5xx, which the ArcGIS client
    /// retries) with the Portal's error shape, which every ArcGIS client raises on, in JSON
    /// whatever the format asked.
    Strict {
        message: String,
        details: Vec<String>,
    },
    /// No answer at all: the connection is closed (a scripted `close` fault).
    Close,
}

/// What the journal notes of an answer, beyond the request itself.
#[derive(Default)]
pub struct Note {
    pub job: Option<Arc<str>>,
    pub exchange: Option<Arc<str>>,
    pub step: Option<Arc<str>>,
    /// The job status of the step served.
    pub job_status: Option<Arc<str>>,
    /// The ArcGIS error code the answer carries, when it carries one.
    pub error_code: Option<u16>,
    pub served_by: ServedBy,
    /// For an unmatched request, the exchange or job it came closest to.
    pub near_miss: Option<Arc<NearMiss>>,
}

impl Reply {
    /// An admin API error about `job` (if any): a request refused as it was sent.
    pub fn refusal(job: Option<&str>, code: u16, message: impl Into<String>) -> Reply {
        let mut reply = Reply::unmatched(job, code, message);
        reply.note.served_by = ServedBy::Refusal;
        reply
    }

    /// The admin API's error for a request nothing answers (no fixture, recording or
    /// operation): an unmatched request.
    pub fn unmatched(job: Option<&str>, code: u16, message: impl Into<String>) -> Reply {
        Reply {
            kind: Kind::AdminError {
                code,
                message: message.into(),
                status: StatusCode::OK,
            },
            note: Note {
                job: job.map(Arc::from),
                error_code: Some(code),
                served_by: ServedBy::Nothing,
                ..Note::default()
            },
        }
    }

    /// A refusal of the request itself, with a real HTTP status (and `Allow` for a method).
    pub fn refused(status: StatusCode, message: impl Into<String>) -> Reply {
        let mut reply = Reply::refusal(None, status.as_u16(), message);
        if let Kind::AdminError { status: kept, .. } = &mut reply.kind {
            *kept = status;
        }
        reply
    }

    /// jobmock's own answer to an operation on `job` (if any), served by `served_by`.
    pub fn value(
        job: Option<&str>,
        value: Value,
        title: &'static str,
        served_by: ServedBy,
    ) -> Reply {
        Reply {
            kind: Kind::Value { value, title },
            note: Note {
                job: job.map(Arc::from),
                served_by,
                ..Note::default()
            },
        }
    }
}

/// A response with `status`, `content_type` and `body`: how every answer of replay starts.
pub fn response(status: StatusCode, content_type: &'static str, body: Body) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// Where a reply is not an answer: the connection is to be closed.
pub struct CloseConnection;

impl Replay {
    /// Notes `reply` in the journal, prints it with `--verbose`, and renders it for `call` in
    /// `format` (the request's, or JSON where its `f` is not one).
    pub(super) fn respond(
        &self,
        call: &Call,
        format: Format,
        reply: Reply,
    ) -> Result<Response<Body>, CloseConnection> {
        let Reply { kind, note } = reply;
        let status = match &kind {
            Kind::Body { status, .. } | Kind::AdminError { status, .. } => *status,
            Kind::Strict { .. } => StatusCode::BAD_REQUEST,
            _ => StatusCode::OK,
        };
        let rendered = render(kind, format);
        let (content_type, body) = match &rendered {
            Ok((answer, body)) => (answer.headers().get(CONTENT_TYPE).cloned(), body.clone()),
            Err(_) => (None, None),
        };
        let time_ms = now_ms();
        let form = call.form_params();
        let form = (!form.is_empty()).then(|| Box::from(form));
        let forgotten = {
            let mut journal = self.journal();
            let target = journal.target(call.upstream_target());
            journal.push(Entry {
                time_ms,
                method: call.method.clone(),
                target,
                form,
                session: call.session.clone(),
                job: note.job,
                exchange: note.exchange,
                step: note.step,
                job_status: note.job_status,
                status: status.as_u16(),
                error_code: note.error_code,
                served_by: note.served_by,
                near_miss: note.near_miss,
                content_type,
                body,
            })
        };
        // The entry the journal let go of (its oldest) is dropped after its lock is released.
        drop(forgotten);
        if self.options.verbose {
            note!(
                "{} {} -> {} ({})",
                call.method,
                call.path(),
                status.as_u16(),
                call.session
            );
        }
        rendered.map(|(answer, _)| answer)
    }
}

/// `kind` as the answer in `format`, with the body the client gets, for the journal (the bytes
/// sent before a truncated answer breaks off).
fn render(kind: Kind, format: Format) -> Result<(Response<Body>, Option<Bytes>), CloseConnection> {
    Ok(match kind {
        Kind::Body {
            status,
            content_type,
            headers,
            body,
        } => {
            let mut answer = response(status, content_type, full(body.clone()));
            for (name, value) in headers {
                answer.headers_mut().insert(name, value);
            }
            (answer, Some(body))
        }
        Kind::Truncated {
            content_type,
            whole,
            keep,
        } => {
            let sent = whole.slice(..keep.min(whole.len()));
            let answer = response(StatusCode::OK, content_type, Truncated::new(&whole, keep));
            (answer, Some(sent))
        }
        Kind::AdminError {
            code,
            message,
            status,
        } => {
            let body = format::error_body(format, code, &message);
            let mut answer = response(status, format.content_type(), full(body.clone()));
            if status == StatusCode::METHOD_NOT_ALLOWED {
                answer
                    .headers_mut()
                    .insert(ALLOW, HeaderValue::from_static("GET, POST"));
            }
            (answer, Some(body))
        }
        Kind::PortalError { code, message } => {
            let format = if format == Format::Html {
                Format::Json
            } else {
                format
            };
            let body = format::portal_error_body(format, code, &message);
            let answer = response(StatusCode::OK, format.content_type(), full(body.clone()));
            (answer, Some(body))
        }
        Kind::Value { value, title } => {
            let body = value_body(&value, format, title);
            (
                response(StatusCode::OK, format.content_type(), full(body.clone())),
                Some(body),
            )
        }
        Kind::Strict { message, details } => {
            let value = serde_json::json!({
                "error": {"code": 400, "message": message, "details": details}
            });
            let format = if format == Format::Pjson {
                Format::Pjson
            } else {
                Format::Json
            };
            let body = value_body(&value, format, "");
            let answer = response(
                StatusCode::BAD_REQUEST,
                format.content_type(),
                full(body.clone()),
            );
            (answer, Some(body))
        }
        Kind::Close => return Err(CloseConnection),
    })
}

/// The body of a JSON answer of jobmock's own making, in `format`.
fn value_body(value: &Value, format: Format, title: &str) -> Bytes {
    match format {
        Format::Json => Bytes::from(serde_json::to_vec(value).expect("a JSON value serialises")),
        Format::Pjson => {
            Bytes::from(serde_json::to_vec_pretty(value).expect("a JSON value serialises"))
        }
        Format::Html => format::value_page(title, value),
    }
}

/// What a fault answers instead of a step; `whole` is the answer it stands in for.
pub fn fault_kind(fault: &Fault, format: Format, whole: Bytes) -> Kind {
    match fault {
        Fault::ArcgisError { code, message } => Kind::AdminError {
            code: *code,
            message: message.clone(),
            status: StatusCode::OK,
        },
        Fault::PortalError { code, message } => Kind::PortalError {
            code: *code,
            message: message.clone(),
        },
        Fault::Http { status, body } => Kind::Body {
            status: *status,
            content_type: "text/plain; charset=utf-8",
            headers: Vec::new(),
            body: body.clone(),
        },
        Fault::Close => Kind::Close,
        // Only aimed at a poll, where it delays the usual answer instead (see
        // `answer::poll`); on a step, `delayMs` says the same.
        Fault::Delay(_) => Kind::Body {
            status: StatusCode::OK,
            content_type: format.content_type(),
            headers: Vec::new(),
            body: whole,
        },
        Fault::Truncate(keep) => Kind::Truncated {
            content_type: format.content_type(),
            whole,
            keep: *keep,
        },
    }
}
