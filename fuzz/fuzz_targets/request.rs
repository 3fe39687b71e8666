//! Fuzz target `request`: the body is `portcullis::fuzzing::request(data)` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    portcullis::fuzzing::request(data);
});
