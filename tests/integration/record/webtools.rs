//! What the record proxy writes of a web tool's jobs (geoprocessing jobs under
//! `…/GPServer/<task>/`): polls as the job's steps with hold counts, the parameters' values as
//! the job's own files (from their step on where they change), submitJob and cancel as
//! exchanges that name the job's stable ID, a secret-named parameter's value learned and kept
//! out, and a set that replay serves the same way.

use serde_json::{Value, json};

use crate::util::*;

const SECRET: &str = "s3cr3t-gp-9f4e2b71c0";
const SENT_SECRET: &str = "t0k3n-sent-5d8a1c";

fn web_tool_params() -> Vec<FakeParam> {
    vec![
        FakeParam::result("out_count", json!(0), json!(42)),
        // A tool that hands out a credential: its value is a secret by its name alone.
        FakeParam::result("api_token", json!(""), json!(SECRET)),
        FakeParam::input("in_text", json!("hello")),
    ]
}

async fn poll(proxy: &Binary, id: &str) -> Value {
    get(proxy.url(&format!("{WEB_TOOL_TASK}/jobs/{id}?f=json")))
        .send()
        .await
        .json()
}

async fn value(proxy: &Binary, id: &str, what: &str) -> Value {
    get(proxy.url(&format!("{WEB_TOOL_TASK}/jobs/{id}/{what}?f=json")))
        .send()
        .await
        .json()
}

/// The folder of the one exchange whose request.json path ends with `tail`.
fn exchange_ending(set: &std::path::Path, tail: &str) -> std::path::PathBuf {
    let found: Vec<_> = std::fs::read_dir(set.join("exchanges"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|dir| {
            read_json(&dir.join("request.json"))["path"]
                .as_str()
                .unwrap()
                .ends_with(tail)
        })
        .collect();
    assert_eq!(found.len(), 1, "one exchange ends with {tail}: {found:?}");
    found[0].clone()
}

/// A web tool's job, recorded as a client drives it (submit, polls, a result read while it
/// runs and after, a secret result, an input), is a job folder with held steps and its values
/// as files; the secret is nowhere; replayed, the set plays the job and its values alike.
#[tokio::test]
async fn a_web_tools_job_is_recorded_as_a_job_with_its_values_as_files() {
    // The messages echo what the tool handed out: learned late, it is scrubbed again.
    let upstream = FakeWebTool::start(web_tool_params(), format!("issued {SECRET}")).await;
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(&upstream.url(), recorded.path(), &[]);

    get(proxy.url("/server/rest/services/Tools/Count/GPServer?f=json"))
        .send()
        .await;
    get(proxy.url(&format!("{WEB_TOOL_TASK}?f=json")))
        .send()
        .await;
    let submitted = post(proxy.url(&format!("{WEB_TOOL_TASK}/submitJob")))
        .form(&format!("in_text=hello&token={SENT_SECRET}&f=json"))
        .send()
        .await
        .json();
    let id = submitted["jobId"].as_str().unwrap().to_string();
    assert_eq!(submitted["jobStatus"], "esriJobSubmitted");
    let mut statuses = Vec::new();
    for poll_number in 0..5 {
        if poll_number == 2 {
            // Read while the job runs: the value a client gets before the end.
            assert_eq!(value(&proxy, &id, "results/out_count").await["value"], 0);
        }
        statuses.push(poll(&proxy, &id).await["jobStatus"].clone());
    }
    assert_eq!(statuses[4], "esriJobSucceeded");
    assert_eq!(value(&proxy, &id, "results/out_count").await["value"], 42);
    assert_eq!(value(&proxy, &id, "results/out_count").await["value"], 42);
    assert_eq!(
        value(&proxy, &id, "results/api_token").await["value"],
        SECRET
    );
    assert_eq!(value(&proxy, &id, "inputs/in_text").await["value"], "hello");
    let summary = proxy.stop();

    let set = recorded.path();
    let job = set.join("jobs/submitJob-1");
    let steps: Vec<Value> = ["001.json", "002.json", "003.json"]
        .iter()
        .map(|step| read_json(&job.join(step)))
        .collect();
    let recorded_statuses: Vec<&str> = steps
        .iter()
        .map(|step| step["jobStatus"].as_str().unwrap())
        .collect();
    assert_eq!(
        recorded_statuses,
        ["esriJobSubmitted", "esriJobExecuting", "esriJobSucceeded"]
    );
    assert!(!job.join("004.json").exists());
    // A secret-named parameter's address is its name's, not a secret: a client reads through it.
    assert_eq!(
        steps[2]["results"]["api_token"]["paramUrl"],
        "results/api_token"
    );
    // The server's ID is the stable one everywhere: the steps, the submission's answer.
    assert!(steps.iter().all(|step| step["jobId"] == "submitJob-1"));
    let submit = exchange_ending(set, "/Count/submitJob");
    assert_eq!(
        read_json(&submit.join("001.json")),
        json!({"jobId": "submitJob-1", "jobStatus": "esriJobSubmitted"})
    );
    let script = read_json(&job.join("script.json"));
    assert_eq!(script["steps"]["002.json"]["polls"], 2, "{script}");
    assert_eq!(script["steps"]["003.json"]["polls"], 2, "{script}");
    // The value read while the job ran, and the one from the end on (read twice, one file).
    assert_eq!(
        read_json(&job.join("results/out_count.json")),
        json!({"paramName": "out_count", "dataType": "GPLong", "value": 0})
    );
    assert_eq!(
        read_json(&job.join("results/out_count.003.json"))["value"],
        42
    );
    let results: Vec<_> = std::fs::read_dir(job.join("results"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(results.len(), 3, "{results:?}\n{summary}");
    assert_eq!(
        read_json(&job.join("results/api_token.json"))["value"],
        "REDACTED"
    );
    assert_eq!(
        read_json(&job.join("inputs/in_text.json"))["value"],
        "hello"
    );
    // The metadata stays exchanges; the values are no exchange's.
    exchange_ending(set, "/Tools/Count/GPServer");
    exchange_ending(set, "/GPServer/Count");
    let exchanges = std::fs::read_dir(set.join("exchanges")).unwrap().count();
    assert_eq!(exchanges, 3, "service, task, submitJob");
    assert_no_canary(set, &summary, &[("result", SECRET), ("sent", SENT_SECRET)]);
    assert!(
        summary.contains(
            "jobs/submitJob-1: 3 step(s) written: esriJobSubmitted → esriJobExecuting ×2 → \
             esriJobSucceeded ×2; values: results/out_count.json, results/out_count.003.json, \
             results/api_token.json, inputs/in_text.json"
        ),
        "{summary}"
    );

    // Replayed: the job plays its steps, and its values follow them.
    let replay = Binary::replay(set, &[]);
    let listed = get(replay.url("/__jobmock/jobs")).send().await.json();
    let ids: Vec<&str> = listed["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|job| job["jobId"].as_str())
        .collect();
    assert!(ids.contains(&"submitJob-1"), "{listed}");
    let again = post(replay.url(&format!("{WEB_TOOL_TASK}/submitJob")))
        .form("in_text=hello&token=any&f=json")
        .send()
        .await
        .json();
    assert_eq!(again["jobId"], "submitJob-1");
    assert_eq!(
        value(&replay, "submitJob-1", "results/out_count").await["value"],
        0
    );
    let mut replayed = Vec::new();
    for _ in 0..5 {
        replayed.push(poll(&replay, "submitJob-1").await["jobStatus"].clone());
    }
    assert_eq!(replayed, statuses);
    assert_eq!(
        value(&replay, "submitJob-1", "results/out_count").await["value"],
        42
    );
    assert_eq!(
        value(&replay, "submitJob-1", "inputs/in_text").await["value"],
        "hello"
    );
    assert_eq!(
        value(&replay, "submitJob-1", "results/api_token").await["value"],
        "REDACTED"
    );
}

/// A cancel is an exchange that names the job's stable ID, and the job's polls go on to its
/// cancelled step; a value of a job no poll was recorded of is an exchange too.
#[tokio::test]
async fn a_cancel_is_an_exchange_and_the_job_ends_cancelled() {
    let upstream = FakeWebTool::start(web_tool_params(), "running".into()).await;
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(&upstream.url(), recorded.path(), &[]);
    let submit =
        |proxy: &Binary| post(proxy.url(&format!("{WEB_TOOL_TASK}/submitJob"))).form("f=json");
    let first = submit(&proxy).send().await.json()["jobId"]
        .as_str()
        .unwrap()
        .to_string();
    // Read before any poll: no job folder to hold it yet.
    value(&proxy, &first, "inputs/in_text").await;
    let second = submit(&proxy).send().await.json()["jobId"]
        .as_str()
        .unwrap()
        .to_string();
    poll(&proxy, &second).await;
    let cancelling = get(proxy.url(&format!("{WEB_TOOL_TASK}/jobs/{second}/cancel?f=json")))
        .send()
        .await
        .json();
    assert_eq!(cancelling["jobStatus"], "esriJobCancelling");
    for _ in 0..3 {
        poll(&proxy, &second).await;
    }
    let summary = proxy.stop();

    let set = recorded.path();
    let job = set.join("jobs/submitJob-2");
    assert_eq!(
        read_json(&job.join("002.json"))["jobStatus"],
        "esriJobCancelling"
    );
    assert_eq!(
        read_json(&job.join("003.json"))["jobStatus"],
        "esriJobCancelled"
    );
    let cancel = exchange_ending(set, "/jobs/submitJob-2/cancel");
    assert_eq!(
        read_json(&cancel.join("001.json")),
        json!({"jobId": "submitJob-2", "jobStatus": "esriJobCancelling"})
    );
    let input = exchange_ending(set, "/jobs/submitJob-1/inputs/in_text");
    assert_eq!(read_json(&input.join("001.json"))["value"], "hello");
    assert!(!set.join("jobs/submitJob-1").exists());
    assert!(
        summary.contains("jobs/submitJob-2: 3 step(s) written: esriJobSubmitted → esriJobCancelling → esriJobCancelled ×2"),
        "{summary}"
    );
    // The set loads.
    let replay = Binary::replay(set, &[]);
    assert_eq!(
        poll(&replay, "submitJob-2").await["jobStatus"],
        "esriJobSubmitted"
    );
}
