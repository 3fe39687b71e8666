//! Coding-agent hooks: payloads of every agent Portcullis speaks
//! (`tests/data/hooks/<agent>.jsonl`, their shapes' sources in `SOURCES.md`)
//! decided as the default policy says, settled into what the hook does —
//! pass-through for every allow unless granting is opted into, ask only
//! where the agent can ask, deny otherwise — and answered in each agent's
//! protocol, through the library and through the `portcullis hook` process.

mod common;

use portcullis::hook::{self, Agent, Settings};
use portcullis::policy::UnattendedAsk;
use portcullis::{Decision, Effect, Engine, HookAnswer};
use serde_json::Value;

struct Fixture {
    name: String,
    effect: Effect,
    explicit: bool,
    payload: Value,
}

fn fixtures(agent: Agent) -> Vec<Fixture> {
    common::read(&format!("hooks/{}.jsonl", agent.as_str()))
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            Fixture {
                name: v["name"].as_str().unwrap().to_owned(),
                effect: v["effect"].as_str().unwrap().parse().unwrap(),
                explicit: v["explicit"].as_bool().unwrap_or(false),
                payload: v["payload"].clone(),
            }
        })
        .collect()
}

/// What the hook must make of a fixture, by the rules of the issue — written
/// out here independently of the library's `hook_answer`.
fn expected(agent: Agent, event: &str, f: &Fixture, s: Settings) -> HookAnswer {
    match f.effect {
        Effect::Deny => HookAnswer::Deny,
        Effect::Ask if agent.can_ask(event) && !s.unattended => HookAnswer::Ask,
        Effect::Ask if s.unattended_ask == UnattendedAsk::Pass => HookAnswer::PassThrough,
        Effect::Ask => HookAnswer::Deny,
        Effect::Allow if f.explicit && s.grant => HookAnswer::Grant,
        Effect::Allow => HookAnswer::PassThrough,
    }
}

fn json(s: &Option<String>) -> Option<Value> {
    s.as_deref().map(|s| serde_json::from_str(s).unwrap())
}

/// What `agent`'s answer to `event` must say for `want`.
fn check_answer(agent: Agent, event: &str, want: HookAnswer, a: &hook::Answer, name: &str) {
    let out = json(&a.stdout);
    let ctx = format!("{} / {name}: {want:?} → {a:?}", agent.as_str());
    let word = match want {
        HookAnswer::Grant => "allow",
        HookAnswer::Ask => "ask",
        HookAnswer::Deny => "deny",
        _ => "",
    };
    let blocked = want == HookAnswer::Deny;
    match (agent, want) {
        // Cline always answers; anything but a denial does not cancel.
        (Agent::Cline, _) => {
            let o = out.expect(&ctx);
            assert_eq!(o["cancel"], blocked, "{ctx}");
            assert_eq!(
                o["errorMessage"].as_str().is_some_and(|m| !m.is_empty()),
                blocked,
                "{ctx}"
            );
            assert_eq!(a.status, 0, "{ctx}");
        }
        (Agent::Windsurf, _) => {
            assert!(out.is_none(), "{ctx}");
            assert_eq!(
                a.status,
                if blocked { hook::BLOCK_STATUS } else { 0 },
                "{ctx}"
            );
            assert_eq!(a.stderr.is_some(), blocked, "{ctx}");
        }
        // No opinion: exit 0, nothing an agent reads as a decision.
        (_, HookAnswer::PassThrough) | (Agent::Codex, HookAnswer::Grant) => {
            assert!(out.is_none() && a.status == 0, "{ctx}");
        }
        (Agent::Claude | Agent::Codex, _) => {
            let o = &out.expect(&ctx)["hookSpecificOutput"];
            assert_eq!(o["hookEventName"], event, "{ctx}");
            assert_eq!(o["permissionDecision"], word, "{ctx}");
            assert!(
                o["permissionDecisionReason"]
                    .as_str()
                    .is_some_and(|r| !r.is_empty()),
                "{ctx}"
            );
        }
        (Agent::Copilot, _) => {
            let o = out.expect(&ctx);
            assert_eq!(o["permissionDecision"], word, "{ctx}");
            assert!(
                o["permissionDecisionReason"]
                    .as_str()
                    .is_some_and(|r| !r.is_empty()),
                "{ctx}"
            );
        }
        (Agent::Gemini | Agent::OpenCode, _) => {
            let o = out.expect(&ctx);
            assert_eq!(o["decision"], word, "{ctx}");
        }
        (Agent::Cursor, _) => {
            let o = out.expect(&ctx);
            let key = if event == "preToolUse" {
                "decision"
            } else {
                "permission"
            };
            assert_eq!(o[key], word, "{ctx}");
        }
        _ => panic!("no check for {ctx}"),
    }
    if want != HookAnswer::PassThrough && agent != Agent::Cline && agent != Agent::Windsurf {
        assert_eq!(a.status, 0, "{ctx}");
    }
}

fn decide(engine: &Engine, agent: Agent, payload: &Value) -> (Vec<Decision>, hook::Payload) {
    let p = hook::requests(agent, &payload.to_string(), Some("/home/dev")).unwrap();
    (p.requests.iter().map(|r| engine.decide(r)).collect(), p)
}

const SETTINGS: [Settings; 4] = [
    Settings {
        grant: false,
        unattended: false,
        unattended_ask: UnattendedAsk::Deny,
    },
    Settings {
        grant: true,
        unattended: false,
        unattended_ask: UnattendedAsk::Deny,
    },
    Settings {
        grant: false,
        unattended: true,
        unattended_ask: UnattendedAsk::Deny,
    },
    Settings {
        grant: true,
        unattended: true,
        unattended_ask: UnattendedAsk::Pass,
    },
];

#[test]
fn every_fixture_gets_its_effect_and_under_every_setting_its_answer() {
    let engine = Engine::default_policy().unwrap();
    let mut failures = Vec::new();
    for agent in Agent::ALL {
        for f in fixtures(agent) {
            let (mut decisions, payload) = decide(&engine, agent, &f.payload);
            let principal = payload.requests[0].principal.as_ref().unwrap();
            assert_eq!(principal.id, agent.principal_id());
            assert!(principal.session.is_some(), "{}: no session", f.name);
            let most = hook::most_severe(decisions.clone()).unwrap();
            if most.effect != f.effect {
                failures.push(format!(
                    "{} / {}: expected {}, got {} ({:?}: {})",
                    agent.as_str(),
                    f.name,
                    f.effect,
                    most.effect,
                    most.rule,
                    most.reason
                ));
                continue;
            }
            if f.effect == Effect::Allow && decisions.iter().all(|d| d.rule.is_some()) != f.explicit
            {
                failures.push(format!(
                    "{} / {}: explicit is {}, but the rules are {:?}",
                    agent.as_str(),
                    f.name,
                    f.explicit,
                    decisions.iter().map(|d| d.rule.clone()).collect::<Vec<_>>()
                ));
                continue;
            }
            for s in SETTINGS {
                let want = expected(agent, &payload.event, &f, s);
                let at = hook::settle(agent, &payload.event, &mut decisions, s).unwrap();
                assert_eq!(
                    decisions[at].hook,
                    Some(want),
                    "{} / {} {s:?}",
                    agent.as_str(),
                    f.name
                );
                assert!(decisions.iter().all(|d| d.hook.is_some_and(|h| h <= want)));
                let a = hook::answer(agent, &payload.event, &decisions[at]);
                check_answer(agent, &payload.event, want, &a, &f.name);
                if want == HookAnswer::Deny && f.effect == Effect::Ask {
                    let text = format!("{a:?}");
                    assert!(text.contains("requires approval"), "{}: {text}", f.name);
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_agent_has_an_allow_ask_deny_pass_through_and_grant_fixture() {
    for agent in Agent::ALL {
        let fs = fixtures(agent);
        for effect in [Effect::Allow, Effect::Ask, Effect::Deny] {
            assert!(
                fs.iter().any(|f| f.effect == effect),
                "{agent:?} has no {effect}"
            );
        }
        assert!(
            fs.iter().any(|f| f.effect == Effect::Allow && f.explicit),
            "{agent:?}: no explicit allow"
        );
        assert!(
            fs.iter().any(|f| f.effect == Effect::Allow && !f.explicit),
            "{agent:?}: no default allow"
        );
    }
}

#[test]
fn bad_payloads_are_errors_and_other_events_are_not_decided() {
    for bad in [
        "",
        "not json",
        "{}",
        "[]",
        r#"{"hook_event_name": "PreToolUse"}"#,
        r#"{"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": "ls"}"#,
        r#"{"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"cmd": "ls"}}"#,
        r#"{"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": 7}}"#,
    ] {
        assert!(hook::requests(Agent::Claude, bad, None).is_err(), "{bad}");
    }
    for (agent, bad) in [
        (
            Agent::Copilot,
            r#"{"toolName": "bash", "toolArgs": "{not json"}"#,
        ),
        (Agent::Cursor, r#"{"hook_event_name": "beforeReadFile"}"#),
        (
            Agent::Cline,
            r#"{"hookName": "PreToolUse", "preToolUse": {"toolName": "run_commands", "parameters": {"commands": "[]"}}}"#,
        ),
        (
            Agent::Windsurf,
            r#"{"agent_action_name": "pre_mcp_tool_use", "tool_info": {"mcp_tool_arguments": {}}}"#,
        ),
    ] {
        assert!(
            hook::requests(agent, bad, None).is_err(),
            "{agent:?}: {bad}"
        );
    }
    // A post-tool event is read (it feeds the session) but marked as ran:
    // the hook decides nothing on it. Any other event yields no request.
    let post = r#"{"hook_event_name": "PostToolUse", "tool_name": "Bash", "tool_input": {"command": "rm -rf /"}, "tool_response": {"stdout": "x"}}"#;
    let read = hook::requests(Agent::Claude, post, None).unwrap();
    assert!(read.ran && read.requests.len() == 1);
    assert_eq!(read.output.as_deref(), Some(r#"{"stdout":"x"}"#));
    let other = r#"{"hook_event_name": "Notification", "tool_name": "Bash", "tool_input": {"command": "rm -rf /"}}"#;
    let read = hook::requests(Agent::Claude, other, None).unwrap();
    assert!(!read.ran && read.requests.is_empty());
    let huge = format!(
        r#"{{"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {{"command": "{}"}}}}"#,
        "a".repeat(hook::MAX_PAYLOAD_BYTES)
    );
    assert!(hook::requests(Agent::Claude, &huge, None).is_err());
}

fn run_hook(agent: &str, stdin: &str, extra: &[&str]) -> (Option<i32>, String, String) {
    let mut args = vec!["hook", agent, "--no-session"];
    args.extend_from_slice(extra);
    let out = common::portcullis_with_stdin(&args, stdin);
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn process_answer(code: Option<i32>, stdout: &str, stderr: &str) -> hook::Answer {
    hook::Answer {
        stdout: (!stdout.trim().is_empty()).then(|| stdout.trim().to_owned()),
        stderr: (!stderr.trim().is_empty()).then(|| stderr.trim().to_owned()),
        status: code.unwrap() as u8,
    }
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

/// Each agent's fixtures through the process, with and without `--grant`
/// and `--unattended`, recorded: the answer is the library's, and the audit
/// record says what the hook made of the decision.
#[test]
fn the_hook_process_answers_as_settled_and_records_the_answer() {
    let scratch = common::Scratch::new("hook-audit");
    let trail = scratch.join("audit.jsonl");
    let trail_arg = trail.display().to_string();
    let mut recorded = Vec::new();
    for agent in Agent::ALL {
        let name = agent.as_str();
        let fs = fixtures(agent);
        let pick = |effect: Effect, explicit: bool| {
            fs.iter()
                .find(|f| f.effect == effect && (effect != Effect::Allow || f.explicit == explicit))
                .unwrap()
        };
        let cases = [
            (pick(Effect::Allow, false), SETTINGS[0]),
            (pick(Effect::Allow, true), SETTINGS[0]),
            (pick(Effect::Allow, true), SETTINGS[1]),
            (pick(Effect::Ask, false), SETTINGS[0]),
            (pick(Effect::Ask, false), SETTINGS[2]),
            (pick(Effect::Deny, false), SETTINGS[0]),
        ];
        for (f, s) in cases {
            let mut args = vec!["--audit", trail_arg.as_str()];
            if s.grant {
                args.push("--grant");
            }
            if s.unattended {
                args.push("--unattended");
            }
            let event = hook::requests(agent, &f.payload.to_string(), None)
                .unwrap()
                .event;
            let (code, stdout, stderr) = run_hook(name, &f.payload.to_string(), &args);
            let want = expected(agent, &event, f, s);
            check_answer(
                agent,
                &event,
                want,
                &process_answer(code, &stdout, &stderr),
                &f.name,
            );
            recorded.push(want);
        }
        let (code, stdout, stderr) = run_hook(name, "{not json", &[]);
        assert_eq!(code, Some(hook::BLOCK_STATUS as i32), "{name}");
        assert!(
            stdout.is_empty() && stderr.contains("not valid JSON"),
            "{stderr}"
        );
    }
    common::verify_trail(&trail).unwrap();
    // The last record of each call is that call's answering decision or one
    // below it; every record is marked, and the marks cover each answer.
    let marks: Vec<String> = std::fs::read_to_string(&trail)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["hook"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(marks.len() >= recorded.len());
    for want in [
        HookAnswer::Grant,
        HookAnswer::PassThrough,
        HookAnswer::Ask,
        HookAnswer::Deny,
    ] {
        assert!(
            marks.iter().any(|m| m == want.as_str()),
            "no {want:?} record in {marks:?}"
        );
    }
}

/// The policy's `hooks` section: `grant` and `unattended_ask`, read from a
/// policy that extends the default, through the process.
#[test]
fn the_policy_opts_into_granting_and_passing_unattended_asks() {
    let scratch = common::Scratch::new("hook-policy");
    let policy = scratch.join("policy.json");
    std::fs::write(
        &policy,
        r#"{"version": 1, "extends": ["default"], "hooks": {"grant": true, "unattended_ask": "pass"}}"#,
    )
    .unwrap();
    let p = policy.display().to_string();
    let fs = fixtures(Agent::Claude);
    let explicit = fs
        .iter()
        .find(|f| f.effect == Effect::Allow && f.explicit)
        .unwrap();
    let (code, stdout, _) = run_hook("claude", &explicit.payload.to_string(), &["--policy", &p]);
    assert_eq!(code, Some(0));
    assert!(
        stdout.contains(r#""permissionDecision":"allow""#),
        "{stdout}"
    );
    let ask = fs.iter().find(|f| f.effect == Effect::Ask).unwrap();
    let (code, stdout, _) = run_hook(
        "claude",
        &ask.payload.to_string(),
        &["--policy", &p, "--unattended"],
    );
    assert_eq!((code, stdout.trim()), (Some(0), ""));
    std::fs::write(
        &policy,
        r#"{"version": 1, "hooks": {"unattended_ask": "maybe"}}"#,
    )
    .unwrap();
    let (code, _, stderr) = run_hook("claude", &ask.payload.to_string(), &["--policy", &p]);
    assert_eq!(code, Some(hook::BLOCK_STATUS as i32));
    assert!(
        stderr.contains("hooks.unattended_ask") && stderr.contains("`deny` or `pass`"),
        "{stderr}"
    );
}
