//! What Portcullis answers: the effect, the rule that decided it, why, and
//! every rule that matched.
//!
//! A decision is self-explaining: an auditor reading its JSON learns what was
//! decided, by which rule, and which other rules (shadow rules included)
//! also matched. Rule ids and reasons are shared with the engine (`Arc<str>`),
//! so building a decision does not copy them.

use std::sync::Arc;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::effect::Effect;

/// The kind of action a decision is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Kind {
    /// A shell command.
    Command,
    /// An HTTP request or URL.
    Http,
    /// A tool call.
    Tool,
    /// A named action (`db.read`) asked of the permissions directly.
    Action,
}

impl Kind {
    /// The lowercase name used in decisions.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Command => "command",
            Kind::Http => "http",
            Kind::Tool => "tool",
            Kind::Action => "action",
        }
    }
}

/// A rule that matched the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Matched {
    /// The rule's id.
    pub rule: Arc<str>,
    /// The rule's effect.
    pub effect: Effect,
    /// True for a shadow rule: reported, never enforced.
    pub shadow: bool,
}

/// The answer to a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Decision {
    /// The request's id, echoed (null when the request had none).
    pub id: Option<Value>,
    /// What to do.
    pub effect: Effect,
    /// The id of the deciding rule; `None` when the default for the kind decided
    /// or the request could not be analyzed.
    pub rule: Option<Arc<str>>,
    /// Where the deciding rule comes from when it is not the policy's own: a
    /// built-in part (`packs/git`) or a base file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Arc<str>>,
    /// Why, for a person.
    pub reason: Arc<str>,
    /// Every rule that matched, enforced or shadow, in policy order.
    pub matched: Vec<Matched>,
    /// What kind of action was decided.
    pub kind: Kind,
    /// For commands: the simple command that decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<CommandDetail>,
    /// For HTTP requests (and HTTP requests made by commands): the canonical
    /// facts the decision was made on, not what was typed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canonical: Option<Canonical>,
    /// Who asked, with the roles the decision was evaluated with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<PrincipalFacts>,
    /// The environment the request was evaluated in: derived from what it
    /// touches, else the one the principal claimed. The first of
    /// `environments` when it touches several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Arc<str>>,
    /// Every environment the request touches, when more than one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub environments: Vec<Arc<str>>,
    /// For tool calls: the argument that decided, and what it was read as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub argument: Option<ArgumentFacts>,
    /// What a coding agent's hook answered on this decision; set by the
    /// hook ([`crate::hook::settle`]), absent everywhere else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hook: Option<HookAnswer>,
    /// For a decision made in a session (`Engine::decide_in`): the session,
    /// the step, and the facts of it the decision consulted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<Box<SessionFacts>>,
}

/// What a decision made in a session took from it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SessionFacts {
    /// The session's id.
    pub id: String,
    /// The decision's step in the session (from 1).
    pub step: u64,
    /// Each fact that made the decision stricter, described ("`.env` was
    /// read at step 4 of this session").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub facts: Vec<String>,
    /// The approval code of an `ask` (`portcullis approve <code>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The approval code of the earlier `ask` whose approval allowed this
    /// decision, when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved: Option<String>,
}

/// What a coding agent's hook made of a decision: a guard must not grant
/// what it was only unable to fault. Ordered by severity (`Grant` least).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum HookAnswer {
    /// The call is granted: the agent skips its own permission prompt. Only
    /// for an explicit allow rule, and only when the policy's `hooks.grant`
    /// (or `--grant`) opts in.
    Grant,
    /// No opinion: the agent's own permission flow decides, as if no hook
    /// ran. Every `allow` by a kind's default, and an explicit `allow`
    /// without the opt-in; an `ask` nobody can answer when the policy's
    /// `hooks.unattended_ask` is `pass`.
    PassThrough,
    /// The agent asks the user.
    Ask,
    /// The call is blocked: a `deny`, or an `ask` where nobody can be asked
    /// (unless `hooks.unattended_ask` is `pass`).
    Deny,
}

impl HookAnswer {
    /// The name in decisions and audit records (`pass-through`).
    pub fn as_str(self) -> &'static str {
        match self {
            HookAnswer::Grant => "grant",
            HookAnswer::PassThrough => "pass-through",
            HookAnswer::Ask => "ask",
            HookAnswer::Deny => "deny",
        }
    }
}

/// The tool-call argument a decision was made on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ArgumentFacts {
    /// Its JSON pointer in the arguments (`/query`).
    pub pointer: String,
    /// What it was read as: `shell`, `url`, `sql` or `path`.
    pub class: String,
}

/// The principal a decision was made for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PrincipalFacts {
    /// The principal's id.
    pub id: String,
    /// Every role it held, after bindings and inheritance (roles the policy
    /// does not define are left out).
    pub roles: Vec<Arc<str>>,
    /// The agent session, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
}

/// The canonical facts of an HTTP request. Short strings are stored inline
/// (`CompactString`), so reporting them rarely allocates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Canonical {
    /// Uppercase method.
    pub method: CompactString,
    /// Lowercase scheme.
    pub scheme: CompactString,
    /// Canonical host name (lowercase, IDNA, no trailing dot), for a name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<CompactString>,
    /// Canonical IP address, for an address (IPv4-mapped IPv6 as IPv4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// The IPv4 address an IPv4-compatible or NAT64 address reaches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carried_ipv4: Option<String>,
    /// Effective port.
    pub port: u16,
    /// Normalized path.
    pub path: CompactString,
}

/// The simple command a command decision was made on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CommandDetail {
    /// Its text in the original command line.
    pub text: String,
    /// Its byte span in the original command line.
    pub span: [usize; 2],
    /// Its normalized argv.
    pub argv: Vec<String>,
    /// Wrappers and contexts it was found behind (`sudo`, `bash -c`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub via: Vec<String>,
}

impl Decision {
    /// A decision of `kind` with `effect` and `reason`, no rule and nothing
    /// matched; the other fields are filled in by whoever knows them.
    pub fn new(kind: Kind, effect: Effect, reason: Arc<str>) -> Self {
        Decision {
            id: None,
            effect,
            rule: None,
            source: None,
            reason,
            matched: Vec::new(),
            kind,
            command: None,
            canonical: None,
            principal: None,
            environment: None,
            environments: Vec::new(),
            argument: None,
            hook: None,
            session: None,
        }
    }

    /// The decision's JSON form, one line.
    pub fn to_json(&self) -> String {
        // Serializing this type cannot fail: every map key is a string.
        serde_json::to_string(self).unwrap_or_else(|_| {
            format!(
                r#"{{"effect":"deny","error":"decision could not be serialized","kind":"{}"}}"#,
                self.kind.as_str()
            )
        })
    }

    /// True when the effect is `allow`.
    pub fn is_allowed(&self) -> bool {
        self.effect == Effect::Allow
    }
}
