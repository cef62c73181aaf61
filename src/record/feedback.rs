//! What the recorder tells its user while it runs: a live status line on a terminal (jobs seen,
//! polls, steps written, the last status of each job), plain log lines otherwise, and a summary
//! at the end. Every path it prints was scrubbed by the recording thread first, and shows its
//! generated-looking segments as `…` ([`shown`](crate::fixture::layout::shown)): a line printed cannot be taken back when a
//! value is learned later. It never prints a query string or a header value.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::fixture::layout::shown;
use crate::fixture::store::Stored;
use crate::output::note;

/// The protocol a connection switched to, as printed: the first one its `Upgrade` header names,
/// lower case (`websocket`), or `other` for anything that does not read as a protocol's name (a
/// header value is never printed as it came).
pub fn shown_protocol(upgrade: &[u8]) -> String {
    let first = upgrade
        .split(|&byte| byte == b',')
        .next()
        .unwrap_or_default();
    let name = String::from_utf8_lossy(first).trim().to_ascii_lowercase();
    let plain = name
        .bytes()
        .all(|byte| byte.is_ascii_alphanumeric() || b"./_-".contains(&byte));
    if plain && (1..=24).contains(&name.len()) && !crate::redact::names::looks_random(&name) {
        name
    } else {
        "other".to_string()
    }
}

/// A job recorded so far: its ID, and each step's status with the polls it held for.
pub type RecordedJob = (String, Vec<(String, u32)>);

pub struct Feedback {
    /// The live line, when stderr is a terminal.
    bar: Option<ProgressBar>,
    /// A line per step written, when there is no live line (record); not for an import, whose
    /// summary says it all at once.
    log_lines: bool,
    /// The word of the summary: "recorded", "imported".
    verb: &'static str,
    stats: Mutex<Stats>,
}

#[derive(Default)]
struct Stats {
    polls: u64,
    steps: u64,
    exchanges: u64,
    exchange_steps: u64,
    upstream_errors: u64,
    passed_through: u64,
    /// Connections that switched protocols and were tunnelled, by protocol.
    upgrades: BTreeMap<String, u64>,
    /// Answers not written because their folder exists (and the user did not say to overwrite
    /// or append), and how many folders that was.
    refused: u64,
    refused_folders: u64,
    jobs: BTreeMap<String, JobSeen>,
    /// The flavour written into `server.json`, if this run wrote it.
    flavour: Option<crate::api::Flavour>,
}

#[derive(Default)]
struct JobSeen {
    steps: u64,
    status: String,
    /// Each step's status and how many polls it held for, in order.
    sequence: Vec<(String, u32)>,
    /// The poll count when the job was last polled, to show the busiest jobs first.
    last_poll: u64,
}

impl Feedback {
    /// `live`: draw a status line (stderr is a terminal) rather than log lines.
    pub fn new(live: bool) -> Feedback {
        let bar = live.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {wide_msg}")
                    .expect("the template is valid"),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            bar.set_message("waiting for the first request…");
            bar
        });
        Feedback {
            bar,
            log_lines: true,
            verb: "recorded",
            stats: Mutex::new(Stats::default()),
        }
    }

    /// No live line and no line per step: warnings, and the summary at the end (`verb`
    /// "imported" …).
    pub fn quiet(verb: &'static str) -> Feedback {
        Feedback {
            bar: None,
            log_lines: false,
            verb,
            stats: Mutex::new(Stats::default()),
        }
    }

    /// A job poll was answered and stored as `stored`; `status` is the job's status field.
    pub fn job_poll(&self, job: &str, status: &str, stored: &Stored) {
        let mut stats = self.lock();
        stats.polls += 1;
        let polls = stats.polls;
        // Looked up before it is inserted: a held poll (the common case) allocates nothing.
        if !stats.jobs.contains_key(job) {
            stats.jobs.insert(job.to_string(), JobSeen::default());
        }
        let seen = stats.jobs.get_mut(job).expect("inserted above");
        if seen.status != status {
            seen.status = status.to_string();
        }
        seen.last_poll = polls;
        match (stored, seen.sequence.last_mut()) {
            (Stored::NewStep(_), _) | (_, None) => seen.sequence.push((status.to_string(), 1)),
            (Stored::Held { .. }, Some((_, held))) => *held += 1,
            (Stored::Refused { .. }, Some(_)) => {}
        }
        if let Stored::NewStep(step) = stored {
            seen.steps += 1;
            stats.steps += 1;
            drop(stats);
            self.log(&format!("recorded {step} ({status})"));
        } else {
            drop(stats);
        }
        self.tell(stored);
        self.refresh();
    }

    /// Another exchange was answered and stored as `stored`.
    pub fn exchange(&self, method: &str, path: &str, stored: &Stored) {
        if let Stored::NewStep(step) = stored {
            let mut stats = self.lock();
            stats.exchange_steps += 1;
            if step.ends_with("/001.json") || step.ends_with("/001.txt") {
                stats.exchanges += 1;
            }
            drop(stats);
            self.log(&format!("recorded {step} ({method} {})", shown(path)));
        }
        self.tell(stored);
        self.refresh();
    }

    pub fn upstream_error(&self, message: &str) {
        self.lock().upstream_errors += 1;
        self.warn(message);
    }

    /// An answer too large to record, passed to the client as it streamed in.
    pub fn passed_through(&self, message: &str) {
        self.lock().passed_through += 1;
        self.warn(message);
    }

    /// A request switched protocols (`protocol`, as [`shown_protocol`] gives it) and its
    /// connection is tunnelled, not recorded: said as it happens, on the live line too, and
    /// counted in the summary.
    pub fn upgraded(&self, method: &str, path: &str, protocol: &str) {
        *self
            .lock()
            .upgrades
            .entry(protocol.to_string())
            .or_default() += 1;
        self.warn(&format!(
            "{method} {}: upgraded to {protocol}; tunnelled both ways, not recorded",
            shown(path)
        ));
    }

    /// The set's `server.json` was written with `flavour`: said in the summary.
    pub fn flavour(&self, flavour: crate::api::Flavour) {
        self.lock().flavour = Some(flavour);
    }

    /// A line the user must see, above the live line if there is one.
    pub fn warn(&self, message: &str) {
        match &self.bar {
            Some(bar) => bar.println(format!("jobmock: {message}")),
            None => note!("jobmock: {message}"),
        }
    }

    fn tell(&self, stored: &Stored) {
        if let Stored::Refused { first, .. } = stored {
            let mut stats = self.lock();
            stats.refused += 1;
            stats.refused_folders += u64::from(*first);
        }
        if let Stored::Refused {
            folder,
            first: true,
        } = stored
        {
            self.warn(&format!(
                "not recording {folder}: the folder exists (--overwrite replaces it, --append adds to it)"
            ));
        }
    }

    fn log(&self, line: &str) {
        if self.bar.is_none() && self.log_lines {
            note!("jobmock: {line}");
        }
    }

    fn refresh(&self) {
        let Some(bar) = &self.bar else { return };
        let stats = self.lock();
        let mut line = format!(
            "{} job(s), {} poll(s), {} step(s) written, {} exchange(s)",
            stats.jobs.len(),
            stats.polls,
            stats.steps,
            stats.exchanges
        );
        // The jobs polled most recently first; the line is cut at the terminal's width.
        let mut recent: Vec<_> = stats.jobs.iter().collect();
        recent.sort_by_key(|(_, job)| std::cmp::Reverse(job.last_poll));
        for (job, seen) in recent {
            // Job IDs differ in their first characters; the whole UUID would crowd the line.
            let short: String = job.chars().take(9).collect();
            line.push_str(&format!(" | {short}…: {}", seen.status));
        }
        bar.set_message(line);
    }

    /// Each job recorded so far, with its steps' statuses and hold counts, and the number of
    /// exchanges: what the recorder's web view shows.
    pub fn recorded(&self) -> (Vec<RecordedJob>, u64) {
        let stats = self.lock();
        let jobs = stats
            .jobs
            .iter()
            .map(|(job, seen)| (job.clone(), seen.sequence.clone()))
            .collect();
        (jobs, stats.exchanges)
    }

    /// How many answers were not written because their folder exists.
    pub fn refused(&self) -> u64 {
        self.lock().refused
    }

    /// Clears the live line and returns the summary of what was written.
    pub fn finish(&self, root: &std::path::Path) -> String {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        let stats = self.lock();
        let mut summary = format!(
            "{} into {}: {} job(s) with {} step(s) from {} poll(s), {} exchange(s) with {} step(s)",
            self.verb,
            root.display(),
            stats.jobs.len(),
            stats.steps,
            stats.polls,
            stats.exchanges,
            stats.exchange_steps
        );
        if stats.upstream_errors > 0 {
            summary.push_str(&format!(
                "; {} request(s) failed upstream and were not recorded",
                stats.upstream_errors
            ));
        }
        if stats.refused > 0 {
            summary.push_str(&format!(
                "; {} answer(s) not written: their {} folder(s) exist (--overwrite replaces them, --append adds to them)",
                stats.refused, stats.refused_folders
            ));
        }
        if stats.passed_through > 0 {
            summary.push_str(&format!(
                "; {} answer(s) larger than --max-record-bytes were passed through, not recorded",
                stats.passed_through
            ));
        }
        if !stats.upgrades.is_empty() {
            let count: u64 = stats.upgrades.values().sum();
            let protocols: Vec<String> = stats
                .upgrades
                .iter()
                .map(|(protocol, times)| match times {
                    1 => protocol.clone(),
                    times => format!("{protocol} ×{times}"),
                })
                .collect();
            summary.push_str(&format!(
                "; {count} upgrade(s) ({}) tunnelled, not recorded",
                protocols.join(", ")
            ));
        }
        if let Some(flavour) = stats.flavour {
            summary.push_str(&format!(
                "\n  {}: {flavour} ({})",
                crate::fixture::server::SERVER_FILE,
                flavour.product()
            ));
        }
        for (job, seen) in &stats.jobs {
            let sequence: Vec<String> = seen
                .sequence
                .iter()
                .map(|(status, polls)| match polls {
                    1 => status.clone(),
                    polls => format!("{status} ×{polls}"),
                })
                .collect();
            summary.push_str(&format!(
                "\n  jobs/{job}: {} step(s) written: {}",
                seen.steps,
                sequence.join(" → ")
            ));
        }
        summary
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Stats> {
        self.stats
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_protocol_is_shown_by_its_name_and_nothing_else() {
        assert_eq!(shown_protocol(b"websocket"), "websocket");
        assert_eq!(shown_protocol(b"WebSocket, h2c"), "websocket");
        assert_eq!(shown_protocol(b"TLS/1.2"), "tls/1.2");
        assert_eq!(shown_protocol(b"token=s3cr3t"), "other");
        assert_eq!(shown_protocol(b"a7f3c9e1b2d4f6a8c0e2b4d6f8a1c3e5"), "other");
        assert_eq!(shown_protocol(b""), "other");
    }
}
