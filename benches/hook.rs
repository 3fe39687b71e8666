//! `portcullis hook` as a whole process: start, load the default policy,
//! read the payload, decide, answer, exit — what a coding agent waits for
//! before every tool call.
//!
//! Each iteration spawns the release binary with a Claude Code
//! `PreToolUse` payload on stdin and waits for it to exit, for five
//! payloads (`Bash` `ls -la src`, `Bash` `rm -rf ~`, a `Read` of a project
//! file, a `WebFetch` of an allowed URL, an MCP SQL tool's `DROP TABLE`),
//! each also with `--audit` (one trail per payload in a fresh temporary
//! directory per run, so its records are appended as an agent's would be).
//! Each is decided alone (`--no-session`) and, as `<case>_session`, in a
//! session whose state file (in the run's temporary directory) is locked,
//! read and written back: what sessions add to a hook call.
//! `process_version` (`portcullis --version`, no policy) is the floor: what
//! starting the process costs on this machine, in the same run. The answer
//! is checked once before timing: exit status 0 and, for the payloads the
//! default policy denies, a `deny` on stdout (what an allow prints is the
//! hook's business: a pass-through may print nothing).
//!
//! Criterion reports each case's median (`target/criterion/hook/<case>/`).
//! Process spawns have a long tail, so the bench also times
//! [`TAIL_SAMPLES`] spawns of each case outside criterion and prints their
//! median and p95, also written to `target/criterion/hook_percentiles.json`.
//! Run: `cargo bench --bench hook`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::{json, Value};

const EXE: &str = env!("CARGO_BIN_EXE_portcullis");

/// Spawns timed outside criterion per case, for the median and p95 printed.
const TAIL_SAMPLES: usize = 50;

/// How a timed hook keeps its session.
#[derive(Clone, Copy)]
enum State<'a> {
    /// `--no-session`: the call decided alone.
    None,
    /// `--state-dir DIR`: the session's state file read, locked and written.
    In(&'a Path),
}

/// Runs `portcullis hook claude` (with `--audit trail` when given) on
/// `payload`; returns the exit status and stdout.
fn hook(payload: &str, audit: Option<&Path>, state: State<'_>) -> (Option<i32>, String) {
    let mut command = Command::new(EXE);
    command.args(["hook", "claude"]);
    if let Some(trail) = audit {
        command.arg("--audit").arg(trail);
    }
    match state {
        State::None => command.arg("--no-session"),
        State::In(dir) => command.arg("--state-dir").arg(dir),
    };
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn portcullis");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(payload.as_bytes())
        .expect("write payload");
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code(),
        String::from_utf8(out.stdout).expect("UTF-8"),
    )
}

fn version() {
    let out = Command::new(EXE).arg("--version").output().expect("run");
    assert!(out.status.success());
}

/// A fresh, empty directory for this run's audit trails.
fn scratch() -> PathBuf {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!(
        "portcullis-bench-hook-{}-{now}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The median and 95th percentile of `n` timed calls of `f`, in ns; none
/// when the bench runs as a test (`cargo test --benches`: each case once).
fn tail(n: usize, mut f: impl FnMut()) -> Option<(f64, f64)> {
    if !std::env::args().any(|a| a == "--bench") {
        return None;
    }
    let mut times: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    let at = |q: f64| {
        let i = ((times.len() as f64 - 1.0) * q).round() as usize;
        times[i].as_nanos() as f64
    };
    Some((at(0.5), at(0.95)))
}

fn bench(c: &mut Criterion) {
    let cases = [
        (
            "bash_ls",
            false,
            json!({"tool_name": "Bash", "tool_input": {"command": "ls -la src"}}),
        ),
        (
            "bash_rm_rf",
            true,
            json!({"tool_name": "Bash", "tool_input": {"command": "rm -rf ~"}}),
        ),
        (
            "read_file",
            false,
            json!({"tool_name": "Read", "tool_input": {"file_path": "/home/dev/app/src/main.rs"}}),
        ),
        (
            "webfetch",
            false,
            json!({"tool_name": "WebFetch", "tool_input": {"url": "https://github.com/rust-lang/regex", "prompt": "summarize"}}),
        ),
        (
            "mcp_sql",
            true,
            json!({"tool_name": "mcp__postgres__query", "tool_input": {"sql": "DROP TABLE users"}}),
        ),
    ];
    let dir = scratch();
    let mut tails: Vec<(String, Option<(f64, f64)>)> = Vec::new();
    let mut g = c.benchmark_group("hook");
    g.sample_size(30);
    g.bench_function("process_version", |b| b.iter(version));
    tails.push(("process_version".into(), tail(TAIL_SAMPLES, version)));
    for (name, denied, mut payload) in cases {
        payload["hook_event_name"] = json!("PreToolUse");
        payload["session_id"] = json!("bench");
        let payload = payload.to_string();
        let trail = dir.join(format!("{name}.jsonl"));
        let state = dir.join(format!("{name}-state"));
        for (case, audit, state) in [
            (name.to_owned(), None, State::None),
            (format!("{name}_audit"), Some(&trail), State::None),
            (format!("{name}_session"), None, State::In(&state)),
        ] {
            let audit = audit.map(PathBuf::as_path);
            let (code, out) = hook(&payload, audit, state);
            assert_eq!(code, Some(0), "{case}: exit status; stdout: {out}");
            if denied {
                assert!(out.contains("\"deny\""), "{case}: {out}");
            }
            g.bench_function(&case, |b| b.iter(|| hook(&payload, audit, state)));
            tails.push((
                case,
                tail(TAIL_SAMPLES, || {
                    hook(&payload, audit, state);
                }),
            ));
        }
    }
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);

    let tails: Vec<(String, (f64, f64))> = tails
        .into_iter()
        .filter_map(|(case, t)| Some((case, t?)))
        .collect();
    if tails.is_empty() {
        return;
    }
    let mut report = serde_json::Map::new();
    println!("\nhook process, {TAIL_SAMPLES} spawns per case outside criterion:");
    for (case, (median, p95)) in &tails {
        println!(
            "  {case:24} median {:7.3} ms   p95 {:7.3} ms",
            median / 1e6,
            p95 / 1e6
        );
        report.insert(
            case.clone(),
            json!({"median_ns": median, "p95_ns": p95, "samples": TAIL_SAMPLES}),
        );
    }
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/criterion");
    if std::fs::create_dir_all(&out).is_ok() {
        let _ = std::fs::write(
            out.join("hook_percentiles.json"),
            Value::Object(report).to_string(),
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
