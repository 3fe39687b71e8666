//! `agents.toml`, read: each agent's pre- and post-tool events, where its payload
//! says what, and how each of its tools' input becomes requests.
//!
//! The table is data (documented at its head) so that speaking one more
//! agent, or one more of an agent's tools, is a table row and a fixture,
//! not code. Cost: parsed once per process, on the first payload.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// One agent's row.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AgentRow {
    pub principal: String,
    pub events: Vec<String>,
    /// The events that follow a tool call that ran (informational: they
    /// feed the session, never block).
    #[serde(default)]
    pub post_events: Vec<String>,
    /// Those of `post_events` that report a failed call (approve nothing).
    #[serde(default)]
    pub failure_events: Vec<String>,
    pub ask: Vec<String>,
    pub event: Vec<String>,
    #[serde(default)]
    pub default_event: Option<String>,
    pub tool: Vec<String>,
    pub input: Vec<String>,
    pub session: Vec<String>,
    /// Where the payload carries the working directory: the project.
    #[serde(default)]
    pub cwd: Vec<String>,
    /// Where a post-tool event carries the tool's output.
    #[serde(default)]
    pub output: Vec<String>,
    #[serde(default)]
    pub tools: HashMap<String, Mapping>,
}

/// How one tool's input becomes requests.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Mapping {
    pub kind: MappingKind,
    pub field: String,
    #[serde(default)]
    pub access: Option<FileAccess>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub server: Option<String>,
    /// For a `path` write: where the input carries the file's whole content.
    #[serde(default)]
    pub content: Option<String>,
}

/// The kinds of mapping (see the table's head).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum MappingKind {
    Command,
    Commands,
    Http,
    Urls,
    Patch,
    Path,
    Mcp,
}

/// How a `path` mapping touches its files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum FileAccess {
    Read,
    Write,
}

impl FileAccess {
    /// The file tool a path is decided as (`read_file`, `write_file`).
    pub fn tool(self) -> &'static str {
        match self {
            FileAccess::Read => "read_file",
            FileAccess::Write => "write_file",
        }
    }
}

/// The whole table, by agent name.
pub(crate) type Table = HashMap<String, AgentRow>;

/// Reads `agents.toml` (through [`crate::data`]).
pub(crate) fn load() -> Result<Table, String> {
    crate::data::toml("agents.toml", include_str!("agents.toml"))
}

/// The table, read on first use; empty when it does not load (the unit test
/// of [`crate::data`] loads it), which makes every payload an error.
pub(crate) fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| load().unwrap_or_default())
}
