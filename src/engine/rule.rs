//! A rule as decisions see it: its id, effect, shadow flag, reason and source.
//!
//! Every matcher answers with a rule's global index (its tag); a decision
//! reads the rest here. Ids and reasons are `Arc<str>` shared with every
//! decision that names them, so naming a rule copies nothing. This is the
//! one thing the compiler and the RBAC compiler both build on, kept apart so
//! that neither imports the other's module.

use std::sync::Arc;

use crate::effect::Effect;

/// A rule, as decisions see it.
#[derive(Debug)]
pub(crate) struct CompiledRule {
    pub(crate) id: Arc<str>,
    pub(crate) effect: Effect,
    pub(crate) shadow: bool,
    /// The rule's reason, or a generated one naming the rule.
    pub(crate) reason: Arc<str>,
    /// The base or part it came from, when not the policy's own.
    pub(crate) source: Option<Arc<str>>,
}
