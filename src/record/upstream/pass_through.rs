//! An answer too large to record, passed to the client as it streams in from the upstream:
//! never held whole, and cut short (as by the upstream itself) when the upstream goes quiet.

use std::time::Duration;

use bytes::Bytes;

/// The body of a large answer: what was read before it turned out large, then the rest as it
/// comes from the upstream. An upstream that sends nothing for the timeout ends it with an error
/// (the client sees the answer cut short, as from the upstream itself).
pub struct PassThrough {
    pub(super) read: std::collections::VecDeque<Bytes>,
    pub(super) rest: hyper::body::Incoming,
    pub(super) idle: Duration,
    pub(super) deadline: std::pin::Pin<Box<tokio::time::Sleep>>,
}

impl hyper::body::Body for PassThrough {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
        use std::task::Poll;
        if let Some(chunk) = self.read.pop_front() {
            return Poll::Ready(Some(Ok(hyper::body::Frame::data(chunk))));
        }
        match std::pin::Pin::new(&mut self.rest).poll_frame(cx) {
            Poll::Ready(frame) => {
                let idle = self.idle;
                self.deadline
                    .as_mut()
                    .reset(tokio::time::Instant::now() + idle);
                Poll::Ready(frame.map(|frame| frame.map_err(Into::into)))
            }
            Poll::Pending => match self.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(format!(
                    "the upstream sent nothing for {} s",
                    self.idle.as_secs()
                )
                .into()))),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}
