//! NUL bytes on every channel. A C string ends at its first NUL: an
//! embedder or agent runtime that hands `rm -rf /\0` to `system()`,
//! `execve` or `sh -c` from C runs `rm -rf /`, so a guard that reads the
//! NUL as an ordinary character checks one thing and lets another run.
//! Commands (requests, shell arguments of tool calls, hook payloads, the C
//! ABI's pointer and length) and SQL holding a NUL are denied, with the
//! byte offset in the reason; URLs refuse control characters; a path is
//! cut at its NUL (what `open()` opens) and decided like the cut path. The
//! cases are `tests/data/nul.jsonl`, decided through the library and, one
//! per channel, through the `portcullis` binary.

mod common;

use portcullis::hook::{self, Agent};
use portcullis::{Decision, Effect, Engine, Request, MAX_COMMAND_BYTES};
use serde_json::Value;

/// One line of the corpus.
struct Case {
    name: String,
    expect: Effect,
    input: Input,
    /// A text the reason must contain.
    reason: Option<String>,
    /// An input decided alike (the path cut at its NUL).
    like: Option<Input>,
}

enum Input {
    /// A request in the wire format (`{"command": …}`, `{"tool": …}`, `{"http": …}`).
    Request(Value),
    /// A pre-tool hook payload.
    Hook(Agent, Value),
}

impl Input {
    fn channel(&self) -> String {
        match self {
            Input::Request(v) => ["command", "tool", "http"]
                .into_iter()
                .find(|k| v.get(k).is_some())
                .unwrap_or("request")
                .to_owned(),
            Input::Hook(agent, _) => format!("hook {}", agent.as_str()),
        }
    }

    fn decide(&self, engine: &Engine) -> Decision {
        match self {
            Input::Request(v) => {
                let request = Request::from_json(&v.to_string()).unwrap();
                engine.decide(&request)
            }
            Input::Hook(agent, payload) => {
                let p = hook::requests(*agent, &payload.to_string(), Some("/home/dev")).unwrap();
                hook::most_severe(p.requests.iter().map(|r| engine.decide(r)).collect()).unwrap()
            }
        }
    }
}

fn cases() -> Vec<Case> {
    common::read("nul.jsonl")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}"));
            let input = |key: &str| match v.get("agent").and_then(Value::as_str) {
                Some(agent) => v
                    .get(key)
                    .map(|p| Input::Hook(Agent::from_name(agent).unwrap(), p.clone())),
                None => v.get(key).map(|r| Input::Request(r.clone())),
            };
            Case {
                name: v["name"].as_str().unwrap().to_owned(),
                expect: v["expect"].as_str().unwrap().parse().unwrap(),
                input: input(if v.get("agent").is_some() {
                    "payload"
                } else {
                    "request"
                })
                .unwrap_or_else(|| panic!("no request or payload: {l}")),
                reason: v.get("reason").and_then(Value::as_str).map(str::to_owned),
                like: input("like"),
            }
        })
        .collect()
}

fn has_nul(input: &Input) -> bool {
    match input {
        Input::Request(v) | Input::Hook(_, v) => v.to_string().contains("\\u0000"),
    }
}

#[test]
fn every_nul_case_gets_its_effect_and_says_where_the_nul_is() {
    let engine = Engine::default_policy().unwrap();
    let cases = cases();
    let mut failures = Vec::new();
    for case in &cases {
        let channel = case.input.channel();
        let d = case.input.decide(&engine);
        let label = format!("{channel} / {}", case.name);
        if d.effect != case.expect {
            failures.push(format!(
                "{label}: expected {}, got {} ({:?}: {})",
                case.expect, d.effect, d.rule, d.reason
            ));
            continue;
        }
        if let Some(want) = &case.reason {
            if !d.reason.contains(want.as_str()) {
                failures.push(format!("{label}: reason {:?} lacks {want:?}", d.reason));
            }
            if want.contains("NUL") && !d.reason.contains("a C string ends at its first NUL") {
                failures.push(format!("{label}: reason {:?} does not say why", d.reason));
            }
        }
        if let Some(like) = &case.like {
            let cut = like.decide(&engine);
            if (cut.effect, &cut.rule) != (d.effect, &d.rule) {
                failures.push(format!(
                    "{label}: decided {} by {:?}, the cut path {} by {:?}",
                    d.effect, d.rule, cut.effect, cut.rule
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every channel has NUL cases and benign controls.
    for channel in [
        "command",
        "tool",
        "http",
        "hook claude",
        "hook codex",
        "hook gemini",
    ] {
        let of = |nul: bool, effect: Effect| {
            cases.iter().any(|c| {
                c.input.channel() == channel && has_nul(&c.input) == nul && c.expect == effect
            })
        };
        assert!(of(true, Effect::Deny), "{channel}: no NUL denied");
        assert!(of(false, Effect::Allow), "{channel}: no allowed control");
    }
}

#[test]
fn a_nul_after_rm_rf_root_is_denied() {
    let engine = Engine::default_policy().unwrap();
    for line in ["rm -rf /\0", "r\0m -rf /", "rm -rf \0/"] {
        for d in [
            engine.check_command(line),
            engine.check_command_analyzed(line),
        ] {
            assert_eq!(d.effect, Effect::Deny, "{line:?}");
            assert!(d.rule.is_none(), "{line:?}: {:?}", d.rule);
            assert!(d.reason.contains("NUL byte at byte offset"), "{}", d.reason);
            assert!(
                d.command.is_none(),
                "{line:?}: nothing of the line is echoed"
            );
        }
    }
}

#[test]
fn the_reason_gives_the_byte_offset_and_never_quotes_the_command() {
    let engine = Engine::default_policy().unwrap();
    let secret = "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB";
    let line = format!("curl -H 'Authorization: token {secret}' https://api.github.com/\0");
    let d = engine.check_command(&line);
    assert_eq!(d.effect, Effect::Deny);
    let at = line.find('\0').unwrap();
    assert!(
        d.reason.contains(&format!("NUL byte at byte offset {at}:")),
        "{}",
        d.reason
    );
    assert!(
        !d.reason.contains(secret) && !d.reason.contains("curl"),
        "{}",
        d.reason
    );
    assert!(!d.to_json().contains(secret));
}

#[test]
fn a_nul_is_denied_before_the_analysis_bound_and_the_prefilter() {
    let engine = Engine::default_policy().unwrap();
    // Beyond the bound a line is asked about; with a NUL it is denied.
    let long = format!("echo {}", "a".repeat(MAX_COMMAND_BYTES));
    assert_eq!(engine.check_command(&long).effect, Effect::Ask);
    let d = engine.check_command(&format!("{long}\0"));
    assert_eq!(d.effect, Effect::Deny, "{}", d.reason);
    assert!(d.reason.contains(&format!("offset {}", long.len())));
    // A line no rule could match (the prefilter skips it) is still denied.
    assert_eq!(engine.check_command("true").effect, Effect::Allow);
    assert_eq!(engine.check_command("true\0").effect, Effect::Deny);
}

#[test]
fn a_command_with_a_nul_from_request_json_is_denied_as_the_c_abi_decides_it() {
    // The C ABI's `portcullis_decide_json` reads the request with
    // `Request::from_json`, and `portcullis_check_command` takes a pointer
    // and a length, so an interior NUL reaches `check_command` as is.
    let engine = Engine::default_policy().unwrap();
    let request = Request::from_json(r#"{"command": "rm -rf /\u0000"}"#).unwrap();
    assert_eq!(engine.decide(&request).effect, Effect::Deny);
    let bytes = b"rm -rf /\0 --help";
    let command = std::str::from_utf8(bytes).unwrap();
    assert_eq!(engine.check_command(command).effect, Effect::Deny);
}

#[test]
fn sql_with_a_nul_is_denied_even_by_a_policy_without_sql_rules() {
    let engine = Engine::from_json(r#"{"version": 1, "defaults": {"tool": "allow"}}"#).unwrap();
    let args = serde_json::json!({"query": "SELECT 1\u{0}; DROP TABLE users"});
    let d = engine.check_tool("mcp__pg__query", &args);
    assert_eq!(d.effect, Effect::Deny, "{}", d.reason);
    assert!(d
        .reason
        .contains("the SQL contains a NUL byte at byte offset 8"));
    assert_eq!(d.argument.unwrap().pointer, "/query");
    let clean = serde_json::json!({"query": "SELECT 1"});
    assert_eq!(
        engine.check_tool("mcp__pg__query", &clean).effect,
        Effect::Allow
    );
}

#[test]
fn urls_with_a_nul_are_denied_on_every_channel() {
    let engine = Engine::default_policy().unwrap();
    assert_eq!(
        engine
            .check_http("GET", "https://api.github.com/zen")
            .effect,
        Effect::Allow
    );
    for url in [
        "https://api.github.com/\0",
        "https://api.github.com\0.evil.test/",
    ] {
        assert_eq!(
            engine.check_http("GET", url).effect,
            Effect::Deny,
            "{url:?}"
        );
        let args = serde_json::json!({ "url": url });
        assert_eq!(
            engine.check_tool("mcp__fetch__fetch", &args).effect,
            Effect::Deny,
            "{url:?}"
        );
    }
}

fn stdout_json(out: std::process::Output) -> Vec<Value> {
    assert!(
        out.status.success() || out.status.code() == Some(0),
        "{out:?}"
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn the_binary_denies_a_nul_through_eval_on_every_request_channel() {
    let input = [
        r#"{"id": 1, "command": "rm -rf /\u0000"}"#,
        r#"{"id": 2, "tool": {"name": "Bash", "arguments": {"command": "ls\u0000"}}}"#,
        r#"{"id": 3, "tool": {"name": "mcp__pg__query", "arguments": {"query": "SELECT 1\u0000"}}}"#,
        r#"{"id": 4, "http": {"url": "https://api.github.com/\u0000"}}"#,
        r#"{"id": 5, "tool": {"name": "Read", "arguments": {"file_path": ".env\u0000.example"}}}"#,
        r#"{"id": 6, "command": "ls -la"}"#,
    ]
    .join("\n");
    let lines = stdout_json(common::portcullis_with_stdin(&["eval"], &input));
    let effects: Vec<(i64, &str)> = lines
        .iter()
        .map(|l| (l["id"].as_i64().unwrap(), l["effect"].as_str().unwrap()))
        .collect();
    assert_eq!(
        effects,
        [
            (1, "deny"),
            (2, "deny"),
            (3, "deny"),
            (4, "deny"),
            (5, "deny"),
            (6, "allow")
        ]
    );
    let reason = lines[0]["reason"].as_str().unwrap();
    assert!(reason.contains("NUL byte at byte offset 8"), "{reason}");
}

#[test]
fn the_binary_denies_a_nul_through_the_claude_hook() {
    let payload = r#"{"session_id": "nul", "cwd": "/home/dev/app", "hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": "rm -rf /\u0000"}}"#;
    let out = common::portcullis_with_stdin(&["hook", "claude"], payload);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    let specific = &answer["hookSpecificOutput"];
    assert_eq!(specific["permissionDecision"], "deny", "{answer}");
    let reason = specific["permissionDecisionReason"].as_str().unwrap();
    assert!(reason.contains("NUL byte at byte offset 8"), "{reason}");
}
