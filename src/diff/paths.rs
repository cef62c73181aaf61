//! Maps and sets keyed by the paths a walk finds, with a hasher made for them ([`PathHasher`]).

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::path::PathBuf;

/// A map keyed by path, hashed with [`PathHasher`].
pub(super) type PathMap<V> = HashMap<PathBuf, V, BuildHasherDefault<PathHasher>>;
pub(super) type PathSet = HashSet<PathBuf, BuildHasherDefault<PathHasher>>;

/// Hashes the paths of the walk's maps a word at a time with a multiplication (as rustc's
/// FxHash does), not with SipHash: the keys are a recording's own paths, tens of thousands of
/// them, hashed on the thread everything waits for, and there is no attacker to resist.
#[derive(Default)]
pub(super) struct PathHasher(u64);

impl PathHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0xf135_7aea_2e62_a9c5);
    }
}

impl Hasher for PathHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            self.add(u64::from_le_bytes(word.try_into().expect("8 bytes")));
        }
        let rest = words.remainder();
        let mut last = [0; 8];
        last[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(last) ^ ((rest.len() as u64) << 56));
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        // The table picks a bucket by the low bits: the multiplication leaves them the weakest.
        self.0.rotate_left(26)
    }
}
