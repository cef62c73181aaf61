//! What is found by its shape rather than its name: `Bearer` and `Basic` credentials, JSON Web
//! Tokens, ArcGIS API keys, the user information of URLs and e-mail addresses (of any script).
//! [`super::text::find`] runs these finders over a decoded text.

use std::ops::Range;

use super::decode::Decoded;
use super::finding::{Finding, Kind, ends_value, find_bytes, is_placeholder};
use super::names;

/// Whether `value` is a `Bearer` credential: RFC 6750's token68 (letters, digits, `-._~+/`, then
/// `=` padding), long enough and mixed enough to be one (`Bearer authentication` is prose,
/// `Bearer realm=…` a challenge).
pub(super) fn is_bearer_token(value: &str) -> bool {
    let body = value.trim_end_matches('=');
    !body.is_empty()
        && body.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
        })
        && names::looks_like_credential(value)
}

/// `user:password` from the base64 of a Basic credential, if it is one.
pub fn basic_credentials(encoded: &str) -> Option<String> {
    use base64::Engine as _;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim_end_matches('.'))
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    (text.contains(':') && !text.contains(char::is_control)).then_some(text)
}

/// The end of a JWT starting at `at` (`eyJ…` header, `.`, payload, `.`, signature).
pub(super) fn jwt_end(bytes: &[u8], at: usize) -> Option<usize> {
    let is_b64url = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    let mut end = at;
    let mut dots = 0;
    let mut part = 0;
    while end < bytes.len() {
        let byte = bytes[end];
        if is_b64url(byte) {
            part += 1;
        } else if byte == b'.' && dots < 2 && part >= 4 {
            dots += 1;
            part = 0;
        } else {
            break;
        }
        end += 1;
    }
    (dots == 2 && end - at >= 20).then_some(end)
}

/// The user name and password of URLs with user information (`scheme://user:password@host`).
pub(super) fn url_credentials(decoded: &Decoded<'_>) -> Vec<Finding> {
    let bytes = decoded.bytes();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(offset) = find_bytes(&bytes[from..], b"://") {
        let start = from + offset + 3;
        from = start;
        let authority_end = bytes[start..]
            .iter()
            .position(|&b| matches!(b, b'/' | b'?' | b'#') || ends_value(b))
            .map_or(bytes.len(), |end| start + end);
        let Some(at) = bytes[start..authority_end].iter().rposition(|&b| b == b'@') else {
            continue;
        };
        let userinfo = start..start + at;
        let (user, password) = match bytes[userinfo.clone()].iter().position(|&b| b == b':') {
            Some(colon) => (
                userinfo.start..userinfo.start + colon,
                Some(userinfo.start + colon + 1..userinfo.end),
            ),
            None => (userinfo.clone(), None),
        };
        let mut push = |range: Range<usize>, kind: Kind| {
            if let Some(original) = decoded.original_range(range.clone()) {
                let value = decoded.text(range);
                if !is_placeholder(&value) {
                    found.push(Finding {
                        range: original,
                        kind,
                        value,
                        row: None,
                    });
                }
            }
        };
        if let Some(password) = password {
            push(password, Kind::UrlPassword);
        }
        push(user, Kind::UrlUser);
        from = authority_end;
    }
    found
}

/// E-mail addresses (not the user information of a URL, which [`url_credentials`] finds), also
/// internationalised ones (`jürgen@müller.de`): letters of any script count.
pub(super) fn emails(decoded: &Decoded<'_>) -> Vec<Finding> {
    let bytes = decoded.bytes();
    let is_local = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-');
    let is_domain = |c: char| c.is_alphanumeric() || matches!(c, '.' | '-');
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(offset) = bytes[from..].iter().position(|&b| b == b'@') {
        let at = from + offset;
        from = at + 1;
        let mut start = at;
        while let Some((c, len)) = char_before(bytes, start)
            && is_local(c)
        {
            start -= len;
        }
        while start < at && bytes[start] == b'.' {
            start += 1;
        }
        let mut end = at + 1;
        while let Some((c, len)) = char_at(bytes, end)
            && is_domain(c)
        {
            end += len;
        }
        while end > at + 1 && matches!(bytes[end - 1], b'.' | b'-') {
            end -= 1;
        }
        let domain = &bytes[at + 1..end];
        let has_tld = domain
            .iter()
            .rposition(|&b| b == b'.')
            .is_some_and(|dot| dot > 0 && domain.len() - dot > 2);
        let in_url = start >= 2 && &bytes[start - 2..start] == b"//";
        if start == at || !has_tld || in_url {
            continue;
        }
        if let Some(range) = decoded.original_range(start..end) {
            found.push(Finding {
                range,
                kind: Kind::Email,
                value: decoded.text(start..end),
                row: None,
            });
        }
        from = end;
    }
    found
}

/// The character starting at `at` in `bytes`, and its length, if a valid one does.
fn char_at(bytes: &[u8], at: usize) -> Option<(char, usize)> {
    let first = *bytes.get(at)?;
    let len = match first {
        0x00..=0x7F => 1,
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return None,
    };
    let c = std::str::from_utf8(bytes.get(at..at + len)?)
        .ok()?
        .chars()
        .next()?;
    Some((c, len))
}

/// The character ending at `end` in `bytes`, and its length, if a valid one does.
fn char_before(bytes: &[u8], end: usize) -> Option<(char, usize)> {
    (1..=4.min(end)).find_map(|len| char_at(bytes, end - len).filter(|(_, found)| *found == len))
}

/// Whether a word is an ArcGIS API key: `AAPK`, `AAPT` or `AATK`, then at least 32 letters,
/// digits, `-` and `_`.
pub(super) fn is_api_key(word: &str) -> bool {
    ["AAPK", "AAPT", "AATK"].iter().any(|prefix| {
        word.strip_prefix(prefix).is_some_and(|rest| {
            rest.len() >= 32
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
        })
    })
}

/// The three parts of a JSON Web Token, if `value` is one.
pub fn jwt_parts(value: &str) -> Option<Vec<&str>> {
    let value = value.trim();
    (value.starts_with("eyJ") && jwt_end(value.as_bytes(), 0) == Some(value.len()))
        .then(|| value.split('.').collect())
}
