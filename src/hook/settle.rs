//! Settling decisions into what a hook does — the rule that makes a guard
//! a guard and not a grant.
//!
//! An agent that runs a hook before each tool call skips its own permission
//! prompt when the hook says `allow`. So a hook that said `allow` for every
//! call no rule faulted would make the agent more autonomous than before it
//! was guarded. [`hook_answer`]: a `deny` denies; an `ask` asks where the
//! agent can ask and nobody said the run is unattended, and is otherwise
//! denied or, when the policy's `hooks.unattended_ask` is `pass`, passed
//! through; an `allow` by an explicit allow rule grants only when the
//! policy's `hooks.grant` (or `--grant`) opts in, and every other `allow` —
//! above all the kind's default — passes through, leaving the agent's own
//! permission flow in charge. [`settle`] marks each decision of a tool call
//! and picks the one that answers: the most severe answer, so a call is
//! granted only when every request it makes is. [`Hooks`] is the policy's
//! section, held by the policy model. Cost: a comparison per decision.

use serde::{Deserialize, Serialize};

use super::Agent;
use crate::decision::{Decision, HookAnswer};
use crate::effect::Effect;

/// How a coding agent's hook turns a decision into the agent's answer: a
/// guard must not grant what it was only unable to fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Hooks {
    /// An `allow` from an explicit allow rule grants the call, skipping the
    /// agent's own permission prompt; `false` (the default): it passes
    /// through to the agent's permission flow, as an `allow` by the
    /// default always does.
    pub grant: bool,
    /// What an `ask` becomes where the agent cannot ask (an unattended
    /// run, a protocol without ask).
    pub unattended_ask: UnattendedAsk,
}

/// What an `ask` becomes where nobody can be asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum UnattendedAsk {
    /// Deny the call (the default): fail closed.
    #[default]
    Deny,
    /// Pass it through to the agent's own permission flow.
    Pass,
}

impl UnattendedAsk {
    /// The name in the policy format.
    pub fn as_str(self) -> &'static str {
        match self {
            UnattendedAsk::Deny => "deny",
            UnattendedAsk::Pass => "pass",
        }
    }
}

/// How a hook settles decisions into answers: the policy's `hooks`, with
/// what the command line adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Settings {
    /// An explicit allow rule grants (the policy's `hooks.grant`, or `--grant`).
    pub grant: bool,
    /// Nobody is there to answer a question (`--unattended`).
    pub unattended: bool,
    /// What an `ask` becomes where nobody can be asked.
    pub unattended_ask: UnattendedAsk,
}

impl Settings {
    /// The policy's settings.
    pub fn of(hooks: Hooks) -> Settings {
        Settings {
            grant: hooks.grant,
            unattended: false,
            unattended_ask: hooks.unattended_ask,
        }
    }
}

/// What the hook makes of `decision`, answering `event` of `agent`.
pub fn hook_answer(agent: Agent, event: &str, decision: &Decision, s: Settings) -> HookAnswer {
    match decision.effect {
        Effect::Deny => HookAnswer::Deny,
        Effect::Ask if agent.can_ask(event) && !s.unattended => HookAnswer::Ask,
        Effect::Ask => match s.unattended_ask {
            UnattendedAsk::Deny => HookAnswer::Deny,
            UnattendedAsk::Pass => HookAnswer::PassThrough,
        },
        // `rule` is `None` exactly when the kind's default decided.
        // An `ask` the user approved earlier is not asked again, but not
        // granted either: its rule asked, it did not allow.
        Effect::Allow if s.grant && decision.rule.is_some() && !approved(decision) => {
            HookAnswer::Grant
        }
        Effect::Allow => HookAnswer::PassThrough,
    }
}

fn approved(decision: &Decision) -> bool {
    decision
        .session
        .as_ref()
        .is_some_and(|s| s.approved.is_some())
}

/// Marks every decision with what the hook makes of it and returns the one
/// that answers: the most severe answer (a deny over an ask over a
/// pass-through over a grant: a grant needs every request granted), the
/// first among equals. `None` for no decision.
pub fn settle(agent: Agent, event: &str, decisions: &mut [Decision], s: Settings) -> Option<usize> {
    let mut best: Option<(usize, HookAnswer)> = None;
    for (i, d) in decisions.iter_mut().enumerate() {
        let a = hook_answer(agent, event, d, s);
        d.hook = Some(a);
        if best.is_none_or(|(_, b)| a > b) {
            best = Some((i, a));
        }
    }
    best.map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decision(effect: Effect, rule: Option<&str>) -> Decision {
        let mut d = Decision::new(crate::Kind::Command, effect, "why".into());
        d.rule = rule.map(Into::into);
        d
    }

    #[test]
    fn a_guard_grants_only_explicit_allows_and_only_when_told() {
        let s = Settings::default();
        let default_allow = decision(Effect::Allow, None);
        let rule_allow = decision(Effect::Allow, Some("allow-github"));
        let e = "PreToolUse";
        assert_eq!(
            hook_answer(Agent::Claude, e, &default_allow, s),
            HookAnswer::PassThrough
        );
        assert_eq!(
            hook_answer(Agent::Claude, e, &rule_allow, s),
            HookAnswer::PassThrough
        );
        let grant = Settings { grant: true, ..s };
        assert_eq!(
            hook_answer(Agent::Claude, e, &default_allow, grant),
            HookAnswer::PassThrough
        );
        assert_eq!(
            hook_answer(Agent::Claude, e, &rule_allow, grant),
            HookAnswer::Grant
        );
    }

    #[test]
    fn ask_is_asked_only_where_someone_can_answer() {
        let ask = decision(Effect::Ask, Some("r"));
        let s = Settings::default();
        assert_eq!(
            hook_answer(Agent::Claude, "PreToolUse", &ask, s),
            HookAnswer::Ask
        );
        assert_eq!(
            hook_answer(Agent::Codex, "PreToolUse", &ask, s),
            HookAnswer::Deny
        );
        let unattended = Settings {
            unattended: true,
            ..s
        };
        assert_eq!(
            hook_answer(Agent::Claude, "PreToolUse", &ask, unattended),
            HookAnswer::Deny
        );
        let pass = Settings {
            unattended_ask: UnattendedAsk::Pass,
            ..unattended
        };
        assert_eq!(
            hook_answer(Agent::Claude, "PreToolUse", &ask, pass),
            HookAnswer::PassThrough
        );
        assert_eq!(
            hook_answer(Agent::Cursor, "beforeReadFile", &ask, s),
            HookAnswer::Deny
        );
        assert_eq!(
            hook_answer(Agent::Cursor, "beforeShellExecution", &ask, s),
            HookAnswer::Ask
        );
    }

    #[test]
    fn the_most_severe_answer_answers_and_every_decision_is_marked() {
        let s = Settings {
            grant: true,
            ..Settings::default()
        };
        let mut ds = vec![
            decision(Effect::Allow, Some("a")),
            decision(Effect::Allow, None),
            decision(Effect::Allow, Some("b")),
        ];
        assert_eq!(settle(Agent::Claude, "PreToolUse", &mut ds, s), Some(1));
        assert_eq!(ds[0].hook, Some(HookAnswer::Grant));
        assert_eq!(ds[1].hook, Some(HookAnswer::PassThrough));
        ds.push(decision(Effect::Deny, Some("d")));
        assert_eq!(settle(Agent::Claude, "PreToolUse", &mut ds, s), Some(3));
        assert_eq!(settle(Agent::Claude, "PreToolUse", &mut [], s), None);
    }
}
