//! Where RBAC meets requests: compiling the policy's roles, bindings,
//! environments, permissions and rule scopes, and, per request, who is
//! asking and which environment the request is in.
//!
//! The environment is derived from what the request touches — the
//! canonical host or address of an HTTP request (or of one a command
//! makes), hosts and paths in a command's arguments, a tool's name and the
//! URLs, hosts and paths in its arguments — and only when nothing it touches
//! belongs to an environment does the caller's claim count. A request that
//! touches a production host is in production even if the caller says
//! staging. A claimed environment the policy does not define is denied.
//!
//! Scoped rules: a rule with `roles` applies only to principals holding one
//! of them (after inheritance); a rule with `environments` applies when the
//! request is in one of them, and an *allow* rule only when every
//! environment the request touches is one of them (a staging allow must not
//! let a request that also touches production through). Cost per decision:
//! one hash lookup for the principal, one per claimed role, the matchers'
//! lookups for the targets, and a few word operations per candidate rule.
//! No allocation unless a principal carries more than six role sources.

use std::net::IpAddr;
use std::sync::Arc;

use serde_json::Value;
use smallvec::SmallVec;

use super::compile::CompiledRule;
use crate::effect::Effect;
use crate::egress::{parse_url, Destination};
use crate::policy::{Diagnostic, ErrorKind, FieldPath, HostPattern, NamePattern, Policy};
use crate::rbac::cedar::CedarPolicies;
use crate::rbac::permissions::Entry;
use crate::rbac::{
    Bindings, EnvironmentSet, Permissions, RoleBits, RoleError, RoleGraph, RoleView, NO_ENVIRONMENT,
};
use crate::request::Principal;

/// Deepest JSON nesting walked in tool arguments.
pub(crate) const MAX_ARGUMENT_DEPTH: usize = 32;
/// Most strings looked at in one tool call's arguments.
pub(crate) const MAX_ARGUMENT_STRINGS: usize = 1024;

/// Where a rule applies.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    roles: Option<RoleBits>,
    environments: Option<u64>,
}

/// The compiled RBAC part of a policy.
#[derive(Debug, Default)]
pub(crate) struct Rbac {
    pub(crate) graph: RoleGraph,
    role_names: Vec<Arc<str>>,
    bindings: Bindings,
    pub(crate) environments: EnvironmentSet,
    env_names: Vec<Arc<str>>,
    pub(crate) permissions: Permissions,
    /// By global rule index; `None`: applies everywhere.
    scopes: Vec<Option<Scope>>,
    /// By global rule index: the action categories a match means.
    pub(crate) rule_actions: Vec<Box<[Arc<str>]>>,
    pub(crate) cedar: Option<CedarPolicies>,
    /// The global rule index of the first Cedar policy.
    pub(crate) cedar_first_tag: u32,
}

/// Who asks, where the request is, and what it does (its action categories).
#[derive(Debug, Clone, Default)]
pub(crate) struct Who<'a> {
    pub(crate) principal: Option<&'a Principal>,
    pub(crate) roles: RoleView<'a>,
    /// Environment bits; 0: none.
    pub(crate) envs: u64,
    /// The request's action categories, without repeats.
    pub(crate) actions: SmallVec<[&'a str; 8]>,
}

impl<'a> Who<'a> {
    /// Adds an action category.
    pub(crate) fn act(&mut self, action: &'a str) {
        if !self.actions.contains(&action) {
            self.actions.push(action);
        }
    }

    /// Adds the categories rule `tag` means (whether or not it applies to
    /// this principal: what a command is does not depend on who runs it).
    pub(crate) fn note(&mut self, rbac: &'a Rbac, tag: u32) {
        if let Some(actions) = rbac.rule_actions.get(tag as usize) {
            for a in actions.iter() {
                self.act(a);
            }
        }
    }
}

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
) -> Result<(Rbac, Vec<CompiledRule>), Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let graph = match RoleGraph::build(
        policy
            .roles
            .iter()
            .map(|r| (r.id.as_str(), r.inherits.as_slice())),
    ) {
        Ok(graph) => graph,
        Err(RoleError::Unknown { role, at, name }) => {
            let path = FieldPath::root()
                .key("roles")
                .index(role)
                .key("inherits")
                .index(at);
            let defined = policy.roles.iter().map(|r| r.id.as_str()).collect();
            return Err(vec![unknown(path, "role", &name, defined, None)]);
        }
        Err(RoleError::Cycle(circle)) => {
            let first = circle.first().cloned().unwrap_or_default();
            let at = policy.roles.iter().position(|r| r.id == first).unwrap_or(0);
            let path = FieldPath::root().key("roles").index(at).key("inherits");
            return Err(vec![Diagnostic::new(
                path,
                ErrorKind::RoleCycle(circle.join(" → ")),
            )]);
        }
    };
    let role_names: Vec<&str> = policy.roles.iter().map(|r| r.id.as_str()).collect();
    let env_defined: Vec<&str> = policy.environments.iter().map(|e| e.id.as_str()).collect();

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
                errors.push(unknown(path, "role", &name, role_names.clone(), None));
            }
        }
    }

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
    }
    let environments = match envs.build() {
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
    };

    let mut scopes = Vec::new();
    let mut rule_actions = Vec::new();
    let mut permissions = Permissions::builder();
    let sections = policy.rules_by_section();
    // Rule indices here must be the compiler's: every section, in its order.
    debug_assert_eq!(sections.len(), first_cedar_tag as usize);
    // Permissions come last.
    let first_permission = sections.len() - policy.permissions.len();
    for (tag, (section, i, meta)) in sections.into_iter().enumerate() {
        let path = FieldPath::root().key(section).index(i);
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
                        path.key("roles").index(at),
                        "role",
                        &name,
                        role_names.clone(),
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
                    path.key("environments").index(at),
                    "environment",
                    name,
                    env_defined.clone(),
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
            permissions: permissions.build(),
            scopes,
            rule_actions,
            cedar,
            cedar_first_tag: first_cedar_tag,
        },
        cedar_rules,
    ))
}

impl Rbac {
    /// True when nothing in the policy is scoped, granted or derived: the
    /// engine can skip RBAC entirely.
    pub(crate) fn is_inert(&self) -> bool {
        self.graph.is_empty()
            && self.environments.is_empty()
            && self.permissions.is_empty()
            && self.cedar.is_none()
    }

    /// Who asks, in the environments `derived` (from the request's targets);
    /// `Err` when the principal claims an environment the policy does not define.
    pub(crate) fn who<'a>(
        &'a self,
        principal: Option<&'a Principal>,
        derived: u64,
    ) -> Result<Who<'a>, String> {
        let mut who = Who {
            principal,
            roles: RoleView::new(),
            envs: derived,
            actions: SmallVec::new(),
        };
        let Some(p) = principal else {
            return Ok(who);
        };
        self.bindings.roles_of(&p.id, &mut who.roles);
        for role in &p.roles {
            if let Some(bits) = self.graph.index(role).and_then(|i| self.graph.closure(i)) {
                who.roles.add(bits);
            }
        }
        if derived == 0 && !self.environments.is_empty() {
            if let Some(claimed) = &p.environment {
                match self.environments.index(claimed) {
                    Some(k) => who.envs = 1 << k,
                    None => {
                        let shown: String = claimed.chars().take(64).collect();
                        return Err(format!(
                            "principal `{}` claims environment `{}`, which the policy does not define",
                            p.id.chars().take(64).collect::<String>(),
                            shown.escape_debug()
                        ));
                    }
                }
            }
        }
        Ok(who)
    }

    /// True when rule `tag` with `effect` applies to `who`.
    pub(crate) fn applies(&self, tag: u32, who: &Who<'_>, effect: Effect) -> bool {
        let Some(Some(scope)) = self.scopes.get(tag as usize) else {
            return true;
        };
        if let Some(roles) = &scope.roles {
            if !who.roles.intersects(roles) {
                return false;
            }
        }
        match scope.environments {
            None => true,
            Some(_) if who.envs == 0 => false,
            Some(mask) if effect == Effect::Allow => who.envs & !mask == 0,
            Some(mask) => who.envs & mask != 0,
        }
    }

    /// The principal's role names (resolved), in definition order.
    pub(crate) fn role_names(&self, who: &Who<'_>) -> Vec<Arc<str>> {
        if who.roles.is_empty() {
            return Vec::new();
        }
        who.roles
            .to_bits(self.graph.len())
            .iter()
            .filter_map(|i| self.role_names.get(i).cloned())
            .collect()
    }

    /// The names of the environments in `mask`.
    pub(crate) fn env_names(&self, mask: u64) -> Vec<Arc<str>> {
        let mask = mask & !NO_ENVIRONMENT;
        self.env_names
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, n)| Arc::clone(n))
            .collect()
    }

    /// The environments of an HTTP destination.
    pub(crate) fn of_destination(
        &self,
        destination: &Destination,
        carried: Option<std::net::Ipv4Addr>,
    ) -> u64 {
        match destination {
            Destination::Name(name) => self.environments.of_host(name),
            Destination::Ip(ip) => {
                self.environments.of_ip(*ip)
                    | carried.map_or(0, |v4| self.environments.of_ip(v4.into()))
            }
        }
    }

    /// The environments of a word from a command or an argument: a URL, a
    /// host (`db.prod.example.com`, `user@host`, `host:port`, `--host=h`),
    /// an address, or a path.
    pub(crate) fn of_word(&self, word: &str) -> u64 {
        let envs = &self.environments;
        let word = word.trim();
        if word.is_empty() || word.len() > 2048 {
            return 0;
        }
        if let Some((k, v)) = word.split_once('=') {
            if k.starts_with('-') {
                return self.of_word(v);
            }
        }
        if word.contains("://") {
            return match parse_url(word) {
                Ok(t) => self.of_destination(&t.destination, t.carried),
                Err(_) => 0,
            };
        }
        if word.starts_with('/') || word.starts_with("~/") {
            return envs.of_path(&crate::command::paths::normalize_path(word));
        }
        let host = word.rsplit_once('@').map_or(word, |(_, h)| h);
        if let Ok(ip) = host.parse::<IpAddr>() {
            return envs.of_ip(ip);
        }
        let host = host.split([':', '/']).next().unwrap_or_default();
        if let Ok(ip) = host.parse::<IpAddr>() {
            return envs.of_ip(ip);
        }
        let plausible = host.contains('.')
            && !host.starts_with(['.', '-'])
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
        if !plausible {
            return 0;
        }
        let host = host.trim_end_matches('.');
        if host.bytes().any(|b| b.is_ascii_uppercase()) {
            envs.of_host(&host.to_ascii_lowercase())
        } else {
            envs.of_host(host)
        }
    }

    /// The environments a tool call touches: its name, and the strings in its
    /// arguments (walked to [`MAX_ARGUMENT_DEPTH`], at most
    /// [`MAX_ARGUMENT_STRINGS`] strings).
    pub(crate) fn of_tool(&self, name: &str, arguments: &Value) -> u64 {
        let mut mask = self.environments.of_tool(name);
        let mut budget = MAX_ARGUMENT_STRINGS;
        let mut stack: Vec<(&Value, usize)> = vec![(arguments, 0)];
        while let Some((value, depth)) = stack.pop() {
            if depth > MAX_ARGUMENT_DEPTH || budget == 0 {
                break;
            }
            match value {
                Value::String(s) => {
                    budget -= 1;
                    mask |= self.of_word(s);
                }
                Value::Array(items) => stack.extend(items.iter().map(|v| (v, depth + 1))),
                Value::Object(map) => stack.extend(map.values().map(|v| (v, depth + 1))),
                _ => {}
            }
        }
        mask
    }
}
