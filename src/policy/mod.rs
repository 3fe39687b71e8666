//! Policy format v1: the document model, how it is read from JSON or TOML,
//! and the errors a policy author sees.
//!
//! Reading a policy is three steps, each in its own file: [`source`](self)
//! turns text into a value tree (syntax errors with line and column), the
//! reader validates that tree into a [`Policy`] (every error, each with its
//! field path and rule id), and the locator maps those paths back to lines and
//! columns. Nothing here runs at decision time.

pub(crate) mod builtin;
pub mod cedar_export;
mod compose;
mod error;
mod model;
mod path;
mod reader;
pub(crate) mod snapshot;
mod source;
mod write;

pub use cedar_export::CedarExport;
pub use compose::MAX_EXTENDS_DEPTH;
pub use error::{Diagnostic, ErrorKind, Location, PolicyError};
pub use model::{
    AuditOverflow, Binding, CedarSection, CommandRule, Defaults, EgressRule, Environment, Examples,
    Explicit, GraphqlMatch, HeaderMatch, HostPattern, Inspection, JsonMatch, PathRule, Permission,
    Policy, Role, RuleMeta, SqlRule, ToolRule,
};
// The matchers' own rule types, which the model holds; re-exported so that
// users of the model need not know where each lives.
pub use crate::command::ArgvRule;
pub use crate::hook::{Hooks, UnattendedAsk};
pub use crate::paths::{Access, AccessRule};
pub use crate::pattern::NamePattern;
pub use crate::sql::{Kind as SqlKind, StatementRule};
pub use crate::tool::{ArgumentMatch, CallRule, Comparison, ValueTest};
pub use path::{FieldPath, Segment};
pub use source::{Format, MAX_POLICY_BYTES};

use source::Locator;

impl Policy {
    /// The RBAC part of the policy as an equivalent Cedar policy set and
    /// entities (`portcullis export cedar`; see [`cedar_export`]).
    pub fn to_cedar(&self) -> CedarExport {
        cedar_export::export(self)
    }

    /// Reads and validates a JSON policy.
    pub fn from_json(text: &str) -> Result<Policy, PolicyError> {
        Policy::parse(text, Format::Json)
    }

    /// Reads and validates a TOML policy (the same model as JSON).
    pub fn from_toml(text: &str) -> Result<Policy, PolicyError> {
        Policy::parse(text, Format::Toml)
    }

    /// Reads and validates a policy in the given format. On error, every
    /// diagnostic carries a line and column in `text`.
    pub fn parse(text: &str, format: Format) -> Result<Policy, PolicyError> {
        let value = source::parse(text, format)?;
        reader::read_policy(&value).map_err(|mut diagnostics| {
            Locator::new(text, format).locate_all(&mut diagnostics);
            PolicyError::new(diagnostics)
        })
    }

    /// Resolves `extends` and `disable` (see [`compose`](self)): built-in
    /// bases always, relative paths from `dir`, the including file's
    /// directory. A policy with neither is returned as it is.
    pub fn resolve(self, dir: Option<&std::path::Path>) -> Result<Policy, PolicyError> {
        compose::resolve(self, dir)
    }

    /// Reads a policy embedded in the binary (a default-policy part): the
    /// same validation but for what the test suite checks of every embedded
    /// part in full (duplicate keys, regex syntax). Any error is reported
    /// as [`Policy::from_json`] reports it, with lines and columns.
    pub(crate) fn from_embedded_json(text: &str) -> Result<Policy, PolicyError> {
        serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|value| reader::read_embedded(&value).ok())
            .map_or_else(|| Policy::from_json(text), Ok)
    }

    /// Validates a policy that is already a JSON value (no line numbers then).
    pub fn from_value(value: &serde_json::Value) -> Result<Policy, PolicyError> {
        reader::read_policy(value).map_err(PolicyError::new)
    }
}

impl PolicyError {
    /// Adds line and column to diagnostics found after reading (at compile time).
    pub(crate) fn locate_in(mut self, text: &str, format: Format) -> Self {
        Locator::new(text, format).locate_all(self.diagnostics_mut());
        self
    }
}
