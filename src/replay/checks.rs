//! `replay --check-shapes`: what replay does with the findings of `diff`'s checks in a set it
//! loads (at start and on every reload): print them as warnings and serve the set as written,
//! refuse the set, or skip the check. The checks themselves are [`crate::diff::loaded`]'s.

use crate::diff::loaded::{Placed, check_set};
use crate::error::{Error, Result};
use crate::fixture::FixtureSet;
use crate::output::note;

/// What to do with a step that differs from its shape.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CheckShapes {
    /// Not checked.
    Off,
    /// Printed on stderr, each with its file, line and column; the set is served as written.
    #[default]
    Warn,
    /// The set is refused as a broken one is: exit 2 at start, HTTP 422 on a reload.
    Refuse,
}

/// The most findings printed one by one; the rest are counted, and `jobmock diff` lists them
/// all. A recording with a systematic drift would otherwise bury the listening line.
const MAX_PRINTED: usize = 20;

/// Checks `set` as `mode` says, prints what it finds on stderr, and returns the lines printed
/// (for the reload's answer); with [`CheckShapes::Refuse`], a set with findings is an error
/// that names the first.
pub fn check(set: &FixtureSet, mode: CheckShapes) -> Result<Vec<String>> {
    if mode == CheckShapes::Off {
        return Ok(Vec::new());
    }
    let shapes = crate::diff::load_shapes_for(set.flavour(), None)?;
    let placed = check_set(set, &shapes);
    let Some(first) = placed.first() else {
        return Ok(Vec::new());
    };
    let mut lines: Vec<String> = placed
        .iter()
        .take(MAX_PRINTED)
        .map(|found| found.placed().to_string())
        .collect();
    let files = {
        let mut files: Vec<&std::path::Path> = placed.iter().map(|p| p.file.as_path()).collect();
        files.dedup();
        files.len()
    };
    let more = placed.len().saturating_sub(MAX_PRINTED);
    let summary = format!(
        "{} finding(s) in {files} step file(s) of {}: the steps differ from the shapes `jobmock diff` \
         checks{}",
        placed.len(),
        set.root().display(),
        if more > 0 {
            format!(
                " ({more} not shown; `jobmock diff {}` lists them all)",
                set.root().display()
            )
        } else {
            String::new()
        }
    );
    for line in &lines {
        note!("jobmock: warning: {line}");
    }
    if mode == CheckShapes::Refuse {
        note!("jobmock: {summary}");
        return Err(refusal(&first.placed(), placed.len()));
    }
    note!(
        "jobmock: warning: {summary}; served as written (--check-shapes refuse refuses such a \
         set, off skips the check)"
    );
    lines.push(summary);
    Ok(lines)
}

/// The error of a refused set: its first finding, at its place.
fn refusal(first: &Placed, count: usize) -> Error {
    let kind = serde_json::to_value(first.finding.kind)
        .ok()
        .and_then(|kind| kind.as_str().map(str::to_string))
        .unwrap_or_default();
    let at = match first.finding.path.as_str() {
        "" => String::new(),
        path => format!(" at {path}"),
    };
    Error::FixtureAt {
        path: first.file.clone(),
        line: first.line,
        column: first.column,
        message: format!(
            "{kind}{at}: expected {}, found {}{}",
            first.finding.expected,
            first.finding.found,
            match count {
                1 => String::new(),
                n => format!(" (and {} more finding(s))", n - 1),
            }
        ),
        hint: "correct the step (`jobmock diff` lists every finding), or give --check-shapes \
               warn to serve it as written"
            .to_string(),
    }
}
