//! A job or exchange folder held in memory, checked as replay checks it at load; see
//! `jobmock::fuzzing::fixture_folder` for the input's layout and the property.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| jobmock::fuzzing::fixture_folder(data));
