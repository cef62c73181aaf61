//! Near misses: for a request nothing answered, the recorded exchange or fixture job it comes
//! closest to, and what differs (method, path, parameters, job ID). It turns "no resource
//! here" into "the recording has `updatePortalItem=false`, you sent `true`".
//!
//! Unmatched requests can be sent by anyone at any rate, so finding one stays cheap however
//! large the set: a byte comparison ranks every candidate, and only the best few are compared
//! character by character.

use serde::Serialize;

use crate::fixture::FixtureSet;
use crate::redact::{REDACTED, is_secret_param};

/// The closest thing the fixture set holds to a request nothing answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NearMiss {
    pub kind: NearKind,
    /// The exchange's folder name, or the job's ID.
    pub name: String,
    /// What the exchange answers (a job answers GET and POST).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The exchange's path; for a job, the job ID's place in the path sent.
    pub path: String,
    /// What would have to change in the request for it to match, most telling first.
    pub differences: Vec<Difference>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum NearKind {
    Exchange,
    Job,
}

impl NearKind {
    /// Its name, as the journal's JSON gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            NearKind::Exchange => "exchange",
            NearKind::Job => "job",
        }
    }
}

/// One way a request differs from its near miss.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Difference {
    pub what: What,
    /// The parameter's name, for a parameter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What the request sent (`None`: it did not send the parameter).
    pub sent: Option<String>,
    /// What the recording has.
    pub recorded: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum What {
    Method,
    Path,
    Param,
    JobId,
}

impl What {
    /// Its name, as the journal's JSON gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            What::Method => "method",
            What::Path => "path",
            What::Param => "param",
            What::JobId => "jobId",
        }
    }
}

/// How many candidates are compared character by character, after the byte comparison
/// ranked them all.
const SHORTLIST: usize = 16;

/// Below this similarity (0 to 1) of path, no exchange is near: naming it would mislead. (A job
/// ID has no floor: the closest job of the set is always worth naming.)
const LEAST_SIMILAR: f32 = 0.5;

/// The exchange or job of `fixtures` closest to a request of `method` on `path` with `params`,
/// when one is near enough to be worth naming.
pub fn find(
    fixtures: &FixtureSet,
    method: &str,
    path: &str,
    params: &[(String, String)],
) -> Option<NearMiss> {
    // A poll of a job the set lacks is answered best by the job whose ID is closest, however
    // far: an exchange on a similar path would point away from the mistake, the ID.
    if let Some((id, _)) = fixtures.flavour().job_route(path)
        && let Some(near) = closest_job(fixtures, id, path)
    {
        return Some(near);
    }
    closest_exchange(fixtures, method, path, params).map(|(_, near)| near)
}

impl NearMiss {
    /// One line for a message: `closest recorded exchange "x" (POST /p): parameter a is "1"
    /// here, "2" in the recording`.
    pub fn describe(&self) -> String {
        let what = match self.kind {
            NearKind::Exchange => format!(
                "closest recorded exchange {:?} ({} {})",
                &*self.name,
                self.method.as_deref().unwrap_or("GET"),
                self.path
            ),
            NearKind::Job => {
                let sent = self.differences.iter().find(|d| d.what == What::JobId);
                let sent = sent.and_then(|d| d.sent.as_deref()).unwrap_or_default();
                return format!(
                    "no job {sent} in the set; the closest is {} (GET /__jobmock/jobs lists \
                     them all)",
                    self.name
                );
            }
        };
        let differences: Vec<String> = self.differences.iter().map(Difference::describe).collect();
        if differences.is_empty() {
            what
        } else {
            format!("{what}: {}", differences.join("; "))
        }
    }
}

impl Difference {
    fn describe(&self) -> String {
        let shown = |value: &Option<String>| match value {
            Some(value) => format!("{:?}", clip(value)),
            None => "not sent".to_string(),
        };
        match self.what {
            What::Method => {
                let sent = self.sent.as_deref().unwrap_or_default();
                let recorded = self.recorded.as_deref().unwrap_or_default();
                // GET and POST differ only where the exchange asks for its method exactly.
                let why = if crate::fixture::exchange::method_answers(recorded, false, sent) {
                    " (its request.json says \"exactMethod\": true)"
                } else {
                    ""
                };
                format!("method {sent} here, {recorded} in the recording{why}")
            }
            What::Path => format!(
                "path {} here, {} in the recording",
                self.sent.as_deref().unwrap_or_default(),
                self.recorded.as_deref().unwrap_or_default()
            ),
            What::JobId => format!(
                "job ID {} here, {} in the fixtures",
                self.sent.as_deref().unwrap_or_default(),
                self.recorded.as_deref().unwrap_or_default()
            ),
            What::Param => match &self.sent {
                None => format!(
                    "parameter {} not sent, {} in the recording",
                    self.name.as_deref().unwrap_or_default(),
                    shown(&self.recorded)
                ),
                Some(_) => format!(
                    "parameter {} is {} here, {} in the recording",
                    self.name.as_deref().unwrap_or_default(),
                    shown(&self.sent),
                    shown(&self.recorded)
                ),
            },
        }
    }
}

/// `value`, cut to a length a one-line message can hold.
fn clip(value: &str) -> std::borrow::Cow<'_, str> {
    const LONGEST: usize = 120;
    match value.char_indices().nth(LONGEST) {
        Some((end, _)) => format!("{}…", &value[..end]).into(),
        None => value.into(),
    }
}

/// The closest exchange and its cost (lower is closer): a different path costs more than a
/// different method, which costs more than a parameter.
fn closest_exchange(
    fixtures: &FixtureSet,
    method: &str,
    path: &str,
    params: &[(String, String)],
) -> Option<(f32, NearMiss)> {
    let exchanges = fixtures.exchanges();
    if exchanges.is_empty() {
        return None;
    }
    let shortlist = shortlist(
        exchanges.iter().map(|exchange| exchange.path.as_str()),
        path,
    );
    shortlist
        .into_iter()
        .filter_map(|index| {
            let exchange = &exchanges[index];
            let similarity = similarity(&exchange.path, path);
            if similarity < LEAST_SIMILAR {
                return None;
            }
            let mut differences = Vec::new();
            let mut cost = 0.0;
            if exchange.path != path {
                cost += 4.0 + 10.0 * (1.0 - similarity);
                differences.push(Difference {
                    what: What::Path,
                    name: None,
                    sent: Some(path.to_string()),
                    recorded: Some(exchange.path.clone()),
                });
            }
            if !exchange.answers_method(method) {
                cost += 2.0;
                differences.push(Difference {
                    what: What::Method,
                    name: None,
                    sent: Some(method.to_string()),
                    recorded: Some(exchange.method.clone()),
                });
            }
            for (name, recorded) in &exchange.params {
                let sent = crate::params::last(params, name);
                if sent == Some(recorded.as_str()) {
                    // Between equally distant recordings, the one that agrees on more is
                    // the more telling.
                    cost -= 0.01;
                    continue;
                }
                cost += 1.0;
                let shown = |value: &str| {
                    if is_secret_param(name) {
                        REDACTED.to_string()
                    } else {
                        value.to_string()
                    }
                };
                differences.push(Difference {
                    what: What::Param,
                    name: Some(name.clone()),
                    sent: sent.map(shown),
                    recorded: Some(shown(recorded)),
                });
            }
            let near = NearMiss {
                kind: NearKind::Exchange,
                name: exchange.name.to_string(),
                method: Some(exchange.method.clone()),
                path: exchange.path.clone(),
                differences,
            };
            Some((cost, near))
        })
        .min_by(|(a, _), (b, _)| a.total_cmp(b))
}

/// The fixture job whose ID is closest to `id` (a job polled that the set does not hold),
/// however far: the shortlist ranks by the bytes shared at both ends, then the closest by
/// characters wins, the first in the set between equals.
fn closest_job(fixtures: &FixtureSet, id: &str, path: &str) -> Option<NearMiss> {
    let jobs = fixtures.jobs();
    let shortlist = shortlist(jobs.iter().map(|job| &*job.id), id);
    shortlist
        .into_iter()
        .map(|index| (similarity(&jobs[index].id, id), index))
        .max_by(|(a, a_index), (b, b_index)| a.total_cmp(b).then(b_index.cmp(a_index)))
        .map(|(_, index)| {
            let job = &jobs[index];
            NearMiss {
                kind: NearKind::Job,
                name: job.id.to_string(),
                method: None,
                path: path.replacen(id, &job.id, 1),
                differences: vec![Difference {
                    what: What::JobId,
                    name: None,
                    sent: Some(id.to_string()),
                    recorded: Some(job.id.to_string()),
                }],
            }
        })
}

/// The indexes of the few `candidates` most like `wanted` by a byte comparison (the bytes
/// they start and end with in common), best first; the same string first of all.
fn shortlist<'a>(candidates: impl Iterator<Item = &'a str>, wanted: &str) -> Vec<usize> {
    let mut ranked: Vec<(usize, usize)> = candidates
        .enumerate()
        .map(|(index, candidate)| (usize::MAX - shared_ends(candidate, wanted), index))
        .collect();
    let keep = SHORTLIST.min(ranked.len());
    if keep < ranked.len() {
        ranked.select_nth_unstable(keep);
        ranked.truncate(keep);
    }
    ranked.sort_unstable();
    ranked.into_iter().map(|(_, index)| index).collect()
}

/// How many bytes `a` and `b` share at their start and at their end; equal strings outrank all.
fn shared_ends(a: &str, b: &str) -> usize {
    if a == b {
        return usize::MAX / 2;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let start = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let end = a[start..]
        .iter()
        .rev()
        .zip(b[start.min(b.len())..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    start + end
}

/// How alike two strings are, from 0 (nothing in common) to 1 (equal), character by character.
fn similarity(a: &str, b: &str) -> f32 {
    if a == b {
        return 1.0;
    }
    similar::TextDiff::from_chars(a, b).ratio()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_those_of_the_json() {
        for kind in [NearKind::Exchange, NearKind::Job] {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
        for what in [What::Method, What::Path, What::Param, What::JobId] {
            assert_eq!(serde_json::to_value(what).unwrap(), what.as_str());
        }
    }

    #[test]
    fn shared_ends_counts_prefix_and_suffix_once() {
        assert_eq!(shared_ends("abcxyz", "abcqyz"), 5);
        assert_eq!(shared_ends("aaa", "aa"), 2);
        assert_eq!(shared_ends("", "abc"), 0);
        assert!(shared_ends("same", "same") > shared_ends("same", "sama"));
    }

    #[test]
    fn the_shortlist_keeps_the_best_few() {
        let names: Vec<String> = (0..100).map(|i| format!("/p/{i:03}/x")).collect();
        let list = shortlist(names.iter().map(String::as_str), "/p/042/x");
        assert_eq!(list[0], 42);
        assert_eq!(list.len(), SHORTLIST);
    }

    #[test]
    fn a_parameter_difference_reads_as_one() {
        let difference = Difference {
            what: What::Param,
            name: Some("updatePortalItem".into()),
            sent: Some("true".into()),
            recorded: Some("false".into()),
        };
        assert_eq!(
            difference.describe(),
            "parameter updatePortalItem is \"true\" here, \"false\" in the recording"
        );
    }
}
