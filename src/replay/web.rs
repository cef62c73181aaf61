//! `GET /__jobmock/ui`: the web view of a running replay server ([`crate::ui`] draws it), made
//! from what the control API lists: the jobs, the exchanges, and the journal, whose polls
//! become each session's timeline.

use super::body::{Body, full};
use super::journal::{Entry, ServedBy};
use super::listing::{exchange_listing, job_listing};
use super::near::NearMiss;
use super::reply::response;
use super::request::Call;
use super::served::Served;
use super::state::Replay;
use crate::fixture::view::Listing;
use crate::ui::JournalRow;
use hyper::{Response, StatusCode};

/// `GET /__jobmock/ui`: the web view of the jobs, their sessions' polls, the journal and the
/// exchanges ([`crate::ui`]), filtered by `?session=` and `?job=`, refreshing every `?refresh=`
/// seconds (3; 0: never).
pub(super) fn ui(replay: &Replay, served: &Served, call: &Call) -> Response<Body> {
    let session = call.scope().map(str::to_string);
    let job = call
        .param("job")
        .filter(|job| !job.is_empty())
        .map(str::to_string);
    let refresh = call
        .param("refresh")
        .and_then(|seconds| seconds.trim().parse::<u32>().ok())
        .unwrap_or(3)
        .min(3600);
    let mut notes = Vec::new();
    let mut jobs = match job_listing(replay, served, job.as_deref()) {
        Some(jobs) => jobs,
        None => {
            notes.push(format!(
                "no job {} is served",
                job.as_deref().unwrap_or_default()
            ));
            Vec::new()
        }
    };
    if let Some(session) = &session {
        for listed in &mut jobs {
            listed.sessions.retain(|name, _| name == session);
        }
    }
    let (entries, dropped) = {
        let journal = replay.journal();
        let entries: Vec<Entry> = journal
            .entries()
            .filter(|entry| {
                session
                    .as_deref()
                    .is_none_or(|session| &*entry.session == session)
            })
            .filter(|entry| {
                job.as_deref()
                    .is_none_or(|job| entry.job.as_deref() == Some(job))
            })
            .cloned()
            .collect();
        (entries, journal.dropped())
    };
    if dropped > 0 {
        notes.push(format!(
            "the journal dropped its {dropped} oldest request(s) (--journal-size): the first polls may be missing from the timelines"
        ));
    }
    let mut timelines: std::collections::BTreeMap<(String, String), Vec<crate::ui::Mark>> =
        std::collections::BTreeMap::new();
    for entry in &entries {
        let polled = matches!(
            entry.served_by,
            ServedBy::Job | ServedBy::CreatedJob | ServedBy::TokenCheck
        );
        if let (true, Some(job)) = (polled, entry.job.as_deref()) {
            timelines
                .entry((job.to_string(), entry.session.to_string()))
                .or_default()
                .push(crate::ui::Mark {
                    time_ms: entry.time_ms,
                    status: entry.job_status.as_deref().map(str::to_string),
                    error_code: entry.error_code,
                    http_status: entry.status,
                });
        }
    }
    let journal: Vec<JournalRow> = entries.iter().rev().map(journal_row).collect();
    let fixtures = served.fixtures.root().display().to_string();
    let page = crate::ui::Page {
        title: format!("replay of {fixtures}"),
        subtitle: format!(
            "{} job(s) and {} exchange(s) served; {} request(s) answered{}; {}",
            served.fixtures.jobs().len(),
            served.fixtures.exchanges().len(),
            journal.len(),
            session
                .as_deref()
                .map(|session| format!(" in session {session}"))
                .unwrap_or_default(),
            if refresh > 0 {
                format!("refreshes every {refresh} s")
            } else {
                "does not refresh".to_string()
            }
        ),
        refresh_seconds: (refresh > 0).then_some(refresh),
        filter: Some(crate::ui::Filter { session, job }),
        listing: Listing {
            jobs,
            exchanges: exchange_listing(replay, served),
        },
        timelines,
        journal: Some(journal),
        findings: None,
        notes,
    };
    html_page(crate::ui::render(&page))
}

/// An HTML page of the control API, with the web view's policy.
pub(super) fn html_page(page: String) -> Response<Body> {
    let mut answer = response(StatusCode::OK, "text/html; charset=utf-8", full(page));
    crate::ui::page_headers(answer.headers_mut());
    answer
}

/// A journal entry as the page shows it.
fn journal_row(entry: &Entry) -> JournalRow {
    JournalRow {
        time_ms: entry.time_ms,
        session: entry.session.to_string(),
        method: entry.method.to_string(),
        path: entry.path().to_string(),
        query: entry.query(),
        status: entry.status,
        job_status: entry.job_status.as_deref().map(str::to_string),
        error_code: entry.error_code,
        job: entry.job.as_deref().map(str::to_string),
        exchange: entry.exchange.as_deref().map(str::to_string),
        served_by: entry.served_by.as_str(),
        matched: entry.served_by.matched(),
        near_miss: entry.near_miss.as_deref().map(near_words),
    }
}

/// A near miss in a few words, for the page: what it is and what differs.
fn near_words(near: &NearMiss) -> String {
    let differences: Vec<String> = near
        .differences
        .iter()
        .map(|difference| {
            format!(
                "{}{}: sent {}, recorded {}",
                difference.what.as_str(),
                difference
                    .name
                    .as_deref()
                    .map(|name| format!(" {name}"))
                    .unwrap_or_default(),
                difference.sent.as_deref().unwrap_or("nothing"),
                difference.recorded.as_deref().unwrap_or("nothing")
            )
        })
        .collect();
    format!(
        "closest {} {}: {}",
        near.kind.as_str(),
        near.name,
        differences.join("; ")
    )
}
