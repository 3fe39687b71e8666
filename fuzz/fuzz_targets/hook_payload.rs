//! Fuzz target `hook_payload`: the body is `portcullis::fuzzing::hook_payload(data)` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    portcullis::fuzzing::hook_payload(data);
});
