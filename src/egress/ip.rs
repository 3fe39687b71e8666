//! IPv6 addresses that carry an IPv4 address.
//!
//! Three IPv6 forms deliver packets to an IPv4 address: IPv4-mapped
//! (`::ffff:a.b.c.d`, the same socket as the IPv4 address itself),
//! IPv4-compatible (`::a.b.c.d`, deprecated but still routed by some
//! stacks) and NAT64 (`64:ff9b::a.b.c.d`, translated by a gateway). A rule
//! about `169.254.169.254` must see all of them. [`unmap`] gives the IPv4
//! address a mapped address is; [`carried_ipv4`] gives the IPv4 address the
//! other two forms reach, so network rules can be tested against both.
//! Cost: a few integer comparisons.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The NAT64 well-known prefix `64:ff9b::/96` (RFC 6052), as its first 96 bits.
const NAT64_PREFIX: [u16; 6] = [0x64, 0xff9b, 0, 0, 0, 0];

/// An IPv4-mapped IPv6 address as the IPv4 address it is; any other address unchanged.
pub fn unmap(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// The IPv4 address an IPv4-compatible (`::a.b.c.d`, except `::` and `::1`)
/// or NAT64 (`64:ff9b::a.b.c.d`) IPv6 address reaches.
pub fn carried_ipv4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let segments = ip.segments();
    let [a, b, c, d, e, f, hi, lo] = segments;
    let v4 = Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    let compatible = [a, b, c, d, e, f] == [0; 6] && (hi != 0 || lo > 1);
    let nat64 = [a, b, c, d, e, f] == NAT64_PREFIX;
    (compatible || nat64).then_some(v4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v6(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    #[test]
    fn compatible_and_nat64_forms_carry_their_ipv4() {
        let metadata = Some(Ipv4Addr::new(169, 254, 169, 254));
        assert_eq!(carried_ipv4(v6("::a9fe:a9fe")), metadata);
        assert_eq!(carried_ipv4(v6("::169.254.169.254")), metadata);
        assert_eq!(carried_ipv4(v6("64:ff9b::169.254.169.254")), metadata);
        assert_eq!(carried_ipv4(v6("::1")), None, "loopback is not 0.0.0.1");
        assert_eq!(carried_ipv4(v6("::")), None);
        assert_eq!(carried_ipv4(v6("2001:db8::1")), None);
        assert_eq!(carried_ipv4(v6("64:ff9b:1::a9fe:a9fe")), None);
    }

    #[test]
    fn mapped_addresses_unmap() {
        let ip: IpAddr = "::ffff:127.0.0.1".parse().unwrap();
        assert_eq!(unmap(ip), IpAddr::V4(Ipv4Addr::LOCALHOST));
        let ip: IpAddr = "::1".parse().unwrap();
        assert_eq!(unmap(ip), ip);
    }
}
