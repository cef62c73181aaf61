//! Names the commit jobmock is built from, for `jobmock --version` (`jobmock 0.1.0 (1a2b3c4d5e6f
//! 2026-12-02)`, the way rustc and cargo name theirs), so that a bug report says which build it
//! is about.
//!
//! Where the commit comes from, first found wins:
//!
//! 1. `JOBMOCK_COMMIT`, set by whoever builds (a packager whose source has no `.git`);
//! 2. git, when the crate's folder is the top of a git checkout (a clone, `cargo install --path`
//!    or `--git`): never the commit of some other repository the source happens to sit in;
//! 3. `BUILD-COMMIT`, which `make dist` writes into the sdist, the one source package that has no
//!    `.git`;
//! 4. `.cargo_vcs_info.json`, which `cargo package` writes into a crate (no date there).
//!
//! Without any of them the version says `commit unknown`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    println!("cargo:rerun-if-env-changed=JOBMOCK_COMMIT");
    println!("cargo:rerun-if-changed=BUILD-COMMIT");
    let commit = std::env::var("JOBMOCK_COMMIT")
        .ok()
        .map(|commit| commit.trim().to_string())
        .filter(|commit| !commit.is_empty())
        .or_else(|| from_git(&manifest_dir))
        .or_else(|| from_file(&manifest_dir.join("BUILD-COMMIT")))
        .or_else(|| from_cargo_vcs_info(&manifest_dir.join(".cargo_vcs_info.json")))
        .unwrap_or_else(|| "commit unknown".to_string());
    let version = std::env::var("CARGO_PKG_VERSION").expect("set by cargo");
    println!("cargo:rustc-env=JOBMOCK_VERSION_LINE={version} ({commit})");
}

/// `<12 hex digits> <commit date>` of HEAD, and the files whose change means a new HEAD.
fn from_git(manifest_dir: &Path) -> Option<String> {
    let git = |args: &[&str]| -> Option<String> {
        let output = Command::new("git")
            .arg("-C")
            .arg(manifest_dir)
            .args(args)
            .output()
            .ok()?;
        let text = String::from_utf8(output.stdout).ok()?;
        (output.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
    };
    let top = PathBuf::from(git(&["rev-parse", "--show-toplevel"])?);
    if top.canonicalize().ok()? != manifest_dir.canonicalize().ok()? {
        return None;
    }
    // A commit moves HEAD or the branch it names (loose or packed); only existing paths are
    // named, since cargo runs a build script again on every build for a missing one.
    let mut watched = vec![git(&["rev-parse", "--git-path", "HEAD"])?];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watched.extend(git(&["rev-parse", "--git-path", &branch]));
    }
    watched.extend(git(&["rev-parse", "--git-path", "packed-refs"]));
    for path in watched {
        let path = manifest_dir.join(path);
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    git(&["log", "-1", "--abbrev=12", "--format=%h %cs"])
}

fn from_file(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().next()?.trim();
    (!line.is_empty()).then(|| line.to_string())
}

/// `{"git": {"sha1": "…"}, …}`: read without a JSON parser, which a build script would have to
/// compile for the host first.
fn from_cargo_vcs_info(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let after = &text[text.find("\"sha1\"")? + "\"sha1\"".len()..];
    let start = after.find('"')? + 1;
    let sha: String = after[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    (sha.len() >= 12).then(|| sha[..12].to_string())
}
