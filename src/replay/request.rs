//! A request as the replay service sees it: method, path, parameters from the query string and a
//! form body, and the session it belongs to.

use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::{Method, Request};

use super::journal::Entry;
use super::now_ms;
use crate::job::DEFAULT_SESSION;
use crate::params::{self, MAX_FORM_BODY};
use crate::redact::redact_query;

/// The header that gives a request its own cursors.
pub const SESSION_HEADER: &str = "x-jobmock-session";

pub struct Call {
    pub method: Method,
    pub path: String,
    pub query: Option<String>,
    /// Query parameters, then form parameters, decoded, in the order sent.
    pub params: Vec<(String, String)>,
    pub session: String,
    /// The token the request carries (`token` parameter, `X-Esri-Authorization` or
    /// `Authorization: Bearer`), for `--require-token`. Never logged or journaled.
    pub token: Option<String>,
    /// The `Host` header, when it is a plain host name or address with an optional port; it
    /// becomes part of URLs in answers, so anything else is left out.
    pub host: Option<String>,
}

/// Why a request could not be read; answered as an ArcGIS error with this code.
pub struct Refusal {
    pub code: u16,
    pub message: String,
}

impl Call {
    pub async fn read(request: Request<Incoming>) -> Result<Call, Refusal> {
        let (parts, body) = request.into_parts();
        let session = match parts.headers.get(SESSION_HEADER) {
            None => DEFAULT_SESSION.to_string(),
            Some(value) => match value.to_str() {
                Ok(name) if !name.trim().is_empty() => name.trim().to_string(),
                Ok(_) => DEFAULT_SESSION.to_string(),
                Err(_) => {
                    return Err(Refusal {
                        code: 400,
                        message: "the X-Jobmock-Session header must be visible ASCII text"
                            .to_string(),
                    });
                }
            },
        };
        let query = parts.uri.query().map(str::to_string);
        let mut params = params::from_query(query.as_deref());
        if parts.method == Method::POST && params::is_form(&parts.headers) {
            let collected = Limited::new(body, MAX_FORM_BODY)
                .collect()
                .await
                .map_err(|err| Refusal {
                    code: 413,
                    message: format!(
                        "the form body could not be read ({err}); it may hold at most {MAX_FORM_BODY} bytes"
                    ),
                })?;
            params.extend(params::from_form(&collected.to_bytes()));
        }

        let host = params::plain_host(&parts.headers);
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
            host,
            method: parts.method,
            path: parts.uri.path().to_string(),
            query,
            params,
            session,
        })
    }

    /// The last value given for `name` (a form value wins over the query's, as it comes later).
    pub fn param(&self, name: &str) -> Option<&str> {
        params::last(&self.params, name)
    }

    pub fn journal_entry(
        &self,
        job: Option<&str>,
        step: Option<&str>,
        status: u16,
        error_code: Option<u16>,
    ) -> Entry {
        Entry {
            time_ms: now_ms(),
            method: self.method.to_string(),
            path: self.path.clone(),
            query: self.query.as_deref().map(redact_query),
            session: self.session.clone(),
            job: job.map(str::to_string),
            exchange: None,
            step: step.map(str::to_string),
            status,
            error_code,
        }
    }
}
