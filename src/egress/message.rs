//! Reading an HTTP request as given into canonical facts.
//!
//! A proxy, a gateway or a command hands over a request as it came: a
//! method, a request target in any of the three HTTP/1.1 forms (absolute
//! URL, `host:port` for `CONNECT`, an origin-form path with a `Host`
//! header), headers, a body and the TLS server name. [`Message::read`]
//! turns it into a [`Message`]: the method in upper case, the canonical
//! [`Target`] (the URL canonicalizer's destination, port, scheme and path),
//! and the headers and body borrowed as they are. A request whose parts
//! disagree about where it goes (a `Host` header or a server name naming
//! another destination than the URL: domain fronting, or several different
//! `Host` headers) is refused with the reason, and the engine denies it.
//! This module knows nothing of policies: matching the facts is the
//! engine's. Cost: one URL parse, a scan of the headers for `Host`, and an
//! allocation only for a method given in lower case.

use std::borrow::Cow;

use super::{
    is_http_token, parse_authority, parse_host_header, parse_origin, parse_server_name, parse_url,
    Target, TargetError,
};

/// What of a request is not known until it runs (requests made by commands).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Unknown {
    /// The path or query depends on a run-time value.
    pub(crate) path: bool,
    /// The body comes from a file or a run-time value.
    pub(crate) body: bool,
}

/// An HTTP request's canonical facts.
#[derive(Debug)]
pub(crate) struct Message<'a> {
    pub(crate) method: Cow<'a, str>,
    pub(crate) target: Target,
    pub(crate) headers: Vec<(&'a str, &'a str)>,
    pub(crate) body: Option<&'a str>,
    pub(crate) unknown: Unknown,
}

impl<'a> Message<'a> {
    /// Reads a request. `target` is an absolute URL, an authority (`CONNECT`)
    /// or an origin-form path with a `Host` header. `Err` is the reason the
    /// request cannot be decided on (it is then denied).
    pub(crate) fn read(
        method: &'a str,
        target: &str,
        headers: Vec<(&'a str, &'a str)>,
        body: Option<&'a str>,
        sni: Option<&str>,
    ) -> Result<Message<'a>, String> {
        if !is_http_token(method) {
            let shown: String = method.chars().take(40).collect();
            return Err(format!("invalid HTTP method `{}`", shown.escape_debug()));
        }
        let method = if method.bytes().any(|b| b.is_ascii_lowercase()) {
            Cow::Owned(method.to_ascii_uppercase())
        } else {
            Cow::Borrowed(method)
        };
        let mut hosts = headers
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case("host"))
            .map(|(_, value)| *value);
        let host = hosts.next();
        if hosts.any(|other| Some(other) != host) {
            return Err("refused request: several different Host headers".into());
        }
        let refused = |e: TargetError| format!("refused URL: {e}");
        let url = if method == "CONNECT" {
            parse_authority(target).map_err(refused)?
        } else if target.starts_with('/') {
            let Some(host) = host else {
                return Err("refused request: an origin-form target needs a Host header".into());
            };
            let scheme = if sni.is_some() { "https" } else { "http" };
            parse_origin(target, host, scheme).map_err(refused)?
        } else {
            let url = parse_url(target).map_err(refused)?;
            if let Some(host) = host {
                let (destination, port) =
                    parse_host_header(host, &url.scheme).map_err(refused)?;
                if destination != url.destination || port != url.port {
                    return Err(format!(
                        "refused request: domain fronting: the URL goes to {}:{} but the Host header names {destination}:{port}",
                        url.destination, url.port
                    ));
                }
            }
            url
        };
        if let Some(sni) = sni {
            let named = parse_server_name(sni).map_err(refused)?;
            if named != url.destination {
                return Err(format!(
                    "refused request: domain fronting: the request goes to {} but the TLS server name is {named}",
                    url.destination
                ));
            }
        }
        Ok(Message {
            method,
            target: url,
            headers,
            body,
            unknown: Unknown::default(),
        })
    }

    pub(crate) fn header(&self, name: &str) -> Option<&'a str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }
}

