//! How a recording is laid out: what an exchange's folder is called, and how step times are
//! written, both stable from one recording to the next so that recording a scenario again
//! changes few files.

use crate::fixture::exchange::RequestFile;

/// How step times (`offsetMs`) are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Offsets {
    /// To the millisecond.
    Exact,
    /// To two significant figures and never finer than 100 ms, so a scenario recorded again
    /// keeps its offsets unless its pace really changed (the default).
    #[default]
    Rounded,
    /// Not at all: the steps advance per poll only.
    None,
}

impl Offsets {
    pub(super) fn apply(self, ms: u64) -> Option<u64> {
        match self {
            Offsets::Exact => Some(ms),
            Offsets::Rounded => Some(round_offset(ms)),
            Offsets::None => None,
        }
    }
}

/// `ms` to two significant figures, in steps of at least 100 ms (1234 → 1200, 15678 → 16000).
fn round_offset(ms: u64) -> u64 {
    let digits = ms.checked_ilog10().map_or(1, |log| log + 1);
    let step = 10u64.pow(digits.saturating_sub(2)).max(100);
    (ms + step / 2) / step * step
}

/// An exchange's folder name: readable from its method and path, unique by a hash of the whole
/// request rule (`GET-arcgis-sharing-rest-info-5d41402a`).
pub fn exchange_name(request: &RequestFile) -> String {
    // Segments that look generated (an item ID, a token no one named) are left out of the
    // readable part: the hash keeps names apart, and the name is printed.
    let path = super::feedback::shown(&request.path).replace('…', "x");
    let mut slug = String::new();
    for c in format!("{}-{}", request.method, path).chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_matches('-').chars().take(80).collect();
    let mut key = format!("{}\n{}", request.method, request.path);
    for (name, value) in &request.params {
        key.push_str(&format!("\n{name}={value}"));
    }
    format!("{slug}-{:08x}", fnv1a(key.as_bytes()) as u32)
}

/// FNV-1a: a stable hash (std's hasher may change between releases, and these names are kept
/// on disk).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn offsets_are_rounded_to_two_figures_and_never_finer_than_100_ms() {
        let rounded: Vec<u64> = [0, 49, 51, 349, 1234, 9_960, 15_678, 123_456]
            .into_iter()
            .map(round_offset)
            .collect();
        assert_eq!(rounded, [0, 0, 100, 300, 1200, 10_000, 16_000, 120_000]);
    }

    #[test]
    fn exchange_names_are_readable_and_distinct_per_parameters() {
        let mut request = RequestFile {
            method: "GET".into(),
            path: "/arcgis/sharing/rest/info".into(),
            params: BTreeMap::from([("f".to_string(), "json".to_string())]),
            exact_method: false,
        };
        let json = exchange_name(&request);
        assert!(json.starts_with("GET-arcgis-sharing-rest-info-"), "{json}");
        request.params.insert("f".into(), "pjson".into());
        assert_ne!(exchange_name(&request), json);
    }
}
