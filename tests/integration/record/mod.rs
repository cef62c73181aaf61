//! The record proxy, by what is tested: [`forwarding`] (what passes through, URLs, TLS),
//! [`steps`] (what it writes of a job's polls), [`secrets`] (what it keeps out, and the scan),
//! [`faults`] (an upstream that fails or misbehaves), [`messages`] (that what goes wrong is said
//! with its fix), [`stable`] (what a re-recording keeps the same), [`webtools`] (a web tool's
//! jobs: steps, values as files, submitJob and cancel as exchanges).

mod faults;
mod forwarding;
mod messages;
mod secrets;
mod stable;
mod steps;
mod webtools;
