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

/// Every part of the default policy, by stable name, in order.
pub const PARTS: &[(&str, &str)] = &[
    ("default", DEFAULT_POLICY),
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
];

/// The default policy: the base, with every pack's rules appended in order.
/// Errors name the part they come from in their path (`packs/git: commands[2]`).
pub fn policy() -> Result<Policy, PolicyError> {
    let mut merged: Option<Policy> = None;
    let mut diagnostics = Vec::new();
    for (name, text) in PARTS {
        match Policy::from_json(text) {
            Ok(part) => match merged.as_mut() {
                None => merged = Some(part),
                Some(policy) => {
                    policy.egress.extend(part.egress);
                    policy.commands.extend(part.commands);
                    policy.tools.extend(part.tools);
                }
            },
            Err(e) => diagnostics.extend(e.diagnostics().iter().map(|d| {
                let mut d = d.clone();
                d.path = FieldPath::root().key(name).join(&d.path);
                d
            })),
        }
    }
    if let Some(policy) = &merged {
        let mut seen = std::collections::HashSet::new();
        let ids = policy
            .egress
            .iter()
            .map(|r| &r.meta.id)
            .chain(policy.commands.iter().map(|r| &r.meta.id))
            .chain(policy.tools.iter().map(|r| &r.meta.id));
        for id in ids {
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
