//! Policy compile time and multi-thread throughput.
//!
//! - `compile/default_policy`: reading, validating and compiling the
//!   embedded default policy eagerly (every automaton built, every rule's
//!   examples checked), as `Engine::builder().build()` does for a user's policy.
//! - `compile/egress_100000`: 100,000 egress allow rules of one host each.
//! - `throughput/commands_{1,2}_threads`: 10,000 decisions of the shared
//!   workload's command lines on the default policy, on one thread and
//!   split over two threads sharing one engine; decisions per second are
//!   10,000 / time.
//!
//! Run: `cargo bench --bench compile`.

mod workload;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use portcullis::{Engine, Policy};
use serde_json::json;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("compile");
    g.sample_size(10);
    g.bench_function("default_policy", |b| {
        b.iter(|| Engine::builder().built_in().build().unwrap())
    });
    let egress: Vec<_> = (0..100_000)
        .map(|i| json!({"id": format!("h{i}"), "effect": "allow", "hosts": [format!("api{i}.example{}.com", i % 97)]}))
        .collect();
    let policy = Policy::from_value(&json!({"version": 1, "egress": egress})).unwrap();
    g.bench_function("egress_100000", |b| {
        b.iter(|| Engine::builder().policy(&policy).build().unwrap())
    });
    g.finish();

    let w = workload::load("commands");
    let lines: Vec<String> = w["probes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["command"].as_str().unwrap().to_owned())
        .collect();
    let engine = Engine::default_policy().unwrap();
    let mut g = c.benchmark_group("throughput");
    g.sample_size(10);
    g.bench_function("commands_1_thread", |b| {
        b.iter(|| {
            for l in &lines {
                black_box(engine.check_command(l));
            }
        })
    });
    g.bench_function("commands_2_threads", |b| {
        b.iter(|| {
            let (a, z) = lines.split_at(lines.len() / 2);
            std::thread::scope(|s| {
                for half in [a, z] {
                    let engine = &engine;
                    s.spawn(move || {
                        for l in half {
                            black_box(engine.check_command(l));
                        }
                    });
                }
            });
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
