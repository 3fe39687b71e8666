//! Pattern matchers shared by every kind of rule: many regular expressions
//! run as one automaton, and globs compiled to that same automaton.
//!
//! These matchers know nothing of policies or of requests: they take strings
//! and return pattern indices. The engine maps indices to rules.

pub(crate) mod gates;
mod glob;
mod name_pattern;
mod names;
mod regex_set;

pub use glob::{glob_to_path_regex, glob_to_regex, path_glob_to_regex};
pub use name_pattern::NamePattern;
pub use names::{NameSet, NameSetBuilder};
#[cfg(any(test, feature = "internals"))]
pub use regex_set::record;
pub use regex_set::{check_regex, Build, Matches, RegexSet, RegexSetError};
#[cfg(feature = "internals")]
pub use regex_set::{gates_known, set_gated_searches};
