//! `jobmock diff` on web tools' (GP) jobs through the binary: job folders as the contract lays
//! them out (steps saying `jobStatus`, `results/<param>.json`, `inputs/<param>.json`) pass, on
//! any server's set; each mutant is drift named by file and field; `--against` compares GP
//! recordings by their `jobStatus`.

use serde_json::{Value, json};

use crate::util::*;

use super::*;

const SUCCEEDED: &str = "j0c5a9e1b2d3f4a5b6c7d8e9f0a1b2c3d";
const FAILED: &str = "j1d6b0f2c3e4a5b6c7d8e9f0a1b2c3d4e";
const CANCELLED: &str = "j2e7c1a3d4f5b6c7d8e9f0a1b2c3d4e5f";
const TIMED_OUT: &str = "j3f8d2b4e5a6c7d8e9f0a1b2c3d4e5f6a";

fn message(kind: &str, description: &str) -> Value {
    json!({"type": format!("esriJobMessageType{kind}"), "description": description})
}

fn step(id: &str, status: &str) -> Value {
    json!({
        "jobId": id,
        "jobStatus": status,
        "inputs": {"in_text": {"paramUrl": "inputs/in_text"}},
        "messages": [message("Informative", "Start Time: Thursday, May 1, 2025 10:00:00")]
    })
}

/// The four GP jobs of the issue: one succeeds with a result, one fails with error messages,
/// one is cancelled, one times out; each with the files a client reads.
fn web_tool_set() -> FixtureDir {
    let set = FixtureDir::new();
    let write = |file: String, value: &Value| {
        set.file(&file, &serde_json::to_string_pretty(value).unwrap());
    };
    let mut succeeded = step(SUCCEEDED, "esriJobSucceeded");
    succeeded["results"] = json!({"out_count": {"paramUrl": "results/out_count"}});
    succeeded["messages"]
        .as_array_mut()
        .unwrap()
        .push(message("Warning", "Few rows."));
    let mut failed = step(FAILED, "esriJobFailed");
    failed["results"] = json!({});
    failed["messages"]
        .as_array_mut()
        .unwrap()
        .push(message("Error", "ERROR 000735: in_text: Value is required"));
    let lives: [(&str, Vec<Value>); 4] = [
        (
            SUCCEEDED,
            vec![
                step(SUCCEEDED, "esriJobSubmitted"),
                step(SUCCEEDED, "esriJobExecuting"),
                succeeded,
            ],
        ),
        (
            FAILED,
            vec![
                step(FAILED, "esriJobSubmitted"),
                step(FAILED, "esriJobExecuting"),
                failed,
            ],
        ),
        (
            CANCELLED,
            vec![
                step(CANCELLED, "esriJobWaiting"),
                step(CANCELLED, "esriJobExecuting"),
                step(CANCELLED, "esriJobCancelling"),
                step(CANCELLED, "esriJobCancelled"),
            ],
        ),
        (
            TIMED_OUT,
            vec![
                step(TIMED_OUT, "esriJobSubmitted"),
                step(TIMED_OUT, "esriJobExecuting"),
                step(TIMED_OUT, "esriJobTimedOut"),
            ],
        ),
    ];
    for (id, steps) in lives {
        for (index, payload) in steps.iter().enumerate() {
            write(format!("jobs/{id}/{:03}.json", index + 1), payload);
        }
        write(
            format!("jobs/{id}/inputs/in_text.json"),
            &json!({"paramName": "in_text", "dataType": "GPString", "value": "Rivers"}),
        );
    }
    let count = |value| json!({"paramName": "out_count", "dataType": "GPLong", "value": value});
    write(
        format!("jobs/{SUCCEEDED}/results/out_count.json"),
        &count(41),
    );
    write(
        format!("jobs/{SUCCEEDED}/results/out_count.003.json"),
        &count(42),
    );
    set.file(
        &format!("jobs/{SUCCEEDED}/script.json"),
        r#"{"steps": {"001.json": {"polls": 2}}}"#,
    );
    // A template of a task: what submitJob makes a job of, its parameter files alike.
    write(
        "templates/CountFeatures/001.json".into(),
        &step("j00000000000000000000000000000000", "esriJobSubmitted"),
    );
    write(
        "templates/CountFeatures/results/out_count.json".into(),
        &count(0),
    );
    set
}

/// The report of `diff` over `path`: exit code, JSON findings, text.
fn report(path: &std::path::Path) -> (Option<i32>, Vec<Value>, String) {
    let path = path.to_str().unwrap();
    let (code, json_out, stderr) = diff(&[path, "--format", "json"]);
    let (text_code, text, _) = diff(&[path]);
    assert_eq!(code, text_code, "{stderr}");
    let report: Value = serde_json::from_str(&json_out).unwrap_or_else(|_| panic!("{stderr}"));
    (code, report["findings"].as_array().unwrap().clone(), text)
}

fn edit(set: &FixtureDir, file: &str, change: impl FnOnce(&mut Value)) {
    let path = set.path().join(file);
    let mut value: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    change(&mut value);
    std::fs::write(&path, value.to_string()).unwrap();
}

/// The four jobs pass as they are, on a Notebook Server set and on a Kubernetes one alike.
#[test]
fn web_tool_jobs_of_the_contract_pass() {
    let set = web_tool_set();
    let (code, findings, text) = report(set.path());
    assert_eq!(code, Some(0), "{text}");
    assert!(findings.is_empty(), "{findings:#?}");
    assert!(text.contains(" in 4 job(s): no drift"), "{text}");

    set.file("server.json", r#"{"flavour": "enterprise-kubernetes"}"#);
    let (code, _, text) = report(set.path());
    assert_eq!(
        code,
        Some(0),
        "a web tool's job is the same on any server: {text}"
    );
    let (code, _, text) = report(&set.path().join("jobs").join(SUCCEEDED));
    assert_eq!(code, Some(0), "a job folder on its own: {text}");
}

/// Each mutant of a passing set is drift (exit 1), named by its file and field, in the JSON
/// findings and in the text report.
#[test]
fn each_web_tool_mutant_is_drift_named_by_file_and_field() {
    let last = format!("jobs/{SUCCEEDED}/003.json");
    let executing = format!("jobs/{SUCCEEDED}/002.json");
    type Mutant = (
        &'static str,
        String,
        Box<dyn FnOnce(&mut Value)>,
        &'static str,
        &'static str,
    );
    let mutants: Vec<Mutant> = vec![
        (
            "a status word misspelt",
            last.clone(),
            Box::new(|v| v["jobStatus"] = json!("esriJobSucceded")),
            "outside-enumeration",
            "jobStatus",
        ),
        (
            "results missing on esriJobSucceeded",
            last.clone(),
            Box::new(|v| {
                v.as_object_mut().unwrap().remove("results");
            }),
            "missing-required-field",
            "results",
        ),
        (
            "a message type misspelt",
            format!("jobs/{FAILED}/003.json"),
            Box::new(|v| v["messages"][1]["type"] = json!("esriJobMessageTypeErorr")),
            "outside-enumeration",
            "messages[1].type",
        ),
        (
            "results while esriJobExecuting",
            executing.clone(),
            Box::new(|v| v["results"] = json!({"out_count": {"paramUrl": "results/out_count"}})),
            "wrong-status-for-field",
            "results",
        ),
        (
            "esriJobSucceeded, then esriJobExecuting",
            format!("jobs/{SUCCEEDED}/004.json"),
            Box::new(|_| {}),
            "illegal-transition",
            "jobStatus",
        ),
        (
            "a paramUrl naming another parameter",
            last.clone(),
            Box::new(|v| v["results"]["out_count"]["paramUrl"] = json!("results/other")),
            "parameter-mismatch",
            "results.out_count.paramUrl",
        ),
        (
            "a result with no file",
            last.clone(),
            Box::new(|v| v["results"]["out_rows"] = json!({"paramUrl": "results/out_rows"})),
            "parameter-mismatch",
            "results.out_rows",
        ),
        (
            "a parameter file of another parameter",
            format!("jobs/{SUCCEEDED}/results/out_count.json"),
            Box::new(|v| v["paramName"] = json!("out_total")),
            "parameter-mismatch",
            "paramName",
        ),
        (
            "a parameter answer without its value",
            format!("jobs/{FAILED}/inputs/in_text.json"),
            Box::new(|v| {
                v.as_object_mut().unwrap().remove("value");
            }),
            "missing-required-field",
            "value",
        ),
        (
            "a job status field of the wrong kind",
            format!("jobs/{TIMED_OUT}/001.json"),
            Box::new(|v| v["jobStatus"] = json!(3)),
            "wrong-type",
            "jobStatus",
        ),
    ];
    for (what, file, change, kind, path) in mutants {
        let set = web_tool_set();
        if kind == "illegal-transition" {
            // One step more after the end: the job runs again.
            let again = step(SUCCEEDED, "esriJobExecuting");
            set.file(&file, &again.to_string());
        }
        edit(&set, &file, change);
        let (code, findings, text) = report(set.path());
        assert_eq!(code, Some(1), "{what}: {text}");
        assert!(
            findings.iter().any(|f| f["kind"] == kind
                && f["path"] == path
                && f["file"].as_str().unwrap().ends_with(&file)),
            "{what}: no {kind} at {path} in {file}: {findings:#?}"
        );
        assert!(text.contains(&file), "{what}: {text}");
        assert!(
            text.contains(&format!("{kind} at {path}")),
            "{what}: {text}"
        );
    }
}

/// Every single-character mutation of every status word (a letter left out, doubled, changed
/// or its case flipped) is a status outside the enumeration, and a finding.
#[test]
fn every_one_character_mutation_of_a_status_word_is_drift() {
    let shapes = jobmock::diff::load_shapes(None).unwrap();
    let mut mutants = 0;
    for word in jobmock::api::webtool::STATUSES {
        let chars: Vec<char> = word.chars().collect();
        let mut variants = std::collections::BTreeSet::new();
        for at in 0..chars.len() {
            let with = |replacement: &[char]| -> String {
                chars[..at]
                    .iter()
                    .chain(replacement)
                    .chain(&chars[at + 1..])
                    .collect()
            };
            let c = chars[at];
            let flipped = if c.is_uppercase() {
                c.to_ascii_lowercase()
            } else {
                c.to_ascii_uppercase()
            };
            let next = char::from_u32(c as u32 + 1).unwrap();
            variants.extend([with(&[]), with(&[c, c]), with(&[flipped]), with(&[next])]);
        }
        for variant in variants {
            if jobmock::api::webtool::STATUSES.contains(&variant.as_str()) {
                continue;
            }
            let payload = json!({"jobId": "j1", "jobStatus": variant});
            let checked = jobmock::diff::check_payload(
                "001.json".into(),
                payload,
                &shapes,
                Default::default(),
            );
            assert_eq!(checked.job_type.as_deref(), Some("gpJob"), "{variant}");
            assert!(
                checked.findings.iter().any(|f| f.path == "jobStatus"
                    && f.kind == jobmock::shape::FindingKind::OutsideEnumeration),
                "{variant}: {:?}",
                checked.findings
            );
            mutants += 1;
        }
    }
    assert!(mutants > 9 * 40, "{mutants} mutants");
}

/// --against: two recordings of the same GP jobs compare by their `jobStatus` under `gpJob`: a
/// status reached on one side only is drift, and a changed result is listed with its job.
#[test]
fn two_web_tool_recordings_are_compared_by_job_status() {
    let old = web_tool_set();
    let new = web_tool_set();
    let against = |new: &FixtureDir| {
        diff(&[
            "--against",
            old.path().to_str().unwrap(),
            new.path().to_str().unwrap(),
        ])
    };
    let (code, stdout, _) = against(&new);
    assert_eq!(code, Some(0), "the same recording: {stdout}");

    // The tool that timed out now fails; the result's value changed.
    edit(&new, &format!("jobs/{TIMED_OUT}/003.json"), |v| {
        v["jobStatus"] = json!("esriJobFailed")
    });
    edit(
        &new,
        &format!("jobs/{SUCCEEDED}/results/out_count.json"),
        |v| v["value"] = json!(7),
    );
    let (code, stdout, _) = against(&new);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("gpJob:"), "{stdout}");
    assert!(
        stdout.contains(
            "- status esriJobTimedOut: reached in the --against recording, never in the new one"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("~ jobs/{TIMED_OUT}: esriJobSubmitted → esriJobExecuting → esriJobTimedOut became esriJobSubmitted → esriJobExecuting → esriJobFailed")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "~ jobs/{SUCCEEDED}: results/out_count.json changed"
        )),
        "{stdout}"
    );

    // Parameter files are listed with their job, not compared as job payloads: every shape
    // change is a GP job's.
    let (_, json_out, _) = diff(&[
        "--against",
        old.path().to_str().unwrap(),
        new.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_str(&json_out).unwrap();
    let changes = report["changes"].as_array().unwrap();
    assert!(!changes.is_empty(), "{report:#}");
    assert!(
        changes.iter().all(|change| change["type"] == "gpJob"),
        "{report:#}"
    );
}

/// `shape infer` learns a web tool's job as `gpJob.shape`, keeping the built-in shape's rules:
/// used as --shapes, it accepts what it was learned from and still catches a misspelt status.
#[test]
fn an_inferred_gp_shape_keeps_the_rules_of_the_built_in_one() {
    let set = web_tool_set();
    let out = tempfile::tempdir().unwrap();
    let shapes = out.path().join("shapes");
    let (code, _, stderr) = run_binary(&[
        "shape",
        "infer",
        set.path().to_str().unwrap(),
        "--out",
        shapes.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let learned = std::fs::read_to_string(shapes.join("gpJob.shape")).unwrap();
    assert!(learned.contains("esriJobNew|esriJobSubmitted"), "{learned}");
    // Results and inputs stay keyed by any parameter, not by this recording's.
    assert!(learned.contains("\"<param>\""), "{learned}");
    assert!(!learned.contains("\"in_text\": {"), "{learned}");
    let with_shapes = |path: &std::path::Path| {
        diff(&[path.to_str().unwrap(), "--shapes", shapes.to_str().unwrap()])
    };
    let (code, stdout, _) = with_shapes(set.path());
    assert_eq!(code, Some(0), "{stdout}\n{learned}");
    edit(&set, &format!("jobs/{CANCELLED}/004.json"), |v| {
        v["jobStatus"] = json!("esriJobCanceled")
    });
    let (code, stdout, _) = with_shapes(set.path());
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("outside-enumeration at jobStatus"),
        "{stdout}"
    );
}
