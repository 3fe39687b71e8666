//! Policy composition: `extends` and `disable`, resolved into one policy.
//!
//! A policy may extend bases — the built-in `default`, a built-in part by
//! its stable name (`packs/git`, `egress/metadata`; see `packs.tsv`), or a
//! relative path to another policy file, read relative to the including file
//! — and `disable` rules (by id) or whole bases and parts (by name). The
//! result is one ordinary [`Policy`], decided on like any other:
//! - rules accumulate in order: each base's (in `extends` order), then the
//!   policy's own; a rule whose id is already present replaces that rule in
//!   place (a note for `lint`; identical duplicates, as when `default` and
//!   `packs/git` are both extended, are merged silently); a replacement of
//!   another kind of rule is an error;
//! - `disable` removes from the bases; a target that removes nothing is an
//!   error;
//! - special-address rules (`special: true`) can be neither disabled nor
//!   replaced: an allow rule with `override_special: true` is the way past
//!   them;
//! - each `defaults` and `inspection` field is the one the policy sets, or
//!   else the last base's that sets it;
//! - a role, binding or environment defined twice differently is an error,
//!   except that the policy's own environment replaces a base's of the same
//!   id (the built-in `production` is redefined this way);
//! - every rule that comes from a base keeps where it came from
//!   (`RuleMeta::source`): decisions name it.
//!
//! Files are read at most [`MAX_EXTENDS_DEPTH`] levels deep; a cycle is an
//! error naming the chain. Resolution is deterministic: the same files give
//! the same policy. Cost: one read and validation per base, at load time.

use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;

use super::error::{Diagnostic, ErrorKind, PolicyError};
use super::model::{Defaults, Explicit, Inspection, Policy, RuleMeta};
use super::path::FieldPath;
use super::source::{Format, MAX_POLICY_BYTES};

/// Deepest chain of base files.
pub const MAX_EXTENDS_DEPTH: usize = 16;

fn error(path: FieldPath, kind: ErrorKind) -> PolicyError {
    PolicyError::new(vec![Diagnostic::new(path, kind)])
}

/// The kind of a rule, for "replaced by a rule of another kind".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Egress,
    Commands,
    Tools,
    Sql,
    Paths,
    Permissions,
}

/// Resolves `policy`'s `extends` and `disable`. Relative bases are read
/// from `dir` (the including file's directory); without one, only built-in
/// bases can be extended.
pub(crate) fn resolve(policy: Policy, dir: Option<&Path>) -> Result<Policy, PolicyError> {
    resolve_in(policy, dir, &mut Vec::new(), None)
}

fn resolve_in(
    mut own: Policy,
    dir: Option<&Path>,
    chain: &mut Vec<PathBuf>,
    own_source: Option<&str>,
) -> Result<Policy, PolicyError> {
    if let Some(source) = own_source {
        for meta in own.metas_mut() {
            meta.source.get_or_insert_with(|| source.to_owned());
        }
        for slot in own.definition_sources_mut() {
            slot.get_or_insert_with(|| source.to_owned());
        }
    }
    if own.extends.is_empty() && own.disable.is_empty() {
        return Ok(own);
    }
    let extends = std::mem::take(&mut own.extends);
    let targets = std::mem::take(&mut own.disable);
    let mut merged = Policy {
        version: 1,
        name: None,
        defaults: Defaults::default(),
        inspection: Inspection::default(),
        audit_overflow: Default::default(),
        audit_durability: Default::default(),
        hooks: Default::default(),
        session: Default::default(),
        egress: Vec::new(),
        commands: Vec::new(),
        tools: Vec::new(),
        sql: Vec::new(),
        paths: Vec::new(),
        roles: Vec::new(),
        principals: Vec::new(),
        environments: Vec::new(),
        permissions: Vec::new(),
        cedar: None,
        extends: Vec::new(),
        disable: Vec::new(),
        explicit: Explicit::default(),
        notes: Vec::new(),
    };
    for (i, base) in extends.iter().enumerate() {
        let at = FieldPath::root().key("extends").index(i);
        let layer = load_base(base, dir, chain, &at)?;
        absorb(&mut merged, layer, &at)?;
    }
    for (i, target) in targets.iter().enumerate() {
        disable(
            &mut merged,
            target,
            FieldPath::root().key("disable").index(i),
        )?;
    }
    let name = own.name.take();
    absorb(&mut merged, own, &FieldPath::root())?;
    merged.name = name.or(merged.name);
    Ok(merged)
}

/// Reads, validates and resolves one base.
fn load_base(
    base: &str,
    dir: Option<&Path>,
    chain: &mut Vec<PathBuf>,
    at: &FieldPath,
) -> Result<Policy, PolicyError> {
    if base == "default" {
        return super::builtin::policy();
    }
    if let Some(part) = super::builtin::part(base) {
        return part;
    }
    let Some(format) = Format::from_path(Path::new(base)) else {
        return Err(error(at.clone(), ErrorKind::UnknownBase(base.to_owned())));
    };
    let unreadable = |reason: String| {
        error(
            at.clone(),
            ErrorKind::BaseUnreadable {
                base: base.to_owned(),
                reason,
            },
        )
    };
    if Path::new(base).is_absolute() {
        return Err(unreadable(
            "bases are relative paths, read from the including file's directory".into(),
        ));
    }
    let Some(dir) = dir else {
        return Err(unreadable(
            "a relative base needs the including file's directory: load the policy from a file"
                .into(),
        ));
    };
    let path = std::fs::canonicalize(dir.join(base)).map_err(|e| unreadable(e.to_string()))?;
    if chain.contains(&path) {
        let mut names: Vec<String> = chain.iter().map(|p| p.display().to_string()).collect();
        names.push(path.display().to_string());
        return Err(error(
            at.clone(),
            ErrorKind::ExtendsCycle(names.join(" → ")),
        ));
    }
    if chain.len() >= MAX_EXTENDS_DEPTH {
        return Err(error(
            at.clone(),
            ErrorKind::Limit(format!(
                "`extends` is more than {MAX_EXTENDS_DEPTH} files deep"
            )),
        ));
    }
    let len = std::fs::metadata(&path)
        .map_err(|e| unreadable(e.to_string()))?
        .len();
    if len > MAX_POLICY_BYTES as u64 {
        return Err(unreadable(format!(
            "{len} bytes; the maximum is {MAX_POLICY_BYTES}"
        )));
    }
    let text = std::fs::read_to_string(&path).map_err(|e| unreadable(e.to_string()))?;
    let in_base = |e: PolicyError| {
        PolicyError::new(
            e.diagnostics()
                .iter()
                .map(|d| {
                    let mut d = d.clone();
                    d.source.get_or_insert_with(|| base.to_owned());
                    d
                })
                .collect(),
        )
    };
    let policy = Policy::parse(&text, format).map_err(in_base)?;
    chain.push(path.clone());
    let resolved = resolve_in(policy, path.parent(), chain, Some(base)).map_err(in_base);
    chain.pop();
    resolved
}

/// Where a rule with `id` is in `policy`.
fn find(policy: &Policy, id: &str) -> Option<(Section, usize)> {
    if let Some(i) = policy.egress.iter().position(|r| r.meta.id == id) {
        return Some((Section::Egress, i));
    }
    if let Some(i) = policy.commands.iter().position(|r| r.meta.id == id) {
        return Some((Section::Commands, i));
    }
    if let Some(i) = policy.tools.iter().position(|r| r.meta.id == id) {
        return Some((Section::Tools, i));
    }
    if let Some(i) = policy.sql.iter().position(|r| r.meta.id == id) {
        return Some((Section::Sql, i));
    }
    if let Some(i) = policy.paths.iter().position(|r| r.meta.id == id) {
        return Some((Section::Paths, i));
    }
    policy
        .permissions
        .iter()
        .position(|r| r.meta.id == id)
        .map(|i| (Section::Permissions, i))
}

fn is_special(policy: &Policy, section: Section, i: usize) -> bool {
    section == Section::Egress && policy.egress.get(i).is_some_and(|r| r.special)
}

fn protected(id: &str) -> ErrorKind {
    ErrorKind::SpecialRule(format!(
        "`{id}` is a special-address rule: it cannot be disabled or replaced; allow what you need with an allow rule marked `override_special: true`"
    ))
}

/// Where each rule id is in a policy being merged, so that placing a rule
/// costs one lookup, not a scan (a base may hold 100,000 rules).
type Index = FxHashMap<String, (Section, usize)>;

fn index_of(policy: &Policy) -> Index {
    let sections = [
        (
            Section::Egress,
            policy.egress.iter().map(|r| &r.meta.id).collect::<Vec<_>>(),
        ),
        (
            Section::Commands,
            policy.commands.iter().map(|r| &r.meta.id).collect(),
        ),
        (
            Section::Tools,
            policy.tools.iter().map(|r| &r.meta.id).collect(),
        ),
        (
            Section::Sql,
            policy.sql.iter().map(|r| &r.meta.id).collect(),
        ),
        (
            Section::Paths,
            policy.paths.iter().map(|r| &r.meta.id).collect(),
        ),
        (
            Section::Permissions,
            policy.permissions.iter().map(|r| &r.meta.id).collect(),
        ),
    ];
    sections
        .into_iter()
        .flat_map(|(section, ids)| {
            ids.into_iter()
                .enumerate()
                .map(move |(i, id)| (id.clone(), (section, i)))
        })
        .collect()
}

/// Adds `layer`'s rules, settings and notes to `merged`.
fn absorb(merged: &mut Policy, layer: Policy, at: &FieldPath) -> Result<(), PolicyError> {
    for (k, set) in layer.explicit.defaults.iter().enumerate() {
        if *set {
            let d = &mut merged.defaults;
            match k {
                0 => d.egress = layer.defaults.egress,
                1 => d.command = layer.defaults.command,
                2 => d.tool = layer.defaults.tool,
                _ => d.command_egress = layer.defaults.command_egress,
            }
            if let Some(slot) = merged.explicit.defaults.get_mut(k) {
                *slot = true;
            }
        }
    }
    let [max_body, oversize, strict_paths] = layer.explicit.inspection;
    if max_body {
        merged.inspection.max_body_bytes = layer.inspection.max_body_bytes;
        merged.explicit.inspection[0] = true;
    }
    if oversize {
        merged.inspection.oversize = layer.inspection.oversize;
        merged.explicit.inspection[1] = true;
    }
    if strict_paths {
        merged.inspection.strict_paths = layer.inspection.strict_paths;
        merged.explicit.inspection[2] = true;
    }
    if layer.explicit.audit_overflow {
        merged.audit_overflow = layer.audit_overflow;
        merged.explicit.audit_overflow = true;
    }
    if layer.explicit.audit_durability {
        merged.audit_durability = layer.audit_durability;
        merged.explicit.audit_durability = true;
    }
    let [grant, unattended_ask] = layer.explicit.hooks;
    if grant {
        merged.hooks.grant = layer.hooks.grant;
        merged.explicit.hooks[0] = true;
    }
    if unattended_ask {
        merged.hooks.unattended_ask = layer.hooks.unattended_ask;
        merged.explicit.hooks[1] = true;
    }
    merged.session.merge(layer.session);
    merged.notes.extend(layer.notes);
    // A base's rules are reported at its `extends` entry, the policy's own at themselves.
    let own = *at == FieldPath::root();
    let mut index = index_of(merged);
    macro_rules! each {
        ($field:ident, $section:expr) => {
            for (j, rule) in layer.$field.into_iter().enumerate() {
                let here = if own {
                    FieldPath::root().key(stringify!($field)).index(j)
                } else {
                    at.clone()
                };
                place(merged, &mut index, rule, $section, &here, |p| &mut p.$field)?;
            }
        };
    }
    each!(egress, Section::Egress);
    each!(commands, Section::Commands);
    each!(tools, Section::Tools);
    each!(sql, Section::Sql);
    each!(paths, Section::Paths);
    each!(permissions, Section::Permissions);
    let where_ = |j: usize, section: &str| {
        if own {
            FieldPath::root().key(section).index(j)
        } else {
            at.clone()
        }
    };
    for (j, role) in layer.roles.into_iter().enumerate() {
        define(
            &mut merged.roles,
            role,
            |r| &r.id,
            |r| &mut r.source,
            "role",
            &where_(j, "roles"),
        )?;
    }
    for (j, binding) in layer.principals.into_iter().enumerate() {
        let here = where_(j, "principals");
        define(
            &mut merged.principals,
            binding,
            |b| &b.id,
            |b| &mut b.source,
            "principal binding",
            &here,
        )?;
    }
    for (j, env) in layer.environments.into_iter().enumerate() {
        let here = where_(j, "environments");
        // The policy's own environment replaces a base's of the same id (the
        // built-in `production` is a default to be redefined, not a trap).
        if own {
            merged
                .environments
                .retain(|e| e.id != env.id || e.source.is_none());
        }
        define(
            &mut merged.environments,
            env,
            |e| &e.id,
            |e| &mut e.source,
            "environment",
            &here,
        )?;
    }
    if let Some(cedar) = layer.cedar {
        merge_cedar(merged, cedar, at)?;
    }
    Ok(())
}

/// Adds a role, binding or environment: the same definition twice (as when
/// two bases extend a third) is kept once; two different ones are an error,
/// because silently preferring either would change who may do what.
fn define<T: PartialEq + Clone>(
    list: &mut Vec<T>,
    item: T,
    id: impl Fn(&T) -> &String,
    source: impl Fn(&mut T) -> &mut Option<String>,
    what: &'static str,
    at: &FieldPath,
) -> Result<(), PolicyError> {
    let Some(existing) = list.iter().find(|e| id(e) == id(&item)) else {
        list.push(item);
        return Ok(());
    };
    let mut a = existing.clone();
    let mut b = item.clone();
    let first = source(&mut a)
        .clone()
        .unwrap_or_else(|| "the policy".into());
    *source(&mut a) = None;
    *source(&mut b) = None;
    if a == b {
        return Ok(());
    }
    Err(error(
        at.clone(),
        ErrorKind::ConflictingDefinition {
            what,
            id: id(&item).clone(),
            first,
        },
    ))
}

/// Cedar policies accumulate (Cedar rejects two policies with one id at
/// compile time); schemas must agree.
fn merge_cedar(
    merged: &mut Policy,
    cedar: super::model::CedarSection,
    at: &FieldPath,
) -> Result<(), PolicyError> {
    let Some(existing) = &mut merged.cedar else {
        merged.cedar = Some(cedar);
        return Ok(());
    };
    if existing.policies != cedar.policies {
        existing.policies.push('\n');
        existing.policies.push_str(&cedar.policies);
    }
    match (&existing.schema, cedar.schema) {
        (_, None) => {}
        (None, Some(schema)) => existing.schema = Some(schema),
        (Some(a), Some(b)) if *a == b => {}
        (Some(_), Some(_)) => {
            return Err(error(
                at.key("cedar").key("schema"),
                ErrorKind::ConflictingDefinition {
                    what: "Cedar schema",
                    id: "cedar.schema".into(),
                    first: "a base".into(),
                },
            ))
        }
    }
    Ok(())
}

/// What composition needs of a rule of any kind.
trait Rule: PartialEq + Clone {
    fn meta(&self) -> &RuleMeta;
    fn meta_mut(&mut self) -> &mut RuleMeta;
}

macro_rules! rule {
    ($t:ty) => {
        impl Rule for $t {
            fn meta(&self) -> &RuleMeta {
                &self.meta
            }
            fn meta_mut(&mut self) -> &mut RuleMeta {
                &mut self.meta
            }
        }
    };
}
rule!(super::model::EgressRule);
rule!(super::model::CommandRule);
rule!(super::model::ToolRule);
rule!(super::model::Permission);
rule!(super::model::SqlRule);
rule!(super::model::PathRule);

/// True when `a` and `b` are the same rule, wherever each comes from.
fn same_rule<R: Rule>(a: &R, b: &R) -> bool {
    let mut b = b.clone();
    b.meta_mut().source.clone_from(&a.meta().source);
    *a == b
}

/// Appends `rule`, or replaces the rule of the same id in place.
fn place<R: Rule>(
    merged: &mut Policy,
    index: &mut Index,
    rule: R,
    section: Section,
    at: &FieldPath,
    list: impl Fn(&mut Policy) -> &mut Vec<R>,
) -> Result<(), PolicyError> {
    let id = rule.meta().id.clone();
    let Some(&(existing, i)) = index.get(&id) else {
        let rules = list(merged);
        index.insert(id, (section, rules.len()));
        rules.push(rule);
        return Ok(());
    };
    let refuse = |kind: ErrorKind| {
        let mut d = Diagnostic::new(at.clone(), kind);
        d.rule = Some(id.clone());
        Err(PolicyError::new(vec![d]))
    };
    if existing != section {
        return refuse(ErrorKind::Inconsistent(format!(
            "rule `{id}` replaces a rule of the same id in another section ({existing:?})"
        )));
    }
    let special = is_special(merged, existing, i);
    let Some(old) = list(merged).get_mut(i) else {
        return Ok(());
    };
    if same_rule(old, &rule) {
        return Ok(());
    }
    if special {
        return refuse(protected(&id));
    }
    let source = old
        .meta()
        .source
        .clone()
        .unwrap_or_else(|| "an earlier base".to_owned());
    *old = rule;
    let mut note = Diagnostic::new(
        at.clone(),
        ErrorKind::ReplacedRule {
            id: id.clone(),
            from: source,
        },
    );
    note.rule = Some(id);
    merged.notes.push(note);
    Ok(())
}

/// Removes the rule with id `target`, or every rule from base or part `target`.
fn disable(merged: &mut Policy, target: &str, at: FieldPath) -> Result<(), PolicyError> {
    let from_source = |m: &RuleMeta| m.source.as_deref() == Some(target);
    let by_source = merged
        .egress
        .iter()
        .map(|r| (&r.meta, r.special))
        .chain(merged.commands.iter().map(|r| (&r.meta, false)))
        .chain(merged.tools.iter().map(|r| (&r.meta, false)))
        .chain(merged.sql.iter().map(|r| (&r.meta, false)))
        .chain(merged.paths.iter().map(|r| (&r.meta, false)))
        .chain(merged.permissions.iter().map(|r| (&r.meta, false)))
        .filter(|(m, _)| from_source(m))
        .collect::<Vec<_>>();
    if !by_source.is_empty() {
        if let Some((m, _)) = by_source.iter().find(|(_, special)| *special) {
            return Err(error(at, protected(&m.id)));
        }
        merged.egress.retain(|r| !from_source(&r.meta));
        merged.commands.retain(|r| !from_source(&r.meta));
        merged.tools.retain(|r| !from_source(&r.meta));
        merged.permissions.retain(|r| !from_source(&r.meta));
        merged.sql.retain(|r| !from_source(&r.meta));
        merged.paths.retain(|r| !from_source(&r.meta));
        return Ok(());
    }
    match find(merged, target) {
        Some((section, i)) if is_special(merged, section, i) => Err(error(at, protected(target))),
        Some((Section::Egress, i)) => {
            merged.egress.remove(i);
            Ok(())
        }
        Some((Section::Commands, i)) => {
            merged.commands.remove(i);
            Ok(())
        }
        Some((Section::Tools, i)) => {
            merged.tools.remove(i);
            Ok(())
        }
        Some((Section::Permissions, i)) => {
            merged.permissions.remove(i);
            Ok(())
        }
        Some((Section::Sql, i)) => {
            merged.sql.remove(i);
            Ok(())
        }
        Some((Section::Paths, i)) => {
            merged.paths.remove(i);
            Ok(())
        }
        None => Err(error(at, ErrorKind::NothingToDisable(target.to_owned()))),
    }
}
