//! Reopening a trail after a crash: the torn last line and the writer that
//! never closed, each sealed off by a recovery record.
//!
//! A writer killed mid-`write(2)` leaves a last line without its newline,
//! and a writer killed at all leaves no word of whether it lost anything.
//! Resuming silently over either would make the trail lie by omission;
//! refusing to resume would stop every later decision. So the next writer,
//! holding the trail's lock, reads the tail ([`tail`]): the last complete
//! line must check (otherwise the trail was edited, and opening is
//! refused), and a torn line after it is kept in place, ended by a newline,
//! with a `recovery` record sealed after it that names the torn bytes'
//! length and SHA-256, which is what lets [`verify_files`](super::verify_files)
//! accept it. The lock file holds the writer's state ([`WriterState`]: its
//! pid, whether it closed, and the most records it ever had queued but not
//! written); when the previous writer did not close, the recovery record
//! says so, and at the `buffered` level how many answered decisions may be
//! missing. Cost at open: one read of the trail's last lines and of the
//! lock file; one record when something is recovered.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::SystemTime;

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::chain::{self, Head};
use super::key::Key;
use super::record;

/// The last line of a trail file, cut short.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Torn {
    /// Its length in bytes.
    pub bytes: usize,
    /// The SHA-256 of those bytes, in hex.
    pub sha256: String,
}

/// What the end of a trail file holds.
#[derive(Debug, Default)]
pub(crate) struct Tail {
    /// The head after its last complete record (`None`: none).
    pub head: Option<Head>,
    /// A torn line after it.
    pub torn: Option<Torn>,
}

/// The most bytes [`tail`] reads from the end of a file: two records of the
/// longest request (1 MiB) with room for their decisions, several times over.
pub(crate) const MAX_TAIL_BYTES: usize = 16 << 20;

/// Reads the end of the trail file at `path` (records sealed under `key`).
/// A last complete record that does not check is an error that names the
/// file: that is an edit, not a crash.
pub(crate) fn tail(path: &Path, key: Option<&Key>) -> io::Result<Tail> {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Tail::default()),
        Err(e) => return Err(e),
    };
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(Tail::default());
    }
    // Find the last two newlines, reading backwards a chunk at a time, but
    // never further back than two records can reach: a hostile file of one
    // endless line is refused, not read into memory.
    let mut newlines: Vec<u64> = Vec::with_capacity(2);
    let mut pos = len;
    while newlines.len() < 2 && pos > 0 {
        if len - pos > MAX_TAIL_BYTES as u64 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{}: its last lines are longer than {MAX_TAIL_BYTES} bytes: not an audit trail",
                    path.display()
                ),
            ));
        }
        let step = pos.min(64 << 10);
        pos -= step;
        file.seek(SeekFrom::Start(pos))?;
        let mut chunk = vec![0u8; usize::try_from(step).unwrap_or(0)];
        file.read_exact(&mut chunk)?;
        for (i, _) in chunk.iter().enumerate().rev().filter(|(_, &b)| b == b'\n') {
            newlines.push(pos + i as u64);
            if newlines.len() == 2 {
                break;
            }
        }
    }
    // The last complete line is `start..end - 1` (its newline at `end - 1`);
    // anything after `end` is torn.
    let end = newlines.first().map_or(0, |n| n + 1);
    let start = newlines.get(1).map_or(0, |n| n + 1);
    let mut bytes = Vec::new();
    file.seek(SeekFrom::Start(start))?;
    file.take(len - start).read_to_end(&mut bytes)?;
    let (last_start, last_end) = (0usize, usize::try_from(end - start).unwrap_or(0));
    let broken = |why: String| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{}: its last record is broken ({why}); run `portcullis audit verify` on it and move it aside",
                path.display()
            ),
        )
    };
    let mut head = None;
    if last_end > last_start {
        let line = bytes.get(last_start..last_end - 1).unwrap_or_default();
        let line = std::str::from_utf8(line).map_err(|_| broken("not UTF-8".into()))?;
        chain::check(line, &mut head, key).map_err(|e| broken(e.to_string()))?;
    }
    let torn_bytes = bytes.get(last_end..).unwrap_or_default();
    if torn_bytes.is_empty() {
        return Ok(Tail { head, torn: None });
    }
    let torn = Torn {
        bytes: torn_bytes.len(),
        sha256: chain::hex(&Sha256::digest(torn_bytes)),
    };
    // A record cut only of its newline is whole: the chain goes on from it.
    if let Ok(text) = std::str::from_utf8(torn_bytes) {
        let mut after = head;
        if chain::check(text, &mut after, key).is_ok() {
            head = after;
        }
    }
    Ok(Tail {
        head,
        torn: Some(torn),
    })
}

/// A trail writer's state, kept in the trail's lock file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WriterState {
    /// The writer's process id.
    pub pid: u32,
    /// Whether it closed the trail.
    pub closed: bool,
    /// The most answered decisions it could have lost (records queued or
    /// buffered at the `buffered` level); 0 when it wrote every record
    /// before answering.
    pub buffered: u64,
}

impl WriterState {
    /// This process, opening a trail.
    pub fn opened() -> WriterState {
        WriterState {
            pid: std::process::id(),
            closed: false,
            buffered: 0,
        }
    }

    /// The state in `lock` (`None`: none, or not one: a lock file from an
    /// older version, which never said).
    pub fn read(mut lock: &File) -> Option<WriterState> {
        let mut text = String::new();
        lock.seek(SeekFrom::Start(0)).ok()?;
        lock.take(4096).read_to_string(&mut text).ok()?;
        let value: Value = serde_json::from_str(&text).ok()?;
        Some(WriterState {
            pid: u32::try_from(value.get("pid")?.as_u64()?).ok()?,
            closed: value.get("state")?.as_str()? == "closed",
            buffered: value.get("buffered").and_then(Value::as_u64).unwrap_or(0),
        })
    }

    /// Replaces the state in `lock`.
    pub fn write_to(&self, mut lock: &File) -> io::Result<()> {
        let state = if self.closed { "closed" } else { "open" };
        let text = json!({"pid": self.pid, "state": state, "buffered": self.buffered}).to_string();
        lock.seek(SeekFrom::Start(0))?;
        lock.write_all(text.as_bytes())?;
        lock.set_len(text.len() as u64)
    }
}

/// The recovery record for a torn line and an unclosed previous writer.
pub(crate) fn record(torn: Option<&Torn>, unclosed: Option<&WriterState>) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("v".into(), Value::from(record::RECORD_VERSION));
    out.insert(
        "ts".into(),
        Value::String(record::timestamp(SystemTime::now())),
    );
    out.insert("event".into(), Value::String("recovery".into()));
    let mut reasons = Vec::new();
    if let Some(torn) = torn {
        out.insert(
            "torn".into(),
            json!({"bytes": torn.bytes, "sha256": torn.sha256}),
        );
        reasons.push(format!(
            "the line above is torn ({} bytes written before the writer stopped) and is sealed off here",
            torn.bytes
        ));
    }
    if let Some(writer) = unclosed {
        out.insert(
            "previous_writer".into(),
            json!({"pid": writer.pid, "lost_at_most": writer.buffered}),
        );
        reasons.push(if writer.buffered == 0 {
            format!(
                "the previous writer (pid {}) stopped without closing the trail; it wrote every record before answering, so no decision it answered is missing",
                writer.pid
            )
        } else {
            format!(
                "the previous writer (pid {}) stopped without closing the trail while it queued records (`audit_durability: buffered`): up to {} decisions it answered may be missing",
                writer.pid, writer.buffered
            )
        });
    }
    out.insert("reason".into(), Value::String(reasons.join("; ")));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("portcullis-recover-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("trail.jsonl")
    }

    fn lines(n: u64) -> (String, Head) {
        let mut head = Head::GENESIS;
        let mut text = String::new();
        for i in 0..n {
            let mut body = Map::new();
            body.insert("n".into(), Value::from(i));
            text.push_str(&chain::seal(body, &mut head, None));
            text.push('\n');
        }
        (text, head)
    }

    #[test]
    fn the_tail_names_the_last_record_and_the_torn_bytes() {
        let path = scratch("tail");
        let (text, head) = lines(3);
        std::fs::write(&path, &text).unwrap();
        let t = tail(&path, None).unwrap();
        assert_eq!((t.head, t.torn), (Some(head), None));
        // Every cut inside the last line is a torn line after record 2.
        let (two, head2) = lines(2);
        for cut in two.len() + 1..text.len() - 1 {
            std::fs::write(&path, &text[..cut]).unwrap();
            let t = tail(&path, None).unwrap();
            assert_eq!(t.head, Some(head2), "cut at {cut}");
            let torn = t.torn.unwrap();
            assert_eq!(torn.bytes, cut - two.len());
        }
        // Cut of only its newline: whole, the chain goes on from it.
        std::fs::write(&path, &text[..text.len() - 1]).unwrap();
        let t = tail(&path, None).unwrap();
        assert_eq!(t.head, Some(head));
        assert!(t.torn.is_some());
        // A single torn line and nothing else.
        std::fs::write(&path, &text[..10]).unwrap();
        let t = tail(&path, None).unwrap();
        assert_eq!((t.head, t.torn.map(|t| t.bytes)), (None, Some(10)));
        // One endless line is refused without being read whole.
        std::fs::write(&path, vec![b'x'; MAX_TAIL_BYTES + (128 << 10)]).unwrap();
        let err = tail(&path, None).unwrap_err().to_string();
        assert!(err.contains("not an audit trail"), "{err}");
        // An edited last complete line is refused.
        std::fs::write(&path, text.replace("\"n\":2", "\"n\":9")).unwrap();
        assert!(tail(&path, None).is_err());
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }

    #[test]
    fn writer_states_round_trip_through_the_lock_file() {
        let path = scratch("state");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        assert_eq!(WriterState::read(&lock), None);
        let mut state = WriterState::opened();
        state.buffered = 4352;
        state.write_to(&lock).unwrap();
        assert_eq!(WriterState::read(&lock), Some(state.clone()));
        state.closed = true;
        state.buffered = 0;
        state.write_to(&lock).unwrap();
        assert_eq!(WriterState::read(&lock), Some(state));
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }
}
