//! The control API under `/__jobmock/`: health, the jobs and their cursors, reset, advance,
//! reload, and the request journal. It answers JSON with real HTTP statuses (it is jobmock's own
//! API, not a mock of ArcGIS's), and its requests are not journaled. With `--control-token`,
//! every control request must carry the token.

use std::sync::Arc;

use hyper::header::{ALLOW, HeaderValue, WWW_AUTHENTICATE};
use hyper::{Method, Response, StatusCode};
use serde_json::{Value, json};

use super::body::{Body, full};
use super::listing::{exchange_listing, job_listing};
use super::load::ReloadReport;
use super::reply::response;
use super::request::Call;
use super::served::Served;
use super::state::{Key, Replay};
use super::{journal, verify, web};
use crate::job::Instant;

/// Answers a control request.
pub async fn handle(replay: &Arc<Replay>, call: &Call, rest: &str) -> Response<Body> {
    if let Some(expected) = &replay.options.control_token {
        let given = call.control_token.as_deref().or(call.param("controlToken"));
        if given != Some(expected.as_str()) {
            let mut refused = error(
                StatusCode::UNAUTHORIZED,
                "the control API takes requests with the server's control token only: send it \
                 in the X-Jobmock-Control-Token header (replay --control-token)",
            );
            refused.headers_mut().insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static("X-Jobmock-Control-Token"),
            );
            return refused;
        }
    }
    if rest == "reload" && call.method == Method::POST {
        let reloading = Arc::clone(replay);
        let reloaded = tokio::task::spawn_blocking(move || reloading.reload()).await;
        return self::reloaded(reloaded.unwrap_or_else(|_| {
            Err(crate::error::Error::Usage {
                message: "the reload stopped unexpectedly".to_string(),
            })
        }));
    }
    let served = &replay.served();
    let segments: Vec<&str> = rest.split('/').collect();
    match (segments.as_slice(), &call.method) {
        (["health"], &Method::GET) => health(replay, served),
        (["jobs"], &Method::GET) => jobs(replay, served, None),
        (["jobs", job_id], &Method::GET) => jobs(replay, served, Some(job_id)),
        (["jobs", job_id, "advance"], &Method::POST) => advance(replay, served, call, job_id),
        (["jobs"], &Method::POST) => answered(replay.define_job(served, call)),
        (["jobs", job_id], &Method::DELETE) => answered(replay.remove_defined_job(call, job_id)),
        (["submissions"], &Method::POST) => answered(replay.define_submission(served, call)),
        (["submissions"], &Method::GET) => answered(replay.list_submissions(call)),
        (["submissions", id], &Method::DELETE) => answered(replay.remove_submission(id)),
        (["reset"], &Method::POST) => reset(replay, served, call),
        (["requests"], &Method::GET) => requests(replay, call),
        (["verify"], &Method::GET) => verify(replay, served, call),
        (["exchanges"], &Method::GET) => exchanges(replay, served),
        (["ui"], &Method::GET) => web::ui(replay, served, call),
        (["jobs"] | ["submissions"], _) => wrong_method(call, "GET, POST"),
        (["jobs", _], _) => wrong_method(call, "GET, DELETE"),
        (["submissions", _], _) => wrong_method(call, "DELETE"),
        (["health"] | ["requests"] | ["verify"] | ["exchanges"] | ["ui"], _) => {
            wrong_method(call, "GET")
        }
        (["reset"] | ["jobs", _, "advance"] | ["reload"], _) => wrong_method(call, "POST"),
        _ => error(
            StatusCode::NOT_FOUND,
            &format!(
                "no control endpoint {}; see the README's control API: health, jobs, \
                 jobs/<jobId>/advance, submissions, exchanges, reset, requests, verify, reload, ui",
                call.path()
            ),
        ),
    }
}

/// The answer of `POST /__jobmock/reload`: what changed, or why the set did not load (and that
/// the previous one is still served).
fn reloaded(outcome: crate::error::Result<ReloadReport>) -> Response<Body> {
    match outcome {
        Ok(report) if report.warnings.is_empty() => {
            ok(json!({"status": "success", "changes": report}))
        }
        Ok(report) => ok(json!({
            "status": "success",
            "changes": report,
            "warnings": report.warnings,
        })),
        Err(err) => respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!({
                "status": "error",
                "code": 422,
                "messages": [crate::error::report(&err)],
                "serving": "the previous fixture set, unchanged",
            }),
        ),
    }
}

fn health(replay: &Replay, served: &Served) -> Response<Body> {
    let recording = replay.recording_health();
    let journal = replay.journal();
    let live = replay.lock();
    ok(json!({
        "status": "ok",
        "fixtures": served.fixtures.root().display().to_string(),
        "flavour": served.fixtures.flavour().name(),
        "jobs": served.fixtures.jobs().len(),
        "exchanges": served.fixtures.exchanges().len(),
        "sessions": {
            "live": live.cursors.sessions(),
            "capacity": replay.options.max_sessions,
            "dropped": live.cursors.forgotten(),
        },
        "reloads": {
            "done": live.reloads.done,
            "failed": live.reloads.failed,
            "lastError": live.reloads.last_error,
        },
        "createdJobs": {
            "live": live.created.len(),
            "capacity": replay.options.max_created_jobs,
            "dropped": live.created.dropped(),
        },
        "journal": {
            "entries": journal.len(),
            "capacity": journal.capacity(),
            "dropped": journal.dropped(),
        },
        "unmatched": replay.unmatched_served(),
        "strict": replay.options.strict,
        "recordMode": recording["recordMode"],
        "recording": recording["recording"],
        "upstream": recording["upstream"],
    }))
}

fn jobs(replay: &Replay, served: &Served, only: Option<&str>) -> Response<Body> {
    let Some(listed) = job_listing(replay, served, only) else {
        return unknown_job(served, only.unwrap_or_default());
    };
    match only {
        Some(_) => ok(json!(
            listed.into_iter().next().expect("one job was listed")
        )),
        None => ok(json!({ "jobs": listed })),
    }
}

fn exchanges(replay: &Replay, served: &Served) -> Response<Body> {
    ok(json!({ "exchanges": exchange_listing(replay, served) }))
}

fn advance(replay: &Replay, served: &Served, call: &Call, job_id: &str) -> Response<Body> {
    let session = call.param("session").unwrap_or(&call.session).to_string();
    let mut live = replay.lock();
    let Some(found) = replay.lookup(served, &live, job_id) else {
        drop(live);
        return unknown_job(served, job_id);
    };
    let job = found.job();
    let cursor = live.cursors.get_mut(&session, found.key());
    let next = job
        .sequence
        .skip(cursor, Instant::now(), replay.options.speed);
    drop(live);
    ok(json!({
        "jobId": job_id,
        "session": session,
        "next": &*job.steps[next].file,
        "status": job.steps[next].job_status.as_deref(),
    }))
}

fn reset(replay: &Replay, served: &Served, call: &Call) -> Response<Body> {
    let session = call.scope();
    let job_id = call.param("job");
    let mut live = replay.lock();
    let job_key = match job_id {
        None => None,
        Some(job_id) => match replay.lookup(served, &live, job_id) {
            Some(found) => Some(found.key()),
            None => {
                drop(live);
                return unknown_job(served, job_id);
            }
        },
    };
    // A session's cursors go with the jobs it deleted and its exchanges' cursors.
    live.cursors.reset(session, job_key);
    if job_key.is_none() {
        // Back to how the server started, for everyone or for one session: the jobs it
        // created go too.
        let created: Vec<usize> = live
            .created
            .iter()
            .filter(|(_, created)| session.is_none_or(|session| created.session == session))
            .map(|(slot, _)| slot)
            .collect();
        for slot in created {
            live.created.remove(slot);
        }
        live.submissions.clear(session);
    }
    drop(live);
    if session.is_none() && job_id.is_none() {
        replay.tokens.reset();
    }
    replay.journal().clear(session, job_id);
    ok(json!({"status": "success", "session": session, "job": job_id}))
}

/// `GET /__jobmock/requests[?session=S][&job=J][&unmatched=true|false]`: the journal, oldest
/// first.
fn requests(replay: &Replay, call: &Call) -> Response<Body> {
    let session = call.scope();
    let job = call.param("job");
    let unmatched = match call
        .param("unmatched")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(other) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("unmatched={other:?}: use unmatched=true or unmatched=false"),
            );
        }
    };
    let har = match call.param("format") {
        None | Some("json") => false,
        Some("har") => true,
        Some(other) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("format={other:?}: use format=json (the default) or format=har"),
            );
        }
    };
    let journal = replay.journal();
    let entries: Vec<_> = journal
        .entries()
        .filter(|entry| session.is_none_or(|session| &*entry.session == session))
        .filter(|entry| job.is_none_or(|job| entry.job.as_deref() == Some(job)))
        .filter(|entry| unmatched.is_none_or(|unmatched| entry.served_by.matched() != unmatched))
        .cloned()
        .collect();
    let (capacity, dropped) = (journal.capacity(), journal.dropped());
    drop(journal);
    if har {
        // URLs name the server as this client reached it, without a session prefix (the
        // session is in each entry's `_jobmock`): imported again, the paths are the API's.
        let origin = format!(
            "{}://{}",
            replay.options.scheme,
            call.host().as_deref().unwrap_or("localhost")
        );
        let document = journal::har::journal_har(&entries, &origin);
        let body = serde_json::to_vec_pretty(&document).expect("a JSON value serialises");
        let mut answer = response(
            StatusCode::OK,
            "application/json; charset=utf-8",
            full(body),
        );
        let name = session.map_or_else(
            || "jobmock".to_string(),
            |session| {
                let safe: String = session
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                            c
                        } else {
                            '-'
                        }
                    })
                    .take(64)
                    .collect();
                format!("jobmock-{safe}")
            },
        );
        if let Ok(value) =
            hyper::header::HeaderValue::from_str(&format!("attachment; filename=\"{name}.har\""))
        {
            answer
                .headers_mut()
                .insert(hyper::header::CONTENT_DISPOSITION, value);
        }
        return answer;
    }
    ok(json!({"requests": entries, "capacity": capacity, "dropped": dropped}))
}

/// `GET /__jobmock/verify[?session=S]`: the verification report ([`verify::report`]).
fn verify(replay: &Replay, served: &Served, call: &Call) -> Response<Body> {
    let session = call.scope();
    let unused = {
        let live = replay.lock();
        let used = |key: Key| match session {
            Some(session) => live
                .cursors
                .get(session, key)
                .is_some_and(|cursor| cursor.polls() > 0),
            None => live
                .cursors
                .of(key)
                .iter()
                .any(|(_, cursor)| cursor.polls() > 0),
        };
        verify::Unused {
            jobs: served
                .fixtures
                .jobs()
                .iter()
                .zip(&served.job_slots)
                .filter(|(_, slot)| !used(Key::Fixture(**slot)))
                .map(|(job, _)| job.id.to_string())
                .collect(),
            exchanges: served
                .fixtures
                .exchanges()
                .iter()
                .zip(&served.exchange_slots)
                .filter(|(_, slot)| !used(Key::Exchange(**slot)))
                .map(|(exchange, _)| exchange.name.to_string())
                .collect(),
        }
    };
    // Copied out of the journal's lock: requests go on being noted while the report is made.
    let (entries, complete): (Vec<_>, bool) = {
        let journal = replay.journal();
        (journal.entries().cloned().collect(), journal.dropped() == 0)
    };
    let report = verify::report(&entries, session, complete, unused);
    ok(verify::to_value(&report))
}

fn unknown_job(served: &Served, job_id: &str) -> Response<Body> {
    if let Some(problem) = crate::api::job_id_problem(job_id) {
        return error(
            StatusCode::BAD_REQUEST,
            &format!("invalid job ID {job_id:?}: it {problem}"),
        );
    }
    error(
        StatusCode::NOT_FOUND,
        &format!(
            "job {job_id:?} not found: no fixture at {}",
            served.fixtures.job_dir(job_id).display()
        ),
    )
}

fn wrong_method(call: &Call, allowed: &'static str) -> Response<Body> {
    let mut response = error(
        StatusCode::METHOD_NOT_ALLOWED,
        &format!(
            "{} does not take {}; use {allowed}",
            call.path(),
            call.method
        ),
    );
    response
        .headers_mut()
        .insert(ALLOW, HeaderValue::from_static(allowed));
    response
}

fn answered((status, value): (StatusCode, Value)) -> Response<Body> {
    respond(status, &value)
}

fn ok(value: Value) -> Response<Body> {
    respond(StatusCode::OK, &value)
}

fn error(status: StatusCode, message: &str) -> Response<Body> {
    respond(
        status,
        &json!({"status": "error", "messages": [message], "code": status.as_u16()}),
    )
}

fn respond(status: StatusCode, value: &Value) -> Response<Body> {
    let body = serde_json::to_vec_pretty(value).expect("a JSON value serialises");
    response(status, "application/json; charset=utf-8", full(body))
}
