//! Fuzz target `graphql`: the body is `portcullis::fuzzing::graphql(data)` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    portcullis::fuzzing::graphql(data);
});
