//! Recording without a writer thread, for a process that makes one decision.
//!
//! A coding agent's hook is a process per tool call: starting
//! [`AuditLog`](super::AuditLog)'s writer thread, queueing one entry and
//! joining the thread costs more than the decision. [`append`] opens the
//! trail (locked, resumed from its last record, recovered after a crash,
//! rotated past `max_bytes`, exactly as [`FileSink`] does for the log),
//! seals each entry into the chain on the caller's thread, writes, syncs,
//! updates the anchor and releases the lock: the same records, in the same
//! chain, that the log would have written, and at least as durable as the
//! `synced` level whatever the policy asks (a hook answers once, after its
//! records are on disk). Cost: one file open and lock, one read of the
//! trail's last record, one write, one `fsync` and one anchor rename.

use std::io;
use std::path::Path;

use super::chain;
use super::record::{self, Entry};
use super::sink::{FileOptions, FileSink, Sink};

/// Appends `entries` to the trail at `path` (opened with `options`), in
/// order, and syncs; an error means the trail may hold none or some of
/// them, never a broken chain.
pub fn append(path: &Path, options: &FileOptions, entries: &[Entry]) -> io::Result<()> {
    let mut sink = FileSink::open_with(path, options.clone())?;
    let mut head = sink.head();
    for entry in entries {
        let line = chain::seal(record::body(entry), &mut head, options.key.as_ref());
        sink.write(&line)?;
    }
    sink.flush()?;
    if let Some(file) = sink.sync_file() {
        file.sync_data()?;
    }
    sink.anchor(head)
}
