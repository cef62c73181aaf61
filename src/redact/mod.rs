//! What must never be written, and what is written in its place: credentials become
//! [`REDACTED`], personal data becomes stable pseudonyms (`user-1`, `user-1@example.com`).
//!
//! # The model
//!
//! A [`Redactor`] sees every exchange whole before any of it is written, and works in two
//! passes:
//!
//! 1. **Learn.** Every credential the client sends and every credential the server issues is
//!    found by name or by shape, wherever it is: parameters of the query, of form, JSON and
//!    multipart bodies; credential headers (`Authorization`, `X-Auth-Token`, …) and credential
//!    cookies; Basic credentials, decoded; the user information of URLs; JSON answers, also
//!    behind a byte-order mark or inside a JSONP callback; HTML and form-encoded answers;
//!    `Location` queries and fragments; `Set-Cookie`; XML, JavaScript, HTML inputs, CSV; JWTs
//!    anywhere. Each value learned is
//!    remembered (in memory only) with what replaces it. Personal data (the fields of
//!    [`names::Personal`], and e-mail addresses anywhere) is learned the same way, one
//!    pseudonym per person.
//! 2. **Replace.** Every text that is written (bodies, header values, paths, parameter values,
//!    folder names, lines printed) is read through [`text::Decoded`], which undoes
//!    percent-encoding, JSON escapes and HTML references, and every learned value is hunted
//!    there in one pass (as written, and in base64), as a whole token; named values and shapes
//!    are replaced where they stand whether learned or not.
//!
//! Values are replaced as whole tokens only (`admin` never inside `administrator`). A value
//! is hunted through the whole recording only when it is distinctive: a named secret of at
//! least [`MIN_HUNTED_SECRET`] characters, a secret found in free text only when it looks like
//! one ([`names::looks_like_credential`]), never a word of the API ([`names::is_api_word`]).
//! Cookies that are not credentials are never learned at all. The recorder hands every file
//! through [`Redactor::rescrub_text`] (or [`Redactor::rescrub_json`]) again when a value is
//! learned after the file was written (see `record::writer`), so earlier occurrences go too.
//!
//! The finders themselves (by name, by shape, through markup, in CSV) are [`text`]'s; which names
//! mean what is [`names`]'.

pub mod names;
pub mod text;

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use aho_corasick::AhoCorasick;
use hyper::HeaderMap;
use hyper::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::Value;

pub use names::{Personal, is_secret_header, is_secret_param};
use text::{Decoded, Finding, Kind};

/// What a secret value is shown as.
pub const REDACTED: &str = "REDACTED";

/// The shortest named secret hunted through a whole recording; a shorter one is replaced only
/// where it is named (it would match ordinary words).
pub const MIN_HUNTED_SECRET: usize = 6;

/// The shortest personal value (a first name) hunted through a whole recording.
const MIN_HUNTED_PERSONAL: usize = 3;

/// The domains reserved for examples (RFC 2606): addresses there are nobody's.
const EXAMPLE_DOMAINS: &[&str] = &["example.com", "example.org", "example.net"];

/// Whether `value` is what redaction wrote: [`REDACTED`] or a field's pseudonym
/// (`REDACTED-itemId-3`). A value that merely starts with the word is someone's.
pub fn is_redacted(value: &str) -> bool {
    value == REDACTED
        || value.strip_prefix(REDACTED).is_some_and(|rest| {
            rest.starts_with('-')
                && rest
                    .rsplit_once('-')
                    .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
}

/// `query` with the value of every secret parameter replaced by [`REDACTED`]. Other parameters
/// keep their order and their encoding as sent.
pub fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| {
            let raw_name = pair.split('=').next().unwrap_or_default();
            let name: String = form_urlencoded::parse(raw_name.as_bytes())
                .next()
                .map(|(name, _)| name.into_owned())
                .unwrap_or_default();
            if is_secret_param(&name) {
                format!("{raw_name}={REDACTED}")
            } else {
                pair.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// What the user asked of redaction.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Kinds of personal data kept as they are (`--keep-field`).
    pub keep: Vec<Personal>,
    /// More fields whose values become pseudonyms (`--redact-field`).
    pub extra_fields: Vec<String>,
    /// Patterns whose matches are secrets (`--redact-value`).
    pub patterns: Vec<regex::bytes::Regex>,
}

/// Where a text comes from: `code` is a secret in an OAuth exchange only.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context {
    pub oauth: bool,
}

/// How a secret was found, which decides whether it is hunted elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    /// The value of a credential's name in a structure (parameter, JSON field, header, cookie):
    /// hunted when at least [`MIN_HUNTED_SECRET`] long.
    Named,
    /// Found in free text (after a name inside a message or a page): hunted when it looks like
    /// a credential.
    Loose,
}

/// Counts for the summary: what was redacted, never the values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Distinct secret values learned and hunted.
    pub secrets: usize,
    /// People given pseudonyms.
    pub people: usize,
    /// Values replaced in what was written.
    pub replaced: usize,
}

/// One value hunted through every text, with what replaces it.
#[derive(Debug, Clone)]
struct Hunted {
    replacement: String,
    /// Where a match counts.
    extent: Extent,
}

/// Where a hunted value counts as found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Extent {
    /// As a whole token only: `admin1` not inside `admin12`, a name not inside a word.
    Token,
    /// Anywhere, even glued to other characters: a generated credential (long, mixed) is never
    /// part of an ordinary word, and `xTOKENy` still gives it away.
    Anywhere,
    /// A base64 form: the whole base64 run around it is replaced.
    Base64,
}

/// The learned values, as automata (one for values whose case matters, one for those whose
/// does not); built again when a value is added.
struct Matcher {
    automata: Vec<(AhoCorasick, Vec<Hunted>)>,
}

/// A hunted value's key: whether it is found in any case (personal data: `JDoe` is `jdoe`),
/// and its decoded form (lower case when it is).
type Pattern = (bool, Vec<u8>);

pub struct Redactor {
    options: Options,
    /// Hunted values (decoded forms, and base64 forms of secrets) and what replaces them.
    hunted: BTreeMap<Pattern, Hunted>,
    matcher: Option<Matcher>,
    /// Per personal value, its person's number.
    people: HashMap<String, usize>,
    /// Per kind and personal value, its pseudonym.
    personal_pseudonyms: HashMap<(Personal, String), String>,
    /// Every pseudonym handed out, so a text scrubbed twice keeps it.
    pseudonyms: HashMap<String, String>,
    /// `--redact-field` values, per field and value.
    extra: HashMap<(String, String), String>,
    /// Bumped whenever a new value is hunted: texts scrubbed before may hold it.
    generation: u64,
    counts: Counts,
}

impl Redactor {
    pub fn new(options: Options) -> Redactor {
        Redactor {
            options,
            hunted: BTreeMap::new(),
            matcher: None,
            people: HashMap::new(),
            personal_pseudonyms: HashMap::new(),
            pseudonyms: HashMap::new(),
            extra: HashMap::new(),
            generation: 0,
            counts: Counts::default(),
        }
    }

    /// Grows whenever a value is learned that texts scrubbed before may hold.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// The kinds of personal data kept as they are (`--keep-field`).
    pub fn kept(&self) -> &[Personal] {
        &self.options.keep
    }

    // ---- learning --------------------------------------------------------------------------

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

    fn learn_body(&mut self, body: &[u8], context: Context) {
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

    fn learn_credential_header(&mut self, value: &str, context: Context) {
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

    fn learn_basic(&mut self, pair: &str) {
        self.learn_secret(pair, Found::Named);
        if let Some((user, password)) = pair.split_once(':') {
            self.learn_secret(password, Found::Named);
            self.learn_person(&[(Personal::Username, user.to_string())]);
        }
    }

    fn learn_cookie(&mut self, cookie: &str, context: Context) {
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

    fn learn_param(&mut self, name: &str, value: &str, context: Context) {
        if is_secret_param(name) || (context.oauth && names::is_oauth_code(name)) {
            self.learn_secret(value, Found::Named);
        } else if let Some(kind) = self.personal(name) {
            self.learn_person(&[(kind, value.to_string())]);
        } else if let Some(field) = self.extra_field(name) {
            self.extra_pseudonym(&field, value);
        }
    }

    fn learn_json(&mut self, value: &Value, context: Context) {
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
    fn learn_text(&mut self, text: &str, context: Context) {
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

    fn learn_finding(&mut self, finding: &Finding) {
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
            Kind::Email => self.learn_person(&[(Personal::Email, finding.value.clone())]),
        }
    }

    fn learn_secret(&mut self, value: &str, found: Found) {
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

    fn hunt(&mut self, pattern: Vec<u8>, replacement: String, extent: Extent, any_case: bool) {
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
    fn learn_person(&mut self, values: &[(Personal, String)]) {
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

    fn extra_pseudonym(&mut self, field: &str, value: &str) -> String {
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

    fn personal(&self, name: &str) -> Option<Personal> {
        names::personal_field(name).filter(|kind| !self.options.keep.contains(kind))
    }

    fn extra_field(&self, name: &str) -> Option<String> {
        self.options
            .extra_fields
            .iter()
            .find(|field| field.eq_ignore_ascii_case(name))
            .cloned()
    }

    /// The pseudonym a personal value of `kind` has, giving it one if it has none.
    fn person_pseudonym(&mut self, kind: Personal, value: &str) -> String {
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

    fn pattern_matches(&self, decoded: &Decoded<'_>) -> Vec<(Range<usize>, String)> {
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

    /// `text` with every credential and personal value replaced: those named or shaped like one
    /// here, and every value learned anywhere before, in any encoding [`Decoded`] reads.
    pub fn scrub_text(&mut self, text: &str, context: Context) -> String {
        let decoded = Decoded::new(text);
        let findings = text::find(&decoded, context.oauth);
        for finding in &findings {
            self.learn_finding(finding);
        }
        let patterns = self.pattern_matches(&decoded);
        for (_, value) in &patterns {
            self.learn_secret(value, Found::Named);
        }
        let mut replacements: Vec<(Range<usize>, String)> = Vec::new();
        for finding in findings {
            if let Some(with) = self.replacement(&finding) {
                replacements.push((finding.range, with));
            }
        }
        replacements.extend(
            patterns
                .into_iter()
                .map(|(range, _)| (range, REDACTED.to_string())),
        );
        replacements.extend(self.hunted_in(&decoded));
        self.counts.replaced += replacements.len();
        text::splice(text, replacements)
    }

    /// `text` with the learned values replaced, and nothing else: what a file written before a
    /// value was learned gets when it is written again.
    pub fn rescrub_text(&mut self, text: &str) -> String {
        let decoded = Decoded::new(text);
        let replacements = self.hunted_in(&decoded);
        self.counts.replaced += replacements.len();
        text::splice(text, replacements)
    }

    fn replacement(&mut self, finding: &Finding) -> Option<String> {
        match &finding.kind {
            Kind::NamedSecret { .. }
            | Kind::Bearer
            | Kind::Basic
            | Kind::Jwt
            | Kind::UrlPassword => Some(REDACTED.to_string()),
            Kind::NamedPersonal(kind) => (!self.options.keep.contains(kind)
                && !self.is_pseudonym(&finding.value))
            .then(|| self.person_pseudonym(*kind, &finding.value)),
            Kind::UrlUser => (!self.options.keep.contains(&Personal::Username)
                && !self.is_pseudonym(&finding.value))
            .then(|| self.person_pseudonym(Personal::Username, &finding.value)),
            Kind::Email => (!self.options.keep.contains(&Personal::Email)
                && !is_example_address(&finding.value)
                && !self.is_pseudonym(&finding.value))
            .then(|| self.person_pseudonym(Personal::Email, &finding.value)),
        }
    }

    fn is_pseudonym(&self, value: &str) -> bool {
        self.pseudonyms.contains_key(value) || is_redacted(value)
    }

    /// Where the learned values occur in `decoded`, as whole tokens, with their replacements.
    fn hunted_in(&mut self, decoded: &Decoded<'_>) -> Vec<(Range<usize>, String)> {
        if self.hunted.is_empty() {
            return Vec::new();
        }
        let matcher = self.matcher.get_or_insert_with(|| {
            let automata = [false, true]
                .into_iter()
                .filter_map(|any_case| {
                    let (patterns, hunted): (Vec<&Vec<u8>>, Vec<Hunted>) = self
                        .hunted
                        .iter()
                        .filter(|((case, _), _)| *case == any_case)
                        .map(|((_, pattern), hunted)| (pattern, hunted.clone()))
                        .unzip();
                    if patterns.is_empty() {
                        return None;
                    }
                    let automaton = AhoCorasick::builder()
                        .ascii_case_insensitive(any_case)
                        .build(patterns)
                        .expect("learned values make an automaton of bounded size");
                    Some((automaton, hunted))
                })
                .collect();
            Matcher { automata }
        });
        let bytes = decoded.bytes();
        let mut found = Vec::new();
        let matches = matcher.automata.iter().flat_map(|(automaton, hunted)| {
            automaton
                .find_overlapping_iter(bytes)
                .map(move |m| (m.range(), &hunted[m.pattern().as_usize()]))
        });
        for (range, hunted) in matches {
            let mut range = range;
            match hunted.extent {
                Extent::Base64 => {
                    // The whole base64 run around it: the encoded document holds a secret.
                    let is_b64 = |b: u8| {
                        b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_')
                    };
                    while range.start > 0 && is_b64(bytes[range.start - 1]) {
                        range.start -= 1;
                    }
                    while range.end < bytes.len() && is_b64(bytes[range.end]) {
                        range.end += 1;
                    }
                }
                Extent::Anywhere => {}
                Extent::Token => {
                    if !(decoded.boundary_before(range.start) && decoded.boundary_after(range.end))
                    {
                        continue;
                    }
                }
            }
            if let Some(original) = decoded.original_range(range) {
                found.push((original, hunted.replacement.clone()));
            }
        }
        found
    }

    /// A JSON document with every secret field redacted, every personal field pseudonymised, and
    /// every string scrubbed as text.
    pub fn scrub_json(&mut self, value: &mut Value, context: Context) {
        match value {
            Value::Object(map) => {
                for (key, value) in map.iter_mut() {
                    let secret = is_secret_json_field(key, value, context);
                    let placeholder = match value {
                        Value::String(text) => text::is_placeholder(text),
                        Value::Number(_) => false,
                        _ => true,
                    };
                    if secret && matches!(value, Value::Array(_) | Value::Object(_)) {
                        self.counts.replaced += redact_leaves(value);
                        // Its keys may be credentials too (`"sessions": {"<id>": …}`).
                        self.scrub_json(value, context);
                    } else if secret && !placeholder {
                        *value = Value::from(REDACTED);
                        self.counts.replaced += 1;
                    } else if let (Some(kind), Value::String(text)) = (self.personal(key), &*value)
                        && !self.is_pseudonym(text)
                        && !placeholder
                        && !is_example_address(text)
                    {
                        let text = text.clone();
                        *value = Value::from(self.person_pseudonym(kind, &text));
                        self.counts.replaced += 1;
                    } else if let (Some(field), Value::String(text)) =
                        (self.extra_field(key), &*value)
                        && !self.is_pseudonym(text)
                    {
                        let text = text.clone();
                        *value = Value::from(self.extra_pseudonym(&field, &text));
                        self.counts.replaced += 1;
                    } else {
                        self.scrub_json(value, context);
                    }
                }
                self.scrub_keys(map, |redactor, key| redactor.scrub_text(key, context));
            }
            Value::Array(items) => items
                .iter_mut()
                .for_each(|item| self.scrub_json(item, context)),
            Value::String(text) => *text = self.scrub_text(text, context),
            Value::Number(number) if self.is_hunted_number(number) => {
                *value = Value::from(REDACTED);
                self.counts.replaced += 1;
            }
            _ => {}
        }
    }

    /// Whether a number is a learned secret (a one-time code): it is written as [`REDACTED`].
    fn is_hunted_number(&self, number: &serde_json::Number) -> bool {
        self.hunted
            .contains_key(&(false, number.to_string().into_bytes()))
    }

    /// A JSON document with the learned values replaced in every string and key, and nothing
    /// else: [`Redactor::rescrub_text`] for a document, which keeps it a document whatever the
    /// values hold (a value with a quote in it cannot join two strings).
    pub fn rescrub_json(&mut self, value: &mut Value) {
        match value {
            Value::Object(map) => {
                map.values_mut().for_each(|value| self.rescrub_json(value));
                self.scrub_keys(map, |redactor, key| redactor.rescrub_text(key));
            }
            Value::Array(items) => items.iter_mut().for_each(|item| self.rescrub_json(item)),
            Value::String(text) => *text = self.rescrub_text(text),
            Value::Number(number) if self.is_hunted_number(number) => {
                *value = Value::from(REDACTED);
                self.counts.replaced += 1;
            }
            _ => {}
        }
    }

    /// Replaces keys of `map` that `scrub` changes, keeping their order: a key may hold a
    /// value too (`{"<token>": {...}}`).
    fn scrub_keys(
        &mut self,
        map: &mut serde_json::Map<String, Value>,
        mut scrub: impl FnMut(&mut Redactor, &str) -> String,
    ) {
        let changed = map.keys().any(|key| scrub(self, key) != *key);
        if !changed {
            return;
        }
        let entries = std::mem::take(map);
        for (key, value) in entries {
            map.insert(scrub(self, &key), value);
        }
    }

    /// A request path scrubbed as text, and a personal value that names a Portal user
    /// (`/community/users/alice`, `/content/users/alice`) replaced by its pseudonym even where it
    /// is too short or too common to be hunted (a username `admin` is also the admin API's
    /// `/admin/`).
    pub fn scrub_path(&mut self, path: &str, context: Context) -> String {
        let scrubbed = self.scrub_text(path, context);
        let mut segments: Vec<String> = scrubbed.split('/').map(str::to_string).collect();
        for index in 1..segments.len() {
            if segments[index - 1] == "users" && !self.is_pseudonym(&segments[index]) {
                let user = &segments[index];
                let pseudonym = self
                    .personal_pseudonyms
                    .iter()
                    .find(|((kind, value), _)| {
                        *kind == Personal::Username && value.eq_ignore_ascii_case(user)
                    })
                    .map(|(_, pseudonym)| pseudonym.clone());
                if let Some(pseudonym) = pseudonym {
                    segments[index] = pseudonym;
                }
            }
        }
        segments.join("/")
    }

    /// Whether a parameter is left out of a recorded request rule: secrets, personal data and
    /// `--redact-field` fields (their values would not match a replayed request anyway).
    pub fn is_left_out(&self, param: &str, context: Context) -> bool {
        is_secret_param(param)
            || (context.oauth && names::is_oauth_code(param))
            || self.personal(param).is_some()
            || self.extra_field(param).is_some()
    }
}

/// Whether the JSON field `key` holding `value` is a credential. OAuth's `code` is one only as
/// a string: a number there is an error's code.
fn is_secret_json_field(key: &str, value: &Value, context: Context) -> bool {
    is_secret_param(key) || (context.oauth && names::is_oauth_code(key) && value.is_string())
}

/// The strings and numbers inside `value`, as text.
fn leaves(value: &Value) -> Vec<String> {
    match value {
        Value::String(text) => vec![text.clone()],
        Value::Number(number) => vec![number.to_string()],
        Value::Array(items) => items.iter().flat_map(leaves).collect(),
        Value::Object(map) => map.values().flat_map(leaves).collect(),
        _ => Vec::new(),
    }
}

/// Every string and number inside `value` made [`REDACTED`], its shape kept; how many.
fn redact_leaves(value: &mut Value) -> usize {
    match value {
        Value::String(text) if !text::is_placeholder(text) => {
            *value = Value::from(REDACTED);
            1
        }
        Value::Number(_) => {
            *value = Value::from(REDACTED);
            1
        }
        Value::Array(items) => items.iter_mut().map(redact_leaves).sum(),
        Value::Object(map) => map.values_mut().map(redact_leaves).sum(),
        _ => 0,
    }
}

/// Whether a personal value is distinctive enough to be hunted through a recording: long
/// enough, and not a word of the API (`admin`).
fn is_huntable_personal(value: &str) -> bool {
    value.trim().chars().count() >= MIN_HUNTED_PERSONAL && !names::is_api_word(value.trim())
}

/// The pseudonym of personal data of `kind` of person number `person`.
fn pseudonym(kind: Personal, person: usize) -> String {
    match kind {
        Personal::Username => format!("user-{person}"),
        Personal::Email => format!("user-{person}@example.com"),
        Personal::FullName => format!("First-{person} Last-{person}"),
        Personal::FirstName => format!("First-{person}"),
        Personal::LastName => format!("Last-{person}"),
    }
}

/// Whether an e-mail address is at a domain reserved for examples, and so nobody's.
pub fn is_example_address(address: &str) -> bool {
    address.rsplit_once('@').is_some_and(|(_, domain)| {
        EXAMPLE_DOMAINS
            .iter()
            .any(|example| domain.eq_ignore_ascii_case(example))
    })
}

/// The parts of the base64 encodings of `value` that depend on it alone, for each of the three
/// places it may start at within a larger encoded document, standard and URL-safe; only those
/// long enough to be told from chance.
fn base64_cores(value: &[u8]) -> Vec<String> {
    use base64::Engine as _;
    if value.len() < 8 {
        return Vec::new();
    }
    let mut cores = Vec::new();
    for offset in 0..3usize {
        let mut input = vec![0u8; offset];
        input.extend_from_slice(value);
        let encoded = base64::engine::general_purpose::STANDARD_NO_PAD.encode(&input);
        // Character k holds bits 6k..6k+6: it depends on the value alone when those bits are.
        let first = (8 * offset).div_ceil(6);
        let last = (8 * (offset + value.len())) / 6;
        if last <= first || last - first < 8 {
            continue;
        }
        let core = &encoded[first..last];
        cores.push(core.to_string());
        let url_safe = core.replace('+', "-").replace('/', "_");
        if url_safe != core {
            cores.push(url_safe);
        }
    }
    cores
}

/// How a JSON document was wrapped in a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrapping {
    Plain,
    /// Behind a byte-order mark (and perhaps white space).
    ByteOrderMark,
    /// Inside a JSONP callback: `callback({...});`.
    Jsonp,
}

/// A JSON document in `body`: plain, behind a byte-order mark, or inside a JSONP callback.
pub fn as_json(body: &[u8]) -> Option<(Value, Wrapping)> {
    if let Ok(value) = serde_json::from_slice::<Value>(body) {
        return Some((value, Wrapping::Plain));
    }
    let text = std::str::from_utf8(body).ok()?;
    let text = text.trim_start_matches('\u{feff}').trim();
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        return Some((value, Wrapping::ByteOrderMark));
    }
    let open = text.find('(')?;
    let callback = text[..open].trim();
    let is_callback = !callback.is_empty()
        && callback
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '.' | '[' | ']'));
    if !is_callback {
        return None;
    }
    let inner = text[open + 1..].trim_end().trim_end_matches(';').trim_end();
    let inner = inner.strip_suffix(')')?;
    serde_json::from_str::<Value>(inner)
        .ok()
        .map(|value| (value, Wrapping::Jsonp))
}

/// Whether a text body is form-encoded parameters (`access_token=…&token_type=bearer`).
fn is_form_text(text: &str) -> bool {
    let text = text.trim();
    !text.is_empty()
        && text.len() < 64 * 1024
        && text.contains('=')
        && !text.contains(char::is_whitespace)
        && !text.starts_with(['{', '[', '<'])
}

/// The boundary of a `multipart/form-data` request.
fn multipart_boundary(headers: &HeaderMap) -> Option<String> {
    let value = headers
        .get(hyper::header::CONTENT_TYPE)?
        .to_str()
        .ok()?
        .to_string();
    let (mime, parameters) = value.split_once(';')?;
    if !mime.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    parameters.split(';').find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_string())
    })
}

/// The named fields of a multipart body, as text (parts that are not text are skipped). Only
/// what redaction needs: the name from `Content-Disposition` and the part's content.
fn multipart_fields(body: &[u8], boundary: &str) -> Vec<(String, String)> {
    let delimiter = format!("--{boundary}");
    let Ok(body) = std::str::from_utf8(body) else {
        // Files may be binary; the fields around them are found in the text parts alone.
        return String::from_utf8_lossy(body)
            .split(delimiter.as_str())
            .filter_map(multipart_field)
            .collect();
    };
    body.split(delimiter.as_str())
        .filter_map(multipart_field)
        .collect()
}

fn multipart_field(part: &str) -> Option<(String, String)> {
    let part = part.strip_prefix("\r\n").unwrap_or(part);
    let (head, content) = part
        .split_once("\r\n\r\n")
        .or_else(|| part.split_once("\n\n"))?;
    let disposition = head
        .lines()
        .find(|line| line.to_ascii_lowercase().starts_with("content-disposition"))?;
    let name = disposition.split(';').find_map(|parameter| {
        let (key, value) = parameter.split_once('=')?;
        (key.trim() == "name").then(|| value.trim().trim_matches('"').to_string())
    })?;
    let content = content
        .strip_suffix("\r\n")
        .or_else(|| content.strip_suffix('\n'))
        .unwrap_or(content);
    Some((name, content.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn redactor() -> Redactor {
        Redactor::new(Options::default())
    }

    #[test]
    fn secret_parameters_are_redacted_whatever_their_case_or_encoding() {
        assert_eq!(
            redact_query("f=json&token=abc.def&TOKEN=x&%74oken=y&itemId=42"),
            "f=json&token=REDACTED&TOKEN=REDACTED&%74oken=REDACTED&itemId=42"
        );
        assert_eq!(redact_query("password"), "password=REDACTED");
    }

    #[test]
    fn a_learned_secret_is_replaced_in_every_encoding_as_a_whole_token() {
        let mut redactor = redactor();
        let mut headers = HeaderMap::new();
        headers.insert("x-esri-authorization", "Bearer C_tok/9+z".parse().unwrap());
        let context = redactor.learn_request("/x", &headers, b"", &[]);
        for (text, want) in [
            ("/arcgis/C_tok/9+z/info", "/arcgis/REDACTED/info"),
            ("/arcgis/C%5Ftok%2F9%2Bz/info", "/arcgis/REDACTED/info"),
            ("/arcgis/C%255Ftok%252F9%252Bz/x", "/arcgis/REDACTED/x"),
            (r"say C\u005ftok\/9+z", "say REDACTED"),
            ("<b>C&#95;tok&#x2F;9+z</b>", "<b>REDACTED</b>"),
            ("xC_tok/9+z", "xC_tok/9+z"),
        ] {
            assert_eq!(redactor.scrub_text(text, context), want, "{text}");
        }
    }

    #[test]
    fn cookies_that_are_not_credentials_replace_nothing() {
        let mut redactor = redactor();
        let mut headers = HeaderMap::new();
        headers.insert(
            "cookie",
            "agstoken=Zq81-xkT5.abcdef; ui=admin; other=plain"
                .parse()
                .unwrap(),
        );
        let context = redactor.learn_request("/arcgis/admin/info", &headers, b"", &[]);
        assert_eq!(
            redactor.scrub_path("/arcgis/admin/info", context),
            "/arcgis/admin/info"
        );
        assert_eq!(redactor.scrub_text("text/plain", context), "text/plain");
        assert_eq!(
            redactor.scrub_text("t=Zq81-xkT5.abcdef", context),
            "t=REDACTED"
        );
    }

    #[test]
    fn personal_data_becomes_one_pseudonym_per_person_everywhere() {
        let mut redactor = redactor();
        let mut user = json!({
            "username": "jane.doe",
            "email": "jane.doe@customer.com",
            "fullName": "Jane Doe",
            "firstName": "Jane",
            "lastName": "Doe",
            "messages": ["contact jane.doe@customer.com about /data/jane.doe/x.ipynb"],
            "owner": "admin@example.com",
        });
        redactor.learn_json(&user, Context::default());
        redactor.scrub_json(&mut user, Context::default());
        assert_eq!(
            user,
            json!({
                "username": "user-1",
                "email": "user-1@example.com",
                "fullName": "First-1 Last-1",
                "firstName": "First-1",
                "lastName": "Last-1",
                "messages": ["contact user-1@example.com about /data/user-1/x.ipynb"],
                "owner": "admin@example.com",
            })
        );
        // Scrubbed again, pseudonyms stay as they are.
        let before = user.clone();
        redactor.scrub_json(&mut user, Context::default());
        assert_eq!(user, before);
        assert_eq!(
            redactor.scrub_path(
                "/portal/sharing/rest/community/users/jane.doe",
                Context::default()
            ),
            "/portal/sharing/rest/community/users/user-1"
        );
    }

    #[test]
    fn a_username_that_is_an_api_word_is_replaced_in_user_paths_only() {
        let mut redactor = redactor();
        redactor.learn_request(
            "/x",
            &HeaderMap::new(),
            b"",
            &[("username".into(), "admin".into())],
        );
        let context = Context::default();
        assert_eq!(
            redactor.scrub_path("/portal/sharing/rest/community/users/admin", context),
            "/portal/sharing/rest/community/users/user-1"
        );
        assert_eq!(
            redactor.scrub_path("/arcgis/admin/notebooks/executeNotebook", context),
            "/arcgis/admin/notebooks/executeNotebook"
        );
    }

    #[test]
    fn tokens_issued_in_any_kind_of_answer_are_learned() {
        for (body, headers) in [
            (
                &b"cb({\"token\":\"Tok-123456789\",\"expires\":1});"[..],
                vec![],
            ),
            (b"\xef\xbb\xbf{\"token\":\"Tok-123456789\"}", vec![]),
            (
                b"<html><td>Token:</td><td>Tok-123456789</td></html>",
                vec![],
            ),
            (b"access_token=Tok-123456789&token_type=bearer", vec![]),
            (
                b"",
                vec![("location", "https://app/cb#access_token=Tok-123456789&x=1")],
            ),
            (b"", vec![("set-cookie", "AGS_ROLES=Tok-123456789; Path=/")]),
        ] {
            let mut redactor = redactor();
            let mut map = HeaderMap::new();
            for (name, value) in headers {
                map.insert(name, value.parse().unwrap());
            }
            redactor.learn_answer(Context::default(), &map, body);
            assert_eq!(
                redactor.scrub_text("echo Tok-123456789 here", Context::default()),
                "echo REDACTED here",
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn secrets_in_json_and_multipart_request_bodies_are_learned() {
        let mut redactor = redactor();
        let mut headers = HeaderMap::new();
        headers.insert("content-type", "application/json".parse().unwrap());
        redactor.learn_request(
            "/x",
            &headers,
            br#"{"client_secret": "cs-9876543", "nested": {"password": "pw-1234567"}}"#,
            &[],
        );
        let mut headers = HeaderMap::new();
        headers.insert(
            "content-type",
            "multipart/form-data; boundary=XyZ".parse().unwrap(),
        );
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\nmp-7654321\r\n--XyZ--\r\n";
        redactor.learn_request("/x", &headers, body, &[]);
        assert_eq!(
            redactor.scrub_text("cs-9876543 pw-1234567 mp-7654321", Context::default()),
            "REDACTED REDACTED REDACTED"
        );
    }

    #[test]
    fn basic_credentials_are_learned_encoded_and_decoded() {
        let mut redactor = redactor();
        let mut headers = HeaderMap::new();
        // alice:s3cr3t-basic
        headers.insert(
            "authorization",
            "Basic YWxpY2U6czNjcjN0LWJhc2lj".parse().unwrap(),
        );
        let context = redactor.learn_request("/x", &headers, b"", &[]);
        assert_eq!(
            redactor.scrub_text("you sent s3cr3t-basic as alice", context),
            "you sent REDACTED as user-1"
        );
        assert_eq!(
            redactor.scrub_text("raw YWxpY2U6czNjcjN0LWJhc2lj", context),
            "raw REDACTED"
        );
    }

    #[test]
    fn a_secret_inside_a_larger_base64_document_is_found() {
        use base64::Engine as _;
        let mut redactor = redactor();
        redactor.learn_request(
            "/x",
            &HeaderMap::new(),
            b"",
            &[("token".into(), "Tk-0123456789abcdef".into())],
        );
        for prefix in ["", "a", "ab"] {
            let document = format!("{prefix}{{\"t\":\"Tk-0123456789abcdef\"}}");
            let encoded = base64::engine::general_purpose::STANDARD.encode(document);
            assert_eq!(
                redactor.scrub_text(&format!("blob {encoded} end"), Context::default()),
                "blob REDACTED end"
            );
        }
    }

    #[test]
    fn keys_are_scrubbed_too_and_documents_stay_documents() {
        let mut redactor = redactor();
        redactor.learn_request(
            "/x",
            &HeaderMap::new(),
            b"",
            &[("token".into(), "a\", \"b\": \"c-1234".into())],
        );
        let mut value = json!({"a\", \"b\": \"c-1234": 1, "x": "a\", \"b\": \"c-1234"});
        redactor.scrub_json(&mut value, Context::default());
        assert_eq!(value, json!({"REDACTED": 1, "x": "REDACTED"}));
        let mut later = json!({"a": "a", "b": "c-1234"});
        redactor.rescrub_json(&mut later);
        assert_eq!(later, json!({"a": "a", "b": "c-1234"}));
    }

    #[test]
    fn values_given_to_redact_value_are_secrets() {
        let mut redactor = Redactor::new(Options {
            patterns: vec![regex::bytes::Regex::new("ACME-[0-9]{6}").unwrap()],
            ..Options::default()
        });
        assert_eq!(
            redactor.scrub_text("licence ACME-123456 and ACME%2D123456", Context::default()),
            "licence REDACTED and REDACTED"
        );
    }
}
