//! What a body holds, for learning: a JSON document however it is wrapped (plain, behind a
//! byte-order mark, inside a JSONP callback), form-encoded text, or multipart fields.

use hyper::HeaderMap;
use serde_json::Value;

/// How a JSON document was wrapped in a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrapping {
    Plain,
    /// Behind a byte-order mark (and perhaps white space).
    ByteOrderMark,
    /// Inside a JSONP callback: `callback({...});`.
    Jsonp,
}

/// A JSON document in `body`: plain, behind a byte-order mark, or inside a JSONP callback.
pub fn as_json(body: &[u8]) -> Option<(Value, Wrapping)> {
    if let Ok(value) = serde_json::from_slice::<Value>(body) {
        return Some((value, Wrapping::Plain));
    }
    let text = std::str::from_utf8(body).ok()?;
    let text = text.trim_start_matches('\u{feff}').trim();
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        return Some((value, Wrapping::ByteOrderMark));
    }
    let open = text.find('(')?;
    let callback = text[..open].trim();
    let is_callback = !callback.is_empty()
        && callback
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '.' | '[' | ']'));
    if !is_callback {
        return None;
    }
    let inner = text[open + 1..].trim_end().trim_end_matches(';').trim_end();
    let inner = inner.strip_suffix(')')?;
    serde_json::from_str::<Value>(inner)
        .ok()
        .map(|value| (value, Wrapping::Jsonp))
}

/// Whether a text body is form-encoded parameters (`access_token=…&token_type=bearer`).
pub(super) fn is_form_text(text: &str) -> bool {
    let text = text.trim();
    !text.is_empty()
        && text.len() < 64 * 1024
        && text.contains('=')
        && !text.contains(char::is_whitespace)
        && !text.starts_with(['{', '[', '<'])
}

/// The boundary of a `multipart/form-data` request.
pub(super) fn multipart_boundary(headers: &HeaderMap) -> Option<String> {
    boundary_of(headers.get(hyper::header::CONTENT_TYPE)?.to_str().ok()?)
}

/// The boundary of a `multipart/form-data; boundary=…` content type.
pub fn boundary_of(content_type: &str) -> Option<String> {
    let (mime, parameters) = content_type.split_once(';')?;
    if !mime.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    parameters.split(';').find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_string())
    })
}

/// The named fields of a multipart body, as text (parts that are not text are skipped). Only
/// what redaction needs: the name from `Content-Disposition` and the part's content.
pub fn multipart_fields(body: &[u8], boundary: &str) -> Vec<(String, String)> {
    let delimiter = format!("--{boundary}");
    let Ok(body) = std::str::from_utf8(body) else {
        // Files may be binary; the fields around them are found in the text parts alone.
        return String::from_utf8_lossy(body)
            .split(delimiter.as_str())
            .filter_map(multipart_field)
            .collect();
    };
    body.split(delimiter.as_str())
        .filter_map(multipart_field)
        .collect()
}

pub(super) fn multipart_field(part: &str) -> Option<(String, String)> {
    let part = part.strip_prefix("\r\n").unwrap_or(part);
    let (head, content) = part
        .split_once("\r\n\r\n")
        .or_else(|| part.split_once("\n\n"))?;
    let disposition = head
        .lines()
        .find(|line| line.to_ascii_lowercase().starts_with("content-disposition"))?;
    let name = disposition.split(';').find_map(|parameter| {
        let (key, value) = parameter.split_once('=')?;
        (key.trim() == "name").then(|| value.trim().trim_matches('"').to_string())
    })?;
    let content = content
        .strip_suffix("\r\n")
        .or_else(|| content.strip_suffix('\n'))
        .unwrap_or(content);
    Some((name, content.to_string()))
}
