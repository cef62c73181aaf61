//! What is found in a text by name and by shape: values after credential and personal names (in
//! URLs, forms, JSON, code, prose, markup, HTML inputs, CSV), `Bearer` and `Basic` credentials,
//! JWTs, the user information of URLs, e-mail addresses. Every finder reads the text through
//! [`Decoded`] ([`super::decode`]), so what it finds is found in any encoding the decoder
//! undoes, and is placed in the original text.

use std::ops::Range;

pub use super::decode::{Decoded, decoded_form, is_token_byte, utf16, utf16_text};
pub use super::finding::{
    Finding, Kind, find_bytes, is_placeholder, is_shape_placeholder, is_template,
};
pub use super::shaped::{basic_credentials, jwt_parts};

use super::finding::{ends_value, name_kind};
use super::shaped::{emails, is_api_key, is_bearer_token, jwt_end, url_credentials};

use super::names;

fn is_name_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.' | b'[' | b']')
}

/// Where the value after a name starts: its first byte, whether it is structured (after `=`,
/// after a quoted name, or quoted itself, as in URLs, forms, JSON and code) rather than found
/// in prose or through markup, and the quote it opens with, if any.
struct ValueStart {
    at: usize,
    structured: bool,
    quote: Option<u8>,
}

/// Where the value after the name `bytes[name_start..name_end]` begins; `None` when no
/// separator follows the name.
fn value_start(
    bytes: &[u8],
    name_start: usize,
    name_end: usize,
    bearer_like: bool,
) -> Option<ValueStart> {
    let len = bytes.len();
    let quote_at = |at: usize| bytes.get(at).copied().filter(|b| matches!(b, b'"' | b'\''));
    let skip_blanks = |mut at: usize| {
        while at < len && matches!(bytes[at], b' ' | b'\t') {
            at += 1;
        }
        at
    };
    let before = name_start.checked_sub(1).map(|at| bytes[at]);
    let mut at = name_end;
    let quoted_name = quote_at(at).is_some() && before == quote_at(at);
    if quoted_name {
        at += 1;
    }
    let after_name = at;
    at = skip_blanks(at);
    // `<token>VALUE</token>`: an element named like a credential holds one.
    if before == Some(b'<') && bytes.get(at) == Some(&b'>') {
        return Some(ValueStart {
            at: at + 1,
            structured: true,
            quote: None,
        });
    }
    // `name=value`; `"name": value` and `name: "value"` as in JSON and code, and `name: value`
    // in prose (but `portal:user:createItem` is one identifier); `f("name", "value")` in code.
    let next = bytes.get(at).copied();
    let after_separator = bytes.get(at + 1).copied();
    let colon = next == Some(b':')
        && (quoted_name
            || after_separator.is_some_and(|b| matches!(b, b' ' | b'\t' | b'"' | b'\'')));
    let comma = next == Some(b',') && quoted_name;
    if next == Some(b'=') || colon || comma {
        at = skip_blanks(at + 1);
        let quote = quote_at(at);
        if comma && quote.is_none() {
            return None;
        }
        // `<td>Token:</td><td>VALUE`: the value is behind markup after all.
        if !(quote.is_none() && bytes.get(at) == Some(&b'<')) {
            return Some(ValueStart {
                at: at + usize::from(quote.is_some()),
                structured: next == Some(b'=') || quoted_name || quote.is_some(),
                quote,
            });
        }
    }
    if bearer_like {
        return (at > after_name).then_some(ValueStart {
            at,
            structured: true,
            quote: None,
        });
    }
    // Markup between the name and its value: `<td>Token</td><td>VALUE`, `name="token"
    // value="VALUE"`. At most a few tags and attributes, within a few hundred bytes.
    let limit = (at + 300).min(len);
    let mut crossed = false;
    let mut quote = None;
    for _ in 0..8 {
        while at < limit && (bytes[at].is_ascii_whitespace() || bytes[at] == b':') {
            at += 1;
        }
        if at < limit && bytes[at] == b'<' {
            let close = bytes[at..limit].iter().position(|&b| b == b'>')?;
            at += close + 1;
            crossed = true;
            continue;
        }
        if at < limit && matches!(bytes[at], b'"' | b'\'') && !crossed {
            at += 1;
            continue;
        }
        for attribute in [&b"value="[..], b"content="] {
            let rest = bytes.get(at..limit).unwrap_or_default();
            if rest
                .get(..attribute.len())
                .is_some_and(|word| word.eq_ignore_ascii_case(attribute))
            {
                at += attribute.len();
                crossed = true;
                quote = quote_at(at);
                at += usize::from(quote.is_some());
            }
        }
        break;
    }
    (crossed && at < len).then_some(ValueStart {
        at,
        structured: false,
        quote,
    })
}

/// The end of a value starting at `start`: the closing quote of a quoted value (a password may
/// hold spaces), else the first byte that ends a value.
fn value_end(bytes: &[u8], start: usize, quote: Option<u8>) -> usize {
    let end = match quote {
        Some(quote) => bytes[start..]
            .iter()
            .take(4096)
            .position(|&b| b == quote || b == b'\n'),
        None => bytes[start..].iter().position(|&b| ends_value(b)),
    };
    end.map_or(bytes.len(), |end| start + end)
}

/// Everything found by name and by shape in `text`. `oauth`: `code` is a secret here.
pub fn find(decoded: &Decoded<'_>, oauth: bool) -> Vec<Finding> {
    let bytes = decoded.bytes();
    let mut found = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        if !is_name_byte(bytes[at]) || (at > 0 && is_name_byte(bytes[at - 1])) {
            at += 1;
            continue;
        }
        let name_end = bytes[at..]
            .iter()
            .position(|&b| !is_name_byte(b))
            .map_or(bytes.len(), |end| at + end);
        let name = std::str::from_utf8(&bytes[at..name_end]).unwrap_or_default();
        if let Some((finding, next)) = named_value(decoded, name, at, name_end, oauth) {
            found.extend(finding);
            at = next.max(name_end);
            continue;
        }
        if is_api_key(name)
            && let Some(range) = decoded.original_range(at..name_end)
        {
            found.push(Finding {
                range,
                kind: Kind::ApiKey,
                value: name.to_string(),
                row: None,
            });
            at = name_end;
            continue;
        }
        if name.starts_with("eyJ")
            && let Some(end) = jwt_end(bytes, at)
            && let Some(range) = decoded.original_range(at..end)
        {
            found.push(Finding {
                range,
                kind: Kind::Jwt,
                value: decoded.text(at..end),
                row: None,
            });
            at = end;
            continue;
        }
        at = name_end;
    }
    found.extend(super::markup::tag_attributes(decoded, oauth));
    found.extend(super::markup::xml_elements(decoded, oauth));
    found.extend(super::markup::csv_cells(decoded, oauth));
    let in_urls = url_credentials(decoded);
    // `https://user:password@host`: the password and host are not an e-mail address.
    let overlaps_url = |email: &Finding| {
        in_urls
            .iter()
            .any(|url| url.range.start < email.range.end && email.range.start < url.range.end)
    };
    let emails: Vec<Finding> = emails(decoded)
        .into_iter()
        .filter(|email| !overlaps_url(email))
        .collect();
    found.extend(in_urls);
    found.extend(emails);
    // One place found twice (a tag's value after its name, and by its attributes): once, by
    // the most certain finder.
    found.sort_by_key(|finding| {
        let loose = matches!(
            finding.kind,
            Kind::NamedSecret {
                structured: false,
                ..
            }
        );
        (finding.range.start, finding.range.end, loose)
    });
    found.dedup_by(|later, earlier| later.range == earlier.range);
    found
}

/// The finding after the name `bytes[name_start..name_end]`, if it names a secret or personal
/// data; and where to go on looking.
fn named_value(
    decoded: &Decoded<'_>,
    name: &str,
    name_start: usize,
    name_end: usize,
    oauth: bool,
) -> Option<(Vec<Finding>, usize)> {
    let bytes = decoded.bytes();
    let folded = names::fold(name);
    let bearer = folded == "bearer";
    let basic = folded == "basic";
    let named = name_kind(name, oauth);
    if named.is_none() && !bearer && !basic {
        return None;
    }
    let ValueStart {
        at: start,
        structured,
        quote,
    } = value_start(bytes, name_start, name_end, bearer || basic)?;
    let end = value_end(bytes, start, if bearer || basic { None } else { quote });
    if end == start {
        return None;
    }
    let value = decoded.text(start..end);
    if is_placeholder(&value) {
        return Some((Vec::new(), end));
    }
    // `Authorization: Bearer …`: the credential is the next word, found after its own name.
    if !(bearer || basic)
        && (value.eq_ignore_ascii_case("bearer") || value.eq_ignore_ascii_case("basic"))
    {
        return None;
    }
    let range = decoded.original_range(start..end)?;
    let (kind, value) = match named {
        _ if bearer => {
            if !is_bearer_token(&value) {
                return None;
            }
            (Kind::Bearer, value)
        }
        _ if basic => (Kind::Basic, basic_credentials(&value)?),
        // A value behind markup or in prose is one only when it looks like one: `<th>Key</th>
        // <th>Value</th>` is a table's head, `Token: expired` a sentence.
        Some(Kind::NamedSecret { .. }) if !structured && !names::looks_like_credential(&value) => {
            return Some((Vec::new(), end));
        }
        Some(Kind::NamedSecret { ref name, .. })
            if !(names::is_secret_value(name, &value) || (oauth && names::is_oauth_code(name))) =>
        {
            return Some((Vec::new(), end));
        }
        Some(Kind::NamedSecret { name, .. }) => (Kind::NamedSecret { name, structured }, value),
        // Personal data after markup or in prose is too loose a match to act on
        // ("Owner</th><td>Status", "user: 42"), and a number is nobody's name.
        // In free text, a person's value is taken only when it is distinctive: `USER=sde` in
        // a connection string is a service's account, `user=Post` could be anything.
        Some(Kind::NamedPersonal(kind)) if structured && super::is_huntable_personal(&value) => {
            (Kind::NamedPersonal(kind), value)
        }
        _ => return None,
    };
    Some((
        vec![Finding {
            range,
            kind,
            value,
            row: None,
        }],
        end,
    ))
}

/// `text` with each range replaced by its text. Ranges must not overlap and are taken in
/// order of their start; an overlapping one is skipped.
pub fn splice(text: &str, mut replacements: Vec<(Range<usize>, String)>) -> String {
    if replacements.is_empty() {
        return text.to_string();
    }
    replacements.sort_by(|a, b| a.0.start.cmp(&b.0.start).then(b.0.end.cmp(&a.0.end)));
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for (range, with) in replacements {
        if range.start < done
            || !text.is_char_boundary(range.start)
            || !text.is_char_boundary(range.end)
        {
            continue;
        }
        out.push_str(&text[done..range.start]);
        out.push_str(&with);
        done = range.end;
    }
    out.push_str(&text[done..]);
    out
}

#[cfg(test)]
mod tests {
    use super::super::names::Personal;
    use super::*;

    /// What [`find`] finds in `text`, as (the original text found, its kind): for tests.
    fn found(text: &str) -> Vec<(String, Kind)> {
        let decoded = Decoded::new(text);
        find(&decoded, false)
            .into_iter()
            .map(|finding| (text[finding.range].to_string(), finding.kind))
            .collect()
    }

    fn secret(name: &str, structured: bool) -> Kind {
        Kind::NamedSecret {
            name: name.to_string(),
            structured,
        }
    }

    #[test]
    fn secrets_are_found_after_their_names_in_urls_json_and_markup() {
        assert_eq!(
            found("https://h/x?f=json&token=abc.123&a=1"),
            [("abc.123".to_string(), secret("token", true))]
        );
        assert_eq!(
            found(r#"{"access_token" : "tok-1", "token_type": "bearer"}"#),
            [("tok-1".to_string(), secret("access_token", true))]
        );
        assert_eq!(
            found("<tr><td>Token</td><td>Tk9.zz-41aa</td></tr>"),
            [("Tk9.zz-41aa".to_string(), secret("Token", false))]
        );
        // A table's head is no credential: behind markup, a value must look like one.
        assert!(found("<tr><th>Key</th><th>Value</th></tr>").is_empty());
        assert_eq!(
            found(r#"<input type="hidden" name="token" value="Q1w2">"#),
            [("Q1w2".to_string(), secret("value", true))]
        );
        assert_eq!(
            found(r#"<input value="Q1w2" type="hidden" name="csrf_token">"#),
            [("Q1w2".to_string(), secret("value", true))]
        );
        assert_eq!(
            found("<auth><token>Tk-99</token><password>pw 1</password></auth>"),
            [
                ("Tk-99".to_string(), secret("token", true)),
                ("pw".to_string(), secret("password", true))
            ]
        );
        assert_eq!(
            found(r#"{token:"abc1"}; localStorage.setItem("token", "abc2")"#),
            [
                ("abc1".to_string(), secret("token", true)),
                ("abc2".to_string(), secret("token", true))
            ]
        );
        assert_eq!(
            found("username,email,token\njdoe,j@x.com,Tk-1\n"),
            [
                ("jdoe".to_string(), Kind::NamedPersonal(Personal::Username)),
                ("j@x.com".to_string(), Kind::NamedPersonal(Personal::Email)),
                ("Tk-1".to_string(), secret("token", true))
            ]
        );
        assert_eq!(
            found("/x#access_token=a%2Eb&expires_in=7200"),
            [("a%2Eb".to_string(), secret("access_token", true))]
        );
        assert!(
            found(r#"{"token": null, "messages": ["Token Required"], "code": 499}"#).is_empty()
        );
    }

    #[test]
    fn colons_inside_identifiers_separate_nothing() {
        assert!(found("\"portal:user:createItem\", user:x").is_empty());
        assert_eq!(
            found("user=jane"),
            [("jane".to_string(), Kind::NamedPersonal(Personal::Username))]
        );
        assert!(
            found("user: 42, Token: expired").is_empty(),
            "prose is loose: a word after a name in a sentence is no credential"
        );
        assert_eq!(found("Token: s3cr3t-Zq81").len(), 1);
    }

    #[test]
    fn oauth_codes_are_secrets_only_in_oauth_exchanges() {
        let text = "https://app/cb?code=xyz123&state=1";
        assert!(found(text).is_empty());
        let decoded = Decoded::new(text);
        assert_eq!(find(&decoded, true).len(), 1);
    }

    #[test]
    fn splice_replaces_ranges_in_order_and_skips_overlaps() {
        assert_eq!(
            splice(
                "abcdef",
                vec![(4..5, "E".into()), (0..2, "AB".into()), (1..3, "x".into())]
            ),
            "ABcdEf"
        );
    }

    #[test]
    fn credentials_are_found_by_their_shape() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";
        assert_eq!(found(&format!("x {jwt} y")), [(jwt.to_string(), Kind::Jwt)]);
        assert_eq!(
            found("Authorization: Bearer abc.def.ghi1"),
            [("abc.def.ghi1".to_string(), Kind::Bearer)]
        );
        let basic = found("Basic YWxpY2U6czNjcjN0");
        assert_eq!(basic, [("YWxpY2U6czNjcjN0".to_string(), Kind::Basic)]);
        assert!(found("a Basic licence").is_empty());
        assert_eq!(
            found("see https://alice:pw1@host.example.com/x"),
            [
                ("alice".to_string(), Kind::UrlUser),
                ("pw1".to_string(), Kind::UrlPassword)
            ]
        );
        assert_eq!(
            found("contact jane.doe@customer.com."),
            [("jane.doe@customer.com".to_string(), Kind::Email)]
        );
        assert_eq!(
            found("an IDN address:\u{a0}jürgen@müller.de\u{a0}here"),
            [("jürgen@müller.de".to_string(), Kind::Email)]
        );
    }
}
