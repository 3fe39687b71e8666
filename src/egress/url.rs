//! A URL, as the request will really reach it: the one canonicalizer.
//!
//! Every URL Portcullis decides on goes through here: proxy requests, URLs
//! in shell commands (`curl`, `wget`, `git clone`) and URLs in tool-call
//! arguments, so a spelling that gets past one gets past none. Parsing
//! follows the WHATWG URL Standard through the `url` crate, which lowercases
//! and IDNA-encodes host names, percent-decodes them, resolves dot segments
//! and turns every IPv4 spelling a browser or resolver accepts
//! (`2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`) into one address. On top
//! of it this file:
//! - refuses what is not one clean URL: whitespace and control characters
//!   anywhere (which the standard would silently strip or split on), IPv6
//!   zone identifiers, a missing host, a scheme not in `schemes.tsv`;
//! - drops one trailing dot from names, unwraps IPv4-mapped IPv6 addresses
//!   to the IPv4 they are, and records the IPv4 address an IPv4-compatible
//!   or NAT64 address carries ([`ip`](super::ip));
//! - gives hosts of non-web schemes (`ssh://`, `postgres://`) the same host
//!   canonicalization as web ones;
//! - normalizes the path ([`path`](super::path)) and fills in the port.
//!
//! It also reads the two other request-target forms of HTTP/1.1: authority
//! form (`host:port`, for `CONNECT`) and origin form (`/path` plus a `Host`
//! header). Cost: one `url` parse plus a few small allocations.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::OnceLock;

use compact_str::{CompactString, ToCompactString};
use rustc_hash::FxHashMap;
use url::{Host, Url};

use super::ip::{carried_ipv4, unmap};
use super::path::normalize_path;
pub use super::target::{Destination, Target};

/// Longest URL accepted, in bytes.
pub const MAX_URL_BYTES: usize = 8192;

/// Why a URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// Nothing to parse.
    #[error("empty URL")]
    Empty,
    /// Longer than [`MAX_URL_BYTES`].
    #[error("URL is {0} bytes; the maximum is {MAX_URL_BYTES}")]
    TooLong(usize),
    /// Whitespace or a control character, which URL parsers strip or split on.
    #[error("URL contains whitespace or a control character at byte {0}")]
    Unclean(usize),
    /// Not a URL at all.
    #[error("not a valid URL: {0}")]
    Invalid(#[from] url::ParseError),
    /// A URL without a host (`file:///etc/passwd`, `mailto:x`).
    #[error("URL has no host")]
    NoHost,
    /// A host name with an empty label (`a..b`, two trailing dots).
    #[error("host name `{0}` has an empty label")]
    EmptyLabel(String),
    /// A scheme whose URLs Portcullis does not know how to place.
    #[error("scheme `{0}` is not a network scheme Portcullis knows")]
    UnsupportedScheme(String),
    /// An IPv6 zone identifier (`[fe80::1%eth0]`): which interface is local state.
    #[error("IPv6 zone identifiers are refused")]
    ZoneId,
    /// A `CONNECT` authority or `Host` value that is not `host[:port]`.
    #[error("`{0}` is not a host with an optional port")]
    BadAuthority(String),
}

/// Reads `schemes.tsv` (through [`crate::data`]): scheme, default port.
pub(crate) fn load() -> Result<FxHashMap<&'static str, u16>, String> {
    crate::data::tsv::<2>("schemes.tsv", include_str!("schemes.tsv"))?
        .into_iter()
        .map(|[scheme, port]| {
            let port = port
                .parse()
                .map_err(|e| format!("schemes.tsv: port of {scheme}: {e}"))?;
            Ok((scheme, port))
        })
        .collect()
}

/// Default ports of the schemes that name a network destination, read on
/// first use; none when the table does not load (the unit test of
/// [`crate::data`] loads it).
fn default_ports() -> &'static FxHashMap<&'static str, u16> {
    static PORTS: OnceLock<FxHashMap<&'static str, u16>> = OnceLock::new();
    PORTS.get_or_init(|| load().unwrap_or_default())
}

/// The default port of `scheme`, when it is a network scheme Portcullis knows.
pub fn default_port(scheme: &str) -> Option<u16> {
    default_ports().get(scheme).copied()
}

fn check_clean(raw: &str) -> Result<(), TargetError> {
    if raw.is_empty() {
        return Err(TargetError::Empty);
    }
    if raw.len() > MAX_URL_BYTES {
        return Err(TargetError::TooLong(raw.len()));
    }
    // Printable ASCII is the common case: one branch-free pass over the bytes.
    if raw
        .bytes()
        .fold(true, |clean, b| clean & (b > b' ') & (b < 0x7f))
    {
        return Ok(());
    }
    // Only text with non-ASCII needs the Unicode tables.
    let unclean = match raw.bytes().position(|b| b <= b' ' || b >= 0x7f) {
        Some(at) if raw.as_bytes().get(at).is_some_and(|b| *b >= 0x80) => raw
            .char_indices()
            .find(|(_, c)| c.is_whitespace() || c.is_control())
            .map(|(at, _)| at),
        other => other,
    };
    match unclean {
        Some(at) => Err(TargetError::Unclean(at)),
        None => Ok(()),
    }
}

/// The canonical destination for a parsed host.
fn destination(host: Host<&str>) -> Result<(Destination, Option<Ipv4Addr>), TargetError> {
    Ok(match host {
        Host::Domain(name) => {
            let name = name.strip_suffix('.').unwrap_or(name);
            if name.is_empty() {
                return Err(TargetError::NoHost);
            }
            if name.split('.').any(str::is_empty) {
                return Err(TargetError::EmptyLabel(name.to_owned()));
            }
            (Destination::Name(name.to_ascii_lowercase().into()), None)
        }
        Host::Ipv4(ip) => (Destination::Ip(IpAddr::V4(ip)), None),
        Host::Ipv6(ip) => match unmap(IpAddr::V6(ip)) {
            IpAddr::V6(v6) => (Destination::Ip(IpAddr::V6(v6)), carried_ipv4(v6)),
            v4 => (Destination::Ip(v4), None),
        },
    })
}

/// Parses and canonicalizes an absolute URL. A URL already in canonical
/// form takes a fast path ([`fast`](super::fast)) that gives the same result.
pub fn parse_url(raw: &str) -> Result<Target, TargetError> {
    check_clean(raw)?;
    match super::fast::parse_canonical(raw) {
        Some(target) => Ok(target),
        None => parse_url_in_full(raw),
    }
}

/// [`parse_url`] without the fast path: the `url` crate's parse, always.
/// Exposed for the differential test that holds the fast path to it.
#[doc(hidden)]
pub fn parse_url_in_full(raw: &str) -> Result<Target, TargetError> {
    check_clean(raw)?;
    let authority_end = raw
        .find("://")
        .map(|i| i + 3)
        .and_then(|start| {
            let rest = raw.get(start..)?;
            Some(start + rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len()))
        })
        .unwrap_or(0);
    let authority = raw.get(..authority_end).unwrap_or_default();
    if authority.contains('[') && authority.contains('%') {
        return Err(TargetError::ZoneId);
    }
    let url = Url::parse(raw)?;
    let scheme = url.scheme();
    let Some(default) = default_port(scheme) else {
        return Err(if url.host().is_none() {
            TargetError::NoHost
        } else {
            TargetError::UnsupportedScheme(scheme.to_owned())
        });
    };
    let (destination, carried) = match url.host() {
        None => return Err(TargetError::NoHost),
        Some(Host::Domain(opaque)) if !url.is_special() => {
            // A non-web scheme keeps its host as written: canonicalize it as a web host.
            let host = Host::parse(opaque).map_err(TargetError::Invalid)?;
            match &host {
                Host::Domain(d) => destination(Host::Domain(d.as_str()))?,
                Host::Ipv4(ip) => destination(Host::Ipv4(*ip))?,
                Host::Ipv6(ip) => destination(Host::Ipv6(*ip))?,
            }
        }
        Some(host) => destination(host)?,
    };
    Ok(Target {
        scheme: scheme.into(),
        destination,
        carried,
        port: url.port().unwrap_or(default),
        path: normalize_path(url.path()).to_compact_string(),
        query: url.query().map(CompactString::from),
    })
}

/// Checks that `raw` is `host[:port]` and nothing else.
fn check_authority(raw: &str) -> Result<(), TargetError> {
    check_clean(raw)?;
    if raw.contains(['/', '?', '#', '@', '\\']) {
        return Err(TargetError::BadAuthority(raw.chars().take(64).collect()));
    }
    Ok(())
}

/// Parses the authority form of a `CONNECT` request: `host:port`.
pub fn parse_authority(raw: &str) -> Result<Target, TargetError> {
    check_authority(raw)?;
    let has_port = match raw.rfind(']') {
        Some(close) => raw.get(close + 1..).is_some_and(|r| r.starts_with(':')),
        None => raw.contains(':'),
    };
    if !has_port {
        return Err(TargetError::BadAuthority(raw.chars().take(64).collect()));
    }
    let mut target = parse_url(&format!("https://{raw}"))?;
    target.scheme = match target.port {
        443 => "https",
        80 => "http",
        _ => "tcp",
    }
    .into();
    target.path = CompactString::default();
    target.query = None;
    Ok(target)
}

/// Parses the origin form (`/path?query`) with the `Host` header's value.
pub fn parse_origin(path: &str, host: &str, scheme: &str) -> Result<Target, TargetError> {
    check_authority(host)?;
    if !path.starts_with('/') || path.starts_with("//") {
        return Err(TargetError::BadAuthority(path.chars().take(64).collect()));
    }
    parse_url(&format!("{scheme}://{host}{path}"))
}

/// The destination and port a `Host` header names, for a request of `scheme`.
pub fn parse_host_header(host: &str, scheme: &str) -> Result<(Destination, u16), TargetError> {
    check_authority(host)?;
    let target = parse_url(&format!("{scheme}://{host}/"))?;
    Ok((target.destination, target.port))
}

/// The destination a TLS server name (SNI) names.
pub fn parse_server_name(name: &str) -> Result<Destination, TargetError> {
    check_authority(name)?;
    if name.contains(':') {
        return Err(TargetError::BadAuthority(name.chars().take(64).collect()));
    }
    parse_url(&format!("https://{name}/")).map(|t| t.destination)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dest(raw: &str) -> Destination {
        parse_url(raw).unwrap().destination
    }

    #[test]
    fn names_are_lowercased_and_lose_one_trailing_dot() {
        assert_eq!(
            dest("https://GitHub.COM./x"),
            Destination::Name("github.com".into())
        );
        assert!(matches!(
            parse_url("https://github.com../"),
            Err(TargetError::EmptyLabel(_))
        ));
    }

    #[test]
    fn ipv4_spellings_become_one_address() {
        let loopback = Destination::Ip("127.0.0.1".parse().unwrap());
        for raw in [
            "http://127.0.0.1/",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://0177.0.0.1/",
            "http://127.1/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
        ] {
            assert_eq!(dest(raw), loopback, "{raw}");
        }
    }

    #[test]
    fn non_web_schemes_get_web_host_canonicalization() {
        let t = parse_url("ssh://git@GitHub.com./org/repo").unwrap();
        assert_eq!(t.destination, Destination::Name("github.com".into()));
        assert_eq!(t.port, 22);
        let t = parse_url("postgres://u:p@0x7f.1:6543/db").unwrap();
        assert_eq!(t.destination, Destination::Ip("127.0.0.1".parse().unwrap()));
        assert_eq!(t.port, 6543);
        assert!(matches!(
            parse_url("gopher://example.com/"),
            Err(TargetError::UnsupportedScheme(_))
        ));
    }

    #[test]
    fn carried_ipv4_is_recorded() {
        let t = parse_url("http://[64:ff9b::a9fe:a9fe]/").unwrap();
        assert_eq!(t.carried, Some(Ipv4Addr::new(169, 254, 169, 254)));
        assert_eq!(
            parse_url("http://[fe80::1%25eth0]/"),
            Err(TargetError::ZoneId)
        );
    }

    #[test]
    fn effective_port_defaults_by_scheme() {
        assert_eq!(parse_url("https://a.example").unwrap().port, 443);
        assert_eq!(parse_url("http://a.example:8080").unwrap().port, 8080);
    }

    #[test]
    fn authority_and_origin_forms() {
        let t = parse_authority("GitHub.com:443").unwrap();
        assert_eq!((t.scheme.as_str(), t.port), ("https", 443));
        assert_eq!(parse_authority("github.com:22").unwrap().scheme, "tcp");
        assert!(parse_authority("github.com").is_err());
        assert!(parse_authority("user@github.com:443").is_err());
        let t = parse_origin("/a/../b", "Example.org", "http").unwrap();
        assert_eq!(t.path, "/b");
        assert!(parse_origin("//evil.com/x", "example.org", "http").is_err());
    }

    #[test]
    fn unclean_and_hostless_urls_are_refused() {
        assert_eq!(
            parse_url("https://a.example/\r\nHost: b"),
            Err(TargetError::Unclean(18))
        );
        assert_eq!(
            parse_url(" https://a.example"),
            Err(TargetError::Unclean(0))
        );
        assert_eq!(parse_url("file:///etc/passwd"), Err(TargetError::NoHost));
        assert!(matches!(
            parse_url("not a url"),
            Err(TargetError::Unclean(_))
        ));
        assert!(matches!(parse_url("nourl"), Err(TargetError::Invalid(_))));
        assert_eq!(parse_url(""), Err(TargetError::Empty));
    }
}
