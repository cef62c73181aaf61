//! Personal data: which person a value is, and the pseudonym each of their values gets. One
//! person is one number across a set however their values are spelled (see [`person_key`]):
//! names folded ([`fold_name`]) and read in any order of their words, `CORP\user` as `user`,
//! the personal cells of a CSV row as one person. A value is hunted through text only where it
//! is distinctive ([`super::is_huntable_personal`]): a name of ordinary words only as written.

use super::folding::fold_name;
use super::text;
use super::{
    Extent, Personal, REDACTED, Redactor, base64_cores, is_example_address, is_huntable_personal,
    is_redacted, names, pseudonym,
};

impl Redactor {
    /// Hunts `value` as a whole token, replaced by `replacement`; in any case and normal form
    /// when `any_case`.
    fn hunt_token(&mut self, value: &str, replacement: String, any_case: bool) {
        self.hunt(
            text::decoded_form(value),
            replacement,
            Extent::Token,
            any_case,
        );
    }

    /// Gives the personal values of one person (one JSON object, one parameter, one CSV row)
    /// their pseudonyms: the same person's values share a number, however they are spelled
    /// (see [`person_key`]) and wherever they were seen first.
    pub(super) fn learn_person(&mut self, values: &[(Personal, String)]) {
        let values: Vec<&(Personal, String)> = values
            .iter()
            .filter(|(kind, value)| {
                !self.options.keep.contains(kind)
                    && !value.trim().is_empty()
                    && !self.pseudonyms.contains_key(value.as_str())
                    && !is_redacted(value)
                    && !super::looks_like_pseudonym(value)
                    && !text::is_template(value)
                    && !is_example_address(value)
            })
            .collect();
        if values.is_empty() {
            return;
        }
        let person = values
            .iter()
            .find_map(|(_, value)| self.people.get(&person_key(value)).copied())
            .unwrap_or_else(|| {
                self.counts.people += 1;
                self.counts.people
            });
        for (kind, value) in values {
            self.give_pseudonym(*kind, value, person);
        }
    }

    fn give_pseudonym(&mut self, kind: Personal, value: &str, person: usize) {
        let pair = (kind, value.to_string());
        if self.personal_pseudonyms.contains_key(&pair) {
            return;
        }
        self.people.entry(person_key(value)).or_insert(person);
        let pseudonym = pseudonym(kind, person);
        self.pseudonyms.insert(pseudonym.clone(), value.to_string());
        if is_huntable_personal(value) {
            // A person's values in any case and normal form: `JDoe_GIS` is `jdoe_gis`.
            self.hunt_token(value, pseudonym.clone(), true);
        } else if words_of(value).len() >= 2 {
            // A name of ordinary words (`Will Post`) is hunted only as it is written, whole,
            // and in capitals: `we will post` is left as it is.
            for spelling in [value.trim().to_string(), value.trim().to_uppercase()] {
                self.hunt_token(&spelling, pseudonym.clone(), false);
            }
        }
        if kind == Personal::Email {
            for core in base64_cores(value.as_bytes()) {
                self.hunt(core.into_bytes(), pseudonym.clone(), Extent::Base64, false);
            }
        }
        for (part, kind) in name_parts(kind, value) {
            if kind == Personal::Username {
                // `CORP\jdoe` and `jdoe` are one user.
                self.people.entry(person_key(part)).or_insert(person);
            }
            if is_huntable_personal(part) {
                self.hunt_token(part, self::pseudonym(kind, person), true);
            }
        }
        self.personal_pseudonyms.insert(pair, pseudonym);
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
            self.hunt_token(value, pseudonym.clone(), false);
        }
        pseudonym
    }

    pub(super) fn personal(&self, name: &str) -> Option<Personal> {
        names::personal_field(name).filter(|kind| !self.options.keep.contains(kind))
    }

    /// A field that is personal inside a person's object ([`names::weak_personal_field`]).
    pub(super) fn weak_personal(&self, name: &str) -> Option<Personal> {
        names::weak_personal_field(name).filter(|kind| !self.options.keep.contains(kind))
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
        match self.people.get(&person_key(value)) {
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
}

/// What one person's value is known by: folded ([`fold_name`]), and for a name its words in
/// order (`MÜLLER, JÜRGEN` is `Jürgen Müller`).
pub(super) fn person_key(value: &str) -> String {
    let folded = fold_name(value.trim());
    if folded.contains('@') || folded.contains('\\') {
        return folded;
    }
    let mut words: Vec<&str> = folded
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|word| !word.is_empty())
        .collect();
    words.sort_unstable();
    words.join(" ")
}

/// The parts of a personal value that stand for the person alone: a name's words (the first
/// of a full name is the first name, the rest the surname, both halves of a double surname;
/// `GARCIA, MARIA` the other way round), and the user of `DOMAIN\user` or a user principal
/// name `user@domain`.
fn name_parts(kind: Personal, value: &str) -> Vec<(&str, Personal)> {
    let value = value.trim();
    match kind {
        Personal::Username => {
            let user = value
                .rsplit_once('\\')
                .map(|(_, user)| user)
                .unwrap_or(value);
            (user != value && !user.is_empty())
                .then_some((user, Personal::Username))
                .into_iter()
                .collect()
        }
        Personal::Email => Vec::new(),
        Personal::FirstName | Personal::LastName => {
            let words = words_of(value);
            if words.len() < 2 {
                return Vec::new();
            }
            words.into_iter().map(|word| (word, kind)).collect()
        }
        Personal::FullName => {
            // `Last, First` or `First Last …`.
            let (first, last) = match value.split_once(',') {
                Some((last, first)) => (words_of(first), words_of(last)),
                None => {
                    let words = words_of(value);
                    let (first, last) = words.split_at(words.len().min(1));
                    (first.to_vec(), last.to_vec())
                }
            };
            if first.len() + last.len() < 2 {
                return Vec::new();
            }
            let first = first.into_iter().map(|word| (word, Personal::FirstName));
            first
                .chain(last.into_iter().map(|word| (word, Personal::LastName)))
                .collect()
        }
    }
}

fn words_of(value: &str) -> Vec<&str> {
    value
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|word| !word.is_empty())
        .collect()
}
