//! A written fixture set checked against the scenario that made it, and a sanitized HAR against
//! its original.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::*;

use super::*;

/// The step files of a folder (`001.json`, `002.txt`, …), in order.
pub(super) fn step_files(dir: &Path) -> Vec<PathBuf> {
    let mut steps: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .collect()
        })
        .unwrap_or_default();
    steps.retain(|path| {
        let name = path.file_name().unwrap().to_string_lossy();
        name.as_bytes().first().is_some_and(u8::is_ascii_digit)
    });
    steps.sort();
    steps
}

pub(super) fn sub_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

pub(super) fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// A step's answer compared with the upstream's: its body, and its script entry's status and
/// headers (names the upstream sent, values equal but where a learned value stood).
/// `at` names the step in messages.
pub(super) fn check_step(
    checker: &mut Checker,
    at: &str,
    step: &Path,
    script: Option<&Value>,
    sent: &Exchange,
) {
    let written = std::fs::read_to_string(step).unwrap_or_default();
    let original = String::from_utf8(sent.body.bytes("{{origin}}")).unwrap();
    checker.body(at, &original, &written);
    let settings = script
        .and_then(|script| script["steps"].get(file_name(step)))
        .cloned()
        .unwrap_or(Value::Null);
    let status = settings["status"].as_u64().unwrap_or(200);
    if status != u64::from(sent.status) {
        checker.problem(format!("{at}: the status {} became {status}", sent.status));
    }
    if let Some(headers) = settings["headers"].as_object() {
        for (name, value) in headers {
            match sent
                .answer_headers
                .iter()
                .find(|(sent_name, _)| sent_name.eq_ignore_ascii_case(name))
            {
                None => checker.problem(format!(
                    "{at}: the header {name:?} is not one the upstream sent"
                )),
                Some((_, sent_value)) => checker.text(
                    &format!("{at} header {name}"),
                    sent_value,
                    value.as_str().unwrap_or_default(),
                ),
            }
        }
    }
}

/// Everything a fixture set written from `exchanges` must be: each exchange folder's
/// `request.json` the request sent (method exactly, path and parameters but where a learned
/// value stood), its folder named by the method and without pseudonyms but for a user segment,
/// its answer the upstream's; each job's steps the distinct answers to its polls; and none of
/// `never_written` in any file or file name. Returns the differences found.
pub(super) fn check_set(
    set: &Path,
    exchanges: &[Exchange],
    learned: &Learned,
    never: &[String],
) -> Vec<String> {
    let mut checker = Checker::new(Some(learned));
    let mut unmatched: Vec<&Exchange> = exchanges
        .iter()
        .filter(|exchange| exchange.polled_job().is_none())
        .collect();
    for dir in sub_dirs(&set.join("exchanges")) {
        let name = file_name(&dir);
        let request = match try_read_json(&dir.join("request.json")) {
            Ok(request) => request,
            Err(err) => {
                checker.problem(err);
                continue;
            }
        };
        let method = request["method"].as_str().unwrap_or_default().to_string();
        let path = request["path"].as_str().unwrap_or_default().to_string();
        let Some(index) = unmatched
            .iter()
            .position(|sent| same_but_holes(&sent.path, &path, &holes(&sent.path, learned)))
        else {
            checker.problem(format!(
                "exchanges/{name}/request.json: {method} {path} is no request the client sent"
            ));
            continue;
        };
        let sent = unmatched.remove(index);
        let at = format!("exchanges/{name}");
        if method != sent.method {
            checker.problem(format!(
                "{at}/request.json: the method {:?} became {method:?}",
                sent.method
            ));
        }
        if !name.starts_with(&format!("{}-", sent.method)) {
            checker.problem(format!(
                "{at}: the folder of a {} request is named {name:?}",
                sent.method
            ));
        }
        let user_segment = USER_SEGMENT_MARKS
            .iter()
            .any(|mark| sent.path.contains(mark));
        for mark in PSEUDONYM_MARKS {
            if name.contains(mark) && !(user_segment && *mark == "user-") {
                checker.problem(format!(
                    "{at}: the folder name holds the pseudonym {mark:?}"
                ));
            }
        }
        checker.text(&format!("{at}/request.json path"), &sent.path, &path);
        let params = sent.params();
        if let Some(written) = request["params"].as_object() {
            for (param, value) in written {
                let value = value.as_str().unwrap_or_default();
                match params.iter().find(|(sent_name, _)| sent_name == param) {
                    None => checker.problem(format!(
                        "{at}/request.json: the parameter {param:?} was not sent"
                    )),
                    Some((_, sent_value)) => checker.field(
                        &format!("{at}/request.json params.{param}"),
                        Some(param),
                        sent_value,
                        value,
                    ),
                }
            }
        }
        let script = try_read_json(&dir.join("script.json")).ok();
        let steps = step_files(&dir);
        if steps.len() != 1 {
            checker.problem(format!("{at}: {} step files for one answer", steps.len()));
        }
        if let Some(step) = steps.first() {
            let at = format!("{at}/{}", file_name(step));
            check_step(&mut checker, &at, step, script.as_ref(), sent);
        }
    }
    for sent in unmatched {
        checker.problem(format!(
            "no exchange folder holds {} {}",
            sent.method, sent.path
        ));
    }

    let mut polled: BTreeMap<String, Vec<&Exchange>> = BTreeMap::new();
    for exchange in exchanges {
        if let Some(job) = exchange.polled_job() {
            let answers = polled.entry(job.to_string()).or_default();
            let same_as_last = answers.last().is_some_and(|last: &&Exchange| {
                last.body.bytes("") == exchange.body.bytes("") && last.status == exchange.status
            });
            if !same_as_last {
                answers.push(exchange);
            }
        }
    }
    let jobs = sub_dirs(&set.join("jobs"));
    for dir in &jobs {
        let job = file_name(dir);
        let Some(answers) = polled.get(&job) else {
            checker.problem(format!("jobs/{job}: no job of that ID was polled"));
            continue;
        };
        let steps = step_files(dir);
        if steps.len() != answers.len() {
            checker.problem(format!(
                "jobs/{job}: {} distinct answers became {} steps",
                answers.len(),
                steps.len()
            ));
        }
        let script = try_read_json(&dir.join("script.json")).ok();
        for (step, sent) in steps.iter().zip(answers) {
            let at = format!("jobs/{job}/{}", file_name(step));
            check_step(&mut checker, &at, step, script.as_ref(), sent);
        }
    }
    for job in polled.keys() {
        if !jobs.iter().any(|dir| file_name(dir) == *job) {
            checker.problem(format!("jobs/{job} was not written"));
        }
    }

    let mut problems = checker.problems();
    problems.extend(written_anywhere(set, never));
    problems
}

/// Where any of `never` (case ignored) is in a file or a file name under `dir`.
pub(super) fn written_anywhere(dir: &Path, never: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for (path, bytes) in all_files(dir) {
        let relative = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .display()
            .to_string();
        let text = String::from_utf8_lossy(&bytes);
        for value in never {
            if !token_occurrences(&relative, value).is_empty() {
                found.push(format!("the file name {relative} holds {value:?}"));
            }
            if !token_occurrences(&text, value).is_empty() {
                found.push(format!("{relative} holds {value:?} (it must be replaced)"));
            }
        }
    }
    found
}

/// The keys of a JSON object, in order.
pub(super) fn keys(value: &Value) -> Vec<String> {
    value
        .as_object()
        .map(|object| object.keys().cloned().collect())
        .unwrap_or_default()
}

/// Header `{name, value}` lists: the same names in the same order, each value as text.
pub(super) fn check_har_headers(
    checker: &mut Checker,
    at: &str,
    original: &Value,
    written: &Value,
) {
    let names = |list: &Value| -> Vec<String> {
        list.as_array()
            .into_iter()
            .flatten()
            .map(|header| header["name"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let (sent, kept) = (names(original), names(written));
    if sent != kept {
        checker.problem(format!("{at}: the header names {sent:?} became {kept:?}"));
        return;
    }
    for (a, b) in original
        .as_array()
        .into_iter()
        .flatten()
        .zip(written.as_array().into_iter().flatten())
    {
        let name = a["name"].as_str().unwrap_or_default();
        checker.text(
            &format!("{at} {name}"),
            a["value"].as_str().unwrap_or_default(),
            b["value"].as_str().unwrap_or_default(),
        );
    }
}

/// A sanitized HAR against its original, entry by entry: the same entries, keys, methods,
/// URLs, statuses, header names, timings; bodies and header values as [`Checker`] says. Sizes
/// (`size`, `bodySize`, `headersSize`) may follow a body that changed and are not compared.
pub(super) fn check_sanitized_har(
    original: &Value,
    sanitized: &Value,
    learned: Option<&Learned>,
) -> Vec<String> {
    let mut checker = Checker::new(learned);
    let empty = Vec::new();
    let sent = original["log"]["entries"].as_array().unwrap_or(&empty);
    let kept = sanitized["log"]["entries"].as_array().unwrap_or(&empty);
    if sent.len() != kept.len() {
        checker.problem(format!(
            "the HAR's {} entries became {}",
            sent.len(),
            kept.len()
        ));
    }
    for (index, (a, b)) in sent.iter().zip(kept).enumerate() {
        let method = a["request"]["method"].as_str().unwrap_or_default();
        let at = format!("entries[{index}] ({method})");
        for (part, x, y) in [
            ("entry", a, b),
            ("request", &a["request"], &b["request"]),
            ("response", &a["response"], &b["response"]),
            (
                "content",
                &a["response"]["content"],
                &b["response"]["content"],
            ),
        ] {
            if keys(x) != keys(y) {
                checker.problem(format!(
                    "{at}: the {part} keys {:?} became {:?}",
                    keys(x),
                    keys(y)
                ));
            }
        }
        let (request, request2) = (&a["request"], &b["request"]);
        let (response, response2) = (&a["response"], &b["response"]);
        for (field, x, y) in [
            ("request.method", &request["method"], &request2["method"]),
            (
                "request.httpVersion",
                &request["httpVersion"],
                &request2["httpVersion"],
            ),
            ("response.status", &response["status"], &response2["status"]),
            (
                "response.statusText",
                &response["statusText"],
                &response2["statusText"],
            ),
            (
                "response.httpVersion",
                &response["httpVersion"],
                &response2["httpVersion"],
            ),
            (
                "content.mimeType",
                &response["content"]["mimeType"],
                &response2["content"]["mimeType"],
            ),
            (
                "startedDateTime",
                &a["startedDateTime"],
                &b["startedDateTime"],
            ),
            ("time", &a["time"], &b["time"]),
            ("timings", &a["timings"], &b["timings"]),
        ] {
            if x != y {
                checker.problem(format!("{at} {field}: {x} became {y}"));
            }
        }
        checker.url(
            &format!("{at} request.url"),
            request["url"].as_str().unwrap_or_default(),
            request2["url"].as_str().unwrap_or_default(),
        );
        check_har_headers(
            &mut checker,
            &format!("{at} request.headers"),
            &request["headers"],
            &request2["headers"],
        );
        check_har_headers(
            &mut checker,
            &format!("{at} response.headers"),
            &response["headers"],
            &response2["headers"],
        );
        let query = |request: &Value| -> Vec<(String, String)> {
            request["queryString"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|pair| {
                    (
                        pair["name"].as_str().unwrap_or_default().to_string(),
                        pair["value"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        };
        checker.form(
            &format!("{at} request.queryString"),
            &query(request),
            &query(request2),
        );
        if let Some(post) = request.get("postData") {
            let text = |request: &Value| {
                request["postData"]["text"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            };
            if post["mimeType"] != request2["postData"]["mimeType"] {
                checker.problem(format!(
                    "{at} postData.mimeType: {} became {}",
                    post["mimeType"], request2["postData"]["mimeType"]
                ));
            }
            if post["mimeType"]
                .as_str()
                .unwrap_or_default()
                .contains("x-www-form-urlencoded")
            {
                checker.form(
                    &format!("{at} postData"),
                    &decode_form(&text(request)),
                    &decode_form(&text(request2)),
                );
            } else {
                checker.body(&format!("{at} postData"), &text(request), &text(request2));
            }
        }
        let content = |entry: &Value| {
            entry["response"]["content"]["text"]
                .as_str()
                .map(str::to_string)
        };
        match (content(a), content(b)) {
            (Some(x), Some(y)) => checker.body(&format!("{at} response.content.text"), &x, &y),
            (None, None) => {}
            (x, y) => checker.problem(format!(
                "{at} response.content.text: {} became {}",
                x.is_some(),
                y.is_some()
            )),
        }
        let location = |response: &Value| {
            response["redirectURL"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        };
        let (x, y) = (location(response), location(response2));
        if !x.is_empty() || !y.is_empty() {
            checker.url(&format!("{at} response.redirectURL"), &x, &y);
        }
    }
    checker.problems()
}
