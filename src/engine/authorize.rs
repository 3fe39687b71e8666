//! Permissions and Cedar on a request: the RBAC step of the decision pass.
//!
//! A request's action categories (`command:run`, `http:write`, the
//! categories of the rules it matched) are asked of the policy's
//! permissions for the principal's roles in the request's environments; a
//! permission that denies or asks adds its verdict, and a grant adds none
//! (permissions grant, they do not override the policy's rules or
//! defaults). Cedar policies whose scope names the request's kind see the
//! principal, its roles, the resource and a context; their forbids count,
//! their permits only for named actions. A Cedar policy that fails to
//! evaluate fails closed. Cost: one bitset test per category, and a Cedar
//! evaluation only where Cedar policies are consulted for the kind.

use serde_json::{json, Value};

use super::combine::Verdict;
use super::rbac::{self, Who};
use super::Engine;
use crate::decision::{Decision, PrincipalFacts};
use crate::effect::Effect;
use crate::rbac::cedar::{CedarRequest, CedarVerdict};

impl Engine {
    /// Permission and Cedar verdicts on a request with the categories in `who`.
    pub(super) fn rbac_verdicts(
        &self,
        who: &Who<'_>,
        action: &str,
        resource: &str,
        context: impl FnOnce() -> Value,
        verdicts: &mut Vec<Verdict>,
    ) {
        let rbac = &self.inner.rbac;
        if !rbac.permissions.is_empty() {
            for category in &who.actions {
                if let Some(outcome) = rbac.permissions.authorize(&who.roles, category, who.envs) {
                    push_outcome(outcome, category, who, rbac, verdicts);
                }
            }
        }
        if let Some(cedar) = rbac.cedar.as_ref().filter(|c| c.consulted_for(action)) {
            let mut verdicts_cedar = Vec::new();
            self.cedar_verdicts(cedar, who, action, resource, context(), &mut verdicts_cedar);
            // Permits allow nothing by themselves outside `action` requests.
            verdicts.extend(
                verdicts_cedar
                    .into_iter()
                    .filter(|v| v.effect != Effect::Allow),
            );
        }
    }

    pub(super) fn cedar_verdicts(
        &self,
        cedar: &crate::rbac::cedar::CedarPolicies,
        who: &Who<'_>,
        action: &str,
        resource: &str,
        mut context: Value,
        verdicts: &mut Vec<Verdict>,
    ) {
        let rbac = &self.inner.rbac;
        let roles = rbac.role_names(who);
        let envs = rbac.env_names(who.envs);
        if let Value::Object(map) = &mut context {
            map.insert("kind".into(), json!(action));
            map.insert("action".into(), json!(action));
            map.insert(
                "environment".into(),
                json!(envs.first().map_or("", |e| &**e)),
            );
            map.insert(
                "environments".into(),
                json!(envs.iter().map(|e| &**e).collect::<Vec<_>>()),
            );
            map.insert(
                "roles".into(),
                json!(roles.iter().map(|r| &**r).collect::<Vec<_>>()),
            );
            map.insert("actions".into(), json!(who.actions.as_slice()));
        }
        let request = CedarRequest {
            principal: who.principal.map_or("", |p| p.id.as_str()),
            roles: roles.iter().map(|r| &**r).collect(),
            action,
            resource,
            context,
        };
        let first = rbac.cedar_first_tag;
        cedar.evaluate(&request, |verdict| match verdict {
            CedarVerdict::Satisfied(i) => {
                let tag = first.saturating_add(i as u32);
                if let Some(rule) = self.inner.rule(tag) {
                    verdicts.push(Verdict::rule(tag, rule.effect));
                }
            }
            CedarVerdict::Failed(i, why) => {
                let tag = first.saturating_add(i as u32);
                let mut v = Verdict::rule(tag, Effect::Deny);
                let id = self.inner.rule(tag).map_or("?", |r| &*r.id);
                v.reason = Some(
                    format!("Cedar policy `{id}` failed to evaluate ({why}); failing closed")
                        .into(),
                );
                verdicts.push(v);
            }
            CedarVerdict::Invalid(why) => verdicts.push(Verdict::other(
                Effect::Deny,
                format!("the request could not be given to Cedar ({why}); failing closed").into(),
            )),
        });
    }

    /// Fills in the principal and environment a decision was made for.
    pub(super) fn annotate(&self, decision: &mut Decision, who: &Who<'_>) {
        let rbac = &self.inner.rbac;
        if let Some(p) = who.principal {
            decision.principal = Some(PrincipalFacts {
                id: p.id.clone(),
                roles: rbac.role_names(who),
                session: p.session.clone(),
            });
        }
        if who.envs != 0 {
            let mut names = rbac.env_names(who.envs);
            decision.environment = names.first().cloned();
            if names.len() < 2 {
                names.clear();
            }
            decision.environments = names;
        }
    }
}

/// Adds the verdict of a permission outcome on `action` (an allow adds none:
/// permissions grant, they do not override the policy's rules or defaults).
pub(super) fn push_outcome(
    outcome: crate::rbac::Outcome,
    action: &str,
    who: &Who<'_>,
    rbac: &rbac::Rbac,
    verdicts: &mut Vec<Verdict>,
) {
    match (outcome.effect, outcome.tag) {
        (Effect::Allow, Some(tag)) if verdicts.is_empty() || who.actions.len() == 1 => {
            // For an `action` request the grant is the deciding rule.
            verdicts.push(Verdict::rule(tag, Effect::Allow));
        }
        (Effect::Allow, _) => {}
        (effect, Some(tag)) => verdicts.push(Verdict::rule(tag, effect)),
        (effect, None) => verdicts.push(Verdict::other(
            effect,
            format!("no permission grants `{action}`{}", describe(who, rbac)).into(),
        )),
    }
}

/// ` to principal `p` (roles a, b) in production`, for reasons.
pub(super) fn describe(who: &Who<'_>, rbac: &rbac::Rbac) -> String {
    let mut out = String::new();
    match who.principal {
        Some(p) => {
            out.push_str(&format!(
                " to principal `{}`",
                p.id.chars().take(64).collect::<String>()
            ));
            let roles = rbac.role_names(who);
            if roles.is_empty() {
                out.push_str(" (no roles)");
            } else {
                let names: Vec<&str> = roles.iter().map(|r| &**r).collect();
                out.push_str(&format!(" (roles {})", names.join(", ")));
            }
        }
        None => out.push_str(" to a request without a principal"),
    }
    let envs = rbac.env_names(who.envs);
    if !envs.is_empty() {
        let names: Vec<&str> = envs.iter().map(|e| &**e).collect();
        out.push_str(&format!(" in {}", names.join(", ")));
    }
    out
}
