//! Tests on the value at a JSON pointer of a tool call's arguments.
//!
//! A rule can say "`/options/force` is `true`", "`/env` is one of
//! `prod`, `production`", "`/path` matches `/srv/**`", "`/query` contains a
//! match of `(?i)\bdrop\b`", "`/count` > 100", "`/dry_run` does not exist".
//! The pointer is split into its unescaped tokens once, when the rule is
//! compiled, and walked without allocating (RFC 6901, as `serde_json`'s
//! `pointer` reads it — held to it by a property test; `serde_json` parses
//! and unescapes the pointer text at every call); patterns
//! are compiled at load time into linear-time automata. Numbers compare as
//! `f64`; a string that is a number (`"100"`) compares as that number, since
//! agents pass numbers either way. Cost per test: one pointer walk and at
//! most one automaton search over the value's text.

use serde_json::Value;

use super::rule::{ArgumentMatch, Comparison, ValueTest};
use crate::pattern::{glob_to_regex, Build, RegexSet, RegexSetError};

/// What the value must be.
#[derive(Debug, Clone)]
pub enum Test {
    /// It exists (`true`) or does not (`false`).
    Exists(bool),
    /// It equals one of these (one element: equality).
    OneOf(Vec<Value>),
    /// A string whose whole text matches (a compiled glob) or that contains a
    /// match (a compiled regex).
    Text(RegexSet),
    /// A number (or a numeric string) compared with this one.
    Number(Comparison, f64),
}

/// A JSON pointer split into its unescaped tokens; `None` when the text is
/// not a pointer (non-empty, not starting with `/`): it points at nothing.
#[derive(Debug, Clone)]
struct Pointer(Option<Box<[Box<str>]>>);

impl Pointer {
    fn new(pointer: &str) -> Self {
        if pointer.is_empty() {
            return Pointer(Some(Box::new([])));
        }
        Pointer(pointer.strip_prefix('/').map(|rest| {
            rest.split('/')
                .map(|t| t.replace("~1", "/").replace("~0", "~").into_boxed_str())
                .collect()
        }))
    }

    /// The value `self` points at in `root`.
    fn resolve<'v>(&self, root: &'v Value) -> Option<&'v Value> {
        self.0.as_ref()?.iter().try_fold(root, |v, token| match v {
            Value::Object(map) => map.get(&**token),
            Value::Array(items) => {
                let index = (!(token.starts_with('+') || token.starts_with('0') && token.len() > 1))
                    .then(|| token.parse::<usize>().ok())
                    .flatten()?;
                items.get(index)
            }
            _ => None,
        })
    }
}

/// A compiled argument test.
#[derive(Debug, Clone)]
pub struct ArgumentTest {
    pointer: Pointer,
    test: Test,
}

impl ArgumentTest {
    /// The test a rule's [`ArgumentMatch`] describes, its pattern compiled
    /// when `build` says.
    pub fn new(rule: &ArgumentMatch, build: Build) -> Result<Self, RegexSetError> {
        let p = rule.pointer.as_str();
        Ok(match &rule.test {
            ValueTest::Exists(b) => ArgumentTest::exists(p, *b),
            ValueTest::Equals(v) => ArgumentTest::one_of(p, vec![v.clone()]),
            ValueTest::OneOf(v) => ArgumentTest::one_of(p, v.clone()),
            ValueTest::Glob(g) => ArgumentTest::glob(p, g, build)?,
            ValueTest::Regex(r) => ArgumentTest::regex(p, r, build)?,
            ValueTest::Compare(op, n) => ArgumentTest::number(p, *op, *n),
        })
    }

    /// Exists / does not exist.
    pub fn exists(pointer: &str, exists: bool) -> Self {
        ArgumentTest {
            pointer: Pointer::new(pointer),
            test: Test::Exists(exists),
        }
    }

    /// Equals one of `values`.
    pub fn one_of(pointer: &str, values: Vec<Value>) -> Self {
        ArgumentTest {
            pointer: Pointer::new(pointer),
            test: Test::OneOf(values),
        }
    }

    /// A string matching the glob (`*`, `?`).
    pub fn glob(pointer: &str, glob: &str, build: Build) -> Result<Self, RegexSetError> {
        Ok(ArgumentTest {
            pointer: Pointer::new(pointer),
            test: Test::Text(RegexSet::with_build(&[glob_to_regex(glob)], build)?),
        })
    }

    /// A string containing a match of `regex`.
    pub fn regex(pointer: &str, regex: &str, build: Build) -> Result<Self, RegexSetError> {
        Ok(ArgumentTest {
            pointer: Pointer::new(pointer),
            test: Test::Text(RegexSet::with_build(&[regex], build)?),
        })
    }

    /// A number compared with `n`.
    pub fn number(pointer: &str, op: Comparison, n: f64) -> Self {
        ArgumentTest {
            pointer: Pointer::new(pointer),
            test: Test::Number(op, n),
        }
    }

    /// True when `arguments` pass.
    pub fn matches(&self, arguments: &Value) -> bool {
        let value = self.pointer.resolve(arguments);
        match (&self.test, value) {
            (Test::Exists(want), v) => v.is_some() == *want,
            (_, None) => false,
            (Test::OneOf(values), Some(v)) => values.iter().any(|x| x == v),
            (Test::Text(p), Some(Value::String(s))) => p.is_match(s),
            // A list holds when one of its strings does (`volumes`, `paths`).
            (Test::Text(p), Some(Value::Array(items))) => items
                .iter()
                .any(|i| matches!(i, Value::String(s) if p.is_match(s))),
            (Test::Text(_), Some(_)) => false,
            (Test::Number(op, n), Some(v)) => {
                let x = match v {
                    Value::Number(x) => x.as_f64(),
                    Value::String(s) => s.trim().parse::<f64>().ok(),
                    _ => None,
                };
                x.is_some_and(|x| op.holds(x, *n))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    proptest! {
        /// The pre-split pointer finds what `serde_json`'s `pointer` finds.
        #[test]
        fn pointers_resolve_as_serde_json_resolves_them(
            pointer in "(/(a|b|0|1|01|\\+1|~0|~1|a~1b|-|))*|x|",
        ) {
            let doc = json!({"a": {"b": [1, {"a": 2}], "0": 3, "~": 4, "/": 5},
                             "b": [[7, 8], {"": 9}], "a/b": 6, "": {"": 10}});
            prop_assert_eq!(Pointer::new(&pointer).resolve(&doc), doc.pointer(&pointer), "{}", pointer);
        }
    }

    #[test]
    fn each_test_kind() {
        let args = json!({"options": {"force": true}, "env": "prod", "path": "/srv/prod/db", "count": "150", "query": "DROP table x"});
        assert!(ArgumentTest::exists("/options/force", true).matches(&args));
        assert!(ArgumentTest::exists("/dry_run", false).matches(&args));
        assert!(ArgumentTest::one_of("/options/force", vec![json!(true)]).matches(&args));
        assert!(
            ArgumentTest::one_of("/env", vec![json!("production"), json!("prod")]).matches(&args)
        );
        assert!(ArgumentTest::glob("/path", "/srv/*", Build::Now)
            .unwrap()
            .matches(&args));
        assert!(!ArgumentTest::glob("/path", "/srv/x*", Build::Now)
            .unwrap()
            .matches(&args));
        assert!(ArgumentTest::regex("/query", r"(?i)\bdrop\b", Build::Now)
            .unwrap()
            .matches(&args));
        assert!(ArgumentTest::number("/count", Comparison::Gt, 100.0).matches(&args));
        assert!(!ArgumentTest::number("/count", Comparison::Lte, 100.0).matches(&args));
        assert!(!ArgumentTest::number("/env", Comparison::Gt, 0.0).matches(&args));
        let list = json!({"volumes": ["/srv:/data", "/:/host"], "n": [1]});
        let root = ArgumentTest::regex("/volumes", "^/:", Build::Now).unwrap();
        assert!(root.matches(&list), "one element of a list matches");
        assert!(!ArgumentTest::regex("/n", "1", Build::Now).unwrap().matches(&list));
    }
}
