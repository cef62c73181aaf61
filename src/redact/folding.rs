//! Names as names are compared: Unicode NFC, then full lower case ([`fold_name`]), and a
//! decoded text seen the same way with the place of each folded byte ([`Folded`]), where
//! personal values are hunted in any case and any normal form.

use std::ops::Range;

use super::decode::{utf8_char_len, whole_units};

/// A name as names are compared: Unicode NFC, then full lower case (`ß` as `ss`, a final
/// sigma as a sigma), so `MÜLLER`, `Müller` and a decomposed `Mu\u{308}ller` are one.
pub fn fold_name(value: &str) -> String {
    use unicode_normalization::UnicodeNormalization as _;
    let mut folded = String::with_capacity(value.len());
    for c in value.nfc() {
        push_folded(&mut folded, c);
    }
    folded
}

fn push_folded(out: &mut String, c: char) {
    match c {
        'ß' | 'ẞ' => out.push_str("ss"),
        'ς' => out.push('σ'),
        _ => out.extend(c.to_lowercase()),
    }
}

/// Decoded bytes as [`fold_name`] folds them, with for each folded byte the range of the
/// decoded bytes it came from: where names are hunted in any case and any normal form. Only
/// made for texts that are not all ASCII (ASCII folds by the automaton's own case rule).
pub struct Folded {
    bytes: Vec<u8>,
    spans: Vec<(u32, u32)>,
}

impl Folded {
    /// The folded view of `decoded`, or `None` when it is all ASCII.
    pub fn new(decoded: &[u8]) -> Option<Folded> {
        use unicode_normalization::UnicodeNormalization as _;
        use unicode_normalization::char::canonical_combining_class;
        if decoded.is_ascii() {
            return None;
        }
        let mut bytes = Vec::with_capacity(decoded.len());
        let mut spans = Vec::with_capacity(decoded.len());
        let char_at = |at: usize| -> Option<(char, usize)> {
            let len = if decoded[at] < 0x80 {
                1
            } else {
                utf8_char_len(decoded, at)?
            };
            let c = std::str::from_utf8(&decoded[at..at + len])
                .ok()?
                .chars()
                .next()?;
            Some((c, len))
        };
        let mut at = 0;
        let mut segment = String::new();
        while at < decoded.len() {
            let Some((c, len)) = char_at(at) else {
                // Not UTF-8: carried as it is.
                bytes.push(decoded[at]);
                spans.push((at as u32, at as u32 + 1));
                at += 1;
                continue;
            };
            // A starter and the combining marks after it compose together.
            let start = at;
            segment.clear();
            segment.push(c);
            at += len;
            while at < decoded.len()
                && let Some((mark, len)) = char_at(at)
                && canonical_combining_class(mark) != 0
            {
                segment.push(mark);
                at += len;
            }
            let mut folded = String::new();
            for c in segment.nfc() {
                push_folded(&mut folded, c);
            }
            for byte in folded.bytes() {
                bytes.push(byte);
                spans.push((start as u32, at as u32));
            }
        }
        Some(Folded { bytes, spans })
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The decoded bytes that folded bytes `range` came from, when it starts and ends on whole
    /// characters.
    pub fn decoded_range(&self, range: Range<usize>) -> Option<Range<usize>> {
        whole_units(&self.spans, range)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fold_in_any_case_and_normal_form() {
        assert_eq!(fold_name("MÜLLER"), "müller");
        assert_eq!(fold_name("Mu\u{308}ller"), "müller");
        assert_eq!(fold_name("Straße"), "strasse");
        let text = "Hi MU\u{308}LLER, JÜRGEN!";
        let folded = Folded::new(text.as_bytes()).unwrap();
        let found = String::from_utf8(folded.bytes().to_vec()).unwrap();
        assert_eq!(found, "hi müller, jürgen!");
        let at = found.find("müller").unwrap();
        let range = folded.decoded_range(at..at + "müller".len()).unwrap();
        assert_eq!(&text[range], "MU\u{308}LLER");
        assert!(Folded::new(b"all ascii").is_none());
    }
}
