//! Egress decisions beyond the destination: request inspection (headers,
//! JSON and GraphQL bodies, the size bound), special-address rules and their
//! override, the default when no allow rule matched, the canonical facts a
//! decision reports, and HTTP requests made by shell commands.

use std::collections::BTreeMap;

use portcullis::{Effect, Engine, HttpRequest};
use serde_json::json;

fn engine(policy: serde_json::Value) -> Engine {
    Engine::from_json(&policy.to_string()).unwrap()
}

fn post(url: &str, headers: &[(&str, &str)], body: Option<&str>) -> HttpRequest {
    let mut request = HttpRequest::new(url).with_method("POST");
    request.headers = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect::<BTreeMap<_, _>>();
    request.body = body.map(str::to_owned);
    request
}

fn inspecting(max_body: usize, oversize: &str) -> Engine {
    engine(json!({
        "version": 1,
        "inspection": {"max_body_bytes": max_body, "oversize": oversize},
        "egress": [
            {"id": "allow-api", "effect": "allow", "hosts": ["api.example.com"]},
            {"id": "deny-destroy", "effect": "deny", "hosts": ["api.example.com"],
             "graphql": {"operations": ["mutation"], "fields": ["*Destroy"]}},
            {"id": "ask-debug", "effect": "ask", "hosts": ["api.example.com"],
             "headers": [{"name": "X-Debug", "pattern": "^on$"}]}
        ]
    }))
}

#[test]
fn a_body_over_the_bound_is_not_parsed_and_gets_the_oversize_effect() {
    let mutation = r#"{"query":"mutation { dbDestroy(id: 1) }"}"#;
    let padded = format!("{mutation}{}", " ".repeat(200));
    let e = inspecting(128, "ask");
    let d = e.check_http_request(&post("https://api.example.com/graphql", &[], Some(&padded)));
    assert_eq!(d.effect, Effect::Ask);
    assert!(
        d.reason
            .contains("over the policy's inspection bound of 128 bytes"),
        "{}",
        d.reason
    );
    let d = inspecting(128, "deny").check_http_request(&post(
        "https://api.example.com/graphql",
        &[],
        Some(&padded),
    ));
    assert_eq!(d.effect, Effect::Deny);
    let d = inspecting(4096, "ask").check_http_request(&post(
        "https://api.example.com/graphql",
        &[],
        Some(&padded),
    ));
    assert_eq!(
        (d.effect, d.rule.as_deref()),
        (Effect::Deny, Some("deny-destroy"))
    );
}

#[test]
fn a_small_body_no_rule_inspects_is_allowed_without_the_bound() {
    let e = inspecting(16, "deny");
    let d = e.check_http("GET", "https://api.example.com/x");
    assert_eq!(d.effect, Effect::Allow);
}

#[test]
fn header_tests_match_names_in_any_case() {
    let e = inspecting(4096, "ask");
    let d = e.check_http_request(&post(
        "https://api.example.com/",
        &[("x-DEBUG", "on")],
        None,
    ));
    assert_eq!(
        (d.effect, d.rule.as_deref()),
        (Effect::Ask, Some("ask-debug"))
    );
    let d = e.check_http_request(&post(
        "https://api.example.com/",
        &[("X-Debug", "off")],
        None,
    ));
    assert_eq!(d.effect, Effect::Allow);
}

#[test]
fn only_override_special_reaches_past_a_special_rule() {
    let policy = |override_special: bool| {
        engine(json!({"version": 1, "egress": [
            {"id": "deny-private", "effect": "deny", "special": true, "cidrs": ["10.0.0.0/8"]},
            {"id": "deny-ops", "effect": "deny", "cidrs": ["10.9.9.0/24"]},
            {"id": "allow-lab", "effect": "allow", "override_special": override_special, "cidrs": ["10.9.0.0/16"]}
        ]}))
    };
    let d = policy(false).check_http("GET", "http://10.9.1.1/");
    assert_eq!(
        (d.effect, d.rule.as_deref()),
        (Effect::Deny, Some("deny-private"))
    );
    let d = policy(true).check_http("GET", "http://10.9.1.1/");
    assert_eq!(
        (d.effect, d.rule.as_deref()),
        (Effect::Allow, Some("allow-lab"))
    );
    let d = policy(true).check_http("GET", "http://10.9.9.1/");
    assert_eq!(
        (d.effect, d.rule.as_deref()),
        (Effect::Deny, Some("deny-ops")),
        "an ordinary deny still wins"
    );
}

#[test]
fn special_and_override_fields_are_checked_against_the_effect() {
    let err = Engine::from_json(
        &json!({"version": 1, "egress": [{"id": "x", "effect": "allow", "special": true, "cidrs": ["10.0.0.0/8"]}]}).to_string(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("egress[0].special (rule `x`)")
            && err.contains("only for rules with effect `deny`"),
        "{err}"
    );
}

#[test]
fn an_ask_rule_never_softens_the_egress_default() {
    let e = engine(json!({"version": 1, "egress": [
        {"id": "ask-delete", "effect": "ask", "methods": ["DELETE"]},
        {"id": "allow-api", "effect": "allow", "hosts": ["api.example.com"]}
    ]}));
    let d = e.check_http("DELETE", "https://elsewhere.example/x");
    assert_eq!(
        (d.effect, d.rule.as_deref()),
        (Effect::Deny, None),
        "{}",
        d.reason
    );
    assert_eq!(d.matched.len(), 1);
    let d = e.check_http("DELETE", "https://api.example.com/x");
    assert_eq!(
        (d.effect, d.rule.as_deref()),
        (Effect::Ask, Some("ask-delete"))
    );
}

#[test]
fn decisions_report_the_canonical_facts() {
    let e = Engine::default_policy().unwrap();
    let d = e.check_http(
        "get",
        "http://[::ffff:a9fe:a9fe]/latest/%6deta-data/../meta-data",
    );
    let v: serde_json::Value = serde_json::from_str(&d.to_json()).unwrap();
    assert_eq!(
        v["canonical"],
        json!({"method": "GET", "scheme": "http", "ip": "169.254.169.254", "port": 80, "path": "/latest/meta-data"})
    );
    let d = e.check_http("GET", "http://[64:ff9b::a9fe:a9fe]/");
    assert_eq!(d.rule.as_deref(), Some("deny-cloud-metadata"));
    assert_eq!(
        d.canonical.unwrap().carried_ipv4.as_deref(),
        Some("169.254.169.254")
    );
    let d = e.check_http("GET", "https://GitHub.com./o/r");
    let c = d.canonical.unwrap();
    assert_eq!((c.host.as_deref(), c.port), (Some("github.com"), 443));
}

#[test]
fn a_curl_graphql_mutation_is_decided_like_the_same_request_from_a_proxy() {
    let e = Engine::default_policy().unwrap();
    let body = r#"{"query":"mutation { volumeDelete(volumeId: \"vol_1\") }"}"#;
    let proxied = e.check_http_request(&post(
        "https://backboard.railway.app/graphql/v2",
        &[],
        Some(body),
    ));
    let command = e.check_command(&format!(
        "curl -X POST https://backboard.railway.app/graphql/v2 -d '{body}'"
    ));
    assert_eq!(proxied.effect, Effect::Deny);
    assert_eq!(
        (command.effect, command.rule.as_deref()),
        (proxied.effect, proxied.rule.as_deref())
    );
    assert_eq!(
        command.canonical.as_ref().map(|c| c.path.as_str()),
        Some("/graphql/v2")
    );
    assert_eq!(
        command.command.as_ref().map(|c| c.argv[0].as_str()),
        Some("curl")
    );
}

#[test]
fn a_command_request_no_rule_allows_gets_the_command_egress_default() {
    let policy = |default: Option<&str>| {
        let mut defaults = json!({"egress": "deny"});
        if let Some(d) = default {
            defaults["command_egress"] = json!(d);
        }
        engine(json!({"version": 1, "defaults": defaults, "egress": [
            {"id": "allow-api", "effect": "allow", "hosts": ["api.example.com"]}
        ]}))
    };
    assert_eq!(
        policy(None)
            .check_command("curl https://other.example/")
            .effect,
        Effect::Deny
    );
    assert_eq!(
        policy(Some("ask"))
            .check_command("curl https://other.example/")
            .effect,
        Effect::Ask
    );
    assert_eq!(
        policy(None)
            .check_command("curl https://api.example.com/")
            .effect,
        Effect::Allow
    );
    // Two requests: the one no rule allows decides.
    let d =
        policy(None).check_command("curl https://api.example.com/ && wget https://other.example/");
    assert_eq!(d.effect, Effect::Deny);
    assert_eq!(d.canonical.unwrap().host.as_deref(), Some("other.example"));
}
