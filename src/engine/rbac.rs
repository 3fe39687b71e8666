//! Where RBAC meets requests: per request, who is asking and which
//! environment the request is in (the compiled form comes from
//! `rbac_compile`).
//!
//! The environment is derived from what the request touches — the
//! canonical host or address of an HTTP request (or of one a command
//! makes), hosts and paths in a command's arguments, a tool's name and the
//! URLs, hosts and paths in its arguments — and only when nothing it touches
//! belongs to an environment does the caller's claim count. A request that
//! touches a production host is in production even if the caller says
//! staging. A claimed environment the policy does not define is denied (when
//! the policy defines any of its own: the built-in `production` alone makes
//! no vocabulary for callers, and other claims are then ignored).
//!
//! Scoped rules: a rule with `roles` applies only to principals holding one
//! of them (after inheritance); a rule with `environments` applies when the
//! request is in one of them, and an *allow* rule only when every
//! environment the request touches is one of them (a staging allow must not
//! let a request that also touches production through). Cost per decision:
//! one hash lookup for the principal, one per claimed role, the matchers'
//! lookups for the targets, and a few word operations per candidate rule.
//! No allocation unless a principal carries more than six role sources.

use std::sync::Arc;

use smallvec::SmallVec;

use crate::effect::Effect;
use crate::egress::word::Named;
use crate::egress::Destination;
use crate::rbac::cedar::CedarPolicies;
use crate::rbac::{
    Bindings, EnvironmentSet, Permissions, RoleBits, RoleGraph, RoleView, NO_ENVIRONMENT,
};
use crate::request::Principal;

/// Where a rule applies.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    pub(super) roles: Option<RoleBits>,
    pub(super) environments: Option<u64>,
}

/// The compiled RBAC part of a policy.
#[derive(Debug, Default)]
pub(crate) struct Rbac {
    pub(crate) graph: RoleGraph,
    pub(super) role_names: Vec<Arc<str>>,
    pub(super) bindings: Bindings,
    pub(crate) environments: EnvironmentSet,
    pub(super) env_names: Vec<Arc<str>>,
    pub(crate) permissions: Permissions,
    /// By global rule index; `None`: applies everywhere.
    pub(super) scopes: Vec<Option<Scope>>,
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
    pub(crate) actions: SmallVec<[&'a str; 4]>,
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

impl Rbac {
    /// True when nothing in the policy is scoped, granted or derived: the
    /// engine can skip RBAC entirely.
    pub(crate) fn is_inert(&self) -> bool {
        self.graph.is_empty()
            && self.environments.is_empty()
            && self.permissions.is_empty()
            && self.cedar.is_none()
    }

    /// True when permissions or Cedar policies judge requests beyond the
    /// rules' own verdicts (so the RBAC step of a pass has work to do).
    pub(crate) fn judges_beyond_rules(&self) -> bool {
        !self.permissions.is_empty() || self.cedar.is_some()
    }

    /// Who asks, in the environments `derived` (from the request's targets);
    /// `Err` when the principal claims an environment the policy does not define.
    #[inline]
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
                    // Under built-in environments only, a claim of another
                    // is no claim: the default policy defines `production`
                    // for its own rules, not a vocabulary for callers.
                    None if !self.environments.is_authored() => {}
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

    /// True when a match of rule `tag` with `effect` counts for `who`: the
    /// rule's action categories are noted first (what a request does does
    /// not depend on who asks), then its scope is tested. Always true for a
    /// policy without RBAC.
    pub(crate) fn admits<'a>(&'a self, who: &mut Who<'a>, tag: u32, effect: Effect) -> bool {
        if self.is_inert() {
            return true;
        }
        // Only permissions and Cedar read the categories.
        if self.judges_beyond_rules() {
            who.note(self, tag);
        }
        self.applies(tag, who, effect)
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

    /// The environments of a word from a command or an argument: whatever
    /// place the egress analyzer reads it as naming (a URL, a host, an
    /// address, a path).
    pub(crate) fn of_word(&self, word: &str) -> u64 {
        match crate::egress::word::named(word) {
            Some(Named::Destination(destination, carried)) => {
                self.of_destination(&destination, carried)
            }
            Some(Named::Path(path)) => self
                .environments
                .of_path(&crate::command::paths::normalize_path(path)),
            None => 0,
        }
    }
}
