//! A URL, as the request will really reach it.
//!
//! Parsing follows the WHATWG URL Standard through the `url` crate, which
//! already lowercases and IDNA-encodes host names and turns every IPv4
//! spelling a browser accepts (`2130706433`, `0x7f.1`, `0177.0.0.1`,
//! `127.1`) into one address. On top of it this file refuses what is not one
//! clean URL (whitespace and control characters anywhere, which the standard
//! would silently strip), requires a host and a known port, drops one
//! trailing dot from names, and unwraps IPv4-mapped IPv6 addresses to the
//! IPv4 they carry. Cost: one `url` parse plus a few small allocations.

use std::fmt;
use std::net::IpAddr;

use url::{Host, Url};

/// Longest URL accepted, in bytes.
pub const MAX_URL_BYTES: usize = 8192;

/// Where a request goes: a host name or an IP address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Destination {
    /// A canonical host name: lowercase ASCII (IDNA), no trailing dot.
    Name(String),
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
    /// Lowercase scheme.
    pub scheme: String,
    /// Host name or address.
    pub destination: Destination,
    /// The port the connection goes to: explicit, or the scheme's default.
    pub port: u16,
    /// The path, as the URL standard normalizes it.
    pub path: String,
    /// The query, without `?`.
    pub query: Option<String>,
}

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
    /// A scheme without a default port and no explicit port.
    #[error("no port given and scheme `{0}` has no default port")]
    NoPort(String),
}

/// Parses and canonicalizes a URL.
pub fn parse_url(raw: &str) -> Result<Target, TargetError> {
    if raw.is_empty() {
        return Err(TargetError::Empty);
    }
    if raw.len() > MAX_URL_BYTES {
        return Err(TargetError::TooLong(raw.len()));
    }
    if let Some(at) = raw
        .char_indices()
        .find(|(_, c)| c.is_whitespace() || c.is_control())
        .map(|(i, _)| i)
    {
        return Err(TargetError::Unclean(at));
    }
    let url = Url::parse(raw)?;
    let destination = match url.host() {
        None => return Err(TargetError::NoHost),
        Some(Host::Domain(name)) => {
            let name = name.strip_suffix('.').unwrap_or(name);
            if name.is_empty() {
                return Err(TargetError::NoHost);
            }
            Destination::Name(name.to_ascii_lowercase())
        }
        Some(Host::Ipv4(ip)) => Destination::Ip(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => Destination::Ip(match ip.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(ip),
        }),
    };
    let port = url
        .port_or_known_default()
        .ok_or_else(|| TargetError::NoPort(url.scheme().to_owned()))?;
    Ok(Target {
        scheme: url.scheme().to_owned(),
        destination,
        port,
        path: url.path().to_owned(),
        query: url.query().map(str::to_owned),
    })
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
        ] {
            assert_eq!(dest(raw), loopback, "{raw}");
        }
    }

    #[test]
    fn effective_port_defaults_by_scheme() {
        assert_eq!(parse_url("https://a.example").unwrap().port, 443);
        assert_eq!(parse_url("http://a.example:8080").unwrap().port, 8080);
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
