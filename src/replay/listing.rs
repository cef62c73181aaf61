//! The jobs and exchanges a running server serves, as the control API lists them
//! (`GET /__jobmock/jobs`, `GET /__jobmock/exchanges`) and the web view draws them: each with its
//! steps, and per session the cursor: the next step, the polls, whether it was cancelled.

use std::sync::Arc;

use serde_json::{Value, json};

use super::lifecycle::Created;
use super::served::Served;
use super::state::{Found, Key, Replay};
use crate::fixture::Step;
use crate::job::{Instant, Sequence};

/// Every job (or the one named), as `GET /__jobmock/jobs` lists them; `None` for a job not
/// served.
pub(super) fn job_listing(
    replay: &Replay,
    served: &Served,
    only: Option<&str>,
) -> Option<Vec<Value>> {
    let now = Instant::now();
    let live = replay.lock();
    let found: Vec<(Found, Option<&Created>)> = match only {
        Some(job_id) => match replay.lookup(served, &live, job_id) {
            Some(found) => {
                let created = live.created.find(job_id).map(|(_, created)| created);
                vec![(found, created)]
            }
            None => return None,
        },
        None => {
            let fixture_jobs = served
                .fixtures
                .jobs()
                .iter()
                .enumerate()
                .map(|(index, job)| {
                    let slot = served.job_slots[index];
                    (Found::Fixture { index, slot, job }, None)
                });
            let created_jobs = live.created.iter().map(|(slot, created)| {
                let job = Arc::clone(&created.job);
                (Found::Created { slot, job }, Some(created))
            });
            fixture_jobs.chain(created_jobs).collect()
        }
    };
    let listed: Vec<Value> = found
        .iter()
        .map(|(found, created)| {
            let job = found.job();
            let sessions: serde_json::Map<String, Value> = live
                .cursors
                .of(found.key())
                .into_iter()
                .map(|(session, cursor)| {
                    let next = job.sequence.peek(cursor, now, replay.options.speed);
                    let state = json!({
                        "next": &*job.steps[next].file,
                        "polls": cursor.polls(),
                        "cancelled": cursor.is_cancelled(),
                    });
                    (session.to_string(), state)
                })
                .collect();
            let mut listed = json!({
                "jobId": &*job.id,
                "jobType": crate::ui::job_type(&job.steps),
                "advance": job.sequence.advance().as_str(),
                "steps": describe_steps(&job.steps, &job.sequence),
                "sessions": sessions,
            });
            if let Some(created) = created {
                listed["createdFrom"] = json!(format!("templates/{}", created.job_type));
                listed["createdBy"] = json!(created.session);
            }
            listed
        })
        .collect();
    drop(live);
    Some(listed)
}

/// Every recorded exchange, as `GET /__jobmock/exchanges` lists them.
pub(super) fn exchange_listing(replay: &Replay, served: &Served) -> Vec<Value> {
    let now = Instant::now();
    let live = replay.lock();
    let listed: Vec<Value> = served
        .fixtures
        .exchanges()
        .iter()
        .enumerate()
        .map(|(index, exchange)| {
            let sessions: serde_json::Map<String, Value> = live
                .cursors
                .of(Key::Exchange(served.exchange_slots[index]))
                .into_iter()
                .map(|(session, cursor)| {
                    let next = exchange.sequence.peek(cursor, now, replay.options.speed);
                    let state =
                        json!({"next": &*exchange.steps[next].file, "polls": cursor.polls()});
                    (session.to_string(), state)
                })
                .collect();
            crate::ui::exchange_value(exchange, sessions)
        })
        .collect();
    drop(live);
    listed
}

fn describe_steps(steps: &[Step], sequence: &Sequence) -> Vec<Value> {
    crate::ui::describe_steps(steps, sequence)
}
