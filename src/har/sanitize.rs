//! `jobmock sanitize har`: the same HAR with the recorder's redaction applied, still a HAR 1.2
//! that DevTools, Fiddler or any viewer opens, safe to send to anyone.
//!
//! Every entry is learned from first (as the importer does), then every string of the document
//! is written through the redactor: named places by their names (a credential header, cookie,
//! parameter or form field becomes `REDACTED`, a personal field its pseudonym), bodies by what
//! they hold (JSON field by field, forms pair by pair, text as text, base64 decoded first), and
//! then every string at all, wherever a writer put it (`_initiator`, `comment`, page titles),
//! for the values learned anywhere. A body that is neither text nor JSON (an image, a font) is
//! removed, since nothing in it can be checked.

use base64::Engine as _;
use serde_json::{Map, Value};

use super::read::Har;
use crate::redact::{self, Context, REDACTED, Redactor};

/// What sanitizing did, for the summary.
#[derive(Debug, Default)]
pub struct Sanitized {
    pub entries: usize,
    pub counts: redact::Counts,
    /// Bodies removed because they are binary.
    pub binary_removed: usize,
}

/// Sanitizes `har.document` in place.
pub fn sanitize(har: &mut Har, options: redact::Options) -> Sanitized {
    let mut redactor = Redactor::new(options);
    let mut contexts = Vec::with_capacity(har.entries.len());
    for entry in &har.entries {
        contexts.push(super::import::learn_entry(&mut redactor, entry));
    }

    let mut done = Sanitized {
        entries: har.entries.len(),
        ..Sanitized::default()
    };
    if let Some(entries) = har
        .document
        .pointer_mut("/log/entries")
        .and_then(Value::as_array_mut)
    {
        for (entry, context) in entries.iter_mut().zip(&contexts) {
            if let Some(entry) = entry.as_object_mut() {
                scrub_entry(&mut redactor, entry, *context, &mut done);
            }
        }
    }
    // Then every string anywhere, for the values learned: what a writer keeps beside the
    // fields above (`_initiator` stacks, `comment`, page titles holding URLs).
    scrub_strings(&mut redactor, &mut har.document);
    done.counts = redactor.counts();
    done
}

fn scrub_entry(
    redactor: &mut Redactor,
    entry: &mut Map<String, Value>,
    context: Context,
    done: &mut Sanitized,
) {
    if let Some(request) = entry.get_mut("request").and_then(Value::as_object_mut) {
        scrub_url(redactor, request, "url", context);
        scrub_headers(redactor, request, context);
        scrub_cookies(redactor, request, context);
        scrub_pairs(redactor, request.get_mut("queryString"), context);
        if let Some(post) = request.get_mut("postData").and_then(Value::as_object_mut) {
            scrub_pairs(redactor, post.get_mut("params"), context);
            let mime = post
                .get("mimeType")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if let Some(Value::String(text)) = post.get_mut("text") {
                match scrub_body(redactor, text.as_bytes(), &mime, context) {
                    Some(scrubbed) => *text = String::from_utf8_lossy(&scrubbed).into_owned(),
                    None => {
                        text.clear();
                        done.binary_removed += 1;
                    }
                }
                let size = text.len();
                request.insert("bodySize".into(), Value::from(size));
            }
        }
        request.insert("headersSize".into(), Value::from(-1));
    }
    if let Some(response) = entry.get_mut("response").and_then(Value::as_object_mut) {
        scrub_headers(redactor, response, context);
        scrub_cookies(redactor, response, context);
        // A redirect may carry OAuth's `code` and tokens in its query or fragment.
        scrub_url(
            redactor,
            response,
            "redirectURL",
            Context {
                oauth: true,
                ..Context::default()
            },
        );
        if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) {
            scrub_content(redactor, content, context, done);
        }
        response.insert("headersSize".into(), Value::from(-1));
    }
}

/// A URL: its path as `record` scrubs a request's path (a Portal user's name in
/// `/community/users/<name>` becomes the name's pseudonym, as in the answers that name the
/// user), the rest as text.
fn scrub_url(
    redactor: &mut Redactor,
    object: &mut Map<String, Value>,
    field: &str,
    context: Context,
) {
    let Some(Value::String(url)) = object.get_mut(field) else {
        return;
    };
    let path_start = url.find("://").and_then(|scheme_end| {
        url[scheme_end + 3..]
            .find('/')
            .map(|at| scheme_end + 3 + at)
    });
    *url = match path_start {
        Some(start) => {
            let end = url[start..]
                .find(['?', '#'])
                .map_or(url.len(), |at| start + at);
            format!(
                "{}{}{}",
                redactor.scrub_text(&url[..start], context),
                redactor.scrub_path(&url[start..end], context),
                redactor.scrub_text(&url[end..], context)
            )
        }
        None => redactor.scrub_text(url, context),
    };
}

/// Headers: a credential header's value is `REDACTED` whole; a cookie header cookie by cookie;
/// any other value as text.
fn scrub_headers(redactor: &mut Redactor, object: &mut Map<String, Value>, context: Context) {
    let Some(Value::Array(headers)) = object.get_mut("headers") else {
        return;
    };
    for header in headers.iter_mut().filter_map(Value::as_object_mut) {
        let name = header
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_ascii_lowercase();
        let Some(Value::String(value)) = header.get_mut("value") else {
            continue;
        };
        *value = if name == "cookie" {
            value
                .split(';')
                .map(|cookie| scrub_cookie(redactor, cookie.trim(), context))
                .collect::<Vec<_>>()
                .join("; ")
        } else if name == "set-cookie" {
            // The first pair is the cookie; the attributes after it are the server's.
            let (cookie, attributes) = value.split_once(';').unwrap_or((value, ""));
            let cookie = scrub_cookie(redactor, cookie.trim(), context);
            if attributes.is_empty() {
                cookie
            } else {
                format!("{cookie};{}", redactor.scrub_text(attributes, context))
            }
        } else if redact::is_secret_header(&name) {
            // The credential goes; its scheme (`Bearer`, `Basic`) is how the header is read.
            match value.trim().split_once(' ') {
                Some((scheme, _)) if is_auth_scheme(scheme) => format!("{scheme} {REDACTED}"),
                _ => REDACTED.to_string(),
            }
        } else {
            redactor.scrub_text(value, context)
        };
    }
}

/// The authentication schemes a credential header's value begins with.
fn is_auth_scheme(word: &str) -> bool {
    [
        "bearer",
        "basic",
        "digest",
        "negotiate",
        "ntlm",
        "token",
        "hoba",
        "mutual",
    ]
    .iter()
    .any(|scheme| word.eq_ignore_ascii_case(scheme))
}

fn scrub_cookie(redactor: &mut Redactor, cookie: &str, context: Context) -> String {
    match cookie.split_once('=') {
        Some((name, _)) if redact::names::is_credential_cookie(name.trim()) => {
            format!("{name}={REDACTED}")
        }
        Some((name, value)) => format!(
            "{name}={}",
            scrub_pair(redactor, name.trim(), value, context)
        ),
        None => redactor.scrub_text(cookie, context),
    }
}

/// `cookies`: `[{"name", "value", "path", "domain", …}]`.
fn scrub_cookies(redactor: &mut Redactor, object: &mut Map<String, Value>, context: Context) {
    let Some(Value::Array(cookies)) = object.get_mut("cookies") else {
        return;
    };
    for cookie in cookies.iter_mut().filter_map(Value::as_object_mut) {
        let name = cookie
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if let Some(Value::String(value)) = cookie.get_mut("value") {
            *value = if redact::names::is_credential_cookie(&name) {
                REDACTED.to_string()
            } else {
                scrub_pair(redactor, &name, value, context)
            };
        }
    }
}

/// `[{"name", "value"}]` lists of parameters: each value by its name.
fn scrub_pairs(redactor: &mut Redactor, list: Option<&mut Value>, context: Context) {
    let Some(Value::Array(pairs)) = list else {
        return;
    };
    for pair in pairs.iter_mut().filter_map(Value::as_object_mut) {
        let name = pair
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if let Some(Value::String(value)) = pair.get_mut("value") {
            *value = scrub_pair(redactor, &name, value, context);
        }
    }
}

/// One named value, as the recorder treats a JSON field of that name: a credential becomes
/// `REDACTED`, personal data and `--redact-field` fields their pseudonyms, anything else is
/// scrubbed as text.
fn scrub_pair(redactor: &mut Redactor, name: &str, value: &str, context: Context) -> String {
    let mut object = Map::new();
    object.insert(name.to_string(), Value::from(value));
    let mut object = Value::Object(object);
    redactor.scrub_json(&mut object, context);
    match &object[name] {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// `response.content`: the body decoded, scrubbed, and encoded as it was.
fn scrub_content(
    redactor: &mut Redactor,
    content: &mut Map<String, Value>,
    context: Context,
    done: &mut Sanitized,
) {
    let Some(Value::String(text)) = content.get("text") else {
        return;
    };
    let base64 = content
        .get("encoding")
        .and_then(Value::as_str)
        .is_some_and(|encoding| encoding.eq_ignore_ascii_case("base64"));
    let body = if base64 {
        let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        base64::engine::general_purpose::STANDARD
            .decode(compact)
            .ok()
    } else {
        Some(text.as_bytes().to_vec())
    };
    let mime = content
        .get("mimeType")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let scrubbed = body.and_then(|body| scrub_body(redactor, &body, &mime, context));
    match scrubbed {
        Some(scrubbed) => {
            content.insert("size".into(), Value::from(scrubbed.len()));
            let text = if base64 {
                base64::engine::general_purpose::STANDARD.encode(&scrubbed)
            } else {
                String::from_utf8_lossy(&scrubbed).into_owned()
            };
            content.insert("text".into(), Value::from(text));
        }
        None => {
            content.remove("text");
            content.remove("encoding");
            content.insert("size".into(), Value::from(0));
            content.insert(
                "comment".into(),
                Value::from(
                    "binary body removed by jobmock sanitize: nothing in it can be checked",
                ),
            );
            done.binary_removed += 1;
        }
    }
}

/// A body scrubbed by what it holds; `None` for one that is not text.
fn scrub_body(
    redactor: &mut Redactor,
    body: &[u8],
    mime: &str,
    context: Context,
) -> Option<Vec<u8>> {
    if let Some((mut value, redact::Wrapping::Plain)) = redact::as_json(body) {
        redactor.scrub_json(&mut value, context);
        return Some(serde_json::to_vec(&value).expect("a JSON value serialises"));
    }
    let text = std::str::from_utf8(body).ok()?;
    if mime.contains("x-www-form-urlencoded") {
        // Pair by pair, each as it was sent unless scrubbing changes its value: a form's own
        // encoding (ISO-8859-1, `%20` or `+`) is kept.
        let pairs: Vec<String> = text
            .split('&')
            .map(|pair| {
                let (raw_name, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
                let name = crate::params::decode(raw_name.as_bytes());
                let value = crate::params::decode(raw_value.as_bytes());
                let scrubbed = scrub_pair(redactor, &name, &value, context);
                if scrubbed == value {
                    pair.to_string()
                } else {
                    let encoded: String =
                        form_urlencoded::byte_serialize(scrubbed.as_bytes()).collect();
                    format!("{raw_name}={encoded}")
                }
            })
            .collect();
        return Some(pairs.join("&").into_bytes());
    }
    Some(redactor.scrub_text(text, context).into_bytes())
}

/// The HAR's own fields that say how an exchange was made, never what it carried: written as
/// they were (a person named Post leaves every `"method": "POST"`), as is the `name` of a
/// header, cookie or parameter.
const HAR_STRUCTURE: &[&str] = &[
    "method",
    "httpVersion",
    "mimeType",
    "encoding",
    "startedDateTime",
    "pageref",
    "_resourceType",
];

/// A structure field with the credentials in it replaced, and nothing else: no personal value
/// rewrites a method or a header's name, and no credential stays in one (a hostile HAR may put
/// one there).
fn scrub_credentials(redactor: &mut Redactor, text: &str) -> String {
    let credentials = redactor
        .scrub_plan(text, Context::default())
        .into_iter()
        .filter(|(_, with, _)| with == REDACTED)
        .map(|(range, with, _)| (range, with))
        .collect();
    redact::text::splice(text, credentials)
}

/// Every string in `value` scrubbed as text, but the HAR's structure ([`HAR_STRUCTURE`]), of
/// which only credentials are.
fn scrub_strings(redactor: &mut Redactor, value: &mut Value) {
    match value {
        Value::String(text) => {
            let scrubbed = redactor.scrub_text(text, Context::default());
            if scrubbed != *text {
                *text = scrubbed;
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| scrub_strings(redactor, item)),
        Value::Object(map) => {
            let pair = map.contains_key("name") && map.contains_key("value");
            for (key, item) in map.iter_mut() {
                match item {
                    Value::String(text)
                        if HAR_STRUCTURE.contains(&key.as_str()) || (pair && key == "name") =>
                    {
                        *text = scrub_credentials(redactor, text);
                    }
                    _ => scrub_strings(redactor, item),
                }
            }
        }
        _ => {}
    }
}
