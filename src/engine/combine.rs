//! Combining the rules that matched into one decision.
//!
//! Deny beats ask beats allow; shadow rules are listed but never decide; when
//! no enforced rule matched, the policy's default for the kind decides. Among
//! enforced rules of the winning effect, the first in policy order is named
//! as the deciding rule, so the same input always names the same rule. Cost:
//! one pass over the matched rules (already in policy order) and one small
//! vector for the `matched` list.

use std::sync::Arc;

use super::compile::{Compiled, CompiledRule};
use crate::decision::{Decision, Kind, Matched};

/// Builds the decision for `kind` from the global indices of the rules that
/// matched, which must be sorted and free of duplicates.
pub(super) fn combine(compiled: &Compiled, kind: Kind, matched: &[u32]) -> Decision {
    let mut deciding: Option<&CompiledRule> = None;
    let mut list = Vec::with_capacity(matched.len());
    for rule in matched.iter().filter_map(|&i| compiled.rule(i)) {
        list.push(Matched {
            rule: Arc::clone(&rule.id),
            effect: rule.effect,
            shadow: rule.shadow,
        });
        if !rule.shadow && deciding.is_none_or(|d| rule.effect > d.effect) {
            deciding = Some(rule);
        }
    }
    match deciding {
        Some(rule) => Decision {
            id: None,
            effect: rule.effect,
            rule: Some(Arc::clone(&rule.id)),
            reason: Arc::clone(&rule.reason),
            matched: list,
            kind,
        },
        None => {
            let default = compiled.default_for(kind);
            Decision {
                id: None,
                effect: default.effect,
                rule: None,
                reason: Arc::clone(&default.reason),
                matched: list,
                kind,
            }
        }
    }
}
