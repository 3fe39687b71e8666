//! Host name matching: exact names and `*.domain` suffixes, by hash lookup.
//!
//! Exact names live in one hash map; `*.example.org` patterns live in a
//! second map keyed by `example.org`. A lookup hashes the name once, then
//! each of its strict parent domains (`a.b.example.org` → `b.example.org`,
//! `example.org`, `org`), so its cost grows with the number of labels in the
//! name, not with the number of rules. Because only whole parent domains are
//! looked up, label boundaries hold by construction: `*.example.com` never
//! matches `evil-example.com` or `example.com.evil.com`.
//!
//! Names given to [`HostSet::for_each_match`] must already be canonical
//! (lowercase, IDNA, no trailing dot); the analyzer's job, not this matcher's.

use rustc_hash::FxHashMap;

/// A set of exact and wildcard host patterns, each tagged with a value (a rule index).
#[derive(Debug, Clone, Default)]
pub struct HostSet {
    exact: FxHashMap<Box<str>, Vec<u32>>,
    subdomains: FxHashMap<Box<str>, Vec<u32>>,
}

impl HostSet {
    /// An empty set.
    pub fn new() -> Self {
        HostSet::default()
    }

    /// Adds `name` (canonical), matching only itself.
    pub fn insert_exact(&mut self, name: &str, tag: u32) {
        self.exact.entry(name.into()).or_default().push(tag);
    }

    /// Adds `*.domain`: every strict subdomain of `domain` (canonical).
    pub fn insert_subdomains(&mut self, domain: &str, tag: u32) {
        self.subdomains.entry(domain.into()).or_default().push(tag);
    }

    /// Calls `found` with the tag of every pattern that matches `name`.
    pub fn for_each_match(&self, name: &str, mut found: impl FnMut(u32)) {
        if let Some(tags) = self.exact.get(name) {
            tags.iter().copied().for_each(&mut found);
        }
        if self.subdomains.is_empty() {
            return;
        }
        for (dot, _) in name.match_indices('.') {
            if let Some(parent) = name.get(dot + 1..) {
                if let Some(tags) = self.subdomains.get(parent) {
                    tags.iter().copied().for_each(&mut found);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(set: &HostSet, name: &str) -> Vec<u32> {
        let mut out = Vec::new();
        set.for_each_match(name, |t| out.push(t));
        out.sort_unstable();
        out
    }

    #[test]
    fn wildcards_respect_label_boundaries() {
        let mut set = HostSet::new();
        set.insert_subdomains("example.com", 1);
        set.insert_exact("example.com", 2);
        assert_eq!(tags(&set, "api.example.com"), vec![1]);
        assert_eq!(tags(&set, "a.b.example.com"), vec![1]);
        assert_eq!(tags(&set, "example.com"), vec![2]);
        assert!(tags(&set, "evil-example.com").is_empty());
        assert!(tags(&set, "example.com.evil.com").is_empty());
    }
}
