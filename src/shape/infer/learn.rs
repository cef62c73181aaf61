//! Inference, first stage: what the payloads hold, tallied. Per value, the kinds seen, its
//! distinct strings (up to [`MAX_ENUMERATION`]) and whether any was free text; per object, its
//! fields in the order first seen and how often each was present and filled in, in all and per
//! status.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::shape::Kinds;

/// Strings seen beyond this many distinct values are not an enumeration.
const MAX_ENUMERATION: usize = 16;

#[derive(Default)]
pub(super) struct Learned {
    pub(super) string_seen: bool,
    /// The distinct strings seen, in the order first seen, up to [`MAX_ENUMERATION`].
    pub(super) strings: Vec<String>,
    pub(super) too_many_strings: bool,
    /// Whether any string seen was not an upper-case word.
    pub(super) free_text: bool,
    pub(super) kinds: Kinds,
    pub(super) object: Option<LearnedObject>,
    pub(super) items: Option<Box<Learned>>,
}

#[derive(Default)]
pub(super) struct LearnedObject {
    pub(super) fields: Vec<(String, LearnedField)>,
    /// How often this object was seen, in all and per status.
    pub(super) seen: usize,
    pub(super) seen_by_status: BTreeMap<String, usize>,
}

#[derive(Default)]
pub(super) struct LearnedField {
    pub(super) value: Learned,
    pub(super) present: usize,
    pub(super) present_by_status: BTreeMap<String, usize>,
    /// The statuses in which the field was seen with content.
    pub(super) filled_in: BTreeSet<String>,
}

impl Learned {
    pub(super) fn learn(&mut self, value: &Value, status: Option<&str>) {
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
                        if !crate::shape::is_empty(field_value) {
                            field.filled_in.insert(status.to_string());
                        }
                    }
                    field.value.learn(field_value, status);
                }
            }
            scalar => self.kinds.add(scalar),
        }
    }
}
