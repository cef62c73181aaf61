//! `jobmock diff` and `jobmock shape infer` through the binary: exit codes, JSON findings, the
//! text diff, shapes of one's own, and two recordings compared.
//!
//! By what is tested: [`drift`] (each kind of drift the built-in shapes catch, in payloads,
//! sequences and error steps, and what diff cannot read), [`shapes`] (shapes inferred and shape
//! files of one's own), [`against`] (two recordings compared), [`webtools`] (web tools' GP
//! jobs and their parameter files: passing, mutants, `--against`). This file holds the helpers
//! they share.

use serde_json::{Value, json};

use crate::util::*;

mod against;
mod drift;
mod shapes;
mod webtools;

fn diff(args: &[&str]) -> (Option<i32>, String, String) {
    let mut all = vec!["diff"];
    all.extend_from_slice(args);
    run_binary(&all)
}

/// A job folder whose one step is `payload`, checked alone; returns the exit code, the JSON
/// findings, and the text report.
fn check_one(payload: Value) -> (Option<i32>, Vec<Value>, String) {
    let fixtures = FixtureDir::new();
    let id = payload["jobId"].as_str().unwrap_or("j1").to_string();
    fixtures.file(
        &format!("jobs/{id}/001.json"),
        &serde_json::to_string_pretty(&payload).unwrap(),
    );
    let path = fixtures.path().to_str().unwrap().to_string();
    let (code, json_out, _) = diff(&[&path, "--format", "json"]);
    let (text_code, text, _) = diff(&[&path]);
    assert_eq!(code, text_code, "the format does not change the outcome");
    let report: Value = serde_json::from_str(&json_out).unwrap();
    (code, report["findings"].as_array().unwrap().clone(), text)
}

fn completed_open_notebook() -> Value {
    json!({
        "jobId": "j1",
        "inputs": {"itemId": "i"},
        "startTime": 10,
        "endTime": 20,
        "type": "openNotebook",
        "results": {"notebookUrl": "u", "notebookId": "n", "webToolVersion": "11.2"},
        "status": "COMPLETED",
        "username": "admin",
        "customAttributes": {"openNotebook": "r", "isCancelled": false}
    })
}

fn assert_finding(findings: &[Value], kind: &str, path: &str, found: &str) {
    assert!(
        findings.iter().any(|f| f["kind"] == kind
            && f["path"] == path
            && f["found"].as_str().unwrap().contains(found)),
        "no {kind} at {path} (found {found}) in {findings:#?}"
    );
}
