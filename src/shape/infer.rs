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

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{Field, Kinds, Node, Required, Shape};
use crate::redact::is_secret_param;
use crate::redact::names::{looks_random, personal_field};

/// Whether the field `label` names (an array's items are `<field> item`) holds personal data
/// or a credential, whose values are never written into a shape.
fn is_sensitive(label: &str) -> bool {
    let name = label.trim_end_matches(" item");
    personal_field(name).is_some() || is_secret_param(name)
}

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

fn builtin_shape(job_type: &str) -> Option<Shape> {
    super::builtin::BUILTIN
        .iter()
        .find(|(known, _)| *known == job_type)
        .and_then(|(_, text)| super::parse::parse(text).ok())
}

/// `learned`, with the nodes and rules of `known` (the built-in shape) for the fields it knows,
/// and its fields never seen added; every rule that one of `payloads` breaks is taken from
/// `learned` again.
fn keep_known_rules(known: &Shape, learned: Shape, payloads: &[&Value]) -> Shape {
    let mut merged = Shape {
        root: merge(&known.root, &learned.root),
    };
    // Each round takes back one field at least; a shape has few.
    for _ in 0..256 {
        let broken: Vec<String> = payloads
            .iter()
            .flat_map(|payload| merged.check(payload))
            .map(|finding| field_path(&finding.path).to_string())
            .collect();
        if broken.is_empty() {
            return merged;
        }
        for path in broken {
            if !take_back(&mut merged.root, &learned.root, &path) {
                return learned;
            }
        }
    }
    learned
}

/// The path of the field a finding is about: `messages[0]` is about `messages`.
fn field_path(path: &str) -> &str {
    path.split('[').next().unwrap_or(path)
}

/// The known node with the learned fields it does not know added; known fields keep their
/// node and rules (objects merged field by field), known fields never seen are added as the
/// known shape has them.
fn merge(known: &Node, learned: &Node) -> Node {
    let (Node::Object(known_fields), Node::Object(learned_fields)) = (known, learned) else {
        return known.clone();
    };
    let mut fields: Vec<Field> = learned_fields
        .iter()
        .map(
            |field| match known_fields.iter().find(|k| k.name == field.name) {
                Some(known) => Field {
                    node: merge(&known.node, &field.node),
                    ..known.clone()
                },
                None => field.clone(),
            },
        )
        .collect();
    for known in known_fields {
        if !fields.iter().any(|field| field.name == known.name) {
            fields.push(known.clone());
        }
    }
    Node::Object(fields)
}

/// Puts the learned field at `path` (dotted) back in `merged` in place of the known one; a
/// known field never seen is made optional. False when there is no such field to take back.
fn take_back(merged: &mut Node, learned: &Node, path: &str) -> bool {
    let (name, rest) = match path.split_once('.') {
        Some((name, rest)) => (name, Some(rest)),
        None => (path, None),
    };
    let Node::Object(fields) = merged else {
        return false;
    };
    let Some(field) = fields.iter_mut().find(|field| field.name == name) else {
        return false;
    };
    let learned_field = match learned {
        Node::Object(learned_fields) => learned_fields.iter().find(|f| f.name == name),
        _ => None,
    };
    if let (Some(rest), Some(learned_field)) = (rest, learned_field)
        && take_back(&mut field.node, &learned_field.node, rest)
    {
        return true;
    }
    match learned_field {
        Some(learned_field) if *field != *learned_field => {
            *field = learned_field.clone();
            true
        }
        Some(_) => false,
        None if field.required != Required::No || field.available_in.is_some() => {
            field.required = Required::No;
            field.available_in = None;
            true
        }
        None => false,
    }
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
        let placeholder = Node::String {
            one_of: None,
            text: format!("<{label}>"),
        };
        // Free text is never written as itself (a one-off value is someone's name, an item's
        // ID); nor is anything of a personal or credential field, nor what looks generated.
        if self.too_many_strings
            || self.free_text
            || is_sensitive(label)
            || self.strings.iter().any(|value| looks_random(value))
        {
            return placeholder;
        }
        // Upper-case words, as statuses are: an enumeration (of one, written with an `is one
        // of` annotation, when one was seen).
        Node::String {
            text: self.strings.join("|"),
            one_of: Some(self.strings.clone()),
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
