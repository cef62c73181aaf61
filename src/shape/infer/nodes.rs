//! Inference, second stage: what is written for what was tallied. A placeholder for free text,
//! one-off, personal, secret and generated values; an enumeration for upper-case words; a union
//! for values of several kinds; per field, `required` or `required when` the statuses it was
//! always present in, and `available when` those it was filled in.

use std::collections::BTreeSet;

use serde_json::Value;

use super::learn::{Learned, LearnedObject};
use crate::redact::is_secret_param;
use crate::redact::names::{looks_random, personal_field};
use crate::shape::{Field, Kinds, Node, Required};

/// Whether the field `label` names (an array's items are `<field> item`) holds personal data
/// or a credential, whose values are never written into a shape.
fn is_sensitive(label: &str) -> bool {
    let name = label.trim_end_matches(" item");
    personal_field(name).is_some() || is_secret_param(name)
}

impl Learned {
    fn has_strings(&self) -> bool {
        self.string_seen
    }

    /// The node for what was learned; `label` names its placeholders.
    pub(super) fn node(&self, label: &str) -> Node {
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
