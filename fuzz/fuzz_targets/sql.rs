//! Fuzz target `sql`: the body is `portcullis::fuzzing::sql(data)` (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    portcullis::fuzzing::sql(data);
});
