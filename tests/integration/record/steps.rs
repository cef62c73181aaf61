//! What the record proxy writes of a job's polls: the round trip through replay, identical polls
//! held in one step, concurrent polls in one sequence, each step's time (kept, rounded, or none),
//! a job recorded before (refused, overwritten or appended to), and a set a killed recorder
//! leaves.

use std::time::Duration;

use jobmock::fixture::FixtureSet;
use serde_json::Value;

use crate::util::*;

const SHIPPED_JOBS: [&str; 5] = [OPEN_JOB, EXECUTE_JOB, FAILED_JOB, HOLDING_JOB, TIMED_JOB];

/// The round trip: replay plays the upstream, a client polls every shipped job through record,
/// and the recorded set, replayed, answers the same bodies in the same order.
#[tokio::test]
async fn a_recording_replays_the_same_answers_in_the_same_order() {
    let upstream = Binary::replay(&shipped_fixtures(), &[]);
    let recorded = tempfile::tempdir().unwrap();
    // The shipped jobs name their users, IDs and times: kept, so the bodies compare byte for
    // byte.
    let proxy = Binary::record(
        &upstream.base,
        recorded.path(),
        &["--keep-field", "username", "--keep-job-ids", "--keep-times"],
    );

    let mut original = Vec::new();
    for job in SHIPPED_JOBS {
        for _ in 0..14 {
            let url = proxy.url(&format!("/arcgis/admin/system/jobs/{job}?f=json"));
            original.push(get(url).send().await.body);
        }
    }
    let summary = proxy.stop();
    assert!(summary.contains("5 job(s)"), "{summary}");
    drop(upstream);

    let set = FixtureSet::load(recorded.path()).unwrap();
    assert_eq!(set.jobs().len(), 5);
    let holding = &set.job(set.job_index(HOLDING_JOB).unwrap());
    assert_eq!(
        holding.steps.len(),
        5,
        "equal polls collapse into held steps"
    );
    assert_eq!(holding.sequence.hold(2), 5);

    let replayed = Binary::replay(recorded.path(), &[]);
    let mut again = Vec::new();
    for job in SHIPPED_JOBS {
        for _ in 0..14 {
            let url = replayed.url(&format!("/arcgis/admin/system/jobs/{job}?f=json"));
            again.push(get(url).send().await.body);
        }
    }
    assert_eq!(original.len(), again.len());
    for (index, (want, got)) in original.iter().zip(&again).enumerate() {
        assert_same_text(want, got);
        assert!(!got.is_empty(), "answer {index} is empty");
    }
}

/// Identical polls collapse into one step that holds, and each step keeps its time.
#[tokio::test]
async fn identical_polls_collapse_into_held_steps_with_offsets() {
    let upstream = Binary::replay(&shipped_fixtures(), &[]);
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(
        &upstream.base,
        recorded.path(),
        &["--offsets", "exact", "--keep-job-ids"],
    );
    let url = proxy.url(&format!("/arcgis/admin/system/jobs/{HOLDING_JOB}?f=json"));
    for _ in 0..40 {
        get(&url).send().await;
    }
    proxy.stop();
    let files: Vec<String> = std::fs::read_dir(recorded.path().join("jobs").join(HOLDING_JOB))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files.len(), 6, "five steps and a script: {files:?}");
    let script: Value = serde_json::from_str(
        &std::fs::read_to_string(
            recorded
                .path()
                .join("jobs")
                .join(HOLDING_JOB)
                .join("script.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let polls: Vec<u64> = ["001.json", "002.json", "003.json", "004.json", "005.json"]
        .iter()
        .map(|step| script["steps"][step]["polls"].as_u64().unwrap())
        .collect();
    assert_eq!(polls, [1, 3, 5, 2, 29]);
    let offsets: Vec<u64> = ["001.json", "005.json"]
        .iter()
        .map(|step| script["steps"][step]["offsetMs"].as_u64().unwrap())
        .collect();
    assert_eq!(offsets[0], 0);
    assert!(offsets[1] > 0, "{script}");
}

/// Two clients polling one job at once make one consistent sequence: every answer a client got
/// is recorded once, none lost, none twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_polls_of_one_job_make_one_consistent_sequence() {
    let upstream = Binary::replay(&shipped_fixtures(), &[]);
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(
        &upstream.base,
        recorded.path(),
        &["--keep-field", "username", "--keep-job-ids", "--keep-times"],
    );
    let url = proxy.url(&format!("/arcgis/admin/system/jobs/{HOLDING_JOB}?f=json"));
    let clients: Vec<_> = (0..2)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move {
                let mut seen = Vec::new();
                for _ in 0..10 {
                    seen.push(get(&url).send().await.body);
                }
                seen
            })
        })
        .collect();
    let mut answered = Vec::new();
    for client in clients {
        answered.extend(client.await.unwrap());
    }
    proxy.stop();

    let set = FixtureSet::load(recorded.path()).unwrap();
    let job = set.job(0);
    let mut recorded_answers = Vec::new();
    for (index, step) in job.steps.iter().enumerate() {
        for _ in 0..job.sequence.hold(index) {
            recorded_answers.push(String::from_utf8(step.body.to_vec()).unwrap());
        }
    }
    answered.sort();
    recorded_answers.sort();
    assert_eq!(recorded_answers.len(), 20);
    assert_eq!(answered, recorded_answers);
}

/// A recording keeps each step's time: `replay --advance time` plays it at its recorded pace,
/// and --speed faster.
#[tokio::test]
async fn a_recording_plays_at_its_recorded_pace_with_advance_time() {
    let upstream = Binary::replay(&shipped_fixtures(), &[]);
    let recorded = tempfile::tempdir().unwrap();
    // Time mode needs offsets, which are asked for.
    let proxy = Binary::record(
        &upstream.base,
        recorded.path(),
        &["--offsets", "rounded", "--keep-job-ids"],
    );
    let job = format!("/arcgis/admin/system/jobs/{EXECUTE_JOB}?f=json");
    get(proxy.url(&job)).send().await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    get(proxy.url(&job)).send().await;
    proxy.stop();

    let paced = Binary::replay(recorded.path(), &["--advance", "time", "--speed", "2"]);
    assert_eq!(get(paced.url(&job)).status().await, "SUBMITTED");
    assert_eq!(
        get(paced.url(&job)).status().await,
        "SUBMITTED",
        "one second recorded is half of one here"
    );
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(get(paced.url(&job)).status().await, "PROCESSING");
}

/// `--offsets rounded` rounds offsets (multiples of 100 ms), and a scenario recorded twice
/// with the default (no offsets) gives the same files byte for byte.
#[tokio::test]
async fn offsets_are_rounded_and_a_scenario_recorded_twice_gives_the_same_files() {
    let upstream = Binary::replay(&shipped_fixtures(), &[]);
    let job = format!("/arcgis/admin/system/jobs/{HOLDING_JOB}?f=json");

    let rounded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(
        &upstream.base,
        rounded.path(),
        &["--offsets", "rounded", "--keep-job-ids"],
    );
    for _ in 0..12 {
        get(proxy.url(&job)).session("rounded").send().await;
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    proxy.stop();
    let script: Value = serde_json::from_slice(
        &std::fs::read(
            rounded
                .path()
                .join("jobs")
                .join(HOLDING_JOB)
                .join("script.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let offsets: Vec<u64> = script["steps"]
        .as_object()
        .unwrap()
        .values()
        .map(|step| step["offsetMs"].as_u64().unwrap())
        .collect();
    assert!(offsets.iter().any(|&ms| ms > 0), "{script}");
    assert!(offsets.iter().all(|ms| ms % 100 == 0), "{script}");

    let mut recordings = Vec::new();
    for round in 0..2 {
        let dir = tempfile::tempdir().unwrap();
        let proxy = Binary::record(&upstream.base, dir.path(), &[]);
        for _ in 0..12 {
            get(proxy.url(&job))
                .session(&format!("round-{round}"))
                .send()
                .await;
        }
        proxy.stop();
        let files: Vec<(String, Vec<u8>)> = all_files(dir.path())
            .into_iter()
            .map(|(path, bytes)| {
                let relative = path.strip_prefix(dir.path()).unwrap().display().to_string();
                (relative, bytes)
            })
            .collect();
        recordings.push((dir, files));
    }
    let (mut first, mut second) = (recordings[0].1.clone(), recordings[1].1.clone());
    first.sort();
    second.sort();
    // Beside them, the summary of what redaction replaced, and recording.json (which says
    // when each was recorded).
    let beside = |name: &String| name != "redactions.json" && name != "recording.json";
    first.retain(|(name, _)| beside(name));
    second.retain(|(name, _)| beside(name));
    assert_eq!(first.len(), 6, "five steps and a script");
    assert_eq!(first, second);
    assert!(
        !String::from_utf8_lossy(&first.last().unwrap().1).contains("offsetMs"),
        "no offsets are written unless asked for"
    );
}

/// A second recording of a job is refused (the client still gets its answer); --overwrite
/// replaces the folder and --append adds to it. The server's IDs are kept, so both recordings
/// name the same folder (with stable IDs a new job is numbered past those of the set).
#[tokio::test]
async fn existing_jobs_are_refused_unless_overwrite_or_append_is_given() {
    let upstream = Binary::replay(&shipped_fixtures(), &[]);
    let recorded = tempfile::tempdir().unwrap();
    let url =
        |proxy: &Binary| proxy.url(&format!("/arcgis/admin/system/jobs/{EXECUTE_JOB}?f=json"));
    let job_dir = recorded.path().join("jobs").join(EXECUTE_JOB);

    let proxy = Binary::record(&upstream.base, recorded.path(), &["--keep-job-ids"]);
    assert_eq!(get(url(&proxy)).status().await, "SUBMITTED");
    proxy.stop();
    let first = std::fs::read(job_dir.join("001.json")).unwrap();

    let proxy = Binary::record(&upstream.base, recorded.path(), &["--keep-job-ids"]);
    assert_eq!(
        get(url(&proxy)).status().await,
        "PROCESSING",
        "the client still gets its answer"
    );
    let printed = proxy.stop();
    assert!(
        printed.contains(&format!(
            "not recording jobs/{EXECUTE_JOB}: the folder exists"
        )),
        "{printed}"
    );
    assert!(printed.contains("--overwrite"), "{printed}");
    assert_eq!(std::fs::read(job_dir.join("001.json")).unwrap(), first);
    assert!(!job_dir.join("002.json").exists());

    let proxy = Binary::record(
        &upstream.base,
        recorded.path(),
        &["--append", "--keep-job-ids"],
    );
    assert_eq!(get(url(&proxy)).status().await, "COMPLETED");
    proxy.stop();
    assert!(
        std::fs::read_to_string(job_dir.join("002.json"))
            .unwrap()
            .contains("COMPLETED")
    );

    let proxy = Binary::record(
        &upstream.base,
        recorded.path(),
        &["--overwrite", "--keep-job-ids"],
    );
    assert_eq!(get(url(&proxy)).status().await, "COMPLETED");
    proxy.stop();
    assert!(
        std::fs::read_to_string(job_dir.join("001.json"))
            .unwrap()
            .contains("COMPLETED")
    );
    assert!(!job_dir.join("002.json").exists());
}

/// A recorder killed mid-recording leaves a fixture set that replay loads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorder_killed_at_any_moment_leaves_a_loadable_set() {
    let upstream = Binary::replay(&shipped_fixtures(), &[]);
    let recorded = tempfile::tempdir().unwrap();
    let mut proxy = Binary::record(&upstream.base, recorded.path(), &[]);
    let base = proxy.base.clone();
    let polling = tokio::spawn(async move {
        for round in 0.. {
            for job in SHIPPED_JOBS {
                let url = format!("{base}/arcgis/admin/system/jobs/{job}?f=json&round={round}");
                let client: hyper_util::client::legacy::Client<
                    _,
                    http_body_util::Full<bytes::Bytes>,
                > = hyper_util::client::legacy::Client::builder(
                    hyper_util::rt::TokioExecutor::new(),
                )
                .build_http();
                if client.get(url.parse().unwrap()).await.is_err() {
                    return round;
                }
            }
        }
        unreachable!()
    });
    tokio::time::sleep(Duration::from_millis(400)).await;
    proxy.child.kill().unwrap();
    let rounds = polling.await.unwrap();
    assert!(rounds > 0, "no round of polls completed before the kill");
    let set = FixtureSet::load(recorded.path()).unwrap_or_else(|err| panic!("{err}"));
    assert!(!set.jobs().is_empty());
}
