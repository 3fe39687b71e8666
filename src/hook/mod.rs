//! Coding-agent hook protocols: an agent's pre-tool hook payload in,
//! Portcullis requests out; decisions in, the agent's answer out.
//!
//! Claude Code, Codex CLI, Gemini CLI, GitHub Copilot CLI, Cursor, Cline,
//! Windsurf and OpenCode (through the plugin `portcullis init` installs)
//! run a hook program before a tool call with JSON on stdin. [`requests`]
//! reads the payload where the agent's row of `agents.toml` says its event,
//! tool, input and session are, and maps the input to requests by tool name
//! ([`mapping`]). [`settle`] turns the decisions into what the hook does —
//! the part that makes a guard a guard and not a grant: an `allow` because
//! nothing matched gets no opinion (the agent's own permission flow stays
//! in charge); an explicit allow grants only when the policy's
//! `hooks.grant` (or `--grant`) opts in; an `ask` asks where the agent can
//! ask, and elsewhere (unattended runs, agents without ask) is denied or,
//! when `hooks.unattended_ask` is `pass`, passed through. [`answer()`]
//! renders that in the agent's protocol. A post-tool event (`PostToolUse`,
//! `AfterTool`, …: the row's `post_events`) is read the same way, marked
//! [`Payload::ran`] with the tool's output: it is decided on by no one and
//! feeds the agent's session (`Engine::ran_in`). Bad input is an error, which the
//! command line answers with exit status 2, the block status every agent
//! here honours. It knows nothing of policies. Cost: one JSON parse of the
//! payload; the table is parsed once per process.

mod answer;
mod mapping;
mod settle;
mod table;

use serde_json::Value;

use crate::decision::Decision;
use crate::request::{Principal, Request};

pub use answer::{answer, Answer, BLOCK_STATUS};
pub use settle::{hook_answer, settle, Hooks, Settings, UnattendedAsk};
#[cfg(test)]
pub(crate) use table::load;

/// Largest hook payload read (1 MiB, as for requests).
pub const MAX_PAYLOAD_BYTES: usize = crate::request::MAX_REQUEST_BYTES;

/// A coding agent whose hook protocol Portcullis speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Agent {
    /// Claude Code (`PreToolUse`).
    Claude,
    /// OpenAI Codex CLI (`PreToolUse`, deny only).
    Codex,
    /// Gemini CLI (`BeforeTool`).
    Gemini,
    /// GitHub Copilot CLI (`preToolUse`).
    Copilot,
    /// Cursor (`beforeShellExecution`, `beforeMCPExecution`,
    /// `beforeReadFile`, `preToolUse`).
    Cursor,
    /// Cline (a `PreToolUse` hook script).
    Cline,
    /// Windsurf's Cascade (`pre_run_command`, `pre_read_code`,
    /// `pre_write_code`, `pre_mcp_tool_use`).
    Windsurf,
    /// OpenCode (its `tool.execute.before` plugin hook).
    OpenCode,
}

impl Agent {
    /// Every agent, in the order the README lists them.
    pub const ALL: [Agent; 8] = [
        Agent::Claude,
        Agent::Codex,
        Agent::Gemini,
        Agent::Copilot,
        Agent::Cursor,
        Agent::Cline,
        Agent::Windsurf,
        Agent::OpenCode,
    ];

    /// The agent by its command-line name (`claude`, `codex`, …).
    pub fn from_name(name: &str) -> Option<Agent> {
        Agent::ALL.into_iter().find(|a| a.as_str() == name)
    }

    /// The command-line name.
    pub fn as_str(self) -> &'static str {
        match self {
            Agent::Claude => "claude",
            Agent::Codex => "codex",
            Agent::Gemini => "gemini",
            Agent::Copilot => "copilot",
            Agent::Cursor => "cursor",
            Agent::Cline => "cline",
            Agent::Windsurf => "windsurf",
            Agent::OpenCode => "opencode",
        }
    }

    fn row(self) -> Result<&'static table::AgentRow, HookError> {
        table::table().get(self.as_str()).ok_or_else(|| {
            HookError::Missing(format!("a row for `{}` in agents.toml", self.as_str()))
        })
    }

    /// The principal id requests from this agent carry.
    pub fn principal_id(self) -> &'static str {
        self.row().map_or("", |r| r.principal.as_str())
    }

    /// The hook events that precede a tool call.
    pub fn pre_tool_events(self) -> &'static [String] {
        self.row().map_or(&[], |r| r.events.as_slice())
    }

    /// Whether the agent can ask its user when answering `event`.
    pub fn can_ask(self, event: &str) -> bool {
        self.row().is_ok_and(|r| r.ask.iter().any(|e| e == event))
    }
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
    /// The hook event (`PreToolUse`, `BeforeTool`, `beforeShellExecution`, …).
    pub event: String,
    /// The tool's name (for per-action events, the event's).
    pub tool: String,
    /// The requests the tool call makes (at least one for a pre- or
    /// post-tool event; none for any other event, which is not decided).
    pub requests: Vec<Request>,
    /// A post-tool event: the call ran (its requests are not decided, they
    /// tell the session what happened).
    pub ran: bool,
    /// For a post-tool event: the tool's output, as text.
    pub output: Option<String>,
    /// A post-tool event of a failed call: it approves nothing.
    pub failed: bool,
}

/// Reads `text`, a hook payload of `agent`, into the requests it makes.
/// `home` is the user's home directory (for `~` in path rules). A payload
/// of an event that does not precede a tool call yields no request.
pub fn requests(agent: Agent, text: &str, home: Option<&str>) -> Result<Payload, HookError> {
    requests_for(agent, text, home, None)
}

/// [`requests`], with `event` as the event of a payload that names none
/// (Copilot's camelCase payloads carry no event name: the hook command
/// says which event it was wired to).
pub fn requests_for(
    agent: Agent,
    text: &str,
    home: Option<&str>,
    event: Option<&str>,
) -> Result<Payload, HookError> {
    if text.len() > MAX_PAYLOAD_BYTES {
        return Err(HookError::Json(format!(
            "{} bytes; the limit is {MAX_PAYLOAD_BYTES}",
            text.len()
        )));
    }
    let row = agent.row()?;
    let value: Value = serde_json::from_str(text).map_err(|e| HookError::Json(e.to_string()))?;
    if !value.is_object() {
        return Err(HookError::Json("expected a JSON object".into()));
    }
    let first = |pointers: &[String]| pointers.iter().find_map(|p| value.pointer(p));
    let named = |pointers: &[String], what: &str| {
        first(pointers)
            .and_then(Value::as_str)
            .ok_or_else(|| HookError::Missing(format!("{what} (at {})", pointers.join(" or "))))
    };
    let event = match (first(&row.event), event, &row.default_event) {
        (None, Some(given), _) => given.to_owned(),
        (None, None, Some(default)) => default.clone(),
        _ => named(&row.event, "event name")?.to_owned(),
    };
    let ran = row.post_events.contains(&event);
    if !row.events.contains(&event) && !ran {
        return Ok(Payload {
            event,
            tool: String::new(),
            requests: Vec::new(),
            ran: false,
            output: None,
            failed: false,
        });
    }
    let output = if ran {
        first(&row.output).map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    } else {
        None
    };
    let tool = named(&row.tool, "tool name")?.to_owned();
    let input = match first(&row.input) {
        // Copilot's `toolArgs` and Cursor's MCP `tool_input` may be JSON in a string.
        Some(Value::String(s)) => serde_json::from_str::<Value>(s)
            .ok()
            .filter(Value::is_object)
            .ok_or_else(|| {
                HookError::Missing(format!(
                    "tool input object (a string that is not a JSON object for `{tool}`)"
                ))
            })?,
        Some(v) if v.is_object() => v.clone(),
        _ => {
            return Err(HookError::Missing(format!(
                "tool input object (at {})",
                row.input.join(" or ")
            )))
        }
    };
    let mut principal = Principal::new(row.principal.clone());
    if let Some(session) = first(&row.session).and_then(Value::as_str) {
        principal = principal.with_session(session);
    }
    if let Some(home) = home {
        principal = principal.with_home(home);
    }
    let mut out = match row.tools.get(&tool) {
        None => vec![Request::tool(tool.clone(), input)],
        Some(m) => mapping::requests(m, &tool, &input)?,
    };
    let cwd = first(&row.cwd).and_then(Value::as_str);
    for r in &mut out {
        r.principal = Some(principal.clone());
        r.cwd = cwd.map(str::to_owned);
    }
    let failed = row.failure_events.contains(&event);
    Ok(Payload {
        event,
        tool,
        requests: out,
        ran,
        output,
        failed,
    })
}

/// The decision a post-tool event is answered with: nothing to say (each
/// agent's pass-through answer).
pub fn ran_decision() -> Decision {
    let mut d = Decision::new(
        crate::Kind::Tool,
        crate::Effect::Allow,
        "the call ran".into(),
    );
    d.hook = Some(crate::HookAnswer::PassThrough);
    d
}

/// The most severe of `decisions` by effect (the first among equals).
pub fn most_severe(decisions: Vec<Decision>) -> Option<Decision> {
    decisions
        .into_iter()
        .reduce(|a, b| if b.effect > a.effect { b } else { a })
}

/// `word` quoted for a POSIX shell when it needs it: an argv quoted back
/// into one line, and the hook command `portcullis init` writes (agents
/// run hook commands through a shell).
pub use crate::command::quote::shell_quote;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_a_row_for_every_agent() {
        for agent in Agent::ALL {
            let row = agent.row().unwrap();
            assert!(!row.events.is_empty(), "{agent:?}");
            assert!(row.ask.iter().all(|e| row.events.contains(e)), "{agent:?}");
            assert!(!agent.principal_id().is_empty());
            assert_eq!(Agent::from_name(agent.as_str()), Some(agent));
        }
    }
}
