//! The timer hyper keeps `--header-timeout` with: one per connection, whose one tokio sleep is
//! armed again about once per timeout, not made, registered and dropped for every request.
//!
//! hyper sets a new header-read deadline before each request's head, and polls it whenever the
//! head is not there yet, which on a keep-alive connection is after every answer. On tokio's own
//! timer each deadline is an entry in the runtime's timer wheel, taken in and out under the
//! wheel's lock: about a tenth of a poll's CPU in `make bench`, to guard against clients that
//! almost never come. Here a deadline is only a time; the connection's alarm goes off no later
//! than the earliest deadline still waiting, and one that goes off early wakes the connection
//! to look again. Deadlines move forward one request after another, so the alarm is set again
//! about once per timeout per connection.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper::rt::{Sleep, Timer};

/// A connection's timer: hand one to each connection's `http1::Builder`, never one to two
/// connections (the alarm wakes the task that polled it last).
#[derive(Debug, Default, Clone)]
pub struct ConnectionTimer {
    alarm: Arc<Mutex<Alarm>>,
}

#[derive(Debug, Default)]
struct Alarm {
    /// Made on the first wait, inside the runtime.
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    /// When the alarm goes off, while it is set.
    set_for: Option<Instant>,
}

/// Now, on the clock the alarm keeps: tokio's (which a test may pause), so that a deadline and
/// the alarm for it agree on what time it is.
fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

impl Timer for ConnectionTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        self.sleep_until(now() + duration)
    }

    fn now(&self) -> Instant {
        now()
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Sleep>> {
        Box::pin(Deadline {
            at: deadline,
            alarm: Arc::clone(&self.alarm),
        })
    }
}

/// One deadline of the connection: ready once it has passed.
struct Deadline {
    at: Instant,
    alarm: Arc<Mutex<Alarm>>,
}

impl Sleep for Deadline {}

impl Future for Deadline {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if now() >= self.at {
            return Poll::Ready(());
        }
        // Only this connection's task takes the lock: it is never waited for.
        let mut alarm = self
            .alarm
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        loop {
            // An alarm set later than this deadline is brought forward to it; one set earlier
            // is left as it is (it wakes the connection, which polls this again).
            if alarm.set_for.is_none_or(|set_for| set_for > self.at) {
                let at = tokio::time::Instant::from_std(self.at);
                match &mut alarm.sleep {
                    Some(sleep) => sleep.as_mut().reset(at),
                    None => alarm.sleep = Some(Box::pin(tokio::time::sleep_until(at))),
                }
                alarm.set_for = Some(self.at);
            }
            let sleep = alarm.sleep.as_mut().expect("set above");
            match sleep.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(()) if now() >= self.at => return Poll::Ready(()),
                // It went off before this deadline: set it for this one.
                Poll::Ready(()) => alarm.set_for = None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn each_deadline_is_kept_whatever_the_alarm_was_set_for() {
        let timer = ConnectionTimer::default();
        let started = tokio::time::Instant::now();
        // A later deadline first, then an earlier one: the alarm is brought forward.
        let late = timer.sleep(Duration::from_secs(30));
        timer.sleep(Duration::from_secs(10)).await;
        assert_eq!(started.elapsed(), Duration::from_secs(10));
        // The alarm went off early for the later deadline: it is set again, not missed.
        late.await;
        assert_eq!(started.elapsed(), Duration::from_secs(30));
        // One deadline after another, as hyper sets them request after request.
        for _ in 0..3 {
            let began = tokio::time::Instant::now();
            timer.sleep(Duration::from_secs(5)).await;
            assert_eq!(began.elapsed(), Duration::from_secs(5));
        }
        // A deadline already past is ready at once.
        timer.sleep(Duration::ZERO).await;
    }
}
