//! The statement rule: what a SQL rule asks of a classified statement, as
//! plain data.
//!
//! This is the one definition of a SQL rule's matching fields. The policy
//! model holds it (`policy::SqlRule` is its id, effect and reason around one
//! of these), the policy reader fills it, the policy writer prints it, and
//! [`SqlMatcher`](super::matcher::SqlMatcher) compiles it; a new field is
//! written there and nowhere else. It holds validated values (known
//! statement kinds, lowercase names) but nothing compiled: building it costs
//! the strings it holds.

use super::classify::Kind;

/// A SQL rule's matching fields: a statement matches when every field that
/// is set matches.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatementRule {
    /// Statement kinds (`drop`, `truncate`, `delete-all`, …; empty: any).
    pub kinds: Vec<Kind>,
    /// For `drop`: object types (`table`, `database`, …), lowercase; empty: any.
    pub object_types: Vec<String>,
    /// Object name globs (`users`, `prod.*`), compared lowercase; one of the
    /// statement's objects must match one (empty: any).
    pub objects: Vec<String>,
}
