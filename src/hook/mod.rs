//! Coding-agent hook protocols: an agent's pre-tool hook payload in,
//! Portcullis requests out; a decision in, the agent's answer out.
//!
//! Claude Code (`PreToolUse`), OpenAI Codex CLI (`PreToolUse`, the same
//! wire format) and Gemini CLI (`BeforeTool`) run a hook program before
//! every tool call with JSON on stdin. [`requests`] maps the payload to
//! requests by the agent's tool name (`agents.toml`: shell tools →
//! command, fetch tools → HTTP, `apply_patch` → path writes, everything
//! else → a tool call whose arguments are routed to the analyzers);
//! [`answer`] renders the decision in the agent's protocol. Protocols
//! without `ask` (Codex, Gemini) get a denial that says approval is needed:
//! failing closed, never open. Bad input is an error, which the command
//! line answers with exit status 2, the block status of all three. It knows
//! nothing of policies. Cost: one JSON parse of the payload.

use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::decision::Decision;
use crate::effect::Effect;
use crate::request::{Principal, Request};

/// Largest hook payload read (1 MiB, as for requests).
pub const MAX_PAYLOAD_BYTES: usize = crate::request::MAX_REQUEST_BYTES;

/// A coding agent whose hook protocol Portcullis speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agent {
    /// Claude Code.
    Claude,
    /// OpenAI Codex CLI.
    Codex,
    /// Gemini CLI.
    Gemini,
}

impl Agent {
    /// The agent by its command-line name (`claude`, `codex`, `gemini`).
    pub fn from_name(name: &str) -> Option<Agent> {
        match name {
            "claude" => Some(Agent::Claude),
            "codex" => Some(Agent::Codex),
            "gemini" => Some(Agent::Gemini),
            _ => None,
        }
    }

    /// The command-line name.
    pub fn as_str(self) -> &'static str {
        match self {
            Agent::Claude => "claude",
            Agent::Codex => "codex",
            Agent::Gemini => "gemini",
        }
    }

    /// The principal id requests from this agent carry.
    pub fn principal_id(self) -> &'static str {
        match self {
            Agent::Claude => "claude-code",
            Agent::Codex => "codex",
            Agent::Gemini => "gemini-cli",
        }
    }

    /// The hook event that precedes a tool call.
    pub fn pre_tool_event(self) -> &'static str {
        match self {
            Agent::Claude | Agent::Codex => "PreToolUse",
            Agent::Gemini => "BeforeTool",
        }
    }
}

/// How one tool's input becomes requests.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Mapping {
    kind: MappingKind,
    field: String,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum MappingKind {
    Command,
    Http,
    Urls,
    Patch,
}

pub(crate) type Mappings =
    std::collections::HashMap<String, std::collections::HashMap<String, Mapping>>;

/// Reads `agents.toml` (through [`crate::data`]).
pub(crate) fn load() -> Result<Mappings, String> {
    crate::data::toml("agents.toml", include_str!("agents.toml"))
}

/// The mappings, read on first use; none when the table does not load (the
/// unit test of [`crate::data`] loads it).
fn mappings() -> &'static Mappings {
    static MAPPINGS: OnceLock<Mappings> = OnceLock::new();
    MAPPINGS.get_or_init(|| load().unwrap_or_default())
}

/// Why a payload could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HookError {
    /// Not JSON, or too large.
    #[error("the hook payload is not valid JSON: {0}")]
    Json(String),
    /// A field the protocol requires is missing or of the wrong type.
    #[error("the hook payload has no {0}")]
    Missing(String),
}

/// What the payload says, beyond the requests.
#[derive(Debug, Clone, PartialEq)]
pub struct Payload {
    /// `hook_event_name` (`PreToolUse`, `BeforeTool`, …).
    pub event: String,
    /// `tool_name`.
    pub tool: String,
    /// The requests the tool call makes (at least one for a tool event).
    pub requests: Vec<Request>,
}

/// Reads `text`, a hook payload of `agent`, into the requests it makes.
/// `home` is the user's home directory (for `~` in path rules). A payload
/// of another event than the pre-tool one yields no request.
pub fn requests(agent: Agent, text: &str, home: Option<&str>) -> Result<Payload, HookError> {
    if text.len() > MAX_PAYLOAD_BYTES {
        return Err(HookError::Json(format!(
            "{} bytes; the limit is {MAX_PAYLOAD_BYTES}",
            text.len()
        )));
    }
    let value: Value = serde_json::from_str(text).map_err(|e| HookError::Json(e.to_string()))?;
    let field = |name: &str| value.get(name).and_then(Value::as_str);
    let event = field("hook_event_name")
        .ok_or_else(|| HookError::Missing("`hook_event_name`".into()))?
        .to_owned();
    if event != agent.pre_tool_event() {
        return Ok(Payload {
            event,
            tool: String::new(),
            requests: Vec::new(),
        });
    }
    let tool = field("tool_name")
        .ok_or_else(|| HookError::Missing("`tool_name`".into()))?
        .to_owned();
    let input = value
        .get("tool_input")
        .filter(|v| v.is_object())
        .ok_or_else(|| HookError::Missing("`tool_input` object".into()))?;
    let principal = Principal {
        id: agent.principal_id().into(),
        session: field("session_id").map(str::to_owned),
        home: home.map(str::to_owned),
        ..Principal::default()
    };
    let mapping = mappings().get(agent.as_str()).and_then(|m| m.get(&tool));
    let mut out = match mapping {
        None => vec![Request::tool(tool.clone(), input.clone())],
        Some(m) => {
            let at = input.pointer(&m.field).ok_or_else(|| {
                HookError::Missing(format!("`tool_input{}` for `{tool}`", m.field))
            })?;
            mapped(m.kind, at, &tool, input)?
        }
    };
    for r in &mut out {
        r.principal = Some(principal.clone());
    }
    Ok(Payload {
        event,
        tool,
        requests: out,
    })
}

fn mapped(
    kind: MappingKind,
    at: &Value,
    tool: &str,
    input: &Value,
) -> Result<Vec<Request>, HookError> {
    let text = || {
        at.as_str()
            .ok_or_else(|| HookError::Missing(format!("string input for `{tool}`")))
    };
    Ok(match kind {
        MappingKind::Command => vec![Request::command(command_line(at).ok_or_else(|| {
            HookError::Missing(format!(
                "command (a string or an array of strings) for `{tool}`"
            ))
        })?)],
        MappingKind::Http => vec![Request::http("GET", text()?)],
        MappingKind::Urls => {
            let urls: Vec<Request> = urls_in(text()?).map(|u| Request::http("GET", u)).collect();
            if urls.is_empty() {
                // No URL to check: the call itself is what is decided.
                vec![Request::tool(tool, input.clone())]
            } else {
                urls
            }
        }
        MappingKind::Patch => {
            let files = patch_files(text()?);
            if files.is_empty() {
                vec![Request::tool(tool, input.clone())]
            } else {
                files
                    .into_iter()
                    .map(|(verb, path)| {
                        Request::tool(format!("{verb}_file"), json!({ "path": path }))
                    })
                    .collect()
            }
        }
    })
}

/// A command as one line: a string as is, an argv array quoted back.
fn command_line(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Array(words) => {
            let words: Option<Vec<&str>> = words.iter().map(Value::as_str).collect();
            Some(
                words?
                    .iter()
                    .map(|w| quote(w))
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        }
        _ => None,
    }
}

/// `word` quoted for a POSIX shell when it needs it.
fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b));
    if plain {
        word.to_owned()
    } else {
        crate::command::inline::quote(word)
    }
}

/// Every `http://` or `https://` URL in `text`.
fn urls_in(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | '(' | ')'))
        .filter(|w| {
            let lower = w.get(..8).unwrap_or(w).to_ascii_lowercase();
            lower.starts_with("http://") || lower.starts_with("https://")
        })
        .map(|w| w.trim_end_matches(['.', ',', ';', ':', '!', '?']))
}

/// The files an `apply_patch` body touches: (`write` | `delete`, path).
fn patch_files(patch: &str) -> Vec<(&'static str, &str)> {
    patch
        .lines()
        .filter_map(|line| {
            let line = line.trim_end();
            for (prefix, verb) in [
                ("*** Add File: ", "write"),
                ("*** Update File: ", "write"),
                ("*** Move to: ", "write"),
                ("*** Delete File: ", "delete"),
            ] {
                if let Some(path) = line.strip_prefix(prefix) {
                    return Some((verb, path.trim()));
                }
            }
            None
        })
        .collect()
}

/// The most severe of `decisions` (the first among equals).
pub fn most_severe(decisions: Vec<Decision>) -> Option<Decision> {
    decisions
        .into_iter()
        .reduce(|a, b| if b.effect > a.effect { b } else { a })
}

/// What the hook program prints and how it exits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// Standard output (JSON), if any.
    pub stdout: Option<String>,
    /// Exit status.
    pub status: u8,
}

/// Exit status that blocks a tool call in all three protocols.
pub const BLOCK_STATUS: u8 = 2;

/// `decision` as `agent`'s hook answer.
pub fn answer(agent: Agent, decision: &Decision) -> Answer {
    let rule = decision
        .rule
        .as_deref()
        .map(|r| format!(" (Portcullis rule `{r}`)"))
        .unwrap_or_default();
    let reason = format!("{}{rule}", decision.reason);
    let approval = format!("Portcullis requires approval for this: {reason}. Ask the user to run it or to allow it in the policy.");
    let claude_like = |effect: &str, reason: &str| {
        json!({"hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": effect,
            "permissionDecisionReason": reason,
        }})
        .to_string()
    };
    let stdout = match (agent, decision.effect) {
        (Agent::Claude, e) => Some(claude_like(e.as_str(), &reason)),
        // Codex's PreToolUse acts on `deny` only; saying nothing lets the call proceed.
        (Agent::Codex, Effect::Allow) => None,
        (Agent::Codex, Effect::Deny) => Some(claude_like("deny", &reason)),
        (Agent::Codex, Effect::Ask) => Some(claude_like("deny", &approval)),
        (Agent::Gemini, Effect::Allow) => Some(json!({"decision": "allow"}).to_string()),
        (Agent::Gemini, Effect::Deny) => {
            Some(json!({"decision": "deny", "reason": reason}).to_string())
        }
        (Agent::Gemini, Effect::Ask) => {
            Some(json!({"decision": "deny", "reason": approval}).to_string())
        }
    };
    Answer { stdout, status: 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mapping_table_parses_for_every_agent() {
        for agent in ["claude", "codex", "gemini"] {
            assert!(
                mappings().get(agent).is_some_and(|m| !m.is_empty()),
                "{agent}"
            );
        }
    }

    #[test]
    fn argv_arrays_are_quoted_back_into_one_line() {
        let v = json!(["bash", "-lc", "rm -rf '/tmp/x'"]);
        assert_eq!(
            command_line(&v).unwrap(),
            r"bash -lc 'rm -rf '\''/tmp/x'\'''"
        );
    }

    #[test]
    fn patches_name_their_files() {
        let patch = "*** Begin Patch\n*** Add File: a.txt\n+hi\n*** Update File: .git/config\n*** Move to: b.txt\n*** Delete File: ~/.ssh/id_rsa\n*** End Patch";
        assert_eq!(
            patch_files(patch),
            [
                ("write", "a.txt"),
                ("write", ".git/config"),
                ("write", "b.txt"),
                ("delete", "~/.ssh/id_rsa")
            ]
        );
    }

    #[test]
    fn urls_are_found_in_prose() {
        let got: Vec<&str> =
            urls_in("Summarize https://a.example/x, and (http://169.254.169.254/latest).")
                .collect();
        assert_eq!(
            got,
            ["https://a.example/x", "http://169.254.169.254/latest"]
        );
    }
}
