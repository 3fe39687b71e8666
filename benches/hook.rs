//! `portcullis hook` as a whole process: start, load the default policy,
//! read the payload, decide, answer, exit — what a coding agent waits for
//! before every tool call.
//!
//! Each iteration spawns the release binary with a Claude Code
//! `PreToolUse` payload on stdin and waits for it to exit; the answer is
//! checked once before timing. `process/version` (`portcullis --version`,
//! no policy) is the floor: what starting the process costs on this
//! machine. Run: `cargo bench --bench hook`.

use std::io::Write;
use std::process::{Command, Stdio};

use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::json;

const EXE: &str = env!("CARGO_BIN_EXE_portcullis");

fn hook(payload: &str) -> String {
    let mut child = Command::new(EXE)
        .args(["hook", "claude"])
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
    assert_eq!(out.status.code(), Some(0));
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn bench(c: &mut Criterion) {
    let cases = [
        (
            "bash_ls",
            "allow",
            json!({"tool_name": "Bash", "tool_input": {"command": "ls -la src"}}),
        ),
        (
            "bash_rm_rf",
            "deny",
            json!({"tool_name": "Bash", "tool_input": {"command": "rm -rf ~"}}),
        ),
        (
            "read_file",
            "allow",
            json!({"tool_name": "Read", "tool_input": {"file_path": "/home/dev/app/src/main.rs"}}),
        ),
        (
            "webfetch",
            "allow",
            json!({"tool_name": "WebFetch", "tool_input": {"url": "https://github.com/rust-lang/regex", "prompt": "summarize"}}),
        ),
        (
            "mcp_sql",
            "deny",
            json!({"tool_name": "mcp__postgres__query", "tool_input": {"sql": "DROP TABLE users"}}),
        ),
    ];
    let mut g = c.benchmark_group("hook");
    g.sample_size(30);
    for (name, effect, mut payload) in cases {
        payload["hook_event_name"] = json!("PreToolUse");
        payload["session_id"] = json!("bench");
        let payload = payload.to_string();
        let answer = hook(&payload);
        assert!(
            answer.contains(&format!("\"permissionDecision\":\"{effect}\"")),
            "{name}: {answer}"
        );
        g.bench_function(name, |b| b.iter(|| hook(&payload)));
    }
    g.bench_function("process_version", |b| {
        b.iter(|| {
            let out = Command::new(EXE).arg("--version").output().expect("run");
            assert!(out.status.success());
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
