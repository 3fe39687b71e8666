//! Literal gates: which patterns of a deferred [`RegexSet`](super::RegexSet)
//! could match a haystack at all, without building its automaton.
//!
//! Building the automaton of a set is most of what a one-decision process
//! (a coding-agent hook) would spend on matching: the sensitive-path set of
//! the default policy alone has over a hundred globs, several million
//! instructions of NFA compilation, for one search of one path. Yet nearly
//! every pattern needs a literal the path does not hold (`/.ssh/id_`,
//! `.pem`, `/.aws/credentials`). A *gate* is that literal: the prefix or
//! suffix literal sequence `regex-syntax` extracts from the pattern, or a
//! literal of its top-level sequence (whichever has the longest shortest
//! literal), which is sound — every match of the pattern starts with, ends
//! with or holds one of them, so a haystack holding none cannot match. A deferred set with gates searches a
//! haystack by testing every gate (a substring search each) and running
//! only the patterns whose gate passed, each built alone on first need;
//! what it reports is exactly what the whole set's automaton would (a set
//! matches where one of its patterns does), only the work differs. After
//! [`GATED_SEARCHES`] searches the set builds its automaton as before, so a
//! long-running process pays the build once and then searches at automaton
//! speed.
//!
//! A pattern whose gate passed is then run alone — unless it has a *shape*:
//! the file-path globs of command rules translate to a few anchored forms
//! (`\A/etc(?s:/.*)?\z` for `/etc/**`, `\A\~\z` for `~`), recognized in
//! the pattern's syntax tree and answered by comparing bytes
//! ([`Shape::matches`]), exactly as the regex would.
//!
//! Extracting the gates means parsing every pattern, which costs as much as
//! what they save, so they are computed at development time into the
//! default-policy snapshot ([`encode`], `crate::data::snapshot`), per set,
//! with the set's patterns: [`find`] returns a set's gates only for exactly
//! the same patterns. Cost at run time: decoding the index once (a few
//! dozen entries), then per set on first use its gates (borrowed from the
//! snapshot, no copy).

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// Searches of a deferred set made through its gates before it builds its
/// whole automaton.
pub(crate) const GATED_SEARCHES: usize = 16;

/// Most literals in a gate; a sequence longer than this is no gate.
#[cfg(any(test, feature = "internals"))]
const MAX_GATE_LITERALS: usize = 32;

/// The literals one of which every match of a pattern holds; `None`: no
/// gate (any haystack may match).
pub(crate) type Gate<'a> = Option<Vec<&'a [u8]>>;

/// One set's entry: its patterns, for an exact comparison, their gates and
/// their shapes.
#[derive(Serialize, Deserialize)]
struct Entry<'a> {
    #[serde(borrow)]
    patterns: Vec<&'a str>,
    #[serde(borrow)]
    gates: Vec<Gate<'a>>,
    #[serde(borrow)]
    shapes: Vec<Option<Shape<'a>>>,
}

/// An anchored pattern whose matches are a byte comparison: `\A`, a
/// literal, one of the tails below, `\z`. `[^/]` and `(?s:.)` are any
/// character but `/` and any character: on UTF-8 text, a run of them is a
/// run of bytes without (or with any) `/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Shape<'a> {
    /// `\A lit \z`: the text is the literal.
    Equals(&'a [u8]),
    /// `\A lit (?s:/.*)? \z`: the literal, or the literal then `/`.
    Subtree(&'a [u8]),
    /// `\A lit [^/]* \z`: the literal, then no `/`.
    Segment(&'a [u8]),
    /// `\A lit [^/]* (?s:/.*)? \z` or `\A lit (?s:.*) \z`: starts with the literal.
    Prefix(&'a [u8]),
}

impl Shape<'_> {
    /// True when the pattern matches `haystack` (UTF-8 text).
    pub(crate) fn matches(self, haystack: &[u8]) -> bool {
        match self {
            Shape::Equals(lit) => haystack == lit,
            Shape::Subtree(lit) => haystack
                .strip_prefix(lit)
                .is_some_and(|rest| rest.is_empty() || rest.first() == Some(&b'/')),
            Shape::Segment(lit) => haystack
                .strip_prefix(lit)
                .is_some_and(|rest| !rest.contains(&b'/')),
            Shape::Prefix(lit) => haystack.starts_with(lit),
        }
    }
}

/// A set's gates and shapes, one each per pattern.
pub(crate) struct Found {
    pub(crate) gates: Vec<Gate<'static>>,
    pub(crate) shapes: Vec<Option<Shape<'static>>>,
}

/// The key a set is filed under: a fingerprint of its patterns.
fn key<P: AsRef<str>>(patterns: &[P]) -> u64 {
    let mut h = patterns.len() as u64;
    for p in patterns {
        h = (h ^ crate::data::fingerprint(p.as_ref().as_bytes()))
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(29);
    }
    h
}

/// The snapshot's index: each set's key and encoded [`Entry`].
fn index() -> &'static [(u64, &'static [u8])] {
    static INDEX: OnceLock<Vec<(u64, &'static [u8])>> = OnceLock::new();
    INDEX.get_or_init(|| {
        crate::data::snapshot::section(crate::data::snapshot::Section::Automata)
            .and_then(|bytes| postcard::from_bytes(bytes).ok())
            .unwrap_or_default()
    })
}

/// The gates and shapes of the set made of exactly `patterns`, one per
/// pattern, when the snapshot has them.
pub(crate) fn find<P: AsRef<str>>(patterns: &[P]) -> Option<Found> {
    let index = index();
    let k = key(patterns);
    let at = index.binary_search_by_key(&k, |(key, _)| *key).ok()?;
    let (_, bytes) = index.get(at)?;
    let entry: Entry<'static> = postcard::from_bytes(bytes).ok()?;
    let same = entry.patterns.len() == patterns.len()
        && entry
            .patterns
            .iter()
            .zip(patterns)
            .all(|(a, b)| *a == b.as_ref());
    let whole = entry.gates.len() == patterns.len() && entry.shapes.len() == patterns.len();
    (same && whole).then_some(Found {
        gates: entry.gates,
        shapes: entry.shapes,
    })
}

/// True when `haystack` may match a pattern with `gate`.
pub(crate) fn passes(gate: &Gate<'_>, haystack: &[u8]) -> bool {
    match gate {
        None => true,
        Some(literals) => literals
            .iter()
            .any(|l| memchr::memmem::find(haystack, l).is_some()),
    }
}

/// The gate of one pattern: its prefix or suffix literals, whichever has
/// the longer shortest literal; `None` when neither is a finite sequence of
/// non-empty literals (or the pattern does not parse).
#[cfg(any(test, feature = "internals"))]
pub(crate) fn gate_of(pattern: &str) -> Option<Vec<Vec<u8>>> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .ok()?;
    let candidates = [ExtractKind::Prefix, ExtractKind::Suffix].map(|kind| {
        let seq = Extractor::new().kind(kind).extract(&hir);
        let literals = seq.literals()?;
        let shortest = seq.min_literal_len()?;
        (shortest > 0 && literals.len() <= MAX_GATE_LITERALS).then(|| {
            let all: Vec<&[u8]> = literals.iter().map(|l| l.as_bytes()).collect();
            // A literal holding another is implied by it: the gate is the same without it.
            let mut bytes: Vec<Vec<u8>> = Vec::new();
            for (i, l) in all.iter().enumerate() {
                let implied = all.iter().enumerate().any(|(j, m)| {
                    j != i && m.len() <= l.len() && (m.len() < l.len() || j < i) && contains(l, m)
                });
                if !implied {
                    bytes.push(l.to_vec());
                }
            }
            (shortest, bytes)
        })
    });
    // A literal of the pattern's top-level sequence is in every match too
    // (`/[^/]*\.audit\.jsonl\z` holds `.audit.jsonl`, though its prefix
    // is only `/`).
    let inner = match hir.kind() {
        regex_syntax::hir::HirKind::Concat(parts) => parts
            .iter()
            .filter_map(|p| match p.kind() {
                regex_syntax::hir::HirKind::Literal(l) => Some(l.0.to_vec()),
                _ => None,
            })
            .max_by_key(Vec::len)
            .map(|l| (l.len(), vec![l])),
        _ => None,
    };
    let [prefix, suffix] = candidates;
    // The gate whose shortest literal is longest; the earlier on a tie.
    [prefix, suffix, inner]
        .into_iter()
        .flatten()
        .filter(|(shortest, _)| *shortest > 0)
        .reduce(|best, next| if next.0 > best.0 { next } else { best })
        .map(|(_, literals)| literals)
}

/// The shape of one pattern, when its syntax tree is one of [`Shape`]'s.
#[cfg(any(test, feature = "internals"))]
pub(crate) fn shape_of(pattern: &str) -> Option<(ShapeKind, Vec<u8>)> {
    use regex_syntax::hir::{Class, HirKind, Look};
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .ok()?;
    let HirKind::Concat(parts) = hir.kind() else {
        return None;
    };
    let (first, rest) = parts.split_first()?;
    let (last, middle) = rest.split_last()?;
    if first.kind() != &HirKind::Look(Look::Start) || last.kind() != &HirKind::Look(Look::End) {
        return None;
    }
    let (lit, tail) = middle.split_first()?;
    let HirKind::Literal(lit) = lit.kind() else {
        return None;
    };
    // A class of every character, or of every character but `/`.
    let class = |h: &regex_syntax::hir::Hir, all: bool| match h.kind() {
        HirKind::Class(Class::Unicode(c)) => {
            let ranges: Vec<(char, char)> =
                c.ranges().iter().map(|r| (r.start(), r.end())).collect();
            if all {
                ranges == [('\0', '\u{10FFFF}')]
            } else {
                ranges == [('\0', '.'), ('0', '\u{10FFFF}')]
            }
        }
        _ => false,
    };
    let star = |h: &regex_syntax::hir::Hir, all: bool| match h.kind() {
        HirKind::Repetition(r) => r.min == 0 && r.max.is_none() && class(&r.sub, all),
        _ => false,
    };
    let subtree = |h: &regex_syntax::hir::Hir| match h.kind() {
        HirKind::Repetition(r) if r.min == 0 && r.max == Some(1) => match r.sub.kind() {
            HirKind::Concat(c) => match c.as_slice() {
                [slash, any] => {
                    slash.kind()
                        == &HirKind::Literal(regex_syntax::hir::Literal(Box::from(&b"/"[..])))
                        && star(any, true)
                }
                _ => false,
            },
            _ => false,
        },
        _ => false,
    };
    let kind = match tail {
        [] => ShapeKind::Equals,
        [t] if subtree(t) => ShapeKind::Subtree,
        [t] if star(t, false) => ShapeKind::Segment,
        [t] if star(t, true) => ShapeKind::Prefix,
        [s, t] if star(s, false) && subtree(t) => ShapeKind::Prefix,
        _ => return None,
    };
    Some((kind, lit.0.to_vec()))
}

/// Which [`Shape`] a pattern has (its literal apart).
#[cfg(any(test, feature = "internals"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ShapeKind {
    Equals,
    Subtree,
    Segment,
    Prefix,
}

#[cfg(any(test, feature = "internals"))]
fn shape<'a>(kind: ShapeKind, lit: &'a [u8]) -> Shape<'a> {
    match kind {
        ShapeKind::Equals => Shape::Equals(lit),
        ShapeKind::Subtree => Shape::Subtree(lit),
        ShapeKind::Segment => Shape::Segment(lit),
        ShapeKind::Prefix => Shape::Prefix(lit),
    }
}

/// True when `needle` occurs in `haystack`.
#[cfg(any(test, feature = "internals"))]
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}

/// The automata section of the snapshot: the gates of every set in `lists`.
#[cfg(any(test, feature = "internals"))]
pub(crate) fn encode(lists: &[Vec<String>]) -> Result<Vec<u8>, String> {
    let mut entries: Vec<(u64, Vec<u8>)> = Vec::new();
    for patterns in lists {
        let k = key(patterns);
        if entries.iter().any(|(key, _)| *key == k) {
            continue;
        }
        let gates: Vec<Option<Vec<Vec<u8>>>> = patterns.iter().map(|p| gate_of(p)).collect();
        let shapes: Vec<Option<(ShapeKind, Vec<u8>)>> =
            patterns.iter().map(|p| shape_of(p)).collect();
        let entry = Entry {
            patterns: patterns.iter().map(String::as_str).collect(),
            gates: gates
                .iter()
                .map(|g| g.as_ref().map(|ls| ls.iter().map(Vec::as_slice).collect()))
                .collect(),
            shapes: shapes
                .iter()
                .map(|s| s.as_ref().map(|(kind, lit)| shape(*kind, lit)))
                .collect(),
        };
        let bytes = postcard::to_allocvec(&entry).map_err(|e| format!("encoding gates: {e}"))?;
        entries.push((k, bytes));
    }
    entries.sort_by_key(|(k, _)| *k);
    let index: Vec<(u64, &[u8])> = entries.iter().map(|(k, b)| (*k, b.as_slice())).collect();
    postcard::to_allocvec(&index).map_err(|e| format!("encoding the gate index: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(p: &str) -> Option<Vec<String>> {
        gate_of(p).map(|ls| {
            ls.into_iter()
                .map(|l| String::from_utf8(l).unwrap())
                .collect()
        })
    }

    #[test]
    fn the_longer_of_prefix_and_suffix_literals_is_the_gate() {
        assert_eq!(gate(r"/\.ssh/id_[^/]*\z"), Some(vec!["/.ssh/id_".into()]));
        assert_eq!(gate(r"/[^/]*\.key\z"), Some(vec![".key".into()]));
        assert_eq!(
            gate(r"\A\~(?s:/.*)?\z"),
            Some(vec!["~".into()]),
            "`~/` holds `~`"
        );
        assert_eq!(
            gate(r"\A(?:ab|b)\z"),
            Some(vec!["b".into()]),
            "a literal holding another adds nothing"
        );
        assert_eq!(gate(r"\A(?:ab|cd)\z"), Some(vec!["ab".into(), "cd".into()]));
        assert_eq!(
            gate(r"(?s:.*)"),
            None,
            "a pattern that matches anything has no gate"
        );
        assert_eq!(gate(r"[a-z]+"), None);
        assert_eq!(
            gate(r"/[^/]*\.audit\.jsonl\.[^/]*\z"),
            Some(vec![".audit.jsonl.".into()]),
            "a literal inside the pattern is in every match"
        );
    }

    #[test]
    fn a_haystack_without_the_gate_cannot_match() {
        let g: Gate<'_> = Some(vec![b".pem", b".key"]);
        assert!(passes(&g, b"/srv/tls/server.key"));
        assert!(!passes(&g, b"/srv/app/main.rs"));
        assert!(passes(&None, b""));
    }

    #[test]
    fn gates_are_sound_on_the_default_policy_sets() {
        // Every pattern the default policy builds: wherever it matches, its
        // gate passes (checked on the texts of its own examples and corpora
        // by the snapshot equivalence tests; here on constructed haystacks).
        for (p, h) in [
            (r"/\.ssh/id_[^/]*\z", "/home/u/.ssh/id_ed25519"),
            (r"\A/etc(?s:/.*)?\z", "/etc/passwd"),
            (r"(?i:\A(?s:.*delete.*)\z)", "mcp__x__DeleteThing"),
        ] {
            let re = regex_automata::meta::Regex::new(p).unwrap();
            assert!(re.is_match(h), "{p} on {h}");
            let g = gate_of(p);
            let g: Gate<'_> = g.as_ref().map(|ls| ls.iter().map(Vec::as_slice).collect());
            assert!(passes(&g, h.as_bytes()), "{p} on {h}");
        }
    }

    #[test]
    fn shapes_answer_as_the_regex_does() {
        let cases = [
            (r"\A\~\z", Some(ShapeKind::Equals)),
            (r"\A/etc(?s:/.*)?\z", Some(ShapeKind::Subtree)),
            (r"\A/home/[^/]*\z", Some(ShapeKind::Segment)),
            (r"\A\~[^/]*(?s:/.*)?\z", Some(ShapeKind::Prefix)),
            (r"\A/v1/(?s:.*)\z", Some(ShapeKind::Prefix)),
            (r"/\.ssh/id_[^/]*\z", None),
            (r"\A/etc/[^/]*\.conf\z", None),
            (r"\A[^/]*\z", None),
            (r"(?i:\A/etc\z)", None),
        ];
        let haystacks = [
            "",
            "~",
            "~/",
            "~x",
            "~/.ssh",
            "~x/y",
            "/etc",
            "/etc/",
            "/etc/passwd",
            "/etcx",
            "/et",
            "/home",
            "/home/",
            "/home/u",
            "/home/u/x",
            "/v1/",
            "/v1/a/b",
            "/v1",
            "é~",
            "~é/é",
            "/etc/é",
            "a\n/etc",
            "/etc\n",
        ];
        for (pattern, kind) in cases {
            let found = shape_of(pattern);
            assert_eq!(found.as_ref().map(|(k, _)| *k), kind, "{pattern}");
            let Some((kind, lit)) = found else { continue };
            let re = regex_automata::meta::Regex::new(pattern).unwrap();
            for h in haystacks {
                assert_eq!(
                    shape(kind, &lit).matches(h.as_bytes()),
                    re.is_match(h),
                    "{pattern} on {h:?}"
                );
            }
        }
    }

    #[test]
    fn every_shape_of_the_default_policy_answers_as_its_regex() {
        // Every file-path glob of the default policy, translated as its
        // matchers translate it (the sets that have shapes are these).
        let mut patterns = Vec::new();
        for (_, text) in crate::defaults::PARTS {
            let value: serde_json::Value = serde_json::from_str(text).unwrap();
            for (section, keys) in [
                ("paths", ["paths", "not_paths"]),
                ("commands", ["args_any", "writes_any"]),
            ] {
                for rule in value[section].as_array().into_iter().flatten() {
                    for g in keys
                        .iter()
                        .flat_map(|k| rule[k].as_array().into_iter().flatten())
                    {
                        patterns.push(super::super::glob_to_path_regex(g.as_str().unwrap()));
                    }
                }
            }
        }
        let mut shaped = 0;
        for pattern in &patterns {
            let Some((kind, lit)) = shape_of(pattern) else {
                continue;
            };
            shaped += 1;
            let re = regex_automata::meta::Regex::new(pattern).unwrap();
            let lit_text = String::from_utf8(lit.clone()).unwrap();
            for h in [
                String::new(),
                lit_text.clone(),
                format!("{lit_text}/"),
                format!("{lit_text}/x/y"),
                format!("{lit_text}x"),
                format!("{lit_text}x/y"),
                format!("x{lit_text}"),
                lit_text.chars().skip(1).collect(),
            ] {
                assert_eq!(
                    shape(kind, &lit).matches(h.as_bytes()),
                    re.is_match(&h),
                    "{pattern} on {h:?}"
                );
            }
        }
        assert!(shaped > 20, "only {shaped} shaped patterns");
    }

    #[test]
    fn entries_are_found_only_for_the_same_patterns() {
        let lists = vec![vec!["a+b".to_owned(), r"\.pem\z".to_owned()]];
        let bytes = encode(&lists).unwrap();
        let index: Vec<(u64, &[u8])> = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(index.len(), 1);
        let entry: Entry<'_> = postcard::from_bytes(index[0].1).unwrap();
        assert_eq!(entry.patterns, ["a+b", r"\.pem\z"]);
        assert_eq!(index[0].0, key(&lists[0]));
        assert_ne!(key(&["a+b", r"\.pem"]), index[0].0);
    }
}
