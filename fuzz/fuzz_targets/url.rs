//! Fuzz target `url`: the body is `portcullis::fuzzing::url(data)` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    portcullis::fuzzing::url(data);
});
