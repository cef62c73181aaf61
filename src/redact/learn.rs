//! The learning pass: every credential and personal value an exchange carries, found by name
//! and by shape in requests and answers, remembered with what replaces it (see the model in
//! [`super`]).

use std::ops::Range;

use hyper::HeaderMap;
use hyper::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::Value;

use super::bodies::{Wrapping, as_json, is_form_text, multipart_boundary, multipart_fields};
use super::text::{self, Decoded, Finding, Kind};
use super::{
    Context, Extent, Found, Hunted, MIN_HUNTED_SECRET, Personal, REDACTED, Redactor, base64_cores,
    is_example_address, is_huntable_personal, is_redacted, is_secret_header, is_secret_json_field,
    is_secret_param, leaves, names, pseudonym,
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
        let oauth = path.to_ascii_lowercase().contains("oauth2")
            || names::names_say_oauth(query.iter().chain(form).map(|(name, _)| name.as_str()));
        let context = Context { oauth };
        for (name, value) in query.iter().chain(form) {
            self.learn_param(name, value, context);
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
                let oauth = Context { oauth: true };
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
        let Ok(text) = std::str::from_utf8(body) else {
            return;
        };
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
        if is_secret_param(name) || (context.oauth && names::is_oauth_code(name)) {
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
                for (key, value) in map {
                    let secret = is_secret_json_field(key, value, context);
                    match value {
                        Value::String(text) if secret => self.learn_secret(text, Found::Named),
                        Value::Number(number) if secret => {
                            self.learn_secret(&number.to_string(), Found::Named)
                        }
                        // `"tokens": [...]`, `"credentials": {"key": ...}`: all of it.
                        Value::Array(_) | Value::Object(_) if secret => {
                            for leaf in leaves(value) {
                                self.learn_secret(&leaf, Found::Named);
                            }
                        }
                        Value::String(text) if self.personal(key).is_some() => {
                            let kind = self.personal(key).expect("checked in the guard");
                            person.push((kind, text.clone()));
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
            Value::String(text) => self.learn_text(text, context),
            _ => {}
        }
    }

    /// Learns what is named or shaped like a credential or personal data in free text.
    pub(super) fn learn_text(&mut self, text: &str, context: Context) {
        if text.len() < 4 {
            return;
        }
        let decoded = Decoded::new(text);
        for finding in text::find(&decoded, context.oauth) {
            self.learn_finding(&finding);
        }
        for value in self.pattern_matches(&decoded) {
            self.learn_secret(&value.1, Found::Named);
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
            Kind::Bearer | Kind::Jwt | Kind::UrlPassword => {
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
        if value.is_empty() || is_redacted(value) || self.pseudonyms.contains_key(value) {
            return;
        }
        let hunted = !names::is_api_word(value)
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
    }

    pub(super) fn hunt(
        &mut self,
        pattern: Vec<u8>,
        replacement: String,
        extent: Extent,
        any_case: bool,
    ) {
        let pattern = if any_case {
            pattern.to_ascii_lowercase()
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
                replacement,
                extent,
            },
        );
        self.matcher = None;
        self.generation += 1;
    }

    /// Gives the personal values of one person (one JSON object, one parameter) their
    /// pseudonyms: the same person's values share a number.
    pub(super) fn learn_person(&mut self, values: &[(Personal, String)]) {
        let values: Vec<&(Personal, String)> = values
            .iter()
            .filter(|(kind, value)| {
                !self.options.keep.contains(kind)
                    && !value.trim().is_empty()
                    && !self.pseudonyms.contains_key(value.as_str())
                    && !is_redacted(value)
                    && !is_example_address(value)
            })
            .collect();
        if values.is_empty() {
            return;
        }
        let person = values
            .iter()
            .find_map(|(_, value)| self.people.get(value).copied())
            .unwrap_or_else(|| {
                self.counts.people += 1;
                self.counts.people
            });
        for (kind, value) in values {
            if self.people.contains_key(value) {
                continue;
            }
            self.people.insert(value.clone(), person);
            let pseudonym = pseudonym(*kind, person);
            self.pseudonyms.insert(pseudonym.clone(), value.clone());
            if is_huntable_personal(value) {
                // A person's values in any case: `JDoe_GIS` is also written `jdoe_gis`.
                self.hunt(
                    text::decoded_form(value),
                    pseudonym.clone(),
                    Extent::Token,
                    true,
                );
            }
            if *kind == Personal::Email {
                for core in base64_cores(value.as_bytes()) {
                    self.hunt(core.into_bytes(), pseudonym.clone(), Extent::Base64, false);
                }
            }
            // The parts of a full name are the person's first and last names
            // (`Hello Maria`, `GARCIA, MARIA`).
            if *kind == Personal::FullName
                && let Some((first, last)) = value.trim().split_once(' ')
            {
                let last = last.rsplit(' ').next().unwrap_or(last);
                for (part, kind) in [(first, Personal::FirstName), (last, Personal::LastName)] {
                    if is_huntable_personal(part) && !self.people.contains_key(part) {
                        self.hunt(
                            text::decoded_form(part),
                            self::pseudonym(kind, person),
                            Extent::Token,
                            true,
                        );
                    }
                }
            }
            self.personal_pseudonyms
                .insert((*kind, value.clone()), pseudonym);
        }
    }

    pub(super) fn extra_pseudonym(&mut self, field: &str, value: &str) -> String {
        let key = (field.to_string(), value.to_string());
        if let Some(pseudonym) = self.extra.get(&key) {
            return pseudonym.clone();
        }
        let number = self.extra.keys().filter(|(f, _)| f == field).count() + 1;
        let pseudonym = format!("{REDACTED}-{field}-{number}");
        self.extra.insert(key, pseudonym.clone());
        self.pseudonyms.insert(pseudonym.clone(), value.to_string());
        if is_huntable_personal(value) {
            self.hunt(
                text::decoded_form(value),
                pseudonym.clone(),
                Extent::Token,
                false,
            );
        }
        pseudonym
    }

    pub(super) fn personal(&self, name: &str) -> Option<Personal> {
        names::personal_field(name).filter(|kind| !self.options.keep.contains(kind))
    }

    pub(super) fn extra_field(&self, name: &str) -> Option<String> {
        self.options
            .extra_fields
            .iter()
            .find(|field| field.eq_ignore_ascii_case(name))
            .cloned()
    }

    /// The pseudonym a personal value of `kind` has, giving it one if it has none.
    pub(super) fn person_pseudonym(&mut self, kind: Personal, value: &str) -> String {
        if let Some(pseudonym) = self.personal_pseudonyms.get(&(kind, value.to_string())) {
            return pseudonym.clone();
        }
        match self.people.get(value) {
            // The same value learned as another kind (a username that is also a first name).
            Some(&person) => pseudonym(kind, person),
            None => {
                self.learn_person(&[(kind, value.to_string())]);
                self.personal_pseudonyms
                    .get(&(kind, value.to_string()))
                    .cloned()
                    .unwrap_or_else(|| value.to_string())
            }
        }
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
