//! The learning pass: every credential and personal value an exchange carries, found by name
//! and by shape in requests and answers, remembered with what replaces it (see the model in
//! [`super`]).

use std::ops::Range;

use hyper::HeaderMap;
use hyper::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::Value;

use super::bodies::{Wrapping, as_json, is_form_text, multipart_boundary, multipart_fields};
use super::folding::fold_name;
use super::text::{self, Decoded, Finding, Kind};
use super::{
    Context, Extent, Found, Hunted, MIN_HUNTED_SECRET, Personal, REDACTED, Redactor, base64_cores,
    is_redacted, is_secret_header, is_secret_json_field, is_secret_param, named_by_sibling, names,
    secret_leaves,
};

impl Redactor {
    /// Learns what a request carries: its parameters (query, form, JSON and multipart bodies),
    /// credential headers and cookies, Basic credentials, and whatever is named or shaped like a
    /// credential in its URL and headers. Returns the exchange's context.
    pub fn learn_request(
        &mut self,
        target: &str,
        headers: &HeaderMap,
        body: &[u8],
        form: &[(String, String)],
    ) -> Context {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let query = crate::params::from_query(Some(query));
        let lower = path.to_ascii_lowercase();
        let oauth = lower.contains("oauth2")
            || names::names_say_oauth(query.iter().chain(form).map(|(name, _)| name.as_str()));
        let token_service = lower.ends_with("/generatetoken") || lower.contains("/tokens/");
        let context = Context {
            oauth,
            token_service,
        };
        for (name, value) in query.iter().chain(form) {
            self.learn_param(name, value, context);
            // A parameter may hold a document or a connection string of its own
            // (`notebookParameters={"conn": "…;AccountKey=…"}`).
            self.learn_value_text(value, context);
        }
        self.learn_text(target, context);
        if crate::params::is_form(headers) {
            // Its parameters are in `form`.
        } else if let Some(boundary) = multipart_boundary(headers) {
            for (name, value) in multipart_fields(body, &boundary) {
                self.learn_param(&name, &value, context);
                self.learn_text(&value, context);
            }
        } else {
            self.learn_body(body, context);
        }
        for (name, value) in headers {
            let Ok(value) = value.to_str() else { continue };
            if name == COOKIE {
                for cookie in value.split(';') {
                    self.learn_cookie(cookie.trim(), context);
                }
            } else if is_secret_header(name.as_str()) {
                self.learn_credential_header(value, context);
            } else {
                self.learn_text(value, context);
            }
        }
        context
    }

    /// Learns what an answer hands out: cookies it sets, credential headers, the parameters of
    /// a redirect, and its body (JSON, JSONP, JSON behind a byte-order mark, form-encoded text,
    /// HTML or any text).
    pub fn learn_answer(&mut self, context: Context, headers: &HeaderMap, body: &[u8]) {
        for (name, value) in headers {
            let Ok(value) = value.to_str() else { continue };
            if name == SET_COOKIE {
                self.learn_cookie(value.split(';').next().unwrap_or_default(), context);
            } else if name == LOCATION {
                // A redirect's query and fragment are parameters; `code` there is OAuth's.
                let oauth = Context {
                    oauth: true,
                    ..context
                };
                for part in value
                    .splitn(2, '?')
                    .skip(1)
                    .chain(value.splitn(2, '#').skip(1))
                {
                    let part = part.split('#').next().unwrap_or_default();
                    for (name, value) in crate::params::from_query(Some(part)) {
                        self.learn_param(&name, &value, oauth);
                    }
                }
                self.learn_text(value, oauth);
            } else if is_secret_header(name.as_str()) {
                self.learn_credential_header(value, context);
            } else {
                self.learn_text(value, context);
            }
        }
        self.learn_body(body, context);
    }

    pub(super) fn learn_body(&mut self, body: &[u8], context: Context) {
        // A document is learned from by its structure alone (its strings as text): read as
        // text, `"user": 1234` would make a number someone's name.
        match as_json(body) {
            Some((json, Wrapping::Plain | Wrapping::ByteOrderMark)) => {
                self.learn_json(&json, context);
                return;
            }
            Some((json, Wrapping::Jsonp)) => self.learn_json(&json, context),
            None => {}
        }
        if let Some(text) = text::utf16_text(body) {
            self.learn_body(text.as_bytes(), context);
            return;
        }
        let Ok(text) = std::str::from_utf8(body) else {
            return;
        };
        // The legacy token service answers the token alone, in plain text.
        let lone = text.trim();
        if context.token_service
            && lone.bytes().all(|b| {
                b.is_ascii_alphanumeric()
                    || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/' | b'=')
            })
        {
            self.learn_secret(lone, Found::Named);
        }
        if is_form_text(text) {
            for (name, value) in crate::params::from_query(Some(text.trim())) {
                self.learn_param(&name, &value, context);
            }
        }
        self.learn_text(text, context);
    }

    pub(super) fn learn_credential_header(&mut self, value: &str, context: Context) {
        self.learn_secret(value, Found::Named);
        // `Bearer <token>`, `Basic <credentials>`: the credential is the last word.
        if let Some((scheme, credential)) = value.trim().rsplit_once(' ') {
            self.learn_secret(credential, Found::Named);
            if scheme.trim().eq_ignore_ascii_case("basic")
                && let Some(pair) = text::basic_credentials(credential)
            {
                self.learn_basic(&pair);
            }
        }
        self.learn_text(value, context);
    }

    pub(super) fn learn_basic(&mut self, pair: &str) {
        self.learn_secret(pair, Found::Named);
        if let Some((user, password)) = pair.split_once(':') {
            self.learn_secret(password, Found::Named);
            self.learn_person(&[(Personal::Username, user.to_string())]);
        }
    }

    pub(super) fn learn_cookie(&mut self, cookie: &str, context: Context) {
        let Some((name, value)) = cookie.split_once('=') else {
            return;
        };
        let value = value.trim().trim_matches('"');
        if names::is_credential_cookie(name.trim()) || names::looks_random(value) {
            self.learn_secret(value, Found::Named);
            // A cookie may carry a document of its own (`esri_auth={"token":…}`).
            let decoded: String = form_urlencoded::parse(format!("v={value}").as_bytes())
                .map(|(_, value)| value.into_owned())
                .collect();
            self.learn_body(decoded.as_bytes(), context);
        }
    }

    pub(super) fn learn_param(&mut self, name: &str, value: &str, context: Context) {
        if names::is_secret_value(name, value) || (context.oauth && names::is_oauth_code(name)) {
            self.learn_secret(value, Found::Named);
        } else if let Some(kind) = self.personal(name) {
            self.learn_person(&[(kind, value.to_string())]);
        } else if let Some(field) = self.extra_field(name) {
            self.extra_pseudonym(&field, value);
        }
    }

    pub(super) fn learn_json(&mut self, value: &Value, context: Context) {
        match value {
            Value::Object(map) => {
                let mut person = Vec::new();
                let is_person = map.keys().any(|key| self.personal(key).is_some());
                let by_sibling = named_by_sibling(map);
                for (key, value) in map {
                    let secret = is_secret_json_field(key, value, context)
                        || by_sibling == Some(key.as_str());
                    let personal = self
                        .personal(key)
                        .or_else(|| is_person.then(|| self.weak_personal(key)).flatten());
                    match value {
                        Value::String(text) if secret => self.learn_secret(text, Found::Named),
                        // A code sent as a number may be echoed as text (a PIN as a web
                        // tool's GPLong `{"paramName": "pin", "value": 4711}` too).
                        Value::Number(number)
                            if is_secret_param(key) || by_sibling == Some(key.as_str()) =>
                        {
                            self.learn_secret(&number.to_string(), Found::Named)
                        }
                        // `"tokens": [...]`, `"credentials": {"key": ...}`: its strings.
                        Value::Array(_) | Value::Object(_) if secret => {
                            for leaf in secret_leaves(value) {
                                self.learn_secret(&leaf, Found::Named);
                            }
                            self.learn_json(value, context);
                        }
                        Value::String(text) if personal.is_some() => {
                            person.push((personal.expect("checked in the guard"), text.clone()));
                        }
                        Value::String(text) if self.extra_field(key).is_some() => {
                            let field = self.extra_field(key).expect("checked in the guard");
                            self.extra_pseudonym(&field, text);
                        }
                        other => self.learn_json(other, context),
                    }
                }
                self.learn_person(&person);
            }
            Value::Array(items) => items.iter().for_each(|item| self.learn_json(item, context)),
            Value::String(text) => self.learn_value_text(text, context),
            _ => {}
        }
    }

    /// Learns from a string value: a document inside it (JSON in a string, as
    /// `notebookParameters` carries) by its structure, and the text itself.
    pub(super) fn learn_value_text(&mut self, text: &str, context: Context) {
        let trimmed = text.trim_start();
        if trimmed.starts_with(['{', '['])
            && let Ok(inner) = serde_json::from_str::<Value>(trimmed)
            && (inner.is_object() || inner.is_array())
        {
            self.learn_json(&inner, context);
        }
        self.learn_text(text, context);
    }

    /// Learns what is named or shaped like a credential or personal data in free text.
    pub(super) fn learn_text(&mut self, text: &str, context: Context) {
        if text.len() < 4 {
            return;
        }
        if let Some(text) = text::utf16_text(text.as_bytes()) {
            self.learn_text(&text, context);
        }
        let decoded = Decoded::new(text);
        self.learn_findings(&text::find(&decoded, context.oauth));
        for value in self.pattern_matches(&decoded) {
            self.learn_secret(&value.1, Found::Named);
        }
    }

    /// Learns what was found in a text; the personal cells of one CSV row are one person.
    pub(super) fn learn_findings(&mut self, findings: &[Finding]) {
        let mut rows: std::collections::BTreeMap<u32, Vec<(Personal, String)>> = Default::default();
        for finding in findings {
            match (&finding.kind, finding.row) {
                (Kind::NamedPersonal(kind), Some(row)) => rows
                    .entry(row)
                    .or_default()
                    .push((*kind, finding.value.clone())),
                _ => self.learn_finding(finding),
            }
        }
        for person in rows.values() {
            self.learn_person(person);
        }
    }

    pub(super) fn learn_finding(&mut self, finding: &Finding) {
        match &finding.kind {
            Kind::NamedSecret { structured, .. } => self.learn_secret(
                &finding.value,
                if *structured {
                    Found::Named
                } else {
                    Found::Loose
                },
            ),
            Kind::Bearer | Kind::Jwt | Kind::ApiKey | Kind::UrlPassword => {
                self.learn_secret(&finding.value, Found::Named)
            }
            Kind::Basic => self.learn_basic(&finding.value),
            Kind::NamedPersonal(kind) => {
                if !self.options.keep.contains(kind) {
                    self.learn_person(&[(*kind, finding.value.clone())]);
                }
            }
            Kind::UrlUser => self.learn_person(&[(Personal::Username, finding.value.clone())]),
            Kind::Email if self.is_placeholder_address(&finding.value) => {}
            Kind::Email => self.learn_person(&[(Personal::Email, finding.value.clone())]),
        }
    }

    pub(super) fn learn_secret(&mut self, value: &str, found: Found) {
        let value = value.trim();
        // `Bearer REDACTED` is what redaction left, not a credential.
        if value.is_empty()
            || value.split_whitespace().any(is_redacted)
            || self.pseudonyms.contains_key(value)
        {
            return;
        }
        let hunted = !names::is_word(value)
            && match found {
                Found::Named => value.chars().count() >= MIN_HUNTED_SECRET,
                Found::Loose => names::looks_like_credential(value),
            };
        if !hunted {
            return;
        }
        let form = text::decoded_form(value);
        if self.hunted.contains_key(&(false, form.clone())) {
            return;
        }
        self.counts.secrets += 1;
        let extent = if names::looks_random(value) {
            Extent::Anywhere
        } else {
            Extent::Token
        };
        self.hunt(form, REDACTED.to_string(), extent, false);
        // Written into a form with spaces as `+`.
        if value.contains(' ') {
            self.hunt(
                text::decoded_form(&value.replace(' ', "+")),
                REDACTED.into(),
                extent,
                false,
            );
        }
        for core in base64_cores(value.as_bytes()) {
            self.hunt(core.into_bytes(), REDACTED.into(), Extent::Base64, false);
        }
        // Echoed in hex, or in a UTF-16 text.
        if value.len() >= 8 {
            let hex: String = value.bytes().map(|b| format!("{b:02x}")).collect();
            self.hunt(
                hex.to_ascii_uppercase().into_bytes(),
                REDACTED.into(),
                Extent::Anywhere,
                false,
            );
            self.hunt(hex.into_bytes(), REDACTED.into(), Extent::Anywhere, false);
            if value.is_ascii() {
                for (pattern, replacement) in [
                    (text::utf16(value, false), text::utf16(REDACTED, false)),
                    (text::utf16(value, true), text::utf16(REDACTED, true)),
                ] {
                    self.hunt(
                        pattern,
                        String::from_utf8(replacement).expect("ASCII"),
                        Extent::Anywhere,
                        false,
                    );
                }
            }
        }
        // A JWT's payload and signature give it away alone (its header is every JWT's).
        if let Some(parts) = text::jwt_parts(value) {
            for part in parts.into_iter().skip(1).filter(|part| part.len() >= 16) {
                self.learn_secret(part, Found::Named);
            }
        }
    }

    pub(super) fn hunt(
        &mut self,
        pattern: Vec<u8>,
        replacement: String,
        extent: Extent,
        any_case: bool,
    ) {
        let pattern = if any_case {
            fold_name(&String::from_utf8_lossy(&pattern)).into_bytes()
        } else {
            pattern
        };
        let key = (any_case, pattern);
        if key.1.is_empty() || self.hunted.contains_key(&key) {
            return;
        }
        self.hunted.insert(
            key,
            Hunted {
                secret: !any_case && replacement.starts_with(REDACTED),
                replacement,
                extent,
            },
        );
        self.matcher = None;
        self.generation += 1;
    }

    pub(super) fn pattern_matches(&self, decoded: &Decoded<'_>) -> Vec<(Range<usize>, String)> {
        let mut found = Vec::new();
        for pattern in &self.options.patterns {
            for m in pattern.find_iter(decoded.bytes()) {
                if let Some(range) = decoded.original_range(m.range()) {
                    found.push((range, decoded.text(m.range())));
                }
            }
        }
        found
    }

    // ---- replacing -------------------------------------------------------------------------
}
