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
//! | `// "value" is any value` (its value a placeholder, `<valueLiteralOrObject>`) | the next field may hold any value: a literal, an array, an object |
//! | `{ "<param>": value }` (a field named by one `<…>`) | every field the object has that the shape does not name: an object keyed by names, such as a web tool's `results` |
//! | any other `// …` | a comment |
//!
//! Trailing commas are allowed. An annotation must name the field that follows it. The status
//! the rules read is the payload's `status`, else its `jobStatus` (a web tool's job).
//!
//! # Layout
//!
//! - this module: [`parse`], and the values that hold others: objects, arrays, alternatives.
//! - `leaves`: the values that hold no others: strings, placeholders, literals.
//! - `cursor`: the place in the text, errors that name it, white space and comments.
//! - `annotation`: what an annotation comment says of the field it names.

mod annotation;
mod cursor;
mod leaves;

pub use cursor::ParseError;

use super::{Field, Node, Required, Shape};
use annotation::Rule;
use cursor::Parser;
use leaves::string_node;

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

impl Parser {
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
            let mut any_value = false;
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
                    Rule::Any => any_value = true,
                }
            }
            self.skip_space();
            self.expect(':')?;
            self.skip_space();
            let (line, column) = (self.line, self.column);
            field.node = self.value()?;
            if any_value {
                field.node = match &field.node {
                    Node::Scalar { text, .. } => Node::Any { text: text.clone() },
                    Node::String { text, .. } => Node::Any {
                        text: serde_json::to_string(text).expect("a string serialises"),
                    },
                    _ => {
                        return self.fail_at(
                            line,
                            column,
                            format!("\"{name}\" is any value: write its value as a placeholder, such as <value>"),
                        );
                    }
                };
            }
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
}

#[cfg(test)]
mod tests {
    use super::super::Kinds;
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

    /// A web tool's job and parameters: results keyed by parameter name, a value of any kind.
    #[test]
    fn named_by_placeholder_and_any_value_are_read() {
        let shape = parse(
            r#"{
            "results": {"<param>": {"paramUrl": "<paramUrl>"}},
            // "value" is any value: a literal or an object
            "value": <valueLiteralOrObject>
            }"#,
        )
        .unwrap();
        assert_eq!(
            field(&shape, "value").node,
            Node::Any {
                text: "<valueLiteralOrObject>".into()
            }
        );
        let payload = |value| serde_json::json!({"results": {"a": {"paramUrl": "results/a"}, "b": {"paramUrl": "results/b"}}, "value": value});
        for value in [
            serde_json::json!(1),
            serde_json::json!("x"),
            serde_json::json!({"url": "u"}),
            serde_json::json!([1, "a"]),
            serde_json::Value::Null,
        ] {
            assert_eq!(shape.check(&payload(value.clone())), [], "{value}");
        }
        let bad = serde_json::json!({"results": {"a": {"paramUrl": 1, "extra": true}}});
        let paths: Vec<String> = shape.check(&bad).into_iter().map(|f| f.path).collect();
        assert_eq!(paths, ["results.a.paramUrl", "results.a.extra"]);

        let error = parse("{\n// \"v\" is any value\n\"v\": {}\n}").unwrap_err();
        assert!(error.message.contains("placeholder"), "{error:?}");
        assert_eq!(error.line, 3);
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
