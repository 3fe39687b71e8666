//! Fuzz target `policy_monotonic`: the body is `portcullis::fuzzing::policy_monotonic(data)` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    portcullis::fuzzing::policy_monotonic(data);
});
