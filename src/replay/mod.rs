//! The replay service: answers the job resource of the ArcGIS admin API, and whatever a
//! recording holds, from a loaded fixture set; and the control API under `/__jobmock/`.
//!
//! A request is read once ([`request::Call`]), routed once ([`route::Route`]), handled by one
//! handler that returns a [`reply::Reply`], and answered in one place ([`Replay::respond`]),
//! which journals it, logs it and renders it. Which answer a poll gets is the job engine's
//! decision ([`crate::job::answer`]); accepting connections is the server's
//! ([`crate::server`]).
//!
//! # Layout
//!
//! - `options`: how a server behaves beyond its fixtures ([`Options`], [`Auth`]).
//! - `state`: the server's state ([`Replay`]) and the names its handlers share: `Key`,
//!   `Found`, `Stale`.
//! - `front`: the front door, from a connection's request to its answer ([`serve`]).
//! - `request`: a request's method, path, parameters, session and token, read once.
//! - `route`: where it goes. `dispatch`: which handler takes it, in what order, and the 404
//!   texts when none does.
//! - `forwarding`: `--upstream` with `--record-mode`: what goes to the upstream instead of the
//!   set, recorded by [`crate::record`], and the set read again once it is written;
//!   `upstream`: the upstream forwarded to ([`Forwarding`]).
//! - `jobs`: a job's poll. `operations`: create, list, cancel, deleteAll. `exchanges`: the
//!   recorded exchanges. `origin`: the recorded origin in an answer made this server's.
//! - `reply`: what a handler decides, and the one place it becomes an answer.
//! - `served`: the loaded set with its slots and renderings; `current`: the set served now,
//!   read by every request without a shared write. `load`: reading a set to serve,
//!   at start-up ([`load()`]) and on every reload.
//! - `scenarios`: jobs and submissions a test defines through the control API, per session
//!   (`submissions`: those defined, in order).
//! - `control`: the control API; `listing`: its jobs and exchanges with their sessions.
//!   `journal`: what was answered, and (`journal::har`) its HAR export. `lifecycle`: created
//!   jobs.
//! - `near`: the recorded exchange or job an unmatched request came closest to.
//! - `verify`: the verification report (`GET /__jobmock/verify`), read from the journal.
//! - `body`: answers' bodies (whole or cut short). `watch`: `--watch`.
//! - `checks`: `--check-shapes`, the steps of a set checked against their shapes at load.
//! - `web`: `GET /__jobmock/ui`, the web view made from the control API's listings and the
//!   journal.
//! - `tokens`: the token service and the tokens it issued; `auth`: the check every request
//!   passes, and `generateToken`, in the request path.

mod auth;
mod body;
pub mod checks;
mod control;
mod current;
mod dispatch;
mod exchanges;
mod forwarding;
mod front;
mod jobs;
pub mod journal;
pub(crate) mod lifecycle;
mod listing;
mod load;
pub mod near;
mod operations;
mod options;
mod origin;
mod reply;
mod request;
mod route;
mod scenarios;
mod served;
mod state;
mod submissions;
pub mod tokens;
mod upstream;
mod verify;
pub mod watch;
mod web;
mod webtools;

pub use body::Body;
pub use front::{serve, serve_io};
pub use load::{ReloadReport, load};
pub use options::{Auth, Options, RecordMode};
pub use served::Served;
pub use state::Replay;
pub use upstream::Forwarding;
