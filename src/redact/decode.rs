//! Text seen through the encodings a value may hide in. [`Decoded`] reads a text once, undoing
//! percent-encoding, JSON string escapes (`\u005f`, `\/`) and HTML character references
//! (`&#95;`, `&amp;`, the Latin-1 names), nested up to three deep, and remembers for each decoded
//! byte where it came from. Everything that looks for a value (a secret's name, a JWT, a learned
//! token) looks at the decoded bytes, and whatever it finds is replaced in the original text at
//! the place it came from. So one search covers a value written plainly, percent-encoded,
//! JSON-escaped, entity-encoded or any mix of these, and never needs a list of spellings per
//! value.

use std::ops::Range;

/// A text, decoded, with the place in the original of each decoded byte.
pub struct Decoded<'a> {
    original: &'a str,
    bytes: Vec<u8>,
    /// For each decoded byte, the range of the original that decoded to it (the bytes of one
    /// unit, such as a character, share a range).
    spans: Vec<(u32, u32)>,
}

/// How many times escapes are undone: a value JSON-escaped, then percent-encoded, then put in
/// HTML is still found.
const DECODING_PASSES: usize = 3;

impl<'a> Decoded<'a> {
    pub fn new(original: &'a str) -> Decoded<'a> {
        let (mut bytes, mut spans) = decode_pass(original.as_bytes(), None);
        for _ in 1..DECODING_PASSES {
            if !bytes.iter().any(|b| matches!(b, b'%' | b'\\' | b'&')) {
                break;
            }
            let (again, again_spans) = decode_pass(&bytes, Some(&spans));
            if again == bytes {
                break;
            }
            bytes = again;
            spans = again_spans;
        }
        Decoded {
            original,
            bytes,
            spans,
        }
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn original(&self) -> &'a str {
        self.original
    }

    /// The range of the original that decoded bytes `range` came from, when the range starts and
    /// ends on whole units (not inside one escape or one character).
    pub fn original_range(&self, range: Range<usize>) -> Option<Range<usize>> {
        whole_units(&self.spans, range).filter(|original| {
            self.original.is_char_boundary(original.start)
                && self.original.is_char_boundary(original.end)
        })
    }

    /// The decoded bytes `range` as text (lossy).
    pub fn text(&self, range: Range<usize>) -> String {
        String::from_utf8_lossy(&self.bytes[range]).into_owned()
    }

    /// Whether the decoded character before `at` (or the start) lets a whole token begin at
    /// `at`: not a letter, digit or `_` of any script (`。` and `«` end a name, `é` does not).
    pub fn boundary_before(&self, at: usize) -> bool {
        if at == 0 {
            return true;
        }
        let byte = self.bytes[at - 1];
        if byte < 0x80 {
            return !is_token_byte(byte);
        }
        (2..=4.min(at))
            .find_map(|len| char_of(&self.bytes[at - len..at]))
            .is_none_or(|c| !c.is_alphanumeric())
    }

    /// Whether the decoded character at `at` (or the end) lets a whole token end there.
    pub fn boundary_after(&self, at: usize) -> bool {
        if at >= self.bytes.len() {
            return true;
        }
        let byte = self.bytes[at];
        if byte < 0x80 {
            return !is_token_byte(byte);
        }
        (2..=4)
            .filter(|len| at + len <= self.bytes.len())
            .find_map(|len| char_of(&self.bytes[at..at + len]))
            .is_none_or(|c| !c.is_alphanumeric())
    }
}

/// The range that `spans[range]` came from, when `range` starts and ends on whole units (the
/// bytes of one unit share a span).
pub(super) fn whole_units(spans: &[(u32, u32)], range: Range<usize>) -> Option<Range<usize>> {
    if range.is_empty() || range.end > spans.len() {
        return None;
    }
    let first = spans[range.start];
    let last = spans[range.end - 1];
    let starts_unit = range.start == 0 || spans[range.start - 1] != first;
    let ends_unit = range.end == spans.len() || spans[range.end] != last;
    (starts_unit && ends_unit).then_some(first.0 as usize..last.1 as usize)
}

/// One pass of decoding over `input`; `outer` maps `input`'s bytes to the original (none on the
/// first pass, where they are the original).
fn decode_pass(input: &[u8], outer: Option<&[(u32, u32)]>) -> (Vec<u8>, Vec<(u32, u32)>) {
    let mut bytes = Vec::with_capacity(input.len());
    let mut spans = Vec::with_capacity(input.len());
    let mut at = 0;
    while at < input.len() {
        let (decoded, used) = decode_unit(input, at);
        let span = match outer {
            None => (at as u32, (at + used) as u32),
            Some(outer) => (outer[at].0, outer[at + used - 1].1),
        };
        match decoded {
            Unit::Byte(byte) => {
                bytes.push(byte);
                spans.push(span);
            }
            Unit::Char(c) => {
                let mut buffer = [0; 4];
                for byte in c.encode_utf8(&mut buffer).bytes() {
                    bytes.push(byte);
                    spans.push(span);
                }
            }
            Unit::Raw => {
                for &byte in &input[at..at + used] {
                    bytes.push(byte);
                    spans.push(span);
                }
            }
        }
        at += used;
    }
    (bytes, spans)
}

/// The decoded form of `value`, as [`Decoded`] would read it inside a text: what a learned value
/// is searched for.
pub fn decoded_form(value: &str) -> Vec<u8> {
    Decoded::new(value).bytes
}

/// The one character `bytes` are, if they are exactly one.
fn char_of(bytes: &[u8]) -> Option<char> {
    let text = std::str::from_utf8(bytes).ok()?;
    let mut chars = text.chars();
    let c = chars.next()?;
    chars.next().is_none().then_some(c)
}

/// Bytes that continue a token: a value is replaced only where it is not glued to one of these
/// (`admin` is not replaced inside `administrator`, `tok1` not inside `tok12`).
pub fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80
}

enum Unit {
    Byte(u8),
    Char(char),
    /// The bytes as they are, as one unit: a character of several bytes is never split.
    Raw,
}

fn hex(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|digit| digit as u8)
}

fn hex_pair(text: &[u8], at: usize) -> Option<u8> {
    Some(hex(*text.get(at)?)? * 16 + hex(*text.get(at + 1)?)?)
}

fn hex4(text: &[u8], at: usize) -> Option<u32> {
    let digits = text.get(at..at + 4)?;
    let mut value = 0;
    for &digit in digits {
        value = value * 16 + u32::from(hex(digit)?);
    }
    Some(value)
}

/// The length of the UTF-8 character starting at `at`, if a whole valid one does.
pub(super) fn utf8_char_len(text: &[u8], at: usize) -> Option<usize> {
    let len = match text[at] {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return None,
    };
    let bytes = text.get(at..at + len)?;
    std::str::from_utf8(bytes).ok().map(|_| len)
}

/// One unit of text at `at`: what it decodes to and how many bytes it takes.
fn decode_unit(text: &[u8], at: usize) -> (Unit, usize) {
    let byte = text[at];
    match byte {
        b'%' => {
            // `%25HH` is a percent-encoded percent before two hex digits: encoded twice.
            if text.get(at + 1..at + 3) == Some(b"25")
                && let Some(value) = hex_pair(text, at + 3)
            {
                return (Unit::Byte(value), 5);
            }
            if let Some(value) = hex_pair(text, at + 1) {
                return (Unit::Byte(value), 3);
            }
        }
        b'\\' => match text.get(at + 1) {
            Some(b'u') => {
                if let Some(code) = hex4(text, at + 2) {
                    if (0xD800..0xDC00).contains(&code)
                        && text.get(at + 6..at + 8) == Some(b"\\u")
                        && let Some(low) = hex4(text, at + 8)
                        && (0xDC00..0xE000).contains(&low)
                    {
                        let combined = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                        if let Some(c) = char::from_u32(combined) {
                            return (Unit::Char(c), 12);
                        }
                    }
                    if let Some(c) = char::from_u32(code) {
                        return (Unit::Char(c), 6);
                    }
                }
            }
            Some(&escaped @ (b'/' | b'"' | b'\\' | b'\'')) => return (Unit::Byte(escaped), 2),
            Some(b'n') => return (Unit::Byte(b'\n'), 2),
            Some(b't') => return (Unit::Byte(b'\t'), 2),
            Some(b'r') => return (Unit::Byte(b'\r'), 2),
            _ => {}
        },
        b'&' => {
            if let Some((c, used)) = html_reference(text, at) {
                return (Unit::Char(c), used);
            }
        }
        0x80.. => {
            if let Some(len) = utf8_char_len(text, at) {
                return (Unit::Raw, len);
            }
        }
        _ => {}
    }
    (Unit::Byte(byte), 1)
}

/// The names of HTML's Latin-1 character references, from U+00A0 on.
const LATIN1_NAMES: [&str; 96] = [
    "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf",
    "laquo", "not", "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro",
    "para", "middot", "cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest",
    "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil", "Egrave", "Eacute",
    "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml", "ETH", "Ntilde", "Ograve", "Oacute",
    "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute",
    "THORN", "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
    "egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde",
    "ograve", "oacute", "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave", "uacute", "ucirc",
    "uuml", "yacute", "thorn", "yuml",
];

/// An HTML character reference at `at` (`&#95;`, `&#x5F;`, `&amp;`, the other XML names, the
/// Latin-1 names, `&euro;`), and its length.
fn html_reference(text: &[u8], at: usize) -> Option<(char, usize)> {
    let rest = &text[at + 1..text.len().min(at + 12)];
    let end = rest.iter().position(|&b| b == b';')?;
    let name = std::str::from_utf8(&rest[..end]).ok()?;
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "euro" => '€',
        _ if name.starts_with('#') => {
            let digits = &name[1..];
            let code = match digits.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => digits.parse().ok()?,
            };
            char::from_u32(code)?
        }
        _ => {
            let index = LATIN1_NAMES.iter().position(|known| *known == name)?;
            char::from_u32(0xA0 + index as u32)?
        }
    };
    Some((c, end + 2))
}

/// A text in UTF-16 without a byte-order mark (or with one), as a string: at least half of
/// its first bytes NUL at every other place. `None` for anything else.
pub fn utf16_text(bytes: &[u8]) -> Option<String> {
    if bytes.len() < 8 || bytes.len() % 2 != 0 {
        return None;
    }
    let sample = &bytes[..bytes.len().min(512)];
    let nul_at = |parity: usize| {
        sample
            .iter()
            .skip(parity)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let pairs = sample.len() / 2;
    let little = nul_at(1) * 2 >= pairs && nul_at(0) * 8 < pairs;
    let big = nul_at(0) * 2 >= pairs && nul_at(1) * 8 < pairs;
    if !little && !big {
        return None;
    }
    let units = bytes.chunks_exact(2).map(|pair| {
        if little {
            u16::from_le_bytes([pair[0], pair[1]])
        } else {
            u16::from_be_bytes([pair[0], pair[1]])
        }
    });
    let text: String = char::decode_utf16(units).collect::<Result<_, _>>().ok()?;
    Some(text.trim_start_matches('\u{feff}').to_string())
}

/// `value` in UTF-16, little- or big-endian: how a learned value is hunted in such a text.
pub fn utf16(value: &str, big_endian: bool) -> Vec<u8> {
    value
        .encode_utf16()
        .flat_map(|unit| {
            if big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_encoding_decodes_to_the_same_bytes_with_their_places() {
        let text = r"a%5Fb %255F \u005f \/ &#95; &#x5f; &amp; \ud83d\ude00 %zz";
        let decoded = Decoded::new(text);
        assert_eq!(
            String::from_utf8(decoded.bytes().to_vec()).unwrap(),
            "a_b _ _ / _ _ & 😀 %zz"
        );
        assert_eq!(decoded.original_range(1..2), Some(1..4));
        // Half of a four-byte character is not a place of its own.
        let emoji = decoded.bytes().len() - 8;
        assert_eq!(decoded.original_range(emoji..emoji + 2), None);
    }
}
