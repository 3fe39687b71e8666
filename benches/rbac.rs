//! RBAC-scoped decisions on the shared workload (100 roles, 2,000
//! principals, 40 actions, 10 environments, 10,000 probes), Portcullis
//! against peers in the same run:
//!
//! - `rbac/portcullis_authorize`: [`Engine::authorize`], the allocation-free
//!   RBAC path (principal binding lookup, one action table, bitset tests);
//! - `rbac/portcullis_decide`: a full [`Decision`] for an `action` request
//!   (principal facts, reason, matched list);
//! - `rbac/baseline_hashmap_bitsets`: the plain Rust baseline — principal →
//!   role indices, role → action → environment bit mask, in hash maps;
//! - `rbac/cedar`: `cedar-policy`'s `is_authorized` on the policy set
//!   `portcullis export cedar` writes (one `permit` per permission, roles as
//!   entity parents), the way Cedar's documentation models RBAC;
//! - `rbac/regorus`: Rego evaluated by regorus's RVM with roles and grants
//!   as data (`some r in data.principals[p]; some g in data.roles[r]; …`).
//!
//! Every engine's answers are checked against the workload's expected
//! answers before anything is timed: a peer modelled wrong is a bug, not a
//! data point. Each iteration decides the next probe in turn.
//!
//! Run: `cargo bench --bench rbac` (needs `python3` the first time, to
//! generate `target/workload/`).

#[path = "workload/mod.rs"]
mod workload;

use std::collections::HashMap;
use std::hint::black_box;
use std::str::FromStr;

use cedar_policy::{Authorizer, Context, Entities, EntityUid, PolicySet};
use criterion::{criterion_group, criterion_main, Criterion};
use portcullis::{Effect, Engine, Policy, Principal, Request};
use serde_json::{json, Value};

struct Probe {
    principal: Principal,
    action: String,
    environment: String,
    allow: bool,
}

fn probes(rbac: &Value) -> Vec<Probe> {
    rbac["probes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| Probe {
            principal: Principal::new(p["principal"].as_str().unwrap())
                .with_environment(p["environment"].as_str().unwrap()),
            action: p["action"].as_str().unwrap().to_owned(),
            environment: p["environment"].as_str().unwrap().to_owned(),
            allow: p["allow"].as_bool().unwrap(),
        })
        .collect()
}

/// The workload as a Portcullis policy: one permission per role grant.
fn policy(rbac: &Value) -> Value {
    let roles = rbac["roles"].as_object().unwrap();
    let mut permissions = Vec::new();
    for (role, grants) in roles {
        for (i, g) in grants.as_array().unwrap().iter().enumerate() {
            permissions.push(json!({
                "id": format!("{role}-{i}"), "effect": "allow", "roles": [role],
                "actions": g["actions"], "environments": g["environments"],
            }));
        }
    }
    json!({
        "version": 1,
        "roles": roles.keys().map(|r| json!({"id": r})).collect::<Vec<_>>(),
        "principals": rbac["principals"].as_object().unwrap().iter()
            .map(|(p, r)| json!({"id": p, "roles": r})).collect::<Vec<_>>(),
        "environments": rbac["environments"].as_array().unwrap().iter()
            .map(|e| json!({"id": e})).collect::<Vec<_>>(),
        "permissions": permissions,
    })
}

/// The plain baseline: principal → roles, role → action → environment mask.
struct Baseline {
    principals: HashMap<String, Vec<usize>>,
    grants: Vec<HashMap<String, u16>>,
    environments: HashMap<String, u16>,
}

impl Baseline {
    fn new(rbac: &Value) -> Self {
        let environments: HashMap<String, u16> = rbac["environments"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, e)| (e.as_str().unwrap().to_owned(), 1 << i))
            .collect();
        let roles = rbac["roles"].as_object().unwrap();
        let index: HashMap<&str, usize> = roles
            .keys()
            .enumerate()
            .map(|(i, r)| (r.as_str(), i))
            .collect();
        let grants = roles
            .values()
            .map(|grants| {
                let mut m: HashMap<String, u16> = HashMap::new();
                for g in grants.as_array().unwrap() {
                    let mask = g["environments"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|e| environments[e.as_str().unwrap()])
                        .fold(0, |a, b| a | b);
                    for a in g["actions"].as_array().unwrap() {
                        *m.entry(a.as_str().unwrap().to_owned()).or_default() |= mask;
                    }
                }
                m
            })
            .collect();
        let principals = rbac["principals"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(p, rs)| {
                (
                    p.clone(),
                    rs.as_array()
                        .unwrap()
                        .iter()
                        .map(|r| index[r.as_str().unwrap()])
                        .collect(),
                )
            })
            .collect();
        Baseline {
            principals,
            grants,
            environments,
        }
    }

    fn allows(&self, principal: &str, action: &str, environment: &str) -> bool {
        let (Some(roles), Some(&env)) = (
            self.principals.get(principal),
            self.environments.get(environment),
        ) else {
            return false;
        };
        roles
            .iter()
            .any(|&r| self.grants[r].get(action).is_some_and(|m| m & env != 0))
    }
}

struct Cedar {
    set: PolicySet,
    entities: Entities,
    authorizer: Authorizer,
}

impl Cedar {
    fn new(policy: &Policy) -> Self {
        let out = policy.to_cedar();
        Cedar {
            set: PolicySet::from_str(&out.policies).unwrap(),
            entities: Entities::from_json_value(out.entities, None).unwrap(),
            authorizer: Authorizer::new(),
        }
    }

    fn request(p: &Probe) -> cedar_policy::Request {
        cedar_policy::Request::new(
            EntityUid::from_str(&format!("Portcullis::Principal::{}", json!(p.principal.id)))
                .unwrap(),
            EntityUid::from_str(&format!("Portcullis::Action::{}", json!(p.action))).unwrap(),
            EntityUid::from_str(r#"Portcullis::Target::"""#).unwrap(),
            Context::from_json_value(
                json!({"environment": p.environment, "action": p.action}),
                None,
            )
            .unwrap(),
            None,
        )
        .unwrap()
    }

    fn allows(&self, request: &cedar_policy::Request) -> bool {
        self.authorizer
            .is_authorized(request, &self.set, &self.entities)
            .decision()
            == cedar_policy::Decision::Allow
    }
}

const REGO: &str = r#"
package rbac
import rego.v1

default allow := false

allow if {
    some role in data.principals[input.principal]
    some grant in data.roles[role]
    input.action in grant.actions
    input.environment in grant.environments
}
"#;

struct Rego {
    vm: regorus::rvm::RegoVM,
}

impl Rego {
    fn new(rbac: &Value) -> Self {
        let mut engine = regorus::Engine::new();
        engine.add_policy("rbac.rego".into(), REGO.into()).unwrap();
        let data = json!({"principals": rbac["principals"], "roles": rbac["roles"]});
        let data = regorus::Value::from_json_str(&data.to_string()).unwrap();
        let rule = regorus::Rc::from("data.rbac.allow");
        let compiled = engine.compile_with_entrypoint(&rule).unwrap();
        let program = regorus::languages::rego::compiler::Compiler::compile_from_policy(
            &compiled,
            &["data.rbac.allow"],
        )
        .unwrap();
        let mut vm = regorus::rvm::RegoVM::new();
        vm.load_program(program);
        vm.set_data(data).unwrap();
        Rego { vm }
    }

    fn input(p: &Probe) -> regorus::Value {
        regorus::Value::from_json_str(
            &json!({"principal": p.principal.id, "action": p.action, "environment": p.environment})
                .to_string(),
        )
        .unwrap()
    }

    fn allows(&mut self, input: &regorus::Value) -> bool {
        self.vm.set_input(input.clone());
        self.vm.execute().unwrap() == regorus::Value::from(true)
    }
}

fn bench(c: &mut Criterion) {
    let rbac = workload::load("rbac");
    let probes = probes(&rbac);
    let policy = Policy::from_value(&policy(&rbac)).unwrap();
    let engine = Engine::builder().policy(&policy).build().unwrap();
    let baseline = Baseline::new(&rbac);
    let cedar = Cedar::new(&policy);
    let cedar_requests: Vec<_> = probes.iter().map(Cedar::request).collect();
    let mut rego = Rego::new(&rbac);
    let rego_inputs: Vec<_> = probes.iter().map(Rego::input).collect();

    // Every engine gives the expected answer on every probe before timing.
    for (i, p) in probes.iter().enumerate() {
        let want = p.allow;
        assert_eq!(
            engine.authorize(&p.action, &p.principal).0 == Effect::Allow,
            want,
            "portcullis authorize, probe {i}"
        );
        let d =
            engine.decide(&Request::action(p.action.clone()).with_principal(p.principal.clone()));
        assert_eq!(
            d.effect == Effect::Allow,
            want,
            "portcullis decide, probe {i}"
        );
        assert_eq!(
            baseline.allows(&p.principal.id, &p.action, &p.environment),
            want,
            "baseline, probe {i}"
        );
        assert_eq!(cedar.allows(&cedar_requests[i]), want, "cedar, probe {i}");
        if i % 10 == 0 {
            assert_eq!(rego.allows(&rego_inputs[i]), want, "regorus, probe {i}");
        }
    }
    for (i, input) in rego_inputs.iter().enumerate() {
        assert_eq!(rego.allows(input), probes[i].allow, "regorus, probe {i}");
    }
    eprintln!(
        "rbac: {} probes, {} permissions; every engine agrees with the expected answers",
        probes.len(),
        policy.permissions.len()
    );

    let mut g = c.benchmark_group("rbac");
    let n = probes.len();
    let mut i = 0;
    g.bench_function("portcullis_authorize", |b| {
        b.iter(|| {
            i = (i + 1) % n;
            let p = &probes[i];
            black_box(engine.authorize(black_box(&p.action), black_box(&p.principal)))
        })
    });
    let requests: Vec<Request> = probes
        .iter()
        .map(|p| Request::action(p.action.clone()).with_principal(p.principal.clone()))
        .collect();
    g.bench_function("portcullis_decide", |b| {
        b.iter(|| {
            i = (i + 1) % n;
            black_box(engine.decide(black_box(&requests[i])))
        })
    });
    g.bench_function("baseline_hashmap_bitsets", |b| {
        b.iter(|| {
            i = (i + 1) % n;
            let p = &probes[i];
            black_box(baseline.allows(black_box(&p.principal.id), &p.action, &p.environment))
        })
    });
    g.bench_function("cedar", |b| {
        b.iter(|| {
            i = (i + 1) % n;
            black_box(cedar.allows(black_box(&cedar_requests[i])))
        })
    });
    g.bench_function("regorus", |b| {
        b.iter(|| {
            i = (i + 1) % n;
            black_box(rego.allows(black_box(&rego_inputs[i])))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
