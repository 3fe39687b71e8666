//! RBAC and environments: roles, bindings, environments derived from what a
//! request touches, scoped rules, permissions, and the Cedar extension.

mod common;

use portcullis::{Decision, Effect, Engine, Principal, Request};
use serde_json::json;

fn engine() -> Engine {
    Engine::from_file(&common::data("policies/rbac/staging-production.json"))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn principal(id: &str, environment: Option<&str>) -> Principal {
    let mut principal = Principal::new(id);
    principal.environment = environment.map(str::to_owned);
    principal
}

fn decide(engine: &Engine, request: Request) -> Decision {
    engine.decide(&request)
}

fn roles(d: &Decision) -> Vec<String> {
    d.principal
        .as_ref()
        .map(|p| p.roles.iter().map(|r| r.to_string()).collect())
        .unwrap_or_default()
}

#[test]
fn staging_principal_touching_production_through_a_command_is_denied() {
    let e = engine();
    let staging = principal("agent-1", Some("staging"));
    let d = decide(
        &e,
        Request::command("curl -X DELETE https://db.prod.example.com/volumes/7")
            .with_principal(staging.clone()),
    );
    assert_eq!(d.effect, Effect::Deny, "{d:?}");
    assert_eq!(d.environment.as_deref(), Some("production"));
    assert_eq!(d.rule.as_deref(), Some("production-writes"));
    // A host in the arguments of a command that is not an HTTP client.
    let d = decide(
        &e,
        Request::command("kubectl --server=https://api.prod.example.com delete pod x")
            .with_principal(staging.clone()),
    );
    assert_eq!(
        (d.effect, d.environment.as_deref()),
        (Effect::Deny, Some("production")),
        "{d:?}"
    );
    // The user's rule and the default's production delete both deny it.
    assert!(
        d.matched.iter().any(|m| &*m.rule == "kubectl-production"),
        "{d:?}"
    );
    // A production path, through a flag's value.
    let d = decide(
        &e,
        Request::command("terraform destroy -var-file=/srv/prod/main.tfvars")
            .with_principal(staging),
    );
    assert_eq!(
        (d.effect, d.environment.as_deref()),
        (Effect::Deny, Some("production"))
    );
}

#[test]
fn staging_principal_touching_production_through_a_url_is_denied() {
    let e = engine();
    let staging = principal("agent-1", Some("staging"));
    for url in [
        "https://db.prod.example.com/volumes/7",
        "https://10.10.3.4/volumes/7",
        "https://DB.PROD.EXAMPLE.COM./volumes/7",
    ] {
        let d = decide(
            &e,
            Request::http("DELETE", url).with_principal(staging.clone()),
        );
        assert_eq!(d.effect, Effect::Deny, "{url}: {d:?}");
        assert_eq!(d.environment.as_deref(), Some("production"), "{url}");
    }
    // A write to staging is allowed for a developer.
    let d = decide(
        &e,
        Request::http("POST", "https://db.staging.example.com/volumes/7").with_principal(staging),
    );
    assert_eq!(
        (d.effect, d.rule.as_deref()),
        (Effect::Allow, Some("staging-writes")),
        "{d:?}"
    );
    assert_eq!(d.environment.as_deref(), Some("staging"));
}

#[test]
fn staging_principal_touching_production_through_a_tool_call_is_denied() {
    let e = engine();
    let staging = principal("agent-1", Some("staging"));
    // By the tool's name.
    let d = decide(
        &e,
        Request::tool("prod_query", json!({"sql": "select 1"})).with_principal(staging.clone()),
    );
    assert_eq!(
        (d.effect, d.environment.as_deref()),
        (Effect::Deny, Some("production")),
        "{d:?}"
    );
    assert_eq!(d.rule.as_deref(), Some("prod-tools"));
    // By a URL, a host or a path in its arguments, however deep.
    for args in [
        json!({"url": "https://api.prod.example.com/v1"}),
        json!({"target": {"hosts": ["db.prod.example.com:5432"]}}),
        json!({"path": "/srv/prod/../prod/data"}),
        json!({"connection": "postgres://admin@10.10.0.9/app"}),
    ] {
        let d = decide(
            &e,
            Request::tool("run_query", args.clone()).with_principal(staging.clone()),
        );
        assert_eq!(
            (d.effect, d.environment.as_deref()),
            (Effect::Deny, Some("production")),
            "{args}: {d:?}"
        );
    }
    // In staging, the same tool is allowed.
    let d = decide(
        &e,
        Request::tool(
            "run_query",
            json!({"url": "https://api.staging.example.com/v1"}),
        )
        .with_principal(staging),
    );
    assert_eq!(
        (d.effect, d.environment.as_deref()),
        (Effect::Allow, Some("staging")),
        "{d:?}"
    );
}

#[test]
fn terraform_destroy_is_ask_for_sre_in_staging_and_deny_for_everyone_in_production() {
    let e = engine();
    let cases = [
        ("alice", "/srv/staging/x.tfvars", Effect::Ask),
        ("agent-ops-1", "/srv/staging/x.tfvars", Effect::Ask),
        ("agent-1", "/srv/staging/x.tfvars", Effect::Deny),
        ("alice", "/srv/prod/x.tfvars", Effect::Deny),
        ("agent-ops-1", "/srv/prod/x.tfvars", Effect::Deny),
    ];
    for (who, file, want) in cases {
        let cmd = format!("terraform destroy -var-file={file}");
        let d = decide(
            &e,
            Request::command(cmd.clone()).with_principal(principal(who, None)),
        );
        assert_eq!(d.effect, want, "{who} {cmd}: {d:?}");
    }
    // With no environment touched or claimed, nothing grants the destroy.
    let d = decide(
        &e,
        Request::command("terraform destroy").with_principal(principal("alice", None)),
    );
    assert_eq!(d.effect, Effect::Deny);
    assert!(
        d.reason
            .contains("no permission grants `command:destructive`"),
        "{}",
        d.reason
    );
}

#[test]
fn roles_are_inherited_and_bound_by_exact_id_and_prefix() {
    let e = engine();
    let d = decide(
        &e,
        Request::action("db.read").with_principal(principal("alice", None)),
    );
    assert_eq!(roles(&d), ["developer", "sre"]);
    assert_eq!(
        (d.effect, d.rule.as_deref()),
        (Effect::Allow, Some("developers-read-db"))
    );
    let d = decide(
        &e,
        Request::action("db.read").with_principal(principal("agent-ops-9", None)),
    );
    assert_eq!(
        roles(&d),
        ["developer", "sre"],
        "every matching prefix adds roles"
    );
    let d = decide(
        &e,
        Request::action("db.read").with_principal(principal("agentx", None)),
    );
    assert!(roles(&d).is_empty());
    assert_eq!(d.effect, Effect::Deny);
    // Roles carried on the request are added to the bound ones.
    let mut p = principal("agent-2", Some("production"));
    p.roles = vec!["admin".into()];
    let d = decide(&e, Request::action("db.write").with_principal(p));
    assert_eq!(roles(&d), ["developer", "sre", "admin"]);
    assert_eq!(
        (d.effect, d.rule.as_deref()),
        (Effect::Ask, Some("admin-write-db-production"))
    );
}

#[test]
fn permissions_grant_only_where_they_say() {
    let e = engine();
    let sre_staging = principal("alice", Some("staging"));
    let d = decide(&e, Request::action("db.write").with_principal(sre_staging));
    assert_eq!(
        (d.effect, d.rule.as_deref()),
        (Effect::Allow, Some("sre-write-db"))
    );
    let d = decide(
        &e,
        Request::action("db.write").with_principal(principal("alice", Some("production"))),
    );
    assert_eq!(d.effect, Effect::Deny);
    assert_eq!(d.environment.as_deref(), Some("production"));
    let d = decide(
        &e,
        Request::action("db.write").with_principal(principal("agent-1", Some("staging"))),
    );
    assert_eq!(d.effect, Effect::Deny);
    let d = decide(
        &e,
        Request::action("no.such.action").with_principal(principal("alice", None)),
    );
    assert_eq!(d.effect, Effect::Deny, "an action nothing grants is denied");
    // The zero-allocation path agrees.
    assert_eq!(
        e.authorize("db.write", &principal("alice", Some("staging"))),
        (Effect::Allow, Some("sre-write-db"))
    );
    assert_eq!(
        e.authorize("db.write", &principal("agent-1", Some("staging"))),
        (Effect::Deny, None)
    );
}

#[test]
fn an_undefined_claimed_environment_is_denied() {
    let e = engine();
    let d = decide(
        &e,
        Request::action("db.read").with_principal(principal("alice", Some("prod"))),
    );
    assert_eq!(d.effect, Effect::Deny);
    assert!(d.reason.contains("does not define"), "{}", d.reason);
    let d = decide(
        &e,
        Request::command("ls").with_principal(principal("alice", Some("prod"))),
    );
    assert_eq!(d.effect, Effect::Deny);
}

#[test]
fn an_allow_scoped_to_staging_does_not_let_a_request_touching_production_through() {
    let e = engine();
    let d = decide(
        &e,
        Request::command(
            "curl -X POST https://api.staging.example.com/x && curl -X POST https://api.prod.example.com/x",
        )
        .with_principal(principal("agent-1", Some("staging"))),
    );
    assert_eq!(d.effect, Effect::Deny, "{d:?}");
    assert_eq!(
        d.environments.iter().map(|e| &**e).collect::<Vec<_>>(),
        ["production", "staging"]
    );
}

#[test]
fn destructive_tools_are_denied_in_production_by_permission() {
    let e = engine();
    // A principal with no role: the developer-scoped tool rule does not apply to it.
    let robot = principal("robot", None);
    let d = decide(
        &e,
        Request::tool("volumeDelete", json!({"host": "db.prod.example.com"}))
            .with_principal(robot.clone()),
    );
    // The default's `production-tool-delete` denies it too, and comes first.
    assert_eq!(d.effect, Effect::Deny, "{d:?}");
    assert!(
        d.matched
            .iter()
            .any(|m| &*m.rule == "nobody-destroys-production"),
        "{d:?}"
    );
    let d = decide(
        &e,
        Request::tool("volumeList", json!({"host": "db.prod.example.com"})).with_principal(robot),
    );
    assert_eq!(d.effect, Effect::Allow, "{d:?}");
    // Every role inherits `developer`, so the rule scoped to it decides first.
    let d = decide(
        &e,
        Request::tool("volumeList", json!({"host": "db.prod.example.com"}))
            .with_principal(principal("alice", None)),
    );
    assert_eq!(
        (d.effect, d.rule.as_deref()),
        (Effect::Deny, Some("prod-tools"))
    );
}

fn policy_error(text: &str) -> String {
    Engine::from_json(text).unwrap_err().to_string()
}

#[test]
fn role_cycles_and_unknown_names_are_errors_naming_rule_and_field() {
    let err = policy_error(
        r#"{"version": 1, "roles": [{"id": "a", "inherits": ["b"]}, {"id": "b", "inherits": ["c"]}, {"id": "c", "inherits": ["a"]}]}"#,
    );
    assert!(
        err.contains("roles[0].inherits") && err.contains("role inheritance cycle: a → b → c → a"),
        "{err}"
    );
    let err = policy_error(
        r#"{"version": 1, "roles": [{"id": "dev"}],
            "commands": [{"id": "r1", "effect": "deny", "program": "rm", "roles": ["dev", "sre"]}]}"#,
    );
    assert!(
        err.contains("commands[0].roles[1] (rule `r1`)")
            && err.contains("unknown role `sre`; defined: dev"),
        "{err}"
    );
    let err = policy_error(
        r#"{"version": 1, "environments": [{"id": "staging"}],
            "egress": [{"id": "e1", "effect": "allow", "hosts": ["a.example"], "environments": ["prod"]}]}"#,
    );
    assert!(
        err.contains("egress[0].environments[0] (rule `e1`)")
            && err.contains("unknown environment `prod`; defined: staging"),
        "{err}"
    );
    let err = policy_error(r#"{"version": 1, "roles": [{"id": "a", "inherits": ["ghost"]}]}"#);
    assert!(
        err.contains("roles[0].inherits[0]") && err.contains("unknown role `ghost`; defined: a"),
        "{err}"
    );
    let err = policy_error(r#"{"version": 1, "principals": [{"id": "x*y*", "roles": ["a"]}]}"#);
    assert!(err.contains("principals[0].id"), "{err}");
    let err = policy_error(r#"{"version": 1, "principals": [{"id": "bob", "roles": ["nobody"]}]}"#);
    assert!(
        err.contains("principals[0].roles[0]") && err.contains("unknown role `nobody`"),
        "{err}"
    );
    let err = policy_error(
        r#"{"version": 1, "roles": [{"id": "a"}], "permissions": [{"id": "p", "effect": "allow", "roles": ["a"]}]}"#,
    );
    assert!(
        err.contains("permissions[0]") && err.contains("missing required field `actions`"),
        "{err}"
    );
    let err = policy_error(r#"{"version": 1, "roles": [{"id": "a"}, {"id": "a"}]}"#);
    assert!(
        err.contains("roles[1].id") && err.contains("duplicate id `a`"),
        "{err}"
    );
}

#[test]
fn errors_carry_lines_in_toml_too() {
    let err = Engine::from_toml(
        "version = 1\n[[roles]]\nid = \"dev\"\n\n[[commands]]\nid = \"r\"\neffect = \"deny\"\nprogram = \"rm\"\nroles = [\"ops\"]\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("commands[0].roles[0] (rule `r`) at line 9"),
        "{err}"
    );
}

const CEDAR_BASE: &str = r#"{"version": 1,
    "defaults": {"egress": "deny"},
    "roles": [{"id": "dev"}],
    "environments": [{"id": "production", "hosts": ["**.prod.example.com"]}],
    "egress": [{"id": "internal", "effect": "allow", "hosts": ["**.example.com"]}],
    "cedar": {"policies": POLICIES}}"#;

fn with_cedar(policies: &str) -> Engine {
    let text = CEDAR_BASE.replace("POLICIES", &serde_json::to_string(policies).unwrap());
    Engine::from_json(&text).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_cedar_forbid_with_an_attribute_condition_turns_an_allow_into_deny() {
    let e = with_cedar(
        r#"@id("no-prod-writes-for-dev")
           @reason("developers do not write to production")
           forbid(principal in Portcullis::Role::"dev", action == Portcullis::Action::"http", resource)
           when { context.environment == "production" && context.http.method != "GET" };"#,
    );
    let dev = Principal::new("agent-1").with_roles(["dev"]);
    let allowed = e.decide(
        &Request::http("POST", "https://api.staging.example.com/").with_principal(dev.clone()),
    );
    assert_eq!(allowed.effect, Effect::Allow);
    let d = e.decide(
        &Request::http("POST", "https://api.prod.example.com/").with_principal(dev.clone()),
    );
    assert_eq!(
        (d.effect, d.rule.as_deref()),
        (Effect::Deny, Some("no-prod-writes-for-dev")),
        "{d:?}"
    );
    assert_eq!(d.source.as_deref(), Some("cedar"));
    assert_eq!(&*d.reason, "developers do not write to production");
    let d = e.decide(&Request::http("GET", "https://api.prod.example.com/").with_principal(dev));
    assert_eq!(d.effect, Effect::Allow);
    // Commands are not in the policy's scope: Cedar is not consulted for them.
    assert_eq!(e.check_command("ls").effect, Effect::Allow);
}

#[test]
fn a_cedar_policy_that_errors_at_evaluation_denies() {
    let e = with_cedar(
        r#"@id("uses-a-missing-attribute")
           forbid(principal, action == Portcullis::Action::"http", resource)
           when { context.nonexistent.field == "x" };"#,
    );
    let d = e.decide(&Request::http("GET", "https://api.staging.example.com/"));
    assert_eq!(
        (d.effect, d.rule.as_deref()),
        (Effect::Deny, Some("uses-a-missing-attribute")),
        "{d:?}"
    );
    assert!(d.reason.contains("failing closed"), "{}", d.reason);
}

#[test]
fn cedar_text_and_schema_errors_are_policy_errors() {
    let err = Engine::from_json(
        &CEDAR_BASE.replace("POLICIES", r#""forbid(principal, action, resource""#),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("cedar") && err.contains("policies"), "{err}");
    let text = r#"{"version": 1, "cedar": {"policies": "forbid(principal, action == Portcullis::Action::\"http\", resource) when { context.enviroment == \"x\" };",
        "schema": "namespace Portcullis { entity Role; entity Principal in [Role] { id: String }; entity Target; action \"http\" appliesTo { principal: Principal, resource: Target, context: { environment: String } }; }"}}"#;
    let err = Engine::from_json(text).unwrap_err().to_string();
    assert!(err.contains("schema"), "{err}");
}

#[test]
fn definitions_merge_across_bases_and_conflicts_are_errors() {
    let dir = common::data("policies/rbac");
    let e = Engine::from_file(&dir.join("extends-base.json")).unwrap_or_else(|e| panic!("{e}"));
    let d =
        e.decide(&Request::action("db.read").with_principal(principal("alice", Some("staging"))));
    assert_eq!(d.effect, Effect::Allow, "{d:?}");
    let err = Engine::from_file(&dir.join("conflicting-role.json"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("role `sre` is defined differently"), "{err}");
}

#[test]
fn decisions_without_rbac_carry_no_principal_facts_unless_asked() {
    let e = Engine::default_policy().unwrap();
    let d = e.check_command("ls");
    assert!(d.principal.is_none() && d.environment.is_none());
    let d = e.decide(&Request::command("ls").with_principal(principal("x", Some("anything"))));
    assert_eq!(d.principal.as_ref().map(|p| p.id.as_str()), Some("x"));
    assert_eq!(
        d.environment, None,
        "a policy without environments ignores the claim"
    );
}
