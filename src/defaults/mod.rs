//! The embedded default policy: egress allowlist, special addresses, the
//! command packs and the control-plane catalogue.
//!
//! Every part is a policy file in this folder, compiled into the library
//! with `include_str!`, so the command-line tool and every binding work with
//! no file at hand: `default.json` (the egress allowlist: GitHub and its
//! content hosts, crates.io, PyPI, npm, the Go module proxy, Docker Hub),
//! `egress/metadata.json` and `egress/special.json` (cloud metadata
//! endpoints, loopback, private, link-local, CGNAT and IANA special-purpose
//! ranges, private-use names: `special` deny rules that only an allow rule
//! with `override_special` overrides), one pack per area under `packs/`
//! (filesystem, git, databases, containers, infrastructure, cloud, remote
//! code, publishing, credentials, system) and `packs/control-plane.json`
//! (destructive API calls: GraphQL mutations and REST deletes on cloud,
//! PaaS, Git hosting and DNS providers). Each rule carries examples, which
//! compiling checks. The parts are read and concatenated once per process.

use crate::policy::{Diagnostic, ErrorKind, FieldPath, Policy, PolicyError};

/// The base of the default policy (egress and defaults), JSON.
pub const DEFAULT_POLICY: &str = include_str!("default.json");

/// Every part of the default policy, by stable name, in order. Names,
/// versions and descriptions are listed in `packs.tsv`.
pub const PARTS: &[(&str, &str)] = &[
    ("egress/allowlist", DEFAULT_POLICY),
    ("egress/metadata", include_str!("egress/metadata.json")),
    ("egress/special", include_str!("egress/special.json")),
    ("packs/filesystem", include_str!("packs/filesystem.json")),
    ("packs/git", include_str!("packs/git.json")),
    ("packs/databases", include_str!("packs/databases.json")),
    ("packs/containers", include_str!("packs/containers.json")),
    (
        "packs/infrastructure",
        include_str!("packs/infrastructure.json"),
    ),
    ("packs/cloud", include_str!("packs/cloud.json")),
    ("packs/remote-code", include_str!("packs/remote-code.json")),
    ("packs/publishing", include_str!("packs/publishing.json")),
    ("packs/credentials", include_str!("packs/credentials.json")),
    ("packs/system", include_str!("packs/system.json")),
    (
        "packs/control-plane",
        include_str!("packs/control-plane.json"),
    ),
    ("packs/tools", include_str!("packs/tools.json")),
    ("packs/sql", include_str!("packs/sql.json")),
    ("packs/paths", include_str!("packs/paths.json")),
];

/// A built-in part's version and description, from `packs.tsv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartInfo {
    /// The stable name (`packs/git`).
    pub name: &'static str,
    /// The part's version.
    pub version: &'static str,
    /// One line on what it guards.
    pub description: &'static str,
}

/// Every part's version and description, in `PARTS` order; a part missing
/// from `packs.tsv` has an empty version (a test keeps the two in step).
pub fn parts() -> Vec<PartInfo> {
    let table: Vec<(&str, &str, &str)> = include_str!("packs.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut cols = l.splitn(3, '\t');
            Some((cols.next()?, cols.next()?, cols.next()?))
        })
        .collect();
    PARTS
        .iter()
        .map(|(name, _)| {
            let (version, description) = table
                .iter()
                .find(|(n, _, _)| n == name)
                .map(|(_, v, d)| (*v, *d))
                .unwrap_or(("", ""));
            PartInfo {
                name,
                version,
                description,
            }
        })
        .collect()
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_part_has_a_version_and_a_description() {
        let infos = parts();
        assert_eq!(infos.len(), PARTS.len());
        for info in infos {
            assert!(
                !info.version.is_empty(),
                "{} is missing from packs.tsv",
                info.name
            );
            assert!(!info.description.is_empty(), "{}", info.name);
        }
        let listed = include_str!("packs.tsv")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .count();
        assert_eq!(
            listed,
            PARTS.len(),
            "packs.tsv lists a part that PARTS does not have"
        );
    }

    #[test]
    fn every_part_passes_the_full_check_and_reads_alike_embedded() {
        for (name, text) in PARTS {
            let full = Policy::from_json(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            let embedded = Policy::from_embedded_json(text).unwrap();
            assert_eq!(full, embedded, "{name}");
        }
    }
}
