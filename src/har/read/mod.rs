//! Reading a HAR 1.2 file: the whole document (kept for `sanitize`, which writes it back), and
//! each entry as the exchange it records, checked field by field. A field jobmock needs that is
//! missing or of the wrong type stops the read with its JSON path
//! (`log.entries[12].request.url`); fields it does not need are never looked at, so what one
//! writer adds (`_initiator`, `_fromCache`, `connection`) or leaves out (`timings`, `cache`)
//! does not matter.
//!
//! What an entry cannot give back (a body saved without its text, cut short, in an unknown
//! encoding) is not an error of the file: [`Entry::answer_body`] says why, and the importer
//! reports that entry instead of inventing an answer.
//!
//! # Layout
//!
//! - this module: the document read ([`Har`]) and checked field by field, each problem named
//!   by its JSON path; dates and times ([`parse_time`]).
//! - `entry`: one entry ([`Entry`]) and what it gives back: the request's body, the answer's.

mod entry;

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

pub use entry::{Content, Entry, PostData};

use crate::error::{Error, Result};
use crate::shape::kind_of;

/// The largest HAR read. A browser's HAR of a long session with bodies runs to hundreds of
/// megabytes; past this, save one of the part of the session that shows the problem.
pub const MAX_HAR_BYTES: u64 = 1024 * 1024 * 1024;

/// A HAR file, read and checked.
pub struct Har {
    pub path: PathBuf,
    /// The document as read, every field kept (in order), for writing it back.
    pub document: Value,
    /// `log.creator.name`, for the summary.
    pub creator: String,
    /// `log.entries`, in the file's order.
    pub entries: Vec<Entry>,
}

impl Har {
    /// Reads and checks `path`.
    pub fn read(path: &Path) -> Result<Har> {
        let bytes = crate::util::read::at_most(path, MAX_HAR_BYTES)
            .map_err(|source| Error::io(path, source))?
            .ok_or_else(|| {
                Error::too_large(
                    path,
                    format!("the HAR is larger than {} MiB", MAX_HAR_BYTES >> 20),
                    "save a HAR of the part of the session that shows the problem",
                )
            })?;
        Har::parse(path, &bytes)
    }

    /// Checks `bytes`, the content of the HAR at `path` (named in errors).
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<Har> {
        // Some writers (Fiddler, some Windows tools) start the file with a byte-order mark.
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let document: Value =
            serde_json::from_slice(bytes).map_err(|source| Error::json(path, bytes, source))?;
        let at = At { path };
        let root = at.object(&document, "")?;
        let log = at.object(at.field(root, "", "log")?, "log")?;
        let creator = log
            .get("creator")
            .and_then(|creator| creator.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("an unknown tool")
            .to_string();
        let listed = at.array(at.field(log, "log", "entries")?, "log.entries")?;
        let entries = listed
            .iter()
            .enumerate()
            .map(|(index, entry)| at.entry(index, entry))
            .collect::<Result<Vec<_>>>()?;
        Ok(Har {
            path: path.to_path_buf(),
            document,
            creator,
            entries,
        })
    }
}

/// Names places in the document for errors.
struct At<'a> {
    path: &'a Path,
}

impl At<'_> {
    fn error(&self, at: &str, problem: impl std::fmt::Display) -> Error {
        let at = if at.is_empty() { "the document" } else { at };
        Error::input(
            self.path,
            format!("{at}: {problem}"),
            "save the HAR again from the browser's DevTools (\"Save all as HAR with content\"), \
             Fiddler, Charles or mitmproxy; jobmock reads HAR 1.2",
        )
    }

    fn object<'v>(&self, value: &'v Value, at: &str) -> Result<&'v Map<String, Value>> {
        value
            .as_object()
            .ok_or_else(|| self.error(at, format!("expected an object, found {}", kind_of(value))))
    }

    fn array<'v>(&self, value: &'v Value, at: &str) -> Result<&'v Vec<Value>> {
        value
            .as_array()
            .ok_or_else(|| self.error(at, format!("expected an array, found {}", kind_of(value))))
    }

    fn field<'v>(&self, object: &'v Map<String, Value>, at: &str, name: &str) -> Result<&'v Value> {
        object.get(name).ok_or_else(|| {
            let place = if at.is_empty() {
                name.to_string()
            } else {
                format!("{at}.{name}")
            };
            self.error(&place, "is missing")
        })
    }

    fn string(&self, object: &Map<String, Value>, at: &str, name: &str) -> Result<String> {
        let value = self.field(object, at, name)?;
        value.as_str().map(str::to_string).ok_or_else(|| {
            self.error(
                &format!("{at}.{name}"),
                format!("expected a string, found {}", kind_of(value)),
            )
        })
    }

    /// An optional string field: absent or null is `None`.
    fn optional_string(
        &self,
        object: &Map<String, Value>,
        at: &str,
        name: &str,
    ) -> Result<Option<String>> {
        match object.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(other) => Err(self.error(
                &format!("{at}.{name}"),
                format!("expected a string, found {}", kind_of(other)),
            )),
        }
    }

    /// An optional number field: absent or null is `default`.
    fn optional_number(
        &self,
        object: &Map<String, Value>,
        at: &str,
        name: &str,
        default: f64,
    ) -> Result<f64> {
        match object.get(name) {
            None | Some(Value::Null) => Ok(default),
            Some(Value::Number(number)) => Ok(number.as_f64().unwrap_or(default)),
            Some(other) => Err(self.error(
                &format!("{at}.{name}"),
                format!("expected a number, found {}", kind_of(other)),
            )),
        }
    }

    /// A `[{"name": …, "value": …}]` list (headers, cookies, queryString, params); absent is
    /// empty. A missing value is empty (a file parameter's, a cookie's).
    fn pairs(
        &self,
        object: &Map<String, Value>,
        at: &str,
        name: &str,
    ) -> Result<Vec<(String, String)>> {
        let Some(list) = object.get(name) else {
            return Ok(Vec::new());
        };
        let place = format!("{at}.{name}");
        let mut pairs = Vec::new();
        for (index, item) in self.array(list, &place)?.iter().enumerate() {
            let place = format!("{place}[{index}]");
            let item = self.object(item, &place)?;
            let name = self.string(item, &place, "name")?;
            let value = self
                .optional_string(item, &place, "value")?
                .unwrap_or_default();
            pairs.push((name, value));
        }
        Ok(pairs)
    }

    fn entry(&self, index: usize, value: &Value) -> Result<Entry> {
        let at = format!("log.entries[{index}]");
        let entry = self.object(value, &at)?;
        let started = self.string(entry, &at, "startedDateTime")?;
        let started_ms = parse_time(&started).ok_or_else(|| {
            self.error(
                &format!("{at}.startedDateTime"),
                format!("{started:?} is not an ISO 8601 date and time (2026-11-29T22:37:42.123Z)"),
            )
        })?;
        let time_ms = self.optional_number(entry, &at, "time", 0.0)?;

        let request_at = format!("{at}.request");
        let request = self.object(self.field(entry, &at, "request")?, &request_at)?;
        let method = self.string(request, &request_at, "method")?;
        let url = self.string(request, &request_at, "url")?;
        let post = match request.get("postData") {
            None | Some(Value::Null) => None,
            Some(post) => {
                let post_at = format!("{request_at}.postData");
                let post = self.object(post, &post_at)?;
                Some(PostData {
                    mime_type: self
                        .optional_string(post, &post_at, "mimeType")?
                        .unwrap_or_default(),
                    text: self.optional_string(post, &post_at, "text")?,
                    params: self.pairs(post, &post_at, "params")?,
                })
            }
        };

        let response_at = format!("{at}.response");
        let response = self.object(self.field(entry, &at, "response")?, &response_at)?;
        let status = self.optional_number(response, &response_at, "status", 0.0)?;
        if !(0.0..=999.0).contains(&status) {
            return Err(self.error(
                &format!("{response_at}.status"),
                format!("{status} is not an HTTP status"),
            ));
        }
        let content = match response.get("content") {
            None | Some(Value::Null) => Content {
                size: -1,
                mime_type: String::new(),
                text: None,
                encoding: None,
            },
            Some(content) => {
                let content_at = format!("{response_at}.content");
                let content = self.object(content, &content_at)?;
                Content {
                    size: self.optional_number(content, &content_at, "size", -1.0)? as i64,
                    mime_type: self
                        .optional_string(content, &content_at, "mimeType")?
                        .unwrap_or_default(),
                    text: self.optional_string(content, &content_at, "text")?,
                    encoding: self.optional_string(content, &content_at, "encoding")?,
                }
            }
        };
        let from_cache = entry
            .get("_fromCache")
            .is_some_and(|cache| !cache.is_null() && cache != &Value::Bool(false));
        let jobmock_session = entry
            .get("_jobmock")
            .and_then(|jobmock| jobmock.get("session"))
            .and_then(Value::as_str)
            .map(str::to_string);
        Ok(Entry {
            index,
            started_ms,
            time_ms,
            method,
            url,
            request_headers: self.pairs(request, &request_at, "headers")?,
            request_cookies: self.pairs(request, &request_at, "cookies")?,
            post,
            status: status as u16,
            response_headers: self.pairs(response, &response_at, "headers")?,
            response_cookies: self.pairs(response, &response_at, "cookies")?,
            content,
            from_cache,
            jobmock_session,
        })
    }
}

/// An ISO 8601 date and time with an offset (`2026-11-29T22:37:42.123Z`,
/// `…42.1234567+01:00`), in epoch milliseconds.
pub fn parse_time(text: &str) -> Option<i64> {
    let parsed =
        time::OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339)
            .or_else(|_| {
                time::OffsetDateTime::parse(
                    text.trim(),
                    &time::format_description::well_known::Iso8601::DEFAULT,
                )
            })
            .ok()?;
    i64::try_from(parsed.unix_timestamp_nanos() / 1_000_000).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_of_every_writer_read_and_write_back() {
        let chrome = parse_time("2026-11-29T22:37:42.123Z").unwrap();
        assert_eq!(
            crate::util::clock::iso_time(chrome as u64),
            "2026-11-29T22:37:42.123Z"
        );
        assert_eq!(parse_time("2026-11-29T23:37:42.123+01:00"), Some(chrome));
        assert_eq!(
            parse_time("2026-11-29T22:37:42.1234567+00:00"),
            Some(chrome)
        );
        assert_eq!(parse_time("2026-11-29T22:37:42Z"), Some(chrome - 123));
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn a_wrong_field_is_named_by_its_json_path() {
        let har = br#"{"log":{"entries":[{"startedDateTime":"2026-11-29T22:37:42.123Z",
            "request":{"method":"GET","url":"https://h/a","headers":[{"name":"A"}]},
            "response":{"status":200}},
            {"startedDateTime":"2026-11-29T22:37:42.123Z","request":{"method":"GET","url":7},
            "response":{}}]}}"#;
        let err = Har::parse(Path::new("x.har"), har)
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.starts_with("x.har: log.entries[1].request.url: expected a string, found a number"),
            "{err}"
        );
    }
}
