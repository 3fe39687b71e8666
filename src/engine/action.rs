//! Named actions in the decision pass: `db.read` asked of the permissions.
//!
//! An embedder that knows what an agent is about to do by name asks for it
//! directly: the policy's permissions answer for the principal's roles in
//! the environment it claims, and Cedar policies whose scope names the
//! action are consulted (a Cedar permit counts here, unlike on other kinds
//! of request). An action nothing grants is denied. Its matching *is* the
//! permission step, so the pass's generic one is skipped. Cost: the
//! principal's lookups and one bitset test per permission of the action.

use std::borrow::Cow;

use serde_json::{json, Value};

use super::combine::Verdict;
use super::compile::{Compiled, Slot};
use super::pass::Subject;
use super::rbac::Who;
use super::Engine;
use crate::decision::{Decision, Kind};
use crate::effect::Effect;

/// A named action in the pass.
pub(super) struct ActionSubject<'a> {
    pub(super) engine: &'a Engine,
    pub(super) action: &'a str,
}

impl<'a> Subject<'a> for ActionSubject<'a> {
    const KIND: Kind = Kind::Action;
    const CEDAR_ACTION: &'static str = "action";
    const DEFAULT: Option<Slot> = None;
    const RBAC_STEP: bool = false;

    fn environments(&mut self, _compiled: &'a Compiled) -> u64 {
        // Only the environment the principal claims counts.
        0
    }

    fn verdicts(&mut self, compiled: &'a Compiled, who: &mut Who<'a>, out: &mut Vec<Verdict>) {
        let rbac = &compiled.rbac;
        let action = self.action;
        who.act(action);
        let decided = match rbac.permissions.authorize(&who.roles, action, who.envs) {
            Some(outcome) => {
                super::authorize::push_outcome(outcome, action, who, rbac, out);
                true
            }
            None => false,
        };
        let mut cedar_permit = false;
        if let Some(cedar) = rbac.cedar.as_ref().filter(|c| c.consulted_for(action)) {
            let before = out.len();
            self.engine
                .cedar_verdicts(cedar, who, action, "", json!({}), out);
            cedar_permit = out
                .get(before..)
                .unwrap_or_default()
                .iter()
                .any(|v| v.effect == Effect::Allow);
        }
        if !decided && !cedar_permit {
            out.push(Verdict::other(
                Effect::Deny,
                format!(
                    "no permission grants `{action}`{}",
                    super::authorize::describe(who, rbac)
                )
                .into(),
            ));
        }
    }

    fn actions(&self, _who: &mut Who<'a>) {}

    fn resource(&self) -> Cow<'_, str> {
        Cow::Borrowed("")
    }

    fn context(&self) -> Value {
        json!({})
    }

    fn facts(&self, _decision: &mut Decision, _deciding: Option<&Verdict>) {}

    fn echoes_input(&self) -> bool {
        false
    }
}
