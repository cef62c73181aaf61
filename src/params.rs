//! Request parameters as the ArcGIS REST API takes them: from the query string and from an
//! `application/x-www-form-urlencoded` body, decoded, in the order sent; and the `Host` a
//! client reached us at.

use hyper::HeaderMap;
use hyper::header::{CONTENT_TYPE, HOST};

/// The parameters of a query string.
pub fn from_query(query: Option<&str>) -> Vec<(String, String)> {
    query
        .map(|query| {
            form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default()
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
    form_urlencoded::parse(body).into_owned().collect()
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
