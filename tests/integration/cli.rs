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
    let (code, stdout, stderr) = run_binary(&[
        "replay",
        "--fixtures",
        fixtures.path().to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ]);
    assert_eq!(code, Some(2), "stderr: {stderr}");
    assert!(
        stdout.is_empty(),
        "nothing is served, so nothing is announced: {stdout}"
    );
    assert!(stderr.starts_with("jobmock: "), "{stderr}");
    assert!(
        stderr.contains("jobs/j1/001.json:3:3: expected `,` or `}`"),
        "{stderr}"
    );
}

/// A missing fixture folder and a bad --speed are errors with exit code 2.
#[test]
fn bad_arguments_exit_with_code_2_and_say_why() {
    let (code, _, stderr) = run_binary(&["replay", "--fixtures", "/nonexistent/fixtures"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("cannot read /nonexistent/fixtures"),
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

/// An address already in use is an error naming the address.
#[test]
fn an_address_in_use_is_an_error() {
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
        stderr.contains(&format!("cannot listen on {addr}")),
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
        server.terminate();
        let (code, _, err) = server.wait(std::time::Duration::from_secs(10));
        assert_eq!(code, Some(0), "{err}");
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
