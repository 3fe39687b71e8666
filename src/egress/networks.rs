//! IP network matching for `cidrs`.
//!
//! Networks are kept in one list; a lookup tests each with `IpNet::contains`
//! (a family check and a masked compare). That is linear in the number of
//! networks: fine for the few dozen special-purpose ranges a policy usually
//! lists, and the reason the egress issue replaces it with a prefix table for
//! policies with thousands of networks. Addresses must already be canonical
//! (IPv4-mapped IPv6 unwrapped): the analyzer's job.

use std::net::IpAddr;

use ipnet::IpNet;

/// A set of IPv4 and IPv6 networks, each tagged with a value (a rule index).
#[derive(Debug, Clone, Default)]
pub struct NetworkSet {
    nets: Vec<(IpNet, u32)>,
}

impl NetworkSet {
    /// An empty set.
    pub fn new() -> Self {
        NetworkSet::default()
    }

    /// Adds a network.
    pub fn insert(&mut self, net: IpNet, tag: u32) {
        self.nets.push((net, tag));
    }

    /// Calls `found` with the tag of every network containing `ip`.
    pub fn for_each_match(&self, ip: IpAddr, mut found: impl FnMut(u32)) {
        for (net, tag) in &self.nets {
            if net.contains(&ip) {
                found(*tag);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_match_their_networks_only() {
        let mut set = NetworkSet::new();
        set.insert("10.0.0.0/8".parse().unwrap(), 1);
        set.insert("169.254.169.254/32".parse().unwrap(), 2);
        set.insert("fc00::/7".parse().unwrap(), 3);
        let hits = |ip: &str| {
            let mut out = Vec::new();
            set.for_each_match(ip.parse().unwrap(), |t| out.push(t));
            out
        };
        assert_eq!(hits("10.1.2.3"), vec![1]);
        assert_eq!(hits("169.254.169.254"), vec![2]);
        assert_eq!(hits("fd00::1"), vec![3]);
        assert!(hits("11.0.0.1").is_empty());
    }
}
