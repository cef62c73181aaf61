//! The web view of a job's life: `GET /__jobmock/ui` on a running server and `jobmock report`
//! for a fixture set on disk draw the same page: each job's steps (status, progress, hold
//! count, time offset, fault), per session a timeline of the polls it served (coloured by the
//! status answered, errors marked, the gaps readable), the journal with unmatched requests and
//! their near misses, the exchanges, and `diff`'s findings.
//!
//! The page is rendered here, on the server, from the views the control API answers
//! ([`crate::fixture::view`]), read through their fields; it holds no script at all, and its one style block is allowed by its hash alone (see
//! [`content_security_policy`]). Every value goes through [`html::Html`], which escapes it: a
//! fixture holding `<script>` shows it as text. The live page refreshes itself with a meta
//! refresh, which needs no script either.
//!
//! `html` is the escaping writer, `timeline` the drawings (steps on an axis, polls on a time
//! axis), `tables` the steps, journal and exchanges tables, `report` the page of a set on disk.

pub mod html;
pub mod report;
mod tables;
mod timeline;

use tables::{exchanges_section, journal_section, steps_table};
use timeline::{step_axis, timeline};

use std::collections::BTreeMap;

use base64::Engine as _;

use crate::fixture::view::{JobView, Listing};
use crate::job::Advance;
use html::Html;

/// The page's style: its hash is the only style the page's policy allows.
const STYLE: &str = include_str!("page.css");

/// What a page shows.
#[derive(Default)]
pub struct Page {
    pub title: String,
    pub subtitle: String,
    /// Reload every this many seconds (the live page).
    pub refresh_seconds: Option<u32>,
    /// The live page's filters, shown as a form; `None` for a report.
    pub filter: Option<Filter>,
    /// The jobs and exchanges, as the control API lists them.
    pub listing: Listing,
    /// Per job and session, the polls served, oldest first.
    pub timelines: BTreeMap<(String, String), Vec<Mark>>,
    /// The journal, newest first (the live page).
    pub journal: Option<Vec<JournalRow>>,
    /// `diff`'s findings, one line each (a report).
    pub findings: Option<Vec<String>>,
    /// Lines about what is not shown (too many jobs, a journal that dropped entries).
    pub notes: Vec<String>,
}

/// The live page's filters.
#[derive(Default, Clone)]
pub struct Filter {
    pub session: Option<String>,
    pub job: Option<String>,
}

/// A request of the journal, as the live page shows it.
#[derive(Debug, Clone, Default)]
pub struct JournalRow {
    pub time_ms: u64,
    pub session: String,
    pub method: String,
    pub path: String,
    /// The query as sent, its secrets redacted.
    pub query: Option<String>,
    /// The HTTP status answered.
    pub status: u16,
    /// The job status of the step served, when a job's step was.
    pub job_status: Option<String>,
    /// The ArcGIS error code answered, if any.
    pub error_code: Option<u16>,
    pub job: Option<String>,
    pub exchange: Option<String>,
    /// What answered it, as the journal names it (`job`, `exchange`, `nothing`, …).
    pub served_by: &'static str,
    /// Whether anything of the set or the mocked API answered it.
    pub matched: bool,
    /// For a request nothing answered, the closest thing the set holds, in a few words.
    pub near_miss: Option<String>,
}

/// One poll served.
#[derive(Debug, Clone)]
pub struct Mark {
    pub time_ms: u64,
    pub status: Option<String>,
    pub error_code: Option<u16>,
    pub http_status: u16,
}

/// The most jobs, journal rows and findings a page lists: a page of a recording with 10,000
/// jobs must still open.
pub const MAX_JOBS: usize = 200;
pub const MAX_ROWS: usize = 300;

/// The `Content-Security-Policy` of every page: nothing from anywhere, no script, the one
/// style block by its hash, images only inline.
pub fn content_security_policy() -> String {
    format!("{}; frame-ancestors 'none'", page_policy())
}

/// The policy a page carries in its own `<meta>` (a report has no header): the same but for
/// `frame-ancestors`, which browsers take from a header only (and say so on the console).
fn page_policy() -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, STYLE.as_bytes());
    let hash = base64::engine::general_purpose::STANDARD.encode(digest.as_ref());
    format!(
        "default-src 'none'; style-src 'sha256-{hash}'; img-src data:; base-uri 'none'; \
         form-action 'self'"
    )
}

/// The headers of every page served: its policy, no sniffing, no caching, no referrer.
pub fn page_headers(headers: &mut hyper::HeaderMap) {
    use hyper::header::{self, HeaderValue};
    if let Ok(policy) = HeaderValue::from_str(&content_security_policy()) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

/// The page.
pub fn render(page: &Page) -> String {
    let mut h = Html::new();
    h.raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    h.open(
        "meta",
        &[
            ("http-equiv", "Content-Security-Policy"),
            ("content", &page_policy()),
        ],
    );
    h.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    h.raw("<meta name=\"referrer\" content=\"no-referrer\">");
    if let Some(seconds) = page.refresh_seconds {
        h.open(
            "meta",
            &[("http-equiv", "refresh"), ("content", &seconds.to_string())],
        );
    }
    h.element("title", &[], &format!("jobmock: {}", page.title));
    h.raw("<style>").raw(STYLE).raw("</style></head><body>");

    h.raw("<header>");
    h.element("h1", &[], &format!("jobmock: {}", page.title));
    h.element("p", &[("class", "sub")], &page.subtitle);
    h.raw("</header><main>");
    if let Some(filter) = &page.filter {
        filter_form(&mut h, filter, page.refresh_seconds);
    }
    for note in &page.notes {
        h.element("p", &[("class", "note")], note);
    }
    legend(&mut h);

    let jobs = &page.listing.jobs;
    h.element("h2", &[], &format!("Jobs ({})", jobs.len()));
    if jobs.is_empty() {
        h.element("p", &[("class", "note")], "no job to show");
    }
    for job in jobs.iter().take(MAX_JOBS) {
        job_section(&mut h, job, &page.timelines);
    }
    if jobs.len() > MAX_JOBS {
        h.element(
            "p",
            &[("class", "note")],
            &format!(
                "{} more job(s) not shown: filter by job",
                jobs.len() - MAX_JOBS
            ),
        );
    }

    if let Some(journal) = &page.journal {
        journal_section(&mut h, journal);
    }
    exchanges_section(&mut h, &page.listing.exchanges);
    if let Some(findings) = &page.findings {
        h.open("section", &[("class", "diff")]);
        h.element("h2", &[], &format!("diff findings ({})", findings.len()));
        if findings.is_empty() {
            h.element(
                "p",
                &[],
                "no drift: every step matches the shape of its job type",
            );
        } else {
            h.raw("<ul>");
            for finding in findings.iter().take(MAX_ROWS) {
                h.element("li", &[("class", "finding")], finding);
            }
            h.raw("</ul>");
        }
        h.close("section");
    }
    h.raw("</main></body></html>\n");
    h.finish()
}

fn filter_form(h: &mut Html, filter: &Filter, refresh: Option<u32>) {
    h.open(
        "form",
        &[("class", "filter"), ("method", "get"), ("action", "")],
    );
    h.raw("<label>session ");
    h.open(
        "input",
        &[
            ("name", "session"),
            ("value", filter.session.as_deref().unwrap_or("")),
        ],
    );
    h.raw("</label> <label>job ");
    h.open(
        "input",
        &[
            ("name", "job"),
            ("value", filter.job.as_deref().unwrap_or("")),
        ],
    );
    h.raw("</label> <label>refresh (s) ");
    h.open(
        "input",
        &[
            ("name", "refresh"),
            ("value", &refresh.unwrap_or(0).to_string()),
            ("size", "3"),
        ],
    );
    h.raw("</label> <button type=\"submit\">show</button></form>");
}

fn legend(h: &mut Html) {
    h.raw("<p class=\"legend\">");
    for (status, class) in [
        ("SUBMITTED", "s-submitted"),
        ("PROCESSING / EXECUTING", "s-processing"),
        ("COMPLETED", "s-completed"),
        ("FAILED", "s-failed"),
        ("error answer", "s-error"),
        ("after the job ended", "after"),
    ] {
        h.open("span", &[("class", class)])
            .text(status)
            .close("span");
        h.raw(" ");
    }
    h.raw("</p>");
}

fn job_section(h: &mut Html, job: &JobView, timelines: &BTreeMap<(String, String), Vec<Mark>>) {
    let id = job.job_id.as_str();
    h.open("section", &[("class", "job"), ("id", &format!("job-{id}"))]);
    h.open("h3", &[]).text(id);
    if let Some(job_type) = &job.job_type {
        h.raw(" ").element("span", &[("class", "type")], job_type);
    }
    if job.web_tool.is_some() {
        h.raw(" ").element("span", &[("class", "type")], "web tool");
    }
    if let Some(from) = &job.created_from {
        h.raw(" ").element(
            "span",
            &[("class", "badge")],
            &format!(
                "created from {from} by session {}",
                job.created_by.as_deref().unwrap_or("?")
            ),
        );
    }
    h.close("h3");
    let by_time = job.advance == Advance::Time;
    h.element(
        "p",
        &[("class", "sub")],
        &format!(
            "advances per {}; {} step(s)",
            job.advance.as_str(),
            job.steps.len()
        ),
    );
    if let Some(tool) = &job.web_tool {
        let list = |names: &[String]| {
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        };
        h.element(
            "p",
            &[("class", "sub")],
            &format!(
                "results: {}; inputs: {}",
                list(&tool.results),
                list(&tool.inputs)
            ),
        );
    }
    steps_table(h, &job.steps);
    step_axis(h, &job.steps, by_time);

    for (session, state) in &job.sessions {
        h.open("div", &[("class", "session")]);
        h.element("h4", &[], &format!("session {session}"));
        h.element(
            "p",
            &[("class", "sub")],
            &format!(
                "next {}; {} poll(s){}",
                state.next,
                state.polls,
                if state.cancelled == Some(true) {
                    "; cancelled"
                } else {
                    ""
                }
            ),
        );
        if let Some(marks) = timelines.get(&(id.to_string(), session.clone())) {
            timeline(h, marks);
        }
        h.close("div");
    }
    // Sessions that polled but hold no cursor any more (a reset) still have a timeline.
    for ((job_id, session), marks) in timelines {
        if job_id == id && !job.sessions.contains_key(session) {
            h.open("div", &[("class", "session")]);
            h.element("h4", &[], &format!("session {session} (reset since)"));
            timeline(h, marks);
            h.close("div");
        }
    }
    h.close("section");
}
