//! Tool calls: matching an agent's tool call by its name, and what the name
//! says the tool does.
//!
//! Later work adds argument routing (commands, URLs, SQL and paths found in
//! arguments); for now a tool rule matches on the tool's name, and the
//! name's destructive verbs give the `tool:delete` action category.

pub mod arguments;
mod names;
pub mod route;
mod verbs;

pub use arguments::ArgumentTest;
pub use names::{NameSet, NameSetBuilder};
pub use verbs::{destructive_verb, words};
