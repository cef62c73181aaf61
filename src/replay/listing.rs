//! The jobs and exchanges a running server serves, as the control API lists them
//! (`GET /__jobmock/jobs`, `GET /__jobmock/exchanges`) and the web view draws them: the set's
//! views ([`crate::fixture::view`]) with what only the server knows: per session the cursor
//! (the next step, the polls, whether it was cancelled), and the jobs clients created.

use std::sync::Arc;

use super::lifecycle::Created;
use super::served::Served;
use super::state::{Found, Key, Replay};
use crate::fixture::view::{ExchangeView, JobView, SessionView};
use crate::job::Instant;

/// Every job (or the one named), as `GET /__jobmock/jobs` lists them; `None` for a job not
/// served.
pub(super) fn job_listing(
    replay: &Replay,
    served: &Served,
    only: Option<&str>,
) -> Option<Vec<JobView>> {
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
    let listed: Vec<JobView> = found
        .iter()
        .map(|(found, created)| {
            let job = found.job();
            let mut listed = JobView::new(&job.id, job);
            listed.sessions = live
                .cursors
                .of(found.key())
                .into_iter()
                .map(|(session, cursor)| {
                    let next = job.sequence.peek(cursor, now, replay.options.speed);
                    let state = SessionView {
                        next: job.steps[next].file.to_string(),
                        polls: cursor.polls(),
                        cancelled: Some(cursor.is_cancelled()),
                    };
                    (session.to_string(), state)
                })
                .collect();
            if let Some(created) = created {
                listed.created_from = Some(if created.private {
                    "defined".to_string()
                } else {
                    format!("templates/{}", created.job_type)
                });
                listed.created_by = Some(created.session.clone());
            }
            listed
        })
        .collect();
    drop(live);
    Some(listed)
}

/// Every recorded exchange, as `GET /__jobmock/exchanges` lists them.
pub(super) fn exchange_listing(replay: &Replay, served: &Served) -> Vec<ExchangeView> {
    let now = Instant::now();
    let live = replay.lock();
    let listed: Vec<ExchangeView> = served
        .fixtures
        .exchanges()
        .iter()
        .enumerate()
        .map(|(index, exchange)| {
            let mut listed = ExchangeView::new(exchange);
            listed.sessions = live
                .cursors
                .of(Key::Exchange(served.exchange_slots[index]))
                .into_iter()
                .map(|(session, cursor)| {
                    let next = exchange.sequence.peek(cursor, now, replay.options.speed);
                    let state = SessionView {
                        next: exchange.steps[next].file.to_string(),
                        polls: cursor.polls(),
                        cancelled: None,
                    };
                    (session.to_string(), state)
                })
                .collect();
            listed
        })
        .collect();
    drop(live);
    listed
}
