//! A name pattern: a name matched exactly, or a glob over names.
//!
//! Command rules name programs with it (`rm`, `mkfs.*`), tool rules and
//! environments name tools and MCP servers with it. It is plain data: the
//! reader decides which of the two a written name is (a `*` or `?` makes a
//! glob), and each matcher compiles the exact names into a hash set and the
//! globs into one automaton. Nothing here runs at decision time.

/// A name, or a glob over names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum NamePattern {
    /// Exactly this name (case-sensitive).
    Exact(String),
    /// A glob: `*` is any run of characters, `?` any one character.
    Glob(String),
}

impl NamePattern {
    /// `raw` as a glob when it has a `*` or `?`, else as an exact name.
    pub fn parse(raw: &str) -> NamePattern {
        if raw.contains(['*', '?']) {
            NamePattern::Glob(raw.to_owned())
        } else {
            NamePattern::Exact(raw.to_owned())
        }
    }

    /// The name or glob as written.
    pub fn as_str(&self) -> &str {
        match self {
            NamePattern::Exact(s) | NamePattern::Glob(s) => s,
        }
    }
}
