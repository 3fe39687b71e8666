//! Compiling a validated [`Policy`] into matchers.
//!
//! Every rule gets a global index (egress rules first, then commands, then
//! tools, then permissions, each in policy order, then Cedar policies), and every matcher is tagged with those
//! indices: host names go into a [`HostSet`], networks into a [`NetworkSet`],
//! command rules into a [`CommandMatcher`] (indexed by program), all tool
//! names into one [`NameSet`]. Egress fields that are cheap to test (ports, methods,
//! schemes) stay on the rule and are checked only for rules whose
//! destination matched. Compile cost is linear in the policy size plus the
//! regex compilation; the result is immutable and shared.
//!
//! With deferred automata ([`compile_deferred`], the start-up of a process
//! that makes a few decisions) the matcher sections themselves — egress,
//! commands and their prefilter, tools, SQL, paths — are compiled on their
//! first use, from the policy the engine keeps, so a decision pays only for
//! the sections it reaches (a `Read` of a file never builds the command
//! matcher). The rules' common part (ids, reasons, indices) and RBAC are
//! compiled at once. A deferred section can fail only where its eager
//! build would have (the default policy's is built eagerly by the test
//! suite); if one ever does, every later decision is denied, naming it.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use super::prefilter::CommandPrefilter;
use super::rbac::Rbac;
pub(crate) use super::rule::CompiledRule;
use super::Engine;
use crate::command::matcher::CommandMatcher;
use crate::effect::Effect;
use crate::egress::graphql::OperationKind;
use crate::egress::inspect::{GraphqlTest, HeaderTest, JsonTest};
use crate::egress::{HostSet, NetworkSet};
use crate::paths::PathMatcher;
use crate::pattern::NameSet;
use crate::pattern::{path_glob_to_regex, Build, RegexSet};
use crate::policy::snapshot::Lazy;
use crate::policy::{AuditOverflow, CommandRule, EgressRule, PathRule, SqlRule, ToolRule};
use crate::policy::{
    Diagnostic, ErrorKind, FieldPath, HostPattern, Inspection, NamePattern, Policy, PolicyError,
    RuleMeta,
};
use crate::sql::SqlMatcher;
use crate::tool::{ArgumentTest, CallRule};

/// What an egress rule checks once its destination matched.
#[derive(Debug, Default)]
pub(crate) struct EgressFilter {
    pub(crate) ports: Box<[u16]>,
    /// Inclusive ranges; a port matches when it is in `ports` or in one.
    pub(crate) port_ranges: Box<[(u16, u16)]>,
    /// What may have made the request (`Maker` bits; 0: anything).
    pub(crate) made_by: u8,
    pub(crate) methods: Box<[Box<str>]>,
    pub(crate) schemes: Box<[Box<str>]>,
    /// Indices of the rule's globs in [`EgressIndex::paths`].
    pub(crate) paths: Box<[usize]>,
    pub(crate) headers: Box<[HeaderTest]>,
    pub(crate) json: Box<[JsonTest]>,
    pub(crate) graphql: Option<GraphqlTest>,
    pub(crate) special: bool,
    pub(crate) override_special: bool,
}

impl EgressFilter {
    pub(crate) fn inspects_body(&self) -> bool {
        !self.json.is_empty() || self.graphql.is_some()
    }

    /// True when `port` is one the rule names (or it names none).
    pub(crate) fn port_matches(&self, port: u16) -> bool {
        (self.ports.is_empty() && self.port_ranges.is_empty())
            || self.ports.contains(&port)
            || self
                .port_ranges
                .iter()
                .any(|&(a, b)| (a..=b).contains(&port))
    }
}

/// What made an HTTP request, as an egress rule's `made_by` names it: the
/// default policy lets commands and tools reach a development server on
/// loopback, and keeps loopback denied to requests handed in directly
/// (a proxy or gateway, where loopback is server-side request forgery).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Maker {
    /// A shell command's HTTP client (`curl`, `wget`, git remotes).
    Command = 1,
    /// A URL a tool call fetches.
    Tool = 2,
    /// An HTTP request handed to the engine.
    Request = 4,
}

impl Maker {
    /// The bit of `name` (`command`, `tool`, `request`); 0 for another.
    pub(crate) fn bit(name: &str) -> u8 {
        match name {
            "command" => Maker::Command as u8,
            "tool" => Maker::Tool as u8,
            "request" => Maker::Request as u8,
            _ => 0,
        }
    }
}

/// Which default a request falls back to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    Command,
    Egress,
    Tool,
    /// HTTP requests made by shell commands.
    CommandEgress,
}

/// The effect and explanation used when no rule of a kind matched.
#[derive(Debug)]
pub(crate) struct DefaultVerdict {
    pub(crate) effect: Effect,
    pub(crate) reason: Arc<str>,
}

#[derive(Debug, Default)]
pub(crate) struct EgressIndex {
    pub(crate) hosts: HostSet,
    pub(crate) networks: NetworkSet,
    /// Every path glob of every egress rule, as one automaton.
    pub(crate) paths: RegexSet,
    /// True when some rule has `override_special`.
    pub(crate) has_override: bool,
    /// Rules that name neither hosts nor networks: any destination.
    pub(crate) anywhere: Vec<u32>,
    /// Indexed by global rule index (egress rules come first).
    pub(crate) filters: Vec<EgressFilter>,
}

/// The policy a deferred compilation keeps to build its sections from.
#[derive(Debug)]
enum Kept {
    /// The whole policy.
    Policy(Box<Policy>),
    /// The default policy's snapshot: each section's rules decoded when the
    /// section is first built (`policy::snapshot`; the command rules serve
    /// two sections, so they are decoded once and kept).
    Snapshot(Box<Lazy<'static>>, OnceLock<Option<Vec<CommandRule>>>),
}

impl Kept {
    /// The rules of one section: the policy's own, or the snapshot's,
    /// decoded now (their common parts empty: sections read only their
    /// matcher fields, and name rules in errors by index).
    fn rules<'k, R: Clone>(
        &'k self,
        whole: impl Fn(&Policy) -> &[R],
        decode: impl Fn(&Lazy<'static>) -> Option<Vec<R>>,
    ) -> Result<Cow<'k, [R]>, PolicyError> {
        match self {
            Kept::Policy(policy) => Ok(Cow::Borrowed(whole(policy))),
            Kept::Snapshot(lazy, _) => decode(lazy).map(Cow::Owned).ok_or_else(undecodable),
        }
    }

    /// The command rules (decoded once from a snapshot).
    fn commands(&self) -> Result<&[CommandRule], PolicyError> {
        match self {
            Kept::Policy(policy) => Ok(&policy.commands),
            Kept::Snapshot(lazy, commands) => commands
                .get_or_init(|| lazy.commands())
                .as_deref()
                .ok_or_else(undecodable),
        }
    }
}

fn undecodable() -> PolicyError {
    PolicyError::new(vec![Diagnostic::new(
        FieldPath::root(),
        ErrorKind::Limit("the default-policy snapshot does not decode".into()),
    )])
}

#[derive(Debug)]
pub(crate) struct Compiled {
    pub(crate) name: Option<String>,
    /// SHA-256 of the resolved policy's canonical JSON, hex; computed on
    /// first use from `policy` when it is not known at compile time.
    pub(crate) hash: OnceLock<String>,
    /// What a deferred compilation keeps: the sections not yet built are
    /// built from it, and the hash when it was not known.
    kept: Option<Kept>,
    rules: Vec<CompiledRule>,
    defaults: [DefaultVerdict; 4],
    pub(crate) inspection: Inspection,
    pub(crate) audit_overflow: AuditOverflow,
    pub(crate) audit_durability: crate::audit::Durability,
    pub(crate) hooks: crate::policy::Hooks,
    /// The `session` section, compiled.
    pub(crate) session: super::session::SessionMatcher,
    /// The global index of each section's first rule.
    starts: Starts,
    egress: OnceLock<EgressIndex>,
    commands: OnceLock<CommandMatcher>,
    command_prefilter: OnceLock<CommandPrefilter>,
    tools: OnceLock<(NameSet, ToolIndex)>,
    /// SQL rules, in policy order, with their global indices.
    sql_rules: OnceLock<Vec<(u32, SqlMatcher)>>,
    /// Path rules.
    path_rules: OnceLock<PathMatcher>,
    /// Why a deferred section failed to build, if one did: decisions are
    /// then denied.
    failed: OnceLock<String>,
    pub(crate) rbac: Rbac,
}

/// Where each section's rules start in the global rule order, and how many
/// SQL and path rules there are.
#[derive(Debug, Clone, Copy, Default)]
struct Starts {
    commands: u32,
    tools: u32,
    sql: u32,
    paths: u32,
    sql_count: usize,
    path_count: usize,
}

/// What a tool rule checks once its name matched.
#[derive(Debug, Default)]
pub(crate) struct ToolFilter {
    /// Server names (an exact-and-glob set tagged 0); `None`: any server.
    pub(crate) servers: Option<NameSet>,
    pub(crate) arguments: Box<[ArgumentTest]>,
    pub(crate) annotations: Box<[(Box<str>, bool)]>,
    pub(crate) destructive_name: bool,
    pub(crate) changing_name: bool,
}

/// Tool rules beyond their names.
#[derive(Debug, Default)]
pub(crate) struct ToolIndex {
    /// The global index of the first tool rule.
    pub(crate) start: u32,
    /// By tool rule (global index minus `start`).
    pub(crate) filters: Vec<ToolFilter>,
    /// Rules that name no tool: any name.
    pub(crate) anywhere: Vec<u32>,
}

impl ToolIndex {
    pub(crate) fn filter(&self, tag: u32) -> Option<&ToolFilter> {
        self.filters.get(tag.checked_sub(self.start)? as usize)
    }
}

/// Compiles a tool rule's server, argument and annotation tests; `Err`
/// names the field whose pattern does not compile.
fn tool_filter(
    rule: &CallRule,
    build: Build,
) -> Result<ToolFilter, (&'static str, crate::pattern::RegexSetError)> {
    let servers = if rule.servers.is_empty() {
        None
    } else {
        let mut set = NameSet::builder();
        for s in &rule.servers {
            match s {
                NamePattern::Exact(n) => set.exact(n, 0),
                NamePattern::Glob(g) => set.glob(g, 0),
            }
        }
        Some(set.build_with(build).map_err(|e| ("server", e))?)
    };
    let arguments = rule
        .arguments
        .iter()
        .map(|a| ArgumentTest::new(a, build))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ("arguments", e))?;
    Ok(ToolFilter {
        servers,
        arguments: arguments.into(),
        annotations: rule
            .annotations
            .iter()
            .map(|(k, v)| (k.as_str().into(), *v))
            .collect(),
        destructive_name: rule.destructive_name,
        changing_name: rule.changing_name,
    })
}

impl Compiled {
    /// `cell`'s section, built now from the kept policy if it is deferred.
    fn section<'a, T: Default>(
        &'a self,
        cell: &'a OnceLock<T>,
        what: &str,
        build: impl FnOnce(&Kept, Starts) -> Result<T, PolicyError>,
    ) -> &'a T {
        cell.get_or_init(|| {
            let result = match &self.kept {
                Some(kept) => build(kept, self.starts),
                None => Err(PolicyError::new(Vec::new())),
            };
            result.unwrap_or_else(|e| {
                let _ = self
                    .failed
                    .set(format!("its {what} failed to compile: {e}"));
                T::default()
            })
        })
    }

    /// The egress rules, compiled.
    pub(crate) fn egress(&self) -> &EgressIndex {
        self.section(&self.egress, "egress rules", |k, _| {
            egress_index(&k.rules(|p| &p.egress, Lazy::egress)?, Build::OnFirstUse)
        })
    }

    /// The command rules, compiled.
    pub(crate) fn commands(&self) -> &CommandMatcher {
        self.section(&self.commands, "command rules", |k, s| {
            command_matcher(k.commands()?, s.commands, Build::OnFirstUse)
        })
    }

    /// The command prefilter.
    pub(crate) fn command_prefilter(&self) -> &CommandPrefilter {
        self.section(&self.command_prefilter, "command prefilter", |k, s| {
            Ok(CommandPrefilter::new(
                k.commands()?,
                s.sql_count > 0,
                s.path_count > 0,
            ))
        })
    }

    fn tools(&self) -> &(NameSet, ToolIndex) {
        self.section(&self.tools, "tool rules", |k, s| {
            tool_index(
                &k.rules(|p| &p.tools, Lazy::tools)?,
                s.tools,
                Build::OnFirstUse,
            )
        })
    }

    /// Every tool rule's names, in one set.
    pub(crate) fn tool_names(&self) -> &NameSet {
        &self.tools().0
    }

    /// The tool rules beyond their names.
    pub(crate) fn tool_index(&self) -> &ToolIndex {
        &self.tools().1
    }

    /// The SQL rules, compiled, with their global indices.
    pub(crate) fn sql_rules(&self) -> &[(u32, SqlMatcher)] {
        if self.starts.sql_count == 0 {
            return &[];
        }
        self.section(&self.sql_rules, "SQL rules", |k, s| {
            sql_matchers(&k.rules(|p| &p.sql, Lazy::sql)?, s.sql, Build::OnFirstUse)
        })
        .as_slice()
    }

    /// True when the policy has SQL rules (without building them).
    pub(crate) fn has_sql_rules(&self) -> bool {
        self.starts.sql_count > 0
    }

    /// The path rules, compiled.
    pub(crate) fn path_rules(&self) -> &PathMatcher {
        self.section(&self.path_rules, "path rules", |k, s| {
            path_matcher(
                &k.rules(|p| &p.paths, Lazy::paths)?,
                s.paths,
                Build::OnFirstUse,
            )
        })
    }

    /// True when the policy has path rules (without building them).
    pub(crate) fn has_path_rules(&self) -> bool {
        self.starts.path_count > 0
    }

    /// The policy kept to compute the hash from, when it was not known.
    pub(crate) fn hash_source(&self) -> Option<&Policy> {
        match &self.kept {
            Some(Kept::Policy(policy)) => Some(policy),
            _ => None,
        }
    }

    /// Why a deferred section failed to build, when one did.
    pub(crate) fn failure(&self) -> Option<&str> {
        self.failed.get().map(String::as_str)
    }

    pub(crate) fn rule(&self, index: u32) -> Option<&CompiledRule> {
        self.rules.get(index as usize)
    }

    pub(crate) fn rule_count(&self) -> usize {
        self.rules.len()
    }

    pub(crate) fn default(&self, slot: Slot) -> &DefaultVerdict {
        let [command, egress, tool, command_egress] = &self.defaults;
        match slot {
            Slot::Command => command,
            Slot::Egress => egress,
            Slot::Tool => tool,
            Slot::CommandEgress => command_egress,
        }
    }

    /// Rule ids, rule reasons and default reasons.
    pub(crate) fn static_texts(&self) -> impl Iterator<Item = &str> {
        self.rules
            .iter()
            .flat_map(|r| [&*r.id, &*r.reason])
            .chain(self.defaults.iter().map(|d| &*d.reason))
    }

    pub(crate) fn filter(&self, tag: u32) -> Option<&EgressFilter> {
        self.egress().filters.get(tag as usize)
    }
}

/// What kind of rule a compiled rule is, for the reason it gets when its
/// policy gives none.
#[derive(Clone, Copy)]
enum Section {
    Egress,
    Command,
    Tool,
    Sql,
    Path,
    Permission,
}

fn compiled_rule(meta: &RuleMeta, section: Section) -> CompiledRule {
    let what = match section {
        Section::Egress => "http",
        Section::Command => "command",
        Section::Tool => "tool",
        Section::Sql => "SQL",
        Section::Path => "path",
        Section::Permission => "",
    };
    let reason = match (&meta.reason, section) {
        (Some(reason), _) => reason.as_str().into(),
        (None, Section::Permission) => format!(
            "permission `{}` ({}s {})",
            meta.id,
            meta.effect,
            meta.actions.join(", ")
        )
        .into(),
        (None, _) => format!("matched {what} rule `{}`", meta.id).into(),
    };
    CompiledRule {
        id: meta.id.as_str().into(),
        effect: meta.effect,
        shadow: meta.shadow,
        reason,
        source: meta.source.as_deref().map(Arc::from),
    }
}

fn default_verdict(slot: Slot, effect: Effect) -> DefaultVerdict {
    let reason = match slot {
        Slot::Command => format!("no command rule matched; the policy's default for commands is {effect}"),
        Slot::Egress => format!("no egress rule allows this request; the policy's default for egress is {effect}"),
        Slot::Tool => format!("no tool rule matched; the policy's default for tools is {effect}"),
        Slot::CommandEgress => format!("no egress rule allows this request, made by a command or a tool call; the policy's default for it is {effect}"),
    };
    DefaultVerdict {
        effect,
        reason: reason.into(),
    }
}

fn index(i: usize) -> Result<u32, PolicyError> {
    u32::try_from(i).map_err(|_| {
        PolicyError::new(vec![Diagnostic::new(
            FieldPath::root(),
            ErrorKind::Limit("more than 4,294,967,295 rules".into()),
        )])
    })
}

/// Compiles a validated policy. `hash` is the policy's hash when it is
/// already known (the default policy's snapshot records it); otherwise it
/// is computed now.
pub(crate) fn compile(policy: &Policy, hash: Option<String>) -> Result<Engine, PolicyError> {
    let hash = hash.unwrap_or_else(|| policy_hash(policy));
    compiled(policy, Some(hash), Build::Now).map(Engine::from_compiled)
}

/// Builds every matcher section now, unless `build` defers them (then each
/// is built on its first use, from the policy the engine keeps).
fn sections(compiled: &mut Compiled, policy: &Policy, build: Build) -> Result<(), PolicyError> {
    if build == Build::OnFirstUse {
        return Ok(());
    }
    let s = compiled.starts;
    let p = policy;
    compiled.egress = OnceLock::from(egress_index(&p.egress, build)?);
    compiled.commands = OnceLock::from(command_matcher(&p.commands, s.commands, build)?);
    let prefilter = CommandPrefilter::new(&p.commands, !p.sql.is_empty(), !p.paths.is_empty());
    compiled.command_prefilter = OnceLock::from(prefilter);
    compiled.tools = OnceLock::from(tool_index(&p.tools, s.tools, build)?);
    compiled.sql_rules = OnceLock::from(sql_matchers(&p.sql, s.sql, build)?);
    compiled.path_rules = OnceLock::from(path_matcher(&p.paths, s.paths, build)?);
    Ok(())
}

/// As [`compile`], with every automaton built on its first use and, unless
/// `hash` gives it, the policy hash computed on first use (from the policy,
/// which the engine keeps for that); an error gives the policy back.
pub(crate) fn compile_deferred(
    policy: Policy,
    hash: Option<String>,
) -> Result<Engine, (PolicyError, Box<Policy>)> {
    match compiled(&policy, hash, Build::OnFirstUse) {
        Ok(mut c) => {
            c.kept = Some(Kept::Policy(Box::new(policy)));
            Ok(Engine::from_compiled(c))
        }
        Err(e) => Err((e, Box::new(policy))),
    }
}

/// As [`compile_deferred`], from the default policy's snapshot (whose hash
/// it records): the rules' common parts are compiled now, each section's
/// rules decoded when the section is first built.
pub(crate) fn compile_snapshot(lazy: Lazy<'static>, hash: String) -> Result<Engine, PolicyError> {
    let mut c = compiled(lazy.skeleton(), Some(hash), Build::OnFirstUse)?;
    c.kept = Some(Kept::Snapshot(Box::new(lazy), OnceLock::new()));
    Ok(Engine::from_compiled(c))
}

fn compiled(policy: &Policy, hash: Option<String>, build: Build) -> Result<Compiled, PolicyError> {
    // Rules get their global indices in this order: egress, commands, tools,
    // SQL, paths, permissions, Cedar policies.
    let mut rules = Vec::new();
    let by_section: [(Section, Vec<&RuleMeta>); 6] = [
        (
            Section::Egress,
            policy.egress.iter().map(|r| &r.meta).collect(),
        ),
        (
            Section::Command,
            policy.commands.iter().map(|r| &r.meta).collect(),
        ),
        (
            Section::Tool,
            policy.tools.iter().map(|r| &r.meta).collect(),
        ),
        (Section::Sql, policy.sql.iter().map(|r| &r.meta).collect()),
        (
            Section::Path,
            policy.paths.iter().map(|r| &r.meta).collect(),
        ),
        (
            Section::Permission,
            policy.permissions.iter().map(|r| &r.meta).collect(),
        ),
    ];
    let mut firsts = [0u32; 6];
    for ((section, metas), first) in by_section.iter().zip(&mut firsts) {
        *first = index(rules.len())?;
        for meta in metas {
            rules.push(compiled_rule(meta, *section));
        }
    }
    let [_, commands, tools, sql, paths, _] = firsts;
    let starts = Starts {
        commands,
        tools,
        sql,
        paths,
        sql_count: policy.sql.len(),
        path_count: policy.paths.len(),
    };
    let (rbac, cedar_rules) = super::rbac_compile::compile(policy, index(rules.len())?, build)
        .map_err(PolicyError::new)?;
    rules.extend(cedar_rules);
    index(rules.len())?;

    let d = policy.defaults;
    let mut compiled = Compiled {
        name: policy.name.clone(),
        hash: match hash {
            Some(hash) => OnceLock::from(hash),
            None => OnceLock::new(),
        },
        kept: None,
        rules,
        defaults: [
            default_verdict(Slot::Command, d.command),
            default_verdict(Slot::Egress, d.egress),
            default_verdict(Slot::Tool, d.tool),
            default_verdict(Slot::CommandEgress, d.command_egress.unwrap_or(d.egress)),
        ],
        inspection: policy.inspection,
        audit_overflow: policy.audit_overflow,
        audit_durability: policy.audit_durability,
        hooks: policy.hooks,
        session: super::session::compile(&policy.session, build)?,
        starts,
        egress: OnceLock::new(),
        commands: OnceLock::new(),
        command_prefilter: OnceLock::new(),
        tools: OnceLock::new(),
        sql_rules: OnceLock::new(),
        path_rules: OnceLock::new(),
        failed: OnceLock::new(),
        rbac,
    };
    sections(&mut compiled, policy, build)?;
    Ok(compiled)
}

/// The egress rules: hosts and networks indexed, the cheap fields kept per
/// rule, every path glob in one automaton.
fn egress_index(rules: &[EgressRule], build: Build) -> Result<EgressIndex, PolicyError> {
    let mut egress = EgressIndex {
        hosts: HostSet::new(),
        networks: NetworkSet::new(),
        paths: RegexSet::default(),
        has_override: false,
        anywhere: Vec::new(),
        filters: Vec::new(),
    };
    let mut path_globs = Vec::new();
    let mut errors = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        // Egress rules come first: their global indices are their own.
        let tag = index(i)?;
        for host in &rule.hosts {
            match host {
                HostPattern::Exact(name) => egress.hosts.insert_exact(name, tag),
                HostPattern::Subdomains(domain) => egress.hosts.insert_subdomains(domain, tag),
                HostPattern::ApexAndSubdomains(domain) => {
                    egress.hosts.insert_apex_and_subdomains(domain, tag)
                }
            }
        }
        for net in &rule.cidrs {
            egress.networks.insert(*net, tag);
        }
        if rule.hosts.is_empty() && rule.cidrs.is_empty() {
            egress.anywhere.push(tag);
        }
        egress.has_override |= rule.override_special;
        let paths = rule
            .paths
            .iter()
            .map(|glob| {
                path_globs.push(path_glob_to_regex(glob));
                path_globs.len() - 1
            })
            .collect();
        let (headers, json, graphql) = body_tests(
            rule,
            FieldPath::root().key("egress").index(i),
            build,
            &mut errors,
        );
        egress.filters.push(EgressFilter {
            ports: rule.ports.clone().into(),
            port_ranges: rule.port_ranges.clone().into(),
            made_by: rule.made_by.iter().fold(0, |bits, m| bits | Maker::bit(m)),
            methods: rule.methods.iter().map(|m| m.as_str().into()).collect(),
            schemes: rule.schemes.iter().map(|s| s.as_str().into()).collect(),
            paths,
            headers,
            json,
            graphql,
            special: rule.special,
            override_special: rule.override_special,
        });
    }
    if !errors.is_empty() {
        return Err(PolicyError::new(errors));
    }
    egress.networks.build();
    egress.paths = RegexSet::with_build(&path_globs, build).map_err(|e| {
        PolicyError::new(vec![Diagnostic::new(
            FieldPath::root().key("egress"),
            ErrorKind::InvalidPattern {
                pattern: "(all egress path globs)".into(),
                reason: e.message,
            },
        )])
    })?;

    Ok(egress)
}

/// An egress rule's header, JSON and GraphQL tests; patterns that do not
/// compile are reported in `errors`.
fn body_tests(
    rule: &EgressRule,
    path: FieldPath,
    build: Build,
    errors: &mut Vec<Diagnostic>,
) -> (Box<[HeaderTest]>, Box<[JsonTest]>, Option<GraphqlTest>) {
    let mut bad = |field: FieldPath, pattern: &Option<String>, e: crate::pattern::RegexSetError| {
        let mut d = Diagnostic::new(
            field,
            ErrorKind::InvalidPattern {
                pattern: pattern.clone().unwrap_or_default(),
                reason: e.message,
            },
        );
        d.rule = Some(rule.meta.id.clone());
        errors.push(d);
    };
    let headers = rule
        .headers
        .iter()
        .enumerate()
        .filter_map(|(j, h)| {
            HeaderTest::new(&h.name, h.pattern.as_deref(), build)
                .map_err(|e| bad(path.key("headers").index(j).key("pattern"), &h.pattern, e))
                .ok()
        })
        .collect();
    let json = rule
        .json
        .iter()
        .enumerate()
        .filter_map(|(j, m)| {
            JsonTest::new(&m.pointer, m.pattern.as_deref(), build)
                .map_err(|e| bad(path.key("json").index(j).key("pattern"), &m.pattern, e))
                .ok()
        })
        .collect();
    let graphql = rule.graphql.as_ref().and_then(|g| {
        let kinds = g
            .operations
            .iter()
            .filter_map(|op| match op.as_str() {
                "query" => Some(OperationKind::Query),
                "mutation" => Some(OperationKind::Mutation),
                "subscription" => Some(OperationKind::Subscription),
                _ => None,
            })
            .collect();
        GraphqlTest::new(kinds, &g.fields, build)
            .map_err(|e| bad(path.key("graphql").key("fields"), &None, e))
            .ok()
    });
    (headers, json, graphql)
}

/// The command rules, indexed by program.
fn command_matcher(
    commands: &[CommandRule],
    start: u32,
    build: Build,
) -> Result<CommandMatcher, PolicyError> {
    let mut argv_rules = Vec::new();
    for (i, rule) in commands.iter().enumerate() {
        argv_rules.push((index(start as usize + i)?, &rule.argv));
    }
    CommandMatcher::new(argv_rules, build).map_err(|e| {
        let i = (e.tag as usize).saturating_sub(start as usize);
        let path = FieldPath::root().key("commands").index(i).key(e.field);
        let rule = commands.get(i);
        let pattern = match (e.field, rule) {
            ("pattern", Some(r)) => r.argv.pattern.clone().unwrap_or_default(),
            _ => format!("(the rule's {})", e.field),
        };
        let mut d = Diagnostic::new(
            path,
            ErrorKind::InvalidPattern {
                pattern,
                reason: e.message,
            },
        );
        d.rule = rule.map(|r| r.meta.id.clone());
        PolicyError::new(vec![d])
    })
}

/// The tool rules: every name in one set, the other tests per rule.
fn tool_index(
    tools: &[ToolRule],
    tools_start: u32,
    build: Build,
) -> Result<(NameSet, ToolIndex), PolicyError> {
    let mut names = NameSet::builder();
    let mut tool_filters = Vec::new();
    let mut tools_anywhere = Vec::new();
    let mut errors = Vec::new();
    for (i, rule) in tools.iter().enumerate() {
        let tag = index(tools_start as usize + i)?;
        for name in &rule.call.tools {
            match name {
                NamePattern::Exact(name) => names.exact(name, tag),
                NamePattern::Glob(glob) => names.glob(glob, tag),
            }
        }
        if rule.call.tools.is_empty() {
            tools_anywhere.push(tag);
        }
        match tool_filter(&rule.call, build) {
            Ok(filter) => tool_filters.push(filter),
            Err((field, e)) => {
                let mut d = Diagnostic::new(
                    FieldPath::root().key("tools").index(i).key(field),
                    ErrorKind::InvalidPattern {
                        pattern: format!("(the rule's {field})"),
                        reason: e.message,
                    },
                );
                d.rule = Some(rule.meta.id.clone());
                errors.push(d);
                tool_filters.push(ToolFilter::default());
            }
        }
    }
    if !errors.is_empty() {
        return Err(PolicyError::new(errors));
    }
    let tool_names = names.build_with(build).map_err(|e| {
        let reason = e.message.clone();
        PolicyError::new(vec![Diagnostic::new(
            FieldPath::root().key("tools"),
            ErrorKind::InvalidPattern {
                pattern: "(all tool name globs)".into(),
                reason,
            },
        )])
    })?;

    Ok((
        tool_names,
        ToolIndex {
            start: tools_start,
            filters: tool_filters,
            anywhere: tools_anywhere,
        },
    ))
}

/// The SQL rules, in policy order.
fn sql_matchers(
    sql: &[SqlRule],
    start: u32,
    build: Build,
) -> Result<Vec<(u32, SqlMatcher)>, PolicyError> {
    let mut sql_rules = Vec::new();
    for (i, rule) in sql.iter().enumerate() {
        let tag = index(start as usize + i)?;
        let matcher = SqlMatcher::new(&rule.statement, build).map_err(|e| {
            let mut d = Diagnostic::new(
                FieldPath::root().key("sql").index(i).key("objects"),
                ErrorKind::InvalidPattern {
                    pattern: rule.statement.objects.join(", "),
                    reason: e.message,
                },
            );
            d.rule = Some(rule.meta.id.clone());
            PolicyError::new(vec![d])
        })?;
        sql_rules.push((tag, matcher));
    }
    Ok(sql_rules)
}

/// The path rules, by access, in one automaton each.
fn path_matcher(paths: &[PathRule], start: u32, build: Build) -> Result<PathMatcher, PolicyError> {
    let mut path_rules = PathMatcher::builder();
    for (i, rule) in paths.iter().enumerate() {
        path_rules.rule(index(start as usize + i)?, &rule.access);
    }
    path_rules.build_with(build).map_err(|e| {
        PolicyError::new(vec![Diagnostic::new(
            FieldPath::root().key("paths"),
            ErrorKind::InvalidPattern {
                pattern: "(all path globs)".into(),
                reason: e.message,
            },
        )])
    })
}

/// SHA-256 of `policy`'s canonical JSON, hex.
pub(crate) fn policy_hash(policy: &Policy) -> String {
    use sha2::{Digest, Sha256};
    crate::audit::chain::hex(&Sha256::digest(policy.to_value().to_string().as_bytes()))
}
