//! The call rule: what a tool rule asks of a tool call, as plain data.
//!
//! This is the one definition of a tool rule's matching fields and of its
//! argument tests. The policy model holds it (`policy::ToolRule` is its id,
//! effect and reason around one of these), the policy reader fills it, the
//! policy writer prints it, and the engine compiles it (names into one
//! [`NameSet`](crate::pattern::NameSet), argument tests through
//! [`ArgumentTest::new`](super::ArgumentTest::new)); a new field is written
//! there and nowhere else. It holds validated values (checked pointers and
//! regular expressions, known annotations) but nothing compiled: building it
//! costs the strings and JSON values it holds.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::pattern::NamePattern;

/// A tool rule's matching fields: a call matches when every field that is
/// set matches.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CallRule {
    /// Tool names or globs; the call's name (as given, or as
    /// `mcp__<server>__<tool>` when its server is known) must match one
    /// (empty: any).
    pub tools: Vec<NamePattern>,
    /// MCP server names or globs (empty: any). The server is the request's
    /// `server`, or the one in an `mcp__server__tool` / `server/tool` name.
    pub servers: Vec<NamePattern>,
    /// Argument tests; every one must hold.
    pub arguments: Vec<ArgumentMatch>,
    /// MCP annotations the server declared (`destructiveHint: true`); every
    /// one must be declared with that value.
    pub annotations: Vec<(String, bool)>,
    /// The tool's name has a destructive verb (`delete_volume`).
    pub destructive_name: bool,
    /// The tool's name must have a verb of change (`change_verbs.txt`:
    /// `apply`, `scale`, `deploy`, `exec`, …).
    #[serde(default)]
    pub changing_name: bool,
}

/// A test on the value at a JSON pointer of a tool call's arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArgumentMatch {
    /// RFC 6901 pointer (`/query`, `/options/force`).
    pub pointer: String,
    /// What the value must be.
    pub test: ValueTest,
}

impl Eq for ArgumentMatch {}

/// A value test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ValueTest {
    /// The value exists (`true`) or does not (`false`).
    Exists(bool),
    /// The value equals this JSON value.
    Equals(#[serde(with = "json_text")] Value),
    /// The value equals one of these.
    OneOf(#[serde(with = "json_texts")] Vec<Value>),
    /// A string matching this glob (`*` any run, `?` one character).
    Glob(String),
    /// A string containing a match of this regular expression.
    Regex(String),
    /// A number compared with this one.
    Compare(Comparison, f64),
}

/// JSON values as their JSON text in the default-policy snapshot (postcard
/// cannot carry a self-describing value).
mod json_text {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use serde_json::Value;

    pub(super) fn serialize<S: Serializer>(value: &Value, s: S) -> Result<S::Ok, S::Error> {
        value.to_string().serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        let text = String::deserialize(d)?;
        serde_json::from_str(&text).map_err(serde::de::Error::custom)
    }
}

/// [`json_text`] for a list.
mod json_texts {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use serde_json::Value;

    pub(super) fn serialize<S: Serializer>(values: &[Value], s: S) -> Result<S::Ok, S::Error> {
        let texts: Vec<String> = values.iter().map(Value::to_string).collect();
        texts.serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Value>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|t| serde_json::from_str(t).map_err(serde::de::Error::custom))
            .collect()
    }
}

/// A numeric comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Comparison {
    /// `>`
    Gt,
    /// `>=`
    Gte,
    /// `<`
    Lt,
    /// `<=`
    Lte,
}

impl Comparison {
    /// True when `x` compares so with `n`.
    pub fn holds(self, x: f64, n: f64) -> bool {
        match self {
            Comparison::Gt => x > n,
            Comparison::Gte => x >= n,
            Comparison::Lt => x < n,
            Comparison::Lte => x <= n,
        }
    }
}
