//! `jobmock scan`: looks through a fixture set for what looks like a credential or personal data
//! (values after credential names, `Bearer` and `Basic` credentials, JWTs, passwords in URLs,
//! e-mail addresses, personal fields that are not pseudonyms) and reports each with its
//! `file:line:column`, never the whole value.
//!
//! It looks with the same finders the recorder redacts with ([`crate::redact::text`]), so a set
//! the recorder wrote passes unless something got past it, and a set from elsewhere (written by
//! hand, edited, imported) is held to the same rule.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::redact::names::Personal;
use crate::redact::text::{self, Decoded, Kind};
use crate::redact::{REDACTED, is_example_address};

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
    let mut report = Report::default();
    for root in paths {
        if !root.exists() {
            return Err(Error::fixture(
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
            if !entry.file_type().is_file() {
                continue;
            }
            report.files += 1;
            scan_file(entry.path(), keep, &mut report.findings)?;
        }
    }
    Ok(report)
}

fn scan_file(path: &Path, keep: &[Personal], findings: &mut Vec<Finding>) -> Result<()> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        // A scan that read part of a file and said "nothing found" would be a lie.
        return Err(Error::fixture(
            path,
            format!("is larger than {} MiB: not scanned", MAX_FILE_BYTES >> 20),
            "scan a smaller capture, or split it",
        ));
    }
    if crate::har::looks_like_har(&bytes)
        && let Ok(har) = crate::har::Har::parse(path, &bytes)
    {
        scan_har(path, &har, keep, findings);
        return Ok(());
    }
    let text = String::from_utf8_lossy(&bytes);
    let decoded = Decoded::new(&text);
    let mut reported_up_to = 0;
    let mut found_here = text::find(&decoded, false);
    found_here.sort_by_key(|found| found.range.start);
    for found in found_here {
        // One value is reported once (an `"email"` field is also an e-mail address).
        if found.range.start < reported_up_to {
            continue;
        }
        let Some(what) = describe(&found.kind, &found.value, keep) else {
            continue;
        };
        reported_up_to = found.range.end;
        let (line, column) = line_and_column(&text, found.range.start);
        findings.push(Finding {
            path: path.to_path_buf(),
            at: None,
            line,
            column,
            what,
            excerpt: mask(&found.value),
        });
    }
    Ok(())
}

/// A HAR, place by place: every string of the document (and every base64 body, decoded) read
/// by the same finders, and every `{"name", "value"}` pair (headers, cookies, parameters) whose
/// name is a credential's or a person's and whose value is not redacted. Findings name their
/// JSON path.
fn scan_har(path: &Path, har: &crate::har::Har, keep: &[Personal], findings: &mut Vec<Finding>) {
    let mut found = |at: String, what: String, value: &str| {
        findings.push(Finding {
            path: path.to_path_buf(),
            at: Some(at),
            line: 0,
            column: 0,
            what,
            excerpt: mask(value),
        });
    };
    let mut named = std::collections::HashSet::new();
    walk_har(
        &har.document,
        &mut String::new(),
        keep,
        &mut named,
        &mut found,
    );
    for entry in &har.entries {
        // Multipart form fields, by their names (the finders read text, not parts).
        if let Some(post) = &entry.post
            && let Some(boundary) = crate::redact::boundary_of(&post.mime_type)
            && let Some(text) = &post.text
        {
            let fields = crate::redact::multipart_fields(text.as_bytes(), &boundary);
            for (index, (name, value)) in fields.into_iter().enumerate() {
                if let Some(what) = named_pair(&name, &value, keep) {
                    let at = format!(
                        "log.entries[{}].request.postData.text (part {index})",
                        entry.index
                    );
                    found(at, what, &value);
                }
            }
        }
        // A Portal user's name in a URL's path.
        let path_start = entry
            .url
            .find("://")
            .and_then(|at| entry.url[at + 3..].find('/').map(|slash| at + 3 + slash));
        if !keep.contains(&Personal::Username)
            && let Some(path_start) = path_start
        {
            let path = entry.url[path_start..]
                .split(['?', '#'])
                .next()
                .unwrap_or_default();
            let segments: Vec<String> = path.split('/').map(str::to_string).collect();
            for index in 0..segments.len() {
                if crate::redact::is_portal_user_segment(&segments, index)
                    && !segments[index].is_empty()
                    && !is_pseudonym(&segments[index])
                {
                    let at = format!("log.entries[{}].request.url", entry.index);
                    found(
                        at,
                        "personal data (a user name in a path)".into(),
                        &segments[index],
                    );
                }
            }
        }
    }
    for entry in &har.entries {
        let base64 = entry
            .content
            .encoding
            .as_deref()
            .is_some_and(|encoding| encoding.eq_ignore_ascii_case("base64"));
        if base64 && let Ok(body) = entry.answer_body() {
            let text = String::from_utf8_lossy(&body);
            let at = format!(
                "log.entries[{}].response.content.text (base64-decoded)",
                entry.index
            );
            for (what, value) in text_findings(&text, keep) {
                found(at.clone(), what, &value);
            }
        }
    }
}

fn walk_har(
    value: &serde_json::Value,
    at: &mut String,
    keep: &[Personal],
    named: &mut std::collections::HashSet<String>,
    found: &mut impl FnMut(String, String, &str),
) {
    use serde_json::Value;
    match value {
        // A value reported for its name is not reported again for its shape.
        Value::String(_) if named.contains(at.as_str()) => {}
        Value::String(text) => {
            for (what, value) in text_findings(text, keep) {
                found(at.clone(), what, &value);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let before = at.len();
                at.push_str(&format!("[{index}]"));
                walk_har(item, at, keep, named, found);
                at.truncate(before);
            }
        }
        Value::Object(map) => {
            if let (Some(Value::String(name)), Some(Value::String(value))) =
                (map.get("name"), map.get("value"))
                && let Some(what) = named_pair(name, value, keep)
            {
                named.insert(format!("{at}.value"));
                found(format!("{at}.value"), what, value);
            }
            for (key, item) in map {
                let before = at.len();
                if !at.is_empty() {
                    at.push('.');
                }
                at.push_str(key);
                walk_har(item, at, keep, named, found);
                at.truncate(before);
            }
        }
        _ => {}
    }
}

/// A `{"name", "value"}` pair that gives a credential or a person away.
fn named_pair(name: &str, value: &str, keep: &[Personal]) -> Option<String> {
    let value = value.trim();
    if value.is_empty() || value.starts_with(REDACTED) {
        return None;
    }
    let credential = crate::redact::is_secret_header(name)
        || crate::redact::is_secret_param(name)
        || crate::redact::names::is_credential_cookie(name);
    if credential {
        // A name that looks generated may itself be a secret: not printed whole.
        let shown = if crate::redact::names::looks_random(name) {
            mask(name)
        } else {
            name.to_string()
        };
        return Some(format!("a value for the credential name {shown:?}"));
    }
    let personal = crate::redact::names::personal_field(name)?;
    if keep.contains(&personal) || is_pseudonym(value) || is_example_address(value) {
        return None;
    }
    Some(format!("personal data ({})", personal_words(personal)))
}

/// What the finders see in one text, described; each value once.
fn text_findings(text: &str, keep: &[Personal]) -> Vec<(String, String)> {
    let decoded = Decoded::new(text);
    let mut found_here = text::find(&decoded, false);
    found_here.sort_by_key(|found| found.range.start);
    let mut reported_up_to = 0;
    let mut described = Vec::new();
    for found in found_here {
        if found.range.start < reported_up_to {
            continue;
        }
        if let Some(what) = describe(&found.kind, &found.value, keep) {
            reported_up_to = found.range.end;
            described.push((what, found.value));
        }
    }
    described
}

/// What a finding is, in words; `None` when it is a placeholder, a pseudonym or kept.
fn describe(kind: &Kind, value: &str, keep: &[Personal]) -> Option<String> {
    let value = value.trim();
    if value.is_empty()
        || value.starts_with(REDACTED)
        || value.starts_with('{')
        || value.starts_with('[')
        || is_shape_placeholder(value)
    {
        return None;
    }
    Some(match kind {
        Kind::NamedSecret { name, .. } => format!("a value for the credential name {name:?}"),
        Kind::Bearer => "a Bearer credential".into(),
        Kind::Basic => "a Basic credential (user name and password)".into(),
        Kind::Jwt => "a JSON Web Token".into(),
        Kind::UrlPassword => "a password in a URL".into(),
        Kind::UrlUser if !keep.contains(&Personal::Username) && !is_pseudonym(value) => {
            "a user name in a URL".into()
        }
        Kind::NamedPersonal(personal) if !keep.contains(personal) && !is_pseudonym(value) => {
            if is_example_address(value) {
                return None;
            }
            format!("personal data ({})", personal_words(*personal))
        }
        Kind::Email
            if !keep.contains(&Personal::Email)
                && !is_example_address(value)
                && !is_pseudonym(value) =>
        {
            "an e-mail address".into()
        }
        _ => return None,
    })
}

/// A shape's placeholder for a value (`<username>`, `<string>`): what `shape infer` writes in
/// place of one-off values, never a value itself.
fn is_shape_placeholder(value: &str) -> bool {
    value
        .strip_prefix('<')
        .and_then(|inner| inner.strip_suffix('>'))
        .is_some_and(|inner| {
            !inner.is_empty()
                && inner
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        })
}

fn personal_words(kind: Personal) -> &'static str {
    match kind {
        Personal::Username => "a user name",
        Personal::Email => "an e-mail address",
        Personal::FullName => "a full name",
        Personal::FirstName => "a first name",
        Personal::LastName => "a last name",
    }
}

/// Whether `value` is one of the recorder's pseudonyms (`user-3`, `First-3 Last-3`, …).
fn is_pseudonym(value: &str) -> bool {
    let numbered = |word: &str, prefix: &str| {
        word.strip_prefix(prefix)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    numbered(value, "user-")
        || value
            .strip_suffix("@example.com")
            .is_some_and(|user| numbered(user, "user-"))
        || numbered(value, "First-")
        || numbered(value, "Last-")
        || value
            .split_once(' ')
            .is_some_and(|(first, last)| numbered(first, "First-") && numbered(last, "Last-"))
}

/// Line and column (1-based, in characters) of byte `offset` of `text`.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    (line, text[line_start..offset].chars().count() + 1)
}

/// A value shown without giving it away: its first three characters and its length.
fn mask(value: &str) -> String {
    let shown: String = value.chars().take(3).collect();
    format!("{shown}…, {} characters", value.chars().count())
}

/// The closing verdict of a recording: the scan of the folders it wrote, in a few lines.
pub fn verdict_for(finished: &crate::record::writer::Finished) -> (String, bool) {
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
    fn pseudonyms_and_placeholders_are_not_findings() {
        for value in [
            "user-12",
            "user-3@example.com",
            "First-2 Last-2",
            "REDACTED",
        ] {
            assert!(
                describe(&Kind::NamedPersonal(Personal::Username), value, &[]).is_none(),
                "{value}"
            );
        }
        assert!(describe(&Kind::NamedPersonal(Personal::Username), "jane", &[]).is_some());
        assert!(describe(&Kind::Email, "jane@customer.com", &[Personal::Email]).is_none());
    }

    #[test]
    fn places_are_lines_and_columns_and_values_are_masked() {
        assert_eq!(line_and_column("ab\ncdé f", 8), (2, 5));
        assert_eq!(mask("secretvalue"), "sec…, 11 characters");
    }
}
