//! The crash harness: `portcullis eval --audit` killed with SIGKILL at
//! random points, hundreds of times, at each durability level.
//!
//! Each run starts the real tool on a fresh trail, streams requests into
//! it, reads its answers, and kills it after a random number of answers
//! (and a random few hundred microseconds more, so the kill also lands
//! mid-write). The trail is then reopened, which seals off a torn line and
//! the unclosed writer with a recovery record, and verified. At `written`
//! and `synced`, every decision the process answered must be in the trail;
//! at `buffered`, the decisions missing must be no more than the loss bound
//! the recovery record states. The run count per level is
//! `PORTCULLIS_CRASH_RUNS` (default 200), the seed `PORTCULLIS_CRASH_SEED`
//! (default fixed, printed), and the whole harness stops starting runs
//! after `PORTCULLIS_CRASH_SECONDS` (default 150) per level, asserting that
//! at least a fifth of the runs were made.

mod common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::Scratch;
use portcullis::audit::{self, chain, Durability, FileSink, Options};
use serde_json::Value;

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What one run left.
struct Run {
    answered: HashSet<u64>,
    recorded: HashSet<u64>,
    torn: u64,
    lost_at_most: u64,
}

/// Starts `eval` on a fresh trail, kills it after `answers` answers and
/// `linger` more, reopens and verifies the trail.
fn run(policy: &Path, trail: &Path, requests: u64, answers: u64, linger: Duration) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .arg("--policy")
        .arg(policy)
        .arg("eval")
        .arg("--audit")
        .arg(trail)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        for i in 0..requests {
            let command = if i % 3 == 0 { "rm -rf /srv" } else { "ls -la" };
            let line = format!("{{\"id\": {i}, \"command\": \"{command}\"}}\n");
            if stdin.write_all(line.as_bytes()).is_err() {
                return;
            }
        }
    });
    let mut answered = HashSet::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while (answered.len() as u64) < answers {
        line.clear();
        if out.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        let decision: Value = serde_json::from_str(&line).unwrap();
        answered.insert(decision["id"].as_u64().unwrap());
    }
    std::thread::sleep(linger);
    child.kill().unwrap();
    let _ = child.wait();
    // Answers already in the pipe were answered too.
    for line in out.lines().map_while(Result::ok) {
        if let Ok(decision) = serde_json::from_str::<Value>(&line) {
            answered.insert(decision["id"].as_u64().unwrap());
        }
    }
    let _ = feeder.join();
    // The next writer recovers the trail.
    drop(FileSink::open(trail, None).unwrap());
    let verified = audit::verify_files(
        &audit::trail_files(trail).unwrap(),
        chain::read_anchor(trail).unwrap(),
        false,
        None,
    )
    .unwrap_or_else(|e| panic!("the trail does not verify after a crash: {e}"));
    let mut recorded = HashSet::new();
    let mut lost_at_most = 0;
    let text = std::fs::read_to_string(trail).unwrap_or_default();
    for line in text.lines() {
        let Ok(record) = serde_json::from_str::<Value>(line) else {
            continue; // a torn line, sealed off
        };
        match record["event"].as_str() {
            Some("recovery") => {
                lost_at_most = record["previous_writer"]["lost_at_most"]
                    .as_u64()
                    .unwrap_or(0);
            }
            Some(_) => {}
            None => {
                recorded.insert(record["id"].as_u64().unwrap());
            }
        }
    }
    Run {
        answered,
        recorded,
        torn: verified.torn,
        lost_at_most,
    }
}

#[test]
fn sigkill_at_random_points_loses_no_answered_decision_unless_buffered() {
    let runs = env_or("PORTCULLIS_CRASH_RUNS", 200);
    let seconds = env_or("PORTCULLIS_CRASH_SECONDS", 150);
    let seed = env_or("PORTCULLIS_CRASH_SEED", 0x5eed_2026_1204);
    eprintln!("crash harness: {runs} runs per level, seed {seed:#x}");
    let mut rng = Rng(seed);
    for (level, requests) in [
        (Durability::Written, 400),
        (Durability::Synced, 150),
        (Durability::Buffered, 400),
    ] {
        let scratch = Scratch::new("audit-crash");
        let policy = scratch.join("policy.json");
        std::fs::write(
            &policy,
            // A policy of its own (not extending the default) starts in
            // milliseconds; what it decides does not matter here.
            format!(
                r#"{{"version": 1, "audit_durability": "{}"}}"#,
                level.as_str()
            ),
        )
        .unwrap();
        let started = Instant::now();
        let (mut made, mut torn, mut lossy, mut lost) = (0u64, 0u64, 0u64, 0usize);
        for n in 0..runs {
            if started.elapsed() > Duration::from_secs(seconds) {
                break;
            }
            let trail = scratch.join(&format!("trail-{n}.jsonl"));
            let answers = 1 + rng.below(requests - 1);
            let linger = Duration::from_micros(rng.below(800));
            let r = run(&policy, &trail, requests, answers, linger);
            made += 1;
            torn += r.torn;
            let missing: Vec<u64> = r.answered.difference(&r.recorded).copied().collect();
            match level {
                Durability::Buffered => {
                    assert_eq!(r.lost_at_most, Options::default().buffered_loss_bound());
                    assert!(
                        missing.len() as u64 <= r.lost_at_most,
                        "run {n}: {} answered decisions missing, more than the bound {}",
                        missing.len(),
                        r.lost_at_most
                    );
                    lossy += u64::from(!missing.is_empty());
                    lost += missing.len();
                }
                _ => {
                    assert!(
                        missing.is_empty(),
                        "{level:?} run {n}: answered decisions missing from the trail: {missing:?}"
                    );
                    assert_eq!(r.lost_at_most, 0, "{level:?} run {n}");
                }
            }
            let _ = std::fs::remove_file(&trail);
        }
        eprintln!(
            "{}: {made} runs killed, {torn} torn lines sealed off, {lossy} runs lost answered decisions ({lost} in all)",
            level.as_str()
        );
        assert!(
            made * 5 >= runs,
            "{level:?}: only {made} of {runs} runs in {seconds} s"
        );
    }
}
