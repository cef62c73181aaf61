//! The replacing pass: every text written, read through the decoded view, with what is named or
//! shaped like a credential or personal value, and every learned value, replaced where it
//! stands (see the model in [`super`]).

use std::ops::Range;

use aho_corasick::AhoCorasick;
use serde_json::Value;

use super::folding::Folded;
use super::text::{self, Decoded, Finding, Kind};
use super::{
    Context, Extent, Found, Hunted, Matcher, Personal, REDACTED, Redactor, is_example_address,
    is_redacted, is_secret_json_field, is_secret_param, named_by_sibling, names, redact_leaves,
};

/// Whether `segments[index]` is a Portal user's name: it follows `community/users` or
/// `content/users`.
pub fn is_portal_user_segment(segments: &[String], index: usize) -> bool {
    index >= 2
        && segments[index - 1] == "users"
        && matches!(segments[index - 2].as_str(), "community" | "content")
}

impl Redactor {
    /// `text` with every credential and personal value replaced: those named or shaped like one
    /// here, and every value learned anywhere before, in any encoding [`Decoded`] reads.
    pub fn scrub_text(&mut self, text: &str, context: Context) -> String {
        let replacements: Vec<(Range<usize>, String)> = self
            .scrub_plan(text, context)
            .into_iter()
            .map(|(range, with, _)| (range, with))
            .collect();
        self.counts.replaced += replacements.len();
        text::splice(text, replacements)
    }

    /// What [`Redactor::scrub_text`] replaces in `text`: each range of the original with what
    /// takes its place, and what was found there (`None`: a value learned elsewhere, or a
    /// `--redact-value` match); what `jobmock scan` reports.
    pub fn scrub_plan(
        &mut self,
        text: &str,
        context: Context,
    ) -> Vec<(Range<usize>, String, Option<Kind>)> {
        if let Some(inner) = text::utf16_text(text.as_bytes()) {
            self.learn_text(&inner, context);
        }
        let decoded = Decoded::new(text);
        let findings = text::find(&decoded, context.oauth);
        self.learn_findings(&findings);
        let patterns = self.pattern_matches(&decoded);
        for (_, value) in &patterns {
            self.learn_secret(value, Found::Named);
        }
        let mut replacements = Vec::new();
        for finding in findings {
            if let Some(with) = self.replacement(&finding) {
                replacements.push((finding.range, with, Some(finding.kind)));
            }
        }
        replacements.extend(
            patterns
                .into_iter()
                .map(|(range, _)| (range, REDACTED.to_string(), None)),
        );
        replacements.extend(
            self.hunted_in(&decoded, false)
                .into_iter()
                .map(|(range, with)| (range, with, None)),
        );
        replacements
    }

    /// Learns from a whole document: JSON by its structure, anything else as text (what
    /// `jobmock scan` learns from a fixture set before it looks).
    pub fn learn_document(&mut self, body: &[u8], context: Context) {
        self.learn_body(body, context);
    }

    /// `text` with the learned values replaced, and nothing else: what a file written before a
    /// value was learned gets when it is written again.
    pub fn rescrub_text(&mut self, text: &str) -> String {
        self.rescrub(text, false)
    }

    /// `text` with the learned values replaced (only credentials, when `secrets_only`).
    fn rescrub(&mut self, text: &str, secrets_only: bool) -> String {
        let decoded = Decoded::new(text);
        let replacements = self.hunted_in(&decoded, secrets_only);
        self.counts.replaced += replacements.len();
        text::splice(text, replacements)
    }

    /// A file of a fixture set written before a value was learned, with the learned values
    /// replaced in what it holds and nowhere else: in a JSON file, inside string values only
    /// (a key only where a learned credential is in it; a request rule's `method` only for a
    /// credential), so
    /// that the document keeps every key, number and literal, and stays one whatever the
    /// values hold; any other file as text.
    pub fn rescrub_file(&mut self, name: &str, text: &str) -> String {
        if !name.ends_with(".json") {
            return self.rescrub_text(text);
        }
        let Some(strings) = crate::util::json::json_strings(text) else {
            return self.rescrub_text(text);
        };
        let mut replacements = Vec::new();
        let mut previous_key: Option<&str> = None;
        for string in strings {
            let inner = &text[string.inner.clone()];
            if string.is_key {
                previous_key = Some(inner);
                let scrubbed = self.scrub_key(inner);
                if scrubbed != inner {
                    replacements.push((string.inner, scrubbed));
                }
                continue;
            }
            // A request rule's method is never renamed for a person, only a credential goes.
            let secrets_only = name == "request.json" && previous_key == Some("method");
            let scrubbed = self.rescrub(inner, secrets_only);
            if scrubbed != inner {
                replacements.push((string.inner, scrubbed));
            }
        }
        text::splice(text, replacements)
    }

    pub(super) fn replacement(&mut self, finding: &Finding) -> Option<String> {
        match &finding.kind {
            Kind::NamedSecret { .. }
            | Kind::Bearer
            | Kind::Basic
            | Kind::Jwt
            | Kind::ApiKey
            | Kind::UrlPassword => Some(REDACTED.to_string()),
            Kind::NamedPersonal(kind) => (!self.options.keep.contains(kind)
                && !self.is_pseudonym(&finding.value))
            .then(|| self.person_pseudonym(*kind, &finding.value)),
            Kind::UrlUser => (!self.options.keep.contains(&Personal::Username)
                && !self.is_pseudonym(&finding.value))
            .then(|| self.person_pseudonym(Personal::Username, &finding.value)),
            Kind::Email => (!self.options.keep.contains(&Personal::Email)
                && !is_example_address(&finding.value)
                && !self.is_pseudonym(&finding.value)
                && !self.is_placeholder_address(&finding.value))
            .then(|| self.person_pseudonym(Personal::Email, &finding.value)),
        }
    }

    pub(super) fn is_pseudonym(&self, value: &str) -> bool {
        self.pseudonyms.contains_key(value)
            || is_redacted(value)
            || super::looks_like_pseudonym(value)
    }

    /// `REDACTED@host` or `user-1@host`: a URL's user information as scrubbing left it, not an
    /// address, so that text scrubbed a second time stays as the first pass left it.
    pub(super) fn is_placeholder_address(&self, value: &str) -> bool {
        value
            .split_once('@')
            .is_some_and(|(local, _)| self.is_pseudonym(local))
    }

    /// Where the learned values occur in `decoded`, as whole tokens, with their replacements
    /// (only credentials', when `secrets_only`). Names (hunted in any case) are looked for in
    /// the text folded as they were ([`Folded`]), so `MÜLLER` is found for `Müller`.
    pub(super) fn hunted_in(
        &mut self,
        decoded: &Decoded<'_>,
        secrets_only: bool,
    ) -> Vec<(Range<usize>, String)> {
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
                    Some((automaton, hunted, any_case))
                })
                .collect();
            Matcher { automata }
        });
        let bytes = decoded.bytes();
        let folded = matcher
            .automata
            .iter()
            .any(|(_, _, any_case)| *any_case && !secrets_only)
            .then(|| Folded::new(bytes))
            .flatten();
        let mut found = Vec::new();
        for (automaton, hunted, any_case) in &matcher.automata {
            let view = match (&folded, any_case) {
                (_, true) if secrets_only => continue,
                (Some(folded), true) => Some(folded),
                _ => None,
            };
            let haystack = view.map_or(bytes, |view| view.bytes());
            for m in automaton.find_overlapping_iter(haystack) {
                let hunted = &hunted[m.pattern().as_usize()];
                if secrets_only && !hunted.secret {
                    continue;
                }
                let Some(mut range) = (match view {
                    Some(view) => view.decoded_range(m.range()),
                    None => Some(m.range()),
                }) else {
                    continue;
                };
                match hunted.extent {
                    Extent::Base64 => {
                        // The whole base64 run around it: the encoded document holds a secret.
                        let is_b64 = |b: u8| {
                            b.is_ascii_alphanumeric()
                                || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_')
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
                        if !(decoded.boundary_before(range.start)
                            && decoded.boundary_after(range.end))
                        {
                            continue;
                        }
                    }
                }
                if let Some(original) = decoded.original_range(range) {
                    found.push((original, hunted.replacement.clone()));
                }
            }
        }
        found
    }

    /// A JSON document with every secret field redacted, every personal field pseudonymised, and
    /// every string scrubbed as text. Keys, numbers and literals stay as they are (a key holding
    /// a learned credential is the one exception).
    pub fn scrub_json(&mut self, value: &mut Value, context: Context) {
        match value {
            Value::Object(map) => {
                let is_person = map.keys().any(|key| self.personal(key).is_some());
                let by_sibling = named_by_sibling(map).map(str::to_string);
                for (key, value) in map.iter_mut() {
                    let secret = is_secret_json_field(key, value, context)
                        || by_sibling.as_deref() == Some(key.as_str());
                    let personal = self
                        .personal(key)
                        .or_else(|| is_person.then(|| self.weak_personal(key)).flatten());
                    let placeholder = match value {
                        Value::String(text) => text::is_placeholder(text),
                        Value::Number(_) => false,
                        _ => true,
                    };
                    let template = match value {
                        Value::String(text) => text::is_template(text),
                        _ => true,
                    };
                    if secret && matches!(value, Value::Array(_) | Value::Object(_)) {
                        self.counts.replaced += redact_leaves(value);
                        // Its keys may be credentials too (`"sessions": {"<id>": …}`).
                        self.scrub_json(value, context);
                    } else if secret && !placeholder {
                        *value = Value::from(REDACTED);
                        self.counts.replaced += 1;
                    } else if let (Some(kind), Value::String(text)) = (personal, &*value)
                        && !self.is_pseudonym(text)
                        && !template
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
                self.scrub_keys(map);
            }
            Value::Array(items) => items
                .iter_mut()
                .for_each(|item| self.scrub_json(item, context)),
            Value::String(text) => *text = self.scrub_text(text, context),
            _ => {}
        }
    }

    /// A JSON document with the learned values replaced in every string (and the credentials in
    /// every key), and nothing else: [`Redactor::rescrub_text`] for a document.
    pub fn rescrub_json(&mut self, value: &mut Value) {
        match value {
            Value::Object(map) => {
                map.values_mut().for_each(|value| self.rescrub_json(value));
                self.scrub_keys(map);
            }
            Value::Array(items) => items.iter_mut().for_each(|item| self.rescrub_json(item)),
            Value::String(text) => *text = self.rescrub_text(text),
            _ => {}
        }
    }

    /// Replaces the keys of `map` that hold what was learned, keeping their order: a learned
    /// credential in a key (`{"<token>": {...}}`), or a key that is as a whole a person's
    /// distinctive value (`{"jdoe_gis": 1}`); a key is never renamed for anything else (`"max"`
    /// stays for a person named Max), and two keys never become one.
    pub(super) fn scrub_keys(&mut self, map: &mut serde_json::Map<String, Value>) {
        let renamed: Vec<String> = map.keys().map(|key| self.scrub_key(key)).collect();
        if map.keys().zip(&renamed).all(|(key, new)| key == new) {
            return;
        }
        let entries = std::mem::take(map);
        for ((_, value), new) in entries.into_iter().zip(&renamed) {
            let mut unique = new.clone();
            let mut number = 1;
            while map.contains_key(&unique) || (number > 1 && renamed.contains(&unique)) {
                number += 1;
                unique = format!("{new}-{number}");
            }
            map.insert(unique, value);
        }
    }

    /// A key with what was learned replaced (see [`Redactor::scrub_keys`]).
    fn scrub_key(&mut self, key: &str) -> String {
        let secrets = self.rescrub(key, true);
        if secrets != key {
            return secrets;
        }
        let decoded = Decoded::new(key);
        match self.hunted_in(&decoded, false).as_slice() {
            [(range, with)] if *range == (0..key.len()) => {
                self.counts.replaced += 1;
                with.clone()
            }
            _ => key.to_string(),
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
                } else if is_portal_user_segment(&segments, index) && !user.is_empty() {
                    // A Portal user's name is personal data even when no answer named the user
                    // (a 400, a delete): it gets a pseudonym here, and everywhere else it is
                    // hunted. (Not after any `users`: `/admin/security/users/getUsers` is an
                    // operation.)
                    let user = user.clone();
                    segments[index] = self.person_pseudonym(Personal::Username, &user);
                }
            }
        }
        segments.join("/")
    }

    /// Learns what a free text names or shapes like a credential or personal data (a URL with
    /// its user information, a header the HTTP library would refuse), without writing it.
    pub fn learn_free_text(&mut self, text: &str, context: Context) {
        self.learn_text(text, context);
        let decoded = Decoded::new(text);
        for finding in text::find(&decoded, context.oauth) {
            self.learn_finding(&finding);
        }
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
