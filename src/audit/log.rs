//! The audit log: a bounded queue in front of a writer thread that seals
//! records into the chain and hands them to a sink.
//!
//! The decision path only moves an [`Entry`] into the queue; redaction,
//! serialization, hashing and I/O happen on the writer thread, which
//! flushes the sink every [`Options::flush_records`] records, after
//! [`Options::flush_interval`] without one, on [`AuditLog::flush`] and when
//! the log is closed or dropped. When the queue is full the caller chooses
//! (the policy's `audit_overflow`): wait for room, or deny — and a denial
//! that could not be queued is counted and written to the trail as an
//! `overflow` record as soon as there is room, so nothing disappears
//! without a trace. A sink that fails marks the log failed: every later
//! record is refused with the error, and the engine denies those requests.
//! Cost on the decision path: one channel send of a boxed entry.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};

use super::chain::{self, Head};
use super::record::{self, Entry};
use super::sink::{CallbackSink, FileSink, Sink};

/// How the log queues and flushes.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Records the queue holds before the overflow setting applies.
    pub capacity: usize,
    /// Flush the sink after this many records.
    pub flush_records: usize,
    /// Flush the sink when this long passed without a record.
    pub flush_interval: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            capacity: 4096,
            flush_records: 256,
            flush_interval: Duration::from_millis(50),
        }
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

enum Message {
    Record(Box<Entry>),
    Flush(SyncSender<Result<(), AuditError>>),
}

#[derive(Default)]
struct Shared {
    failed: Mutex<Option<String>>,
    unrecorded: AtomicU64,
}

impl Shared {
    fn failure(&self) -> Option<String> {
        self.failed
            .lock()
            .map_or_else(|_| Some("the audit writer panicked".into()), |f| f.clone())
    }

    fn fail(&self, error: &io::Error) {
        if let Ok(mut f) = self.failed.lock() {
            f.get_or_insert_with(|| error.to_string());
        }
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
    /// A log writing to `sink`, continuing the chain where the sink says it stands.
    pub fn new(sink: impl Sink, options: Options) -> io::Result<AuditLog> {
        let (tx, rx) = mpsc::sync_channel::<Message>(options.capacity.max(1));
        let shared = Arc::new(Shared::default());
        let writer_shared = Arc::clone(&shared);
        let worker = std::thread::Builder::new()
            .name("portcullis-audit".into())
            .spawn(move || write_loop(sink, rx, &writer_shared, options))?;
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

    /// A log calling `f` with each sealed line, on the writer thread.
    pub fn to_callback(f: impl FnMut(&str) + Send + 'static) -> io::Result<AuditLog> {
        AuditLog::new(CallbackSink::new(f), Options::default())
    }

    fn sender(&self) -> Result<&SyncSender<Message>, AuditError> {
        if let Some(why) = self.shared.failure() {
            return Err(AuditError::Failed(why));
        }
        self.tx.as_ref().ok_or(AuditError::Closed)
    }

    /// Queues `entry`, waiting for room when the queue is full.
    pub fn record(&self, entry: Entry) -> Result<(), AuditError> {
        self.sender()?
            .send(Message::Record(Box::new(entry)))
            .map_err(|_| AuditError::Closed)
    }

    /// Queues `entry` if there is room; [`AuditError::Full`] otherwise.
    pub fn try_record(&self, entry: Entry) -> Result<(), AuditError> {
        match self.sender()?.try_send(Message::Record(Box::new(entry))) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => Err(AuditError::Full),
            Err(TrySendError::Disconnected(_)) => Err(AuditError::Closed),
        }
    }

    /// Counts a decision that was denied because it could not be queued;
    /// the count is written to the trail as soon as there is room.
    pub fn count_unrecorded(&self) {
        self.shared.unrecorded.fetch_add(1, Ordering::Relaxed);
    }

    /// Waits until every record queued so far is written and the sink flushed.
    pub fn flush(&self) -> Result<(), AuditError> {
        let (reply, done) = mpsc::sync_channel(1);
        self.sender()?
            .send(Message::Flush(reply))
            .map_err(|_| AuditError::Closed)?;
        done.recv().map_err(|_| AuditError::Closed)?
    }

    /// Writes everything queued, flushes, stops the writer and reports the
    /// first failure, if any.
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

struct Writer<S> {
    sink: S,
    head: Head,
    pending: usize,
}

impl<S: Sink> Writer<S> {
    fn write(&mut self, body: Map<String, Value>, shared: &Shared) {
        let line = chain::seal(body, &mut self.head);
        if let Err(e) = self.sink.write(&line) {
            shared.fail(&e);
        }
        self.pending += 1;
    }

    fn note_overflow(&mut self, shared: &Shared) {
        let count = shared.unrecorded.swap(0, Ordering::Relaxed);
        if count > 0 {
            self.write(overflow_body(count), shared);
        }
    }

    fn flush(&mut self, shared: &Shared) -> Result<(), AuditError> {
        self.pending = 0;
        self.sink.flush(self.head).map_err(|e| {
            shared.fail(&e);
            AuditError::Failed(e.to_string())
        })?;
        match shared.failure() {
            Some(why) => Err(AuditError::Failed(why)),
            None => Ok(()),
        }
    }
}

fn write_loop(sink: impl Sink, rx: mpsc::Receiver<Message>, shared: &Shared, options: Options) {
    let mut w = Writer {
        head: sink.head(),
        sink,
        pending: 0,
    };
    loop {
        match rx.recv_timeout(options.flush_interval) {
            Ok(Message::Record(entry)) => {
                w.note_overflow(shared);
                w.write(record::body(&entry), shared);
                if w.pending >= options.flush_records {
                    let _ = w.flush(shared);
                }
            }
            Ok(Message::Flush(reply)) => {
                w.note_overflow(shared);
                let _ = reply.send(w.flush(shared));
            }
            Err(RecvTimeoutError::Timeout) => {
                w.note_overflow(shared);
                if w.pending > 0 {
                    let _ = w.flush(shared);
                }
            }
            Err(RecvTimeoutError::Disconnected) => {
                w.note_overflow(shared);
                let _ = w.flush(shared);
                return;
            }
        }
    }
}
