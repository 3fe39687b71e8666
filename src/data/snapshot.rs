//! The default-policy snapshot: what a process would otherwise compute at
//! start from the embedded parts and tables, computed once at development
//! time and embedded as bytes.
//!
//! A `portcullis hook` process makes one decision and exits, so reading the
//! twenty-one JSON parts of the default policy, parsing the TOML tables and
//! building the automata its one decision touches cost more than the
//! decision itself, many times over. `src/defaults/snapshot.bin` (some 70
//! KB) holds the results in three sections:
//!
//! - **model**: the composed default [`Policy`](crate::Policy) in postcard
//!   (`policy::snapshot`), with its policy hash;
//! - **tables**: the embedded TOML tables as JSON (read by [`super::toml`],
//!   several times faster to deserialize than TOML);
//! - **automata**: the literal gates of the regex sets the default policy
//!   builds (`pattern::gates`): which patterns could match a haystack, so
//!   that a one-decision process builds only those.
//!
//! Each section is found by this module and decoded by its owner; every
//! owner falls back to the slow path (reading the JSON parts, parsing the
//! TOML, building the automaton) when its entry is missing, does not match
//! the text it was made from, or does not decode. So a snapshot can make a
//! decision slower, never different. `build.rs` compares the hash of the
//! snapshot's inputs (`snapshot_inputs.rs`) with the one recorded here and
//! fails the build when they differ; the snapshot is made by `make
//! snapshot` (`cargo run --example snapshot`).
//!
//! Layout (little-endian): the magic `PCLSNAP1`, the format version (u32),
//! the section count (u32), the 32-byte inputs hash, then per section its
//! offset and length (u32 each); sections start at multiples of 8 bytes
//! (and the embedded file at an 8-byte boundary), so a section may hold
//! tables read in place. Cost at start: nothing until an owner asks for its
//! section; then a bounds check.

/// The first bytes of a snapshot file.
pub(crate) const MAGIC: &[u8; 8] = b"PCLSNAP1";

/// The container's format version; a file with another is not read.
pub(crate) const FORMAT: u32 = 1;

/// Where the section table starts.
const TABLE_AT: usize = 8 + 4 + 4 + 32;

/// The sections, in file order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    /// The composed default policy (postcard), its policy hash and the
    /// fingerprint of the parts it was read from.
    Model = 0,
    /// The embedded TOML tables, as JSON.
    Tables = 1,
    /// The literal gates of regex sets.
    Automata = 2,
}

/// How many sections a snapshot has.
pub(crate) const SECTIONS: usize = 3;

/// The file's bytes, aligned for tables read in place.
#[cfg(portcullis_snapshot)]
#[repr(C, align(8))]
struct Aligned<B: ?Sized>(B);

/// The embedded snapshot: present only when `build.rs` found it current
/// (the `portcullis_snapshot` cfg); without it every owner takes its slow
/// path.
#[cfg(portcullis_snapshot)]
static EMBEDDED: &Aligned<[u8]> = &Aligned(*include_bytes!("../defaults/snapshot.bin"));

/// The embedded snapshot's bytes, if the build embedded one.
fn embedded() -> Option<&'static [u8]> {
    #[cfg(portcullis_snapshot)]
    {
        Some(&EMBEDDED.0)
    }
    #[cfg(not(portcullis_snapshot))]
    {
        None
    }
}

/// One section of the embedded snapshot; `None` without a snapshot or for a
/// malformed one.
pub(crate) fn section(which: Section) -> Option<&'static [u8]> {
    section_of(embedded()?, which)
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let b: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(b))
}

/// The inputs hash recorded in a snapshot file (`build.rs` reads it the
/// same way).
pub(crate) fn inputs_hash_of(bytes: &[u8]) -> Option<[u8; 32]> {
    if bytes.get(..8)? != MAGIC || u32_at(bytes, 8)? != FORMAT {
        return None;
    }
    bytes.get(16..48)?.try_into().ok()
}

/// Section `which` of the snapshot file `bytes`.
pub(crate) fn section_of(bytes: &[u8], which: Section) -> Option<&[u8]> {
    inputs_hash_of(bytes)?;
    if u32_at(bytes, 12)? as usize != SECTIONS {
        return None;
    }
    let entry = TABLE_AT + 8 * which as usize;
    let offset = u32_at(bytes, entry)? as usize;
    let len = u32_at(bytes, entry + 4)? as usize;
    bytes.get(offset..offset.checked_add(len)?)
}

/// A snapshot file from its inputs hash and sections (in [`Section`] order).
#[cfg(any(test, feature = "internals"))]
pub(crate) fn assemble(inputs_hash: [u8; 32], sections: [&[u8]; SECTIONS]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_le_bytes());
    out.extend_from_slice(&(SECTIONS as u32).to_le_bytes());
    out.extend_from_slice(&inputs_hash);
    let mut at = align8(TABLE_AT + 8 * SECTIONS);
    let mut table = Vec::new();
    for s in &sections {
        table.extend_from_slice(&(at as u32).to_le_bytes());
        table.extend_from_slice(&(s.len() as u32).to_le_bytes());
        at = align8(at + s.len());
    }
    out.extend_from_slice(&table);
    for s in &sections {
        out.resize(align8(out.len()), 0);
        out.extend_from_slice(s);
    }
    out
}

/// `n` rounded up to a multiple of 8.
#[cfg(any(test, feature = "internals"))]
fn align8(n: usize) -> usize {
    n.div_ceil(8) * 8
}

/// A fast, stable 64-bit fingerprint of `bytes` (FNV-1a over 8-byte words,
/// then the tail): what a snapshot entry records of the text it was made
/// from, checked at run time before the entry is used. Not a defence
/// against an adversary (the snapshot and the texts are both compiled into
/// the binary); a guard against a snapshot made from other texts.
pub(crate) fn fingerprint(bytes: &[u8]) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ bytes.len() as u64;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let mut b = [0u8; 8];
        b.copy_from_slice(w);
        h = (h ^ u64::from_le_bytes(b)).wrapping_mul(PRIME);
        h ^= h >> 29;
    }
    for &b in words.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(PRIME);
    }
    h ^ (h >> 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_round_trip_and_start_aligned() {
        let file = assemble([7; 32], [b"model", b"tables!", b""]);
        assert_eq!(inputs_hash_of(&file), Some([7; 32]));
        assert_eq!(section_of(&file, Section::Model), Some(&b"model"[..]));
        assert_eq!(section_of(&file, Section::Tables), Some(&b"tables!"[..]));
        assert_eq!(section_of(&file, Section::Automata), Some(&b""[..]));
        for which in [Section::Model, Section::Tables, Section::Automata] {
            let at = section_of(&file, which).unwrap().as_ptr() as usize - file.as_ptr() as usize;
            assert_eq!(at % 8, 0);
        }
    }

    #[test]
    fn a_malformed_file_has_no_sections() {
        let mut file = assemble([7; 32], [b"model", b"", b""]);
        assert!(section_of(&file[..20], Section::Model).is_none());
        file[8] = 9;
        assert!(section_of(&file, Section::Model).is_none());
        assert!(inputs_hash_of(b"PCLSNAP0").is_none());
    }

    #[test]
    fn fingerprints_differ_for_different_texts() {
        assert_ne!(fingerprint(b"abc"), fingerprint(b"abd"));
        assert_ne!(fingerprint(b""), fingerprint(b"\0"));
        assert_ne!(
            fingerprint(b"0123456789abcdef"),
            fingerprint(b"0123456789abcdeg")
        );
        assert_eq!(fingerprint(b"stable"), fingerprint(b"stable"));
    }
}
