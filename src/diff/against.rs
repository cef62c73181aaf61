//! `jobmock diff --against OTHER PATH…`: the shapes of two recordings of the same jobs compared,
//! values ignored: which fields appeared, vanished or changed type, per job type and status.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

use super::report::Paint;
use crate::shape::kind_of;

/// Per (job type, status), each field path seen and the kinds of value it had.
pub type FieldKinds = BTreeMap<(String, String), BTreeMap<String, BTreeSet<&'static str>>>;

/// Collects the field paths and kinds of `payloads`.
pub fn field_kinds<'a>(payloads: impl IntoIterator<Item = &'a Value>) -> FieldKinds {
    let mut kinds = FieldKinds::new();
    for payload in payloads {
        let text = |field: &str| {
            payload
                .get(field)
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_string()
        };
        let fields = kinds.entry((text("type"), text("status"))).or_default();
        collect(payload, "", fields);
    }
    kinds
}

fn collect(value: &Value, path: &str, fields: &mut BTreeMap<String, BTreeSet<&'static str>>) {
    match value {
        Value::Object(map) => {
            for (name, child) in map {
                let child_path = if path.is_empty() {
                    name.clone()
                } else {
                    format!("{path}.{name}")
                };
                fields
                    .entry(child_path.clone())
                    .or_default()
                    .insert(kind_of(child));
                collect(child, &child_path, fields);
            }
        }
        Value::Array(items) => {
            let item_path = format!("{path}[]");
            for item in items {
                fields
                    .entry(item_path.clone())
                    .or_default()
                    .insert(kind_of(item));
                collect(item, &item_path, fields);
            }
        }
        _ => {}
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    #[serde(rename = "type")]
    pub job_type: String,
    pub status: String,
    pub path: String,
    /// `appeared`, `vanished` or `changed-type`.
    pub change: &'static str,
    pub before: Vec<&'static str>,
    pub after: Vec<&'static str>,
}

/// What changed from `before` (the `--against` recording) to `after`. A job type and status
/// seen on one side only is not compared: there is nothing to compare it with.
pub fn compare(before: &FieldKinds, after: &FieldKinds) -> Vec<Change> {
    let mut changes = Vec::new();
    for (key, after_fields) in after {
        let Some(before_fields) = before.get(key) else {
            continue;
        };
        let paths: BTreeSet<&String> = before_fields.keys().chain(after_fields.keys()).collect();
        for path in paths {
            let (was, now) = (before_fields.get(path), after_fields.get(path));
            let change = match (was, now) {
                (None, Some(_)) => "appeared",
                (Some(_), None) => "vanished",
                (Some(was), Some(now)) if was != now => "changed-type",
                _ => continue,
            };
            changes.push(Change {
                job_type: key.0.clone(),
                status: key.1.clone(),
                path: path.clone(),
                change,
                before: was
                    .map(|kinds| kinds.iter().copied().collect())
                    .unwrap_or_default(),
                after: now
                    .map(|kinds| kinds.iter().copied().collect())
                    .unwrap_or_default(),
            });
        }
    }
    changes
}

/// Job types and statuses seen on only one side, as (side, type, status).
pub fn unmatched<'a>(
    before: &'a FieldKinds,
    after: &'a FieldKinds,
) -> Vec<(&'static str, &'a str, &'a str)> {
    let only = |side, this: &'a FieldKinds, other: &FieldKinds| {
        this.keys()
            .filter(|key| !other.contains_key(*key))
            .map(move |(job_type, status)| (side, job_type.as_str(), status.as_str()))
            .collect::<Vec<_>>()
    };
    let mut found = only("only in the --against recording", before, after);
    found.extend(only("only in the new recording", after, before));
    found
}

pub fn text(changes: &[Change], unmatched: &[(&str, &str, &str)], colour: bool) -> String {
    let paint = Paint { on: colour };
    let mut out = String::new();
    let mut current: Option<(&str, &str)> = None;
    for change in changes {
        let key = (change.job_type.as_str(), change.status.as_str());
        if current != Some(key) {
            let _ = writeln!(out, "{}", paint.bold(&format!("{}, {}:", key.0, key.1)));
            current = Some(key);
        }
        let line = match change.change {
            "appeared" => format!("+ {} ({}) appeared", change.path, change.after.join(" or ")),
            "vanished" => format!(
                "- {} ({}) vanished",
                change.path,
                change.before.join(" or ")
            ),
            _ => format!(
                "~ {}: {} became {}",
                change.path,
                change.before.join(" or "),
                change.after.join(" or ")
            ),
        };
        let _ = writeln!(out, "  {}", paint.diff_line(&line));
    }
    for (side, job_type, status) in unmatched {
        let _ = writeln!(out, "note: {job_type}, {status}: {side}, not compared");
    }
    let _ = writeln!(
        out,
        "{}",
        if changes.is_empty() {
            "no field appeared, vanished or changed type".to_string()
        } else {
            format!("{} change(s) in the shape of the payloads", changes.len())
        }
    );
    out
}

pub fn json(changes: &[Change]) -> String {
    let document = serde_json::json!({"drift": !changes.is_empty(), "changes": changes});
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
        let old = [json!({"type": "t", "status": "COMPLETED", "a": 1, "gone": "x", "list": ["s"]})];
        let new = [
            json!({"type": "t", "status": "COMPLETED", "a": "1", "new": {"b": true}, "list": ["s"]}),
        ];
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
    }
}
