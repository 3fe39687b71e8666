//! Secrets never reach the audit trail: random tokens of every detected
//! kind, and credentials known by where they sit (an `Authorization`
//! header, a URL's userinfo password, a `password` argument), embedded in
//! commands, URLs, headers, bodies and tool arguments, are absent from the
//! record written for the decision.

use std::sync::{Arc, Mutex};

use portcullis::audit::{AuditLog, CallbackSink, Options};
use portcullis::{Engine, Request};
use proptest::prelude::*;
use serde_json::json;

/// A token of a detected kind, and the part of it that must not appear.
fn token() -> impl Strategy<Value = (String, String)> {
    let whole = |pattern: &'static str| pattern.prop_map(|t: String| (t.clone(), t));
    prop_oneof![
        whole("AKIA[0-9A-Z]{16}"),
        whole("gh[pousr]_[A-Za-z0-9]{36}"),
        whole("github_pat_[A-Za-z0-9_]{82}"),
        whole("glpat-[A-Za-z0-9_]{20,30}"),
        whole("xox[bp]-[0-9]{12}-[A-Za-z0-9]{24}"),
        whole("[sr]k_live_[A-Za-z0-9]{24}"),
        whole("sk-proj-[A-Za-z0-9]{48}"),
        whole("sk-ant-api03-[A-Za-z0-9]{90}"),
        whole("AIza[0-9A-Za-z]{35}"),
        whole("eyJ[A-Za-z0-9]{12}\\.eyJ[A-Za-z0-9]{16}\\.[A-Za-z0-9_]{20}"),
        "[A-Za-z0-9]{12,20}".prop_map(|v| (format!("password={v}"), v)),
        "[A-Za-z0-9+/]{64}".prop_map(|body| (
            format!("-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----"),
            body
        )),
    ]
}

/// A request carrying `secret` somewhere, and the text that must not appear.
fn request(place: u8, secret: &str, hidden: &str, other: &str) -> (Request, Vec<String>) {
    let hidden = hidden.to_owned();
    match place {
        0 => (Request::command(format!("curl -H 'X-Token: {secret}' https://api.example/v1")), vec![hidden]),
        1 => (Request::command(format!("echo {secret} > /tmp/out")), vec![hidden]),
        2 => (Request::http("GET", format!("https://api.example/v1?key={secret}&q=1")), vec![hidden]),
        3 => (
            Request::from_value(json!({"http": {"method": "POST", "url": "https://api.example/v1",
                "headers": {"X-Custom": format!("t {secret}"), "Authorization": format!("Bearer {other}")}}}))
            .unwrap(),
            vec![hidden, other.to_owned()],
        ),
        4 => (
            Request::from_value(json!({"http": {"method": "POST", "url": "https://api.example/v1",
                "body": format!("{{\"note\": \"{}\"}}", secret.replace('\n', "\\n"))}}))
            .unwrap(),
            vec![hidden],
        ),
        5 => (
            Request::tool("mcp__notes__save", json!({"text": format!("remember {secret}"), "password": other})),
            vec![hidden, other.to_owned()],
        ),
        _ => (
            Request::http("GET", format!("https://deploy:{other}@git.example/repo?t={secret}")),
            vec![hidden, other.to_owned()],
        ),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn no_secret_reaches_a_record(
        (secret, hidden) in token(),
        place in 0u8..7,
        other in "[A-Za-z0-9]{10,24}",
    ) {
        let engine = Engine::default_policy().unwrap();
        let lines = Arc::new(Mutex::new(Vec::<String>::new()));
        let sink_lines = Arc::clone(&lines);
        let log = AuditLog::new(
            CallbackSink::new(move |l: &str| sink_lines.lock().unwrap().push(l.to_owned())),
            Options::default(),
        ).unwrap();
        let (request, forbidden) = request(place, &secret, &hidden, &other);
        engine.decide_audited(&request, &log);
        log.close().unwrap();
        let lines = lines.lock().unwrap();
        prop_assert_eq!(lines.len(), 1);
        for f in &forbidden {
            prop_assert!(!lines[0].contains(f.as_str()), "{} in {}", f, lines[0]);
        }
    }
}
