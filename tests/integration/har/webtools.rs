//! A web tool's job in a HAR (a browser or the ArcGIS API for Python driving a geoprocessing
//! service) imports as `record` writes it: polls as the job's steps, its values as the job's
//! files, a secret-named value kept out.

use serde_json::json;

use crate::util::*;

use super::*;

const TASK: &str = "/server/rest/services/Tools/Count/GPServer/Count";
const JOB: &str = "jfeedc0de0123456789abcdef0123456";
const SECRET: &str = "Gp7-issued-k3y-Qz81";

fn gp(method: &str, path: &str, at_ms: u64, body: serde_json::Value) -> serde_json::Value {
    entry(
        method,
        &format!("{SERVER}{TASK}{path}"),
        at_ms,
        200,
        json_content(&body),
    )
}

#[test]
fn a_web_tools_job_in_a_har_imports_as_a_job_with_its_values() {
    let status = |status: &str, at_ms| {
        let mut body = json!({"jobId": JOB, "jobStatus": status, "messages": [
            {"type": "esriJobMessageTypeInformative", "description": format!("{status} for {SECRET}")}]});
        if status == "esriJobSucceeded" {
            body["results"] = json!({"out_count": {"paramUrl": "results/out_count"},
                "service_api_key": {"paramUrl": "results/service_api_key"}});
        }
        gp("GET", &format!("/jobs/{JOB}?f=json"), at_ms, body)
    };
    let document = har(vec![
        gp(
            "POST",
            "/submitJob",
            0,
            json!({"jobId": JOB, "jobStatus": "esriJobSubmitted"}),
        ),
        status("esriJobSubmitted", 1000),
        status("esriJobExecuting", 2000),
        status("esriJobExecuting", 3000),
        status("esriJobSucceeded", 4000),
        gp(
            "GET",
            &format!("/jobs/{JOB}/results/out_count?f=json"),
            4100,
            json!({"paramName": "out_count", "dataType": "GPLong", "value": 42}),
        ),
        gp(
            "GET",
            &format!("/jobs/{JOB}/results/service_api_key?f=json"),
            4200,
            json!({"paramName": "service_api_key", "dataType": "GPString", "value": SECRET}),
        ),
    ]);
    let place = tempfile::tempdir().unwrap();
    let har = write_har(place.path(), &document);
    let set = place.path().join("set");
    let (code, printed) = import(&har, &set, &[]);
    assert_eq!(code, Some(0), "{printed}");

    let job = set.join("jobs/submitJob-1");
    let statuses: Vec<String> = ["001.json", "002.json", "003.json"]
        .iter()
        .map(|step| {
            read_json(&job.join(step))["jobStatus"]
                .as_str()
                .unwrap()
                .into()
        })
        .collect();
    assert_eq!(
        statuses,
        ["esriJobSubmitted", "esriJobExecuting", "esriJobSucceeded"]
    );
    assert_eq!(
        read_json(&job.join("script.json"))["steps"]["002.json"]["polls"],
        2
    );
    assert_eq!(read_json(&job.join("results/out_count.json"))["value"], 42);
    assert_eq!(
        read_json(&job.join("results/service_api_key.json"))["value"],
        "REDACTED"
    );
    assert_no_canary(&set, &printed, &[("service_api_key", SECRET)]);
    assert!(
        printed.contains("jobs/submitJob-1: 3 step(s) written"),
        "{printed}"
    );
    jobmock::fixture::FixtureSet::load(&set).unwrap();
}
