//! What the proxy answers its client: the upstream's answer, unchanged but for hop-by-hop
//! headers and the upstream's origin made the proxy's (so a client following a `jobUrl` or a
//! redirect keeps talking through the proxy, and is recorded); an answer too large to record,
//! streamed through; the 101 of a protocol switch; and the proxy's own errors, in ArcGIS's shape
//! with a real HTTP status.

use bytes::Bytes;
use http_body_util::{Either, Full};
use hyper::header::{
    CONNECTION, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue, LOCATION, UPGRADE,
};
use hyper::{Response, StatusCode};

use super::upstream::Answer;
use super::upstream::headers::is_hop_by_hop;
use super::upstream::pass_through::PassThrough;
use super::{ClientBody, Recorder};
use crate::api::format::{Format, error_body};
use crate::fixture::origin::replace_origin;

impl Recorder {
    /// The upstream's answer for the client, unchanged but for hop-by-hop headers and, where it
    /// names the upstream's origin, that origin replaced by the proxy's, so a client following a
    /// `jobUrl` or a redirect keeps talking through the proxy (and is recorded).
    pub(super) fn answer_client(
        &self,
        client_host: Option<String>,
        answer: &Answer,
        decoded: Option<Bytes>,
    ) -> Response<ClientBody> {
        let proxy_origin = format!(
            "{}://{}",
            self.scheme,
            client_host.unwrap_or_else(|| self.listen_addr.to_string())
        );
        self.answer_for(&proxy_origin, answer, decoded)
    }

    /// The upstream's answer for a client that reached the proxy at `proxy_origin` (see
    /// [`Recorder::answer_client`]).
    pub(super) fn answer_for(
        &self,
        proxy_origin: &str,
        answer: &Answer,
        decoded: Option<Bytes>,
    ) -> Response<ClientBody> {
        let rewritten = decoded.and_then(|decoded| {
            let text = std::str::from_utf8(&decoded).ok()?;
            self.upstream_origins
                .iter()
                .any(|origin| text.contains(origin.as_str()))
                .then(|| Bytes::from(self.to_proxy(text, proxy_origin)))
        });

        let mut response = Response::new(Either::Left(Full::new(
            rewritten.clone().unwrap_or_else(|| answer.body.clone()),
        )));
        *response.status_mut() = answer.status;
        let headers = response.headers_mut();
        for (name, value) in &answer.headers {
            if is_hop_by_hop(name, &answer.headers) || *name == CONTENT_LENGTH {
                continue;
            }
            if rewritten.is_some() && *name == CONTENT_ENCODING {
                continue;
            }
            if *name == LOCATION
                && let Ok(location) = value.to_str()
                && let Ok(value) = HeaderValue::from_str(&self.to_proxy(location, proxy_origin))
            {
                headers.append(name.clone(), value);
                continue;
            }
            headers.append(name.clone(), value.clone());
        }
        response
    }

    fn to_proxy(&self, text: &str, proxy_origin: &str) -> String {
        self.upstream_origins
            .iter()
            .fold(text.to_string(), |text, origin| {
                replace_origin(&text, origin, proxy_origin)
            })
    }
}

/// The answer for the client of an answer too large to record: the upstream's status and
/// headers (but hop-by-hop ones), and its body as it streams in.
pub(super) fn passed_through(
    status: StatusCode,
    headers: &hyper::HeaderMap,
    body: PassThrough,
) -> Response<ClientBody> {
    let mut response = Response::new(Either::Right(body));
    *response.status_mut() = status;
    for (name, value) in headers {
        if !is_hop_by_hop(name, headers) {
            response.headers_mut().append(name.clone(), value.clone());
        }
    }
    response
}

/// The 101 for the client: the upstream's headers (`Sec-WebSocket-Accept` …) but for
/// hop-by-hop ones, and the `Connection: upgrade` and `Upgrade` that switch this hop too.
pub(super) fn switched(
    headers: &hyper::HeaderMap,
    asked: Option<&HeaderValue>,
) -> Response<ClientBody> {
    let mut response = Response::new(Either::Left(Full::new(Bytes::new())));
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let answer = response.headers_mut();
    for (name, value) in headers {
        if !is_hop_by_hop(name, headers) && *name != CONTENT_LENGTH {
            answer.append(name.clone(), value.clone());
        }
    }
    answer.insert(CONNECTION, HeaderValue::from_static("upgrade"));
    if let Some(protocol) = headers.get(UPGRADE).or(asked) {
        answer.insert(UPGRADE, protocol.clone());
    }
    response
}

/// The answer to a request for jobmock's own control API sent to the proxy: it is replay's,
/// so nothing is forwarded (the real server has no such path) and nothing is recorded.
pub(super) fn control_refused(path: &str) -> Response<ClientBody> {
    let shown: String = path.chars().take(100).collect();
    arcgis_error(
        StatusCode::NOT_FOUND,
        404,
        &format!(
            "{shown} is jobmock replay's control API; `jobmock record` has none, and neither forwards nor records it (send it to a replay server)"
        ),
    )
}

/// An ArcGIS-style error from the proxy itself, with a real HTTP status: the client must see
/// that the answer did not come from the server.
pub(super) fn arcgis_error(status: StatusCode, code: u16, message: &str) -> Response<ClientBody> {
    let mut response = Response::new(Either::Left(Full::new(error_body(
        Format::Json,
        code,
        message,
    ))));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}
