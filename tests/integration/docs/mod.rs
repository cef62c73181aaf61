//! The documentation as code: every Markdown page of the repository (README.md,
//! CONTRIBUTING.md, ARCHITECTURE.md, CHANGELOG.md, docs/) is read here, and a page that drifts
//! from the tool fails the build.
//!
//! - `links`: every relative link names a file that exists, and every `#anchor` a heading of it.
//! - `commands`: every `jobmock …` command line in a `sh` or `console` block parses with the
//!   real command line (clap), so a renamed or removed flag breaks the page.
//! - `console`: a `console` block marked `<!-- doc-test: console … -->` is run, command by
//!   command, against a server of its own, and prints what the page says it prints.
//! - `cli_reference`: docs/reference/cli.md is `--help` of every command, generated from clap;
//!   `JOBMOCK_BLESS=1 cargo test --test integration docs::` writes it afresh.
//!
//! The Python blocks marked `<!-- doc-test: python -->` are run by tests/e2e/docs_examples.py,
//! with the real client (`make e2e`).

mod cli_reference;
mod commands;
mod console;
mod links;

use std::path::{Path, PathBuf};

pub fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Markdown pages, relative to the repository.
pub fn pages() -> Vec<PathBuf> {
    let root = repository();
    let mut pages: Vec<PathBuf> = [
        "README.md",
        "CONTRIBUTING.md",
        "ARCHITECTURE.md",
        "CHANGELOG.md",
    ]
    .iter()
    .map(PathBuf::from)
    .collect();
    for entry in walkdir::WalkDir::new(root.join("docs")).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.path().extension().is_some_and(|ext| ext == "md") {
            pages.push(entry.path().strip_prefix(&root).unwrap().to_path_buf());
        }
    }
    pages
}

pub fn read(page: &Path) -> String {
    std::fs::read_to_string(repository().join(page))
        .unwrap_or_else(|error| panic!("{}: {error}", page.display()))
}

/// A fenced block: its language, the `<!-- doc-test: … -->` line just before it (if any), its
/// text, and the line its first text line is on.
pub struct Block {
    pub language: String,
    pub directive: Option<String>,
    pub text: String,
    pub line: usize,
}

pub fn blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut index = 0;
    while index < lines.len() {
        let line = lines[index];
        if let Some(language) = line.strip_prefix("```") {
            let directive = index
                .checked_sub(1)
                .map(|previous| lines[previous].trim())
                .and_then(|previous| previous.strip_prefix("<!-- doc-test:"))
                .and_then(|rest| rest.strip_suffix("-->"))
                .map(|rest| rest.trim().to_string());
            let start = index + 1;
            let mut end = start;
            while end < lines.len() && !lines[end].starts_with("```") {
                end += 1;
            }
            blocks.push(Block {
                language: language.trim().to_string(),
                directive,
                text: lines[start..end].join("\n"),
                line: start + 1,
            });
            index = end + 1;
        } else {
            index += 1;
        }
    }
    blocks
}
