//! Fuzz target `policy_toml`: the body is `portcullis::fuzzing::policy(data, portcullis::Format::Toml)` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    portcullis::fuzzing::policy(data, portcullis::Format::Toml);
});
