//! The comparison: what was written against what was sent, value by value; where a learned value
//! stood, and what may differ there.

use std::ops::Range;

use serde_json::Value;

use super::*;

/// What redaction learned in a scenario, and so may replace.
pub(super) struct Learned {
    /// Values replaced wherever they stand as a whole token: names that are not ordinary
    /// words, e-mails, secrets.
    pub(super) hunted: Vec<String>,
    /// Every personal value of the scenario's people.
    pub(super) personal: Vec<String>,
    pub(super) secrets: Vec<String>,
}

impl Learned {
    /// Nothing learned: every string must come back as it was.
    pub(super) fn nothing() -> Learned {
        Learned {
            hunted: Vec::new(),
            personal: Vec::new(),
            secrets: Vec::new(),
        }
    }
}

/// Byte ranges of `text` where `value` stands as a whole token (ASCII case ignored, no letter
/// or digit either side).
pub(super) fn token_occurrences(text: &str, value: &str) -> Vec<Range<usize>> {
    let haystack = text.to_ascii_lowercase();
    let needle = value.to_ascii_lowercase();
    let mut found = Vec::new();
    if needle.is_empty() {
        return found;
    }
    let bytes = haystack.as_bytes();
    let mut from = 0;
    while let Some(at) = haystack[from..].find(&needle) {
        let start = from + at;
        let end = start + needle.len();
        let before = start == 0 || !bytes[start - 1].is_ascii_alphanumeric();
        let after = end == bytes.len() || !bytes[end].is_ascii_alphanumeric();
        if before && after {
            found.push(start..end);
        }
        from = start + 1;
        while !haystack.is_char_boundary(from) {
            from += 1;
        }
    }
    found
}

/// Where in `text` redaction may have replaced something: every whole-token occurrence of a
/// hunted value, and every Portal user path segment. Sorted, overlaps merged.
pub(super) fn holes(text: &str, learned: &Learned) -> Vec<Range<usize>> {
    let mut all: Vec<Range<usize>> = learned
        .hunted
        .iter()
        .flat_map(|value| token_occurrences(text, value))
        .collect();
    for mark in USER_SEGMENT_MARKS {
        let mut from = 0;
        while let Some(at) = text[from..].find(mark) {
            let start = from + at + mark.len();
            let end = text[start..]
                .find(['/', '?', '#', '&', '"', '\\', ' ', '\n'])
                .map_or(text.len(), |len| start + len);
            if end > start {
                all.push(start..end);
            }
            from = start;
        }
    }
    all.sort_by_key(|range| (range.start, range.end));
    let mut merged: Vec<Range<usize>> = Vec::new();
    for range in all {
        match merged.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    merged
}

/// Whether `written` is `original` with, at most, each of `holes` replaced by something.
pub(super) fn same_but_holes(original: &str, written: &str, holes: &[Range<usize>]) -> bool {
    if holes.is_empty() {
        return original == written;
    }
    let mut pattern = String::from("(?s)^");
    let mut at = 0;
    for hole in holes {
        pattern.push_str(&regex::escape(&original[at..hole.start]));
        pattern.push_str(".+?");
        at = hole.end;
    }
    pattern.push_str(&regex::escape(&original[at..]));
    pattern.push('$');
    regex::Regex::new(&pattern)
        .expect("an escaped pattern compiles")
        .is_match(written)
}

/// Compares what was written with what was sent, collecting every difference redaction may not
/// make. With `learned` None only the structure is compared (keys, numbers, booleans, nulls,
/// array lengths), not strings: for captures whose learned values the test does not know.
pub(super) struct Checker<'a> {
    pub(super) learned: Option<&'a Learned>,
    pub(super) problems: Vec<String>,
}

impl<'a> Checker<'a> {
    pub(super) fn new(learned: Option<&'a Learned>) -> Checker<'a> {
        Checker {
            learned,
            problems: Vec::new(),
        }
    }

    pub(super) fn problem(&mut self, problem: String) {
        self.problems.push(problem);
    }

    /// A free text (or a string of a field that holds no personal data or credential): equal
    /// but where a learned value stood.
    pub(super) fn text(&mut self, at: &str, original: &str, written: &str) {
        let Some(learned) = self.learned else { return };
        if !same_but_holes(original, written, &holes(original, learned)) {
            self.problem(format!(
                "{at}: {} became {}",
                shorten(original),
                shorten(written)
            ));
        }
    }

    /// The string value of a field or parameter named `name`: a personal or secret field may
    /// be replaced whole (and must be, when it held the person's value or the secret); any
    /// other is compared as [`Checker::text`].
    pub(super) fn field(&mut self, at: &str, name: Option<&str>, original: &str, written: &str) {
        let Some(learned) = self.learned else { return };
        let personal = name.is_some_and(is_personal_field);
        let secret = name.is_some_and(is_secret_field);
        if personal || secret {
            let held = learned
                .personal
                .iter()
                .chain(&learned.secrets)
                .any(|value| value.eq_ignore_ascii_case(original));
            if held && written == original {
                self.problem(format!(
                    "{at}: {} was written as it was (it is the person's or a secret)",
                    shorten(original)
                ));
            }
            return;
        }
        self.text(at, original, written);
    }

    /// A JSON value under the field `name` (an array's elements under the array's name).
    pub(super) fn json(&mut self, at: &str, name: Option<&str>, original: &Value, written: &Value) {
        match (original, written) {
            (Value::Object(sent), Value::Object(kept)) => {
                let sent_keys: Vec<&String> = sent.keys().collect();
                let kept_keys: Vec<&String> = kept.keys().collect();
                if sent_keys != kept_keys {
                    self.problem(format!("{at}: the keys {sent_keys:?} became {kept_keys:?}"));
                }
                for (key, value) in sent {
                    if let Some(other) = kept.get(key) {
                        self.json(&format!("{at}.{key}"), Some(key), value, other);
                    }
                }
            }
            (Value::Array(sent), Value::Array(kept)) => {
                if sent.len() != kept.len() {
                    self.problem(format!(
                        "{at}: an array of {} became one of {}",
                        sent.len(),
                        kept.len()
                    ));
                }
                for (index, (value, other)) in sent.iter().zip(kept).enumerate() {
                    self.json(&format!("{at}[{index}]"), name, value, other);
                }
            }
            (Value::String(sent), Value::String(kept)) => self.field(at, name, sent, kept),
            (sent, kept) if sent == kept => {}
            (sent, kept) => self.problem(format!(
                "{at}: {} became {} (JSON)",
                cut(&sent.to_string()),
                cut(&kept.to_string())
            )),
        }
    }

    /// A body: JSON compared as [`Checker::json`] when the original is JSON, else as text.
    pub(super) fn body(&mut self, at: &str, original: &str, written: &str) {
        match serde_json::from_str::<Value>(original) {
            Ok(sent) if sent.is_object() || sent.is_array() => {
                match serde_json::from_str::<Value>(written) {
                    Ok(kept) => self.json(at, None, &sent, &kept),
                    Err(err) => self.problem(format!(
                        "{at}: the JSON answer is no longer JSON ({err}): {}",
                        shorten(written)
                    )),
                }
            }
            _ => self.text(at, original, written),
        }
    }

    /// Form or query parameters: the same names in the same order, values as
    /// [`Checker::field`].
    pub(super) fn form(
        &mut self,
        at: &str,
        original: &[(String, String)],
        written: &[(String, String)],
    ) {
        let sent: Vec<&str> = original.iter().map(|(name, _)| name.as_str()).collect();
        let kept: Vec<&str> = written.iter().map(|(name, _)| name.as_str()).collect();
        if sent != kept {
            self.problem(format!("{at}: the parameters {sent:?} became {kept:?}"));
            return;
        }
        for ((name, value), (_, other)) in original.iter().zip(written) {
            self.field(&format!("{at} {name}="), Some(name), value, other);
        }
    }

    /// A URL path: with the test's learned values, equal but where a learned value or a user
    /// segment stood; without, the same number of segments, each the same but at a user
    /// position or where it became a `REDACTED` one.
    pub(super) fn path(&mut self, at: &str, original: &str, written: &str) {
        if self.learned.is_some() {
            return self.text(at, original, written);
        }
        let sent: Vec<&str> = original.split('/').collect();
        let kept: Vec<&str> = written.split('/').collect();
        if sent.len() != kept.len() {
            return self.problem(format!(
                "{at}: the path {original} of {} segments became {written} of {}",
                sent.len(),
                kept.len()
            ));
        }
        for (index, (a, b)) in sent.iter().zip(&kept).enumerate() {
            let user_position = index >= 2
                && sent[index - 1] == "users"
                && matches!(sent[index - 2], "community" | "content");
            if a != b && !user_position && !b.starts_with("REDACTED") {
                self.problem(format!(
                    "{at}: the path segment {a:?} became {b:?} ({original} → {written})"
                ));
            }
        }
    }

    /// A full URL: its path as [`Checker::path`], its query as [`Checker::form`], the rest
    /// (scheme, host, fragment) as text.
    pub(super) fn url(&mut self, at: &str, original: &str, written: &str) {
        let split = |url: &str| {
            let (rest, fragment) = url.split_once('#').unwrap_or((url, ""));
            let (before, query) = rest.split_once('?').unwrap_or((rest, ""));
            let (origin, path) = match before.find("://") {
                Some(scheme) => match before[scheme + 3..].find('/') {
                    Some(slash) => before.split_at(scheme + 3 + slash),
                    None => (before, ""),
                },
                None => ("", before),
            };
            (
                origin.to_string(),
                path.to_string(),
                decode_form(query),
                fragment.to_string(),
            )
        };
        let (origin_a, path_a, query_a, fragment_a) = split(original);
        let (origin_b, path_b, query_b, fragment_b) = split(written);
        if origin_a != origin_b {
            self.problem(format!("{at}: the origin {origin_a} became {origin_b}"));
        }
        self.path(&format!("{at} path"), &path_a, &path_b);
        self.form(&format!("{at} query"), &query_a, &query_b);
        self.text(&format!("{at} fragment"), &fragment_a, &fragment_b);
    }

    /// Every difference found.
    pub(super) fn problems(self) -> Vec<String> {
        self.problems
    }
}

/// A string for a message: quoted, a long one cut.
pub(super) fn shorten(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= 300 {
        format!("{text:?}")
    } else {
        let cut: String = chars[..300].iter().collect();
        format!("{cut:?}…")
    }
}

/// A JSON text for a message, a long one cut.
pub(super) fn cut(text: &str) -> String {
    match text.char_indices().nth(300) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// The problems found under `what`, numbered (at most 60 shown), for a failure message.
pub(super) fn report(what: &str, problems: &[String]) -> String {
    let shown: Vec<String> = problems
        .iter()
        .take(60)
        .enumerate()
        .map(|(index, problem)| format!("  {}. {problem}", index + 1))
        .collect();
    format!(
        "{what}: {} difference(s) redaction may not make:\n{}",
        problems.len(),
        shown.join("\n")
    )
}

/// Fails with the problems found, when there is one.
pub(super) fn assert_no_problems(what: &str, problems: &[String]) {
    assert!(problems.is_empty(), "{}", report(what, problems));
}
