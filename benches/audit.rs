//! What each audit durability level costs a decision, beside the same
//! decision unaudited and the old buffered queue, in one run:
//!
//! - `audit/unaudited`: [`Engine::decide`] alone (the floor);
//! - `audit/buffered`: the decision and a queued entry (the writer thread
//!   redacts, seals and writes in batches; a crash can lose the queue);
//! - `audit/written`: the record built, sealed and written to the
//!   operating system before the decision returns (the default);
//! - `audit/synced`: that and an `fsync` (one thread: one sync per decision);
//! - `audit_2_threads/*`: two threads deciding into one log, timed for the
//!   whole batch, so criterion's throughput is decisions per second and
//!   `synced` shows what group commit saves.
//!
//! The decision is a typical command (`git status && ls -la src`) on the
//! default policy; trails go to a fresh directory under `target/` (the
//! disk the trail would be on, not a tmpfs). Run: `cargo bench --bench audit`.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use portcullis::audit::{AuditLog, Durability};
use portcullis::{Engine, Request};

fn engine(level: Durability) -> Engine {
    Engine::from_json(&format!(
        r#"{{"version": 1, "extends": ["default"], "audit_durability": "{}"}}"#,
        level.as_str()
    ))
    .expect("policy")
}

fn trail_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-audit");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("trail directory");
    dir
}

const LEVELS: [Durability; 3] = [
    Durability::Buffered,
    Durability::Written,
    Durability::Synced,
];

fn one_thread(c: &mut Criterion) {
    let dir = trail_dir();
    let request = Request::command("git status && ls -la src");
    let mut group = c.benchmark_group("audit");
    group.throughput(Throughput::Elements(1));
    let plain = engine(Durability::Written);
    group.bench_function("unaudited", |b| {
        b.iter(|| black_box(plain.decide(black_box(&request))))
    });
    for level in LEVELS {
        let engine = engine(level);
        let log =
            AuditLog::to_file(dir.join(format!("{}.jsonl", level.as_str())), None).expect("trail");
        if level == Durability::Synced {
            group.sample_size(20);
            group.measurement_time(Duration::from_secs(4));
        }
        group.bench_function(level.as_str(), |b| {
            b.iter(|| black_box(engine.decide_audited(black_box(&request), &log)))
        });
        log.close().expect("close");
    }
    group.finish();
}

fn two_threads(c: &mut Criterion) {
    let dir = trail_dir();
    let request = Request::command("git status && ls -la src");
    let mut group = c.benchmark_group("audit_2_threads");
    group.throughput(Throughput::Elements(1));
    for level in LEVELS {
        let engine = engine(level);
        let log = AuditLog::to_file(dir.join(format!("{}-2.jsonl", level.as_str())), None)
            .expect("trail");
        if level == Durability::Synced {
            group.sample_size(20);
            group.measurement_time(Duration::from_secs(4));
        }
        group.bench_function(level.as_str(), |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                std::thread::scope(|s| {
                    for half in [iters / 2, iters - iters / 2] {
                        let (engine, log, request) = (&engine, &log, &request);
                        s.spawn(move || {
                            for _ in 0..half {
                                black_box(engine.decide_audited(request, log));
                            }
                        });
                    }
                });
                start.elapsed()
            })
        });
        let stats = log.stats();
        eprintln!(
            "audit_2_threads/{}: {} records, {} syncs",
            level.as_str(),
            stats.written,
            stats.syncs
        );
        log.close().expect("close");
    }
    group.finish();
}

criterion_group!(benches, one_thread, two_threads);
criterion_main!(benches);
