//! The canary suite through the real recorder: every case, then every canary searched for in
//! every spelling in all it wrote and printed; and a check that the search finds what it seeks.

use std::time::Duration;

use super::*;

/// The canary suite: every case through one recorder, then every canary searched in every
/// encoding in everything the recorder wrote and printed: none is found, each case's answers
/// were recorded, and `jobmock scan` passes on the set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_canary_reaches_a_file_or_the_terminal_in_any_encoding() {
    let cases = cases();
    let all_secrets: Vec<Vec<String>> = cases
        .iter()
        .enumerate()
        .map(|(index, case)| secrets_of(index, case))
        .collect();
    let upstream = {
        let all_secrets = all_secrets.clone();
        FakeUpstream::start(move |seen, _| {
            let name = seen.headers["x-case"].to_str().unwrap();
            let all = super::cases();
            let index = all.iter().position(|case| case.name == name).unwrap();
            (all[index].answer)(seen, &all_secrets[index])
        })
        .await
    };
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(
        &upstream.url(),
        recorded.path(),
        &["--redact-value", "ACME-[0-9]{8}"],
    );
    for (case, secrets) in cases.iter().zip(&all_secrets) {
        for request in (case.requests)(secrets) {
            let answer = request.call(&proxy, case.name).send().await;
            assert!(
                answer.status.is_success() || answer.status.is_redirection(),
                "case {}: {} {} got {}",
                case.name,
                request.method,
                request.target,
                answer.status
            );
        }
    }
    proxy.terminate();
    let (code, out, err) = proxy.wait(Duration::from_secs(20));
    let printed = format!("{out}{err}");
    assert_eq!(
        code,
        Some(0),
        "the closing scan found something:\n{printed}"
    );

    let canaries: Vec<(String, String)> = cases
        .iter()
        .zip(&all_secrets)
        .flat_map(|(case, secrets)| {
            secrets
                .iter()
                .cloned()
                .chain(case.personal.iter().map(|value| value.to_string()))
                .map(move |canary| (case.name.to_string(), canary))
        })
        .collect();
    assert_no_canary(recorded.path(), &printed, &canaries);

    // The suite proves nothing about a case whose answers were not recorded.
    let files = all_files(recorded.path());
    for case in &cases {
        let marker = format!("case-{}", case.name);
        assert!(
            files
                .iter()
                .any(|(_, bytes)| String::from_utf8_lossy(bytes).contains(&marker)),
            "nothing of case {} was recorded:\n{printed}",
            case.name
        );
    }
    let (code, out, err) = run_binary(&["scan", recorded.path().to_str().unwrap()]);
    assert_eq!(code, Some(0), "scan: {out}{err}");
    jobmock::fixture::FixtureSet::load(recorded.path()).unwrap();
}

/// The search of the suite finds what it looks for: a file holding a canary in any one of
/// its spellings is caught (so the suite's silence means something).
#[test]
fn the_canary_search_finds_every_spelling() {
    let canary = "Cz99q0Xk7Lw9PmN2vR";
    for spelling in spellings(canary) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("001.json"), format!("x {spelling} y")).unwrap();
        let caught =
            std::panic::catch_unwind(|| assert_no_canary(dir.path(), "", &[("t", canary)]));
        assert!(caught.is_err(), "{spelling:?} was not caught");
    }
}
