//! The shape notation: any text parses to a shape or an error with a position; a parsed shape
//! checks any JSON payload without panicking; and what `shape infer` writes for a shape parses
//! again.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Text after a NUL, when it is JSON, is a payload to check against the shape.
    let (notation, payload) = text.split_once('\0').unwrap_or((text, "{}"));
    let Ok(shape) = jobmock::shape::parse::parse(notation) else {
        return;
    };
    if let Ok(payload) = serde_json::from_str::<serde_json::Value>(payload) {
        let _ = shape.check(&payload);
    }
    let written = jobmock::shape::write::shape_text(&shape);
    if let Err(err) = jobmock::shape::parse::parse(&written) {
        panic!("a written shape does not parse again: {err:?}\n{written}");
    }
});
