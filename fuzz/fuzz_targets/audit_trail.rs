//! Fuzz target `audit_trail`: the body is `portcullis::fuzzing::audit_trail(data)` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    portcullis::fuzzing::audit_trail(data);
});
