//! Combining the rules that matched into one decision.
//!
//! Deny beats ask beats allow; shadow rules are listed but never decide; when
//! no enforced rule matched, the policy's default for the kind decides. Among
//! enforced rules of the winning effect, the first in policy order is named
//! as the deciding rule, so the same input always names the same rule. A
//! verdict may carry an effect below its rule's (a command rule that matched
//! only through something unknown is capped at `ask`); the `matched` list
//! shows the effect that applied. Cost: a sort of the (few) verdicts and one
//! small vector for the `matched` list.

use std::sync::Arc;

use super::compile::Compiled;
use crate::decision::{Decision, Kind, Matched};
use crate::effect::Effect;

/// One rule's verdict on a request.
#[derive(Debug, Clone, Copy)]
pub(super) struct Verdict {
    /// Global rule index.
    pub(super) tag: u32,
    /// The effect that applies (the rule's, or less when uncertain).
    pub(super) effect: Effect,
    /// For commands: which simple command of the analysis matched.
    pub(super) command: Option<usize>,
}

/// Builds the decision for `kind`; returns it with the simple command that
/// made the deciding verdict, if any.
pub(super) fn combine(
    compiled: &Compiled,
    kind: Kind,
    verdicts: &mut [Verdict],
) -> (Decision, Option<usize>) {
    // Policy order; for a rule that matched several times, its most severe verdict first.
    verdicts.sort_unstable_by(|a, b| a.tag.cmp(&b.tag).then(b.effect.cmp(&a.effect)));
    let mut deciding: Option<Verdict> = None;
    let mut list = Vec::with_capacity(verdicts.len());
    let mut last_tag = None;
    for verdict in verdicts.iter() {
        if last_tag == Some(verdict.tag) {
            continue;
        }
        last_tag = Some(verdict.tag);
        let Some(rule) = compiled.rule(verdict.tag) else {
            continue;
        };
        list.push(Matched {
            rule: Arc::clone(&rule.id),
            effect: verdict.effect,
            shadow: rule.shadow,
        });
        if !rule.shadow && deciding.is_none_or(|d| verdict.effect > d.effect) {
            deciding = Some(*verdict);
        }
    }
    let Some(verdict) = deciding else {
        let default = compiled.default_for(kind);
        let decision = Decision {
            id: None,
            effect: default.effect,
            rule: None,
            reason: Arc::clone(&default.reason),
            matched: list,
            kind,
            command: None,
        };
        return (decision, None);
    };
    let (rule_id, reason) = match compiled.rule(verdict.tag) {
        Some(rule) if verdict.effect < rule.effect => (
            Some(Arc::clone(&rule.id)),
            format!(
                "{} (uncertain: part of the command is not known until it runs, so {} becomes {})",
                rule.reason, rule.effect, verdict.effect
            )
            .into(),
        ),
        Some(rule) => (Some(Arc::clone(&rule.id)), Arc::clone(&rule.reason)),
        None => (None, Arc::from("")),
    };
    let decision = Decision {
        id: None,
        effect: verdict.effect,
        rule: rule_id,
        reason,
        matched: list,
        kind,
        command: None,
    };
    (decision, verdict.command)
}
