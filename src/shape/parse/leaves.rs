//! The values that hold no others: quoted strings (a placeholder, an enumeration `"A|B"`, or an
//! example), and unquoted placeholders, literals and their alternatives (`<n>`, `true|false`).

use super::cursor::{ParseError, Parser};
use crate::shape::{Kinds, Node};

impl Parser {
    /// A JSON string, escapes and all; the opening quote is next.
    pub(super) fn string(&mut self) -> Result<String, ParseError> {
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
    pub(super) fn scalar(&mut self) -> Result<Node, ParseError> {
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

pub(super) fn string_node(text: &str) -> Node {
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
