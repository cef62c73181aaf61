//! `jobmock import har` (a capture becomes a fixture set) and `jobmock sanitize har` (the same
//! capture written again without credentials and personal data, then scanned).

use std::path::Path;
use std::process::ExitCode;

use crate::cli::{ImportHarArgs, SanitizeHarArgs};
use crate::error::Result;
use crate::har::{self, read::Har};
use crate::output::note;
use crate::redact;
use crate::util::write;

pub(super) fn import(args: ImportHarArgs) -> Result<ExitCode> {
    let options = har::import::Options {
        fixtures: args.fixtures.clone(),
        conflict: (&args.writing.existing).into(),
        redaction: args.writing.redaction.options()?,
        offsets: args.writing.stable.offsets.into(),
        stability: args.writing.stable.stability(),
        origins: args.origin.clone(),
    };
    let imported = har::import::import(&args.file, options)?;
    let finished = &imported.finished;
    let (closing, found) = finished.closing_lines(crate::scan::verdict_for(finished));
    note!("jobmock: {}{closing}", imported.summary);
    Ok(super::found_code(found))
}

pub(super) fn sanitize(args: SanitizeHarArgs) -> Result<ExitCode> {
    let options = args.redaction.options()?;
    let (summary, found) = sanitize_file(&args.file, &args.out, args.overwrite, options)?;
    note!("jobmock: {summary}");
    Ok(super::found_code(found))
}

/// Reads the HAR at `input`, writes it sanitized to `output` (whole, never over an existing
/// file unless `overwrite`), and returns the summary and whether a scan of the result found
/// anything.
fn sanitize_file(
    input: &Path,
    output: &Path,
    overwrite: bool,
    options: redact::Options,
) -> Result<(String, bool)> {
    write::may_write(output, overwrite, "--out", "--overwrite")?;
    let mut har = Har::read(input)?;
    let done = har::sanitize::sanitize(&mut har, options);
    let bytes = serde_json::to_vec_pretty(&har.document).expect("a JSON value serialises");
    write::file(output, &bytes)?;
    let replaced = redact::summary::Summary::of_document(
        &output.display().to_string(),
        &String::from_utf8_lossy(&bytes),
    );
    let report = crate::scan::scan(&[output.to_path_buf()], &[])?;
    let mut summary = format!(
        "sanitized {} HAR entries into {}: {} secret value(s) learned, {} person(s) given pseudonyms, {} value(s) replaced",
        done.entries,
        output.display(),
        done.counts.secrets,
        done.counts.people,
        done.counts.replaced
    );
    summary.push_str(&format!("\nreplaced in the HAR: {}", replaced.line()));
    if done.binary_removed > 0 {
        summary.push_str(&format!(
            "; {} binary bod{} removed (nothing in them can be checked)",
            done.binary_removed,
            if done.binary_removed == 1 { "y" } else { "ies" }
        ));
    }
    let found = !report.findings.is_empty();
    if found {
        summary.push_str(&format!(
            "\nscan: {} finding(s) in the sanitized HAR; check them before you send it:",
            report.findings.len()
        ));
        for finding in report.findings.iter().take(20) {
            summary.push_str(&format!("\n  {finding}"));
        }
    } else {
        summary.push_str("\nscan: nothing found in the sanitized HAR");
    }
    Ok((summary, found))
}
