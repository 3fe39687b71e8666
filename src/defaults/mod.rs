//! The embedded default policy: egress allowlist, special addresses, the
//! command packs and the control-plane catalogue.
//!
//! Every part is a policy file in this folder, compiled into the library
//! with `include_str!`, so the command-line tool and every binding work with
//! no file at hand: `default.json` (the egress allowlist: GitHub and its
//! content hosts, crates.io, PyPI, npm, the Go module proxy, Docker Hub),
//! `egress/docs.json` (documentation hosts, read with `GET`/`HEAD`),
//! `egress/metadata.json` and `egress/special.json` (cloud metadata
//! endpoints, loopback, private, link-local, CGNAT and IANA special-purpose
//! ranges, private-use names: `special` deny rules that only an allow rule
//! with `override_special` overrides), one pack per area under `packs/`
//! (filesystem, git, databases, containers, infrastructure, cloud, remote
//! code, publishing, supply chain, credentials, system) and `packs/control-plane.json`
//! (destructive API calls: GraphQL mutations and REST deletes on cloud,
//! PaaS, Git hosting and DNS providers). Each rule carries examples, which
//! compiling checks. The parts are read and concatenated once per process.
//!
//! The code that reads the parts lives in `policy` (`policy/builtin.rs`),
//! because policy composition resolves `extends` to them; this module
//! re-exports it, so `defaults` depends on `policy` and not the reverse.
//! Names, versions and descriptions are read from `packs.tsv` through the
//! crate's table loader. `snapshot.bin` is the composed default policy, its
//! tables and its regex sets' literal gates, made at build time by `make
//! snapshot` (`src/engine/snapshot.rs`) so that a process that decides
//! once — a hook — does not read and index the parts at start; `build.rs`
//! refuses to build when it is stale (see `src/data/snapshot.rs`).

pub use crate::policy::builtin::{part, policy, DEFAULT_POLICY, PARTS};

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
    let table = load().unwrap_or_default();
    PARTS
        .iter()
        .map(|(name, _)| {
            let (version, description) = table
                .iter()
                .find(|[n, _, _]| n == name)
                .map(|[_, v, d]| (*v, *d))
                .unwrap_or(("", ""));
            PartInfo {
                name,
                version,
                description,
            }
        })
        .collect()
}

/// Reads `packs.tsv` (through [`crate::data`]): name, version, description.
pub(crate) fn load() -> Result<Vec<[&'static str; 3]>, String> {
    crate::data::tsv::<3>("packs.tsv", include_str!("packs.tsv"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Policy;

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
        let listed = load().unwrap().len();
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
