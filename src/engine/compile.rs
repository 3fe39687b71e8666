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

use std::sync::Arc;

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
use crate::policy::{AuditOverflow, EgressRule};
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

#[derive(Debug)]
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

#[derive(Debug)]
pub(crate) struct Compiled {
    pub(crate) name: Option<String>,
    /// SHA-256 of the resolved policy's canonical JSON, hex; computed on
    /// first use from `hash_source` when that is kept.
    pub(crate) hash: std::sync::OnceLock<String>,
    /// The policy, kept to compute `hash` later (the default policy only).
    pub(crate) hash_source: Option<Box<Policy>>,
    rules: Vec<CompiledRule>,
    defaults: [DefaultVerdict; 4],
    pub(crate) inspection: Inspection,
    pub(crate) audit_overflow: AuditOverflow,
    pub(crate) egress: EgressIndex,
    pub(crate) commands: CommandMatcher,
    pub(crate) command_prefilter: CommandPrefilter,
    pub(crate) tool_names: NameSet,
    pub(crate) tools: ToolIndex,
    /// SQL rules, in policy order, with their global indices.
    pub(crate) sql_rules: Vec<(u32, SqlMatcher)>,
    /// Path rules.
    pub(crate) path_rules: PathMatcher,
    pub(crate) rbac: Rbac,
}

/// What a tool rule checks once its name matched.
#[derive(Debug, Default)]
pub(crate) struct ToolFilter {
    /// Server names (an exact-and-glob set tagged 0); `None`: any server.
    pub(crate) servers: Option<NameSet>,
    pub(crate) arguments: Box<[ArgumentTest]>,
    pub(crate) annotations: Box<[(Box<str>, bool)]>,
    pub(crate) destructive_name: bool,
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
    })
}

impl Compiled {
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
        self.egress.filters.get(tag as usize)
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

/// Compiles a validated policy.
pub(crate) fn compile(policy: &Policy) -> Result<Engine, PolicyError> {
    compiled(policy, true, Build::Now).map(Engine::from_compiled)
}

/// As [`compile`], with every automaton built on its first use and the
/// policy hash computed on first use (from the policy, which the engine
/// keeps for that); an error gives the policy back.
pub(crate) fn compile_deferred(policy: Policy) -> Result<Engine, (PolicyError, Box<Policy>)> {
    match compiled(&policy, false, Build::OnFirstUse) {
        Ok(mut c) => {
            c.hash_source = Some(Box::new(policy));
            Ok(Engine::from_compiled(c))
        }
        Err(e) => Err((e, Box::new(policy))),
    }
}

fn compiled(policy: &Policy, hash_now: bool, build: Build) -> Result<Compiled, PolicyError> {
    // Rules get their global indices in this order: egress, commands, tools,
    // SQL, paths, permissions, Cedar policies.
    let mut rules = Vec::new();
    let egress = egress_index(policy, &mut rules, build)?;
    let commands = command_matcher(policy, &mut rules, build)?;
    let (tool_names, tools) = tool_index(policy, &mut rules, build)?;
    let sql_rules = sql_matchers(policy, &mut rules, build)?;
    let path_rules = path_matcher(policy, &mut rules, build)?;
    for rule in &policy.permissions {
        index(rules.len())?;
        rules.push(compiled_rule(&rule.meta, Section::Permission));
    }
    let (rbac, cedar_rules) = super::rbac_compile::compile(policy, index(rules.len())?, build)
        .map_err(PolicyError::new)?;
    rules.extend(cedar_rules);
    index(rules.len())?;

    let d = policy.defaults;
    Ok(Compiled {
        name: policy.name.clone(),
        hash: if hash_now {
            std::sync::OnceLock::from(policy_hash(policy))
        } else {
            std::sync::OnceLock::new()
        },
        hash_source: None,
        rules,
        defaults: [
            default_verdict(Slot::Command, d.command),
            default_verdict(Slot::Egress, d.egress),
            default_verdict(Slot::Tool, d.tool),
            default_verdict(Slot::CommandEgress, d.command_egress.unwrap_or(d.egress)),
        ],
        inspection: policy.inspection,
        audit_overflow: policy.audit_overflow,
        egress,
        commands,
        command_prefilter: CommandPrefilter::new(policy),
        tool_names,
        tools,
        sql_rules,
        path_rules,
        rbac,
    })
}

/// The egress rules: hosts and networks indexed, the cheap fields kept per
/// rule, every path glob in one automaton.
fn egress_index(
    policy: &Policy,
    rules: &mut Vec<CompiledRule>,
    build: Build,
) -> Result<EgressIndex, PolicyError> {
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
    for (i, rule) in policy.egress.iter().enumerate() {
        let tag = index(rules.len())?;
        rules.push(compiled_rule(&rule.meta, Section::Egress));
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
    policy: &Policy,
    rules: &mut Vec<CompiledRule>,
    build: Build,
) -> Result<CommandMatcher, PolicyError> {
    let mut argv_rules = Vec::new();
    for rule in &policy.commands {
        let tag = index(rules.len())?;
        rules.push(compiled_rule(&rule.meta, Section::Command));
        argv_rules.push((tag, &rule.argv));
    }
    let egress_count = policy.egress.len();
    CommandMatcher::new(argv_rules, build).map_err(|e| {
        let i = (e.tag as usize).saturating_sub(egress_count);
        let path = FieldPath::root().key("commands").index(i).key(e.field);
        let rule = policy.commands.get(i);
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
    policy: &Policy,
    rules: &mut Vec<CompiledRule>,
    build: Build,
) -> Result<(NameSet, ToolIndex), PolicyError> {
    let mut names = NameSet::builder();
    let tools_start = index(rules.len())?;
    let mut tool_filters = Vec::new();
    let mut tools_anywhere = Vec::new();
    let mut errors = Vec::new();
    for (i, rule) in policy.tools.iter().enumerate() {
        let tag = index(rules.len())?;
        rules.push(compiled_rule(&rule.meta, Section::Tool));
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
    policy: &Policy,
    rules: &mut Vec<CompiledRule>,
    build: Build,
) -> Result<Vec<(u32, SqlMatcher)>, PolicyError> {
    let mut sql_rules = Vec::new();
    for (i, rule) in policy.sql.iter().enumerate() {
        let tag = index(rules.len())?;
        rules.push(compiled_rule(&rule.meta, Section::Sql));
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
fn path_matcher(
    policy: &Policy,
    rules: &mut Vec<CompiledRule>,
    build: Build,
) -> Result<PathMatcher, PolicyError> {
    let mut path_rules = PathMatcher::builder();
    for rule in &policy.paths {
        let tag = index(rules.len())?;
        rules.push(compiled_rule(&rule.meta, Section::Path));
        path_rules.rule(tag, &rule.access);
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
