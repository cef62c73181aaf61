//! Which handler a request of the mocked API goes to, in what order, and the answer when none
//! takes it: a fixture job's poll first, then a recorded exchange (what a real server said),
//! then the built-in operations (create, list, cancel, deleteAll) and the Portal's root; the
//! method and format refusals, and the 404 texts that say why nothing answered. Where a path
//! goes is [`Route`]'s; what each handler answers is its own.

use std::sync::Arc;

use hyper::{Method, StatusCode};

use super::journal;
use super::reply::Reply;
use super::request::Call;
use super::route::{Route, is_api_method};
use super::served::Served;
use super::state::{Found, Replay, Stale};
use crate::api::format::Format;

impl Replay {
    /// The handler a request of the mocked API goes to.
    pub(super) async fn dispatch(
        &self,
        served: &Served,
        call: &Call,
        format: Result<Format, &str>,
    ) -> Result<Reply, Stale> {
        let flavour = served.fixtures.flavour();
        let route = Route::parse(call.path(), flavour);
        let bad_format = |message: &str| Reply::refusal(None, 400, message);
        match route {
            Route::BadJobId { id } => {
                let problem = crate::api::job_id_problem(id).unwrap_or_default();
                return Ok(Reply::refusal(
                    None,
                    400,
                    format!("invalid job ID {id:?}: it {problem}"),
                ));
            }
            Route::Job { id } => {
                // A fixture job is found without the lock; only created jobs live behind it.
                // A job the session defined comes first (it is what the test asked for).
                let private = if self
                    .has_private_jobs
                    .load(std::sync::atomic::Ordering::Relaxed)
                {
                    self.private_job(&self.lock(), &call.session, id)
                } else {
                    None
                };
                let found = private
                    .or_else(|| Found::fixture_job(served, id))
                    .or_else(|| {
                        self.lock()
                            .created
                            .find(id)
                            .map(|(slot, created)| Found::Created {
                                slot,
                                job: Arc::clone(&created.job),
                            })
                    });
                if let Some(found) = found {
                    let format = match format {
                        Ok(format) => format,
                        Err(message) => return Ok(bad_format(message)),
                    };
                    if !is_api_method(&call.method) {
                        return Ok(self.method_refusal(call));
                    }
                    return self.poll_job(served, call, format, found).await;
                }
            }
            // A web tool's parameter is its job's, as a poll is.
            Route::Param { id, kind, name } if is_api_method(&call.method) => {
                if let Ok(format) = format
                    && let Some(reply) = self.serve_param(served, call, format, (id, kind, name))?
                {
                    return Ok(reply);
                }
            }
            _ => {}
        }
        // A submission the session defined answers before what the set holds: it is what the
        // test asked for.
        if let Route::Create { context, job_type } = &route
            && call.method == Method::POST
            && let Some(reply) = self.submit_defined(served, call, context, job_type, None)
        {
            return Ok(reply);
        }
        if let Route::Submit { task } = &route
            && let Some(reply) = self.submit_defined(served, call, "", "submitJob", Some(task))
        {
            return Ok(reply);
        }
        // A recorded exchange answers before the built-in operations: it is what a real server
        // said.
        // GET and POST alike, but for the operations the server takes by POST only.
        if let Some(index) = served.fixtures.find_exchange(
            call.method.as_str(),
            call.path(),
            &call.params,
            !route.is_post_only(),
        ) {
            return self.serve_exchange(served, call, index).await;
        }
        if !is_api_method(&call.method) {
            return Ok(self.method_refusal(call));
        }
        if route.is_post_only() && call.method != Method::POST {
            // The server takes its state-changing operations by POST only.
            let message = format!(
                "{} changes the server's state and takes POST only, not {}",
                call.path(),
                call.method
            );
            return Ok(Reply::refusal(route.job(), 405, message));
        }
        if let Err(message) = format {
            return Ok(Reply::refusal(route.job(), 400, message));
        }
        Ok(match route {
            Route::Create { context, job_type } => self.create_job(served, call, context, job_type),
            Route::List => self.list_jobs(served, call),
            Route::DeleteAll => return self.delete_all(served, call),
            Route::Cancel { id } => return self.cancel(served, call, id),
            Route::WebToolCancel { id } => return self.cancel_webtool(served, call, id),
            // The services directory takes submitJob by GET as well as POST.
            Route::Submit { task } => self.submit_job(served, call, task),
            Route::Param { id, kind, name } => Reply::unmatched(
                Some(id),
                404,
                format!(
                    "job {id} not found, and no recorded exchange answers its {} {name:?}",
                    kind.as_str()
                ),
            ),
            Route::Job { id } => Reply::unmatched(
                Some(id),
                404,
                format!(
                    "job {id} not found: no fixture at {} (GET /__jobmock/jobs lists the jobs served)",
                    served.fixtures.job_dir(id).display()
                ),
            ),
            Route::BelowJob { id, below } => Reply::unmatched(
                Some(id),
                404,
                format!("no resource {below:?} under job {id}, and no recorded exchange for it"),
            ),
            // Clients differ in whether they ask the Portal's root (arcgis 2.4.2 does, 2.4.4
            // does not): a set recorded with one answers the others from its own version.
            Route::Other
                if is_sharing_root(call.path())
                    && let Some(version) = served.fixtures.portal_version() =>
            {
                Reply::value(
                    None,
                    serde_json::json!({ "currentVersion": version }),
                    "Portal",
                    journal::ServedBy::PortalRoot,
                )
            }
            Route::Other | Route::BadJobId { .. } => Reply::unmatched(
                None,
                404,
                format!(
                    "no resource at {}: it is not a job ({}{}) and no recorded exchange answers \
                     {} {} with these parameters",
                    call.path(),
                    flavour.job_path_pattern(),
                    match flavour {
                        crate::api::Flavour::NotebookServer => String::new(),
                        // Say why a Notebook Server path is not served here.
                        other => format!(", the job path of {}", other.product()),
                    },
                    call.method,
                    call.path()
                ),
            ),
        })
    }

    fn method_refusal(&self, call: &Call) -> Reply {
        Reply::refused(
            StatusCode::METHOD_NOT_ALLOWED,
            format!(
                "method {} is not supported for {}; use GET or POST",
                call.method,
                call.path()
            ),
        )
    }
}

/// Whether `path` is a Portal's sharing root (`/portal/sharing/rest`, with or without its slash).
fn is_sharing_root(path: &str) -> bool {
    path.trim_end_matches('/').ends_with("/sharing/rest")
}
