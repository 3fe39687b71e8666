//! The decision pass: one pipeline for every kind of request.
//!
//! Every decision goes the same way: analysis into facts (done when the
//! [`Subject`] is made) → the environments its targets are in → the
//! principal (a claim the policy cannot honour refuses the request) →
//! matching the facts into verdicts, exfiltration included → permissions
//! and Cedar → combining the verdicts → the facts the decision reports →
//! redaction of what it echoes → the principal and environments it was
//! made for. A kind of request supplies only what is its own: its analysis,
//! its matching, its action categories, what Cedar sees of it and which
//! facts the decision shows. This is the one place that orders those steps,
//! so a new kind of request, or a new step such as session facts, is written
//! once. Cost: what the kind's analysis and matching cost, plus one small
//! vector of verdicts and, only for policies with RBAC, the principal's
//! lookups. One short cut is taken outside it, and only where it cannot
//! change the answer: a command line the literal prefilter lets through,
//! under a policy without RBAC, has no verdict to gather, so it is decided
//! by the command default at once (`Engine::decide_command`); the
//! prefilter-equivalence property test holds the two paths equal.

use std::borrow::Cow;

use serde_json::Value;

use super::combine::{self, Verdict};
use super::compile::{Compiled, Slot};
use super::rbac::{Rbac, Who};
use super::Engine;
use crate::decision::{Decision, Kind};
use crate::effect::Effect;
use crate::request::Principal;

/// What one kind of request supplies to the pass.
pub(super) trait Subject<'a> {
    /// What kind of request it is.
    const KIND: Kind;
    /// The action name Cedar policies know this kind by.
    const CEDAR_ACTION: &'static str;
    /// The policy default of the request itself, when it has one: it
    /// applies unless an enforced allow rule matched the request (verdicts
    /// about an HTTP request it makes have their own default).
    const DEFAULT: Option<Slot>;
    /// False for a kind whose matching is the permissions themselves
    /// (named actions): the generic permission and Cedar step is skipped.
    const RBAC_STEP: bool = true;

    /// The environments its targets are in (asked only when the policy's
    /// environments name targets).
    fn environments(&mut self, compiled: &'a Compiled) -> u64;

    /// The verdicts of the matchers on its facts, exfiltration included.
    fn verdicts(&mut self, compiled: &'a Compiled, who: &mut Who<'a>, out: &mut Vec<Verdict>);

    /// Adds its action categories (for permissions).
    fn actions(&self, who: &mut Who<'a>);

    /// What Cedar sees as the resource.
    fn resource(&self) -> Cow<'_, str>;

    /// What Cedar sees in its context (built only when Cedar is consulted).
    fn context(&self) -> Value;

    /// Writes the facts the decision reports, given the deciding verdict.
    fn facts(&self, decision: &mut Decision, deciding: Option<&Verdict>);

    /// False when nothing of the input can be in the decision (no
    /// redaction needed).
    fn echoes_input(&self) -> bool {
        true
    }
}

impl Engine {
    /// Decides `subject` for `principal`.
    #[inline]
    pub(super) fn pass<'a, S: Subject<'a>>(
        &'a self,
        principal: Option<&'a Principal>,
        subject: &mut S,
    ) -> Decision {
        let compiled = &*self.inner;
        let mut verdicts = Vec::new();
        let judged = self.judge(principal, subject, &mut verdicts);
        // A deferred section that failed to build matched nothing: deny.
        if let Some(failure) = compiled.failure() {
            return refused(
                S::KIND,
                Effect::Deny,
                format!("the policy cannot decide: {failure}"),
            );
        }
        match judged {
            Err(reason) => refused(S::KIND, Effect::Deny, reason),
            Ok(who) => {
                let mut deciding = None;
                let mut decision =
                    combine::combine(compiled, S::KIND, &mut verdicts, S::DEFAULT, &mut deciding);
                subject.facts(&mut decision, deciding.as_ref());
                if subject.echoes_input() {
                    super::exfiltration::redact(&mut decision);
                }
                self.annotate(&mut decision, &who);
                decision
            }
        }
    }

    /// The pass up to its verdicts: every verdict on `subject` into `out`,
    /// and who asks. `Err` is why the principal is refused.
    #[inline]
    pub(super) fn judge<'a, S: Subject<'a>>(
        &'a self,
        principal: Option<&'a Principal>,
        subject: &mut S,
        out: &mut Vec<Verdict>,
    ) -> Result<Who<'a>, String> {
        let compiled = &*self.inner;
        let rbac: &'a Rbac = &compiled.rbac;
        let derived = if rbac.environments.has_targets() || rbac.environments.has_names() {
            subject.environments(compiled)
        } else {
            0
        };
        let mut who = rbac.who(principal, derived)?;
        subject.verdicts(compiled, &mut who, out);
        if S::RBAC_STEP && rbac.judges_beyond_rules() {
            subject.actions(&mut who);
            self.rbac_verdicts(
                &who,
                S::CEDAR_ACTION,
                &subject.resource(),
                || subject.context(),
                out,
            );
        }
        Ok(who)
    }
}

/// A decision made without rules, because the input could not be analyzed
/// or the principal was refused. Its reason never echoes a secret of the
/// input.
pub(super) fn refused(kind: Kind, effect: Effect, reason: String) -> Decision {
    Decision::new(kind, effect, clean(reason).into())
}

/// `reason` without the secrets it may quote.
pub(super) fn clean(reason: String) -> String {
    match crate::secrets::redact(&reason) {
        Cow::Owned(clean) => clean,
        Cow::Borrowed(_) => reason,
    }
}
