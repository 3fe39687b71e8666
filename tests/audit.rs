//! The audit trail: every decision recorded, in a chain that shows any
//! deletion, edit, swap or truncation at the line where it happened; no
//! record lost under concurrency, rotation or a full queue; secrets never
//! written.

mod common;

use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};

use common::Scratch;
use portcullis::audit::{
    self, chain, AuditLog, Broken, CallbackSink, FileSink, Options, Sink, VerifyError,
};
use portcullis::{Effect, Engine, Request};
use serde_json::{json, Value};

/// A varied stream of requests: commands, URLs and tool calls.
fn request(i: u64) -> Request {
    let r = match i % 5 {
        0 => Request::command(format!("ls -la /tmp/dir{i}")),
        1 => Request::command(format!("rm -rf /var/lib/data{i}")),
        2 => Request::http("GET", format!("https://registry.npmjs.org/pkg{i}")),
        3 => Request::tool(
            "mcp__db__query",
            json!({"query": format!("DELETE FROM t{i}")}),
        ),
        _ => Request::http("POST", format!("https://unknown{i}.example/upload")),
    };
    r.with_id(json!(i))
}

fn write_trail(engine: &Engine, path: &Path, n: u64) {
    let log = AuditLog::to_file(path, None).unwrap();
    for i in 0..n {
        engine.decide_audited(&request(i), &log);
    }
    log.close().unwrap();
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn verify(path: &Path, anchor: Option<audit::Head>) -> Result<audit::Verified, VerifyError> {
    audit::verify_files(&[path.to_path_buf()], anchor, false, None)
}

/// The 1-based line at which verification of `text` breaks.
fn broken_line(scratch: &Scratch, text: &str, anchor: Option<audit::Head>) -> (u64, Broken) {
    let path = scratch.join("tampered.jsonl");
    std::fs::write(&path, text).unwrap();
    match verify(&path, anchor) {
        Err(VerifyError::Broken(at)) => (at.line, at.broken),
        other => panic!("tampering not detected: {other:?}"),
    }
}

fn join(lines: &[String]) -> String {
    let mut s = lines.join("\n");
    s.push('\n');
    s
}

#[test]
fn a_trail_of_10000_decisions_verifies_and_tampering_is_found_at_its_line() {
    let scratch = Scratch::new("audit-10k");
    let path = scratch.join("audit.jsonl");
    let engine = Engine::default_policy().unwrap();
    write_trail(&engine, &path, 10_000);
    let anchor = chain::read_anchor(&path).unwrap().expect("an anchor file");
    let v = verify(&path, Some(anchor)).unwrap();
    assert_eq!(v.records, 10_000);
    assert_eq!(v.head, Some(anchor));
    let original = lines(&path);
    let n = original.len();

    // Positions: both ends, the middle, and a deterministic spread.
    let mut positions = vec![0, 1, n / 2, n - 2, n - 1];
    let mut x: u64 = 0x9e37_79b9;
    for _ in 0..6 {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        positions.push((x >> 33) as usize % n);
    }
    for &i in &positions {
        let line = i as u64 + 1;
        // Delete line i.
        let mut deleted = original.clone();
        deleted.remove(i);
        let (at, why) = broken_line(&scratch, &join(&deleted), Some(anchor));
        assert_eq!(at, line, "deleting line {line}: {why}");
        // Edit one character of line i (a digit of its timestamp).
        let mut edited = original.clone();
        let ts = edited[i].find("\"ts\":\"").unwrap() + 6;
        let digit = edited[i].as_bytes()[ts];
        let replacement = if digit == b'1' { "2" } else { "1" };
        edited[i].replace_range(ts..ts + 1, replacement);
        let (at, why) = broken_line(&scratch, &join(&edited), Some(anchor));
        assert_eq!((at, why), (line, Broken::Edited), "editing line {line}");
        // Swap lines i and i + 1.
        if i + 1 < n {
            let mut swapped = original.clone();
            swapped.swap(i, i + 1);
            let (at, why) = broken_line(&scratch, &join(&swapped), Some(anchor));
            assert_eq!(at, line, "swapping lines {line} and {}: {why}", line + 1);
        }
    }
    // Truncating the last line.
    let mut text = join(&original);
    text.truncate(text.len() - 40);
    let (at, _) = broken_line(&scratch, &text, Some(anchor));
    assert_eq!(at, n as u64);
    // Deleting the last line entirely is seen against the anchor...
    let (at, why) = broken_line(&scratch, &join(&original[..n - 1]), Some(anchor));
    assert_eq!(at, n as u64);
    assert!(matches!(
        why,
        Broken::Truncated {
            last: 9999,
            anchored: 10_000
        }
    ));
    // ... and so is a last line rewritten and sealed again.
    let mut head = None;
    for l in &original[..n - 1] {
        chain::check(l, &mut head, None).unwrap();
    }
    let mut head = head.unwrap();
    let forged = chain::seal(
        serde_json::from_str::<serde_json::Map<String, Value>>(r#"{"v":1,"effect":"allow"}"#)
            .unwrap(),
        &mut head,
        None,
    );
    let mut rewritten = original.clone();
    rewritten[n - 1] = forged;
    let (at, why) = broken_line(&scratch, &join(&rewritten), Some(anchor));
    assert_eq!((at, why), (n as u64, Broken::Unanchored));
}

#[test]
fn concurrent_decisions_into_one_file_lose_no_record_and_keep_the_chain() {
    for (level, each) in [("written", 1_500), ("buffered", 1_500), ("synced", 100)] {
        let scratch = Scratch::new("audit-threads");
        let path = scratch.join("audit.jsonl");
        let engine = Engine::from_json(&format!(
            r#"{{"version": 1, "extends": ["default"], "audit_durability": "{level}"}}"#
        ))
        .unwrap();
        let options = Options {
            capacity: 64,
            ..Options::default()
        };
        let log = AuditLog::new(FileSink::open(&path, None).unwrap(), options).unwrap();
        const THREADS: u64 = 8;
        std::thread::scope(|s| {
            for t in 0..THREADS {
                let (engine, log) = (&engine, &log);
                s.spawn(move || {
                    for i in 0..each {
                        engine.decide_audited(&request(t * 100_000 + i), log);
                    }
                });
            }
        });
        log.close().unwrap();
        let v = verify(&path, chain::read_anchor(&path).unwrap()).unwrap();
        assert_eq!(v.records, THREADS * each, "{level}");
        let mut ids: Vec<u64> = lines(&path)
            .iter()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["id"]
                    .as_u64()
                    .unwrap()
            })
            .collect();
        ids.sort_unstable();
        let mut expected: Vec<u64> = (0..THREADS)
            .flat_map(|t| (0..each).map(move |i| t * 100_000 + i))
            .collect();
        expected.sort_unstable();
        assert_eq!(ids, expected, "{level}");
    }
}

#[test]
fn rotation_continues_the_chain_and_a_reopened_trail_resumes_it() {
    let scratch = Scratch::new("audit-rotate");
    let path = scratch.join("audit.jsonl");
    let engine = Engine::default_policy().unwrap();
    let open = || {
        AuditLog::new(
            FileSink::open(&path, Some(32 << 10)).unwrap(),
            Options::default(),
        )
        .unwrap()
    };
    let log = open();
    for i in 0..300 {
        engine.decide_audited(&request(i), &log);
    }
    log.close().unwrap();
    let files: Vec<PathBuf> = audit::trail_files(&path).unwrap();
    assert!(files.len() >= 3, "{files:?}");
    for f in &files {
        assert!(std::fs::metadata(f).unwrap().len() <= 32 << 10, "{f:?}");
    }
    let anchor = chain::read_anchor(&path).unwrap();
    assert_eq!(
        audit::verify_files(&files, anchor, false, None)
            .unwrap()
            .records,
        300
    );
    // The live file alone continues an earlier chain: refused unless said so.
    assert!(verify(&path, anchor).is_err());
    let alone = audit::verify_files(std::slice::from_ref(&path), anchor, true, None).unwrap();
    assert!(alone.continues_from.is_some_and(|p| p != "0".repeat(64)));
    // Reopening resumes the chain where it stood.
    let log = open();
    for i in 300..310 {
        engine.decide_audited(&request(i), &log);
    }
    log.close().unwrap();
    let files = audit::trail_files(&path).unwrap();
    let v = audit::verify_files(&files, chain::read_anchor(&path).unwrap(), false, None).unwrap();
    assert_eq!(v.records, 310);
    assert_eq!(v.head.unwrap().seq, 310);
}

#[test]
fn a_trail_that_ends_in_an_edited_record_or_before_its_anchor_is_not_resumed() {
    let scratch = Scratch::new("audit-resume");
    let path = scratch.join("audit.jsonl");
    let engine = Engine::default_policy().unwrap();
    write_trail(&engine, &path, 3);
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = text.replacen("\"v\":1", "\"v\":2", 3);
    std::fs::write(&path, &edited).unwrap();
    let err = AuditLog::to_file(&path, None).unwrap_err().to_string();
    assert!(err.contains("last record is broken"), "{err}");
    let first_two: String = text.lines().take(2).map(|l| format!("{l}\n")).collect();
    std::fs::write(&path, first_two).unwrap();
    let err = AuditLog::to_file(&path, None).unwrap_err().to_string();
    assert!(err.contains("anchor names record 3"), "{err}");
}

/// A sink that holds each write until the test lets it through.
struct Gated {
    lines: Arc<Mutex<Vec<String>>>,
    entered: mpsc::Sender<()>,
    gate: mpsc::Receiver<()>,
}

impl Sink for Gated {
    fn write(&mut self, line: &str) -> std::io::Result<()> {
        let _ = self.entered.send(());
        let _ = self.gate.recv();
        self.lines.lock().unwrap().push(line.to_owned());
        Ok(())
    }
}

/// A gated sink and its controls.
struct Gate {
    sink: Gated,
    /// Signalled each time the writer enters the sink.
    entered: mpsc::Receiver<()>,
    /// Lets one write through per message; dropping it opens the gate.
    gate: mpsc::Sender<()>,
    /// What the sink wrote.
    lines: Arc<Mutex<Vec<String>>>,
}

fn gated() -> Gate {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let (entered_tx, entered) = mpsc::channel();
    let (gate, gate_rx) = mpsc::channel();
    let sink = Gated {
        lines: Arc::clone(&lines),
        entered: entered_tx,
        gate: gate_rx,
    };
    Gate {
        sink,
        entered,
        gate,
        lines,
    }
}

#[test]
fn a_full_queue_denies_under_overflow_deny_and_the_trail_counts_the_denials() {
    let engine =
        Engine::from_json(r#"{"version": 1, "extends": ["default"], "audit_overflow": "deny", "audit_durability": "buffered"}"#)
            .unwrap();
    let Gate {
        sink,
        entered,
        gate: gate_tx,
        lines,
    } = gated();
    let options = Options {
        capacity: 1,
        ..Options::default()
    };
    let log = AuditLog::new(sink, options).unwrap();
    let ls = Request::command("ls");
    // The writer takes the first record and waits in the sink; the second fills the queue.
    assert_eq!(engine.decide_audited(&ls, &log).effect, Effect::Allow);
    entered.recv().unwrap();
    assert_eq!(engine.decide_audited(&ls, &log).effect, Effect::Allow);
    let d = engine.decide_audited(&ls, &log);
    assert_eq!(d.effect, Effect::Deny);
    assert_eq!(d.rule.as_deref(), Some(portcullis::AUDIT_OVERFLOW_RULE));
    assert_eq!(engine.decide_audited(&ls, &log).effect, Effect::Deny);
    drop(gate_tx);
    log.close().unwrap();
    let lines = lines.lock().unwrap();
    let records: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 3, "{lines:?}");
    let overflow = records
        .iter()
        .find(|r| r["event"] == "overflow")
        .expect("an overflow record");
    assert_eq!(overflow["unrecorded"], 2);
    let mut head = Some(audit::Head::GENESIS);
    for l in lines.iter() {
        chain::check(l, &mut head, None).unwrap();
    }
}

#[test]
fn a_full_queue_waits_under_overflow_block() {
    let engine = Engine::from_json(
        r#"{"version": 1, "extends": ["default"], "audit_durability": "buffered"}"#,
    )
    .unwrap();
    let Gate {
        sink,
        entered,
        gate: gate_tx,
        lines,
    } = gated();
    let log = AuditLog::new(
        sink,
        Options {
            capacity: 1,
            ..Options::default()
        },
    )
    .unwrap();
    let ls = Request::command("ls");
    engine.decide_audited(&ls, &log);
    entered.recv().unwrap();
    engine.decide_audited(&ls, &log);
    std::thread::scope(|s| {
        let waiting = s.spawn(|| engine.decide_audited(&ls, &log).effect);
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(!waiting.is_finished(), "the third decision waits for room");
        for _ in 0..3 {
            gate_tx.send(()).unwrap();
        }
        assert_eq!(waiting.join().unwrap(), Effect::Allow);
    });
    drop(gate_tx);
    log.close().unwrap();
    assert_eq!(lines.lock().unwrap().len(), 3);
}

struct Failing;

impl Sink for Failing {
    fn write(&mut self, _: &str) -> std::io::Result<()> {
        Err(std::io::Error::other("disk full"))
    }
}

#[test]
fn a_failed_sink_denies_every_later_decision() {
    let engine = Engine::default_policy().unwrap();
    let log = AuditLog::new(Failing, Options::default()).unwrap();
    // At the default level the decision whose record failed is itself denied.
    let d = engine.decide_audited(&Request::command("ls"), &log);
    assert_eq!(d.rule.as_deref(), Some(portcullis::AUDIT_FAILED_RULE));
    let err = log.flush().unwrap_err().to_string();
    assert!(err.contains("disk full"), "{err}");
    let d = engine.decide_audited(&Request::command("ls"), &log);
    assert_eq!(d.effect, Effect::Deny);
    assert_eq!(d.rule.as_deref(), Some(portcullis::AUDIT_FAILED_RULE));
    assert!(d.reason.contains("disk full"), "{}", d.reason);
    assert!(log.close().is_err());
}

#[test]
fn records_carry_the_documented_fields() {
    let engine = Engine::default_policy().unwrap();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink_lines = Arc::clone(&lines);
    let log = AuditLog::new(
        CallbackSink::new(move |l: &str| sink_lines.lock().unwrap().push(l.to_owned())),
        Options::default(),
    )
    .unwrap();
    let request = Request::from_json(
        r#"{"id": "r1", "principal": {"id": "agent-7", "session": "s-1"}, "command": "sudo rm -rf /"}"#,
    )
    .unwrap();
    let decision = engine.decide_audited(&request, &log);
    log.close().unwrap();
    let lines = lines.lock().unwrap();
    let r: Value = serde_json::from_str(&lines[0]).unwrap();
    for key in [
        "seq",
        "v",
        "ts",
        "id",
        "effect",
        "rule",
        "reason",
        "matched",
        "kind",
        "principal",
        "request",
        "policy",
        "engine",
        "prev",
        "hash",
    ] {
        assert!(r.get(key).is_some(), "record lacks {key}: {r}");
    }
    assert_eq!(r["effect"], decision.effect.as_str());
    assert_eq!(r["rule"], decision.rule.as_deref().unwrap());
    assert_eq!(r["principal"]["id"], "agent-7");
    assert_eq!(r["principal"]["session"], "s-1");
    assert_eq!(r["request"]["command"], "sudo rm -rf /");
    assert_eq!(r["policy"]["hash"], engine.policy_hash());
    assert_eq!(
        r["engine"],
        format!("portcullis/{}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(
        r["matched"].as_array().unwrap().len(),
        decision.matched.len()
    );
}
