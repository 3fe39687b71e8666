//! The built-in bases a policy can extend: `default` and its parts.
//!
//! The parts are the policy files of `src/defaults/` (where they are listed
//! and described); this module is where they are read, because composition
//! ([`compose`](super::compose)) resolves `extends: ["packs/git"]` to them
//! and reading a policy is this module's business: `defaults` uses `policy`,
//! never the other way round. The public names are
//! [`crate::defaults::PARTS`], [`crate::defaults::part`] and
//! [`crate::defaults::policy`]. Cost: one read and validation per part each
//! time a part is asked for (the engine reads the default policy once, and
//! from the snapshot when the build embeds a current one: [`from_snapshot`]).

use super::{Diagnostic, ErrorKind, FieldPath, Policy, PolicyError};

/// The base of the default policy (egress and defaults), JSON.
pub const DEFAULT_POLICY: &str = include_str!("../defaults/default.json");

/// Every part of the default policy, by stable name, in order. Names,
/// versions and descriptions are listed in `packs.tsv`.
pub const PARTS: &[(&str, &str)] = &[
    ("egress/allowlist", DEFAULT_POLICY),
    ("egress/docs", include_str!("../defaults/egress/docs.json")),
    (
        "egress/local",
        include_str!("../defaults/egress/local.json"),
    ),
    (
        "egress/metadata",
        include_str!("../defaults/egress/metadata.json"),
    ),
    (
        "egress/special",
        include_str!("../defaults/egress/special.json"),
    ),
    (
        "packs/filesystem",
        include_str!("../defaults/packs/filesystem.json"),
    ),
    ("packs/git", include_str!("../defaults/packs/git.json")),
    (
        "packs/databases",
        include_str!("../defaults/packs/databases.json"),
    ),
    (
        "packs/containers",
        include_str!("../defaults/packs/containers.json"),
    ),
    (
        "packs/infrastructure",
        include_str!("../defaults/packs/infrastructure.json"),
    ),
    ("packs/cloud", include_str!("../defaults/packs/cloud.json")),
    (
        "packs/remote-code",
        include_str!("../defaults/packs/remote-code.json"),
    ),
    (
        "packs/publishing",
        include_str!("../defaults/packs/publishing.json"),
    ),
    (
        "packs/supply-chain",
        include_str!("../defaults/packs/supply-chain.json"),
    ),
    (
        "packs/credentials",
        include_str!("../defaults/packs/credentials.json"),
    ),
    (
        "packs/system",
        include_str!("../defaults/packs/system.json"),
    ),
    (
        "packs/control-plane",
        include_str!("../defaults/packs/control-plane.json"),
    ),
    ("packs/tools", include_str!("../defaults/packs/tools.json")),
    ("packs/sql", include_str!("../defaults/packs/sql.json")),
    ("packs/paths", include_str!("../defaults/packs/paths.json")),
    (
        "packs/production",
        include_str!("../defaults/packs/production.json"),
    ),
    (
        "packs/self-protection",
        include_str!("../defaults/packs/self-protection.json"),
    ),
    (
        "packs/session",
        include_str!("../defaults/packs/session.json"),
    ),
];

/// One built-in part, read and validated, its rules marked with its name as
/// their source. `None` for a name that is not a part.
pub fn part(name: &str) -> Option<Result<Policy, PolicyError>> {
    let (name, text) = PARTS.iter().find(|(n, _)| *n == name)?;
    Some(read_part(name, text))
}

fn read_part(name: &str, text: &str) -> Result<Policy, PolicyError> {
    let mut policy = Policy::from_embedded_json(text).map_err(|e| {
        PolicyError::new(
            e.diagnostics()
                .iter()
                .map(|d| {
                    let mut d = d.clone();
                    d.path = FieldPath::root().key(name).join(&d.path);
                    d
                })
                .collect(),
        )
    })?;
    for meta in policy.metas_mut() {
        meta.source = Some((*name).to_owned());
    }
    for source in policy.definition_sources_mut() {
        *source = Some((*name).to_owned());
    }
    Ok(policy)
}

/// The default policy: every part's rules in order, each marked with the
/// part it comes from; the defaults are those of `egress/allowlist`.
/// Errors name the part they come from in their path (`packs/git: commands[2]`).
pub fn policy() -> Result<Policy, PolicyError> {
    let mut merged: Option<Policy> = None;
    let mut diagnostics = Vec::new();
    for (name, text) in PARTS {
        match read_part(name, text) {
            Ok(part) => match merged.as_mut() {
                None => merged = Some(part),
                Some(policy) => {
                    policy.egress.extend(part.egress);
                    policy.commands.extend(part.commands);
                    policy.tools.extend(part.tools);
                    policy.sql.extend(part.sql);
                    policy.paths.extend(part.paths);
                    policy.permissions.extend(part.permissions);
                    policy.environments.extend(part.environments);
                    policy.session.merge(part.session);
                }
            },
            Err(e) => diagnostics.extend(e.diagnostics().iter().cloned()),
        }
    }
    if let Some(policy) = &merged {
        let mut seen = std::collections::HashSet::new();
        for id in policy.metas().map(|m| &m.id) {
            if !seen.insert(id) {
                let mut d = Diagnostic::new(
                    FieldPath::root(),
                    ErrorKind::DuplicateId {
                        id: id.clone(),
                        first: "another part of the default policy".into(),
                    },
                );
                d.rule = Some(id.clone());
                diagnostics.push(d);
            }
        }
    }
    match merged {
        Some(policy) if diagnostics.is_empty() => Ok(policy),
        _ => Err(PolicyError::new(diagnostics)),
    }
}

/// The default policy as the embedded snapshot holds it (see
/// [`snapshot`](super::snapshot)), with its policy hash: [`policy`] without
/// reading the parts, and without the rules' examples. `None` when the
/// build embeds no current snapshot or it does not decode; the caller then
/// reads the parts.
#[cfg(any(test, feature = "internals"))]
pub(crate) fn from_snapshot() -> Option<(Policy, String)> {
    let (lazy, hash) = lazy_snapshot()?;
    Some((lazy.into_policy()?, hash))
}

/// [`from_snapshot`], with only the rules' common parts decoded now and
/// each section's matcher fields when asked for (what a one-decision
/// process compiles from: it reaches one or two sections).
pub(crate) fn lazy_snapshot() -> Option<(super::snapshot::Lazy<'static>, String)> {
    super::snapshot::open(crate::data::snapshot::section(
        crate::data::snapshot::Section::Model,
    )?)
}
