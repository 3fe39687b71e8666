//! Matching classified statements against SQL rules.
//!
//! A rule names statement kinds (a bit mask), `DROP` object types, and
//! object name globs (one automaton per rule, over lowercase names). It sees
//! [`Statement`]s, never SQL text. Cost per statement: a mask test, a short
//! list compare, and an automaton search per object named.

use super::classify::{Kind, Statement};
use super::rule::StatementRule;
use crate::pattern::{glob_to_regex, Build, RegexSet, RegexSetError};

/// One compiled SQL rule.
#[derive(Debug, Clone)]
pub struct SqlMatcher {
    /// Bit `k` set: kind `Kind::ALL[k]` matches; 0: any kind.
    kinds: u16,
    object_types: Box<[Box<str>]>,
    objects: Option<RegexSet>,
}

impl SqlMatcher {
    /// A matcher for `rule`'s kinds, `DROP` object types and object globs.
    pub fn new(rule: &StatementRule, build: Build) -> Result<Self, RegexSetError> {
        let mut mask = 0u16;
        for k in &rule.kinds {
            if let Some(i) = Kind::ALL.iter().position(|x| x == k) {
                mask |= 1 << i;
            }
        }
        let objects = if rule.objects.is_empty() {
            None
        } else {
            let globs: Vec<String> = rule
                .objects
                .iter()
                .map(|g| glob_to_regex(&g.to_ascii_lowercase()))
                .collect();
            Some(RegexSet::with_build(&globs, build)?)
        };
        Ok(SqlMatcher {
            kinds: mask,
            object_types: rule
                .object_types
                .iter()
                .map(|t| t.as_str().into())
                .collect(),
            objects,
        })
    }

    /// True when `statement` matches.
    pub fn matches(&self, statement: &Statement) -> bool {
        let kind_bit = Kind::ALL
            .iter()
            .position(|k| *k == statement.kind)
            .map_or(0, |i| 1u16 << i);
        (self.kinds == 0 || self.kinds & kind_bit != 0)
            && (self.object_types.is_empty()
                || statement
                    .object_type
                    .as_deref()
                    .is_some_and(|t| self.object_types.iter().any(|x| **x == *t)))
            && self.objects.as_ref().is_none_or(|set| {
                statement
                    .objects
                    .iter()
                    .any(|o| set.is_match(&o.to_ascii_lowercase()))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::classify;

    #[test]
    fn kinds_types_and_objects() {
        let m = SqlMatcher::new(
            &StatementRule {
                kinds: vec![Kind::Drop],
                object_types: vec!["database".into()],
                objects: vec!["prod*".into()],
            },
            Build::Now,
        )
        .unwrap();
        let s = |sql: &str| classify(sql).statements.remove(0);
        assert!(m.matches(&s("DROP DATABASE production")));
        assert!(!m.matches(&s("DROP TABLE production")));
        assert!(!m.matches(&s("DROP DATABASE staging")));
        let any = SqlMatcher::new(
            &StatementRule {
                kinds: vec![Kind::DeleteAll, Kind::Truncate],
                ..StatementRule::default()
            },
            Build::Now,
        )
        .unwrap();
        assert!(any.matches(&s("delete from t")));
        assert!(!any.matches(&s("delete from t where id = 1")));
    }
}
