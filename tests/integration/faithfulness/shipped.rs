//! What ships: the real capture, sanitized, keeps its structure; the shipped set, recorded
//! again through replay, is the shipped set.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;

use crate::util::*;

use super::*;

/// The shipped capture (mitmproxy in front of replay, the ArcGIS API for Python as client):
/// sanitized, every entry keeps its method, URL shape (the same segments but at user or
/// redacted positions, the same parameter names), status, header names, and its JSON bodies'
/// keys, numbers, booleans, nulls and array lengths.
#[test]
fn faithful_shipped_capture_sanitized_keeps_its_structure() {
    let har_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/har/mitmproxy-arcgis.har");
    let dir = tempfile::tempdir().unwrap();
    let safe = dir.path().join("safe.har");
    let (code, out, err) = sanitize_har(&har_path, &safe, &[]);
    assert!(
        matches!(code, Some(0 | 1)),
        "sanitize failed ({code:?}): {out}{err}"
    );
    let original = read_json(&har_path);
    let sanitized = read_json(&safe);
    assert_no_problems(
        "the shipped capture, sanitized",
        &check_sanitized_har(&original, &sanitized, None),
    );
}

/// The shipped set recorded again: replay serves `fixtures/`, the real recorder records every
/// exchange and every job's polls from it. The shipped set's people are pseudonyms already, so
/// the recording must be the shipped set itself: the same methods, paths, parameters, statuses
/// and header names, and every answer equal to the shipped one, string for string.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faithful_shipped_set_recorded_again_is_the_same() {
    let shipped = shipped_fixtures();
    let replay = Binary::replay(&shipped, &[]);
    let set = tempfile::tempdir().unwrap();
    let proxy = Binary::record(
        &replay.base,
        set.path(),
        &["--keep-job-ids", "--keep-times"],
    );
    let nothing = Learned::nothing();
    let mut checker = Checker::new(Some(&nothing));
    let mut expected: Vec<(String, PathBuf)> = Vec::new();
    for dir in sub_dirs(&shipped.join("exchanges")) {
        let request = read_json(&dir.join("request.json"));
        let method = request["method"].as_str().unwrap().to_string();
        let path = request["path"].as_str().unwrap().to_string();
        let params: Vec<(String, String)> = request["params"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, value)| (name.clone(), value.as_str().unwrap().to_string()))
            .collect();
        let call = if method == "GET" {
            let query = if params.is_empty() {
                String::new()
            } else {
                format!("?{}", encode_form(&params))
            };
            Call::new(hyper::Method::GET, proxy.url(&format!("{path}{query}")))
        } else {
            Call::new(method.parse().unwrap(), proxy.url(&path)).form(&encode_form(&params))
        };
        call.send().await;
        expected.push((format!("{method} {path}"), dir));
    }
    let mut polled = Vec::new();
    for dir in sub_dirs(&shipped.join("jobs")) {
        let script = try_read_json(&dir.join("script.json")).unwrap_or(json!({}));
        let steps = step_files(&dir);
        // Poll-advanced jobs without faults are polled through; others answer their first step.
        let plain = script["advance"].as_str().unwrap_or("poll") == "poll"
            && script.get("faults").is_none()
            && script.get("onCancel").is_none()
            && steps.iter().all(|step| {
                let settings = &script["steps"][file_name(step)];
                settings.get("fault").is_none() && settings.get("expireToken").is_none()
            });
        let polls: u64 = if plain {
            steps
                .iter()
                .map(|step| {
                    script["steps"][file_name(step)]["polls"]
                        .as_u64()
                        .unwrap_or(1)
                })
                .sum()
        } else {
            1
        };
        let job = file_name(&dir);
        for _ in 0..polls {
            get(proxy.url(&format!("/arcgis/admin/system/jobs/{job}?f=json")))
                .send()
                .await;
        }
        let compared = if plain { steps.len() } else { 1 };
        polled.push((job, steps, compared));
    }
    proxy.terminate();
    let (code, out, err) = proxy.wait(Duration::from_secs(20));
    assert!(
        matches!(code, Some(0 | 1)),
        "the recorder failed: {out}{err}"
    );
    for (job, steps, compared) in &polled {
        let recorded_steps = step_files(&set.path().join("jobs").join(job));
        if recorded_steps.len() < *compared {
            checker.problem(format!(
                "jobs/{job}: {} steps were recorded again as {}",
                steps.len(),
                recorded_steps.len()
            ));
        }
        for (step, again) in steps.iter().zip(&recorded_steps).take(*compared) {
            let a = std::fs::read_to_string(step).unwrap();
            let b = std::fs::read_to_string(again).unwrap();
            checker.body(&format!("jobs/{job}/{}", file_name(step)), &a, &b);
        }
    }
    let recorded: Vec<PathBuf> = sub_dirs(&set.path().join("exchanges"));
    for (request, dir) in &expected {
        let found = recorded.iter().find(|again| {
            try_read_json(&again.join("request.json")).is_ok_and(|written| {
                let shipped = read_json(&dir.join("request.json"));
                written["method"] == shipped["method"]
                    && written["path"] == shipped["path"]
                    && written["params"] == shipped["params"]
            })
        });
        let Some(again) = found else {
            checker.problem(format!(
                "{request}: recorded again, no request.json is the shipped one"
            ));
            continue;
        };
        for (step, step_again) in step_files(dir).iter().zip(step_files(again)) {
            let a = std::fs::read_to_string(step).unwrap();
            let b = std::fs::read_to_string(&step_again).unwrap();
            checker.body(&format!("{request} {}", file_name(step)), &a, &b);
        }
    }
    drop(replay);
    assert_no_problems("the shipped set recorded again", &checker.problems());
}
