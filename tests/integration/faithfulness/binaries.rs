//! Driving the binaries: the scenario through a real `jobmock record`, a request of it to any
//! server, and the HAR a browser would save of it.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use crate::util::*;

use super::*;

/// Sends the scenario through a real `jobmock record` to a fake upstream answering each request
/// as the scenario says, into `set`; returns the recorder's exit code and what it printed.
pub(super) async fn record_scenario(scenario: &Scenario, set: &Path) -> (Option<i32>, String) {
    let exchanges = scenario.exchanges();
    let answers = exchanges.clone();
    let upstream = FakeUpstream::start(move |seen, addr| {
        let index: usize = seen.headers["x-faithful-exchange"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let exchange = &answers[index];
        (
            exchange.status,
            exchange.answer_headers.clone(),
            exchange.body.bytes(&format!("http://{addr}")),
        )
    })
    .await;
    // The server's job IDs and times kept: what is checked here is redaction's doing alone.
    let proxy = Binary::record(&upstream.url(), set, &["--keep-job-ids", "--keep-times"]);
    for (index, exchange) in exchanges.iter().enumerate() {
        let answer = call(&proxy.base, exchange, &exchange.target())
            .header("X-Faithful-Exchange", &index.to_string())
            .send()
            .await;
        assert_eq!(
            answer.status.as_u16(),
            exchange.status,
            "{} {} through the recorder: {}",
            exchange.method,
            exchange.path,
            answer.body
        );
    }
    proxy.terminate();
    let (code, out, err) = proxy.wait(Duration::from_secs(20));
    assert!(
        matches!(code, Some(0 | 1)),
        "the recorder failed ({code:?}):\n{out}{err}"
    );
    (code, format!("{out}{err}"))
}

/// The scenario's request to the server at `base`, for `target` (its path and query).
pub(super) fn call(base: &str, exchange: &Exchange, target: &str) -> Call {
    let mut call = Call::new(exchange.method.parse().unwrap(), format!("{base}{target}"));
    for (name, value) in &exchange.headers {
        call = call.header(name, value);
    }
    if let Some(form) = &exchange.form {
        call = call.form(&encode_form(form));
    }
    call
}

/// The HAR a browser would save of the scenario against `origin`.
pub(super) fn har_of(exchanges: &[Exchange], origin: &str) -> Value {
    fn headers<N: AsRef<str>>(list: &[(N, String)]) -> Vec<Value> {
        list.iter()
            .map(|(name, value)| json!({"name": name.as_ref(), "value": value}))
            .collect()
    }
    let entries: Vec<Value> = exchanges
        .iter()
        .enumerate()
        .map(|(index, exchange)| {
            let body = String::from_utf8(exchange.body.bytes(origin)).unwrap();
            let mut request_headers = exchange.headers.clone();
            if exchange.form.is_some() {
                request_headers.push((
                    "Content-Type".into(),
                    "application/x-www-form-urlencoded".into(),
                ));
            }
            let mut entry = json!({
                "startedDateTime": format!("2026-01-05T10:{:02}:{:02}.000Z", index / 60, index % 60),
                "time": 12,
                "request": {
                    "method": exchange.method,
                    "url": format!("{origin}{}", exchange.target()),
                    "httpVersion": "HTTP/1.1",
                    "cookies": [],
                    "headers": headers(&request_headers),
                    "queryString": exchange.query.iter()
                        .map(|(name, value)| json!({"name": name, "value": value}))
                        .collect::<Vec<_>>(),
                    "headersSize": -1,
                    "bodySize": -1,
                },
                "response": {
                    "status": exchange.status,
                    "statusText": if exchange.status == 200 { "OK" } else { "Not Found" },
                    "httpVersion": "HTTP/1.1",
                    "cookies": [],
                    "headers": headers(&exchange.answer_headers),
                    "content": {"size": body.len(), "mimeType": exchange.content_type().unwrap_or_default(),
                                "text": body},
                    "redirectURL": "",
                    "headersSize": -1,
                    "bodySize": -1,
                },
                "cache": {},
                "timings": {"send": 1, "wait": 10, "receive": 1},
            });
            if let Some(form) = &exchange.form {
                entry["request"]["postData"] = json!({
                    "mimeType": "application/x-www-form-urlencoded",
                    "text": encode_form(form),
                });
            }
            entry
        })
        .collect();
    json!({"log": {"version": "1.2", "creator": {"name": "faithfulness", "version": "1"},
                   "pages": [], "entries": entries}})
}
