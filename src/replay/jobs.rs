//! The job resource and its operations, as a session sees them: a poll (its answer decided by
//! the job engine, [`crate::job::answer`]), create, list, cancel and deleteAll. Each handler
//! returns a [`Reply`]; rendering and the journal are [`super::reply`]'s. Where the set's
//! flavour ([`crate::api::Flavour`]) differs, they answer as its server does: its `jobUrl`, its
//! list, and jobs removed once ended.

use std::sync::Arc;

use bytes::Bytes;
use hyper::StatusCode;
use serde_json::{Value, json};

use super::journal::ServedBy;
use super::lifecycle::{self, Created};
use super::reply::{Kind, Note, Reply};
use super::request::Call;
use super::served::Served;
use super::{Found, Key, Live, Replay, Stale};
use crate::api::Flavour;
use crate::api::format::{self, Format};
use crate::job::answer::{self, Chosen, Patches, PollSettings};
use crate::job::{Fault, Instant, Step};
use crate::util::clock::now_ms;

impl Replay {
    /// The job `id` as `session` sees it: a fixture job it has not deleted, or a job it (or
    /// another session) created.
    pub(super) fn find_job<'a>(
        &self,
        served: &'a Served,
        live: &Live,
        session: &str,
        id: &str,
    ) -> Option<Found<'a>> {
        // Hidden: deleted (deleteAll), or removed once ended (a flavour that removes them).
        self.lookup(served, live, id)
            .filter(|found| !live.cursors.is_hidden(session, found.key()))
    }

    /// The job `id`, whichever session sees it: for the control API.
    pub(super) fn lookup<'a>(
        &self,
        served: &'a Served,
        live: &Live,
        id: &str,
    ) -> Option<Found<'a>> {
        served.fixture_job(id).or_else(|| {
            live.created.find(id).map(|(slot, created)| Found::Created {
                slot,
                job: Arc::clone(&created.job),
            })
        })
    }

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
            if live.cursors.is_hidden(&call.session, found.key()) {
                return Ok(self.removed(served, &found));
            }
            let cursor = live.cursors.get_mut(&call.session, found.key());
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
        let (step, step_index) = match &answer.chosen {
            Chosen::Step(index) => (&job.steps[*index], Some(*index)),
            Chosen::OnCancel => (
                job.on_cancel
                    .as_ref()
                    .expect("chosen only when there is one"),
                None,
            ),
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
        let delay = step.delay + answer.pause;
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

    /// `executeNotebook` or `openNotebook` with no recorded exchange: a new job from the
    /// template of its type, answered as the server does, with a `jobUrl` on this server.
    pub(super) fn create_job(
        &self,
        served: &Served,
        call: &Call,
        context: &str,
        job_type: &str,
    ) -> Reply {
        let Some(template) = served.fixtures.template(job_type) else {
            let message = format!(
                "no template for {job_type} jobs: add one at {} (the shipped fixtures have one), or record this call",
                served.fixtures.template_dir(job_type).display()
            );
            return Reply::unmatched(None, 400, message);
        };
        let id = lifecycle::new_job_id();
        let job = lifecycle::make_job(template, job_type, &id, &call.params, now_ms());
        {
            let mut live = self.lock();
            let (slot, forgotten) = live.created.insert(Created {
                job: Arc::new(job),
                job_type: job_type.to_string(),
                session: call.session.to_string(),
            });
            // A reused slot starts afresh in every session.
            for stale in [Some(slot), forgotten].into_iter().flatten() {
                live.cursors.reset(None, Some(Key::Created(stale)));
            }
        }
        let job_url = format!(
            "{}{}",
            self.origin(call),
            served
                .fixtures
                .flavour()
                .job_url_path(context, job_type, &id)
        );
        Reply::value(
            Some(&id),
            json!({"jobId": id, "jobUrl": job_url, "status": "success"}),
            "Job submitted",
            ServedBy::Template,
        )
    }

    /// `…/admin/system/jobs`: the jobs this session knows, as the admin API lists them.
    pub(super) fn list_jobs(&self, served: &Served, call: &Call) -> Reply {
        if served.fixtures.flavour() == Flavour::EnterpriseKubernetes {
            return self.list_notebook_jobs(served, call);
        }
        let detail = call
            .param("detail")
            .is_some_and(|d| d.eq_ignore_ascii_case("true"));
        let by_date = call
            .param("sortByDate")
            .is_some_and(|d| d.eq_ignore_ascii_case("true"));
        let num: usize = call
            .param("num")
            .and_then(|n| n.parse().ok())
            .unwrap_or(100);
        let mut jobs: Vec<Value> = {
            let live = self.lock();
            self.visible_jobs(served, &live, &call.session)
                .iter()
                .map(|(found, step)| {
                    let cursor = live.cursors.get(&call.session, found.key());
                    let patches =
                        answer::listed_patches(step, cursor, found.is_created(), now_ms() as i64);
                    let body = if step.has_origin {
                        self.fill_origin(call, &step.body)
                    } else {
                        step.body.clone()
                    };
                    let mut value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    answer::patch(&mut value, patches);
                    if detail {
                        return value;
                    }
                    let mut summary = serde_json::Map::new();
                    for field in ["jobId", "startTime", "type", "username"] {
                        if let Some(field_value) = value.get(field) {
                            summary.insert(field.to_string(), field_value.clone());
                        }
                    }
                    Value::Object(summary)
                })
                .collect()
        };
        if by_date {
            jobs.sort_by_key(|job| {
                std::cmp::Reverse(job.get("startTime").and_then(Value::as_i64).unwrap_or(0))
            });
        }
        let total = jobs.len();
        jobs.truncate(num);
        Reply::value(
            None,
            json!({"asyncJobs": jobs, "total": total}),
            "Jobs",
            ServedBy::JobsList,
        )
    }

    /// `…/admin/notebooks/jobs` of Enterprise on Kubernetes: `{"asyncNotebookJobs": [{"jobId",
    /// "name", "startTime", "endTime", "status"}]}`, `name` the job's type and `endTime` 0
    /// until it ends, as its reference's example shows. Its page names no parameters but `f`,
    /// so `num`, `detail` and `sortByDate` are not read. A job whose next answer is an error (a
    /// recording of its removal) is gone, so not listed.
    fn list_notebook_jobs(&self, served: &Served, call: &Call) -> Reply {
        let jobs: Vec<Value> = {
            let live = self.lock();
            self.visible_jobs(served, &live, &call.session)
                .iter()
                .filter(|(_, step)| step.error_code.is_none() && step.fault.is_none())
                .map(|(found, step)| {
                    let cursor = live.cursors.get(&call.session, found.key());
                    let patches =
                        answer::listed_patches(step, cursor, found.is_created(), now_ms() as i64);
                    let mut value: Value =
                        serde_json::from_slice(&step.body).unwrap_or(Value::Null);
                    answer::patch(&mut value, patches);
                    let field = |name: &str| value.get(name).cloned();
                    json!({
                        "jobId": field("jobId").unwrap_or_else(|| json!(&*found.job().id)),
                        "name": field("type").unwrap_or(Value::Null),
                        "startTime": field("startTime")
                            .or_else(|| field("dateCreated"))
                            .unwrap_or(json!(0)),
                        "endTime": field("endTime").unwrap_or(json!(0)),
                        "status": field("status").unwrap_or(Value::Null),
                    })
                })
                .collect()
        };
        Reply::value(
            None,
            json!({ "asyncNotebookJobs": jobs }),
            "Notebook jobs",
            ServedBy::JobsList,
        )
    }

    /// The jobs `session` sees, each with the step its next poll would get.
    pub(super) fn visible_jobs<'a>(
        &self,
        served: &'a Served,
        live: &Live,
        session: &str,
    ) -> Vec<(Found<'a>, Step)> {
        let now = Instant::now();
        let fixture_jobs = served.fixtures.jobs().iter().map(|job| job.id.as_ref());
        let created_jobs = live
            .created
            .iter()
            .filter(|(_, created)| created.session == session)
            .map(|(_, created)| created.job.id.as_ref());
        let ids: Vec<String> = fixture_jobs
            .chain(created_jobs)
            .map(str::to_string)
            .collect();
        ids.iter()
            .filter_map(|id| self.find_job(served, live, session, id))
            .map(|found| {
                let cursor = live.cursors.get(session, found.key());
                let step = answer::next_step(found.job(), cursor, now, self.options.speed).clone();
                (found, step)
            })
            .collect()
    }

    /// `…/system/jobs/<jobId>/cancel`: later answers of the job carry `isCancelled: true`, and
    /// it ends as its script says.
    pub(super) fn cancel(
        &self,
        served: &Served,
        call: &Call,
        job_id: &str,
    ) -> Result<Reply, Stale> {
        let mut live = self.lock();
        if live.generation != served.generation {
            return Err(Stale);
        }
        let Some(found) = self.find_job(served, &live, &call.session, job_id) else {
            let message = format!("job {job_id} not found: it cannot be cancelled");
            return Ok(Reply::unmatched(Some(job_id), 404, message));
        };
        let cursor = live.cursors.get_mut(&call.session, found.key());
        answer::cancel(found.job(), cursor);
        Ok(Reply::value(
            Some(job_id),
            json!({"status": "success"}),
            "Job cancelled",
            ServedBy::Cancel,
        ))
    }

    /// `…/system/jobs/deleteAll`: the session's COMPLETED and FAILED jobs go.
    pub(super) fn delete_all(&self, served: &Served, call: &Call) -> Result<Reply, Stale> {
        let mut live = self.lock();
        if live.generation != served.generation {
            return Err(Stale);
        }
        let finished: Vec<Key> = self
            .visible_jobs(served, &live, &call.session)
            .iter()
            .filter(|(_, step)| answer::is_final(step))
            .map(|(found, _)| found.key())
            .collect();
        for key in finished {
            match key {
                Key::Created(slot) => {
                    live.created.remove(slot);
                    live.cursors.reset(None, Some(key));
                }
                key => live.cursors.hide(&call.session, key),
            }
        }
        Ok(Reply::value(
            None,
            json!({"status": "success"}),
            "Jobs deleted",
            ServedBy::DeleteAll,
        ))
    }
}

/// What a fault answers instead of a step; `whole` is the answer it stands in for.
pub(super) fn fault_kind(fault: &Fault, format: Format, whole: Bytes) -> Kind {
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
