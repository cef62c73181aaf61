//! Fixture sets for tests: the shipped one, its job IDs, and temporary ones written in place.

use std::fs;
use std::path::{Path, PathBuf};

use jobmock::fixture::FixtureSet;

/// The fixture set shipped in the repository.
pub fn shipped_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

pub const OPEN_JOB: &str = "j52c9f6a4-2a7c-418f-a360-0ce757077342";
pub const EXECUTE_JOB: &str = "j6185135c-92a8-4402-b8de-90a66dc61fcc";
pub const FAILED_JOB: &str = "j0e8f7a3b-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
pub const HOLDING_JOB: &str = "j7d3b9e21-5f4a-4c8e-9b6d-2a1e0f9c8b7a";
pub const TIMED_JOB: &str = "j4a2c6e8f-0b1d-4f3a-9c5e-7d9b1f3a5c7e";

/// A temporary fixture set, removed when dropped.
pub struct FixtureDir {
    dir: tempfile::TempDir,
}

impl FixtureDir {
    pub fn new() -> FixtureDir {
        let dir = tempfile::tempdir().expect("a temporary folder can be made");
        fs::create_dir(dir.path().join("jobs")).expect("jobs/ can be made");
        FixtureDir { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a job whose steps have the given statuses, one file per status.
    pub fn job(&self, id: &str, statuses: &[&str]) -> &FixtureDir {
        for (index, status) in statuses.iter().enumerate() {
            let body = serde_json::json!({
                "jobId": id,
                "type": "executeNotebook",
                "status": status,
                "customAttributes": {"isCancelled": false},
            });
            self.file(
                &format!("jobs/{id}/{:03}.json", index + 1),
                &serde_json::to_string_pretty(&body).unwrap(),
            );
        }
        self
    }

    /// Writes `text` at `relative`, making folders as needed.
    pub fn file(&self, relative: &str, text: &str) -> &FixtureDir {
        let path = self.path().join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
        self
    }
}

/// Why the fixture set at `fixtures` does not load, as the one line jobmock prints; fails the
/// test if it loads.
pub fn load_error(fixtures: &FixtureDir) -> String {
    match FixtureSet::load(fixtures.path()) {
        Ok(_) => panic!("the fixture set at {} loaded", fixtures.path().display()),
        Err(err) => jobmock::error::report(&err),
    }
}

/// Every file under `dir`, with its bytes.
pub fn all_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_file())
        .map(|entry| (entry.path().to_path_buf(), fs::read(entry.path()).unwrap()))
        .collect()
}

/// The JSON document in the file at `path`; fails the test, naming the file, when it cannot be
/// read or is not JSON.
pub fn read_json(path: &Path) -> serde_json::Value {
    try_read_json(path).unwrap_or_else(|err| panic!("{err}"))
}

/// The JSON document in the file at `path`, or why not: the file's path and what went wrong.
/// For checks that collect problems instead of failing at the first.
pub fn try_read_json(path: &Path) -> Result<serde_json::Value, String> {
    let text = fs::read_to_string(path).map_err(|err| format!("{}: {err}", path.display()))?;
    serde_json::from_str(&text).map_err(|err| format!("{}: not JSON ({err})", path.display()))
}
