//! A server that replays and records (`jobmock replay --upstream URL --record-mode MODE`):
//! which requests go to the upstream instead of the set, and what is done with the answer.
//!
//! - `all` (and `once` for a set that is empty or missing) forwards every request of the
//!   mocked API; the recorder writes into a staging folder that replaces the set when the
//!   server stops cleanly (`crate::app`'s work).
//! - `new_episodes` serves what the set has, and forwards what it has no answer for: a
//!   submission no recorded exchange answers (before the template would make a job of it), a
//!   request nothing matched, the Portal's root and the jobs list when nothing recorded them.
//!   A job the upstream announced is *followed*: its polls are forwarded until it ends. Once an
//!   exchange is written, the set is read again, so that it is served from then on without a
//!   restart.
//!
//! Recording itself is the record proxy's ([`crate::record::Recorder`]): the same redaction,
//! the same atomic files.

use std::sync::Arc;

use serde_json::Value;

use super::journal::ServedBy;
use super::reply::{Kind, Note, Reply};
use super::request::Call;
use super::route::Route;
use super::served::Served;
use super::state::Replay;
use super::upstream::Forwarding;
use crate::output::note;
use crate::record::forward::Forward;

impl Replay {
    /// Makes this server forward to an upstream from now on.
    pub fn forward_to(&self, forwarding: Forwarding) {
        let _ = self.forwarding.set(forwarding);
    }

    /// Whether `call` goes to the upstream before the set is asked: everything when recording
    /// everything; a poll of a followed job; a submission no recorded exchange answers.
    pub(super) fn forwards_first(&self, served: &Served, call: &Call) -> bool {
        let Some(forwarding) = self.forwarding.get() else {
            return false;
        };
        if forwarding.everything {
            return true;
        }
        match Route::parse(call.path(), served.fixtures.flavour()) {
            Route::Job { id }
            | Route::BelowJob { id, .. }
            | Route::Cancel { id }
            | Route::WebToolCancel { id }
            | Route::Param { id, .. } => forwarding.followed().contains(id),
            Route::Create { .. } | Route::Submit { .. } => served
                .fixtures
                .find_exchange(call.method.as_str(), call.path(), &call.params, false)
                .is_none(),
            _ => false,
        }
    }

    /// Whether a request the set answered with `served_by` goes to the upstream after all:
    /// what nothing matched, and what replay made up where nothing was recorded.
    pub(super) fn forwards_after(&self, served_by: ServedBy) -> bool {
        self.forwarding.get().is_some()
            && matches!(
                served_by,
                ServedBy::Nothing | ServedBy::PortalRoot | ServedBy::JobsList
            )
    }

    /// Forwards `call` to the upstream, records the answer, and answers with it. In
    /// `new_episodes`, waits for it to be written and reads the set again (unless it is a poll
    /// of a job still running, forwarded until it ends).
    pub(super) async fn forward(self: &Arc<Self>, call: &Call) -> Reply {
        let forwarding = self
            .forwarding
            .get()
            .expect("forward is called only when forwarding");
        let flavour = self.served().fixtures.flavour();
        let route = Route::parse(call.path(), flavour);
        let job = route.job().map(str::to_string);
        let raw = call.raw.as_ref();
        let request = Forward {
            method: call.method.clone(),
            target: call.upstream_target().to_string(),
            headers: raw.map(|raw| raw.headers.clone()).unwrap_or_default(),
            body: raw.map(|raw| raw.body.clone()).unwrap_or_default(),
            client_origin: format!(
                "{}://{}{}",
                self.options.scheme,
                call.host().unwrap_or_default(),
                call.session_prefix()
            ),
        };
        let forwarded = match forwarding.recorder.forward(request).await {
            Ok(forwarded) => forwarded,
            Err(message) => {
                // Said on stderr by the recorder, which is told of every failure, once for
                // each way the upstream failed.
                let mut reply = Reply::refused(hyper::StatusCode::BAD_GATEWAY, message);
                reply.note.served_by = ServedBy::Upstream;
                return reply;
            }
        };
        let status_word = job_status(&forwarded.body);
        let still_running =
            self.follow(forwarding, &route, &forwarded.body, status_word.as_deref());
        if !forwarding.everything && !still_running {
            forwarding.recorder.written(forwarded.number).await;
            let replay = Arc::clone(self);
            let reloaded = tokio::task::spawn_blocking(move || replay.reload()).await;
            if let Ok(Err(err)) = reloaded {
                note!(
                    "jobmock: recorded, but the set did not load again: {}",
                    crate::error::report(&err)
                );
            }
        }
        let content_type = forwarded
            .headers
            .get(hyper::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map_or("application/json", content_type_name);
        Reply {
            kind: Kind::Body {
                status: forwarded.status,
                content_type,
                headers: forwarded
                    .headers
                    .iter()
                    .map(|(name, value)| (name.clone(), value.clone()))
                    .collect(),
                body: forwarded.body,
            },
            note: Note {
                job: job.map(Arc::from),
                job_status: status_word.map(Arc::from),
                served_by: ServedBy::Upstream,
                ..Note::default()
            },
        }
    }

    /// Notes the jobs an answer announces or ends; whether `route` is a poll of a job that
    /// has not ended (its answer needs no reload: the next poll is forwarded too).
    fn follow(
        &self,
        forwarding: &Forwarding,
        route: &Route<'_>,
        body: &[u8],
        status: Option<&str>,
    ) -> bool {
        let mut followed = forwarding.followed();
        match route {
            Route::Create { .. } | Route::Submit { .. } => {
                if let Some(id) = serde_json::from_slice::<Value>(body)
                    .ok()
                    .and_then(|value| value.get("jobId")?.as_str().map(str::to_string))
                {
                    followed.insert(id);
                }
                false
            }
            Route::Job { id } => {
                let ended = status.is_none_or(is_final_status);
                if ended {
                    followed.remove(*id);
                } else {
                    followed.insert((*id).to_string());
                }
                !ended
            }
            _ => false,
        }
    }

    /// `recordMode` and `recording` for `GET /__jobmock/health`.
    pub(super) fn recording_health(&self) -> Value {
        let forwarding = self.forwarding.get();
        serde_json::json!({
            "recordMode": self.options.record_mode.as_str(),
            "recording": forwarding.is_some(),
            "upstream": forwarding.map(|forwarding| forwarding.recorder.upstream_origin()),
        })
    }
}

/// A job's status word in a poll's answer: `status` (Notebook Server), or `jobStatus`.
fn job_status(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    value
        .get("status")
        .or_else(|| value.get("jobStatus"))?
        .as_str()
        .map(str::to_string)
}

/// Whether a job with this status has ended, in any of the job families' words (and
/// CANCELLED, which some servers answer for a cancelled notebook job).
fn is_final_status(status: &str) -> bool {
    status == "CANCELLED" || crate::api::webtool::is_final_status(status)
}

/// The static name of a content type, for the answer's header (the upstream's own header,
/// given as the answer's headers, replaces it).
fn content_type_name(given: &str) -> &'static str {
    if given.starts_with("text/html") {
        "text/html"
    } else if given.starts_with("text/") {
        "text/plain"
    } else {
        "application/json"
    }
}
