//! The cost of the C ABI over the Rust API, measured in the same run.
//!
//! `ffi/check_command_*` calls `portcullis_check_command` (the exported C
//! function, called from Rust exactly as C calls it: pointer and length in,
//! a caller-owned struct out) and `rust/check_command_*` calls
//! `Engine::check_command` on the same engine and the same line; the
//! difference is what crossing the boundary costs (UTF-8 check, guard,
//! policy load, filling the struct). Same for `check_http`.
//!
//! The library is built only as `cdylib` and `staticlib` (its name,
//! `portcullis`, is the core crate's too), so this benchmark compiles the
//! same source files in as modules instead of linking it.
//!
//! Run: `cargo bench -p portcullis-ffi --bench ffi`. Like the library, this
//! crate allows the workspace-denied `unsafe_code` (it compiles the
//! library's sources and calls them as C does); every block still carries
//! its `// SAFETY:` comment.

#![allow(unsafe_code)]
#![allow(non_camel_case_types, dead_code)]

#[path = "../src/audit.rs"]
mod audit;
#[path = "../src/buffer.rs"]
mod buffer;
#[path = "../src/decision.rs"]
mod decision;
#[path = "../src/engine.rs"]
mod engine;
#[path = "../src/guard.rs"]
mod guard;
#[path = "../src/status.rs"]
mod status;

use std::hint::black_box;
use std::mem::MaybeUninit;

use criterion::{criterion_group, criterion_main, Criterion};
use decision::{portcullis_check_command, portcullis_check_http, portcullis_decision};
use engine::{portcullis_engine, portcullis_engine_free, portcullis_engine_new_default};

fn overhead(c: &mut Criterion) {
    let mut engine: *mut portcullis_engine = std::ptr::null_mut();
    // SAFETY: `engine` is writable; no error out-pointer.
    let status = unsafe { portcullis_engine_new_default(&mut engine, std::ptr::null_mut()) };
    assert_eq!(status, 0);
    let rust = portcullis_core::Engine::default_policy().expect("default policy");
    let mut group = c.benchmark_group("boundary");
    for (name, line) in [
        ("short", "ls -la"),
        ("typical", "git add -A && git commit -m 'fix: handle empty input in parser' && git push origin feature/parser-fix"),
    ] {
        group.bench_function(format!("ffi/check_command_{name}"), |b| {
            let mut out = MaybeUninit::<portcullis_decision>::zeroed();
            b.iter(|| {
                // SAFETY: live engine, valid string, writable struct.
                unsafe { portcullis_check_command(engine, black_box(line).as_ptr().cast(), line.len(), out.as_mut_ptr()) }
            })
        });
        group.bench_function(format!("rust/check_command_{name}"), |b| {
            b.iter(|| rust.check_command(black_box(line)))
        });
    }
    let (method, url) = ("GET", "https://api.github.com/repos/o/r");
    group.bench_function("ffi/check_http", |b| {
        let mut out = MaybeUninit::<portcullis_decision>::zeroed();
        b.iter(|| {
            // SAFETY: live engine, valid strings, writable struct.
            unsafe {
                portcullis_check_http(
                    engine,
                    method.as_ptr().cast(),
                    method.len(),
                    black_box(url).as_ptr().cast(),
                    url.len(),
                    out.as_mut_ptr(),
                )
            }
        })
    });
    group.bench_function("rust/check_http", |b| {
        b.iter(|| rust.check_http(method, black_box(url)))
    });
    group.finish();
    // SAFETY: `engine` is live and no longer used.
    unsafe { portcullis_engine_free(engine) };
}

criterion_group!(benches, overhead);
criterion_main!(benches);
