//! Host name matching: exact names, `*.domain` and `**.domain`, by hash lookup.
//!
//! Every pattern is stored under the name it is anchored at, in one hash map
//! whose entries say which patterns hang there: the exact name, its strict
//! subdomains (`*.example.org`), or both (`**.example.org`). A lookup hashes
//! the name, then each of its parent domains in turn (`a.b.example.org` →
//! `b.example.org` → `example.org` → `org`): a suffix table walked label by
//! label, from the most specific label to the least. Its cost grows with
//! the number of labels in the name and not with the number of rules, so
//! 100,000 host rules cost what 10 do. Because only whole parent domains are
//! looked up, label boundaries hold by construction: `*.example.com` never
//! matches `evil-example.com` or `example.com.evil.com`.
//!
//! Names given to [`HostSet::for_each_match`] must already be canonical
//! (lowercase, IDNA, no trailing dot): the analyzer's job, not this matcher's.

use rustc_hash::FxHashMap;

/// The patterns anchored at one name.
#[derive(Debug, Clone, Default)]
struct Anchored {
    /// Tags of patterns matching the name itself (exact and `**.`).
    itself: Vec<u32>,
    /// Tags of patterns matching its strict subdomains (`*.` and `**.`).
    below: Vec<u32>,
}

/// A set of exact and wildcard host patterns, each tagged with a value (a rule index).
#[derive(Debug, Clone, Default)]
pub struct HostSet {
    names: FxHashMap<Box<str>, Anchored>,
    /// True when some pattern matches subdomains, so parents must be looked up.
    any_below: bool,
}

impl HostSet {
    /// An empty set.
    pub fn new() -> Self {
        HostSet::default()
    }

    fn at(&mut self, name: &str) -> &mut Anchored {
        self.names.entry(name.into()).or_default()
    }

    /// Adds `name` (canonical), matching only itself.
    pub fn insert_exact(&mut self, name: &str, tag: u32) {
        self.at(name).itself.push(tag);
    }

    /// Adds `*.domain`: every strict subdomain of `domain` (canonical).
    pub fn insert_subdomains(&mut self, domain: &str, tag: u32) {
        self.at(domain).below.push(tag);
        self.any_below = true;
    }

    /// Adds `**.domain`: `domain` itself and every subdomain.
    pub fn insert_apex_and_subdomains(&mut self, domain: &str, tag: u32) {
        let anchored = self.at(domain);
        anchored.itself.push(tag);
        anchored.below.push(tag);
        self.any_below = true;
    }

    /// Calls `found` with the tag of every pattern that matches `name`.
    pub fn for_each_match(&self, name: &str, mut found: impl FnMut(u32)) {
        if let Some(anchored) = self.names.get(name) {
            anchored.itself.iter().copied().for_each(&mut found);
        }
        if !self.any_below {
            return;
        }
        for (dot, _) in name.match_indices('.') {
            if let Some(anchored) = name.get(dot + 1..).and_then(|p| self.names.get(p)) {
                anchored.below.iter().copied().for_each(&mut found);
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
        set.insert_apex_and_subdomains("example.org", 3);
        assert_eq!(tags(&set, "api.example.com"), vec![1]);
        assert_eq!(tags(&set, "a.b.example.com"), vec![1]);
        assert_eq!(tags(&set, "example.com"), vec![2]);
        assert!(tags(&set, "evil-example.com").is_empty());
        assert!(tags(&set, "example.com.evil.com").is_empty());
        assert_eq!(tags(&set, "example.org"), vec![3]);
        assert_eq!(tags(&set, "x.example.org"), vec![3]);
        assert!(tags(&set, "notexample.org").is_empty());
    }
}
