//! Egress: where an HTTP request or URL goes and what it carries, and the
//! matchers that decide on those facts.
//!
//! Analyzers (raw input in, canonical facts out): [`url`] (the one URL
//! canonicalizer, with [`ip`], [`path`] and a fast path for URLs already in
//! canonical form), [`message`] (a request as given: method, target in any
//! form, `Host`, server name), [`word`] (a host, address, URL or path named
//! by a command word or an argument), [`graphql`] (operations and
//! root fields of a GraphQL document). Matchers (canonical facts in, rule
//! indices out): [`hosts`], [`networks`], [`inspect`] (headers, JSON
//! bodies, GraphQL operations). They meet only in the engine.

mod fast;
pub mod graphql;
pub mod hosts;
pub mod inspect;
pub mod ip;
pub(crate) mod message;
pub mod networks;
pub mod path;
mod target;
pub mod url;
pub(crate) mod word;

pub use hosts::HostSet;
pub use networks::NetworkSet;
pub use url::{
    parse_authority, parse_host_header, parse_origin, parse_server_name, parse_url, Destination,
    Target, TargetError,
};

/// True when `s` is an HTTP method token (RFC 9110 `token`), 1 to 32 bytes.
pub fn is_http_token(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 32
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}
