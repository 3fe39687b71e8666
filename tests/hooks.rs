//! Coding-agent hooks: real payloads of Claude Code, Codex CLI and Gemini
//! CLI (`tests/data/hooks/<agent>.jsonl`) decided as the default policy
//! says, answered in each agent's protocol, through the library and through
//! the `portcullis hook` process.

mod common;

use portcullis::hook::{self, Agent};
use portcullis::{Effect, Engine};
use serde_json::Value;

const AGENTS: [Agent; 3] = [Agent::Claude, Agent::Codex, Agent::Gemini];

struct Fixture {
    name: String,
    effect: Effect,
    payload: Value,
}

fn fixtures(agent: &str) -> Vec<Fixture> {
    common::read(&format!("hooks/{agent}.jsonl"))
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            Fixture {
                name: v["name"].as_str().unwrap().to_owned(),
                effect: v["effect"].as_str().unwrap().parse().unwrap(),
                payload: v["payload"].clone(),
            }
        })
        .collect()
}

/// What each agent's answer must say for `effect`.
fn check_answer(agent: Agent, effect: Effect, answer: &hook::Answer, name: &str) {
    assert_eq!(answer.status, 0, "{name}");
    let out: Option<Value> = answer
        .stdout
        .as_deref()
        .map(|s| serde_json::from_str(s).unwrap());
    let decision = |v: &Option<Value>| {
        v.as_ref().unwrap()["hookSpecificOutput"]["permissionDecision"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    match (agent, effect) {
        (Agent::Claude, e) => {
            assert_eq!(decision(&out), e.as_str(), "{name}");
            let o = out.as_ref().unwrap();
            assert_eq!(o["hookSpecificOutput"]["hookEventName"], "PreToolUse");
            assert!(o["hookSpecificOutput"]["permissionDecisionReason"]
                .as_str()
                .is_some_and(|r| !r.is_empty()));
        }
        (Agent::Codex, Effect::Allow) => assert!(out.is_none(), "{name}: {out:?}"),
        (Agent::Codex, Effect::Deny) => assert_eq!(decision(&out), "deny", "{name}"),
        (Agent::Codex, Effect::Ask) => {
            assert_eq!(decision(&out), "deny", "{name}");
            let reason = out.as_ref().unwrap()["hookSpecificOutput"]["permissionDecisionReason"]
                .as_str()
                .unwrap()
                .to_owned();
            assert!(reason.contains("requires approval"), "{name}: {reason}");
        }
        (Agent::Gemini, Effect::Allow) => assert_eq!(out.unwrap()["decision"], "allow", "{name}"),
        (Agent::Gemini, e) => {
            let o = out.unwrap();
            assert_eq!(o["decision"], "deny", "{name}");
            let reason = o["reason"].as_str().unwrap();
            assert_eq!(
                reason.contains("requires approval"),
                e == Effect::Ask,
                "{name}: {reason}"
            );
        }
    }
}

fn decide(engine: &Engine, agent: Agent, payload: &Value) -> (portcullis::Decision, hook::Payload) {
    let p = hook::requests(agent, &payload.to_string(), Some("/home/dev")).unwrap();
    let decisions = p.requests.iter().map(|r| engine.decide(r)).collect();
    (hook::most_severe(decisions).unwrap(), p)
}

#[test]
fn every_fixture_gets_its_effect_and_its_agents_answer() {
    let engine = Engine::default_policy().unwrap();
    let mut failures = Vec::new();
    for agent in AGENTS {
        let name = agent.as_str();
        let fixtures = fixtures(name);
        for effect in [Effect::Allow, Effect::Ask, Effect::Deny] {
            assert!(
                fixtures.iter().any(|f| f.effect == effect),
                "{name} has no {effect} fixture"
            );
        }
        for f in fixtures {
            let (d, payload) = decide(&engine, agent, &f.payload);
            let principal = payload.requests[0].principal.as_ref().unwrap();
            assert_eq!(principal.id, agent.principal_id());
            assert!(principal.session.is_some());
            if d.effect != f.effect {
                failures.push(format!(
                    "{name} / {}: expected {}, got {} ({:?}: {})",
                    f.name, f.effect, d.effect, d.rule, d.reason
                ));
                continue;
            }
            check_answer(agent, f.effect, &hook::answer(agent, &d), &f.name);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn bad_payloads_are_errors_and_other_events_are_not_decided() {
    for bad in [
        "",
        "not json",
        "{}",
        r#"{"hook_event_name": "PreToolUse"}"#,
        r#"{"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": "ls"}"#,
        r#"{"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"cmd": "ls"}}"#,
    ] {
        assert!(hook::requests(Agent::Claude, bad, None).is_err(), "{bad}");
    }
    let post = r#"{"hook_event_name": "PostToolUse", "tool_name": "Bash", "tool_input": {"command": "rm -rf /"}}"#;
    assert!(hook::requests(Agent::Claude, post, None)
        .unwrap()
        .requests
        .is_empty());
    let huge = format!(
        r#"{{"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {{"command": "{}"}}}}"#,
        "a".repeat(hook::MAX_PAYLOAD_BYTES)
    );
    assert!(hook::requests(Agent::Claude, &huge, None).is_err());
}

fn run_hook(agent: &str, stdin: &str, extra: &[&str]) -> (Option<i32>, String, String) {
    let mut args = vec!["hook", agent];
    args.extend_from_slice(extra);
    let out = common::portcullis_with_stdin(&args, stdin);
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn parallel_hook_processes_share_one_trail_without_forking_the_chain() {
    let scratch = common::Scratch::new("hook-parallel");
    let trail = scratch.join("audit.jsonl");
    let trail_arg = trail.display().to_string();
    let payload = r#"{"hook_event_name": "PreToolUse", "session_id": "p", "tool_name": "Bash", "tool_input": {"command": "ls"}}"#;
    std::thread::scope(|s| {
        for _ in 0..6 {
            s.spawn(|| {
                for _ in 0..3 {
                    let (code, _, stderr) = run_hook("claude", payload, &["--audit", &trail_arg]);
                    assert_eq!(code, Some(0), "{stderr}");
                }
            });
        }
    });
    assert_eq!(common::verify_trail(&trail).unwrap().records, 18);
}

#[test]
fn the_hook_process_answers_each_effect_and_blocks_on_bad_input() {
    let scratch = common::Scratch::new("hook-audit");
    let trail = scratch.join("audit.jsonl");
    let trail_arg = trail.display().to_string();
    let mut recorded = 0;
    for agent in AGENTS {
        let name = agent.as_str();
        let fixtures = fixtures(name);
        for effect in [Effect::Allow, Effect::Ask, Effect::Deny] {
            let f = fixtures.iter().find(|f| f.effect == effect).unwrap();
            let (code, stdout, stderr) =
                run_hook(name, &f.payload.to_string(), &["--audit", &trail_arg]);
            assert_eq!(code, Some(0), "{name} / {}: {stderr}", f.name);
            let answer = hook::Answer {
                stdout: (!stdout.trim().is_empty()).then(|| stdout.trim().to_owned()),
                status: 0,
            };
            check_answer(agent, effect, &answer, &f.name);
            recorded += 1;
        }
        let (code, stdout, stderr) = run_hook(name, "{not json", &[]);
        assert_eq!(code, Some(hook::BLOCK_STATUS as i32), "{name}");
        assert!(
            stdout.is_empty() && stderr.contains("not valid JSON"),
            "{stderr}"
        );
    }
    let verified = portcullis::audit::verify_files(
        std::slice::from_ref(&trail),
        portcullis::audit::chain::read_anchor(&trail).unwrap(),
        false,
    )
    .unwrap();
    assert!(
        verified.records >= recorded,
        "{} < {recorded}",
        verified.records
    );
}
