//! `jobmock report`: the web view of a fixture set on disk (a recording, an import, a set
//! written by hand) as one self-contained HTML file, for a ticket: each job's steps with their
//! hold counts and recorded offsets on an axis, the templates, the exchanges, and `diff`'s
//! findings for the set. No server runs, and nothing is fetched when the file is opened.

use std::path::Path;

use serde_json::{Value, json};

use super::{Page, describe_steps, job_type, render};
use crate::error::Result;
use crate::fixture::{FixtureSet, Job};

/// The page of the set at `dir`.
pub fn report(dir: &Path) -> Result<String> {
    let set = FixtureSet::load(dir)?;
    let mut jobs: Vec<Value> = set
        .jobs()
        .iter()
        .map(|job| job_value(&job.id, job))
        .collect();
    let mut templates: Vec<(&str, &Job)> = set.templates().collect();
    templates.sort_by_key(|(job_type, _)| *job_type);
    for (job_type, job) in templates {
        jobs.push(job_value(&format!("templates/{job_type}"), job));
    }
    let exchanges: Vec<Value> = set
        .exchanges()
        .iter()
        .map(|exchange| super::exchange_value(exchange, serde_json::Map::new()))
        .collect();
    let shapes = crate::diff::load_shapes_for(set.flavour(), None)?;
    let findings: Vec<String> = crate::diff::loaded::check_set(&set, &shapes)
        .iter()
        .map(|found| found.placed().to_string())
        .collect();
    let page = Page {
        title: format!("report of {}", dir.display()),
        subtitle: format!(
            "{} job(s), {} template(s), {} exchange(s); {}; written by jobmock {} on {}",
            set.jobs().len(),
            set.templates().count(),
            set.exchanges().len(),
            set.flavour().product(),
            env!("CARGO_PKG_VERSION"),
            crate::util::clock::iso_time(crate::util::clock::now_ms())
        ),
        jobs,
        exchanges,
        findings: Some(findings),
        ..Page::default()
    };
    Ok(render(&page))
}

fn job_value(id: &str, job: &Job) -> Value {
    json!({
        "jobId": id,
        "jobType": job_type(&job.steps),
        "advance": job.sequence.advance().as_str(),
        "steps": describe_steps(&job.steps, &job.sequence),
        "sessions": {},
    })
}
