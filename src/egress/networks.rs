//! IP network matching for `cidrs`, in prefix tries.
//!
//! IPv4 and IPv6 networks live in two prefix tries (`prefix-trie`, keyed by
//! `ipnet` networks). A lookup walks from the root toward the address and
//! collects every network on the way that contains it, so its cost is
//! bounded by the address length (32 or 128 bits), not by the number of
//! networks: 10,000 CIDRs cost about what 10 do. Every containing network
//! is reported, not only the longest, because every rule that names one of
//! them matched. Addresses must already be canonical (IPv4-mapped IPv6
//! unwrapped): the analyzer's job.

use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use prefix_trie::PrefixMap;

/// A set of IPv4 and IPv6 networks, each tagged with a value (a rule index).
#[derive(Clone, Default)]
pub struct NetworkSet {
    v4: PrefixMap<Ipv4Net, Vec<u32>>,
    v6: PrefixMap<Ipv6Net, Vec<u32>>,
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

    /// Adds a network (host bits are ignored).
    pub fn insert(&mut self, net: IpNet, tag: u32) {
        match net.trunc() {
            IpNet::V4(net) => self.v4.entry(net).or_default().push(tag),
            IpNet::V6(net) => self.v6.entry(net).or_default().push(tag),
        }
    }

    /// Calls `found` with the tag of every network containing `ip`.
    pub fn for_each_match(&self, ip: IpAddr, mut found: impl FnMut(u32)) {
        match ip {
            IpAddr::V4(ip) => {
                for tags in self.v4.cover_values(&Ipv4Net::from(ip)) {
                    tags.iter().copied().for_each(&mut found);
                }
            }
            IpAddr::V6(ip) => {
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
