//! Decision records: what one line of the audit trail says.
//!
//! A record is built from an [`Entry`] — the request, its decision, the
//! engine that decided and when — on the audit writer's thread, never on
//! the decision path. It is one JSON object: the decision's fields at the top
//! level (`effect`, `rule`, `reason`, `matched`, `principal`, facts), the
//! request as received, the policy's name and hash and the engine version.
//! Everything that could carry a credential is redacted first: every string
//! goes through the secret detectors, the values of credential headers and
//! credential-named JSON keys (`redaction.toml`) are replaced whole, and a
//! URL's userinfo password is removed. Cost: one walk over the request and
//! the decision, one secret scan per string (the prefilter path for clean
//! text), one JSON serialization.

use std::borrow::Cow;
use std::sync::OnceLock;
use std::time::SystemTime;

use serde_json::{Map, Value};

use crate::decision::Decision;
use crate::request::Request;
use crate::Engine;

/// Schema version of a record (`"v"`).
pub const RECORD_VERSION: u64 = 1;

/// What replaces a credential whose kind is known only by where it sits.
const REDACTED: &str = "[REDACTED credential]";

/// One decision to record.
#[derive(Debug, Clone)]
pub struct Entry {
    /// When it was decided.
    pub at: SystemTime,
    /// The engine that decided (its policy name and hash go in the record).
    pub engine: Engine,
    /// The request as received.
    pub request: Request,
    /// The decision.
    pub decision: Decision,
}

/// `redaction.toml`: the header names and JSON keys whose values are redacted.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Lists {
    headers: Vec<String>,
    keys: Vec<String>,
}

/// Reads `redaction.toml` (through [`crate::data`]).
pub(crate) fn load() -> Result<Lists, String> {
    crate::data::toml("redaction.toml", include_str!("redaction.toml"))
}

/// The lists, read on first use; empty when the table does not load (the
/// unit test of [`crate::data`] loads it).
fn lists() -> &'static Lists {
    static LISTS: OnceLock<Lists> = OnceLock::new();
    LISTS.get_or_init(|| load().unwrap_or_default())
}

fn listed(list: &[String], name: &str) -> bool {
    list.iter().any(|k| k.eq_ignore_ascii_case(name))
}

/// `text` without secrets and without a URL userinfo password.
pub fn redact_text(text: &str) -> Cow<'_, str> {
    let text = strip_userinfo_password(text);
    match crate::secrets::redact(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(s) => Cow::Owned(s),
    }
}

/// Replaces the password of every `scheme://user:password@host` in `text`.
fn strip_userinfo_password(text: &str) -> Cow<'_, str> {
    if !text.contains("://") || !text.contains('@') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        // The authority ends at the first `/`, `?`, `#` or whitespace.
        let end = tail
            .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace())
            .unwrap_or(tail.len());
        let (authority, after) = tail.split_at(end);
        match authority.rfind('@') {
            Some(userinfo_end) => {
                let (userinfo, host) = authority.split_at(userinfo_end);
                match userinfo.split_once(':') {
                    Some((user, _password)) => {
                        out.push_str(user);
                        out.push_str(":[REDACTED password]");
                    }
                    None => out.push_str(userinfo),
                }
                out.push_str(host);
            }
            None => out.push_str(authority),
        }
        rest = after;
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Redacts every string in `value`; under a credential key (or, with
/// `headers`, a credential header name) the whole value.
pub fn redact_value(value: &mut Value, headers: bool) {
    match value {
        Value::String(s) => {
            if let Cow::Owned(clean) = redact_text(s) {
                *s = clean;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| redact_value(v, false)),
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                let credential =
                    listed(&lists().keys, k) || (headers && listed(&lists().headers, k));
                if credential && !v.is_null() {
                    *v = Value::String(REDACTED.into());
                } else {
                    redact_value(v, k.eq_ignore_ascii_case("headers"));
                }
            }
        }
        _ => {}
    }
}

/// RFC 3339 UTC with milliseconds (`2026-11-26T02:00:00.123Z`).
pub fn timestamp(at: SystemTime) -> String {
    let t = time::OffsetDateTime::from(at);
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.format(&format).unwrap_or_else(|_| "invalid-time".into())
}

/// The record of `entry` without its chain fields (`seq`, `prev`, `hash`).
pub fn body(entry: &Entry) -> Map<String, Value> {
    body_of(entry.at, &entry.engine, &entry.request, &entry.decision)
}

/// The record of `decision` on `request` by `engine` at `at`, without its
/// chain fields (what [`body`] builds, from borrowed parts).
pub fn body_of(
    at: SystemTime,
    engine: &Engine,
    request: &Request,
    decision: &Decision,
) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("v".into(), Value::from(RECORD_VERSION));
    out.insert("ts".into(), Value::String(timestamp(at)));
    if let Ok(Value::Object(decision)) = serde_json::to_value(decision) {
        for (k, mut v) in decision {
            redact_value(&mut v, false);
            out.insert(k, v);
        }
    } else {
        out.insert("effect".into(), Value::String("deny".into()));
        out.insert(
            "error".into(),
            "the decision could not be serialized".into(),
        );
    }
    let mut request = request.to_value();
    redact_value(&mut request, false);
    out.insert("request".into(), request);
    let mut policy = Map::new();
    policy.insert(
        "name".into(),
        engine
            .name()
            .map_or(Value::Null, |n| Value::String(n.to_owned())),
    );
    policy.insert(
        "hash".into(),
        Value::String(engine.policy_hash().to_owned()),
    );
    out.insert("policy".into(), Value::Object(policy));
    out.insert(
        "engine".into(),
        Value::String(concat!("portcullis/", env!("CARGO_PKG_VERSION")).into()),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn userinfo_passwords_are_removed() {
        assert_eq!(
            strip_userinfo_password("curl https://bob:hunter22@db.example/x and ftp://a@b"),
            "curl https://bob:[REDACTED password]@db.example/x and ftp://a@b"
        );
        assert_eq!(strip_userinfo_password("no urls here"), "no urls here");
    }

    #[test]
    fn credential_headers_and_keys_are_replaced_whole() {
        let mut v = json!({
            "http": {"url": "https://a.example/", "headers": {"Authorization": "Basic Ym9iOnNlY3JldA==", "Accept": "*/*"}},
            "tool": {"arguments": {"password": "correct horse", "user": "bob", "nested": [{"api_key": 42}]}}
        });
        redact_value(&mut v, false);
        let text = v.to_string();
        assert!(!text.contains("Ym9iOnNlY3JldA"), "{text}");
        assert!(!text.contains("correct horse"), "{text}");
        assert!(text.contains("*/*") && text.contains("bob"), "{text}");
        assert_eq!(v["tool"]["arguments"]["nested"][0]["api_key"], REDACTED);
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_764_122_400_123);
        assert_eq!(timestamp(t), "2025-11-26T02:00:00.123Z");
    }
}
