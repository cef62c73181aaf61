//! Jobs and submissions a test defines at run time, in its own session, through the control
//! API: `POST /__jobmock/jobs` (a job polled by ID), `POST /__jobmock/submissions` (what the
//! next matching `executeNotebook` or `openNotebook` creates), their listings and removal. The
//! body is read by [`crate::fixture::scenario`] into the same job a folder with those files
//! would be; a defined job lives among the created jobs as a private one (only its session
//! finds it, and it comes before a fixture job of the same ID); `reset` clears both.

use std::sync::Arc;

use hyper::StatusCode;
use serde_json::{Value, json};

use super::journal::ServedBy;
use super::lifecycle::{self, Created};
use super::reply::Reply;
use super::request::Call;
use super::served::Served;
use super::state::{Key, Live, Replay};
use super::submissions::{Submission, describe};
use crate::fixture::scenario::{self, SpecError, StepsSpec};
use crate::util::clock::now_ms;

/// The most submissions defined at once, in all sessions: past it, a definition is refused
/// (a test that defines forever cannot grow memory forever).
const MAX_SUBMISSIONS: usize = 10_000;

/// What a control call about definitions answers: a status and a JSON body.
pub(super) type Answered = (StatusCode, Value);

/// The session a definition is for: `?session=`, else the caller's (header or path prefix).
fn session_of(call: &Call) -> String {
    call.param("session")
        .map_or_else(|| call.session.to_string(), str::to_string)
}

fn bad_body(error: &SpecError) -> Answered {
    (
        StatusCode::BAD_REQUEST,
        json!({"status": "error", "code": 400, "messages": [error.to_string()], "field": error.field}),
    )
}

fn body_of(call: &Call) -> &[u8] {
    call.raw.as_ref().map_or(&[][..], |raw| &raw.body[..])
}

impl Replay {
    /// `POST /__jobmock/jobs`: a job of the caller's session, made from the body.
    pub(super) fn define_job(&self, served: &Served, call: &Call) -> Answered {
        let spec = match scenario::parse_job(body_of(call)) {
            Ok(spec) => spec,
            Err(error) => return bad_body(&error),
        };
        let session = session_of(call);
        let webtool = spec.steps.is_webtool();
        let id = spec.job_id.clone().unwrap_or_else(|| {
            let id = lifecycle::new_job_id();
            // A web tool's job ID is `j` and 32 hex digits.
            if webtool { id.replace('-', "") } else { id }
        });
        let job = match self.keep_defined(served, &session, &id, &spec.job_type, &spec.steps) {
            Ok(job) => job,
            Err(error) => return bad_body(&error),
        };
        let job_url = if webtool {
            // Any service's GPServer path polls it: replay routes a web tool's job by its ID.
            let task = &spec.job_type;
            format!(
                "{}{}/rest/services/{task}/GPServer/{task}/jobs/{id}",
                self.origin(call),
                spec.context
            )
        } else {
            self.job_url(served, call, &spec.context, &spec.job_type, &id)
        };
        (
            StatusCode::CREATED,
            json!({
                "jobId": id,
                "jobUrl": job_url,
                "session": session,
                "type": spec.job_type,
                "steps": job.steps.len(),
                "then": job.then.as_str(),
            }),
        )
    }

    /// Builds the job `id` from `steps` and keeps it as `session`'s own.
    fn keep_defined(
        &self,
        served: &Served,
        session: &str,
        id: &str,
        job_type: &str,
        steps: &StepsSpec,
    ) -> Result<Arc<crate::job::Job>, SpecError> {
        let template = served.fixtures.template(job_type);
        let job = Arc::new(steps.build(id, job_type, template, now_ms())?);
        let mut live = self.lock();
        keep_private(&mut live, session, job_type, Arc::clone(&job));
        self.has_private_jobs
            .store(true, std::sync::atomic::Ordering::Relaxed);
        Ok(job)
    }

    fn job_url(
        &self,
        served: &Served,
        call: &Call,
        context: &str,
        job_type: &str,
        id: &str,
    ) -> String {
        format!(
            "{}{}",
            self.origin(call),
            served
                .fixtures
                .flavour()
                .job_url_path(context, job_type, id)
        )
    }

    /// `DELETE /__jobmock/jobs/<id>`: the caller's defined job `id` removed.
    pub(super) fn remove_defined_job(&self, call: &Call, id: &str) -> Answered {
        let session = session_of(call);
        let mut live = self.lock();
        let Some((slot, _)) = live.created.find_private(&session, id) else {
            return (
                StatusCode::NOT_FOUND,
                json!({"status": "error", "code": 404, "messages": [format!(
                    "session {session:?} defined no job {id:?} (GET /__jobmock/jobs lists the jobs; only jobs defined with POST /__jobmock/jobs are removed this way)"
                )]}),
            );
        };
        live.created.remove(slot);
        live.cursors.reset(None, Some(Key::Created(slot)));
        (StatusCode::OK, json!({"status": "success", "removed": id}))
    }

    /// `POST /__jobmock/submissions`: what the caller's next matching submission creates.
    pub(super) fn define_submission(&self, served: &Served, call: &Call) -> Answered {
        let spec = match scenario::parse_submission(body_of(call)) {
            Ok(spec) => spec,
            Err(error) => return bad_body(&error),
        };
        // Built once now, so that a body that cannot make a job is refused here, not at the
        // submission.
        if let Some(steps) = &spec.steps {
            let template = served.fixtures.template(&spec.job_type);
            if let Err(error) = steps.build("jcheck", &spec.job_type, template, now_ms()) {
                return bad_body(&error);
            }
        }
        let session = session_of(call);
        let mut live = self.lock();
        let submissions = &mut live.submissions;
        if submissions.defined.len() >= MAX_SUBMISSIONS {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                json!({"status": "error", "code": 429, "messages": [format!(
                    "{MAX_SUBMISSIONS} submissions are defined, the most a server keeps: DELETE /__jobmock/submissions/<id> or POST /__jobmock/reset"
                )]}),
            );
        }
        submissions.numbered += 1;
        let submission = Submission {
            id: format!("s{}", submissions.numbered),
            session,
            remaining: spec.times,
            spec,
            matched: 0,
        };
        let described = describe(&submission);
        submissions.defined.push(submission);
        (StatusCode::CREATED, described)
    }

    /// `GET /__jobmock/submissions`: those of `?session=` (or the path prefix's), or all.
    pub(super) fn list_submissions(&self, call: &Call) -> Answered {
        let live = self.lock();
        (
            StatusCode::OK,
            json!({"submissions": live.submissions.listing(call.scope())}),
        )
    }

    /// `DELETE /__jobmock/submissions/<id>`.
    pub(super) fn remove_submission(&self, id: &str) -> Answered {
        let mut live = self.lock();
        let before = live.submissions.defined.len();
        live.submissions
            .defined
            .retain(|submission| submission.id != id);
        if live.submissions.defined.len() == before {
            return (
                StatusCode::NOT_FOUND,
                json!({"status": "error", "code": 404, "messages": [format!(
                    "no submission {id:?} is defined (GET /__jobmock/submissions lists them)"
                )]}),
            );
        }
        (StatusCode::OK, json!({"status": "success", "removed": id}))
    }

    /// A submission (`POST …/<operation>`) a defined submission of its session answers: the
    /// earliest that matches and has answers left. `None`: the set answers as it would.
    pub(super) fn submit_defined(
        &self,
        served: &Served,
        call: &Call,
        context: &str,
        operation: &str,
        task: Option<&str>,
    ) -> Option<Reply> {
        let spec = {
            let mut live = self.lock();
            let submission = live.submissions.defined.iter_mut().find(|submission| {
                submission.session == *call.session
                    && submission.spec.operation == operation
                    && submission.spec.task.as_deref() == task
                    && submission.remaining != Some(0)
                    && scenario::params_match(&submission.spec.params, &call.params)
            })?;
            submission.remaining = submission.remaining.map(|left| left - 1);
            submission.matched += 1;
            submission.spec.clone()
        };
        let id = spec.job_id.clone().unwrap_or_else(|| {
            let id = lifecycle::new_job_id();
            // A web tool's job ID is `j` and 32 hex digits.
            if task.is_some() {
                id.replace('-', "")
            } else {
                id
            }
        });
        if let Some(steps) = &spec.steps
            && let Err(error) = self.keep_defined(served, &call.session, &id, &spec.job_type, steps)
        {
            return Some(Reply::refusal(None, 400, error.to_string()));
        }
        // Under the context the client submitted to: its jobUrl leads back where it talks.
        let job_url = match task {
            // A web tool's client polls `…/<task>/jobs/<jobId>` beside the submitJob it sent.
            Some(_) => format!(
                "{}{}",
                self.origin(call),
                call.path().replace("/submitJob", &format!("/jobs/{id}"))
            ),
            None => self.job_url(served, call, context, &spec.job_type, &id),
        };
        let answer = match (&spec.answer, task) {
            (Some(answer), _) => fill(answer, &id, &job_url),
            (None, Some(_)) => json!({"jobId": id, "jobStatus": crate::api::webtool::SUBMITTED}),
            (None, None) => json!({"jobId": id, "jobUrl": job_url, "status": "success"}),
        };
        let job = spec.steps.is_some().then_some(id.as_str());
        Some(Reply::value(
            job,
            answer,
            "Job submitted",
            ServedBy::Submission,
        ))
    }
}

/// A private job of `session` kept among the created jobs, replacing one it defined before
/// with that ID; cursors of the slots reused start afresh.
fn keep_private(live: &mut Live, session: &str, job_type: &str, job: Arc<crate::job::Job>) {
    let (slot, forgotten) = live.created.insert(Created {
        job,
        job_type: job_type.to_string(),
        session: session.to_string(),
        private: true,
    });
    for stale in [Some(slot), forgotten].into_iter().flatten() {
        live.cursors.reset(None, Some(Key::Created(stale)));
    }
}

/// `answer` with `{{jobId}}` and `{{jobUrl}}` in its strings replaced.
fn fill(answer: &Value, id: &str, job_url: &str) -> Value {
    match answer {
        Value::String(text) => {
            Value::String(text.replace("{{jobId}}", id).replace("{{jobUrl}}", job_url))
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|item| fill(item, id, job_url)).collect())
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| (key.clone(), fill(value, id, job_url)))
                .collect(),
        ),
        other => other.clone(),
    }
}
