//! The `jobmock` binary: parses the command line, runs it (`jobmock::run`), prints the error
//! chain of a failure, and exits 0, 1 (drift or findings) or 2 (an error).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    match jobmock::run(jobmock::cli::Cli::parse()) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("jobmock: {}", jobmock::error::report(&err));
            ExitCode::from(2)
        }
    }
}
