//! Every `jobmock …` command line the pages show parses with the real command line: a flag
//! renamed, removed or given a value it no longer takes breaks the page that shows it.

use super::{blocks, pages, read};
use clap::Parser;
use jobmock::cli::Cli;

/// The words of one shell command line, as far as the first operator (`|`, `&&`, `;`, `>`, `&`)
/// or comment; `None` for a line that is not a whole command (an open quote).
pub fn shell_words(line: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        close if close == c => break,
                        other => word.push(other),
                    }
                }
            }
            '\\' => {
                in_word = true;
                word.extend(chars.next());
            }
            ' ' | '\t' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '|' | ';' | '>' | '&' => break,
            '#' if !in_word => break,
            other => {
                in_word = true;
                word.push(other);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Some(words)
}

/// The command lines of a block: `$ ` lines of a console block, every line of an `sh` block,
/// with `\` continuations joined.
fn command_lines(language: &str, text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (offset, line) in text.lines().enumerate() {
        let line = match (&pending, language) {
            (Some(_), _) => line.trim(),
            (None, "console") => match line.strip_prefix("$ ") {
                Some(command) => command,
                None => continue,
            },
            (None, _) => line.trim(),
        };
        let (start, mut joined) = pending.take().unwrap_or((offset, String::new()));
        match line.strip_suffix('\\') {
            Some(head) => {
                joined.push_str(head);
                joined.push(' ');
                pending = Some((start, joined));
            }
            None => {
                joined.push_str(line);
                found.push((start, joined));
            }
        }
    }
    found
}

/// The `Examples:` paragraph of a `--help`, one command per line (the explanation after two
/// spaces cut off), the other lines left empty so that line numbers hold.
fn help_examples(help: &str) -> String {
    let mut in_examples = false;
    let mut kept = Vec::new();
    for line in help.lines() {
        if line.trim().is_empty() {
            in_examples = false;
        }
        let command = line.trim();
        let keep = in_examples && (command.starts_with("jobmock ") || !command.is_empty());
        kept.push(if keep {
            command.split("  ").next().unwrap_or(command).to_string()
        } else {
            String::new()
        });
        if line.starts_with("Examples:") {
            in_examples = true;
        }
    }
    kept.join("\n")
}

#[test]
fn every_jobmock_command_line_in_the_pages_parses() {
    let mut wrong = Vec::new();
    let mut checked = 0;
    for page in pages() {
        for block in blocks(&read(&page)) {
            // docs/reference/cli.md's `text` blocks are `--help`: its `Examples:` lines are checked
            // too, up to the two spaces before their explanation.
            let lines = match block.language.as_str() {
                "sh" | "console" => command_lines(&block.language, &block.text),
                "text" => command_lines("sh", &help_examples(&block.text)),
                _ => continue,
            };
            for (offset, line) in lines {
                // A synopsis (`[--flag]`, `<value>`) shows a form, not a command.
                if line.contains('[') || line.contains('<') {
                    continue;
                }
                let Some(words) = shell_words(&line) else {
                    continue;
                };
                if words.first().map(String::as_str) != Some("jobmock") {
                    continue;
                }
                checked += 1;
                if let Err(error) = Cli::try_parse_from(&words) {
                    use clap::error::ErrorKind::{DisplayHelp, DisplayVersion};
                    if !matches!(error.kind(), DisplayHelp | DisplayVersion) {
                        let first = error.to_string().lines().next().unwrap_or("").to_string();
                        wrong.push(format!(
                            "{}:{}: `{line}`: {first}",
                            page.display(),
                            block.line + offset
                        ));
                    }
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "command lines the binary refuses:\n{}",
        wrong.join("\n")
    );
    assert!(
        checked >= 15,
        "only {checked} command lines were found: is the search broken?"
    );
}

#[test]
fn the_command_check_reads_lines_as_a_shell_does() {
    assert_eq!(
        shell_words(r#"jobmock replay --fixtures "my set" --listen 127.0.0.1:0 | head # note"#)
            .unwrap(),
        [
            "jobmock",
            "replay",
            "--fixtures",
            "my set",
            "--listen",
            "127.0.0.1:0"
        ]
    );
    let lines = command_lines("console", "$ jobmock diff \\\n    recorded\noutput\n");
    assert_eq!(lines, [(0, "jobmock diff  recorded".to_string())]);
    assert!(Cli::try_parse_from(["jobmock", "replay", "--no-such-flag"]).is_err());
}
