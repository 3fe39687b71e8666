//! The identity of an action, for approvals bound to exactly that action.
//!
//! An approved `ask` must cover the same action again and nothing else: a
//! changed argument is a new action. So an action is keyed by the SHA-256
//! of its canonical form — a command line by its text without whitespace
//! and the normalized argv, redirections, here-document and wrappers of
//! every simple command it runs (`rm -rf y` is another action than `rm -rf
//! x`, and so is `sudo rm -rf x`, `X=1 rm -rf x`, `rm -r -f x`), an HTTP
//! request by its canonical method, URL, headers and the hash of its body, a
//! tool call by its name, server and arguments as canonical JSON (keys
//! sorted, at most [`MAX_DEPTH`] deep), a named action by its name, the
//! principal, its roles and its claimed environment. (The content of a
//! script a command runs is not in the key: the engine adds the session's
//! record of that file's last write.) Its approval *code*
//! is the first 40 bits of that hash in a 32-letter alphabet without
//! look-alikes (`0`/`o`, `1`/`l`): eight characters a person can type.
//! Cost: one hash over the request (a command's analysis is the engine's
//! own when it has one); keys are made only for `ask`s and approvals.

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::command::Analysis;
use crate::egress::url::parse_url;
use crate::request::{Action, Request};

/// Deepest JSON nesting written into a tool call's key; deeper values are
/// keyed by their text.
pub const MAX_DEPTH: usize = 32;

const ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";

/// An action's key: the SHA-256 of its canonical form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ActionKey(pub [u8; 32]);

impl ActionKey {
    /// The key of `request`'s action.
    pub fn of(request: &Request) -> ActionKey {
        let mut h = Sha256::new();
        match &request.action {
            Action::Command(line) => {
                return ActionKey::of_analysis(&crate::command::analyze(line), line);
            }
            Action::Http(http) => {
                h.update(b"http\0");
                let method = http.method.as_deref().unwrap_or("GET").to_ascii_uppercase();
                h.update(method.as_bytes());
                h.update([0]);
                // Headers too (names folded; the map is sorted): a changed
                // credential or target header is another request.
                for (name, value) in &http.headers {
                    h.update(name.to_ascii_lowercase().as_bytes());
                    h.update([b':']);
                    h.update(value.as_bytes());
                    h.update([0]);
                }
                match parse_url(&http.url) {
                    Ok(t) => {
                        let query = t.query.as_deref().unwrap_or("");
                        let canonical = format!(
                            "{}://{}:{}{}?{query}",
                            t.scheme, t.destination, t.port, t.path
                        );
                        h.update(canonical.as_bytes());
                    }
                    Err(_) => h.update(http.url.as_bytes()),
                }
                h.update([0]);
                h.update(sha256(http.body.as_deref().unwrap_or("").as_bytes()));
            }
            Action::Tool(call) => {
                h.update(b"tool\0");
                h.update(call.name.as_bytes());
                h.update([0]);
                h.update(call.server.as_deref().unwrap_or("").as_bytes());
                h.update([0]);
                let mut text = String::new();
                canonical_json(&call.arguments, 0, &mut text);
                h.update(text.as_bytes());
            }
            Action::Named(name) => {
                h.update(b"action\0");
                h.update(name.as_bytes());
                h.update([0]);
                let env = request
                    .principal
                    .as_ref()
                    .and_then(|p| p.environment.as_deref());
                h.update(env.unwrap_or("").as_bytes());
                // Who asks, with the roles claimed.
                if let Some(p) = &request.principal {
                    h.update([0]);
                    h.update(p.id.as_bytes());
                    for role in &p.roles {
                        h.update([0]);
                        h.update(role.as_bytes());
                    }
                }
            }
        }
        ActionKey(h.finalize().into())
    }

    /// The key of command line `line` from its shell analysis: the
    /// normalized argv and redirection targets of every simple command
    /// (the trimmed line when it has none).
    pub fn of_analysis(analysis: &Analysis, line: &str) -> ActionKey {
        let mut h = Sha256::new();
        h.update(b"command\0");
        // The line itself, whitespace aside: what the analysis leaves out
        // (variable assignments, operators, quoting) still tells two
        // actions apart; two spellings differing only in spacing are one.
        for b in line.bytes().filter(|b| !b.is_ascii_whitespace()) {
            h.update([b]);
        }
        h.update([0]);
        // And its analysis, for where the words begin and end: every simple
        // command's program as written, argv in order, redirections with
        // their descriptor and operation, the here-document it is fed, and
        // the wrappers it was found behind.
        let mut field = |bytes: &[u8]| {
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(bytes);
        };
        for command in &analysis.commands {
            let program = command.program.as_deref().unwrap_or("");
            field(command.path.as_deref().unwrap_or(program).as_bytes());
            for word in &command.argv {
                field(word.text.as_bytes());
            }
            for r in &command.redirects {
                field(format!("{:?}{:?}", r.fd, r.op).as_bytes());
                field(r.target.text.as_bytes());
            }
            field(command.input.as_deref().unwrap_or("").as_bytes());
            for via in &command.via {
                field(via.as_bytes());
            }
            field(b"\x1e");
        }
        ActionKey(h.finalize().into())
    }

    /// This key with `extra` mixed in (what else the action depends on:
    /// the recorded write of a script it runs).
    pub fn mixed(&self, extra: &[u8]) -> ActionKey {
        let mut h = Sha256::new();
        h.update(self.0);
        h.update(extra);
        ActionKey(h.finalize().into())
    }

    /// The key as hex.
    pub fn hex(&self) -> String {
        hex(&self.0)
    }

    /// The approval code: eight characters of the key.
    pub fn code(&self) -> String {
        let mut bits: u64 = 0;
        for b in self.0.iter().take(5) {
            bits = (bits << 8) | u64::from(*b);
        }
        (0..8)
            .rev()
            .map(|i| {
                let at = ((bits >> (i * 5)) & 31) as usize;
                ALPHABET.get(at).map_or('a', |c| char::from(*c))
            })
            .collect()
    }
}

/// `value` as JSON with object keys sorted, into `out`.
fn canonical_json(value: &Value, depth: usize, out: &mut String) {
    match value {
        Value::Object(map) if depth < MAX_DEPTH => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                if let Some(v) = map.get(k) {
                    canonical_json(v, depth + 1, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) if depth < MAX_DEPTH => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical_json(v, depth + 1, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// The SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// `bytes` as lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Request;
    use serde_json::json;

    fn code(r: &Request) -> String {
        ActionKey::of(r).code()
    }

    #[test]
    fn one_action_one_key_and_a_changed_argument_another() {
        let a = Request::command("rm -rf build");
        assert_eq!(
            ActionKey::of(&a),
            ActionKey::of(&Request::command(" rm  -rf build "))
        );
        for other in [
            "rm -rf dist",
            "rm -r -f build",
            "sudo rm -rf build",
            "X=1 rm -rf build",
            "rm -rf build; ls",
            "rm -rf 'build x'",
        ] {
            assert_ne!(
                ActionKey::of(&a),
                ActionKey::of(&Request::command(other)),
                "{other}"
            );
        }
        let kube = Request::command("kubectl delete pod -n staging web-1");
        assert_ne!(
            ActionKey::of(&kube),
            ActionKey::of(&Request::command("kubectl delete pod staging -n web-1"))
        );
        let sql = |body: &str| Request::command(format!("psql db <<EOF\n{body}\nEOF"));
        assert_ne!(
            ActionKey::of(&sql("UPDATE sessions SET seen=0")),
            ActionKey::of(&sql("UPDATE accounts SET balance=0"))
        );
        assert_ne!(
            ActionKey::of(&Request::command("find . -print")),
            ActionKey::of(&Request::command("find . -delete"))
        );
        assert_ne!(
            ActionKey::of(&Request::command("echo x > a")),
            ActionKey::of(&Request::command("echo x > b"))
        );
        let t1 = Request::tool("t", json!({"a": 1, "b": [1, {"c": 2, "d": 3}]}));
        let t2 = Request::tool("t", json!({"b": [1, {"d": 3, "c": 2}], "a": 1}));
        assert_eq!(ActionKey::of(&t1), ActionKey::of(&t2));
        assert_ne!(
            ActionKey::of(&t1),
            ActionKey::of(&Request::tool("t", json!({"a": 2})))
        );
        let h1 = Request::http("get", "https://EXAMPLE.com:443/x");
        assert_eq!(
            ActionKey::of(&h1),
            ActionKey::of(&Request::http("GET", "https://example.com/x"))
        );
        assert_ne!(
            ActionKey::of(&h1),
            ActionKey::of(&Request::http("POST", "https://example.com/x"))
        );
    }

    #[test]
    fn codes_are_eight_unambiguous_letters() {
        let c = code(&Request::command("git push --force"));
        assert_eq!(c.len(), 8);
        assert!(c.bytes().all(|b| ALPHABET.contains(&b)));
        assert!(!c.contains(['0', '1', 'l', 'o']));
    }

    #[test]
    fn deep_arguments_are_keyed_without_recursing_forever() {
        let mut v = json!(1);
        for _ in 0..200 {
            v = json!([v]);
        }
        let _ = ActionKey::of(&Request::tool("t", v));
    }
}
