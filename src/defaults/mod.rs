//! The embedded default policy.
//!
//! `default.json` is compiled into the library with `include_str!`, so the
//! command-line tool and every binding work with no file at hand. It is an
//! egress allowlist for what a coding agent needs (GitHub and its content
//! hosts, crates.io, PyPI, npm, the Go module proxy, Docker Hub), with cloud
//! metadata endpoints and loopback, private and link-local ranges denied.
//! The test suite compiles it and checks its decisions.

/// The default policy, JSON.
pub const DEFAULT_POLICY: &str = include_str!("default.json");
