//! Allocations per decision on each hot path, counted by a global allocator
//! that wraps the system one. Not a timing benchmark: it prints, for each
//! case, how many allocations (and bytes) one decision makes, averaged over
//! many decisions after a warm-up (so one-time initialization is excluded).
//!
//! Run: `cargo bench --bench allocations`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

use portcullis::{Engine, Request};

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

// The workspace denies `unsafe_code`; a counting allocator cannot be
// written without it, and it is measurement code, not the library.
// SAFETY: every call is forwarded unchanged to the system allocator; the
// counters are plain atomics.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(new_size as u64, Ordering::Relaxed);
        // SAFETY: forwarded with the caller's arguments.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Every measurement of this run, written to `target/criterion/allocations.json`
/// for the benchmark report.
static RESULTS: std::sync::Mutex<Vec<(String, f64, f64)>> = std::sync::Mutex::new(Vec::new());

fn measure(name: &str, mut decide: impl FnMut()) {
    for _ in 0..100 {
        decide();
    }
    let rounds = 1000u64;
    let (a0, b0) = (
        ALLOCATIONS.load(Ordering::Relaxed),
        BYTES.load(Ordering::Relaxed),
    );
    for _ in 0..rounds {
        decide();
    }
    let (a1, b1) = (
        ALLOCATIONS.load(Ordering::Relaxed),
        BYTES.load(Ordering::Relaxed),
    );
    let (allocations, bytes) = (
        (a1 - a0) as f64 / rounds as f64,
        (b1 - b0) as f64 / rounds as f64,
    );
    println!("{name:<40} {allocations:>6.1} allocations {bytes:>8.0} bytes per decision");
    RESULTS
        .lock()
        .expect("results")
        .push((name.to_owned(), allocations, bytes));
}

fn write_results() {
    let results: Vec<serde_json::Value> = RESULTS
        .lock()
        .expect("results")
        .iter()
        .map(|(n, a, b)| serde_json::json!({"name": n, "allocations": a, "bytes": b}))
        .collect();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/criterion");
    std::fs::create_dir_all(&dir).expect("target/criterion");
    std::fs::write(
        dir.join("allocations.json"),
        serde_json::Value::Array(results).to_string(),
    )
    .expect("write allocations.json");
}

fn main() {
    let engine = Engine::default_policy().expect("default policy");
    let typical =
        "git add -A && git commit -m 'fix: handle empty input in parser' && git push origin feature/parser-fix";
    measure("command: short (prefilter)", || {
        black_box(engine.check_command(black_box("ls -la")));
    });
    measure("command: typical (analyzed)", || {
        black_box(engine.check_command(black_box(typical)));
    });
    measure("command: dangerous", || {
        black_box(engine.check_command(black_box("sudo rm -rf /var/lib/postgresql/data")));
    });
    measure("url: canonicalization alone", || {
        black_box(
            portcullis::egress::parse_url(black_box("https://api.github.com/repos/o/r")).ok(),
        );
    });
    measure("url: allowed, canonical form", || {
        black_box(engine.check_http("GET", black_box("https://api.github.com/repos/o/r")));
    });
    measure("url: denied by default", || {
        black_box(engine.check_http("GET", black_box("https://evil.example/x")));
    });
    measure("url: IPv4 spelling (full parse)", || {
        black_box(engine.check_http("GET", black_box("http://0xa9fea9fe/")));
    });
    measure("tool: by name", || {
        black_box(engine.check_tool(
            black_box("mcp__github__delete_repo"),
            &serde_json::Value::Null,
        ));
    });
    let request =
        Request::from_json(r#"{"http": {"method": "GET", "url": "https://api.github.com/zen"}}"#)
            .expect("request");
    measure("decide: parsed HTTP request", || {
        black_box(engine.decide(black_box(&request)));
    });
    let rbac = Engine::from_json(
        r#"{"version": 1,
            "roles": [{"id": "developer"}, {"id": "sre", "inherits": ["developer"]}],
            "principals": [{"id": "alice", "roles": ["sre"]}, {"id": "agent-*", "roles": ["developer"]}],
            "environments": [{"id": "staging"}, {"id": "production"}],
            "permissions": [
                {"id": "read", "effect": "allow", "roles": ["developer"], "actions": ["db.read"]},
                {"id": "write", "effect": "allow", "roles": ["sre"], "actions": ["db.write"], "environments": ["staging"]}
            ]}"#,
    )
    .expect("rbac policy");
    let alice = portcullis::Principal::new("alice")
        .with_roles(["developer"])
        .with_environment("staging");
    measure("rbac: authorize (granted)", || {
        black_box(rbac.authorize(black_box("db.write"), black_box(&alice)));
    });
    let agent = portcullis::Principal::new("agent-7").with_environment("production");
    measure("rbac: authorize (prefix binding, denied)", || {
        black_box(rbac.authorize(black_box("db.write"), black_box(&agent)));
    });
    write_results();
}
