//! Deciding what a tool call's arguments and a command's SQL would do.
//!
//! The router (`tool::route`) says what each string argument is; here each
//! is decided by the analyzer for its class, with the same rules that guard
//! commands, egress and SQL everywhere: a shell argument is decided as a
//! command, a URL as an HTTP `GET` made on the agent's behalf (the
//! `command_egress` default applies to hosts no rule allows), SQL by the
//! `sql` rules, statement by statement. Every verdict remembers the argument
//! it is about, so the decision names the JSON pointer that decided. A tool
//! call is as severe as its most severe argument. Cost: what each analysis
//! costs, only for arguments the router picked.

use std::sync::Arc;

use super::combine::Verdict;
use super::compile::Compiled;
use super::rbac::Who;
use crate::decision::Decision;
use crate::effect::Effect;

/// Adds the verdicts of the SQL rules on every statement of `sql`; each is
/// about `about` (command, http). Unterminated literals make the text
/// uncertain: at least `ask`.
pub(super) fn sql_verdicts<'c>(
    compiled: &'c Compiled,
    who: &mut Who<'c>,
    sql: &str,
    about: (Option<usize>, Option<usize>),
    verdicts: &mut Vec<Verdict>,
) {
    if compiled.sql_rules.is_empty() {
        return;
    }
    let classified = crate::sql::classify(sql);
    let rbac = &compiled.rbac;
    let inert = rbac.is_inert();
    let start = verdicts.len();
    for statement in &classified.statements {
        for (tag, matcher) in &compiled.sql_rules {
            if !matcher.matches(statement)
                || verdicts
                    .get(start..)
                    .is_some_and(|v| v.iter().any(|x| x.rule == Some(*tag)))
            {
                continue;
            }
            let Some(rule) = compiled.rule(*tag) else {
                continue;
            };
            if !inert && !rbac.applies(*tag, who, rule.effect) {
                continue;
            }
            let mut v = Verdict::rule(*tag, rule.effect);
            (v.command, v.http) = about;
            verdicts.push(v);
        }
    }
    if classified.unterminated || classified.truncated {
        let mut v = Verdict::other(
            Effect::Ask,
            Arc::from("the SQL has an unterminated string, identifier or comment, or too many statements: it may hide more than could be read"),
        );
        (v.command, v.http) = about;
        verdicts.push(v);
    }
}

/// Adds the verdicts of the path rules on `access` to `path` (normalized).
pub(super) fn path_verdicts<'c>(
    compiled: &'c Compiled,
    who: &mut Who<'c>,
    path: &str,
    access: crate::paths::Access,
    about: (Option<usize>, Option<usize>),
    verdicts: &mut Vec<Verdict>,
) {
    let rbac = &compiled.rbac;
    let inert = rbac.is_inert();
    let home = who.principal.and_then(|p| p.home.as_deref());
    let path = crate::paths::access::home_relative(path, home);
    compiled.path_rules.for_each_match(&path, access, |tag| {
        let Some(rule) = compiled.rule(tag) else {
            return;
        };
        if !inert {
            who.note(rbac, tag);
            if !rbac.applies(tag, who, rule.effect) {
                return;
            }
        }
        let mut v = Verdict::rule(tag, rule.effect);
        (v.command, v.http) = about;
        verdicts.push(v);
    });
}

/// The verdicts a nested command decision stands for: each rule it matched
/// (with the effect that applied), and a verdict without a rule when it was
/// decided by no rule but is not `allow`.
pub(super) fn decision_verdicts(
    compiled: &Compiled,
    decision: &Decision,
    verdicts: &mut Vec<Verdict>,
) {
    for m in &decision.matched {
        if let Some(&tag) = compiled.rule_ids.get(&m.rule) {
            verdicts.push(Verdict::rule(tag, m.effect));
        }
    }
    if decision.rule.is_none() && decision.effect > Effect::Allow {
        verdicts.push(Verdict::other(
            decision.effect,
            Arc::clone(&decision.reason),
        ));
    } else if let Some(rule) = &decision.rule {
        // A reason built for this decision (uncertain matches) is kept.
        let own = compiled
            .rule_ids
            .get(rule)
            .and_then(|&t| compiled.rule(t))
            .map(|r| &r.reason);
        if own.is_some_and(|r| **r != *decision.reason) {
            if let Some(&tag) = compiled.rule_ids.get(rule) {
                if let Some(v) = verdicts.iter_mut().rev().find(|v| v.rule == Some(tag)) {
                    v.reason = Some(Arc::clone(&decision.reason));
                    v.effect = decision.effect;
                }
            }
        }
    }
}
