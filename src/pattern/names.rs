//! Name matching (tool names, program names, MCP servers, environment
//! tools): exact names by hash, globs by one automaton.
//!
//! Exact names (`Bash`, `mcp__github__delete_repository`) go into a hash map;
//! globs that are a literal prefix and one trailing `*` (`mcp__github__*`,
//! `mkfs.*`) are tested with `starts_with`; globs that are one literal after
//! a leading `*` (`*drop-database`: a suffix) or between two (`*ref*`: an
//! infix) are found by one Aho-Corasick pass over the name (a suffix match
//! must end where the name does); every other glob is translated to an
//! anchored regular expression and joins one [`RegexSet`]. A lookup is one
//! hash probe, the prefix tests, one Aho-Corasick pass when there are
//! suffix or infix globs, and at most one automaton search over the name,
//! whatever the number of glob rules; names are short, so the searches are
//! short too. The literal pass is there because the regex set's overlapping
//! search costs thousands of instructions per name, ten times the pass. Matching is case-sensitive:
//! tool names are identifiers chosen by their server. It lives in `pattern`
//! because tools, commands and RBAC environments all match names with it.

use rustc_hash::FxHashMap;

use super::{glob_to_regex, Build, RegexSet, RegexSetError};

/// Most `prefix*` globs tested one by one before they go to the automaton.
pub const MAX_PREFIX_TESTS: usize = 16;
/// Most `*suffix` and `*infix*` globs in the literal pass; the rest join the
/// automaton (the pass remembers which it reported in a 256-bit set).
pub const MAX_LITERAL_GLOBS: usize = 256;

/// Where a literal glob's literal must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// At the end of the name (`*literal`).
    Suffix,
    /// Anywhere (`*literal*`).
    Infix,
}

/// A set of exact names and globs, each tagged with a value (a rule index).
#[derive(Debug, Clone, Default)]
pub struct NameSet {
    exact: FxHashMap<Box<str>, Vec<u32>>,
    /// Globs of the form `literal*`, tested with `starts_with`.
    prefixes: Vec<(Box<str>, u32)>,
    /// The literals of suffix and infix globs, one pass for all.
    literals: Option<aho_corasick::AhoCorasick>,
    /// Each literal's place and tags, by pattern id (a literal many globs
    /// share is one pattern).
    literal_tags: Vec<(Place, Vec<u32>)>,
    globs: RegexSet,
    glob_tags: Vec<u32>,
}

/// Collects names and globs before [`NameSetBuilder::build`] compiles them.
#[derive(Debug, Default)]
pub struct NameSetBuilder {
    exact: FxHashMap<Box<str>, Vec<u32>>,
    prefixes: Vec<(Box<str>, u32)>,
    literals: Vec<(Box<str>, Place, u32)>,
    globs: Vec<String>,
    glob_tags: Vec<u32>,
}

impl NameSetBuilder {
    /// Adds an exact name.
    pub fn exact(&mut self, name: &str, tag: u32) {
        self.exact.entry(name.into()).or_default().push(tag);
    }

    /// Adds a glob (`*` any run, `?` one character).
    pub fn glob(&mut self, glob: &str, tag: u32) {
        let literal = |t: &str| !t.is_empty() && !t.contains(['*', '?']);
        let after_star = glob.strip_prefix('*');
        let infix = after_star.and_then(|r| r.strip_suffix('*')).filter(|t| literal(t));
        let suffix = after_star.filter(|t| literal(t));
        match (glob.strip_suffix('*'), infix, suffix) {
            (Some(prefix), _, _) if !prefix.contains(['*', '?']) => {
                self.prefixes.push((prefix.into(), tag));
            }
            (_, Some(infix), _) => self.literals.push((infix.into(), Place::Infix, tag)),
            (_, _, Some(suffix)) => self.literals.push((suffix.into(), Place::Suffix, tag)),
            _ => {
                self.globs.push(glob_to_regex(glob));
                self.glob_tags.push(tag);
            }
        }
    }

    #[cfg(any(test, feature = "internals"))]
    /// Compiles the globs into one automaton. A few prefix globs are tested
    /// directly; past `MAX_PREFIX_TESTS` (16) they join the automaton too.
    pub fn build(self) -> Result<NameSet, RegexSetError> {
        self.build_with(Build::Now)
    }

    /// [`NameSetBuilder::build`], building the automaton when `build` says.
    pub fn build_with(mut self, build: Build) -> Result<NameSet, RegexSetError> {
        if self.prefixes.len() > MAX_PREFIX_TESTS {
            for (prefix, tag) in std::mem::take(&mut self.prefixes) {
                self.globs.push(glob_to_regex(&format!("{prefix}*")));
                self.glob_tags.push(tag);
            }
        }
        if self.literals.len() > MAX_LITERAL_GLOBS {
            for (literal, place, tag) in self.literals.split_off(MAX_LITERAL_GLOBS) {
                let glob = match place {
                    Place::Suffix => format!("*{literal}"),
                    Place::Infix => format!("*{literal}*"),
                };
                self.globs.push(glob_to_regex(&glob));
                self.glob_tags.push(tag);
            }
        }
        // One pattern per distinct literal and place.
        let mut distinct: Vec<(Box<str>, Place, Vec<u32>)> = Vec::new();
        for (literal, place, tag) in self.literals {
            match distinct.iter_mut().find(|(l, p, _)| *l == literal && *p == place) {
                Some((_, _, tags)) => tags.push(tag),
                None => distinct.push((literal, place, vec![tag])),
            }
        }
        let literals = if distinct.is_empty() {
            None
        } else {
            let built = aho_corasick::AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::Standard)
                .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                .prefilter(false)
                .build(distinct.iter().map(|(l, _, _)| l.as_bytes()))
                .map_err(|e| RegexSetError {
                    pattern: None,
                    message: format!("name literals: {e}"),
                })?;
            Some(built)
        };
        Ok(NameSet {
            exact: self.exact,
            prefixes: self.prefixes,
            literals,
            literal_tags: distinct.into_iter().map(|(_, p, t)| (p, t)).collect(),
            globs: RegexSet::with_build(&self.globs, build)?,
            glob_tags: self.glob_tags,
        })
    }
}

impl NameSet {
    /// A builder.
    pub fn builder() -> NameSetBuilder {
        NameSetBuilder::default()
    }

    /// Calls `found` with the tag of every name or glob that matches `name`.
    pub fn for_each_match(&self, name: &str, mut found: impl FnMut(u32)) {
        if let Some(tags) = self.exact.get(name) {
            tags.iter().copied().for_each(&mut found);
        }
        for (prefix, tag) in &self.prefixes {
            if name.starts_with(&**prefix) {
                found(*tag);
            }
        }
        if let Some(literals) = &self.literals {
            // Each literal reported once, however often it occurs.
            let mut reported = [0u64; MAX_LITERAL_GLOBS / 64];
            for m in literals.find_overlapping_iter(name) {
                let id = m.pattern().as_usize();
                let Some((place, tags)) = self.literal_tags.get(id) else {
                    continue;
                };
                let (word, bit) = (id / 64, 1u64 << (id % 64));
                let Some(seen) = reported.get_mut(word) else {
                    continue;
                };
                if *seen & bit != 0 || (*place == Place::Suffix && m.end() != name.len()) {
                    continue;
                }
                *seen |= bit;
                tags.iter().copied().for_each(&mut found);
            }
        }
        if self.globs.is_empty() {
            return;
        }
        let tags = &self.glob_tags;
        self.globs.for_each_match(name, |i| {
            if let Some(&tag) = tags.get(i) {
                found(tag);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_and_glob_names_match() {
        let mut b = NameSet::builder();
        b.exact("Bash", 1);
        b.glob("mcp__github__*", 2);
        b.glob("*delete*", 3);
        let set = b.build().unwrap();
        let hits = |name: &str| {
            let mut out = Vec::new();
            set.for_each_match(name, |t| out.push(t));
            out.sort_unstable();
            out
        };
        assert_eq!(hits("Bash"), vec![1]);
        assert!(hits("bash").is_empty(), "names are case-sensitive");
        assert_eq!(hits("mcp__github__delete_repo"), vec![2, 3]);
        assert_eq!(hits("delete_volume"), vec![3]);
        assert!(hits("Read").is_empty());
    }
}
