//! The session section of a policy, as plain data: which facts a session
//! records and what each kind of fact makes stricter.
//!
//! This is the one definition of the `session` section. The policy model
//! holds it, the policy reader fills it, the writer prints it, composition
//! merges it (lists are the union of every layer's, in order; a setting is
//! the nearest layer's that states it, so every field but the lists is an
//! `Option`: `None` is "not said here"), and the engine compiles it
//! (`engine::session`). It holds validated values (checked globs, known
//! effects) but nothing compiled. An effect of `allow` turns a reaction off.

use serde::{Deserialize, Serialize};

use crate::effect::Effect;

/// The `session` section.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SessionRules {
    /// Path globs whose reading taints the session (`**/.env`, `~/.ssh/**`).
    pub sensitive_paths: Vec<String>,
    /// Exceptions to `sensitive_paths` (`**/.env.example`).
    pub not_sensitive_paths: Vec<String>,
    /// Tool-name globs whose results are untrusted content (web fetches,
    /// browsers, MCP fetch tools). HTTP requests a hook decides (`WebFetch`)
    /// and the GET requests commands make (`curl URL`) are fetches too.
    pub untrusted_tools: Vec<String>,
    /// Tool-name globs of tools that send text out (messages, issues,
    /// comments, mail, gists).
    pub send_tools: Vec<String>,
    /// Path globs that untrusted content must not steer writes to: CI
    /// workflows, agent settings, shell startup files, git hooks.
    pub protected_writes: Vec<String>,
    /// After a sensitive read or a secret: a request to a destination no
    /// rule allows (`ask`).
    pub taint_egress: Option<Effect>,
    /// After a sensitive read or a secret: a tool call that sends text out
    /// (`ask`).
    pub taint_send: Option<Effect>,
    /// After a sensitive read or a secret: a request that carries a secret
    /// out, to any destination (`deny`).
    pub taint_secret: Option<Effect>,
    /// After untrusted content: a write to `protected_writes` (`ask`).
    pub untrusted_write: Option<Effect>,
    /// Executing a file written in the session whose content is unknown
    /// (`ask`); a file whose content was seen is decided by that content.
    pub written_code: Option<Effect>,
    /// More than `rate_limit` destructive actions within
    /// `rate_window_seconds` (`ask`).
    pub rate: Option<Effect>,
    /// Destructive actions allowed within the window before `rate` applies.
    pub rate_limit: Option<u32>,
    /// The window of `rate`, in seconds.
    pub rate_window_seconds: Option<u64>,
    /// How long an approved `ask` stays approved, in seconds.
    pub approval_ttl_seconds: Option<u64>,
    /// Inactivity after which a session starts afresh, in seconds.
    pub expire_after_seconds: Option<u64>,
    /// Most facts a session keeps; older ones are dropped, and a session
    /// that dropped facts is treated as tainted.
    pub max_facts: Option<u32>,
}

/// Fallbacks for settings no layer states.
pub mod fallback {
    use crate::effect::Effect;

    /// `taint_egress`.
    pub const TAINT_EGRESS: Effect = Effect::Ask;
    /// `taint_send`.
    pub const TAINT_SEND: Effect = Effect::Ask;
    /// `taint_secret`.
    pub const TAINT_SECRET: Effect = Effect::Deny;
    /// `untrusted_write`.
    pub const UNTRUSTED_WRITE: Effect = Effect::Ask;
    /// `written_code`.
    pub const WRITTEN_CODE: Effect = Effect::Ask;
    /// `rate`.
    pub const RATE: Effect = Effect::Ask;
    /// `rate_limit`.
    pub const RATE_LIMIT: u32 = 20;
    /// `rate_window_seconds`.
    pub const RATE_WINDOW_SECONDS: u64 = 300;
    /// `approval_ttl_seconds`.
    pub const APPROVAL_TTL_SECONDS: u64 = 3600;
    /// `expire_after_seconds`.
    pub const EXPIRE_AFTER_SECONDS: u64 = 12 * 3600;
    /// `max_facts`.
    pub const MAX_FACTS: u32 = 512;
}

/// Largest `max_facts` a policy may set.
pub const MAX_FACTS_LIMIT: u32 = 1 << 16;

impl SessionRules {
    /// `layer` over `self`: the union of the lists, and `layer`'s settings
    /// where it states them.
    pub fn merge(&mut self, layer: SessionRules) {
        fn union(into: &mut Vec<String>, from: Vec<String>) {
            for item in from {
                if !into.contains(&item) {
                    into.push(item);
                }
            }
        }
        union(&mut self.sensitive_paths, layer.sensitive_paths);
        union(&mut self.not_sensitive_paths, layer.not_sensitive_paths);
        union(&mut self.untrusted_tools, layer.untrusted_tools);
        union(&mut self.send_tools, layer.send_tools);
        union(&mut self.protected_writes, layer.protected_writes);
        macro_rules! over {
            ($($field:ident),*) => {$(
                if layer.$field.is_some() {
                    self.$field = layer.$field;
                }
            )*};
        }
        over!(
            taint_egress,
            taint_send,
            taint_secret,
            untrusted_write,
            written_code,
            rate,
            rate_limit,
            rate_window_seconds,
            approval_ttl_seconds,
            expire_after_seconds,
            max_facts
        );
    }

    /// True when the section says nothing (a policy without sessions).
    pub fn is_empty(&self) -> bool {
        *self == SessionRules::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_layer_adds_to_the_lists_and_overrides_what_it_states() {
        let mut base = SessionRules {
            sensitive_paths: vec!["**/.env".into()],
            taint_egress: Some(Effect::Ask),
            rate_limit: Some(5),
            ..SessionRules::default()
        };
        base.merge(SessionRules {
            sensitive_paths: vec!["**/.env".into(), "~/.ssh/**".into()],
            taint_egress: Some(Effect::Deny),
            ..SessionRules::default()
        });
        assert_eq!(base.sensitive_paths, ["**/.env", "~/.ssh/**"]);
        assert_eq!(base.taint_egress, Some(Effect::Deny));
        assert_eq!(
            base.rate_limit,
            Some(5),
            "a setting the layer does not state stays"
        );
    }
}
