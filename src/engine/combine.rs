//! Combining verdicts into one decision.
//!
//! A verdict is a rule that matched, or one of the verdicts that are not
//! rules: the policy's default for a request no allow rule matched, a
//! request whose body is too large to inspect, a URL a command builds at run
//! time. Deny beats ask beats allow; shadow rules are listed but never
//! decide. Among verdicts of the winning effect a rule is named before a
//! non-rule verdict, and the first rule in policy order before later ones,
//! so the same input always names the same rule. A rule's verdict may carry
//! an effect below the rule's (a command rule that matched only through
//! something unknown is capped at `ask`); the `matched` list shows the
//! effect that applied. Cost: a sort of the (few) verdicts and one small
//! vector for the `matched` list.

use std::sync::Arc;

use super::compile::{Compiled, Slot};
use crate::decision::{Decision, Kind, Matched};
use crate::effect::Effect;

/// What part of a request a verdict is about, so the decision can show the
/// facts of the part that decided (the simple command, the canonical HTTP
/// request).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum About {
    /// The request as a whole (a tool call's name, a policy default, RBAC).
    #[default]
    Request,
    /// Simple command `i` of a command's analysis.
    Command(usize),
    /// HTTP request `k` of the request: the proxied request itself, or the
    /// request a tool call's URL argument makes.
    Message(usize),
    /// HTTP request `message` that simple command `command` makes.
    CommandMessage {
        /// The simple command.
        command: usize,
        /// The request, among those the command line makes.
        message: usize,
    },
}

impl About {
    /// The simple command it is about.
    pub(super) fn command(self) -> Option<usize> {
        match self {
            About::Command(i) | About::CommandMessage { command: i, .. } => Some(i),
            About::Request | About::Message(_) => None,
        }
    }

    /// The HTTP request it is about.
    pub(super) fn message(self) -> Option<usize> {
        match self {
            About::Message(k) | About::CommandMessage { message: k, .. } => Some(k),
            About::Request | About::Command(_) => None,
        }
    }

    /// The same part, inside simple command `i` (a request a command makes).
    pub(super) fn of_command(command: Option<usize>, message: usize) -> About {
        match command {
            Some(command) => About::CommandMessage { command, message },
            None => About::Message(message),
        }
    }
}

/// One verdict on a request.
#[derive(Debug, Clone)]
pub(super) struct Verdict {
    /// Global rule index; `None` for a verdict that is not a rule.
    pub(super) rule: Option<u32>,
    /// The effect that applies (for a rule: its own, or less when uncertain).
    pub(super) effect: Effect,
    /// Why, when not the rule's own reason (required for non-rule verdicts).
    pub(super) reason: Option<Arc<str>>,
    /// What part of the request it is about.
    pub(super) about: About,
    /// For tool calls: which routed argument it is about (the part above is
    /// then a part of that argument's analysis).
    pub(super) argument: Option<usize>,
}

impl Verdict {
    /// A rule's verdict with the rule's effect.
    pub(super) fn rule(tag: u32, effect: Effect) -> Self {
        Verdict {
            rule: Some(tag),
            effect,
            reason: None,
            about: About::Request,
            argument: None,
        }
    }

    /// A verdict that is not a rule.
    pub(super) fn other(effect: Effect, reason: Arc<str>) -> Self {
        Verdict {
            rule: None,
            effect,
            reason: Some(reason),
            about: About::Request,
            argument: None,
        }
    }

    /// The same verdict, about `about`.
    pub(super) fn about(mut self, about: About) -> Self {
        self.about = about;
        self
    }

    /// False for a shadow rule's verdict (reported, never enforced).
    #[inline]
    pub(super) fn enforced(&self, compiled: &Compiled) -> bool {
        match self.rule {
            Some(t) => compiled.rule(t).is_some_and(|r| !r.shadow),
            None => true,
        }
    }

    /// True for an enforced allow rule's verdict: what suppresses a default.
    #[inline]
    pub(super) fn is_enforced_allow(&self, compiled: &Compiled) -> bool {
        self.effect == Effect::Allow && self.rule.is_some() && self.enforced(compiled)
    }
}

/// Adds the default of `slot` as a verdict unless an enforced allow rule is
/// among `verdicts[from..]` (the verdicts of one request); the verdict is
/// about `about`.
pub(super) fn add_default(
    compiled: &Compiled,
    slot: Slot,
    verdicts: &mut Vec<Verdict>,
    from: usize,
    about: About,
) {
    let allowed = verdicts
        .get(from..)
        .unwrap_or_default()
        .iter()
        .any(|v| v.is_enforced_allow(compiled));
    if allowed {
        return;
    }
    let default = compiled.default(slot);
    verdicts.push(Verdict::other(default.effect, Arc::clone(&default.reason)).about(about));
}

/// The default of `slot` as a verdict, when it decides the request: no
/// enforced allow rule matched the request itself (verdicts about an HTTP
/// request it makes count only for that request's own default), and it is
/// more severe than `deciding`, the most severe enforced verdict (if any).
#[inline]
pub(super) fn request_default(
    compiled: &Compiled,
    verdicts: &[Verdict],
    slot: Slot,
    deciding: Option<Effect>,
) -> Option<Verdict> {
    let allowed = verdicts
        .iter()
        .any(|v| v.about.message().is_none() && v.is_enforced_allow(compiled));
    let d = compiled.default(slot);
    (!allowed && deciding.is_none_or(|e| d.effect > e))
        .then(|| Verdict::other(d.effect, Arc::clone(&d.reason)))
}

/// Builds the decision for `kind`, and puts the deciding verdict in
/// `deciding` (an out-parameter rather than a tuple, so the large decision
/// is built where the caller keeps it instead of being moved).
/// `default`, when given, is the default of the request itself: it counts
/// unless an enforced allow rule matched the request (verdicts about no
/// HTTP request of a command). Defaults of the HTTP requests a command makes
/// are already among the verdicts ([`add_default`]). With no verdict and no
/// default the decision is `allow` with no rule.
pub(super) fn combine(
    compiled: &Compiled,
    kind: Kind,
    verdicts: &mut [Verdict],
    default: Option<Slot>,
    deciding_out: &mut Option<Verdict>,
) -> Decision {
    // Rules in policy order (most severe verdict of a rule first), then the others in order.
    verdicts.sort_by(|a, b| match (a.rule, b.rule) {
        (Some(x), Some(y)) => x.cmp(&y).then(b.effect.cmp(&a.effect)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    let mut deciding: Option<&Verdict> = None;
    let mut list = Vec::with_capacity(verdicts.iter().filter(|v| v.rule.is_some()).count());
    let mut last_tag = None;
    for verdict in verdicts.iter() {
        if let Some(tag) = verdict.rule {
            if last_tag == Some(tag) {
                continue;
            }
            last_tag = Some(tag);
            let Some(rule) = compiled.rule(tag) else {
                continue;
            };
            list.push(Matched {
                rule: Arc::clone(&rule.id),
                effect: verdict.effect,
                shadow: rule.shadow,
            });
            if rule.shadow {
                continue;
            }
        }
        if deciding.is_none_or(|d| verdict.effect > d.effect) {
            deciding = Some(verdict);
        }
    }
    let default_verdict = default
        .and_then(|slot| request_default(compiled, verdicts, slot, deciding.map(|v| v.effect)));
    let Some(verdict) = default_verdict.or_else(|| deciding.cloned()) else {
        let mut decision = Decision::new(kind, Effect::Allow, Arc::from("nothing matched"));
        decision.matched = list;
        return decision;
    };
    let source = verdict
        .rule
        .and_then(|t| compiled.rule(t))
        .and_then(|r| r.source.clone());
    let (rule_id, reason) = match verdict.rule.and_then(|t| compiled.rule(t)) {
        Some(rule) => {
            let reason = match &verdict.reason {
                Some(reason) => Arc::clone(reason),
                None if verdict.effect < rule.effect => format!(
                    "{} (uncertain: part of the command is not known until it runs, so {} becomes {})",
                    rule.reason, rule.effect, verdict.effect
                )
                .into(),
                None => Arc::clone(&rule.reason),
            };
            (Some(Arc::clone(&rule.id)), reason)
        }
        None => (
            None,
            verdict.reason.clone().unwrap_or_else(|| Arc::from("")),
        ),
    };
    let mut decision = Decision::new(kind, verdict.effect, reason);
    decision.rule = rule_id;
    decision.source = source;
    decision.matched = list;
    *deciding_out = Some(verdict);
    decision
}
