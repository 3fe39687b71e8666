//! Is a package name one edit away from a popular one? (`reqeusts`,
//! `python-dateutils`, `lodahs`, `@typescript_eslint/parser`,
//! `github.com/spf13s/cobra`.)
//!
//! Typosquats live one keystroke from a name users type every day. Each
//! ecosystem's popular names are a data file (`src/command/popular/*.txt`,
//! a few thousand lines, sources in their headers), brought to the form the
//! registry compares names in ([`package_name`]). A name is *near* a popular
//! one when it is not itself popular, is not under a scope or owner that
//! publishes popular names (only the owner of `@types` or `golang.org/x`
//! can publish there), and its *key* — lowercase, `-_.` dropped, `1`→`l`,
//! `0`→`o` — equals a popular key or is one insertion, deletion,
//! substitution or adjacent transposition from one (optimal string
//! alignment distance 1). Keys shorter than five characters are compared
//! only for equality: among a few thousand names, every short name has
//! short neighbours that are packages in their own right.
//!
//! Cost: the index is built on the first lookup of an ecosystem (one pass
//! over its file: about `n × (len + 1)` hashes sorted once, a few ms for
//! five thousand names) and is read-only after. A lookup hashes the key and
//! its `len` single deletions, FNV-1a streamed over the two halves so no
//! variant is copied, and binary-searches each in the sorted hash list: a
//! few hundred nanoseconds for a twenty-character name, no allocation
//! beyond the key. Every hash hit is checked with the exact distance, so a
//! collision can cost time, never a wrong answer.

use std::sync::OnceLock;

use rustc_hash::FxHashSet;

use super::packages::{package_name, Ecosystem};

/// Keys longer than this are not indexed or looked up (no registry name is this long).
const MAX_KEY: usize = 214;
/// Keys shorter than this are compared for equality only.
const MIN_EDIT_KEY: usize = 5;

/// The popular names of one ecosystem and their deletion index.
struct Popular {
    /// Canonical names, in file order (the first is reported first).
    names: Vec<Box<str>>,
    exact: FxHashSet<Box<str>>,
    /// Scopes (`@types`) and owners (`github.com/spf13`) that publish popular names.
    owners: FxHashSet<Box<str>>,
    keys: Vec<Box<[u8]>>,
    /// `(hash of a key or of one of its single deletions, name index)`, sorted.
    variants: Vec<(u64, u32)>,
}

fn source(ecosystem: Ecosystem) -> &'static str {
    match ecosystem {
        Ecosystem::Pypi => include_str!("popular/pypi.txt"),
        Ecosystem::Npm => include_str!("popular/npm.txt"),
        Ecosystem::Crates => include_str!("popular/crates.txt"),
        Ecosystem::Rubygems => include_str!("popular/rubygems.txt"),
        Ecosystem::Go => include_str!("popular/go.txt"),
    }
}

fn index(ecosystem: Ecosystem) -> &'static Popular {
    static PYPI: OnceLock<Popular> = OnceLock::new();
    static NPM: OnceLock<Popular> = OnceLock::new();
    static CRATES: OnceLock<Popular> = OnceLock::new();
    static RUBYGEMS: OnceLock<Popular> = OnceLock::new();
    static GO: OnceLock<Popular> = OnceLock::new();
    let cell = match ecosystem {
        Ecosystem::Pypi => &PYPI,
        Ecosystem::Npm => &NPM,
        Ecosystem::Crates => &CRATES,
        Ecosystem::Rubygems => &RUBYGEMS,
        Ecosystem::Go => &GO,
    };
    cell.get_or_init(|| Popular::build(ecosystem, source(ecosystem)))
}

/// The comparison key of a canonical name: confusable spellings made equal.
pub fn key(name: &str) -> Vec<u8> {
    name.bytes()
        .filter(|b| !matches!(b, b'-' | b'_' | b'.'))
        .map(|b| match b.to_ascii_lowercase() {
            b'1' => b'l',
            b'0' => b'o',
            other => other,
        })
        .collect()
}

/// The scope or owner that controls a canonical name, if its registry has one.
fn owner(ecosystem: Ecosystem, name: &str) -> Option<&str> {
    match ecosystem {
        Ecosystem::Npm => name.starts_with('@').then(|| name.split('/').next())?,
        Ecosystem::Go => {
            let mut slashes = name.match_indices('/').map(|(i, _)| i);
            let end = slashes.nth(1).unwrap_or(name.len());
            // `host/owner/…` only when there is something under the owner.
            (end < name.len()).then(|| name.get(..end))?
        }
        _ => None,
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

fn fnv(mut hash: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(FNV_PRIME);
    }
    hash
}

/// The hash of `key` without the byte at `skip` (`None`: the whole key).
fn variant_hash(key: &[u8], skip: Option<usize>) -> u64 {
    match skip {
        None => fnv(FNV_OFFSET, key),
        Some(i) => {
            let (head, tail) = key.split_at(i.min(key.len()));
            fnv(fnv(FNV_OFFSET, head), tail.get(1..).unwrap_or_default())
        }
    }
}

/// True when `a` and `b` are at most one insertion, deletion, substitution
/// or adjacent transposition apart. O(len).
pub fn within_one_edit(a: &[u8], b: &[u8]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let prefix = short.iter().zip(long).take_while(|(x, y)| x == y).count();
    let s = short.get(prefix..).unwrap_or_default();
    let l = long.get(prefix..).unwrap_or_default();
    match long.len() - short.len() {
        0 if s.len() <= 1 => true,
        // One substitution, or two neighbours swapped.
        0 => {
            s.get(1..) == l.get(1..)
                || (s.first() == l.get(1) && s.get(1) == l.first() && s.get(2..) == l.get(2..))
        }
        1 => l.get(1..) == Some(s),
        _ => false,
    }
}

impl Popular {
    fn build(ecosystem: Ecosystem, text: &str) -> Popular {
        let mut popular = Popular {
            names: Vec::new(),
            exact: FxHashSet::default(),
            owners: FxHashSet::default(),
            keys: Vec::new(),
            variants: Vec::new(),
        };
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some(name) = package_name(ecosystem, line) else {
                continue;
            };
            if !popular.exact.insert(name.as_ref().into()) {
                continue;
            }
            if let Some(owner) = owner(ecosystem, &name) {
                popular.owners.insert(owner.into());
            }
            let key = key(&name);
            if key.len() > MAX_KEY {
                continue;
            }
            let id = u32::try_from(popular.names.len()).unwrap_or(u32::MAX);
            popular.variants.push((variant_hash(&key, None), id));
            if key.len() >= MIN_EDIT_KEY {
                for i in 0..key.len() {
                    popular.variants.push((variant_hash(&key, Some(i)), id));
                }
            }
            popular.names.push(name.into_owned().into_boxed_str());
            popular.keys.push(key.into_boxed_slice());
        }
        popular.variants.sort_unstable();
        popular.variants.dedup();
        popular
    }

    fn ids(&self, hash: u64) -> impl Iterator<Item = u32> + '_ {
        let start = self.variants.partition_point(|(h, _)| *h < hash);
        self.variants
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(move |(h, _)| *h == hash)
            .map(|(_, id)| *id)
    }

    /// The first popular name `name` (canonical) is near, if any.
    fn near(&self, ecosystem: Ecosystem, name: &str) -> Option<&str> {
        if self.exact.contains(name) {
            return None;
        }
        if owner(ecosystem, name).is_some_and(|o| self.owners.contains(o)) {
            return None;
        }
        let key = key(name);
        if key.len() < 3 || key.len() > MAX_KEY {
            return None;
        }
        let edits = key.len() >= MIN_EDIT_KEY;
        let mut best: Option<u32> = None;
        let mut consider = |id: u32| {
            let Some(popular) = self.keys.get(id as usize) else {
                return;
            };
            let close = if edits && popular.len() >= MIN_EDIT_KEY {
                within_one_edit(&key, popular)
            } else {
                **popular == *key
            };
            if close && best.is_none_or(|b| id < b) {
                best = Some(id);
            }
        };
        self.ids(variant_hash(&key, None)).for_each(&mut consider);
        if edits {
            for i in 0..key.len() {
                self.ids(variant_hash(&key, Some(i)))
                    .for_each(&mut consider);
            }
        }
        best.and_then(|id| self.names.get(id as usize)).map(|n| &**n)
    }
}

/// The popular package that the install argument `word` is one edit away
/// from, when it is not itself popular; `None` for a popular name, a name far
/// from every popular one, or an argument that is no registry name.
///
/// A Go import path is judged by its module: the path and each of its
/// prefixes of two or more elements (`github.com/o/r/cmd/x` is fine when
/// `github.com/o/r` is popular).
pub fn near_popular(ecosystem: Ecosystem, word: &str) -> Option<&'static str> {
    let name = package_name(ecosystem, word)?;
    let popular = index(ecosystem);
    if ecosystem != Ecosystem::Go {
        return popular.near(ecosystem, &name);
    }
    let prefixes: Vec<&str> = prefixes(&name).collect();
    if prefixes.iter().any(|p| popular.exact.contains(*p)) {
        return None;
    }
    prefixes
        .into_iter()
        .find_map(|p| popular.near(ecosystem, p))
}

/// `a.com/b/c/d` → `a.com/b/c/d`, `a.com/b/c`, `a.com/b`.
fn prefixes(path: &str) -> impl Iterator<Item = &str> {
    let ends = path
        .match_indices('/')
        .map(|(i, _)| i)
        .skip(1)
        .chain(std::iter::once(path.len()));
    let mut all: Vec<&str> = ends.filter_map(|e| path.get(..e)).collect();
    all.reverse();
    all.into_iter()
}

/// The popular names of an ecosystem, canonical, in file order.
#[cfg(test)]
fn popular_names(ecosystem: Ecosystem) -> impl Iterator<Item = &'static str> {
    index(ecosystem).names.iter().map(|n| &**n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Optimal string alignment distance, the textbook dynamic program.
    fn osa(a: &[u8], b: &[u8]) -> usize {
        let (n, m) = (a.len(), b.len());
        let mut d = vec![vec![0usize; m + 1]; n + 1];
        for (i, row) in d.iter_mut().enumerate() {
            row[0] = i;
        }
        if let Some(first) = d.first_mut() {
            for (j, cell) in first.iter_mut().enumerate() {
                *cell = j;
            }
        }
        for i in 1..=n {
            for j in 1..=m {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut v = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    v = v.min(d[i - 2][j - 2] + 1);
                }
                d[i][j] = v;
            }
        }
        d[n][m]
    }

    /// The reference: a linear scan of every popular name with the dynamic program.
    fn naive(popular: &Popular, ecosystem: Ecosystem, name: &str) -> Option<String> {
        if popular.exact.contains(name)
            || owner(ecosystem, name).is_some_and(|o| popular.owners.contains(o))
        {
            return None;
        }
        let key = key(name);
        if key.len() < 3 || key.len() > MAX_KEY {
            return None;
        }
        popular
            .keys
            .iter()
            .position(|p| {
                if key.len() >= MIN_EDIT_KEY && p.len() >= MIN_EDIT_KEY {
                    osa(&key, p) <= 1
                } else {
                    **p == *key
                }
            })
            .map(|i| popular.names[i].to_string())
    }

    #[test]
    fn one_edit_from_a_popular_name_is_near() {
        use Ecosystem::*;
        for (e, word, popular) in [
            (Pypi, "reqeusts", "requests"),
            (Pypi, "requestss", "requests"),
            (Pypi, "python-dateutils", "python-dateutil"),
            (Pypi, "pythondateutil", "python-dateutil"),
            (Pypi, "djang0", "django"),
            (Npm, "lodahs", "lodash"),
            (Npm, "expres", "express"),
            (Npm, "@typescript_eslint/parser", "@typescript-eslint/parser"),
            (Crates, "serde-jsom", "serde-json"),
            (Rubygems, "railties1", "railties"),
            (Go, "github.com/spf13s/cobra", "github.com/spf13/cobra"),
        ] {
            assert_eq!(near_popular(e, word), Some(popular), "{word}");
        }
    }

    #[test]
    fn popular_names_and_their_owners_packages_are_not_near() {
        use Ecosystem::*;
        for (e, word) in [
            (Pypi, "requests"),
            (Pypi, "Requests==2.31"),
            (Pypi, "python_dateutil"),
            (Npm, "lodash@4"),
            (Npm, "@types/some-package-nobody-uses"),
            (Crates, "serde_json"),
            (Go, "github.com/spf13/cobra/cobra@latest"),
            (Go, "golang.org/x/made-up"),
            (Pypi, "an-entirely-different-name"),
            (Pypi, "six"),
            (Npm, "./local"),
        ] {
            assert_eq!(near_popular(e, word), None, "{word}");
        }
    }

    #[test]
    fn every_list_is_indexed() {
        for e in Ecosystem::ALL {
            assert!(popular_names(e).count() > 200, "{}", e.as_str());
        }
    }

    #[test]
    fn within_one_edit_agrees_with_the_dynamic_program_exhaustively() {
        let alphabet = [b'a', b'b', b'c'];
        let mut words: Vec<Vec<u8>> = vec![vec![]];
        for len in 1..=4 {
            let mut next = Vec::new();
            for w in words.iter().filter(|w| w.len() == len - 1) {
                for &c in &alphabet {
                    let mut x = w.clone();
                    x.push(c);
                    next.push(x);
                }
            }
            words.extend(next);
        }
        for a in &words {
            for b in &words {
                assert_eq!(within_one_edit(a, b), osa(a, b) <= 1, "{a:?} {b:?}");
            }
        }
    }

    fn mutate(name: &str, op: u8, at: usize, c: char) -> String {
        let mut chars: Vec<char> = name.chars().collect();
        let at = at % (chars.len() + 1);
        match op % 4 {
            0 => chars.insert(at, c),
            1 if at < chars.len() => {
                chars.remove(at);
            }
            2 if at < chars.len() => chars[at] = c,
            _ if at + 1 < chars.len() => chars.swap(at, at + 1),
            _ => {}
        }
        chars.into_iter().collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// The deletion index finds exactly what a linear scan finds, on
        /// popular names edited once or twice and on arbitrary words.
        #[test]
        fn the_index_agrees_with_a_linear_scan(
            eco in 0usize..5,
            pick in any::<prop::sample::Index>(),
            ops in prop::collection::vec((any::<u8>(), any::<usize>(), prop::char::range('-', 'z')), 0..3),
            random in "[a-z0-9._@/-]{0,16}",
            use_random in any::<bool>(),
        ) {
            let ecosystem = Ecosystem::ALL[eco];
            let popular = index(ecosystem);
            let mut word = if use_random {
                random
            } else {
                popular.names[pick.index(popular.names.len())].to_string()
            };
            for (op, at, c) in ops {
                word = mutate(&word, op, at, c);
            }
            if let Some(name) = package_name(ecosystem, &word) {
                prop_assert_eq!(
                    popular.near(ecosystem, &name).map(str::to_owned),
                    naive(popular, ecosystem, &name),
                    "{}", word
                );
            }
        }
    }
}
