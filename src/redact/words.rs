//! Ordinary words: English and the words of the formats, products and APIs a recording is made
//! of. A personal value that is one of them (a surname `Post`, a first name `Max`, a surname
//! `English`) is never hunted through a recording's text, where it would rewrite `POST`,
//! `"max"` or `"units": "english"`; it is replaced only where a personal field holds it.
//!
//! The English list is the lower-case words of 3 to 16 letters of SCOWL's American English
//! list (Debian's `wamerican` 2020.12.07: `grep -E '^[a-z]{3,16}$'
//! /usr/share/dict/american-english`), gzip-compressed in `words.txt.gz` and read once, when
//! redaction first asks. Capitalised entries (people's and places' names) are left out of it:
//! they are what must still be found. SCOWL is Copyright 2000-2011 by Kevin Atkinson, with
//! permission to use, copy, modify, distribute and sell the lists for any purpose, provided
//! that this notice appears; it is provided "as is" without express or implied warranty.

use std::collections::HashSet;
use std::io::Read;
use std::sync::OnceLock;

use super::word_lists::{API_WORDS, MORE_WORDS};

static ENGLISH_GZ: &[u8] = include_bytes!("words.txt.gz");

fn english() -> &'static HashSet<&'static str> {
    static WORDS: OnceLock<HashSet<&'static str>> = OnceLock::new();
    WORDS.get_or_init(|| {
        let mut text = String::new();
        flate2::read::GzDecoder::new(ENGLISH_GZ)
            .read_to_string(&mut text)
            .expect("the shipped word list is gzip of UTF-8");
        let text: &'static str = Box::leak(text.into_boxed_str());
        text.lines().chain(MORE_WORDS.iter().copied()).collect()
    })
}

/// Whether `value`, in any case, is an ordinary word (see the module's documentation).
pub fn is_word(value: &str) -> bool {
    let lower = value.to_lowercase();
    let words = english();
    words.contains(lower.as_str())
        || lower
            .strip_suffix('s')
            .is_some_and(|singular| words.contains(singular))
}

/// Whether `value` is a word of the API that must never be hunted (see [`API_WORDS`]).
pub fn is_api_word(value: &str) -> bool {
    API_WORDS
        .iter()
        .any(|word| value.eq_ignore_ascii_case(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_of_english_and_of_the_api_are_words_and_names_are_not() {
        for word in [
            "Post", "GET", "max", "Key", "English", "Standard", "Python", "sde",
        ] {
            assert!(is_word(word), "{word}");
        }
        for name in ["Garcia", "Jürgen", "Müller", "jdoe", "Nakamura", "Oyelaran"] {
            assert!(!is_word(name), "{name}");
        }
    }
}
