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
//! Layout: [`policy`] reads and validates policies; [`egress`] analyzes URLs
//! and matches hosts and networks; [`pattern`] and [`tool`] hold the
//! multi-pattern matchers; the engine joins analyzers and matchers and is the
//! only module that knows both.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
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

pub mod audit;
pub mod command;
mod data;
mod decision;
pub mod defaults;
mod effect;
pub mod egress;
mod engine;
#[doc(hidden)]
pub mod fuzzing;
pub mod hook;
pub mod paths;
pub mod pattern;
pub mod policy;
pub mod rbac;
mod request;
pub mod secrets;
pub mod sql;
pub mod tool;

pub use decision::{Canonical, CommandDetail, Decision, Kind, Matched, PrincipalFacts};
pub use effect::Effect;
pub use engine::{Engine, AUDIT_FAILED_RULE, AUDIT_OVERFLOW_RULE, MAX_COMMAND_BYTES};
pub use policy::{Diagnostic, ErrorKind, Format, Location, Policy, PolicyError};
pub use request::{
    Action, HttpRequest, Principal, Request, RequestError, ToolAnnotations, ToolCall,
    MAX_REQUEST_BYTES,
};
