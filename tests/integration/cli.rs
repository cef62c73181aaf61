//! The real binary: start-up, help, exit codes, graceful stop.

use crate::util::*;

/// `jobmock replay` on port 0 prints its real address first and serves the shipped fixtures.
#[tokio::test]
async fn the_binary_prints_its_address_and_serves_the_shipped_fixtures() {
    let fixtures = shipped_fixtures();
    let server = Binary::replay(&fixtures, &[]);
    assert!(
        server.base.starts_with("http://127.0.0.1:"),
        "{}",
        server.base
    );
    assert!(!server.base.ends_with(":0"), "{}", server.base);
    let url = server.url(&format!("/arcgis/admin/system/jobs/{EXECUTE_JOB}?f=json"));
    assert_eq!(get(&url).status().await, "SUBMITTED");
    assert_eq!(get(&url).status().await, "PROCESSING");
    assert_eq!(get(&url).status().await, "COMPLETED");
    assert_eq!(
        get(server.url("/__jobmock/health")).send().await.status,
        200
    );
}

/// A broken fixture stops the start with its file, line and column, and exit code 2.
#[test]
fn a_broken_fixture_stops_the_start_with_exit_code_2() {
    let fixtures = FixtureDir::new();
    fixtures.file(
        "jobs/j1/001.json",
        "{\n  \"status\": \"SUBMITTED\"\n  \"jobId\": \"j1\"\n}\n",
    );
    let stderr = replay_refuses(fixtures.path(), &[]);
    assert!(stderr.starts_with("jobmock: "), "{stderr}");
    assert!(
        stderr.contains("jobs/j1/001.json:3:3: expected `,` or `}`"),
        "{stderr}"
    );
}

/// A missing fixture folder and a bad --speed are errors with exit code 2.
#[test]
fn bad_arguments_exit_with_code_2_and_say_why() {
    let stderr = replay_refuses(std::path::Path::new("/nonexistent/fixtures"), &[]);
    assert!(
        stderr.contains("/nonexistent/fixtures: no fixture set here: the folder does not exist"),
        "{stderr}"
    );

    let fixtures = shipped_fixtures();
    let (code, _, stderr) = run_binary(&[
        "replay",
        "--fixtures",
        fixtures.to_str().unwrap(),
        "--speed",
        "0",
    ]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("--speed 0 is not a positive number"),
        "{stderr}"
    );

    let (code, _, stderr) = run_binary(&["replay", "--listen", "nonsense"]);
    assert_eq!(code, Some(2), "{stderr}");
}

/// Run outside a checkout, `jobmock replay` finds no `fixtures` folder: the message names the
/// folder as given and where it looked, and where a set comes from.
#[test]
fn a_missing_set_is_named_with_where_it_was_looked_for_and_where_to_find_one() {
    let elsewhere = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_jobmock"))
        .args(["replay", "--tls", "--listen", "127.0.0.1:0"])
        .current_dir(elsewhere.path())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    // The child reads its folder from the system, which gives it without symbolic links.
    let looked = elsewhere.path().canonicalize().unwrap().join("fixtures");
    assert_eq!(
        stderr.trim_end(),
        format!(
            "jobmock: fixtures: no fixture set here: the folder does not exist (looked for {}) \
             (fix: pass --fixtures DIR; the set shipped with the Python package is at `python \
             -c \"import jobmock; print(jobmock.shipped_fixtures())\"`; `jobmock record` makes \
             a set)",
            looked.display()
        )
    );
}

/// An address already in use is an error naming the address, and saying how to get one free.
#[test]
fn an_address_in_use_is_an_error_that_says_how_to_get_a_free_port() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let fixtures = shipped_fixtures();
    let (code, _, stderr) = run_binary(&[
        "replay",
        "--fixtures",
        fixtures.to_str().unwrap(),
        "--listen",
        &addr,
    ]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains(&format!(
            "cannot listen on {addr}: Address already in use (fix: another program (perhaps \
             another jobmock) listens on {addr}; pass --listen 127.0.0.1:0 for a free port (the \
             `listening on` line names it), or another port)"
        )),
        "{stderr}"
    );
}

/// The help explains each flag with an example.
#[test]
fn help_explains_every_flag_with_an_example() {
    let (code, stdout, _) = run_binary(&["--help"]);
    assert_eq!(code, Some(0));
    assert!(stdout.contains("replay"), "{stdout}");
    assert!(stdout.contains("Examples:"), "{stdout}");

    let (code, stdout, _) = run_binary(&["replay", "--help"]);
    assert_eq!(code, Some(0));
    for flag in [
        "--fixtures",
        "--listen",
        "--speed",
        "--journal-size",
        "--verbose",
    ] {
        assert!(stdout.contains(flag), "{flag} missing from:\n{stdout}");
    }
    assert!(stdout.matches("Example: ").count() >= 6, "{stdout}");

    let (code, stdout, _) = run_binary(&["record", "--help"]);
    assert_eq!(code, Some(0));
    for flag in [
        "--upstream",
        "--fixtures",
        "--listen",
        "--ca-cert",
        "--insecure",
        "--upstream-timeout",
        "--existing",
        "--overwrite",
        "--append",
        "--redact-field",
    ] {
        assert!(stdout.contains(flag), "{flag} missing from:\n{stdout}");
    }
    assert!(stdout.matches("Example: ").count() >= 10, "{stdout}");
}

/// Flags that would put a credential where it does not belong, or cannot work, are refused
/// with what to do instead.
#[test]
fn record_refuses_credentials_in_flags_and_bad_patterns() {
    for (args, says) in [
        (
            vec!["--upstream", "https://admin:pw@nb.example.com:11443"],
            "--upstream may not carry a user name or password",
        ),
        (
            vec![
                "--upstream",
                "https://nb.example.com",
                "--keep-field",
                "token",
            ],
            "token is a credential, and credentials are never kept",
        ),
        (
            vec![
                "--upstream",
                "https://nb.example.com",
                "--keep-field",
                "itemId",
            ],
            "is not a kind of personal data; use one of username",
        ),
        (
            vec![
                "--upstream",
                "https://nb.example.com",
                "--redact-value",
                "(unclosed",
            ],
            "--redact-value \"(unclosed\" is not a regular expression",
        ),
        (
            // --insecure trusts every certificate, so a CA to trust besides is a contradiction.
            vec![
                "--upstream",
                "https://nb.example.com",
                "--insecure",
                "--ca-cert",
                "ca.pem",
            ],
            "'--insecure' cannot be used with '--ca-cert <FILE>'",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut full = vec!["record", "--listen", "127.0.0.1:0", "--fixtures"];
        let fixtures = dir.path().join("set");
        full.push(fixtures.to_str().unwrap());
        full.extend(args.iter().copied());
        let (code, out, err) = run_binary(&full);
        assert_eq!(code, Some(2), "{args:?}: {out}{err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!err.contains("pw@"), "the password is printed: {err}");
        assert!(out.is_empty(), "nothing listens: {out}");
    }
}

/// Listening beyond loopback warns that anyone who can reach the port can use the server and
/// its control API; with --control-token, only that it can be reached.
#[test]
fn listening_beyond_loopback_warns() {
    for (extra, says_control) in [(vec![], true), (vec!["--control-token", "t1"], false)] {
        let mut args = vec!["replay", "--fixtures", "fixtures", "--listen", "0.0.0.0:0"];
        args.extend(extra);
        let server = Binary::start(&args);
        let err = server.stop();
        assert!(err.contains("warning: listening on 0.0.0.0:"), "{err}");
        assert_eq!(err.contains("give --control-token"), says_control, "{err}");
    }
    let local = Binary::replay(&shipped_fixtures(), &[]);
    local.terminate();
    let (_, _, err) = local.wait(std::time::Duration::from_secs(10));
    assert!(!err.contains("warning: listening"), "{err}");
}

/// The shipped set passes its own scan: its people are pseudonyms (`user-1`), as a recording's
/// are, and its shapes hold placeholders, not values.
#[test]
fn the_shipped_fixtures_pass_jobmock_scan() {
    let (code, out, err) = run_binary(&["scan", shipped_fixtures().to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}{err}");
}

/// Runs `jobmock ARGS` with stdout a pipe whose reader reads a few bytes and goes away, as
/// `| head -c 16` does (or with stderr a pipe closed at once); returns the exit code and what
/// the other stream said.
fn run_into_a_closed_pipe(args: &[&str], close_stderr: bool) -> (Option<i32>, String) {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_jobmock"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the jobmock binary runs");
    let (mut closed, mut kept): (Box<dyn Read + Send>, Box<dyn Read + Send>) = if close_stderr {
        (
            Box::new(child.stderr.take().unwrap()),
            Box::new(child.stdout.take().unwrap()),
        )
    } else {
        (
            Box::new(child.stdout.take().unwrap()),
            Box::new(child.stderr.take().unwrap()),
        )
    };
    let reading = std::thread::spawn(move || {
        let mut said = String::new();
        let _ = kept.read_to_string(&mut said);
        said
    });
    if !close_stderr {
        let mut first = [0u8; 16];
        let _ = closed.read(&mut first);
    }
    drop(closed);
    let status = child.wait().unwrap();
    (status.code(), reading.join().unwrap())
}

/// A set with thousands of findings: `scan` prints far more than a pipe holds.
fn set_with_many_findings() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let items: Vec<serde_json::Value> = (0..3000)
        .map(|i| {
            serde_json::json!({
                "token": format!("eyJhbGciOiJIUzI1NiJ9.abcdefghijklmnopqrstuv{i:05}.xyzxyzxyzxyz"),
                "password": format!("hunter2hunter{i}"),
            })
        })
        .collect();
    std::fs::create_dir_all(dir.path().join("jobs")).unwrap();
    std::fs::write(
        dir.path().join("jobs/many.json"),
        serde_json::to_vec_pretty(&serde_json::json!({ "items": items })).unwrap(),
    )
    .unwrap();
    dir
}

/// `jobmock scan … | head` (and any output command whose reader goes away) ends quietly with
/// exit code 0, as ripgrep does: no panic, no backtrace.
#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    let set = set_with_many_findings();
    let set = set.path().to_str().unwrap();
    let (code, err) = run_into_a_closed_pipe(&["scan", set], false);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(code, Some(0), "{err}");

    let shipped = shipped_fixtures();
    let shipped = shipped.to_str().unwrap();
    for args in [
        &["--help"][..],
        &["record", "--help"],
        &["diff", "--format", "json", shipped],
        &["shape", "infer", shipped],
    ] {
        let (code, err) = run_into_a_closed_pipe(args, false);
        assert!(!err.contains("panicked"), "jobmock {args:?}: {err}");
        assert!(
            matches!(code, Some(0 | 1)),
            "jobmock {args:?}: {code:?} {err}"
        );
    }
}

/// A closed stderr drops the lines meant for it: the command still ends with its own exit code
/// (1: findings), not a panic's 101.
#[test]
fn a_closed_stderr_drops_its_lines_and_keeps_the_exit_code() {
    let set = set_with_many_findings();
    let (code, out) = run_into_a_closed_pipe(&["scan", set.path().to_str().unwrap()], true);
    assert_eq!(code, Some(1), "{}", &out[..out.len().min(500)]);
    assert!(out.lines().count() >= 6000, "every finding is on stdout");
}
