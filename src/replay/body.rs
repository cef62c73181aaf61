//! The body of replay's answers: whole, or cut short on purpose (a scripted `truncate` fault);
//! and the error that makes the server close a connection with no answer at all (`close`).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::{Either, Full};
use hyper::body::{Frame, SizeHint};

/// The body of every replay answer.
pub type Body = Either<Full<Bytes>, Truncated>;

/// A whole body.
pub fn full(bytes: impl Into<Bytes>) -> Body {
    Either::Left(Full::new(bytes.into()))
}

/// A body that announces `full_len` bytes (its Content-Length), sends `sent`, then fails, so
/// the server drops the connection mid-answer as a crashing upstream would.
pub struct Truncated {
    sent: Option<Bytes>,
    /// After the bytes are handed over, a pause so hyper writes them out before the failure
    /// tears the connection down (it would otherwise drop its unsent buffer).
    pause: Option<Pin<Box<tokio::time::Sleep>>>,
    full_len: u64,
}

/// How long a truncated answer waits between its last byte and the broken connection.
const FLUSH_PAUSE: std::time::Duration = std::time::Duration::from_millis(50);

impl Truncated {
    pub fn new(whole: &Bytes, keep: usize) -> Body {
        Either::Right(Truncated {
            sent: Some(whole.slice(..keep.min(whole.len()))),
            pause: None,
            full_len: whole.len() as u64,
        })
    }
}

impl hyper::body::Body for Truncated {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        if let Some(bytes) = self.sent.take() {
            self.pause = Some(Box::pin(tokio::time::sleep(FLUSH_PAUSE)));
            return Poll::Ready(Some(Ok(Frame::data(bytes))));
        }
        if let Some(pause) = self.pause.as_mut()
            && pause.as_mut().poll(cx).is_pending()
        {
            return Poll::Pending;
        }
        Poll::Ready(Some(Err(std::io::Error::other(
            "answer truncated by the job's script",
        ))))
    }

    fn is_end_stream(&self) -> bool {
        false
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.full_len)
    }
}

/// The error that makes hyper close a connection with no answer.
#[derive(Debug)]
pub struct Closed;

impl std::fmt::Display for Closed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection closed by the job's script")
    }
}

impl std::error::Error for Closed {}
