//! Fuzz target `tool_arguments`: the body is `portcullis::fuzzing::tool_arguments(data)` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    portcullis::fuzzing::tool_arguments(data);
});
