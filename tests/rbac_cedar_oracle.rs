//! The compiled RBAC (bitsets) against Cedar, as an oracle: random role
//! graphs, bindings, grants and requests; for every case, Portcullis allows
//! an `action` request exactly when Cedar's `is_authorized` allows it on the
//! policy set `portcullis export cedar` writes. 10,000 cases by default
//! (`PROPTEST_CASES` raises it).

use std::str::FromStr;

use cedar_policy::{Authorizer, Context, Decision, Entities, EntityUid, PolicySet};
use portcullis::policy::cedar_export::{export, principal_entity};
use portcullis::{Effect, Engine, Policy, Principal, Request};
use proptest::prelude::*;
use serde_json::{json, Value};

const EXACT_ACTIONS: &[&str] = &["svc:read", "svc:write", "db:read", "db:write", "dns:delete"];
const FAMILIES: &[&str] = &["svc:*", "db:*", "*"];
const PRINCIPALS: &[&str] = &["u0", "u1", "u2", "agent-1", "agent-ops-2", "stranger"];

/// A permission: effect, role indices, actions, environment indices.
type Grant = (Effect, Vec<usize>, Vec<String>, Vec<usize>);
/// A request: principal index, claimed role indices, action, environment index.
type Ask = (usize, Vec<usize>, String, Option<usize>);

#[derive(Debug, Clone)]
struct Case {
    roles: Vec<Vec<usize>>,
    envs: usize,
    exact: Vec<(usize, Vec<usize>)>,
    prefixes: Vec<(&'static str, Vec<usize>)>,
    permissions: Vec<Grant>,
    requests: Vec<Ask>,
}

fn subset(n: usize, max: usize) -> impl Strategy<Value = Vec<usize>> {
    proptest::collection::btree_set(0..n.max(1), 0..=max.min(n))
        .prop_map(|s| s.into_iter().collect())
}

fn case() -> impl Strategy<Value = Case> {
    (1usize..7, 1usize..4).prop_flat_map(|(n, envs)| {
        let roles = (0..n)
            .map(|i| subset(i, 2).prop_map(move |s| if i == 0 { Vec::new() } else { s }))
            .collect::<Vec<_>>();
        let action = prop_oneof![
            4 => proptest::sample::select(EXACT_ACTIONS).prop_map(str::to_owned),
            1 => proptest::sample::select(FAMILIES).prop_map(str::to_owned),
        ];
        let effect =
            prop_oneof![3 => Just(Effect::Allow), 1 => Just(Effect::Deny), 1 => Just(Effect::Ask)];
        let permission = (
            effect,
            subset(n, 2),
            proptest::collection::vec(action, 1..3),
            subset(envs, 2),
        );
        let request_action = prop_oneof![
            6 => proptest::sample::select(EXACT_ACTIONS).prop_map(str::to_owned),
            1 => Just("svc:other".to_owned()),
            1 => Just("mail:send".to_owned()),
        ];
        let request = (
            0..PRINCIPALS.len(),
            subset(n + 1, 2), // index n is a role the policy does not define
            request_action,
            proptest::option::of(0..envs),
        );
        (
            roles,
            Just(envs),
            proptest::collection::vec((0usize..3, proptest::collection::vec(0..n, 1..3)), 0..3),
            proptest::collection::vec(
                (
                    proptest::sample::select(&["agent-", "agent-ops-"][..]),
                    proptest::collection::vec(0..n, 1..3),
                ),
                0..3,
            ),
            proptest::collection::vec(permission, 0..8),
            proptest::collection::vec(request, 4),
        )
            .prop_map(
                |(roles, envs, mut exact, mut prefixes, permissions, requests)| {
                    // A principal id or prefix is bound once.
                    exact.sort_by_key(|e| e.0);
                    exact.dedup_by_key(|e| e.0);
                    prefixes.sort_by_key(|p| p.0);
                    prefixes.dedup_by_key(|p| p.0);
                    Case {
                        roles,
                        envs,
                        exact,
                        prefixes,
                        permissions,
                        requests,
                    }
                },
            )
    })
}

fn role(i: usize) -> String {
    format!("r{i}")
}

fn names(list: &[usize], f: fn(usize) -> String) -> Vec<String> {
    list.iter().map(|&i| f(i)).collect()
}

fn env(i: usize) -> String {
    format!("e{i}")
}

fn policy_json(c: &Case) -> Value {
    let roles: Vec<Value> = c
        .roles
        .iter()
        .enumerate()
        .map(|(i, inherits)| json!({"id": role(i), "inherits": names(inherits, role)}))
        .map(|mut v| {
            if v["inherits"].as_array().is_some_and(Vec::is_empty) {
                v.as_object_mut().unwrap().remove("inherits");
            }
            v
        })
        .collect();
    let mut principals: Vec<Value> = c
        .exact
        .iter()
        .map(|(u, r)| json!({"id": PRINCIPALS[*u], "roles": names(r, role)}))
        .collect();
    principals.extend(
        c.prefixes
            .iter()
            .map(|(p, r)| json!({"id": format!("{p}*"), "roles": names(r, role)})),
    );
    let permissions: Vec<Value> = c
        .permissions
        .iter()
        .enumerate()
        .map(|(i, (effect, roles, actions, envs))| {
            let mut p =
                json!({"id": format!("p{i}"), "effect": effect.to_string(), "actions": actions});
            if !roles.is_empty() {
                p["roles"] = json!(names(roles, role));
            }
            if !envs.is_empty() {
                p["environments"] = json!(names(envs, env));
            }
            p
        })
        .collect();
    let mut v = json!({
        "version": 1,
        "roles": roles,
        "environments": (0..c.envs).map(|i| json!({"id": env(i)})).collect::<Vec<_>>(),
    });
    if !principals.is_empty() {
        v["principals"] = json!(principals);
    }
    if !permissions.is_empty() {
        v["permissions"] = json!(permissions);
    }
    v
}

fn cedar_allows(
    set: &PolicySet,
    exported: &[Value],
    principal: &str,
    claimed: &[String],
    action: &str,
    environment: Option<&str>,
) -> bool {
    let uid = json!({"type": "Portcullis::Principal", "id": principal});
    let mut parents: Vec<String> = claimed.to_vec();
    let mut entities: Vec<Value> = Vec::new();
    for e in exported {
        if e["uid"] == uid {
            for p in e["parents"].as_array().unwrap() {
                parents.push(p["id"].as_str().unwrap().to_owned());
            }
        } else {
            entities.push(e.clone());
        }
    }
    parents.sort();
    parents.dedup();
    let parents: Vec<&str> = parents.iter().map(String::as_str).collect();
    entities.push(principal_entity(principal, &parents));
    let entities = Entities::from_json_value(Value::Array(entities), None).unwrap();
    let context = Context::from_json_value(
        json!({"environment": environment.unwrap_or(""), "action": action}),
        None,
    )
    .unwrap();
    let request = cedar_policy::Request::new(
        EntityUid::from_str(&format!("Portcullis::Principal::{}", json!(principal))).unwrap(),
        EntityUid::from_str(&format!("Portcullis::Action::{}", json!(action))).unwrap(),
        EntityUid::from_str(r#"Portcullis::Target::"""#).unwrap(),
        context,
        None,
    )
    .unwrap();
    let response = Authorizer::new().is_authorized(&request, set, &entities);
    assert!(
        response.diagnostics().errors().next().is_none(),
        "Cedar errors on the export"
    );
    response.decision() == Decision::Allow
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn compiled_rbac_decides_like_cedar_on_the_exported_policy(c in case()) {
        let text = policy_json(&c).to_string();
        let policy = Policy::from_json(&text).unwrap();
        let engine = Engine::builder().policy(&policy).build().unwrap_or_else(|e| panic!("{e}\n{text}"));
        let exported = export(&policy);
        let set = PolicySet::from_str(&exported.policies)
            .unwrap_or_else(|e| panic!("{e}\n{}", exported.policies));
        let entities = exported.entities.as_array().unwrap();
        for (who, claimed, action, environment) in &c.requests {
            let claimed = names(claimed, role);
            let environment = environment.map(env);
            let mut principal = Principal::new(PRINCIPALS[*who]).with_roles(claimed.clone());
            principal.environment = environment.clone();
            let ours = engine.decide(&Request::action(action.clone()).with_principal(principal.clone()));
            let theirs = cedar_allows(&set, entities, &principal.id, &claimed, action, environment.as_deref());
            prop_assert_eq!(
                ours.effect == Effect::Allow,
                theirs,
                "{} as {:?} in {:?}: ours {:?}\npolicy: {}\ncedar:\n{}",
                action, principal.id, environment, ours, text, exported.policies
            );
            let (fast, _) = engine.authorize(action, &principal);
            prop_assert_eq!(fast, ours.effect, "authorize() and decide() disagree");
        }
    }
}
