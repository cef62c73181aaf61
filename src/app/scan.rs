//! `jobmock scan`: a set (or a HAR) looked through for credentials and personal data; each
//! finding printed on stdout, the count on stderr.

use std::process::ExitCode;

use crate::cli::{ScanArgs, personal_kinds};
use crate::error::Result;
use crate::output::{self, note};

pub(super) fn run(args: ScanArgs) -> Result<ExitCode> {
    let keep = personal_kinds(&args.keep_field)?;
    let report = crate::scan::scan(&args.paths, &keep)?;
    for finding in &report.findings {
        output::print(format_args!("{finding}\n"))?;
    }
    if report.findings.is_empty() {
        note!(
            "jobmock: scan: no credential or personal data found in {} file(s)",
            report.files
        );
    } else {
        note!(
            "jobmock: scan: {} finding(s) in {} file(s); replace them (or record again) before \
             sending the set",
            report.findings.len(),
            report.files
        );
    }
    Ok(super::found_code(!report.findings.is_empty()))
}
