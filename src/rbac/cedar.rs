//! The Cedar extension: attribute conditions the built-in rules cannot
//! express, written as Cedar policies and evaluated by `cedar-policy`.
//!
//! A policy's `cedar` section holds Cedar policy text and, optionally, a
//! Cedar schema; the policies are parsed (and validated against the schema,
//! strictly) at compile time. At decision time Cedar sees one request:
//!
//! - principal `Portcullis::Principal::"<id>"` (`""` without a principal),
//!   attribute `id`, parents every role the principal has (inheritance
//!   already resolved), as `Portcullis::Role::"<role>"`;
//! - action `Portcullis::Action::"command"`, `"http"`, `"tool"`, or the
//!   action an `action` request names;
//! - resource `Portcullis::Target::"<what is touched>"`: the canonical host
//!   (or address) of an HTTP request, a tool's name, a command's first
//!   program;
//! - context `{kind, environment, environments, roles, actions, command?,
//!   http?, tool?}` (see the README for the fields).
//!
//! A satisfied `forbid` becomes a `deny` verdict whose rule is the Cedar
//! policy's id (its `@id` annotation, else Cedar's own `policy0`, …); a
//! satisfied `permit` an `allow` verdict. A policy whose evaluation fails is
//! a `deny` verdict too: Cedar's default is to skip it, which for a
//! security gate means failing open. Cost: Cedar runs only for requests
//! whose action is in the scope of some Cedar policy (an index over each
//! policy's action constraint; a policy with no action constraint is
//! consulted on every request), and then costs what Cedar costs (a few
//! microseconds; one small entity store and context built per request).

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use cedar_policy::{
    ActionConstraint, Authorizer, Context, Decision, Entities, Entity, EntityId, EntityTypeName,
    EntityUid, PolicySet, RestrictedExpression, Schema, ValidationMode, Validator,
};
use rustc_hash::FxHashSet;
use serde_json::Value;

/// The Cedar namespace of every entity type Portcullis builds.
pub const NAMESPACE: &str = "Portcullis";

/// One Cedar policy, as a rule.
#[derive(Debug, Clone)]
pub struct CedarRule {
    /// Its `@id` annotation, else Cedar's id.
    pub id: String,
    /// True for `forbid`.
    pub forbid: bool,
    /// Its `@reason` annotation, if any.
    pub reason: Option<String>,
}

/// Compiled Cedar policies.
pub struct CedarPolicies {
    set: PolicySet,
    authorizer: Authorizer,
    /// Rules in the order of `ids`.
    rules: Vec<CedarRule>,
    /// Cedar's policy id → index in `rules`.
    ids: HashMap<String, usize>,
    /// Some policy has no action constraint.
    always: bool,
    /// Action ids some policy's scope names.
    actions: FxHashSet<String>,
}

impl std::fmt::Debug for CedarPolicies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CedarPolicies")
            .field("rules", &self.rules)
            .field("always", &self.always)
            .finish()
    }
}

/// What one Cedar evaluation found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CedarVerdict {
    /// Policy `rule` (index) is satisfied.
    Satisfied(usize),
    /// Policy `rule` failed to evaluate, with why.
    Failed(usize, String),
    /// The request itself could not be built for Cedar.
    Invalid(String),
}

/// The request as Cedar sees it.
#[derive(Debug, Clone, Default)]
pub struct CedarRequest<'a> {
    /// The principal's id (`""` for none).
    pub principal: &'a str,
    /// Every role the principal has.
    pub roles: Vec<&'a str>,
    /// `command`, `http`, `tool`, or a named action.
    pub action: &'a str,
    /// What is touched.
    pub resource: &'a str,
    /// The context record (a JSON object without nulls).
    pub context: Value,
}

fn type_name(name: &str) -> Result<EntityTypeName, String> {
    EntityTypeName::from_str(&format!("{NAMESPACE}::{name}")).map_err(|e| e.to_string())
}

/// The uid `Portcullis::<kind>::"<id>"`.
pub fn uid(kind: &str, id: &str) -> Result<EntityUid, String> {
    Ok(EntityUid::from_type_name_and_id(
        type_name(kind)?,
        EntityId::new(id),
    ))
}

impl CedarPolicies {
    /// Parses `policies` and validates them against `schema` when given.
    pub fn new(policies: &str, schema: Option<&str>) -> Result<CedarPolicies, String> {
        let set = PolicySet::from_str(policies).map_err(|e| format!("policies: {e}"))?;
        if let Some(schema) = schema {
            let (schema, _warnings) =
                Schema::from_cedarschema_str(schema).map_err(|e| format!("schema: {e}"))?;
            let result = Validator::new(schema).validate(&set, ValidationMode::Strict);
            if !result.validation_passed() {
                let errors: Vec<String> =
                    result.validation_errors().map(|e| e.to_string()).collect();
                return Err(format!(
                    "policies do not validate against the schema: {}",
                    errors.join("; ")
                ));
            }
        }
        let mut rules = Vec::new();
        let mut ids = HashMap::new();
        let mut always = false;
        let mut actions = FxHashSet::default();
        for policy in set.policies() {
            match policy.action_constraint() {
                ActionConstraint::Any => always = true,
                ActionConstraint::Eq(a) => {
                    actions.insert(a.id().unescaped().to_owned());
                }
                ActionConstraint::In(list) => {
                    actions.extend(list.iter().map(|a| a.id().unescaped().to_owned()));
                }
            }
            let id = policy
                .annotation("id")
                .map_or_else(|| policy.id().to_string(), str::to_owned);
            ids.insert(policy.id().to_string(), rules.len());
            rules.push(CedarRule {
                id,
                forbid: policy.effect() == cedar_policy::Effect::Forbid,
                reason: policy.annotation("reason").map(str::to_owned),
            });
        }
        Ok(CedarPolicies {
            set,
            authorizer: Authorizer::new(),
            rules,
            ids,
            always,
            actions,
        })
    }

    /// The policies, in the order verdicts index them.
    pub fn rules(&self) -> &[CedarRule] {
        &self.rules
    }

    /// True when some policy could apply to requests with `action`.
    pub fn consulted_for(&self, action: &str) -> bool {
        !self.rules.is_empty() && (self.always || self.actions.contains(action))
    }

    /// Evaluates `request`, calling `found` with each verdict.
    pub fn evaluate(&self, request: &CedarRequest<'_>, mut found: impl FnMut(CedarVerdict)) {
        let built = (|| -> Result<(cedar_policy::Request, Entities), String> {
            let principal = uid("Principal", request.principal)?;
            let parents: HashSet<EntityUid> = request
                .roles
                .iter()
                .map(|r| uid("Role", r))
                .collect::<Result<_, _>>()?;
            let attrs = HashMap::from([(
                "id".to_owned(),
                RestrictedExpression::new_string(request.principal.to_owned()),
            )]);
            let entity =
                Entity::new(principal.clone(), attrs, parents).map_err(|e| e.to_string())?;
            let entities = Entities::from_entities([entity], None).map_err(|e| e.to_string())?;
            let context = Context::from_json_value(request.context.clone(), None)
                .map_err(|e| e.to_string())?;
            let r = cedar_policy::Request::new(
                principal,
                uid("Action", request.action)?,
                uid("Target", request.resource)?,
                context,
                None,
            )
            .map_err(|e| e.to_string())?;
            Ok((r, entities))
        })();
        let (cedar_request, entities) = match built {
            Ok(built) => built,
            Err(e) => return found(CedarVerdict::Invalid(e)),
        };
        let response = self
            .authorizer
            .is_authorized(&cedar_request, &self.set, &entities);
        for error in response.diagnostics().errors() {
            let cedar_policy::AuthorizationError::PolicyEvaluationError(e) = error;
            if let Some(&i) = self.ids.get(&e.policy_id().to_string()) {
                found(CedarVerdict::Failed(i, e.inner().to_string()));
            }
        }
        let satisfied_forbids = response.decision() == Decision::Deny;
        for id in response.diagnostics().reason() {
            if let Some(&i) = self.ids.get(&id.to_string()) {
                let forbid = self.rules.get(i).is_some_and(|r| r.forbid);
                if forbid == satisfied_forbids {
                    found(CedarVerdict::Satisfied(i));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_forbid_with_an_attribute_condition_is_reported() {
        let p = CedarPolicies::new(
            r#"@id("no-prod-writes") forbid(principal, action == Portcullis::Action::"http", resource) when { context.environment == "production" && context.http.method != "GET" };"#,
            None,
        )
        .unwrap();
        assert!(p.consulted_for("http"));
        assert!(!p.consulted_for("command"));
        let mut request = CedarRequest {
            principal: "agent-1",
            action: "http",
            resource: "db.example.com",
            context: json!({"environment": "production", "http": {"method": "POST"}}),
            ..CedarRequest::default()
        };
        let mut seen = Vec::new();
        p.evaluate(&request, |v| seen.push(v));
        assert_eq!(seen, vec![CedarVerdict::Satisfied(0)]);
        assert_eq!(p.rules()[0].id, "no-prod-writes");
        request.context = json!({"environment": "production", "http": {"method": "GET"}});
        seen.clear();
        p.evaluate(&request, |v| seen.push(v));
        assert!(seen.is_empty());
    }

    #[test]
    fn an_evaluation_error_is_reported_not_skipped() {
        let p = CedarPolicies::new(
            r#"forbid(principal, action, resource) when { context.missing.field == 1 };"#,
            None,
        )
        .unwrap();
        let request = CedarRequest {
            principal: "a",
            action: "command",
            resource: "rm",
            context: json!({}),
            ..CedarRequest::default()
        };
        let mut seen = Vec::new();
        p.evaluate(&request, |v| seen.push(v));
        assert!(
            matches!(seen.as_slice(), [CedarVerdict::Failed(0, _)]),
            "{seen:?}"
        );
    }

    #[test]
    fn schemas_validate_policies_at_compile_time() {
        let schema = r#"namespace Portcullis { entity Role; entity Principal in [Role] { id: String }; entity Target; action "http" appliesTo { principal: Principal, resource: Target, context: { environment: String } }; }"#;
        assert!(CedarPolicies::new(
            r#"forbid(principal, action == Portcullis::Action::"http", resource) when { context.environment == "production" };"#,
            Some(schema)
        )
        .is_ok());
        let err = CedarPolicies::new(
            r#"forbid(principal, action == Portcullis::Action::"http", resource) when { context.enviroment == "production" };"#,
            Some(schema),
        )
        .unwrap_err();
        assert!(err.contains("schema"), "{err}");
    }
}
