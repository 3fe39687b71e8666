//! Tool calls: matching an agent's tool call by its name.
//!
//! Later work adds argument routing (commands, URLs, SQL and paths found in
//! arguments); for now a tool rule matches on the tool's name.

mod names;

pub use names::{NameSet, NameSetBuilder};
