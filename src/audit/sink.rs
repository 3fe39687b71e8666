//! Where sealed audit records go: a file with rotation, or the embedder's
//! callback.
//!
//! A [`Sink`] receives complete lines, one call per record, in chain order.
//! The log asks it to [`flush`](Sink::flush) (hand what it buffered to the
//! operating system: the `written` level), gives the `synced` level a file
//! to `fsync` outside the sink's lock ([`Sink::sync_file`]), and tells it
//! when records up to a head are durable ([`Sink::anchor`]).
//!
//! [`FileSink`] appends to a file through a buffer; when the file passes its
//! size bound it is synced, renamed to the next free `FILE.N` (1, 2, …
//! oldest first) and a new file is started, the chain continuing across
//! them. Opening an existing file resumes its chain from its last record
//! and refuses a file whose last complete record is broken or that ends
//! before its anchor (it says which file); a torn last line (a writer
//! killed mid-write) or a writer that never closed is sealed off by a
//! recovery record ([`super::recover`]) instead. Each anchor replaces the
//! trail's `FILE.head` (see [`super::chain`]), and a second copy when
//! [`FileOptions::anchor_copy`] names one (keep it where the trail's
//! writer cannot rewrite it, and a cut tail shows without a key). One
//! writer at a time: a file sink holds an exclusive lock on `FILE.lock`
//! from open to drop, so processes sharing a trail (coding-agent hooks
//! running in parallel) take turns instead of forking the chain; a second
//! writer's `open` waits for the first to close. The lock file also says
//! whether its last writer closed the trail. [`CallbackSink`] hands each
//! line to a closure: a record is as durable as the closure makes it when
//! it returns. Cost: a buffered write per record, a `write(2)` per flush,
//! a rename per rotation and per anchor.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::chain::{self, Head};
use super::key::Key;
use super::recover::{self, WriterState};

/// A destination for sealed records.
pub trait Sink: Send + 'static {
    /// Writes one record (`line` has no newline); may buffer it.
    fn write(&mut self, line: &str) -> io::Result<()>;
    /// Hands every record written so far to the operating system, so that
    /// it survives this process dying.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
    /// The file whose `fsync` makes every flushed record durable, synced
    /// by the log without holding the sink (group commit); `None` when a
    /// flushed record is as durable as this sink makes it.
    fn sync_file(&self) -> Option<Arc<File>> {
        None
    }
    /// Every record up to `head` is flushed and synced: the sink may anchor it.
    fn anchor(&mut self, _head: Head) -> io::Result<()> {
        Ok(())
    }
    /// The log is about to queue records (the `buffered` level): up to
    /// `bound` answered decisions may be lost if the process dies, which a
    /// sink that outlives the process can report to the next writer.
    fn buffering(&mut self, _bound: u64) -> io::Result<()> {
        Ok(())
    }
    /// Where the chain this sink continues stands (a file's last record).
    fn head(&self) -> Head {
        Head::GENESIS
    }
}

/// A sink calling a closure with each line.
pub struct CallbackSink<F>(F);

impl<F: FnMut(&str) + Send + 'static> CallbackSink<F> {
    /// A sink calling `f` with each record's line (see [`AuditLog`](super::AuditLog)
    /// for the thread it runs on).
    pub fn new(f: F) -> Self {
        CallbackSink(f)
    }
}

impl<F: FnMut(&str) + Send + 'static> Sink for CallbackSink<F> {
    fn write(&mut self, line: &str) -> io::Result<()> {
        (self.0)(line);
        Ok(())
    }
}

/// How a [`FileSink`] opens its trail.
#[derive(Debug, Clone, Default)]
pub struct FileOptions {
    /// Rotate past this size (`None`: never).
    pub max_bytes: Option<u64>,
    /// Seal records with this key (a keyed chain); a keyed trail opened
    /// without its key, or a plain one with a key, is refused.
    pub key: Option<Key>,
    /// A second anchor file, replaced with the trail's own.
    pub anchor_copy: Option<PathBuf>,
}

/// Writes to the shared file handle.
struct Shared(Arc<File>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&*self.0).write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A sink appending to a file, rotated by size.
pub struct FileSink {
    /// Held locked for the sink's life (released when dropped); it records
    /// whether this writer closed the trail.
    lock: File,
    state: WriterState,
    path: PathBuf,
    file: Arc<File>,
    out: BufWriter<Shared>,
    size: u64,
    options: FileOptions,
    head: Head,
    /// No write, flush or recovery failed: only then does dropping the sink
    /// record a clean close.
    healthy: bool,
}

/// Default size bound of an audit file before rotation: 64 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 64 << 20;

impl FileSink {
    /// Opens (or creates) `path` for appending, rotating past `max_bytes`
    /// (`None`: never). An existing trail is resumed from its last record:
    /// the file's, or the newest rotated file's when the file is empty.
    pub fn open(path: impl AsRef<Path>, max_bytes: Option<u64>) -> io::Result<FileSink> {
        FileSink::open_with(
            path,
            FileOptions {
                max_bytes,
                ..FileOptions::default()
            },
        )
    }

    /// [`FileSink::open`] with every option.
    pub fn open_with(path: impl AsRef<Path>, options: FileOptions) -> io::Result<FileSink> {
        let path = path.as_ref().to_path_buf();
        let lock_path = chain::with_suffix(&path, ".lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&lock_path)?;
        lock.lock()?;
        let previous = WriterState::read(&lock);
        let key = options.key.as_ref();
        let tail = recover::tail(&path, key)?;
        let mut head = tail.head;
        if head.is_none() {
            if let Some(n) = rotated(&path)?.last() {
                head = recover::tail(&numbered(&path, *n), key)?.head;
            }
        }
        if let Some(anchor) = chain::read_anchor(&path)? {
            let last = head.map_or(0, |h| h.seq);
            if last < anchor.seq {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "{}: the trail ends at record {last} but its anchor names record {}; run `portcullis audit verify` on it",
                        path.display(),
                        anchor.seq
                    ),
                ));
            }
        }
        let file = Arc::new(OpenOptions::new().create(true).append(true).open(&path)?);
        let size = file.metadata()?.len();
        let state = WriterState::opened();
        let mut sink = FileSink {
            lock,
            state,
            path,
            out: BufWriter::with_capacity(64 << 10, Shared(Arc::clone(&file))),
            file,
            size,
            options,
            head: head.unwrap_or(Head::GENESIS),
            healthy: false,
        };
        let unclosed = previous.filter(|p| !p.closed);
        if tail.torn.is_some() || unclosed.is_some() {
            if tail.torn.is_some() {
                // The torn bytes stay where they are, ended by a newline.
                sink.out.write_all(b"\n")?;
                sink.size += 1;
            }
            let body = recover::record(tail.torn.as_ref(), unclosed.as_ref());
            let line = chain::seal(body, &mut sink.head, sink.options.key.as_ref());
            sink.write(&line)?;
            sink.flush()?;
            sink.file.sync_data()?;
        }
        sink.state.write_to(&sink.lock)?;
        sink.healthy = true;
        Ok(sink)
    }

    fn rotate(&mut self) -> io::Result<()> {
        self.out.flush()?;
        self.file.sync_data()?;
        let next = rotated(&self.path)?.last().map_or(1, |n| n + 1);
        std::fs::rename(&self.path, numbered(&self.path, next))?;
        self.file = Arc::new(
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)?,
        );
        self.out = BufWriter::with_capacity(64 << 10, Shared(Arc::clone(&self.file)));
        self.size = 0;
        Ok(())
    }
}

impl Drop for FileSink {
    fn drop(&mut self) {
        // A clean close: the next writer need not recover anything.
        if self.healthy && self.out.flush().is_ok() && self.file.sync_data().is_ok() {
            self.state.closed = true;
            let _ = self.state.write_to(&self.lock);
        }
    }
}

/// Replaces the anchor file `path` with `head`, atomically (a temporary
/// file renamed over it).
fn write_anchor(path: &Path, head: &Head) -> io::Result<()> {
    let temporary = chain::with_suffix(path, ".tmp");
    std::fs::write(&temporary, chain::anchor_json(head))?;
    std::fs::rename(&temporary, path)
}

impl FileSink {
    fn append_line(&mut self, line: &str) -> io::Result<()> {
        let len = line.len() as u64 + 1;
        if self
            .options
            .max_bytes
            .is_some_and(|max| self.size > 0 && self.size + len > max)
        {
            self.rotate()?;
        }
        self.out.write_all(line.as_bytes())?;
        self.out.write_all(b"\n")?;
        self.size += len;
        Ok(())
    }
}

impl Sink for FileSink {
    fn write(&mut self, line: &str) -> io::Result<()> {
        let written = self.append_line(line);
        self.healthy &= written.is_ok();
        written
    }

    fn flush(&mut self) -> io::Result<()> {
        let flushed = self.out.flush();
        self.healthy &= flushed.is_ok();
        flushed
    }

    fn sync_file(&self) -> Option<Arc<File>> {
        Some(Arc::clone(&self.file))
    }

    fn anchor(&mut self, head: Head) -> io::Result<()> {
        write_anchor(&chain::anchor_path(&self.path), &head)?;
        match &self.options.anchor_copy {
            Some(copy) => write_anchor(copy, &head),
            None => Ok(()),
        }
    }

    fn buffering(&mut self, bound: u64) -> io::Result<()> {
        if self.state.buffered < bound {
            self.state.buffered = bound;
            self.state.write_to(&self.lock)?;
        }
        Ok(())
    }

    fn head(&self) -> Head {
        self.head
    }
}

/// `FILE.N`.
fn numbered(path: &Path, n: u64) -> PathBuf {
    chain::with_suffix(path, &format!(".{n}"))
}

/// The numbers of the rotated files of `path`, ascending.
pub fn rotated(path: &Path) -> io::Result<Vec<u64>> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Some(base) = path.file_name().and_then(|n| n.to_str()) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(n) = name
            .strip_prefix(base)
            .and_then(|r| r.strip_prefix('.'))
            .and_then(|r| r.parse::<u64>().ok())
        {
            out.push(n);
        }
    }
    out.sort_unstable();
    Ok(out)
}

/// The files of a rotated trail in chain order: `FILE.1`, `FILE.2`, …, `FILE`.
pub fn trail_files(path: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = rotated(path)?
        .into_iter()
        .map(|n| numbered(path, n))
        .collect();
    out.push(path.to_path_buf());
    Ok(out)
}
