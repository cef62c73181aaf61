//! Shapes as text: a whole shape in the notation (what `shape infer` writes), and the two views
//! `diff` compares line by line: the shape as it applies to one payload, and the payload's own
//! shape (its values replaced by their kinds, its keys in the shape's order).
//!
//! Both views are written the same way, field per line with a comma after each, and a value of
//! the payload that matches the shape is written exactly as the shape writes it, so the lines
//! that differ are the drift and nothing else.

use serde_json::Value;

use super::{Field, Node, Required, Shape, is_wildcard, status_of};

const INDENT: &str = "  ";

/// The whole shape, annotations included, in the notation `parse` reads.
pub fn shape_text(shape: &Shape) -> String {
    let mut out = String::new();
    node_text(&shape.root, 0, &mut out);
    out.push('\n');
    out
}

fn node_text(node: &Node, depth: usize, out: &mut String) {
    match node {
        Node::Object(fields) => {
            if fields.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push_str("{\n");
            for field in fields {
                for annotation in annotations(field) {
                    push_line(out, depth + 1, &format!("// {annotation}"));
                }
                field_start(out, depth + 1, &field.name);
                node_text(&field.node, depth + 1, out);
                out.push_str(",\n");
            }
            indent(out, depth);
            out.push('}');
        }
        Node::Array(examples) => {
            if examples.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push_str("[\n");
            for example in examples {
                indent(out, depth + 1);
                node_text(example, depth + 1, out);
                out.push_str(",\n");
            }
            indent(out, depth);
            out.push(']');
        }
        Node::String { text, .. } => out.push_str(&quote(text)),
        Node::Scalar { text, .. } | Node::Any { text } => out.push_str(text),
        Node::Either(alternatives) => {
            for (index, alternative) in alternatives.iter().enumerate() {
                if index > 0 {
                    out.push('|');
                }
                node_text(alternative, depth, out);
            }
        }
    }
}

fn annotations(field: &Field) -> Vec<String> {
    let statuses = |statuses: &[String]| {
        statuses
            .iter()
            .map(|status| quote(status))
            .collect::<Vec<_>>()
            .join(" or ")
    };
    let mut lines = Vec::new();
    match &field.required {
        Required::No => {}
        Required::Always => lines.push(format!("{} is required", quote(&field.name))),
        Required::When(when) => lines.push(format!(
            "{} is required when the job status is {}",
            quote(&field.name),
            statuses(when)
        )),
    }
    if let Node::String {
        one_of: Some(values),
        ..
    } = &field.node
        && values.len() == 1
    {
        lines.push(format!(
            "{} is one of {}",
            quote(&field.name),
            statuses(values)
        ));
    }
    if let Node::Any { .. } = &field.node {
        lines.push(format!("{} is any value", quote(&field.name)));
    }
    if let Some(available) = &field.available_in {
        lines.push(format!(
            "{} is available when the job status is {}",
            quote(&field.name),
            statuses(available)
        ));
    }
    lines
}

/// The shape as it applies to `payload`: the fields the payload has, and the required ones it
/// lacks, in the shape's order.
pub fn expected_view(shape: &Shape, payload: &Value) -> String {
    let status = status_of(payload);
    let mut out = String::new();
    expected_node(&shape.root, Some(payload), status, 0, &mut out);
    out.push('\n');
    out
}

/// The payload's own shape: each value written as the shape writes it where it matches, else
/// as its kind (`"<string>"`, `<number>`), or as itself where an enumeration was expected.
pub fn payload_view(shape: &Shape, payload: &Value) -> String {
    let status = status_of(payload);
    let mut out = String::new();
    payload_node(Some(&shape.root), payload, status, 0, &mut out);
    out.push('\n');
    out
}

fn expected_node(
    node: &Node,
    value: Option<&Value>,
    status: Option<&str>,
    depth: usize,
    out: &mut String,
) {
    match (node, value) {
        (Node::Object(fields), Some(Value::Object(map))) => {
            out.push_str("{\n");
            for (name, field, present) in in_shape_order(fields, map) {
                let Some(field) = field else { continue };
                let required = match &field.required {
                    Required::No => false,
                    Required::Always => true,
                    Required::When(when) => status.is_some_and(|s| when.iter().any(|w| w == s)),
                };
                if present.is_none() && !required {
                    continue;
                }
                // A field present in a status it does not belong to is not expected here, so
                // it shows in the diff as an added line.
                if let (Some(value), Some(allowed), Some(status)) =
                    (present, &field.available_in, status)
                    && !allowed.iter().any(|s| s == status)
                    && !super::is_empty(value)
                {
                    continue;
                }
                field_start(out, depth + 1, name);
                expected_node(&field.node, present, status, depth + 1, out);
                out.push_str(",\n");
            }
            indent(out, depth);
            out.push('}');
        }
        // Each distinct element as the example it is checked against expects it, as the
        // payload's view writes each distinct element once.
        (Node::Array(examples), Some(Value::Array(items)))
            if !examples.is_empty() && !items.is_empty() =>
        {
            let mut written: Vec<String> = Vec::new();
            for item in items {
                let example = examples
                    .iter()
                    .find(|example| example.matches(item, status))
                    .or_else(|| examples.iter().find(|example| example.accepts_kind(item)))
                    .unwrap_or(&examples[0]);
                let mut text = String::new();
                expected_node(example, Some(item), status, depth + 1, &mut text);
                if !written.contains(&text) {
                    written.push(text);
                }
            }
            out.push_str("[\n");
            for text in written {
                indent(out, depth + 1);
                out.push_str(&text);
                out.push_str(",\n");
            }
            indent(out, depth);
            out.push(']');
        }
        _ => node_text(node, depth, out),
    }
}

fn payload_node(
    node: Option<&Node>,
    value: &Value,
    status: Option<&str>,
    depth: usize,
    out: &mut String,
) {
    if let Some(node @ Node::Any { .. }) = node {
        return node_text(node, depth, out);
    }
    match value {
        Value::Object(map) => {
            if map.is_empty() {
                out.push_str("{}");
                return;
            }
            let fields: &[Field] = match node {
                Some(Node::Object(fields)) => fields,
                _ => &[],
            };
            out.push_str("{\n");
            for (name, field, field_value) in in_shape_order(fields, map) {
                let Some(field_value) = field_value else {
                    continue;
                };
                field_start(out, depth + 1, name);
                payload_node(
                    field.map(|field| &field.node),
                    field_value,
                    status,
                    depth + 1,
                    out,
                );
                out.push_str(",\n");
            }
            indent(out, depth);
            out.push('}');
        }
        Value::Array(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            let examples: &[Node] = match node {
                Some(Node::Array(examples)) => examples,
                _ => &[],
            };
            // Each distinct element shape once, as the shape's examples are.
            let mut written: Vec<String> = Vec::new();
            for item in items {
                let example = examples
                    .iter()
                    .find(|example| example.matches(item, status))
                    .or_else(|| examples.first());
                let mut text = String::new();
                payload_node(example, item, status, depth + 1, &mut text);
                if !written.contains(&text) {
                    written.push(text);
                }
            }
            out.push_str("[\n");
            for text in written {
                indent(out, depth + 1);
                out.push_str(&text);
                out.push_str(",\n");
            }
            indent(out, depth);
            out.push(']');
        }
        scalar => match node {
            Some(node @ (Node::String { .. } | Node::Scalar { .. } | Node::Either(_)))
                if node.matches(scalar, status) =>
            {
                node_text(node, depth, out)
            }
            Some(Node::String {
                one_of: Some(_), ..
            })
            | Some(Node::Scalar {
                one_of: Some(_), ..
            }) => out.push_str(&scalar.to_string()),
            _ => out.push_str(kind_text(scalar)),
        },
    }
}

/// The fields of an object as both views write them: the shape's in its order, each with the
/// payload's value if it has one, the payload's fields a placeholder name (`"<param>"`) stands
/// for in its place; then the payload's fields the shape has not, in the payload's order.
fn in_shape_order<'a>(
    fields: &'a [Field],
    map: &'a serde_json::Map<String, Value>,
) -> Vec<(&'a str, Option<&'a Field>, Option<&'a Value>)> {
    let named = |name: &String| fields.iter().any(|field| &field.name == name);
    let unnamed = || map.iter().filter(|(name, _)| !named(name));
    let mut order = Vec::with_capacity(fields.len().max(map.len()));
    for field in fields {
        if is_wildcard(&field.name) {
            order.extend(unnamed().map(|(name, value)| (name.as_str(), Some(field), Some(value))));
        } else {
            order.push((field.name.as_str(), Some(field), map.get(&field.name)));
        }
    }
    if !fields.iter().any(|field| is_wildcard(&field.name)) {
        order.extend(unnamed().map(|(name, value)| (name.as_str(), None, Some(value))));
    }
    order
}

fn kind_text(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "<boolean>",
        Value::Number(_) => "<number>",
        Value::String(_) => "\"<string>\"",
        Value::Array(_) => "[]",
        Value::Object(_) => "{}",
    }
}

fn quote(text: &str) -> String {
    serde_json::to_string(text).expect("a string serialises")
}

/// The start of a field's line: its indent and `"name": `.
fn field_start(out: &mut String, depth: usize, name: &str) {
    indent(out, depth);
    out.push_str(&quote(name));
    out.push_str(": ");
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str(INDENT);
    }
}

fn push_line(out: &mut String, depth: usize, line: &str) {
    indent(out, depth);
    out.push_str(line);
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::super::parse::parse;
    use super::*;
    use serde_json::json;

    #[test]
    fn a_written_shape_reads_back_the_same() {
        let shape = parse(
            r#"{
            // "jobId" is required
            "jobId": "<jobId>",
            // "results" is available when the job status is "COMPLETED" or "FAILED"
            "results": {"notebookUrl": "<notebookUrl>"},
            "status": "SUBMITTED|COMPLETED",
            "n": <n>,
            "flag": true|false,
            "list": ["<item>", {"a": 1}],
            "empty": [],
            "either": "<either>"|<either>,
            // "only" is one of "PROCESSING"
            "only": "PROCESSING",
            }"#,
        )
        .unwrap();
        assert_eq!(parse(&shape_text(&shape)).unwrap(), shape);
    }

    #[test]
    fn the_two_views_differ_only_where_the_payload_drifts() {
        let shape =
            parse(r#"{"jobId": "<jobId>", "status": "SUBMITTED|COMPLETED", "n": <n>, "opt": 1}"#)
                .unwrap();
        let payload = json!({"jobId": "j1", "status": "CANCELLED", "n": 5, "extra": true});
        assert_eq!(
            expected_view(&shape, &payload),
            "{\n  \"jobId\": \"<jobId>\",\n  \"status\": \"SUBMITTED|COMPLETED\",\n  \"n\": <n>,\n}\n"
        );
        assert_eq!(
            payload_view(&shape, &payload),
            "{\n  \"jobId\": \"<jobId>\",\n  \"status\": \"CANCELLED\",\n  \"n\": <n>,\n  \"extra\": <boolean>,\n}\n"
        );
    }

    /// A web tool's job: its keyed results and its messages (objects in an array) line up in
    /// the two views, so only the drifting line differs.
    #[test]
    fn keyed_objects_and_arrays_of_objects_line_up() {
        let shape = parse(crate::shape::builtin::EVERY_FLAVOUR[0].1).unwrap();
        let payload = json!({"jobId": "j1", "jobStatus": "esriJobSucceeded",
            "results": {"b": {"paramUrl": "results/b"}, "a": {"paramUrl": "results/a"}},
            "messages": [{"type": "esriJobMessageTypeInfo", "description": "x"}]});
        let (expected, actual) = (
            expected_view(&shape, &payload),
            payload_view(&shape, &payload),
        );
        let differing: Vec<(&str, &str)> = expected
            .lines()
            .zip(actual.lines())
            .filter(|(e, a)| e != a)
            .collect();
        assert_eq!(
            expected.lines().count(),
            actual.lines().count(),
            "{expected}{actual}"
        );
        assert_eq!(differing.len(), 1, "{expected}{actual}");
        assert!(
            differing[0].1.contains("esriJobMessageTypeInfo"),
            "{differing:?}"
        );
        assert!(actual.contains("\"b\": {"), "{actual}");
    }
}
