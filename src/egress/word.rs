//! What a single word names, when it names a place: a URL, a host, an
//! address or a path.
//!
//! Environments are derived from what a request touches, and a command or a
//! tool call names its targets in plain words: `psql -h db.prod.example.com`,
//! `ssh deploy@10.0.3.7`, `--host=db:5432`, `https://api.prod.example/…`,
//! `/srv/prod/data`. [`named`] reads one such word into the same canonical
//! facts the URL canonicalizer gives a request (lower case, IDNA, no
//! trailing dot, every IPv4 spelling), so a host is recognized however it is
//! written; a path is returned as it is, for the caller to normalize. Words
//! that name nothing (`-rf`, `main`, `README`) give `None`. This module knows
//! nothing of environments or policies. Cost: a few byte scans; a URL parse
//! only for a word that looks like a URL or a plausible host name.

use std::net::{IpAddr, Ipv4Addr};

use super::{parse_server_name, parse_url, Destination};

/// Longest word read, in bytes; longer ones name nothing.
const MAX_WORD_BYTES: usize = 2048;

/// A place a word names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Named<'a> {
    /// A host or address, with the IPv4 address it carries (IPv4-mapped and
    /// similar IPv6 forms).
    Destination(Destination, Option<Ipv4Addr>),
    /// An absolute or home-relative path, as written.
    Path(&'a str),
}

/// The place `word` names: a URL, a path (`/…`, `~/…`), an address or a
/// host (also as `user@host`, `host:port`, `host/…`, or the value of a
/// `--flag=value` word).
pub(crate) fn named(word: &str) -> Option<Named<'_>> {
    let word = word.trim();
    if word.is_empty() || word.len() > MAX_WORD_BYTES {
        return None;
    }
    if let Some((k, v)) = word.split_once('=') {
        if k.starts_with('-') {
            return named(v);
        }
    }
    if word.contains("://") {
        return parse_url(word)
            .ok()
            .map(|t| Named::Destination(t.destination, t.carried));
    }
    if word.starts_with('/') || word.starts_with("~/") {
        return Some(Named::Path(word));
    }
    let host = word.rsplit_once('@').map_or(word, |(_, h)| h);
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Some(Named::Destination(Destination::Ip(ip), None));
    }
    let host = host.split([':', '/']).next().unwrap_or_default();
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Some(Named::Destination(Destination::Ip(ip), None));
    }
    let plausible = host.contains('.')
        && !host.starts_with(['.', '-'])
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b >= 0x80);
    if !plausible {
        return None;
    }
    parse_server_name(host)
        .ok()
        .map(|d| Named::Destination(d, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(word: &str) -> Option<String> {
        match named(word)? {
            Named::Destination(Destination::Name(n), _) => Some(n.to_string()),
            Named::Destination(Destination::Ip(ip), _) => Some(ip.to_string()),
            Named::Path(p) => Some(format!("path:{p}")),
        }
    }

    #[test]
    fn hosts_are_canonical_however_written() {
        assert_eq!(host("DB.Prod.Example.COM.").as_deref(), Some("db.prod.example.com"));
        assert_eq!(host("deploy@db.prod.example.com:5432").as_deref(), Some("db.prod.example.com"));
        assert_eq!(host("--host=db.prod.example.com").as_deref(), Some("db.prod.example.com"));
        assert_eq!(host("https://API.prod.example/x").as_deref(), Some("api.prod.example"));
        assert_eq!(host("bücher.example").as_deref(), Some("xn--bcher-kva.example"));
        assert_eq!(host("10.0.3.7").as_deref(), Some("10.0.3.7"));
        assert_eq!(host("root@10.0.3.7:22").as_deref(), Some("10.0.3.7"));
    }

    #[test]
    fn paths_and_plain_words() {
        assert_eq!(host("/srv/prod/data").as_deref(), Some("path:/srv/prod/data"));
        assert_eq!(host("~/prod").as_deref(), Some("path:~/prod"));
        for word in ["-rf", "main", "README", "", ".hidden", "-x.y", "*.example.com"] {
            assert_eq!(host(word), None, "{word}");
        }
        assert_eq!(named(&"a.".repeat(2000)), None);
    }
}
