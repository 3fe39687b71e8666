//! The policy document model, format v1, after validation.
//!
//! These types are what a valid policy *is*: every value has already been
//! checked and put in canonical form (hosts lowercased and IDNA-encoded,
//! CIDRs truncated to their network, methods uppercased, schemes lowercased).
//! The engine compiles them into matchers; nothing here is used at decision
//! time. Each rule holds its matcher's own plain-data rule ([`ArgvRule`],
//! [`CallRule`], [`StatementRule`], [`AccessRule`]) around its [`RuleMeta`].
//!
//! The serde derives are for the default-policy snapshot's binary form only
//! (`policy::snapshot`, postcard): the policy *format* is read by the reader
//! and written by `write`, never by these derives.

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::command::ArgvRule;
use crate::effect::Effect;
use crate::hook::Hooks;
use crate::paths::AccessRule;
use crate::pattern::NamePattern;
use crate::sql::StatementRule;
use crate::tool::CallRule;

/// A validated policy, format v1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Always 1 in this format.
    pub version: u32,
    /// Optional human name.
    pub name: Option<String>,
    /// The effect when no rule of a kind matches.
    pub defaults: Defaults,
    /// Egress (HTTP and network) rules, in policy order.
    pub egress: Vec<EgressRule>,
    /// Shell command rules, in policy order.
    pub commands: Vec<CommandRule>,
    /// Tool call rules, in policy order.
    pub tools: Vec<ToolRule>,
    /// SQL statement rules, in policy order: applied to SQL found in tool
    /// arguments and in database clients' code in commands.
    pub sql: Vec<SqlRule>,
    /// Sensitive path rules, in policy order: applied to the paths commands
    /// and tool calls read, write or delete.
    pub paths: Vec<PathRule>,
    /// Roles, each with the roles it inherits.
    pub roles: Vec<Role>,
    /// Static bindings of principal ids (exact or `prefix*`) to roles.
    pub principals: Vec<Binding>,
    /// Named environments and the targets that belong to each.
    pub environments: Vec<Environment>,
    /// Role-based grants and denials of action categories.
    pub permissions: Vec<Permission>,
    /// Cedar policies (and an optional schema) for attribute conditions.
    pub cedar: Option<CedarSection>,
    /// Bounds of request inspection (headers and bodies).
    pub inspection: Inspection,
    /// What an audited decision does when the audit queue is full.
    pub audit_overflow: AuditOverflow,
    /// When an audited decision is handed back: after its record is written,
    /// synced, or only queued.
    pub audit_durability: crate::audit::Durability,
    /// How coding-agent hooks answer decisions (`hooks`).
    pub hooks: Hooks,
    /// What sessions record and what their facts make stricter (`session`).
    pub session: crate::session::SessionRules,
    /// The bases this policy extends, as written (`default`, `packs/git`,
    /// `./base.json`); empty once resolved.
    pub extends: Vec<String>,
    /// Rule ids and pack names removed from the bases; empty once resolved.
    pub disable: Vec<String>,
    /// Which `defaults` and `inspection` fields the document set itself
    /// (they override the bases'; the others come from the bases).
    pub explicit: Explicit,
    /// What resolving `extends` did that `lint` reports (rules replaced by id).
    /// Not in the snapshot (the default policy has none; its test checks).
    #[serde(skip)]
    pub notes: Vec<crate::policy::Diagnostic>,
}

impl Policy {
    /// Every rule's common fields: egress, then commands, then tools, then
    /// permissions, in order.
    pub fn metas(&self) -> impl Iterator<Item = &RuleMeta> {
        self.egress
            .iter()
            .map(|r| &r.meta)
            .chain(self.commands.iter().map(|r| &r.meta))
            .chain(self.tools.iter().map(|r| &r.meta))
            .chain(self.sql.iter().map(|r| &r.meta))
            .chain(self.paths.iter().map(|r| &r.meta))
            .chain(self.permissions.iter().map(|r| &r.meta))
    }

    /// Every rule's common fields with its section's name and its index in
    /// that section, in global index order (the order of [`Policy::metas`]):
    /// the one place that order is written down for whoever names rules by
    /// field path.
    pub fn rules_by_section(&self) -> Vec<(&'static str, usize, &RuleMeta)> {
        let sections: [(&'static str, Vec<&RuleMeta>); 6] = [
            ("egress", self.egress.iter().map(|r| &r.meta).collect()),
            ("commands", self.commands.iter().map(|r| &r.meta).collect()),
            ("tools", self.tools.iter().map(|r| &r.meta).collect()),
            ("sql", self.sql.iter().map(|r| &r.meta).collect()),
            ("paths", self.paths.iter().map(|r| &r.meta).collect()),
            (
                "permissions",
                self.permissions.iter().map(|r| &r.meta).collect(),
            ),
        ];
        sections
            .into_iter()
            .flat_map(|(name, metas)| {
                metas
                    .into_iter()
                    .enumerate()
                    .map(move |(i, m)| (name, i, m))
            })
            .collect()
    }

    /// [`Policy::metas`], mutable.
    pub fn metas_mut(&mut self) -> impl Iterator<Item = &mut RuleMeta> {
        self.egress
            .iter_mut()
            .map(|r| &mut r.meta)
            .chain(self.commands.iter_mut().map(|r| &mut r.meta))
            .chain(self.tools.iter_mut().map(|r| &mut r.meta))
            .chain(self.sql.iter_mut().map(|r| &mut r.meta))
            .chain(self.paths.iter_mut().map(|r| &mut r.meta))
            .chain(self.permissions.iter_mut().map(|r| &mut r.meta))
    }

    /// Where each definition that is not a rule came from, mutable: roles,
    /// principal bindings and environments.
    pub(crate) fn definition_sources_mut(&mut self) -> impl Iterator<Item = &mut Option<String>> {
        self.roles
            .iter_mut()
            .map(|r| &mut r.source)
            .chain(self.principals.iter_mut().map(|b| &mut b.source))
            .chain(self.environments.iter_mut().map(|e| &mut e.source))
    }
}

/// Which settings a policy document states itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Explicit {
    /// `defaults.egress`, `.command`, `.tool`, `.command_egress`.
    pub defaults: [bool; 4],
    /// `inspection.max_body_bytes`, `.oversize`, `.paths`.
    pub inspection: [bool; 3],
    /// `audit_overflow`.
    pub audit_overflow: bool,
    /// `audit_durability`.
    pub audit_durability: bool,
    /// `hooks.grant`, `.unattended_ask`.
    pub hooks: [bool; 2],
}

/// What an audited decision does when the audit log's queue is full (the
/// disk is slower than the decisions): nothing is ever dropped silently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum AuditOverflow {
    /// Wait for room in the queue (the default): every decision is recorded.
    #[default]
    Block,
    /// Deny the request at once; the log records how many were denied unrecorded.
    Deny,
}

impl AuditOverflow {
    /// The name in the policy format.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditOverflow::Block => "block",
            AuditOverflow::Deny => "deny",
        }
    }
}

/// How much of an HTTP request is inspected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inspection {
    /// Bodies longer than this (bytes) are not parsed.
    pub max_body_bytes: usize,
    /// The effect for a request whose body a rule would inspect but that is
    /// longer than `max_body_bytes`; `ask` unless set.
    pub oversize: Effect,
    /// `paths = "strict"`: URL paths are matched as the servers that decode
    /// `;params`, `%2F`, `%5C` and `\` would read them
    /// (`egress::path::strict_path`); `"standard"` (the default) otherwise.
    pub strict_paths: bool,
}

impl Default for Inspection {
    fn default() -> Self {
        Inspection {
            max_body_bytes: 64 << 10,
            oversize: Effect::Ask,
            strict_paths: false,
        }
    }
}

/// The effect of each kind of request when no rule matches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Defaults {
    /// Default `deny`: egress is an allowlist.
    pub egress: Effect,
    /// Default `allow`.
    pub command: Effect,
    /// Default `allow`.
    pub tool: Effect,
    /// The effect for an HTTP request made by a shell command (`curl`,
    /// `wget`, …) that no egress rule allows; `None`: the same as `egress`.
    pub command_egress: Option<Effect>,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            egress: Effect::Deny,
            command: Effect::Allow,
            tool: Effect::Allow,
            command_egress: None,
        }
    }
}

/// What every rule has.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RuleMeta {
    /// Unique across the policy.
    pub id: String,
    /// What the rule decides when it matches.
    pub effect: Effect,
    /// Shown in the decision.
    pub reason: Option<String>,
    /// Reported in `matched` but never decides.
    pub shadow: bool,
    /// Inputs the rule must and must not match, checked at compile time.
    pub examples: Examples,
    /// Where the rule comes from when it is not the policy's own: a built-in
    /// pack (`packs/git`) or a base file (`./base.json`).
    pub source: Option<String>,
    /// The rule applies only to principals with one of these roles (empty: anyone).
    pub roles: Vec<String>,
    /// The rule applies only to requests in one of these environments
    /// (empty: any, and none).
    pub environments: Vec<String>,
    /// For a rule: the action categories a match means (`command:destructive`);
    /// for a permission: the actions it grants or denies (exact, `prefix:*`, `*`).
    pub actions: Vec<String>,
}

/// A rule's own test cases: compile fails when one does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Examples {
    /// Inputs the rule must match.
    pub matching: Vec<String>,
    /// Inputs the rule must not match.
    pub not_matching: Vec<String>,
}

/// A host pattern of an egress rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HostPattern {
    /// Exactly this name (canonical: lowercase, IDNA to ASCII, no trailing dot).
    Exact(String),
    /// `*.name`: any strict subdomain of `name`, never `name` itself.
    Subdomains(String),
    /// `**.name`: `name` itself and any of its subdomains.
    ApexAndSubdomains(String),
}

impl HostPattern {
    /// The canonical name the pattern is anchored at.
    pub fn domain(&self) -> &str {
        match self {
            HostPattern::Exact(d)
            | HostPattern::Subdomains(d)
            | HostPattern::ApexAndSubdomains(d) => d,
        }
    }

    /// The pattern as a policy writes it: `name`, `*.name` or `**.name`.
    pub fn text(&self) -> String {
        match self {
            HostPattern::Exact(d) => d.clone(),
            HostPattern::Subdomains(d) => format!("*.{d}"),
            HostPattern::ApexAndSubdomains(d) => format!("**.{d}"),
        }
    }
}

/// An egress rule: it matches when every field it sets matches.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EgressRule {
    /// Id, effect, reason, shadow.
    pub meta: RuleMeta,
    /// Host names; a name destination must match one (empty: any).
    pub hosts: Vec<HostPattern>,
    /// Networks; an IP destination must fall in one (empty: any).
    pub cidrs: Vec<IpNet>,
    /// Effective ports (empty, with no ranges: any).
    pub ports: Vec<u16>,
    /// Inclusive port ranges, written `"1024-65535"` among the `ports`.
    #[serde(default)]
    pub port_ranges: Vec<(u16, u16)>,
    /// What made the request (empty: anything): `command` (a shell
    /// command's HTTP client), `tool` (a URL a tool call fetches), `request`
    /// (an HTTP request handed to the engine: a proxy, a gateway, an embedder).
    #[serde(default)]
    pub made_by: Vec<String>,
    /// Uppercase methods (empty: any).
    pub methods: Vec<String>,
    /// Lowercase schemes (empty: any).
    pub schemes: Vec<String>,
    /// Path globs over the normalized path (empty: any): `*` stays within a
    /// segment, `**` crosses `/`.
    pub paths: Vec<String>,
    /// Header tests; one must hold (empty: any).
    pub headers: Vec<HeaderMatch>,
    /// JSON body tests; one must hold (empty: any).
    pub json: Vec<JsonMatch>,
    /// A GraphQL test on the request's GraphQL document.
    pub graphql: Option<GraphqlMatch>,
    /// A special-address rule (deny only): only an allow rule with
    /// `override_special` can override it.
    pub special: bool,
    /// An allow rule that overrides special-address rules (allow only).
    pub override_special: bool,
}

impl EgressRule {
    /// True when the rule looks at the request body.
    pub fn inspects_body(&self) -> bool {
        !self.json.is_empty() || self.graphql.is_some()
    }
}

/// A header test: the header is present and, when a pattern is given, its
/// value contains a match of the regular expression.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderMatch {
    /// Lowercase header name.
    pub name: String,
    /// Regular expression searched in the value.
    pub pattern: Option<String>,
}

/// A JSON body test: the value at a JSON pointer exists and, when a pattern
/// is given, its text (a string's contents, other values as JSON) contains a
/// match of the regular expression.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonMatch {
    /// RFC 6901 pointer (`/query`, `/options/force`).
    pub pointer: String,
    /// Regular expression searched in the value's text.
    pub pattern: Option<String>,
}

/// A GraphQL test: the request's GraphQL document has an operation of one of
/// `operations` (empty: any) with a top-level field whose name matches one of
/// `fields` (empty: any), case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphqlMatch {
    /// `query`, `mutation`, `subscription`.
    pub operations: Vec<String>,
    /// Field name globs (`*Delete`, `delete*`).
    pub fields: Vec<String>,
}

/// A shell command rule: it matches a simple command (after normalization)
/// when every field of its [`ArgvRule`] that is set matches.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CommandRule {
    /// Id, effect, reason, shadow, examples.
    pub meta: RuleMeta,
    /// What the command must be: programs, subcommands, flags, arguments,
    /// redirections, pipes, constructs, a pattern. The command matcher's own
    /// type, so a new field is declared once.
    pub argv: ArgvRule,
}

/// A tool call rule: it matches a call when every field of its
/// [`CallRule`] that is set matches.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ToolRule {
    /// Id, effect, reason, shadow.
    pub meta: RuleMeta,
    /// What the call must be: tool and server names, argument tests,
    /// annotations, a destructive name. The tool module's own type, so a new
    /// field is declared once.
    pub call: CallRule,
}

/// A SQL rule: it matches a statement when every field of its
/// [`StatementRule`] that is set matches.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SqlRule {
    /// Id, effect, reason, shadow, scope.
    pub meta: RuleMeta,
    /// What the statement must be: kinds, object types, object names. The
    /// SQL matcher's own type, so a new field is declared once.
    #[serde(with = "statement_codec")]
    pub statement: StatementRule,
}

/// A path rule: it matches a path touched with one of its accesses that
/// matches one of its globs and none of its exceptions.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PathRule {
    /// Id, effect, reason, shadow, scope.
    pub meta: RuleMeta,
    /// Which accesses to which paths: access kinds, globs, exceptions. The
    /// path matcher's own type, so a new field is declared once.
    pub access: AccessRule,
}

/// A role: a name for a set of permissions, inheriting other roles'.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    /// Unique among roles.
    pub id: String,
    /// Roles whose rules and permissions this role also has.
    pub inherits: Vec<String>,
    /// The base it came from, when not the policy's own.
    pub source: Option<String>,
}

/// A static binding of principals to roles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binding {
    /// A principal id (`alice`), or a prefix followed by `*` (`agent-*`).
    pub id: String,
    /// The roles every principal it names has.
    pub roles: Vec<String>,
    /// The base it came from, when not the policy's own.
    pub source: Option<String>,
}

impl Binding {
    /// The prefix, for a `prefix*` binding.
    pub fn prefix(&self) -> Option<&str> {
        self.id.strip_suffix('*')
    }
}

/// An environment and what belongs to it: a request that touches one of
/// these targets is in this environment, whatever the caller claims.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Environment {
    /// Unique among environments.
    pub id: String,
    /// Host patterns (as in egress rules).
    pub hosts: Vec<HostPattern>,
    /// Networks.
    pub cidrs: Vec<IpNet>,
    /// Absolute path prefixes (`/srv/prod/`).
    pub paths: Vec<String>,
    /// Tool name patterns.
    pub tools: Vec<NamePattern>,
    /// Deployment names (exact, or globs with `*` / `?`): a Kubernetes
    /// context or namespace, cloud profile or project, Terraform workspace,
    /// Pulumi stack, application environment (`RAILS_ENV=…`) or remote host
    /// a command names, whole or word by word (`command::deployment`).
    #[serde(default)]
    pub names: Vec<NamePattern>,
    /// The base it came from, when not the policy's own.
    pub source: Option<String>,
}

/// A role-based grant (`allow`), approval (`ask`) or denial (`deny`) of
/// action categories, in some environments. Its roles, environments and
/// actions are in its [`RuleMeta`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permission {
    /// Id, effect, reason, shadow, roles, environments, actions.
    pub meta: RuleMeta,
}

/// A policy's Cedar extension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CedarSection {
    /// Cedar policy text.
    pub policies: String,
    /// A Cedar schema (Cedar schema syntax), validated against at compile time.
    pub schema: Option<String>,
}

/// [`StatementRule`] in the snapshot: its kinds by name (the SQL module's
/// types carry no serde derives; this keeps it so).
mod statement_codec {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::sql::{Kind, StatementRule};

    #[derive(Serialize, Deserialize)]
    struct Mirror {
        kinds: Vec<String>,
        object_types: Vec<String>,
        objects: Vec<String>,
    }

    pub(super) fn serialize<S: Serializer>(rule: &StatementRule, s: S) -> Result<S::Ok, S::Error> {
        Mirror {
            kinds: rule.kinds.iter().map(|k| k.as_str().to_owned()).collect(),
            object_types: rule.object_types.clone(),
            objects: rule.objects.clone(),
        }
        .serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<StatementRule, D::Error> {
        let m = Mirror::deserialize(d)?;
        let kinds = m
            .kinds
            .iter()
            .map(|k| {
                Kind::from_name(k)
                    .ok_or_else(|| serde::de::Error::custom(format!("unknown SQL kind {k}")))
            })
            .collect::<Result<_, _>>()?;
        Ok(StatementRule {
            kinds,
            object_types: m.object_types,
            objects: m.objects,
        })
    }
}
