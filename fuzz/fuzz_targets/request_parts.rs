//! The job route, job ID check, parameters and query redaction; see
//! `jobmock::fuzzing::request_parts`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| jobmock::fuzzing::request_parts(data));
