//! Expected shapes of job payloads: the notation ([`parse`]), checking a payload against a shape
//! (this module), learning a shape from payloads ([`infer`]), writing one back as text
//! ([`write`]), and the built-in shapes of the two job types ([`builtin`]).
//!
//! Pure logic: no file system, no output. `crate::diff` walks the files and reports.

pub mod builtin;
pub mod infer;
pub mod parse;
pub mod write;

use serde_json::Value;

/// A parsed shape: an object node, the expected job payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    pub root: Node,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// An object with these fields, in this order.
    Object(Vec<Field>),
    /// An array whose elements each match one of these examples (any array when empty).
    Array(Vec<Node>),
    /// A string; one of `one_of` when given. `text` is how the shape wrote it.
    String {
        one_of: Option<Vec<String>>,
        text: String,
    },
    /// A number, boolean or null, as `kinds` allows; one of `one_of` when given.
    Scalar {
        kinds: Kinds,
        one_of: Option<Vec<Value>>,
        text: String,
    },
    /// Any of these (`"<startTime>"|<startTime>`: a string or a number).
    Either(Vec<Node>),
    /// Any value at all (`// "value" is any value`): a GP parameter's value is a literal, an
    /// array or an object, as its data type says. `text` is how the shape wrote it.
    Any { text: String },
}

/// The kinds of non-string scalar a [`Node::Scalar`] allows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Kinds {
    pub number: bool,
    pub boolean: bool,
    pub null: bool,
}

impl Kinds {
    pub const ANY_SCALAR: Kinds = Kinds {
        number: true,
        boolean: true,
        null: true,
    };

    pub fn add(&mut self, value: &Value) {
        match value {
            Value::Number(_) => self.number = true,
            Value::Bool(_) => self.boolean = true,
            Value::Null => self.null = true,
            _ => {}
        }
    }

    fn allows(self, value: &Value) -> bool {
        match value {
            Value::Number(_) => self.number,
            Value::Bool(_) => self.boolean,
            Value::Null => self.null,
            _ => false,
        }
    }

    fn describe(self) -> String {
        let mut names = Vec::new();
        if self.number {
            names.push("a number");
        }
        if self.boolean {
            names.push("a boolean");
        }
        if self.null {
            names.push("null");
        }
        names.join(" or ")
    }
}

/// The fields a payload's status may be in: a notebook job's `status`, else a web tool's
/// `jobStatus` (a step's status, as `api::webtool` reads it). The status rules
/// (`available when`, `required when`) read the first of them the payload has.
pub const STATUS_FIELDS: [&str; 2] = ["status", crate::api::webtool::STATUS_FIELD];

/// The status of `payload`: its `status`, else its `jobStatus`.
pub fn status_of(payload: &Value) -> Option<&str> {
    STATUS_FIELDS
        .iter()
        .find_map(|field| payload.get(*field).and_then(Value::as_str))
}

/// The field `payload` says its status in (`status`, else `jobStatus`); `status` when it has
/// neither, the field that is then missing.
pub fn status_field_of(payload: &Value) -> &'static str {
    STATUS_FIELDS
        .into_iter()
        .find(|field| payload.get(*field).is_some_and(Value::is_string))
        .unwrap_or(STATUS_FIELDS[0])
}

/// Whether a field's name is a placeholder (`"<param>"`): it stands for every name the object
/// has that the shape does not name, as a web tool's `results` are keyed by parameter.
pub fn is_wildcard(name: &str) -> bool {
    name.len() > 2 && name.starts_with('<') && name.ends_with('>')
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub node: Node,
    /// The statuses in which the field may appear; any status when `None`.
    pub available_in: Option<Vec<String>>,
    pub required: Required,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Required {
    No,
    Always,
    /// Required in these statuses.
    When(Vec<String>),
}

/// What kind of drift a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    UnexpectedField,
    MissingRequiredField,
    WrongType,
    OutsideEnumeration,
    WrongStatusForField,
    IllegalTransition,
    PercentWentDown,
    EndBeforeStart,
    ChangedIdentity,
    FolderMismatch,
    /// A web tool's parameter that does not name itself: a `paramUrl` other than
    /// `results/<param>`, a result with no file to answer it, a file whose `paramName` is not
    /// its name.
    ParameterMismatch,
    NoShape,
}

/// One difference between a payload and what was expected of it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    pub kind: FindingKind,
    /// The JSON path, `customAttributes.openNotebookProgress.percent`; empty for the payload.
    pub path: String,
    pub expected: String,
    pub found: String,
}

impl Shape {
    /// Every way `payload` differs from this shape.
    pub fn check(&self, payload: &Value) -> Vec<Finding> {
        let status = status_of(payload);
        let mut findings = Vec::new();
        check_node(&self.root, payload, "", status, &mut findings);
        findings
    }

    /// The field at `path` of the top-level object, if the shape has it.
    pub fn field(&self, name: &str) -> Option<&Field> {
        match &self.root {
            Node::Object(fields) => fields.iter().find(|field| field.name == name),
            _ => None,
        }
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

/// What a value is, in the words of findings.
pub fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Whether a value carries nothing: for status rules an empty `{}` is as good as absent (the
/// reference's own PROCESSING example carries `"results": {}`).
fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(text) => text.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        _ => false,
    }
}

impl Node {
    /// What this node expects, in the words of findings.
    pub fn describe(&self) -> String {
        match self {
            Node::Object(_) => "an object".to_string(),
            Node::Array(_) => "an array".to_string(),
            Node::String {
                one_of: Some(values),
                ..
            } => format!("one of {}", values.join("|")),
            Node::String { text, .. } => format!("a string ({text:?})"),
            Node::Scalar {
                one_of: Some(_),
                text,
                ..
            } => format!("one of {text}"),
            Node::Scalar { kinds, text, .. } => format!("{} ({text})", kinds.describe()),
            Node::Either(alternatives) => alternatives
                .iter()
                .map(Node::describe)
                .collect::<Vec<_>>()
                .join(" or "),
            Node::Any { text } => format!("any value ({text})"),
        }
    }

    /// Whether `value` matches this node, leaving nested fields aside.
    fn accepts_kind(&self, value: &Value) -> bool {
        match (self, value) {
            (Node::Object(_), Value::Object(_)) | (Node::Array(_), Value::Array(_)) => true,
            (Node::String { .. }, Value::String(_)) => true,
            (Node::Scalar { kinds, .. }, value) => kinds.allows(value),
            (Node::Either(alternatives), value) => {
                alternatives.iter().any(|a| a.accepts_kind(value))
            }
            (Node::Any { .. }, _) => true,
            _ => false,
        }
    }

    /// Whether `value` matches this node completely, nested fields included.
    pub fn matches(&self, value: &Value, status: Option<&str>) -> bool {
        let mut findings = Vec::new();
        check_node(self, value, "", status, &mut findings);
        findings.is_empty()
    }
}

fn check_node(
    node: &Node,
    value: &Value,
    path: &str,
    status: Option<&str>,
    findings: &mut Vec<Finding>,
) {
    if let Node::Either(alternatives) = node {
        if alternatives
            .iter()
            .any(|alternative| alternative.matches(value, status))
        {
            return;
        }
        // Report against the alternative of the same kind, if any.
        match alternatives
            .iter()
            .find(|alternative| alternative.accepts_kind(value))
        {
            Some(alternative) => check_node(alternative, value, path, status, findings),
            None => findings.push(Finding {
                kind: FindingKind::WrongType,
                path: path.to_string(),
                expected: node.describe(),
                found: kind_of(value).to_string(),
            }),
        }
        return;
    }
    if !node.accepts_kind(value) {
        findings.push(Finding {
            kind: FindingKind::WrongType,
            path: path.to_string(),
            expected: node.describe(),
            found: kind_of(value).to_string(),
        });
        return;
    }
    match (node, value) {
        (Node::Object(fields), Value::Object(map)) => {
            let wildcard = fields.iter().find(|field| is_wildcard(&field.name));
            for field in fields.iter().filter(|field| !is_wildcard(&field.name)) {
                let field_path = join(path, &field.name);
                match map.get(&field.name) {
                    Some(field_value) => {
                        check_field(field, field_value, &field_path, status, findings);
                    }
                    None => {
                        let required = match &field.required {
                            Required::No => false,
                            Required::Always => true,
                            Required::When(statuses) => {
                                status.is_some_and(|s| statuses.iter().any(|r| r == s))
                            }
                        };
                        if required {
                            findings.push(Finding {
                                kind: FindingKind::MissingRequiredField,
                                path: field_path,
                                expected: field.node.describe(),
                                found: "nothing".to_string(),
                            });
                        }
                    }
                }
            }
            for (name, field_value) in map {
                if fields.iter().any(|field| &field.name == name) {
                    continue;
                }
                match wildcard {
                    Some(field) => {
                        check_field(field, field_value, &join(path, name), status, findings);
                    }
                    None => findings.push(Finding {
                        kind: FindingKind::UnexpectedField,
                        path: join(path, name),
                        expected: "no such field".to_string(),
                        found: kind_of(field_value).to_string(),
                    }),
                }
            }
        }
        (Node::Array(examples), Value::Array(items)) if !examples.is_empty() => {
            for (index, item) in items.iter().enumerate() {
                let item_path = format!("{path}[{index}]");
                if examples.iter().any(|example| example.matches(item, status)) {
                    continue;
                }
                // Report against the example of the same kind, if any, for the closest findings.
                let example = examples
                    .iter()
                    .find(|example| example.accepts_kind(item))
                    .unwrap_or(&examples[0]);
                check_node(example, item, &item_path, status, findings);
            }
        }
        (
            Node::String {
                one_of: Some(values),
                ..
            },
            Value::String(text),
        ) if !values.iter().any(|allowed| allowed == text) => {
            findings.push(Finding {
                kind: FindingKind::OutsideEnumeration,
                path: path.to_string(),
                expected: format!("one of {}", values.join("|")),
                found: format!("{text:?}"),
            });
        }
        (
            Node::Scalar {
                one_of: Some(values),
                text,
                ..
            },
            value,
        ) if !values.contains(value) => {
            findings.push(Finding {
                kind: FindingKind::OutsideEnumeration,
                path: path.to_string(),
                expected: format!("one of {text}"),
                found: value.to_string(),
            });
        }
        _ => {}
    }
}

/// A field the payload has: in a status it may appear in, and of its node.
fn check_field(
    field: &Field,
    value: &Value,
    path: &str,
    status: Option<&str>,
    findings: &mut Vec<Finding>,
) {
    if let (Some(allowed), Some(status)) = (&field.available_in, status)
        && !allowed.iter().any(|s| s == status)
        && !is_empty(value)
    {
        findings.push(Finding {
            kind: FindingKind::WrongStatusForField,
            path: path.to_string(),
            expected: format!("only when the status is {}", allowed.join(" or ")),
            found: format!("present while the status is {status}"),
        });
    }
    check_node(&field.node, value, path, status, findings);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn shape() -> Shape {
        parse::parse(
            r#"{
            // "jobId" is required
            "jobId": "<jobId>",
            "status": "SUBMITTED|PROCESSING|FAILED|COMPLETED",
            "startTime": <start time>,
            // "results" is available when the job status is "COMPLETED" or "FAILED"
            "results": {"notebookId": "<notebookId>"},
            "customAttributes": {"isCancelled": true|false},
            "messages": ["<message>"]
            }"#,
        )
        .unwrap()
    }

    fn kinds(findings: &[Finding]) -> Vec<(FindingKind, &str)> {
        findings.iter().map(|f| (f.kind, f.path.as_str())).collect()
    }

    #[test]
    fn a_payload_of_the_shape_has_no_findings() {
        let payload = json!({"jobId": "j1", "status": "COMPLETED", "startTime": 1, "results": {"notebookId": "n"}, "messages": ["a", "b"]});
        assert_eq!(shape().check(&payload), []);
    }

    #[test]
    fn each_kind_of_drift_is_found_with_its_path() {
        let payload = json!({
            "status": "CANCELLED",
            "startTime": "yesterday",
            "results": {"notebookId": "n", "extra": 1},
            "customAttributes": {"isCancelled": "no"},
            "messages": [1],
        });
        assert_eq!(
            kinds(&shape().check(&payload)),
            [
                (FindingKind::MissingRequiredField, "jobId"),
                (FindingKind::OutsideEnumeration, "status"),
                (FindingKind::WrongType, "startTime"),
                (FindingKind::WrongStatusForField, "results"),
                (FindingKind::UnexpectedField, "results.extra"),
                (FindingKind::WrongType, "customAttributes.isCancelled"),
                (FindingKind::WrongType, "messages[0]"),
            ]
        );
    }

    #[test]
    fn an_empty_value_does_not_break_a_status_rule() {
        let payload = json!({"jobId": "j1", "status": "PROCESSING", "results": {}});
        assert_eq!(shape().check(&payload), []);
    }
}
