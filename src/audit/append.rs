//! Recording without a writer thread, for a process that makes one decision.
//!
//! A coding agent's hook is a process per tool call: starting
//! [`AuditLog`](super::AuditLog)'s writer thread, queueing one entry and
//! joining the thread costs more than the decision. [`append`] opens the
//! trail (locked, resumed from its last record, rotated past `max_bytes`,
//! exactly as [`FileSink`] does for the log), seals each entry into the
//! chain on the caller's thread, flushes, updates the anchor and releases
//! the lock: the same records, in the same chain, that the log would have
//! written. Cost: one file open and lock, one read of the trail's last
//! record, one write and flush.

use std::io;
use std::path::Path;

use super::chain;
use super::record::{self, Entry};
use super::sink::{FileSink, Sink};

/// Appends `entries` to the trail at `path`, in order, and flushes; an
/// error means the trail may hold none or some of them, never a broken chain.
pub fn append(path: &Path, max_bytes: Option<u64>, entries: &[Entry]) -> io::Result<()> {
    let mut sink = FileSink::open(path, max_bytes)?;
    let mut head = sink.head();
    for entry in entries {
        let line = chain::seal(record::body(entry), &mut head);
        sink.write(&line)?;
    }
    sink.flush(head)
}
