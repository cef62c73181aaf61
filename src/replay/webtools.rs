//! A web tool's job operations, as a session sees them ([`crate::api::webtool`]): `submitJob`
//! (a new job from the template of its task), a parameter's value (`…/results/<name>`,
//! `…/inputs/<name>`, the one of the step the session was last answered), and cancel (GET or
//! POST; the job says `esriJobCancelling` once, then is cancelled). Polls are the job
//! resource's, as for notebook jobs ([`super::jobs`]).

use serde_json::json;

use super::journal::ServedBy;
use super::reply::{Kind, Reply};
use super::request::Call;
use super::served::Served;
use super::state::{Replay, Stale};
use crate::api::format::{self, Format};
use crate::api::webtool::{self, ParamKind};
use crate::job::answer;

impl Replay {
    /// `…/GPServer/<task>/submitJob` with no recorded exchange: a new job from the template
    /// of the task, answered as the server does.
    pub(super) fn submit_job(&self, served: &Served, call: &Call, task: &str) -> Reply {
        // A web tool's job ID is `j` and 32 hex digits.
        let id = super::lifecycle::new_job_id().replace('-', "");
        if let Some(refusal) = self.create_from_template(served, call, task, &id) {
            return refusal;
        }
        Reply::value(
            Some(&id),
            json!({"jobId": id, "jobStatus": webtool::SUBMITTED}),
            "Job submitted",
            ServedBy::Template,
        )
    }

    /// `…/jobs/<id>/results/<name>` or `…/inputs/<name>`: the value of the step this session
    /// was last answered, or `None` when no job of that ID is a web tool's with a value of that
    /// name (a recorded exchange may answer it).
    pub(super) fn serve_param(
        &self,
        served: &Served,
        call: &Call,
        format: Format,
        (id, kind, name): (&str, ParamKind, &str),
    ) -> Result<Option<Reply>, Stale> {
        let live = self.lock();
        if live.generation != served.generation {
            return Err(Stale);
        }
        let Some(found) = self.find_job(served, &live, &call.session, id) else {
            return Ok(None);
        };
        let job = found.job();
        let Some(tool) = job.webtool.as_ref() else {
            return Ok(None);
        };
        let last_served = live
            .cursors
            .get(&call.session, found.key())
            .and_then(|cursor| cursor.last_served());
        let Some(step) = tool.param(kind, name, last_served) else {
            let names = tool.names(kind);
            let message = format!(
                "job {id} has no {} parameter {name:?}: it has {} (add {}/{name}.json to its folder)",
                kind.as_str(),
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                },
                kind.as_str()
            );
            let mut reply = Reply::unmatched(Some(id), 400, message);
            if let Kind::AdminError { code, message, .. } = reply.kind {
                // The services directory answers in the Portal's error shape.
                reply.kind = Kind::PortalError { code, message };
            }
            return Ok(Some(reply));
        };
        drop(live);
        let body = if step.has_origin {
            self.fill_origin(call, &step.body)
        } else {
            step.body.clone()
        };
        let body = match format {
            Format::Pjson => format::pretty(&body),
            Format::Json | Format::Html => body,
        };
        // Journaled as the job's, not as a poll of it: the verification report counts polls.
        let mut reply = Reply::value(Some(id), json!(null), "", ServedBy::Param);
        reply.kind = self.step_kind(call, step, body, Format::Json.content_type());
        reply.note.step = Some(format!("{}/{}", kind.as_str(), step.file).into());
        Ok(Some(reply))
    }

    /// `…/GPServer/<task>/jobs/<id>/cancel`: the job is cancelled for this session unless it
    /// has ended; the answer says its status as the server does.
    pub(super) fn cancel_webtool(
        &self,
        served: &Served,
        call: &Call,
        id: &str,
    ) -> Result<Reply, Stale> {
        let mut live = self.lock();
        if live.generation != served.generation {
            return Err(Stale);
        }
        let Some(found) = self.find_job(served, &live, &call.session, id) else {
            let message = format!("job {id} not found: it cannot be cancelled");
            let mut reply = Reply::unmatched(Some(id), 404, message);
            if let Kind::AdminError { code, message, .. } = reply.kind {
                reply.kind = Kind::PortalError { code, message };
            }
            return Ok(reply);
        };
        let job = found.job();
        let cursor = live.cursors.get_mut(&call.session, found.key());
        let status = if answer::cancel(job, cursor) {
            webtool::CANCELLING.to_string()
        } else {
            // Ended already: the server answers with the status it ended in.
            let last = cursor.last_served().unwrap_or(0).min(job.steps.len() - 1);
            job.steps[last]
                .job_status
                .as_deref()
                .unwrap_or(webtool::SUCCEEDED)
                .to_string()
        };
        Ok(Reply::value(
            Some(id),
            json!({"jobId": id, "jobStatus": status}),
            "Job cancelled",
            ServedBy::Cancel,
        ))
    }
}
