//! What a finder finds, and what every finder of [`super::text`], `shaped` and `markup` shares:
//! a [`Finding`] and its [`Kind`], what a name names ([`name_kind`]), the bytes that end a
//! value, and the values that are never secrets (literals, templates, placeholders).

use std::ops::Range;

use super::names::{self, Personal};

/// What was found in a text, and where (a range of the original).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub range: Range<usize>,
    pub kind: Kind,
    /// The value found, decoded.
    pub value: String,
    /// The row of a CSV cell: the personal cells of a row are one person's.
    pub row: Option<u32>,
}

/// What a finding is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// The value of a secret's name (`token=…`, `"password": "…"`, `<td>Token</td><td>…`).
    /// `structured`: after `=` or `:` right behind the name, as in a URL or JSON, rather than
    /// found through markup.
    NamedSecret { name: String, structured: bool },
    /// The value of a personal field (`"email": "…"`, `username=…`).
    NamedPersonal(Personal),
    /// `Bearer <credential>`.
    Bearer,
    /// `Basic <base64 of user:password>`; the value is the decoded `user:password`.
    Basic,
    /// A JSON Web Token (`eyJ….eyJ….…`).
    Jwt,
    /// An ArcGIS API key (`AAPK…`, `AAPT…`, `AATK…`).
    ApiKey,
    /// The password of a URL's user information (`https://user:password@host`); the user name
    /// is a separate finding.
    UrlPassword,
    /// The user name of a URL's user information.
    UrlUser,
    /// An e-mail address.
    Email,
}

/// Decoded bytes that end a value found after a name.
pub(super) fn ends_value(byte: u8) -> bool {
    byte.is_ascii_whitespace()
        || matches!(
            byte,
            b'"' | b'\''
                | b'&'
                | b'<'
                | b'>'
                | b','
                | b';'
                | b'#'
                | b')'
                | b']'
                | b'}'
                | b'\\'
                | b'|'
        )
}

/// Literal JSON values, placeholders and structures are never secrets.
pub fn is_placeholder(value: &str) -> bool {
    matches!(value, "null" | "true" | "false" | "undefined" | "")
        || super::is_redacted(value)
        || value.starts_with("{{")
        || value.starts_with(['{', '['])
        || is_shape_placeholder(value)
}

/// What stands in a fixture for a value rather than being one: a template (`{{origin}}`), a
/// shape's placeholder, what redaction wrote. A person's field holding `"true"` is a value.
pub fn is_template(value: &str) -> bool {
    value.trim().is_empty()
        || value.starts_with("{{")
        || super::is_redacted(value)
        || is_shape_placeholder(value)
}

/// A shape's placeholder for a value (`<username>`, `<string>`): what `shape infer` writes in
/// place of one-off values, never a value itself.
pub fn is_shape_placeholder(value: &str) -> bool {
    value
        .strip_prefix('<')
        .and_then(|inner| inner.strip_suffix('>'))
        .is_some_and(|inner| {
            !inner.is_empty()
                && inner
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        })
}

/// What a name names: a secret, personal data, or neither.
pub(super) fn name_kind(name: &str, oauth: bool) -> Option<Kind> {
    if names::is_secret_param(name) || (oauth && names::is_oauth_code(name)) {
        Some(Kind::NamedSecret {
            name: name.to_string(),
            structured: true,
        })
    } else {
        names::personal_field(name).map(Kind::NamedPersonal)
    }
}

/// Where `needle` first occurs in `haystack`.
pub fn find_bytes(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}
