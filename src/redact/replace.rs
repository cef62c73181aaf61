//! The replacing pass: every text written, read through the decoded view, with what is named or
//! shaped like a credential or personal value, and every learned value, replaced where it
//! stands (see the model in [`super`]).

use std::ops::Range;

use aho_corasick::AhoCorasick;
use serde_json::Value;

use super::text::{self, Decoded, Finding, Kind};
use super::{
    Context, Extent, Found, Hunted, Matcher, Personal, REDACTED, Redactor, is_example_address,
    is_redacted, is_secret_json_field, is_secret_param, names, redact_leaves,
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

    pub(super) fn replacement(&mut self, finding: &Finding) -> Option<String> {
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
                && !self.is_pseudonym(&finding.value)
                && !self.is_placeholder_address(&finding.value))
            .then(|| self.person_pseudonym(Personal::Email, &finding.value)),
        }
    }

    pub(super) fn is_pseudonym(&self, value: &str) -> bool {
        self.pseudonyms.contains_key(value) || is_redacted(value)
    }

    /// `REDACTED@host` or `user-1@host`: a URL's user information as scrubbing left it, not an
    /// address, so that text scrubbed a second time stays as the first pass left it.
    pub(super) fn is_placeholder_address(&self, value: &str) -> bool {
        value
            .split_once('@')
            .is_some_and(|(local, _)| self.is_pseudonym(local))
    }

    /// Where the learned values occur in `decoded`, as whole tokens, with their replacements.
    pub(super) fn hunted_in(&mut self, decoded: &Decoded<'_>) -> Vec<(Range<usize>, String)> {
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
    pub(super) fn is_hunted_number(&self, number: &serde_json::Number) -> bool {
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
    pub(super) fn scrub_keys(
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
