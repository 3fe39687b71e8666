//! The hash chain that makes an audit trail tamper-evident.
//!
//! Every record carries `seq` (its position in the trail, from 1, continued
//! across rotated files), `prev` (the `hash` of the record before it; 64
//! zeros for the first) and, as its last field, `hash`: the SHA-256 of the
//! record's own bytes up to that field (the line with `,"hash":"…"` removed
//! and the object closed). Deleting, reordering, inserting or editing a line
//! breaks either a line's own hash or the next line's `prev`; truncating the
//! last line breaks its own hash. What a chain cannot show by itself is the
//! loss of its last lines, so a file trail also keeps an *anchor*,
//! `FILE.head` (`{"seq":N,"hash":"…"}`, replaced atomically at every
//! flush): a trail that ends before the anchored record, or whose record
//! at that position has another hash, is broken. Someone who can rewrite
//! the anchor as well can cut the tail unseen; keep a copy of the head
//! hash `verify` prints elsewhere when that matters. Cost: one SHA-256 over
//! each record's bytes.

use std::fmt::Write as _;
use std::io::BufRead;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Where a chain stands: the last record's sequence number and hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// Sequence number of the last record (0 before the first).
    pub seq: u64,
    /// Hash of the last record (zeros before the first).
    pub hash: [u8; 32],
}

impl Head {
    /// The head of an empty chain.
    pub const GENESIS: Head = Head {
        seq: 0,
        hash: [0; 32],
    };

    /// The hash in hex.
    pub fn hash_hex(&self) -> String {
        hex(&self.hash)
    }
}

/// `bytes` as lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn unhex(text: &str) -> Option<[u8; 32]> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(bytes.chunks(2)) {
        let s = std::str::from_utf8(pair).ok()?;
        *o = u8::from_str_radix(s, 16).ok()?;
    }
    Some(out)
}

const HASH_FIELD: &str = ",\"hash\":\"";

/// Appends `body` to the chain at `head`: returns the record's line
/// (without a newline) and moves `head` to it.
pub fn seal(body: Map<String, Value>, head: &mut Head) -> String {
    let seq = head.seq + 1;
    let mut record = Map::with_capacity(body.len() + 3);
    record.insert("seq".into(), Value::from(seq));
    record.extend(body);
    record.insert("prev".into(), Value::String(head.hash_hex()));
    // Serializing a map of JSON values cannot fail.
    let mut line = serde_json::to_string(&Value::Object(record)).unwrap_or_default();
    let hash: [u8; 32] = Sha256::digest(line.as_bytes()).into();
    line.pop(); // the closing `}`
    line.push_str(HASH_FIELD);
    line.push_str(&hex(&hash));
    line.push_str("\"}");
    *head = Head { seq, hash };
    line
}

/// Why a line does not continue the chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Broken {
    /// The line is not a sealed record (truncated, or not ours).
    #[error("not a sealed record: {0}")]
    Malformed(String),
    /// The line's bytes do not hash to its `hash`: it was edited.
    #[error("the record's hash does not match its contents (edited or truncated)")]
    Edited,
    /// `prev` is not the hash of the line before: a line was removed, moved or inserted.
    #[error("`prev` is not the hash of the record before it (expected {expected}, found {found}): a record was removed, moved or inserted")]
    Unlinked {
        /// The previous record's hash.
        expected: String,
        /// This record's `prev`.
        found: String,
    },
    /// `seq` does not follow the record before.
    #[error("`seq` is {found}, expected {expected}")]
    Sequence {
        /// The expected sequence number.
        expected: u64,
        /// The record's.
        found: u64,
    },
    /// The trail ends before the record its anchor names.
    #[error("the trail ends at record {last} but its anchor names record {anchored}: records were removed from the end")]
    Truncated {
        /// The last record's `seq`.
        last: u64,
        /// The anchored `seq`.
        anchored: u64,
    },
    /// The record at the anchored position is not the anchored one.
    #[error(
        "the record's hash is not the one its anchor holds: the end of the trail was rewritten"
    )]
    Unanchored,
}

/// `path` with `suffix` appended to its file name (`FILE.head`, `FILE.1`).
pub(crate) fn with_suffix(path: &std::path::Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    std::path::PathBuf::from(name)
}

/// The anchor file of the trail whose live file is `path`: `FILE.head`.
pub fn anchor_path(path: &std::path::Path) -> std::path::PathBuf {
    with_suffix(path, ".head")
}

/// The anchor's JSON.
pub fn anchor_json(head: &Head) -> String {
    format!(r#"{{"seq":{},"hash":"{}"}}"#, head.seq, head.hash_hex())
}

/// Reads the anchor of the trail at `path` (`None` when there is none).
pub fn read_anchor(path: &std::path::Path) -> std::io::Result<Option<Head>> {
    let text = match std::fs::read_to_string(anchor_path(path)) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let bad = || {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{}: not an anchor", anchor_path(path).display()),
        )
    };
    let value: Value = serde_json::from_str(&text).map_err(|_| bad())?;
    let seq = value.get("seq").and_then(Value::as_u64).ok_or_else(bad)?;
    let hash = value
        .get("hash")
        .and_then(Value::as_str)
        .and_then(unhex)
        .ok_or_else(bad)?;
    Ok(Some(Head { seq, hash }))
}

/// Checks one line against the chain at `head` (when `head` is `None`, the
/// line may continue any chain: the first line of a rotated file read
/// alone); on success moves `head` to it and returns the line's `prev`.
pub fn check(line: &str, head: &mut Option<Head>) -> Result<[u8; 32], Broken> {
    let (claimed, body) = split(line)?;
    let hash: [u8; 32] = Sha256::digest(body.as_bytes()).into();
    if hash != claimed {
        return Err(Broken::Edited);
    }
    let value: Value = serde_json::from_str(&body).map_err(|e| Broken::Malformed(e.to_string()))?;
    let seq = value
        .get("seq")
        .and_then(Value::as_u64)
        .ok_or_else(|| Broken::Malformed("no `seq`".into()))?;
    let prev = value
        .get("prev")
        .and_then(Value::as_str)
        .and_then(unhex)
        .ok_or_else(|| Broken::Malformed("no `prev` hash".into()))?;
    if let Some(h) = head {
        if prev != h.hash {
            return Err(Broken::Unlinked {
                expected: h.hash_hex(),
                found: hex(&prev),
            });
        }
        if seq != h.seq + 1 {
            return Err(Broken::Sequence {
                expected: h.seq + 1,
                found: seq,
            });
        }
    }
    *head = Some(Head { seq, hash });
    Ok(prev)
}

/// A sealed line's claimed hash and the bytes it was computed over.
fn split(line: &str) -> Result<([u8; 32], String), Broken> {
    let malformed = || Broken::Malformed("no `hash` as the last field".into());
    let inner = line.strip_suffix("\"}").ok_or_else(malformed)?;
    let at = inner.rfind(HASH_FIELD).ok_or_else(malformed)?;
    let claimed = inner
        .get(at + HASH_FIELD.len()..)
        .and_then(unhex)
        .ok_or_else(malformed)?;
    let mut body = inner.get(..at).ok_or_else(malformed)?.to_owned();
    body.push('}');
    Ok((claimed, body))
}

/// The result of verifying a trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Records checked.
    pub records: u64,
    /// Where the chain stands after them (`None` for no record).
    pub head: Option<Head>,
    /// The `prev` of the first record: zeros when the trail starts the
    /// chain, otherwise the hash of a record in an earlier file.
    pub continues_from: Option<String>,
}

/// The first line that breaks a trail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {broken}")]
pub struct BrokenAt {
    /// The file, as given.
    pub file: String,
    /// The 1-based line number in it.
    pub line: u64,
    /// What is wrong.
    pub broken: Broken,
}

/// Verifies the trail in `files`, in order (rotated files first, the live
/// file last): every line sealed, every link intact, and, with an
/// `anchor`, the anchored record present with the anchored hash. The first
/// record must start the chain (`seq` 1, `prev` zeros) unless `continued`
/// (older files were removed), in which case it may continue any chain and
/// its `prev` is reported.
pub fn verify_files(
    files: &[std::path::PathBuf],
    anchor: Option<Head>,
    continued: bool,
) -> Result<Verified, VerifyError> {
    let mut head: Option<Head> = (!continued).then_some(Head::GENESIS);
    let mut out = Verified {
        records: 0,
        head: None,
        continues_from: None,
    };
    for path in files {
        let name = path.display().to_string();
        let file =
            std::fs::File::open(path).map_err(|e| VerifyError::Io(name.clone(), e.to_string()))?;
        let reader = std::io::BufReader::new(file);
        for (n, line) in reader.split(b'\n').enumerate() {
            let line_no = n as u64 + 1;
            let at = |broken| {
                VerifyError::Broken(BrokenAt {
                    file: name.clone(),
                    line: line_no,
                    broken,
                })
            };
            let line = line.map_err(|e| VerifyError::Io(name.clone(), e.to_string()))?;
            let line =
                String::from_utf8(line).map_err(|_| at(Broken::Malformed("not UTF-8".into())))?;
            let prev = check(&line, &mut head).map_err(at)?;
            if out.records == 0 {
                out.continues_from = Some(hex(&prev));
            }
            if let (Some(a), Some(h)) = (anchor, head) {
                if h.seq == a.seq && h.hash != a.hash {
                    return Err(at(Broken::Unanchored));
                }
            }
            out.records += 1;
        }
        if let (Some(a), Some(last)) = (anchor, files.last()) {
            let last_seq = head.map_or(0, |h| h.seq);
            if last == path && last_seq < a.seq {
                return Err(VerifyError::Broken(BrokenAt {
                    file: name,
                    line: out.records + 1,
                    broken: Broken::Truncated {
                        last: last_seq,
                        anchored: a.seq,
                    },
                }));
            }
        }
    }
    out.head = head;
    Ok(out)
}

/// Why a trail could not be verified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// A file could not be read.
    #[error("{0}: {1}")]
    Io(String, String),
    /// A line breaks the chain.
    #[error(transparent)]
    Broken(#[from] BrokenAt),
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(i: u64) -> Map<String, Value> {
        match json!({"effect": "allow", "n": i}) {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn sealed_lines_check_and_edits_do_not() {
        let mut head = Head::GENESIS;
        let lines: Vec<String> = (0..3).map(|i| seal(body(i), &mut head)).collect();
        let mut check_head = Some(Head::GENESIS);
        for l in &lines {
            check(l, &mut check_head).unwrap();
        }
        assert_eq!(check_head, Some(head));
        let edited = lines[1].replace("\"n\":1", "\"n\":7");
        let mut h = None;
        assert_eq!(check(&edited, &mut h), Err(Broken::Edited));
        let mut h = Some(Head::GENESIS);
        check(&lines[0], &mut h).unwrap();
        assert!(matches!(
            check(&lines[2], &mut h),
            Err(Broken::Unlinked { .. })
        ));
        let truncated = &lines[2][..lines[2].len() - 5];
        assert!(matches!(
            check(truncated, &mut None),
            Err(Broken::Malformed(_))
        ));
    }
}
