//! The exchanges the proxy hands to the recording thread (`super::thread`), in the order their
//! answers arrived. Handing one over never wakes the thread: it takes what is queued every few
//! milliseconds, so a busy proxy pays no context switch per request. The queue holds a bounded
//! amount; past it, clients wait for room rather than memory growing.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

use crate::fixture::writer::input::{Exchange, Outcome};

/// The most bytes of exchanges that wait for the recording thread: past it, clients wait for
/// room (a disk slower than the upstream makes clients wait, not memory grow).
const QUEUED_BYTES: usize = 256 * 1024 * 1024;

/// The most exchanges that wait for the recording thread.
const QUEUED_EXCHANGES: usize = 4096;

/// Exchanges waiting for the recording thread, in the order their answers arrived.
#[derive(Default)]
pub struct Queue {
    state: Mutex<Queued>,
    /// Wakes the recording thread early: the proxy stopped, or the queue is full.
    wake: Condvar,
    /// Wakes senders that wait for room.
    room: tokio::sync::Notify,
}

#[derive(Default)]
struct Queued {
    exchanges: Vec<Exchange>,
    bytes: usize,
    finished: bool,
}

impl Queue {
    /// Queues `exchange`; waits only while the queue is full.
    pub async fn push(&self, exchange: Exchange) {
        let size = bytes_of(&exchange);
        loop {
            // Registered before looking, so that room made meanwhile is not missed.
            let room = self.room.notified();
            {
                let mut queued = self.lock();
                let fits = queued.bytes + size <= QUEUED_BYTES
                    && queued.exchanges.len() < QUEUED_EXCHANGES;
                if fits || queued.exchanges.is_empty() {
                    queued.bytes += size;
                    queued.exchanges.push(exchange);
                    return;
                }
                self.wake.notify_one();
            }
            room.await;
        }
    }

    /// The proxy has stopped: the recording thread takes what is left, and ends.
    pub fn finish(&self) {
        self.lock().finished = true;
        self.wake.notify_one();
    }

    /// Everything queued, waiting up to `interval` for something when there is nothing; and
    /// whether the proxy has stopped.
    pub(super) fn take(&self, interval: Duration) -> (Vec<Exchange>, bool) {
        let mut queued = self.lock();
        if queued.exchanges.is_empty() && !queued.finished {
            queued = self
                .wake
                .wait_timeout(queued, interval)
                .map_or_else(|poisoned| poisoned.into_inner().0, |(queued, _)| queued);
        }
        let taken = std::mem::take(&mut queued.exchanges);
        queued.bytes = 0;
        let finished = queued.finished;
        drop(queued);
        self.room.notify_waiters();
        (taken, finished)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queued> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The bytes `exchange` holds, for the queue's budget.
fn bytes_of(exchange: &Exchange) -> usize {
    exchange.body.len()
        + match &exchange.outcome {
            Outcome::Answered { body, .. } => body.len(),
            _ => 0,
        }
}
