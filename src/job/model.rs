//! The job model: a job's answers as steps (body, status, headers, delay, fault), the faults a
//! script may aim, and the job that holds them with its [`Sequence`]. Loading them from disk is
//! the fixture set's business; which one a poll gets is [`super::answer`]'s.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hyper::StatusCode;
use hyper::header::{HeaderName, HeaderValue};

use super::sequence::Sequence;

/// One job: its steps and how they advance. Two jobs are equal when they serve the same answers
/// the same way (a reload keeps the cursors of such a job).
#[derive(Debug, PartialEq)]
pub struct Job {
    pub id: Arc<str>,
    pub steps: Vec<Step>,
    pub sequence: Sequence,
    /// Faults aimed at one poll number (1 is the first poll), answered instead of a step;
    /// sorted by poll number.
    pub poll_faults: Vec<(u64, Fault)>,
    /// The step served, and held, once a session cancels the job.
    pub on_cancel: Option<Step>,
    /// What a poll after the last step gets.
    pub then: Then,
    /// A web tool's job's own parts (its parameters, its cancelling answer); `None` for a
    /// notebook job.
    pub webtool: Option<WebTool>,
}

/// What a poll after a job's last step (its last poll of it) gets: `script.json`'s and the
/// control API's `then`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Then {
    /// The last step again (a real job stays at its end).
    #[default]
    Repeat,
    /// An unmatched request: a client that polls past what was scripted fails (as VCR does).
    Error,
    /// The first step again: the steps play as a cycle.
    Restart,
    /// Not found, as a deleted job.
    Gone,
}

impl Then {
    /// Its name, as `script.json` and the control API write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Then::Repeat => "repeat",
            Then::Error => "error",
            Then::Restart => "restart",
            Then::Gone => "gone",
        }
    }

    /// The `then` named `name`, if it is one.
    pub fn parse(name: &str) -> Option<Then> {
        [Then::Repeat, Then::Error, Then::Restart, Then::Gone]
            .into_iter()
            .find(|then| then.as_str() == name)
    }
}

/// What a step (or a poll) answers instead of its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// The admin API's error shape, with this code and message (HTTP 200).
    ArcgisError { code: u16, message: String },
    /// The Portal API's error shape (HTTP 200).
    PortalError { code: u16, message: String },
    /// An HTTP status with a text body.
    Http { status: StatusCode, body: Bytes },
    /// The connection is closed with no answer.
    Close,
    /// Only this many bytes of the answer are sent, then the connection is closed.
    Truncate(usize),
    /// The usual answer, after a pause.
    Delay(Duration),
}

/// What a step file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// `*.json`: a JSON document, stored pretty and served compact.
    Json,
    /// `*.txt` (exchanges only): a text answer served as it is.
    Text,
}

/// One answer of a job or an exchange, ready to serve.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The step file's name, as the script and the control API refer to it.
    pub file: Arc<str>,
    /// The answer: for JSON, compact with keys in the file's order (a job's `f=json` answer).
    pub body: Bytes,
    pub kind: BodyKind,
    /// Whether the body holds [`crate::fixture::ORIGIN_PLACEHOLDER`] and must be filled in per request.
    pub has_origin: bool,
    /// Whether the job JSON has an `endTime` (a created job's is set when it is served).
    pub has_end_time: bool,
    /// The job's `status` field, for listings.
    pub job_status: Option<Arc<str>>,
    /// The ArcGIS error code the body answers with, when it is an error answer of either API
    /// (`{"status":"error",…,"code":498}`, `{"error":{"code":498,…}}`).
    pub error_code: Option<u16>,
    /// The body's top-level `jobId`: a job's own, or for a recorded exchange the job its
    /// answer started (journaled with the exchange, so a submission is found with its polls).
    pub job_id: Option<Arc<str>>,
    pub http_status: StatusCode,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub delay: Duration,
    /// Each answer of this step waits [`Step::delay`] + a random 0..=jitter (`jitterMs`): a
    /// server whose answers do not all take the same time. Zero: exactly the delay.
    pub jitter: Duration,
    pub fault: Option<Fault>,
    /// `expireToken`: the request's token expires once this step is served.
    pub expire_token: bool,
}

#[cfg(test)]
impl Step {
    /// A test's JSON step: `body` served as it is, with the job status `status`, and nothing
    /// else set.
    pub(crate) fn json(file: &str, status: Option<&str>, body: &str) -> Step {
        Step {
            file: Arc::from(file),
            body: Bytes::from(body.to_string()),
            kind: BodyKind::Json,
            has_origin: false,
            has_end_time: body.contains("endTime"),
            error_code: None,
            job_status: status.map(Arc::from),
            job_id: None,
            http_status: StatusCode::OK,
            headers: Vec::new(),
            delay: Duration::ZERO,
            jitter: Duration::ZERO,
            fault: None,
            expire_token: false,
        }
    }
}

/// A web tool's job's own parts.
#[derive(Debug, Clone, PartialEq)]
pub struct WebTool {
    /// Its parameters' values, sorted by kind, name and first step.
    pub params: Vec<JobParam>,
    /// The answer of the first poll after a cancel: `esriJobCancelling`.
    pub cancelling: Step,
}

/// One answer of `…/results/<name>` or `…/inputs/<name>`.
#[derive(Debug, Clone, PartialEq)]
pub struct JobParam {
    pub kind: crate::api::webtool::ParamKind,
    pub name: Arc<str>,
    /// The step (index) from which this value is served: `None` from the start
    /// (`results/<name>.json`), `Some(i)` from step `i` on (`results/<name>.NNN.json`).
    pub from_step: Option<usize>,
    pub answer: Step,
}
