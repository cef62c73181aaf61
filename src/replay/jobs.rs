//! The job resource as a session sees it: a poll, its answer decided by the job engine
//! ([`crate::job::answer`]) and returned as a [`Reply`] (rendering and the journal are
//! [`super::reply`]'s), and the poll of a job that is gone for the session. Where the set's
//! flavour ([`crate::api::Flavour`]) differs, it answers as its server does: jobs removed once
//! ended. The operations on jobs (create, list, cancel, deleteAll) are [`super::operations`]'.

use std::sync::Arc;

use bytes::Bytes;
use serde_json::Value;

use super::journal::ServedBy;
use super::reply::{Note, Reply, fault_kind};
use super::request::Call;
use super::served::Served;
use super::state::{Found, Replay, Stale};
use crate::api::format::{self, Format};
use crate::job::answer::{self, Chosen, Patches, PollSettings};
use crate::job::{Instant, Step, Then};
use crate::util::clock::now_ms;

impl Replay {
    /// A poll of `found`: the answer the job engine picks for this session, after the step's
    /// delay (and one aimed at this poll), outside the lock.
    pub(super) async fn poll_job(
        &self,
        served: &Served,
        call: &Call,
        format: Format,
        found: Found<'_>,
    ) -> Result<Reply, Stale> {
        let job = found.job();
        let answer = {
            let mut live = self.lock();
            if live.generation != served.generation {
                return Err(Stale);
            }
            let Some(cursor) = live.cursors.visible_mut(&call.session, found.key()) else {
                return Ok(self.removed(served, &found));
            };
            let settings = PollSettings {
                speed: self.options.speed,
                rebase_time: self.options.rebase_time,
                created: found.is_created(),
            };
            let answer = answer::poll(job, cursor, Instant::now(), now_ms() as i64, settings);
            if served.fixtures.flavour().removes_ended_jobs() && answer::ends_job(job, &answer) {
                // Served its end once; the server removes the job, so the next poll of this
                // session finds nothing (until a reset).
                live.cursors.hide(&call.session, found.key());
            }
            answer
        };
        let (file, _, error_code) = answer.described(job);
        let note = Note {
            job: Some(Arc::clone(&job.id)),
            step: Some(file),
            // A step's fault answers instead of its body: the client saw no job status.
            job_status: answer
                .step(job)
                .filter(|step| step.fault.is_none())
                .and_then(|step| step.job_status.clone()),
            error_code,
            served_by: if found.is_created() {
                ServedBy::CreatedJob
            } else {
                ServedBy::Job
            },
            ..Note::default()
        };

        if let (Chosen::Step(index), Some(token)) = (&answer.chosen, &call.token)
            && job.steps[*index].expire_token
        {
            self.tokens.expire_at(token, &call.session, &job.id, *index);
        }
        if let Chosen::After(then) = answer.chosen {
            return Ok(self.after_the_end(&found, then));
        }
        let (step, step_index) = match &answer.chosen {
            Chosen::Step(index) => (&job.steps[*index], Some(*index)),
            Chosen::OnCancel => (
                job.on_cancel
                    .as_ref()
                    .expect("chosen only when there is one"),
                None,
            ),
            Chosen::Cancelling => (
                &job.webtool
                    .as_ref()
                    .expect("chosen only for a web tool's job")
                    .cancelling,
                None,
            ),
            Chosen::After(_) => unreachable!("answered above"),
            Chosen::Fault(fault, would_be) => {
                let step = &job.steps[*would_be];
                let whole = self.job_body(
                    served,
                    call,
                    &found,
                    step,
                    Some(*would_be),
                    format,
                    answer.patches,
                );
                return Ok(Reply {
                    kind: fault_kind(fault, format, whole),
                    note,
                });
            }
        };
        let delay = step_delay(step) + answer.pause;
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let body = self.job_body(
            served,
            call,
            &found,
            step,
            step_index,
            format,
            answer.patches,
        );
        let kind = match &step.fault {
            Some(fault) => fault_kind(fault, format, body),
            None => self.step_kind(call, step, body, format.content_type()),
        };
        Ok(Reply { kind, note })
    }

    /// A poll after the last step of a job whose `then` says there is nothing more: `error` is
    /// an unmatched request (counted, and refused with `--strict`), `gone` a job not found.
    fn after_the_end(&self, found: &Found<'_>, then: Then) -> Reply {
        let id = &found.job().id;
        if then == Then::Error {
            let message = format!(
                "job {id} was polled past its last step, and its then is \"error\": nothing is \
                 scripted after it (give it more steps, or then \"repeat\" to hold the last)"
            );
            return Reply::unmatched(Some(id), 404, message);
        }
        let message = format!("job {id} not found: its then is \"gone\" after its last step");
        let mut reply = Reply::refusal(Some(id), 404, message);
        reply.note.served_by = if found.is_created() {
            ServedBy::CreatedJob
        } else {
            ServedBy::Job
        };
        reply
    }

    /// A job's poll once it is gone for the session: deleted, or removed by the server once it
    /// ended. A removed job's polls are still its polls (the verification report counts them
    /// after its end).
    fn removed(&self, served: &Served, found: &Found<'_>) -> Reply {
        let id = &found.job().id;
        let flavour = served.fixtures.flavour();
        if !flavour.removes_ended_jobs() {
            let message = format!("job {id} not found: it was deleted (deleteAll) in this session");
            return Reply::refusal(Some(id), 404, message);
        }
        let message = format!(
            "job {id} not found: {} removes a job once it has ended, and this session was \
             answered its end (POST /__jobmock/reset brings it back)",
            flavour.product()
        );
        let mut reply = Reply::refusal(Some(id), 404, message);
        reply.note.served_by = if found.is_created() {
            ServedBy::CreatedJob
        } else {
            ServedBy::Job
        };
        reply
    }

    /// A job step's body in `format`, with what this session needs changed in it.
    #[allow(clippy::too_many_arguments)]
    fn job_body(
        &self,
        served: &Served,
        call: &Call,
        found: &Found<'_>,
        step: &Step,
        step_index: Option<usize>,
        format: Format,
        patches: Patches,
    ) -> Bytes {
        let job_id = &found.job().id;
        if let (false, true, Found::Fixture { index, .. }, Some(step_index)) =
            (step.has_origin, patches.is_empty(), found, step_index)
        {
            let rendered = &served.rendered[*index][step_index];
            return match format {
                Format::Json => step.body.clone(),
                Format::Pjson => rendered
                    .pretty
                    .get_or_init(|| format::pretty(&step.body))
                    .clone(),
                Format::Html => rendered
                    .html
                    .get_or_init(|| format::job_page(job_id, &step.body))
                    .clone(),
            };
        }
        // Rendered per request: a created job, a cancelled one, rebased times, or a body that
        // names the server (each client may reach the mock under another host name).
        let body = if step.has_origin {
            self.fill_origin(call, &step.body)
        } else {
            step.body.clone()
        };
        let body = if patches.is_empty() {
            body
        } else {
            let mut value: Value =
                serde_json::from_slice(&body).expect("step bodies are valid JSON");
            answer::patch(&mut value, patches);
            Bytes::from(serde_json::to_vec(&value).expect("a JSON value serialises"))
        };
        match format {
            Format::Json => body,
            Format::Pjson => format::pretty(&body),
            Format::Html => format::job_page(job_id, &body),
        }
    }
}

/// How long an answer of `step` waits: its delay, and a random part (0 to all) of its jitter
/// (`jitterMs`), drawn per answer, so that a client's timeouts meet uneven answers.
pub(super) fn step_delay(step: &Step) -> std::time::Duration {
    use std::hash::{BuildHasher, Hasher};

    let jitter_ms = step.jitter.as_millis() as u64;
    if jitter_ms == 0 {
        return step.delay;
    }
    // std's hasher is seeded randomly per instance: random enough for a mock's jitter.
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(crate::util::clock::now_nanos());
    step.delay + std::time::Duration::from_millis(hasher.finish() % (jitter_ms + 1))
}
