//! `jobmock diff`: recorded payloads checked against their shapes (or against another set),
//! the drift printed as text or JSON.

use std::io::IsTerminal;
use std::process::ExitCode;

use crate::cli::{DiffArgs, DiffFormat, FlavourArg};
use crate::diff::{self, Output};
use crate::error::Result;

pub(super) fn run(args: DiffArgs) -> Result<ExitCode> {
    let output = match args.format {
        DiffFormat::Json => Output::Json,
        DiffFormat::Text => Output::Text {
            colour: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        },
    };
    let drift = match &args.against {
        Some(other) => diff::run_against(other, &args.paths, output)?,
        None => {
            // Read first, so that a broken shape file is reported whatever the paths hold.
            diff::load_shapes(args.shapes.as_deref())?;
            diff::run(
                &args.paths,
                args.shapes.as_deref(),
                args.flavour.map(FlavourArg::flavour),
                output,
                std::io::stderr().is_terminal(),
            )?
        }
    };
    Ok(super::found_code(drift))
}
