//! The job sequence engine: which step of a job a poll gets, per session.
//!
//! Pure logic, no I/O and no HTTP: a [`Sequence`] knows how its steps advance (one poll at a time
//! with hold counts, or by time since the first poll), a [`Cursor`] is where one session stands in
//! one job, and [`Cursors`] holds them all. The replay service asks this module what to serve and
//! renders the answer itself.
//!
//! # Layout
//!
//! - `model`: the job as loaded: steps, faults, the sequence.
//! - `answer`: which answer one poll gets (a step, the cancelled step, an aimed fault) and what
//!   its body needs changed for the session, from plain inputs.
//! - `sequence`: how a job's steps advance, and a session's cursor in one job.
//! - `sessions`: every session's cursors, bounded.
//! - `webtool`: a web tool's job's parameters and its cancelling answer.

pub mod answer;
mod model;
mod sequence;
mod sessions;
pub mod webtool;

pub use model::{BodyKind, Fault, Job, JobParam, Step, Then, WebTool};
pub use sequence::{Advance, Cursor, Sequence};
pub use sessions::{Cursors, DEFAULT_SESSION};
pub use tokio::time::Instant;
