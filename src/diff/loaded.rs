//! `diff`'s checks run over a fixture set replay has loaded (`replay --check-shapes`): every
//! step of every job and template against its shape (a job type's, or an ArcGIS error shape),
//! each job's steps as a sequence, each finding placed at its file, line and column.
//!
//! Replay calls it at start and on every reload; what to do with the findings (warn, refuse)
//! is replay's. The steps are read from memory, not from disk: only a finding that is shown has
//! its file read again, for its line and column.

use crate::util::position::line_column;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{Checked, Shapes, check_payload, sequence};
use crate::fixture::{BodyKind, FixtureSet, Job, TEMPLATES_DIR};
use crate::shape::{Finding, FindingKind};

/// One finding in a loaded set, at its place in the step file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub file: PathBuf,
    /// 1-based, in characters; where the field (or for a missing field, its object) starts.
    pub line: usize,
    pub column: usize,
    pub finding: Finding,
}

impl fmt::Display for Placed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = serde_json::to_value(self.finding.kind)
            .ok()
            .and_then(|kind| kind.as_str().map(str::to_string))
            .unwrap_or_default();
        let at = match self.finding.path.as_str() {
            "" => String::new(),
            path => format!(" at {path}"),
        };
        write!(
            f,
            "{}:{}:{}: {kind}{at}: expected {}, found {}",
            self.file.display(),
            self.line,
            self.column,
            self.finding.expected,
            self.finding.found
        )
    }
}

/// Every finding in `set`, jobs first (in folder order), then templates. Jobs are checked on
/// every core: a recording can hold thousands, and this runs before the server listens.
pub fn check_set(set: &FixtureSet, shapes: &Shapes) -> Vec<Found> {
    let jobs = crate::parallel::try_map(set.jobs(), 64, |job| {
        Ok::<_, std::convert::Infallible>(check_job(
            job,
            &set.job_dir(&job.id),
            true,
            shapes,
            set.flavour(),
        ))
    });
    let mut placed = match jobs {
        Ok(placed) => placed,
        Err(never) => match never {},
    };
    let mut templates: Vec<(&str, &Job)> = set.templates().collect();
    templates.sort_by_key(|(job_type, _)| *job_type);
    for (job_type, job) in templates {
        let dir = set.root().join(TEMPLATES_DIR).join(job_type);
        // A template's folder is named after its type, not a job: no folder check.
        placed.extend(check_job(job, &dir, false, shapes, set.flavour()));
    }
    placed
}

/// The findings of one job's (or template's) steps, in step order.
fn check_job(
    job: &Job,
    dir: &Path,
    is_job: bool,
    shapes: &Shapes,
    flavour: crate::api::Flavour,
) -> Vec<Found> {
    let parse = |body: &[u8]| serde_json::from_slice::<Value>(body).ok();
    let mut steps: Vec<Checked> = job
        .steps
        .iter()
        .filter(|step| step.kind == BodyKind::Json)
        .filter_map(|step| {
            let payload = parse(&step.body)?;
            Some(check_payload(
                dir.join(&*step.file),
                payload,
                shapes,
                flavour,
            ))
        })
        .collect();
    sequence::check(is_job.then_some(dir), &mut steps);
    // The step a cancel ends with is not part of the sequence: its shape only.
    if let Some(step) = &job.on_cancel
        && let Some(payload) = parse(&step.body)
    {
        steps.push(check_payload(
            dir.join(&*step.file),
            payload,
            shapes,
            flavour,
        ));
    }
    steps
        .into_iter()
        .flat_map(|step| {
            let file = step.file;
            step.findings.into_iter().map(move |finding| Found {
                file: file.clone(),
                finding,
            })
        })
        .collect()
}

/// One finding in a loaded set, not yet placed: placing it reads its file again, which only the
/// findings shown are worth (a recording with a systematic drift has one in every job).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub file: PathBuf,
    pub finding: Finding,
}

impl Found {
    /// The finding at its line and column, read from its file now.
    pub fn placed(&self) -> Placed {
        // The file was a step file when the set loaded; if it has become something else since
        // (a pipe would block the read), the finding is placed at the start.
        let is_file = std::fs::metadata(&self.file).is_ok_and(|meta| meta.is_file());
        let text = is_file
            .then(|| crate::util::read::at_most(&self.file, crate::fixture::MAX_FIXTURE_FILE).ok())
            .flatten()
            .flatten()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .unwrap_or_default();
        let (line, column) = place(&text, &self.finding);
        Placed {
            file: self.file.clone(),
            line,
            column,
            finding: self.finding.clone(),
        }
    }
}

/// Where `finding` is in `text`: its field, or for a field that is missing, the object that
/// should hold it; the start of the file when the text has changed since it was loaded.
fn place(text: &str, finding: &Finding) -> (usize, usize) {
    let mut path = finding.path.as_str();
    if finding.kind == FindingKind::MissingRequiredField {
        path = parent(path);
    }
    loop {
        if let Some(offset) = locate(text, path) {
            return line_column(text.as_bytes(), offset);
        }
        if path.is_empty() {
            return (1, 1);
        }
        path = parent(path);
    }
}

/// The path of the object or array holding `path` (`a.b[2]` → `a.b`, `a` → ``).
fn parent(path: &str) -> &str {
    match path.rfind(['.', '[']) {
        Some(at) => &path[..at],
        None => "",
    }
}

/// The byte offset in `text` (a JSON document) where the value at `target` begins: for an
/// object's field, where its name begins. Paths are written as findings write them:
/// `customAttributes.openNotebookProgress.percent`, `messages[0]`; `` is the document.
pub fn locate(text: &str, target: &str) -> Option<usize> {
    let mut scanner = Scanner {
        bytes: text.as_bytes(),
        at: 0,
        target,
    };
    scanner.space();
    if target.is_empty() {
        return (scanner.at < text.len()).then_some(scanner.at);
    }
    scanner.value("").ok().flatten()
}

/// A walk over JSON text that follows the paths of its values, for [`locate`]. Malformed text
/// ends the walk with `Err`.
struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
    target: &'a str,
}

impl Scanner<'_> {
    fn space(&mut self) {
        while self
            .bytes
            .get(self.at)
            .is_some_and(|byte| byte.is_ascii_whitespace())
        {
            self.at += 1;
        }
    }

    /// Reads the value at the cursor, whose path is `path`; the target's offset once found.
    fn value(&mut self, path: &str) -> Result<Option<usize>, ()> {
        self.space();
        match self.bytes.get(self.at).ok_or(())? {
            b'{' => {
                self.at += 1;
                loop {
                    self.space();
                    match self.bytes.get(self.at).ok_or(())? {
                        b'}' => {
                            self.at += 1;
                            return Ok(None);
                        }
                        b',' => {
                            self.at += 1;
                            continue;
                        }
                        b'"' => {}
                        _ => return Err(()),
                    }
                    let key_start = self.at;
                    let key = self.string()?;
                    let child = if path.is_empty() {
                        key
                    } else {
                        format!("{path}.{key}")
                    };
                    if child == self.target {
                        return Ok(Some(key_start));
                    }
                    self.space();
                    if self.bytes.get(self.at) != Some(&b':') {
                        return Err(());
                    }
                    self.at += 1;
                    // Only a path that leads to the target is worth following into.
                    if let Some(found) = self.value(&child)? {
                        return Ok(Some(found));
                    }
                }
            }
            b'[' => {
                self.at += 1;
                let mut index = 0;
                loop {
                    self.space();
                    match self.bytes.get(self.at).ok_or(())? {
                        b']' => {
                            self.at += 1;
                            return Ok(None);
                        }
                        b',' => {
                            self.at += 1;
                            continue;
                        }
                        _ => {}
                    }
                    let item = format!("{path}[{index}]");
                    if item == self.target {
                        return Ok(Some(self.at));
                    }
                    if let Some(found) = self.value(&item)? {
                        return Ok(Some(found));
                    }
                    index += 1;
                }
            }
            b'"' => self.string().map(|_| None),
            _ => {
                while self.bytes.get(self.at).is_some_and(|byte| {
                    !matches!(byte, b',' | b'}' | b']') && !byte.is_ascii_whitespace()
                }) {
                    self.at += 1;
                }
                Ok(None)
            }
        }
    }

    /// Reads the string at the cursor (its opening quote), decoded.
    fn string(&mut self) -> Result<String, ()> {
        let start = self.at;
        self.at += 1;
        while let Some(&byte) = self.bytes.get(self.at) {
            match byte {
                b'\\' => self.at += 2,
                b'"' => {
                    self.at += 1;
                    let raw = &self.bytes[start..self.at];
                    return serde_json::from_slice(raw).map_err(|_| ());
                }
                _ => self.at += 1,
            }
        }
        Err(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_found_where_their_field_or_item_begins() {
        let text = "{\n  \"jobId\": \"j1\",\n  \"customAttributes\": {\"isCancelled\": false},\n  \"messages\": [\"a\", \"b\"],\n  \"status\": \"PROCESING\"\n}\n";
        let at = |path| locate(text, path).map(|offset| line_column(text.as_bytes(), offset));
        assert_eq!(at("status"), Some((5, 3)));
        assert_eq!(at("customAttributes.isCancelled"), Some((3, 24)));
        assert_eq!(at("messages[1]"), Some((4, 21)));
        assert_eq!(at(""), Some((1, 1)));
        assert_eq!(at("missing"), None);
    }

    #[test]
    fn a_missing_field_is_placed_at_its_object() {
        let text = "{\n  \"inputs\": {\n    \"itemId\": \"x\"\n  }\n}";
        let finding = Finding {
            kind: FindingKind::MissingRequiredField,
            path: "inputs.other".to_string(),
            expected: String::new(),
            found: String::new(),
        };
        assert_eq!(place(text, &finding), (2, 3));
    }
}
