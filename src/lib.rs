//! Portcullis: embeddable allow / ask / deny decisions for what AI agents do.
//!
//! An agent that can run shell commands, send HTTP requests and call tools
//! can do damage with one call. Portcullis sits where those calls are made: a
//! proxy, gateway, agent runtime or coding-agent hook hands it the request,
//! and it answers with an [`Effect`], the id of the deciding rule and a
//! reason, in a [`Decision`].
//!
//! ```
//! use portcullis::{Effect, Engine};
//!
//! let engine = Engine::from_json(r#"{
//!     "version": 1,
//!     "egress": [
//!         {"id": "github", "effect": "allow", "hosts": ["github.com", "*.github.com"], "schemes": ["https"]}
//!     ]
//! }"#)?;
//! assert_eq!(engine.check_http("GET", "https://api.github.com/repos").effect, Effect::Allow);
//! assert_eq!(engine.check_http("GET", "https://evil.example/").effect, Effect::Deny);
//! # Ok::<(), portcullis::PolicyError>(())
//! ```
//!
//! Layout (ARCHITECTURE.md has the map): [`policy`] reads, validates and
//! composes policy documents; [`defaults`] is the built-in policy and its
//! packs. The analyzers turn raw input into canonical facts and know no
//! policy: `command` (the shell), `egress` (URLs, requests, hosts, GraphQL),
//! `sql`, `tool` (argument routing), `paths` (what a command or file tool
//! touches), `secrets`. The matchers take facts and return rule indices:
//! `pattern` (regex sets, globs, name sets) and the matcher halves of those
//! folders, and `rbac` (roles, bindings, environments, permissions, Cedar).
//! The engine (`engine`, behind [`Engine`] and [`EngineBuilder`]) is the
//! only module that knows both, and runs one decision pass for every kind
//! of request. Around it: [`audit`] (the hash-chained trail), [`hook`]
//! (coding-agent hook protocols), `request` ([`Request`] and what it
//! carries), `decision` ([`Decision`] and its facts), `effect` ([`Effect`]),
//! `data` (embedded tables) and `fuzzing` (fuzz-target bodies). The analyzers and
//! matchers are crate-private; the doc-hidden `internals` feature exposes
//! them to this project's tests and benchmarks, with no stability promise.

#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::string_slice
    )
)]

/// Declares modules that are part of the crate's internals: public (and
/// hidden from the docs) with the `internals` feature, which the project's
/// own tests, benchmarks and fuzz targets enable; crate-private otherwise.
macro_rules! internal_modules {
    ($($(#[$attr:meta])* $name:ident;)*) => {$(
        $(#[$attr])*
        #[cfg(feature = "internals")]
        #[doc(hidden)]
        pub mod $name;
        $(#[$attr])*
        #[cfg(not(feature = "internals"))]
        // Re-exports the tests use stay; without the feature they are unused.
        #[allow(unused_imports)]
        pub(crate) mod $name;
    )*};
}

pub mod audit;
mod data;
mod decision;
pub mod defaults;
mod effect;
mod engine;
pub mod hook;
pub mod policy;
mod request;
pub mod session;

internal_modules! {
    command;
    egress;
    paths;
    pattern;
    rbac;
    secrets;
    sql;
    tool;
}

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;

pub use decision::{
    ArgumentFacts, Canonical, CommandDetail, Decision, HookAnswer, Kind, Matched, PrincipalFacts,
    SessionFacts,
};
pub use effect::Effect;
pub use engine::{
    Engine, EngineBuilder, AUDIT_FAILED_RULE, AUDIT_OVERFLOW_RULE, MAX_COMMAND_BYTES,
};
pub use policy::{Diagnostic, ErrorKind, Format, Location, Policy, PolicyError};
pub use request::{
    Action, HttpRequest, Principal, Request, RequestError, ToolAnnotations, ToolCall,
    MAX_REQUEST_BYTES,
};
