//! Compiling a validated [`Policy`] into matchers.
//!
//! Every rule gets a global index (egress rules first, then commands, then
//! tools, each in policy order), and every matcher is tagged with those
//! indices: host names go into a [`HostSet`], networks into a [`NetworkSet`],
//! command rules into a [`CommandMatcher`] (indexed by program), all tool
//! names into one [`NameSet`]. Egress fields that are cheap to test (ports, methods,
//! schemes) stay on the rule and are checked only for rules whose
//! destination matched. Compile cost is linear in the policy size plus the
//! regex compilation; the result is immutable and shared.

use std::sync::Arc;

use super::prefilter::CommandPrefilter;
use super::Engine;
use crate::command::matcher::{ArgvRule, CommandMatcher};
use crate::command::Construct;
use crate::decision::Kind;
use crate::effect::Effect;
use crate::egress::{HostSet, NetworkSet};
use crate::policy::{
    Diagnostic, ErrorKind, FieldPath, HostPattern, NamePattern, Policy, PolicyError, RuleMeta,
};
use crate::tool::NameSet;

/// A rule, as decisions see it.
#[derive(Debug)]
pub(crate) struct CompiledRule {
    pub(crate) id: Arc<str>,
    pub(crate) effect: Effect,
    pub(crate) shadow: bool,
    /// The rule's reason, or a generated one naming the rule.
    pub(crate) reason: Arc<str>,
}

/// What an egress rule checks once its destination matched.
#[derive(Debug, Default)]
pub(crate) struct EgressFilter {
    pub(crate) ports: Box<[u16]>,
    pub(crate) methods: Box<[Box<str>]>,
    pub(crate) schemes: Box<[Box<str>]>,
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
    /// Rules that name neither hosts nor networks: any destination.
    pub(crate) anywhere: Vec<u32>,
    /// Indexed by global rule index (egress rules come first).
    pub(crate) filters: Vec<EgressFilter>,
}

#[derive(Debug)]
pub(crate) struct Compiled {
    pub(crate) name: Option<String>,
    rules: Vec<CompiledRule>,
    defaults: [DefaultVerdict; 3],
    pub(crate) egress: EgressIndex,
    pub(crate) commands: CommandMatcher,
    pub(crate) command_prefilter: CommandPrefilter,
    pub(crate) tool_names: NameSet,
}

impl Compiled {
    pub(crate) fn rule(&self, index: u32) -> Option<&CompiledRule> {
        self.rules.get(index as usize)
    }

    pub(crate) fn rule_count(&self) -> usize {
        self.rules.len()
    }

    pub(crate) fn default_for(&self, kind: Kind) -> &DefaultVerdict {
        let [command, http, tool] = &self.defaults;
        match kind {
            Kind::Command => command,
            Kind::Http => http,
            Kind::Tool => tool,
        }
    }
}

fn compiled_rule(meta: &RuleMeta, kind: Kind) -> CompiledRule {
    let reason = match &meta.reason {
        Some(reason) => reason.as_str().into(),
        None => format!("matched {} rule `{}`", kind.as_str(), meta.id).into(),
    };
    CompiledRule {
        id: meta.id.as_str().into(),
        effect: meta.effect,
        shadow: meta.shadow,
        reason,
    }
}

fn default_verdict(kind: Kind, effect: Effect) -> DefaultVerdict {
    let what = match kind {
        Kind::Command => "command",
        Kind::Http => "egress",
        Kind::Tool => "tool",
    };
    DefaultVerdict {
        effect,
        reason: format!("no {what} rule matched; the policy's default for {what} is {effect}")
            .into(),
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
    let mut rules = Vec::new();
    let mut egress = EgressIndex {
        hosts: HostSet::new(),
        networks: NetworkSet::new(),
        anywhere: Vec::new(),
        filters: Vec::new(),
    };
    for rule in &policy.egress {
        let tag = index(rules.len())?;
        rules.push(compiled_rule(&rule.meta, Kind::Http));
        for host in &rule.hosts {
            match host {
                HostPattern::Exact(name) => egress.hosts.insert_exact(name, tag),
                HostPattern::Subdomains(domain) => egress.hosts.insert_subdomains(domain, tag),
            }
        }
        for net in &rule.cidrs {
            egress.networks.insert(*net, tag);
        }
        if rule.hosts.is_empty() && rule.cidrs.is_empty() {
            egress.anywhere.push(tag);
        }
        egress.filters.push(EgressFilter {
            ports: rule.ports.clone().into(),
            methods: rule.methods.iter().map(|m| m.as_str().into()).collect(),
            schemes: rule.schemes.iter().map(|s| s.as_str().into()).collect(),
        });
    }

    let mut argv_rules = Vec::new();
    for rule in &policy.commands {
        let tag = index(rules.len())?;
        rules.push(compiled_rule(&rule.meta, Kind::Command));
        let (programs, program_globs) = split_names(&rule.programs);
        argv_rules.push(ArgvRule {
            tag,
            programs,
            program_globs,
            subcommands: rule.subcommands.clone(),
            flags_all: rule.flags_all.clone(),
            flags_any: rule.flags_any.clone(),
            not_flags: rule.not_flags.clone(),
            args_any: rule.args_any.clone(),
            writes_any: rule.writes_any.clone(),
            piped_from: rule.piped_from.clone(),
            construct: rule.construct.as_deref().and_then(Construct::from_name),
            pattern: rule.pattern.clone(),
        });
    }
    let egress_count = policy.egress.len();
    let commands = CommandMatcher::new(argv_rules).map_err(|e| {
        let i = (e.tag as usize).saturating_sub(egress_count);
        let path = FieldPath::root().key("commands").index(i).key(e.field);
        let reason = e.message;
        PolicyError::new(vec![Diagnostic::new(
            path,
            ErrorKind::InvalidPattern {
                pattern: format!("(the rule's {})", e.field),
                reason,
            },
        )])
    })?;

    let mut names = NameSet::builder();
    for rule in &policy.tools {
        let tag = index(rules.len())?;
        rules.push(compiled_rule(&rule.meta, Kind::Tool));
        for name in &rule.tools {
            match name {
                NamePattern::Exact(name) => names.exact(name, tag),
                NamePattern::Glob(glob) => names.glob(glob, tag),
            }
        }
    }
    let tool_names = names.build().map_err(|e| {
        let reason = e.message.clone();
        PolicyError::new(vec![Diagnostic::new(
            FieldPath::root().key("tools"),
            ErrorKind::InvalidPattern {
                pattern: "(all tool name globs)".into(),
                reason,
            },
        )])
    })?;

    let d = policy.defaults;
    Ok(Engine::from_compiled(Compiled {
        name: policy.name.clone(),
        rules,
        defaults: [
            default_verdict(Kind::Command, d.command),
            default_verdict(Kind::Http, d.egress),
            default_verdict(Kind::Tool, d.tool),
        ],
        egress,
        commands,
        command_prefilter: CommandPrefilter::new(policy),
        tool_names,
    }))
}

fn split_names(names: &[NamePattern]) -> (Vec<String>, Vec<String>) {
    let mut exact = Vec::new();
    let mut globs = Vec::new();
    for name in names {
        match name {
            NamePattern::Exact(n) => exact.push(n.clone()),
            NamePattern::Glob(g) => globs.push(g.clone()),
        }
    }
    (exact, globs)
}
