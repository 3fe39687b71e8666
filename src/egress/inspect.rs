//! Request inspection matchers: headers, JSON bodies, GraphQL operations.
//!
//! These test the canonical facts of a request, never its raw text: header
//! names already lowercased, a body already parsed as JSON, a GraphQL
//! document already reduced to operations and root fields
//! ([`graphql`](super::graphql)). Each test is compiled once (its regular
//! expression into a `regex-automata` automaton, linear-time), and is only
//! run for rules whose destination, port, method and scheme already matched,
//! so inspection costs nothing on requests no inspecting rule is about.

use serde_json::Value;

use super::graphql::{Operation, OperationKind};
use crate::pattern::{glob_to_regex, Build, RegexSet, RegexSetError};

fn regex(pattern: Option<&str>, build: Build) -> Result<Option<RegexSet>, RegexSetError> {
    pattern
        .map(|p| RegexSet::with_build(&[p], build))
        .transpose()
}

/// A header is present and, with a pattern, its value contains a match.
#[derive(Debug, Clone)]
pub struct HeaderTest {
    name: Box<str>,
    pattern: Option<RegexSet>,
}

impl HeaderTest {
    /// Compiles a test of header `name` (any case).
    pub fn new(name: &str, pattern: Option<&str>, build: Build) -> Result<Self, RegexSetError> {
        Ok(HeaderTest {
            name: name.to_ascii_lowercase().into(),
            pattern: regex(pattern, build)?,
        })
    }

    /// True when one of `headers` (name, value) passes.
    pub fn matches<'h>(&self, headers: impl IntoIterator<Item = (&'h str, &'h str)>) -> bool {
        headers.into_iter().any(|(name, value)| {
            name.eq_ignore_ascii_case(&self.name)
                && self.pattern.as_ref().is_none_or(|p| p.is_match(value))
        })
    }
}

/// The value at a JSON pointer exists and, with a pattern, its text contains a match.
#[derive(Debug, Clone)]
pub struct JsonTest {
    pointer: Box<str>,
    pattern: Option<RegexSet>,
}

impl JsonTest {
    /// Compiles a test of the value at `pointer`.
    pub fn new(pointer: &str, pattern: Option<&str>, build: Build) -> Result<Self, RegexSetError> {
        Ok(JsonTest {
            pointer: pointer.into(),
            pattern: regex(pattern, build)?,
        })
    }

    /// True when `body` passes. A string is tested by its contents, any
    /// other value by its JSON text.
    pub fn matches(&self, body: &Value) -> bool {
        let Some(value) = body.pointer(&self.pointer) else {
            return false;
        };
        match (&self.pattern, value) {
            (None, _) => true,
            (Some(p), Value::String(s)) => p.is_match(s),
            (Some(p), other) => p.is_match(&other.to_string()),
        }
    }
}

/// An operation of one of some types selects a root field matching one of
/// some globs (case-insensitive).
#[derive(Debug, Clone)]
pub struct GraphqlTest {
    /// Allowed operation types; empty: any.
    kinds: Vec<OperationKind>,
    /// Field globs as one automaton; `None`: any field (or none).
    fields: Option<RegexSet>,
}

impl GraphqlTest {
    /// Compiles a test. `kinds` empty: any operation; `field_globs` empty: any fields.
    pub fn new(
        kinds: Vec<OperationKind>,
        field_globs: &[String],
        build: Build,
    ) -> Result<Self, RegexSetError> {
        let fields = if field_globs.is_empty() {
            None
        } else {
            let patterns: Vec<String> = field_globs
                .iter()
                .map(|g| format!("(?i:{})", glob_to_regex(g)))
                .collect();
            Some(RegexSet::with_build(&patterns, build)?)
        };
        Ok(GraphqlTest { kinds, fields })
    }

    /// True when one of `operations` passes.
    pub fn matches(&self, operations: &[Operation]) -> bool {
        operations.iter().any(|op| {
            (self.kinds.is_empty() || self.kinds.contains(&op.kind))
                && match &self.fields {
                    None => true,
                    Some(set) => op.fields.iter().any(|f| set.is_match(f)),
                }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphql_test_matches_kind_and_field_glob_any_case() {
        let test = GraphqlTest::new(vec![OperationKind::Mutation], &["*delete*".into()], Build::Now).unwrap();
        let op = |kind, field: &str| Operation {
            kind,
            fields: vec![field.into()],
        };
        assert!(test.matches(&[op(OperationKind::Mutation, "volumeDelete")]));
        assert!(!test.matches(&[op(OperationKind::Query, "volumeDelete")]));
        assert!(!test.matches(&[op(OperationKind::Mutation, "volumeCreate")]));
    }

    #[test]
    fn json_and_header_tests() {
        let body: Value =
            serde_json::from_str(r#"{"options": {"force": true}, "q": "DROP TABLE x"}"#).unwrap();
        assert!(JsonTest::new("/options/force", Some("^true$"), Build::Now)
            .unwrap()
            .matches(&body));
        assert!(JsonTest::new("/q", Some("(?i)drop\\s+table"), Build::Now)
            .unwrap()
            .matches(&body));
        assert!(!JsonTest::new("/missing", None, Build::Now).unwrap().matches(&body));
        let h = HeaderTest::new("X-Api-Key", None, Build::Now).unwrap();
        assert!(h.matches([("x-api-key", "k")]));
        assert!(!h.matches([("x-other", "k")]));
    }
}
