//! HAR captures: imported into fixture sets as `record` would write them (what HARs really hold,
//! a real mitmproxy capture among them), sanitized into HARs safe to send, scanned, and exported
//! from replay's journal, then imported and replayed again.
//!
//! By what is tested: [`import`] (a HAR becomes the set `record` would write; malformed HARs,
//! absurd times, existing sets), [`secrets`] (secrets in the places only HARs have, kept out of
//! the set and the sanitized HAR), [`round_trips`] (a real capture and replay's own journal,
//! imported and replayed), [`hostile`] (what a hostile review found, HARs past 16 MiB),
//! [`webtools`] (a web tool's job, its values as the job's files). This file holds the HAR
//! builders they share.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::util::*;

mod hostile;
mod import;
mod round_trips;
mod secrets;
mod webtools;

const SERVER: &str = "https://notebooks.customer.example:11443";
const T0: u64 = 1_795_000_000_000;

/// One HAR entry as DevTools writes it: `at_ms` after [`T0`], answered after `time_ms`.
fn entry(method: &str, url: &str, at_ms: u64, status: u16, content: Value) -> Value {
    json!({
        "startedDateTime": jobmock::util::clock::iso_time(T0 + at_ms),
        "time": 12.5,
        "request": {
            "method": method, "url": url, "httpVersion": "HTTP/2",
            "cookies": [], "headers": [
                {"name": ":authority", "value": "notebooks.customer.example:11443"},
                {"name": ":method", "value": method},
                {"name": "accept", "value": "application/json"}
            ],
            "queryString": [], "headersSize": -1, "bodySize": 0
        },
        "response": {
            "status": status, "statusText": "", "httpVersion": "HTTP/2",
            "cookies": [], "headers": [{"name": "content-type", "value": "application/json; charset=utf-8"}],
            "content": content, "redirectURL": "", "headersSize": -1, "bodySize": -1,
            "_transferSize": 300
        },
        "cache": {}, "timings": {"blocked": -1, "dns": -1, "connect": -1, "send": 0, "wait": 10, "receive": 2.5},
        "_initiator": {"type": "script"}, "_priority": "High", "_resourceType": "fetch"
    })
}

fn json_content(body: &Value) -> Value {
    let text = body.to_string();
    json!({"size": text.len(), "mimeType": "application/json", "text": text})
}

fn job_body(id: &str, status: &str) -> Value {
    json!({"jobId": id, "type": "executeNotebook", "status": status, "customAttributes": {"isCancelled": false}})
}

fn poll(id: &str, at_ms: u64, status: &str) -> Value {
    entry(
        "GET",
        &format!("{SERVER}/notebookserver/admin/system/jobs/{id}?f=json"),
        at_ms,
        200,
        json_content(&job_body(id, status)),
    )
}

fn har(entries: Vec<Value>) -> Value {
    json!({"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
                   "pages": [], "entries": entries}})
}

fn write_har(dir: &Path, document: &Value) -> PathBuf {
    let path = dir.join("capture.har");
    std::fs::write(&path, serde_json::to_vec_pretty(document).unwrap()).unwrap();
    path
}

fn import(har: &Path, fixtures: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let mut args = vec![
        "import",
        "har",
        har.to_str().unwrap(),
        "--fixtures",
        fixtures.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let (code, out, err) = run_binary(&args);
    (code, format!("{out}{err}"))
}
