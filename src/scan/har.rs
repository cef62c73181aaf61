//! A HAR, scanned: sanitized in memory exactly as `jobmock sanitize har` would, and every
//! string that changes a finding by its JSON path (a base64 body decoded, a multipart body part
//! by part, a `{"name", "value"}` pair by its name).

use std::path::Path;

use serde_json::Value;

use super::{Finding, describe, difference, mask};
use crate::redact;

/// A HAR: sanitized in memory as `jobmock sanitize har` would, every string that changes a
/// finding by its JSON path.
pub(super) fn scan_har(
    path: &Path,
    bytes: &[u8],
    har: &crate::har::Har,
    options: redact::Options,
    findings: &mut Vec<Finding>,
) {
    let Ok(mut sanitized) = crate::har::Har::parse(path, bytes) else {
        return;
    };
    crate::har::sanitize::sanitize(&mut sanitized, options);
    let mut at = String::new();
    walk_har(
        &har.document,
        &sanitized.document,
        &mut at,
        &mut |at, was, now, name, whole| {
            findings.push(Finding {
                path: path.to_path_buf(),
                at: Some(at.to_string()),
                line: 0,
                column: 0,
                what: describe(now, name, whole),
                excerpt: mask(was),
            });
        },
    );
}

/// Fields sanitizing sets afresh: not findings.
const HAR_BOOKKEEPING: &[&str] = &["headersSize", "bodySize", "size", "comment"];

fn walk_har(
    original: &Value,
    sanitized: &Value,
    at: &mut String,
    found: &mut impl FnMut(&str, &str, &str, Option<&str>, bool),
) {
    let (Value::Object(before), Value::Object(after)) = (original, sanitized) else {
        match (original, sanitized) {
            (Value::Array(before), Value::Array(after)) => {
                for (index, (value, new_value)) in before.iter().zip(after).enumerate() {
                    let length = at.len();
                    at.push_str(&format!("[{index}]"));
                    walk_har(value, new_value, at, found);
                    at.truncate(length);
                }
            }
            (Value::String(before), Value::String(after)) => {
                if let Some((was, now)) = difference(before, after) {
                    found(at, was, now, None, false);
                }
            }
            _ => {}
        }
        return;
    };
    let base64 = before
        .get("encoding")
        .and_then(Value::as_str)
        .is_some_and(|encoding| encoding.eq_ignore_ascii_case("base64"));
    // `{"name": …, "value": …}`: a header, cookie or parameter, found by its name.
    let pair_name = before.get("name").and_then(Value::as_str);
    let boundary = before
        .get("mimeType")
        .and_then(Value::as_str)
        .and_then(redact::boundary_of);
    for (key, value) in before {
        if HAR_BOOKKEEPING.contains(&key.as_str()) {
            continue;
        }
        let Some(new_value) = after.get(key) else {
            continue;
        };
        let length = at.len();
        if !at.is_empty() {
            at.push('.');
        }
        at.push_str(key);
        match (value, new_value) {
            (Value::String(was), Value::String(now)) if key == "text" && boundary.is_some() => {
                // A multipart body, part by part, each by its field's name.
                let boundary = boundary.as_deref().unwrap_or_default();
                let parts = redact::multipart_fields(was.as_bytes(), boundary);
                let new_parts = redact::multipart_fields(now.as_bytes(), boundary);
                for (index, ((name, was), (_, now))) in parts.iter().zip(&new_parts).enumerate() {
                    let length = was.len();
                    if let Some((was, now)) = difference(was, now) {
                        let at = format!("{at} (part {index})");
                        found(&at, was, now, Some(name), was.len() == length);
                    }
                }
            }
            (Value::String(was), Value::String(now)) => {
                if base64 && key == "text" {
                    at.push_str(" (base64-decoded)");
                }
                let name = if key == "value" {
                    pair_name
                } else {
                    Some(key.as_str())
                };
                let length = was.len();
                if let Some((was, now)) = difference(was, now) {
                    let whole = was.len() == length && key != "text";
                    found(at, was, now, name, whole);
                }
            }
            _ => walk_har(value, new_value, at, found),
        }
        at.truncate(length);
    }
}
