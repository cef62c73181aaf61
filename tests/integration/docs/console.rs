//! The `console` blocks marked `<!-- doc-test: console -->` run as a reader would run them, in a
//! scratch folder where `fixtures` is the shipped set (and `tests` the repository's), with this build's `jobmock` first on
//! PATH, and what each `$ ` line prints must be what the page shows. In the page's output, a
//! line `…` stands for any lines and `…` in a line for any text.
//!
//! A server a block needs is started on a free port, and `127.0.0.1:8080` in the block means
//! it: `server="ARGS"` in the directive starts `jobmock ARGS` before the block, and a block's
//! own `$ jobmock replay …` line (the first line of a block marked `starts-server`) is started
//! in the background, its `listening on` line being what it prints.

use super::{blocks, pages, read, repository};
use crate::util::Binary;
use std::process::Command;

const SHOWN_ADDRESS: &str = "127.0.0.1:8080";
const STEP_MARK: &str = "@@jobmock-doc-step@@";

/// Whether `actual` is what `expected` shows, `…` being the wildcard.
fn matches(expected: &[&str], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((&"…", rest)) => (0..=actual.len()).any(|skip| matches(rest, &actual[skip..])),
        Some((line, rest)) => match actual.split_first() {
            Some((first, others)) => line_matches(line, first) && matches(rest, others),
            None => false,
        },
    }
}

fn line_matches(expected: &str, actual: &str) -> bool {
    let parts: Vec<&str> = expected.split('…').collect();
    if parts.len() == 1 {
        return expected == actual;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !actual.starts_with(first) || !actual[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &actual[first.len()..actual.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// A block's commands and the output each shows.
fn steps(text: &str) -> Vec<(String, Vec<String>)> {
    let mut steps: Vec<(String, Vec<String>)> = Vec::new();
    for line in text.lines() {
        match line.strip_prefix("$ ") {
            Some(command) => steps.push((command.to_string(), Vec::new())),
            None => match steps.last_mut() {
                Some((_, output)) => output.push(line.to_string()),
                None => panic!("a console block starts with output, not a `$ ` line: {line}"),
            },
        }
    }
    steps
}

fn server_args(directive: &str) -> Option<Vec<String>> {
    let start = directive.find("server=\"")? + "server=\"".len();
    let end = start + directive[start..].find('"')?;
    Some(
        directive[start..end]
            .split_whitespace()
            .map(String::from)
            .collect(),
    )
}

#[test]
fn the_console_examples_print_what_the_pages_show() {
    let binary_dir = std::path::Path::new(env!("CARGO_BIN_EXE_jobmock"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        binary_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut ran = 0;
    let mut wrong = Vec::new();
    for page in pages() {
        for block in blocks(&read(&page)) {
            let Some(directive) = block.directive.as_deref() else {
                continue;
            };
            if !directive.starts_with("console") {
                continue;
            }
            ran += 1;
            let where_ = format!("{}:{}", page.display(), block.line);
            let scratch = tempfile::tempdir().unwrap();
            for shared in ["fixtures", "tests"] {
                std::os::unix::fs::symlink(repository().join(shared), scratch.path().join(shared))
                    .unwrap();
            }
            let start = |mut args: Vec<String>| {
                args.extend(["--listen".to_string(), "127.0.0.1:0".to_string()]);
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                Binary::start_in(scratch.path(), &args)
            };
            let mut steps = steps(&block.text);
            let mut server = server_args(directive).map(start);
            let mut skip = 0;
            if directive.contains("starts-server") {
                let (command, shown) = &steps[0];
                let args = super::commands::shell_words(command).unwrap();
                assert_eq!(
                    args[0], "jobmock",
                    "{where_}: starts-server, but the first line is `{command}`"
                );
                let started = start(args[1..].to_vec());
                let line = format!("listening on {}", started.base);
                let address = started.base.split("://").nth(1).unwrap().to_string();
                let line = line.replace(&address, SHOWN_ADDRESS);
                let shown: Vec<&str> = shown.iter().map(String::as_str).collect();
                if !matches(&shown, &[line.as_str()]) {
                    wrong.push(format!(
                        "{where_}: `{command}` printed {line:?}, the page shows {shown:?}"
                    ));
                }
                server = Some(started);
                skip = 1;
            }
            steps.drain(..skip);
            let address = server
                .as_ref()
                .map(|server| server.base.split("://").nth(1).unwrap().to_string());
            let mut script = String::new();
            for (command, _) in &steps {
                let command = match &address {
                    Some(address) => command.replace(SHOWN_ADDRESS, address),
                    None => command.clone(),
                };
                // The mark goes after the command, on a line of its own even when the output
                // ends without a newline (a curl of a JSON answer).
                script.push_str(&format!("{command} 2>&1\nprintf '\\n{STEP_MARK}\\n'\n"));
            }
            let output = Command::new("bash")
                .arg("-c")
                .arg(&script)
                .current_dir(scratch.path())
                .env("PATH", &path)
                .output()
                .expect("bash runs");
            let mut printed = String::from_utf8_lossy(&output.stdout).into_owned();
            if let Some(address) = &address {
                printed = printed.replace(address.as_str(), SHOWN_ADDRESS);
            }
            let outputs: Vec<Vec<&str>> = printed
                .split(&format!("\n{STEP_MARK}\n"))
                .map(|output| output.lines().collect())
                .collect();
            for (index, (command, shown)) in steps.iter().enumerate() {
                let actual = outputs.get(index).cloned().unwrap_or_default();
                let shown: Vec<&str> = shown.iter().map(String::as_str).collect();
                if !matches(&shown, &actual) {
                    wrong.push(format!(
                        "{where_}: `{command}` printed:\n{}\nbut the page shows:\n{}",
                        actual.join("\n"),
                        shown.join("\n")
                    ));
                }
            }
            drop(server);
        }
    }
    assert!(
        wrong.is_empty(),
        "console examples that drifted:\n\n{}",
        wrong.join("\n\n")
    );
    assert!(ran >= 3, "only {ran} console blocks are marked to run");
}

#[test]
fn the_console_check_refuses_what_differs() {
    assert!(matches(&["a", "…", "d"], &["a", "b", "c", "d"]));
    assert!(matches(&["a …z", "…"], &["a bz"]));
    assert!(!matches(&["a", "d"], &["a", "b", "d"]));
    assert!(!matches(&["x…y"], &["xz"]));
    assert!(!matches(&["a"], &[]));
}
