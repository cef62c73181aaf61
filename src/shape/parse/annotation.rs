//! The annotation comments of the notation (`// "jobId" is required`, `// "results" is
//! available when the job status is "COMPLETED"`, `// "status" is one of "A", "B"`, `// "value"
//! is any value`): the rule each says of the field it names.

use crate::shape::Required;

pub(super) struct Annotation {
    pub(super) field: String,
    pub(super) rule: Rule,
    pub(super) line: usize,
    pub(super) column: usize,
}

pub(super) enum Rule {
    Available(Vec<String>),
    Required(Required),
    OneOf(Vec<String>),
    /// Any value at all: a literal, an array or an object.
    Any,
}

/// Reads `"field" is available when the job status is "A" or "B"`, `"field" is required`, and
/// `"field" is required when the job status is "A"` (`the status` works as well as `the job
/// status`; statuses may be joined by `,`, `or` and `and`), and `"field" is any value`.
pub(super) fn read_annotation(comment: &str) -> Option<(String, Rule)> {
    let (field, rest) = read_quoted(comment.trim())?;
    let rest = rest.trim_start();
    let statuses = |condition: &str| -> Option<Vec<String>> {
        let condition = condition.trim();
        let condition = condition
            .strip_prefix("when the job status is")
            .or_else(|| condition.strip_prefix("when the status is"))
            .or_else(|| condition.strip_prefix("when status is"))?;
        let statuses = read_quoted_list(condition);
        (!statuses.is_empty()).then_some(statuses)
    };
    if let Some(condition) = rest.strip_prefix("is available") {
        return Some((field, Rule::Available(statuses(condition)?)));
    }
    if let Some(after) = rest.strip_prefix("is any value") {
        // What follows may say what the value is (`: a literal or an object`), not what it is not.
        let after = after.trim_start();
        return (after.is_empty() || after.starts_with([':', ',', '.', '(']))
            .then_some((field, Rule::Any));
    }
    if let Some(values) = rest.strip_prefix("is one of") {
        let values = read_quoted_list(values);
        return (!values.is_empty()).then_some((field, Rule::OneOf(values)));
    }
    if let Some(condition) = rest.strip_prefix("is required") {
        let condition = condition.trim().trim_end_matches('.');
        let required = if condition.is_empty() {
            Required::Always
        } else {
            Required::When(statuses(condition)?)
        };
        return Some((field, Rule::Required(required)));
    }
    None
}

/// The JSON string `text` starts with, unescaped, and the text after it.
fn read_quoted(text: &str) -> Option<(String, &str)> {
    let body = text.strip_prefix('"')?;
    let mut escaped = false;
    let end = body.char_indices().find_map(|(at, c)| {
        match (escaped, c) {
            (true, _) => escaped = false,
            (false, '\\') => escaped = true,
            (false, '"') => return Some(at),
            _ => {}
        }
        None
    })?;
    let quoted = &text[..end + 2];
    let value = serde_json::from_str(quoted).ok()?;
    Some((value, &text[end + 2..]))
}

/// Every JSON string in `text` (`"A" or "B", "C"`), unescaped; what lies between them is not
/// looked at.
fn read_quoted_list(mut text: &str) -> Vec<String> {
    let mut values = Vec::new();
    while let Some(start) = text.find('"') {
        match read_quoted(&text[start..]) {
            Some((value, rest)) => {
                values.push(value);
                text = rest;
            }
            None => break,
        }
    }
    values
}
