//! Learning a shape from payloads: the union of what was seen, so a team can freeze what its
//! server does today.
//!
//! What is learned: every field seen, in the order first seen; strings become `"<field>"`, or an
//! enumeration `"A|B"` where every value seen is an upper-case word (as statuses are); numbers
//! `<field>`; booleans `true|false`; arrays one example per kind of element. A field present in
//! every payload is `required`, one present in every payload of some statuses is `required when`
//! those; one seen (non-empty) only in some of the statuses seen is `available when` those.
//!
//! What is never learned: a value seen once, written as itself. A shape file is shared and
//! committed, and a one-off value is a user's name, an item's ID, a message about one job: it
//! becomes its field's placeholder. The values of personal fields (`username`, `email`, …) and
//! credentials are placeholders even when they look like an enumeration.
//!
//! Job types with a built-in shape keep the reference's rules for the fields it knows (the
//! statuses a job may have, what is required, what is available when): a recording that never
//! reached COMPLETED does not make COMPLETED drift. A rule the payloads break is learned from
//! them instead, so the shape still accepts everything it was learned from.
//!
//! # Layout
//!
//! - this module: [`infer`] and [`infer_by_type`], which run the stages.
//! - `learn`: what the payloads hold, tallied.
//! - `nodes`: the shape written for the tally: placeholders, enumerations, unions, rules.
//! - `known`: a built-in shape's rules kept where the payloads keep them.

mod known;
mod learn;
mod nodes;

use std::collections::BTreeMap;

use serde_json::Value;

use super::Shape;
use known::{builtin_shape, keep_known_rules};
use learn::Learned;

/// Learns one shape from `payloads` (of one job type).
pub fn infer(payloads: &[&Value]) -> Shape {
    let mut root = Learned::default();
    for payload in payloads {
        root.learn(payload, super::status_of(payload));
    }
    Shape {
        root: root.node("payload"),
    }
}

/// Learns a shape per job type (`type` field, or `gpJob` for a web tool's job: see
/// [`super::builtin::job_type_of`]) from `payloads`; payloads of no job type are passed over.
pub fn infer_by_type<'a>(payloads: impl IntoIterator<Item = &'a Value>) -> BTreeMap<String, Shape> {
    let mut by_type: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for payload in payloads {
        if let Some(job_type) = super::builtin::job_type_of(payload) {
            by_type
                .entry(job_type.to_string())
                .or_default()
                .push(payload);
        }
    }
    by_type
        .into_iter()
        .map(|(job_type, payloads)| {
            let learned = infer(&payloads);
            let shape = match builtin_shape(&job_type) {
                Some(known) => keep_known_rules(&known, learned, &payloads),
                None => learned,
            };
            (job_type, shape)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::{parse::parse, write::shape_text};
    use super::*;
    use serde_json::json;

    #[test]
    fn the_union_is_learned_with_enumerations_and_status_rules() {
        let payloads = [
            json!({"jobId": "j1", "status": "SUBMITTED", "startTime": 1, "flags": {"isCancelled": false}}),
            json!({"jobId": "j1", "status": "PROCESSING", "startTime": 1, "results": {}, "progress": {"percent": 50}}),
            json!({"jobId": "j1", "status": "COMPLETED", "startTime": 1, "endTime": 2, "results": {"url": "u"}, "messages": ["done"]}),
        ];
        let refs: Vec<&Value> = payloads.iter().collect();
        let shape = infer(&refs);
        let text = shape_text(&shape);
        assert!(
            text.contains("\"status\": \"SUBMITTED|PROCESSING|COMPLETED\""),
            "{text}"
        );
        assert!(text.contains("// \"jobId\" is required"), "{text}");
        assert!(
            text.contains("\"results\" is available when the job status is \"COMPLETED\""),
            "{text}"
        );
        assert!(
            text.contains("\"endTime\" is required when the job status is \"COMPLETED\""),
            "{text}"
        );
        // Values seen once are placeholders, never themselves.
        assert!(
            text.contains("\"messages\": [\n    \"<messages item>\",\n  ]")
                && text.contains("\"jobId\": \"<jobId>\""),
            "{text}"
        );
        assert!(text.contains("\"isCancelled\": true|false"), "{text}");
        let reread = parse(&text).unwrap();
        for payload in &payloads {
            assert_eq!(reread.check(payload), [], "{text}");
        }
    }
}

#[cfg(test)]
mod union_tests {
    use super::super::{parse::parse, write::shape_text};
    use super::*;
    use serde_json::json;

    /// A field seen as a string and as a number accepts both; a status seen with one value only
    /// is frozen to that value.
    #[test]
    fn mixed_kinds_make_a_union_and_one_value_stays_an_enumeration() {
        let payloads = [
            json!({"status": "PROCESSING", "startTime": 1}),
            json!({"status": "PROCESSING", "startTime": "1"}),
        ];
        let refs: Vec<&Value> = payloads.iter().collect();
        let text = shape_text(&infer(&refs));
        assert!(
            text.contains("\"startTime\": \"<startTime>\"|<startTime>"),
            "{text}"
        );
        assert!(
            text.contains("// \"status\" is one of \"PROCESSING\""),
            "{text}"
        );
        let shape = parse(&text).unwrap();
        for payload in &payloads {
            assert_eq!(shape.check(payload), [], "{text}");
        }
        let drifted = json!({"status": "EXECUTING", "startTime": 1});
        assert_eq!(shape.check(&drifted).len(), 1, "{text}");
    }
}

#[cfg(test)]
mod privacy_and_known_rules {
    use super::super::write::shape_text;
    use super::*;
    use serde_json::json;

    /// One-off values, personal fields and credentials are never written, even where they look
    /// like an enumeration.
    #[test]
    fn nothing_seen_once_personal_or_secret_is_written() {
        let payloads = [json!({
            "status": "SUBMITTED",
            "username": "JDOE",
            "owner": "jdoe",
            "email": "jane.doe@customer.example",
            "token": "ABCDEF",
            "itemId": "5d0c8a3e9f1b4c7a8e2d6f0a1b3c5e7d",
            "code": "A1B2C3D4E5F6G7H8J9",
            "note": "Hello Jane",
            "kernel": "PYTHON3"
        })];
        let refs: Vec<&Value> = payloads.iter().collect();
        let text = shape_text(&infer(&refs));
        for secret in [
            "JDOE", "jdoe", "jane", "ABCDEF", "5d0c8a3e", "A1B2", "Hello",
        ] {
            assert!(!text.contains(secret), "{secret} in\n{text}");
        }
        assert!(text.contains("\"username\": \"<username>\""), "{text}");
        assert!(text.contains("\"kernel\": \"PYTHON3\""), "{text}");
    }

    /// A recording that never reached COMPLETED keeps the reference's statuses and rules for
    /// the fields the built-in shape knows.
    #[test]
    fn known_fields_keep_the_reference_rules() {
        let payloads = [
            json!({"jobId": "j1", "type": "openNotebook", "status": "SUBMITTED"}),
            json!({"jobId": "j1", "type": "openNotebook", "status": "PROCESSING",
                   "customAttributes": {"openNotebookProgress": {"message": "m", "percent": 5}}}),
        ];
        let shapes = infer_by_type(&payloads);
        let shape = &shapes["openNotebook"];
        let completed = json!({"jobId": "j1", "type": "openNotebook", "status": "COMPLETED",
            "endTime": 3, "results": {"notebookUrl": "u", "notebookId": "n"}});
        assert_eq!(shape.check(&completed), [], "{}", shape_text(shape));
        let typo = json!({"jobId": "j1", "type": "openNotebook", "status": "PROCESING"});
        assert_eq!(shape.check(&typo).len(), 1);
    }

    /// A payload that breaks a known rule gets the learned rule for that field: the shape still
    /// accepts what it was learned from.
    #[test]
    fn a_known_rule_the_payloads_break_is_learned_instead() {
        let payloads =
            [json!({"jobId": "j1", "type": "openNotebook", "status": "EXECUTING", "endTime": "x"})];
        let shapes = infer_by_type(&payloads);
        assert_eq!(shapes["openNotebook"].check(&payloads[0]), []);
    }
}

/// The cases the property test (tests/integration/properties.rs) found, kept: what `shape
/// infer` writes must parse again and accept the payloads it was learned from.
#[cfg(test)]
mod found_by_property_tests {
    use super::super::{parse::parse, write::shape_text};
    use super::*;
    use serde_json::json;

    fn round_trip(payloads: &[Value]) {
        let learned = infer(&payloads.iter().collect::<Vec<_>>());
        let text = shape_text(&learned);
        let parsed = parse(&text).unwrap_or_else(|err| panic!("{err:?} in\n{text}"));
        for payload in payloads {
            assert!(
                parsed.check(payload).is_empty(),
                "{payload} against\n{text}"
            );
        }
    }

    #[test]
    fn a_field_seen_as_null_and_as_an_array_or_object() {
        round_trip(&[
            json!({"status": "SUBMITTED", "q": null}),
            json!({"status": "SUBMITTED", "q": []}),
            json!({"status": "SUBMITTED", "q": {"a": 1}}),
        ]);
    }

    #[test]
    fn a_field_name_that_would_end_a_placeholder() {
        round_trip(&[json!({"status": "SUBMITTED", "a": {">": 0, "x|y": 1, "<z>": true}})]);
    }

    #[test]
    fn a_string_seen_once_that_reads_as_alternatives_or_a_placeholder() {
        round_trip(&[json!({"status": "SUBMITTED", "a": "0|x", "b": "<b>", "c": "A|B"})]);
    }

    #[test]
    fn field_names_with_escapes_in_annotations() {
        round_trip(&[
            json!({"status": "FAILED", "a\"b\\c\u{b}": 1}),
            json!({"status": "COMPLETED"}),
        ]);
    }
}
