//! The journal as a HAR 1.2 (`GET /__jobmock/requests?format=har`): what a client did against
//! the mock, for any HAR viewer or a bug report, and importable again with `jobmock import har`.
//!
//! The journal keeps no credential (targets and parameters are redacted as they are noted), and
//! the document is then passed through [`crate::har::sanitize`] whole, as any HAR jobmock writes:
//! a fixture's answer may hold what its author never meant to hand on. Each entry carries
//! `_jobmock` (a HAR custom field) with the session and what answered it.

use std::path::Path;

use base64::Engine as _;
use hyper::StatusCode;
use serde_json::{Value, json};

use super::Entry;
use crate::har::read::Har;
use crate::util::clock::iso_time;

/// The HAR of `entries`, with URLs on `origin` (`https://127.0.0.1:8080`), sanitized.
pub fn journal_har(entries: &[Entry], origin: &str) -> Value {
    let document = json!({
        "log": {
            "version": "1.2",
            "creator": {"name": "jobmock", "version": env!("CARGO_PKG_VERSION")},
            "pages": [],
            "entries": entries.iter().map(|entry| har_entry(entry, origin)).collect::<Vec<_>>(),
        }
    });
    let bytes = serde_json::to_vec(&document).expect("a JSON value serialises");
    match Har::parse(Path::new("journal"), &bytes) {
        Ok(mut har) => {
            crate::har::sanitize::sanitize(&mut har, crate::redact::Options::default());
            har.document
        }
        // Written just above in the form the reader takes; should it not read, nothing of it
        // is handed out unsanitized.
        Err(_) => json!({"log": {"version": "1.2", "creator": {"name": "jobmock"}, "entries": []}}),
    }
}

fn har_entry(entry: &Entry, origin: &str) -> Value {
    let (path, query) = entry
        .target
        .split_once('?')
        .map_or((&*entry.target, None), |(path, query)| (path, Some(query)));
    let query_string: Vec<Value> = crate::params::from_query(query)
        .into_iter()
        .map(|(name, value)| json!({"name": name, "value": value}))
        .collect();
    let mut headers = Vec::new();
    let mut request = json!({
        "method": entry.method.as_str(),
        "url": format!("{origin}{path}{}", query.map(|query| format!("?{query}")).unwrap_or_default()),
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": [],
        "queryString": query_string,
        "headersSize": -1,
        "bodySize": 0,
    });
    if let Some(form) = &entry.form {
        // Shown as the journal shows them: secrets REDACTED.
        let params: Vec<(String, String)> = form
            .iter()
            .map(|(name, value)| {
                let value = if crate::redact::is_secret_param(name) {
                    crate::redact::REDACTED.to_string()
                } else {
                    value.clone()
                };
                (name.clone(), value)
            })
            .collect();
        let text = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&params)
            .finish();
        headers.push(json!({"name": "Content-Type", "value": "application/x-www-form-urlencoded"}));
        request["bodySize"] = json!(text.len());
        request["postData"] = json!({
            "mimeType": "application/x-www-form-urlencoded",
            "params": params.iter().map(|(name, value)| json!({"name": name, "value": value})).collect::<Vec<_>>(),
            "text": text,
        });
    }
    request["headers"] = Value::Array(headers);

    let content_type = entry
        .content_type
        .as_ref()
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let mut content = json!({"size": -1, "mimeType": content_type});
    match &entry.body {
        Some(body) => {
            content["size"] = json!(body.len());
            match std::str::from_utf8(body) {
                Ok(text) => content["text"] = json!(text),
                Err(_) => {
                    content["text"] = json!(base64::engine::general_purpose::STANDARD.encode(body));
                    content["encoding"] = json!("base64");
                }
            }
        }
        None => {
            content["comment"] =
                json!("not kept: the journal keeps 64 MiB of answer bodies at most");
        }
    }
    // A connection closed by a script had no answer at all: status 0, as browsers write it.
    let answered = entry.content_type.is_some();
    let status = if answered { entry.status } else { 0 };
    let status_text = StatusCode::from_u16(status)
        .ok()
        .and_then(|status| status.canonical_reason())
        .unwrap_or_default();
    let mut response_headers = Vec::new();
    if !content_type.is_empty() {
        response_headers.push(json!({"name": "Content-Type", "value": content_type}));
    }
    let mut jobmock = serde_json::to_value(entry).expect("an entry serialises");
    if let Some(shown) = jobmock.as_object_mut() {
        for repeated in ["timeMs", "method", "path", "query", "params", "status"] {
            shown.remove(repeated);
        }
    }
    json!({
        "startedDateTime": iso_time(entry.time_ms),
        "time": 0,
        "request": request,
        "response": {
            "status": status,
            "statusText": status_text,
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": response_headers,
            "content": content,
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": entry.body.as_ref().map_or(-1, |body| body.len() as i64),
        },
        "cache": {},
        "timings": {"send": 0, "wait": 0, "receive": 0},
        "_jobmock": jobmock,
    })
}
