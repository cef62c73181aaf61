//! Learning a shape from payloads: the union of what was seen, so a team can freeze what its
//! server does today.
//!
//! What is learned: every field seen, in the order first seen; strings become `"<field>"`, or an
//! enumeration `"A|B"` where every value seen is an upper-case word (as statuses are); numbers
//! `<field>`; booleans `true|false`; arrays one example per kind of element. A field present in
//! every payload is `required`, one present in every payload of some statuses is `required when`
//! those; one seen (non-empty) only in some of the statuses seen is `available when` those.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{Field, Kinds, Node, Required, Shape};

/// Learns one shape from `payloads` (of one job type).
pub fn infer(payloads: &[&Value]) -> Shape {
    let mut root = Learned::default();
    for payload in payloads {
        let status = payload.get("status").and_then(Value::as_str);
        root.learn(payload, status);
    }
    Shape {
        root: root.node("payload"),
    }
}

/// Learns a shape per job type (`type` field) from `payloads`; payloads without a type are
/// passed over.
pub fn infer_by_type<'a>(payloads: impl IntoIterator<Item = &'a Value>) -> BTreeMap<String, Shape> {
    let mut by_type: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for payload in payloads {
        if let Some(job_type) = payload.get("type").and_then(Value::as_str) {
            by_type
                .entry(job_type.to_string())
                .or_default()
                .push(payload);
        }
    }
    by_type
        .into_iter()
        .map(|(job_type, payloads)| (job_type, infer(&payloads)))
        .collect()
}

/// Strings seen beyond this many distinct values are not an enumeration.
const MAX_ENUMERATION: usize = 16;

#[derive(Default)]
struct Learned {
    string_seen: bool,
    /// The distinct strings seen, in the order first seen, up to [`MAX_ENUMERATION`].
    strings: Vec<String>,
    too_many_strings: bool,
    /// Whether any string seen was not an upper-case word.
    free_text: bool,
    kinds: Kinds,
    object: Option<LearnedObject>,
    items: Option<Box<Learned>>,
}

#[derive(Default)]
struct LearnedObject {
    fields: Vec<(String, LearnedField)>,
    /// How often this object was seen, in all and per status.
    seen: usize,
    seen_by_status: BTreeMap<String, usize>,
}

#[derive(Default)]
struct LearnedField {
    value: Learned,
    present: usize,
    present_by_status: BTreeMap<String, usize>,
    /// The statuses in which the field was seen with content.
    filled_in: BTreeSet<String>,
}

impl Learned {
    fn learn(&mut self, value: &Value, status: Option<&str>) {
        match value {
            Value::String(text) => {
                self.string_seen = true;
                let is_word = text.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                    && text
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
                if !is_word {
                    self.free_text = true;
                }
                if !self.strings.contains(text) {
                    if self.strings.len() < MAX_ENUMERATION {
                        self.strings.push(text.clone());
                    } else {
                        self.too_many_strings = true;
                    }
                }
            }
            Value::Array(items) => {
                let learned = self.items.get_or_insert_with(Box::default);
                for item in items {
                    learned.learn(item, status);
                }
            }
            Value::Object(map) => {
                let object = self.object.get_or_insert_with(LearnedObject::default);
                object.seen += 1;
                if let Some(status) = status {
                    *object.seen_by_status.entry(status.to_string()).or_default() += 1;
                }
                for (name, field_value) in map {
                    let index = match object.fields.iter().position(|(known, _)| known == name) {
                        Some(index) => index,
                        None => {
                            object.fields.push((name.clone(), LearnedField::default()));
                            object.fields.len() - 1
                        }
                    };
                    let field = &mut object.fields[index].1;
                    field.present += 1;
                    if let Some(status) = status {
                        *field
                            .present_by_status
                            .entry(status.to_string())
                            .or_default() += 1;
                        if !super::is_empty(field_value) {
                            field.filled_in.insert(status.to_string());
                        }
                    }
                    field.value.learn(field_value, status);
                }
            }
            scalar => self.kinds.add(scalar),
        }
    }

    fn has_strings(&self) -> bool {
        self.string_seen
    }

    /// The node for what was learned; `label` names its placeholders.
    fn node(&self, label: &str) -> Node {
        // Values of several kinds seen (a string or a number, an object or null): the union.
        let mut alternatives = self.examples(label);
        match alternatives.len() {
            0 => self.scalar_node(label),
            1 => alternatives.remove(0),
            _ => Node::Either(alternatives),
        }
    }

    /// One example per kind of element seen.
    fn examples(&self, label: &str) -> Vec<Node> {
        let mut examples = Vec::new();
        if self.has_strings() {
            examples.push(self.string_node(label));
        }
        if self.kinds != Kinds::default() {
            examples.push(self.scalar_node(label));
        }
        if let Some(object) = &self.object {
            examples.push(object.node());
        }
        if let Some(items) = &self.items {
            examples.push(Node::Array(items.examples(&format!("{label} item"))));
        }
        examples
    }

    fn string_node(&self, label: &str) -> Node {
        if self.too_many_strings {
            return Node::String {
                one_of: None,
                text: format!("<{label}>"),
            };
        }
        if let [only] = self.strings.as_slice() {
            // The one value seen: an upper-case word stays an enumeration of one (written with
            // an `is one of` annotation); anything else is an example (any string), unless it
            // would read as something else (`"A|b"` as alternatives, `"<x>"` as a placeholder).
            let reads_as_itself = !only.contains('|') && !only.starts_with('<');
            if self.free_text && !reads_as_itself {
                return Node::String {
                    one_of: None,
                    text: format!("<{label}>"),
                };
            }
            return Node::String {
                one_of: (!self.free_text).then(|| vec![only.clone()]),
                text: only.clone(),
            };
        }
        if !self.free_text {
            return Node::String {
                text: self.strings.join("|"),
                one_of: Some(self.strings.clone()),
            };
        }
        Node::String {
            one_of: None,
            text: format!("<{label}>"),
        }
    }

    fn scalar_node(&self, label: &str) -> Node {
        let kinds = self.kinds;
        if kinds
            == (Kinds {
                boolean: true,
                ..Kinds::default()
            })
        {
            return Node::Scalar {
                kinds,
                one_of: Some(vec![Value::Bool(true), Value::Bool(false)]),
                text: "true|false".to_string(),
            };
        }
        if kinds
            == (Kinds {
                null: true,
                ..Kinds::default()
            })
        {
            return Node::Scalar {
                kinds,
                one_of: None,
                text: "null".to_string(),
            };
        }
        // A placeholder stands outside quotes: a field name that would end it early (`>`) or
        // read as something else is not used for it.
        let plain = label
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '_' | '-' | '.'));
        Node::Scalar {
            kinds: Kinds::ANY_SCALAR,
            one_of: None,
            text: if plain {
                format!("<{label}>")
            } else {
                "<value>".to_string()
            },
        }
    }
}

impl LearnedObject {
    fn node(&self) -> Node {
        let statuses_seen: BTreeSet<&String> = self.seen_by_status.keys().collect();
        let fields = self
            .fields
            .iter()
            .map(|(name, learned)| {
                let required = if learned.present == self.seen {
                    Required::Always
                } else {
                    let always_in: Vec<String> = self
                        .seen_by_status
                        .iter()
                        .filter(|(status, seen)| {
                            learned.present_by_status.get(*status) == Some(seen)
                        })
                        .map(|(status, _)| status.clone())
                        .collect();
                    if always_in.is_empty() {
                        Required::No
                    } else {
                        Required::When(always_in)
                    }
                };
                let filled: BTreeSet<&String> = learned.filled_in.iter().collect();
                let available_in = (!filled.is_empty() && filled.len() < statuses_seen.len())
                    .then(|| learned.filled_in.iter().cloned().collect());
                Field {
                    name: name.clone(),
                    node: learned.value.node(name),
                    available_in,
                    required,
                }
            })
            .collect();
        Node::Object(fields)
    }
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
        assert!(
            text.contains("\"messages\": [\n    \"done\",\n  ]")
                && text.contains("\"jobId\": \"j1\""),
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
        assert!(text.contains("\"startTime\": \"1\"|<startTime>"), "{text}");
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
