//! The audit log: records written before their decisions are handed back
//! (or, at the `buffered` level, queued in front of a writer thread), sealed
//! into the chain and handed to a sink.
//!
//! At the `written` and `synced` levels ([`Durability`]) the deciding thread
//! builds its record, seals it and writes it to the operating system under
//! the log's lock, and at `synced` waits for a group-commit `fsync`
//! ([`super::durability`]); the decision is returned only then, so a
//! process killed at any instant has every decision it answered in its
//! trail. A writer thread syncs and anchors what was written every
//! [`Options::flush_interval`]. At the `buffered` level the decision path
//! only moves an [`Entry`] into a bounded queue; redaction, serialization,
//! hashing and I/O happen on the writer thread, which flushes every
//! [`Options::flush_records`] records, after [`Options::flush_interval`]
//! without one, on [`AuditLog::flush`] and when the log is closed or
//! dropped. When the queue is full the caller chooses (the policy's
//! `audit_overflow`): wait for room, or deny — and a denial that could not
//! be queued is counted and written to the trail as an `overflow` record as
//! soon as there is room, so nothing disappears without a trace. A sink
//! that fails marks the log failed: every later record is refused with the
//! error, and the engine denies those requests. Cost on the decision path:
//! `written`, one record built and sealed and one `write(2)` (measured in
//! `cargo bench --bench audit`); `synced`, that and a share of one `fsync`;
//! `buffered`, one channel send of a boxed entry.

use std::fs::File;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};

use super::chain::{self, Head};
use super::durability::{Commit, Durability};
use super::key::Key;
use super::record::{self, Entry};
use super::sink::{CallbackSink, FileOptions, FileSink, Sink};

/// Called with each anchor (the head of the synced chain), on the log's
/// writer thread: a copy kept elsewhere shows a cut tail without a key.
pub type AnchorFn = Arc<dyn Fn(&Head) + Send + Sync>;

/// Called with each sealed line once the sink took it, in chain order,
/// under the log's lock (an export such as [`super::otlp`]: keep it cheap).
pub type RecordFn = Arc<dyn Fn(&str) + Send + Sync>;

/// How the log queues, flushes and seals.
#[derive(Clone)]
pub struct Options {
    /// Records the queue holds before the overflow setting applies (`buffered`).
    pub capacity: usize,
    /// Flush the sink after this many queued records (`buffered`).
    pub flush_records: usize,
    /// Sync and anchor what was written when this long passed without a
    /// queued record.
    pub flush_interval: Duration,
    /// Seal records with this key (a keyed chain). [`AuditLog::open`] takes
    /// it from its [`FileOptions`].
    pub key: Option<Key>,
    /// Also hand each anchor to this function.
    pub on_anchor: Option<AnchorFn>,
    /// Also hand each sealed line to this function.
    pub on_record: Option<RecordFn>,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("capacity", &self.capacity)
            .field("flush_records", &self.flush_records)
            .field("flush_interval", &self.flush_interval)
            .field("key", &self.key)
            .field("on_anchor", &self.on_anchor.is_some())
            .field("on_record", &self.on_record.is_some())
            .finish()
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            capacity: 4096,
            flush_records: 256,
            flush_interval: Duration::from_millis(50),
            key: None,
            on_anchor: None,
            on_record: None,
        }
    }
}

impl Options {
    /// The most answered decisions a crash can take from the trail at the
    /// `buffered` level: a full queue and an unflushed batch.
    pub fn buffered_loss_bound(&self) -> u64 {
        (self.capacity.max(1) + self.flush_records) as u64
    }
}

/// Why a record was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditError {
    /// The queue is full (only from [`AuditLog::try_record`]).
    #[error("the audit queue is full")]
    Full,
    /// The sink failed; nothing more is recorded.
    #[error("the audit log cannot be written: {0}")]
    Failed(String),
    /// The writer thread is gone.
    #[error("the audit log is closed")]
    Closed,
}

/// What the log has done so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Records written to the sink (overflow and recovery records included).
    pub written: u64,
    /// Syncs run (group commits, background syncs and flushes).
    pub syncs: u64,
    /// Entries queued and not yet written (`buffered`).
    pub queued: u64,
}

enum Message {
    Record(Box<Entry>),
    Flush(SyncSender<Result<(), AuditError>>),
}

/// The sink and where the chain stands, under the log's lock.
struct Writer {
    sink: Box<dyn Sink>,
    head: Head,
    /// The last anchored `seq`.
    anchored: u64,
}

struct Shared {
    writer: Mutex<Writer>,
    failed: Mutex<Option<String>>,
    unrecorded: AtomicU64,
    written: AtomicU64,
    queued: AtomicU64,
    buffering: AtomicBool,
    commit: Commit,
    /// The head of the synced chain (what may be anchored).
    synced: Mutex<Head>,
    options: Options,
}

impl Shared {
    fn failure(&self) -> Option<String> {
        self.failed
            .lock()
            .map_or_else(|_| Some("the audit writer panicked".into()), |f| f.clone())
    }

    fn fail(&self, error: &io::Error) -> AuditError {
        let mut why = error.to_string();
        if let Ok(mut f) = self.failed.lock() {
            why = f.get_or_insert(why).clone();
        }
        AuditError::Failed(why)
    }

    fn lock(&self) -> Result<MutexGuard<'_, Writer>, AuditError> {
        self.writer
            .lock()
            .map_err(|_| AuditError::Failed("the audit writer panicked".into()))
    }

    /// Seals `body` and writes it, after the overflow record if one is due;
    /// unless `buffered`, flushes to the operating system. Returns its `seq`.
    fn append(&self, body: Map<String, Value>, buffered: bool) -> Result<u64, AuditError> {
        if let Some(why) = self.failure() {
            return Err(AuditError::Failed(why));
        }
        // Serialized outside the lock; only sealing and writing are inside.
        let body = chain::serialize(body);
        let mut w = self.lock()?;
        let count = self.unrecorded.swap(0, Ordering::Relaxed);
        if count > 0 {
            self.seal_and_write(&mut w, &chain::serialize(overflow_body(count)))?;
        }
        let seq = self.seal_and_write(&mut w, &body)?;
        if !buffered {
            w.sink.flush().map_err(|e| self.fail(&e))?;
        }
        Ok(seq)
    }

    fn seal_and_write(&self, w: &mut Writer, body: &str) -> Result<u64, AuditError> {
        let line = chain::seal_json(body, &mut w.head, self.options.key.as_ref());
        w.sink.write(&line).map_err(|e| self.fail(&e))?;
        self.written.fetch_add(1, Ordering::Relaxed);
        if let Some(f) = &self.options.on_record {
            f(&line);
        }
        Ok(w.head.seq)
    }

    /// Flushes, then syncs everything written so far outside the lock;
    /// returns the last `seq` it covers.
    fn sync_now(&self) -> io::Result<u64> {
        let (head, file): (Head, Option<Arc<File>>) = {
            let mut w = self
                .writer
                .lock()
                .map_err(|_| io::Error::other("the audit writer panicked"))?;
            w.sink.flush()?;
            (w.head, w.sink.sync_file())
        };
        if let Some(file) = file {
            file.sync_data()?;
        }
        if let Ok(mut synced) = self.synced.lock() {
            if head.seq > synced.seq {
                *synced = head;
            }
        }
        Ok(head.seq)
    }

    /// Returns once every record up to `seq` is synced (group commit).
    fn sync_to(&self, seq: u64) -> Result<(), AuditError> {
        self.commit
            .sync_to(seq, || self.sync_now(), || self.failure())
            .map_err(|why| self.fail(&io::Error::other(why)))
    }

    /// Syncs everything written and anchors it; reports the first failure.
    fn flush_all(&self) -> Result<(), AuditError> {
        let count = self.unrecorded.swap(0, Ordering::Relaxed);
        let seq = {
            let mut w = self.lock()?;
            if count > 0 {
                self.seal_and_write(&mut w, &chain::serialize(overflow_body(count)))?;
            }
            w.head.seq
        };
        self.sync_to(seq)?;
        let mut w = self.lock()?;
        let synced = self.synced.lock().map(|h| *h).unwrap_or(Head::GENESIS);
        if synced.seq > w.anchored {
            w.sink.anchor(synced).map_err(|e| self.fail(&e))?;
            w.anchored = synced.seq;
            if let Some(f) = &self.options.on_anchor {
                f(&synced);
            }
        }
        match self.failure() {
            Some(why) => Err(AuditError::Failed(why)),
            None => Ok(()),
        }
    }

    /// Whether records were written since the last anchor.
    fn unanchored(&self) -> bool {
        self.lock().is_ok_and(|w| w.head.seq > w.anchored)
    }

    /// Before the first queued record: tells the sink what a crash could lose.
    fn note_buffering(&self) -> Result<(), AuditError> {
        if self.buffering.load(Ordering::Acquire) {
            return Ok(());
        }
        let mut w = self.lock()?;
        w.sink
            .buffering(self.options.buffered_loss_bound())
            .map_err(|e| self.fail(&e))?;
        self.buffering.store(true, Ordering::Release);
        Ok(())
    }
}

/// A tamper-evident audit log (see the module doc). `Send + Sync`: share it
/// between threads by reference or in an `Arc`.
pub struct AuditLog {
    tx: Option<SyncSender<Message>>,
    shared: Arc<Shared>,
    worker: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog").finish_non_exhaustive()
    }
}

impl AuditLog {
    /// A log writing to `sink`, continuing the chain where the sink says it
    /// stands. With a callback sink, the callback runs on the deciding
    /// thread for `written` and `synced` records and on the log's writer
    /// thread for `buffered` ones: one record at a time, in chain order.
    pub fn new(sink: impl Sink, options: Options) -> io::Result<AuditLog> {
        let (tx, rx) = mpsc::sync_channel::<Message>(options.capacity.max(1));
        let head = sink.head();
        let shared = Arc::new(Shared {
            writer: Mutex::new(Writer {
                sink: Box::new(sink),
                head,
                anchored: head.seq,
            }),
            failed: Mutex::new(None),
            unrecorded: AtomicU64::new(0),
            written: AtomicU64::new(0),
            queued: AtomicU64::new(0),
            buffering: AtomicBool::new(false),
            commit: Commit::default(),
            synced: Mutex::new(head),
            options,
        });
        let writer_shared = Arc::clone(&shared);
        let worker = std::thread::Builder::new()
            .name("portcullis-audit".into())
            .spawn(move || write_loop(rx, &writer_shared))?;
        Ok(AuditLog {
            tx: Some(tx),
            shared,
            worker: Some(worker),
        })
    }

    /// A log appending to the file at `path`, rotated past `max_bytes`.
    pub fn to_file(
        path: impl AsRef<std::path::Path>,
        max_bytes: Option<u64>,
    ) -> io::Result<AuditLog> {
        AuditLog::new(FileSink::open(path, max_bytes)?, Options::default())
    }

    /// A log appending to the file at `path` opened with `file` (its key
    /// replaces `options.key`, so the sink and the log seal alike).
    pub fn open(
        path: impl AsRef<std::path::Path>,
        file: FileOptions,
        mut options: Options,
    ) -> io::Result<AuditLog> {
        options.key = file.key.clone();
        AuditLog::new(FileSink::open_with(path, file)?, options)
    }

    /// A log calling `f` with each sealed line (see [`AuditLog::new`] for
    /// the thread it runs on).
    pub fn to_callback(f: impl FnMut(&str) + Send + 'static) -> io::Result<AuditLog> {
        AuditLog::new(CallbackSink::new(f), Options::default())
    }

    fn sender(&self) -> Result<&SyncSender<Message>, AuditError> {
        if let Some(why) = self.shared.failure() {
            return Err(AuditError::Failed(why));
        }
        self.tx.as_ref().ok_or(AuditError::Closed)
    }

    /// Records `entry` at `durability`: returns once it is written (and, at
    /// `synced`, synced), or at `buffered` once it is queued, waiting for
    /// room when the queue is full.
    pub fn record(&self, entry: Entry, durability: Durability) -> Result<(), AuditError> {
        match durability {
            Durability::Buffered => {
                self.shared.note_buffering()?;
                let sender = self.sender()?;
                self.shared.queued.fetch_add(1, Ordering::Relaxed);
                sender
                    .send(Message::Record(Box::new(entry)))
                    .map_err(|_| AuditError::Closed)
            }
            level => self.write_body(record::body(&entry), level),
        }
    }

    /// Queues `entry` at the `buffered` level if there is room;
    /// [`AuditError::Full`] otherwise.
    pub fn try_record(&self, entry: Entry) -> Result<(), AuditError> {
        self.shared.note_buffering()?;
        let sender = self.sender()?;
        self.shared.queued.fetch_add(1, Ordering::Relaxed);
        match sender.try_send(Message::Record(Box::new(entry))) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.shared.queued.fetch_sub(1, Ordering::Relaxed);
                Err(match e {
                    TrySendError::Full(_) => AuditError::Full,
                    TrySendError::Disconnected(_) => AuditError::Closed,
                })
            }
        }
    }

    /// Writes a record body (without its chain fields) at `written` or
    /// `synced` on the caller's thread.
    pub(crate) fn write_body(
        &self,
        body: Map<String, Value>,
        durability: Durability,
    ) -> Result<(), AuditError> {
        if self.tx.is_none() {
            return Err(AuditError::Closed);
        }
        let seq = self
            .shared
            .append(body, durability == Durability::Buffered)?;
        if durability == Durability::Synced {
            self.shared.sync_to(seq)?;
        }
        Ok(())
    }

    /// Counts a decision that was denied because it could not be queued;
    /// the count is written to the trail as soon as there is room.
    pub fn count_unrecorded(&self) {
        self.shared.unrecorded.fetch_add(1, Ordering::Relaxed);
    }

    /// What the log has done so far.
    pub fn stats(&self) -> Stats {
        Stats {
            written: self.shared.written.load(Ordering::Relaxed),
            syncs: self.shared.commit.syncs(),
            queued: self.shared.queued.load(Ordering::Relaxed),
        }
    }

    /// Waits until every record queued so far is written, synced and anchored.
    pub fn flush(&self) -> Result<(), AuditError> {
        let (reply, done) = mpsc::sync_channel(1);
        self.sender()?
            .send(Message::Flush(reply))
            .map_err(|_| AuditError::Closed)?;
        done.recv().map_err(|_| AuditError::Closed)?
    }

    /// Writes everything queued, syncs, anchors, stops the writer and
    /// reports the first failure, if any.
    pub fn close(mut self) -> Result<(), AuditError> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<(), AuditError> {
        drop(self.tx.take());
        if let Some(worker) = self.worker.take() {
            if worker.join().is_err() {
                return Err(AuditError::Failed("the audit writer panicked".into()));
            }
        }
        match self.shared.failure() {
            Some(why) => Err(AuditError::Failed(why)),
            None => Ok(()),
        }
    }
}

impl Drop for AuditLog {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

/// The record of decisions denied unrecorded while the queue was full.
fn overflow_body(count: u64) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("v".into(), Value::from(record::RECORD_VERSION));
    out.insert(
        "ts".into(),
        Value::String(record::timestamp(SystemTime::now())),
    );
    out.insert("event".into(), Value::String("overflow".into()));
    out.insert("unrecorded".into(), Value::from(count));
    out.insert("effect".into(), Value::String("deny".into()));
    out.insert(
        "reason".into(),
        Value::String(format!(
            "{count} decision(s) were denied without a record: the audit queue was full"
        )),
    );
    out
}

fn write_loop(rx: mpsc::Receiver<Message>, shared: &Shared) {
    let options = &shared.options;
    let mut pending = 0usize;
    loop {
        match rx.recv_timeout(options.flush_interval) {
            Ok(Message::Record(entry)) => {
                let body = record::body(&entry);
                drop(entry);
                let _ = shared.append(body, true);
                shared.queued.fetch_sub(1, Ordering::Relaxed);
                pending += 1;
                if pending >= options.flush_records {
                    pending = 0;
                    let _ = shared.flush_all();
                }
            }
            Ok(Message::Flush(reply)) => {
                pending = 0;
                let _ = reply.send(shared.flush_all());
            }
            Err(RecvTimeoutError::Timeout) => {
                if pending > 0
                    || shared.unrecorded.load(Ordering::Relaxed) > 0
                    || shared.unanchored()
                {
                    pending = 0;
                    let _ = shared.flush_all();
                }
            }
            Err(RecvTimeoutError::Disconnected) => {
                let _ = shared.flush_all();
                return;
            }
        }
    }
}
