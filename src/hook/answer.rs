//! A settled decision in the agent's own words.
//!
//! Each agent reads a different answer: Claude Code a `hookSpecificOutput`
//! with `permissionDecision`, Copilot CLI the same field at the top level,
//! Gemini and OpenCode's plugin a `decision`, Cursor a `permission` (or, for
//! its generic `preToolUse`, a `decision`), Cline a `cancel`, Windsurf only
//! an exit status. What is said is the [`HookAnswer`] the hook settled on
//! ([`super::settle`]): a pass-through says nothing an agent would read as
//! permission — for every agent here, exit status 0 and no decision — so
//! the agent's own permission flow decides as if no hook ran; a grant
//! says `allow`; an ask asks; a deny blocks with the rule and the reason.
//! An `ask` settled as a deny says that approval is needed, so the agent
//! can tell its user. Cost: one small JSON document.

use serde_json::json;

use super::Agent;
use crate::decision::{Decision, HookAnswer};
use crate::effect::Effect;

/// What the hook program prints and how it exits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// Standard output (JSON), if any.
    pub stdout: Option<String>,
    /// Standard error (the reason, for protocols that read it), if any.
    pub stderr: Option<String>,
    /// Exit status.
    pub status: u8,
}

/// Exit status that blocks a tool call in every protocol here.
pub const BLOCK_STATUS: u8 = 2;

impl Answer {
    fn out(value: serde_json::Value) -> Answer {
        Answer {
            stdout: Some(value.to_string()),
            stderr: None,
            status: 0,
        }
    }

    /// Exit 0, nothing said: the agent's own flow decides.
    pub fn silent() -> Answer {
        Answer {
            stdout: None,
            stderr: None,
            status: 0,
        }
    }
}

/// `decision` as `agent`'s answer to `event`, as settled (its `hook`; a
/// decision not settled is settled with the default settings).
pub fn answer(agent: Agent, event: &str, decision: &Decision) -> Answer {
    let settled = decision
        .hook
        .unwrap_or_else(|| super::hook_answer(agent, event, decision, super::Settings::default()));
    let rule = decision
        .rule
        .as_deref()
        .map(|r| format!(" (Portcullis rule `{r}`)"))
        .unwrap_or_default();
    let reason = if settled == HookAnswer::Deny && decision.effect == Effect::Ask {
        format!(
            "Portcullis requires approval for this and nobody can be asked here: {}{rule}. Ask the user to run it or to allow it in the policy.",
            decision.reason
        )
    } else {
        format!("{}{rule}", decision.reason)
    };
    let word = match settled {
        // Codex reads a bare `allow` as an unsupported answer: it cannot grant.
        HookAnswer::Grant if agent == Agent::Codex => return pass_through(agent),
        HookAnswer::Grant => "allow",
        HookAnswer::Ask => "ask",
        HookAnswer::Deny => "deny",
        HookAnswer::PassThrough => return pass_through(agent),
    };
    match agent {
        Agent::Claude | Agent::Codex => Answer::out(json!({"hookSpecificOutput": {
            "hookEventName": event,
            "permissionDecision": word,
            "permissionDecisionReason": reason,
        }})),
        Agent::Copilot => Answer::out(json!({
            "permissionDecision": word,
            "permissionDecisionReason": reason,
        })),
        Agent::Gemini | Agent::OpenCode => Answer::out(json!({"decision": word, "reason": reason})),
        Agent::Cursor if event == "preToolUse" => {
            Answer::out(json!({"decision": word, "reason": reason}))
        }
        Agent::Cursor if event == "beforeReadFile" => Answer::out(json!({"permission": word})),
        Agent::Cursor => Answer::out(json!({
            "permission": word,
            "user_message": reason,
            "agent_message": reason,
        })),
        // Cline has no per-call answer: `cancel` stops the task, which is
        // what a denial of a tool call must do there.
        Agent::Cline if settled == HookAnswer::Deny => {
            Answer::out(json!({"cancel": true, "errorMessage": reason}))
        }
        Agent::Cline => Answer::out(json!({"cancel": false})),
        Agent::Windsurf if settled == HookAnswer::Deny => Answer {
            stdout: None,
            stderr: Some(format!("portcullis: {reason}")),
            status: BLOCK_STATUS,
        },
        Agent::Windsurf => Answer::silent(),
    }
}

/// No opinion, in each protocol: exit 0 without a decision.
fn pass_through(agent: Agent) -> Answer {
    match agent {
        // Cline reads an answer on every call; not cancelling is no opinion.
        Agent::Cline => Answer::out(json!({"cancel": false})),
        _ => Answer::silent(),
    }
}
