//! The argv rule: what a command rule asks of a simple command, as plain data.
//!
//! This is the one definition of a command rule's matching fields. The
//! policy model holds it (`policy::CommandRule` is its id, effect and reason
//! around one of these), the policy reader fills it, the policy writer
//! prints it, and [`CommandMatcher`](super::matcher::CommandMatcher) compiles
//! it; a new field is written there and nowhere else. It holds validated
//! values (canonical flags, known constructs, checked regular expressions)
//! but nothing compiled: building it costs the strings it holds.

use super::packages::Ecosystem;
use super::parser::Construct;
use crate::pattern::NamePattern;

/// A command rule's matching fields: a simple command (after normalization)
/// matches when every field that is set matches.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct ArgvRule {
    /// Program basenames or globs (`rm`, `mkfs.*`); the program must be one (empty: any).
    pub programs: Vec<NamePattern>,
    /// Alternatives, each a list of word globs the subcommand must start with
    /// (`["compose", "down"]`, `["*", "delete-*"]`).
    pub subcommands: Vec<Vec<String>>,
    /// Every one of these flags (canonical names) must be present.
    pub flags_all: Vec<String>,
    /// At least one of these flags must be present.
    pub flags_any: Vec<String>,
    /// None of these flags may be present.
    pub not_flags: Vec<String>,
    /// Path globs; at least one positional argument must match one.
    pub args_any: Vec<String>,
    /// Path globs; the command must redirect its output to a match.
    pub writes_any: Vec<String>,
    /// The command's input must be piped from one of these programs.
    pub piped_from: Vec<String>,
    /// A construct recognized by structure (`fork-bomb`).
    pub construct: Option<Construct>,
    /// A package argument after the subcommand must be one edit away from a
    /// popular name of this registry (a likely typosquat).
    pub packages_near_popular: Option<Ecosystem>,
    /// A regular expression searched in the normalized command text.
    pub pattern: Option<String>,
}

impl ArgvRule {
    /// The exact program names, in order.
    pub fn exact_programs(&self) -> impl Iterator<Item = &str> {
        self.programs.iter().filter_map(|p| match p {
            NamePattern::Exact(name) => Some(name.as_str()),
            NamePattern::Glob(_) => None,
        })
    }

    /// The program globs, in order.
    pub fn program_globs(&self) -> impl Iterator<Item = &str> {
        self.programs.iter().filter_map(|p| match p {
            NamePattern::Glob(glob) => Some(glob.as_str()),
            NamePattern::Exact(_) => None,
        })
    }
}
