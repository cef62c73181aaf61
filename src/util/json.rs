//! Walking a JSON text's bytes without building its value: the strings with their places (so
//! a redaction can replace inside one string and never touch a key or the structure), and the
//! text without the white space between its tokens (how steps are kept in memory).

use std::ops::Range;

/// A string of a JSON text: the range inside its quotes (escapes as written), and whether it
/// is an object's key.
pub struct JsonString {
    pub inner: Range<usize>,
    pub is_key: bool,
}

/// The strings of the JSON document `text`, in order; `None` when `text` is not one.
pub fn json_strings(text: &str) -> Option<Vec<JsonString>> {
    serde_json::from_str::<serde::de::IgnoredAny>(text).ok()?;
    let bytes = text.as_bytes();
    let mut strings = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] != b'"' {
            at += 1;
            continue;
        }
        let start = at + 1;
        let mut end = start;
        loop {
            match *bytes.get(end)? {
                b'\\' => end += 2,
                b'"' => break,
                _ => end += 1,
            }
        }
        let mut next = end + 1;
        while next < bytes.len() && bytes[next].is_ascii_whitespace() {
            next += 1;
        }
        strings.push(JsonString {
            inner: start..end,
            is_key: bytes.get(next) == Some(&b':'),
        });
        at = end + 1;
    }
    Some(strings)
}

/// `json` (valid JSON) without the white space between its tokens; or, when it nests deeper
/// than `max_nesting`, the offset where it does. (serde_json passes over the fields it is not
/// asked for without counting their depth, so the depth is counted here.) The text is given
/// back at its own size: a served body is kept for as long as its set is, and a recorded step
/// written with indents is a third smaller without them.
pub fn minify(json: &[u8], max_nesting: usize) -> Result<Vec<u8>, usize> {
    let is_space = |byte: u8| matches!(byte, b' ' | b'\t' | b'\n' | b'\r');
    let mut out = Vec::with_capacity(json.len());
    let mut depth = 0usize;
    let mut at = 0;
    // Runs are copied whole (a string to its closing quote, a number or literal to its end):
    // a large set is tens of megabytes of steps to read at start.
    while at < json.len() {
        let byte = json[at];
        match byte {
            b'"' => {
                let start = at;
                at += 1;
                // `json` may be broken (this runs before the parser says so): an escape at
                // its very end must not step past it.
                while let Some(offset) =
                    memchr::memchr2(b'"', b'\\', json.get(at..).unwrap_or_default())
                {
                    at += offset;
                    if json[at] == b'\\' {
                        at += 2;
                    } else {
                        at += 1;
                        break;
                    }
                }
                let end = at.min(json.len());
                out.extend_from_slice(&json[start..end]);
                at = end;
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > max_nesting {
                    return Err(at);
                }
                out.push(byte);
                at += 1;
            }
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                out.push(byte);
                at += 1;
            }
            _ if is_space(byte) => at += 1,
            _ => {
                let start = at;
                while at < json.len()
                    && !is_space(json[at])
                    && !matches!(json[at], b'"' | b'[' | b'{' | b']' | b'}')
                {
                    at += 1;
                }
                out.extend_from_slice(&json[start..at]);
            }
        }
    }
    out.shrink_to_fit();
    Ok(out)
}

/// Replaces `from` by `to` inside every string of `value` (keys and other values untouched).
pub fn replace_in_strings(value: &mut serde_json::Value, from: &str, to: &str) {
    use serde_json::Value;
    match value {
        Value::String(text) if text.contains(from) => *text = text.replace(from, to),
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| replace_in_strings(item, from, to)),
        Value::Object(fields) => fields
            .values_mut()
            .for_each(|field| replace_in_strings(field, from, to)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minify_takes_broken_json_without_stepping_past_its_end() {
        for broken in [&b"\"abc\\"[..], b"\"", b"{\"a\": \"x\\", b"\\", b"[1, 2"] {
            let _ = minify(broken, 64);
        }
        assert_eq!(minify(b"\"a\\", 64), Ok(b"\"a\\".to_vec()));
    }

    #[test]
    fn minify_keeps_strings_and_drops_the_space_between_tokens() {
        let pretty =
            b"{\n  \"a\": \"x y \\\" z\",\n  \"b\": [1, 2.50, 1e3],\n  \"c\": \"\\\\\"\n}\n";
        assert_eq!(
            minify(pretty, 64),
            Ok(b"{\"a\":\"x y \\\" z\",\"b\":[1,2.50,1e3],\"c\":\"\\\\\"}".to_vec())
        );
    }
}
