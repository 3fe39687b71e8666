//! Fuzz target `command`: the body is `portcullis::fuzzing::command(data)` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    portcullis::fuzzing::command(data);
});
