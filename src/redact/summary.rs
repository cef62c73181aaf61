//! What redaction replaced, for the person who reviews a recording before sending it: per
//! file, how many values of each kind were replaced, counted from what was written (the
//! placeholders and pseudonyms in it), so it is true of the files as they are and can never
//! hold a value. `record` and `import har` write it into the set as [`SUMMARY_FILE`], which
//! replay does not read; all three commands print its totals.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Serialize;

use crate::error::Result;

/// The summary's file at the top of a set (replay reads only `jobs/`, `exchanges/`,
/// `templates/`, `server.json` and `users.json`).
pub const SUMMARY_FILE: &str = "redactions.json";

/// The kinds of value redaction writes in place of another, by what it writes.
const KINDS: [&str; 6] = [
    "credential",
    "field value (--redact-field)",
    "e-mail address",
    "user name",
    "first name",
    "last name",
];

/// Counts per kind (the words of [`KINDS`]).
pub type Tally = BTreeMap<&'static str, usize>;

#[derive(Debug, Default, Serialize)]
pub struct Summary {
    /// What this file is, for whoever opens it.
    about: &'static str,
    /// Per kind, in all files.
    pub totals: Tally,
    /// Per file (relative to the set), per kind; files with nothing replaced are left out.
    pub files: BTreeMap<String, Tally>,
}

const ABOUT: &str = "What jobmock's redaction replaced in this set, counted per file and kind from the \
                     files as written; no value is in it. Replay does not read this file.";

/// The kinds of what `text` holds in place of values, counted.
pub fn tally(text: &str) -> Tally {
    static PATTERN: OnceLock<regex::Regex> = OnceLock::new();
    let pattern = PATTERN.get_or_init(|| {
        regex::Regex::new(
            r"\b(?:(REDACTED-[A-Za-z0-9_.]+-[0-9]+)|(REDACTED)|(user-[0-9]+@example\.com)|(user-[0-9]+)|(First-[0-9]+)|(Last-[0-9]+))\b",
        )
        .expect("a valid pattern")
    });
    let mut counts = Tally::new();
    for found in pattern.captures_iter(text) {
        let kind = (1..=6)
            .find(|group| found.get(*group).is_some())
            .map(|group| [KINDS[1], KINDS[0], KINDS[2], KINDS[3], KINDS[4], KINDS[5]][group - 1]);
        if let Some(kind) = kind {
            *counts.entry(kind).or_default() += 1;
        }
    }
    counts
}

/// The summary of the files under `folders`, named relative to `root`.
pub fn of_folders(root: &Path, folders: &[PathBuf]) -> Summary {
    let mut summary = Summary {
        about: ABOUT,
        ..Summary::default()
    };
    for folder in folders {
        for entry in walkdir::WalkDir::new(folder).sort_by_file_name() {
            let Ok(entry) = entry else { continue };
            if !entry.file_type().is_file() {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(entry.path()) else {
                continue;
            };
            let counts = tally(&text);
            if counts.is_empty() {
                continue;
            }
            let name = entry
                .path()
                .strip_prefix(root)
                .unwrap_or(entry.path())
                .display()
                .to_string();
            summary.add(name, counts);
        }
    }
    summary
}

impl Summary {
    /// The summary of one document (a sanitized HAR), under `name`.
    pub fn of_document(name: &str, text: &str) -> Summary {
        let mut summary = Summary {
            about: ABOUT,
            ..Summary::default()
        };
        summary.add(name.to_string(), tally(text));
        summary
    }

    fn add(&mut self, name: String, counts: Tally) {
        for (kind, count) in &counts {
            *self.totals.entry(kind).or_default() += count;
        }
        if !counts.is_empty() {
            self.files.insert(name, counts);
        }
    }

    /// Writes the summary into the set, whole (a summary of an earlier recording into the
    /// same set is replaced: it describes the files as they are now).
    pub fn write(&self, root: &Path) -> Result<()> {
        let mut json = serde_json::to_vec_pretty(self).expect("a summary serialises");
        json.push(b'\n');
        crate::util::write::file(&root.join(SUMMARY_FILE), &json)
    }

    /// One line of totals, by kind: `12 credentials, 3 user names … in 9 files`.
    pub fn line(&self) -> String {
        if self.totals.is_empty() {
            return "nothing replaced".into();
        }
        let kinds: Vec<String> = KINDS
            .iter()
            .filter_map(|kind| {
                self.totals
                    .get(kind)
                    .map(|count| format!("{count} × {kind}"))
            })
            .collect();
        format!("{} in {} file(s)", kinds.join(", "), self.files.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_redaction_wrote_is_counted_by_kind() {
        let counts = tally(
            r#"{"token": "REDACTED", "u": "user-2", "e": "user-2@example.com", "n": "First-2 Last-2", "f": "REDACTED-itemId-1", "x": "REDACTEDish"}"#,
        );
        assert_eq!(counts["credential"], 1);
        assert_eq!(counts["user name"], 1);
        assert_eq!(counts["e-mail address"], 1);
        assert_eq!(counts["first name"], 1);
        assert_eq!(counts["last name"], 1);
        assert_eq!(counts["field value (--redact-field)"], 1);
    }
}
