//! Reading a file whole, up to a limit: a file past the limit is refused, never read in part,
//! since a check or a scan of part of a file that says "nothing found" would be a lie.

use std::fs;
use std::io::{self, Read as _};
use std::path::Path;

/// What the first read asks for: most files jobmock reads (steps, requests) are a few
/// kilobytes, and one read takes them whole.
const FIRST_READ: usize = 16 * 1024;

/// The content of the file at `path`, or `None` when it holds more than `limit` bytes (then
/// at most `limit + 1` bytes were read). This skips the size query `fs::read` makes first, one
/// system call in four when tens of thousands of small files are read at start-up.
pub fn at_most(path: &Path, limit: u64) -> io::Result<Option<Vec<u8>>> {
    let mut file = fs::File::open(path)?;
    let mut text = vec![0; FIRST_READ];
    // A regular file gives less than was asked for only at its end, so a short first read is
    // the whole file, and the read that would confirm the end is saved.
    let first = loop {
        match file.read(&mut text) {
            Ok(read) => break read,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        }
    };
    text.truncate(first);
    if first == FIRST_READ {
        file.take((limit + 1).saturating_sub(FIRST_READ as u64))
            .read_to_end(&mut text)?;
    }
    Ok((text.len() as u64 <= limit).then_some(text))
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
            assert_eq!(at_most(&path, size as u64).unwrap(), Some(bytes.clone()));
            if size > 0 {
                assert_eq!(at_most(&path, size as u64 - 1).unwrap(), None, "{size}");
            }
        }
    }
}
