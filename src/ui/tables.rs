//! The page's tables: a job's steps, the journal (with near misses), the exchanges.

use super::html::Html;
use super::timeline::status_class;
use super::{JournalRow, MAX_ROWS};
use crate::fixture::view::{ExchangeView, StepView};

pub(super) fn steps_table(h: &mut Html, steps: &[StepView]) {
    h.raw("<table class=\"steps\"><thead><tr><th>#</th><th>file</th><th>status</th><th>progress</th><th>holds for</th><th>at</th><th>HTTP</th><th>fault / error</th></tr></thead><tbody>");
    for (index, step) in steps.iter().enumerate() {
        let status = step.status.as_deref();
        h.raw("<tr>");
        h.element("td", &[], &(index + 1).to_string());
        h.element("td", &[], &step.file);
        h.open("td", &[]);
        h.element(
            "span",
            &[("class", status_class(status, step.error_code.is_some()))],
            status.unwrap_or("(no status)"),
        );
        h.close("td");
        h.element(
            "td",
            &[],
            &step
                .percent
                .map(|percent| format!("{percent} %"))
                .unwrap_or_default(),
        );
        h.element("td", &[], &format!("{} poll(s)", step.polls));
        h.element("td", &[], &format!("+{} ms", step.offset_ms));
        h.element("td", &[], &step.http_status.to_string());
        let mut fault = step.fault.clone().unwrap_or_default();
        if let Some(code) = step.error_code
            && fault.is_empty()
        {
            fault = format!("error answer, code {code}");
        }
        if step.expire_token {
            fault = format!("{fault} token expires here").trim().to_string();
        }
        h.element("td", &[], &fault);
        h.raw("</tr>");
    }
    h.raw("</tbody></table>");
}

pub(super) fn journal_section(h: &mut Html, journal: &[JournalRow]) {
    let unmatched = journal.iter().filter(|entry| !entry.matched).count();
    h.element(
        "h2",
        &[],
        &format!(
            "Journal ({} request(s), {unmatched} unmatched)",
            journal.len()
        ),
    );
    h.raw("<table class=\"journal\"><thead><tr><th>time</th><th>session</th><th>request</th><th>answer</th><th>served by</th></tr></thead><tbody>");
    for entry in journal.iter().take(MAX_ROWS) {
        h.open(
            "tr",
            &[("class", if entry.matched { "" } else { "unmatched" })],
        );
        h.element("td", &[], &crate::util::clock::iso_time(entry.time_ms));
        h.element("td", &[], &entry.session);
        let mut request = format!("{} {}", entry.method, entry.path);
        if let Some(query) = &entry.query {
            request.push('?');
            request.push_str(query);
        }
        h.open("td", &[]).text(&request);
        if let Some(near) = &entry.near_miss {
            h.element("div", &[("class", "near")], near);
        }
        h.close("td");
        let mut answer = entry.status.to_string();
        if let Some(status) = &entry.job_status {
            answer.push_str(&format!(" {status}"));
        }
        if let Some(code) = entry.error_code {
            answer.push_str(&format!(" (error {code})"));
        }
        h.element("td", &[], &answer);
        let by = match (&entry.job, &entry.exchange) {
            (_, Some(exchange)) => format!("{}: {exchange}", entry.served_by),
            (Some(job), None) => format!("{}: {job}", entry.served_by),
            (None, None) => entry.served_by.to_string(),
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

pub(super) fn exchanges_section(h: &mut Html, exchanges: &[ExchangeView]) {
    h.element("h2", &[], &format!("Exchanges ({})", exchanges.len()));
    if exchanges.is_empty() {
        return;
    }
    h.raw("<table class=\"exchanges\"><thead><tr><th>name</th><th>request</th><th>steps</th><th>polls per session</th></tr></thead><tbody>");
    for exchange in exchanges.iter().take(MAX_ROWS) {
        h.raw("<tr>");
        h.element("td", &[], &exchange.name);
        let params: Vec<String> = exchange
            .params
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        h.element(
            "td",
            &[],
            &format!(
                "{} {}{}",
                exchange.method,
                exchange.path,
                if params.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", params.join(", "))
                }
            ),
        );
        let statuses: Vec<String> = exchange
            .steps
            .iter()
            .map(|step| format!("{} ({})", step.file, step.http_status))
            .collect();
        h.element("td", &[], &statuses.join(", "));
        let sessions: Vec<String> = exchange
            .sessions
            .iter()
            .map(|(session, state)| format!("{session}: {}", state.polls))
            .collect();
        h.element("td", &[], &sessions.join(", "));
        h.raw("</tr>");
    }
    h.raw("</tbody></table>");
}
