//! The fast path for URLs that are already in canonical form.
//!
//! Most URLs a gateway sees are already what the WHATWG parser would
//! produce: `https://api.example.com/v1/items?page=2`, lowercase host,
//! nothing to decode, no dot segments. For those, a full parse (IDNA
//! mapping, IPv4 number checks, percent-encoding passes) costs several times
//! the rest of a decision. This recognizer accepts only a strict subset of
//! URLs on which the WHATWG parse is the identity, and returns the same
//! [`Target`] the `url`-based path does; anything else — any uppercase in
//! the host, a trailing dot, `%`, `\`, `//` in the path, userinfo, an IPv6 literal or an
//! IPv4 address in any but dotted-decimal form, a number as the last label, punycode, `--` anywhere in the host, a dot segment, a
//! fragment, a character a percent-encode set covers — returns `None` and
//! takes the full path. It is a recognizer, not a second parser: the
//! `url` crate stays the reference, and a differential property test
//! (`tests/egress_properties.rs`) holds the two to the same answer on every
//! input the fast path accepts. Cost: one pass over the bytes and two allocations.

use std::net::{IpAddr, Ipv4Addr};

use compact_str::CompactString;

use super::target::{Destination, Target};

/// Bytes a special-scheme path keeps as they are (RFC 3986 unreserved and
/// sub-delims, `:`, `@`, `/`), minus `%` (escapes take the full path).
const PATH_BYTES: [bool; 256] = table(b"-._~!$&'()*+,;=:@/");
/// Bytes a special-scheme query keeps as they are (`'` is escaped there).
const QUERY_BYTES: [bool; 256] = table(b"-._~!$&()*+,;=:@/?");

/// A byte table: ASCII letters and digits, plus `extra`. Evaluated at
/// compile time only, where an index out of range is a build error.
#[allow(clippy::indexing_slicing)]
const fn table(extra: &[u8]) -> [bool; 256] {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric();
        b += 1;
    }
    let mut i = 0;
    while i < extra.len() {
        t[extra[i] as usize] = true;
        i += 1;
    }
    t
}

fn all_in(text: &str, table: &[bool; 256]) -> bool {
    // A `u8` always indexes a 256-entry table; `get` only satisfies the lint.
    text.bytes()
        .all(|b| table.get(usize::from(b)).copied().unwrap_or(false))
}

/// A host the WHATWG host parser returns unchanged: lowercase ASCII labels
/// of letters, digits and single hyphens, the last label starting with a
/// letter (so it is never read as an IPv4 number), no `xn--` labels.
fn canonical_host(host: &str) -> bool {
    if host.is_empty() || host.len() > 253 {
        return false;
    }
    // One pass: each byte is checked against the one before it.
    let mut previous = b'.';
    let mut label_len = 0;
    let mut label_start_is_letter = false;
    for &b in host.as_bytes() {
        match b {
            b'.' => {
                if previous == b'.' || previous == b'-' {
                    return false;
                }
                label_len = 0;
            }
            b'a'..=b'z' | b'0'..=b'9' | b'-' => {
                if label_len == 0 {
                    if b == b'-' {
                        return false;
                    }
                    label_start_is_letter = b.is_ascii_lowercase();
                }
                if b == b'-' && previous == b'-' {
                    return false;
                }
                label_len += 1;
                if label_len > 63 {
                    return false;
                }
            }
            _ => return false,
        }
        previous = b;
    }
    previous != b'.' && previous != b'-' && label_start_is_letter
}

/// An IPv4 address in its canonical spelling: four decimal parts of 0 to
/// 255 without leading zeros (which other spellings the URL parser reads
/// differently, `010` as octal for one, is its business, not this path's).
fn dotted_quad(host: &str) -> Option<Ipv4Addr> {
    let mut parts = [0u8; 4];
    let mut n = 0;
    for part in host.split('.') {
        let slot = parts.get_mut(n)?;
        let canonical = !part.is_empty()
            && part.len() <= 3
            && part.bytes().all(|b| b.is_ascii_digit())
            && (part == "0" || !part.starts_with('0'));
        if !canonical {
            return None;
        }
        *slot = part.parse().ok()?;
        n += 1;
    }
    (n == 4).then(|| Ipv4Addr::from(parts))
}

/// A port as the URL parser reads it: 1 to 5 digits, no leading zero, 1..=65535.
fn port(digits: &str) -> Option<u16> {
    let valid = !digits.is_empty()
        && digits.len() <= 5
        && !digits.starts_with('0')
        && digits.bytes().all(|b| b.is_ascii_digit());
    valid.then(|| digits.parse().ok()).flatten()
}

/// True when a segment of `path` is `.` or `..`.
fn has_dot_segment(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| {
        b == b'.'
            && matches!(i.checked_sub(1).and_then(|j| bytes.get(j)), Some(b'/'))
            && match bytes.get(i + 1) {
                None | Some(b'/') => true,
                Some(b'.') => matches!(bytes.get(i + 2), None | Some(b'/')),
                _ => false,
            }
    })
}

/// The canonical facts of `raw` when it is already canonical; `None` otherwise.
pub(crate) fn parse_canonical(raw: &str) -> Option<Target> {
    let (scheme, default, rest) = if let Some(rest) = raw.strip_prefix("https://") {
        ("https", 443, rest)
    } else if let Some(rest) = raw.strip_prefix("http://") {
        ("http", 80, rest)
    } else {
        return None;
    };
    let end = rest
        .bytes()
        .position(|b| b == b'/' || b == b'?')
        .unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let colon = authority.bytes().position(|b| b == b':');
    let split = colon.map(|i| (authority.get(..i), authority.get(i + 1..)));
    let (host, port) = match split {
        Some((Some(host), Some(digits))) => (host, port(digits)?),
        Some(_) => return None,
        None => (authority, default),
    };
    let destination = if canonical_host(host) {
        Destination::Name(host.into())
    } else {
        Destination::Ip(IpAddr::V4(dotted_quad(host)?))
    };
    let (path, query) = match tail.bytes().position(|b| b == b'?') {
        Some(i) => (tail.get(..i)?, Some(tail.get(i + 1..)?)),
        None => (tail, None),
    };
    let path_ok = all_in(path, &PATH_BYTES) && !has_dot_segment(path) && !path.contains("//");
    if !path_ok || !query.is_none_or(|q| all_in(q, &QUERY_BYTES)) {
        return None;
    }
    Some(Target {
        scheme: scheme.into(),
        destination,
        carried: None,
        port,
        path: if path.is_empty() {
            "/".into()
        } else {
            path.into()
        },
        query: query.map(CompactString::from),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_canonical_urls_take_the_fast_path() {
        let t = parse_canonical("https://api.example.com:8443/v1/items?page=2").unwrap();
        assert_eq!(t.port, 8443);
        assert_eq!(t.path, "/v1/items");
        assert_eq!(t.query.as_deref(), Some("page=2"));
        assert_eq!(parse_canonical("http://a.example").unwrap().path, "/");
        let ip = parse_canonical("http://10.0.0.1/x").unwrap();
        assert_eq!(ip.destination, Destination::Ip("10.0.0.1".parse().unwrap()));
        for raw in [
            "https://API.example.com/",
            "https://example.com./",
            "https://u@example.com/",
            "https://127.1/",
            "https://0127.0.0.1/",
            "https://256.0.0.1/",
            "https://example.123/",
            "https://xn--bcher-kva.example/",
            "https://a--b.example/",
            "https://example.com/a/../b",
            "https://example.com/a//b",
            "https://example.com/%41",
            "https://example.com/a#f",
            "https://example.com\\a",
            "https://example.com:0443/",
            "https://example.com/a b",
            "HTTPS://example.com/",
            "ftp://example.com/",
        ] {
            assert_eq!(parse_canonical(raw), None, "{raw}");
        }
    }
}
