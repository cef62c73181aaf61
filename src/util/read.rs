//! Reading a file whole, up to a limit: a file past the limit is refused, never read in part,
//! since a check or a scan of part of a file that says "nothing found" would be a lie. A limit
//! holds however large the file is: nothing past `limit + 1` bytes is read.

use std::fs;
use std::io::{self, Read as _};
use std::path::Path;

/// What the first read asks for: most files jobmock reads (steps, requests) are a few
/// kilobytes, and one read takes them whole.
const FIRST_READ: usize = 16 * 1024;

/// The content of the file at `path`, or `None` when it holds more than `limit` bytes. Any
/// kind of file: a pipe (`<(zcat capture.har.gz)`, `/dev/stdin`) is read to its end.
pub fn at_most(path: &Path, limit: u64) -> io::Result<Option<Vec<u8>>> {
    let mut text = Vec::new();
    fs::File::open(path)?
        .take(limit.saturating_add(1))
        .read_to_end(&mut text)?;
    Ok((text.len() as u64 <= limit).then_some(text))
}

/// [`at_most`] for a path already known to be a regular file (a fixture set's listing says
/// so), one system call in four cheaper: a regular file gives less than was asked for only at
/// its end, so a short first read is the whole file, and the read that would confirm the end
/// is saved, as is the size query `fs::read` makes first. Tens of thousands of small step files
/// are read at start-up. Never for a pipe, whose first read may be short before its end.
///
/// The first read goes into a buffer the thread keeps, and the file's text is then copied out
/// at its own size: a fresh buffer of the first read's size would be zeroed for every file
/// (16 KiB each, for a step of a few hundred bytes) and kept at that capacity.
pub fn regular_file_at_most(path: &Path, limit: u64) -> io::Result<Option<Vec<u8>>> {
    let mut file = fs::File::open(path)?;
    let (first, mut text) = FIRST.with_borrow_mut(|buffer| {
        let buffer = buffer.get_or_insert_with(|| vec![0; FIRST_READ].into_boxed_slice());
        loop {
            match file.read(buffer) {
                Ok(read) => break Ok((read, buffer[..read].to_vec())),
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => break Err(err),
            }
        }
    })?;
    if first == FIRST_READ {
        file.take((limit + 1).saturating_sub(FIRST_READ as u64))
            .read_to_end(&mut text)?;
    }
    Ok((text.len() as u64 <= limit).then_some(text))
}

thread_local! {
    /// [`regular_file_at_most`]'s first read, zeroed once per thread.
    static FIRST: std::cell::RefCell<Option<Box<[u8]>>> = const { std::cell::RefCell::new(None) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_within_the_limit_is_read_whole_and_one_past_it_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        for size in [
            0,
            10,
            FIRST_READ - 1,
            FIRST_READ,
            FIRST_READ + 1,
            3 * FIRST_READ,
        ] {
            let bytes: Vec<u8> = (0..size).map(|at| at as u8).collect();
            fs::write(&path, &bytes).unwrap();
            for read in [at_most, regular_file_at_most] {
                assert_eq!(read(&path, size as u64).unwrap(), Some(bytes.clone()));
                if size > 0 {
                    assert_eq!(read(&path, size as u64 - 1).unwrap(), None, "{size}");
                }
            }
        }
    }
}
