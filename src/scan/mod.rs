//! `jobmock scan`: looks through a fixture set or a HAR for what redaction would replace (a
//! credential, personal data that is not a pseudonym) and reports each with its
//! `file:line:column` (in a HAR, its JSON path), never the whole value.
//!
//! It is redaction run dry, so it finds exactly what `record`, `import har` and `sanitize har`
//! would replace: every file is learned from first ([`Redactor::learn_document`], a HAR's
//! entries as the importer learns them), then each is scrubbed in memory as the recorder writes
//! it ([`Redactor::scrub_json`], [`Redactor::scrub_plan`]; a HAR through
//! [`crate::har::sanitize`]) and every place that changes is a finding. A set the recorder
//! wrote passes unless something got past it, and a set from elsewhere (written by hand,
//! edited, imported) is held to the same rule.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{Error, Result};
use crate::redact::names::Personal;
use crate::redact::text::Kind;
use crate::redact::{self, Context, REDACTED, Redactor};

mod har;
use har::scan_har;

/// The largest file scanned: a HAR's limit (fixture files are at most 16 MiB, but a browser's HAR
/// runs to hundreds). A larger file is an error, never scanned in part.
const MAX_FILE_BYTES: u64 = crate::har::read::MAX_HAR_BYTES;

/// One thing found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub path: PathBuf,
    /// In a HAR: where in the document (`log.entries[3].request.headers[2].value`), in place
    /// of the line and column.
    pub at: Option<String>,
    pub line: usize,
    pub column: usize,
    /// What it looks like, in words.
    pub what: String,
    /// The value with all but its first characters hidden.
    pub excerpt: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.at {
            Some(at) => write!(
                f,
                "{}: {at}: {} ({})",
                self.path.display(),
                self.what,
                self.excerpt
            ),
            None => write!(
                f,
                "{}:{}:{}: {} ({})",
                self.path.display(),
                self.line,
                self.column,
                self.what,
                self.excerpt
            ),
        }
    }
}

/// What a scan found, and how much it looked at.
#[derive(Debug, Default)]
pub struct Report {
    pub files: usize,
    pub findings: Vec<Finding>,
}

/// Scans every file under `paths` (folders walked, links not followed). `keep`: kinds of
/// personal data kept on purpose, not reported.
pub fn scan(paths: &[PathBuf], keep: &[Personal]) -> Result<Report> {
    let mut files = Vec::new();
    for root in paths {
        if !root.exists() {
            return Err(Error::input(
                root,
                "does not exist",
                "give `jobmock scan` a fixture set, such as the --fixtures folder of a recording",
            ));
        }
        for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
            let entry = entry.map_err(|err| {
                let path = err.path().unwrap_or(root).to_path_buf();
                Error::io(path, std::io::Error::other(err.to_string()))
            })?;
            if entry.file_type().is_file() {
                files.push((entry.path().to_path_buf(), read(entry.path())?));
            }
        }
    }
    let options = redact::Options {
        keep: keep.to_vec(),
        ..redact::Options::default()
    };
    let mut redactor = Redactor::new(options.clone());
    let mut hars = Vec::new();
    // Everything is learned from before anything is looked at, as a recording does.
    for (index, (path, bytes)) in files.iter().enumerate() {
        if crate::har::looks_like_har(bytes)
            && let Ok(har) = crate::har::Har::parse(path, bytes)
        {
            hars.push((index, har));
        } else {
            redactor.learn_document(bytes, Context::default());
        }
    }
    let mut report = Report {
        files: files.len(),
        findings: Vec::new(),
    };
    for (index, (path, bytes)) in files.iter().enumerate() {
        match hars.iter().position(|(at, _)| *at == index) {
            Some(at) => scan_har(
                path,
                bytes,
                &hars[at].1,
                options.clone(),
                &mut report.findings,
            ),
            None => scan_file(&mut redactor, path, bytes, &mut report.findings),
        }
    }
    Ok(report)
}

fn read(path: &Path) -> Result<Vec<u8>> {
    // A scan that read part of a file and said "nothing found" would be a lie.
    crate::util::read::at_most(path, MAX_FILE_BYTES)
        .map_err(|e| Error::io(path, e))?
        .ok_or_else(|| {
            Error::too_large(
                path,
                format!("is larger than {} MiB: not scanned", MAX_FILE_BYTES >> 20),
                "scan a smaller capture, or split it",
            )
        })
}

/// A file of a set: a JSON document scrubbed as the recorder scrubs an answer, every string
/// that changes a finding at its place; any other file scrubbed as text.
fn scan_file(redactor: &mut Redactor, path: &Path, bytes: &[u8], findings: &mut Vec<Finding>) {
    let text = String::from_utf8_lossy(bytes);
    let mut push = |offset: usize, original: &str, what: String| {
        let (line, column) = crate::util::position::line_column(text.as_bytes(), offset);
        findings.push(Finding {
            path: path.to_path_buf(),
            at: None,
            line,
            column,
            what,
            excerpt: mask(original),
        });
    };
    if let Ok(value) = serde_json::from_str::<Value>(&text)
        && let Some(strings) = crate::util::json::json_strings(&text)
    {
        let mut scrubbed = value.clone();
        redactor.scrub_json(&mut scrubbed, Context::default());
        let is_request = path.file_name().is_some_and(|name| name == "request.json");
        if is_request && let Some(Value::String(request_path)) = scrubbed.get_mut("path") {
            *request_path = redactor.scrub_path(request_path, Context::default());
        }
        let mut changed = Vec::new();
        changed_strings(&value, &scrubbed, None, &mut changed);
        // The document's strings, in its order, are the text's strings in theirs.
        for (string, place) in changed.iter().zip(&strings) {
            let Some(replaced) = &string.replaced else {
                continue;
            };
            // Where the string's text is as written (no escapes), places inside it are exact.
            let raw = &text[place.inner.clone()];
            let plan = redactor.scrub_plan(&string.original, Context::default());
            let whole_by_name = plan
                .iter()
                .all(|(range, _, _)| range.len() == string.original.len());
            if plan.is_empty() || whole_by_name || raw != string.original {
                let (was, now) = difference(&string.original, replaced).unwrap_or_default();
                let whole = was.len() == string.original.len();
                let what = describe(now, string.name.as_deref(), whole);
                push(place.inner.start, was, what);
                continue;
            }
            for (range, with, kind) in first_of_each_place(plan) {
                let what = kind_words(kind.as_ref(), &with);
                push(
                    place.inner.start + range.start,
                    &string.original[range],
                    what,
                );
            }
        }
        return;
    }
    let plan = redactor.scrub_plan(&text, Context::default());
    for (range, with, kind) in first_of_each_place(plan) {
        let what = kind_words(kind.as_ref(), &with);
        push(range.start, &text[range], what);
    }
}

type Planned = (std::ops::Range<usize>, String, Option<Kind>);

/// A plan in order of place, each place once (the most certain finding first, as splicing
/// takes it).
fn first_of_each_place(mut plan: Vec<Planned>) -> Vec<Planned> {
    plan.sort_by(|a, b| a.0.start.cmp(&b.0.start).then(b.0.end.cmp(&a.0.end)));
    let mut reported_up_to = 0;
    plan.retain(|(range, _, _)| {
        let fresh = range.start >= reported_up_to;
        if fresh {
            reported_up_to = range.end;
        }
        fresh
    });
    plan
}

/// What a finding is, in words.
fn kind_words(kind: Option<&Kind>, replacement: &str) -> String {
    match kind {
        Some(Kind::NamedSecret { name, .. }) => describe(replacement, Some(name), true),
        Some(Kind::Bearer) => "a Bearer credential".into(),
        Some(Kind::Basic) => "a Basic credential (user name and password)".into(),
        Some(Kind::Jwt) => "a JSON Web Token".into(),
        Some(Kind::ApiKey) => "an ArcGIS API key".into(),
        Some(Kind::UrlPassword) => "a password in a URL".into(),
        Some(Kind::UrlUser) => "a user name in a URL".into(),
        Some(Kind::Email) => "an e-mail address".into(),
        Some(Kind::NamedPersonal(_)) | None => describe(replacement, None, true),
    }
}

/// Each string of `original` (keys and values, in document order) with what `scrubbed` holds
/// in its place, when that differs.
fn changed_strings(original: &Value, scrubbed: &Value, name: Option<&str>, out: &mut Vec<Changed>) {
    match (original, scrubbed) {
        (Value::Object(before), Value::Object(after)) => {
            for ((key, value), (new_key, new_value)) in before.iter().zip(after.iter()) {
                out.push(Changed {
                    original: key.clone(),
                    replaced: (key != new_key).then(|| new_key.clone()),
                    name: None,
                });
                changed_strings(value, new_value, Some(key), out);
            }
        }
        (Value::Array(before), Value::Array(after)) => {
            for (value, new_value) in before.iter().zip(after) {
                changed_strings(value, new_value, name, out);
            }
        }
        (Value::String(before), after) => {
            let after = match after {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            out.push(Changed {
                original: before.clone(),
                replaced: (*before != after).then_some(after),
                name: name.map(str::to_string),
            });
        }
        // Strings inside what changed shape are not paired; they keep the count right.
        (before, _) => strings_in(before, out),
    }
}

/// A string of a document and what scrubbing made of it (`None`: the same), with the field it
/// is the value of.
struct Changed {
    original: String,
    replaced: Option<String>,
    name: Option<String>,
}

fn strings_in(value: &Value, out: &mut Vec<Changed>) {
    let unchanged = |text: &str| Changed {
        original: text.to_string(),
        replaced: None,
        name: None,
    };
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                out.push(unchanged(key));
                strings_in(value, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| strings_in(item, out)),
        Value::String(text) => out.push(unchanged(text)),
        _ => {}
    }
}

/// The part of `original` that `replaced` changed, and what took its place.
pub(super) fn difference<'a>(original: &'a str, replaced: &'a str) -> Option<(&'a str, &'a str)> {
    if original == replaced {
        return None;
    }
    let prefix = original
        .char_indices()
        .zip(replaced.chars())
        .find(|((_, a), b)| a != b)
        .map_or(original.len().min(replaced.len()), |((at, _), _)| at);
    let suffix = original[prefix..]
        .chars()
        .rev()
        .zip(replaced[prefix..].chars().rev())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .sum::<usize>();
    let was = &original[prefix..original.len() - suffix];
    // What took its place is kept whole to its end, so that it is read as the pseudonym it is.
    let now = &replaced[prefix..];
    Some((if was.is_empty() { original } else { was }, now))
}

/// What was found, in words, by what redaction puts in its place and the name it stood under.
pub(super) fn describe(replacement: &str, name: Option<&str>, whole: bool) -> String {
    let replacement = replacement.trim();
    if replacement.starts_with(REDACTED)
        && whole
        && let Some(name) = name.filter(|name| !name.is_empty())
    {
        // A name that looks generated may itself be a secret: not printed whole.
        let shown = if redact::names::looks_random(name) {
            mask(name)
        } else {
            name.to_string()
        };
        return format!("a value for the credential name {shown:?}");
    }
    if replacement.starts_with("user-") && matches!(name, Some("url")) {
        return "personal data (a user name in a path)".into();
    }
    let word = replacement
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '@' || c == '.'))
        .find(|word| !word.is_empty())
        .unwrap_or_default();
    if word.starts_with(REDACTED) && word.len() > REDACTED.len() {
        "a value of a --redact-field field".into()
    } else if word.starts_with(REDACTED) {
        "a credential".into()
    } else if word.ends_with("@example.com") {
        "personal data (an e-mail address)".into()
    } else if word.starts_with("user-") {
        "personal data (a user name)".into()
    } else if replacement.starts_with("First-") && replacement.contains(" Last-") {
        "personal data (a full name)".into()
    } else if word.starts_with("First-") {
        "personal data (a first name)".into()
    } else if word.starts_with("Last-") {
        "personal data (a last name)".into()
    } else {
        "a credential or personal data".into()
    }
}

/// A value shown without giving it away: its first three characters and its length.
pub(super) fn mask(value: &str) -> String {
    let shown: String = value.chars().take(3).collect();
    format!("{shown}…, {} characters", value.chars().count())
}

/// The closing verdict of a recording: the scan of the folders it wrote, in a few lines.
pub fn verdict_for(finished: &crate::fixture::writer::Finished) -> (String, bool) {
    if finished.folders.is_empty() {
        return ("scan: nothing was written to scan".into(), false);
    }
    match scan(&finished.folders, &finished.keep) {
        Err(err) => (
            format!(
                "scan: could not scan what was written: {}",
                crate::error::report(&err)
            ),
            true,
        ),
        Ok(report) if report.findings.is_empty() => (
            format!(
                "scan: no credential or personal data found in the {} file(s) written",
                report.files
            ),
            false,
        ),
        Ok(report) => {
            let mut lines = format!(
                "scan: {} finding(s) in what was written; check them before sending the set \
                 (`jobmock scan {}`):",
                report.findings.len(),
                finished.root.display()
            );
            for finding in report.findings.iter().take(20) {
                lines.push_str(&format!("\n  {finding}"));
            }
            (lines, true)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_found_is_named_by_what_replaces_it() {
        assert_eq!(describe("REDACTED", None, true), "a credential");
        assert_eq!(
            describe("REDACTED", Some("token"), true),
            "a value for the credential name \"token\""
        );
        assert_eq!(
            describe("user-3@example.com", Some("email"), true),
            "personal data (an e-mail address)"
        );
        assert_eq!(
            describe("First-2 Last-2", None, true),
            "personal data (a full name)"
        );
        assert_eq!(
            describe("Last-2", None, true),
            "personal data (a last name)"
        );
        assert_eq!(
            difference("token abc123 here", "token REDACTED here"),
            Some(("abc123", "REDACTED here"))
        );
    }

    #[test]
    fn values_are_masked() {
        assert_eq!(mask("secretvalue"), "sec…, 11 characters");
    }
}
