//! The `jobmock` binary: parses the command line, runs it (`jobmock::run`), prints the error
//! chain of a failure, and exits 0, 1 (drift or findings) or 2 (an error).

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    match jobmock::run(jobmock::cli::Cli::parse()) {
        Ok(code) => code,
        // The reader of stdout went away (`jobmock scan … | head`): it has what it wanted, so
        // the command ends quietly and successfully, as ripgrep does (C tools die of SIGPIPE,
        // which the Rust runtime ignores).
        Err(err) if jobmock::output::is_closed_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            // Not eprintln!: with stderr closed too, there is no one to tell.
            let _ = writeln!(
                std::io::stderr(),
                "jobmock: {}",
                jobmock::error::report(&err)
            );
            ExitCode::from(2)
        }
    }
}
