//! The shape notation parser and writer; see `jobmock::fuzzing::shape_notation`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| jobmock::fuzzing::shape_notation(data));
