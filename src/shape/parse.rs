//! Reading the shape notation: the "JSON Response syntax" blocks of the Esri REST reference,
//! JSON-like text with placeholders, alternatives, example arrays and `//` comments, plus the
//! annotation comments that say which fields depend on the status.
//!
//! How each form is read:
//!
//! | written | read as |
//! |---|---|
//! | `"<jobId>"` (a quoted string that is one `<…>`) | any string |
//! | `"SUBMITTED\|PROCESSING"` (a quoted string of two or more `\|`-separated words, no spaces) | one of those strings |
//! | `"openNotebook"`, `"{\"a\":1}"` (any other quoted string) | an example: any string |
//! | `<start time in epoch milliseconds>` (unquoted `<…>`) | any number, boolean or null |
//! | `true\|false`, `1\|2\|3` (unquoted alternatives) | one of those values |
//! | `true`, `false`, `12`, `null` (an unquoted literal) | an example: any boolean, any number, null |
//! | `{ "name": value, … }` | an object with those fields, in that order |
//! | `[ example, … ]` | an array whose elements each match one of the examples; `[]` any array |
//! | `// "results" is available when the job status is "COMPLETED" or "FAILED"` | the next field, `results`, may appear only in those statuses (an empty `{}`, `[]`, `""` or `null` counts as absent) |
//! | `// "jobId" is required` | the next field must be present |
//! | `// "results" is required when the job status is "COMPLETED"` | the next field must be present in those statuses |
//! | any other `// …` | a comment |
//!
//! Trailing commas are allowed. An annotation must name the field that follows it.

use super::{Field, Kinds, Node, Required, Shape};

/// A shape file could not be read: what, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

pub fn parse(text: &str) -> Result<Shape, ParseError> {
    let mut parser = Parser {
        chars: text.chars().collect(),
        at: 0,
        line: 1,
        column: 1,
        annotations: Vec::new(),
    };
    parser.skip_space();
    let root = parser.value()?;
    parser.skip_space();
    if !matches!(root, Node::Object(_)) {
        return parser.fail_at(1, 1, "a shape is an object: it starts with {");
    }
    if let Some(c) = parser.peek() {
        return parser.fail(format!("unexpected {c:?} after the shape's closing }}"));
    }
    if let Some(annotation) = parser.annotations.first() {
        return parser.fail_at(
            annotation.line,
            annotation.column,
            format!(
                "the annotation on \"{}\" is followed by no field",
                annotation.field
            ),
        );
    }
    Ok(Shape { root })
}

struct Annotation {
    field: String,
    rule: Rule,
    line: usize,
    column: usize,
}

enum Rule {
    Available(Vec<String>),
    Required(Required),
    OneOf(Vec<String>),
}

struct Parser {
    chars: Vec<char>,
    at: usize,
    line: usize,
    column: usize,
    /// Annotations read since the last field, waiting for the field they name.
    annotations: Vec<Annotation>,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn fail<T>(&self, message: impl Into<String>) -> Result<T, ParseError> {
        self.fail_at(self.line, self.column, message)
    }

    fn fail_at<T>(
        &self,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> Result<T, ParseError> {
        Err(ParseError {
            line,
            column,
            message: message.into(),
        })
    }

    /// Skips white space and comments, keeping the annotations among the comments.
    fn skip_space(&mut self) {
        loop {
            match self.peek() {
                Some(c) if c.is_whitespace() => {
                    self.bump();
                }
                Some('/') if self.chars.get(self.at + 1) == Some(&'/') => {
                    let (line, column) = (self.line, self.column);
                    let mut comment = String::new();
                    while let Some(c) = self.peek() {
                        if c == '\n' {
                            break;
                        }
                        comment.push(c);
                        self.bump();
                    }
                    if let Some((field, rule)) = read_annotation(&comment[2..]) {
                        self.annotations.push(Annotation {
                            field,
                            rule,
                            line,
                            column,
                        });
                    }
                }
                _ => return,
            }
        }
    }

    fn expect(&mut self, wanted: char) -> Result<(), ParseError> {
        match self.peek() {
            Some(c) if c == wanted => {
                self.bump();
                Ok(())
            }
            Some(c) => self.fail(format!("expected {wanted:?}, found {c:?}")),
            None => self.fail(format!("expected {wanted:?}, found the end of the shape")),
        }
    }

    /// A value, or alternatives of values joined by `|` (`"<startTime>"|<startTime>`,
    /// `{…}|null`).
    fn value(&mut self) -> Result<Node, ParseError> {
        let first = self.single_value()?;
        if self.peek() != Some('|') {
            return Ok(first);
        }
        let mut alternatives = vec![first];
        while self.peek() == Some('|') {
            self.bump();
            match self.single_value()? {
                Node::Either(more) => alternatives.extend(more),
                other => alternatives.push(other),
            }
        }
        Ok(Node::Either(alternatives))
    }

    /// One value: an object, an array, a string, or scalars (which take their own `|`).
    fn single_value(&mut self) -> Result<Node, ParseError> {
        match self.peek() {
            Some('{') => self.object(),
            Some('[') => self.array(),
            Some('"') => {
                let text = self.string()?;
                Ok(string_node(&text))
            }
            Some(_) => self.scalar(),
            None => self.fail("expected a value, found the end of the shape"),
        }
    }

    fn object(&mut self) -> Result<Node, ParseError> {
        self.expect('{')?;
        let mut fields: Vec<Field> = Vec::new();
        loop {
            self.skip_space();
            match self.peek() {
                Some('}') => {
                    self.bump();
                    break;
                }
                Some('"') => {}
                Some(c) => {
                    return self.fail(format!(
                        "expected a field name in quotes or }}, found {c:?}"
                    ));
                }
                None => return self.fail("the object is not closed: expected }"),
            }
            let (line, column) = (self.line, self.column);
            let name = self.string()?;
            if fields.iter().any(|field| field.name == name) {
                return self.fail_at(line, column, format!("the field \"{name}\" is given twice"));
            }
            let mut field = Field {
                name: name.clone(),
                node: Node::Object(Vec::new()),
                available_in: None,
                required: Required::No,
            };
            let mut one_of = None;
            for annotation in std::mem::take(&mut self.annotations) {
                if annotation.field != name {
                    return self.fail_at(
                        annotation.line,
                        annotation.column,
                        format!(
                            "the annotation names \"{}\" but the next field is \"{name}\"",
                            annotation.field
                        ),
                    );
                }
                match annotation.rule {
                    Rule::Available(statuses) => field.available_in = Some(statuses),
                    Rule::Required(required) => field.required = required,
                    Rule::OneOf(values) => one_of = Some(values),
                }
            }
            self.skip_space();
            self.expect(':')?;
            self.skip_space();
            let (line, column) = (self.line, self.column);
            field.node = self.value()?;
            if let Some(values) = one_of {
                match &mut field.node {
                    Node::String { one_of, .. } => *one_of = Some(values),
                    _ => {
                        return self.fail_at(
                            line,
                            column,
                            format!("\"{name}\" is one of strings, but its value is not a string"),
                        );
                    }
                }
            }
            fields.push(field);
            self.skip_space();
            match self.peek() {
                Some(',') => {
                    self.bump();
                }
                Some('}') => {}
                Some(c) => {
                    return self.fail(format!(
                        "expected , or }} after the field \"{name}\", found {c:?}"
                    ));
                }
                None => return self.fail("the object is not closed: expected }"),
            }
        }
        Ok(Node::Object(fields))
    }

    fn array(&mut self) -> Result<Node, ParseError> {
        self.expect('[')?;
        let mut examples = Vec::new();
        loop {
            self.skip_space();
            match self.peek() {
                Some(']') => {
                    self.bump();
                    break;
                }
                None => return self.fail("the array is not closed: expected ]"),
                _ => {}
            }
            examples.push(self.value()?);
            self.skip_space();
            match self.peek() {
                Some(',') => {
                    self.bump();
                }
                Some(']') => {}
                Some(c) => return self.fail(format!("expected , or ] in the array, found {c:?}")),
                None => return self.fail("the array is not closed: expected ]"),
            }
        }
        Ok(Node::Array(examples))
    }

    /// A JSON string, escapes and all; the opening quote is next.
    fn string(&mut self) -> Result<String, ParseError> {
        let (line, column) = (self.line, self.column);
        self.expect('"')?;
        let mut text = String::new();
        loop {
            match self.bump() {
                None | Some('\n') => {
                    return self.fail_at(line, column, "the string is not closed: expected \"");
                }
                Some('"') => return Ok(text),
                Some('\\') => {
                    let escaped = match self.bump() {
                        Some('"') => '"',
                        Some('\\') => '\\',
                        Some('/') => '/',
                        Some('n') => '\n',
                        Some('t') => '\t',
                        Some('r') => '\r',
                        Some('b') => '\u{8}',
                        Some('f') => '\u{c}',
                        Some('u') => {
                            let hex: String = (0..4).filter_map(|_| self.bump()).collect();
                            match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                                Some(c) => c,
                                None => return self.fail(format!("\\u{hex} is not a character")),
                            }
                        }
                        other => {
                            return self.fail(format!("unknown escape \\{}", other.unwrap_or(' ')));
                        }
                    };
                    text.push(escaped);
                }
                Some(c) => text.push(c),
            }
        }
    }

    /// An unquoted value: `<placeholder>`, a literal, or alternatives of them joined by `|`.
    fn scalar(&mut self) -> Result<Node, ParseError> {
        let (line, column) = (self.line, self.column);
        let mut text = String::new();
        let mut alternatives = Vec::new();
        loop {
            let atom = if self.peek() == Some('<') {
                let mut placeholder = String::new();
                loop {
                    match self.bump() {
                        Some('>') => {
                            placeholder.push('>');
                            break;
                        }
                        Some('\n') | None => {
                            return self.fail_at(
                                line,
                                column,
                                "the placeholder is not closed: expected >",
                            );
                        }
                        Some(c) => placeholder.push(c),
                    }
                }
                placeholder
            } else {
                let mut word = String::new();
                while let Some(c) = self.peek() {
                    if c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '.') {
                        word.push(c);
                        self.bump();
                    } else {
                        break;
                    }
                }
                if word.is_empty() {
                    let found = self
                        .peek()
                        .map_or("the end of the shape".to_string(), |c| format!("{c:?}"));
                    return self.fail(format!("expected a value, found {found}"));
                }
                word
            };
            text.push_str(&atom);
            alternatives.push(atom);
            // `<n>|"<n>"` or `null|{…}`: what follows is another kind of value, for `value`.
            let next_is_scalar =
                !matches!(self.chars.get(self.at + 1), Some('"' | '{' | '[') | None);
            if self.peek() == Some('|') && next_is_scalar {
                self.bump();
                text.push('|');
            } else {
                break;
            }
        }

        let mut kinds = Kinds::default();
        let mut literals = Vec::new();
        for atom in &alternatives {
            if atom.starts_with('<') {
                kinds = Kinds::ANY_SCALAR;
                continue;
            }
            let literal: serde_json::Value = match serde_json::from_str(atom) {
                Ok(
                    value @ (serde_json::Value::Bool(_)
                    | serde_json::Value::Number(_)
                    | serde_json::Value::Null),
                ) => value,
                _ => {
                    return self.fail_at(
                        line,
                        column,
                        format!("{atom:?} is not a value: use true, false, null, a number, <a placeholder> or \"a string\""),
                    );
                }
            };
            kinds.add(&literal);
            literals.push(literal);
        }
        // One literal is an example of its kind; alternatives of literals are an enumeration.
        let one_of =
            (alternatives.len() > 1 && literals.len() == alternatives.len()).then_some(literals);
        Ok(Node::Scalar {
            kinds,
            one_of,
            text,
        })
    }
}

fn string_node(text: &str) -> Node {
    let is_placeholder = text.starts_with('<') && text.ends_with('>');
    let alternatives: Vec<&str> = text.split('|').collect();
    let is_enumeration = !is_placeholder
        && alternatives.len() > 1
        && alternatives.iter().all(|alternative| {
            !alternative.is_empty() && !alternative.chars().any(char::is_whitespace)
        });
    Node::String {
        one_of: is_enumeration.then(|| alternatives.iter().map(|a| a.to_string()).collect()),
        text: text.to_string(),
    }
}

/// Reads `"field" is available when the job status is "A" or "B"`, `"field" is required`, and
/// `"field" is required when the job status is "A"` (`the status` works as well as `the job
/// status`; statuses may be joined by `,`, `or` and `and`).
fn read_annotation(comment: &str) -> Option<(String, Rule)> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn field<'a>(shape: &'a Shape, name: &str) -> &'a Field {
        let Node::Object(fields) = &shape.root else {
            unreachable!()
        };
        fields.iter().find(|field| field.name == name).unwrap()
    }

    #[test]
    fn each_form_is_read_as_documented() {
        let shape = parse(
            r#"{
            "jobId": "<jobId>",
            "startTime": <start time in epoch milliseconds>,
            "status": "SUBMITTED|PROCESSING|FAILED|COMPLETED",
            "type": "openNotebook",
            "flag": true|false,
            "count": 3,
            "messages": ["<message1>", "<message2>"],
            "note": "a | b",
            }"#,
        )
        .unwrap();
        assert!(matches!(
            &field(&shape, "jobId").node,
            Node::String { one_of: None, .. }
        ));
        assert!(
            matches!(&field(&shape, "startTime").node, Node::Scalar { one_of: None, kinds, .. } if *kinds == Kinds::ANY_SCALAR)
        );
        assert!(
            matches!(&field(&shape, "status").node, Node::String { one_of: Some(values), .. } if values.len() == 4)
        );
        assert!(matches!(
            &field(&shape, "type").node,
            Node::String { one_of: None, .. }
        ));
        assert!(
            matches!(&field(&shape, "flag").node, Node::Scalar { one_of: Some(values), .. } if values.len() == 2)
        );
        assert!(
            matches!(&field(&shape, "count").node, Node::Scalar { one_of: None, kinds, .. } if kinds.number && !kinds.boolean)
        );
        assert!(
            matches!(&field(&shape, "messages").node, Node::Array(examples) if examples.len() == 2)
        );
        assert!(matches!(
            &field(&shape, "note").node,
            Node::String { one_of: None, .. }
        ));
    }

    #[test]
    fn annotations_apply_to_the_next_field() {
        let shape = parse(
            r#"{
            // "jobId" is required
            "jobId": "<jobId>",
            // "results" is available when the job status is "COMPLETED" or "FAILED"
            "results": {},
            // "endTime" is required when the job status is "COMPLETED"
            "endTime": <end>,
            // an ordinary comment
            "other": 1
            }"#,
        )
        .unwrap();
        assert_eq!(field(&shape, "jobId").required, Required::Always);
        assert_eq!(
            field(&shape, "results").available_in,
            Some(vec!["COMPLETED".to_string(), "FAILED".to_string()])
        );
        assert_eq!(
            field(&shape, "endTime").required,
            Required::When(vec!["COMPLETED".to_string()])
        );
        assert_eq!(field(&shape, "other").required, Required::No);
    }

    #[test]
    fn errors_say_where() {
        let error = parse("{\n  \"a\": <x>,\n  \"b\" 1\n}").unwrap_err();
        assert_eq!((error.line, error.column), (3, 7), "{error:?}");
        assert!(error.message.contains("expected ':'"), "{error:?}");

        let error = parse("{\n  // \"a\" is required\n  \"b\": 1\n}").unwrap_err();
        assert_eq!((error.line, error.column), (2, 3));

        let error = parse("{\n  \"a\": maybe\n}").unwrap_err();
        assert!(
            error.message.contains("\"maybe\" is not a value"),
            "{error:?}"
        );
        assert_eq!(error.line, 2);

        assert!(
            parse("{\"a\": 1, \"a\": 2}")
                .unwrap_err()
                .message
                .contains("twice")
        );
        assert!(parse("[1]").is_err());
        assert!(parse("{\"a\": \"open").is_err());
    }
}
