//! Every input a fuzzer found a crash with (`tests/fuzz-regressions/<target>/`), and every seed
//! of the fuzz targets (`fuzz/seeds/<target>/`), run through the same properties the targets
//! check (`jobmock::fuzzing`), so that a fixed crash stays fixed without a fuzzer.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jobmock::fixture::FixtureSet;
use jobmock::replay::{Options, Replay};

use crate::util::*;

fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    for dir in [
        root.join("tests/fuzz-regressions").join(target),
        root.join("fuzz/seeds").join(target),
    ] {
        if dir.is_dir() {
            found.extend(all_files(&dir));
        }
    }
    assert!(!found.is_empty(), "no inputs for {target}");
    found
}

fn each(target: &str, property: impl Fn(&[u8])) {
    for (path, data) in inputs(target) {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| property(&data)));
        assert!(outcome.is_ok(), "{} fails {target}", path.display());
    }
}

#[test]
fn fixture_folder_inputs_hold() {
    each("fixture_folder", jobmock::fuzzing::fixture_folder);
}

#[test]
fn shape_notation_inputs_hold() {
    each("shape_notation", jobmock::fuzzing::shape_notation);
}

#[test]
fn request_parts_inputs_hold() {
    each("request_parts", jobmock::fuzzing::request_parts);
}

#[test]
fn redaction_inputs_hold() {
    each("redaction", jobmock::fuzzing::redaction);
}

/// On a paused clock, as the fuzz target runs, so scripted delays cost nothing.
#[tokio::test(start_paused = true)]
async fn http_request_inputs_hold() {
    let fixtures = FixtureSet::load(&shipped_fixtures()).unwrap();
    let replay = Arc::new(Replay::new(fixtures, Options::default()));
    for (path, data) in inputs("http_request") {
        let answer = jobmock::fuzzing::http_request(&replay, &data).await;
        // The seeds are well-formed requests: each is answered.
        if path.starts_with(Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds")) {
            assert!(
                answer.starts_with(b"HTTP/1.1 "),
                "{}: {}",
                path.display(),
                String::from_utf8_lossy(&answer)
            );
        }
    }
}
