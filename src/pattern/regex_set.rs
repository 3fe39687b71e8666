//! Many regular expressions searched in one pass.
//!
//! A [`RegexSet`] is a `regex-automata` meta regex built from every pattern
//! of a kind at once, with `MatchKind::All` so that it reports *every*
//! pattern that matches, not only the leftmost-first one. Search is linear in
//! the haystack for any set of patterns (no backtracking), and the meta
//! engine extracts literal prefilters from the patterns itself, so a haystack
//! that contains none of the patterns' required literals is rejected by a
//! memchr/Teddy scan without entering an automaton. Build cost is bounded by
//! explicit NFA and cache size limits; a set that exceeds them is an error at
//! compile time, never a slow search later.
//!
//! One exception to building at once: with [`Build::OnFirstUse`] (which the
//! engine builder passes down for `defer_automata`, used for the embedded
//! default policy, whose every set the test suite builds eagerly), a set
//! keeps its patterns and builds its automaton on first use, so a
//! short-lived process such as a coding-agent hook pays only for the sets
//! its one decision touches. The same patterns and configuration build the
//! same automaton, so the eager test proves the deferred build succeeds.
//! When the default-policy snapshot has literal gates for a deferred set's
//! patterns ([`gates`](super::gates)), its first searches test the gates
//! and run only the patterns that could match, each built alone, and the
//! whole automaton is built only if the set keeps being searched: the same
//! answers, at a fraction of the start-up cost.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use super::gates::{self, Gate, Shape, GATED_SEARCHES};

/// How many searches of a deferred set go through its gates: normally
/// [`GATED_SEARCHES`]; the tests set it (see [`set_gated_searches`]).
static GATED_LIMIT: AtomicUsize = AtomicUsize::new(GATED_SEARCHES);

/// Sets how many searches of every deferred set go through its gates before
/// it builds its automaton (`usize::MAX`: always the gates; 0: never), for
/// the tests that hold both paths to the same answers. Process-wide. Not a
/// stable API.
#[cfg(feature = "internals")]
pub fn set_gated_searches(searches: usize) {
    GATED_LIMIT.store(searches, Ordering::Relaxed);
}

/// True when the embedded snapshot has literal gates for a set of exactly
/// `patterns` (the tests check that every set of the default policy has:
/// a set without them is built whole on its first search). Not a stable
/// API.
#[cfg(feature = "internals")]
pub fn gates_known<P: AsRef<str>>(patterns: &[P]) -> bool {
    gates::find(patterns).is_some()
}

use regex_automata::meta::{self, Regex};
use regex_automata::nfa::thompson::{self, pikevm::PikeVM};
use regex_automata::{Input, MatchKind, PatternSet};

/// When a set's automaton is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Build {
    /// At once: a pattern that cannot be built is an error now.
    #[default]
    Now,
    /// On the set's first search; the patterns are only kept until then. A
    /// set that then fails to build matches nothing, so this is for patterns
    /// known to build (the embedded default policy's, built eagerly by the
    /// test suite).
    OnFirstUse,
}

/// Limit on the compiled NFA of one set (per policy section), in bytes.
const NFA_SIZE_LIMIT: usize = 32 << 20;
/// Limit on the lazy DFA cache of one set, in bytes.
const HYBRID_CACHE_CAPACITY: usize = 8 << 20;

/// A set of patterns that cannot be compiled together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RegexSetError {
    /// The index of the offending pattern, when one pattern is to blame.
    pub pattern: Option<usize>,
    /// What went wrong.
    pub message: String,
}

/// An error's message followed by its causes (`error building NFA: exceeds size limit …`).
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        message.push_str(": ");
        message.push_str(&c.to_string());
        cause = c.source();
    }
    message
}

/// Checks that one pattern is a valid regular expression that can match something.
pub fn check_regex(pattern: &str) -> Result<(), String> {
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .map_err(|e| {
            // regex-syntax renders the pattern with a caret, then `error: <what>`.
            let text = e.to_string();
            let last = text.lines().last().unwrap_or("").trim();
            last.strip_prefix("error: ").unwrap_or(last).to_owned()
        })?;
    if hir.properties().minimum_len().is_none() {
        return Err("the pattern can never match".into());
    }
    Ok(())
}

/// Many regular expressions matched together.
#[derive(Debug, Clone, Default)]
pub struct RegexSet(Inner);

#[derive(Debug, Clone, Default)]
enum Inner {
    /// No pattern: never matches.
    #[default]
    Empty,
    Built(Regex),
    /// Patterns whose automaton is built on first use ([`Build::OnFirstUse`]).
    Later(std::sync::Arc<Later>),
}

#[derive(Debug)]
struct Later {
    patterns: Vec<String>,
    /// The patterns' gates, looked up in the snapshot on first search;
    /// `None` inside when it has none for these patterns.
    gated: OnceLock<Option<Gated>>,
    /// `None` inside when the build failed: the set then matches nothing.
    built: OnceLock<Option<Regex>>,
}

/// A deferred set searched through its gates ([`gates`]).
#[derive(Debug)]
struct Gated {
    /// One per pattern.
    gates: Vec<Gate<'static>>,
    /// One per pattern: how to answer it without an automaton, if it can be.
    shapes: Vec<Option<Shape<'static>>>,
    /// Each other pattern's own automaton, built the first time its gate
    /// passes; `None` inside when it does not build.
    singles: Box<[OnceLock<Option<PikeVM>>]>,
    /// Searches made through the gates so far.
    searches: AtomicUsize,
}

impl Gated {
    /// The patterns that match somewhere in `haystack`, in increasing
    /// order; `None` when one whose gate passed does not build alone (the
    /// whole automaton then answers).
    fn matching(&self, patterns: &[String], haystack: &str) -> Option<Vec<usize>> {
        let mut out = Vec::new();
        let singles = self.singles.iter().zip(&self.shapes);
        for (i, (gate, (single, shape))) in self.gates.iter().zip(singles).enumerate() {
            if !gates::passes(gate, haystack.as_bytes()) {
                continue;
            }
            if let Some(shape) = shape {
                if shape.matches(haystack.as_bytes()) {
                    out.push(i);
                }
                continue;
            }
            let pattern = patterns.get(i)?;
            let vm = single.get_or_init(|| single_automaton(pattern)).as_ref()?;
            if vm.is_match(&mut vm.create_cache(), haystack) {
                out.push(i);
            }
        }
        Some(out)
    }
}

impl Later {
    /// The gates to search through now: while the snapshot has them, the
    /// automaton is not built, and fewer than [`GATED_SEARCHES`] searches
    /// went through them (so a set searched often builds its automaton).
    fn gated(&self) -> Option<&Gated> {
        if self.built.get().is_some() {
            return None;
        }
        let gated = self
            .gated
            .get_or_init(|| {
                gates::find(&self.patterns).map(|found| Gated {
                    singles: found.gates.iter().map(|_| OnceLock::new()).collect(),
                    gates: found.gates,
                    shapes: found.shapes,
                    searches: AtomicUsize::new(0),
                })
            })
            .as_ref()?;
        let limit = GATED_LIMIT.load(Ordering::Relaxed);
        (gated.searches.fetch_add(1, Ordering::Relaxed) < limit).then_some(gated)
    }
}

fn automaton<P: AsRef<str>>(patterns: &[P]) -> Result<Regex, RegexSetError> {
    let config = meta::Config::new()
        .match_kind(MatchKind::All)
        .nfa_size_limit(Some(NFA_SIZE_LIMIT))
        .hybrid_cache_capacity(HYBRID_CACHE_CAPACITY);
    Regex::builder()
        .configure(config)
        .build_many(patterns)
        .map_err(|e| RegexSetError {
            pattern: e.pattern().map(|p| p.as_usize()),
            message: with_causes(&e),
        })
}

/// One pattern's automaton for [`Gated`]: it answers only whether the
/// pattern matches somewhere, for the few searches a set makes through its
/// gates, so it is the one that is cheapest to build — the forward NFA and
/// its simulation (linear in the haystack), none of the DFAs and reverse
/// NFA a meta regex builds to search fast. Which engine answers changes the
/// cost, never the answer.
fn single_automaton(pattern: &str) -> Option<PikeVM> {
    let thompson = thompson::Config::new()
        .which_captures(thompson::WhichCaptures::Implicit)
        .nfa_size_limit(Some(NFA_SIZE_LIMIT));
    PikeVM::builder().thompson(thompson).build(pattern).ok()
}

impl RegexSet {
    /// Compiles `patterns` into one automaton. An empty list gives a set that never matches.
    #[cfg(any(test, feature = "internals"))]
    pub fn new<P: AsRef<str>>(patterns: &[P]) -> Result<RegexSet, RegexSetError> {
        RegexSet::with_build(patterns, Build::Now)
    }

    /// [`RegexSet::new`], building the automaton when `build` says.
    pub fn with_build<P: AsRef<str>>(
        patterns: &[P],
        build: Build,
    ) -> Result<RegexSet, RegexSetError> {
        if patterns.is_empty() {
            return Ok(RegexSet::default());
        }
        #[cfg(any(test, feature = "internals"))]
        record::push(patterns);
        if build == Build::OnFirstUse {
            let later = Later {
                patterns: patterns.iter().map(|p| p.as_ref().to_owned()).collect(),
                gated: OnceLock::new(),
                built: OnceLock::new(),
            };
            return Ok(RegexSet(Inner::Later(std::sync::Arc::new(later))));
        }
        Ok(RegexSet(Inner::Built(automaton(patterns)?)))
    }

    /// The automaton, built now if it was deferred.
    fn regex(&self) -> Option<&Regex> {
        match &self.0 {
            Inner::Empty => None,
            Inner::Built(r) => Some(r),
            Inner::Later(later) => later
                .built
                .get_or_init(|| automaton(&later.patterns).ok())
                .as_ref(),
        }
    }

    /// The patterns matching in `haystack` found through the gates, when
    /// this search goes through them.
    fn gated_matches(&self, haystack: &str) -> Option<Vec<usize>> {
        match &self.0 {
            Inner::Later(later) => later.gated()?.matching(&later.patterns, haystack),
            _ => None,
        }
    }

    /// True when some pattern matches somewhere in `haystack`.
    pub fn is_match(&self, haystack: &str) -> bool {
        if let Some(found) = self.gated_matches(haystack) {
            return !found.is_empty();
        }
        self.regex().is_some_and(|r| r.is_match(haystack))
    }

    /// The number of patterns.
    pub fn len(&self) -> usize {
        match &self.0 {
            Inner::Empty => 0,
            Inner::Built(r) => r.pattern_len(),
            Inner::Later(later) => later.patterns.len(),
        }
    }

    /// True when the set has no pattern.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every pattern that matches somewhere in `haystack`, as a set to query
    /// with [`Matches::contains`] (one search, no iteration over the patterns).
    pub fn matches(&self, haystack: &str) -> Matches {
        if let Some(found) = self.gated_matches(haystack) {
            let mut set = PatternSet::new(self.len());
            for i in found {
                if let Ok(pid) = regex_automata::PatternID::new(i) {
                    let _ = set.try_insert(pid);
                }
            }
            return Matches(Some(set));
        }
        let Some(regex) = self.regex() else {
            return Matches(None);
        };
        let mut set = PatternSet::new(regex.pattern_len());
        regex.which_overlapping_matches(&Input::new(haystack), &mut set);
        Matches(Some(set))
    }

    /// Calls `found` with the index of every pattern that matches somewhere in
    /// `haystack`, in increasing order.
    pub fn for_each_match(&self, haystack: &str, mut found: impl FnMut(usize)) {
        if let Some(hits) = self.gated_matches(haystack) {
            hits.into_iter().for_each(found);
            return;
        }
        let Some(regex) = self.regex() else {
            return;
        };
        let mut set = PatternSet::new(regex.pattern_len());
        regex.which_overlapping_matches(&Input::new(haystack), &mut set);
        for pattern in set.iter() {
            found(pattern.as_usize());
        }
    }
}

/// Which pattern lists were given to [`RegexSet::with_build`] while a closure
/// ran: how the snapshot generator learns every automaton a policy builds.
#[cfg(any(test, feature = "internals"))]
pub mod record {
    use std::cell::RefCell;

    thread_local! {
        static LISTS: RefCell<Option<Vec<Vec<String>>>> = const { RefCell::new(None) };
    }

    pub(super) fn push<P: AsRef<str>>(patterns: &[P]) {
        LISTS.with(|l| {
            if let Some(lists) = l.borrow_mut().as_mut() {
                lists.push(patterns.iter().map(|p| p.as_ref().to_owned()).collect());
            }
        });
    }

    /// Runs `f` and returns what it returned with every non-empty pattern
    /// list a set was built from on this thread meanwhile, in order.
    pub fn recording<R>(f: impl FnOnce() -> R) -> (R, Vec<Vec<String>>) {
        let outer = LISTS.with(|l| l.borrow_mut().replace(Vec::new()));
        let result = f();
        let lists = LISTS.with(|l| std::mem::replace(&mut *l.borrow_mut(), outer));
        (result, lists.unwrap_or_default())
    }
}

/// The patterns of a [`RegexSet`] that matched one haystack.
#[derive(Debug, Clone)]
pub struct Matches(Option<PatternSet>);

impl Matches {
    /// True when pattern `index` matched.
    pub fn contains(&self, index: usize) -> bool {
        match (&self.0, regex_automata::PatternID::new(index)) {
            (Some(set), Ok(pid)) => pid.as_usize() < set.capacity() && set.contains(pid),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(set: &RegexSet, haystack: &str) -> Vec<usize> {
        let mut out = Vec::new();
        set.for_each_match(haystack, |i| out.push(i));
        out
    }

    #[test]
    fn every_matching_pattern_is_reported() {
        let set = RegexSet::new(&["rm", r"\brm\s+-rf\b", "^git push", "mkfs"]).unwrap();
        assert_eq!(matches(&set, "rm -rf /"), vec![0, 1]);
        assert_eq!(matches(&set, "git push -f"), vec![2]);
        assert!(matches(&set, "ls -la").is_empty());
    }

    #[test]
    fn a_deferred_set_matches_as_an_eager_one() {
        let patterns = ["rm", r"\brm\s+-rf\b", "^git push", "mkfs"];
        let later = RegexSet::with_build(&patterns, Build::OnFirstUse).unwrap();
        assert!(matches!(later.0, Inner::Later(_)) && later.len() == 4);
        assert_eq!(matches(&later, "rm -rf /"), vec![0, 1]);
        assert!(later.is_match("mkfs.ext4") && !later.is_match("ls"));
        assert!(
            matches!(RegexSet::new(&patterns).unwrap().0, Inner::Built(_)),
            "`new` builds at once"
        );
    }

    #[test]
    fn empty_set_matches_nothing() {
        let set = RegexSet::new::<&str>(&[]).unwrap();
        assert!(set.is_empty());
        assert!(matches(&set, "anything").is_empty());
    }

    #[test]
    fn bad_pattern_is_named() {
        assert!(check_regex("(unclosed").is_err());
        assert_eq!(
            check_regex(r"[^\s\S]"),
            Err("the pattern can never match".into())
        );
        let err = RegexSet::new(&["ok", "(unclosed"]).unwrap_err();
        assert_eq!(err.pattern, Some(1));
    }
}
