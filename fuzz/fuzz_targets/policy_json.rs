//! Fuzz target `policy_json`: the body is `portcullis::fuzzing::policy(data, portcullis::Format::Json)` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    portcullis::fuzzing::policy(data, portcullis::Format::Json);
});
