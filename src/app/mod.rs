//! The commands: one file per command, each taking its parsed flags (from [`crate::cli`]),
//! calling the library, and printing what the user reads. A command does no work the library
//! could do for another caller; it decides what to print and which exit code ends it.
//!
//! - `replay`, `record`: the serving modes (`recording`: replay with `--upstream`, what it
//!   serves and writes, and the staged set put in place at a clean stop); `serve` holds what both need to start (the runtime,
//!   binding and announcing the address).
//! - `diff`, `shape` (`shape infer`), `scan`, `report`: commands over sets on disk.
//! - `har`: `import har` and `sanitize har`.

mod diff;
mod har;
mod record;
mod recording;
mod replay;
mod report;
mod scan;
mod serve;
mod shape;

use std::process::ExitCode;

use crate::cli::{Cli, Command, ImportCommand, SanitizeCommand, ShapeCommand};
use crate::error::Result;

/// Runs one command line to its end.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Replay(args) => replay::run(args),
        Command::Record(args) => record::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Shape(args) => match args.command {
            ShapeCommand::Infer(args) => shape::infer(args),
        },
        Command::Scan(args) => scan::run(args),
        Command::Import(args) => match args.command {
            ImportCommand::Har(args) => har::import(args),
        },
        Command::Sanitize(args) => match args.command {
            SanitizeCommand::Har(args) => har::sanitize(args),
        },
        Command::Report(args) => report::run(args),
    }
}

/// Exit code 1 when something was found (drift, a credential, personal data), 0 otherwise.
fn found_code(found: bool) -> ExitCode {
    if found {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
