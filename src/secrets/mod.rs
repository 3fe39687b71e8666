//! Secret detection: well-known token formats in any text.
//!
//! Detectors are data (`detectors.toml`): a kind, literal prefixes and a
//! confirming regular expression. All prefixes go into one aho-corasick
//! automaton (the prefilter: text with no prefix is rejected in one pass
//! at memory speed); at each prefix hit, only that detector's pattern is run,
//! anchored at the hit. Findings carry the kind and the byte span, never
//! the value; [`redact`] replaces every finding by `[REDACTED <kind>]`.
//! Knows nothing of policies. Cost: one automaton scan, plus one anchored
//! regex search per prefix hit; a detector's regex is built the first time
//! one of its prefixes is hit (a process that never sees a candidate never
//! builds one). The prefix automaton starts as a contiguous NFA (built in
//! tens of thousands of instructions, what a one-decision hook process
//! pays) and is rebuilt as a DFA once it has served [`DFA_AFTER`] scans
//! (about a million instructions, worth it only to a process that scans
//! often); both find the same matches.

pub mod variables;

pub use variables::secret_variable;

use std::borrow::Cow;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

/// Scans served by the first automaton before the DFA is built.
pub const DFA_AFTER: u32 = 16;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex_automata::meta::Regex;
use regex_automata::{Anchored, Input};

/// A secret found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What it is (`GitHub token`).
    pub kind: &'static str,
    /// Its byte span in the text.
    pub span: (usize, usize),
}

struct Detector {
    kind: String,
    source: String,
    /// Built on first use; `None` inside if it does not build (a unit test
    /// builds every detector).
    pattern: OnceLock<Option<Regex>>,
}

impl Detector {
    fn pattern(&self) -> Option<&Regex> {
        self.pattern
            .get_or_init(|| Regex::new(&self.source).ok())
            .as_ref()
    }
}

pub(crate) struct Scanner {
    /// Case-sensitive prefixes.
    exact: Prefixes,
    /// For each exact prefix: its detector.
    exact_owners: Vec<usize>,
    /// Prefixes matched in any ASCII case.
    folded: Prefixes,
    folded_owners: Vec<usize>,
    detectors: Vec<Detector>,
}

/// `detectors.toml`, as serde reads it.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    detector: Vec<DetectorSpec>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DetectorSpec {
    kind: String,
    prefixes: Vec<String>,
    pattern: String,
    #[serde(default)]
    case_insensitive: bool,
}

/// Reads `detectors.toml` (through [`crate::data`]) and builds the prefix automata.
pub(crate) fn load() -> Result<Scanner, String> {
    let table: Table = crate::data::toml("detectors.toml", include_str!("detectors.toml"))?;
    let (mut exact, mut exact_owners) = (Vec::new(), Vec::new());
    let (mut folded, mut folded_owners) = (Vec::new(), Vec::new());
    let mut detectors = Vec::new();
    for d in table.detector {
        for p in d.prefixes {
            if d.case_insensitive {
                folded.push(p);
                folded_owners.push(detectors.len());
            } else {
                exact.push(p);
                exact_owners.push(detectors.len());
            }
        }
        detectors.push(Detector {
            kind: d.kind,
            source: d.pattern,
            pattern: OnceLock::new(),
        });
    }
    // Longest prefixes first: with leftmost-first matching, `sk-ant-`
    // wins over `sk-` at the same position, and the search can use
    // the automaton's vectorized prefilter (overlapping search cannot).
    let sort = |patterns: &mut Vec<String>, owners: &mut Vec<usize>| {
        let mut pairs: Vec<(String, usize)> = patterns.drain(..).zip(owners.drain(..)).collect();
        pairs.sort_by_key(|p| std::cmp::Reverse(p.0.len()));
        for (p, o) in pairs {
            patterns.push(p);
            owners.push(o);
        }
    };
    sort(&mut exact, &mut exact_owners);
    sort(&mut folded, &mut folded_owners);
    let build = |patterns: &[String], fold: bool| {
        let nfa = automaton(patterns, fold, AhoCorasickKind::NoncontiguousNFA)?;
        Ok::<_, String>(Prefixes {
            nfa,
            patterns: patterns.to_vec(),
            fold,
            dfa: OnceLock::new(),
            uses: AtomicU32::new(0),
        })
    };
    Ok(Scanner {
        exact: build(&exact, false)?,
        exact_owners,
        folded: build(&folded, true)?,
        folded_owners,
        detectors,
    })
}

fn automaton(patterns: &[String], fold: bool, kind: AhoCorasickKind) -> Result<AhoCorasick, String> {
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostFirst)
        .ascii_case_insensitive(fold)
        .kind(Some(kind))
        .build(patterns)
        .map_err(|e| format!("detectors.toml: prefixes: {e}"))
}

/// One prefix automaton: the NFA at first, the DFA after [`DFA_AFTER`]
/// scans (or the NFA still, should the DFA not build: same matches).
pub(crate) struct Prefixes {
    nfa: AhoCorasick,
    patterns: Vec<String>,
    fold: bool,
    dfa: OnceLock<Option<AhoCorasick>>,
    uses: AtomicU32,
}

impl Prefixes {
    fn get(&self) -> &AhoCorasick {
        if let Some(dfa) = self.dfa.get() {
            return dfa.as_ref().unwrap_or(&self.nfa);
        }
        if self.uses.fetch_add(1, Ordering::Relaxed) < DFA_AFTER {
            return &self.nfa;
        }
        self.dfa
            .get_or_init(|| automaton(&self.patterns, self.fold, AhoCorasickKind::DFA).ok())
            .as_ref()
            .unwrap_or(&self.nfa)
    }
}

/// The scanner, built on first use; `None` when the table does not load
/// (the unit test of [`crate::data`] loads it).
fn scanner() -> Option<&'static Scanner> {
    static SCANNER: OnceLock<Option<Scanner>> = OnceLock::new();
    SCANNER.get_or_init(|| load().ok()).as_ref()
}

/// Every secret in `text`, in order, without overlaps. A secret starts at
/// a token boundary: a prefix right after a letter or digit (`task-`,
/// `disk-` for `sk-`) is not a candidate.
pub fn scan(text: &str) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    let Some(s) = scanner() else { return out };
    let bytes = text.as_bytes();
    let mut candidates: Vec<(usize, usize)> = Vec::new();
    let hits = s
        .exact
        .get()
        .find_iter(text)
        .filter_map(|m| Some((m.start(), *s.exact_owners.get(m.pattern().as_usize())?)))
        .chain(
            s.folded
                .get()
                .find_iter(text)
                .filter_map(|m| Some((m.start(), *s.folded_owners.get(m.pattern().as_usize())?))),
        );
    for (start, owner) in hits {
        let boundary = start == 0
            || bytes
                .get(start - 1)
                .is_none_or(|b| !b.is_ascii_alphanumeric())
            || bytes.get(start).is_some_and(|b| !b.is_ascii_alphanumeric());
        if boundary {
            candidates.push((start, owner));
        }
    }
    candidates.sort_unstable();
    candidates.dedup();
    for (start, owner) in candidates {
        if out.last().is_some_and(|f| start < f.span.1) {
            continue;
        }
        let Some(d) = s.detectors.get(owner) else {
            continue;
        };
        let Some(pattern) = d.pattern() else {
            continue;
        };
        let input = Input::new(text).range(start..).anchored(Anchored::Yes);
        if let Some(hit) = pattern.find(input) {
            out.push(Finding {
                kind: d.kind.as_str(),
                span: (hit.start(), hit.end()),
            });
        }
    }
    out
}

/// True when `text` holds no prefix of any detector (the fast path).
pub fn is_clean(text: &str) -> bool {
    scanner().is_none_or(|s| !s.exact.get().is_match(text) && !s.folded.get().is_match(text))
}

/// `text` with every secret replaced by `[REDACTED <kind>]`.
pub fn redact(text: &str) -> Cow<'_, str> {
    if is_clean(text) {
        return Cow::Borrowed(text);
    }
    let findings = scan(text);
    if findings.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for f in &findings {
        out.push_str(text.get(at..f.span.0).unwrap_or_default());
        out.push_str("[REDACTED ");
        out.push_str(f.kind);
        out.push(']');
        at = f.span.1;
    }
    out.push_str(text.get(at..).unwrap_or_default());
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nfa_and_the_dfa_find_the_same_secrets() {
        let text = "key AKIAIOSFODNN7EXAMPLE and ghp_0123456789abcdefghijABCDEFGHIJ012345, PASSWORD=hunter2 sk-ant-x";
        let first = scan(text);
        for _ in 0..(2 * DFA_AFTER) {
            assert_eq!(scan(text), first);
        }
        assert!(scanner().unwrap().exact.dfa.get().is_some(), "the DFA is built");
        assert!(!first.is_empty());
    }

    #[test]
    fn the_detector_table_loads_and_every_pattern_builds() {
        let s = scanner().unwrap();
        assert!(s.detectors.len() >= 14);
        for d in &s.detectors {
            assert!(d.pattern().is_some(), "{}: {}", d.kind, d.source);
        }
    }

    #[test]
    fn clean_text_has_no_findings_and_secrets_are_redacted() {
        assert!(scan("git commit -m 'password reset flow'").is_empty());
        let text = "export GITHUB_TOKEN=ghp_0123456789abcdefghijklmnopqrstuvwxyzAB; echo done";
        let f = scan(text);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].kind, "GitHub token");
        let r = redact(text);
        assert!(
            !r.contains("ghp_0123") && r.contains("[REDACTED GitHub token]"),
            "{r}"
        );
    }
}
