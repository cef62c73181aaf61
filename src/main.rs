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
