//! Path rules on the paths a command or a tool call touches.
//!
//! The analyzers say which paths a request reads, writes or deletes
//! (`paths::access`: a command's arguments and redirections, a file tool's
//! path arguments); here each, made relative to the principal's home
//! directory when it lies there, goes through the compiled path rules for
//! that access. Cost: one pass of the path automaton per path.

use super::combine::{About, Verdict};
use super::compile::Compiled;
use super::rbac::Who;

/// Adds the verdicts of the path rules on `access` to `path` (normalized).
pub(super) fn path_verdicts<'c>(
    compiled: &'c Compiled,
    who: &mut Who<'c>,
    path: &str,
    access: crate::paths::Access,
    about: About,
    verdicts: &mut Vec<Verdict>,
) {
    let rbac = &compiled.rbac;
    let home = who.principal.and_then(|p| p.home.as_deref());
    let path = crate::paths::access::home_relative(path, home);
    compiled.path_rules().for_each_match(&path, access, |tag| {
        let Some(rule) = compiled.rule(tag) else {
            return;
        };
        if !rbac.admits(who, tag, rule.effect) {
            return;
        }
        let mut v = Verdict::rule(tag, rule.effect);
        v.about = about;
        verdicts.push(v);
    });
}
