//! IP network matching for `cidrs`, in prefix tries.
//!
//! IPv4 and IPv6 networks live in two prefix tries (`prefix-trie`, keyed by
//! `ipnet` networks). Every rule that names a network containing the
//! address matched, not only the rule of the longest one, so each entry
//! stores the tags of its own network *and* of every network that contains
//! it, computed once by [`NetworkSet::build`]; a lookup is then one
//! longest-prefix match, a walk bounded by the address length (32 or 128
//! bits) and not by the number of networks: 10,000 CIDRs cost about what
//! 10 do. Addresses must already be canonical (IPv4-mapped IPv6
//! unwrapped): the analyzer's job.

use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use prefix_trie::PrefixMap;

/// A set of IPv4 and IPv6 networks, each tagged with a value (a rule index).
#[derive(Clone, Default)]
pub struct NetworkSet {
    v4: PrefixMap<Ipv4Net, Vec<u32>>,
    v6: PrefixMap<Ipv6Net, Vec<u32>>,
    /// Set by [`NetworkSet::build`]: entries hold the tags of covering networks too.
    built: bool,
}

impl std::fmt::Debug for NetworkSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetworkSet")
            .field("v4", &self.v4.len())
            .field("v6", &self.v6.len())
            .finish()
    }
}

impl NetworkSet {
    /// An empty set.
    pub fn new() -> Self {
        NetworkSet::default()
    }

    /// Adds a network (host bits are ignored). Call [`NetworkSet::build`]
    /// after the last insertion for the fast lookup.
    pub fn insert(&mut self, net: IpNet, tag: u32) {
        match net.trunc() {
            IpNet::V4(net) => self.v4.entry(net).or_default().push(tag),
            IpNet::V6(net) => self.v6.entry(net).or_default().push(tag),
        }
        self.built = false;
    }

    /// Copies into each entry the tags of the networks that contain it, so
    /// that a lookup needs only the longest match. Quadratic in the nesting
    /// depth of the networks, linear in their number; compile time only.
    pub fn build(&mut self) {
        fn closure<P: prefix_trie::Prefix + Clone>(
            map: &PrefixMap<P, Vec<u32>>,
        ) -> PrefixMap<P, Vec<u32>> {
            let mut out = PrefixMap::new();
            for (prefix, _) in map.iter() {
                let mut tags: Vec<u32> = map.cover_values(&prefix).flatten().copied().collect();
                tags.sort_unstable();
                tags.dedup();
                out.insert(prefix, tags);
            }
            out
        }
        self.v4 = closure(&self.v4);
        self.v6 = closure(&self.v6);
        self.built = true;
    }

    /// Calls `found` with the tag of every network containing `ip`.
    pub fn for_each_match(&self, ip: IpAddr, mut found: impl FnMut(u32)) {
        match (ip, self.built) {
            (IpAddr::V4(ip), true) => {
                if let Some((_, tags)) = self.v4.get_lpm(&Ipv4Net::from(ip)) {
                    tags.iter().copied().for_each(&mut found);
                }
            }
            (IpAddr::V6(ip), true) => {
                if let Some((_, tags)) = self.v6.get_lpm(&Ipv6Net::from(ip)) {
                    tags.iter().copied().for_each(&mut found);
                }
            }
            (IpAddr::V4(ip), false) => {
                for tags in self.v4.cover_values(&Ipv4Net::from(ip)) {
                    tags.iter().copied().for_each(&mut found);
                }
            }
            (IpAddr::V6(ip), false) => {
                for tags in self.v6.cover_values(&Ipv6Net::from(ip)) {
                    tags.iter().copied().for_each(&mut found);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_match_every_network_containing_them() {
        let mut set = NetworkSet::new();
        set.insert("10.0.0.0/8".parse().unwrap(), 1);
        set.insert("169.254.169.254/32".parse().unwrap(), 2);
        set.insert("fc00::/7".parse().unwrap(), 3);
        set.insert("10.1.0.0/16".parse().unwrap(), 4);
        set.insert("0.0.0.0/0".parse().unwrap(), 5);
        let before = |ip: &str| {
            let mut out = Vec::new();
            set.for_each_match(ip.parse().unwrap(), |t| out.push(t));
            out.sort_unstable();
            out
        };
        assert_eq!(before("10.1.2.3"), vec![1, 4, 5]);
        set.build();
        let hits = |ip: &str| {
            let mut out = Vec::new();
            set.for_each_match(ip.parse().unwrap(), |t| out.push(t));
            out.sort_unstable();
            out
        };
        assert_eq!(hits("10.1.2.3"), vec![1, 4, 5]);
        assert_eq!(hits("10.2.2.3"), vec![1, 5]);
        assert_eq!(hits("169.254.169.254"), vec![2, 5]);
        assert_eq!(hits("fd00::1"), vec![3]);
        assert_eq!(hits("11.0.0.1"), vec![5]);
    }
}
