//! How a job's steps advance ([`Sequence`]: one poll at a time with hold counts, or by time
//! since the first poll), and where one session stands in one job ([`Cursor`]), which only a
//! sequence moves.

use tokio::time::Instant;

/// How a job's steps advance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Advance {
    /// Each poll moves the cursor; a step may hold for several polls.
    Poll,
    /// The step served is the last one whose offset has passed since the session's first poll
    /// of the job (scaled by the replay speed).
    Time,
}

impl Advance {
    pub fn as_str(self) -> &'static str {
        match self {
            Advance::Poll => "poll",
            Advance::Time => "time",
        }
    }
}

/// The timing of a job's steps, as the fixture's script gave it.
#[derive(Debug, Clone, PartialEq)]
pub struct Sequence {
    advance: Advance,
    /// Polls each step answers before the next one (poll mode); at least 1.
    holds: Vec<u32>,
    /// Milliseconds from the first poll at which each step starts (time mode); non-decreasing.
    offsets_ms: Vec<u64>,
}

impl Sequence {
    /// A sequence over `holds.len()` steps. The fixture loader has checked the invariants:
    /// at least one step, holds of at least 1, offsets that do not go down.
    pub fn new(advance: Advance, holds: Vec<u32>, offsets_ms: Vec<u64>) -> Sequence {
        assert!(!holds.is_empty(), "a sequence has at least one step");
        assert_eq!(
            holds.len(),
            offsets_ms.len(),
            "one hold and one offset per step"
        );
        Sequence {
            advance,
            holds,
            offsets_ms,
        }
    }

    pub fn advance(&self) -> Advance {
        self.advance
    }

    /// The same steps advancing the other way (`replay --advance`).
    pub fn set_advance(&mut self, advance: Advance) {
        self.advance = advance;
    }

    pub fn len(&self) -> usize {
        self.holds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.holds.is_empty()
    }

    pub fn hold(&self, step: usize) -> u32 {
        self.holds[step]
    }

    pub fn offset_ms(&self, step: usize) -> u64 {
        self.offsets_ms[step]
    }

    fn last(&self) -> usize {
        self.holds.len() - 1
    }

    /// Answers one poll: returns the step to serve and moves the cursor past it.
    pub fn poll(&self, cursor: &mut Cursor, now: Instant, speed: f64) -> usize {
        cursor.polls += 1;
        let step = self.next_step(cursor, now, speed);
        cursor.last_served = Some(step);
        if step == self.last() {
            cursor.served_last += 1;
        }
        step
    }

    /// Whether the session has had the last step for all its polls: what comes next is the
    /// job's `then` ([`super::Then`]). In time mode the last step holds for its `polls` too.
    pub fn played_out(&self, cursor: &Cursor) -> bool {
        cursor.served_last >= self.holds[self.last()].max(1)
    }

    fn next_step(&self, cursor: &mut Cursor, now: Instant, speed: f64) -> usize {
        match self.advance {
            Advance::Poll => {
                // A cursor can outlive a reload that shortened its job: it stays on the last step.
                let step = cursor.step.min(self.last());
                cursor.step = step;
                cursor.served_in_step += 1;
                if cursor.served_in_step >= self.holds[step] && step < self.last() {
                    cursor.step += 1;
                    cursor.served_in_step = 0;
                }
                step
            }
            Advance::Time => {
                cursor.started.get_or_insert(now);
                self.step_at(cursor.position_ms(now, speed))
            }
        }
    }

    /// The step the next poll would get, without moving the cursor.
    pub fn peek(&self, cursor: &Cursor, now: Instant, speed: f64) -> usize {
        match self.advance {
            Advance::Poll => cursor.step.min(self.last()),
            Advance::Time => self.step_at(cursor.position_ms(now, speed)),
        }
    }

    /// Moves the cursor to the start of the next step without a poll (the last step stays
    /// where it is). Returns the step the next poll will get.
    pub fn skip(&self, cursor: &mut Cursor, now: Instant, speed: f64) -> usize {
        match self.advance {
            Advance::Poll => {
                cursor.step = cursor.step.min(self.last());
                if cursor.step < self.last() {
                    cursor.step += 1;
                    cursor.served_in_step = 0;
                }
                cursor.step
            }
            Advance::Time => {
                let position = cursor.position_ms(now, speed);
                let current = self.step_at(position);
                if current < self.last() {
                    // Move the clock, not the origin, so that later polls keep the recorded gaps.
                    cursor.skipped_ms += self.offsets_ms[current + 1] as f64 - position;
                }
                self.step_at(cursor.position_ms(now, speed))
            }
        }
    }

    fn step_at(&self, position_ms: f64) -> usize {
        let reached = self
            .offsets_ms
            .partition_point(|&offset| offset as f64 <= position_ms);
        reached.saturating_sub(1)
    }
}

/// Where one session stands in one job.
#[derive(Debug, Clone, Default)]
pub struct Cursor {
    /// Poll mode: the step the next poll gets.
    step: usize,
    /// Poll mode: polls already answered by `step`.
    served_in_step: u32,
    /// Polls answered so far, for the control API.
    polls: u64,
    /// Time mode: when the session first polled the job.
    started: Option<Instant>,
    /// Time mode: milliseconds added by `skip`, so a skipped step is not waited for.
    skipped_ms: f64,
    /// The step the last poll was answered with.
    last_served: Option<usize>,
    /// Polls answered with the last step since the cursor (re)started.
    served_last: u32,
    /// Whether the session cancelled the job.
    cancelled: bool,
    /// Polls answered since the cancel (a web tool's job says `esriJobCancelling` to the first).
    since_cancel: u64,
    /// `--rebase-time`: milliseconds added to the job's timestamps, fixed at the first poll.
    time_shift_ms: Option<i64>,
    /// A created job's `endTime`: when this session first saw it end.
    ended_ms: Option<i64>,
}

impl Cursor {
    pub fn polls(&self) -> u64 {
        self.polls
    }

    /// The step the session's last poll was answered with, if it polled.
    pub fn last_served(&self) -> Option<usize> {
        self.last_served
    }

    /// Counts a poll answered without moving through the steps (a fault aimed at that poll, or
    /// the cancelled step).
    pub fn count_poll(&mut self) {
        self.polls += 1;
    }

    /// Starts the steps again from the first (a job whose `then` is `restart`); the polls
    /// counted so far stay counted.
    pub fn restart(&mut self) {
        self.step = 0;
        self.served_in_step = 0;
        self.served_last = 0;
        self.started = None;
        self.skipped_ms = 0.0;
        self.ended_ms = None;
    }

    pub fn cancel(&mut self) {
        self.cancelled = true;
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled
    }

    /// Whether this is the first poll answered since the cancel; counts it.
    pub fn first_since_cancel(&mut self) -> bool {
        self.since_cancel += 1;
        self.since_cancel == 1
    }

    /// The shift of the job's timestamps for this session, fixed by `first` the first time.
    pub fn time_shift_ms(&mut self, first: impl FnOnce() -> i64) -> i64 {
        *self.time_shift_ms.get_or_insert_with(first)
    }

    /// The shift fixed at the first poll, if there was one.
    pub fn time_shift(&self) -> Option<i64> {
        self.time_shift_ms
    }

    /// When the job ended for this session, fixed to `now` the first time it is asked.
    pub fn ended_ms(&mut self, now: i64) -> i64 {
        *self.ended_ms.get_or_insert(now)
    }

    /// When the job ended for this session, if it has.
    pub fn ended(&self) -> Option<i64> {
        self.ended_ms
    }

    fn position_ms(&self, now: Instant, speed: f64) -> f64 {
        let elapsed = self
            .started
            .map_or(0.0, |started| (now - started).as_secs_f64() * 1000.0);
        elapsed * speed + self.skipped_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn polls(sequence: &Sequence, n: usize) -> Vec<usize> {
        let mut cursor = Cursor::default();
        let now = Instant::now();
        (0..n)
            .map(|_| sequence.poll(&mut cursor, now, 1.0))
            .collect()
    }

    #[test]
    fn each_step_answers_one_poll_and_the_last_repeats() {
        let sequence = Sequence::new(Advance::Poll, vec![1, 1, 1], vec![0, 0, 0]);
        assert_eq!(polls(&sequence, 5), [0, 1, 2, 2, 2]);
    }

    #[test]
    fn a_step_holds_for_its_count() {
        let sequence = Sequence::new(Advance::Poll, vec![1, 3, 1], vec![0, 0, 0]);
        assert_eq!(polls(&sequence, 6), [0, 1, 1, 1, 2, 2]);
    }

    #[test]
    fn skip_moves_to_the_next_step_and_stops_at_the_last() {
        let sequence = Sequence::new(Advance::Poll, vec![1, 3, 1], vec![0, 0, 0]);
        let mut cursor = Cursor::default();
        let now = Instant::now();
        assert_eq!(sequence.poll(&mut cursor, now, 1.0), 0);
        assert_eq!(sequence.poll(&mut cursor, now, 1.0), 1);
        assert_eq!(sequence.skip(&mut cursor, now, 1.0), 2);
        assert_eq!(sequence.skip(&mut cursor, now, 1.0), 2);
        assert_eq!(sequence.poll(&mut cursor, now, 1.0), 2);
    }

    #[test]
    fn time_steps_follow_the_clock_scaled_by_speed() {
        let sequence = Sequence::new(Advance::Time, vec![1, 1, 1], vec![0, 1000, 5000]);
        let mut cursor = Cursor::default();
        let start = Instant::now();
        let at = |ms| start + Duration::from_millis(ms);
        assert_eq!(sequence.poll(&mut cursor, at(0), 1.0), 0);
        assert_eq!(sequence.poll(&mut cursor, at(999), 1.0), 0);
        assert_eq!(sequence.poll(&mut cursor, at(1000), 1.0), 1);
        assert_eq!(sequence.poll(&mut cursor, at(4000), 1.0), 1);
        assert_eq!(sequence.poll(&mut cursor, at(60_000), 1.0), 2);

        let mut fast = Cursor::default();
        assert_eq!(sequence.poll(&mut fast, at(0), 10.0), 0);
        assert_eq!(sequence.poll(&mut fast, at(100), 10.0), 1);
        assert_eq!(sequence.poll(&mut fast, at(500), 10.0), 2);
    }

    #[test]
    fn time_starts_at_the_first_poll_not_at_load() {
        let sequence = Sequence::new(Advance::Time, vec![1, 1], vec![0, 1000]);
        let mut cursor = Cursor::default();
        let later = Instant::now() + Duration::from_secs(60);
        assert_eq!(sequence.poll(&mut cursor, later, 1.0), 0);
    }

    #[test]
    fn skip_in_time_mode_keeps_the_recorded_gaps_after_it() {
        let sequence = Sequence::new(Advance::Time, vec![1, 1, 1], vec![0, 1000, 3000]);
        let mut cursor = Cursor::default();
        let start = Instant::now();
        let at = |ms| start + Duration::from_millis(ms);
        assert_eq!(sequence.poll(&mut cursor, at(0), 1.0), 0);
        assert_eq!(sequence.skip(&mut cursor, at(200), 1.0), 1);
        assert_eq!(sequence.poll(&mut cursor, at(200), 1.0), 1);
        assert_eq!(sequence.poll(&mut cursor, at(2199), 1.0), 1);
        assert_eq!(sequence.poll(&mut cursor, at(2200), 1.0), 2);
    }

    #[test]
    fn a_cursor_past_a_shortened_sequence_stays_on_its_last_step() {
        let long = Sequence::new(Advance::Poll, vec![1, 1, 1, 1], vec![0; 4]);
        let short = Sequence::new(Advance::Poll, vec![1, 1], vec![0; 2]);
        let mut cursor = Cursor::default();
        let now = Instant::now();
        for _ in 0..4 {
            long.poll(&mut cursor, now, 1.0);
        }
        assert_eq!(short.peek(&cursor, now, 1.0), 1);
        assert_eq!(short.poll(&mut cursor, now, 1.0), 1);
        assert_eq!(short.skip(&mut cursor, now, 1.0), 1);
    }
}
