//! Where sealed audit records go: a file with rotation, or the embedder's
//! callback.
//!
//! A [`Sink`] receives complete lines from the audit writer thread, one
//! call per record, and is flushed on a bound of records or milliseconds
//! and when the log closes. [`FileSink`] appends to a file through a
//! buffer; when the file passes its size bound it is renamed to the next
//! free `FILE.N` (1, 2, … oldest first) and a new file is started, the
//! chain continuing across them. Opening an existing file resumes its chain
//! from its last record, and refuses a file whose last record is broken
//! (it says which file), so a crash mid-write is noticed rather than
//! papered over. Each flush also replaces the trail's anchor `FILE.head`
//! (see [`chain`]). One writer at a time: a file sink holds an
//! exclusive lock on `FILE.lock` from open to drop, so processes sharing a
//! trail (coding-agent hooks running in parallel) take turns instead of
//! forking the chain; a second writer's `open` waits for the first to close. [`CallbackSink`] hands each line to a closure. Cost: a
//! buffered write per record; a rename per rotation.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::chain::{self, Head};

/// A destination for sealed records.
pub trait Sink: Send + 'static {
    /// Writes one record (`line` has no newline).
    fn write(&mut self, line: &str) -> io::Result<()>;
    /// Makes every record written so far durable (as far as the sink can);
    /// `head` is where the chain stands after them.
    fn flush(&mut self, head: Head) -> io::Result<()>;
    /// Where the chain this sink continues stands (a file's last record).
    fn head(&self) -> Head {
        Head::GENESIS
    }
}

/// A sink calling a closure with each line.
pub struct CallbackSink<F>(F);

impl<F: FnMut(&str) + Send + 'static> CallbackSink<F> {
    /// A sink calling `f` with each record's line, on the audit writer thread.
    pub fn new(f: F) -> Self {
        CallbackSink(f)
    }
}

impl<F: FnMut(&str) + Send + 'static> Sink for CallbackSink<F> {
    fn write(&mut self, line: &str) -> io::Result<()> {
        (self.0)(line);
        Ok(())
    }

    fn flush(&mut self, _head: Head) -> io::Result<()> {
        Ok(())
    }
}

/// A sink appending to a file, rotated by size.
pub struct FileSink {
    /// Held locked for the sink's life (released when dropped).
    _lock: File,
    path: PathBuf,
    out: BufWriter<File>,
    size: u64,
    max_bytes: Option<u64>,
    head: Head,
}

/// Default size bound of an audit file before rotation: 64 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 64 << 20;

impl FileSink {
    /// Opens (or creates) `path` for appending, rotating past `max_bytes`
    /// (`None`: never). An existing trail is resumed from its last record:
    /// the file's, or the newest rotated file's when the file is empty.
    pub fn open(path: impl AsRef<Path>, max_bytes: Option<u64>) -> io::Result<FileSink> {
        let path = path.as_ref().to_path_buf();
        let lock_path = chain::with_suffix(&path, ".lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)?;
        lock.lock()?;
        let mut head = last_head(&path)?;
        if head.is_none() {
            if let Some(n) = rotated(&path)?.last() {
                head = last_head(&numbered(&path, *n))?;
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
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        let size = file.metadata()?.len();
        Ok(FileSink {
            _lock: lock,
            path,
            out: BufWriter::with_capacity(64 << 10, file),
            size,
            max_bytes,
            head: head.unwrap_or(Head::GENESIS),
        })
    }

    fn rotate(&mut self) -> io::Result<()> {
        self.out.flush()?;
        let next = rotated(&self.path)?.last().map_or(1, |n| n + 1);
        std::fs::rename(&self.path, numbered(&self.path, next))?;
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        self.out = BufWriter::with_capacity(64 << 10, file);
        self.size = 0;
        Ok(())
    }
}

impl Sink for FileSink {
    fn write(&mut self, line: &str) -> io::Result<()> {
        let len = line.len() as u64 + 1;
        if self
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

    fn flush(&mut self, head: Head) -> io::Result<()> {
        self.out.flush()?;
        self.out.get_ref().sync_data()?;
        // The anchor, replaced atomically: a temporary file renamed over it.
        let anchor = chain::anchor_path(&self.path);
        let temporary = chain::with_suffix(&anchor, ".tmp");
        std::fs::write(&temporary, chain::anchor_json(&head))?;
        std::fs::rename(&temporary, &anchor)
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

/// The head after the last record of `path` (`None`: no file, or empty).
fn last_head(path: &Path) -> io::Result<Option<Head>> {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(None);
    }
    // Read backwards until the line before the last one ends.
    let mut tail: Vec<u8> = Vec::new();
    let mut pos = len;
    let line_start = loop {
        let step = pos.min(64 << 10);
        pos -= step;
        file.seek(SeekFrom::Start(pos))?;
        let mut chunk = vec![0u8; step as usize];
        file.read_exact(&mut chunk)?;
        chunk.extend_from_slice(&tail);
        tail = chunk;
        let body = tail.strip_suffix(b"\n").unwrap_or(&tail);
        if let Some(i) = body.iter().rposition(|&b| b == b'\n') {
            break i + 1;
        }
        if pos == 0 {
            break 0;
        }
    };
    let last = tail.get(line_start..).unwrap_or_default();
    let broken = |why: String| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{}: its last record is broken ({why}); run `portcullis audit verify` on it and move it aside",
                path.display()
            ),
        )
    };
    let Some(line) = last.strip_suffix(b"\n") else {
        return Err(broken("the last line is not complete".into()));
    };
    let line = std::str::from_utf8(line).map_err(|_| broken("not UTF-8".into()))?;
    let mut head = None;
    chain::check(line, &mut head).map_err(|e| broken(e.to_string()))?;
    Ok(head)
}
