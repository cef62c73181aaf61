//! What a recording must not keep, and what it must generalise, before anything is written:
//! secrets (tokens, passwords, cookies) become a fixed placeholder, fields named by
//! `--redact-field` become consistent pseudonyms, and the upstream's origin becomes
//! [`ORIGIN_PLACEHOLDER`].
//!
//! Secrets are caught two ways: by name (a `token` parameter or JSON field, an `Authorization`
//! header) and by value: every secret value seen in a request or answer is remembered, in memory
//! only, and removed wherever else it shows up (a token echoed in a body or a URL).

use std::collections::{BTreeSet, HashMap};

use hyper::HeaderMap;
use hyper::header::{COOKIE, SET_COOKIE};
use serde_json::Value;

use crate::fixture::ORIGIN_PLACEHOLDER;
use crate::redact::{REDACTED, is_secret_header, is_secret_param};

/// Values shorter than this are not hunted as substrings: too likely to be ordinary text.
const MIN_SECRET_LEN: usize = 4;

#[derive(Debug)]
pub struct Scrubber {
    /// Every secret value seen so far.
    secrets: BTreeSet<String>,
    /// `--redact-field` names.
    fields: Vec<String>,
    /// Per field and value, its pseudonym, so the same value always gets the same one.
    pseudonyms: HashMap<(String, String), String>,
    /// Per value of a `--redact-field` field, its pseudonym: the same value found elsewhere as a
    /// whole (another field, a path segment) is replaced by it too.
    by_value: HashMap<String, String>,
    /// The upstream's origin, in each spelling a body may use.
    origins: Vec<String>,
}

impl Scrubber {
    pub fn new(origins: Vec<String>, fields: Vec<String>) -> Scrubber {
        Scrubber {
            secrets: BTreeSet::new(),
            fields,
            pseudonyms: HashMap::new(),
            by_value: HashMap::new(),
            origins,
        }
    }

    /// Remembers the secrets a request carries: secret parameters, credential headers, cookies;
    /// and gives the values of `--redact-field` parameters their pseudonyms.
    pub fn learn_request(&mut self, headers: &HeaderMap, params: &[(String, String)]) {
        for (name, value) in params {
            if is_secret_param(name) {
                self.learn(value);
            } else if let Some(field) = self.redacted_field(name) {
                self.pseudonym(&field, &Value::from(value.as_str()));
            }
        }
        for (name, value) in headers {
            let Ok(value) = value.to_str() else { continue };
            if name == COOKIE {
                for cookie in value.split(';') {
                    if let Some((_, cookie_value)) = cookie.split_once('=') {
                        self.learn(cookie_value.trim());
                    }
                }
            } else if is_secret_header(name.as_str()) {
                // `Bearer <token>`, `Basic <credentials>`: the credential is the last word.
                self.learn(value);
                if let Some((_, credential)) = value.rsplit_once(' ') {
                    self.learn(credential);
                }
            }
        }
    }

    /// Remembers the secrets an answer hands out: cookies it sets, tokens in its JSON.
    pub fn learn_answer(&mut self, headers: &HeaderMap, json: Option<&Value>) {
        for value in headers.get_all(SET_COOKIE) {
            if let Ok(value) = value.to_str()
                && let Some((_, rest)) = value.split_once('=')
            {
                self.learn(rest.split(';').next().unwrap_or_default().trim());
            }
        }
        if let Some(json) = json {
            self.learn_json(json);
        }
    }

    fn learn_json(&mut self, value: &Value) {
        match value {
            Value::Object(map) => {
                for (key, value) in map {
                    match value {
                        Value::String(secret) if is_secret_param(key) => self.learn(secret),
                        other => self.learn_json(other),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|item| self.learn_json(item)),
            _ => {}
        }
    }

    fn learn(&mut self, value: &str) {
        if value.len() >= MIN_SECRET_LEN && value != REDACTED {
            self.secrets.insert(value.to_string());
            // A secret may also travel percent-encoded (in a URL) or form-encoded.
            let encoded: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
            if encoded != value {
                self.secrets.insert(encoded);
            }
        }
    }

    /// Scrubs a JSON document in place: secret fields, `--redact-field` fields, secret values
    /// and the upstream origin inside strings.
    pub fn json(&mut self, value: &mut Value) {
        match value {
            Value::Object(map) => {
                for (key, value) in map.iter_mut() {
                    if is_secret_param(key) && !value.is_null() {
                        *value = Value::from(REDACTED);
                    } else if let Some(field) =
                        self.fields.iter().find(|f| f.eq_ignore_ascii_case(key))
                    {
                        if !value.is_object() && !value.is_array() && !value.is_null() {
                            let field = field.clone();
                            *value = Value::from(self.pseudonym(&field, value));
                        } else {
                            self.json(value);
                        }
                    } else {
                        self.json(value);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| self.json(item)),
            Value::String(text) => *text = self.text(text),
            _ => {}
        }
    }

    /// Whether a parameter is left out of a recorded request rule: secrets, and the fields the
    /// user asked to redact (their values would not match a replayed request anyway).
    pub fn is_left_out(&self, param: &str) -> bool {
        is_secret_param(param) || self.redacted_field(param).is_some()
    }

    /// A request path scrubbed like text, and a redacted value that names a Portal user
    /// (`/community/users/alice`, `/content/users/alice`) replaced by its pseudonym. Only there:
    /// a username such as `admin` is also an ordinary path segment (`/arcgis/admin/…`).
    pub fn path(&self, path: &str) -> String {
        let scrubbed = self.text(path);
        let mut segments: Vec<&str> = scrubbed.split('/').collect();
        for index in 1..segments.len() {
            if segments[index - 1] == "users"
                && let Some(pseudonym) = self.by_value.get(segments[index])
            {
                segments[index] = pseudonym;
            }
        }
        segments.join("/")
    }

    fn redacted_field(&self, name: &str) -> Option<String> {
        self.fields
            .iter()
            .find(|field| field.eq_ignore_ascii_case(name))
            .cloned()
    }

    /// `text` with every known secret replaced, the value of every secret parameter inside a
    /// URL (`…?token=…`) replaced whether seen before or not, and the upstream origin made a
    /// placeholder.
    pub fn text(&self, text: &str) -> String {
        let mut scrubbed = redact_url_params(text);
        for secret in &self.secrets {
            if scrubbed.contains(secret.as_str()) {
                scrubbed = scrubbed.replace(secret.as_str(), REDACTED);
            }
        }
        for origin in &self.origins {
            scrubbed = replace_origin(&scrubbed, origin, ORIGIN_PLACEHOLDER);
        }
        scrubbed
    }

    fn pseudonym(&mut self, field: &str, value: &Value) -> String {
        let shown = match value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        let key = (field.to_string(), shown);
        if let Some(pseudonym) = self.pseudonyms.get(&key) {
            return pseudonym.clone();
        }
        let number = self.pseudonyms.keys().filter(|(f, _)| f == field).count() + 1;
        let pseudonym = format!("{REDACTED}-{field}-{number}");
        self.by_value
            .entry(key.1.clone())
            .or_insert_with(|| pseudonym.clone());
        self.pseudonyms.insert(key, pseudonym.clone());
        pseudonym
    }
}

/// `text` with the value of each secret parameter of a URL in it (`?token=…`, `&password=…`)
/// replaced, up to the next `&`, `#`, quote or white space.
fn redact_url_params(text: &str) -> String {
    if !text.contains('=') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(['?', '&']) {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let Some(equals) = rest.find('=') else {
            continue;
        };
        let name = &rest[..equals];
        let is_name = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !is_name || !is_secret_param(name) {
            continue;
        }
        let value_end = rest[equals + 1..]
            .find(|c: char| matches!(c, '&' | '#' | '"' | '\'') || c.is_whitespace())
            .map_or(rest.len(), |end| equals + 1 + end);
        if value_end > equals + 1 && &rest[equals + 1..value_end] != REDACTED {
            out.push_str(name);
            out.push('=');
            out.push_str(REDACTED);
            rest = &rest[value_end..];
        }
    }
    out.push_str(rest);
    out
}

/// The spellings of `origin` (`scheme://host[:port]`) a body may use: with and without the
/// default port, and under either scheme (servers behind a proxy often name themselves `http`).
pub fn origin_spellings(scheme: &str, host: &str, port: Option<u16>) -> Vec<String> {
    let default_port = if scheme == "https" { 443 } else { 80 };
    let mut spellings = Vec::new();
    for scheme in ["https", "http"] {
        match port {
            Some(port) if port != default_port => {
                spellings.push(format!("{scheme}://{host}:{port}"))
            }
            _ => {
                spellings.push(format!("{scheme}://{host}:{default_port}"));
                spellings.push(format!("{scheme}://{host}"));
            }
        }
    }
    spellings
}

/// `text` with each occurrence of `origin` that ends where an origin ends (not `https://host`
/// inside `https://host.example.com` or `https://host:8443`) replaced by `with`.
pub fn replace_origin(text: &str, origin: &str, with: &str) -> String {
    if !text.contains(origin) {
        return text.to_string();
    }
    let mut result = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(origin) {
        let after = &rest[at + origin.len()..];
        let continues = after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_'));
        result.push_str(&rest[..at]);
        result.push_str(if continues { origin } else { with });
        rest = after;
    }
    result.push_str(rest);
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn origins_are_replaced_only_where_they_end() {
        let origin = "https://nb.example.com:11443";
        assert_eq!(
            replace_origin(
                "https://nb.example.com:11443/arcgis/admin",
                origin,
                "{{origin}}"
            ),
            "{{origin}}/arcgis/admin"
        );
        assert_eq!(
            replace_origin("https://nb.example.com:114430/x", origin, "O"),
            "https://nb.example.com:114430/x"
        );
        assert_eq!(
            replace_origin("http://host.example.com", "http://host", "O"),
            "http://host.example.com"
        );
    }

    #[test]
    fn secrets_are_removed_by_name_and_by_value() {
        let mut scrubber = Scrubber::new(vec!["https://nb:11443".into()], vec!["username".into()]);
        let mut headers = HeaderMap::new();
        headers.insert("x-esri-authorization", "Bearer tok-123456".parse().unwrap());
        headers.insert(
            "cookie",
            "AGS_ROLES=cookie-secret; other=x".parse().unwrap(),
        );
        scrubber.learn_request(&headers, &[("token".into(), "query-token-9".into())]);
        let mut body = json!({
            "token": "fresh-token",
            "jobUrl": "https://nb:11443/arcgis/admin/system/jobs/j1?token=query-token-9",
            "note": "tok-123456 and cookie-secret",
            "username": "alice",
            "owner": {"username": "alice"},
            "other": {"username": "bob"},
        });
        scrubber.json(&mut body);
        assert_eq!(body["token"], "REDACTED");
        assert_eq!(
            body["jobUrl"],
            "{{origin}}/arcgis/admin/system/jobs/j1?token=REDACTED"
        );
        assert_eq!(body["note"], "REDACTED and REDACTED");
        assert_eq!(body["username"], "REDACTED-username-1");
        assert_eq!(body["owner"]["username"], "REDACTED-username-1");
        assert_eq!(body["other"]["username"], "REDACTED-username-2");
    }

    #[test]
    fn secret_url_parameters_are_redacted_by_name() {
        let scrubber = Scrubber::new(Vec::new(), Vec::new());
        assert_eq!(
            scrubber.text("https://h/nb.ipynb?token=fresh1&f=json and /x?a=1&access_token=t2#top"),
            "https://h/nb.ipynb?token=REDACTED&f=json and /x?a=1&access_token=REDACTED#top"
        );
        assert_eq!(scrubber.text("a=b & c"), "a=b & c");
    }

    #[test]
    fn a_redacted_username_is_replaced_in_user_paths_only() {
        let mut scrubber = Scrubber::new(Vec::new(), vec!["username".into()]);
        scrubber.learn_request(&HeaderMap::new(), &[("username".into(), "admin".into())]);
        assert_eq!(
            scrubber.path("/portal/sharing/rest/community/users/admin"),
            "/portal/sharing/rest/community/users/REDACTED-username-1"
        );
        assert_eq!(
            scrubber.path("/arcgis/admin/notebooks/executeNotebook"),
            "/arcgis/admin/notebooks/executeNotebook"
        );
    }

    #[test]
    fn tokens_handed_out_by_an_answer_are_hunted_afterwards() {
        let mut scrubber = Scrubber::new(Vec::new(), Vec::new());
        scrubber.learn_answer(
            &HeaderMap::new(),
            Some(&json!({"token": "abc.def.ghi", "expires": 1})),
        );
        assert_eq!(scrubber.text("url?token=abc.def.ghi"), "url?token=REDACTED");
    }
}
