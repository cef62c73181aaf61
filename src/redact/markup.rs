//! Finders for texts with a structure of their own: the value of an HTML element named like a
//! credential (`<input name="token" value="…">`, attributes in any order), and the cells of CSV
//! columns named like a credential or personal data.

use std::ops::Range;

use super::decode::Decoded;
use super::finding::{Finding, Kind, is_placeholder, name_kind};
use super::names;

/// Values of HTML elements named like a credential: `<input name="token" value="…">`, in any
/// order of attributes, and `<meta name="csrf-token" content="…">`.
pub(super) fn tag_attributes(decoded: &Decoded<'_>, oauth: bool) -> Vec<Finding> {
    let bytes = decoded.bytes();
    let mut found = Vec::new();
    for tag in tags(bytes) {
        let attributes = attributes(bytes, tag);
        let names_secret = attributes.iter().any(|(name, value)| {
            let attribute = String::from_utf8_lossy(&bytes[name.clone()]).to_ascii_lowercase();
            let value = String::from_utf8_lossy(&bytes[value.clone()]);
            matches!(attribute.as_str(), "name" | "id")
                && matches!(name_kind(&value, oauth), Some(Kind::NamedSecret { .. }))
        });
        if !names_secret {
            continue;
        }
        for (name, value) in attributes {
            let attribute = String::from_utf8_lossy(&bytes[name]).to_ascii_lowercase();
            if matches!(attribute.as_str(), "value" | "content")
                && let text = decoded.text(value.clone())
                && !is_placeholder(&text)
                && let Some(range) = decoded.original_range(value)
            {
                found.push(Finding {
                    range,
                    kind: Kind::NamedSecret {
                        name: attribute,
                        structured: true,
                    },
                    value: text,
                    row: None,
                });
            }
        }
    }
    found
}

/// XML by local name: the text of an element named like a credential, whatever its prefix and
/// attributes (`<Token expires="…">VALUE</Token>`, `<wsse:Password Type="…">VALUE</…>`), and
/// the value of an attribute named like one (`<Credential password="VALUE"/>`).
pub(super) fn xml_elements(decoded: &Decoded<'_>, oauth: bool) -> Vec<Finding> {
    let bytes = decoded.bytes();
    let mut found = Vec::new();
    let mut push = |range: Range<usize>, name: String| {
        let text = decoded.text(range.clone());
        if !text.trim().is_empty()
            && !is_placeholder(text.trim())
            && let Some(range) = decoded.original_range(range)
        {
            found.push(Finding {
                range,
                kind: Kind::NamedSecret {
                    name,
                    structured: true,
                },
                value: text,
                row: None,
            });
        }
    };
    for tag in tags(bytes) {
        let name_end = bytes[tag.clone()]
            .iter()
            .position(|b| b.is_ascii_whitespace() || *b == b'/')
            .map_or(tag.end, |end| tag.start + end);
        let name = String::from_utf8_lossy(&bytes[tag.start..name_end]).into_owned();
        if name.is_empty() || !name.as_bytes()[0].is_ascii_alphabetic() {
            continue;
        }
        let local = name.rsplit(':').next().unwrap_or(&name).to_string();
        for (attribute, value) in attributes(bytes, name_end..tag.end) {
            let attribute = String::from_utf8_lossy(&bytes[attribute]).into_owned();
            let attribute_local = attribute.rsplit(':').next().unwrap_or(&attribute);
            if matches!(
                name_kind(attribute_local, oauth),
                Some(Kind::NamedSecret { .. })
            ) {
                push(value, attribute_local.to_string());
            }
        }
        let self_closing = bytes.get(tag.end.wrapping_sub(1)) == Some(&b'/');
        // `<token>` right after `<` is found by its name already ([`super::text`]); here the
        // elements with a prefix or attributes.
        let plain = local == name && name_end == tag.end;
        if self_closing
            || plain
            || !matches!(name_kind(&local, oauth), Some(Kind::NamedSecret { .. }))
        {
            continue;
        }
        let content_start = tag.end + 1;
        let content_end = bytes[content_start.min(bytes.len())..]
            .iter()
            .take(64 * 1024)
            .position(|&b| b == b'<')
            .map_or(bytes.len(), |end| content_start + end);
        let mut content = content_start..content_end;
        while content.start < content.end && bytes[content.start].is_ascii_whitespace() {
            content.start += 1;
        }
        while content.end > content.start && bytes[content.end - 1].is_ascii_whitespace() {
            content.end -= 1;
        }
        if !content.is_empty() {
            push(content, local);
        }
    }
    found
}

/// The insides of the tags of `bytes` (what stands between `<` and the next `>`, within 4 KiB),
/// in order.
fn tags(bytes: &[u8]) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut from = 0;
    std::iter::from_fn(move || {
        let offset = bytes.get(from..)?.iter().position(|&b| b == b'<')?;
        let start = from + offset + 1;
        let length = bytes[start..].iter().take(4096).position(|&b| b == b'>')?;
        from = start + length;
        Some(start..start + length)
    })
}

/// The `name=value` attributes of the tag `bytes[tag]`: the range of each name and value.
fn attributes(bytes: &[u8], tag: Range<usize>) -> Vec<(Range<usize>, Range<usize>)> {
    let mut found = Vec::new();
    let mut at = tag.start;
    while at < tag.end {
        while at < tag.end && !bytes[at].is_ascii_alphabetic() {
            at += 1;
        }
        let name_start = at;
        while at < tag.end
            && (bytes[at].is_ascii_alphanumeric() || matches!(bytes[at], b'-' | b'_' | b':'))
        {
            at += 1;
        }
        let name = name_start..at;
        if at >= tag.end || bytes[at] != b'=' {
            continue;
        }
        at += 1;
        let value = match bytes.get(at) {
            Some(&quote @ (b'"' | b'\'')) => {
                let close = bytes[at + 1..tag.end]
                    .iter()
                    .position(|&b| b == quote)
                    .map_or(tag.end, |end| at + 1 + end);
                let value = at + 1..close;
                at = close + 1;
                value
            }
            _ => {
                let end = bytes[at..tag.end]
                    .iter()
                    .position(|b| b.is_ascii_whitespace() || *b == b'/')
                    .map_or(tag.end, |end| at + end);
                let value = at..end;
                at = end;
                value
            }
        };
        if !value.is_empty() {
            found.push((name, value));
        }
    }
    found
}

/// The cells of CSV columns named like a credential or personal data
/// (`username,email,token` over rows of values).
pub(super) fn csv_cells(decoded: &Decoded<'_>, oauth: bool) -> Vec<Finding> {
    let bytes = decoded.bytes();
    let Some(header_end) = bytes.iter().take(4096).position(|&b| b == b'\n') else {
        return Vec::new();
    };
    let header = String::from_utf8_lossy(&bytes[..header_end]);
    let Some(delimiter) = [',', ';', '\t'].into_iter().find(|d| header.contains(*d)) else {
        return Vec::new();
    };
    let columns: Vec<Option<Kind>> = header
        .split(delimiter)
        .map(|name| name_kind(name.trim().trim_matches('"'), oauth))
        .collect();
    if columns.iter().all(Option::is_none) || columns.len() < 2 {
        return Vec::new();
    }
    let mut found = Vec::new();
    let mut line_start = header_end + 1;
    for row in 0..100_000 {
        if line_start >= bytes.len() {
            break;
        }
        let line_end = bytes[line_start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |end| line_start + end);
        let mut cell_start = line_start;
        for column in &columns {
            let cell_end = bytes[cell_start..line_end]
                .iter()
                .position(|&b| b == delimiter as u8)
                .map_or(line_end, |end| cell_start + end);
            let mut cell = cell_start..cell_end;
            while cell.start < cell.end && matches!(bytes[cell.start], b' ' | b'"') {
                cell.start += 1;
            }
            while cell.end > cell.start && matches!(bytes[cell.end - 1], b' ' | b'"' | b'\r') {
                cell.end -= 1;
            }
            if let Some(kind) = column
                && let text = decoded.text(cell.clone())
                && !is_placeholder(&text)
                && match kind {
                    Kind::NamedSecret { name, .. } => names::is_secret_value(name, &text),
                    _ => true,
                }
                && let Some(range) = decoded.original_range(cell)
            {
                found.push(Finding {
                    range,
                    kind: kind.clone(),
                    value: text,
                    row: Some(row),
                });
            }
            if cell_end >= line_end {
                break;
            }
            cell_start = cell_end + 1;
        }
        line_start = line_end + 1;
    }
    found
}
