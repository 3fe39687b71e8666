//! The identity of an action, for approvals bound to exactly that action.
//!
//! An approved `ask` must cover the same action again and nothing else: a
//! changed argument is a new action. So an action is keyed by the SHA-256
//! of its canonical form — a command line by the normalized argv of every
//! simple command it runs (`rm -rf x` and `rm -r -f x` are one action;
//! `rm -rf y` is another), an HTTP request by its canonical method, URL and
//! the hash of its body, a tool call by its name, server and arguments as
//! canonical JSON (keys sorted, at most [`MAX_DEPTH`] deep), a named action
//! by its name and the principal's claimed environment. Its approval *code*
//! is the first 40 bits of that hash in a 32-letter alphabet without
//! look-alikes (`0`/`o`, `1`/`l`): eight characters a person can type.
//! Cost: one analysis of a command (the engine's own is not reused: keys
//! are made only for `ask`s and approvals) and one hash.

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
        if analysis.commands.is_empty() {
            h.update(line.trim().as_bytes());
        }
        for command in &analysis.commands {
            let program = command.program.as_deref().unwrap_or("");
            h.update(command.path.as_deref().unwrap_or(program).as_bytes());
            h.update([0x1f]);
            // Flags as split (`-rf` is `-r -f`): a short cluster whose every
            // letter is listed on its own is left out (`-name` is not one).
            let split = |f: &&compact_str::CompactString| {
                let Some(letters) = f
                    .strip_prefix('-')
                    .filter(|l| l.len() > 1 && !l.starts_with('-'))
                else {
                    return true;
                };
                !letters.chars().all(|c| {
                    command.flags.iter().any(|g| {
                        g.strip_prefix('-')
                            .is_some_and(|x| x.len() == c.len_utf8() && x.starts_with(c))
                    })
                })
            };
            for flag in command.flags.iter().filter(split) {
                h.update(flag.as_bytes());
                h.update([0x1f]);
            }
            h.update([0x1c]);
            for word in &command.positionals {
                h.update(word.text.as_bytes());
                h.update([0x1f]);
            }
            for r in &command.redirects {
                h.update(r.target.text.as_bytes());
                h.update([0x1d]);
            }
            h.update([0x1e]);
        }
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
            ActionKey::of(&Request::command("rm  -r -f build"))
        );
        assert_ne!(
            ActionKey::of(&a),
            ActionKey::of(&Request::command("rm -rf dist"))
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
