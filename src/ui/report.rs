//! `jobmock report`: the web view of a fixture set on disk (a recording, an import, a set
//! written by hand) as one self-contained HTML file, for a ticket: each job's steps with their
//! hold counts and recorded offsets on an axis, the templates, the exchanges, and `diff`'s
//! findings for the set. No server runs, and nothing is fetched when the file is opened.

use std::path::Path;

use super::{Page, render};
use crate::error::Result;
use crate::fixture::FixtureSet;
use crate::fixture::view::Listing;

/// The page of the set at `dir`.
pub fn report(dir: &Path) -> Result<String> {
    let set = FixtureSet::load(dir)?;
    let listing = Listing::of_set(&set);
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
        listing,
        findings: Some(findings),
        ..Page::default()
    };
    Ok(render(&page))
}
