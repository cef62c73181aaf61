//! `jobmock report`: the web view of a set on disk, written as one HTML file.

use std::process::ExitCode;

use crate::cli::ReportArgs;
use crate::error::Result;
use crate::output::note;
use crate::util::write;

pub(super) fn run(args: ReportArgs) -> Result<ExitCode> {
    write::may_write(&args.out, args.overwrite, "--out", "--overwrite")?;
    let page = crate::ui::report::report(&args.fixtures)?;
    write::file(&args.out, page.as_bytes())?;
    note!(
        "jobmock: report of {} written to {} ({} KiB); open it in a browser",
        args.fixtures.display(),
        args.out.display(),
        page.len().div_ceil(1024)
    );
    Ok(ExitCode::SUCCESS)
}
