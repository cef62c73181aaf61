//! Request parameters as the ArcGIS REST API takes them: from the query string and from an
//! `application/x-www-form-urlencoded` body, decoded, in the order sent; and the `Host` a
//! client reached us at.

use hyper::HeaderMap;
use hyper::header::{CONTENT_TYPE, HOST};

/// The parameters of a query string.
pub fn from_query(query: Option<&str>) -> Vec<(String, String)> {
    query
        .map(|query| parse(query.as_bytes()))
        .unwrap_or_default()
}

/// `name=value&…` decoded as forms are (`+` is a space, then percent-decoding). Bytes that do
/// not make UTF-8 (a form sent in ISO-8859-1) are read as Latin-1, one character a byte, so
/// they are carried as they were and never become U+FFFD.
fn parse(input: &[u8]) -> Vec<(String, String)> {
    input
        .split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = match pair.iter().position(|&b| b == b'=') {
                Some(at) => (&pair[..at], &pair[at + 1..]),
                None => (pair, &pair[pair.len()..]),
            };
            (decode(name), decode(value))
        })
        .collect()
}

/// One name or value of a query or form, decoded (see [`from_query`]).
pub fn decode(raw: &[u8]) -> String {
    // Most names and values (`f`, `json`) hold nothing to decode: one copy, not three.
    if !raw.iter().any(|&b| b == b'+' || b == b'%')
        && let Ok(text) = std::str::from_utf8(raw)
    {
        return text.to_owned();
    }
    decode_escaped(raw)
}

/// [`decode`] the whole way: `+` and percent escapes, then UTF-8 or Latin-1.
fn decode_escaped(raw: &[u8]) -> String {
    let spaced: Vec<u8> = raw
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    let bytes: Vec<u8> = percent_encoding::percent_decode(&spaced).collect();
    match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => err.into_bytes().iter().map(|&b| char::from(b)).collect(),
    }
}

/// Whether a request's body is a form, whose fields are parameters.
pub fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| {
            mime.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// The parameters of a form body.
pub fn from_form(body: &[u8]) -> Vec<(String, String)> {
    parse(body)
}

/// The last value given for `name` (a form value wins over the query's, as it comes later).
pub fn last<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .rev()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// The `Host` header, when it is a plain host name or address with an optional port. It
/// becomes part of URLs in answers, so anything else (quotes, spaces, slashes) is left out.
pub fn plain_host(headers: &HeaderMap) -> Option<String> {
    headers
        .get(HOST)
        .and_then(|value| value.to_str().ok())
        .filter(|host| {
            // A host name is at most 253 characters, and a port six more: a longer `Host` is
            // not one, and it would be copied into every URL of an answer.
            !host.is_empty()
                && host.len() <= 260
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The shortcut for plain text decodes every input as the whole way does.
        #[test]
        fn plain_values_decode_as_escaped_ones_do(
            raw in proptest::collection::vec(proptest::prop_oneof![
                proptest::num::u8::ANY,
                proptest::sample::select(b"+%2a0fF".to_vec()),
            ], 0..24),
        ) {
            proptest::prop_assert_eq!(decode(&raw), decode_escaped(&raw));
        }
    }

    #[test]
    fn query_and_form_values_are_decoded() {
        let mut params = from_query(Some("f=json&notebookParameters=%7B%22a%22%3A1%7D"));
        params.extend(from_form(b"f=pjson&itemId=a+b"));
        assert_eq!(last(&params, "f"), Some("pjson"));
        assert_eq!(last(&params, "notebookParameters"), Some("{\"a\":1}"));
        assert_eq!(last(&params, "itemId"), Some("a b"));
        assert_eq!(last(&params, "token"), None);
    }

    #[test]
    fn latin1_values_are_carried_as_they_were() {
        let params = from_form(b"name=M%FCller&city=K%C3%B6ln&&flag");
        assert_eq!(last(&params, "name"), Some("Müller"));
        assert_eq!(last(&params, "city"), Some("Köln"));
        assert_eq!(last(&params, "flag"), Some(""));
    }

    #[test]
    fn only_url_encoded_bodies_are_forms() {
        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_TYPE,
            "application/x-www-form-urlencoded; charset=UTF-8"
                .parse()
                .unwrap(),
        );
        assert!(is_form(&headers));
        headers.insert(CONTENT_TYPE, "application/json".parse().unwrap());
        assert!(!is_form(&headers));
    }
}
