//! A request as the replay service sees it: method, path, parameters from the query string and a
//! form body, and the session it belongs to.

use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::CONTENT_TYPE;
use hyper::{Method, Request};

use super::journal::Entry;
use super::now_ms;
use crate::job::DEFAULT_SESSION;
use crate::redact::redact_query;

/// The header that gives a request its own cursors.
pub const SESSION_HEADER: &str = "x-jobmock-session";

/// The largest form body read. Job requests carry a few short parameters; a larger body is a
/// mistake or an attack, not a parameter list.
const MAX_FORM_BODY: usize = 1024 * 1024;

pub struct Call {
    pub method: Method,
    pub path: String,
    pub query: Option<String>,
    /// Query parameters, then form parameters, decoded, in the order sent.
    pub params: Vec<(String, String)>,
    pub session: String,
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
        let mut params: Vec<(String, String)> = query
            .as_deref()
            .map(|query| {
                form_urlencoded::parse(query.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();

        let is_form = parts
            .headers
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| {
                value.split(';').next().is_some_and(|mime| {
                    mime.trim()
                        .eq_ignore_ascii_case("application/x-www-form-urlencoded")
                })
            });
        if parts.method == Method::POST && is_form {
            let collected = Limited::new(body, MAX_FORM_BODY)
                .collect()
                .await
                .map_err(|err| Refusal {
                    code: 413,
                    message: format!(
                        "the form body could not be read ({err}); it may hold at most {MAX_FORM_BODY} bytes"
                    ),
                })?;
            params.extend(form_urlencoded::parse(&collected.to_bytes()).into_owned());
        }

        Ok(Call {
            method: parts.method,
            path: parts.uri.path().to_string(),
            query,
            params,
            session,
        })
    }

    /// The last value given for `name` (a form value wins over the query's, as it comes later).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
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
            step: step.map(str::to_string),
            status,
            error_code,
        }
    }
}
