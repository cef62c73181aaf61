//! The canary suite as a HAR: every case's exchanges as a browser saves them, scanned, imported
//! and sanitized.

use base64::Engine as _;
use serde_json::json;

use super::*;

/// The canary suite again, as a HAR: every case's requests and answers written as the entries a
/// browser would save, then imported (`jobmock import har`) and sanitized (`jobmock sanitize
/// har`). No canary reaches the imported set, the sanitized HAR or the terminal in any encoding;
/// every case is there; both pass `jobmock scan`, and the set loads.
#[test]
fn no_canary_survives_a_har_import_or_sanitize() {
    use hyper::header::{HeaderName, HeaderValue};
    let cases = cases();
    let mut entries = Vec::new();
    let mut at_ms = 1_795_000_000_000u64;
    for (index, case) in cases.iter().enumerate() {
        let secrets = secrets_of(index, case);
        for request in (case.requests)(&secrets) {
            let (path, query) = match request.target.split_once('?') {
                Some((path, query)) => (path.to_string(), Some(query.to_string())),
                None => (request.target.clone(), None),
            };
            let mut headers = hyper::HeaderMap::new();
            for (name, value) in &request.headers {
                headers.append(
                    HeaderName::from_bytes(name.as_bytes()).unwrap(),
                    HeaderValue::from_str(value).unwrap(),
                );
            }
            if let Some((content_type, _)) = &request.body {
                headers.insert("content-type", HeaderValue::from_static(content_type));
            }
            let seen = Seen {
                method: request.method.to_string(),
                path,
                query,
                headers: headers.clone(),
                body: request
                    .body
                    .clone()
                    .map(|(_, body)| body.into())
                    .unwrap_or_default(),
            };
            let (status, answer_headers, body) = (case.answer)(&seen, &secrets);
            let pairs = |headers: Vec<(String, String)>| -> Vec<serde_json::Value> {
                headers
                    .into_iter()
                    .map(|(name, value)| json!({"name": name, "value": value}))
                    .collect()
            };
            let request_headers = headers
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_string()))
                .collect();
            let mime = answer_headers
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
                .map(|(_, value)| value.clone())
                .unwrap_or_default();
            let content = match std::str::from_utf8(&body) {
                Ok(text) => json!({"size": body.len(), "mimeType": mime, "text": text}),
                Err(_) => json!({"size": body.len(), "mimeType": mime,
                                 "text": base64::engine::general_purpose::STANDARD.encode(&body),
                                 "encoding": "base64"}),
            };
            let mut entry = json!({
                "startedDateTime": jobmock::util::clock::iso_time(at_ms),
                "time": 5,
                "request": {"method": request.method,
                            "url": format!("https://customer.example{}", request.target),
                            "httpVersion": "HTTP/1.1", "cookies": [],
                            "headers": pairs(request_headers), "queryString": [],
                            "headersSize": -1, "bodySize": -1},
                "response": {"status": status, "statusText": "", "httpVersion": "HTTP/1.1",
                             "cookies": [],
                             "headers": pairs(answer_headers.into_iter().map(|(n, v)| (n.to_string(), v)).collect()),
                             "content": content, "redirectURL": "", "headersSize": -1, "bodySize": -1},
                "cache": {}, "timings": {"send": 0, "wait": 5, "receive": 0}
            });
            if let Some((content_type, body)) = &request.body {
                entry["request"]["postData"] = json!({"mimeType": content_type,
                                                      "text": String::from_utf8_lossy(body)});
            }
            entries.push(entry);
            at_ms += 10;
        }
    }
    let har = json!({"log": {"version": "1.2", "creator": {"name": "canary-suite"},
                             "entries": entries.clone()}});
    let dir = tempfile::tempdir().unwrap();
    let har_path = dir.path().join("canaries.har");
    std::fs::write(&har_path, serde_json::to_vec_pretty(&har).unwrap()).unwrap();
    let canaries: Vec<(String, String)> = cases
        .iter()
        .enumerate()
        .flat_map(|(index, case)| {
            secrets_of(index, case)
                .into_iter()
                .chain(case.personal.iter().map(|value| value.to_string()))
                .map(move |canary| (case.name.to_string(), canary))
        })
        .collect();

    // The raw capture, scanned: every entry that holds a canary is named (scan finds what
    // redaction replaces, with one recogniser).
    let (code, out, err) = run_binary(&["scan", har_path.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{out}{err}");
    for (index, entry) in entries.iter().enumerate() {
        let raw = entry.to_string();
        // (`--redact-value` patterns are the user's, for record and import alone.)
        if let Some((case, canary)) = canaries.iter().find(|(case, canary)| {
            case != "redact-value-pattern"
                && (raw.contains(canary.as_str())
                    || raw.contains(&serde_json::to_string(canary).unwrap()[1..canary.len()]))
        }) {
            assert!(
                out.contains(&format!("log.entries[{index}].")),
                "case {case}: scan of the raw HAR names nothing in entry {index}, which holds {canary:?}:\n{out}"
            );
        }
    }

    let imported = tempfile::tempdir().unwrap();
    let set = imported.path().join("set");
    let (code, out, err) = run_binary(&[
        "import",
        "har",
        har_path.to_str().unwrap(),
        "--fixtures",
        set.to_str().unwrap(),
        "--origin",
        "https://customer.example",
        "--redact-value",
        "ACME-[0-9]{8}",
    ]);
    let printed = format!("{out}{err}");
    assert_eq!(
        code,
        Some(0),
        "the closing scan found something:\n{printed}"
    );
    assert_no_canary(&set, &printed, &canaries);
    let files = all_files(&set);
    for case in &cases {
        let marker = format!("case-{}", case.name);
        assert!(
            files
                .iter()
                .any(|(_, bytes)| String::from_utf8_lossy(bytes).contains(&marker)),
            "nothing of case {} was imported:\n{printed}",
            case.name
        );
    }
    jobmock::fixture::FixtureSet::load(&set).unwrap();

    let sanitized = tempfile::tempdir().unwrap();
    let safe = sanitized.path().join("safe.har");
    let (code, out, err) = sanitize_har(&har_path, &safe, &["--redact-value", "ACME-[0-9]{8}"]);
    let printed = format!("{out}{err}");
    assert_eq!(
        code,
        Some(0),
        "the scan of the sanitized HAR found something:\n{printed}"
    );
    assert_no_canary(sanitized.path(), &printed, &canaries);
    let text = std::fs::read_to_string(&safe).unwrap();
    for case in &cases {
        assert!(
            text.contains(&format!("case-{}", case.name)),
            "case {} is gone",
            case.name
        );
    }
}
