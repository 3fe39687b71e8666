//! Fuzz target `session_state`: the body is `portcullis::fuzzing::session_state(data)` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    portcullis::fuzzing::session_state(data);
});
