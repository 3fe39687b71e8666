//! Sensitive paths: rules about reading, writing and deleting files, and
//! what commands and tool calls touch.
//!
//! [`access`] is the analyzer (which paths a command or a tool call reads,
//! writes or deletes, normalized); [`PathMatcher`] is the matcher (every
//! rule's path globs in one automaton, with path semantics: `*` within a
//! segment, `**` across, `~` the home directory; a relative path is tested
//! as `./path`, so `**/.env` matches `.env`). Cost per path: one automaton
//! search, then the exceptions of the rules that hit. [`rule`]
//! ([`AccessRule`]) is a path rule's matching fields as data.

pub mod access;
pub mod rule;

pub use rule::AccessRule;

use crate::pattern::{glob_to_path_regex, Build, RegexSet, RegexSetError};

/// How a path is touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Access {
    /// Its contents are read.
    Read,
    /// It is written or created.
    Write,
    /// It is removed.
    Delete,
}

impl Access {
    /// The name rules use.
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write => "write",
            Access::Delete => "delete",
        }
    }

    /// The access named `name`.
    pub fn from_name(name: &str) -> Option<Access> {
        [Access::Read, Access::Write, Access::Delete]
            .into_iter()
            .find(|a| a.as_str() == name)
    }

    fn bit(self) -> u8 {
        match self {
            Access::Read => 1,
            Access::Write => 2,
            Access::Delete => 4,
        }
    }
}

/// Path rules compiled into one automaton.
#[derive(Debug, Clone, Default)]
pub struct PathMatcher {
    globs: RegexSet,
    /// For each glob: the rule it belongs to.
    owners: Vec<usize>,
    /// Per rule: its tag, access mask and exceptions.
    rules: Vec<(u32, u8, Option<RegexSet>)>,
}

/// Collects path rules before [`PathMatcherBuilder::build`].
#[derive(Debug, Default)]
pub struct PathMatcherBuilder {
    globs: Vec<String>,
    owners: Vec<usize>,
    rules: Vec<(u32, u8, Vec<String>)>,
}

impl PathMatcherBuilder {
    /// Adds a rule: `tag` and its accesses (empty: all), globs and
    /// exception globs.
    pub fn rule(&mut self, tag: u32, rule: &AccessRule) {
        let mask = if rule.kinds.is_empty() {
            7
        } else {
            rule.kinds.iter().fold(0, |m, a| m | a.bit())
        };
        let k = self.rules.len();
        for g in &rule.paths {
            self.globs.push(glob_to_path_regex(g));
            self.owners.push(k);
        }
        self.rules.push((
            tag,
            mask,
            rule.not_paths
                .iter()
                .map(|g| glob_to_path_regex(g))
                .collect(),
        ));
    }

    #[cfg(any(test, feature = "internals"))]
    /// Compiles the automata.
    pub fn build(self) -> Result<PathMatcher, RegexSetError> {
        self.build_with(Build::Now)
    }

    /// [`PathMatcherBuilder::build`], building the automata when `build` says.
    pub fn build_with(self, build: Build) -> Result<PathMatcher, RegexSetError> {
        let rules = self
            .rules
            .into_iter()
            .map(|(tag, mask, except)| {
                let except = if except.is_empty() {
                    None
                } else {
                    Some(RegexSet::with_build(&except, build)?)
                };
                Ok((tag, mask, except))
            })
            .collect::<Result<Vec<_>, RegexSetError>>()?;
        Ok(PathMatcher {
            globs: RegexSet::with_build(&self.globs, build)?,
            owners: self.owners,
            rules,
        })
    }
}

impl PathMatcher {
    /// A builder.
    pub fn builder() -> PathMatcherBuilder {
        PathMatcherBuilder::default()
    }

    /// True when there are no rules.
    #[cfg(any(test, feature = "internals"))]
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// True when some rule covers `access` to `path`: for a matcher of one
    /// rule (a session's sensitive paths), one automaton test instead of
    /// the set of every glob that matches.
    pub fn is_match(&self, path: &str, access: Access) -> bool {
        let [(_, mask, except)] = self.rules.as_slice() else {
            let mut hit = false;
            self.for_each_match(path, access, |_| hit = true);
            return hit;
        };
        if mask & access.bit() == 0 {
            return false;
        }
        let relative = !(path.starts_with('/') || path.starts_with('~'));
        let tested;
        let path = if relative {
            tested = format!("./{path}");
            tested.as_str()
        } else {
            path
        };
        self.globs.is_match(path) && except.as_ref().is_none_or(|e| !e.is_match(path))
    }

    /// Calls `found` with the tag of every rule covering `access` to `path`
    /// (normalized, see [`access::normalize`]).
    pub fn for_each_match(&self, path: &str, access: Access, mut found: impl FnMut(u32)) {
        if self.rules.is_empty() {
            return;
        }
        let relative = !(path.starts_with('/') || path.starts_with('~'));
        let tested;
        let path = if relative {
            tested = format!("./{path}");
            tested.as_str()
        } else {
            path
        };
        let hits = self.globs.matches(path);
        let mut seen = Vec::new();
        for (i, owner) in self.owners.iter().enumerate() {
            if !hits.contains(i) || seen.contains(owner) {
                continue;
            }
            seen.push(*owner);
            if let Some((tag, mask, except)) = self.rules.get(*owner) {
                if mask & access.bit() != 0 && except.as_ref().is_none_or(|e| !e.is_match(path)) {
                    found(*tag);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_rules_fast_test_agrees_with_the_full_match() {
        let mut b = PathMatcher::builder();
        b.rule(
            0,
            &AccessRule {
                kinds: vec![Access::Read],
                paths: vec!["**/.env".into(), "**/.env.*".into(), "~/.ssh/**".into()],
                not_paths: vec!["**/.env.example".into()],
            },
        );
        let m = b.build().unwrap();
        for path in [".env", "a/.env.local", ".env.example", "~/.ssh/id_rsa", "/etc/passwd", "x.env"] {
            for access in [Access::Read, Access::Write] {
                let mut full = false;
                m.for_each_match(path, access, |_| full = true);
                assert_eq!(m.is_match(path, access), full, "{path} {access:?}");
            }
        }
    }

    #[test]
    fn globs_exceptions_and_access() {
        let mut b = PathMatcher::builder();
        b.rule(
            1,
            &AccessRule {
                kinds: vec![Access::Read],
                paths: vec!["**/.env".into(), "**/.env.*".into()],
                not_paths: vec!["**/.env.example".into(), "**/.env.sample".into()],
            },
        );
        b.rule(
            2,
            &AccessRule {
                kinds: vec![Access::Write],
                paths: vec!["**/.git/hooks/**".into()],
                not_paths: Vec::new(),
            },
        );
        let m = b.build().unwrap();
        let hits = |p: &str, a: Access| {
            let mut v = Vec::new();
            m.for_each_match(p, a, |t| v.push(t));
            v
        };
        assert_eq!(hits(".env", Access::Read), [1]);
        assert_eq!(hits("config/.env.production", Access::Read), [1]);
        assert_eq!(
            hits("/srv/app/.env.example", Access::Read),
            Vec::<u32>::new()
        );
        assert_eq!(hits(".env", Access::Write), Vec::<u32>::new());
        assert_eq!(hits(".git/hooks/pre-commit", Access::Write), [2]);
        assert_eq!(hits("~/.envrc", Access::Read), Vec::<u32>::new());
    }
}
