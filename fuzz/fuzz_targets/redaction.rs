//! Redaction over any text: decoding, finding and replacing; see `jobmock::fuzzing::redaction`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| jobmock::fuzzing::redaction(data));
