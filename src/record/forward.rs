//! One request forwarded for a server that replays and records (`jobmock replay --upstream`):
//! sent to the upstream, answered whole, and queued for the recording thread as the proxy's
//! own requests are. The caller may wait for it to be written ([`Recorder::written`]) before
//! it serves the set again, so that what was recorded is served from then on.

use bytes::Bytes;
use hyper::header::{CONNECTION, UPGRADE};
use hyper::{HeaderMap, Method, StatusCode};

use super::Recorder;
use super::upstream::{self, decode::decoded_body};
use crate::fixture::writer::input::{Exchange, Outcome};

/// A request to forward, as the replay server read it.
pub struct Forward {
    pub method: Method,
    /// The path and query for the upstream (without a jobmock session prefix).
    pub target: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// Where the client reached the server, for URLs in the answer: `https://host:port`, and a
    /// session prefix (`/__session/<name>`) when the client used one.
    pub client_origin: String,
}

/// The upstream's answer, made the client's: whole, with the upstream's origin replaced by the
/// client's; and the number the recording thread gives the exchange.
pub struct Forwarded {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub number: u64,
}

impl Recorder {
    /// Forwards `request` and queues its exchange for recording; `Err` is the sentence that
    /// says why the upstream gave no whole answer (it is recorded as a failure too, and so
    /// said in the summary).
    pub async fn forward(&self, request: Forward) -> Result<Forwarded, String> {
        let Forward {
            method,
            target,
            mut headers,
            body,
            client_origin,
        } = request;
        // The replay server read the request whole: a protocol switch cannot be passed on.
        headers.remove(UPGRADE);
        headers.remove(CONNECTION);
        // jobmock's own headers are for this server: the control token is a secret of ours.
        headers.remove(&crate::api::SESSION_HEADER);
        headers.remove(&crate::api::CONTROL_TOKEN_HEADER);
        let sent = self
            .upstream
            .send(
                &method,
                &target,
                &headers,
                body.clone(),
                self.max_record_bytes,
            )
            .await;
        let exchange = |outcome| Exchange {
            method,
            target,
            headers,
            body,
            outcome,
            at: std::time::Instant::now(),
        };
        let answer = match sent {
            Ok(upstream::Sent::Whole(answer)) => answer,
            Ok(upstream::Sent::Large { .. }) => {
                let limit = self.max_record_bytes;
                self.queue.push(exchange(Outcome::TooLarge { limit })).await;
                return Err(format!(
                    "upstream {}: the answer is larger than {limit} bytes, the most a server \
                     that replays and records holds (--max-record-bytes); not recorded",
                    self.upstream.origin()
                ));
            }
            Ok(upstream::Sent::Switched { .. }) => {
                // Not reached: the upgrade headers were removed above.
                return Err(format!(
                    "upstream {}: switched protocols unasked",
                    self.upstream.origin()
                ));
            }
            Err(cause) => {
                let message = format!("upstream {}: {cause}", self.upstream.origin());
                self.queue
                    .push(exchange(Outcome::Failed(message.clone())))
                    .await;
                return Err(message);
            }
        };
        let decoded = decoded_body(&answer, self.max_record_bytes);
        let (parts, client_body) = self
            .answer_for(&client_origin, &answer, decoded.clone())
            .into_parts();
        let body = match client_body {
            http_body_util::Either::Left(full) => {
                use http_body_util::BodyExt;
                // A whole body: collecting it cannot fail or wait.
                full.collect()
                    .await
                    .map(|collected| collected.to_bytes())
                    .unwrap_or_default()
            }
            http_body_util::Either::Right(_) => answer.body.clone(),
        };
        let outcome = match decoded {
            Some(decoded) => Outcome::Answered {
                status: answer.status,
                headers: answer.headers,
                body: decoded,
            },
            None => Outcome::NotDecoded,
        };
        let number = self.queue.push(exchange(outcome)).await;
        Ok(Forwarded {
            status: parts.status,
            headers: parts.headers,
            body,
            number,
        })
    }

    /// Waits until the exchange numbered `number` ([`Forwarded::number`]) is written.
    pub async fn written(&self, number: u64) {
        self.queue.written(number).await;
    }
}
