//! Pattern matchers shared by every kind of rule: many regular expressions
//! run as one automaton, and globs compiled to that same automaton.
//!
//! These matchers know nothing of policies or of requests: they take strings
//! and return pattern indices. The engine maps indices to rules.

mod glob;
mod regex_set;

pub(crate) use glob::drop_leading_any;
pub use glob::{glob_to_regex, path_glob_to_regex};
pub(crate) use regex_set::deferred;
pub use regex_set::{check_regex, Matches, RegexSet, RegexSetError};
