//! How matched rules combine into a decision: deny beats ask beats allow,
//! shadow rules are reported but never enforced, and the policy's default for
//! each kind decides when nothing matches.

mod common;

use portcullis::{Decision, Effect, Engine, Kind, Request};
use serde_json::json;

fn engine(policy: serde_json::Value) -> Engine {
    Engine::from_json(&policy.to_string()).unwrap()
}

fn rule(decision: &Decision) -> Option<&str> {
    decision.rule.as_deref()
}

fn egress_rule(id: &str, effect: &str) -> serde_json::Value {
    json!({"id": id, "effect": effect, "hosts": ["api.example.com"]})
}

#[test]
fn deny_beats_ask_beats_allow_in_any_order() {
    let orders = [
        ["allow", "ask", "deny"],
        ["deny", "ask", "allow"],
        ["ask", "deny", "allow"],
    ];
    for order in orders {
        let rules: Vec<_> = order
            .iter()
            .map(|e| egress_rule(&format!("r-{e}"), e))
            .collect();
        let d = engine(json!({"version": 1, "egress": rules}))
            .check_http("GET", "https://api.example.com/");
        assert_eq!(d.effect, Effect::Deny, "{order:?}");
        assert_eq!(rule(&d), Some("r-deny"));
        assert_eq!(d.matched.len(), 3);
    }
    let d = engine(
        json!({"version": 1, "egress": [egress_rule("a", "allow"), egress_rule("b", "ask")]}),
    )
    .check_http("GET", "https://api.example.com/");
    assert_eq!((d.effect, rule(&d)), (Effect::Ask, Some("b")));
}

#[test]
fn first_rule_of_the_winning_effect_decides() {
    let d = engine(json!({"version": 1, "egress": [
        egress_rule("allow-1", "allow"), egress_rule("deny-1", "deny"), egress_rule("deny-2", "deny")
    ]}))
    .check_http("GET", "https://api.example.com/");
    assert_eq!(rule(&d), Some("deny-1"));
    let listed: Vec<&str> = d.matched.iter().map(|m| &*m.rule).collect();
    assert_eq!(
        listed,
        ["allow-1", "deny-1", "deny-2"],
        "matched rules are in policy order"
    );
}

#[test]
fn shadow_rules_are_reported_but_never_enforced() {
    let e = engine(json!({"version": 1, "egress": [
        {"id": "trial-deny", "effect": "deny", "shadow": true, "hosts": ["api.example.com"]},
        egress_rule("allow", "allow")
    ]}));
    let d = e.check_http("GET", "https://api.example.com/");
    assert_eq!((d.effect, rule(&d)), (Effect::Allow, Some("allow")));
    assert!(d
        .matched
        .iter()
        .any(|m| &*m.rule == "trial-deny" && m.shadow && m.effect == Effect::Deny));

    // A shadow allow does not open a default-deny egress.
    let e = engine(json!({"version": 1, "egress": [
        {"id": "trial-allow", "effect": "allow", "shadow": true, "hosts": ["api.example.com"]}
    ]}));
    let d = e.check_http("GET", "https://api.example.com/");
    assert_eq!((d.effect, rule(&d)), (Effect::Deny, None));
    assert_eq!(d.matched.len(), 1);
}

#[test]
fn defaults_apply_per_kind_when_nothing_matches() {
    let bare = engine(json!({"version": 1}));
    assert_eq!(
        bare.check_http("GET", "https://example.com/").effect,
        Effect::Deny,
        "egress defaults to deny"
    );
    assert_eq!(bare.check_command("ls").effect, Effect::Allow);
    assert_eq!(bare.check_tool("Read", &json!({})).effect, Effect::Allow);

    let set = engine(
        json!({"version": 1, "defaults": {"egress": "allow", "command": "ask", "tool": "deny"}}),
    );
    assert_eq!(
        set.check_http("GET", "https://example.com/").effect,
        Effect::Allow
    );
    assert_eq!(set.check_command("ls").effect, Effect::Ask);
    let d = set.check_tool("Read", &json!({}));
    assert_eq!((d.effect, rule(&d)), (Effect::Deny, None));
    assert!(
        d.reason.contains("default for tools is deny"),
        "{}",
        d.reason
    );
}

#[test]
fn egress_rule_matches_only_when_every_field_matches() {
    let e = engine(
        json!({"version": 1, "defaults": {"egress": "allow"}, "egress": [
            {"id": "r", "effect": "deny", "hosts": ["api.example.com"], "methods": ["delete"], "ports": [443], "schemes": ["https"]}
        ]}),
    );
    assert_eq!(
        e.check_http("DELETE", "https://api.example.com/x").effect,
        Effect::Deny
    );
    assert_eq!(
        e.check_http("delete", "https://API.example.com./x").effect,
        Effect::Deny,
        "method and host case, trailing dot"
    );
    assert_eq!(
        e.check_http("GET", "https://api.example.com/x").effect,
        Effect::Allow,
        "method differs"
    );
    assert_eq!(
        e.check_http("DELETE", "https://api.example.com:8443/x")
            .effect,
        Effect::Allow,
        "port differs"
    );
    assert_eq!(
        e.check_http("DELETE", "http://api.example.com:443/x")
            .effect,
        Effect::Allow,
        "scheme differs"
    );
    assert_eq!(
        e.check_http("DELETE", "https://www.example.com/x").effect,
        Effect::Allow,
        "host differs"
    );
}

#[test]
fn wildcards_cover_subdomains_not_the_apex_or_lookalikes() {
    let e = engine(
        json!({"version": 1, "egress": [{"id": "w", "effect": "allow", "hosts": ["*.example.org"]}]}),
    );
    for allowed in [
        "https://a.example.org/",
        "https://a.b.example.org/",
        "https://A.EXAMPLE.ORG./",
    ] {
        assert_eq!(
            e.check_http("GET", allowed).effect,
            Effect::Allow,
            "{allowed}"
        );
    }
    for denied in [
        "https://example.org/",
        "https://evil-example.org/",
        "https://example.org.evil.com/",
        "https://aexample.org/",
        "https://a.example.org@evil.com/",
    ] {
        assert_eq!(e.check_http("GET", denied).effect, Effect::Deny, "{denied}");
    }
}

#[test]
fn idna_names_match_their_ascii_form() {
    let e = engine(
        json!({"version": 1, "egress": [{"id": "b", "effect": "allow", "hosts": ["bücher.example"]}]}),
    );
    assert_eq!(
        e.check_http("GET", "https://xn--bcher-kva.example/").effect,
        Effect::Allow
    );
    assert_eq!(
        e.check_http("GET", "https://BÜCHER.example/").effect,
        Effect::Allow
    );
}

#[test]
fn cidrs_catch_every_spelling_of_an_address() {
    let e = engine(
        json!({"version": 1, "defaults": {"egress": "allow"}, "egress": [
            {"id": "loopback", "effect": "deny", "cidrs": ["127.0.0.0/8", "::1"]}
        ]}),
    );
    for url in [
        "http://127.0.0.1/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://0177.0.0.1/",
        "http://127.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::1]:8080/",
    ] {
        let d = e.check_http("GET", url);
        assert_eq!(
            (d.effect, rule(&d)),
            (Effect::Deny, Some("loopback")),
            "{url}"
        );
    }
    assert_eq!(
        e.check_http("GET", "http://128.0.0.1/").effect,
        Effect::Allow
    );
}

#[test]
fn unanalyzable_http_input_is_denied_with_a_reason() {
    let e = engine(json!({"version": 1, "defaults": {"egress": "allow"}}));
    for (method, url, why) in [
        ("GET", "https://a.example/\r\nX: y", "control character"),
        ("GET", "https://a.example/ x", "whitespace"),
        ("GET", "file:///etc/passwd", "no host"),
        ("GET", "not-a-url", "not a valid URL"),
        ("GET", "", "empty URL"),
        ("GE T", "https://a.example/", "invalid HTTP method"),
        ("", "https://a.example/", "invalid HTTP method"),
    ] {
        let d = e.check_http(method, url);
        assert_eq!((d.effect, rule(&d)), (Effect::Deny, None), "{url:?}");
        assert!(d.reason.contains(why), "{url:?}: {}", d.reason);
    }
}

#[test]
fn command_patterns_and_tool_names_decide() {
    let e = engine(json!({"version": 1,
    "commands": [{"id": "force-push", "effect": "deny", "pattern": "git\\s+push\\s+(-f|--force)\\b"}],
    "tools": [
        {"id": "gh", "effect": "ask", "tool": "mcp__github__*"},
        {"id": "del", "effect": "deny", "tool": ["delete_volume"]}
    ]}));
    assert_eq!(
        rule(&e.check_command("git push --force origin main")),
        Some("force-push")
    );
    assert_eq!(
        e.check_command("git push origin main").effect,
        Effect::Allow
    );
    assert_eq!(
        e.check_tool("mcp__github__delete_repo", &json!({})).effect,
        Effect::Ask
    );
    assert_eq!(
        e.check_tool("delete_volume", &json!({"id": 1})).effect,
        Effect::Deny
    );
    assert_eq!(
        e.check_tool("Delete_volume", &json!({})).effect,
        Effect::Allow,
        "names are case-sensitive"
    );
}

#[test]
fn oversized_command_goes_to_a_human() {
    let e = engine(json!({"version": 1}));
    let d = e.check_command(&"a".repeat(portcullis::MAX_COMMAND_BYTES + 1));
    assert_eq!((d.effect, rule(&d)), (Effect::Ask, None));
}

#[test]
fn decide_echoes_the_id_and_names_the_kind() {
    let e = engine(json!({"version": 1}));
    for (request, kind) in [
        (r#"{"id": "r-1", "command": "ls"}"#, Kind::Command),
        (
            r#"{"id": "r-1", "http": {"url": "https://a.example/"}}"#,
            Kind::Http,
        ),
        (r#"{"id": "r-1", "tool": {"name": "Read"}}"#, Kind::Tool),
    ] {
        let d = e.decide(&Request::from_json(request).unwrap());
        assert_eq!(d.kind, kind);
        let v: serde_json::Value = serde_json::from_str(&d.to_json()).unwrap();
        assert_eq!(v["id"], "r-1");
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        let expected = if kind == Kind::Http { 7 } else { 6 };
        assert_eq!(keys.len(), expected, "{v}");
        assert_eq!(v.get("canonical").is_some(), kind == Kind::Http, "{v}");
        for key in ["id", "effect", "rule", "reason", "matched", "kind"] {
            assert!(v.get(key).is_some(), "{key} missing in {v}");
        }
    }
}

#[test]
fn same_input_same_decision() {
    let e = Engine::from_json(&common::read("policies/good/egress.json")).unwrap();
    let toml = Engine::from_toml(&common::read("policies/good/egress.toml")).unwrap();
    for url in [
        "https://api.github.com/x",
        "http://169.254.169.254/",
        "https://github.com/",
    ] {
        for method in ["GET", "DELETE"] {
            assert_eq!(e.check_http(method, url), e.check_http(method, url));
            assert_eq!(
                e.check_http(method, url),
                toml.check_http(method, url),
                "JSON and TOML policies decide alike"
            );
        }
    }
}

/// `made_by` scopes an egress rule to what made the request, and its
/// examples (bodies included) are fetched the way that maker fetches.
#[test]
fn made_by_scopes_egress_rules_and_their_examples() {
    let policy = r#"{"version": 1, "defaults": {"egress": "allow", "command_egress": "allow"}, "egress": [
        {"id": "no-a1-from-commands", "effect": "deny", "made_by": ["command"], "hosts": ["api.example.com"],
         "json": [{"pointer": "/a", "pattern": "^1$"}],
         "examples": {"match": ["POST https://api.example.com/ {\"a\": 1}"], "no_match": ["POST https://api.example.com/ {\"a\": 2}"]}}]}"#;
    let engine = Engine::from_json(policy).unwrap_or_else(|e| panic!("{e}"));
    let d = engine.check_command(r#"curl -X POST --data-raw '{"a": 1}' https://api.example.com/"#);
    assert_eq!(
        (d.effect, d.rule.as_deref()),
        (Effect::Deny, Some("no-a1-from-commands")),
        "{d:?}"
    );
    let http = portcullis::HttpRequest::new("https://api.example.com/")
        .with_method("POST")
        .with_body(r#"{"a": 1}"#);
    let d = engine.check_http_request(&http);
    assert_eq!(
        d.effect,
        Effect::Allow,
        "a request handed in directly is not made by a command: {d:?}"
    );
    let d = engine.check_tool(
        "fetch",
        &serde_json::json!({"url": "https://api.example.com/"}),
    );
    assert_eq!(d.effect, Effect::Allow, "{d:?}");
}
