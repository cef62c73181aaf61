//! The crate's error type: every failure that stops a command, with the context a user needs to
//! fix it (which file, which line and column, which job, which field).
//!
//! Failures while serving a request never become an `Error`: the HTTP layer turns them into an
//! answer at its boundary. An `Error` means the command itself cannot go on (exit code 2).

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Why a command could not run.
#[derive(Debug)]
pub enum Error {
    /// A file or folder of the fixture set could not be read.
    Io { path: PathBuf, source: io::Error },
    /// A fixture file is not valid JSON, or does not have the expected fields.
    Json {
        path: PathBuf,
        /// Where on serde_json's line, 1-based and in characters (see [`Error::json`]).
        column: usize,
        source: serde_json::Error,
    },
    /// A shape file does not read as the shape notation.
    Shape {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// A fixture set is readable but breaks a rule of the format.
    Fixture(Problem),
    /// A file given on the command line (a HAR, a certificate, a key) is not what it must be.
    Input(Problem),
    /// An output file (`--out`) that jobmock will not write: it exists, or is not a regular
    /// file.
    OutFile(Problem),
    /// A file or a recording is past one of jobmock's limits, so it is refused whole.
    TooLarge(Problem),
    /// A fixture file's content breaks a rule at one place (too deep, not UTF-8).
    FixtureAt {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
        hint: String,
    },
    /// A fixture file could not be written.
    Write { path: PathBuf, source: io::Error },
    /// The listen address could not be bound.
    Bind { addr: String, source: io::Error },
    /// The async runtime could not be started (out of threads or file descriptors).
    Runtime { source: io::Error },
    /// A command-line value is out of range in a way clap cannot check.
    Usage { message: String },
    /// What a command prints could not be written to stdout (a closed pipe, a full disk).
    Output { source: io::Error },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// `text` (the content of `path`) does not read as the JSON expected. serde_json counts
    /// columns in bytes read on the line so far: an error found before the line's first
    /// character (the end of a file that ends in a line break, `{\n`) is its column 0, and one
    /// after `é` is a column too far. Every other position jobmock prints is 1-based and in
    /// characters, so the column is counted again here, in `text`.
    pub(crate) fn json(path: impl Into<PathBuf>, text: &[u8], source: serde_json::Error) -> Error {
        let column = serde_column(text, source.line(), source.column());
        Error::Json {
            path: path.into(),
            column,
            source,
        }
    }

    pub(crate) fn fixture(
        path: impl Into<PathBuf>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Error {
        Error::Fixture(Problem::new(path, message, hint))
    }

    pub(crate) fn input(
        path: impl Into<PathBuf>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Error {
        Error::Input(Problem::new(path, message, hint))
    }

    pub(crate) fn out_file(
        path: impl Into<PathBuf>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Error {
        Error::OutFile(Problem::new(path, message, hint))
    }

    pub(crate) fn too_large(
        path: impl Into<PathBuf>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Error {
        Error::TooLarge(Problem::new(path, message, hint))
    }
}

/// What is wrong with one file, and how to fix it: the body of the errors that differ only in
/// what kind of file it is.
#[derive(Debug)]
pub struct Problem {
    pub path: PathBuf,
    /// What is wrong, naming the field or job where there is one.
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

impl Problem {
    fn new(
        path: impl Into<PathBuf>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Problem {
        Problem {
            path: path.into(),
            message: message.into(),
            hint: hint.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, .. } => write!(f, "cannot read {}", path.display()),
            Error::Json {
                path,
                column,
                source,
            } => {
                // serde_json puts "at line L column C" at the end of its own message; we lead
                // with the position in the `file:line:column` form editors and terminals link.
                let line = source.line();
                let message = source.to_string();
                let message = message
                    .strip_suffix(&format!(" at line {line} column {}", source.column()))
                    .unwrap_or(&message);
                if line == 0 {
                    write!(f, "{}: {message}", path.display())
                } else {
                    write!(f, "{}:{line}:{column}: {message}", path.display())
                }
            }
            Error::Shape {
                path,
                line,
                column,
                message,
            } => write!(f, "{}:{line}:{column}: {message}", path.display()),
            Error::Fixture(problem)
            | Error::Input(problem)
            | Error::OutFile(problem)
            | Error::TooLarge(problem) => write!(
                f,
                "{}: {} (fix: {})",
                problem.path.display(),
                problem.message,
                problem.hint
            ),
            Error::FixtureAt {
                path,
                line,
                column,
                message,
                hint,
            } => write!(
                f,
                "{}:{line}:{column}: {message} (fix: {hint})",
                path.display()
            ),
            Error::Write { path, .. } => write!(f, "cannot write {}", path.display()),
            Error::Bind { addr, source } => write!(
                f,
                "cannot listen on {addr}: {} (fix: {})",
                without_os_error(source),
                bind_fix(addr, source)
            ),
            Error::Runtime { .. } => write!(f, "cannot start the async runtime"),
            Error::Usage { message } => write!(f, "{message}"),
            Error::Output { .. } => write!(f, "cannot write the output"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. }
            | Error::Write { source, .. }
            | Error::Runtime { source }
            | Error::Output { source } => Some(source),
            // The JSON error's message, and the bind error's cause, are already part of our
            // Display: the fix is said after the cause.
            Error::Json { .. }
            | Error::Bind { .. }
            | Error::Shape { .. }
            | Error::Fixture(_)
            | Error::Input(_)
            | Error::OutFile(_)
            | Error::TooLarge(_)
            | Error::FixtureAt { .. }
            | Error::Usage { .. } => None,
        }
    }
}

/// An I/O error's message without the `(os error 98)` a person has no use for.
fn without_os_error(err: &io::Error) -> String {
    let message = err.to_string();
    match message.split_once(" (os error") {
        Some((message, _)) => message.to_string(),
        None => message,
    }
}

/// What to do when `addr` cannot be bound: another port, mostly, and `--listen 127.0.0.1:0`
/// for one that is free whatever runs.
fn bind_fix(addr: &str, source: &io::Error) -> String {
    let free = "pass --listen 127.0.0.1:0 for a free port (the `listening on` line names it)";
    match source.kind() {
        io::ErrorKind::AddrInUse => format!(
            "another program (perhaps another jobmock) listens on {addr}; {free}, or another port"
        ),
        io::ErrorKind::PermissionDenied => {
            format!("ports below 1024 need privileges; {free}, or a port above 1024")
        }
        io::ErrorKind::AddrNotAvailable => format!(
            "that address is not one of this machine's; listen on 127.0.0.1 (this machine only) \
             or 0.0.0.0 (every interface): {free}"
        ),
        _ => format!("give --listen HOST:PORT, such as 127.0.0.1:8080; {free}"),
    }
}

/// The 1-based column, in characters, of the position serde_json reports: `line`, and
/// `byte_column`, the bytes read on that line when the error was found (0 before its first
/// character). An error is never placed before column 1.
fn serde_column(text: &[u8], line: usize, byte_column: usize) -> usize {
    let start = match line {
        0 | 1 => 0,
        _ => memchr::memchr_iter(b'\n', text)
            .nth(line - 2)
            .map_or(text.len(), |newline| newline + 1),
    };
    let end = (start + byte_column).min(text.len());
    String::from_utf8_lossy(&text[start..end])
        .chars()
        .count()
        .max(1)
}

/// The whole chain of an error, joined with `": "`, for the one line printed before exit.
pub fn report(err: &(dyn std::error::Error + 'static)) -> String {
    let mut line = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        line.push_str(": ");
        line.push_str(&cause.to_string());
        source = cause.source();
    }
    line
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_errors_lead_with_file_line_and_column() {
        let text = "{\n  \"a\": ,\n}";
        let source = serde_json::from_str::<serde_json::Value>(text).unwrap_err();
        let err = Error::json("jobs/j1/001.json", text.as_bytes(), source);
        assert_eq!(
            err.to_string(),
            "jobs/j1/001.json:2:8: expected value",
            "got {err}"
        );
    }

    /// serde_json says column 0 for an error at the start of a line (a file cut short after a
    /// line break); the position printed is 1-based like every other.
    #[test]
    fn an_error_at_the_start_of_a_line_is_in_column_1() {
        let source = serde_json::from_str::<serde_json::Value>("{\n").unwrap_err();
        assert_eq!(source.column(), 0, "serde_json's own column");
        let err = Error::json("jobs/j1/004.json", b"{\n", source);
        assert_eq!(
            err.to_string(),
            "jobs/j1/004.json:2:1: EOF while parsing an object"
        );
    }

    /// Columns count characters, as every other position does, not serde_json's bytes.
    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "{\n  \"é\": ,\n}";
        let source = serde_json::from_str::<serde_json::Value>(text).unwrap_err();
        assert_eq!(source.column(), 9, "serde_json's own column, in bytes");
        let err = Error::json("jobs/j1/001.json", text.as_bytes(), source);
        assert_eq!(err.to_string(), "jobs/j1/001.json:2:8: expected value");
    }

    #[test]
    fn report_joins_the_chain() {
        let err = Error::io(
            "fixtures",
            io::Error::new(io::ErrorKind::NotFound, "no such file"),
        );
        assert_eq!(report(&err), "cannot read fixtures: no such file");
    }

    #[test]
    fn an_address_in_use_says_how_to_get_a_free_port() {
        let err = Error::Bind {
            addr: "127.0.0.1:8080".into(),
            source: io::Error::new(
                io::ErrorKind::AddrInUse,
                "Address already in use (os error 98)",
            ),
        };
        assert_eq!(
            report(&err),
            "cannot listen on 127.0.0.1:8080: Address already in use (fix: another program \
             (perhaps another jobmock) listens on 127.0.0.1:8080; pass --listen 127.0.0.1:0 for \
             a free port (the `listening on` line names it), or another port)"
        );
    }
}
