//! The ground floor: small tools every other module may use, knowing nothing of ArcGIS, jobs
//! or fixtures. Each one is written once here, so that a fix lands everywhere.
//!
//! - [`position`]: a byte offset of a text as the 1-based line and column people see.
//! - [`read`]: a file read whole up to a limit, never past it.
//! - [`write`]: files and folders written whole (temporary name, then rename), and the rule
//!   for an output file that exists already.
//! - [`clock`]: now, in epoch milliseconds, and as ISO 8601.
//! - [`json`]: walking a JSON text's bytes: its strings with their places, and the text
//!   without the white space between tokens.

pub mod clock;
pub mod json;
pub mod position;
pub mod read;
pub mod write;
