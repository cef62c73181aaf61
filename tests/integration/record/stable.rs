//! What a re-recording keeps stable: the same scripted client run twice through `jobmock
//! record` in front of one upstream (a replay whose templates give every job a new ID and a
//! start time of now) writes two sets that are the same byte for byte; and the rewrite of the
//! server's job IDs replaces whole IDs and changes no other byte (a property).

use std::collections::HashSet;
use std::path::Path;

use jobmock::fixture::stable::JobIds;
use proptest::prelude::*;
use serde_json::json;

use crate::util::*;

const ITEM_A: &str = "c21213a381804c85935f50a1349a390f";
const ITEM_B: &str = "9f8e7d6c5b4a49382716a5b4c3d2e1f0";

/// An upstream set of templates only: each submission makes a job with a new ID, started now.
/// The steps have no `endTime`: replay stamps a made job's end when a poll first sees it,
/// which no two runs agree on (a real server's run time varies as much).
fn template_upstream() -> FixtureDir {
    let set = FixtureDir::new();
    for (operation, template_id) in [
        ("executeNotebook", "j00000000-0000-4000-8000-0000000000e1"),
        ("openNotebook", "j00000000-0000-4000-8000-0000000000f1"),
    ] {
        for (index, status) in ["SUBMITTED", "PROCESSING", "COMPLETED"].iter().enumerate() {
            let body = json!({
                "jobId": template_id,
                "type": operation,
                "status": status,
                "startTime": 1_600_419_894_050i64,
                "messages": [format!("Input Notebook Path: /arcgis/home/.tasks/{template_id}/notebook.ipynb")],
                "customAttributes": {"isCancelled": false},
            });
            set.file(
                &format!("templates/{operation}/{:03}.json", index + 1),
                &serde_json::to_string_pretty(&body).unwrap(),
            );
        }
    }
    set
}

/// The client's scenario: two notebooks run and one opened, each job polled to its end, then
/// the first job cancelled (after its end: the server says so).
async fn scenario(proxy: &Binary) -> Vec<String> {
    let mut job_ids = Vec::new();
    for (operation, item) in [
        ("executeNotebook", ITEM_A),
        ("openNotebook", ITEM_B),
        ("executeNotebook", ITEM_B),
    ] {
        let submitted = post(proxy.url(&format!("/arcgis/admin/notebooks/{operation}")))
            .form(&format!("itemId={item}&f=json"))
            .send()
            .await
            .json();
        let job_url = submitted["jobUrl"].as_str().unwrap().to_string();
        job_ids.push(submitted["jobId"].as_str().unwrap().to_string());
        for _ in 0..5 {
            get(format!("{job_url}?f=json")).send().await;
        }
    }
    post(proxy.url(&format!("/arcgis/admin/system/jobs/{}/cancel", job_ids[0])))
        .form("f=json")
        .send()
        .await;
    job_ids
}

/// Every file under `dir`, by its path inside it.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = all_files(dir)
        .into_iter()
        .map(|(path, bytes)| {
            let relative = path.strip_prefix(dir).unwrap().display().to_string();
            (relative, bytes)
        })
        .collect();
    files.sort();
    files
}

/// The same scenario recorded twice against an upstream that gave its jobs new IDs and start
/// times each time writes the same files, byte for byte; the jobs are the recording's own
/// (executeNotebook-1, openNotebook-1, executeNotebook-2) in every file and folder name.
#[tokio::test]
async fn a_scenario_recorded_twice_writes_the_same_bytes() {
    let upstream_set = template_upstream();
    let upstream = Binary::replay(upstream_set.path(), &[]);
    let mut recordings = Vec::new();
    let mut server_ids = Vec::new();
    for _ in 0..2 {
        let dir = tempfile::tempdir().unwrap();
        let proxy = Binary::record(&upstream.base, dir.path(), &[]);
        server_ids.extend(scenario(&proxy).await);
        proxy.stop();
        // Apart in time, so that the upstream's start times differ.
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        recordings.push(dir);
    }
    let unique: HashSet<&String> = server_ids.iter().collect();
    assert_eq!(unique.len(), 6, "the upstream gave new IDs: {server_ids:?}");

    let first = files(recordings[0].path());
    let second = files(recordings[1].path());
    let names = |files: &[(String, Vec<u8>)]| -> Vec<String> {
        files.iter().map(|(name, _)| name.clone()).collect()
    };
    assert_eq!(names(&first), names(&second));
    for ((name, want), (_, got)) in first.iter().zip(&second) {
        // recording.json says when each was recorded: the one file that must differ.
        if name == "recording.json" {
            continue;
        }
        assert_same_text(
            &format!("{name}:\n{}", String::from_utf8_lossy(want)),
            &format!("{name}:\n{}", String::from_utf8_lossy(got)),
        );
    }

    let names = names(&first);
    for expected in [
        "jobs/executeNotebook-1/001.json",
        "jobs/openNotebook-1/003.json",
        "jobs/executeNotebook-2/003.json",
        &format!("exchanges/POST-executeNotebook-{ITEM_A}/request.json"),
        &format!("exchanges/POST-executeNotebook-{ITEM_B}/request.json"),
        &format!("exchanges/POST-openNotebook-{ITEM_B}/request.json"),
        "exchanges/POST-jobs-executeNotebook-1-cancel/request.json",
    ] {
        assert!(
            names.iter().any(|name| name == expected),
            "{expected} missing: {names:#?}"
        );
    }
    for (name, bytes) in &first {
        let text = String::from_utf8_lossy(bytes);
        for id in &server_ids {
            assert!(
                !text.contains(id.as_str()),
                "{name} holds the server's {id}"
            );
        }
    }
    let step = read_json(&recordings[0].path().join("jobs/executeNotebook-1/003.json"));
    assert_eq!(step["jobId"], "executeNotebook-1");
    assert_eq!(step["startTime"], 1_700_000_000_000i64);
    assert_eq!(
        step["messages"][0],
        "Input Notebook Path: /arcgis/home/.tasks/executeNotebook-1/notebook.ipynb"
    );
    let later = read_json(&recordings[0].path().join("jobs/executeNotebook-2/001.json"));
    assert!(
        later["startTime"].as_i64().unwrap() >= 1_700_000_000_000,
        "{later}"
    );
    let submitted = read_json(
        &recordings[0]
            .path()
            .join(format!("exchanges/POST-openNotebook-{ITEM_B}/001.json")),
    );
    assert_eq!(submitted["jobId"], "openNotebook-1");
    assert!(
        submitted["jobUrl"]
            .as_str()
            .unwrap()
            .ends_with("/admin/system/jobs/openNotebook-1"),
        "{submitted}"
    );

    // The recording replays under its own IDs.
    let replayed = Binary::replay(recordings[0].path(), &[]);
    let submitted = post(replayed.url("/arcgis/admin/notebooks/executeNotebook"))
        .form(&format!("itemId={ITEM_A}&f=json"))
        .send()
        .await
        .json();
    assert_eq!(submitted["jobId"], "executeNotebook-1");
    let job_url = submitted["jobUrl"].as_str().unwrap();
    assert_eq!(get(format!("{job_url}?f=json")).status().await, "SUBMITTED");
}

/// `--keep-job-ids` and `--keep-times` keep what the server sent.
#[tokio::test]
async fn the_servers_ids_and_times_are_kept_when_asked() {
    let upstream_set = template_upstream();
    let upstream = Binary::replay(upstream_set.path(), &[]);
    let dir = tempfile::tempdir().unwrap();
    let proxy = Binary::record(
        &upstream.base,
        dir.path(),
        &["--keep-job-ids", "--keep-times"],
    );
    let ids = scenario(&proxy).await;
    proxy.stop();
    let step = read_json(&dir.path().join("jobs").join(&ids[0]).join("001.json"));
    assert_eq!(step["jobId"], ids[0].as_str());
    assert_ne!(step["startTime"], 1_700_000_000_000i64);
}

/// A learned ID: a `j` and a UUID, as the server gives them.
fn server_id() -> impl Strategy<Value = String> {
    "j[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
}

/// Text around the IDs: anything, but an ID character at either end joins the ID.
fn filler() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[ /\"?=&:.,()\\[\\]{}\n\\\\]",
        "[ /\"?=&:.,()]([a-zA-Z0-9_ .:/-]|é|\\\\u00e9){0,20}[ /\"?=&:.,()]",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// The rewrite replaces each whole learned ID by its stable one and changes no other byte;
    /// an ID with anything of an ID's characters added to it is left as it is.
    #[test]
    fn the_id_rewrite_replaces_whole_ids_and_nothing_else(
        ids in prop::collection::vec(server_id(), 1..4),
        pieces in prop::collection::vec((filler(), 0usize..4, filler()), 0..8),
        near in "[a-zA-Z0-9_-]",
    ) {
        let mut job_ids = JobIds::new(true, HashSet::new());
        for id in &ids {
            job_ids.announced("executeNotebook", id);
        }
        let mut text = String::new();
        let mut expected = String::new();
        for (before, which, after) in &pieces {
            text.push_str(before);
            expected.push_str(before);
            match ids.get(*which) {
                Some(id) => {
                    text.push_str(id);
                    expected.push_str(job_ids.map(id));
                }
                // Not an ID: one with a character added, which the rewrite must leave alone.
                None => {
                    let longer = format!("{}{near}", ids[0]);
                    text.push_str(&longer);
                    expected.push_str(&longer);
                }
            }
            // A boundary between pieces, so that two IDs never join into one token.
            text.push_str(after);
            text.push(' ');
            expected.push_str(after);
            expected.push(' ');
        }
        prop_assert_eq!(job_ids.rewrite_text(&text), expected.clone());

        // In a JSON file: only string values, whatever escapes them, keys and structure kept.
        let document = json!({ids[0].clone(): text, "n": 1, "list": [ids[0].clone(), text]});
        let file = serde_json::to_string_pretty(&document).unwrap();
        let rewritten: serde_json::Value =
            serde_json::from_str(&job_ids.rewrite_file("001.json", &file)).unwrap();
        prop_assert_eq!(
            rewritten,
            json!({ids[0].clone(): expected, "n": 1, "list": [job_ids.map(&ids[0]), expected]})
        );
    }
}
