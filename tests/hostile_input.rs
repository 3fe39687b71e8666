//! Every bound on hostile input, each met with a clear error or a
//! fail-closed decision: never a panic, a hang or an unbounded allocation.

use portcullis::{Effect, Engine, HttpRequest, Request, RequestError};
use serde_json::json;

#[test]
fn deeply_nested_request_json_is_refused_not_overflowing_the_stack() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let text = format!(r#"{{"tool": {{"name": "x", "arguments": {deep}}}}}"#);
    assert!(
        matches!(Request::from_json(&text), Err(RequestError::Invalid(m)) if m.contains("recursion limit"))
    );
}

#[test]
fn oversized_requests_and_urls_are_refused() {
    let big = format!(
        r#"{{"command": "{}"}}"#,
        "a".repeat(portcullis::MAX_REQUEST_BYTES)
    );
    assert!(matches!(
        Request::from_json(&big),
        Err(RequestError::TooLarge(_))
    ));
    let engine = Engine::default_policy().unwrap();
    let url = format!(
        "https://github.com/{}",
        "a".repeat(portcullis::egress::url::MAX_URL_BYTES)
    );
    let d = engine.check_http("GET", &url);
    assert_eq!(d.effect, Effect::Deny);
    assert!(d.reason.contains("bytes; the maximum is"), "{}", d.reason);
}

#[test]
fn a_regex_too_large_to_compile_is_a_policy_error_not_a_hang() {
    let policy = json!({"version": 1, "commands": [{"id": "huge", "effect": "deny", "pattern": "(\\w{1000}){1000}"}]});
    let started = std::time::Instant::now();
    let err = Engine::from_json(&policy.to_string())
        .unwrap_err()
        .to_string();
    assert!(err.contains("commands[0]") && err.contains("huge"), "{err}");
    assert!(
        started.elapsed().as_secs() < 30,
        "compiling took {:?}",
        started.elapsed()
    );
}

#[test]
fn an_unreadable_json_body_makes_a_body_rule_uncertain_not_blind() {
    let engine = Engine::from_json(
        &json!({"version": 1, "egress": [
            {"id": "allow-api", "effect": "allow", "hosts": ["api.example.com"]},
            {"id": "no-force", "effect": "deny", "hosts": ["api.example.com"], "json": [{"pointer": "/force", "pattern": "true"}]},
            {"id": "no-drop", "effect": "deny", "hosts": ["api.example.com"], "graphql": {"operations": ["mutation"], "fields": ["*Drop"]}}
        ]})
        .to_string(),
    )
    .unwrap();
    let post = |body: String| {
        engine.check_http_request(
            &HttpRequest::new("https://api.example.com/")
                .with_method("POST")
                .with_body(body),
        )
    };
    // Nested beyond the JSON parser's depth limit: a server with a deeper limit reads it.
    let deep = format!(
        r#"{{"force": true, "x": {}1{}}}"#,
        "[".repeat(200),
        "]".repeat(200)
    );
    let d = post(deep);
    assert_eq!(d.effect, Effect::Ask, "{}", d.reason);
    assert!(d.reason.contains("could not be read"), "{}", d.reason);
    assert_eq!(post(r#"{"force": false}"#.into()).effect, Effect::Allow);
    assert_eq!(post(r#"{"force": true}"#.into()).effect, Effect::Deny);
    assert_eq!(post("plain text".into()).effect, Effect::Allow);
}

#[test]
fn deeply_nested_commands_and_graphql_fail_closed() {
    let engine = Engine::default_policy().unwrap();
    let nested = format!("{}rm -rf /{}", "$(".repeat(500), ")".repeat(500));
    assert_ne!(engine.check_command(&nested).effect, Effect::Allow);
    let doc = format!("mutation {}{}", "{ a ".repeat(10_000), "}".repeat(10_000));
    assert!(portcullis::egress::graphql::operations(&doc).is_err());
}

#[test]
fn a_command_past_the_length_bound_is_not_allowed() {
    let engine = Engine::default_policy().unwrap();
    let line = format!("echo {}", "a ".repeat(portcullis::MAX_COMMAND_BYTES));
    let started = std::time::Instant::now();
    let d = engine.check_command(&line);
    assert_ne!(d.effect, Effect::Allow, "{}", d.reason);
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}

#[test]
fn sql_past_the_statement_bound_is_not_allowed() {
    let engine = Engine::default_policy().unwrap();
    // The `DROP` sits after more statements than the classifier reads.
    let sql = format!(
        "{}DROP TABLE users",
        "SELECT 1;".repeat(portcullis::sql::MAX_STATEMENTS + 10)
    );
    let d = engine.check_tool("mcp__db__query", &json!({"sql": sql}));
    assert_ne!(d.effect, Effect::Allow, "{}", d.reason);
}

#[test]
fn tool_arguments_past_the_walk_bounds_are_not_allowed() {
    let engine = Engine::default_policy().unwrap();
    let mut deep = json!("rm -rf /");
    for _ in 0..(portcullis::tool::route::MAX_DEPTH + 5) {
        deep = json!({"x": deep});
    }
    let d = engine.check_tool("mcp__x__run", &deep);
    assert_ne!(d.effect, Effect::Allow, "{}", d.reason);
    let many: Vec<String> = (0..portcullis::tool::route::MAX_STRINGS + 10)
        .map(|i| format!("note {i}"))
        .collect();
    let d = engine.check_tool(
        "mcp__x__run",
        &json!({"notes": many, "z": "DROP TABLE users"}),
    );
    assert_ne!(d.effect, Effect::Allow, "{}", d.reason);
}

#[test]
fn a_policy_past_the_size_bound_is_an_error() {
    let text = format!(
        r#"{{"version": 1, "name": "{}"}}"#,
        "x".repeat(portcullis::policy::MAX_POLICY_BYTES)
    );
    let started = std::time::Instant::now();
    let err = Engine::from_json(&text).unwrap_err().to_string();
    assert!(err.contains("maximum"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}
