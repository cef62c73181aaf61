//! A reader of the plain JSON recordings are written in, into a [`Light`], a few times faster
//! than `serde_json` through its visitor (a recording is fifty thousand payloads). It reads a
//! strict part of JSON: objects and arrays not nested past [`DEPTH`], strings whose escapes
//! are the one-letter ones, integers that fit in 64 bits, `true`, `false`, `null`. For
//! anything else (a fraction, an exponent, `\u`, `-0`, a key twice, an error) it gives up, and
//! `serde_json` reads the text: so what it reads, it reads exactly as `serde_json` does (a
//! test holds the two together).

use std::borrow::Cow;

use super::Light;

/// How deep objects and arrays may nest here (`serde_json` refuses past 128).
const DEPTH: usize = 64;

/// The payload in `text`, or `None` when `text` is not of the part of JSON read here.
pub(super) fn parse(text: &str) -> Option<Light<'_>> {
    let mut scan = Scan {
        text,
        bytes: text.as_bytes(),
        at: 0,
        // Room for a payload's fields and items at once: growing a vector is a reallocation.
        fields: Vec::with_capacity(32),
        items: Vec::with_capacity(16),
    };
    let value = scan.value(0)?;
    scan.space();
    (scan.at == scan.bytes.len()).then_some(value)
}

/// The bit of [`Scan::object`]'s filter for `key`.
fn key_bit(key: &str) -> u64 {
    let bytes = key.as_bytes();
    let (first, last) = (bytes.first().copied(), bytes.last().copied());
    let mix =
        bytes.len() as u32 * 7 + u32::from(first.unwrap_or(0)) * 3 + u32::from(last.unwrap_or(0));
    1 << (mix % 64)
}

struct Scan<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    /// The fields of the objects being read, innermost last: each object is given a vector
    /// of its own size once read, not grown field by field.
    fields: Vec<(Cow<'a, str>, Light<'a>)>,
    /// The same for arrays' items.
    items: Vec<Light<'a>>,
}

impl<'a> Scan<'a> {
    fn space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    /// The next byte after white space, taken.
    fn next(&mut self) -> Option<u8> {
        self.space();
        let byte = *self.bytes.get(self.at)?;
        self.at += 1;
        Some(byte)
    }

    fn value(&mut self, depth: usize) -> Option<Light<'a>> {
        match self.next()? {
            b'{' if depth < DEPTH => self.object(depth + 1),
            b'[' if depth < DEPTH => self.array(depth + 1),
            b'"' => self.string().map(Light::String),
            b't' => self.word(b"rue", Light::Bool(true)),
            b'f' => self.word(b"alse", Light::Bool(false)),
            b'n' => self.word(b"ull", Light::Null),
            b'-' | b'0'..=b'9' => {
                self.at -= 1;
                self.integer()
            }
            _ => None,
        }
    }

    fn word(&mut self, rest: &[u8], value: Light<'a>) -> Option<Light<'a>> {
        self.bytes[self.at..].starts_with(rest).then(|| {
            self.at += rest.len();
            value
        })
    }

    /// An object, its `{` taken.
    fn object(&mut self, depth: usize) -> Option<Light<'a>> {
        let start = self.fields.len();
        // A bit per key (of its length and ends): only a key whose bit is set already can be
        // one seen before, and is looked for among them.
        let mut seen = 0u64;
        self.space();
        if self.bytes.get(self.at) == Some(&b'}') {
            self.at += 1;
            return Some(Light::Object(Vec::new()));
        }
        loop {
            if self.next()? != b'"' {
                return None;
            }
            let key = self.string()?;
            let bit = key_bit(&key);
            if (seen & bit != 0 && self.fields[start..].iter().any(|(known, _)| *known == key))
                || self.next()? != b':'
            {
                return None;
            }
            seen |= bit;
            let value = self.value(depth)?;
            self.fields.push((key, value));
            match self.next()? {
                b',' => {}
                b'}' => return Some(Light::Object(self.fields.drain(start..).collect())),
                _ => return None,
            }
        }
    }

    /// An array, its `[` taken.
    fn array(&mut self, depth: usize) -> Option<Light<'a>> {
        let start = self.items.len();
        self.space();
        if self.bytes.get(self.at) == Some(&b']') {
            self.at += 1;
            return Some(Light::Array(Vec::new()));
        }
        loop {
            let item = self.value(depth)?;
            self.items.push(item);
            match self.next()? {
                b',' => {}
                b']' => return Some(Light::Array(self.items.drain(start..).collect())),
                _ => return None,
            }
        }
    }

    /// A string, its opening quote taken: borrowed from the text when it has no escape.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        let start = self.at;
        self.plain();
        let mut owned = match *self.bytes.get(self.at)? {
            b'"' => {
                self.at += 1;
                return Some(Cow::Borrowed(&self.text[start..self.at - 1]));
            }
            b'\\' => {
                // Room for most of what follows without growing.
                let mut owned = String::with_capacity(self.at - start + 64);
                owned.push_str(&self.text[start..self.at]);
                owned
            }
            _ => return None,
        };
        loop {
            match *self.bytes.get(self.at)? {
                b'"' => {
                    self.at += 1;
                    return Some(Cow::Owned(owned));
                }
                b'\\' => {
                    owned.push(match *self.bytes.get(self.at + 1)? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        _ => return None,
                    });
                    self.at += 2;
                }
                _ => {
                    let run = self.at;
                    self.plain();
                    if run == self.at {
                        return None; // a control character
                    }
                    owned.push_str(&self.text[run..self.at]);
                }
            }
        }
    }

    /// Past the characters of a string that stand for themselves: up to a quote, a backslash
    /// or a control character (which JSON does not allow in a string). Each of those is ASCII,
    /// so where this stops is a character's boundary.
    fn plain(&mut self) {
        let rest = &self.bytes[self.at..];
        let end = memchr::memchr2(b'"', b'\\', rest).unwrap_or(rest.len());
        // A control character is rare enough to be looked for after the fact.
        let run = &rest[..end];
        self.at += match run.iter().fold(false, |any, &byte| any | (byte < 0x20)) {
            false => end,
            true => run.iter().position(|&byte| byte < 0x20).unwrap_or(end),
        };
    }

    /// An integer (`-`, then `0` or digits not starting with `0`), as `serde_json` gives it: a
    /// `u64` when it is not negative, an `i64` when it is.
    fn integer(&mut self) -> Option<Light<'a>> {
        let start = self.at;
        let negative = self.bytes[self.at] == b'-';
        self.at += usize::from(negative);
        let digits = self.at;
        while let Some(b'0'..=b'9') = self.bytes.get(self.at) {
            self.at += 1;
        }
        let number = &self.text[digits..self.at];
        let plain = match number.as_bytes() {
            [] => false,
            [b'0', _, ..] => false,
            _ => !matches!(self.bytes.get(self.at), Some(b'.' | b'e' | b'E')),
        };
        if !plain {
            return None;
        }
        let number = match negative {
            false => number.parse::<u64>().ok()?.into(),
            // `-0` is a float to serde_json.
            true if number == "0" => return None,
            true => self.text[start..self.at].parse::<i64>().ok()?.into(),
        };
        Some(Light::Number(number))
    }
}
