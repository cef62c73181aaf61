//! A job or exchange folder held in memory: `script.json` and step files, checked as replay
//! checks them at load. Any input must give a folder or an error, never a panic; and every JSON
//! body a loaded folder serves must read again as JSON (replay re-reads a body to patch it).
//!
//! The input is split at NUL bytes: the first part is script.json, the others step files
//! 001.json, 002.json, … (the first byte, when odd, makes it an exchange's folder, whose
//! steps may be text).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let exchange = flags & 1 == 1;
    let mut parts = rest.split(|&byte| byte == 0);
    let script = parts.next().unwrap_or_default();
    let names: Vec<String> = (1..=16)
        .map(|n| {
            let extension = if exchange && flags & 2 == 2 {
                "txt"
            } else {
                "json"
            };
            format!("{n:03}.{extension}")
        })
        .collect();
    let mut files: Vec<(&str, &[u8])> = Vec::new();
    if flags & 4 == 4 {
        files.push(("script.json", script));
    }
    for (name, part) in names.iter().zip(parts) {
        files.push((name, part));
    }
    let Ok(steps) = jobmock::fixture::check_folder(&files, exchange) else {
        return;
    };
    for step in steps {
        if step.kind == jobmock::fixture::BodyKind::Json {
            if let Err(err) = serde_json::from_slice::<serde_json::Value>(&step.body) {
                panic!(
                    "step {} loaded but its body does not read again: {err}",
                    step.file
                );
            }
        } else {
            assert!(
                std::str::from_utf8(&step.body).is_ok(),
                "a text step is not UTF-8"
            );
        }
    }
});
