//! Everything jobmock prints goes through here: what a command outputs on stdout ([`print`]),
//! and the lines it tells its user on stderr ([`note!`]).
//!
//! The Rust runtime ignores SIGPIPE, so a reader that goes away (`jobmock scan … | head`) makes
//! the next write fail with `BrokenPipe`, and `println!` panics on it. Here a failed write to
//! stdout is an [`Error::Output`] that ends the command; `main` ends quietly with exit code 0
//! when its cause is a closed pipe ([`is_closed_pipe`]), as ripgrep does. A line for stderr that
//! cannot be written is dropped: there is nowhere left to say anything, and a server (record,
//! replay) goes on with its work rather than stopping because its log reader left.
//!
//! `clippy::print_stdout` and `clippy::print_stderr` (see `lib.rs`) keep `println!` and
//! `eprintln!` out of the rest of the crate.

use std::fmt;
use std::io::Write;

use crate::error::{Error, Result};

/// Writes `text` on stdout; a write that fails ends the command (see the module's note).
pub fn print(text: impl fmt::Display) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    write!(stdout, "{text}")
        .and_then(|()| stdout.flush())
        .map_err(|source| Error::Output { source })
}

/// Writes one line on stderr, dropped if stderr is gone. Used by [`note!`].
pub fn note_line(line: fmt::Arguments<'_>) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{line}");
}

/// `eprintln!` that drops the line when stderr cannot be written (a closed pipe) rather than
/// panicking.
macro_rules! note {
    ($($arg:tt)*) => {
        $crate::output::note_line(format_args!($($arg)*))
    };
}
pub(crate) use note;

/// Whether `err`, or any error in its chain, is a write to a pipe whose reader has gone: the
/// command ends quietly then, as command-line tools do.
pub fn is_closed_pipe(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(err);
    while let Some(err) = cause {
        if err
            .downcast_ref::<std::io::Error>()
            .is_some_and(|err| err.kind() == std::io::ErrorKind::BrokenPipe)
        {
            return true;
        }
        cause = err.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_pipe_anywhere_in_the_chain_is_a_closed_pipe() {
        let closed = Error::Output {
            source: std::io::Error::from(std::io::ErrorKind::BrokenPipe),
        };
        assert!(is_closed_pipe(&closed));
        let full = Error::Output {
            source: std::io::Error::other("no space left on device"),
        };
        assert!(!is_closed_pipe(&full));
    }
}
