//! The page's tables: a job's steps, the journal (with near misses), the exchanges.

use serde_json::Value;

use super::MAX_ROWS;
use super::html::Html;
use super::timeline::status_class;
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

pub(super) fn journal_section(h: &mut Html, journal: &[Value]) {
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
                .map(crate::util::clock::iso_time)
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
