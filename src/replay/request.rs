//! A request as the replay service sees it: method, path, parameters from the query string and a
//! form body, and the session it belongs to.

use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use std::sync::{Arc, OnceLock};

use hyper::header::{HOST, HeaderValue};
use hyper::{HeaderMap, Method, Request, Uri};

use crate::job::DEFAULT_SESSION;
use crate::params;
use crate::redact::redact_query;

/// The session of requests without `X-Jobmock-Session`, shared rather than made per request.
fn default_session() -> Arc<str> {
    static DEFAULT: OnceLock<Arc<str>> = OnceLock::new();
    Arc::clone(DEFAULT.get_or_init(|| Arc::from(DEFAULT_SESSION)))
}

/// The header that carries `--control-token` (or the query parameter `controlToken`).
pub const CONTROL_TOKEN_HEADER: &str = "x-jobmock-control-token";

/// The header that gives a request its own cursors.
pub const SESSION_HEADER: &str = "x-jobmock-session";

/// The longest session name: names are kept per session, so their length is bounded as their
/// number is.
pub const MAX_SESSION_NAME: usize = 256;

pub struct Call {
    pub method: Method,
    pub uri: Uri,
    /// Query parameters, then form parameters, decoded, in the order sent.
    pub params: Vec<(String, String)>,
    pub session: Arc<str>,
    /// The token the request carries (`token` parameter, `X-Esri-Authorization` or
    /// `Authorization: Bearer`), for `--require-token`. Never logged or journaled.
    pub token: Option<String>,
    /// The `Host` header as sent; see [`Call::host`].
    host_header: Option<HeaderValue>,
    /// The `X-Jobmock-Control-Token` header, for `--control-token`. Never logged or journaled.
    pub control_token: Option<String>,
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
    ) -> Result<Call, Refusal> {
        let (parts, body) = request.into_parts();
        let session = match parts.headers.get(SESSION_HEADER) {
            None => default_session(),
            Some(value) => match value.to_str() {
                Ok(name) if name.trim().len() > MAX_SESSION_NAME => {
                    return Err(Refusal {
                        status: hyper::StatusCode::BAD_REQUEST,
                        code: 400,
                        message: format!(
                            "the X-Jobmock-Session header may hold at most {MAX_SESSION_NAME} characters"
                        ),
                    });
                }
                Ok(name) if !name.trim().is_empty() => Arc::from(name.trim()),
                Ok(_) => default_session(),
                Err(_) => {
                    return Err(Refusal {
                        status: hyper::StatusCode::BAD_REQUEST,
                        code: 400,
                        message: "the X-Jobmock-Session header must be visible ASCII text"
                            .to_string(),
                    });
                }
            },
        };
        let too_large = |what: String| Refusal {
            status: hyper::StatusCode::PAYLOAD_TOO_LARGE,
            code: 413,
            message: format!(
                "{what}; a request body may hold at most {max_body} bytes (replay --max-body-bytes)"
            ),
        };
        let announced = parts
            .headers
            .get(hyper::header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<u64>().ok());
        if let Some(length) = announced
            && length > max_body as u64
        {
            return Err(too_large(format!("the body is {length} bytes")));
        }
        let mut params = params::from_query(parts.uri.query());
        if parts.method == Method::POST && params::is_form(&parts.headers) {
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
            params.extend(params::from_form(&collected.to_bytes()));
        }

        let host_header = parts.headers.get(HOST).cloned();
        let control_token = parts
            .headers
            .get(CONTROL_TOKEN_HEADER)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string);
        let bearer = |name: &str| {
            parts
                .headers
                .get(name)
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
            .or_else(|| bearer("x-esri-authorization"))
            .or_else(|| bearer("authorization"));
        Ok(Call {
            token,
            host_header,
            control_token,
            method: parts.method,
            uri: parts.uri,
            params,
            session,
        })
    }

    /// The last value given for `name` (a form value wins over the query's, as it comes later).
    pub fn param(&self, name: &str) -> Option<&str> {
        params::last(&self.params, name)
    }

    pub fn path(&self) -> &str {
        self.uri.path()
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
        let Some(path_and_query) = self.uri.path_and_query() else {
            return std::borrow::Cow::Borrowed("/");
        };
        match path_and_query.query().map(redact_query) {
            Some(std::borrow::Cow::Owned(redacted)) => {
                std::borrow::Cow::Owned(format!("{}?{redacted}", path_and_query.path()))
            }
            _ => std::borrow::Cow::Borrowed(path_and_query.as_str()),
        }
    }
}
