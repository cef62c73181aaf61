//! `jobmock import har`: a HAR's entries become a fixture set, exactly as `record` would have
//! written it had it stood between the client and the server.
//!
//! Each entry is turned into the exchange the proxy would have handed its recording thread, and
//! goes through the recorder's own [`Writer`]: the same redaction, the same layout (job polls
//! collapsed into steps with hold counts and time offsets, everything else an exchange), the
//! same checks. Two things differ, because the whole capture is there at once: every entry is
//! learned from before the first is written, so a secret the server issued late is never on
//! disk even for a moment; and entries are taken in the order their answers arrived, whatever
//! the file's order.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::header::{COOKIE, HeaderName, HeaderValue, SET_COOKIE};
use hyper::{HeaderMap, Method, StatusCode};

use super::read::{Entry, Har};
use crate::api::CONTROL_PREFIX;
use crate::error::{Error, Result};
use crate::record::feedback::{self, Feedback};
use crate::record::origin::origin_spellings;
use crate::record::store::{Conflict, Offsets, Store};
use crate::record::writer::{Exchange, Finished, Outcome, Writer};
use crate::redact::Redactor;

/// How an import behaves.
pub struct Options {
    pub fixtures: PathBuf,
    pub conflict: Conflict,
    pub redaction: crate::redact::Options,
    pub offsets: Offsets,
    /// The server's origins (`https://host[:port]`) whose entries are imported; empty: every
    /// origin that answered an ArcGIS request.
    pub origins: Vec<String>,
}

/// A server, as entries name it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Origin {
    pub scheme: String,
    pub host: String,
    pub port: Option<u16>,
}

impl Origin {
    fn default_port(&self) -> u16 {
        if self.scheme == "https" { 443 } else { 80 }
    }

    /// Whether two spellings name the same server (`https://h` is `https://h:443`).
    fn same(&self, other: &Origin) -> bool {
        self.scheme == other.scheme
            && self.host == other.host
            && self.port.unwrap_or(self.default_port())
                == other.port.unwrap_or(other.default_port())
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.port {
            Some(port) => write!(f, "{}://{}:{port}", self.scheme, self.host),
            None => write!(f, "{}://{}", self.scheme, self.host),
        }
    }
}

/// `url` split into its server and its target (path and query, no fragment); `None` for what
/// is not an HTTP(S) URL (`data:`, `blob:`, `wss:`, `chrome-extension:`).
pub fn split_url(url: &str) -> Option<(Origin, String)> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    // User information is never part of a target, and never written.
    let host_port = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let port_of = |port: &str| -> Option<Option<u16>> {
        if port.is_empty() {
            Some(None)
        } else {
            port.parse::<u16>().ok().map(Some)
        }
    };
    let (host, port) = if let Some(inside) = host_port.strip_prefix('[') {
        // An IPv6 address: `[::1]:8080`.
        let (address, after) = inside.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(port) => port_of(port)?,
            None if after.is_empty() => None,
            None => return None,
        };
        (format!("[{address}]"), port)
    } else {
        match host_port.rsplit_once(':') {
            Some((host, port)) => (host.to_string(), port_of(port)?),
            None => (host_port.to_string(), None),
        }
    };
    if host.is_empty() {
        return None;
    }
    let target = rest[end..].split('#').next().unwrap_or_default();
    let target = if target.is_empty() {
        "/".to_string()
    } else if target.starts_with('?') {
        format!("/{target}")
    } else {
        target.to_string()
    };
    // Characters a request line cannot carry (a writer that saved the URL decoded) are
    // percent-encoded, as the client sent them.
    let target = percent_encoding::utf8_percent_encode(&target, TARGET_UNSAFE).to_string();
    Some((
        Origin {
            scheme,
            host: host.to_ascii_lowercase(),
            port,
        },
        target,
    ))
}

/// What a request target cannot hold as it is: controls, space, `"`, `<`, `>`, `` ` ``, `{`,
/// `}`, `|`, `\`, `^` and everything beyond ASCII.
const TARGET_UNSAFE: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'|')
    .add(b'\\')
    .add(b'^');

/// Whether `path` is one of ArcGIS's: a job, the admin API, the Portal's REST API.
fn is_arcgis_path(path: &str) -> bool {
    crate::api::flavour::polled_job_any(path).is_some()
        || path.contains("/admin/")
        || path.contains("/sharing/rest")
        || path.contains("/rest/services")
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

/// Imports the HAR at `path` into `options.fixtures`; returns the summary and whether the
/// closing scan found something.
pub fn import(path: &Path, options: Options) -> Result<(String, bool)> {
    let har = Har::read(path)?;
    let parsed: Vec<Option<(Origin, String)>> = har
        .entries
        .iter()
        .map(|entry| split_url(&entry.url))
        .collect();
    let wanted = wanted_origins(&har, &parsed, &options.origins)?;

    // Which entries are imported, in the order their answers arrived.
    let mut skipped: BTreeMap<Skipped, usize> = BTreeMap::new();
    let mut kept: Vec<(&Entry, String)> = Vec::new();
    for (entry, parsed) in har.entries.iter().zip(&parsed) {
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
    if kept.is_empty() {
        return Err(nothing_to_import(&har, &parsed, &wanted));
    }

    let mut redactor = Redactor::new(options.redaction);
    // Everything is learned first, other sites' entries too: a token is a token wherever the
    // browser sent it.
    for entry in &har.entries {
        learn_entry(&mut redactor, entry);
    }

    // A new set is written beside its place and moved there whole at the end: an import that
    // fails half way leaves nothing. Into an existing set, it writes as `record` does.
    let fresh = !options.fixtures.exists();
    let root = if fresh {
        staging_folder(&options.fixtures)?
    } else {
        options.fixtures.clone()
    };
    let staged = Staged {
        path: fresh.then(|| root.clone()),
    };
    let store = Store::new(&root, options.conflict, options.offsets)?;
    let feedback = Arc::new(Feedback::quiet("imported"));
    let mut writer = Writer::new(
        store,
        redactor,
        Arc::clone(&feedback),
        origin_texts(&wanted, &kept),
    );

    let first = kept.first().map_or(0, |(entry, _)| entry.answered_ms());
    let base = Instant::now();
    let mut unrestorable = Vec::new();
    for (entry, target) in &kept {
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
    // Unrestorable entries are named with their paths scrubbed like everything printed.
    let mut lines = Vec::new();
    for (index, method, target, why) in unrestorable {
        let path = target.split('?').next().unwrap_or("/");
        let shown = feedback::shown(&writer.redactor.scrub_path(path, Default::default()));
        lines.push(format!(
            "  log.entries[{index}] {method} {shown}: not imported: {why}"
        ));
        *skipped.entry(Skipped::Unrestorable).or_default() += 1;
    }
    let finished = writer.finish();
    let root = staged.commit(&options.fixtures)?;
    let finished = Finished {
        folders: finished
            .folders
            .iter()
            .map(|folder| root.join(folder.strip_prefix(&finished.root).unwrap_or(folder)))
            .collect(),
        root: root.clone(),
        ..finished
    };

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
    let (closing, found) = crate::record::closing_lines(&finished);
    summary.push_str(&closing);
    Ok((summary, found))
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

/// The origins whose entries are imported: those given, else those that answered ArcGIS.
fn wanted_origins(
    har: &Har,
    parsed: &[Option<(Origin, String)>],
    given: &[String],
) -> Result<Vec<Origin>> {
    if !given.is_empty() {
        return given
            .iter()
            .map(|url| {
                split_url(url).map(|(origin, _)| origin).ok_or_else(|| Error::Usage {
                    message: format!(
                        "--origin {url:?} is not an http(s) URL; give the server as the HAR names it, such as https://notebooks.example.com"
                    ),
                })
            })
            .collect();
    }
    let mut wanted: Vec<Origin> = Vec::new();
    for (origin, target) in parsed.iter().flatten() {
        let path = target.split('?').next().unwrap_or("/");
        if is_arcgis_path(path) && !wanted.iter().any(|known| known.same(origin)) {
            wanted.push(origin.clone());
        }
    }
    if wanted.is_empty() {
        return Err(Error::fixture(
            &har.path,
            format!(
                "none of its {} entries is a request to ArcGIS (a job, …/admin/…, …/sharing/rest/…)",
                har.entries.len()
            ),
            "save the HAR while the client talks to Notebook Server, or name the server with --origin https://host",
        ));
    }
    wanted.sort();
    Ok(wanted)
}

/// The error of a HAR none of whose entries is imported: which servers it holds, so that the
/// right `--origin` is one copy away.
fn nothing_to_import(har: &Har, parsed: &[Option<(Origin, String)>], wanted: &[Origin]) -> Error {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (origin, _) in parsed.iter().flatten() {
        *seen.entry(origin.to_string()).or_default() += 1;
    }
    let listed: Vec<String> = seen
        .iter()
        .map(|(origin, count)| format!("{origin} ({count})"))
        .collect();
    let wanted: Vec<String> = wanted.iter().map(ToString::to_string).collect();
    Error::fixture(
        &har.path,
        format!(
            "none of its {} entries can be imported from {}: the HAR's servers are {}",
            har.entries.len(),
            wanted.join(", "),
            if listed.is_empty() {
                "none".to_string()
            } else {
                listed.join(", ")
            }
        ),
        "give --origin as the HAR names the server, with its port (https://host:11443)",
    )
}

/// The texts that name the server in answers, longest first: each origin's spellings, and for
/// a HAR that jobmock exported, those followed by each session's `/__session/<name>` prefix (its
/// answers name the mock as its client reached it).
fn origin_texts(wanted: &[Origin], kept: &[(&Entry, String)]) -> Vec<String> {
    let mut sessions: Vec<&str> = kept
        .iter()
        .filter_map(|(entry, _)| entry.jobmock_session.as_deref())
        .collect();
    sessions.sort_unstable();
    sessions.dedup();
    let mut texts = Vec::new();
    for origin in wanted {
        let spellings = origin_spellings(&origin.scheme, &origin.host, origin.port);
        for session in &sessions {
            let segment = percent_encoding::utf8_percent_encode(session, SEGMENT_UNSAFE);
            for spelling in &spellings {
                texts.push(format!("{spelling}/__session/{segment}"));
            }
        }
        texts.extend(spellings);
    }
    texts.sort_by_key(|text| std::cmp::Reverse(text.len()));
    texts.dedup();
    texts
}

/// What a path segment cannot hold as it is (the session prefix's own rule).
const SEGMENT_UNSAFE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

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

/// A folder being written that becomes the fixture set only when the import is done.
struct Staged {
    path: Option<PathBuf>,
}

impl Staged {
    /// Moves the staged set to `fixtures` (when there is one), and returns where the set is.
    fn commit(mut self, fixtures: &Path) -> Result<PathBuf> {
        if let Some(staged) = self.path.take() {
            if fixtures.exists() {
                let _ = std::fs::remove_dir_all(&staged);
                return Err(Error::fixture(
                    fixtures,
                    "appeared while the HAR was imported; nothing was written to it",
                    "import again, into a folder nothing else writes to",
                ));
            }
            std::fs::rename(&staged, fixtures).map_err(|source| Error::Write {
                path: fixtures.to_path_buf(),
                source,
            })?;
        }
        Ok(fixtures.to_path_buf())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if let Some(staged) = &self.path {
            let _ = std::fs::remove_dir_all(staged);
        }
    }
}

/// A hidden folder beside `fixtures`, on the same file system so that the move is a rename.
fn staging_folder(fixtures: &Path) -> Result<PathBuf> {
    let parent = match fixtures.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|source| Error::Write {
        path: parent.clone(),
        source,
    })?;
    let name = fixtures.file_name().map_or_else(
        || "fixtures".into(),
        |name| name.to_string_lossy().into_owned(),
    );
    remove_abandoned(&parent, &name);
    Ok(parent.join(format!(".{name}.importing-{}", std::process::id())))
}

/// Staging folders of imports that were killed (SIGKILL, SIGTERM: nothing runs then) are
/// removed by the next import into the same place, once their process is gone.
fn remove_abandoned(parent: &Path, name: &str) {
    let prefix = format!(".{name}.importing-");
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = file_name
            .to_str()
            .and_then(|file_name| file_name.strip_prefix(&prefix))
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        // Only where the system says which processes live (/proc); elsewhere, left alone.
        let proc = Path::new("/proc");
        if pid != std::process::id() && proc.is_dir() && !proc.join(pid.to_string()).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_server_and_target() {
        let (origin, target) = split_url("https://Host.Example.com:11443/a/b?x=1#frag").unwrap();
        assert_eq!(origin.to_string(), "https://host.example.com:11443");
        assert_eq!(target, "/a/b?x=1");
        let (origin, target) = split_url("http://user:pw@h?q").unwrap();
        assert_eq!(
            (origin.host.as_str(), origin.port, target.as_str()),
            ("h", None, "/?q")
        );
        assert_eq!(split_url("https://h/ä b").unwrap().1, "/%C3%A4%20b");
        assert!(split_url("data:text/plain,hi").is_none());
        assert!(split_url("wss://h/socket").is_none());
        let default = split_url("https://h:443/").unwrap().0;
        assert!(default.same(&split_url("https://h/x").unwrap().0));
    }
}
