//! `jobmock diff --against OTHER PATH…`: the shapes of two recordings of the same jobs compared,
//! values ignored: which fields appeared, vanished or changed type, per job type and status, and
//! which statuses a job type reached on one side only.
//!
//! One change seen in several statuses (a field that became a string everywhere) is one change
//! with those statuses, not one per status. A status reached on one side only is drift: a
//! server that stopped reaching COMPLETED has changed more than any field. A job type recorded
//! on one side only is a note: the recordings are of different jobs there, with nothing to
//! compare.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use super::report::Paint;
use crate::shape::kind_of;

/// What one recording holds of one job type and status: how many payloads, the first file, and
/// each field path seen with the kinds of value it had (each kind with the first file it was
/// seen in).
#[derive(Debug, Default)]
pub struct Group {
    pub payloads: usize,
    pub first_file: PathBuf,
    pub fields: BTreeMap<String, BTreeMap<&'static str, PathBuf>>,
}

/// Per (job type, status), what the payloads of one recording hold.
pub type FieldKinds = BTreeMap<(String, String), Group>;

/// Collects the field paths and kinds of `payloads` (each with its file).
pub fn field_kinds<'a>(payloads: impl IntoIterator<Item = &'a (PathBuf, Value)>) -> FieldKinds {
    let mut kinds = FieldKinds::new();
    for (file, payload) in payloads {
        // A web tool's job has no type, and says its status in `jobStatus`.
        let job_type = crate::shape::builtin::job_type_of(payload).unwrap_or("?");
        let status = crate::shape::status_of(payload).unwrap_or("?");
        let group = kinds
            .entry((job_type.to_string(), status.to_string()))
            .or_default();
        if group.payloads == 0 {
            group.first_file = file.clone();
        }
        group.payloads += 1;
        collect(payload, "", file, &mut group.fields);
    }
    kinds
}

fn collect(
    value: &Value,
    path: &str,
    file: &Path,
    fields: &mut BTreeMap<String, BTreeMap<&'static str, PathBuf>>,
) {
    let note = |fields: &mut BTreeMap<String, BTreeMap<&'static str, PathBuf>>,
                path: &str,
                value: &Value| {
        fields
            .entry(path.to_string())
            .or_default()
            .entry(kind_of(value))
            .or_insert_with(|| file.to_path_buf());
    };
    match value {
        Value::Object(map) => {
            for (name, child) in map {
                let child_path = if path.is_empty() {
                    name.clone()
                } else {
                    format!("{path}.{name}")
                };
                note(fields, &child_path, child);
                collect(child, &child_path, file, fields);
            }
        }
        Value::Array(items) => {
            let item_path = format!("{path}[]");
            for item in items {
                note(fields, &item_path, item);
                collect(item, &item_path, file, fields);
            }
        }
        _ => {}
    }
}

/// One change, in every status it was seen in.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    #[serde(rename = "type")]
    pub job_type: String,
    /// The statuses whose payloads show it, in the order of a job's life.
    pub statuses: Vec<String>,
    /// The field's path; `status` for a status reached on one side only.
    pub path: String,
    /// `appeared`, `vanished`, `changed-type`; `status-appeared`, `status-vanished`.
    pub change: &'static str,
    pub before: Vec<&'static str>,
    pub after: Vec<&'static str>,
    /// Files that show it: in the `--against` recording (`before`) and in the new one
    /// (`after`), one per status at most.
    pub files: Files,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Files {
    pub before: Vec<String>,
    pub after: Vec<String>,
}

/// Where a status stands in a job's life, to list statuses in that order: a notebook job's,
/// then a web tool's in the order `api::webtool::STATUSES` gives them.
fn life_order(status: &str) -> (usize, String) {
    let notebook = [
        "SUBMITTED",
        "PROCESSING",
        "EXECUTING",
        "COMPLETED",
        "FAILED",
    ];
    let rank = notebook
        .iter()
        .chain(&crate::api::webtool::STATUSES)
        .position(|known| *known == status)
        .unwrap_or(usize::MAX);
    (rank, status.to_string())
}

/// What changed from `before` (the `--against` recording) to `after`, one change per field,
/// kind of change and kinds, with the statuses it was seen in; then the statuses of a job type
/// reached on one side only.
pub fn compare(before: &FieldKinds, after: &FieldKinds) -> Vec<Change> {
    type Key = (
        String,
        String,
        &'static str,
        Vec<&'static str>,
        Vec<&'static str>,
    );
    let mut grouped: BTreeMap<Key, Change> = BTreeMap::new();
    let mut add = |change: Change| {
        let key = (
            change.job_type.clone(),
            change.path.clone(),
            change.change,
            change.before.clone(),
            change.after.clone(),
        );
        match grouped.get_mut(&key) {
            Some(existing) => {
                existing.statuses.extend(change.statuses);
                existing.files.before.extend(change.files.before);
                existing.files.after.extend(change.files.after);
            }
            None => {
                grouped.insert(key, change);
            }
        }
    };
    for (key, after_group) in after {
        let Some(before_group) = before.get(key) else {
            continue;
        };
        let paths: BTreeSet<&String> = before_group
            .fields
            .keys()
            .chain(after_group.fields.keys())
            .collect();
        for path in paths {
            let (was, now) = (before_group.fields.get(path), after_group.fields.get(path));
            let change = match (was, now) {
                (None, Some(_)) => "appeared",
                (Some(_), None) => "vanished",
                (Some(was), Some(now)) if !was.keys().eq(now.keys()) => "changed-type",
                _ => continue,
            };
            let kinds = |side: Option<&BTreeMap<&'static str, PathBuf>>| -> Vec<&'static str> {
                side.map(|kinds| kinds.keys().copied().collect())
                    .unwrap_or_default()
            };
            // The file that shows the change on each side: one with a kind the other side
            // lacks, else the first with the field.
            let example =
                |side: Option<&BTreeMap<&'static str, PathBuf>>,
                 other: Option<&BTreeMap<&'static str, PathBuf>>| {
                    side.and_then(|kinds| {
                        kinds
                            .iter()
                            .find(|(kind, _)| other.is_none_or(|other| !other.contains_key(*kind)))
                            .or_else(|| kinds.iter().next())
                            .map(|(_, file)| file.display().to_string())
                    })
                    .into_iter()
                    .collect()
                };
            add(Change {
                job_type: key.0.clone(),
                statuses: vec![key.1.clone()],
                path: path.clone(),
                change,
                before: kinds(was),
                after: kinds(now),
                files: Files {
                    before: example(was, now),
                    after: example(now, was),
                },
            });
        }
    }
    let mut changes: Vec<Change> = grouped.into_values().collect();
    // Statuses reached on one side only, for job types both sides recorded.
    let types =
        |side: &FieldKinds| -> BTreeSet<String> { side.keys().map(|(t, _)| t.clone()).collect() };
    let both: BTreeSet<String> = types(before).intersection(&types(after)).cloned().collect();
    for job_type in &both {
        for (change, this, other, is_before) in [
            ("status-vanished", before, after, true),
            ("status-appeared", after, before, false),
        ] {
            let only: Vec<(&String, &Group)> = this
                .iter()
                .filter(|((t, status), _)| {
                    t == job_type && !other.contains_key(&(t.clone(), status.clone()))
                })
                .map(|((_, status), group)| (status, group))
                .collect();
            if only.is_empty() {
                continue;
            }
            let files: Vec<String> = only
                .iter()
                .map(|(_, group)| group.first_file.display().to_string())
                .collect();
            changes.push(Change {
                job_type: job_type.clone(),
                statuses: only.iter().map(|(status, _)| (*status).clone()).collect(),
                path: "status".to_string(),
                change,
                before: Vec::new(),
                after: Vec::new(),
                files: if is_before {
                    Files {
                        before: files,
                        after: Vec::new(),
                    }
                } else {
                    Files {
                        before: Vec::new(),
                        after: files,
                    }
                },
            });
        }
    }
    for change in &mut changes {
        change.statuses.sort_by_key(|status| life_order(status));
        change.statuses.dedup();
    }
    changes.sort_by(|a, b| a.job_type.cmp(&b.job_type));
    changes
}

/// Job types recorded on one side only, as (side, type): notes, not drift.
pub fn unmatched<'a>(
    before: &'a FieldKinds,
    after: &'a FieldKinds,
) -> Vec<(&'static str, &'a str)> {
    let types = |side: &'a FieldKinds| -> BTreeSet<&'a str> {
        side.keys().map(|(t, _)| t.as_str()).collect()
    };
    let (was, now) = (types(before), types(after));
    let mut found: Vec<(&'static str, &'a str)> = was
        .difference(&now)
        .map(|t| ("only in the --against recording", *t))
        .collect();
    found.extend(
        now.difference(&was)
            .map(|t| ("only in the new recording", *t)),
    );
    found
}

/// What was compared, for the closing line and the JSON report.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    /// Job payloads read from the `--against` recording and from the new one.
    pub payloads_before: usize,
    pub payloads_after: usize,
    /// Job type and status pairs found on both sides, compared field by field.
    pub statuses_compared: usize,
    pub changes: usize,
}

impl Totals {
    pub fn of(before: &FieldKinds, after: &FieldKinds, changes: &[Change]) -> Totals {
        Totals {
            payloads_before: before.values().map(|g| g.payloads).sum(),
            payloads_after: after.values().map(|g| g.payloads).sum(),
            statuses_compared: after.keys().filter(|key| before.contains_key(*key)).count(),
            changes: changes.len(),
        }
    }
}

pub fn text(
    changes: &[Change],
    unmatched: &[(&str, &str)],
    totals: Totals,
    colour: bool,
) -> String {
    let paint = Paint { on: colour };
    let mut out = String::new();
    let mut current: Option<&str> = None;
    for change in changes {
        if current != Some(change.job_type.as_str()) {
            let _ = writeln!(out, "{}", paint.bold(&format!("{}:", change.job_type)));
            current = Some(&change.job_type);
        }
        let statuses = change.statuses.join(", ");
        let line = match change.change {
            "appeared" => format!(
                "+ {} ({}) appeared, in {statuses}",
                change.path,
                change.after.join(" or ")
            ),
            "vanished" => format!(
                "- {} ({}) vanished, in {statuses}",
                change.path,
                change.before.join(" or ")
            ),
            "status-vanished" => format!(
                "- status {statuses}: reached in the --against recording, never in the new one"
            ),
            "status-appeared" => format!(
                "+ status {statuses}: reached in the new recording, never in the --against one"
            ),
            _ => format!(
                "~ {}: {} became {}, in {statuses}",
                change.path,
                change.before.join(" or "),
                change.after.join(" or ")
            ),
        };
        let _ = writeln!(out, "  {}", paint.diff_line(&line));
        let example = change.files.after.first().or(change.files.before.first());
        if let Some(file) = example {
            let _ = writeln!(out, "      e.g. {file}");
        }
    }
    for (side, job_type) in unmatched {
        let _ = writeln!(out, "note: {job_type}: {side}, not compared");
    }
    let compared = format!(
        "compared {} payload(s) with {} in {} status(es) of the job types on both sides",
        totals.payloads_after, totals.payloads_before, totals.statuses_compared
    );
    let _ = writeln!(
        out,
        "{compared}: {}",
        if changes.is_empty() {
            "no field appeared, vanished or changed type, and every status is on both sides"
                .to_string()
        } else {
            format!("{} change(s) in the shape of the payloads", changes.len())
        }
    );
    out
}

pub fn json(
    changes: &[Change],
    unmatched: &[(&str, &str)],
    totals: Totals,
    folders: Option<&super::folders::Folders>,
) -> String {
    let notes: Vec<Value> = unmatched
        .iter()
        .map(|(side, job_type)| serde_json::json!({"type": job_type, "note": side}))
        .collect();
    let mut document = serde_json::json!({
        "drift": !changes.is_empty(),
        "totals": totals,
        "changes": changes,
        "notes": notes,
    });
    if let Some(folders) = folders {
        document["folders"] = serde_json::to_value(folders).expect("the listing serialises");
    }
    let mut text = serde_json::to_string_pretty(&document).expect("the report serialises");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn appeared_vanished_and_changed_fields_are_found() {
        let old = [(
            PathBuf::from("old/1.json"),
            json!({"type": "t", "status": "COMPLETED", "a": 1, "gone": "x", "list": ["s"]}),
        )];
        let new = [(
            PathBuf::from("new/1.json"),
            json!({"type": "t", "status": "COMPLETED", "a": "1", "new": {"b": true}, "list": ["s"]}),
        )];
        let changes = compare(&field_kinds(&old), &field_kinds(&new));
        let summary: Vec<(&str, &str)> = changes
            .iter()
            .map(|c| (c.path.as_str(), c.change))
            .collect();
        assert_eq!(
            summary,
            [
                ("a", "changed-type"),
                ("gone", "vanished"),
                ("new", "appeared"),
                ("new.b", "appeared")
            ]
        );
        assert_eq!(changes[0].files.after, ["new/1.json"]);
    }

    /// A field that changed type in every status is one change; a status one side never
    /// reached is drift.
    #[test]
    fn one_change_in_several_statuses_is_one_and_a_lost_status_is_drift() {
        let payload = |status: &str, time: Value| {
            (
                PathBuf::from(format!("{status}.json")),
                json!({"type": "t", "status": status, "startTime": time}),
            )
        };
        let old = [
            payload("SUBMITTED", json!(1)),
            payload("PROCESSING", json!(1)),
            payload("COMPLETED", json!(1)),
        ];
        let new = [
            payload("SUBMITTED", json!("1")),
            payload("PROCESSING", json!("1")),
        ];
        let changes = compare(&field_kinds(&old), &field_kinds(&new));
        let summary: Vec<(&str, &str, Vec<String>)> = changes
            .iter()
            .map(|c| (c.path.as_str(), c.change, c.statuses.clone()))
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "startTime",
                    "changed-type",
                    vec!["SUBMITTED".into(), "PROCESSING".into()]
                ),
                ("status", "status-vanished", vec!["COMPLETED".into()]),
            ]
        );
    }

    /// A web tool's jobs are compared under `gpJob` by their `jobStatus`, in life order.
    #[test]
    fn web_tool_jobs_are_grouped_by_their_job_status() {
        let step = |status: &str| {
            let payload = json!({"jobId": "j1", "jobStatus": status});
            (PathBuf::from(format!("{status}.json")), payload)
        };
        let old = [step("esriJobSubmitted"), step("esriJobSucceeded")];
        let new = [step("esriJobSubmitted"), step("esriJobFailed")];
        let changes = compare(&field_kinds(&old), &field_kinds(&new));
        let summary: Vec<(&str, &str, &str)> = changes
            .iter()
            .map(|c| (c.job_type.as_str(), c.change, c.statuses[0].as_str()))
            .collect();
        assert_eq!(
            summary,
            [
                ("gpJob", "status-vanished", "esriJobSucceeded"),
                ("gpJob", "status-appeared", "esriJobFailed"),
            ]
        );
        assert!(life_order("esriJobSubmitted") < life_order("esriJobSucceeded"));
    }
}
