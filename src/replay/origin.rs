//! The recorded server's origin in a step (`{{origin}}`, [`ORIGIN_PLACEHOLDER`]) filled with the
//! one this client reached the mock at, session prefix and all: in bodies (a `jobUrl`) and in
//! headers (a redirect's `Location`), so that a client following them comes back to the mock,
//! in its session.

use bytes::Bytes;
use hyper::header::HeaderValue;

use super::reply::Kind;
use super::request::Call;
use super::state::Replay;
use crate::fixture::{ORIGIN_PLACEHOLDER, Step};

impl Replay {
    /// A step's answer: its status and headers over `body` in `content_type` (unless the step's
    /// headers give their own); a recorded header that names the server (a redirect's
    /// `Location`) names this one.
    pub(super) fn step_kind(
        &self,
        call: &Call,
        step: &Step,
        body: Bytes,
        content_type: &'static str,
    ) -> Kind {
        let headers = step
            .headers
            .iter()
            .map(|(name, value)| {
                let filled = value
                    .to_str()
                    .ok()
                    .filter(|text| text.contains(ORIGIN_PLACEHOLDER))
                    .and_then(|text| {
                        HeaderValue::from_str(&text.replace(ORIGIN_PLACEHOLDER, &self.origin(call)))
                            .ok()
                    });
                (name.clone(), filled.unwrap_or_else(|| value.clone()))
            })
            .collect();
        Kind::Body {
            status: step.http_status,
            content_type,
            headers,
            body,
        }
    }

    /// The origin this client reached the mock at (`http://127.0.0.1:8080`), with the session
    /// prefix it sent (`…/__session/<name>`), so that URLs built on it keep the client in its
    /// session.
    pub(super) fn origin(&self, call: &Call) -> String {
        format!(
            "{}://{}{}",
            self.options.scheme,
            call.host().as_deref().unwrap_or("localhost"),
            call.session_prefix()
        )
    }

    /// `body` with the recorded origin replaced by the one this client reached the mock at.
    pub(super) fn fill_origin(&self, call: &Call, body: &[u8]) -> Bytes {
        let text = String::from_utf8_lossy(body);
        Bytes::from(text.replace(ORIGIN_PLACEHOLDER, &self.origin(call)))
    }
}
