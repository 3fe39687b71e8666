//! Tool calls: matching an agent's tool call by its name ([`NameSet`](crate::pattern::NameSet)), what
//! the name says the tool does ([`destructive_verb`]), tests on its
//! arguments ([`arguments`]), and which analyzer reads each of its string
//! arguments ([`route`]). [`rule`] ([`CallRule`]) is a tool rule's matching
//! fields as data. The engine joins them with the rules.

pub mod arguments;
pub mod channels;
pub(crate) mod name_words;
pub mod route;
pub(crate) mod route_table;
pub mod rule;
pub(crate) mod verbs;

pub use arguments::ArgumentTest;
pub use rule::{ArgumentMatch, CallRule, Comparison, ValueTest};
pub use verbs::{destructive_verb, words};
