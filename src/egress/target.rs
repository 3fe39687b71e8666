//! What a URL comes to: where the request goes ([`Destination`]) and the
//! canonical facts rules test ([`Target`]).
//!
//! Plain data, shared by the two URL readers: the full WHATWG parse in
//! [`url`](super::url) and the canonical-form fast path in `fast`. Both
//! return a `Target`, and `url` calls `fast` first, so the type lives here,
//! below both, and the imports go one way (`url` → `fast` → `target`). The
//! public path stays `egress::url::Target`. Cost: none beyond the fields.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

use compact_str::CompactString;

/// Where a request goes: a host name or an IP address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Destination {
    /// A canonical host name: lowercase ASCII (IDNA), no trailing dot.
    Name(CompactString),
    /// An IP address; IPv4-mapped IPv6 is given as IPv4.
    Ip(IpAddr),
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Destination::Name(name) => f.write_str(name),
            Destination::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

/// The canonical facts of a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Lowercase scheme; for `CONNECT`, `https` on port 443, `http` on 80, else `tcp`.
    pub scheme: CompactString,
    /// Host name or address.
    pub destination: Destination,
    /// The IPv4 address an IPv4-compatible or NAT64 IPv6 destination reaches.
    pub carried: Option<Ipv4Addr>,
    /// The port the connection goes to: explicit, or the scheme's default.
    pub port: u16,
    /// The normalized path (empty for `CONNECT`).
    pub path: CompactString,
    /// The query, without `?`.
    pub query: Option<CompactString>,
}
