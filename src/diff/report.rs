//! How drift is shown: per file, its findings and a unified diff (made with `similar`) between
//! the expected shape and the payload's own shape, in colour on a terminal; or one JSON document
//! for CI.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt::Write as _;

use serde::Serialize;
use similar::TextDiff;

use super::{Checked, ShapeSets};
use crate::api::Flavour;
use crate::shape::write::{expected_view, payload_view};
use crate::shape::{Finding, FindingKind};

/// What was checked, for the closing line.
#[derive(Debug, Default, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    /// Job payloads checked (error answers not counted).
    pub payloads: usize,
    /// Recorded ArcGIS error answers checked against the error shapes.
    pub error_answers: usize,
    pub jobs: usize,
    pub files_with_drift: usize,
    pub findings: usize,
}

impl Totals {
    pub fn of(checked: &[Checked], jobs: usize) -> Totals {
        let drifting = checked.iter().filter(|c| !c.findings.is_empty());
        let errors = checked.iter().filter(|c| c.error.is_some()).count();
        Totals {
            payloads: checked.len() - errors,
            error_answers: errors,
            jobs,
            files_with_drift: drifting.clone().count(),
            findings: drifting.map(|c| c.findings.len()).sum(),
        }
    }
}

/// The text report: each file with drift, then a closing line.
pub fn text(checked: &[Checked], shapes: &ShapeSets, totals: Totals, colour: bool) -> String {
    let paint = Paint { on: colour };
    let drifting: Vec<&Checked> = checked.iter().filter(|c| !c.findings.is_empty()).collect();
    // Each file's part is its own (a diff of two renderings): made on every core, as the
    // checks were, since a drifting recording is thousands of them.
    let parts = crate::parallel::try_map(&drifting, 64, |file| {
        Ok::<_, std::convert::Infallible>(vec![file_text(file, shapes, &paint)])
    })
    .unwrap_or_else(|never| match never {});
    let mut out = String::with_capacity(parts.iter().map(String::len).sum::<usize>() + 200);
    for part in parts {
        out.push_str(&part);
    }
    let _ = writeln!(out, "{}", closing_line(totals, &error_codes(checked)));
    out
}

/// One drifting file's part of the text report: its findings, and the diff of its shape.
fn file_text(file: &Checked, shapes: &ShapeSets, paint: &Paint) -> String {
    // Room for a file's part most often, not grown a line at a time.
    let mut out = String::with_capacity(1024);
    let count = file.findings.len();
    // As `display()` shows it (each sequence that is not UTF-8 as U+FFFD), made once.
    let name = file.file.to_string_lossy();
    let _ = writeln!(
        out,
        "{}: {count} finding{}",
        paint.bold(&name),
        if count == 1 { "" } else { "s" }
    );
    for finding in &file.findings {
        out.push_str("  ");
        finding_line(&mut out, finding, paint);
        out.push('\n');
    }
    let flavour_shapes = shapes.get(&file.flavour);
    if let Some(shape) = flavour_shapes.and_then(|shapes| file.expected(shapes)) {
        let expected = expected_view(shape, &file.payload);
        let actual = payload_view(shape, &file.payload);
        // The default flavour's header is as it always was; another's names it.
        let of_flavour = match file.flavour {
            Flavour::NotebookServer => String::new(),
            other => format!(" of {other}"),
        };
        let header_expected = match file.error {
            Some(api) => format!("expected ({} shape)", api.name()),
            None => {
                let status = crate::shape::status_of(&file.payload).unwrap_or("?");
                format!(
                    "expected ({} shape{of_flavour}, status {status})",
                    file.job_type.as_deref().unwrap_or("?")
                )
            }
        };
        let unified = unified_diff(&expected, &actual, &header_expected, &name);
        out.reserve(unified.len());
        for line in unified.lines() {
            out.push_str(&paint.diff_line(line));
            out.push('\n');
        }
    }
    out.push('\n');
    out
}

/// The unified diff of two views under their headers. A recording with a systematic drift has
/// the same two views in file after file (a view shows values as their kinds): the diff of
/// the last two a thread was given is kept, and for the same two again only its headers are
/// made. What is kept is what `similar` writes after the headers, taken only once seen to
/// follow them as expected.
fn unified_diff(
    expected: &str,
    actual: &str,
    header_expected: &str,
    header_actual: &str,
) -> String {
    thread_local! {
        /// The last two views, and the diff's hunks.
        static LAST: RefCell<Option<(String, String, String)>> = const { RefCell::new(None) };
    }
    let headers = format!("--- {header_expected}\n+++ {header_actual}\n");
    LAST.with_borrow_mut(|last| {
        if let Some((before, after, hunks)) = last.as_ref()
            && before == expected
            && after == actual
        {
            // The headers come with the first hunk: a diff without one is empty.
            return match hunks.is_empty() {
                true => String::new(),
                false => headers + hunks,
            };
        }
        let unified = TextDiff::from_lines(expected, actual)
            .unified_diff()
            .context_radius(3)
            .header(header_expected, header_actual)
            .to_string();
        let hunks = match unified.is_empty() {
            true => Some(""),
            false => unified.strip_prefix(&headers),
        };
        *last = hunks.map(|hunks| (expected.to_string(), actual.to_string(), hunks.to_string()));
        unified
    })
}

/// The codes of the error answers checked, each with how many times it was seen, for the
/// closing line: `498 ×2, 499`.
fn error_codes(checked: &[Checked]) -> String {
    let mut codes: std::collections::BTreeMap<String, usize> = Default::default();
    for answer in checked.iter().filter(|c| c.error.is_some()) {
        *codes.entry(error_code(&answer.payload)).or_default() += 1;
    }
    codes
        .iter()
        .map(|(code, &count)| match count {
            1 => code.clone(),
            _ => format!("{code} \u{d7}{count}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The ArcGIS code of an error answer, in either API's shape, as written (`?` without one).
fn error_code(payload: &serde_json::Value) -> String {
    payload
        .get("code")
        .or_else(|| payload.pointer("/error/code"))
        .map_or("?".to_string(), |code| match code.as_str() {
            Some(text) => text.to_string(),
            None => code.to_string(),
        })
}

/// One finding's line (without its indent and newline), added to `out`.
fn finding_line(out: &mut String, finding: &Finding, paint: &Paint) {
    // A finding's kind as serde writes it (`unexpected-field`), asked of serde once per kind
    // and thread: a drifting recording has tens of thousands of findings.
    thread_local! {
        static NAMES: RefCell<Vec<(FindingKind, String)>> = const { RefCell::new(Vec::new()) };
    }
    NAMES.with_borrow_mut(|names| {
        let at = match names.iter().position(|(known, _)| *known == finding.kind) {
            Some(at) => at,
            None => {
                let name = serde_json::to_value(finding.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                names.push((finding.kind, name));
                names.len() - 1
            }
        };
        out.push_str(&paint.yellow(&names[at].1));
    });
    if !finding.path.is_empty() {
        out.push_str(" at ");
        out.push_str(&finding.path);
    }
    let _ = write!(
        out,
        ": expected {}, found {}",
        finding.expected, finding.found
    );
}

/// The closing line: what was checked (error answers with their codes), and the verdict.
pub fn closing_line(totals: Totals, codes: &str) -> String {
    let errors = match totals.error_answers {
        0 => String::new(),
        n => format!(" and {n} error answer(s) (code {codes})"),
    };
    let checked = format!(
        "checked {} payload(s){errors} in {} job(s)",
        totals.payloads, totals.jobs
    );
    if totals.findings == 0 {
        format!("{checked}: no drift")
    } else {
        format!(
            "{checked}: {} finding(s) in {} file(s)",
            totals.findings, totals.files_with_drift
        )
    }
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    file: String,
    #[serde(flatten)]
    finding: &'a Finding,
}

/// The JSON report: `{"drift": bool, "totals": {…}, "findings": [{file, kind, path, expected, found}]}`.
pub fn json(checked: &[Checked], totals: Totals) -> String {
    let findings: Vec<JsonFinding> = checked
        .iter()
        .flat_map(|c| {
            c.findings.iter().map(|finding| JsonFinding {
                file: c.file.display().to_string(),
                finding,
            })
        })
        .collect();
    let error_answers: Vec<serde_json::Value> = checked
        .iter()
        .filter_map(|c| {
            c.error.map(|api| {
                serde_json::json!({
                    "file": c.file.display().to_string(),
                    "api": api,
                    "code": c.payload.get("code").or_else(|| c.payload.pointer("/error/code")),
                    "findings": c.findings.len(),
                })
            })
        })
        .collect();
    let document = serde_json::json!({
        "drift": totals.findings > 0,
        "totals": totals,
        "findings": findings,
        "errorAnswers": error_answers,
    });
    let mut text = serde_json::to_string_pretty(&document).expect("the report serialises");
    text.push('\n');
    text
}

/// ANSI colours, or none.
pub struct Paint {
    pub on: bool,
}

impl Paint {
    fn wrap<'t>(&self, code: &str, text: &'t str) -> Cow<'t, str> {
        if self.on {
            Cow::Owned(format!("\x1b[{code}m{text}\x1b[0m"))
        } else {
            Cow::Borrowed(text)
        }
    }

    pub fn bold<'t>(&self, text: &'t str) -> Cow<'t, str> {
        self.wrap("1", text)
    }

    pub fn yellow<'t>(&self, text: &'t str) -> Cow<'t, str> {
        self.wrap("33", text)
    }

    pub fn diff_line<'t>(&self, line: &'t str) -> Cow<'t, str> {
        if line.starts_with("+++") || line.starts_with("---") {
            self.bold(line)
        } else if line.starts_with('+') {
            self.wrap("32", line)
        } else if line.starts_with('-') {
            self.wrap("31", line)
        } else if line.starts_with("@@") {
            self.wrap("36", line)
        } else {
            Cow::Borrowed(line)
        }
    }
}
