//! What the words of a tool's name say, in one pass: which per-tool entry
//! of the routing table routes its arguments, which class of sending
//! channel it is, whether it has a destructive verb or a verb of change.
//!
//! Both tables choose by the words of the name and server (`run_gcloud_command`
//! has `gcloud`; `slack_post_message` has a chat noun and a sending verb), and
//! a decision by name alone costs a few hundred nanoseconds, so the words
//! are looked up once, in one index built from both tables: each lowercase
//! word maps to the bits it sets — the routing entries' word ids, the
//! channel classes it is a noun, verb or server word of. An entry matches
//! when all of its words' bits are set; a class when its noun bit is, and
//! its verb and server bits where it lists any. Cost: building, once; per
//! call, one lowercase copy and one hash lookup per word; nothing allocated.

use rustc_hash::FxHashMap;

use super::route_table::{self, Entry, BUF};

/// The bits one word sets.
#[derive(Debug, Default, Clone, Copy)]
struct Bits {
    /// Ids of the routing entries' words (one bit per distinct word).
    entry_words: u64,
    /// Channel classes it is a noun of.
    nouns: u64,
    /// Channel classes it is a sending verb of.
    verbs: u64,
    /// Channel classes it is a server word of.
    servers: u64,
    /// It is a destructive verb (`destructive_verbs.txt`).
    destructive: bool,
    /// It is a verb of change (`change_verbs.txt`).
    changing: bool,
}

/// The index: words, and each routing entry's mask of word ids.
#[derive(Debug, Default)]
struct Index {
    words: FxHashMap<Box<[u8]>, Bits>,
    entry_masks: Vec<u64>,
}

fn build() -> Index {
    let mut index = Index::default();
    let mut ids: FxHashMap<String, u32> = FxHashMap::default();
    for entry in &route_table::table().entries {
        let mut mask = 0u64;
        for w in &entry.words {
            let next = u32::try_from(ids.len()).unwrap_or(u32::MAX);
            let id = *ids.entry(w.clone()).or_insert(next);
            // More than 64 distinct entry words: the rest never match.
            let bit = 1u64.checked_shl(id).unwrap_or(0);
            if bit == 0 {
                mask = u64::MAX;
                break;
            }
            mask |= bit;
            index.words.entry(w.as_bytes().into()).or_default().entry_words |= bit;
        }
        index.entry_masks.push(mask);
    }
    for verb in super::verbs::verbs() {
        bits_of(&mut index, verb).destructive = true;
    }
    for verb in super::verbs::change_verbs() {
        bits_of(&mut index, verb).changing = true;
    }
    for (i, class) in super::channels::classes().iter().enumerate() {
        let bit = 1u64.checked_shl(u32::try_from(i).unwrap_or(u32::MAX)).unwrap_or(0);
        for (list, which) in [(&class.words, 0), (&class.verbs, 1), (&class.servers, 2)] {
            for w in list {
                let bits = bits_of(&mut index, w);
                match which {
                    0 => bits.nouns |= bit,
                    1 => bits.verbs |= bit,
                    _ => bits.servers |= bit,
                }
            }
        }
    }
    index
}

/// The bits of `word` (lowercased) in `index`, added when new.
fn bits_of<'i>(index: &'i mut Index, word: &str) -> &'i mut Bits {
    index
        .words
        .entry(word.to_ascii_lowercase().into_bytes().into())
        .or_default()
}

fn index() -> &'static Index {
    static INDEX: std::sync::OnceLock<Index> = std::sync::OnceLock::new();
    INDEX.get_or_init(build)
}

/// True when `word` is a destructive verb, in any case.
pub(crate) fn is_destructive(word: &str) -> bool {
    let mut buf = [0u8; BUF];
    route_table::lower(word, &mut buf)
        .and_then(|k| index().words.get(k))
        .is_some_and(|b| b.destructive)
}

/// What a tool's name and server say.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct NameFacts {
    /// The first routing entry whose every word is there.
    pub(crate) entry: Option<&'static Entry>,
    /// The first channel class the tool is.
    pub(crate) channel: Option<&'static str>,
    /// The name (not the server) has a destructive verb.
    pub(crate) destructive: bool,
    /// The name (not the server) has a verb of change.
    pub(crate) changing: bool,
}

/// The facts of tool `name` of `server`.
pub(crate) fn facts(name: &str, server: Option<&str>) -> NameFacts {
    let index = index();
    let mut seen = Bits::default();
    let mut facts = NameFacts::default();
    for (text, is_name) in std::iter::once((name, true)).chain(server.map(|s| (s, false))) {
        super::words(text, |w| {
            let mut buf = [0u8; BUF];
            if let Some(bits) = route_table::lower(w, &mut buf).and_then(|k| index.words.get(k)) {
                seen.entry_words |= bits.entry_words;
                seen.nouns |= bits.nouns;
                seen.verbs |= bits.verbs;
                seen.servers |= bits.servers;
                facts.destructive |= is_name && bits.destructive;
                facts.changing |= is_name && bits.changing;
            }
        });
    }
    if seen.entry_words != 0 {
        let entries = &route_table::table().entries;
        facts.entry = index
            .entry_masks
            .iter()
            .zip(entries)
            .find(|(mask, _)| **mask & seen.entry_words == **mask)
            .map(|(_, e)| e);
    }
    if seen.nouns != 0 {
        facts.channel = super::channels::classes()
            .iter()
            .enumerate()
            .find_map(|(i, class)| {
                let bit = 1u64.checked_shl(u32::try_from(i).ok()?)?;
                let ok = seen.nouns & bit != 0
                    && (class.verbs.is_empty() || seen.verbs & bit != 0)
                    && (class.servers.is_empty() || seen.servers & bit != 0);
                ok.then_some(class.name.as_str())
            });
    }
    facts
}
