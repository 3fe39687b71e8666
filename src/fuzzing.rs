//! Fuzz target bodies, shared by the cargo-fuzz targets in `fuzz/` and by
//! the test that replays their committed corpora on stable Rust.
//!
//! Each function takes arbitrary bytes and must neither panic nor hang; most
//! also check a property, panicking (which the fuzzer reports) when it does
//! not hold: the same input decides the same way twice, the literal
//! prefilter never changes a command decision, the canonical-URL fast path
//! agrees with the full parse, canonicalization is idempotent. Not part of
//! the API.

// A fuzz target reports a broken property by panicking: that is its whole job.
#![allow(clippy::panic, clippy::expect_used)]

use std::sync::OnceLock;

use crate::egress::{parse_url, url::parse_url_in_full, Destination};
use crate::{Engine, Format, Request};

fn default_engine() -> Option<&'static Engine> {
    static ENGINE: OnceLock<Option<Engine>> = OnceLock::new();
    ENGINE
        .get_or_init(|| Engine::default_policy().ok())
        .as_ref()
}

/// Requests every compiled policy is asked, to reach the decision code.
const PROBES: &[&str] = &[
    r#"{"command": "rm -rf / && curl -X DELETE https://api.example.com/x"}"#,
    r#"{"http": {"method": "POST", "url": "https://api.example.com/graphql", "body": "{\"query\":\"mutation { volumeDelete(id: 1) }\"}"}}"#,
    r#"{"tool": {"name": "mcp__github__delete_repo", "arguments": {"x": 1}}}"#,
];

fn decide_twice(engine: &Engine) {
    for probe in PROBES {
        if let Ok(request) = Request::from_json(probe) {
            let (a, b) = (engine.decide(&request), engine.decide(&request));
            assert_eq!(a, b, "the same request decided twice differently");
        }
    }
}

/// Policy text in `format`: compiles or is refused with diagnostics; a
/// compiled policy decides deterministically.
pub fn policy(data: &[u8], format: Format) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Engine::from_text(text, format) {
        Ok(engine) => decide_twice(&engine),
        Err(e) => assert!(!e.diagnostics().is_empty(), "an error without diagnostics"),
    }
}

/// A command line on the default policy: the prefilter never changes the
/// decision, and deciding twice gives the same decision.
pub fn command(data: &[u8]) {
    let (Ok(line), Some(engine)) = (std::str::from_utf8(data), default_engine()) else {
        return;
    };
    let fast = engine.check_command(line);
    let full = engine.check_command_analyzed(line);
    assert_eq!(
        fast.effect, full.effect,
        "the prefilter changed the decision of {line:?}"
    );
    assert_eq!(
        fast,
        engine.check_command(line),
        "not deterministic: {line:?}"
    );
}

/// A URL: the fast path agrees with the full parse, and canonical facts
/// written back as a URL parse to the same facts.
pub fn url(data: &[u8]) {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = parse_url(raw);
    assert_eq!(
        parsed,
        parse_url_in_full(raw),
        "fast path and full parse differ on {raw:?}"
    );
    let Ok(target) = parsed else {
        return;
    };
    if target.scheme != "http" && target.scheme != "https" {
        return;
    }
    let host = match &target.destination {
        Destination::Name(name) => name.to_string(),
        Destination::Ip(std::net::IpAddr::V6(ip)) => format!("[{ip}]"),
        Destination::Ip(ip) => ip.to_string(),
    };
    let query = target
        .query
        .as_deref()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    let again = format!(
        "{}://{host}:{}{}{query}",
        target.scheme, target.port, target.path
    );
    match parse_url(&again) {
        Ok(second) => {
            assert_eq!(
                second.destination, target.destination,
                "{raw:?} → {again:?}"
            );
            assert_eq!(second.port, target.port, "{raw:?} → {again:?}");
            assert_eq!(second.path, target.path, "{raw:?} → {again:?}");
        }
        Err(e) => panic!("canonical form {again:?} of {raw:?} does not parse: {e}"),
    }
}

/// A request JSON on the default policy: read or refused; a decision's JSON
/// reads back into the same decision.
pub fn request(data: &[u8]) {
    let (Ok(text), Some(engine)) = (std::str::from_utf8(data), default_engine()) else {
        return;
    };
    let Ok(request) = Request::from_json(text) else {
        return;
    };
    let decision = engine.decide(&request);
    let back: crate::Decision =
        serde_json::from_str(&decision.to_json()).expect("a decision's JSON reads back");
    assert_eq!(back.effect, decision.effect);
    assert_eq!(decision, engine.decide(&request), "not deterministic");
}

/// A GraphQL document: read into operations or refused, within bounds.
pub fn graphql(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::egress::graphql::operations(text);
    }
}
