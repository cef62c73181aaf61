//! The verification report (`GET /__jobmock/verify`): what a client did, read from the
//! journal, in the terms a test asserts on: per job and session, the polls, their intervals,
//! the statuses served and the polls after the job ended; the job operations submitted and how
//! often the same one was; the requests nothing answered, with their near misses; and the
//! fixture jobs and exchanges nobody used.
//!
//! Only what the journal still holds can be reported: `complete` says whether it dropped
//! anything (`--journal-size` bounds it).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::journal::{Entry, ServedBy};
use super::route::Route;
use crate::api::webtool::is_final_status;

/// The report, as served (camelCase JSON).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report<'a> {
    /// The session reported on, or `None` for all of them.
    pub session: Option<&'a str>,
    /// Whether the journal holds every request answered (it dropped none).
    pub complete: bool,
    /// How many of the requests reported on the journal holds.
    pub requests: usize,
    pub jobs: Vec<PolledJob<'a>>,
    pub submissions: Vec<Submission<'a>>,
    /// The requests nothing answered, each with its near miss.
    pub unmatched: Vec<&'a Entry>,
    pub unused: Unused,
    /// What a reviewer would remark on, one sentence each: polls after the end, the same
    /// operation submitted again, unmatched requests, an incomplete journal.
    pub findings: Vec<String>,
}

/// One job's polls in one session.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolledJob<'a> {
    pub job_id: &'a str,
    pub session: &'a str,
    /// Whether a client created it (from a template) rather than the set holding it.
    pub created: bool,
    pub polls: usize,
    /// The answers served, in order, identical ones counted together.
    pub statuses: Vec<Run<'a>>,
    /// How the job's last poll was answered, when it was a final status (COMPLETED, FAILED)
    /// or an error: `error` and its code (the body's ArcGIS code, else the HTTP status), as
    /// the recorder's summary writes it (`error 499`). `None` while the job is running.
    pub final_status: Option<std::borrow::Cow<'a, str>>,
    /// Polls after the first that showed a final status: a client that stops when the job
    /// ends makes none.
    pub polls_after_end: usize,
    /// The milliseconds between one poll and the next (`None` with fewer than two polls).
    pub intervals_ms: Option<Intervals>,
    pub first_poll_ms: u64,
    pub last_poll_ms: u64,
}

/// Consecutive polls answered alike.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Run<'a> {
    /// The job status served (`None` for an answer with none, such as an error).
    pub status: Option<&'a str>,
    /// The HTTP status of the answer.
    pub http_status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<u16>,
    pub polls: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Intervals {
    pub min: u64,
    pub median: u64,
    pub max: u64,
}

/// The same job operation (same path and parameters, secrets aside) in one session.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Submission<'a> {
    pub session: &'a str,
    /// The job type the operation creates (`executeNotebook`, `openNotebook`).
    pub operation: &'static str,
    pub path: &'a str,
    /// Its parameters, secrets redacted, `f` left out (it changes the answer's format, not
    /// the job).
    pub params: BTreeMap<String, String>,
    pub count: usize,
    /// The jobs created by it, where jobmock created them (a recorded exchange's job ID is
    /// in its answer).
    pub job_ids: Vec<&'a str>,
    /// How each was answered: what served it, in order.
    pub served_by: Vec<ServedBy>,
}

/// What the fixture set holds that no request used.
#[derive(Debug, Default, Serialize)]
pub struct Unused {
    pub jobs: Vec<String>,
    pub exchanges: Vec<String>,
}

/// The report of `entries` (the journal, oldest first) for `session` (or all), with `unused`
/// found by the caller from the cursors.
pub fn report<'a>(
    entries: &'a [Entry],
    session: Option<&'a str>,
    complete: bool,
    unused: Unused,
) -> Report<'a> {
    let entries: Vec<&Entry> = entries
        .iter()
        .filter(|entry| session.is_none_or(|session| &*entry.session == session))
        .collect();
    let jobs = polled_jobs(&entries);
    let submissions = submissions(&entries);
    let unmatched: Vec<&Entry> = entries
        .iter()
        .copied()
        .filter(|entry| !entry.served_by.matched())
        .collect();
    let findings = findings(&jobs, &submissions, &unmatched, &unused, complete);
    Report {
        session,
        complete,
        requests: entries.len(),
        jobs,
        submissions,
        unmatched,
        unused,
        findings,
    }
}

fn polled_jobs<'a>(entries: &[&'a Entry]) -> Vec<PolledJob<'a>> {
    // In the order each job was first polled, per session.
    let mut order: Vec<(&'a str, &'a str)> = Vec::new();
    let mut polls: BTreeMap<(&'a str, &'a str), Vec<&'a Entry>> = BTreeMap::new();
    for entry in entries {
        if !matches!(entry.served_by, ServedBy::Job | ServedBy::CreatedJob) {
            continue;
        }
        let Some(job) = entry.job.as_deref() else {
            continue;
        };
        let key = (job, &*entry.session);
        let seen = polls.entry(key).or_default();
        if seen.is_empty() {
            order.push(key);
        }
        seen.push(entry);
    }
    order
        .into_iter()
        .map(|key| polled_job(key, &polls[&key]))
        .collect()
}

fn polled_job<'a>((job_id, session): (&'a str, &'a str), polls: &[&'a Entry]) -> PolledJob<'a> {
    let mut statuses: Vec<Run> = Vec::new();
    for poll in polls {
        let status = poll.job_status.as_deref();
        match statuses.last_mut() {
            Some(run)
                if run.status == status
                    && run.http_status == poll.status
                    && run.error_code == poll.error_code =>
            {
                run.polls += 1
            }
            _ => statuses.push(Run {
                status,
                http_status: poll.status,
                error_code: poll.error_code,
                polls: 1,
            }),
        }
    }
    let is_final = |entry: &Entry| entry.job_status.as_deref().is_some_and(is_final_status);
    let polls_after_end = polls
        .iter()
        .position(|entry| is_final(entry))
        .map_or(0, |ended| polls.len() - ended - 1);
    let last = polls.last().expect("a job is listed for its polls");
    // A server that removes ended jobs (Enterprise on Kubernetes) answers later polls "not
    // found": the job's final status is the one before those.
    let removed = |entry: &&&Entry| entry.job_status.is_none() && entry.error_code == Some(404);
    let last_answer = polls
        .iter()
        .rev()
        .find(|entry| !removed(entry))
        .unwrap_or(last);
    PolledJob {
        job_id,
        session,
        created: last.served_by == ServedBy::CreatedJob,
        polls: polls.len(),
        statuses,
        final_status: final_status(last_answer),
        polls_after_end,
        intervals_ms: intervals(polls.iter().map(|entry| entry.time_ms)),
        first_poll_ms: polls[0].time_ms,
        last_poll_ms: last.time_ms,
    }
}

/// What a job's last answer, `last`, says of its end: its status when that is a final one,
/// `error 499` when it was an error (an ArcGIS error body, or an HTTP error without a job).
fn final_status(last: &Entry) -> Option<std::borrow::Cow<'_, str>> {
    match (last.job_status.as_deref(), last.error_code) {
        (Some(status), None) if is_final_status(status) => Some(status.into()),
        (_, Some(code)) => Some(format!("error {code}").into()),
        (None, None) if last.status >= 400 => Some(format!("error {}", last.status).into()),
        _ => None,
    }
}

/// The least, middle and greatest gap between consecutive `times`.
fn intervals(times: impl Iterator<Item = u64>) -> Option<Intervals> {
    let times: Vec<u64> = times.collect();
    let mut gaps: Vec<u64> = times
        .windows(2)
        .map(|pair| pair[1].saturating_sub(pair[0]))
        .collect();
    if gaps.is_empty() {
        return None;
    }
    gaps.sort_unstable();
    let middle = gaps.len() / 2;
    let median = if gaps.len() % 2 == 1 {
        gaps[middle]
    } else {
        (gaps[middle - 1] + gaps[middle]) / 2
    };
    Some(Intervals {
        min: gaps[0],
        median,
        max: gaps[gaps.len() - 1],
    })
}

fn submissions<'a>(entries: &[&'a Entry]) -> Vec<Submission<'a>> {
    let mut submissions: Vec<Submission<'a>> = Vec::new();
    for entry in entries {
        // The job operations sit at the same paths in every flavour.
        let Route::Create { job_type, .. } =
            Route::parse(entry.path(), crate::api::Flavour::default())
        else {
            continue;
        };
        let params: BTreeMap<String, String> = entry
            .params()
            .into_iter()
            .filter(|(name, _)| name != "f")
            .collect();
        let same = submissions.iter_mut().find(|submission| {
            submission.session == &*entry.session
                && submission.path == entry.path()
                && submission.params == params
        });
        let submission = match same {
            Some(submission) => submission,
            None => {
                submissions.push(Submission {
                    session: &entry.session,
                    operation: job_type,
                    path: entry.path(),
                    params,
                    count: 0,
                    job_ids: Vec::new(),
                    served_by: Vec::new(),
                });
                submissions.last_mut().expect("just pushed")
            }
        };
        submission.count += 1;
        submission.job_ids.extend(entry.job.as_deref());
        submission.served_by.push(entry.served_by);
    }
    submissions
}

fn findings(
    jobs: &[PolledJob],
    submissions: &[Submission],
    unmatched: &[&Entry],
    unused: &Unused,
    complete: bool,
) -> Vec<String> {
    let mut findings = Vec::new();
    if !complete {
        findings.push(
            "the journal dropped requests (replay --journal-size): this report covers only \
             the newest"
                .to_string(),
        );
    }
    for job in jobs.iter().filter(|job| job.polls_after_end > 0) {
        findings.push(format!(
            "job {} was polled {} time(s) after it ended {} (session {:?})",
            job.job_id,
            job.polls_after_end,
            job.final_status.as_deref().unwrap_or("COMPLETED or FAILED"),
            job.session
        ));
    }
    for submission in submissions.iter().filter(|submission| submission.count > 1) {
        findings.push(format!(
            "{} was submitted {} times with the same parameters (session {:?})",
            submission.operation, submission.count, submission.session
        ));
    }
    for entry in unmatched {
        let hint = entry
            .near_miss
            .as_deref()
            .map(|near| format!("; {}", near.describe()))
            .unwrap_or_default();
        findings.push(format!(
            "{} {} matched no fixture (session {:?}){hint}",
            entry.method,
            entry.path(),
            &*entry.session
        ));
    }
    if !unused.jobs.is_empty() {
        findings.push(format!(
            "{} fixture job(s) never polled: {}",
            unused.jobs.len(),
            listed(&unused.jobs)
        ));
    }
    if !unused.exchanges.is_empty() {
        findings.push(format!(
            "{} recorded exchange(s) never used: {}",
            unused.exchanges.len(),
            listed(&unused.exchanges)
        ));
    }
    findings
}

/// The first few of `names`, and how many more.
fn listed(names: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut text = names
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        text.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    text
}

/// The report as JSON.
pub fn to_value(report: &Report) -> Value {
    serde_json::to_value(report).expect("a report serialises")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_give_least_middle_and_greatest_gap() {
        assert_eq!(intervals([5].into_iter()), None);
        assert_eq!(
            intervals([0, 10, 30, 60].into_iter()),
            Some(Intervals {
                min: 10,
                median: 20,
                max: 30
            })
        );
        assert_eq!(
            intervals([0, 10, 40].into_iter()),
            Some(Intervals {
                min: 10,
                median: 20,
                max: 30
            })
        );
    }
}
