//! Egress: what an HTTP request or URL points at, and the matchers that
//! decide whether that destination is allowed.
//!
//! [`target`] is the analyzer (raw URL text in, canonical facts out); [`hosts`]
//! and [`networks`] are matchers (canonical facts in, rule indices out). They
//! meet only in the engine.

pub mod hosts;
pub mod networks;
pub mod target;

pub use hosts::HostSet;
pub use networks::NetworkSet;
pub use target::{parse_url, Destination, Target, TargetError};

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
