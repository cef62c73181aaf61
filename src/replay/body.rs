//! The body of replay's answers: whole, or cut short on purpose (a scripted `truncate` fault);
//! and the mark that asks the server to close the connection with no answer at all (`close`).

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
    full_len: u64,
}

impl Truncated {
    pub fn new(whole: &Bytes, keep: usize) -> Body {
        Either::Right(Truncated {
            sent: Some(whole.slice(..keep.min(whole.len()))),
            full_len: whole.len() as u64,
        })
    }
}

impl hyper::body::Body for Truncated {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        Poll::Ready(Some(match self.sent.take() {
            Some(bytes) => Ok(Frame::data(bytes)),
            None => Err(std::io::Error::other(
                "answer truncated by the job's script",
            )),
        }))
    }

    fn is_end_stream(&self) -> bool {
        false
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.full_len)
    }
}

/// Put in a response's extensions: the server closes the connection instead of answering.
#[derive(Debug, Clone, Copy)]
pub struct CloseConnection;

/// The error that makes hyper close a connection with no answer.
#[derive(Debug)]
pub struct Closed;

impl std::fmt::Display for Closed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection closed by the job's script")
    }
}

impl std::error::Error for Closed {}
