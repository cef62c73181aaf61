//! The parser's place in the text: the next character, its line and column, the errors that
//! name them, and the white space and comments skipped between values, the annotations among
//! the comments kept for the field they name.

use super::annotation::{Annotation, read_annotation};

/// A shape file could not be read: what, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

pub(super) struct Parser {
    pub(super) chars: Vec<char>,
    pub(super) at: usize,
    pub(super) line: usize,
    pub(super) column: usize,
    /// Annotations read since the last field, waiting for the field they name.
    pub(super) annotations: Vec<Annotation>,
}

impl Parser {
    pub(super) fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    pub(super) fn bump(&mut self) -> Option<char> {
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

    pub(super) fn fail<T>(&self, message: impl Into<String>) -> Result<T, ParseError> {
        self.fail_at(self.line, self.column, message)
    }

    pub(super) fn fail_at<T>(
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
    pub(super) fn skip_space(&mut self) {
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

    pub(super) fn expect(&mut self, wanted: char) -> Result<(), ParseError> {
        match self.peek() {
            Some(c) if c == wanted => {
                self.bump();
                Ok(())
            }
            Some(c) => self.fail(format!("expected {wanted:?}, found {c:?}")),
            None => self.fail(format!("expected {wanted:?}, found the end of the shape")),
        }
    }
}
