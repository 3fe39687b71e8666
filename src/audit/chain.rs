//! The hash chain that makes an audit trail tamper-evident.
//!
//! Every record carries `seq` (its position in the trail, from 1, continued
//! across rotated files), `prev` (the `hash` of the record before it; 64
//! zeros for the first) and, as its last field, `hash`: the SHA-256 of the
//! record's own bytes up to that field (the line with `,"hash":"…"` removed
//! and the object closed) — or, in a keyed chain ([`super::key`]), their
//! HMAC-SHA-256, the record then naming the key's id in `key`. Deleting,
//! reordering, inserting or editing a line breaks either a line's own hash
//! or the next line's `prev`; truncating the last line breaks its own hash.
//! What a chain cannot show by itself is the loss of its last lines, so a
//! file trail also keeps an *anchor*, `FILE.head` (`{"seq":N,"hash":"…"}`,
//! replaced atomically once records are synced): a trail that ends before
//! the anchored record, or whose record at that position has another hash,
//! is broken. Someone who can rewrite the anchor as well can cut the tail
//! unseen, unless the chain is keyed or a copy of the anchor is kept
//! elsewhere (the file sink's second anchor, or the log's anchor callback).
//!
//! A line torn by a crash mid-write is never resumed over silently: the
//! next writer seals it off with a `recovery` record that names the torn
//! bytes' length and SHA-256 ([`super::recover`]), and [`verify_files`]
//! accepts a broken line only when such a record follows it. Cost: one
//! SHA-256 (or HMAC) over each record's bytes.

use std::fmt::Write as _;
use std::io::BufRead;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::key::Key;

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

pub(crate) fn unhex(text: &str) -> Option<[u8; 32]> {
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

/// Appends `body` to the chain at `head`, sealed under `key` when there is
/// one: returns the record's line (without a newline) and moves `head` to it.
pub fn seal(body: Map<String, Value>, head: &mut Head, key: Option<&Key>) -> String {
    seal_json(&serialize(body), head, key)
}

/// `body` as one line of JSON, in its insertion order (serializing a map
/// of JSON values cannot fail). Done before [`seal_json`], outside the
/// log's lock.
pub fn serialize(body: Map<String, Value>) -> String {
    serde_json::to_string(&Value::Object(body)).unwrap_or_else(|_| "{}".into())
}

/// [`seal`] of a body already serialized (a JSON object): the record is
/// `seq`, the body's fields, `key` (keyed chains), `prev`, then `hash`,
/// byte for byte what serializing the whole record would give.
pub fn seal_json(body: &str, head: &mut Head, key: Option<&Key>) -> String {
    let seq = head.seq + 1;
    let fields = body
        .strip_prefix('{')
        .and_then(|b| b.strip_suffix('}'))
        .unwrap_or_default()
        .trim();
    let mut line = String::with_capacity(body.len() + 200);
    let _ = write!(line, "{{\"seq\":{seq}");
    if !fields.is_empty() {
        line.push(',');
        line.push_str(fields);
    }
    if let Some(key) = key {
        let _ = write!(line, ",\"key\":\"{}\"", key.id());
    }
    let _ = write!(line, ",\"prev\":\"{}\"}}", head.hash_hex());
    let hash = digest(line.as_bytes(), key);
    line.pop(); // the closing `}`
    line.push_str(HASH_FIELD);
    line.push_str(&hex(&hash));
    line.push_str("\"}");
    *head = Head { seq, hash };
    line
}

/// The seal of `bytes`: their SHA-256, or their HMAC under `key`.
fn digest(bytes: &[u8], key: Option<&Key>) -> [u8; 32] {
    match key {
        Some(key) => key.seal(bytes),
        None => Sha256::digest(bytes).into(),
    }
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
    /// The record is keyed and no key was given.
    #[error("the record is sealed with key {0}: verify it with that key (`--key FILE`)")]
    Keyed(String),
    /// The record is keyed with another key.
    #[error("the record is sealed with key {found}, not with the given key {given}")]
    WrongKey {
        /// The given key's id.
        given: String,
        /// The record's.
        found: String,
    },
    /// A key was given and the record is not sealed with one: whoever wrote
    /// it did not hold the key (the trail was rewritten), or the trail was
    /// never keyed.
    #[error("the record is not sealed with the key: it was written without it (a rewrite, or a trail that was never keyed)")]
    Unkeyed,
    /// A torn line (a crash mid-write) that no recovery record seals off.
    #[error("a torn line (a writer died mid-write) that no recovery record seals off; reopening the trail for writing seals it: {0}")]
    Torn(String),
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
    read_anchor_file(&anchor_path(path))
}

/// Reads the anchor file at `path` (`None` when there is none): the
/// trail's own, or a copy kept elsewhere.
pub fn read_anchor_file(path: &std::path::Path) -> std::io::Result<Option<Head>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let bad = || {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{}: not an anchor", path.display()),
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
/// alone), sealed under `key` when one is given; on success moves `head` to
/// it and returns the line's `prev`.
pub fn check(line: &str, head: &mut Option<Head>, key: Option<&Key>) -> Result<[u8; 32], Broken> {
    check_record(line, head, key).map(|(prev, _)| prev)
}

/// [`check`], also returning the record.
pub(crate) fn check_record(
    line: &str,
    head: &mut Option<Head>,
    key: Option<&Key>,
) -> Result<([u8; 32], Value), Broken> {
    let (claimed, body) = split(line)?;
    let value: Value = serde_json::from_str(&body).map_err(|e| Broken::Malformed(e.to_string()))?;
    let keyed = value.get("key").and_then(Value::as_str);
    match (keyed, key) {
        (Some(found), None) => return Err(Broken::Keyed(found.to_owned())),
        (Some(found), Some(given)) if found != given.id() => {
            return Err(Broken::WrongKey {
                given: given.id().to_owned(),
                found: found.to_owned(),
            })
        }
        (None, Some(_)) => return Err(Broken::Unkeyed),
        _ => {}
    }
    if digest(body.as_bytes(), key) != claimed {
        return Err(Broken::Edited);
    }
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
    *head = Some(Head { seq, hash: claimed });
    Ok((prev, value))
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
    /// Torn lines sealed off by a recovery record (crashes mid-write).
    pub torn: u64,
    /// Recovery records: reopenings after a writer that did not close.
    pub recoveries: u64,
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

/// A line that did not check, held until the next line says whether a
/// recovery record seals it off.
struct Pending {
    line: u64,
    bytes: usize,
    sha256: String,
    broken: Broken,
}

/// Whether `record` is a recovery record sealing off `torn`.
fn seals_off(record: &Value, torn: &Pending) -> bool {
    record.get("event").and_then(Value::as_str) == Some("recovery")
        && record.pointer("/torn/sha256").and_then(Value::as_str) == Some(torn.sha256.as_str())
        && record.pointer("/torn/bytes").and_then(Value::as_u64) == Some(torn.bytes as u64)
}

/// Verifies the trail in `files`, in order (rotated files first, the live
/// file last): every line sealed (under `key`, when given), every link
/// intact, every broken line sealed off by the recovery record after it,
/// and, with an `anchor`, the anchored record present with the anchored
/// hash. The first record must start the chain (`seq` 1, `prev` zeros)
/// unless `continued` (older files were removed), in which case it may
/// continue any chain and its `prev` is reported.
pub fn verify_files(
    files: &[std::path::PathBuf],
    anchor: Option<Head>,
    continued: bool,
    key: Option<&Key>,
) -> Result<Verified, VerifyError> {
    let mut head: Option<Head> = (!continued).then_some(Head::GENESIS);
    let mut out = Verified {
        records: 0,
        head: None,
        continues_from: None,
        torn: 0,
        recoveries: 0,
    };
    for path in files {
        let name = path.display().to_string();
        let at = |line: u64, broken| {
            VerifyError::Broken(BrokenAt {
                file: name.clone(),
                line,
                broken,
            })
        };
        let file =
            std::fs::File::open(path).map_err(|e| VerifyError::Io(name.clone(), e.to_string()))?;
        let reader = std::io::BufReader::new(file);
        let mut pending: Option<Pending> = None;
        for (n, line) in reader.split(b'\n').enumerate() {
            let line_no = n as u64 + 1;
            let line = line.map_err(|e| VerifyError::Io(name.clone(), e.to_string()))?;
            let checked = std::str::from_utf8(&line)
                .map_err(|_| Broken::Malformed("not UTF-8".into()))
                .and_then(|text| check_record(text, &mut head, key));
            let (prev, record) = match (checked, pending.take()) {
                (Ok((prev, record)), Some(torn)) if seals_off(&record, &torn) => {
                    out.torn += 1;
                    (prev, record)
                }
                (_, Some(torn)) => return Err(at(torn.line, torn.broken)),
                (Ok(checked), None) => checked,
                (Err(broken), None) => {
                    pending = Some(Pending {
                        line: line_no,
                        bytes: line.len(),
                        sha256: hex(&Sha256::digest(&line)),
                        broken,
                    });
                    continue;
                }
            };
            if record.get("event").and_then(Value::as_str) == Some("recovery") {
                out.recoveries += 1;
            }
            if out.records == 0 {
                out.continues_from = Some(hex(&prev));
            }
            if let (Some(a), Some(h)) = (anchor, head) {
                if h.seq == a.seq && h.hash != a.hash {
                    return Err(at(line_no, Broken::Unanchored));
                }
            }
            out.records += 1;
        }
        if let Some(torn) = pending {
            let broken = match torn.broken {
                Broken::Malformed(why) => Broken::Torn(why),
                other => other,
            };
            return Err(at(torn.line, broken));
        }
        if let (Some(a), Some(last)) = (anchor, files.last()) {
            let last_seq = head.map_or(0, |h| h.seq);
            if last == path && last_seq < a.seq {
                return Err(at(
                    out.records + 1,
                    Broken::Truncated {
                        last: last_seq,
                        anchored: a.seq,
                    },
                ));
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
        let lines: Vec<String> = (0..3).map(|i| seal(body(i), &mut head, None)).collect();
        let mut check_head = Some(Head::GENESIS);
        for l in &lines {
            check(l, &mut check_head, None).unwrap();
        }
        assert_eq!(check_head, Some(head));
        let edited = lines[1].replace("\"n\":1", "\"n\":7");
        let mut h = None;
        assert_eq!(check(&edited, &mut h, None), Err(Broken::Edited));
        let mut h = Some(Head::GENESIS);
        check(&lines[0], &mut h, None).unwrap();
        assert!(matches!(
            check(&lines[2], &mut h, None),
            Err(Broken::Unlinked { .. })
        ));
        let truncated = &lines[2][..lines[2].len() - 5];
        assert!(matches!(
            check(truncated, &mut None, None),
            Err(Broken::Malformed(_))
        ));
    }

    #[test]
    fn a_keyed_chain_refuses_plain_other_keyed_and_unkeyed_checks() {
        let key = Key::new(b"0123456789abcdef0123456789abcdef", "k").unwrap();
        let other = Key::new(b"fedcba9876543210fedcba9876543210", "o").unwrap();
        let mut head = Head::GENESIS;
        let keyed = seal(body(1), &mut head, Some(&key));
        assert!(keyed.contains(&format!("\"key\":\"{}\"", key.id())));
        check(&keyed, &mut Some(Head::GENESIS), Some(&key)).unwrap();
        assert_eq!(
            check(&keyed, &mut None, None),
            Err(Broken::Keyed(key.id().into()))
        );
        assert!(matches!(
            check(&keyed, &mut None, Some(&other)),
            Err(Broken::WrongKey { .. })
        ));
        let plain = seal(body(1), &mut Head::GENESIS.clone(), None);
        assert_eq!(check(&plain, &mut None, Some(&key)), Err(Broken::Unkeyed));
        // Re-sealing the keyed record's bytes as a plain hash with the key
        // field kept: the HMAC check catches it.
        let (_, bytes) = split(&keyed).unwrap();
        let forged = format!(
            "{}{HASH_FIELD}{}\"}}",
            &bytes[..bytes.len() - 1],
            hex(&Sha256::digest(bytes.as_bytes()))
        );
        assert_eq!(check(&forged, &mut None, Some(&key)), Err(Broken::Edited));
    }

    #[test]
    fn sealing_a_serialized_body_is_serializing_the_whole_record() {
        let key = Key::new(b"0123456789abcdef0123456789abcdef", "k").unwrap();
        for key in [None, Some(&key)] {
            let mut head = Head::GENESIS;
            let line = seal(body(3), &mut head, key);
            let mut record = Map::new();
            record.insert("seq".into(), Value::from(1));
            record.extend(body(3));
            if let Some(k) = key {
                record.insert("key".into(), Value::String(k.id().into()));
            }
            record.insert("prev".into(), Value::String("0".repeat(64)));
            let whole = serde_json::to_string(&Value::Object(record)).unwrap();
            assert_eq!(line[..whole.len() - 1], whole[..whole.len() - 1]);
            assert_eq!(digest(whole.as_bytes(), key), head.hash);
        }
        let line = seal_json("{}", &mut Head::GENESIS.clone(), None);
        check(&line, &mut Some(Head::GENESIS), None).unwrap();
    }
}
