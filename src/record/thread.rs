//! The recording thread: the one thread that learns, scrubs and writes, so that no request
//! waits on a disk. It takes what the proxy queued (`super::queue`) every few milliseconds and
//! hands each exchange to the [`Writer`], in the order the answers arrived; every little while it
//! has the writer settle (scrub again, write hold counts). Its panics print only where they
//! happened: it works on unscrubbed text.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::queue::Queue;
use crate::error::{Error, Result};
use crate::fixture::writer::{Finished, Writer};
use crate::output::note;

/// How long the recording thread waits for exchanges before it looks again.
const TAKE_INTERVAL: Duration = Duration::from_millis(5);

/// How often hold counts are written and files written before a value was learned are
/// scrubbed again: a kill loses at most this much of a count, never a step; and a client that
/// sends a new token with every request does not have every file read again each time.
const FLUSH_INTERVAL: Duration = Duration::from_millis(200);

/// Starts the recording thread, which feeds `writer` from `queue` until the queue is finished.
pub(super) fn spawn(writer: Writer, queue: Arc<Queue>) -> Result<JoinHandle<Finished>> {
    quiet_panics_in_the_recording_thread();
    std::thread::Builder::new()
        .name(RECORDING_THREAD.into())
        .spawn(move || run(writer, &queue))
        .map_err(|source| Error::Runtime { source })
}

/// Takes exchanges from `queue` until the proxy has stopped and the queue is empty, then
/// writes what is pending; returns the folders written, for the closing scan.
fn run(mut writer: Writer, queue: &Queue) -> Finished {
    let mut flushed = Instant::now();
    loop {
        let (exchanges, finished, numbered) = queue.take(TAKE_INTERVAL);
        let done = finished && exchanges.is_empty();
        let took = !exchanges.is_empty();
        for exchange in exchanges {
            writer.record(exchange);
        }
        if done {
            break;
        }
        let waited = queue.is_waited();
        if waited || flushed.elapsed() >= FLUSH_INTERVAL {
            writer.settle();
            flushed = Instant::now();
        }
        if took || waited {
            queue.note_written(numbered);
        }
    }
    let finished = writer.finish();
    queue.note_written(u64::MAX);
    finished
}

/// The name of the recording thread.
const RECORDING_THREAD: &str = "jobmock-record";

/// A panic's message may quote the text it was working on, and the recording thread works on
/// unscrubbed text: its panics print only where they happened. Other threads' panics print as
/// they would have.
fn quiet_panics_in_the_recording_thread() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() == Some(RECORDING_THREAD) {
                let place = info
                    .location()
                    .map(|at| format!(" at {}:{}", at.file(), at.line()))
                    .unwrap_or_default();
                note!(
                    "jobmock: internal error in the recording thread{place} (what it was about \
                     is not printed: it may hold a credential); please report it"
                );
            } else {
                default(info);
            }
        }));
    });
}
