//! Which server a HAR's entries are about: URLs split into a server and a target, the servers
//! that answered ArcGIS (or those `--origin` names), and every spelling of them that answers
//! hold, which a recording stores as `{{origin}}`.

use std::collections::BTreeMap;

use super::read::{Entry, Har};
use crate::error::{Error, Result};
use crate::fixture::origin::origin_spellings;

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
    pub fn same(&self, other: &Origin) -> bool {
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
pub(super) fn is_arcgis_path(path: &str) -> bool {
    crate::api::flavour::polled_job_any(path).is_some()
        || path.contains("/admin/")
        || path.contains("/sharing/rest")
        || path.contains("/rest/services")
}

/// The origins whose entries are imported: those given, else those that answered ArcGIS.
pub(super) fn wanted_origins(
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
        return Err(Error::input(
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
pub(super) fn nothing_to_import(
    har: &Har,
    parsed: &[Option<(Origin, String)>],
    wanted: &[Origin],
) -> Error {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (origin, _) in parsed.iter().flatten() {
        *seen.entry(origin.to_string()).or_default() += 1;
    }
    let listed: Vec<String> = seen
        .iter()
        .map(|(origin, count)| format!("{origin} ({count})"))
        .collect();
    let wanted: Vec<String> = wanted.iter().map(ToString::to_string).collect();
    Error::input(
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
pub(super) fn origin_texts(wanted: &[Origin], kept: &[(&Entry, String)]) -> Vec<String> {
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
