//! `jobmock import har`: a HAR's entries become a fixture set, exactly as `record` would have
//! written it had it stood between the client and the server.
//!
//! Each entry is turned into the exchange the proxy would have handed its recording thread, and
//! goes through the same [`Writer`] (the fixture format's, which `record` feeds too): the same
//! redaction, the same layout (job polls collapsed into steps with hold counts and time offsets,
//! everything else an exchange), the same checks. Two things differ, because the whole capture
//! is there at once: every entry is learned from before the first is written, so a secret the
//! server issued late is never on disk even for a moment; and entries are taken in the order
//! their answers arrived, whatever the file's order.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::header::{COOKIE, HeaderName, HeaderValue, SET_COOKIE};
use hyper::{HeaderMap, Method, StatusCode};

use super::origin::{Origin, nothing_to_import, origin_texts, split_url, wanted_origins};
use super::read::{Entry, Har};
use super::stage::stage;
use crate::api::CONTROL_PREFIX;
use crate::error::Result;
use crate::fixture::layout::{Offsets, shown};
use crate::fixture::stable::Stability;
use crate::fixture::store::{Conflict, Store};
use crate::fixture::writer::feedback::Feedback;
use crate::fixture::writer::input::{Exchange, Outcome};
use crate::fixture::writer::{Finished, Writer};
use crate::redact::Redactor;

/// How an import behaves.
pub struct Options {
    pub fixtures: PathBuf,
    pub conflict: Conflict,
    pub redaction: crate::redact::Options,
    pub offsets: Offsets,
    /// Which rewrites keep the set the same when imported again.
    pub stability: Stability,
    /// The server's origins (`https://host[:port]`) whose entries are imported; empty: every
    /// origin that answered an ArcGIS request.
    pub origins: Vec<String>,
}

/// The latest time from the first answer an entry is placed at.
const MAX_OFFSET_MS: u64 = 30 * 24 * 3600 * 1000;

/// Why an entry was left out, for the summary.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Skipped {
    NotHttp,
    OtherSite(String),
    FromCache,
    NoAnswer,
    ControlApi,
    /// The entry's request or answer cannot be restored; printed one by one.
    Unrestorable,
}

/// What an import did: the summary to print, and what was written, for the closing scan
/// (`scan::verdict_for`, which the command runs: a scan reads HARs, so it stands above them).
pub struct Imported {
    pub summary: String,
    pub finished: Finished,
}

/// Imports the HAR at `path` into `options.fixtures`.
pub fn import(path: &Path, options: Options) -> Result<Imported> {
    let har = Har::read(path)?;
    let parsed: Vec<Option<(Origin, String)>> = har
        .entries
        .iter()
        .map(|entry| split_url(&entry.url))
        .collect();
    let wanted = wanted_origins(&har, &parsed, &options.origins)?;
    let (kept, mut skipped) = select(&har, &parsed, &wanted);
    if kept.is_empty() {
        return Err(nothing_to_import(&har, &parsed, &wanted));
    }

    let mut redactor = Redactor::new(options.redaction);
    // Everything is learned first, other sites' entries too: a token is a token wherever the
    // browser sent it.
    for entry in &har.entries {
        learn_entry(&mut redactor, entry);
    }

    let (root, staged) = stage(&options.fixtures)?;
    let store = Store::new(&root, options.conflict, options.offsets)?;
    let feedback = Arc::new(Feedback::quiet("imported"));
    let mut writer = Writer::new(
        store,
        redactor,
        Arc::clone(&feedback),
        origin_texts(&wanted, &kept),
        options.stability,
    )
    .recorded_by(
        "import har",
        wanted.first().map(|origin| {
            let port = origin
                .port
                .map(|port| format!(":{port}"))
                .unwrap_or_default();
            format!("{}://{}{port}", origin.scheme, origin.host)
        }),
    );
    let lines = feed(&mut writer, &kept);
    if !lines.is_empty() {
        *skipped.entry(Skipped::Unrestorable).or_default() += lines.len();
    }
    let finished = writer.finish();
    let root = staged.commit(&options.fixtures)?;
    let finished = moved_to(finished, &root);

    let mut summary = feedback.finish(&root);
    summary = summary.replacen(
        "imported into",
        &format!(
            "imported {} of {} HAR entries ({} from {}) into",
            (kept.len() - lines.len()).saturating_sub(feedback.refused() as usize),
            har.entries.len(),
            wanted
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            har.creator
        ),
        1,
    );
    summary.push_str(&skipped_lines(&skipped));
    for line in &lines {
        summary.push('\n');
        summary.push_str(line);
    }
    Ok(Imported { summary, finished })
}

/// The entries imported, with their targets, in the order their answers arrived; and how many
/// were left out, by why.
fn select<'a>(
    har: &'a Har,
    parsed: &[Option<(Origin, String)>],
    wanted: &[Origin],
) -> (Vec<(&'a Entry, String)>, BTreeMap<Skipped, usize>) {
    let mut skipped: BTreeMap<Skipped, usize> = BTreeMap::new();
    let mut kept: Vec<(&Entry, String)> = Vec::new();
    for (entry, parsed) in har.entries.iter().zip(parsed) {
        let why = match parsed {
            None => Some(Skipped::NotHttp),
            Some((origin, _)) if !wanted.iter().any(|wanted| wanted.same(origin)) => {
                Some(Skipped::OtherSite(origin.host.clone()))
            }
            Some(_) if entry.from_cache => Some(Skipped::FromCache),
            Some(_) if entry.status == 0 => Some(Skipped::NoAnswer),
            Some((_, target)) if target.starts_with(CONTROL_PREFIX) => Some(Skipped::ControlApi),
            Some(_) => None,
        };
        match (why, parsed) {
            (Some(why), _) => *skipped.entry(why).or_default() += 1,
            (None, Some((_, target))) => kept.push((entry, target.clone())),
            (None, None) => unreachable!("an entry without a URL is skipped"),
        }
    }
    kept.sort_by_key(|(entry, _)| (entry.answered_ms(), entry.index));
    (kept, skipped)
}

/// Feeds `writer` each kept entry as the exchange the proxy would have handed it, at its time
/// from the first answer; returns a line for each entry that cannot be restored.
fn feed(writer: &mut Writer, kept: &[(&Entry, String)]) -> Vec<String> {
    let first = kept.first().map_or(0, |(entry, _)| entry.answered_ms());
    let base = Instant::now();
    let mut unrestorable = Vec::new();
    for (entry, target) in kept {
        let (headers, body) = request_parts(entry);
        let answer = restorable(entry);
        let (method, status, answer) = match answer {
            Ok(restored) => restored,
            Err(why) => {
                unrestorable.push((
                    entry.index,
                    shown_method(&entry.method),
                    target.clone(),
                    why,
                ));
                continue;
            }
        };
        // Offsets past a month are a writer's clock gone wrong, not a job's pace.
        let after = u64::try_from(entry.answered_ms().saturating_sub(first))
            .unwrap_or(0)
            .min(MAX_OFFSET_MS);
        writer.record(Exchange {
            method,
            target: target.clone(),
            headers,
            body: Bytes::from(body),
            outcome: Outcome::Answered {
                status,
                headers: answer_headers(entry),
                body: Bytes::from(answer),
            },
            at: base + Duration::from_millis(after),
        });
    }
    // Unrestorable entries are named with their paths scrubbed like everything printed, once
    // every entry has been written (and so learned from).
    let mut lines = Vec::new();
    for (index, method, target, why) in unrestorable {
        let path = target.split('?').next().unwrap_or("/");
        let shown_path = shown(&writer.redactor.scrub_path(path, Default::default()));
        lines.push(format!(
            "  log.entries[{index}] {method} {shown_path}: not imported: {why}"
        ));
    }
    lines
}

/// What the writer left, its folders named where the staged set now is (`root`).
fn moved_to(finished: Finished, root: &Path) -> Finished {
    Finished {
        folders: finished
            .folders
            .iter()
            .map(|folder| root.join(folder.strip_prefix(&finished.root).unwrap_or(folder)))
            .collect(),
        root: root.to_path_buf(),
        ..finished
    }
}

/// Learns everything `entry` carries, as the recorder learns an exchange, and what only a HAR
/// holds: the URL with its user information, header values as the writer saved them (some
/// the HTTP library refuses), a form kept as `params` only. Returns the exchange's context.
pub(super) fn learn_entry(redactor: &mut Redactor, entry: &Entry) -> crate::redact::Context {
    let target = split_url(&entry.url).map_or_else(|| "/".to_string(), |(_, target)| target);
    let (headers, body) = request_parts(entry);
    let form = form_params(&headers, &body);
    let context = redactor.learn_request(&target, &headers, &body, &form);
    redactor.learn_free_text(&entry.url, context);
    for (_, value) in entry.request_headers.iter().chain(&entry.response_headers) {
        redactor.learn_free_text(value, context);
    }
    for (name, value) in entry.request_cookies.iter().chain(&entry.response_cookies) {
        redactor.learn_free_text(&format!("{name}={value}"), context);
    }
    if let Some(post) = &entry.post {
        redactor.learn_request("/", &HeaderMap::new(), &[], &post.params);
    }
    if let Ok(answer) = entry.answer_body() {
        redactor.learn_answer(context, &answer_headers(entry), &answer);
    }
    context
}

/// The method, status and answer of `entry`, or why replay could not serve them as captured.
fn restorable(entry: &Entry) -> std::result::Result<(Method, StatusCode, Vec<u8>), String> {
    let method = Method::from_bytes(entry.method.as_bytes())
        .map_err(|_| "its method is not an HTTP method".to_string())?;
    // Replay answers with 200 to 599 only (a 1xx is not an answer, a 101 a protocol switch).
    let status = StatusCode::from_u16(entry.status)
        .ok()
        .filter(|_| (200..=599).contains(&entry.status))
        .ok_or_else(|| {
            format!(
                "HTTP status {} is not an answer replay serves (200 to 599)",
                entry.status
            )
        })?;
    let answer = entry.answer_body()?;
    // A step file is at most what replay loads (a pretty-printed JSON answer grows a little:
    // the writer checks the file it makes too).
    if answer.len() as u64 > crate::fixture::MAX_FIXTURE_FILE {
        return Err(format!(
            "the answer is {} bytes, more than the {} MiB replay loads",
            answer.len(),
            crate::fixture::MAX_FIXTURE_FILE >> 20
        ));
    }
    Ok((method, status, answer))
}

/// A method as printed: a plain token, or nothing of what was written (it may hold anything,
/// escapes for the terminal included).
fn shown_method(method: &str) -> String {
    if !method.is_empty() && method.len() <= 16 && method.bytes().all(|b| b.is_ascii_alphabetic()) {
        method.to_string()
    } else {
        "(a method that is not one)".to_string()
    }
}

/// The request's headers (cookies from `cookies` when the headers list none, HTTP/2
/// pseudo-headers left out) and body.
pub(super) fn request_parts(entry: &Entry) -> (HeaderMap, Vec<u8>) {
    let mut headers = header_map(&entry.request_headers);
    if !headers.contains_key(COOKIE) && !entry.request_cookies.is_empty() {
        let cookies = entry
            .request_cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ");
        if let Ok(value) = HeaderValue::from_str(&cookies) {
            headers.insert(COOKIE, value);
        }
    }
    if !headers.contains_key(hyper::header::CONTENT_TYPE)
        && let Some(post) = &entry.post
        && let Ok(value) = HeaderValue::from_str(&post.mime_type)
    {
        headers.insert(hyper::header::CONTENT_TYPE, value);
    }
    (headers, entry.request_body())
}

/// The answer's headers, with `Set-Cookie` from `cookies` when the headers list none.
pub(super) fn answer_headers(entry: &Entry) -> HeaderMap {
    let mut headers = header_map(&entry.response_headers);
    if !headers.contains_key(SET_COOKIE) {
        for (name, value) in &entry.response_cookies {
            if let Ok(value) = HeaderValue::from_str(&format!("{name}={value}")) {
                headers.append(SET_COOKIE, value);
            }
        }
    }
    headers
}

fn header_map(pairs: &[(String, String)]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in pairs {
        // HTTP/2 pseudo-headers (`:authority`, `:path`) are the URL's, and no header name.
        if name.starts_with(':') {
            continue;
        }
        let Ok(name) = HeaderName::from_bytes(name.trim().as_bytes()) else {
            continue;
        };
        // Some writers join repeated headers (Set-Cookie) with line breaks, and keep bytes
        // beyond ASCII: each line is a value, and no value is dropped before it is learned from.
        for line in value
            .split(['\n', '\r'])
            .filter(|line| !line.trim().is_empty())
        {
            if let Ok(value) = HeaderValue::from_bytes(line.trim().as_bytes()) {
                headers.append(name.clone(), value);
            }
        }
    }
    headers
}

fn form_params(headers: &HeaderMap, body: &[u8]) -> Vec<(String, String)> {
    if crate::params::is_form(headers) {
        crate::params::from_form(body)
    } else {
        Vec::new()
    }
}

fn skipped_lines(skipped: &BTreeMap<Skipped, usize>) -> String {
    let mut lines = String::new();
    let mut others: Vec<(&str, usize)> = Vec::new();
    for (why, count) in skipped {
        let words = match why {
            Skipped::NotHttp => "not HTTP (data:, blob:, WebSocket, extensions)",
            Skipped::FromCache => "answered from the browser's cache, not the server",
            Skipped::NoAnswer => "without an answer (blocked, cancelled or failed in the browser)",
            Skipped::ControlApi => "to jobmock's control API (/__jobmock/)",
            Skipped::Unrestorable => "whose request or answer cannot be restored (below)",
            Skipped::OtherSite(host) => {
                others.push((host, *count));
                continue;
            }
        };
        lines.push_str(&format!(
            "\n  skipped {count} entr{} {words}",
            plural(*count)
        ));
    }
    if !others.is_empty() {
        let total: usize = others.iter().map(|(_, count)| count).sum();
        others.sort_by_key(|(host, count)| (std::cmp::Reverse(*count), *host));
        let named: Vec<String> = others
            .iter()
            .take(5)
            .map(|(host, count)| format!("{host} ({count})"))
            .collect();
        let more = if others.len() > 5 {
            format!(" and {} more", others.len() - 5)
        } else {
            String::new()
        };
        lines.push_str(&format!(
            "\n  skipped {total} entr{} of other sites: {}{more} (--origin imports a site)",
            plural(total),
            named.join(", ")
        ));
    }
    lines
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "y" } else { "ies" }
}
