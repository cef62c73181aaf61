//! A request as the replay service sees it: method, path, parameters from the query string and a
//! form body, and the session it belongs to.

use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use std::sync::Arc;

use hyper::header::{AUTHORIZATION, CONTENT_LENGTH, HOST, HeaderValue};
use hyper::{HeaderMap, Method, Request, Uri};

use crate::api::ESRI_AUTHORIZATION;
use crate::job::DEFAULT_SESSION;
use crate::params;

/// A request's session, by name. The default session is no shared string: most requests are
/// in it, and a reference count that every request writes is a cache line the cores hand back
/// and forth (it was the hottest instruction of a poll on two cores).
#[derive(Debug, Clone)]
pub enum SessionName {
    /// [`DEFAULT_SESSION`].
    Default,
    Named(Arc<str>),
}

impl std::ops::Deref for SessionName {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            SessionName::Default => DEFAULT_SESSION,
            SessionName::Named(name) => name,
        }
    }
}

/// Sessions are the same by name: `X-Jobmock-Session: default` is the default session.
impl PartialEq for SessionName {
    fn eq(&self, other: &SessionName) -> bool {
        **self == **other
    }
}

impl Eq for SessionName {}

impl From<&str> for SessionName {
    fn from(name: &str) -> SessionName {
        if name == DEFAULT_SESSION {
            SessionName::Default
        } else {
            SessionName::Named(Arc::from(name))
        }
    }
}

impl std::fmt::Display for SessionName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self)
    }
}

/// The header that carries `--control-token` (or the query parameter `controlToken`).
pub use crate::api::CONTROL_TOKEN_HEADER;

pub use crate::api::SESSION_HEADER;

/// The longest session name: names are kept per session, so their length is bounded as their
/// number is.
pub const MAX_SESSION_NAME: usize = 256;

/// The path prefix that puts a request into a session: `/__session/<name>/<path>` is served as
/// `/<path>` in session `<name>`. Unlike the header, a client needs no code to send it: it is
/// part of the URL it is given, from its first request on.
pub const SESSION_PREFIX: &str = "/__session/";

pub struct Call {
    pub method: Method,
    /// The URI as sent, session prefix and all; [`Call::path`] is the path without the prefix.
    pub uri: Uri,
    /// Where the path starts in `uri`'s path: after a session prefix, if any.
    path_start: usize,
    /// Query parameters, then form parameters, decoded, in the order sent.
    pub params: Vec<(String, String)>,
    /// How many of `params` came from the query (the rest came from a form body).
    query_params: usize,
    pub session: SessionName,
    /// How the session was chosen.
    pub session_from: SessionFrom,
    /// The token the request carries (`token` parameter, `X-Esri-Authorization` or
    /// `Authorization: Bearer`), for `--require-token`. Never logged or journaled.
    pub token: Option<String>,
    /// The `Host` header as sent; see [`Call::host`].
    host_header: Option<HeaderValue>,
    /// The `X-Jobmock-Control-Token` header, for `--control-token`. Never logged or journaled.
    pub control_token: Option<String>,
    /// The headers and body as sent, kept only by a server that forwards (`--upstream`).
    pub raw: Option<Raw>,
}

/// The headers [`Call::read`] reads, each the first of its name, found in one pass over the
/// headers sent (a client sends a handful) rather than by a hashed lookup per name asked for.
#[derive(Default)]
struct Heads<'a> {
    session: Option<&'a HeaderValue>,
    content_length: Option<&'a HeaderValue>,
    host: Option<&'a HeaderValue>,
    control_token: Option<&'a HeaderValue>,
    esri_authorization: Option<&'a HeaderValue>,
    authorization: Option<&'a HeaderValue>,
}

impl<'a> Heads<'a> {
    fn of(headers: &'a HeaderMap) -> Heads<'a> {
        let mut heads = Heads::default();
        for (name, value) in headers {
            let slot = if name == SESSION_HEADER {
                &mut heads.session
            } else if name == CONTENT_LENGTH {
                &mut heads.content_length
            } else if name == HOST {
                &mut heads.host
            } else if name == CONTROL_TOKEN_HEADER {
                &mut heads.control_token
            } else if name == ESRI_AUTHORIZATION {
                &mut heads.esri_authorization
            } else if name == AUTHORIZATION {
                &mut heads.authorization
            } else {
                continue;
            };
            slot.get_or_insert(value);
        }
        heads
    }
}

/// A request's headers and body as sent, for forwarding.
pub struct Raw {
    pub headers: HeaderMap,
    pub body: bytes::Bytes,
}

/// How a request's session was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionFrom {
    /// Neither a prefix nor a header: the session `default`.
    Default,
    /// The `X-Jobmock-Session` header.
    Header,
    /// The path prefix `/__session/<name>/`, which URLs in answers keep.
    Prefix,
}

/// Why a request could not be read; answered with this HTTP status and an ArcGIS error body
/// with this code.
pub struct Refusal {
    pub status: hyper::StatusCode,
    pub code: u16,
    pub message: String,
}

impl Call {
    /// Reads a request's parts, and a form body of at most `max_body` bytes, sent within
    /// `body_timeout`, for its parameters. A larger body, announced or sent, is refused with 413;
    /// a slower one with 408.
    pub async fn read(
        request: Request<Incoming>,
        max_body: usize,
        body_timeout: std::time::Duration,
        keep_raw: bool,
    ) -> Result<Call, Refusal> {
        let (parts, body) = request.into_parts();
        let bad_request = |message: String| Refusal {
            status: hyper::StatusCode::BAD_REQUEST,
            code: 400,
            message,
        };
        let heads = Heads::of(&parts.headers);
        let (mut session, mut session_from) = match heads.session {
            None => (SessionName::Default, SessionFrom::Default),
            Some(value) => match value.to_str() {
                Ok(name) if name.trim().len() > MAX_SESSION_NAME => {
                    return Err(bad_request(format!(
                        "the X-Jobmock-Session header may hold at most {MAX_SESSION_NAME} characters"
                    )));
                }
                Ok(name) if !name.trim().is_empty() => (
                    SessionName::Named(Arc::from(name.trim())),
                    SessionFrom::Header,
                ),
                Ok(_) => (SessionName::Default, SessionFrom::Default),
                Err(_) => {
                    return Err(bad_request(
                        "the X-Jobmock-Session header must be visible ASCII text".to_string(),
                    ));
                }
            },
        };
        let mut path_start = 0;
        if let Some((name, start)) = parse_session_prefix(parts.uri.path()) {
            // The prefix is in every URL the client was given, the header only where its code
            // sets it: the prefix wins.
            session = SessionName::Named(Arc::from(name.map_err(bad_request)?));
            session_from = SessionFrom::Prefix;
            path_start = start;
        }
        let too_large = |what: String| Refusal {
            status: hyper::StatusCode::PAYLOAD_TOO_LARGE,
            code: 413,
            message: format!(
                "{what}; a request body may hold at most {max_body} bytes (replay --max-body-bytes)"
            ),
        };
        let announced = heads
            .content_length
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<u64>().ok());
        if let Some(length) = announced
            && length > max_body as u64
        {
            return Err(too_large(format!("the body is {length} bytes")));
        }
        let mut params = params::from_query(parts.uri.query());
        let query_params = params.len();
        let is_form = parts.method == Method::POST && params::is_form(&parts.headers);
        let mut raw_body = bytes::Bytes::new();
        if is_form || keep_raw {
            let reading = Limited::new(body, max_body).collect();
            let collected = tokio::time::timeout(body_timeout, reading)
                .await
                .map_err(|_| Refusal {
                    status: hyper::StatusCode::REQUEST_TIMEOUT,
                    code: 408,
                    message: format!(
                        "the form body was not sent within {} s (replay --header-timeout)",
                        body_timeout.as_secs()
                    ),
                })?
                .map_err(|err| too_large(format!("the form body could not be read ({err})")))?;
            raw_body = collected.to_bytes();
            if is_form {
                params.extend(params::from_form(&raw_body));
            }
        }

        let host_header = heads.host.cloned();
        let control_token = heads
            .control_token
            .and_then(|value| value.to_str().ok())
            .map(str::to_string);
        let bearer = |value: Option<&HeaderValue>| {
            value
                .and_then(|value| value.to_str().ok())
                .and_then(|value| {
                    value
                        .strip_prefix("Bearer ")
                        .or_else(|| value.strip_prefix("bearer "))
                })
                .map(|token| token.trim().to_string())
                .filter(|token| !token.is_empty())
        };
        let token = params::last(&params, "token")
            .filter(|token| !token.is_empty())
            .map(str::to_string)
            .or_else(|| bearer(heads.esri_authorization))
            .or_else(|| bearer(heads.authorization));
        let raw = keep_raw.then(|| Raw {
            headers: parts.headers,
            body: raw_body,
        });
        Ok(Call {
            raw,
            token,
            path_start,
            session_from,
            host_header,
            control_token,
            query_params,
            method: parts.method,
            uri: parts.uri,
            params,
            session,
        })
    }

    /// The path and query to send an upstream: as sent, without a session prefix.
    pub fn upstream_target(&self) -> &str {
        let whole = self
            .uri
            .path_and_query()
            .map_or("/", |path_and_query| path_and_query.as_str());
        &whole[self.path_start..]
    }

    /// The parameters of the form body (none when there was none).
    pub fn form_params(&self) -> &[(String, String)] {
        &self.params[self.query_params..]
    }

    /// The last value given for `name` (a form value wins over the query's, as it comes later).
    pub fn param(&self, name: &str) -> Option<&str> {
        params::last(&self.params, name)
    }

    /// The path, without a session prefix.
    pub fn path(&self) -> &str {
        &self.uri.path()[self.path_start..]
    }

    /// The session prefix as sent (`/__session/<name>`), kept in every URL an answer names
    /// the server by, so that a client following them stays in its session; empty without one.
    pub fn session_prefix(&self) -> &str {
        // Up to the slash that starts the path.
        &self.uri.path()[..self.path_start]
    }

    /// The session a control request is about: `?session=`, else the session of its path prefix
    /// (`/__session/<name>/__jobmock/…`); `None` for all sessions.
    pub fn scope(&self) -> Option<&str> {
        self.param("session")
            .or((self.session_from == SessionFrom::Prefix).then_some(&*self.session))
    }

    /// The `Host` header, when it is a plain host name or address with an optional port: it
    /// becomes part of URLs in answers, so anything else is left out.
    pub fn host(&self) -> Option<String> {
        let mut headers = HeaderMap::new();
        headers.insert(HOST, self.host_header.clone()?);
        params::plain_host(&headers)
    }

    /// The path and query, as the journal keeps them: secrets redacted (borrowed when there
    /// are none, as for most requests).
    pub fn journal_target(&self) -> std::borrow::Cow<'_, str> {
        crate::redact::redacted_target(self.upstream_target())
    }
}

/// The session a path's prefix names (`/__session/<name>/…`, the name percent-decoded), and
/// where the path after the prefix starts (at its slash); `None` without a prefix. A name that
/// is empty, too long or not text is an error.
fn parse_session_prefix(path: &str) -> Option<(Result<String, String>, usize)> {
    let rest = path.strip_prefix(SESSION_PREFIX)?;
    let (raw, _) = rest.split_once('/')?;
    let start = SESSION_PREFIX.len() + raw.len();
    // The prefix is copied as sent into URLs inside JSON and HTML answers: only characters that
    // need no escaping there pass (others can be sent percent-encoded).
    let plain = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'%');
    if let Some(bad) = raw.bytes().find(|&b| !plain(b)) {
        let message = format!(
            "the session name in /__session/<name>/ holds {:?}: use letters, digits, '-', '.', \
             '_' and '~', and percent-encode anything else",
            bad as char
        );
        return Some((Err(message), start));
    }
    let name = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| "the session name in /__session/<name>/ must be UTF-8 text".to_string())
        .and_then(|name| {
            let name = name.trim();
            if name.is_empty() {
                Err("the session name in /__session/<name>/ is empty".to_string())
            } else if name.chars().count() > MAX_SESSION_NAME {
                Err(format!(
                    "the session name in /__session/<name>/ may hold at most {MAX_SESSION_NAME} characters"
                ))
            } else if name.chars().any(char::is_control) {
                Err("the session name in /__session/<name>/ holds a control character".to_string())
            } else {
                Ok(name.to_string())
            }
        });
    Some((name, start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_prefix_names_the_session_and_leaves_the_path() {
        let (name, start) = parse_session_prefix("/__session/test%20one/portal/sharing").unwrap();
        assert_eq!(name.unwrap(), "test one");
        assert_eq!(
            &"/__session/test%20one/portal/sharing"[start..],
            "/portal/sharing"
        );
        assert_eq!(parse_session_prefix("/portal/sharing"), None);
        assert_eq!(parse_session_prefix("/__session/no-path"), None);
        assert!(parse_session_prefix("/__session//x").unwrap().0.is_err());
        assert!(parse_session_prefix("/__session/%FF/x").unwrap().0.is_err());
        assert!(
            parse_session_prefix("/__session/a%0Ab/x")
                .unwrap()
                .0
                .is_err()
        );
        assert!(
            parse_session_prefix("/__session/a\"b/x")
                .unwrap()
                .0
                .is_err()
        );
        let long = format!("/__session/{}/x", "s".repeat(MAX_SESSION_NAME + 1));
        assert!(parse_session_prefix(&long).unwrap().0.is_err());
    }

    /// The session named `default` is the default session however it came.
    #[test]
    fn sessions_are_the_same_by_name() {
        assert_eq!(SessionName::from("default"), SessionName::Default);
        assert_eq!(
            SessionName::Named(Arc::from("default")),
            SessionName::Default
        );
        assert_ne!(SessionName::from("a"), SessionName::Default);
        assert_eq!(&*SessionName::from("a"), "a");
    }

    proptest::proptest! {
        /// The one pass over the headers finds what a lookup of each name finds: the first
        /// value of that name, whatever else is sent, in any order and any case.
        #[test]
        fn heads_are_what_each_lookup_finds(
            sent in proptest::collection::vec((0usize..9, "[ -~]{0,12}"), 0..12),
        ) {
            let names = [
                "x-jobmock-session", "Content-Length", "host", "X-Jobmock-Control-Token",
                "x-esri-authorization", "Authorization", "accept", "x-other", "cookie",
            ];
            let mut headers = HeaderMap::new();
            for (name, value) in &sent {
                let name = hyper::header::HeaderName::from_bytes(names[*name].as_bytes()).unwrap();
                headers.append(name, HeaderValue::from_str(value).unwrap());
            }
            let heads = Heads::of(&headers);
            proptest::prop_assert_eq!(heads.session, headers.get(&SESSION_HEADER));
            proptest::prop_assert_eq!(heads.content_length, headers.get(CONTENT_LENGTH));
            proptest::prop_assert_eq!(heads.host, headers.get(HOST));
            proptest::prop_assert_eq!(heads.control_token, headers.get(&CONTROL_TOKEN_HEADER));
            proptest::prop_assert_eq!(heads.esri_authorization, headers.get(&ESRI_AUTHORIZATION));
            proptest::prop_assert_eq!(heads.authorization, headers.get(AUTHORIZATION));
        }
    }
}
