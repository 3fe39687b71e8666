//! Environments as sets of targets: which environment a host, an address, a
//! path or a tool name belongs to.
//!
//! The environment a request is evaluated in is derived from what it
//! touches, not only claimed by the caller: a staging task that reaches a
//! production host is in production. This matcher answers, for one target
//! at a time, the set of environments it belongs to, as a bit mask (one bit
//! per environment, at most [`MAX_ENVIRONMENTS`]; the top bit stands for "no
//! environment"). Hosts reuse the egress [`HostSet`] (a suffix table walked
//! label by label), networks the [`NetworkSet`] prefix tries, tool names a
//! [`NameSet`]; path prefixes are few and compared at `/` boundaries. Targets
//! must already be canonical: the analyzers' job. Cost per lookup: what the
//! underlying matcher costs, with no allocation.

use std::net::IpAddr;

use ipnet::IpNet;
use rustc_hash::FxHashMap;

use crate::egress::{HostSet, NetworkSet};
use crate::pattern::{Build, RegexSetError};
use crate::pattern::{NameSet, NameSetBuilder};

/// Most environments a policy may define (one bit each in a `u64`, the top
/// bit being "none").
pub const MAX_ENVIRONMENTS: usize = 63;

/// The bit that stands for a request in no environment.
pub const NO_ENVIRONMENT: u64 = 1 << 63;

/// Environment names and their targets.
#[derive(Debug, Default)]
pub struct EnvironmentSet {
    names: Vec<Box<str>>,
    index: FxHashMap<Box<str>, usize>,
    hosts: HostSet,
    networks: NetworkSet,
    /// (prefix without trailing `/`, environment bit)
    paths: Vec<(Box<str>, u64)>,
    tools: NameSet,
    /// Deployment names: contexts, namespaces, profiles, stacks, hosts.
    deployments: NameSet,
    has_targets: bool,
    has_names: bool,
    /// Some environment is the policy's own (or a policy file's), not only
    /// a built-in part's: then a claimed environment must be one of them.
    authored: bool,
}

/// Builds an [`EnvironmentSet`].
#[derive(Debug, Default)]
pub struct EnvironmentSetBuilder {
    set: EnvironmentSet,
    tools: NameSetBuilder,
    names: NameSetBuilder,
}

impl EnvironmentSetBuilder {
    /// Marks the set as holding an environment a policy author wrote (not
    /// only built-in ones such as the default's `production`).
    pub fn authored(&mut self) {
        self.set.authored = true;
    }

    /// Adds an environment; returns its index, or `None` past [`MAX_ENVIRONMENTS`].
    pub fn environment(&mut self, name: &str) -> Option<usize> {
        let i = self.set.names.len();
        if i >= MAX_ENVIRONMENTS {
            return None;
        }
        self.set.names.push(name.into());
        self.set.index.insert(name.into(), i);
        Some(i)
    }

    /// `host` (canonical) belongs to environment `env`.
    pub fn exact_host(&mut self, env: usize, host: &str) {
        self.set.hosts.insert_exact(host, env as u32);
        self.set.has_targets = true;
    }

    /// Every strict subdomain of `domain` belongs to `env`.
    pub fn subdomains(&mut self, env: usize, domain: &str) {
        self.set.hosts.insert_subdomains(domain, env as u32);
        self.set.has_targets = true;
    }

    /// `domain` and its subdomains belong to `env`.
    pub fn apex_and_subdomains(&mut self, env: usize, domain: &str) {
        self.set
            .hosts
            .insert_apex_and_subdomains(domain, env as u32);
        self.set.has_targets = true;
    }

    /// Every address in `net` belongs to `env`.
    pub fn network(&mut self, env: usize, net: IpNet) {
        self.set.networks.insert(net, env as u32);
        self.set.has_targets = true;
    }

    /// Every path at or below `prefix` belongs to `env`.
    pub fn path(&mut self, env: usize, prefix: &str) {
        let prefix = prefix.trim_end_matches('/');
        let prefix = if prefix.is_empty() { "/" } else { prefix };
        self.set.paths.push((prefix.into(), 1 << env));
        self.set.has_targets = true;
    }

    /// Tools named by `pattern` (exact, or a glob with `*` / `?`) belong to `env`.
    pub fn tool(&mut self, env: usize, pattern: &str, glob: bool) {
        add(&mut self.tools, env, pattern, glob);
        self.set.has_targets = true;
    }

    /// Deployments named by `pattern` (exact, or a glob with `*` / `?`)
    /// belong to `env`.
    pub fn name(&mut self, env: usize, pattern: &str, glob: bool) {
        add(&mut self.names, env, pattern, glob);
        self.set.has_names = true;
    }

    #[cfg(any(test, feature = "internals"))]
    /// Compiles the tool globs.
    pub fn build(self) -> Result<EnvironmentSet, RegexSetError> {
        self.build_with(Build::Now)
    }

    /// [`EnvironmentSetBuilder::build`], building the automaton when `build` says.
    pub fn build_with(mut self, build: Build) -> Result<EnvironmentSet, RegexSetError> {
        self.set.networks.build();
        self.set.tools = self.tools.build_with(build)?;
        self.set.deployments = self.names.build_with(build)?;
        Ok(self.set)
    }
}

/// Adds `pattern` (a glob, or an exact name) to `names` for environment `env`.
fn add(names: &mut NameSetBuilder, env: usize, pattern: &str, glob: bool) {
    if glob {
        names.glob(pattern, env as u32);
    } else {
        names.exact(pattern, env as u32);
    }
}

fn bit(tag: u32) -> u64 {
    1u64.checked_shl(tag).unwrap_or(0)
}

impl EnvironmentSet {
    /// A builder.
    pub fn builder() -> EnvironmentSetBuilder {
        EnvironmentSetBuilder::default()
    }

    #[cfg(test)]
    /// The number of environments.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when no environment is defined.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// True when a policy author defined an environment (so a principal's
    /// claimed environment must be a defined one); false when the only
    /// environments are built-in (the default's `production`).
    pub fn is_authored(&self) -> bool {
        self.authored
    }

    /// True when some environment names targets (so deriving is worth doing).
    pub fn has_targets(&self) -> bool {
        self.has_targets
    }

    /// True when some environment names deployments (so a command's
    /// deployment values are worth looking up).
    pub fn has_names(&self) -> bool {
        self.has_names
    }

    /// The index of environment `name`.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    #[cfg(test)]
    /// Environment `i`'s name.
    pub fn name(&self, i: usize) -> Option<&str> {
        self.names.get(i).map(|n| &**n)
    }

    /// The environments of a canonical host name.
    pub fn of_host(&self, host: &str) -> u64 {
        let mut mask = 0;
        self.hosts.for_each_match(host, |t| mask |= bit(t));
        mask
    }

    /// The environments of an address.
    pub fn of_ip(&self, ip: IpAddr) -> u64 {
        let mut mask = 0;
        self.networks.for_each_match(ip, |t| mask |= bit(t));
        mask
    }

    /// The environments of a (lexically normalized) path.
    pub fn of_path(&self, path: &str) -> u64 {
        let mut mask = 0;
        for (prefix, b) in &self.paths {
            let under = match path.strip_prefix(&**prefix) {
                Some(rest) => rest.is_empty() || rest.starts_with('/') || &**prefix == "/",
                None => false,
            };
            if under {
                mask |= b;
            }
        }
        mask
    }

    /// The environments of a deployment `value` a command names
    /// (`prod-eu`, `production`, `deploy@prod-web-1`, a database URL): the
    /// value whole, then each of its words (runs of ASCII letters and
    /// digits: `gke_acme_us-east1_prod` gives `gke`, `acme`, `us`, `east1`,
    /// `prod`). Case-sensitive. Cost: one name lookup per word.
    pub fn of_name(&self, value: &str) -> u64 {
        let mut mask = 0;
        self.deployments.for_each_match(value, |t| mask |= bit(t));
        for word in value.split(|c: char| !c.is_ascii_alphanumeric()) {
            if !word.is_empty() && word.len() != value.len() {
                self.deployments.for_each_match(word, |t| mask |= bit(t));
            }
        }
        mask
    }

    /// The environments of a tool name.
    pub fn of_tool(&self, name: &str) -> u64 {
        let mut mask = 0;
        self.tools.for_each_match(name, |t| mask |= bit(t));
        mask
    }

    #[cfg(test)]
    /// The names of the environments in `mask`, in definition order.
    pub fn names_in(&self, mask: u64) -> impl Iterator<Item = &str> {
        self.names
            .iter()
            .enumerate()
            .filter(move |(i, _)| mask & (1 << i) != 0)
            .map(|(_, n)| &**n)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn deployment_names_match_whole_or_word_by_word() {
        let mut b = super::EnvironmentSet::builder();
        let prod = b.environment("production").unwrap();
        let eu = b.environment("eu").unwrap();
        for n in ["prod", "production", "live"] {
            b.name(prod, n, false);
        }
        b.name(eu, "*-eu", true);
        let set = b.build().unwrap();
        assert!(set.has_names() && !set.has_targets());
        assert_eq!(set.of_name("prod"), 1 << prod);
        assert_eq!(set.of_name("gke_acme_us-east1_prod"), 1 << prod);
        assert_eq!(set.of_name("postgres://app@db.prod.example.com/app"), 1 << prod);
        assert_eq!(set.of_name("prod-eu"), (1 << prod) | (1 << eu));
        assert_eq!(set.of_name("products"), 0);
        assert_eq!(set.of_name("staging"), 0);
        assert_eq!(set.of_name(""), 0);
    }

    use super::*;

    #[test]
    fn targets_map_to_their_environments() {
        let mut b = EnvironmentSet::builder();
        let prod = b.environment("production").unwrap();
        let staging = b.environment("staging").unwrap();
        b.subdomains(prod, "prod.example.com");
        b.exact_host(staging, "staging.example.com");
        b.network(prod, "10.1.0.0/16".parse().unwrap());
        b.path(prod, "/srv/prod/");
        b.tool(prod, "prod_*", true);
        let set = b.build().unwrap();
        assert_eq!(set.of_host("db.prod.example.com"), 1 << prod);
        assert_eq!(set.of_host("prod.example.com"), 0);
        assert_eq!(set.of_host("staging.example.com"), 1 << staging);
        assert_eq!(set.of_ip("10.1.2.3".parse().unwrap()), 1 << prod);
        assert_eq!(set.of_path("/srv/prod"), 1 << prod);
        assert_eq!(set.of_path("/srv/prod/db"), 1 << prod);
        assert_eq!(set.of_path("/srv/production"), 0);
        assert_eq!(set.of_tool("prod_query"), 1 << prod);
        assert_eq!(
            set.names_in(3).collect::<Vec<_>>(),
            vec!["production", "staging"]
        );
    }

    #[test]
    fn at_most_63_environments() {
        let mut b = EnvironmentSet::builder();
        for i in 0..MAX_ENVIRONMENTS {
            assert!(b.environment(&format!("e{i}")).is_some());
        }
        assert!(b.environment("one-too-many").is_none());
    }
}
