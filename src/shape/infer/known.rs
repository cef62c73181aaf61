//! Inference, last stage, for job types with a built-in shape: the reference's rules kept for
//! the fields it knows, its fields never seen added, and every rule a payload breaks learned
//! from the payloads again.

use serde_json::Value;

use crate::shape::{Field, Node, Required, Shape, is_wildcard};

pub(super) fn builtin_shape(job_type: &str) -> Option<Shape> {
    crate::shape::builtin::BUILTIN
        .iter()
        .chain(crate::shape::builtin::EVERY_FLAVOUR)
        .find(|(known, _)| *known == job_type)
        .and_then(|(_, text)| crate::shape::parse::parse(text).ok())
}

/// `learned`, with the nodes and rules of `known` (the built-in shape) for the fields it knows,
/// and its fields never seen added; every rule that one of `payloads` breaks is taken from
/// `learned` again.
pub(super) fn keep_known_rules(known: &Shape, learned: Shape, payloads: &[&Value]) -> Shape {
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
    // A known field named by a placeholder (`"<param>"`) covers the learned fields it does not
    // name: a web tool's `results` are keyed by the tool's parameters, not the recording's.
    let has_wildcard = known_fields.iter().any(|k| is_wildcard(&k.name));
    let mut fields: Vec<Field> = learned_fields
        .iter()
        .filter(|field| !has_wildcard || known_fields.iter().any(|k| k.name == field.name))
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
