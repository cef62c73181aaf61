//! The exchanges the proxy hands to the recording thread (`super::thread`), in the order their
//! answers arrived. Handing one over never wakes the thread: it takes what is queued every few
//! milliseconds, so a busy proxy pays no context switch per request. The queue holds a bounded
//! amount; past it, clients wait for room rather than memory growing.
//!
//! Each exchange queued gets a number, and the thread says up to which number it has written:
//! a server that replays what it records (`replay --upstream`) waits for its exchange to be on
//! disk before it serves the set again ([`Queue::written`]).

use std::sync::{Condvar, Mutex};
use std::time::Duration;

use crate::fixture::writer::input::{Exchange, Outcome};

/// The most bytes of exchanges that wait for the recording thread: past it, clients wait for
/// room (a disk slower than the upstream makes clients wait, not memory grow).
const QUEUED_BYTES: usize = 256 * 1024 * 1024;

/// The most exchanges that wait for the recording thread.
const QUEUED_EXCHANGES: usize = 4096;

/// Exchanges waiting for the recording thread, in the order their answers arrived.
pub struct Queue {
    state: Mutex<Queued>,
    /// Wakes the recording thread early: the proxy stopped, or the queue is full.
    wake: Condvar,
    /// Wakes senders that wait for room.
    room: tokio::sync::Notify,
    /// The number of the last exchange written (settled: hold counts and late scrubs too).
    written: tokio::sync::watch::Sender<u64>,
    /// Whether someone waits for an exchange to be written: the thread then settles after each
    /// batch rather than every little while.
    waited: std::sync::atomic::AtomicBool,
}

impl Default for Queue {
    fn default() -> Queue {
        Queue {
            state: Mutex::default(),
            wake: Condvar::new(),
            room: tokio::sync::Notify::new(),
            written: tokio::sync::watch::Sender::new(0),
            waited: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

#[derive(Default)]
struct Queued {
    exchanges: Vec<Exchange>,
    bytes: usize,
    finished: bool,
    /// The number given to the last exchange queued.
    numbered: u64,
}

impl Queue {
    /// Queues `exchange`, and returns its number; waits only while the queue is full.
    pub async fn push(&self, exchange: Exchange) -> u64 {
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
                    queued.numbered += 1;
                    return queued.numbered;
                }
                self.wake.notify_one();
            }
            room.await;
        }
    }

    /// Waits until the exchange numbered `number` is written, and settled.
    pub async fn written(&self, number: u64) {
        self.waited
            .store(true, std::sync::atomic::Ordering::Relaxed);
        self.wake.notify_one();
        let mut written = self.written.subscribe();
        // Err: the thread is gone (the recording stopped); nothing more will be written.
        let _ = written.wait_for(|&done| done >= number).await;
    }

    /// Whether someone waits for what was taken to be written (see [`Queue::written`]).
    pub(super) fn is_waited(&self) -> bool {
        self.waited
            .swap(false, std::sync::atomic::Ordering::Relaxed)
    }

    /// Says that every exchange up to `number` is written.
    pub(super) fn note_written(&self, number: u64) {
        self.written.send_replace(number);
    }

    /// The proxy has stopped: the recording thread takes what is left, and ends.
    pub fn finish(&self) {
        self.lock().finished = true;
        self.wake.notify_one();
    }

    /// Everything queued, waiting up to `interval` for something when there is nothing; whether
    /// the proxy has stopped; and the number of the last exchange taken.
    pub(super) fn take(&self, interval: Duration) -> (Vec<Exchange>, bool, u64) {
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
        let numbered = queued.numbered;
        drop(queued);
        self.room.notify_waiters();
        (taken, finished, numbered)
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
