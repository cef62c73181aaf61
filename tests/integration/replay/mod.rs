//! The replay service over HTTP: sequences, holds, time, formats, sessions, control API.
//!
//! By what is tested: [`answers`] (how jobs and recorded exchanges answer: sequences, holds,
//! time, formats, form bodies, step scripts), [`control`] (sessions and the control API: reset,
//! advance, the jobs listing, the journal, the control token), [`refusals`] (what the admin API
//! refuses: unknown jobs, bad formats, methods and paths, hostile job IDs, state-changing GETs).

use crate::util::*;

mod answers;
mod control;
mod refusals;

async fn statuses(server: &TestServer, job: &str, polls: usize) -> Vec<String> {
    let mut seen = Vec::new();
    for _ in 0..polls {
        seen.push(get(server.job_url(job, "?f=json")).status().await);
    }
    seen
}
