//! The limit of `make bench` for start-up and `diff`: the least a program can do to have a
//! fixture set in memory. It lists the set's folders (walkdir) and reads every file whole, the
//! files shared out over every core; it parses nothing. `replay`'s start-up and `diff` both
//! have to do at least this, so they are read as a ratio to its time, measured in the same run.
//!
//! Usage: `reference_read FOLDER`; prints the number of files and bytes read.

use std::path::PathBuf;
use std::thread;

fn main() -> std::io::Result<()> {
    let root = std::env::args()
        .nth(1)
        .expect("usage: reference_read FOLDER");
    let files: Vec<PathBuf> = walkdir::WalkDir::new(&root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_file())
        .map(walkdir::DirEntry::into_path)
        .collect();
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    let share = files.len().div_ceil(cores).max(1);
    let bytes: u64 = thread::scope(|scope| {
        let readers: Vec<_> = files
            .chunks(share)
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|path| std::fs::read(path).map_or(0, |data| data.len() as u64))
                        .sum::<u64>()
                })
            })
            .collect();
        readers
            .into_iter()
            .map(|reader| reader.join().expect("a reader thread"))
            .sum()
    });
    println!("{} files, {bytes} bytes", files.len());
    Ok(())
}
