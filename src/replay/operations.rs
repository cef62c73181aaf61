//! The job operations of the mocked API, as a session sees them: create (a new job from the
//! template of its type, with a `jobUrl` on this server), the jobs list (as the set's flavour
//! lists them), cancel and deleteAll. Each returns a [`Reply`].

use std::sync::Arc;

use serde_json::{Value, json};

use super::journal::ServedBy;
use super::lifecycle::{self, Created};
use super::reply::Reply;
use super::request::Call;
use super::served::Served;
use super::state::{Found, Key, Live, Replay, Stale};
use crate::api::Flavour;
use crate::job::answer;
use crate::job::{Instant, Step};
use crate::util::clock::now_ms;

impl Replay {
    /// `executeNotebook` or `openNotebook` with no recorded exchange: a new job from the
    /// template of its type, answered as the server does, with a `jobUrl` on this server.
    pub(super) fn create_job(
        &self,
        served: &Served,
        call: &Call,
        context: &str,
        job_type: &str,
    ) -> Reply {
        let id = lifecycle::new_job_id();
        if let Some(refusal) = self.create_from_template(served, call, job_type, &id) {
            return refusal;
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

    /// A new job `id` of `job_type` (a notebook job's type, or a web tool's task) from its
    /// template, made with the request's parameters. Returns the refusal when there is no
    /// template.
    pub(super) fn create_from_template(
        &self,
        served: &Served,
        call: &Call,
        job_type: &str,
        id: &str,
    ) -> Option<Reply> {
        let Some(template) = served.fixtures.template(job_type) else {
            let message = format!(
                "no template for {job_type} jobs: add one at {} (the shipped fixtures have one), or record this call",
                served.fixtures.template_dir(job_type).display()
            );
            return Some(Reply::unmatched(None, 400, message));
        };
        let job = lifecycle::make_job(template, job_type, id, &call.params, now_ms());
        let mut live = self.lock();
        let (slot, forgotten) = live.created.insert(Created {
            job: Arc::new(job),
            job_type: job_type.to_string(),
            session: call.session.to_string(),
            private: false,
        });
        // A reused slot starts afresh in every session.
        for stale in [Some(slot), forgotten].into_iter().flatten() {
            live.cursors.reset(None, Some(Key::Created(stale)));
        }
        None
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
