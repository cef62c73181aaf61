//! Canaries: values that must reach no file and no terminal, searched for in every spelling a
//! recording might hold them in.

use std::fmt::Display;
use std::path::Path;

use base64::Engine as _;

use crate::util::all_files;

/// Every spelling of `value` a recording might hold it in: as is, percent-encoded (as forms do,
/// every byte, either case of hex), JSON-escaped, as HTML references, in hex, as UTF-16, and in
/// base64 (standard and URL-safe, at each of the three places it may start within an encoded
/// document).
pub fn spellings(value: &str) -> Vec<String> {
    let mut all = vec![
        value.to_string(),
        form_urlencoded::byte_serialize(value.as_bytes()).collect(),
        value.bytes().map(|b| format!("%{b:02X}")).collect(),
        value.bytes().map(|b| format!("%{b:02x}")).collect(),
        value
            .chars()
            .map(|c| format!("\\u{:04x}", c as u32))
            .collect(),
        value.chars().map(|c| format!("&#{};", c as u32)).collect(),
    ];
    all.push(value.bytes().map(|b| format!("{b:02x}")).collect());
    all.push(value.bytes().map(|b| format!("{b:02X}")).collect());
    let utf16: Vec<u8> = value.encode_utf16().flat_map(u16::to_le_bytes).collect();
    all.push(String::from_utf8_lossy(&utf16).into_owned());
    for offset in 0..3usize {
        let mut input = vec![b' '; offset];
        input.extend_from_slice(value.as_bytes());
        let encoded = base64::engine::general_purpose::STANDARD_NO_PAD.encode(&input);
        let core = &encoded[(8 * offset).div_ceil(6)..8 * input.len() / 6];
        if core.len() >= 8 {
            all.push(core.to_string());
            all.push(core.replace('+', "-").replace('/', "_"));
        }
    }
    all.sort();
    all.dedup();
    all
}

/// Fails if any spelling ([`spellings`]) of any canary is in a file under `dir` or in `printed`
/// (what the binary printed). Each canary comes as `(whose, value)`: `whose` (a case's name, a
/// kind of secret) is said in the failure, with the file's text.
pub fn assert_no_canary<W: Display, V: AsRef<str>>(dir: &Path, printed: &str, canaries: &[(W, V)]) {
    let files = all_files(dir);
    for (whose, canary) in canaries {
        let canary = canary.as_ref();
        for spelling in spellings(canary) {
            for (path, bytes) in &files {
                let text = String::from_utf8_lossy(bytes);
                assert!(
                    !text.contains(&spelling),
                    "{whose}: {} holds {spelling:?} (a spelling of {canary:?}):\n{text}",
                    path.display()
                );
            }
            assert!(
                !printed.contains(&spelling),
                "{whose}: printed {spelling:?} (a spelling of {canary:?}):\n{printed}"
            );
        }
    }
}
