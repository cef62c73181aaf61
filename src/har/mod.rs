//! HAR 1.2 files, the captures browsers' DevTools, Fiddler, Charles and mitmproxy save: read
//! and checked ([`read`]), turned into a fixture set as `record` would write it, through the same
//! [`crate::fixture::writer`] ([`import`]), and written back with the recorder's redaction
//! ([`sanitize`]); replay's journal is written as one by `replay::journal::har`. Which server a
//! capture is about is [`origin`]'s; writing a new set whole, `stage`'s.

pub mod import;
pub mod origin;
pub mod read;
pub mod sanitize;
mod stage;

pub use read::Har;

/// Whether `bytes` (a file's beginning) reads as a HAR: a JSON object whose first member is
/// `log`, as every writer puts it.
pub fn looks_like_har(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(64)]);
    let mut rest = text.trim_start();
    let Some(after) = rest.strip_prefix('{') else {
        return false;
    };
    rest = after.trim_start();
    rest.starts_with("\"log\"")
}
