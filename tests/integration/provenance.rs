//! `recording.json`: every recorded set says when it was recorded, by which jobmock, from
//! which server; `replay --expire-after --on-expired` acts on it; a re-recording that changed
//! nothing leaves the set as it was.

use std::path::Path;

use crate::util::*;

const PORTAL_ROOT: &str = "/portal/sharing/rest?f=json";

fn upstream() -> Binary {
    Binary::replay(&shipped_fixtures(), &[])
}

/// A set recorded from `upstream` with `replay --record-mode all`, asked the Portal's root.
async fn record_portal_root(upstream: &Binary, set: &Path, extra: &[&str]) -> String {
    let mut args = vec!["--upstream", upstream.base.as_str(), "--record-mode", "all"];
    args.extend_from_slice(extra);
    let server = Binary::replay(set, &args);
    let answer = get(server.url(PORTAL_ROOT)).send().await;
    assert_eq!(answer.json()["currentVersion"], "2024.1");
    server.stop()
}

fn provenance(set: &Path) -> serde_json::Value {
    read_json(&set.join("recording.json"))
}

/// Sets `recordedAt` of the set's recording.json to `at`.
fn recorded_at(set: &Path, at: &str) {
    let mut value = provenance(set);
    value["recordedAt"] = at.into();
    std::fs::write(
        set.join("recording.json"),
        serde_json::to_vec_pretty(&value).unwrap(),
    )
    .unwrap();
}

#[tokio::test]
async fn a_recorded_set_says_when_by_what_and_from_where() {
    let upstream = upstream();
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("set");
    record_portal_root(&upstream, &set, &[]).await;
    let value = provenance(&set);
    assert_eq!(value["jobmockVersion"], env!("CARGO_PKG_VERSION"));
    assert_eq!(value["recordedBy"], "replay --record-mode all");
    assert_eq!(value["server"]["origin"], upstream.base.as_str());
    assert_eq!(value["server"]["portalVersion"], "2024.1");
    let recorded_at = value["recordedAt"].as_str().unwrap();
    assert!(
        recorded_at.ends_with('Z') && recorded_at.len() == 24,
        "{recorded_at}"
    );

    // The proxy writes one too, with the upstream's path prefix and no credentials.
    let proxied = dir.path().join("proxied");
    let proxy = Binary::record(&upstream.url("/portal"), &proxied, &[]);
    get(proxy.url("/sharing/rest?f=json")).send().await;
    proxy.stop();
    let value = provenance(&proxied);
    assert_eq!(value["recordedBy"], "record");
    assert_eq!(value["server"]["origin"], upstream.url("/portal"));
}

/// Recording an unchanged server again with `all` writes nothing: the set keeps every byte,
/// recording.json's time included.
#[tokio::test]
async fn recording_an_unchanged_server_again_changes_no_file() {
    let upstream = upstream();
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("set");
    record_portal_root(&upstream, &set, &[]).await;
    let before = all_files(&set);
    let said = record_portal_root(&upstream, &set, &[]).await;
    assert!(said.contains("the set is left as it was"), "{said}");
    assert_eq!(all_files(&set), before);
}

/// `--expire-after` with `--on-expired error` refuses a set older than that, naming the date
/// it was recorded; `warn` serves it with a warning; `record` records it again, renewing
/// recordedAt even when nothing else changed.
#[tokio::test]
async fn an_expired_set_is_refused_warned_about_or_recorded_again() {
    let upstream = upstream();
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("set");
    record_portal_root(&upstream, &set, &[]).await;
    recorded_at(&set, "2025-01-02T03:04:05.000Z");

    let refused = replay_refuses(&set, &["--expire-after", "1s", "--on-expired", "error"]);
    assert!(refused.contains("recording.json"), "{refused}");
    assert!(refused.contains("2025-01-02T03:04:05.000Z"), "{refused}");
    assert!(refused.contains("--expire-after"), "{refused}");

    // Young enough: served.
    let young = Binary::replay(&set, &["--expire-after", "5000w", "--on-expired", "error"]);
    young.stop();

    let warned = Binary::replay(&set, &["--expire-after", "1s"]);
    let stderr = warned.stop();
    assert!(
        stderr.contains("warning") && stderr.contains("2025-01-02"),
        "{stderr}"
    );

    let (code, _, stderr) = run_binary(&[
        "replay",
        "--fixtures",
        set.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
        "--expire-after",
        "1s",
        "--on-expired",
        "record",
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("give --upstream URL"), "{stderr}");

    let said = record_portal_root(
        &upstream,
        &set,
        &["--expire-after", "1s", "--on-expired", "record"],
    )
    .await;
    assert!(said.contains("renewed"), "{said}");
    let renewed = provenance(&set);
    assert_ne!(renewed["recordedAt"], "2025-01-02T03:04:05.000Z");
    // Renewed: young again.
    Binary::replay(&set, &["--expire-after", "1h", "--on-expired", "error"]).stop();
}

/// A recording.json that does not read is refused with its file and position.
#[test]
fn a_broken_recording_file_is_refused_with_where() {
    let fixtures = FixtureDir::new();
    fixtures.job("j1", &["COMPLETED"]);
    fixtures.file("recording.json", "{\"recordedAt\": 12}");
    let refused = replay_refuses(fixtures.path(), &["--expire-after", "1d"]);
    assert!(refused.contains("recording.json"), "{refused}");
    fixtures.file("recording.json", "{\"recordedAt\": \"yesterday\", \"jobmockVersion\": \"0\", \"recordedBy\": \"record\", \"server\": {}}");
    let refused = replay_refuses(fixtures.path(), &["--expire-after", "1d"]);
    assert!(refused.contains("not a time in ISO 8601"), "{refused}");
}

/// A bad duration is a usage error with examples.
#[test]
fn a_bad_duration_is_refused_with_examples() {
    let (code, _, stderr) =
        run_binary(&["replay", "--expire-after", "10", "--listen", "127.0.0.1:0"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("30s, 12h, 7d"), "{stderr}");
}

/// `new_episodes` adds to a set: its first recordedAt stays, updatedAt says when it grew.
#[tokio::test]
async fn a_set_added_to_keeps_its_first_time() {
    let upstream = upstream();
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("set");
    record_portal_root(&upstream, &set, &[]).await;
    recorded_at(&set, "2025-01-02T03:04:05.000Z");
    let server = Binary::replay(
        &set,
        &[
            "--upstream",
            upstream.base.as_str(),
            "--record-mode",
            "new_episodes",
        ],
    );
    get(server.url("/portal/sharing/rest/info?f=json"))
        .send()
        .await;
    server.stop();
    let value = provenance(&set);
    assert_eq!(value["recordedAt"], "2025-01-02T03:04:05.000Z");
    assert!(value["updatedAt"].is_string(), "{value}");
    assert_eq!(value["recordedBy"], "replay --record-mode new_episodes");
}
