//! The RBAC part of a policy as an equivalent Cedar policy set.
//!
//! `portcullis export cedar` writes it ([`Policy::to_cedar`]), and the differential tests use it as
//! an oracle: for any request in one environment, Cedar's `is_authorized`
//! on the exported set and entities must allow exactly when Portcullis's
//! compiled permissions allow the action. The translation:
//!
//! - each role is an entity `Portcullis::Role::"r"` whose parents are the
//!   roles it inherits (Cedar resolves inheritance through `in`);
//! - each exact principal binding is an entity `Portcullis::Principal::"id"`
//!   with attribute `id` and the bound roles as parents; a request's own
//!   roles are added to its principal's parents by whoever builds the
//!   request ([`principal_entity`]);
//! - a `prefix*` binding cannot be an entity, so it becomes a condition in
//!   every permission it could reach: `principal.id like "prefix*" &&
//!   (Role::"bound" in [roles of the permission])`;
//! - an `allow` permission is a `permit`, a `deny` permission a `forbid`,
//!   an `ask` permission a `forbid` annotated `@effect("ask")` (Cedar has no
//!   ask; both are "not allowed");
//! - actions are `Portcullis::Action::"name"` in the scope; a family
//!   (`command:*`) is `context.action like "command:*"`; environments are
//!   `[...].contains(context.environment)` (`""` for none).
//!
//! Shadow permissions are left out: they never decide. Cost: linear in the
//! policy, once.

use serde_json::{json, Value};

use super::Policy;
use crate::effect::Effect;
use crate::rbac::cedar::NAMESPACE;

/// The exported policy set and entities.
#[derive(Debug, Clone, PartialEq)]
pub struct CedarExport {
    /// Cedar policy text.
    pub policies: String,
    /// Cedar entities, JSON (roles and exactly bound principals).
    pub entities: Value,
}

/// A Cedar string literal for `s`.
pub fn literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn entity(kind: &str, id: &str) -> String {
    format!("{NAMESPACE}::{kind}::{}", literal(id))
}

fn uid_json(kind: &str, id: &str) -> Value {
    json!({"type": format!("{NAMESPACE}::{kind}"), "id": id})
}

/// The entity JSON of principal `id` with `roles` as its parents (the
/// exported bindings' roles plus the request's own).
pub fn principal_entity(id: &str, roles: &[&str]) -> Value {
    json!({
        "uid": uid_json("Principal", id),
        "attrs": {"id": id},
        "parents": roles.iter().map(|r| uid_json("Role", r)).collect::<Vec<_>>(),
    })
}

/// Exports the roles, bindings and permissions of `policy`.
pub fn export(policy: &Policy) -> CedarExport {
    let mut entities: Vec<Value> = policy
        .roles
        .iter()
        .map(|r| {
            json!({
                "uid": uid_json("Role", &r.id),
                "attrs": {},
                "parents": r.inherits.iter().map(|p| uid_json("Role", p)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut exact: Vec<(&str, Vec<&str>)> = Vec::new();
    for b in policy.principals.iter().filter(|b| b.prefix().is_none()) {
        match exact.iter_mut().find(|(id, _)| *id == b.id) {
            Some((_, roles)) => roles.extend(b.roles.iter().map(String::as_str)),
            None => exact.push((&b.id, b.roles.iter().map(String::as_str).collect())),
        }
    }
    entities.extend(exact.iter().map(|(id, roles)| principal_entity(id, roles)));
    let prefixes: Vec<(&str, &[String])> = policy
        .principals
        .iter()
        .filter_map(|b| Some((b.prefix()?, b.roles.as_slice())))
        .collect();

    let mut text =
        String::from("// Exported by `portcullis export cedar`: the RBAC part of the policy.\n");
    if let Some(name) = &policy.name {
        text.push_str(&format!("// Policy: {name}\n"));
    }
    for p in policy.permissions.iter().filter(|p| !p.meta.shadow) {
        let m = &p.meta;
        text.push('\n');
        text.push_str(&format!("@id({})\n", literal(&m.id)));
        let head = match m.effect {
            Effect::Allow => "permit",
            Effect::Ask => {
                text.push_str("@effect(\"ask\")\n");
                "forbid"
            }
            Effect::Deny => "forbid",
        };
        let any_action = m.actions.iter().any(|a| a == "*");
        let families: Vec<&str> = m
            .actions
            .iter()
            .filter_map(|a| a.strip_suffix('*'))
            .collect();
        let exact_actions: Vec<String> = m
            .actions
            .iter()
            .filter(|a| !a.ends_with('*'))
            .map(|a| entity("Action", a))
            .collect();
        let mut conditions = Vec::new();
        let scope_action = if any_action {
            "action".to_owned()
        } else if families.is_empty() {
            format!("action in [{}]", exact_actions.join(", "))
        } else {
            let mut alternatives: Vec<String> = families
                .iter()
                .map(|f| format!("context.action like {}", literal(&format!("{f}*"))))
                .collect();
            if !exact_actions.is_empty() {
                alternatives.insert(0, format!("action in [{}]", exact_actions.join(", ")));
            }
            conditions.push(format!("({})", alternatives.join(" || ")));
            "action".to_owned()
        };
        if !m.roles.is_empty() {
            let roles: Vec<String> = m.roles.iter().map(|r| entity("Role", r)).collect();
            let set = format!("[{}]", roles.join(", "));
            let mut alternatives = vec![format!("principal in {set}")];
            for (prefix, bound) in &prefixes {
                let reach: Vec<String> = bound
                    .iter()
                    .map(|b| format!("{} in {set}", entity("Role", b)))
                    .collect();
                alternatives.push(format!(
                    "(principal.id like {} && ({}))",
                    literal(&format!("{prefix}*")),
                    reach.join(" || ")
                ));
            }
            conditions.push(format!("({})", alternatives.join(" || ")));
        }
        if !m.environments.is_empty() {
            let envs: Vec<String> = m.environments.iter().map(|e| literal(e)).collect();
            conditions.push(format!(
                "[{}].contains(context.environment)",
                envs.join(", ")
            ));
        }
        text.push_str(&format!("{head}(principal, {scope_action}, resource)"));
        if conditions.is_empty() {
            text.push_str(";\n");
        } else {
            text.push_str(&format!("\nwhen {{ {} }};\n", conditions.join(" && ")));
        }
    }
    CedarExport {
        policies: text,
        entities: Value::Array(entities),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_escape_quotes_and_backslashes() {
        assert_eq!(literal(r#"a"b\c"#), r#""a\"b\\c""#);
    }

    #[test]
    fn an_exported_policy_parses_in_cedar() {
        let policy = Policy::from_json(
            r#"{"version": 1,
                "roles": [{"id": "dev"}, {"id": "sre", "inherits": ["dev"]}],
                "principals": [{"id": "alice", "roles": ["sre"]}, {"id": "agent-*", "roles": ["dev"]}],
                "environments": [{"id": "staging"}, {"id": "production"}],
                "permissions": [
                    {"id": "p1", "effect": "allow", "roles": ["dev"], "actions": ["db.read", "command:*"], "environments": ["staging"]},
                    {"id": "p2", "effect": "deny", "actions": ["*"], "environments": ["production"]},
                    {"id": "p3", "effect": "ask", "roles": ["sre"], "actions": ["db.write"]}
                ]}"#,
        )
        .unwrap();
        let out = export(&policy);
        let set: cedar_policy::PolicySet = out.policies.parse().unwrap();
        assert_eq!(set.policies().count(), 3);
        cedar_policy::Entities::from_json_value(out.entities, None).unwrap();
    }
}
