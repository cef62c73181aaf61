//! How a name is read for comparison: folded ([`fold`]), split into its words ([`parts`]),
//! and by the last part of a bracketed or dotted name.

/// A name folded for comparison: lower case, without `_`, `-`, `.`, spaces and brackets.
pub fn fold(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '_' | '-' | '.' | '[' | ']' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The words a name is made of, lower case: split at `_`, `-`, `.`, `:`, spaces, brackets and
/// camel-case humps (`gis_pass` is `gis pass`, `AccountKey` is `account key`,
/// `X-Amz-Signature` is `x amz signature`, `PWD` is `pwd`).
pub fn parts(name: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (index, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                parts.push(std::mem::take(&mut current));
            }
            continue;
        }
        // A hump: `aB` and `ABc` (the last capital of a run begins the next word).
        let previous = index.checked_sub(1).map(|at| chars[at]);
        let next = chars.get(index + 1).copied();
        let hump = c.is_uppercase()
            && previous.is_some_and(|p| {
                p.is_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_uppercase() && next.is_some_and(char::is_lowercase))
            });
        if hump && !current.is_empty() {
            parts.push(std::mem::take(&mut current));
        }
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
}

/// The ways a name is read: folded whole, and by the last part of a bracketed or dotted name
/// (`user[password]`, `auth.token`).
pub(super) fn readings(name: &str) -> impl Iterator<Item = String> {
    let last = name
        .trim_end_matches(']')
        .rsplit(['[', ']', '.', ':'])
        .next()
        .filter(|last| !last.is_empty() && last.len() < name.len())
        .map(fold);
    std::iter::once(fold(name)).chain(last)
}
