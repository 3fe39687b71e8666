//! Compiling the RBAC part of a policy: roles, bindings, environments,
//! permissions, rule scopes and the Cedar extension.
//!
//! Each step reads one section of the policy into its compiled form and
//! reports every mistake it finds (an unknown role or environment, with its
//! field path and the names that are defined), so an author sees all of
//! them at once. Rule scopes and permissions are indexed by the global rule
//! index the compiler gives every rule. Cost: linear in the policy, once.

use std::sync::Arc;

use super::rbac::{Rbac, Scope};
use super::rule::CompiledRule;
use crate::effect::Effect;
use crate::pattern::Build;
use crate::policy::{Diagnostic, ErrorKind, FieldPath, HostPattern, NamePattern, Policy};
use crate::rbac::cedar::CedarPolicies;
use crate::rbac::permissions::Entry;
use crate::rbac::{Bindings, EnvironmentSet, Permissions, RoleError, RoleGraph};

fn unknown(
    path: FieldPath,
    what: &'static str,
    name: &str,
    defined: Vec<&str>,
    rule: Option<&str>,
) -> Diagnostic {
    let defined = if defined.is_empty() {
        "none".to_owned()
    } else {
        defined.join(", ")
    };
    let mut d = Diagnostic::new(
        path,
        ErrorKind::UnknownName {
            what,
            name: name.to_owned(),
            defined,
        },
    );
    d.rule = rule.map(str::to_owned);
    d
}

/// Compiles the RBAC part; `first_cedar_tag` is the global index the first
/// Cedar policy gets; returns the compiled part and the Cedar rules to add.
pub(crate) fn compile(
    policy: &Policy,
    first_cedar_tag: u32,
    build: Build,
) -> Result<(Rbac, Vec<CompiledRule>), Vec<Diagnostic>> {
    let graph = role_graph(policy)?;
    let mut errors = Vec::new();
    let role_names: Vec<&str> = policy.roles.iter().map(|r| r.id.as_str()).collect();
    let env_defined: Vec<&str> = policy.environments.iter().map(|e| e.id.as_str()).collect();
    let bindings = bindings(policy, &graph, &role_names, &mut errors);
    let environments = environments(policy, build, &mut errors);
    let (scopes, rule_actions, permissions) = scopes(
        policy,
        first_cedar_tag,
        &graph,
        &environments,
        (&role_names, &env_defined),
        &mut errors,
    );
    let (cedar, cedar_rules) = cedar(policy, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok((
        Rbac {
            role_names: (0..graph.len())
                .filter_map(|i| graph.name(i))
                .map(Arc::from)
                .collect(),
            graph,
            bindings,
            env_names: env_defined.iter().map(|n| Arc::from(*n)).collect(),
            environments,
            permissions,
            scopes,
            rule_actions,
            cedar,
            cedar_first_tag: first_cedar_tag,
        },
        cedar_rules,
    ))
}

/// The role graph (inheritance resolved); an unknown parent or a cycle
/// stops here, since every later step needs the graph.
fn role_graph(policy: &Policy) -> Result<RoleGraph, Vec<Diagnostic>> {
    match RoleGraph::build(
        policy
            .roles
            .iter()
            .map(|r| (r.id.as_str(), r.inherits.as_slice())),
    ) {
        Ok(graph) => Ok(graph),
        Err(RoleError::Unknown { role, at, name }) => {
            let path = FieldPath::root()
                .key("roles")
                .index(role)
                .key("inherits")
                .index(at);
            let defined = policy.roles.iter().map(|r| r.id.as_str()).collect();
            Err(vec![unknown(path, "role", &name, defined, None)])
        }
        Err(RoleError::Cycle(circle)) => {
            let first = circle.first().cloned().unwrap_or_default();
            let at = policy.roles.iter().position(|r| r.id == first).unwrap_or(0);
            let path = FieldPath::root().key("roles").index(at).key("inherits");
            Err(vec![Diagnostic::new(
                path,
                ErrorKind::RoleCycle(circle.join(" → ")),
            )])
        }
    }
}

/// Principal bindings: exact ids and `prefix*` patterns, to role closures.
fn bindings(
    policy: &Policy,
    graph: &RoleGraph,
    role_names: &[&str],
    errors: &mut Vec<Diagnostic>,
) -> Bindings {
    let mut bindings = Bindings::new();
    for (i, b) in policy.principals.iter().enumerate() {
        match graph.closure_of(&b.roles) {
            Ok(bits) => match b.prefix() {
                Some(prefix) => bindings.prefix(prefix, &bits),
                None => bindings.exact(&b.id, &bits),
            },
            Err((at, name)) => {
                let path = FieldPath::root()
                    .key("principals")
                    .index(i)
                    .key("roles")
                    .index(at);
                errors.push(unknown(path, "role", &name, role_names.to_vec(), None));
            }
        }
    }
    bindings
}

/// Environments and the targets (hosts, networks, paths, tools) that put a
/// request in them.
fn environments(policy: &Policy, build: Build, errors: &mut Vec<Diagnostic>) -> EnvironmentSet {
    let mut envs = EnvironmentSet::builder();
    for (i, e) in policy.environments.iter().enumerate() {
        let Some(k) = envs.environment(&e.id) else {
            errors.push(Diagnostic::new(
                FieldPath::root().key("environments").index(i),
                ErrorKind::Limit(format!(
                    "more than {} environments",
                    crate::rbac::MAX_ENVIRONMENTS
                )),
            ));
            break;
        };
        let built_in = e
            .source
            .as_deref()
            .is_some_and(|s| crate::defaults::PARTS.iter().any(|(name, _)| *name == s));
        if !built_in {
            envs.authored();
        }
        for h in &e.hosts {
            match h {
                HostPattern::Exact(d) => envs.exact_host(k, d),
                HostPattern::Subdomains(d) => envs.subdomains(k, d),
                HostPattern::ApexAndSubdomains(d) => envs.apex_and_subdomains(k, d),
            }
        }
        for net in &e.cidrs {
            envs.network(k, *net);
        }
        for p in &e.paths {
            envs.path(k, p);
        }
        for t in &e.tools {
            match t {
                NamePattern::Exact(n) => envs.tool(k, n, false),
                NamePattern::Glob(g) => envs.tool(k, g, true),
            }
        }
        for n in &e.names {
            match n {
                NamePattern::Exact(n) => envs.name(k, n, false),
                NamePattern::Glob(g) => envs.name(k, g, true),
            }
        }
    }
    match envs.build_with(build) {
        Ok(set) => set,
        Err(e) => {
            errors.push(Diagnostic::new(
                FieldPath::root().key("environments"),
                ErrorKind::InvalidPattern {
                    pattern: "(all environment tool globs)".into(),
                    reason: e.message,
                },
            ));
            EnvironmentSet::default()
        }
    }
}

/// What the compiled RBAC keeps per rule: scopes, action categories, and
/// the permission tables.
type PerRule = (Vec<Option<Scope>>, Vec<Box<[Arc<str>]>>, Permissions);

/// Every rule's scope (roles, environments) and action categories, and the
/// permissions (which come last among the rules) as per-action tables.
fn scopes(
    policy: &Policy,
    first_cedar_tag: u32,
    graph: &RoleGraph,
    environments: &EnvironmentSet,
    (role_names, env_defined): (&[&str], &[&str]),
    errors: &mut Vec<Diagnostic>,
) -> PerRule {
    let mut scopes = Vec::new();
    let mut rule_actions = Vec::new();
    let mut permissions = Permissions::builder();
    let sections = policy.rules_by_section();
    // Rule indices here must be the compiler's: every section, in its order.
    debug_assert_eq!(sections.len(), first_cedar_tag as usize);
    // Permissions come last.
    let first_permission = sections.len() - policy.permissions.len();
    for (tag, (section, i, meta)) in sections.into_iter().enumerate() {
        // Made only for an error: most rules have none.
        let path = || FieldPath::root().key(section).index(i);
        let rule = Some(meta.id.as_str());
        let roles = if meta.roles.is_empty() {
            None
        } else {
            match graph.set_of(&meta.roles) {
                // A rule for `developer` applies to whoever holds a role
                // inheriting it: the principal's closure is tested against the
                // rule's roles.
                Ok(bits) => Some(bits),
                Err((at, name)) => {
                    errors.push(unknown(
                        path().key("roles").index(at),
                        "role",
                        &name,
                        role_names.to_vec(),
                        rule,
                    ));
                    None
                }
            }
        };
        let mut mask = 0u64;
        for (at, name) in meta.environments.iter().enumerate() {
            match environments.index(name) {
                Some(k) => mask |= 1 << k,
                None => errors.push(unknown(
                    path().key("environments").index(at),
                    "environment",
                    name,
                    env_defined.to_vec(),
                    rule,
                )),
            }
        }
        let environments_scope = (!meta.environments.is_empty()).then_some(mask);
        if tag >= first_permission {
            // A permission: its scope is its entry, not a filter on matches.
            let entry = Entry {
                tag: u32::try_from(tag).unwrap_or(u32::MAX),
                effect: meta.effect,
                roles: roles.clone(),
                environments: environments_scope.unwrap_or(u64::MAX),
                shadow: meta.shadow,
            };
            for action in &meta.actions {
                permissions.add(action, entry.clone());
            }
            scopes.push(None);
            rule_actions.push(Box::default());
            continue;
        }
        scopes.push(
            (roles.is_some() || environments_scope.is_some()).then_some(Scope {
                roles,
                environments: environments_scope,
            }),
        );
        rule_actions.push(meta.actions.iter().map(|a| Arc::from(a.as_str())).collect());
    }
    (scopes, rule_actions, permissions.build())
}

/// The Cedar extension, and a rule for each of its policies.
fn cedar(
    policy: &Policy,
    errors: &mut Vec<Diagnostic>,
) -> (Option<CedarPolicies>, Vec<CompiledRule>) {
    let mut cedar_rules = Vec::new();
    let cedar = match &policy.cedar {
        None => None,
        Some(section) => match CedarPolicies::new(&section.policies, section.schema.as_deref()) {
            Ok(p) => {
                for r in p.rules() {
                    let verb = if r.forbid { "forbids" } else { "permits" };
                    cedar_rules.push(CompiledRule {
                        id: r.id.as_str().into(),
                        effect: if r.forbid {
                            Effect::Deny
                        } else {
                            Effect::Allow
                        },
                        shadow: false,
                        reason: r.reason.as_deref().map_or_else(
                            || format!("Cedar policy `{}` {verb} this", r.id).into(),
                            Arc::from,
                        ),
                        source: Some(Arc::from("cedar")),
                    });
                }
                Some(p)
            }
            Err(e) => {
                errors.push(Diagnostic::new(
                    FieldPath::root().key("cedar"),
                    ErrorKind::Cedar(e),
                ));
                None
            }
        },
    };
    (cedar, cedar_rules)
}
