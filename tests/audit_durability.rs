//! The audit trail's promises beyond the chain: a decision is answered only
//! once its record is as durable as the policy asks (`written`, `synced`,
//! `buffered`), concurrent synced decisions share syncs, a torn line and an
//! unclosed writer are sealed off on reopen, a keyed chain catches the
//! re-sealed rewrite a plain chain accepts, a copy of the anchor kept
//! elsewhere catches a cut tail, writers in several processes keep one
//! chain, and a trail that cannot be written denies.

mod common;

use std::path::Path;
use std::sync::{Arc, Mutex};

use common::Scratch;
use portcullis::audit::{
    self, chain, AuditLog, Broken, Durability, FileOptions, FileSink, Key, Options, VerifyError,
};
use portcullis::{Effect, Engine, Request};
use serde_json::{json, Value};

fn engine(level: Durability) -> Engine {
    Engine::from_json(&format!(
        r#"{{"version": 1, "extends": ["default"], "audit_durability": "{}"}}"#,
        level.as_str()
    ))
    .unwrap()
}

fn ids(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|r| r.get("event").is_none())
        .map(|r| r["id"].clone())
        .collect()
}

fn verify(path: &Path, key: Option<&Key>) -> Result<audit::Verified, VerifyError> {
    audit::verify_files(
        &[path.to_path_buf()],
        chain::read_anchor(path).unwrap(),
        false,
        key,
    )
}

fn key() -> Key {
    Key::new(b"an audit key of thirty-two bytes", "test").unwrap()
}

#[test]
fn the_policy_names_the_level_and_written_is_the_default() {
    assert_eq!(
        Engine::default_policy().unwrap().audit_durability(),
        Durability::Written
    );
    for level in [
        Durability::Written,
        Durability::Synced,
        Durability::Buffered,
    ] {
        assert_eq!(engine(level).audit_durability(), level);
    }
    let err = Engine::from_json(r#"{"version": 1, "audit_durability": "eventually"}"#)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("audit_durability") && err.contains("`written`, `synced` or `buffered`"),
        "{err}"
    );
}

#[test]
fn a_written_or_synced_decision_is_in_the_file_when_it_returns() {
    for level in [Durability::Written, Durability::Synced] {
        let scratch = Scratch::new("audit-written");
        let path = scratch.join("audit.jsonl");
        let engine = engine(level);
        let log = AuditLog::to_file(&path, None).unwrap();
        for i in 0..50 {
            let d = engine.decide_audited(&Request::command("ls").with_id(json!(i)), &log);
            assert_eq!(d.effect, Effect::Allow);
            // Read with another handle, before any flush or close.
            assert_eq!(ids(&path).last(), Some(&json!(i)), "{level:?}");
        }
        let syncs = log.stats().syncs;
        if level == Durability::Synced {
            assert!(syncs >= 50, "each lone synced decision syncs: {syncs}");
        }
        log.close().unwrap();
        assert_eq!(verify(&path, None).unwrap().records, 50);
    }
}

#[test]
fn synced_decisions_from_threads_share_syncs_and_lose_nothing() {
    let scratch = Scratch::new("audit-group");
    let path = scratch.join("audit.jsonl");
    let engine = engine(Durability::Synced);
    let log = AuditLog::to_file(&path, None).unwrap();
    const THREADS: u64 = 8;
    const EACH: u64 = 60;
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (engine, log) = (&engine, &log);
            s.spawn(move || {
                for i in 0..EACH {
                    let r = Request::command("ls").with_id(json!(t * 1000 + i));
                    assert_eq!(engine.decide_audited(&r, log).effect, Effect::Allow);
                }
            });
        }
    });
    let stats = log.stats();
    log.close().unwrap();
    assert_eq!(stats.written, THREADS * EACH);
    assert!(
        stats.syncs < THREADS * EACH,
        "group commit shares syncs: {stats:?}"
    );
    let mut seen: Vec<u64> = ids(&path).iter().map(|v| v.as_u64().unwrap()).collect();
    seen.sort_unstable();
    let mut expected: Vec<u64> = (0..THREADS)
        .flat_map(|t| (0..EACH).map(move |i| t * 1000 + i))
        .collect();
    expected.sort_unstable();
    assert_eq!(seen, expected);
    assert_eq!(verify(&path, None).unwrap().records, THREADS * EACH);
}

#[test]
fn a_torn_line_is_reported_then_sealed_off_by_a_recovery_record() {
    let scratch = Scratch::new("audit-torn");
    let path = scratch.join("audit.jsonl");
    let engine = engine(Durability::Written);
    let log = AuditLog::to_file(&path, None).unwrap();
    for i in 0..3 {
        engine.decide_audited(&Request::command("ls").with_id(json!(i)), &log);
    }
    log.close().unwrap();
    // A writer died mid-write: half a record, no newline.
    let torn = r#"{"seq":4,"v":1,"ts":"2026-12-04T00:00:00.000Z","id":3,"eff"#;
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(torn);
    std::fs::write(&path, &text).unwrap();
    match verify(&path, None) {
        Err(VerifyError::Broken(at)) => {
            assert_eq!(at.line, 4);
            assert!(matches!(at.broken, Broken::Torn(_)), "{at}");
        }
        other => panic!("a torn tail verified: {other:?}"),
    }
    // Reopening keeps the torn bytes and seals them off.
    let log = AuditLog::to_file(&path, None).unwrap();
    engine.decide_audited(&Request::command("ls").with_id(json!(4)), &log);
    log.close().unwrap();
    let lines: Vec<String> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(lines[3], torn, "the torn bytes stay where they were");
    let recovery: Value = serde_json::from_str(&lines[4]).unwrap();
    assert_eq!(recovery["event"], "recovery");
    assert_eq!(recovery["torn"]["bytes"], torn.len());
    assert!(
        recovery["reason"].as_str().unwrap().contains("torn"),
        "{recovery}"
    );
    let v = verify(&path, None).unwrap();
    assert_eq!((v.records, v.torn, v.recoveries), (5, 1, 1));
    // A torn line that another line, not its recovery record, follows is broken.
    let mut forged = lines.clone();
    forged.remove(4);
    std::fs::write(&path, forged.join("\n") + "\n").unwrap();
    assert!(audit::verify_files(std::slice::from_ref(&path), None, false, None).is_err());
}

#[test]
fn a_writer_that_did_not_close_is_reported_with_what_it_could_have_lost() {
    let scratch = Scratch::new("audit-unclosed");
    let path = scratch.join("audit.jsonl");
    let engine = engine(Durability::Buffered);
    let log = AuditLog::to_file(&path, None).unwrap();
    engine.decide_audited(&Request::command("ls"), &log);
    log.close().unwrap();
    let lock = std::fs::read_to_string(scratch.join("audit.jsonl.lock")).unwrap();
    let state: Value = serde_json::from_str(&lock).unwrap();
    assert_eq!(state["state"], "closed");
    assert_eq!(state["buffered"], Options::default().buffered_loss_bound());
    // As a killed buffered writer leaves it:
    std::fs::write(
        scratch.join("audit.jsonl.lock"),
        r#"{"pid":4242,"state":"open","buffered":4352}"#,
    )
    .unwrap();
    drop(FileSink::open(&path, None).unwrap());
    let text = std::fs::read_to_string(&path).unwrap();
    let last: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(last["event"], "recovery");
    assert_eq!(last["previous_writer"]["pid"], 4242);
    assert_eq!(last["previous_writer"]["lost_at_most"], 4352);
    assert!(last["reason"].as_str().unwrap().contains("up to 4352"));
    assert!(last.get("torn").is_none());
    let v = verify(&path, None).unwrap();
    assert_eq!((v.records, v.recoveries), (2, 1));
    // A clean close leaves nothing to recover.
    drop(FileSink::open(&path, None).unwrap());
    assert_eq!(verify(&path, None).unwrap().records, 2);
}

/// Where the chain stands after `line`, as the line says.
fn head_of(line: &str) -> audit::Head {
    let r: Value = serde_json::from_str(line).unwrap();
    let hash = hex::decode(r["hash"].as_str().unwrap()).unwrap();
    audit::Head {
        seq: r["seq"].as_u64().unwrap(),
        hash: hash.try_into().unwrap(),
    }
}

/// `lines` rewritten from line `from` on, re-sealed as a plain chain: what
/// someone who can write the trail but holds no key can do.
fn resealed(lines: &[String], from: usize) -> (Vec<String>, audit::Head) {
    let mut head = match from {
        0 => audit::Head::GENESIS,
        n => head_of(&lines[n - 1]),
    };
    let mut out = lines[..from].to_vec();
    for l in &lines[from..] {
        let mut body: serde_json::Map<String, Value> = serde_json::from_str(l).unwrap();
        for field in ["seq", "prev", "hash", "key"] {
            body.remove(field);
        }
        out.push(chain::seal(body, &mut head, None));
    }
    (out, head)
}

#[test]
fn a_keyed_chain_catches_the_rewrite_a_plain_chain_accepts() {
    let scratch = Scratch::new("audit-keyed");
    let plain = scratch.join("plain.jsonl");
    let keyed = scratch.join("keyed.jsonl");
    let engine = engine(Durability::Written);
    let requests = [
        Request::command("ls"),
        Request::command("rm -rf /"),
        Request::command("git status"),
    ];
    for (path, key) in [(&plain, None), (&keyed, Some(key()))] {
        let log = AuditLog::open(
            path,
            FileOptions {
                key,
                ..FileOptions::default()
            },
            Options::default(),
        )
        .unwrap();
        for r in &requests {
            engine.decide_audited(r, &log);
        }
        log.close().unwrap();
    }
    assert_eq!(verify(&keyed, Some(&key())).unwrap().records, 3);
    // The keyed trail's records name the key; without it, verify says so.
    match verify(&keyed, None) {
        Err(VerifyError::Broken(at)) => assert!(matches!(at.broken, Broken::Keyed(_)), "{at}"),
        other => panic!("{other:?}"),
    }
    let wrong = Key::new(b"another key, also 32 bytes long!", "w").unwrap();
    assert!(matches!(
        verify(&keyed, Some(&wrong)),
        Err(VerifyError::Broken(audit::BrokenAt {
            broken: Broken::WrongKey { .. },
            ..
        }))
    ));
    // The attack: drop the denial, re-seal the rest and replace the anchor.
    for path in [&plain, &keyed] {
        let mut lines: Vec<String> = std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect();
        lines.remove(1);
        let (rewritten, head) = resealed(&lines, 1);
        std::fs::write(path, rewritten.join("\n") + "\n").unwrap();
        std::fs::write(chain::anchor_path(path), chain::anchor_json(&head)).unwrap();
    }
    // The plain chain cannot tell; the keyed one can.
    assert_eq!(verify(&plain, None).unwrap().records, 2);
    match verify(&keyed, Some(&key())) {
        Err(VerifyError::Broken(at)) => {
            assert_eq!(at.line, 2);
            assert_eq!(at.broken, Broken::Unkeyed);
        }
        other => panic!("the keyed chain accepted a rewrite: {other:?}"),
    }
    // A keyed trail is not resumed without its key, nor a plain one with a key.
    let open_keyed = |path: &Path| {
        AuditLog::open(
            path,
            FileOptions {
                key: Some(key()),
                ..FileOptions::default()
            },
            Options::default(),
        )
    };
    let k2 = scratch.join("k2.jsonl");
    let log = open_keyed(&k2).unwrap();
    engine.decide_audited(&requests[0], &log);
    log.close().unwrap();
    let err = AuditLog::to_file(&k2, None).unwrap_err().to_string();
    assert!(err.contains("sealed with key"), "{err}");
    let err = open_keyed(&plain).unwrap_err().to_string();
    assert!(err.contains("not sealed with the key"), "{err}");
}

#[test]
fn a_copy_of_the_anchor_and_the_anchor_callback_catch_a_cut_tail() {
    let scratch = Scratch::new("audit-anchor-copy");
    let path = scratch.join("audit.jsonl");
    let copy = scratch.join("elsewhere.head");
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&heads);
    let engine = engine(Durability::Written);
    let log = AuditLog::open(
        &path,
        FileOptions {
            anchor_copy: Some(copy.clone()),
            ..FileOptions::default()
        },
        Options {
            on_anchor: Some(Arc::new(move |h: &audit::Head| {
                seen.lock().unwrap().push(*h)
            })),
            ..Options::default()
        },
    )
    .unwrap();
    for i in 0..5 {
        engine.decide_audited(&Request::command("ls").with_id(json!(i)), &log);
    }
    log.close().unwrap();
    let own = chain::read_anchor(&path).unwrap().unwrap();
    assert_eq!(chain::read_anchor_file(&copy).unwrap(), Some(own));
    assert_eq!(heads.lock().unwrap().last(), Some(&own));
    assert_eq!(own.seq, 5);
    // Cut the last two records and rewrite the trail's own anchor to match.
    let text = std::fs::read_to_string(&path).unwrap();
    let kept: Vec<&str> = text.lines().take(3).collect();
    std::fs::write(&path, kept.join("\n") + "\n").unwrap();
    let mut head = None;
    for l in &kept {
        chain::check(l, &mut head, None).unwrap();
    }
    std::fs::write(
        chain::anchor_path(&path),
        chain::anchor_json(&head.unwrap()),
    )
    .unwrap();
    assert_eq!(verify(&path, None).unwrap().records, 3, "the cut is unseen");
    match audit::verify_files(std::slice::from_ref(&path), Some(own), false, None) {
        Err(VerifyError::Broken(at)) => assert!(
            matches!(
                at.broken,
                Broken::Truncated {
                    last: 3,
                    anchored: 5
                }
            ),
            "{at}"
        ),
        other => panic!("the copy did not catch the cut: {other:?}"),
    }
}

#[test]
fn writers_in_several_processes_keep_one_chain_at_every_level() {
    for level in [
        Durability::Written,
        Durability::Synced,
        Durability::Buffered,
    ] {
        let scratch = Scratch::new("audit-processes");
        let path = scratch.join("audit.jsonl");
        let policy = scratch.join("policy.json");
        std::fs::write(
            &policy,
            format!(
                r#"{{"version": 1, "extends": ["default"], "audit_durability": "{}"}}"#,
                level.as_str()
            ),
        )
        .unwrap();
        const PROCESSES: u64 = 4;
        const EACH: u64 = 50;
        let children: Vec<_> = (0..PROCESSES)
            .map(|p| {
                let input: String = (0..EACH)
                    .map(|i| format!("{{\"id\": {}, \"command\": \"ls\"}}\n", p * 1000 + i))
                    .collect();
                let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_portcullis"))
                    .arg("--policy")
                    .arg(&policy)
                    .arg("eval")
                    .arg("--audit")
                    .arg(&path)
                    .stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::null())
                    .spawn()
                    .unwrap();
                let mut stdin = child.stdin.take().unwrap();
                std::thread::spawn(move || {
                    use std::io::Write;
                    let _ = stdin.write_all(input.as_bytes());
                });
                child
            })
            .collect();
        for mut child in children {
            assert!(child.wait().unwrap().success());
        }
        let v = verify(&path, None).unwrap();
        assert_eq!(v.records, PROCESSES * EACH, "{level:?}");
        assert_eq!(v.recoveries, 0, "every writer closed: {level:?}");
    }
}

#[test]
fn a_full_disk_or_an_unwritable_trail_denies() {
    let scratch = Scratch::new("audit-full");
    let engine = engine(Durability::Written);
    // A full disk: every write fails with ENOSPC.
    let full = scratch.join("full.jsonl");
    std::os::unix::fs::symlink("/dev/full", &full).unwrap();
    let log = AuditLog::to_file(&full, None).unwrap();
    let d = engine.decide_audited(&Request::command("ls"), &log);
    assert_eq!(d.effect, Effect::Deny);
    assert_eq!(d.rule.as_deref(), Some(portcullis::AUDIT_FAILED_RULE));
    assert!(d.reason.contains("No space left"), "{}", d.reason);
    let d = engine.decide_audited(&Request::command("ls"), &log);
    assert_eq!(d.rule.as_deref(), Some(portcullis::AUDIT_FAILED_RULE));
    assert!(log.close().is_err());
    // A trail whose writes fail (a file even root cannot write).
    let read_only = scratch.join("read-only.jsonl");
    std::os::unix::fs::symlink("/proc/version", &read_only).unwrap();
    let log = AuditLog::to_file(&read_only, None).unwrap();
    let d = engine.decide_audited(&Request::command("ls"), &log);
    assert_eq!(d.rule.as_deref(), Some(portcullis::AUDIT_FAILED_RULE));
    drop(log);
    // Through the tool: every decision of `eval` is denied, and it fails.
    // (A fresh trail: reopening `full.jsonl`, whose writer could not close
    // it, would need a recovery record, which the full disk refuses.)
    let full = scratch.join("full-too.jsonl");
    std::os::unix::fs::symlink("/dev/full", &full).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(["eval", "--audit"])
        .arg(&full)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(b"{\"command\": \"ls\"}\n{\"command\": \"pwd\"}\n")?;
            child.wait_with_output()
        })
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let decisions: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        decisions.len(),
        2,
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for d in &decisions {
        assert_eq!(d["effect"], "deny", "{d}");
        assert_eq!(d["rule"], portcullis::AUDIT_FAILED_RULE, "{d}");
    }
    assert!(!out.status.success());
    // A trail that cannot even be created: eval refuses to start.
    let out = common::portcullis_with_stdin(
        &["eval", "--audit", "/proc/portcullis-no-such/trail.jsonl"],
        "{\"command\": \"ls\"}\n",
    );
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "no decision without its trail");
}
