//! What jobmock knows of the ArcGIS REST API that both modes use: where jobs and their
//! operations sit, what a job ID may be, the `f` formats and the error bodies
//! ([`format`]), what differs between the servers a set may come from ([`flavour`]), and the
//! second job family, web tools' geoprocessing jobs ([`webtool`]).
//! Replay answers by it and record files by it.

pub mod flavour;
pub mod format;
pub mod webtool;

pub use flavour::Flavour;

// Header names as `HeaderName`s: looked up by a name given as text, a header map parses the
// name again on every request.
use hyper::header::HeaderName;

/// Where the job resource sits, after any context path (`/arcgis`, a Web Adaptor name, …).
pub const JOBS_PATH: &str = "/admin/system/jobs/";

/// Where the job operations sit, after any context path.
pub const NOTEBOOKS_PATH: &str = "/admin/notebooks/";

/// Where jobmock's own control API sits (replay's; the recorder neither forwards nor records
/// requests there).
pub const CONTROL_PREFIX: &str = "/__jobmock/";

/// The header that gives a request its own cursors in replay (and that a server which replays
/// and records does not forward).
pub const SESSION_HEADER: HeaderName = HeaderName::from_static("x-jobmock-session");

/// The header that carries replay's `--control-token` (never forwarded to an upstream).
pub const CONTROL_TOKEN_HEADER: HeaderName = HeaderName::from_static("x-jobmock-control-token");

/// ArcGIS's own authorization header, which carries a token as `Bearer <token>`.
pub const ESRI_AUTHORIZATION: HeaderName = HeaderName::from_static("x-esri-authorization");

/// The job operations, after `…/admin/notebooks/`, and the job type each creates.
pub const OPERATIONS: &[(&str, &str)] = &[
    ("executeNotebook", "executeNotebook"),
    ("openNotebook", "openNotebook"),
];

/// `path` split around the first `segment` in it, as `path.split_once(segment)` does, for a
/// `segment` that starts with `/` (every API path piece does). Only the slashes are candidates,
/// so this tries a handful of places, where `str::split_once` builds a substring searcher on
/// every call: the router asks it several times for every request served.
pub fn split_at_segment<'a>(path: &'a str, segment: &str) -> Option<(&'a str, &'a str)> {
    debug_assert!(
        segment.starts_with('/'),
        "{segment:?} does not start with '/'"
    );
    let bytes = path.as_bytes();
    memchr::memchr_iter(b'/', bytes)
        .find(|&at| bytes[at..].starts_with(segment.as_bytes()))
        // Both ends are at ASCII bytes, so on character boundaries.
        .map(|at| (&path[..at], &path[at + segment.len()..]))
}

/// `<context>/admin/system/jobs/<jobId>[/<below>]` as (job ID, below).
pub fn job_route(path: &str) -> Option<(&str, Option<&str>)> {
    split_at_segment(path, JOBS_PATH)
        .map(|(_, after)| match after.split_once('/') {
            Some((job_id, below)) => (job_id, Some(below)),
            None => (after, None),
        })
        .filter(|(job_id, _)| !job_id.is_empty())
}

/// The job a path polls, if it is `<context>/admin/system/jobs/<jobId>` with a valid ID.
pub fn polled_job(path: &str) -> Option<&str> {
    match job_route(path) {
        Some((id, None)) if job_id_problem(id).is_none() => Some(id),
        _ => None,
    }
}

/// Why `id` cannot be a job ID, or `None` when it can.
///
/// A job ID names a folder of the fixture set, so only plain names pass: ASCII letters, digits,
/// `-`, `_` and `.`, not starting with `.`, at most 128 characters. Real IDs are `j` and a UUID.
pub fn job_id_problem(id: &str) -> Option<String> {
    const MAX_LEN: usize = 128;
    if id.is_empty() {
        return Some("is empty".to_string());
    }
    if id.len() > MAX_LEN {
        return Some(format!("is longer than {MAX_LEN} characters"));
    }
    if id.starts_with('.') {
        return Some("starts with '.'".to_string());
    }
    // A table rather than a test per byte: every poll's ID passes through here.
    const PLAIN: [bool; 256] = {
        let mut plain = [false; 256];
        let mut b = 0;
        while b < 256 {
            let c = b as u8;
            plain[b] = c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.');
            b += 1;
        }
        plain
    };
    if id.bytes().all(|b| PLAIN[usize::from(b)]) {
        return None;
    }
    if let Some(bad) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Some(format!(
            "contains {bad:?}; a job ID is made of letters, digits, '-', '_' and '.'"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_are_job_ids() {
        assert_eq!(
            job_id_problem("j6185135c-92a8-4402-b8de-90a66dc61fcc"),
            None
        );
        assert_eq!(job_id_problem("job_1.v2"), None);
        for bad in [
            "", ".", "..", ".hidden", "a/b", "a\\b", "%2e%2e", "a\0b", "a b", "é",
        ] {
            assert!(job_id_problem(bad).is_some(), "{bad:?} passed");
        }
        assert!(job_id_problem(&"j".repeat(129)).is_some());
    }

    proptest::proptest! {
        /// Whatever the path, the segment search finds what `split_once` finds.
        #[test]
        fn segments_split_as_split_once_does(
            path in "(/|[a-zA-Z]{1,3}|admin|system|jobs|GPServer|é){0,12}",
            segment in proptest::sample::select(vec![
                "/", "/admin/system/jobs/", "/GPServer/", "/admin/notebooks/", "/jobs/", "/a",
            ]),
        ) {
            proptest::prop_assert_eq!(split_at_segment(&path, segment), path.split_once(segment));
        }
    }

    #[test]
    fn job_routes_split_the_id_from_what_is_below_it() {
        assert_eq!(
            job_route("/arcgis/admin/system/jobs/j1"),
            Some(("j1", None))
        );
        assert_eq!(
            job_route("/ctx/admin/system/jobs/j1/cancel"),
            Some(("j1", Some("cancel")))
        );
        assert_eq!(job_route("/arcgis/admin/system/jobs/"), None);
        assert_eq!(polled_job("/a/admin/system/jobs/j1/cancel"), None);
        assert_eq!(polled_job("/a/admin/system/jobs/j 1"), None);
    }
}
