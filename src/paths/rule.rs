//! The access rule: what a path rule asks of a path a command or a tool call
//! touches, as plain data.
//!
//! This is the one definition of a path rule's matching fields. The policy
//! model holds it (`policy::PathRule` is its id, effect and reason around one
//! of these), the policy reader fills it, the policy writer prints it, and
//! [`PathMatcherBuilder::rule`](super::PathMatcherBuilder::rule) compiles it;
//! a new field is written there and nowhere else. It holds validated values
//! (known accesses, checked globs) but nothing compiled: building it costs
//! the strings it holds.

use super::Access;

/// A path rule's matching fields: a touched path matches when it is touched
/// with one of `kinds`, matches one of `paths` and none of `not_paths`.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct AccessRule {
    /// How the path is touched: `read`, `write`, `delete` (empty: all).
    pub kinds: Vec<Access>,
    /// Path globs (`**/.ssh/id_*`, `~/.aws/credentials`).
    pub paths: Vec<String>,
    /// Exceptions (`**/.env.example`).
    pub not_paths: Vec<String>,
}
