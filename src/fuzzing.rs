//! The properties the fuzz targets (`fuzz/`, `make fuzz`) check, one function per target, kept
//! in the library so that every crash a fuzzer finds can be replayed by an ordinary test
//! (`tests/fuzz-regressions/<target>/`) through the same code. Each function panics when its
//! property does not hold, and returns quietly for inputs that are merely invalid.

use std::path::{Component, Path};
use std::sync::Arc;

use serde_json::Value;

use crate::fixture::{BodyKind, check_folder};
use crate::replay::Replay;

/// A job or exchange folder held in memory, checked as replay checks it at load: any input
/// gives a folder or an error, and every body of a loaded folder reads again (replay re-reads a
/// body to patch it, for a cancelled job or rebased times), as does every body of a job made
/// from the folder as a template.
///
/// The input is split at NUL bytes: the first part is `script.json` (used when the first byte
/// has bit 2 set), the others step files `001.json`, `002.json`, … (`.txt` when bit 1 is set
/// too); bit 0 makes the folder an exchange's.
pub fn fixture_folder(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let exchange = flags & 1 == 1;
    let extension = if exchange && flags & 2 == 2 {
        "txt"
    } else {
        "json"
    };
    let mut parts = rest.split(|&byte| byte == 0);
    let script = parts.next().unwrap_or_default();
    let names: Vec<String> = (1..=16).map(|n| format!("{n:03}.{extension}")).collect();
    let mut files: Vec<(&str, &[u8])> = Vec::new();
    if flags & 4 == 4 {
        files.push(("script.json", script));
    }
    files.extend(names.iter().map(String::as_str).zip(parts));
    let Ok(steps) = check_folder(&files, exchange) else {
        return;
    };
    for step in &steps {
        assert_reads_again(step);
    }
    // A job's folder may also be a template: the jobs made from it read again too.
    if !exchange {
        let count = steps.len();
        let template = crate::fixture::Job {
            id: "executeNotebook".into(),
            steps,
            sequence: crate::job::Sequence::new(
                crate::job::Advance::Poll,
                vec![1; count],
                vec![0; count],
            ),
            poll_faults: Vec::new(),
            on_cancel: None,
            webtool: None,
            then: crate::job::Then::Repeat,
        };
        let params = [("itemId".to_string(), "i".to_string())];
        let made = crate::replay::lifecycle::make_job(
            &template,
            "executeNotebook",
            "j00000000-0000-4000-8000-000000000000",
            &params,
            0,
        );
        for step in &made.steps {
            assert_reads_again(step);
        }
    }
}

/// A loaded step's body reads again: as JSON, or as text.
fn assert_reads_again(step: &crate::fixture::Step) {
    match step.kind {
        BodyKind::Json => {
            if let Err(err) = serde_json::from_slice::<Value>(&step.body) {
                panic!(
                    "{} loaded, but its body does not read again: {err}",
                    step.file
                );
            }
        }
        BodyKind::Text => assert!(
            std::str::from_utf8(&step.body).is_ok(),
            "{} loaded, but it is not text",
            step.file
        ),
    }
}

/// The shape notation: any text parses to a shape or an error; a shape checks any payload; a
/// shape written out parses again; and the shape `shape infer` learns from a payload parses
/// again and accepts that payload. Text after a NUL is the payload, when it is JSON.
pub fn shape_notation(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (notation, payload) = text.split_once('\0').unwrap_or((text, "{}"));
    // Job payloads are objects; `shape infer` learns from nothing else.
    if let Ok(payload @ Value::Object(_)) = serde_json::from_str::<Value>(payload) {
        let learned = crate::shape::infer::infer(&[&payload]);
        let written = crate::shape::write::shape_text(&learned);
        match crate::shape::parse::parse(&written) {
            Ok(shape) => assert!(
                shape.check(&payload).is_empty(),
                "a learned shape refuses its payload {payload}:\n{written}"
            ),
            Err(err) => panic!("a learned shape does not parse again: {err:?}\n{written}"),
        }
    }
    let Ok(shape) = crate::shape::parse::parse(notation) else {
        return;
    };
    if let Ok(payload) = serde_json::from_str::<Value>(payload) {
        let _ = shape.check(&payload);
    }
    let written = crate::shape::write::shape_text(&shape);
    if let Err(err) = crate::shape::parse::parse(&written) {
        panic!("a written shape does not parse again: {err:?}\n{written}");
    }
}

/// What replay reads of a request before any lookup: a job ID that passes the check names a
/// folder inside the jobs folder; query and form parameters parse; a redacted query keeps no
/// value of a secret parameter.
pub fn request_parts(data: &[u8]) {
    let _ = crate::params::from_form(data);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = crate::params::from_query(Some(text));
    // Every flavour's job paths name a job folder the same way.
    for flavour in crate::api::Flavour::ALL {
        if let Some((job_id, _)) = flavour.job_route(text)
            && crate::api::job_id_problem(job_id).is_none()
        {
            let dir = Path::new("fixtures/jobs").join(job_id);
            assert!(
                dir.components().all(|c| matches!(c, Component::Normal(_))),
                "job ID {job_id:?} leads out of the jobs folder"
            );
            assert_eq!(dir.parent(), Some(Path::new("fixtures/jobs")), "{job_id:?}");
        }
    }
    let redacted = crate::redact::redact_query(text);
    for (name, value) in crate::params::from_query(Some(redacted.as_ref())) {
        if crate::redact::is_secret_param(&name) {
            assert!(
                value == crate::redact::REDACTED || value.is_empty(),
                "{name}={value:?} survived the redaction of {text:?}"
            );
        }
    }
}

/// Raw bytes on one connection to `replay`: whatever a client sends, the server answers or
/// closes, and nothing panics. Returns what the server sent.
pub async fn http_request(replay: &Arc<Replay>, data: &[u8]) -> Vec<u8> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mut client, connection) = tokio::io::duplex(1 << 16);
    let serving = tokio::spawn(crate::replay::serve_io(connection, Arc::clone(replay)));
    let mut answer = Vec::new();
    let exchange = async {
        let _ = client.write_all(data).await;
        let _ = client.shutdown().await;
        let _ = client.read_to_end(&mut answer).await;
    };
    // Bounded: a request may be scripted to wait (delayMs), and a paused clock skips it.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(900), exchange).await;
    serving.abort();
    if let Err(err) = serving.await
        && err.is_panic()
    {
        std::panic::resume_unwind(err.into_panic());
    }
    answer
}

/// Redaction over any text: reading it through every encoding never panics, and a secret
/// learned from a request is gone from any text that holds it as a whole token.
///
/// The input is split at the first NUL: the secret (sent as a `token` parameter), then the
/// text (also the request's body and the answer's, so whatever it names is learned too).
pub fn redaction(data: &[u8]) {
    use crate::redact::{Context, MIN_HUNTED_SECRET, Options, Redactor, names, text};
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let (secret, body) = input.split_once('\0').unwrap_or(("", input));
    let mut redactor = Redactor::new(Options::default());
    let headers = hyper::HeaderMap::new();
    let params = [("token".to_string(), secret.to_string())];
    redactor.learn_request("/x", &headers, body.as_bytes(), &params);
    redactor.learn_answer(Context::default(), &headers, body.as_bytes());
    let scrubbed = redactor.scrub_text(
        body,
        Context {
            oauth: true,
            ..Context::default()
        },
    );
    let _ = redactor.rescrub_text(&scrubbed);
    let mut json = serde_json::json!({"a": body, "token": secret});
    redactor.scrub_json(&mut json, Context::default());

    // The property holds for a secret the model promises to hunt: long enough, not an ordinary
    // word, spelled without escapes or spaces, and not a placeholder itself.
    let hunted = secret.chars().count() >= MIN_HUNTED_SECRET
        && secret == secret.trim()
        && !names::is_word(secret)
        && text::decoded_form(secret) == secret.as_bytes()
        && !secret.contains(char::is_whitespace)
        && !secret.starts_with(crate::redact::REDACTED)
        && !crate::redact::REDACTED.contains(secret)
        && secret.bytes().all(|b| b.is_ascii_graphic());
    if hunted {
        let holder = format!("{body} {secret} ");
        let scrubbed = redactor.scrub_text(&holder, Context::default());
        assert!(
            !scrubbed.contains(&format!(" {secret} ")),
            "{secret:?} survived in {scrubbed:?}"
        );
    }
}
