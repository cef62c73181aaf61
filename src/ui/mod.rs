//! The web view of a job's life: `GET /__jobmock/ui` on a running server and `jobmock report`
//! for a fixture set on disk draw the same page: each job's steps (status, progress, hold
//! count, time offset, fault), per session a timeline of the polls it served (coloured by the
//! status answered, errors marked, the gaps readable), the journal with unmatched requests and
//! their near misses, the exchanges, and `diff`'s findings.
//!
//! The page is rendered here, on the server, from the same JSON the control API answers; it
//! holds no script at all, and its one style block is allowed by its hash alone (see
//! [`content_security_policy`]). Every value goes through [`html::Html`], which escapes it: a
//! fixture holding `<script>` shows it as text. The live page refreshes itself with a meta
//! refresh, which needs no script either.

pub mod html;
pub mod report;

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{Value, json};

use crate::job::{Fault, Sequence, Step};
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
    /// Jobs as `GET /__jobmock/jobs` lists them (with `jobType`).
    pub jobs: Vec<Value>,
    /// Per job and session, the polls served, oldest first.
    pub timelines: BTreeMap<(String, String), Vec<Mark>>,
    /// Exchanges as `GET /__jobmock/exchanges` lists them.
    pub exchanges: Vec<Value>,
    /// Journal entries as `GET /__jobmock/requests` gives them, newest first (the live page).
    pub journal: Option<Vec<Value>>,
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

/// A job's steps as the control API lists them, with what the page shows of each: its status,
/// progress percent, hold count, offset, HTTP status, delay and fault.
pub fn describe_steps(steps: &[Step], sequence: &Sequence) -> Vec<Value> {
    steps
        .iter()
        .enumerate()
        .map(|(index, step)| {
            let body: Option<Value> = serde_json::from_slice(&step.body).ok();
            let percent = body.as_ref().and_then(|body| {
                body.pointer("/customAttributes/openNotebookProgress/percent")
                    .or_else(|| body.get("progress"))
                    .and_then(Value::as_f64)
            });
            json!({
                "file": &*step.file,
                "status": step.job_status.as_deref(),
                "percent": percent,
                "polls": sequence.hold(index),
                "offsetMs": sequence.offset_ms(index),
                "httpStatus": step.http_status.as_u16(),
                "delayMs": step.delay.as_millis() as u64,
                "errorCode": step.fault.as_ref().and_then(crate::job::answer::fault_code).or(step.error_code),
                "fault": step.fault.as_ref().map(fault_words),
                "expireToken": step.expire_token,
            })
        })
        .collect()
}

/// An exchange as `GET /__jobmock/exchanges` lists it, with its `sessions` (cursors per
/// session, none for a set on disk).
pub fn exchange_value(
    exchange: &crate::fixture::Exchange,
    sessions: serde_json::Map<String, Value>,
) -> Value {
    let params: serde_json::Map<String, Value> = exchange
        .params
        .iter()
        .map(|(name, value)| (name.clone(), Value::from(value.as_str())))
        .collect();
    json!({
        "name": &*exchange.name,
        "method": exchange.method,
        "path": exchange.path,
        "params": params,
        "steps": describe_steps(&exchange.steps, &exchange.sequence),
        "sessions": sessions,
    })
}

/// A fault, in a few words.
pub fn fault_words(fault: &Fault) -> String {
    match fault {
        Fault::ArcgisError { code, message } => format!("admin error {code}: {message}"),
        Fault::PortalError { code, message } => format!("Portal error {code}: {message}"),
        Fault::Http { status, .. } => format!("HTTP {}", status.as_u16()),
        Fault::Close => "connection closed".to_string(),
        Fault::Truncate(bytes) => format!("cut short after {bytes} bytes"),
        Fault::Delay(pause) => format!("delayed {} ms", pause.as_millis()),
    }
}

/// The job type a job's steps name (`type` of its first step that has one).
pub fn job_type(steps: &[Step]) -> Option<String> {
    steps.iter().find_map(|step| {
        serde_json::from_slice::<Value>(&step.body)
            .ok()?
            .get("type")?
            .as_str()
            .map(str::to_string)
    })
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

    h.element("h2", &[], &format!("Jobs ({})", page.jobs.len()));
    if page.jobs.is_empty() {
        h.element("p", &[("class", "note")], "no job to show");
    }
    for job in page.jobs.iter().take(MAX_JOBS) {
        job_section(&mut h, job, &page.timelines);
    }
    if page.jobs.len() > MAX_JOBS {
        h.element(
            "p",
            &[("class", "note")],
            &format!(
                "{} more job(s) not shown: filter by job",
                page.jobs.len() - MAX_JOBS
            ),
        );
    }

    if let Some(journal) = &page.journal {
        journal_section(&mut h, journal);
    }
    exchanges_section(&mut h, &page.exchanges);
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

/// The class a status is drawn with.
fn status_class(status: Option<&str>, error: bool) -> &'static str {
    if error {
        return "s-error";
    }
    match status {
        Some("SUBMITTED") => "s-submitted",
        Some("PROCESSING" | "EXECUTING") => "s-processing",
        Some("COMPLETED") => "s-completed",
        Some("FAILED") => "s-failed",
        _ => "s-other",
    }
}

fn job_section(h: &mut Html, job: &Value, timelines: &BTreeMap<(String, String), Vec<Mark>>) {
    let id = job["jobId"].as_str().unwrap_or("?");
    h.open("section", &[("class", "job"), ("id", &format!("job-{id}"))]);
    h.open("h3", &[]).text(id);
    if let Some(job_type) = job["jobType"].as_str() {
        h.raw(" ").element("span", &[("class", "type")], job_type);
    }
    if let Some(from) = job["createdFrom"].as_str() {
        h.raw(" ").element(
            "span",
            &[("class", "badge")],
            &format!(
                "created from {from} by session {}",
                job["createdBy"].as_str().unwrap_or("?")
            ),
        );
    }
    h.close("h3");
    let steps = job["steps"].as_array().cloned().unwrap_or_default();
    let advance = job["advance"].as_str().unwrap_or("poll");
    h.element(
        "p",
        &[("class", "sub")],
        &format!(
            "advances per {}; {} step(s)",
            if advance == "time" { "time" } else { "poll" },
            steps.len()
        ),
    );
    steps_table(h, &steps);
    step_axis(h, &steps, advance == "time");

    let sessions = job["sessions"].as_object().cloned().unwrap_or_default();
    for (session, state) in &sessions {
        h.open("div", &[("class", "session")]);
        h.element("h4", &[], &format!("session {session}"));
        h.element(
            "p",
            &[("class", "sub")],
            &format!(
                "next {}; {} poll(s){}",
                state["next"].as_str().unwrap_or("?"),
                state["polls"].as_u64().unwrap_or(0),
                if state["cancelled"].as_bool() == Some(true) {
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
        if job_id == id && !sessions.contains_key(session) {
            h.open("div", &[("class", "session")]);
            h.element("h4", &[], &format!("session {session} (reset since)"));
            timeline(h, marks);
            h.close("div");
        }
    }
    h.close("section");
}

fn steps_table(h: &mut Html, steps: &[Value]) {
    h.raw("<table class=\"steps\"><thead><tr><th>#</th><th>file</th><th>status</th><th>progress</th><th>holds for</th><th>at</th><th>HTTP</th><th>fault / error</th></tr></thead><tbody>");
    for (index, step) in steps.iter().enumerate() {
        let status = step["status"].as_str();
        let error = step["errorCode"].as_u64();
        h.raw("<tr>");
        h.element("td", &[], &(index + 1).to_string());
        h.element("td", &[], step["file"].as_str().unwrap_or("?"));
        h.open("td", &[]);
        h.element(
            "span",
            &[("class", status_class(status, error.is_some()))],
            status.unwrap_or("(no status)"),
        );
        h.close("td");
        h.element(
            "td",
            &[],
            &step["percent"]
                .as_f64()
                .map(|percent| format!("{percent} %"))
                .unwrap_or_default(),
        );
        h.element(
            "td",
            &[],
            &format!("{} poll(s)", step["polls"].as_u64().unwrap_or(1)),
        );
        h.element(
            "td",
            &[],
            &format!("+{} ms", step["offsetMs"].as_u64().unwrap_or(0)),
        );
        h.element(
            "td",
            &[],
            &step["httpStatus"].as_u64().unwrap_or(200).to_string(),
        );
        let mut fault = step["fault"].as_str().unwrap_or("").to_string();
        if let Some(code) = error
            && fault.is_empty()
        {
            fault = format!("error answer, code {code}");
        }
        if step["expireToken"].as_bool() == Some(true) {
            fault = format!("{fault} token expires here").trim().to_string();
        }
        h.element("td", &[], &fault);
        h.raw("</tr>");
    }
    h.raw("</tbody></table>");
}

/// The width of a timeline's drawing area, and its margin.
const AXIS_WIDTH: f64 = 720.0;
const MARGIN: f64 = 20.0;

/// The steps on an axis: by recorded time for a time-based job, else by poll count, each step
/// as wide as it holds.
fn step_axis(h: &mut Html, steps: &[Value], by_time: bool) {
    if steps.is_empty() {
        return;
    }
    let mut starts = Vec::with_capacity(steps.len());
    let mut at = 0.0;
    for step in steps {
        if by_time {
            starts.push(step["offsetMs"].as_f64().unwrap_or(0.0));
        } else {
            starts.push(at);
            at += step["polls"].as_f64().unwrap_or(1.0);
        }
    }
    // The last step holds for good: drawn as long as the mean of the others, at least one.
    let span_end = if by_time {
        let last = *starts.last().unwrap_or(&0.0);
        (last * 1.15).max(last + 1000.0)
    } else {
        at + 1.0
    };
    let scale = AXIS_WIDTH / span_end.max(1.0);
    h.raw("<svg class=\"axis\" width=\"760\" height=\"46\" viewBox=\"0 0 760 46\" role=\"img\">");
    for (index, step) in steps.iter().enumerate() {
        let start = starts[index];
        let end = starts.get(index + 1).copied().unwrap_or(span_end);
        let status = step["status"].as_str();
        let class = status_class(status, step["errorCode"].as_u64().is_some());
        let x = MARGIN + start * scale;
        let width = ((end - start) * scale - 2.0).max(2.0);
        h.open(
            "rect",
            &[
                ("class", class),
                ("x", &format!("{x:.1}")),
                ("y", "6"),
                ("width", &format!("{width:.1}")),
                ("height", "18"),
            ],
        );
        let what = if by_time {
            format!("from +{} ms", step["offsetMs"].as_u64().unwrap_or(0))
        } else {
            format!("{} poll(s)", step["polls"].as_u64().unwrap_or(1))
        };
        h.element(
            "title",
            &[],
            &format!(
                "{} · {} · {what}",
                step["file"].as_str().unwrap_or("?"),
                status.unwrap_or("(no status)")
            ),
        );
        h.close("rect");
    }
    let unit = if by_time { "ms" } else { "polls" };
    h.element(
        "text",
        &[("x", "20"), ("y", "40"), ("class", "tick")],
        &format!("0 {unit}"),
    );
    h.element(
        "text",
        &[("x", "740"), ("y", "40"), ("class", "tick end")],
        &format!("{span_end:.0} {unit}"),
    );
    h.raw("</svg>");
}

/// A session's polls of a job on a time axis, and the gaps between them in words.
fn timeline(h: &mut Html, marks: &[Mark]) {
    let Some(first) = marks.first().map(|mark| mark.time_ms) else {
        return;
    };
    let last = marks.last().map_or(first, |mark| mark.time_ms);
    let span = (last - first).max(1000) as f64;
    let scale = AXIS_WIDTH / span;
    let ended_at = marks
        .iter()
        .position(|mark| matches!(mark.status.as_deref(), Some("COMPLETED" | "FAILED")));
    h.raw(
        "<svg class=\"timeline\" width=\"760\" height=\"46\" viewBox=\"0 0 760 46\" role=\"img\">",
    );
    h.raw("<line class=\"base\" x1=\"20\" y1=\"18\" x2=\"740\" y2=\"18\"></line>");
    let mut previous = None;
    for (index, mark) in marks.iter().enumerate() {
        let x = MARGIN + (mark.time_ms - first) as f64 * scale;
        let error = mark.error_code.is_some() || mark.http_status >= 400;
        let after = ended_at.is_some_and(|ended| index > ended);
        let mut class = status_class(mark.status.as_deref(), error).to_string();
        if after {
            class.push_str(" after");
        }
        h.open(
            "circle",
            &[
                ("class", &class),
                ("cx", &format!("{x:.1}")),
                ("cy", "18"),
                ("r", if error { "7" } else { "5" }),
            ],
        );
        let gap = previous
            .map(|previous| format!(" · {} ms after the last", mark.time_ms - previous))
            .unwrap_or_default();
        let answered = match (mark.status.as_deref(), mark.error_code) {
            (_, Some(code)) => format!("error {code}"),
            (Some(status), None) => status.to_string(),
            (None, None) => format!("HTTP {}", mark.http_status),
        };
        h.element(
            "title",
            &[],
            &format!(
                "poll {} · {answered} · +{} ms{gap}{}",
                index + 1,
                mark.time_ms - first,
                if after { " · after the job ended" } else { "" }
            ),
        );
        h.close("circle");
        previous = Some(mark.time_ms);
    }
    h.element(
        "text",
        &[("x", "20"), ("y", "42"), ("class", "tick")],
        "0 ms",
    );
    h.element(
        "text",
        &[("x", "740"), ("y", "42"), ("class", "tick end")],
        &format!("{} ms", span as u64),
    );
    h.raw("</svg>");

    let mut gaps: Vec<u64> = marks
        .windows(2)
        .map(|pair| pair[1].time_ms - pair[0].time_ms)
        .collect();
    gaps.sort_unstable();
    let statuses: Vec<String> = runs(marks);
    let mut summary = format!("{} poll(s): {}", marks.len(), statuses.join(" → "));
    if let (Some(min), Some(max)) = (gaps.first(), gaps.last()) {
        summary.push_str(&format!(
            "; gaps min {min} ms, median {} ms, max {max} ms",
            gaps[gaps.len() / 2]
        ));
    }
    if let Some(ended) = ended_at
        && marks.len() > ended + 1
    {
        summary.push_str(&format!(
            "; {} poll(s) after the job ended",
            marks.len() - ended - 1
        ));
    }
    h.element("p", &[("class", "gaps")], &summary);
}

/// The statuses served in a row, with how many polls each: `SUBMITTED → PROCESSING ×3`.
fn runs(marks: &[Mark]) -> Vec<String> {
    let mut runs: Vec<(String, usize)> = Vec::new();
    for mark in marks {
        let answered = match (&mark.status, mark.error_code) {
            (_, Some(code)) => format!("error {code}"),
            (Some(status), None) => status.clone(),
            (None, None) => format!("HTTP {}", mark.http_status),
        };
        match runs.last_mut() {
            Some((last, count)) if *last == answered => *count += 1,
            _ => runs.push((answered, 1)),
        }
    }
    runs.into_iter()
        .map(|(status, count)| {
            if count == 1 {
                status
            } else {
                format!("{status} ×{count}")
            }
        })
        .collect()
}

fn journal_section(h: &mut Html, journal: &[Value]) {
    let unmatched: Vec<&Value> = journal
        .iter()
        .filter(|entry| entry["matched"] == Value::Bool(false))
        .collect();
    h.element(
        "h2",
        &[],
        &format!(
            "Journal ({} request(s), {} unmatched)",
            journal.len(),
            unmatched.len()
        ),
    );
    h.raw("<table class=\"journal\"><thead><tr><th>time</th><th>session</th><th>request</th><th>answer</th><th>served by</th></tr></thead><tbody>");
    for entry in journal.iter().take(MAX_ROWS) {
        let matched = entry["matched"] != Value::Bool(false);
        h.open("tr", &[("class", if matched { "" } else { "unmatched" })]);
        h.element(
            "td",
            &[],
            &entry["timeMs"]
                .as_u64()
                .map(crate::har::read::format_time)
                .unwrap_or_default(),
        );
        h.element("td", &[], entry["session"].as_str().unwrap_or(""));
        let mut request = format!(
            "{} {}",
            entry["method"].as_str().unwrap_or("?"),
            entry["path"].as_str().unwrap_or("?")
        );
        if let Some(query) = entry["query"].as_str() {
            request.push('?');
            request.push_str(query);
        }
        h.open("td", &[]).text(&request);
        if let Some(near) = entry.get("nearMiss").filter(|near| !near.is_null()) {
            h.element("div", &[("class", "near")], &near_words(near));
        }
        h.close("td");
        let mut answer = entry["status"].as_u64().unwrap_or(0).to_string();
        if let Some(status) = entry["jobStatus"].as_str() {
            answer.push_str(&format!(" {status}"));
        }
        if let Some(code) = entry["errorCode"].as_u64() {
            answer.push_str(&format!(" (error {code})"));
        }
        h.element("td", &[], &answer);
        let by = match (entry["job"].as_str(), entry["exchange"].as_str()) {
            (_, Some(exchange)) => {
                format!("{}: {exchange}", entry["servedBy"].as_str().unwrap_or(""))
            }
            (Some(job), None) => format!("{}: {job}", entry["servedBy"].as_str().unwrap_or("")),
            (None, None) => entry["servedBy"].as_str().unwrap_or("").to_string(),
        };
        h.element("td", &[], &by);
        h.raw("</tr>");
    }
    h.raw("</tbody></table>");
    if journal.len() > MAX_ROWS {
        h.element(
            "p",
            &[("class", "note")],
            &format!("{} older request(s) not shown", journal.len() - MAX_ROWS),
        );
    }
}

/// A near miss in words: the recording and what differs.
fn near_words(near: &Value) -> String {
    let differences: Vec<String> = near["differences"]
        .as_array()
        .map(|differences| {
            differences
                .iter()
                .map(|difference| {
                    format!(
                        "{}{}: sent {}, recorded {}",
                        difference["what"].as_str().unwrap_or("?"),
                        difference["name"]
                            .as_str()
                            .map(|name| format!(" {name}"))
                            .unwrap_or_default(),
                        difference["sent"].as_str().unwrap_or("nothing"),
                        difference["recorded"].as_str().unwrap_or("nothing")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    format!(
        "closest {} {}: {}",
        near["kind"].as_str().unwrap_or("?"),
        near["name"].as_str().unwrap_or("?"),
        differences.join("; ")
    )
}

fn exchanges_section(h: &mut Html, exchanges: &[Value]) {
    h.element("h2", &[], &format!("Exchanges ({})", exchanges.len()));
    if exchanges.is_empty() {
        return;
    }
    h.raw("<table class=\"exchanges\"><thead><tr><th>name</th><th>request</th><th>steps</th><th>polls per session</th></tr></thead><tbody>");
    for exchange in exchanges.iter().take(MAX_ROWS) {
        h.raw("<tr>");
        h.element("td", &[], exchange["name"].as_str().unwrap_or("?"));
        let params: Vec<String> = exchange["params"]
            .as_object()
            .map(|params| {
                params
                    .iter()
                    .map(|(name, value)| format!("{name}={}", value.as_str().unwrap_or("")))
                    .collect()
            })
            .unwrap_or_default();
        h.element(
            "td",
            &[],
            &format!(
                "{} {}{}",
                exchange["method"].as_str().unwrap_or("?"),
                exchange["path"].as_str().unwrap_or("?"),
                if params.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", params.join(", "))
                }
            ),
        );
        let statuses: Vec<String> = exchange["steps"]
            .as_array()
            .map(|steps| {
                steps
                    .iter()
                    .map(|step| {
                        format!(
                            "{} ({})",
                            step["file"].as_str().unwrap_or("?"),
                            step["httpStatus"].as_u64().unwrap_or(200)
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        h.element("td", &[], &statuses.join(", "));
        let sessions: Vec<String> = exchange["sessions"]
            .as_object()
            .map(|sessions| {
                sessions
                    .iter()
                    .map(|(session, state)| {
                        format!("{session}: {}", state["polls"].as_u64().unwrap_or(0))
                    })
                    .collect()
            })
            .unwrap_or_default();
        h.element("td", &[], &sessions.join(", "));
        h.raw("</tr>");
    }
    h.raw("</tbody></table>");
}
