//! A payload parsed without copying its text ([`Light`]), and the one question `diff` asks of
//! it first: does it match its shape completely ([`clean`])? Most recorded payloads do, and for
//! them the findings are none; only a payload this says no of (or cannot say of) is parsed
//! again into a `serde_json::Value` and checked by the shape module, whose findings the report
//! shows. A `Value` costs an allocation per key and string and a hash per key; a recording of
//! ten thousand jobs is fifty thousand payloads, most of which nothing is ever shown of.
//!
//! [`clean`] follows `crate::shape`'s check rule for rule, for the verdict only: it answers yes
//! exactly when the shape module finds nothing (a test holds the two together over the shipped
//! payloads and their mutants). An object with a key twice is not parsed here (a `Value`
//! keeps the last of them, in the first one's place): it goes the `Value` way.
//!
//! The text is read by `serde_json` through [`Light`]'s own `Deserialize`, which borrows each
//! string and key that holds no escape.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};

use super::sequence::Step;
use crate::shape::builtin;
use crate::shape::{Field, Node, Required, STATUS_FIELDS, Shape, is_wildcard};

/// A JSON value whose strings and keys are borrowed from the text where they hold no escape.
#[derive(Debug, PartialEq)]
pub enum Light<'a> {
    Null,
    Bool(bool),
    Number(Number),
    String(Cow<'a, str>),
    Array(Vec<Light<'a>>),
    /// The object's fields in the text's order, each key once.
    Object(Vec<(Cow<'a, str>, Light<'a>)>),
}

impl<'a> Light<'a> {
    /// The payload in `text`, or `None` when it is no JSON or repeats a key in an object (the
    /// `Value` parse then says why, or keeps what a `Value` keeps).
    pub fn parse(text: &'a [u8]) -> Option<Light<'a>> {
        // The text checked as UTF-8 at once, not string by string: what a valid file parses to
        // is the same either way, and an invalid one goes the `Value` way for its error.
        let text = std::str::from_utf8(text).ok()?;
        serde_json::from_str(text).ok()
    }

    /// The `Value` `serde_json` parses the same text to: the keys in the text's order, the
    /// numbers as they were read.
    pub fn to_value(&self) -> Value {
        match self {
            Light::Null => Value::Null,
            Light::Bool(value) => Value::Bool(*value),
            Light::Number(number) => Value::Number(number.clone()),
            Light::String(text) => Value::String(text.to_string()),
            Light::Array(items) => Value::Array(items.iter().map(Light::to_value).collect()),
            Light::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(key, value)| (key.to_string(), value.to_value()))
                    .collect(),
            ),
        }
    }

    /// The field `name` of an object (`None` for anything else), as `Value::get`.
    pub fn get(&self, name: &str) -> Option<&Light<'a>> {
        match self {
            Light::Object(fields) => fields
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Light::String(text) => Some(text),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Light::Number(number) => number.as_f64(),
            _ => None,
        }
    }

    /// `crate::shape::status_of`: its `status`, else its `jobStatus`.
    pub fn status(&self) -> Option<&str> {
        STATUS_FIELDS
            .iter()
            .find_map(|field| self.get(field).and_then(Light::as_str))
    }

    /// `ErrorApi::of(…).is_some()`: an `error` object (the Portal's), or a `status` of
    /// `"error"` (the admin API's).
    pub fn is_error_answer(&self) -> bool {
        matches!(self.get("error"), Some(Light::Object(_)))
            || self.get("status").and_then(Light::as_str) == Some("error")
    }

    /// `builtin::job_type_of`: its `type`, else a web tool's job for a `jobStatus` without a
    /// `status`.
    pub fn job_type(&self) -> Option<&str> {
        if let Some(job_type) = self.get("type").and_then(Light::as_str) {
            return Some(job_type);
        }
        let says = |field: &str| self.get(field).is_some();
        (says(crate::api::webtool::STATUS_FIELD) && !says("status")).then_some(builtin::GP_JOB)
    }

    /// What the sequence checks read of a step, as [`Step::of`] reads it from a `Value`.
    pub fn step(&self) -> Step<'_> {
        let text = |field: &str| self.get(field).and_then(Light::as_str);
        Step {
            job_id: text("jobId"),
            job_type: text("type"),
            status: self.status(),
            status_field: STATUS_FIELDS
                .into_iter()
                .find(|field| self.get(field).and_then(Light::as_str).is_some())
                .unwrap_or(STATUS_FIELDS[0]),
            start: self.get("startTime").and_then(Light::as_f64),
            end: self.get("endTime").and_then(Light::as_f64),
            percent: self
                .get("customAttributes")
                .and_then(|attributes| attributes.get("openNotebookProgress"))
                .and_then(|progress| progress.get("percent"))
                .and_then(Light::as_f64),
        }
    }
}

/// Whether `payload` matches `shape` completely: whether `shape.check` of the same payload as a
/// `Value` finds nothing.
pub fn clean(shape: &Shape, payload: &Light) -> bool {
    matches(&shape.root, payload, payload.status())
}

/// `check_node` of the shape module, for its verdict: an alternative, an array's element and a
/// field each match or not, and the first that does not settles it.
fn matches(node: &Node, value: &Light, status: Option<&str>) -> bool {
    if let Node::Either(alternatives) = node {
        return alternatives.iter().any(|node| matches(node, value, status));
    }
    if !accepts_kind(node, value) {
        return false;
    }
    match (node, value) {
        (Node::Object(fields), Light::Object(map)) => {
            // The keys a named field is found at, marked (up to 64 of them): those are not
            // looked for among the fields again.
            let mut named_keys = 0u64;
            for field in fields.iter().filter(|field| !is_wildcard(&field.name)) {
                let present = map.iter().position(|(key, _)| same(key, &field.name));
                let fine = match present {
                    Some(at) => {
                        named_keys |= 1u64.checked_shl(at as u32).unwrap_or(0);
                        field_matches(field, &map[at].1, status)
                    }
                    None => !required(field, status),
                };
                if !fine {
                    return false;
                }
            }
            let wildcard = fields.iter().find(|field| is_wildcard(&field.name));
            map.iter()
                .enumerate()
                .filter(|(at, _)| at >= &64 || named_keys & (1 << at) == 0)
                .filter(|(_, (name, _))| !fields.iter().any(|field| same(&field.name, name)))
                .all(|(_, (_, value))| {
                    wildcard.is_some_and(|field| field_matches(field, value, status))
                })
        }
        (Node::Array(examples), Light::Array(items)) if !examples.is_empty() => {
            items.iter().all(|item| {
                examples
                    .iter()
                    .any(|example| matches(example, item, status))
            })
        }
        (
            Node::String {
                one_of: Some(values),
                ..
            },
            Light::String(text),
        ) => values.iter().any(|allowed| allowed == text),
        (
            Node::Scalar {
                one_of: Some(values),
                ..
            },
            value,
        ) => values.iter().any(|allowed| same_scalar(allowed, value)),
        _ => true,
    }
}

/// Whether two names are the same; most differ in length or first letter, and are told apart
/// without comparing the rest.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.as_bytes().first() == b.as_bytes().first() && a == b
}

/// `check_field`: a field the payload has, in a status it may appear in, and of its node.
fn field_matches(field: &Field, value: &Light, status: Option<&str>) -> bool {
    if let (Some(allowed), Some(status)) = (&field.available_in, status)
        && !allowed.iter().any(|s| s == status)
        && !is_empty(value)
    {
        return false;
    }
    matches(&field.node, value, status)
}

fn required(field: &Field, status: Option<&str>) -> bool {
    match &field.required {
        Required::No => false,
        Required::Always => true,
        Required::When(statuses) => status.is_some_and(|s| statuses.iter().any(|r| r == s)),
    }
}

/// `Node::accepts_kind`: whether `value` is of the node's kind, nested fields aside.
fn accepts_kind(node: &Node, value: &Light) -> bool {
    match (node, value) {
        (Node::Object(_), Light::Object(_)) | (Node::Array(_), Light::Array(_)) => true,
        (Node::String { .. }, Light::String(_)) => true,
        (Node::Scalar { kinds, .. }, Light::Number(_)) => kinds.number,
        (Node::Scalar { kinds, .. }, Light::Bool(_)) => kinds.boolean,
        (Node::Scalar { kinds, .. }, Light::Null) => kinds.null,
        (Node::Either(alternatives), value) => alternatives.iter().any(|a| accepts_kind(a, value)),
        (Node::Any { .. }, _) => true,
        _ => false,
    }
}

/// Whether a scalar of the payload is the value a shape lists (`Value`'s equality).
fn same_scalar(allowed: &Value, value: &Light) -> bool {
    match (allowed, value) {
        (Value::Null, Light::Null) => true,
        (Value::Bool(a), Light::Bool(b)) => a == b,
        (Value::Number(a), Light::Number(b)) => a == b,
        _ => false,
    }
}

/// The shape module's `is_empty`: for status rules an empty value is as good as absent.
fn is_empty(value: &Light) -> bool {
    match value {
        Light::Null => true,
        Light::String(text) => text.is_empty(),
        Light::Array(items) => items.is_empty(),
        Light::Object(fields) => fields.is_empty(),
        _ => false,
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Light<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LightVisitor)
    }
}

/// Builds a [`Light`] as `Value`'s visitor builds a `Value`, numbers included.
struct LightVisitor;

impl<'de> Visitor<'de> for LightVisitor {
    type Value = Light<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Light<'de>, E> {
        Ok(Light::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Light<'de>, E> {
        Ok(Light::Number(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Light<'de>, E> {
        Ok(Light::Number(value.into()))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Light<'de>, E> {
        Ok(Number::from_f64(value).map_or(Light::Null, Light::Number))
    }

    fn visit_borrowed_str<E>(self, value: &'de str) -> Result<Light<'de>, E> {
        Ok(Light::String(Cow::Borrowed(value)))
    }

    fn visit_str<E>(self, value: &str) -> Result<Light<'de>, E> {
        Ok(Light::String(Cow::Owned(value.to_string())))
    }

    fn visit_string<E>(self, value: String) -> Result<Light<'de>, E> {
        Ok(Light::String(Cow::Owned(value)))
    }

    fn visit_unit<E>(self) -> Result<Light<'de>, E> {
        Ok(Light::Null)
    }

    fn visit_none<E>(self) -> Result<Light<'de>, E> {
        Ok(Light::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Light<'de>, A::Error> {
        // Room for most arrays at once: growing a vector is a reallocation each time.
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(4));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Light::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Light<'de>, A::Error> {
        let mut fields: Vec<(Cow<'de, str>, Light<'de>)> = Vec::with_capacity(16);
        while let Some(Key(key)) = map.next_key()? {
            if fields.iter().any(|(seen, _)| *seen == key) {
                return Err(de::Error::custom("a key twice"));
            }
            fields.push((key, map.next_value()?));
        }
        Ok(Light::Object(fields))
    }
}

/// An object's key, borrowed where it holds no escape (`Cow<str>`'s own `Deserialize` copies).
struct Key<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string key")
            }

            fn visit_borrowed_str<E>(self, key: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(key)))
            }

            fn visit_str<E>(self, key: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(key.to_string())))
            }

            fn visit_string<E>(self, key: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(key)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests;
